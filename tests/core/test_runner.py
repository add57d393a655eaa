"""The runner: one forked worker per request, under the budget, killed with all it started, never orphaned."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from derive.core.budget import Budget
from derive.core.errors import BudgetExceeded, ParseError
from derive.core.runner import Beside, Interrupted, in_worker, kill_tree, run_bounded, scratch_root, session, stage

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    """Poll until ``pid`` is gone (generous: the machine may be loaded); True if it went."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return not alive(pid)


def wait_for_file(path: Path, seconds: float = 30.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


# --- jobs run in the worker (module level: the worker is a fork, but keep them plain) -----------------


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _raise_parse_error() -> None:
    raise ParseError("boom", hint="a hint")


def _report_in_worker() -> bool:
    return in_worker()


def _render_slowly(pid_file: Path) -> str:
    pid_file.write_text(str(os.getpid()))
    stage("rendering the json output")
    time.sleep(60)
    return "never"


def _allocate(megabytes: int) -> int:
    stage("allocating")
    block = bytearray(megabytes << 20)
    return len(block)


def _exit() -> None:
    sys.exit(4)


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:  # pickling re-calls __init__ with one argument
        super().__init__(f"{a} {b}")


def _raise_unpicklable() -> None:
    raise _Unpicklable(1, 2)


def _huge_number_text() -> str:
    return str(10**5000)


def _spawn_and_sleep(pid_file: Path) -> None:
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)  # another session, like latexmk
    pid_file.write_text(f"{os.getpid()} {child.pid}")
    time.sleep(300)


def _write_pid_and_sleep(pid_file: Path) -> None:
    pid_file.write_text(str(os.getpid()))
    time.sleep(300)


# --- results and errors ------------------------------------------------------------------------------


def test_worker_returns_the_value() -> None:
    assert run_bounded(_sleep, 0.0, budget=Budget(seconds=5)) == "done"


def test_worker_reraises_our_errors_with_their_hint() -> None:
    with pytest.raises(ParseError) as info:
        run_bounded(_raise_parse_error, budget=Budget(seconds=5))
    assert info.value.hint == "a hint"


def test_code_in_the_worker_knows_it_is_in_a_worker() -> None:
    assert not in_worker()
    assert run_bounded(_report_in_worker, budget=Budget(seconds=5)) is True


def _nested() -> tuple[int, int]:
    return os.getpid(), run_bounded(os.getpid, budget=Budget(seconds=5))


def test_a_nested_request_runs_inline_in_the_worker() -> None:
    outer, inner = run_bounded(_nested, budget=Budget(seconds=5))
    assert outer == inner != os.getpid()


def _pid_beside() -> tuple[int, int]:
    return os.getpid(), Beside(os.getpid, (), Budget(seconds=5), "pid").result()


def test_beside_runs_inline_outside_a_worker() -> None:
    assert Beside(os.getpid, (), Budget(seconds=5), "pid").result() == os.getpid()


def test_beside_forks_a_helper_inside_a_worker() -> None:
    worker, helper = run_bounded(_pid_beside, budget=Budget(seconds=5))
    assert helper != worker != os.getpid()


def _beside_error() -> None:
    Beside(_raise_parse_error, (), Budget(seconds=5), "boom").result()


def test_beside_reraises_the_helpers_error() -> None:
    with pytest.raises(ParseError, match="boom"):
        run_bounded(_beside_error, budget=Budget(seconds=5))


def _close_beside_unread(pid_file: Path) -> bool:
    b = Beside(_write_pid_and_sleep, (pid_file,), Budget(seconds=60), "sleep")
    pid = int(wait_for_file(pid_file))
    b.close()
    return wait_gone(pid)


def test_closing_an_unread_helper_kills_it(tmp_path: Path) -> None:
    assert run_bounded(_close_beside_unread, tmp_path / "pid", budget=Budget(seconds=30)) is True


def test_an_exit_in_the_worker_is_an_error_here_not_an_exit() -> None:
    with pytest.raises(RuntimeError, match="SystemExit"):
        run_bounded(_exit, budget=Budget(seconds=5))


