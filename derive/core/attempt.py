"""Optional symbolic work under a hard time limit.

An optional step (an expectation by ``integrate``, a ``simplify`` for looks) runs in a forked
child process that is killed when it overruns: the derivation goes on and labels the part as
not computed. A thread would be abandoned, not stopped, and would keep the CPU busy; the budget
worker's processes are not daemonic, so they may fork.
"""
from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def attempt(fn: Callable[[], T], seconds: float) -> T | None:
    """``fn()`` if it finishes within ``seconds`` without raising, else None."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            send.send_bytes(pickle.dumps(fn()))
        except BaseException:  # noqa: BLE001 - a failing optional step is the same as not finishing
            send.send_bytes(b"")
        finally:
            send.close()

    proc = ctx.Process(target=run)
    proc.start()
    send.close()
    try:
        if recv.poll(max(seconds, 0.0)):
            data = recv.recv_bytes()
            return pickle.loads(data) if data else None  # noqa: S301 - our own child's result
        return None
    except (EOFError, OSError):
        return None
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join(1.0)
