"""The package type-checks under mypy in strict mode (pyproject.toml: strict = true, with SymPy-as-Any relaxations)."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_mypy_strict_passes_on_the_package() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_package_ships_py_typed_and_templates() -> None:
    assert (ROOT / "derive" / "py.typed").exists()
    assert (ROOT / "templates" / "handout.tex.j2").exists()
