"""Running ``python -m derive`` from the checkout, as a user would (a real subprocess)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def env(**extra: str) -> dict[str, str]:
    """The environment of a CLI run: this checkout first on the path."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def derive(*args: str, timeout: float = 300, extra_env: dict[str, str] | None = None,
           python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``python -m derive *args`` to the end."""
    return subprocess.run([sys.executable, *python_flags, "-m", "derive", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env(**(extra_env or {})))


def start(*args: str, extra_env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    """Start ``python -m derive *args`` without waiting."""
    return subprocess.Popen([sys.executable, "-m", "derive", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env(**(extra_env or {})), **kwargs)


def one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    """The single non-empty stderr line of a failed run (and no traceback)."""
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]
