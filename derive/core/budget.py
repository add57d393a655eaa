"""Budgets for symbolic work: the limits of one request, and the clock that checks them.

Cooperative checks (``Clock.check``) catch slow loops early and name the step; the hard
limits (time, memory) are enforced by the worker process that runs the request
(``derive.core.runner``), because a single SymPy call cannot be interrupted from inside.
"""
from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, replace

from derive.core.errors import BudgetExceeded, UsageError

MAX_SECONDS = 1e6
MAX_MEMORY_MB = 1 << 20
MIN_MEMORY_MB = 64


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits for one request: wall-clock seconds, memory, expression size (count_ops), rule depth and work.

    ``memory_mb`` is the memory the work may take on top of the loaded program (address space,
    enforced in the worker with RLIMIT_AS). ``max_work`` is the allowance of Python function calls
    of each counted part (an expectation, a symbolic check; ``derive.core.work``): a limit that cuts
    the same parts on a fast or a busy machine. Every field is checked: a NaN, infinite, negative,
    boolean or textual limit is a UsageError, never a silently removed limit.
    """

    seconds: float = 30.0
    max_ops: int = 5000
    max_depth: int = 200
    memory_mb: int = 2048
    max_work: int = 3_000_000

    def __post_init__(self) -> None:
        from derive.core.checks import check_int, check_number

        check_number(self.seconds, "Budget.seconds", 0.0, MAX_SECONDS)
        check_int(self.max_ops, "Budget.max_ops", 1, 10**9)
        check_int(self.max_depth, "Budget.max_depth", 1, 10**6)
        check_int(self.memory_mb, "Budget.memory_mb", MIN_MEMORY_MB, MAX_MEMORY_MB)
        check_int(self.max_work, "Budget.max_work", 1, 10**12)

    def start(self) -> Clock:
        """A fresh clock for one run under this budget."""
        return Clock(self, time.monotonic() + self.seconds)


AMBIENT_SECONDS: ContextVar[float | None] = ContextVar("derive_ambient_seconds", default=None)
"""Seconds an API call without a ``budget=`` may take, where the caller has a budget of its own:
``derive build`` sets the script's (``--timeout``), so a script's requests are cut by the build's
limit, not by the defaults meant for a person waiting at a prompt."""


def check_budget(value: object, default: Budget) -> Budget:
    """``value`` if it is a Budget; if it is None, ``default`` (with the ambient seconds, when a
    caller such as ``derive build`` set them); anything else is a UsageTypeError."""
    if value is None:
        ambient = AMBIENT_SECONDS.get()
        return default if ambient is None else replace(default, seconds=max(default.seconds, ambient))
    if not isinstance(value, Budget):
        from derive.core.errors import UsageTypeError

        raise UsageTypeError(f"budget must be a derive.Budget, got {type(value).__name__}",
                             hint="e.g. budget=derive.Budget(seconds=30)")
    return value


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
