r"""Build a PDF from .tex with latexmk in a sandboxed scratch directory; a TeX error becomes a RenderError.

TeX runs inside a bubblewrap (``bwrap``) sandbox that shows it only the system's software
(``/usr``) and TeX tree, read-only, and the scratch directory: no home, no /tmp, no /etc
beyond TeX's own config, no network. pdfTeX's ``\pdfobj file``, ``\pdfximage`` and
``\pdffiledump`` ignore kpathsea's ``openin_any``, so only a filesystem sandbox stops them
reading any file. Where bwrap is missing or cannot create its namespaces, PDF builds are
refused (there is no weaker fallback). Inside, TeX also runs with shell escape off, no rc
files and kpathsea's paranoid file access, and a minimal environment (no secrets in it).
Outputs are written atomically, keeping an existing file's permissions: a failed build never
leaves or clobbers a file.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from derive.core.errors import RenderError
from derive.core.files import replaced_mode
from derive.core.files import write_bytes_atomic as write_bytes_atomic  # re-exported: the printers write through it
from derive.core.files import write_text_atomic as write_text_atomic
from derive.render.env import SOURCE_MARKER
from derive.render.escape import untex_line

TEX_INSTALL_HINT = (
    "install TeX Live and bubblewrap: apt-get install latexmk texlive-latex-recommended"
    " texlive-fonts-recommended bubblewrap"
)
SANDBOX_HINT = (
    "PDF builds run TeX in a bubblewrap sandbox: install it (apt-get install bubblewrap);"
    " it needs user namespaces, which some containers disable; the .tex can still be written"
)

_JOB = "handout"
_MAX_MESSAGE = 200

# Passed to pdflatex through the environment (kpathsea reads these over texmf.cnf).
# The sandbox's environment is only these, PATH, HOME (the scratch directory) and _KEEP_ENV.
_TEX_ENV = {
    "openin_any": "p",  # no reading of absolute paths, '..' or dotfiles
    "openout_any": "p",  # no writing outside the scratch directory
    "shell_escape": "f",  # belt and braces with -no-shell-escape
    "max_print_line": "10000",  # unwrapped log lines, so errors parse
    "error_line": "254",
    "half_error_line": "238",
}
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE")
# Read-only in the sandbox besides /usr and the TeX trees: what the loader, Perl and TeX's
# Debian configuration need. Each is optional (bound only if it exists).
_SYSTEM_EXTRAS = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/perl",
    "/etc/localtime", "/etc/texmf", "/var/lib/texmf",
)
# The top-level system directories that may be real folders or (merged /usr) symlinks.
_SYSTEM_ROOTS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The kpathsea trees TeX reads (user trees resolve inside the scratch directory, so drop out).
_TEX_TREES = "$TEXMF:$TEXMFCNF:$TEXMFSYSVAR:$TEXMFSYSCONFIG"


def tex_available() -> bool:
    """True when latexmk and pdflatex are on PATH (else callers write the .tex only)."""
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


# --- atomic output: derive.core.files (re-exported here, where the printers have always found them) ---


# --- reading the log -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TexError:
    """The first error in a TeX log: message, .tex line and TeX's context, if known.

    ``context`` is the source TeX had read when it stopped (it ends with the culprit of an
    undefined control sequence); ``runaway`` is the start of a runaway argument.
    """

    message: str
    line: int | None = None
    context: str = ""
    runaway: str | None = None


_FILE_LINE = re.compile(r"^(?P<file>\S+?\.\w+):(?P<line>\d+): (?P<msg>.*)$")
_CONTEXT_LINE = re.compile(r"^l\.(\d+) (.*)$")


def first_error(log: str, job: str = _JOB) -> TexError | None:
    """The first ``! ...`` or ``file:line: ...`` error in ``log``, or None if there is none.

    A line number is kept only when it refers to ``job``.tex (not to a package file).
    """
    lines = log.splitlines()
    for i, text in enumerate(lines):
        match = _FILE_LINE.match(text)
        if match is None and not text.startswith("!"):
            continue
        line: int | None = None
        if match is not None:
            message = match.group("msg")
            if Path(match.group("file")).name == f"{job}.tex":
                line = int(match.group("line"))
        else:
            message = text[1:]
        context = ""
        for follow in lines[i + 1 : i + 30]:
            found = _CONTEXT_LINE.match(follow)
            if found is not None:
                line = line if line is not None else int(found.group(1))
                context = _one_line(found.group(2))
                break
        runaway = lines[i - 1] if i >= 2 and lines[i - 2].startswith("Runaway argument?") else None
        return TexError(_one_line(message).rstrip("."), line, context, runaway)
    return None


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def block_at(tex: str, line: int) -> str | None:
    """The label of the last ``% derive-source:`` marker at or before ``line`` (1-based)."""
    label: str | None = None
    for text in tex.splitlines()[:line]:
        if text.startswith(SOURCE_MARKER):
            label = untex_line(text[len(SOURCE_MARKER) :].strip())
    return label


def runaway_line(tex: str, runaway: str) -> int | None:
    """The .tex line where a runaway argument starts, found by its text (whitespace ignored).

    Why: TeX reports a runaway where it gave up (often the end of the file, in a later
    block), but prints the start of the argument, which points at the real culprit.
    """
    needle = "".join(runaway.replace("\\ETC.", "").split("\\par")[0].split())[:60]
    if len(needle) < 4:
        return None
    flat: list[str] = []
    line_of: list[int] = []
    for number, text in enumerate(tex.splitlines(), start=1):
        for ch in text:
            if not ch.isspace():
                flat.append(ch)
                line_of.append(number)
    found = "".join(flat).find(needle)
    return line_of[found] if found >= 0 else None


def tex_failure(tex: str, log: str, detail: str = "") -> RenderError:
    """A one-line RenderError for a failed run: the block that caused it and TeX's first error."""
    error = first_error(log)
    if error is None:
        return RenderError(
            f"LaTeX failed: {_one_line(detail) or 'no error found in the log'}",
            hint="save the .tex and run latexmk on it to see the full log",
        )
    line = error.line
    if error.runaway is not None:
        line = runaway_line(tex, error.runaway) or line
    block = block_at(tex, line) if line is not None else None
    where = f"in block '{block}'" if block is not None else "outside any block"
    hint = "save the .tex and run latexmk on it to see the full log"
    if error.context:
        hint = f"TeX stopped after: {error.context}; {hint}"
    if line is not None:
        hint = f"line {line} of the .tex; {hint}"
    return RenderError(f"LaTeX failed {where}: {error.message}", hint=hint)


