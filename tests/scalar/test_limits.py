"""The final simplification runs under a limit that counts work, and what the limit cuts is said in every format.

SymPy's ``cancel`` and ``factor`` cannot be interrupted, so the tidy-up counts Python calls
(``Budget.max_work``) instead of seconds: the same input gives the same document however slow
the machine, and a cut simplification leaves a correct, certified result with a note.
"""
from __future__ import annotations

import json
import time

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.render import render
from derive.scalar.certify import certify_derivation
from derive.scalar.model import Derivation
from derive.scalar.strategy import differentiate

x = sp.Symbol("x", real=True)
EXPR = x * sp.exp(-x)  # the rules give -x e^-x + e^-x; the tidy-up gives (1 - x) e^-x


def derive(budget: Budget) -> Derivation:
    clock = budget.start()
    return certify_derivation(differentiate(EXPR, [x], clock), clock)


def test_with_the_default_allowance_the_result_is_tidied() -> None:
    d = derive(Budget())
    assert d.steps[-1].rule == "simplify" and d.notes == ()
    assert d.result == (1 - x) * sp.exp(-x)


def test_a_tiny_work_allowance_cuts_the_tidy_up_and_every_format_says_so() -> None:
    d = derive(Budget(max_work=50))
    assert all(s.rule != "simplify" for s in d.steps)
    assert sp.simplify(d.result - (1 - x) * sp.exp(-x)) == 0  # still right, only less tidy
    assert d.certified  # a presentation step was cut, no claim
    assert "not computed (work limit" in d.notes[0]
    assert "the final simplification was not computed" in render(d, "text", width=200)
    assert "the final simplification was not computed" in render(d, "markdown")
    assert "the final simplification was not computed" in render(d, "latex")
    assert any("not computed" in n for n in json.loads(render(d, "json"))["notes"])


def test_the_document_does_not_depend_on_the_speed_of_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every clock reading 50 times further on, the same input gives the same document."""
    expected = render(derive(Budget(seconds=600)), "json")
    real = time.monotonic
    start = real()
    monkeypatch.setattr(time, "monotonic", lambda: start + 50 * (real() - start))
    assert render(derive(Budget(seconds=600)), "json") == expected
