"""Accuracy of ``derive ls --data`` on the NIST StRD linear-regression sets, beside numpy on the same data.

    .venv/bin/python bench/bench_nist.py [--json OUT] [--wls-rows N]

Per set (``bench/data/nist``, certified values in its ``certified.json``) and per solver, the log
relative error LRE = -log10(|estimate - certified| / |certified|) of every coefficient (capped
at 15, the certified digits), and the smallest over the set's coefficients:

* **derive**: ``python -m derive ls --model ols --data SET.csv --x TERMS --y y [--intercept]
  --format json``, a real process from this checkout (the exact path on these sizes);
* **derive-qr**: the same fit in process with the exact path switched off
  (``derive.lsq.numeric.EXACT_ROWS = 0``): pivoted QR refined in double-double from the
  double-precision data, the path files beyond 100,000 rows take;
* **lstsq**: ``numpy.linalg.lstsq`` (SVD, LAPACK gelsd) on the design built from the data as
  doubles (``numpy.loadtxt``), columns unscaled;
* **normal**: the textbook ``inv(X'X) X'y`` in double precision, the method derive used before.

With ``--wls-rows N`` it also writes an N-row WLS file to a temporary directory and reports the
peak resident memory of ``derive ls --model wls`` on it (getrusage of the child processes).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NIST = ROOT / "bench" / "data" / "nist"


def lre(estimate: float, certified: str) -> float:
    c = float(certified)
    if not math.isfinite(estimate):
        return 0.0
    if estimate == c:
        return 15.0
    return max(0.0, min(15.0, -math.log10(abs(estimate - c) / abs(c))))


def terms(model: str) -> str:
    return model.split("~")[1].strip().replace(" + ", ",")


def design(name: str, spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The design from the file as doubles, as a numpy user builds it."""
    path = NIST / f"{name}.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    col = {h: data[:, i] for i, h in enumerate(header)}
    cols = [np.ones(len(data))] if spec["intercept"] else []
    for t in spec["model"].split("~")[1].split(" + "):
        t = t.strip()
        if t.startswith("poly("):
            var, k = t[5:-1].split(",")
            cols += [col[var.strip()] ** j for j in range(1, int(k) + 1)]
        else:
            cols.append(col[t])
    return np.column_stack(cols), col["y"]


def run_cli(name: str, spec: dict[str, Any]) -> tuple[list[float], float, str]:
    argv = [sys.executable, "-m", "derive", "ls", "--model", "ols", "--data", str(NIST / f"{name}.csv"),
            "--x", terms(spec["model"]), "--y", "y", "--format", "json", *(["--intercept"] if spec["intercept"] else [])]
    t0 = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        return [math.nan] * len(spec["certified_coefficients"]), elapsed, out.stderr.strip()
    fit = json.loads(out.stdout)["data_fit"]
    return fit["estimate"], elapsed, f"{fit['method']}, cond(X) {fit['condition_number'] or math.inf:.1e}"


def run_qr(name: str, spec: dict[str, Any], models: dict[str, Any]) -> list[float]:
    from derive.lsq import numeric as N
    from derive.lsq.fit import fit_matrix_model
    from derive.lsq.model import DataSpec
    from derive.lsq.terms import parse_terms

    saved = N.EXACT_ROWS
    N.EXACT_ROWS = 0
    try:
        model, sol = models["ols"]
        data = DataSpec(NIST / f"{name}.csv", (), "y", "", None, spec["intercept"], parse_terms(terms(spec["model"])))
        return list(fit_matrix_model(model, sol, data).estimate)
    finally:
        N.EXACT_ROWS = saved


def wls_memory(rows: int) -> tuple[float, float, int]:
    """(peak MB of the children, seconds, exit code) of derive ls --model wls on an N-row file."""
    rng = np.random.default_rng(5)
    x, z, w = rng.uniform(0, 10, rows), rng.uniform(-1, 1, rows), rng.choice([0, 0.5, 1, 2], rows)
    y = 1 + 2 * x - 3 * z + rng.normal(0, 1, rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wls.csv"
        with path.open("w") as fh:
            fh.write("x,z,y,w\n")
            np.savetxt(fh, np.column_stack([x, z, y, w]), fmt="%.6f", delimiter=",")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "derive", "ls", "--model", "wls", "--data", str(path), "--x",
                              "x,z", "--y", "y", "--weights", "w", "--intercept", "--format", "json"],
                             capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak_kb / 1024, elapsed, out.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, help="write the per-coefficient table here")
    ap.add_argument("--wls-rows", type=int, default=0, help="also measure a WLS fit of this many rows")
    args = ap.parse_args()
    from derive.core.budget import Budget
    from derive.lsq.models import model_class

    model = model_class("ols")({})
    models = {"ols": (model, model.derive(Budget(seconds=120).start()))}
    certified: dict[str, Any] = json.loads((NIST / "certified.json").read_text(encoding="utf-8"))
    rows, report = [], {}
    print(f"{'set':10s} {'p':>3s} {'derive':>7s} {'qr':>6s} {'lstsq':>6s} {'normal':>7s}  {'time':>5s}  how")
    for name, spec in certified.items():
        cert = spec["certified_coefficients"]
        ours, seconds, how = run_cli(name, spec)
        qr = run_qr(name, spec, models)
        X, y = design(name, spec)
        ls_ = np.linalg.lstsq(X, y, rcond=None)[0]
        with np.errstate(all="ignore"):
            try:
                normal = np.linalg.inv(X.T @ X) @ (X.T @ y)
            except np.linalg.LinAlgError:
                normal = np.full(len(cert), np.nan)
        table = {k: [lre(float(v), c) for v, c in zip(vals, cert)]
                 for k, vals in (("derive", ours), ("derive-qr", qr), ("lstsq", ls_), ("normal", normal))}
        mins = {k: min(v) for k, v in table.items()}
        rows.append(mins)
        report[name] = {"lre": table, "min": mins, "seconds": seconds, "how": how}
        print(f"{name:10s} {len(cert):3d} {mins['derive']:7.1f} {mins['derive-qr']:6.1f} {mins['lstsq']:6.1f} "
              f"{mins['normal']:7.1f}  {seconds:5.1f}  {how}")
    worst = {k: min(r[k] for r in rows) for k in rows[0]}
    print(f"{'worst':10s} {'':3s} {worst['derive']:7.1f} {worst['derive-qr']:6.1f} {worst['lstsq']:6.1f} "
          f"{worst['normal']:7.1f}")
    if args.wls_rows:
        mb, seconds, code = wls_memory(args.wls_rows)
        report["wls_memory"] = {"rows": args.wls_rows, "peak_mb": mb, "seconds": seconds, "exit": code}
        print(f"WLS on {args.wls_rows} rows: exit {code}, peak resident memory {mb:.0f} MB, {seconds:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
