"""Work limits: counting Python calls stops a part deterministically, whatever the machine's speed."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from derive.core.budget import Budget
from derive.core.errors import UsageError
from derive.core.work import WorkExceeded, _may_stop, run_counted


def _fib(n: int) -> int:
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def test_a_part_within_its_allowance_returns_its_value_and_the_same_count_every_time() -> None:
    first = run_counted(lambda: _fib(15), 10_000)
    second = run_counted(lambda: _fib(15), 10_000)
    assert (first.value, first.cut) == (610, False)
    assert first.calls == second.calls == 1 + 1973  # the lambda, then every call of _fib


def test_a_part_past_its_allowance_is_cut_at_the_same_call_on_a_slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = run_counted(lambda: _fib(25), 5_000)
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: 50 * real())  # time runs 50x faster: no effect
    slow = run_counted(lambda: _fib(25), 5_000)
    assert fast == slow and fast.cut and fast.value is None and fast.calls == 5_000


def test_a_part_that_swallows_the_stop_is_still_cut() -> None:
    def stubborn() -> str:
        try:
            _fib(20)
        except BaseException:  # noqa: BLE001 - what a careless library might do
            pass
        return "finished anyway"

    counted = run_counted(stubborn, 100)
    assert counted.cut and counted.value is None


def test_errors_of_the_part_propagate_and_the_previous_tracer_comes_back() -> None:
    events: list[str] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        events.append(event)

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with pytest.raises(ZeroDivisionError):
            run_counted(lambda: 1 / 0, 100)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_the_stop_is_not_an_exception_that_library_code_catches() -> None:
    assert not issubclass(WorkExceeded, Exception)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_the_allowance_is_a_positive_int(bad: object) -> None:
    with pytest.raises(UsageError, match="max_work"):
        Budget(max_work=bad)  # type: ignore[arg-type]


def test_the_default_allowance_is_counted_in_calls() -> None:
    assert Budget().max_work == 3_000_000


class _Finalized:
    """Garbage in a reference cycle whose finalizer runs Python code when the collector frees it."""

    def __del__(self) -> None:
        _fib(6)


def test_finalizers_of_earlier_garbage_are_never_counted() -> None:
    """A collection inside the part would run earlier garbage's finalizers under the counter; the
    count must be the part's own, whatever garbage came before it."""
    counts = set()
    for _ in range(30):
        for _ in range(800):  # enough cyclic garbage to trigger a collection during the part
            a, b = _Finalized(), _Finalized()
            a.other, b.other = b, a  # type: ignore[attr-defined]
            del a, b
        counts.add(run_counted(lambda: _fib(15), 10_000).calls)
    assert counts == {1 + 1973}


def test_the_stop_is_never_raised_where_python_could_only_print_it() -> None:
    """A generator's frame (closed from deallocation when dropped) and ``__del__`` cannot pass an
    exception on: Python would print 'Exception ignored' on stderr and the part would go on. The stop
    waits for the next ordinary call there."""
    seen: dict[str, bool] = {}

    def numbers() -> Iterator[int]:
        seen["generator"] = _may_stop(sys._getframe())
        yield 1

    class Dropped:
        def __del__(self) -> None:
            seen["__del__"] = _may_stop(sys._getframe())

    def ordinary() -> None:
        seen["function"] = _may_stop(sys._getframe())

    next(numbers())
    Dropped()
    ordinary()
    assert seen == {"generator": False, "__del__": False, "function": True}


def test_a_module_imported_inside_a_part_is_not_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a module was imported already depends on what ran before: its import must not count."""
    (tmp_path / "derive_heavy_module.py").write_text(
        "def f(k):\n    return k + 1\n\nTOTAL = sum(f(k) for k in range(5000))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def part() -> int:
        import derive_heavy_module

        return int(derive_heavy_module.TOTAL) + f_small()

    first = run_counted(part, 200)
    again = run_counted(part, 200)  # now imported: the same count
    assert not first.cut and first.value == again.value
    assert first.calls == again.calls


def f_small() -> int:
    return sum(range(3))
