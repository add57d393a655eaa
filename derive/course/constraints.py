"""Declared constraints on a draw: ``"a != b"``, ``"b^2 - 4*a*c != 0"``, ``"0 < sum_x < n"``.

Each side is read by our own parser (never evaluated as code) and compared exactly, in rational
arithmetic, at the drawn values (and, for problems with data, statistics of it such as ``sum_x``):
a draw that would give a zero denominator, a singular system or an estimate outside the parameter
space is excluded before anything is derived. An undefined side (``1/0``) makes the constraint fail.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from derive.core.errors import ParseError, UsageError

_OPS = re.compile(r"(!=|<=|>=|==|<|>|=)")


@dataclass(frozen=True)
class Constraint:
    """A chain of comparisons between expressions (``0 < p < 1``)."""

    text: str
    sides: tuple[sp.Expr, ...]
    ops: tuple[str, ...]

    def names(self) -> set[str]:
        return {str(s) for side in self.sides for s in side.free_symbols}

    def holds(self, values: Mapping[str, sp.Rational]) -> bool:
        """True when every comparison holds exactly at ``values`` (a side left undefined fails)."""
        subs = {sp.Symbol(k): v for k, v in values.items()}
        nums = []
        for side in self.sides:
            v = side.xreplace({s: subs.get(sp.Symbol(str(s)), s) for s in side.free_symbols})
            if v.free_symbols or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_real:
                return False
            nums.append(v)
        for (a, b), op in zip(zip(nums, nums[1:]), self.ops):
            ok = {"!=": a != b, "==": a == b, "=": a == b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
            if not bool(ok):
                return False
        return True


def parse_constraint(text: str, where: str) -> Constraint:
    """Read ``text``; errors name ``where`` (the file and key, or the problem)."""
    from derive.parse.text import parse_text

    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: a constraint must be non-empty text such as 'a != b'")
    pieces = _OPS.split(text)
    sides_text, ops = pieces[0::2], pieces[1::2]
    if not ops:
        raise UsageError(f"{where}: constraint {text!r} compares nothing",
                         hint="write a comparison: 'a != b', 'b^2 - 4*a*c != 0', '0 < p < 1'")
    sides = []
    for s in sides_text:
        try:
            sides.append(parse_text(s.strip()))
        except ParseError as exc:
            raise ParseError(f"{where}: constraint {text!r}: {exc.message}", hint=exc.hint) from None
    return Constraint(text, tuple(sides), tuple(ops))
