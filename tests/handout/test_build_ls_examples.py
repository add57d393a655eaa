"""The least-squares worked examples build to PDFs that read back with their mathematics and numbers."""
import ast

import numpy as np
import pytest

from tests.conftest import ROOT, pdf_text, run_derive

EXAMPLES = ("ols_lane_line", "ridge_map", "weighted_least_squares")
pytestmark = [pytest.mark.tex, pytest.mark.slow]


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out_dir = tmp_path_factory.mktemp("ls_examples")
    scripts = [str(ROOT / "worked_examples" / f"{name}.py") for name in EXAMPLES]
    out = run_derive("build", *scripts, "--out", str(out_dir), "-j", "2", timeout=600)
    assert out.returncode == 0, out.stderr
    return {name: pdf_text(out_dir / f"{name}.pdf") for name in EXAMPLES}


def lane_points() -> list[tuple[float, float]]:
    """POINTS from the example script, read with ast.literal_eval (the script is not run here)."""
    tree = ast.parse((ROOT / "worked_examples" / "ols_lane_line.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "POINTS")
    return list(ast.literal_eval(node.value))


def test_lane_line_has_the_steps_and_the_fitted_numbers(texts: dict[str, str]) -> None:
    text = texts["ols_lane_line"]
    assert "Fitting a lane line to LiDAR points" in text
    assert "expand the square" in text and "differentiate under the sum" in text and "the slope in centred sums" in text
    x, y = np.array(lane_points()).T
    slope, intercept = np.polyfit(x, y, 1)
    flat = " ".join(text.split())
    assert f"a = {intercept:.4f}" in flat and f"b = {slope:.5f}" in flat
    assert "identification" in text  # the OLS matrix derivation follows


def test_ridge_map_derives_the_posterior_and_ridge(texts: dict[str, str]) -> None:
    text = texts["ridge_map"]
    squeezed = "".join(text.split())
    assert "Ridge regression as a MAP estimate" in text
    assert "σ2" in squeezed and "τ2" in squeezed and "identification" in text
    assert "Solutions" in text


def test_weighted_least_squares_has_the_weighted_normal_equations(texts: dict[str, str]) -> None:
    text = texts["weighted_least_squares"]
    squeezed = "".join(text.split())
    assert "Weighted least squares" in text and "product rule" in text
    assert "X⊤WX" in squeezed and "Solutions" in text
