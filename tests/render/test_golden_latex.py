"""Rendered LaTeX compared with golden files: any change to the printed maths is deliberate.

Regenerate after an intended change with: DERIVE_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden_latex.py
"""
import os
from pathlib import Path

import pytest

import derive

GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = {
    "product_trig": ("x^2*sin(x)", ["x"]),
    "sin_pow_x": ("sin(x)^x", ["x"]),
    "f_of_x_squared_2nd": ("f(x^2)", ["x", "x"]),
    "sigmoid_unit": ("sigmoid(w*x + b)", ["w"]),
    "mixed_partial": ("x^2*y + exp(x*y)", ["x", "y"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_latex_matches_golden(name: str) -> None:
    text, wrt = CASES[name]
    latex = derive.diff(text, wrt=wrt).to_latex() + "\n"
    path = GOLDEN / f"{name}.tex"
    if os.environ.get("DERIVE_UPDATE_GOLDEN") == "1":
        path.write_text(latex)
    assert path.exists(), f"missing golden file {path}; regenerate with DERIVE_UPDATE_GOLDEN=1"
    assert latex == path.read_text()
