#!/usr/bin/env bash
# Set up derive on a Debian machine: TeX Live, pdftotext and bubblewrap (if missing), a virtual
# environment in .venv, and the package with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi

if ! command -v latexmk >/dev/null || ! command -v pdflatex >/dev/null || ! command -v pdftotext >/dev/null; then
  echo "setup.sh: installing TeX Live and poppler-utils from Debian packages" >&2
  apt_install latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern poppler-utils
fi

if ! command -v bwrap >/dev/null; then
  echo "setup.sh: installing bubblewrap (the sandbox TeX runs in) from Debian packages" >&2
  apt_install bubblewrap
fi

# derive's work counter is a small C module, compiled when the package is installed (hatch_build.py); without a
# C compiler and Python's headers derive counts in Python instead (the same results, slower)
headers="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h"
if ! command -v cc >/dev/null || [ ! -f "$headers" ]; then
  case "$(.venv/bin/python -c 'import sys; print(sys.base_prefix)')" in
    /usr) echo "setup.sh: installing a C compiler and Python's headers from Debian packages" >&2
          apt_install gcc libc6-dev python3-dev || echo "setup.sh: no C compiler: derive counts work in Python" >&2 ;;
    *) command -v cc >/dev/null || { echo "setup.sh: installing a C compiler from Debian packages" >&2
          apt_install gcc libc6-dev || echo "setup.sh: no C compiler: derive counts work in Python" >&2; } ;;
  esac
fi

.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "setup.sh: ready (.venv/bin/derive)" >&2
