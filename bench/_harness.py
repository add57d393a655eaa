"""Shared by the benchmark scripts: a hard wall-clock limit for one in-process call.

SIGALRM, main thread only: the baseline must run in the same process as our pipeline, so it
pays no process start-up that would flatter the ratios.
"""
from __future__ import annotations

import hashlib
import signal
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType


class Timeout(BaseException):
    """A call ran past its wall-clock limit (BaseException so no library swallows it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``Timeout`` inside the block after ``seconds`` of wall-clock time."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise Timeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


ROOT = Path(__file__).resolve().parents[1]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def source_fingerprint() -> str:
    """Short SHA-256 of every file under derive/: which working tree the figures belong to."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "derive").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def innermost_derive_frame(exc: BaseException) -> str:
    """``file:line in function`` of the deepest frame in ``derive/`` outside budget/errors (else the deepest)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{ROOT.name}/derive/" in f.filename.replace("\\", "/")
            and Path(f.filename).name not in ("budget.py", "errors.py")]
    pick = ours or list(frames)
    if not pick:
        return ""
    f = pick[-1]
    name = str(Path(f.filename).resolve().relative_to(ROOT)) if ours else Path(f.filename).name
    return f"{name}:{f.lineno} in {f.name}"
