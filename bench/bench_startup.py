"""CLI start-up benchmark: whole-process ``derive`` commands against bare SymPy doing the same, alternating.

Run with the project's Python from anywhere:

    .venv/bin/python bench/bench_startup.py [--rounds N]

Each round runs every command once as a fresh subprocess (the checkout on PYTHONPATH), in
the same order, so a busy machine slows all of them alike; after one unmeasured warm-up
round (it fills the OS file cache and derive's grammar cache) N rounds are timed. Reported:
the median wall time of each command, its ratio to the baseline's median, and the median of
the per-round ratios (paired, the steadier figure on a loaded machine). The baseline is a
bare ``python -c`` that imports SymPy, differentiates ``x^2 sin(x)`` and prints the LaTeX;
the target for ``derive diff`` is 1.3x. Then ``-X importtime`` lists the imports of the
worker of ``derive diff`` with the largest cumulative time.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

BARE = ("import sympy as sp; x = sp.Symbol('x'); print(sp.latex(sp.diff(x**2*sp.sin(x), x)))",)
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("baseline: python -c 'import sympy; diff; print latex'", ("-c", *BARE)),
    ("derive diff 'x^2*sin(x)' --wrt x --format latex",
     ("-m", "derive", "diff", "x^2*sin(x)", "--wrt", "x", "--format", "latex")),
    ("derive --help", ("-m", "derive", "--help")),
    ("derive mle normal", ("-m", "derive", "mle", "normal")),
    ("python -c pass", ("-c", "pass")),
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_once(args: Sequence[str]) -> tuple[float, int, str]:
    """(wall seconds, exit code, last stderr line) of one fresh ``python *args``."""
    t0 = time.perf_counter()
    proc = subprocess.run([PYTHON, *args], cwd=ROOT, env=_env(), capture_output=True, check=False)
    elapsed = time.perf_counter() - t0
    tail = (proc.stderr.decode(errors="replace").strip().splitlines() or [""])[-1]
    return elapsed, proc.returncode, tail


def import_times(code: str, top: int) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, name) of the ``top`` imports of ``python -c code`` by cumulative time."""
    proc = subprocess.run([PYTHON, "-X", "importtime", "-c", code], cwd=ROOT, env=_env(), capture_output=True,
                          check=False)
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (p.strip() for p in line[len("import time:"):].split("|", 2))
        rows.append((int(cum_us), int(self_us), name))
    rows.sort(reverse=True)
    return rows[:top]


_WORKER_IMPORTS = ("import derive.cli, derive.cli.common, derive.scalar.api, derive.scalar.strategy, "
                   "derive.scalar.certify, derive.parse.auto, derive.render.formats.latex; "
                   "from derive.parse.text import grammar_parser; grammar_parser()")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rounds", type=int, default=15, metavar="N", help="timed rounds (default 15)")
    p.add_argument("--top", type=int, default=12, metavar="K", help="import rows to list (default 12)")
    args = p.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    console.print(
        f"[bold]derive CLI start-up[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()} ({PYTHON}), {platform.machine()} {platform.system()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; {args.rounds} alternating rounds after 1 warm-up"
    )
    for _, cmd in COMMANDS:  # warm-up round
        run_once(cmd)
    times: list[list[float]] = [[] for _ in COMMANDS]
    codes: list[set[int]] = [set() for _ in COMMANDS]
    tails: list[str] = ["" for _ in COMMANDS]
    for _ in range(args.rounds):
        for k, (_, cmd) in enumerate(COMMANDS):
            elapsed, rc, tail = run_once(cmd)
            times[k].append(elapsed)
            codes[k].add(rc)
            if rc:
                tails[k] = tail
    base = statistics.median(times[0])
    t = Table(title="Whole-process wall time, alternating rounds")
    for col in ("command", "median ms", "min ms", "max ms", "ratio of medians", "median paired ratio", "exit"):
        t.add_column(col, justify="left" if col == "command" else "right")
    for k, (label, _) in enumerate(COMMANDS):
        med = statistics.median(times[k])
        paired = statistics.median(a / b for a, b in zip(times[k], times[0]))
        t.add_row(label, f"{1e3 * med:.0f}", f"{1e3 * min(times[k]):.0f}", f"{1e3 * max(times[k]):.0f}",
                  f"{med / base:.2f}x", f"{paired:.2f}x", ",".join(map(str, sorted(codes[k]))))
    console.print(t)
    for k, (label, _) in enumerate(COMMANDS):
        if tails[k]:
            console.print(f"[red]nonzero exit[/red] {label}: {tails[k]}")

    it = Table(title=f"python -X importtime: what the worker of 'derive diff' loads, top {args.top} by cumulative time")
    for col in ("module", "cumulative ms", "self ms"):
        it.add_column(col, justify="left" if col == "module" else "right")
    for cum, self_us, name in import_times(_WORKER_IMPORTS, args.top):
        it.add_row(name, f"{cum / 1e3:.1f}", f"{self_us / 1e3:.1f}")
    console.print(it)
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    console.print(f"reproduce: [bold]cd {ROOT} && {PYTHON} bench/bench_startup.py {cmd_args}".rstrip() + "[/bold]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
