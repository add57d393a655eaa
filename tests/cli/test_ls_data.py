"""End-to-end ``derive ls --data``: the NIST StRD sets to >= 12 correct digits, bad input as one line with exit 2
and nothing written, values near the end of double precision without NumPy's warnings.

Every command runs once, two at a time, in a module fixture (real subprocesses from this checkout).
The certified values are NIST's (``bench/data/nist/certified.json``; the five sets of
``../shared/data/nist`` are byte-identical copies there).
"""
from __future__ import annotations

import json
import math
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import one_error_line, run_derive

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NIST = ROOT / "bench" / "data" / "nist"
CERTIFIED: dict[str, Any] = json.loads((NIST / "certified.json").read_text(encoding="utf-8"))
SHARED = ("Norris", "Pontius", "NoInt1", "NoInt2", "Longley")


def nist_argv(name: str) -> list[str]:
    c = CERTIFIED[name]
    x = c["model"].split("~")[1].strip().replace(" + ", ",")
    return ["ls", "--model", "ols", "--data", str(NIST / f"{name}.csv"), "--x", x, "--y", "y", "--format", "json",
            *(["--intercept"] if c["intercept"] else [])]


BAD: dict[str, tuple[list[str], str]] = {
    "constant column": (["--x", "x,c", "--y", "y", "--intercept"], "the column 'c' of X is constant"),
    "duplicated column": (["--x", "x,x2", "--y", "y", "--intercept"], "the columns 'x' and 'x2' of X are equal"),
    "repeated term": (["--x", "x, x^1", "--y", "y"], "repeats the term"),
    "more terms than rows": (["--x", "poly(x, 8)", "--y", "y", "--intercept"], "more coefficients than observations"),
    "poly(x, 0)": (["--x", "poly(x, 0)", "--y", "y"], "degree 0"),
    "negative weight": (["--x", "x", "--y", "y", "--weights", "wneg"], "the weight -1 is negative"),
    "NaN weight": (["--x", "x", "--y", "y", "--weights", "wnan"], "'nan' is not finite"),
    "missing column": (["--x", "x, poly(q, 2)", "--y", "y"], "no column 'q'"),
    "rank-deficient": (["--x", "x, z, u", "--y", "y", "--intercept"], "u = 2*x - 3*z"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("cli_ls_data")
    rows = [(x, (x * 7) % 5, 3, x, 2 * x - 3 * ((x * 7) % 5), -1 if x == 4 else 1, "nan" if x == 3 else 1,
             round(1 + 2 * x + 0.1 * ((x * 3) % 4), 2)) for x in range(1, 8)]
    (cwd / "bad.csv").write_text("x,z,c,x2,u,wneg,wnan,y\n" + "".join(",".join(map(str, r)) + "\n" for r in rows),
                                 encoding="utf-8")
    big = [(f"{k}e300", f"{2 * k + (-1) ** k * 0.01}e300") for k in range(1, 9)]
    (cwd / "big.csv").write_text("x,y\n" + "".join(f"{a},{b}\n" for a, b in big), encoding="utf-8")
    small = [(a.replace("e300", ""), b.replace("e300", "")) for a, b in big]  # the same data divided by 1e300
    (cwd / "small.csv").write_text("x,y\n" + "".join(f"{a},{b}\n" for a, b in small), encoding="utf-8")
    return cwd


@pytest.fixture(scope="module")
def outputs(workdir: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    jobs: dict[str, list[str]] = {name: nist_argv(name) for name in CERTIFIED}
    for name, (argv, _) in BAD.items():
        model = "wls" if "--weights" in argv else "ols"
        jobs[name] = ["ls", "--model", model, "--data", "bad.csv", *argv, "--pdf", f"{name}.pdf"]
    jobs["big ols"] = ["ls", "--model", "ols", "--data", "big.csv", "--x", "poly(x, 2)", "--y", "y", "--intercept",
                       "--format", "json"]
    jobs["big simple"] = ["ls", "--model", "simple", "--data", "big.csv", "--x", "x", "--y", "y", "--format", "json"]
    for kind in ("ols", "simple"):
        jobs[f"small {kind}"] = [("small.csv" if a == "big.csv" else a) for a in jobs[f"big {kind}"]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(lambda argv: run_derive(*argv, cwd=workdir, env={"COLUMNS": "120"}), jobs.values())
        return dict(zip(jobs, runs))


def lre(estimate: float, certified: str) -> float:
    c = float(certified)
    return 15.0 if estimate == c else -math.log10(abs(estimate - c) / abs(c))


@pytest.mark.parametrize("name", list(CERTIFIED))
def test_nist_sets_through_the_cli(outputs: dict[str, subprocess.CompletedProcess[str]], name: str) -> None:
    out = outputs[name]
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    fit = data["data_fit"]
    assert data["certified"] is True and fit["method"] == "exact"
    assert fit["rank"] == len(CERTIFIED[name]["certified_coefficients"])
    for estimate, certified in zip(fit["estimate"], CERTIFIED[name]["certified_coefficients"], strict=True):
        assert lre(estimate, certified) >= 12.0, (name, estimate, certified)


def test_the_shared_sets_are_the_ones_tested() -> None:
    shared = ROOT.parent / "shared" / "data" / "nist"
    if not shared.is_dir():  # outside the project's machine the copies in bench/data/nist stand alone
        return
    for name in SHARED:
        assert (shared / f"{name}.csv").read_bytes() == (NIST / f"{name}.csv").read_bytes()


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_exit_2_nothing_written(outputs: dict[str, subprocess.CompletedProcess[str]],
                                                      workdir: Path, name: str) -> None:
    out = outputs[name]
    assert out.returncode == 2, out.stderr
    assert BAD[name][1] in one_error_line(out)
    assert out.stdout == ""
    assert not (workdir / f"{name}.pdf").exists()


@pytest.mark.parametrize("name", ["big ols", "big simple"])
def test_values_near_1e300_fit_without_warnings(outputs: dict[str, subprocess.CompletedProcess[str]],
                                                name: str) -> None:
    out = outputs[name]
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    fit = json.loads(out.stdout)["data_fit"]
    assert all(math.isfinite(v) for v in fit["estimate"])
    slope = fit["estimate"][1]
    assert 1.9 < slope < 2.1


@pytest.mark.parametrize("kind, powers", [("ols", [1, 0, -1]), ("simple", [1, 0])])
def test_the_summary_near_1e300_is_the_summary_at_scale_1(outputs: dict[str, subprocess.CompletedProcess[str]],
                                                           kind: str, powers: list[int]) -> None:
    """RSS near 1e597 is no double, but sigma-hat (near 1e298) and the standard errors are, and t, R², F are free
    of the scale: each equals the data divided by 1e300's, to 12 digits; RSS is stated, not printed as Inf."""
    big, small = (json.loads(outputs[f"{size} {kind}"].stdout)["data_fit"]["summary"] for size in ("big", "small"))
    assert outputs[f"big {kind}"].returncode == 0 == outputs[f"small {kind}"].returncode
    assert big["certified"] is True and small["certified"] is True
    assert big["residual_standard_error"] == pytest.approx(small["residual_standard_error"] * 1e300, rel=1e-12)
    for cb, cs, k in zip(big["coefficients"], small["coefficients"], powers, strict=True):
        assert cb["std_error"] == pytest.approx(cs["std_error"] * 10.0 ** (300 * k), rel=1e-12)
        assert cb["t_value"] == pytest.approx(cs["t_value"], rel=1e-12, abs=1e-12)
    for key in ("r_squared", "adj_r_squared", "f_statistic", "f_p_value"):
        assert big[key] == pytest.approx(small[key], rel=1e-12), key
    assert big["rss"] is None and any(n.startswith("RSS = 7.61904") for n in big["notes"])


def test_a_million_row_wls_fit_stays_under_1_gb(tmp_path: Path) -> None:
    """WLS from the weights vector, never an n x n matrix: peak resident memory of the children below 1 GB."""
    import resource

    import numpy as np

    rng = np.random.default_rng(5)
    n = 1_000_000
    x, w = rng.uniform(0, 10, n), rng.choice([0.0, 0.5, 1.0, 2.0], n)
    y = 1 + 2 * x + rng.normal(0, 1, n)
    with (tmp_path / "big.csv").open("w") as fh:
        fh.write("x,y,w\n")
        np.savetxt(fh, np.column_stack([x, y, w]), fmt="%.5f", delimiter=",")
    out = run_derive("ls", "--model", "wls", "--data", "big.csv", "--x", "x", "--y", "y", "--weights", "w",
                     "--intercept", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    fit = json.loads(out.stdout)["data_fit"]
    assert fit["rows"] == n and fit["rows_used"] == int((w > 0).sum())
    assert abs(fit["estimate"][1] - 2) < 0.01
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1024 * 1024  # kB: every child so far < 1 GB
