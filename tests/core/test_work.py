"""Work limits: counting Python calls stops a part deterministically, whatever the machine's speed."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from derive.core.budget import Budget
from derive.core.errors import UsageError
from derive.core import work
from derive.core.work import Counted, WorkExceeded, _may_stop, _run_traced, run_counted

COUNTERS = [pytest.param(run_counted, id="c"), pytest.param(_run_traced, id="python")]
"""The counter derive uses (C where built) and the Python tracer it falls back on: the same contract."""


@contextmanager
def _hooked(set_hook: Callable[[Any], None], get_hook: Callable[[], Any], hook: Any) -> Iterator[None]:
    """``hook`` installed (a tracer or a profiler) for the block, the previous one after it."""
    previous = get_hook()
    set_hook(hook)
    try:
        yield
    finally:
        set_hook(previous)


def _fib(n: int) -> int:
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


@pytest.mark.parametrize("count", COUNTERS)
def test_a_part_within_its_allowance_returns_its_value_and_the_same_count_every_time(count: Any) -> None:
    first = count(lambda: _fib(15), 10_000)
    second = count(lambda: _fib(15), 10_000)
    assert (first.value, first.cut) == (610, False)
    assert first.calls == second.calls == 1 + 1973  # the lambda, then every call of _fib


@pytest.mark.parametrize("count", COUNTERS)
def test_a_part_past_its_allowance_is_cut_at_the_same_call_on_a_slow_machine(count: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = count(lambda: _fib(25), 5_000)
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: 50 * real())  # time runs 50x faster: no effect
    slow = count(lambda: _fib(25), 5_000)
    assert fast == slow and fast.cut and fast.value is None and fast.calls == 5_000


@pytest.mark.parametrize("count", COUNTERS)
def test_a_part_that_swallows_the_stop_is_still_cut(count: Any) -> None:
    def stubborn() -> str:
        try:
            _fib(20)
        except BaseException:  # noqa: BLE001 - what a careless library might do
            pass
        return "finished anyway"

    counted = count(stubborn, 100)
    assert counted.cut and counted.value is None


@pytest.mark.parametrize("count", COUNTERS)
def test_errors_of_the_part_propagate_and_the_previous_tracer_comes_back(count: Any) -> None:
    events: list[str] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        events.append(event)

    with _hooked(sys.settrace, sys.gettrace, tracer):
        with pytest.raises(ZeroDivisionError):
            count(lambda: 1 / 0, 100)
        assert sys.gettrace() is tracer


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


@pytest.mark.parametrize("count", COUNTERS)
def test_finalizers_of_earlier_garbage_are_never_counted(count: Any) -> None:
    """A collection inside the part would run earlier garbage's finalizers under the counter; the
    count must be the part's own, whatever garbage came before it."""
    counts = set()
    for _ in range(30):
        for _ in range(800):  # enough cyclic garbage to trigger a collection during the part
            a, b = _Finalized(), _Finalized()
            a.other, b.other = b, a  # type: ignore[attr-defined]
            del a, b
        counts.add(count(lambda: _fib(15), 10_000).calls)
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


@pytest.mark.parametrize("count", COUNTERS)
def test_a_module_imported_inside_a_part_is_not_counted(count: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a module was imported already depends on what ran before: its import must not count."""
    (tmp_path / "derive_heavy_module.py").write_text(
        "def f(k):\n    return k + 1\n\nTOTAL = sum(f(k) for k in range(5000))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def part() -> int:
        import derive_heavy_module

        return int(derive_heavy_module.TOTAL) + f_small()

    first = count(part, 200)
    again = count(part, 200)  # now imported: the same count
    assert not first.cut and first.value == again.value
    assert first.calls == again.calls


def f_small() -> int:
    return sum(range(3))


def test_a_running_profiler_keeps_its_hook_and_the_part_is_counted_by_the_python_tracer() -> None:
    calls: list[str] = []

    def profiler(frame: FrameType, event: str, arg: Any) -> None:
        calls.append(event)

    with _hooked(sys.setprofile, sys.getprofile, profiler):
        counted = run_counted(lambda: _fib(15), 10_000)
        assert sys.getprofile() is profiler
    assert (counted.value, counted.calls, counted.cut) == (610, 1 + 1973, False)


def _in_fork(part: Any, allowance: int, count: Any) -> tuple[int, bool, str]:
    """``count(part, allowance)`` in a fresh fork with SymPy's cache and random state reset: (calls, cut, value)."""
    import os
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            from sympy.core.cache import clear_cache
            from sympy.core.random import seed

            clear_cache()
            seed(0)
            c = count(part, allowance)
            os.write(write, pickle.dumps((c.calls, c.cut, str(c.value))))
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    out: tuple[int, bool, str] = pickle.loads(data)
    return out


@pytest.mark.parametrize("allowance", [700, 9_000, 60_000, pytest.param(10**9, marks=pytest.mark.slow)])
def test_the_c_counter_counts_and_cuts_exactly_as_the_python_tracer(allowance: int) -> None:
    """The counter decides where a part is cut, so which documents a build writes: the C counter must
    give the Python tracer's count and cut on real SymPy work (generators, caches, imports, errors)."""
    import sympy as sp

    x, y = sp.symbols("x y")
    parts = [
        lambda: sp.simplify(x * (1 - sp.tanh(y + 2 * x) ** 2) * (2 * sp.tanh(y + 2 * x) - 3) / 2),
        lambda: sp.factor(sp.expand((x + y + 1) ** 5 - (x - y) ** 3)),
        lambda: sp.integrate(x * sp.exp(-x**2 / 2), (x, 0, sp.oo)),
        lambda: sp.cancel((x**3 - y**3) / (x - y)),
    ]
    for part in parts:
        python = _in_fork(part, allowance, _run_traced)
        c = _in_fork(part, allowance, run_counted)
        assert c == python
        assert python[1] == (python[0] >= allowance)


def test_the_c_counter_is_built_where_a_c_compiler_and_python_headers_are() -> None:
    """setup.sh's editable install compiles it (hatch_build.py); without it derive is right but slower."""
    import shutil
    import sysconfig

    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if shutil.which("cc") is None or not headers.is_file():
        pytest.skip("no C compiler or Python headers here: derive counts with its Python tracer")
    assert work.fast()


def test_counted_is_what_both_counters_return() -> None:
    assert isinstance(run_counted(lambda: 1, 10), Counted) and isinstance(_run_traced(lambda: 1, 10), Counted)


@pytest.mark.parametrize("count", COUNTERS)
def test_a_counted_part_inside_another_is_counted_apart_and_the_outer_one_goes_on(count: Any) -> None:
    """The inner part's calls are its own (the outer counter pauses), and the outer counts again after it."""
    inner: list[Counted[int]] = []

    def outer() -> int:
        before = _fib(10)
        inner.append(count(lambda: _fib(12), 10_000))
        return before + _fib(10)

    counted = count(outer, 10_000)
    assert (inner[0].value, inner[0].calls) == (144, 1 + 465)
    # outer, _fib(10) twice, the inner counter's own call and its Counted(...) (made after the outer resumed)
    assert counted.value == 110 and counted.calls == 1 + 177 + 1 + 177 + 1
