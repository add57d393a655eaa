"""Simple linear regression y_i = a + b x_i in summation form, as data: the steps, the estimator, the checks.

The derivation is scalar SymPy over ``Sum(..., (i, 1, n))`` with ``IndexedBase`` data, not matrix
algebra; each step carries two verdicts, a symbolic one (linearity of the sum, then algebra
with the sums as atoms) and a numeric one (random data at random small n).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from derive.core.contract import NOT_CHECKED, Certificate, Certified, Check, Proved, Refuted, Step
from derive.lsq.model import DataFit

Claim = tuple[Any, Any]
"""Two SymPy expressions claimed equal (Any: SymPy ships no annotations)."""


@dataclass(frozen=True, slots=True)
class SimpleNames:
    """The user's names for the regressor, the response, the intercept and the slope."""

    x: str = "x"
    y: str = "y"
    a: str = "a"
    b: str = "b"


@dataclass(frozen=True, slots=True, kw_only=True)
class SumStep(Step):
    """One line ``before = after`` (``before <=> after`` for equations) in a ``section``, certified through ``claims``.

    ``rule`` names the move ("expand the square"); ``claims`` are the identities that establish the
    line (for a solved equation: that the solution satisfies it), by default the line itself. Each
    line is checked twice: ``proof`` (symbolic, by linearity of the sum) and ``probe`` (numeric, on
    random data); ``certificate`` sums them up: proved when both hold and the proof is a proof,
    plausible when the probes agree and the proof does not refute, else the failing one.
    """

    section: str
    claims: tuple[Claim, ...] = ()
    proof: Certificate = NOT_CHECKED
    probe: Certificate = NOT_CHECKED

    @property
    def to_check(self) -> tuple[Claim, ...]:
        return self.claims or ((self.before, self.after),)

    @property
    def certified(self) -> bool:
        return self.certificate.certified


def summary(proof: Certificate, probe: Certificate) -> Certificate:
    """The one certificate of a line checked two ways (see ``SumStep``)."""
    if probe.certified and not isinstance(proof, Refuted):
        return proof if isinstance(proof, Proved) else probe
    return probe if not probe.certified else proof


@dataclass(frozen=True, slots=True)
class SimpleSolution(Certified):
    """The summation-form derivation of simple regression and everything that checks it.

    ``symbols`` maps roles (x, y, a, b, n, i, xbar, ybar, S_xx, S_xy, ahat, bhat, S) to SymPy
    objects; ``definitions`` gives xbar, ybar, S_xx, S_xy in sums (substituted before checking).
    """

    names: SimpleNames
    symbols: dict[str, Any]
    objective: Any
    definitions: tuple[tuple[Any, Any], ...]
    steps: tuple[SumStep, ...]
    gradient: tuple[Any, Any]
    normal_equations: tuple[Any, Any]
    slope: Any
    intercept: Any
    slope_sums: Any
    intercept_sums: Any
    hessian: Any
    conditions: tuple[str, ...]
    checks: tuple[Check, ...] = field(default=())
    data_fit: DataFit | None = None

    def estimator_text(self) -> str:
        """``b = S_xy/S_xx, a = ybar - b*xbar``: SymPy strings of each side, slope first (the intercept uses it)."""
        import sympy as sp

        nm = self.names
        intercept = sp.sstr(self.intercept.subs(self.symbols["bhat"], self.symbols["b"]), order="none")
        return f"{nm.b} = {sp.sstr(self.slope)}, {nm.a} = {intercept}"

    def display_names(self) -> dict[str, tuple[str, str]]:
        """Symbol name -> (Unicode text, LaTeX) for the symbols that are not plain names (x-bar, a-hat, S_xx, ...)."""
        s, nm = self.symbols, self.names
        return {
            s["xbar"].name: (f"{nm.x}\u0304", rf"\bar{{{nm.x}}}"),
            s["ybar"].name: (f"{nm.y}\u0304", rf"\bar{{{nm.y}}}"),
            s["ahat"].name: (f"{nm.a}\u0302", rf"\hat{{{nm.a}}}"),
            s["bhat"].name: (f"{nm.b}\u0302", rf"\hat{{{nm.b}}}"),
            s["S_xx"].name: (s["S_xx"].name, "S_{" + s["S_xx"].name[2:].replace("_", "") + "}"),
            s["S_xy"].name: (s["S_xy"].name, "S_{" + s["S_xy"].name[2:].replace("_", "") + "}"),
            s["dS/da"].name: (f"∂S/∂{nm.a}", rf"\frac{{\partial S}}{{\partial {nm.a}}}"),
            s["dS/db"].name: (f"∂S/∂{nm.b}", rf"\frac{{\partial S}}{{\partial {nm.b}}}"),
            s["H"].name: ("∇²S", r"\nabla^2 S"),
            s["det"].name: ("det ∇²S", r"\det \nabla^2 S"),
        }

    def all_steps(self) -> Iterator[Step]:
        yield from self.steps
        if self.data_fit is not None:
            yield from self.data_fit.all_steps()

    def all_checks(self) -> Iterator[Check]:
        yield from self.checks
        if self.data_fit is not None:
            yield from self.data_fit.all_checks()
