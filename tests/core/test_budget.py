"""Budgets: every limit checked when the Budget is made, and the clock's cooperative checks."""
import math

import pytest

from derive.core.budget import Budget, check_budget
from derive.core.errors import BudgetExceeded, UsageError, UsageTypeError


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


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf, -1.0, 1e7])
def test_a_limit_that_would_vanish_or_break_is_refused(seconds: float) -> None:
    with pytest.raises(UsageError, match="Budget.seconds") as info:
        Budget(seconds=seconds)
    assert info.value.hint


@pytest.mark.parametrize("field", ["seconds", "max_ops", "max_depth", "memory_mb"])
@pytest.mark.parametrize("value", ["5", None, True, [1]])
def test_every_field_must_be_a_number_not_text_bool_or_none(field: str, value: object) -> None:
    with pytest.raises(UsageTypeError, match=f"Budget.{field}") as info:
        Budget(**{field: value})  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and info.value.hint


def test_memory_budget_has_a_floor_and_a_ceiling() -> None:
    assert Budget(memory_mb=64).memory_mb == 64
    for bad in (63, 2**40):
        with pytest.raises(UsageError, match="memory_mb"):
            Budget(memory_mb=bad)


def test_check_budget_takes_a_budget_or_none() -> None:
    default = Budget(seconds=7)
    assert check_budget(None, default) is default
    mine = Budget(seconds=3)
    assert check_budget(mine, default) is mine
    with pytest.raises(UsageTypeError, match="derive.Budget"):
        check_budget(30, default)


def test_ambient_seconds_replace_the_default_only_where_no_budget_is_given() -> None:
    from derive.core.budget import AMBIENT_SECONDS, check_budget

    token = AMBIENT_SECONDS.set(600.0)
    try:
        assert check_budget(None, Budget()).seconds == 600.0
        assert check_budget(None, Budget(seconds=900.0)).seconds == 900.0  # never shorter than the default
        assert check_budget(Budget(seconds=5.0), Budget()).seconds == 5.0  # a budget given is the budget
    finally:
        AMBIENT_SECONDS.reset(token)
    assert check_budget(None, Budget()).seconds == 30.0
