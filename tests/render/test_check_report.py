"""derive check's reports: the annotated PDF (built and read back), the compact "read as" echo of the
terminal report, the Markdown/MathJax report for Jupyter, and the allow-lists that keep the user's
LaTeX from running anything."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.checker.api import check
from derive.render.check_latex import lines_of, visible
from derive.render.echo import compact_latex, prose_latex, prose_markdown, safe_math, same_latex
from derive.render.env import render_handout
from derive.render.pdf import build_pdf
from tests.conftest import ROOT, pdf_text, run_derive

WRONG = ROOT / "worked_examples" / "derivations" / "poisson_mle_wrong.tex"

HOSTILE = r"""\documentclass{article}
\usepackage{amsmath}
\begin{document}
\section{Gradient of a quadratic}
% derive: x > 0
We read \input{/etc/passwd} and \write18{touch /tmp/pwned} here; $\catcode`\@=11 x$ is odd.
\subsection*{Step one}
Let \emph{us} differentiate $x^2 + 3x$ with respect to $x$:
\begin{align}
\frac{d}{dx}\left(x^2 + 3x\right) &= 2x + 3 \label{eq:1} \\
  &= 3 + 2x \\
  &= \text{\input{/etc/hostname}}
\end{align}
Then a slip:
\[ \frac{d}{dx} \log x = \frac{2}{x} \]
\subsection{Two \\ lines} \textbf{\section{inner}} and 100\% sure, $\text{a_b}$.
\[ λ + 1 = 1 + λ \]
\[ a + \text{const_1} = \text{const_1} + a \]
\end{document}
"""

LONG = r"""% derive: x > 0, y > 0
\section{A long expansion}
Multiplying out, term by term:
\begin{align*}
(x + y + 1)^2 &= x^{2} + 2 x y + 2 x + y^{2} + 2 y + 1 + x^{2} y^{2} - x^{2} y^{2} + 3 x y - 3 x y + 5 x - 5 x \\
 &= (y + x + 1)^2
\end{align*}
"""


def write(tmp_path: Path, text: str, name: str = "proof.tex") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the allow-lists (no TeX) ----------------------------------------------------------------------

@pytest.mark.parametrize("latex", [
    r"\input{/etc/passwd}", r"x \write18{ls}", r"\catcode`\^=7 x", r"\def\x{1} x", r"\csname input\endcsname",
    r"\R^n", r"x^^5c", r"\newcommand{\a}{b} a", r"a \# b", r"\begin{filecontents}x\end{filecontents}",
    r"\text{\input{x}}", r"\frac{1}{2", "", r"\argmin_x f(x)", r"\bm{x}", "λ x", r"x \hline y", r"\sum\limits x",
    r"a + \text{const_1}", r"\text{x \textbf{y} _z}",
])
def test_safe_math_refuses_anything_but_ordinary_maths(latex: str) -> None:
    assert safe_math(latex) is None


@pytest.mark.parametrize("latex", [
    r"\frac{d}{d\lambda}\Big( n\log\lambda - \lambda\sum_{i=1}^{n} x_i \Big)", r"\nabla_W\, a^\top W b",
    r"\lVert X w - y \rVert_2^2", r"\operatorname{tr}(A^\top B)", r"\hat\beta = (X^\top X)^{-1} X^\top y",
    r"\ell(\lambda) \propto \sum_{i=1}^n x_i", r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"\mathrm{Var}(X) + \text{const}",
])
def test_safe_math_keeps_what_a_derivation_is_written_in(latex: str) -> None:
    assert safe_math(latex) == latex


def test_prose_keeps_headings_emphasis_and_maths_and_drops_other_commands() -> None:
    out = prose_latex(r"\section{The model} Let $x_1, \dots, x_n$ be \emph{iid}. \input{/etc/passwd} "
                      r"\write18{touch /tmp/pwned} $\def\a{1}$ 5 \% \& done \catcode`\@=11 ok ☃")
    assert out.startswith(r"\section*{The model}")
    assert r"$x_1, \dots, x_n$" in out and r"\emph{iid}" in out and r"5 \% \& done" in out
    for bad in ("input", "write", "passwd", "pwned", "def", "catcode", "@"):
        assert bad not in out, bad
    assert "[formula omitted]" in out and out.endswith("ok ?")


def test_prose_markdown_keeps_inline_maths_on_one_line() -> None:
    out = prose_markdown("Let $x_1,\n  \\dots, x_n$ be\n\\textbf{iid}.\n\n\\subsection{Next} and \\input{x}")
    assert "$x_1, \\dots, x_n$" in out and "*iid*" in out and "\n\n#### Next\n\n" in out
    assert "input" not in out


