"""PDF builds: log parsing, error mapping to blocks, atomic output, and real latexmk runs."""
from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from derive.core.errors import RenderError
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Handout, Paragraph, Section, Worked
from tests.handout.fakes import FakeResult
from derive.render.env import render_handout
from derive.render.escape import _MATH_CHARS, _TEXT_MISSING, _TEXT_OK_RANGES
from derive.render.pdf import (
    TEX_INSTALL_HINT, TexError, block_at, build_pdf, first_error, runaway_line, tex_available, tex_failure,
    write_text_atomic,
)
from tests.conftest import pdf_text

HOSTILE = r"\input{/etc/passwd} costs $5 at 100% {braces} ~^_#&<>|"


SIN_X2 = FakeResult(source="sin(x^2)", body=r"\begin{align*} \frac{d}{dx} \sin(x^{2}) &= \cos(x^{2}) \cdot 2 x \end{align*}",
                    result=r"2 x \cos(x^{2})")


def worked(title: str, body: str) -> Worked:
    return Worked(title, "", FakeResult(body=body, result="y"), "src")


def three_blocks(middle: str) -> Handout:
    return Handout("T", blocks=(
        worked("Good one", r"\begin{align*} a &= b \end{align*}"),
        worked("Broken one", middle),
        worked("Later one", r"\begin{align*} c &= d \end{align*}"),
    ))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- log parsing (no TeX needed) ---------------------------------------------------------------

FILE_LINE_LOG = """\
(./handout.tex
LaTeX Font Info:    Checking defaults for OML/cmm/m/it on input line 20.
./handout.tex:38: Undefined control sequence.
l.38 \\begin{align*} x \\undefinedmacro
                                     \\end{align*}
./handout.tex:40: Another error.
"""

BANG_LOG = """\
! Missing $ inserted.
<inserted text>
                $
l.12 a_b
"""

RUNAWAY_LOG = """\
Runaway argument?
 f(x) &= \\frac {1}{ \\\\ &= 2 \\end {align*} Later \\ETC.
! File ended while scanning use of \\align*.
<inserted text>
                \\par
"""


def test_first_error_reads_file_line_errors() -> None:
    error = first_error(FILE_LINE_LOG)
    assert error == TexError("Undefined control sequence", 38, r"\begin{align*} x \undefinedmacro", None)


def test_first_error_reads_bang_errors_and_their_context_line() -> None:
    assert first_error(BANG_LOG) == TexError("Missing $ inserted", 12, "a_b", None)


def test_first_error_ignores_line_numbers_of_other_files() -> None:
    error = first_error("/usr/share/texmf/tex/latex/x.sty:5: Package x Error: bad.\n")
    assert error is not None and error.line is None and error.message == "Package x Error: bad"


def test_first_error_keeps_runaway_text() -> None:
    error = first_error(RUNAWAY_LOG)
    assert error is not None and error.line is None
    assert error.runaway is not None and "\\frac {1}{" in error.runaway


def test_first_error_none_without_errors() -> None:
    assert first_error("This is pdfTeX\nOutput written on handout.pdf\n") is None


def test_block_at_finds_the_preceding_marker_and_unescapes_it() -> None:
    tex = "preamble\n% derive-source: title block\nx\n% derive-source: a\\_b \\textbackslash{}c\ny\nz\n"
    assert block_at(tex, 1) is None
    assert block_at(tex, 3) == "title block"
    assert block_at(tex, 6) == "a_b \\c"


def test_runaway_line_finds_where_the_argument_starts() -> None:
    tex = "x\n\\begin{align*}\nf(x) &= \\frac{1}{ \\\\\n&= 2\n\\end{align*}\nLater\n"
    assert runaway_line(tex, " f(x) &= \\frac {1}{ \\\\ &= 2 \\end {align*} Later \\ETC.") == 3
    assert runaway_line(tex, "zz") is None
    assert runaway_line(tex, "nowhere to be found") is None


def test_tex_failure_is_one_line_naming_the_block() -> None:
    tex = "\n".join(["a"] * 37 + ["% derive-source: Broken one", "x"])
    error = tex_failure(tex, FILE_LINE_LOG)
    assert str(error).startswith("LaTeX failed in block 'Broken one': Undefined control sequence;")
    assert "\n" not in str(error)
    assert error.hint is not None and "line 38" in error.hint and "\\undefinedmacro" in error.hint