def test_an_exception_that_cannot_cross_processes_keeps_its_name_and_text() -> None:
    with pytest.raises(RuntimeError, match="_Unpicklable: 1 2"):
        run_bounded(_raise_unpicklable, budget=Budget(seconds=5))


def test_pythons_digit_limit_is_a_size_budget() -> None:
    with pytest.raises(BudgetExceeded, match="size budget .* more than 4300 digits"):
        run_bounded(_huge_number_text, budget=Budget(seconds=5))


# --- limits --------------------------------------------------------------------------------------


def test_worker_is_killed_after_the_budget_naming_the_last_step(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(BudgetExceeded, match="time budget of 0.5 s exceeded during rendering the json output"):
        run_bounded(_render_slowly, pid_file, budget=Budget(seconds=0.5))
    assert wait_gone(int(pid_file.read_text()))


def test_time_out_without_a_step_names_the_request() -> None:
    with pytest.raises(BudgetExceeded, match="time budget of 0.5 s exceeded during sleeping"):
        run_bounded(_sleep, 60.0, budget=Budget(seconds=0.5), what="sleeping")


def test_memory_budget_stops_the_work_with_our_error() -> None:
    with pytest.raises(BudgetExceeded, match="memory budget of 64 MB exceeded during allocating") as info:
        run_bounded(_allocate, 1024, budget=Budget(seconds=30, memory_mb=64))
    assert "--memory" in (info.value.hint or "")


def test_memory_within_budget_is_fine() -> None:
    assert run_bounded(_allocate, 16, budget=Budget(seconds=30, memory_mb=256)) == 16 << 20


def test_a_time_out_kills_what_the_worker_started_even_in_another_session(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    with pytest.raises(BudgetExceeded):
        run_bounded(_spawn_and_sleep, pid_file, budget=Budget(seconds=1.0))
    worker, grandchild = map(int, pid_file.read_text().split())
    assert wait_gone(worker) and wait_gone(grandchild)


def test_ctrl_c_in_the_caller_kills_the_worker_at_once(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    timer = threading.Thread(target=lambda: (wait_for_file(pid_file), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_bounded(_write_pid_and_sleep, pid_file, budget=Budget(seconds=120))
    timer.join()
    assert time.monotonic() - started < 60  # the 120 s budget did not have to run out
    assert not alive(int(pid_file.read_text()))  # run_bounded reaped it before re-raising


def test_the_worker_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = ("import sys; from pathlib import Path; from derive.core.budget import Budget; "
            "from derive.core.runner import run_bounded; from tests.core.test_runner import _write_pid_and_sleep; "
            f"run_bounded(_write_pid_and_sleep, Path({str(pid_file)!r}), budget=Budget(seconds=300))")
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        worker = int(wait_for_file(pid_file))
        parent.kill()
        parent.wait(timeout=30)
        assert wait_gone(worker), "the worker outlived its parent"
    finally:
        parent.kill()


def test_kill_tree_kills_descendants_in_other_sessions() -> None:
    shell = subprocess.Popen(["sh", "-c", "setsid sleep 300 & sleep 300"], start_new_session=True)
    deadline = time.monotonic() + 10
    kids: list[int] = []
    while time.monotonic() < deadline and len(kids) < 2:
        kids = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(shell.pid)], capture_output=True,
                                               text=True).stdout.split()]
        time.sleep(0.02)
    assert len(kids) == 2
    kill_tree(shell.pid)
    shell.wait(timeout=10)
    assert all(wait_gone(k) for k in kids)


# --- the command's session -----------------------------------------------------------------------


def test_session_turns_sigterm_into_interrupted_and_removes_its_scratch_root() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as info:
        with session(scratch=True):
            root = scratch_root()
            assert root is not None and os.path.isdir(root)
            (Path(root) / "derive-tex-x").mkdir()
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
    assert info.value.exit_code == 143
    assert root is not None and not os.path.exists(root)
    assert scratch_root() is None
    assert signal.getsignal(signal.SIGTERM) is before


def test_without_a_session_there_is_no_scratch_root() -> None:
    assert scratch_root() is None
    with session():
        assert scratch_root() is None