# --- the compact echo -------------------------------------------------------------------------------

@pytest.mark.parametrize(("sympy_latex", "compact"), [
    (r"{x}_{i}", "x_{i}"),
    (r"\log{\left(\lambda \right)}", r"\log\lambda"),
    (r"\log{\left(\lambda \right)} {x}_{i}", r"\log(\lambda) x_{i}"),
    (r"\log{\left(x + 1 \right)}", r"\log(x + 1)"),
    (r"\log{\left(\frac{1}{x} \right)}", r"\log\left(\frac{1}{x}\right)"),
    (r"- \lambda n + \log{\left(\lambda \right)} \left(\sum_{i=1}^{n} {x}_{i}\right)",
     r"- \lambda n + \log(\lambda) \sum_{i=1}^{n} x_{i}"),
    (r"-1 + \frac{\left(\sum_{i=1}^{n} {x}_{i}\right)}{\lambda}", r"-1 + \frac{\sum_{i=1}^{n} x_{i}}{\lambda}"),
    (r"\left(\sum_{i=1}^{n} {x}_{i}\right) \left(\sum_{i=1}^{n} {y}_{i}\right)",
     r"\left(\sum_{i=1}^{n} x_{i}\right) \sum_{i=1}^{n} y_{i}"),
    (r"\left(x + 1\right)^{2}", r"(x + 1)^{2}"),
])
def test_compact_latex(sympy_latex: str, compact: str) -> None:
    assert compact_latex(sympy_latex) == compact


def test_same_latex_ignores_spacing_and_one_letter_braces_only() -> None:
    assert same_latex(r"\frac1n \sum_{i=1}^n x_i", r"\frac{1}{n} \sum_{i=1}^{n} x_{i}")
    assert same_latex(r"\left( a + b \right)\, c", "(a + b) c")
    assert not same_latex(r"\frac1n \sum_{i=1}^n x_i", r"\frac{\sum_{i=1}^{n} x_{i}}{n}")
    assert not same_latex("x_i y", "x_{i y}")


def test_long_sides_break_at_top_level_signs_only() -> None:
    side = " + ".join(rf"\frac{{a_{k}}}{{b + {k}}}" for k in range(30))
    rows = lines_of(side)
    assert len(rows) > 1 and " ".join(rows).replace(" ", "") == side.replace(" ", "")
    assert all(r.count("{") == r.count("}") for r in rows)
    assert lines_of(r"\left(" + side + r"\right)") == [r"\left(" + side + r"\right)"]  # no break inside
    assert visible(r"\frac{d}{dx} x") < visible(r"\frac{d}{dx} x + y")


# --- the terminal report ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 104])
def test_text_report_fits_the_terminal_and_reads_compactly(columns: int) -> None:
    out = run_derive("check", str(WRONG), env={"COLUMNS": str(columns)})
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in out.stdout
    for verbose in ("{x}_{i}", r"\log{\left(", r"\left(\sum"):
        assert verbose not in out.stdout
    assert "read as -1 + \\frac{\\sum_{i=1}^{n} x_{i}}{\\lambda}" in " ".join(" ".join(lines).split())
    assert "line 11" in out.stdout and "✗ refuted" in out.stdout


def test_read_as_is_said_only_where_the_reading_differs(tmp_path: Path) -> None:
    text = check(write(tmp_path, "% derive: x > 0\n\\[ \\frac{d}{dx} x^{2} = 2 x \\]\n"
                                 "\\[ \\log(xy) = \\log x + \\log y \\]\n")).to_text(width=100)
    assert "read as \\frac{\\partial}{\\partial x}" in text or "read as" not in text.split("line 2")[0]
    assert "read as 2 x" not in text  # the right side was read as typed


# --- Markdown and Jupyter ---------------------------------------------------------------------------

@pytest.mark.slow
def test_markdown_is_the_file_in_order_with_one_display_per_block() -> None:
    r = check(WRONG)
    md = r._repr_markdown_()
    assert (md.index("The log-likelihood") < md.index(r"\ell(\lambda)") < md.index("Differentiate")
            < md.index(r"\text{line 11}"))
    blocks = re.findall(r"\$\$(.*?)\$\$", md, flags=re.S)
    assert len(blocks) == 4 and all(b.count(r"\begin{aligned}") <= 1 for b in blocks)
    outside = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
    assert all(line.count("$") % 2 == 0 for line in outside.splitlines())  # no inline maths across lines
    assert "Line 11 does not follow" in md and "missing factor $n$" in md
    latex = r._repr_latex_()
    assert latex.count("$$") % 2 == 0 and r"\begin{aligned}" in latex and r"\tag" not in latex
    assert repr(r) == "<Checked 'poisson_mle_wrong.tex': refuted>"  # one short line, as every result's