def test_tex_failure_outside_blocks_and_without_log() -> None:
    assert "outside any block" in str(tex_failure("x\n" * 40, FILE_LINE_LOG))
    assert str(tex_failure("x", "", "latexmk: boom")).startswith("LaTeX failed: latexmk: boom")


# --- atomic writes -----------------------------------------------------------------------------


def test_write_text_atomic_writes_and_replaces(tmp_path: Path) -> None:
    out = tmp_path / "a.tex"
    write_text_atomic(out, "first ü\n")
    write_text_atomic(out, "second\n")
    assert out.read_text(encoding="utf-8") == "second\n"
    assert leftovers(tmp_path) == ["a.tex"]
    assert out.stat().st_mode & 0o644 == 0o644  # usual permissions, not a private temp file's


def test_write_text_atomic_failure_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "dir.tex"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(RenderError, match="cannot write"):
        write_text_atomic(target, "text")
    assert leftovers(tmp_path) == ["dir.tex"] and leftovers(target) == ["keep"]
    with pytest.raises(RenderError, match="cannot write"):
        write_text_atomic(tmp_path / "missing" / "a.tex", "text")


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_write_text_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path, mode: int) -> None:
    out = tmp_path / "a.tex"
    out.write_text("old")
    out.chmod(mode)
    write_text_atomic(out, "new")
    assert out.read_text() == "new" and stat.S_IMODE(out.stat().st_mode) == mode
    assert leftovers(tmp_path) == ["a.tex"]


def test_write_text_atomic_gives_a_new_file_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.tex", "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.tex").stat().st_mode) == 0o640


@pytest.mark.parametrize("dangling", [False, True])
def test_write_text_atomic_refuses_a_symlink_and_writes_nowhere(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "elsewhere.tex"
    if not dangling:
        target.write_text("keep")
    link = tmp_path / "a.tex"
    link.symlink_to(target)
    with pytest.raises(RenderError, match="cannot write .*a.tex: it is a symbolic link"):
        write_text_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target.read_text() == "keep") if not dangling else not target.exists()
    assert leftovers(tmp_path) == (["a.tex"] if dangling else ["a.tex", "elsewhere.tex"])


def test_tex_written_without_tex_keeps_its_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The .tex beside the PDF path (TeX absent) is replaced like the PDF: mode kept."""
    from derive.render import pdf as pdf_module
    from derive.api import diff, write_pdf

    monkeypatch.setattr(pdf_module, "tex_available", lambda: False)
    tex_path = tmp_path / "d.tex"
    tex_path.write_text("old")
    tex_path.chmod(0o600)
    assert write_pdf(diff("x^2", wrt="x"), tmp_path / "d.pdf", title="T") == tex_path
    assert "\\documentclass" in tex_path.read_text() and stat.S_IMODE(tex_path.stat().st_mode) == 0o600


def test_build_pdf_refuses_a_symlinked_output_before_running_tex(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.pdf"
    target.write_bytes(b"keep")
    (tmp_path / "a.pdf").symlink_to(target)
    with pytest.raises(RenderError, match="symbolic link"):
        build_pdf("not even LaTeX", tmp_path / "a.pdf")
    assert target.read_bytes() == b"keep"


def test_build_pdf_without_tex_raises_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not tex_available()
    with pytest.raises(RenderError, match="TeX is not installed") as info:
        build_pdf("x", tmp_path / "a.pdf")
    assert info.value.hint == TEX_INSTALL_HINT
    assert leftovers(tmp_path) == []


def test_build_pdf_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no directory"):
        build_pdf("x", tmp_path / "missing" / "a.pdf")


# --- real TeX runs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One real build of a handout with every kind of block: (tex source, PDF text)."""
    h = HandoutBuilder(title="Derivatives 101", subtitle="Week 3", author="A. Teacher")
    h.section("The chain rule")
    h.paragraph(HOSTILE)
    h.worked("Composite functions", SIN_X2, intro="Differentiate the composite.")
    h.exercise("Differentiate", "x^{3}", solution=FakeResult(source="x^3", body=r"\begin{align*} f'(x) &= 3 x^{2} \end{align*}", result="3 x^{2}"))
    tex = render_handout(h.build())
    out = tmp_path_factory.mktemp("pdf") / "handout.pdf"
    assert build_pdf(tex, out) == out
    assert out.read_bytes().startswith(b"%PDF")
    assert leftovers(out.parent) == ["handout.pdf"]
    return tex, pdf_text(out)


