"""``--help`` and every usage error answer without loading SymPy (or numpy, Lark, Jinja2, rich).

Checked with ``python -X importtime``, which lists every module the process imported.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_derive as derive

HEAVY = ("sympy", "numpy", "scipy", "lark", "jinja2", "rich", "mpmath", "latex2sympy2_extended")


def imported(stderr: str) -> set[str]:
    """Top-level names of the modules a ``-X importtime`` run imported."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


HELP = [["--help"], ["--version"], [], ["diff", "--help"], ["grad", "--help"], ["ls", "--help"], ["mle", "--help"],
        ["build", "--help"], ["parse", "--help"]]
USAGE = [
    ["diff"],
    ["frobnicate"],
    ["diff", "x^2", "--bogus"],
    ["diff", "x^2", "--order", "0"],
    ["diff", "x^2", "--order", "three"],
    ["diff", "x^2", "--timeout", "nan"],
    ["diff", "x^2", "--timeout", "inf"],
    ["diff", "x^2", "--memory", "1"],
    ["diff", "x^2", "--format", "pdf"],
    ["diff", "x^2", "--pdf", "out.txt"],
    ["diff", "x^2", "--pdf", "/no/such/folder/out.pdf"],
    ["grad", "x*y", "--hessian=yes"],
    ["ls", "--name", "b"],
    ["ls", "--x", "a"],
    ["ls", "--data", "/no/such/file.csv", "--x", "a", "--y", "b"],
    ["ls", "--data", "/", "--x", "a", "--y", "b"],
    ["mle", "normal", "--start", "mu=1"],
    ["mle", "normal", "--seed", "x"],
    ["build", "--jobs", "-1", "x.py"],
    ["parse"],
    ["parse", "x", "--format", "latex"],
]


@pytest.mark.parametrize("args", HELP, ids=lambda a: " ".join(a) or "(nothing)")
def test_help_loads_no_heavy_module(args: list[str]) -> None:
    out = derive(*args, python_flags=("-X", "importtime"))
    assert out.returncode in (0, 2), out.stderr[-500:]
    assert out.stdout.strip()
    assert not imported(out.stderr) & set(HEAVY), sorted(imported(out.stderr) & set(HEAVY))


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_usage_errors_load_no_heavy_module(args: list[str]) -> None:
    out = derive(*args, python_flags=("-X", "importtime"))
    assert out.returncode == 2, out.stderr[-500:]
    errors = [line for line in out.stderr.splitlines() if not line.startswith("import time:")]
    assert len([line for line in errors if line.strip()]) == 1, errors
    assert not imported(out.stderr) & set(HEAVY), sorted(imported(out.stderr) & set(HEAVY))


def test_a_fifo_as_data_is_refused_at_once_without_heavy_modules(tmp_path: Path) -> None:
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    out = derive("mle", "normal", "--data", str(fifo), python_flags=("-X", "importtime"), timeout=120)
    assert out.returncode == 2
    assert "not a regular file" in out.stderr
    assert not imported(out.stderr) & set(HEAVY)


def test_the_format_choices_are_the_printer_modules() -> None:
    from derive.render import format_names

    out = derive("diff", "--help")
    assert set(format_names()) >= {"text", "latex", "json", "markdown"}
    assert "{" + ",".join(format_names()) + "}" in out.stdout


_PARENT = """
import sys
import derive.core.runner as runner

def fake(fn, *args, **kwargs):
    print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
    raise SystemExit(0)

runner.run_bounded = fake
from derive.cli import main
main({argv!r})
"""


@pytest.mark.parametrize("argv", [["diff", "x^2", "--wrt", "x"], ["diff", "\\frac{1}{x}", "--wrt", "x"],
                                  ["grad", "x*y", "--format", "json"], ["ls", "--model", "ols"]],
                         ids=["diff", "diff latex", "grad", "ls"])
def test_the_command_forks_its_worker_before_loading_sympy(argv: list[str]) -> None:
    """The parent only parses and checks; the worker loads the engine (ls preloads numpy only)."""
    import subprocess
    import sys

    from tests.conftest import ROOT, checkout_env

    code = _PARENT.format(heavy=HEAVY, argv=argv)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=checkout_env())
    assert out.returncode == 0, out.stderr
    loaded = set(filter(None, out.stdout.strip().split(",")))
    assert loaded <= ({"numpy"} if argv[0] == "ls" else set()), loaded
