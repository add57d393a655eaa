"""Declared shapes of matrix-calculus variables: ``X: n x p``, ``y: n``, ``A symmetric``.

Plain data shared by the parsers and (later) the matrix engine; a name not declared is a scalar.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from derive.core.errors import ShapeError

Dim = int | str
"""A dimension: a positive integer or a symbolic size such as ``n``."""

SQUARE_PROPERTIES: tuple[str, ...] = (
    "symmetric", "positive definite", "positive semidefinite", "diagonal", "orthogonal",
)
"""Matrix properties that need a square matrix."""

PROPERTIES: tuple[str, ...] = SQUARE_PROPERTIES + ("positive",)
"""Properties a declaration may state; ``positive`` (every entry > 0) suits any shape."""

_IMPLIES: dict[str, frozenset[str]] = {
    "positive definite": frozenset({"symmetric", "positive semidefinite"}),
    "positive semidefinite": frozenset({"symmetric"}),
}


@dataclass(frozen=True, slots=True)
class ShapeDecl:
    """``name`` is a ``rows`` x ``cols`` matrix (cols 1: a column vector) with ``properties``.

    ``rows``/``cols`` are None in a properties-only declaration (``A symmetric``), to be
    merged with a declaration that gives the shape.
    """

    name: str
    rows: Dim | None
    cols: Dim | None
    properties: frozenset[str] = frozenset()

    @property
    def is_vector(self) -> bool:
        return self.cols == 1 and self.rows != 1

    @property
    def is_square(self) -> bool:
        return self.rows is not None and self.rows == self.cols

    def closed(self) -> frozenset[str]:
        """The properties with what they imply (positive definite implies symmetric)."""
        out = set(self.properties)
        for p in self.properties:
            out |= _IMPLIES.get(p, frozenset())
        return frozenset(out)

    def describe(self) -> str:
        """Text such as ``A: p x p symmetric`` or ``y: n``."""
        shape = "" if self.rows is None else (f"{self.rows}" if self.is_vector else f"{self.rows} x {self.cols}")
        props = " ".join(p for p in PROPERTIES if p in self.properties)
        head = f"{self.name}: {shape}" if shape else self.name
        return f"{head} {props}".strip()


def check_shape(decl: ShapeDecl) -> ShapeDecl:
    """Raise ShapeError if the properties need a square matrix and the shape is not square."""
    square = decl.properties & set(SQUARE_PROPERTIES)
    if square and decl.rows is not None and not decl.is_square:
        props = ", ".join(sorted(square))
        raise ShapeError(
            f"{decl.name} is declared {props} but its shape is {decl.rows} x {decl.cols}",
            hint="these properties need a square matrix, e.g. 'A: p x p symmetric'",
        )
    return decl


def merge_shapes(decls: Iterable[ShapeDecl]) -> dict[str, ShapeDecl]:
    """One declaration per name: shapes must agree, properties accumulate."""
    out: dict[str, ShapeDecl] = {}
    for d in decls:
        old = out.get(d.name)
        if old is None:
            out[d.name] = d
            continue
        if old.rows is not None and d.rows is not None and (old.rows, old.cols) != (d.rows, d.cols):
            raise ShapeError(
                f"{d.name} is declared twice with different shapes: {old.describe()} and {d.describe()}",
                hint="declare each name's shape once",
            )
        rows, cols = (old.rows, old.cols) if old.rows is not None else (d.rows, d.cols)
        out[d.name] = ShapeDecl(d.name, rows, cols, old.properties | d.properties)
    for name, d in out.items():
        check_shape(d)
        if d.properties and d.rows is None:
            hint = (f"for a positive scalar write --where '{name} > 0'; for a vector '{name}: n positive'"
                    if d.properties == {"positive"} else f"also declare e.g. '{name}: p x p'")
            raise ShapeError(f"{name} has properties but no shape", hint=hint)
    return out
