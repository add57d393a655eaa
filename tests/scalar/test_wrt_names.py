"""--wrt reads names with the expression's own rules, and a variable that does not occur is said so."""
from __future__ import annotations

import pytest

import derive
from derive.core.errors import UsageError
from tests.conftest import run_derive


@pytest.mark.parametrize("name", ["\u0445", "x\u0301", "\u03b8", "x-1", "1x", ""])
def test_a_name_the_expression_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(UsageError):
        derive.diff("x^2", wrt=name)
    with pytest.raises(UsageError):
        derive.grad("x^2 + y", wrt=f"{name},y")


@pytest.mark.parametrize(("name", "says"), [("pi", "constant"), ("sin", "sin"), ("oo", "oo")])
def test_constants_functions_and_reserved_names_are_not_variables(name: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        derive.diff("x^2", wrt=name)


def test_a_variable_that_does_not_occur_is_noted_and_still_certified() -> None:
    r = derive.diff("x^2", wrt="z")
    assert r.result == 0 and r.certified
    assert any("z does not occur" in n for n in r.derivation.notes)
    assert "z does not occur" in r.render("text") and "z does not occur" in r.to_latex()
    assert not any("occur" in n for n in derive.diff("x^2", wrt="x").derivation.notes)


@pytest.mark.slow
def test_the_cli_refuses_a_cyrillic_wrt_with_exit_2() -> None:
    run = run_derive("diff", "x^2", "--wrt", "\u0445")
    assert run.returncode == 2
    assert "U+0445" in run.stderr and "Traceback" not in run.stderr
