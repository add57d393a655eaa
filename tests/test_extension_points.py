"""Adding a piece touches one file: a distribution (likelihood/families.py), an output format
(a new render/formats/<name>.py) and a least-squares model (lsq/models.py), each added to a copy
of the package and used end to end through ``python -m derive`` from that copy.

(A scalar rule and a matrix rule are added in process by tests/scalar/test_rule_meaning.py and
tests/matrix/test_rule_meaning.py.)
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def copy_package(tmp_path: Path) -> Path:
    """A copy of ``derive/`` (nothing else) under ``tmp_path``, to edit one file of."""
    shutil.copytree(ROOT / "derive", tmp_path / "derive", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_copy(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "derive", *args], cwd=copy, env=env, capture_output=True,
                          text=True, timeout=300)


def edit(path: Path, anchor: str, insert: str) -> None:
    """Insert ``insert`` just before ``anchor`` (which must occur once) in ``path``."""
    text = path.read_text()
    assert text.count(anchor) == 1, f"{anchor!r} is not unique in {path}"
    path.write_text(text.replace(anchor, insert + anchor))


def test_a_distribution_is_one_entry_in_families(tmp_path: Path) -> None:
    copy = copy_package(tmp_path)
    edit(copy / "derive/likelihood/families.py", ")})\n",
         '    _one("halfnormal", "sqrt(2/(pi sigma2)) exp(-x^2/(2 sigma2))", "sigma2", "x > 0", ["sigma2 > 0"],\n'
         '         "HalfNormal(sigma2): |Z| for Z ~ Normal(0, sigma2)"),\n')
    helped = run_copy(copy, "mle", "--help")
    assert "halfnormal" in helped.stdout and "HalfNormal(sigma2)" in helped.stdout
    out = run_copy(copy, "mle", "halfnormal", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["certified"] is True and doc["closed_form"] is True
    assert doc["estimator"] == {"sigma2": "Sum(x[i]**2, (i, 1, n))/n"}


FORMAT = '''"""Rule names only, one per line: a format made of one module."""
from __future__ import annotations

from typing import Any

from derive.render.base import FormatPrinter


class Printer(FormatPrinter):
    format_name = "rules"

    def _print_Derivation(self, d: Any) -> str:
        return "".join(f"{s.rule}\\n" for s in d.steps)
'''


def test_an_output_format_is_one_new_module_in_formats(tmp_path: Path) -> None:
    copy = copy_package(tmp_path)
    (copy / "derive/render/formats/rules.py").write_text(FORMAT)
    out = run_copy(copy, "diff", "x^2*sin(x)", "--wrt", "x", "--format", "rules")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["product", "trig", "power", "simplify"]
    assert "rules" in run_copy(copy, "diff", "--help").stdout


MODEL = '''

class Half(LsModel):
    """Least squares as machine-learning texts write it: minimize (1/2) ||y - X b||^2."""

    name: ClassVar[str] = "half"
    title: ClassVar[str] = "half the squared error"
    summary: ClassVar[str] = "half the squared error, (1/2) ||y - X b||^2"
    reference_name: ClassVar[str] = "numpy.linalg.lstsq"

    def objective(self) -> M.Node:
        import sympy as sp

        from derive.matrix import expr as M

        return M.mul(M.const(sp.Rational(1, 2)), super().objective())
'''


def test_a_least_squares_model_is_one_class_in_models(tmp_path: Path) -> None:
    copy = copy_package(tmp_path)
    models = copy / "derive/lsq/models.py"
    models.write_text(models.read_text() + MODEL)
    helped = run_copy(copy, "ls", "--help")
    assert "half" in helped.stdout and "(1/2) ||y - X b||^2" in helped.stdout
    out = run_copy(copy, "ls", "--model", "half", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["certified"] is True
    assert doc["estimator"].replace(" ", "") == "(X.T*X)**(-1)*X.T*y"