@pytest.mark.tex
@pytest.mark.slow
def test_pdf_has_title_heading_and_formula(built: tuple[str, str]) -> None:
    _, text = built
    assert "Derivatives 101" in text and "Week 3" in text and "A. Teacher" in text
    assert "1 The chain rule" in " ".join(text.split())
    assert "Composite functions" in text
    for piece in ("sin", "cos", "dx", "Exercise 1.", "Solutions"):
        assert piece in text


@pytest.mark.tex
@pytest.mark.slow
def test_hostile_text_prints_literally_and_never_runs(built: tuple[str, str]) -> None:
    _, text = built
    assert HOSTILE in " ".join(text.split())
    assert "root:" not in text


@pytest.mark.tex
@pytest.mark.slow
def test_every_character_tex_accepts_typesets(tmp_path: Path) -> None:
    """The allow-list in env.py against the real pdflatex: each accepted character builds."""
    accepted = [chr(c) for lo, hi in _TEXT_OK_RANGES for c in range(lo, hi + 1) if chr(c) not in _TEXT_MISSING]
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + " " + " ".join(accepted) + " " + " ".join(_MATH_CHARS)
    out = build_pdf(render_handout(Handout("Characters", blocks=(Paragraph(text),))), tmp_path / "c.pdf")
    assert "α" in pdf_text(out)


@pytest.mark.tex
def test_broken_body_names_its_block_and_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"old pdf")
    tex = render_handout(three_blocks(r"\begin{align*} x &= \undefinedmacro{1} \end{align*}"))
    with pytest.raises(RenderError) as info:
        build_pdf(tex, out)
    assert str(info.value).startswith("LaTeX failed in block 'Broken one': Undefined control sequence")
    assert "\\undefinedmacro" in (info.value.hint or "")
    assert out.read_bytes() == b"old pdf" and leftovers(tmp_path) == ["handout.pdf"]


@pytest.mark.tex
def test_unbalanced_frac_names_its_block_before_or_during_tex(tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    broken = three_blocks(r"\begin{align*} f(x) &= \frac{1}{ \end{align*}")
    with pytest.raises(RenderError, match="block 'Broken one'"):  # caught before TeX runs
        build_pdf(render_handout(broken), out)
    # Had it reached TeX, the runaway argument is traced to its start, not to the last block.
    tex = render_handout(three_blocks(r"\begin{align*} f(x) &= 1 \end{align*}")).replace("&= 1", r"&= \frac{1}{")
    with pytest.raises(RenderError) as info:
        build_pdf(tex, out)
    assert str(info.value).startswith("LaTeX failed in block 'Broken one':")
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.mark.tex
def test_tex_cannot_read_files_outside_its_directory(tmp_path: Path) -> None:
    tex = render_handout(three_blocks(r"\begin{align*} a \end{align*}")).replace(
        r"\begin{align*} a \end{align*}", r"\input{/etc/passwd}"
    )
    with pytest.raises(RenderError, match="LaTeX failed in block 'Broken one'"):
        build_pdf(tex, tmp_path / "handout.pdf")
    assert leftovers(tmp_path) == []


@pytest.mark.tex
def test_replacing_a_private_pdf_keeps_it_private(tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"old pdf")
    out.chmod(0o600)
    build_pdf(render_handout(Handout("Private", blocks=(Paragraph("secret notes"),))), out)
    assert out.read_bytes().startswith(b"%PDF") and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == ["handout.pdf"]


@pytest.mark.tex
@pytest.mark.slow
def test_runaway_tex_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    tex = "\\documentclass{article}\\begin{document}\n\\loop\\iftrue\\repeat\n\\end{document}\n"
    with pytest.raises(RenderError, match="more than 3 s"):
        build_pdf(tex, tmp_path / "loop.pdf", timeout=3)
    assert leftovers(tmp_path) == []
