"""Build benchmark: ``derive build`` of the worked examples cold and warm, and 100 per-student
variants of the week-1 sheet with -j 1 and -j 2, as ratios against baselines run in the same command.

Run from the repository root with the project's Python:

    .venv/bin/python bench/bench_build.py [--jobs N] [--variants N] [--skip-variants] [--json OUT]

What is timed (wall clock, each ``derive build`` a fresh subprocess as a user runs it):

* **cold**: ``derive build worked_examples --out TMP --no-cache -j N`` (solution + student
  version of every example: every script run, every PDF typeset);
* **warm**: the same command again without ``--no-cache``, nothing changed (every item cached);
* **variants** (when ``derive.course`` and ``worked_examples/sheets/week1.toml`` exist):
  ``derive build worked_examples/sheets/week1.toml --variants 100 --seed 2026`` with ``-j 1``
  and ``-j 2``, each cold.

Baselines, in the same command:

* **typeset-only**: the ``.tex`` files the cold build wrote, typeset one after another by
  ``derive.render.pdf.build_pdf`` in this process (sandboxed latexmk/pdflatex, as the build
  does): the floor of any build that typesets them. The cold build's ratio to it is what
  running the scripts and the runner costs on top of TeX (at ``-j N`` it may be below 1);
* **start-up**: ``python -c "import derive"`` as a subprocess: the floor of any command. The
  warm build's ratio to it is what checking the cache costs.

**Python share** of a build: over its items, the time each spent in its worker (``seconds``) minus
the time it waited for TeX (``tex_seconds``: wall time around latexmk, measured in the worker and
recorded in ``OUT/.derive-cache``), over the total. Wall, not CPU: TeX runs in a bubblewrap PID
namespace whose processes are not all waited for, so their CPU never reaches ``RUSAGE_CHILDREN``.
The issue's target: under 25% of a cold build.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SHEET = ROOT / "worked_examples" / "sheets" / "week1.toml"


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and tree CPU seconds of ``python ARGS`` (the checkout first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cpu0, t0 = cpu_of_children(), time.perf_counter()
    done = subprocess.run([PYTHON, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    return time.perf_counter() - t0, cpu_of_children() - cpu0, done


def derive_build(*args: str) -> dict[str, Any]:
    wall, cpu, done = run(["-m", "derive", "build", *args])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("✗"):  # a failed item is a finding, the figures still stand for the rest
            print(f"  FAILED in derive build {args[0]}: {line[2:]}")
    summary = " ".join(lines[-1].split()) if lines else "(no summary)"
    if done.returncode not in (0, 1, 2, 3, 4):
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"derive build {' '.join(args)} exited {done.returncode}")
    return {"wall": wall, "cpu": cpu, "summary": summary, "exit": done.returncode}


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (out / ".derive-cache").glob("*.json")]


def python_share(result: dict[str, Any], out: Path) -> None:
    """Add the items' seconds, their seconds in TeX (from the cache records) and the Python share to ``result``."""
    rs = records(out)
    items, tex = sum(r.get("seconds", 0.0) for r in rs), sum(r.get("tex_seconds", 0.0) for r in rs)
    result["item_seconds"], result["tex_seconds"] = items, tex
    result["python_share"] = (items - tex) / items if items > 0 else float("nan")


def typeset_only(out: Path) -> float:
    """Seconds to typeset every ``.tex`` under ``out`` with build_pdf, one after another, here."""
    sys.path.insert(0, str(ROOT))
    from derive.core.runner import session
    from derive.render.pdf import build_pdf

    import re

    texs = sorted(out.rglob("*.tex"))
    stand_in = _figure_stand_in()
    with tempfile.TemporaryDirectory() as scratch, session(scratch=True):
        t0 = time.perf_counter()
        for i, tex in enumerate(texs):
            text = tex.read_text(encoding="utf-8")
            # a handout's figures are made by its script and loaded next to the .tex (never kept in OUT):
            # a stand-in PDF of a figure's size, so TeX does the same work
            files = {name: stand_in for name in set(re.findall(r"figure-[0-9a-f]{16}\.pdf", text))}
            build_pdf(text, Path(scratch) / f"{i}.pdf", files=files)
        return time.perf_counter() - t0


