"""``derive parse``: the issue 12 contract (JSON keys, exit 2 with the position), text output, plain text."""
from __future__ import annotations

import json

import pytest
import sympy as sp

from tests.conftest import one_error_line, run_derive as derive


def test_json_contract() -> None:
    out = derive("parse", r"\sum_{i=1}^{n} x_i y_i + 1", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert list(data) == ["input", "sympy", "srepr", "latex"]
    assert data["input"] == r"\sum_{i=1}^{n} x_i y_i + 1"
    assert data["sympy"] == "Sum(x[i]*y[i], (i, 1, n)) + 1"
    assert data["latex"] == r"\sum_{i=1}^{n} {x}_{i} {y}_{i} + 1"
    assert "Indexed(IndexedBase(Symbol('x'))" in data["srepr"]


def test_srepr_rebuilds_the_reading() -> None:
    out = derive("parse", r"\nabla_W a^\top W b", "--where",
                 r"W \in \mathbb{R}^{m\times k}, a \in \mathbb{R}^{m}, b \in \mathbb{R}^{k}", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    m, k = sp.Symbol("m", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
    w, a, b = sp.MatrixSymbol("W", m, k), sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", k, 1)
    expected = sp.Derivative(sp.Trace(a.T * w * b), w)
    assert sp.srepr(expected) == data["srepr"]


def test_text_format_shows_the_four_fields() -> None:
    out = derive("parse", r"\frac{d}{d\theta} n\log\theta", "--where", r"\theta > 0", "--width", "400")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()  # one line each at 400 columns (narrower, a long field wraps under itself)
    assert [line.split(":")[0] for line in lines] == ["input", "sympy", "srepr", "latex"]
    assert "Derivative(n*log(theta), theta)" in lines[1]


@pytest.mark.parametrize("text,column", [
    (r"x + \mathbb{E}[X]", 5),
    (r"\input{/etc/passwd}", 1),
    (r"10^{10^{10^{10}}}", None),
    (r"(x + 1", 1),
    (r"\text{__import__('os')}", 1),
])
def test_unread_input_exits_2_with_the_position(text: str, column: int | None) -> None:
    out = derive("parse", text, "--format", "json")
    assert out.returncode == 2
    assert out.stdout == ""
    line = one_error_line(out)
    assert "at column" in line
    if column is not None:
        assert f"at column {column} " in line


def test_bad_declaration_exits_2() -> None:
    out = derive("parse", "x", "--where", r"\lambda \gtrsim 0")
    assert out.returncode == 2
    assert "cannot read the declaration" in one_error_line(out)


@pytest.mark.slow
def test_plain_text_and_forced_latex() -> None:
    plain = json.loads(derive("parse", "x^2 sin(x)", "--format", "json").stdout)
    assert plain["sympy"] == "x**2*sin(x)"
    forced = derive("parse", "-x_i^2 + 1", "--latex", "--format", "json")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["sympy"] == "1 - x_i**2"


@pytest.mark.slow
def test_every_help_example_runs() -> None:
    import shlex

    from derive.cli.parse import EPILOG

    commands = [shlex.split(line.strip())[1:] for line in EPILOG.splitlines() if line.strip().startswith("derive ")]
    assert len(commands) == 5
    for args in commands:
        out = derive(*args)
        assert out.returncode == 0, (args, out.stderr)
        assert out.stdout.strip()
