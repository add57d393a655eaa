"""Budgets for symbolic work: a time and size limit, and the worker that enforces it.

Cooperative checks (``Clock.check``) catch slow loops early; the hard limit is a
separate worker process (pebble) that is killed when its time is up, because a
single SymPy call cannot be interrupted from inside.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar

from derive.core.errors import BudgetExceeded, UsageError

T = TypeVar("T")

_IN_WORKER = "DERIVE_IN_WORKER"


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits for one request: wall-clock seconds, expression size (count_ops) and rule depth.

    ``max_work`` is the allowance of Python function calls of each counted part (an expectation, a
    symbolic check; ``derive.core.work``): a limit that cuts the same parts on a fast or a busy machine.
    """

    seconds: float = 30.0
    max_ops: int = 5000
    max_depth: int = 200
    max_work: int = 3_000_000

    def __post_init__(self) -> None:
        if isinstance(self.max_work, bool) or not isinstance(self.max_work, int) or self.max_work < 1:
            raise UsageError(f"Budget(max_work={self.max_work!r}): the work allowance must be a positive int",
                             hint="a count of Python function calls, e.g. Budget(max_work=5_000_000)")

    def start(self) -> Clock:
        """A fresh clock for one run under this budget."""
        return Clock(self, time.monotonic() + self.seconds)


@dataclass(slots=True)
class Clock:
    """Per-run budget state, passed down explicitly (never a global)."""

    budget: Budget
    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, step: str, size: int | None = None, depth: int | None = None) -> None:
        """Raise BudgetExceeded if time, size or depth is over the limit at ``step``."""
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"time budget of {self.budget.seconds:g} s exceeded during {step}",
                hint="simplify the input or raise the budget (--timeout)",
            )
        if size is not None and size > self.budget.max_ops:
            raise BudgetExceeded(
                f"size budget of {self.budget.max_ops} operations exceeded during {step} (size {size})",
                hint="the expression grew too large; try a smaller input",
            )
        if depth is not None and depth > self.budget.max_depth:
            raise BudgetExceeded(
                f"depth budget of {self.budget.max_depth} exceeded during {step}",
                hint="the expression is nested too deeply",
            )


def in_worker() -> bool:
    """True inside a budget worker process (where a nested worker cannot be started)."""
    return os.environ.get(_IN_WORKER) == "1"


def _mark_worker() -> None:
    os.environ[_IN_WORKER] = "1"


def run_bounded(fn: Callable[..., T], *args: object, budget: Budget, what: str = "the request") -> T:
    """Run ``fn(*args)`` in a worker process killed after ``budget.seconds`` (plus a grace second).

    Inside a worker already, run inline: the enclosing worker's limit still holds.
    """
    if in_worker():
        return fn(*args)
    from pebble import ProcessPool  # lazy: keeps CLI start-up fast

    context = multiprocessing.get_context("fork")
    with ProcessPool(max_workers=1, context=context, initializer=_mark_worker) as pool:
        future = pool.schedule(fn, args=list(args), timeout=budget.seconds + 1.0)
        try:
            return future.result()
        except BudgetExceeded:
            raise  # the worker's own size/depth/time verdict: keep its message
        except FutureTimeout:
            raise BudgetExceeded(
                f"time budget of {budget.seconds:g} s exceeded during {what}",
                hint="simplify the input or raise the budget (--timeout)",
            ) from None
