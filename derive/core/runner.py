"""Run a request in a forked worker under its budget: time, memory, signals, nothing left behind.

The worker is forked when the work is known (no pool to start, nothing to import after the
fork that the parent already has) and sends its value or error back through a pipe. The
parent kills it, and every process it started, when the time is up or a signal arrives; the
worker dies with its parent even if the parent is killed outright (``PR_SET_PDEATHSIG``).
Memory is capped in the worker with ``RLIMIT_AS``. The Linux-only parts (``prctl``,
``/proc``) are skipped where they are not available.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from derive.core.budget import Budget
from derive.core.errors import BudgetExceeded, DeriveError

T = TypeVar("T")

GRACE = 1.0
"""Seconds a worker may run past its budget before it is killed (its own checks name the step)."""

_IN_WORKER = "DERIVE_IN_WORKER"
_SCRATCH = "DERIVE_SCRATCH"
_HEADER = struct.Struct("!cQ")
_STAGE, _VALUE, _ERROR = b"S", b"V", b"E"
_RESERVE_BYTES = 8 << 20
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_PR_SET_PDEATHSIG = 1
_TIME_HINT = "simplify the input or raise the budget (--timeout)"
_MEMORY_HINT = "the work grew too large; simplify the input or raise the budget (--memory)"

_progress_fd: int | None = None  # the worker's end of its pipe (set only in a worker process)
_stage_now = "the request"  # the step the worker last reported (only in a worker process)


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (workers killed, scratch removed), then exit 128 + signal.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def in_worker() -> bool:
    """True inside a worker (where a nested request runs inline under the worker's limits)."""
    return os.environ.get(_IN_WORKER) == "1"


def stage(what: str) -> None:
    """Tell the parent which step the worker is on, so a hard time-out can name it (no-op outside a worker)."""
    global _stage_now
    if _progress_fd is not None:
        _stage_now = what
        _send(_progress_fd, _STAGE, what.encode("utf-8", "replace")[:500])


def scratch_root() -> str | None:
    """The per-invocation folder for scratch files (TeX runs), removed by the command that made it."""
    root = os.environ.get(_SCRATCH)
    return root if root and os.path.isdir(root) else None


def run_bounded(fn: Callable[..., T], *args: object, budget: Budget, what: str = "the request",
                prepare: Callable[[], object] | None = None) -> T:
    """``fn(*args)`` in a worker process under ``budget``; its value, or its error re-raised here.

    Time: the worker is killed ``budget.seconds`` (+ ``GRACE``) after it starts (BudgetExceeded,
    naming the last step it reported). Memory: ``budget.memory_mb`` on top of the program.
    ``prepare`` (imports, mostly) runs first in the worker with the garbage collector paused,
    and what it loaded is then frozen out of the collector's way (see ``_prepared``).
    Inside a worker already, ``fn`` runs inline: the enclosing worker's limits still hold.
    """
    if in_worker():
        return fn(*args)
    worker: Worker[T] | None = None
    try:
        worker = Worker.start(fn, args, budget, what, prepare)
        return worker.wait()
    finally:
        if worker is not None:
            worker.close()


class Beside(Generic[T]):
    """A call running in a forked helper beside the caller's own work (the second core); ``result()`` joins it.

    Inside a budget worker the helper is one more process of the same kind (its limits, killed with
    its parent). Anywhere else (a test, the API called in process) the call runs inline when its
    result is asked for. ``close()`` stops a helper whose result is no longer wanted.
    """

    def __init__(self, fn: Callable[..., T], args: Sequence[object], budget: Budget, what: str) -> None:
        self._fn, self._args, self._budget, self._what = fn, tuple(args), budget, what
        self._worker: Worker[T] | None = Worker.start(fn, args, budget, what) if in_worker() else None

    def result(self) -> T:
        if self._worker is None:
            return self._fn(*self._args)
        try:
            return self._worker.wait()
        finally:
            self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()


class Worker(Generic[T]):
    """One forked worker running one call, seen from the parent: its pipe, deadline and last step."""

    def __init__(self, pid: int, fd: int, budget: Budget, what: str) -> None:
        self.pid = pid
        self.fd = fd
        self.budget = budget
        self.what = what
        self.stage = what
        self.deadline = time.monotonic() + budget.seconds + GRACE
        self.done = False
        self._buffer = bytearray()
        self._final: tuple[bytes, bytes] | None = None
        self._reaped = False
        self._status = 0

    @classmethod
    def start(cls, fn: Callable[..., T], args: Sequence[object], budget: Budget, what: str,
              prepare: Callable[[], object] | None = None) -> Worker[T]:
        """Fork a worker running ``fn(*args)``; the parent returns at once."""
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # or the child would write the parent's buffer again
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(read_fd)
            _worker_main(fn, args, budget, write_fd, parent, what, prepare)
        os.close(write_fd)
        return cls(pid, read_fd, budget, what)

    def wait(self) -> T:
        """Read until the worker is done; its value, or its error raised here (BudgetExceeded at the deadline)."""
        while not self.done:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise self.timed_out()
            if readable([self], remaining):
                self.read()
        return self.outcome()

    def read(self) -> None:
        """Read what the worker sent so far (call when its pipe is readable)."""
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.done = True
            return
        self._buffer += chunk
        while len(self._buffer) >= _HEADER.size:
            kind, size = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + size:
                break
            payload = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
            del self._buffer[:_HEADER.size + size]
            if kind == _STAGE:
                self.stage = payload.decode("utf-8", "replace")
            else:
                self._final = (kind, payload)
                self.done = True

    def outcome(self) -> T:
        """The worker's value, or its error raised here (after the worker has exited)."""
        self._reap(block_until=time.monotonic() + 5.0)
        if self._final is None:
            raise self._death()
        kind, payload = self._final
        value = pickle.loads(payload)
        if kind == _ERROR:
            raise value
        return value

    def timed_out(self) -> BudgetExceeded:
        return BudgetExceeded(f"time budget of {self.budget.seconds:g} s exceeded during {self.stage}",
                              hint=_TIME_HINT)

    def close(self) -> None:
        """Kill the worker and everything it started if it is still running; reap it; close the pipe."""
        if not self._reaped:
            if not self._reap(block_until=None):
                kill_tree(self.pid)
                self._reap(block_until=time.monotonic() + 5.0)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _reap(self, block_until: float | None) -> bool:
        """Collect the worker's exit status; wait until ``block_until`` (None: do not wait)."""
        while not self._reaped:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self._reaped = True
                break
            if pid:
                self._reaped, self._status = True, status
                break
            if block_until is None or time.monotonic() >= block_until:
                return False
            time.sleep(0.002)
        return True

    def _death(self) -> Exception:
        """The error for a worker that exited without sending a result."""
        if os.WIFSIGNALED(self._status):
            how = f"was killed by {signal.Signals(os.WTERMSIG(self._status)).name}"
        else:
            how = f"exited with status {os.WEXITSTATUS(self._status)}"
        return RuntimeError(f"the worker {how} during {self.stage} without a result")


K = TypeVar("K")


def run_pool(fn: Callable[..., T], jobs: Sequence[tuple[K, Sequence[object]]], budget: Budget, workers: int,
             what: Callable[[K], str], done: Callable[[K, Worker[T]], None],
             tick: Callable[[], None] | None = None) -> None:
    """Run ``fn(*args)`` for every ``(key, args)`` of ``jobs``, at most ``workers`` at a time, each in
    its own worker under ``budget``; ``done(key, worker)`` is called as each finishes or runs out of
    time (the worker is closed after it), ``tick`` between reads (a progress display).

    An interrupt (Ctrl-C, SIGTERM) kills every running worker and what it started before it
    propagates, so nothing is written after the command has returned.
    """
    pending = list(jobs)
    running: dict[Worker[T], K] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                key, args = pending.pop(0)
                running[Worker.start(fn, args, budget, what(key))] = key
            wait = min(w.deadline for w in running) - time.monotonic()
            for w in readable(list(running), min(wait, 0.5)):
                w.read()
            for w in [w for w in running if w.done or time.monotonic() >= w.deadline]:
                key = running.pop(w)
                try:
                    done(key, w)
                finally:
                    w.close()
            if tick is not None:
                tick()
    finally:
        if running:  # interrupted: stop every worker at once, then reap each
            kill_tree(*(w.pid for w in running))
        for w in running:
            w.close()


def readable(workers: Sequence[Worker[Any]], timeout: float) -> list[Worker[Any]]:
    """The running ``workers`` with something to read, waiting up to ``timeout`` seconds for one.

    A signal wakes the wait: SIGINT raises KeyboardInterrupt here, SIGTERM Interrupted (in ``session``).
    """
    by_fd = {w.fd: w for w in workers if not w.done}
    if not by_fd:
        return []
    ready, _, _ = select.select(list(by_fd), [], [], max(0.0, timeout))
    return [by_fd[fd] for fd in ready]


# --- the worker side -------------------------------------------------------------------------


def _fresh_caches() -> None:
    """SymPy's cache cleared and its random numbers seeded in the worker, so every job starts from the same state.

    The worker is a fork of the caller, whose cache is warm with whatever it did before (other
    files of a folder, earlier calls in a notebook or a test run); the parts limited by counted
    work (``core.work``) would then count differently and could decide differently.
    """
    cache = sys.modules.get("sympy.core.cache")
    if cache is not None:
        cache.clear_cache()
    rng = sys.modules.get("sympy.core.random")
    if rng is not None:  # SymPy shuffles its assumption queries with it: the calls a part makes depend on it
        rng.seed(0)


def _worker_main(fn: Callable[..., Any], args: Sequence[object], budget: Budget, fd: int, parent: int,
                 what: str, prepare: Callable[[], object] | None) -> None:
    """Set up the worker, run ``fn``, send the value or the error, and exit (never returns)."""
    global _progress_fd, _stage_now
    status = 0
    try:
        _setup_worker(parent, budget)
        _progress_fd, _stage_now = fd, what
        reserve: bytearray | None = bytearray(_RESERVE_BYTES)  # freed to report running out of memory
        try:
            if prepare is not None:
                _prepared(prepare)
            _fresh_caches()
            kind, payload = _VALUE, pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reserve = None
            kind, payload = _ERROR, _pickled_error(_memory_error(budget))
        except BaseException as exc:  # noqa: BLE001  every failure goes back to the parent
            reserve = None
            kind, payload = _ERROR, _pickled_error(exc, budget)
        del reserve
        _send(fd, kind, payload)
    except BaseException:  # noqa: BLE001  the pipe is gone (parent dead) or sending failed
        status = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(status)


def _prepared(prepare: Callable[[], object]) -> None:
    """Run ``prepare`` with the garbage collector paused, then freeze what it made and resume.

    Why: importing SymPy creates some hundred thousand objects that live as long as the process;
    collecting while they are made, and walking them again in every later full collection, is
    pure overhead (about a tenth of a short command's time). Frozen objects are never freed,
    which for modules is what happens anyway.
    """
    import gc

    gc.disable()
    try:
        prepare()
    finally:
        gc.freeze()
        gc.enable()


def _setup_worker(parent: int, budget: Budget) -> None:
    """Signals, death with the parent, the memory limit and the worker mark."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C reaches both
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(70)
    os.environ[_IN_WORKER] = "1"
    one_blas_thread()
    _limit_memory(budget.memory_mb)


def one_blas_thread() -> None:
    """Ask BLAS for one thread (unless the user chose), effective if numpy is not loaded yet.

    Why: each BLAS thread reserves buffers (counted against the memory budget) and threads can
    change the last bits of a sum; the matrices here are small, so one thread loses nothing.
    """
    for name in _BLAS_THREADS:
        os.environ.setdefault(name, "1")


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent still kills its workers itself
        pass


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the worker has now plus ``memory_mb``."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as f:
            base = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = base + memory_mb * (1 << 20)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, ImportError):  # no /proc or no RLIMIT_AS: the time limit still holds
        pass


def _memory_error(budget: Budget) -> BudgetExceeded:
    return BudgetExceeded(f"memory budget of {budget.memory_mb} MB exceeded during {_stage_now}", hint=_MEMORY_HINT)


def _pickled_error(exc: BaseException, budget: Budget | None = None) -> bytes:
    """``exc`` as it should reach the parent: ours as they are, others only if they survive pickling.

    Python's limit on converting huge integers to text becomes a size-budget error, and an exit
    request (SystemExit) from the work becomes an ordinary error: only the parent decides to exit.
    """
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        exc = BudgetExceeded("size budget exceeded during "
                             f"{_stage_now}: a number has more than {sys.get_int_max_str_digits()} digits",
                             hint="try a smaller input")
    elif budget is not None and (isinstance(exc, MemoryError) or _out_of_memory(exc)):
        exc = _memory_error(budget)
    elif not isinstance(exc, Exception):
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    try:
        payload = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(payload)
        return payload
    except Exception:  # noqa: BLE001  an exception that cannot cross processes: keep its name and text
        text = exc.one_line() if isinstance(exc, DeriveError) else str(exc)
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {text}"))


def _out_of_memory(exc: BaseException) -> bool:
    """A failure that is the memory limit in disguise (a shared library that could not be mapped)."""
    text = str(exc)
    return isinstance(exc, (ImportError, OSError)) and ("failed to map segment" in text
                                                        or "Cannot allocate memory" in text)


def _send(fd: int, kind: bytes, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(kind, len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


# --- killing and cleaning up -----------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, read from /proc (empty where there is no /proc)."""
    tree: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return tree
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            tree.setdefault(int(fields[1]), []).append(int(name))
    return tree


def kill_tree(*pids: int) -> None:
    """SIGKILL ``pids`` and all their descendants, even those in other sessions (latexmk, pdflatex).

    Each is stopped first, so none can start new processes or be re-parented out of sight
    while the tree is collected; then all are killed.
    """
    family = list(pids)
    seen = set(pids)
    for pid in pids:
        _signal(pid, signal.SIGSTOP)
    for _ in range(50):
        tree = _children()
        fresh = [c for p in family for c in tree.get(p, ()) if c not in seen]
        if not fresh:
            break
        for c in fresh:
            _signal(c, signal.SIGSTOP)
        seen.update(fresh)
        family += fresh
    for p in family:
        _signal(p, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def session(*, scratch: bool = False) -> Iterator[None]:
    """One command's run: SIGTERM/SIGHUP raise Interrupted; with ``scratch``, one scratch root for it all.

    On the way out (normally, by an error or by a signal) the scratch root is removed; the
    workers were already killed by ``run_bounded`` as the exception passed through it.
    """
    import threading

    handlers: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            handlers[signum] = signal.signal(signum, _raise_interrupted)
    root = None
    previous = os.environ.get(_SCRATCH)
    try:
        if scratch:
            import tempfile

            root = tempfile.mkdtemp(prefix="derive-run-")
            os.environ[_SCRATCH] = root
        yield
    finally:
        if root is not None:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
            if previous is None:
                os.environ.pop(_SCRATCH, None)
            else:
                os.environ[_SCRATCH] = previous
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