def _figure_stand_in() -> bytes:
    """A one-page PDF figure (matplotlib, 6 x 3.5 in, a line and axes): what a handout's figure weighs in TeX."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([0, 1, 2, 3], [0, 1, 0.5, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
    plt.close(fig)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2, help="-j of the library build (default 2)")
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--skip-variants", action="store_true")
    ap.add_argument("--skip-library", action="store_true", help="only the sheet's variants")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    print(f"# {' '.join(['bench/bench_build.py', *sys.argv[1:]])}")
    print(f"# bench_build  {_dt.datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  "
          f"{os.cpu_count()} CPUs  load {os.getloadavg()[0]:.1f}  python {platform.python_version()}")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        out = Path(tmp) / "out"
        start = run(["-c", "import derive"])[0]
        if not args.skip_library:
            library(args, out, start, results)
        variants(args, Path(tmp), results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def library(args: argparse.Namespace, out: Path, start: float, results: dict[str, Any]) -> None:
    """The worked examples cold (--no-cache), then warm, against typeset-only and start-up."""
    cold = derive_build("worked_examples", "--out", str(out), "--no-cache", "-j", str(args.jobs))
    python_share(cold, out)
    warm = derive_build("worked_examples", "--out", str(out), "-j", str(args.jobs))
    base = typeset_only(out)
    n_pdf = len(list(out.rglob("*.pdf")))
    results["library"] = {"jobs": args.jobs, "pdfs": n_pdf, "cold": cold, "warm": warm,
                          "typeset_only": base, "startup": start}
    print(f"\nworked_examples: {n_pdf} PDFs (solution + student), -j {args.jobs}")
    print(f"  cold build        {cold['wall']:7.1f} s   {cold['wall'] / base:5.2f} x typeset-only "
          f"({base:.1f} s, sequential)")
    print(f"  cold, per item    Python share {cold['python_share']:.0%} of {cold['item_seconds']:.1f} item-s "
          f"(TeX {cold['tex_seconds']:.1f} s)")
    print(f"  warm build        {warm['wall']:7.2f} s   {warm['wall'] / start:5.2f} x start-up "
          f"(python -c 'import derive': {start:.2f} s)   [{warm['summary']}]")
    print(f"  cold summary      [{cold['summary']}]  exit {cold['exit']}")


def variants(args: argparse.Namespace, tmp: Path, results: dict[str, Any]) -> None:
    """The sheet's variants at -j 1 and -j 2 (when derive.course and the sheet are on this branch)."""
    if args.skip_variants:
        return
    if not (ROOT / "derive" / "course").is_dir() or not SHEET.is_file():
        print("\nvariants: skipped (derive.course or worked_examples/sheets/week1.toml is not on this branch)")
        return
    print(f"\n{SHEET.relative_to(ROOT)}: {args.variants} variants, cold")
    rows = {}
    for jobs in (1, 2):
        vout = tmp / f"variants-j{jobs}"
        r = derive_build(str(SHEET), "--out", str(vout), "--variants", str(args.variants), "--seed", "2026",
                         "--no-cache", "-j", str(jobs))
        python_share(r, vout)
        r["pdfs"] = len(list(vout.rglob("*.pdf")))
        rows[jobs] = r
    for jobs, r in rows.items():
        print(f"  -j {jobs}   {r['wall']:7.1f} s   {r['wall'] / rows[1]['wall']:5.2f} x -j 1   "
              f"{r['pdfs']} PDFs   Python share {r['python_share']:.0%} of {r['item_seconds']:.1f} item-s")
    results["variants"] = {str(k): v for k, v in rows.items()}


if __name__ == "__main__":
    main()
