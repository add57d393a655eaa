"""Build a PDF from .tex with latexmk in a scratch directory; a TeX error becomes a RenderError.

TeX runs with shell escape off, no rc files and kpathsea's paranoid file access, so
even a template bug cannot run commands or read files outside the scratch directory.
Outputs are written atomically: a failed build never leaves or clobbers a file.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from derive.core.errors import RenderError
from derive.render.env import SOURCE_MARKER, untex_line

TEX_INSTALL_HINT = "install TeX Live: apt-get install latexmk texlive-latex-recommended texlive-fonts-recommended"

_JOB = "handout"
_MAX_MESSAGE = 200

# Passed to pdflatex through the environment (kpathsea reads these over texmf.cnf).
_TEX_ENV = {
    "openin_any": "p",  # no reading of absolute paths, '..' or dotfiles
    "openout_any": "p",  # no writing outside the scratch directory
    "shell_escape": "f",  # belt and braces with -no-shell-escape
    "max_print_line": "10000",  # unwrapped log lines, so errors parse
    "error_line": "254",
    "half_error_line": "238",
}


def tex_available() -> bool:
    """True when latexmk and pdflatex are on PATH (else callers write the .tex only)."""
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


# --- atomic output ---------------------------------------------------------------------------


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and ``os.replace``.

    Readers see the old file or the new one, never a half-written one; the temp file is
    removed on any failure. The file gets the usual permissions (0666 minus umask).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RenderError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that the directory exists and is writable",
        ) from exc


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see ``write_bytes_atomic``)."""
    write_bytes_atomic(path, text.encode("utf-8"))


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


def _run(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own process group; on timeout kill the whole group.

    Why not plain ``subprocess.run(timeout=...)``: it kills only latexmk, and the pdflatex
    it started would keep running (and keep the scratch directory busy).
    """
    env = {**os.environ, **_TEX_ENV}
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


def build_pdf(tex: str, out_pdf: Path, *, timeout: float = 120) -> Path:
    """Typeset ``tex`` to ``out_pdf`` (atomically) and return ``out_pdf``.

    Raises RenderError naming the handout block that broke TeX, or TeX's absence
    (with ``TEX_INSTALL_HINT``). On failure ``out_pdf`` is left as it was.
    """
    out_pdf = Path(out_pdf)
    if not out_pdf.parent.is_dir():
        raise RenderError(
            f"cannot write {out_pdf}: no directory {out_pdf.parent}",
            hint="create the directory first",
        )
    if not tex_available():
        raise RenderError("TeX is not installed (latexmk and pdflatex are needed)", hint=TEX_INSTALL_HINT)
    from derive.core.runner import scratch_root  # the command's scratch root, which it removes even when killed

    with tempfile.TemporaryDirectory(prefix="derive-tex-", dir=scratch_root()) as scratch:
        work = Path(scratch)
        (work / f"{_JOB}.tex").write_text(tex, encoding="utf-8")
        done = _run(_latexmk_command(_JOB), work, timeout)
        pdf = work / f"{_JOB}.pdf"
        if done.returncode != 0 or not pdf.is_file():
            log_path = work / f"{_JOB}.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
            detail = (done.stderr.strip().splitlines() or [f"latexmk exited with status {done.returncode}"])[-1]
            raise tex_failure(tex, log, detail)
        write_bytes_atomic(out_pdf, pdf.read_bytes())
    return out_pdf
