"""Text output wraps at the terminal width (--width N on every subcommand that prints text) and never
cuts a line short with an ellipsis, however long the result."""
from __future__ import annotations

import pytest
from rich.cells import cell_len

import derive
from tests.conftest import run_derive

GOLDSTEIN_PRICE = ("(1 + (x + y + 1)^2 (19 - 14 x + 3 x^2 - 14 y + 6 x y + 3 y^2))"
                   " (30 + (2 x - 3 y)^2 (18 - 32 x + 12 x^2 + 48 y - 36 x y + 27 y^2))")


def assert_fits(text: str, width: int) -> None:
    lines = text.splitlines()
    assert lines
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide[:3]
    assert not [line for line in lines if "…" in line], "a line was cut short"


@pytest.fixture(scope="module")
def results() -> list[derive.Result]:  # type: ignore[name-defined]
    return [derive.grad(GOLDSTEIN_PRICE, wrt="x,y"), derive.mle("normal", of=["sqrt(sigma2)"]), derive.mle("gamma"),
            derive.ls("simple")]


@pytest.mark.slow
@pytest.mark.parametrize("width", [60, 80, 120])
def test_long_results_wrap_within_the_width(results: list, width: int) -> None:  # type: ignore[type-arg]
    for r in results:
        assert_fits(r.render("text", width=width), width)


@pytest.mark.slow
@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_width_option_wraps_every_subcommand(width: int) -> None:
    for args in (["grad", GOLDSTEIN_PRICE, "--wrt", "x,y"], ["mle", "normal", "--of", "sqrt(sigma2)"],
                 ["ls", "--model", "simple"], ["parse", "exp(-x^2/(2*sigma^2))/sqrt(2*pi*sigma^2) + x^2 sin(x)"]):
        run = run_derive(*args, "--width", str(width), env={"COLUMNS": "300"})
        assert run.returncode == 0, run.stderr
        assert_fits(run.stdout, width)


def test_a_width_below_the_minimum_is_a_usage_error() -> None:
    run = run_derive("diff", "x^2", "--width", "5")
    assert run.returncode == 2 and "at least 20 columns" in run.stderr
