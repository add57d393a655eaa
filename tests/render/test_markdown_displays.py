"""Markdown and Jupyter: one ``$$`` display per formula on its own lines, no inline maths across lines,
the gradient and the Hessian never side by side; --format latex names the packages it needs."""
from __future__ import annotations

import re

import pytest

import derive


def check_markdown(md: str) -> None:
    lines = md.splitlines()
    inside = False
    for k, line in enumerate(lines):
        if line.strip() == "$$":
            inside = not inside
            continue
        assert "$$" not in line, f"line {k}: a display must have $$ on its own lines: {line!r}"
        if inside:
            side_by_side = re.search(r"\\nabla(_\{[^}]*\})? f &?=.*\\nabla\^2(_\{[^}]*\})? f &?=", line)
            assert not side_by_side, f"gradient and Hessian side by side: {line!r}"
            continue
        dollars = len(re.findall(r"(?<!\\)\$", line))
        assert dollars % 2 == 0, f"line {k}: inline maths runs across lines: {line!r}"
    assert not inside, "an unclosed display"


@pytest.fixture(scope="module")
def results() -> list:  # type: ignore[type-arg]
    from derive.core.budget import Budget

    def roomy() -> Budget:  # the defaults' wall-clock seconds are for a person waiting, not a loaded test machine
        return Budget(seconds=600)

    return [derive.grad("(1-x)^2 + 100*(y - x^2)^2", wrt="x,y", hessian=True, budget=roomy()),
            derive.diff("sigmoid(w*x + b)", wrt="w", budget=roomy()),
            derive.grad("norm(y - X*b)^2", wrt="b", let=["X: n x p", "y: n", "b: p"], hessian=True, budget=roomy()),
            derive.mle("poisson", budget=roomy()), derive.ls("ridge", budget=roomy()), derive.ls("simple", budget=roomy())]


@pytest.mark.slow
def test_markdown_has_one_display_per_formula(results: list) -> None:  # type: ignore[type-arg]
    for r in results:
        check_markdown(r.to_markdown())
        check_markdown(r._repr_markdown_())


@pytest.mark.slow
def test_jupyter_latex_is_one_display_per_chain_and_result(results: list) -> None:  # type: ignore[type-arg]
    for r in results:
        check_markdown(r._repr_latex_())
    shown = results[0]._repr_latex_()
    assert shown.count("$$") >= 2 * 3  # two partials and the result, at least


@pytest.mark.slow
def test_latex_output_names_its_packages() -> None:
    from tests.conftest import run_derive

    run = run_derive("diff", "x^2", "--wrt", "x", "--format", "latex")
    assert run.returncode == 0 and run.stdout.startswith("% derive LaTeX output; needs \\usepackage{amsmath}\n")


def test_the_packages_comment_names_what_the_output_uses() -> None:
    from derive.render.formats.latex import packages_comment

    assert "xcolor" in packages_comment(r"\text{\small\color{gray}why}")
    assert "amssymb" in packages_comment(r"\mathbb{E}[x]")