# --- running TeX -----------------------------------------------------------------------------


def _latexmk_command(job: str) -> list[str]:
    return [
        "latexmk",
        "-norc",  # no system or user latexmkrc: they are Perl and could re-enable shell escape
        "-pdf",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        "-no-shell-escape",
        "-pdflatex=pdflatex -no-shell-escape %O %S",
        "-silent",
        f"{job}.tex",
    ]


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own process group; on timeout kill the whole group.

    Why not plain ``subprocess.run(timeout=...)``: it kills only latexmk, and the pdflatex
    it started would keep running (and keep the scratch directory busy). Killing bwrap
    also ends its sandbox: the sandbox's init dies, and the kernel kills all inside.
    """
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RenderError(
                f"LaTeX ran for more than {timeout:g} s and was stopped",
                hint="the document may loop; raise the timeout if it is just long",
            ) from None
        return subprocess.CompletedProcess(command, proc.returncode, out, err)


# --- the sandbox -----------------------------------------------------------------------------


def tex_environment(work: Path) -> dict[str, str]:
    """The whole environment TeX runs with: a few locale and path variables, never the caller's.

    Why: the caller's environment may hold secrets (TeX could embed /proc/self/environ) or
    TEXINPUTS-style variables that point TeX at other folders.
    """
    env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["HOME"] = str(work)  # user trees (~/texmf, ~/.texlive*) resolve inside the scratch directory
    return {**env, **_TEX_ENV}


def _tex_trees(env: dict[str, str]) -> list[str]:
    """The folders of TeX's trees and configuration, as kpathsea finds them with ``env``."""
    try:
        done = subprocess.run(
            ["kpsewhich", f"-expand-path={_TEX_TREES}"],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot ask kpsewhich where TeX's files are: {exc}", hint=TEX_INSTALL_HINT) from exc
    if done.returncode != 0:
        raise RenderError(
            f"cannot ask kpsewhich where TeX's files are (status {done.returncode})", hint=TEX_INSTALL_HINT
        )
    return [p for p in done.stdout.strip().split(os.pathsep) if p]


def _visible(paths: list[str]) -> list[str]:
    """bwrap arguments that show ``paths`` read-only at their own place (symlinks kept as links)."""
    args: list[str] = []
    shown: list[str] = []
    for path in paths:
        if os.path.islink(path) and not any(_inside(path, top) for top in shown):
            args += ["--symlink", os.readlink(path), path]
        real = os.path.realpath(path)
        if os.path.exists(real) and not any(_inside(real, top) for top in shown):
            args += ["--ro-bind", real, real]
            shown.append(real)
    return args


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def sandbox_command(bwrap: str, work: Path, env: dict[str, str]) -> list[str]:
    """The bwrap prefix that runs a command seeing only the system, TeX's trees and ``work``.

    /usr (programs, libraries, Perl) and TeX's trees are read-only; ``work`` is the only
    writable folder and the working directory; /tmp is an empty tmpfs; no network, no other
    namespaces shared, no capabilities. Runs ``true`` in it first and raises RenderError (with
    ``SANDBOX_HINT``) if that fails (no user namespaces here): TeX never runs unsandboxed.
    """
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    for root in _SYSTEM_ROOTS:  # merged /usr: /bin -> usr/bin; else real folders
        if os.path.islink(root):
            args += ["--symlink", os.readlink(root), root]
        elif os.path.isdir(root):
            args += ["--ro-bind", root, root]
    programs = [os.path.dirname(os.path.realpath(found)) for name in ("latexmk", "pdflatex")
                if (found := shutil.which(name, path=env["PATH"])) is not None]
    args += _visible(["/usr", *_SYSTEM_EXTRAS, *sorted(set(_tex_trees(env) + programs), key=len)])
    args += ["--dev", "/dev", "--tmpfs", "/tmp", "--bind", str(work), str(work), "--chdir", str(work), "--"]
    try:
        probe = subprocess.run(
            [*args, "true"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"cannot start the TeX sandbox: {_one_line(str(exc))}", hint=SANDBOX_HINT) from exc
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or [f"bwrap exited with status {probe.returncode}"])[-1]
        raise RenderError(f"cannot start the TeX sandbox: {_one_line(why)}", hint=SANDBOX_HINT)
    return args


def _read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path``, never through a symlink (TeX made the folder)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as pdf:
            return pdf.read()
    except OSError as exc:
        raise RenderError(f"cannot read the PDF TeX wrote: {exc.strerror or exc}", hint="run the build again") from exc


_OVERFULL = re.compile(r"^Overfull \\hbox \((?P<pt>[\d.]+)pt too wide\).*$", re.M)


def overfull_boxes(log: str) -> list[str]:
    """The ``Overfull \\hbox`` warnings of a TeX log (a line that runs into the margin), one per box."""
    return [m.group(0) for m in _OVERFULL.finditer(log)]


def widest_overfull(boxes: Sequence[str]) -> float:
    """The most points any of ``overfull_boxes``' warnings runs into the margin (0 for none)."""
    return max((float(m.group("pt")) for m in map(_OVERFULL.match, boxes) if m), default=0.0)


_FILE_NAME = re.compile(r"figure-[0-9a-f]{16}\.pdf")


def build_pdf(
    tex: str, out_pdf: Path, *, timeout: float = 120, log: list[str] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> Path:
    """Typeset ``tex`` to ``out_pdf`` (atomically) and return ``out_pdf``; ``log`` (a list) receives TeX's log.

    ``files``: the figure files the .tex loads (``derive.render.env.figure_files``), by name
    (``figure-<hash>.pdf`` only), written into TeX's scratch folder before it runs.

    Raises RenderError naming the handout block that broke TeX, TeX's absence (with
    ``TEX_INSTALL_HINT``) or the sandbox's (with ``SANDBOX_HINT``). On failure ``out_pdf``
    is left as it was.
    """
    out_pdf = Path(out_pdf)
    if not out_pdf.parent.is_dir():
        raise RenderError(
            f"cannot write {out_pdf}: no directory {out_pdf.parent}",
            hint="create the directory first",
        )
    replaced_mode(out_pdf)  # a symlink or a folder there: refuse before running TeX
    for name, data in (files or {}).items():
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or not isinstance(data, bytes):
            raise RenderError(f"refusing the figure file {name!r}", hint="pass derive.render.env.figure_files(handout)")
    if not tex_available():
        raise RenderError("TeX is not installed (latexmk and pdflatex are needed)", hint=TEX_INSTALL_HINT)
    from derive.core.runner import scratch_root  # the command's scratch root, which it removes even when killed

    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise RenderError("cannot run TeX in a sandbox: bwrap (bubblewrap) is not installed", hint=SANDBOX_HINT)
    with tempfile.TemporaryDirectory(prefix="derive-tex-", dir=scratch_root()) as scratch:
        work = Path(scratch).resolve()
        env = tex_environment(work)
        sandbox = sandbox_command(bwrap, work, env)
        (work / f"{_JOB}.tex").write_text(tex, encoding="utf-8")
        for name, data in (files or {}).items():
            (work / name).write_bytes(data)
        done = _run([*sandbox, *_latexmk_command(_JOB)], work, env, timeout)
        pdf = work / f"{_JOB}.pdf"
        if done.returncode != 0 or not pdf.is_file():
            log_path = work / f"{_JOB}.log"
            text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
            detail = (done.stderr.strip().splitlines() or [f"latexmk exited with status {done.returncode}"])[-1]
            raise tex_failure(tex, text, detail)
        if log is not None and (work / f"{_JOB}.log").is_file():
            log.append((work / f"{_JOB}.log").read_text(encoding="utf-8", errors="replace"))
        write_bytes_atomic(out_pdf, _read_regular(pdf))
    return out_pdf
