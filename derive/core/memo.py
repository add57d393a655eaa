"""Process-wide memos of results that are functions of their request alone, kept once decided.

A derivation is determined by its request and its counted limits (it runs in a fresh worker, seeded),
so the one certified before in a process is the one that would be made again. A build plans a sheet
in its parent process and forks a worker per variant: what the plan derived once (a family's
estimator, a model's solution, the formulas of its summary) is inherited by every worker, which then
does only its own draw's part. Every memo is made here, so that one call forgets them all
(``clear``: the test suite does, before each test, so that a monkeypatch is never bypassed).
"""
from __future__ import annotations

from typing import Any

LIMIT = 256
"""Entries one memo keeps; past that the oldest is dropped (a long session stays bounded)."""

_MEMOS: list[dict[Any, Any]] = []


class _Memo(dict[Any, Any]):
    """A dict that keeps its newest ``LIMIT`` entries."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > LIMIT:
            del self[next(iter(self))]

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]


def memo() -> dict[Any, Any]:
    """A new, registered memo (a dict: key -> a decided result), at most ``LIMIT`` entries."""
    d = _Memo()
    _MEMOS.append(d)
    return d


def clear() -> None:
    """Forget every memo of this process."""
    for d in _MEMOS:
        d.clear()
