"""Seeds and candidate orders: SHA-256 of the parts, never Python's ``hash`` (salted per process) nor
a library's generator whose algorithm could change, so a seed means the same draw on any machine.

A variant's seed comes from the course, the sheet, the build's seed and the student (and a small
counted attempt number when a draw had to move to stay distinct); a problem's from the variant's seed
and the problem's id. A seed orders the grid of a problem's parameters: a seeded permutation when the
grid is small, seeded distinct indices otherwise; a draw tries the first ``limit`` candidates only.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

SEED_BITS = 63
FULL_PERMUTATION = 1 << 14
"""Grids up to this size are permuted in full (every point is tried before any repeats)."""


def seed_of(*parts: object) -> int:
    """A seed below 2**63 from the parts' text (``seed_of("ML101", "week1", 2026, "s001")``)."""
    data = "\x1f".join(f"{type(p).__name__}:{p}" for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> (64 - SEED_BITS)


def _key(seed: int, i: int) -> bytes:
    return hashlib.sha256(f"{seed}:{i}".encode()).digest()


def candidates(seed: int, size: int, limit: int) -> Iterator[int]:
    """At most ``limit`` distinct grid indices below ``size`` in the order the seed gives them."""
    if size <= FULL_PERMUTATION:
        yield from sorted(range(size), key=lambda i: _key(seed, i))[:limit]
        return
    seen: set[int] = set()
    i = 0
    while len(seen) < limit and i < 4 * limit:  # a repeat is rare in a large grid; still bounded
        index = int.from_bytes(_key(seed, i), "big") % size
        i += 1
        if index not in seen:
            seen.add(index)
            yield index