# --- the PDF ----------------------------------------------------------------------------------------

def test_the_handout_tex_holds_nothing_from_hostile_source(tmp_path: Path) -> None:
    tex = render_handout(check(write(tmp_path, HOSTILE, "hostile.tex")).handout())
    body = tex.split("% derive-source: title block", 1)[1]
    for bad in ("input", "write18", "passwd", "pwned", "hostname", "catcode", r"\label"):
        assert bad not in body, bad


def build(tmp_path: Path, result: object) -> tuple[str, str]:
    pdf, log = tmp_path / "out.pdf", []  # type: ignore[var-annotated]
    build_pdf(render_handout(result.handout()), pdf, log=log)  # type: ignore[attr-defined]
    return pdf_text(pdf), "".join(log)


@pytest.mark.tex
@pytest.mark.slow
def test_pdf_of_a_wrong_derivation(tmp_path: Path) -> None:
    text, log = build(tmp_path, check(WRONG))
    assert "Overfull" not in log
    flat = " ".join(text.split())
    assert "poisson_mle_wrong.tex" in flat and "/work" not in flat and "Worked solution" not in flat
    assert re.search(r"3 steps \([a-z0-9, ]*1 refuted\); incorrect: first error at line 11", flat), flat
    for line in ("line 5", "line 6", "line 11", "line 13"):
        assert line in flat
    assert "The log-likelihood of a sample" in flat and "Differentiate and set the score to zero" in flat
    assert "Line 11 does not follow" in flat and "Hint: missing factor n" in flat and "Expected right side" in flat
    assert "✓" in flat or "X" in flat or "≈" in flat  # the legend's marks are set


@pytest.mark.tex
@pytest.mark.slow
def test_pdf_of_hostile_and_long_files_has_no_overfull_line(tmp_path: Path) -> None:
    text, log = build(tmp_path, check(write(tmp_path, HOSTILE, "hostile.tex")))
    assert "Overfull" not in log
    flat = " ".join(text.split())
    assert "Gradient of a quadratic" in flat and "Step one" in flat and "differentiate" in flat
    assert "passwd" not in flat and "pwned" not in flat
    assert "line 15" in flat and "Line 15 does not follow" in flat
    text, log = build(tmp_path, check(write(tmp_path, LONG, "long.tex")))
    assert "Overfull" not in log and "A long expansion" in text


@pytest.mark.tex
@pytest.mark.slow
def test_folder_pdf_has_a_summary_table_then_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, WRONG.read_text(encoding="utf-8"), "alice.tex")
    write(folder, (ROOT / "worked_examples" / "derivations" / "poisson_mle.tex").read_text(encoding="utf-8"), "bob.tex")
    write(folder, "no maths here\n", "carol.tex")
    out = run_derive("check", str(folder), "--pdf", str(tmp_path / "class.pdf"), "-j", "1")
    assert out.returncode == 1, out.stderr  # alice's step is refuted: the most serious code
    flat = " ".join(pdf_text(tmp_path / "class.pdf").split())
    assert "3 files: 1 correct, 1 incorrect, 1 failed" in flat
    table = flat.split("alice.tex", 2)
    assert len(table) == 3  # in the table, then as its page's heading
    assert flat.index("bob.tex") < flat.index("Line 11 does not follow") or "line 11" in table[1]
    assert "Not checked: no display mathematics found" in flat


@pytest.mark.slow
def test_a_check_result_prints_as_its_own_document_through_every_pdf_path() -> None:
    from derive.handout.builder import handout_of
    from derive.handout.document import CheckedBlock

    r = check(WRONG)
    handout = handout_of(r, "ignored title")
    assert handout.title == "poisson_mle_wrong.tex" and "first error at line 11" in handout.subtitle
    assert [type(b) for b in handout.blocks] == [CheckedBlock] and handout.verdict == r.verdict
    tex = render_handout(handout)
    assert "Worked solution" not in tex and r"\tag*{\rlap" in tex and "line~11" in tex


def test_the_box_shows_derives_own_derivation_of_the_right_side() -> None:
    r = check("% derive: x > 0\n\\begin{align*}\n\\frac{d}{dx} \\sin(x^2) &= 2\\cos(x^2) \\\\\n &= \\cos(x^2) \\cdot 2\n"
              "\\end{align*}\n")
    tex = render_handout(r.handout())
    box = tex[tex.index(r"\fcolorbox"):]
    assert "Line 3 does not follow" in box and "derive's own derivation" in box and "chain rule" in box
    assert r"\intertext{" in tex  # under the wrong step, inside its chain: the step below keeps its alignment
