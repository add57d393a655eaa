"""Shared test helpers: the checkout's root, the CLI run from this checkout, TeX, a fresh clock.

``run_derive`` runs ``python -m derive`` with this interpreter and ``PYTHONPATH`` set to the
checkout, so the package under test is imported even when the test runs in another directory
(and never an installed ``derive`` console script from some other checkout). Tests marked
``tex`` are skipped only where latexmk or pdflatex is missing; ``slow`` marks the tests that
``python -m pytest -m "not slow"`` leaves out (see pyproject.toml).
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from derive.core.budget import Budget, Clock
from derive.render.pdf import tex_available

ROOT = Path(__file__).resolve().parents[1]
"""The root of the checkout under test (the directory holding ``derive/`` and ``tests/``)."""

HAS_TEX = tex_available()
"""latexmk and pdflatex are on PATH (decided once per session)."""


def checkout_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a subprocess: this one, ``extra`` on top, and the checkout first on PYTHONPATH."""
    env = {**os.environ, **(extra or {})}
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *rest])
    return env


def run_derive(*args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None,
               timeout: float = 300, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``python -m derive ARGS`` from this checkout, as a user runs it (a real subprocess).

    ``cwd`` defaults to the checkout's root; ``env`` adds variables (``COLUMNS`` for tables);
    ``python_flags`` go to the interpreter (``-X importtime``).
    """
    return subprocess.run([sys.executable, *python_flags, "-m", "derive", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT if cwd is None else cwd, env=checkout_env(env))


def start_derive(*args: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    """Start ``python -m derive ARGS`` from this checkout without waiting (to signal it)."""
    return subprocess.Popen([sys.executable, "-m", "derive", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=checkout_env(env), **kwargs)


def one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    """The single non-empty stderr line of a failed run (and no traceback)."""
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, by pdftotext (installed with TeX Live's poppler-utils)."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a ``tex`` test where TeX is absent, before its fixtures run (they may build PDFs)."""
    if item.get_closest_marker("tex") is not None and not HAS_TEX:
        pytest.skip("needs TeX (latexmk and pdflatex on PATH)")


@pytest.fixture(autouse=True)
def _forget_memos() -> None:
    """Each test starts with no derivation remembered from an earlier test (derive.core.memo): a test
    that monkeypatches an engine must reach it, not a result kept before the patch."""
    from derive.core.memo import clear

    clear()


@pytest.fixture
def clock() -> Clock:
    """A generous budget's clock, fresh per test: the engines' entry points take one."""
    return Budget(seconds=120).start()


@pytest.fixture(scope="session")
def library_build(tmp_path_factory: pytest.TempPathFactory,
                  worker_id: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One ``derive build worked_examples -j 2`` (solution and student versions) for the whole session.

    The tests that read the library's PDFs share it: pytest-xdist's workers take a lock in the
    session's own temporary folder, the first builds, the others read what it recorded.
    """
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent  # xdist: the session's folder, shared by workers
    out, record = root / "library_build", root / "library_build.json"
    with open(root / "library_build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            done = run_derive("build", str(ROOT / "worked_examples"), "--out", str(out), "-j", "2", timeout=900)
            record.write_text(json.dumps({"args": done.args, "returncode": done.returncode,
                                          "stdout": done.stdout, "stderr": done.stderr}))
    kept = json.loads(record.read_text())
    return subprocess.CompletedProcess(kept["args"], kept["returncode"], kept["stdout"], kept["stderr"]), out
