"""Line layout of displayed LaTeX: width estimates, breaking at top-level signs, and no overfull line
in any built worked example (every handout's TeX log is read)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.render.formats.latex import Row, chain_layout
from derive.render.layout import INDENT, MEASURE, break_formula, split_terms, width
from derive.render.notation.latex import tex

ROOT = Path(__file__).resolve().parents[2]
x, y, z, w = sp.symbols("x y z w")


def test_split_terms_cuts_only_top_level_binary_signs() -> None:
    latex = r"- y \left(1 - \sigma\left(z\right)\right) - \frac{a - b}{2} + e^{- x}"
    assert split_terms(latex) == [r"- y \left(1 - \sigma\left(z\right)\right)", r"- \frac{a - b}{2}", r"+ e^{- x}"]
    assert split_terms(r"x_{i} - \bar{x}") == [r"x_{i}", r"- \bar{x}"]
    assert split_terms(r"\sum_{i=1}^{n} x_{i}") == [r"\sum_{i=1}^{n} x_{i}"]


def test_width_grows_with_the_formula_and_shrinks_in_scripts() -> None:
    assert width("x + y") > width("x")
    assert width(r"e^{x + y + z}") < width(r"e \cdot x + y + z")
    assert width(r"\frac{a + b + c}{d}") < width("a + b + c + d")
    assert width(r"\sum_{i=1}^{n} x_{i}") < width(r"\sum i=1 n x_{i}")


_TERM = st.builds(
    lambda c, a, b, k: c * a ** k * sp.sin(b) if k % 3 == 0 else c * a ** k * sp.exp(b * a) / (1 + b ** 2),
    st.integers(-99, 99).filter(bool), st.sampled_from([x, y, z, w]), st.sampled_from([x, y, z, w]),
    st.integers(1, 9))


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(_TERM, min_size=8, max_size=30))
def test_long_sums_break_into_rows_within_the_measure(terms: list[sp.Expr]) -> None:
    latex = tex(sp.Add(*terms))
    rows = break_formula(latex, MEASURE - INDENT, MEASURE - 2 * INDENT)
    assert " ".join(rows).split() == latex.split()  # nothing lost, nothing reordered
    for row in rows:  # a row is over the measure only when it is one unbreakable term
        assert width(row) <= MEASURE - INDENT or len(split_terms(row)) == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(_TERM, min_size=6, max_size=20))
def test_a_long_chain_puts_reasons_under_its_lines(terms: list[sp.Expr]) -> None:
    rhs = tex(sp.Add(*terms))
    out = chain_layout([Row(tex(sp.Derivative(sp.Add(*terms), x)), rhs, why="sum rule")])
    if width(rhs) + 16 > MEASURE:  # no column beside: the reason is the row's tag, under the line if it must be
        assert "&& \\parbox" not in out and out.count("\\tag*{\\parbox[t]{0.34\\linewidth}") == 1
    assert out.count(r"\begin{align*}") == out.count(r"\end{align*}") == 1


def test_a_short_chain_keeps_its_reasons_beside() -> None:
    out = chain_layout([Row("f", "x + 1", why="sum rule"), Row("", "1", why="power rule")])
    assert out == ("\\begin{align*}\nf\n  &= x + 1 && \\parbox[t]{0.34\\linewidth}{\\raggedright\\small sum rule} \\\\\n"
                   "  &= 1 && \\parbox[t]{0.34\\linewidth}{\\raggedright\\small power rule}\n\\end{align*}")


@pytest.mark.slow
@pytest.mark.tex
def test_every_worked_example_builds_with_no_overfull_line(
        library_build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = library_build
    scripts = sorted((ROOT / "worked_examples").glob("*.py"))
    assert len(scripts) >= 10
    assert done.returncode == 0, done.stderr
    records = [json.loads(p.read_text()) for p in (out / ".derive-cache").glob("*.json")]
    assert sorted(r["item"] for r in records) == sorted(s.stem for s in scripts)
    assert all(set(r["outputs"]) == {"solution", "student"} and "pdf" in r["outputs"]["solution"] for r in records)
    # the build reads TeX's log of every PDF: a line that runs into the margin is named and kept in the record
    found = {r["item"]: r["overfull"] for r in records if r.get("overfull")}
    assert not found, found
    assert "into the margin" not in done.stderr
