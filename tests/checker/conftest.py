"""Shared trees for the checker's tests, built with SymPy constructors (never parsed from strings)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sympy as sp

N = sp.Symbol("n", integer=True, positive=True)
I = sp.Symbol("i", integer=True, positive=True)
X = sp.IndexedBase("x")
Y = sp.IndexedBase("y")
THETA = sp.Symbol("theta", positive=True)
MU = sp.Symbol("mu", real=True)
S2 = sp.Symbol("sigma2", positive=True)
x = sp.Symbol("x", real=True)


def total(body: sp.Expr) -> sp.Expr:
    """The sum of ``body`` over i = 1..n."""
    return sp.Sum(body, (I, 1, N))


def accepted(path: Path) -> None:
    """A correct corpus file: every step proved or plausible (the bad steps are named on failure)."""
    from derive.checker.api import check

    report = check(path).report
    bad = [(s.line, s.status, s.certificate.describe()) for s in report.steps if s.status not in ("proved", "plausible")]
    assert report.outcome == "correct", bad


def caught_at_line(path: Path, line: int) -> Any:
    """A planted copy: refuted, first at ``line``; the first refuted step, for more assertions."""
    from derive.checker.api import check

    report = check(path).report
    assert report.outcome == "incorrect"
    first = report.first_error
    assert first is not None
    assert first.line == line, (first.line, first.certificate.describe())
    return first
