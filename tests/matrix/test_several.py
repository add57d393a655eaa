"""Gradients by several variables at once: each partial certified alone, the stationary system solved jointly."""
from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

import derive
from derive.core.budget import Budget
from derive.matrix import expr as M
from derive.matrix.certify import certify_matrix_gradients
from derive.matrix.gradient import matrix_gradients
from derive.matrix.read import parse_matrix_auto
from derive.parse.let import parse_let
from derive.parse.shapes import merge_shapes

GAUSS = "-n/2 logdet(Sigma) - tr(inv(Sigma) S)/2 - n/2 (xbar - mu)' inv(Sigma) (xbar - mu)"
LETS = ["xbar: p", "mu: p", "S: p x p symmetric", "Sigma: p x p positive definite"]


@pytest.fixture(scope="module")
def gauss() -> derive.MatGradientsResult:
    r = derive.grad(GAUSS, wrt=("mu", "Sigma"), let=LETS, where=["n > 0"])
    assert isinstance(r, derive.MatGradientsResult)
    return r


def test_each_partial_is_derived_and_the_joint_point_is_mu_bar_then_s_over_n(gauss: derive.MatGradientsResult) -> None:
    assert gauss.certified
    mu, sigma = (p.data for p in gauss.parts)
    assert M.plain(mu.gradient) == "n*inv(Sigma)*(xbar - mu)"
    assert M.plain(sigma.gradient) == "-n*inv(Sigma)/2 + inv(Sigma)*S*inv(Sigma)/2 + n*inv(Sigma)*(xbar - mu)*(xbar - mu)'*inv(Sigma)/2"
    assert sigma.stationary is not None and M.plain(sigma.stationary.solution) == "S/n + (xbar - mu)*(xbar - mu)'"
    joint = gauss.data.joint
    assert joint is not None and joint.certificate.certified
    assert [(v.name, M.plain(value), used) for v, value, _, used in joint.solved] == [
        ("mu", "xbar", ()), ("Sigma", "S/n", ("mu",))]
    assert {k: str(v) for k, v in (gauss.solution or {}).items()} == {"mu": "xbar", "Sigma": "1/n*S"}


def test_every_format_shows_each_partial_and_the_joint_solution(gauss: derive.MatGradientsResult) -> None:
    text = gauss.to_text(width=80)
    assert "Gradient in μ" in text and "Gradient in Σ" in text
    assert "∇_Σ f = 0 gives Σ̂ = S/n + (x̄ − μ)·(x̄ − μ)ᵀ; with μ = μ̂: Σ̂ = S/n" in text
    assert text.count("where xbar: p") == 1
    assert max(cell_len(line) for line in text.splitlines()) <= 80  # columns: x̄ is two characters, one column
    latex = gauss.to_latex()
    assert r"\hat{\Sigma} &= \frac{S}{n} && \text{jointly: with } \mu = \hat{\mu}" in latex
    assert r"\mathrm{d}_{\Sigma} f" in latex
    data = json.loads(gauss.to_json())
    assert data["wrt"] == ["mu", "Sigma"] and data["stationary_point_text"] == {"mu": "xbar", "Sigma": "S/n"}
    assert data["gradients"]["mu"]["certified"] and data["certified"]
    assert r"$\hat{\Sigma} = \frac{S}{n}$" in gauss.to_markdown()


def test_a_wrong_joint_solution_is_refuted() -> None:
    import dataclasses

    clock = Budget(seconds=60).start()
    shapes = merge_shapes(parse_let(t) for t in LETS)
    f = parse_matrix_auto(GAUSS, shapes, {})
    found = {s.name: s for s in M.symbols(f)}
    gs = matrix_gradients(f, (found["mu"], found["Sigma"]), clock)
    assert gs.joint is not None
    (mu, xbar, own, used), (sig, _, own2, used2) = gs.joint.solved
    wrong = dataclasses.replace(gs.joint, solved=((mu, xbar, own, used), (sig, M.mul(M.const(2), own2), own2, used2)))
    checked = certify_matrix_gradients(dataclasses.replace(gs, joint=wrong), clock)
    assert checked.refuted


def test_a_coupled_system_is_said_not_solved_jointly() -> None:
    r = derive.grad("x' A z", wrt="x,z", let=["x: p", "z: p", "A: p x p"])
    assert r.certified and r.data.joint is None
    assert "not solved jointly" in r.to_text(width=100)


def test_independent_variables_are_each_solved() -> None:
    r = derive.grad("norm(x - a)^2 + norm(z)^2", wrt=["x", "z"], let=["x: p", "z: q", "a: p"])
    assert isinstance(r, derive.MatGradientsResult) and r.certified
    assert {k: str(v) for k, v in (r.solution or {}).items()} == {"x": "a", "z": "0"}
