"""Declared domains of scalar variables (``x > 0``, ``0 < p < 1``, ``n integer``).

A domain gives SymPy assumptions for the symbol and the region numeric probes sample from.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True, slots=True)
class VarDomain:
    """An interval of the real line (bounds are numbers; None is unbounded), optionally integral."""

    name: str
    lower: float | None = None
    upper: float | None = None
    lower_strict: bool = True
    upper_strict: bool = True
    integer: bool = False

    def assumptions(self) -> dict[str, bool]:
        """SymPy assumptions implied by the domain (always real)."""
        out: dict[str, bool] = {"real": True}
        if self.integer:
            out["integer"] = True
        if self.lower is not None:
            if self.lower > 0 or (self.lower == 0 and self.lower_strict):
                out["positive"] = True
            elif self.lower >= 0:
                out["nonnegative"] = True
        if self.upper is not None:
            if self.upper < 0 or (self.upper == 0 and self.upper_strict):
                out["negative"] = True
            elif self.upper <= 0:
                out["nonpositive"] = True
        return out

    def describe(self) -> str:
        """Human text such as ``0 < p < 1``, ``x > 0`` or ``x in R``."""
        lo = "<" if self.lower_strict else "<="
        hi = "<" if self.upper_strict else "<="
        kind = " integer" if self.integer else ""
        if self.lower is not None and self.upper is not None:
            return f"{_num(self.lower)} {lo} {self.name} {hi} {_num(self.upper)}{kind}"
        if self.lower is not None:
            return f"{self.name} {'>' if self.lower_strict else '>='} {_num(self.lower)}{kind}"
        if self.upper is not None:
            return f"{self.name} {hi} {_num(self.upper)}{kind}"
        return f"{self.name} in {'Z' if self.integer else 'R'}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def make_symbol(name: str, domains: Mapping[str, VarDomain] | None = None) -> sp.Symbol:
    """The SymPy symbol for a user's variable: real, plus whatever its domain implies."""
    dom = (domains or {}).get(name)
    return sp.Symbol(name, **(dom.assumptions() if dom else {"real": True}))
