"""The checker's reader: the LaTeX reader of ``derive.parse.derivation_math`` with one file's declarations.

Names learned anywhere in the file hold in all of it: ``x_i`` read as data inside a sum makes ``x_1``
data on another line too, a size or index learned on one line is one on every line, and a name
called as a function (``\\sigma'(z)``) is called on every line. So every
side is read once to learn, then again with what the whole file taught.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.core.errors import DeriveError
from derive.checker.probe import Declared
from derive.parse.derivation import Derivation
from derive.parse.derivation_math import Context, read_context, read_math


@dataclass(frozen=True, slots=True)
class Read:
    """A side as read: the tree with the definitions substituted, and the echo of the reading."""

    expr: sp.Basic
    latex: str


_PROPERTY_WORDS = {"positive definite": "positive_definite", "positive semidefinite": "positive_semidefinite"}


class FileReader:
    """Reads the sides of one file with its declarations and what its other lines taught."""

    def __init__(self, context: Context) -> None:
        self.context = context

    @property
    def declared(self) -> Declared:
        properties: dict[str, frozenset[str]] = {
            name: frozenset(_PROPERTY_WORDS.get(p, p) for p in decl.closed())
            for name, decl in self.context.shapes.items()}
        for name in self.context.identities:
            properties[name] = properties.get(name, frozenset()) | {"identity"}
        return Declared(dict(self.context.domains), properties, self.context.random)

    def read(self, latex: str) -> Read:
        reading = read_math(latex, self.context)
        return Read(reading.expanded, reading.latex)


def reader_for(derivation: Derivation) -> FileReader:
    """The reader of ``derivation``: its declarations (a bad one raises ParseError), then a first
    reading of every side to learn the file's families, sizes and indices."""
    context = read_context(derivation.declarations)
    families: set[str] = set()
    sizes: set[str] = set()
    indices: set[str] = set()
    called: set[str] = set()
    for chain in derivation.chains:
        terms = [chain.first] + [link.rhs for link in chain.links]
        for term in terms:
            if not term.latex:
                continue
            try:
                learned = read_math(term.latex, context).context
            except DeriveError:
                continue
            if learned is not None:
                families |= learned.families
                sizes |= learned.sizes
                indices |= learned.indices
                called |= learned.called
    return FileReader(context.learned(families, sizes, indices, called))
