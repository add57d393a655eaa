"""Budgets: cooperative checks and the worker process that enforces the hard limit."""
import time

import pytest

from derive.core.budget import Budget
from derive.core.runner import in_worker, run_bounded
from derive.core.errors import BudgetExceeded, ParseError


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _raise_parse_error() -> None:
    raise ParseError("boom", hint="a hint")


def _report_in_worker() -> bool:
    return in_worker()


def test_clock_raises_when_time_is_up() -> None:
    clock = Budget(seconds=0).start()
    with pytest.raises(BudgetExceeded, match="time budget"):
        clock.check("a step")


def test_clock_raises_on_size_and_depth_naming_the_step() -> None:
    clock = Budget(seconds=60, max_ops=10, max_depth=3).start()
    clock.check("fine", size=10, depth=3)
    with pytest.raises(BudgetExceeded, match="size budget of 10 .* during the product rule"):
        clock.check("the product rule", size=11)
    with pytest.raises(BudgetExceeded, match="depth budget"):
        clock.check("x", depth=4)


def test_worker_returns_the_value() -> None:
    assert run_bounded(_sleep, 0.0, budget=Budget(seconds=5)) == "done"


def test_worker_is_killed_after_the_budget() -> None:
    with pytest.raises(BudgetExceeded, match="time budget of 0.5 s exceeded during sleeping"):
        run_bounded(_sleep, 60.0, budget=Budget(seconds=0.5), what="sleeping")


def test_worker_reraises_our_errors_with_their_hint() -> None:
    with pytest.raises(ParseError) as info:
        run_bounded(_raise_parse_error, budget=Budget(seconds=5))
    assert info.value.hint == "a hint"


def test_code_in_the_worker_knows_it_is_in_a_worker() -> None:
    assert not in_worker()
    assert run_bounded(_report_in_worker, budget=Budget(seconds=5)) is True
