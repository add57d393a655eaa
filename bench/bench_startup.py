"""CLI start-up benchmark: ``python -m derive`` against a bare ``python -c pass``, in one command.

Run from anywhere:

    .venv/bin/python bench/bench_startup.py [--repeat N]

Each command runs as a fresh subprocess with the repository's venv Python; the
median wall time of N runs (default 5, after one unmeasured warm-up run that
fills the OS file cache) is reported with its ratio to the baseline. Then
``python -X importtime -c "import derive.cli"`` lists the ten imports with the
largest cumulative time (and the same for ``derive.scalar.api``, which ``diff`` loads).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"

COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("baseline: python -c pass", ("-c", "pass")),
    ("python -m derive --help", ("-m", "derive", "--help")),
    ("python -m derive diff 'x^2' --wrt x", ("-m", "derive", "diff", "x^2", "--wrt", "x")),
)


def time_command(args: Sequence[str], repeat: int) -> tuple[float, list[float], int, str]:
    """(median seconds, all times, last exit code, last stderr tail) of ``python *args``."""
    cmd = [str(PYTHON), *args]
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)  # warm-up, not measured
    times: list[float] = []
    proc: subprocess.CompletedProcess[bytes] | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    assert proc is not None
    tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
    return statistics.median(times), times, proc.returncode, " | ".join(tail)


def import_times(module: str, top: int) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, name) of the ``top`` imports of ``module`` by cumulative time."""
    proc = subprocess.run(
        [str(PYTHON), "-X", "importtime", "-c", f"import {module}"], cwd=ROOT, capture_output=True, check=False
    )
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (p.strip() for p in line[len("import time:"):].split("|", 2))
        rows.append((int(cum_us), int(self_us), name))
    rows.sort(reverse=True)
    return rows[:top]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--repeat", type=int, default=5, metavar="N", help="runs per command (median; default 5)")
    p.add_argument("--top", type=int, default=10, metavar="K", help="import rows to list (default 10)")
    p.add_argument("--also", nargs="*", default=["derive.scalar.api"], metavar="MODULE",
                   help="further modules to list import times for (default: derive.scalar.api, what 'diff' loads)")
    args = p.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    console.print(
        f"[bold]derive CLI start-up[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()} ({PYTHON}), {platform.machine()} {platform.system()}; "
        f"median of {args.repeat} after 1 warm-up"
    )
    t = Table(title="Start-up: wall time per fresh process")
    for col in ("command", "median ms", "min ms", "max ms", "ratio to baseline", "exit"):
        t.add_column(col, justify="left" if col == "command" else "right")
    base: float | None = None
    problems: list[str] = []
    for label, cmd in COMMANDS:
        med, times, rc, tail = time_command(cmd, args.repeat)
        base = med if base is None else base
        t.add_row(label, f"{1e3 * med:.0f}", f"{1e3 * min(times):.0f}", f"{1e3 * max(times):.0f}",
                  f"{med / base:.1f}x", str(rc))
        if rc != 0:
            problems.append(f"{label}: exit {rc}: {tail}")
    console.print(t)
    for msg in problems:
        console.print(f"[red]nonzero exit[/red] {msg}")

    for module in ("derive.cli", *args.also):
        it = Table(title=f'python -X importtime -c "import {module}": top {args.top} by cumulative time')
        for col in ("module", "cumulative ms", "self ms"):
            it.add_column(col, justify="left" if col == "module" else "right")
        for cum, self_us, name in import_times(module, args.top):
            it.add_row(name, f"{cum / 1e3:.1f}", f"{self_us / 1e3:.1f}")
        console.print(it)
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    console.print(f"reproduce: [bold]cd {ROOT} && .venv/bin/python bench/bench_startup.py {cmd_args}".rstrip()
                  + "[/bold]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
