"""Limits that count work instead of seconds: the Python function calls one part may make.

A wall-clock limit cuts a part on a busy machine and keeps it on an idle one, so the same input
would give different documents. ``run_counted`` instead counts the Python function calls of
``fn`` (``sys.settrace`` 'call' events: every Python frame entered, generators resumed included)
and stops it when ``allowance`` calls are spent; the count depends only on the code path, which
is the same for the same input once SymPy's cache starts from the same state (every worker clears
it), the garbage collector is paused while the part runs (a collection inside it would run the
finalizers, ``__del__`` and weakref callbacks, of garbage made before it, whose calls would be counted
as the part's), and a module imported on first use inside the part is not counted (whether it was
imported already depends on what ran before). C functions are not counted: each is reached from a
counted Python call, and SymPy does its work in Python.

Costs and limits: counting is done by ``derive.core._workcount``, a C profile function built when
the package is installed; it counts the same events and decides the same way as the Python tracer
here (``_run_traced``), which is used where that module could not be built or a profiler is already
running. Counting still slows a part down (Python 3.11 runs traced code unspecialized): by about 70%
in C and 150% with the Python tracer, so only optional parts run counted. The Python tracer replaces
any tracer (a debugger, coverage) for the part's duration and restores it after. A part counted
inside another pauses the outer count until it ends (either way). The stop is an exception raised
at the next call; it derives from
``BaseException`` so SymPy's ``except Exception`` does not swallow it, and a part that catches
it anyway is still reported as cut (the counter remembers; the part then runs on untraced until
it ends or the budget's wall-clock backstop stops the whole job).
"""
from __future__ import annotations

import gc
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class WorkExceeded(BaseException):
    """Raised inside a counted part at the first call past its allowance (never seen by callers)."""


@dataclass(frozen=True, slots=True)
class Counted(Generic[T]):
    """What a counted part gave: its ``value`` (None when cut), the ``calls`` made and whether it was cut."""

    value: T | None
    calls: int
    cut: bool


_NO_STOP_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _may_stop(frame: FrameType) -> bool:
    """False in a generator's frame and in ``__del__``: either may be running from the deallocation
    of an object (a generator closed when dropped), where an exception cannot propagate and Python
    prints "Exception ignored ..." to stderr instead. The stop comes at the next ordinary call."""
    code = frame.f_code
    return not (code.co_flags & _NO_STOP_FLAGS) and code.co_name != "__del__"


_CCounter: type[_workcount.Counter] | None
try:
    from derive.core import _workcount

    _CCounter = _workcount.Counter
except ImportError:  # not built (no C compiler at install): the Python tracer counts the same, slower
    _CCounter = None


def fast() -> bool:
    """True where the C counter is built (speed only: the counts are the same without it)."""
    return _CCounter is not None


def run_counted(fn: Callable[[], T], allowance: int) -> Counted[T]:
    """``fn()`` allowed at most ``allowance`` Python function calls; exceptions of ``fn`` propagate."""
    if allowance < 1:
        return Counted(None, 0, True)
    outer = sys.getprofile()
    if _CCounter is None or (outer is not None and not isinstance(outer, _CCounter)):
        return _run_traced(fn, allowance)  # a profiler (cProfile) keeps its hook
    counter = _CCounter(allowance, WorkExceeded)
    collecting = gc.isenabled()
    gc.disable()  # a collection inside the part would run finalizers of earlier garbage, and count them
    counter.start()  # inside another counted part: that part's counter pauses here, as the Python tracer's does
    try:
        value = fn()
    except WorkExceeded:
        return Counted(None, allowance, True)
    finally:
        if isinstance(outer, _CCounter):
            outer.start()
        else:
            sys.setprofile(None)
        if collecting:
            gc.enable()
    if counter.cut:  # the part caught WorkExceeded itself and went on uncounted: still cut
        return Counted(None, allowance, True)
    return Counted(value, counter.calls, False)


def _run_traced(fn: Callable[[], T], allowance: int) -> Counted[T]:
    """``run_counted`` by a Python tracer (``sys.settrace``): the same counts as the C counter, slower."""
    calls = 0
    cut = False
    importing = 0

    def imported(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal importing
        if event == "return":
            importing -= 1
        return imported

    def tick(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal calls, cut, importing
        if importing:
            return None  # a module imported on first use: what was imported before is not counted either
        code = frame.f_code
        if code.co_name == "_find_and_load" and code.co_filename.startswith("<frozen importlib"):
            importing += 1
            return imported  # its 'return' event ends the import
        calls += 1
        if calls > allowance and _may_stop(frame):
            cut = True
            raise WorkExceeded
        return None  # no per-line tracing inside the frame

    previous = sys.gettrace()
    collecting = gc.isenabled()
    gc.disable()  # a collection inside the part would run finalizers of earlier garbage, and count them
    sys.settrace(tick)
    try:
        value = fn()
    except WorkExceeded:
        return Counted(None, allowance, True)
    finally:
        sys.settrace(previous)
        if collecting:
            gc.enable()
    if cut:  # the part caught WorkExceeded itself and went on untraced: still cut
        return Counted(None, allowance, True)
    return Counted(value, calls, False)
