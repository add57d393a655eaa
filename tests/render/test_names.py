"""Every symbol name typesets with the packages a handout loads: a name ending in ``scr`` is a name,
not ``\\mathscr`` (mathrsfs is not loaded); modifiers whose commands amsmath/amssymb give still apply."""
from __future__ import annotations

import importlib
import re

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive.render.notation.latex import tex

_latex = importlib.import_module("sympy.printing.latex")
# Commands the handout preamble provides (LaTeX, amsmath, amssymb): Greek letters, accents, fonts, delimiters.
PROVIDED = {
    "hat", "bar", "overline", "tilde", "check", "breve", "acute", "grave", "dot", "ddot", "dddot", "ddddot",
    "mathring", "vec", "boldsymbol", "mathcal", "mathfrak", "mathbb", "left", "right", "langle", "rangle",
    "prime", "mathrm",
} | {str(v).lstrip("\\") for v in _latex.tex_greek_dictionary.values()} | set(_latex.greek_letters_set) \
  | {"var" + g for g in ("epsilon", "theta", "phi", "rho", "sigma", "pi", "kappa")} | set(_latex.other_symbols)


def commands(latex: str) -> set[str]:
    return set(re.findall(r"\\([A-Za-z]+)", latex))


@pytest.mark.parametrize("name", ["xscr", "bscr", "Ascr", "scr", "x_scr"])
def test_a_name_ending_in_scr_is_a_name(name: str) -> None:
    out = tex(sp.Symbol(name))
    assert "mathscr" not in out
    assert "scr" in out


def test_modifiers_the_preamble_provides_still_apply() -> None:
    assert tex(sp.Symbol("xhat")) == r"\hat{x}"
    assert tex(sp.Symbol("alphabar")) == r"\bar{\alpha}"
    assert tex(sp.Symbol("Xcal")) == r"\mathcal{X}"


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}(scr|hat|bar|cal|frak|bm|dot|vec|tilde)?(_[a-z0-9]{1,3})?",
                     fullmatch=True))
def test_every_name_uses_only_provided_commands(name: str) -> None:
    assert commands(tex(sp.Symbol(name))) <= PROVIDED, tex(sp.Symbol(name))


@pytest.mark.slow
@pytest.mark.tex
@pytest.mark.parametrize("args", [["diff", "xscr^2 + sin(xscr)", "--wrt", "xscr"],
                                  ["grad", "bscr' A bscr", "--wrt", "bscr", "--let", "bscr: p", "--let", "A: p x p"],
                                  ["ls", "--model", "ols", "--name", "b=bscr"]])
def test_names_ending_in_scr_build_a_pdf(args: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import run_derive

    run = run_derive(*args, "--pdf", str(tmp_path / "out.pdf"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out.pdf").stat().st_size > 1000
