"""Least squares through the matrix engine: each model class derives to its textbook estimator.

The models are derived here (the model class builds its objective, the matrix engine derives it),
without the budget worker or certification, so the checks are fast. The printed estimators are pinned; a
Hypothesis property evaluates each derived estimator on random data of random sizes n > p
and compares it with the normal equations solved here in numpy (not with derive.lsq.certify).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import derive
from derive.core.budget import Budget
from derive.core.errors import DeriveError, UsageError
from derive.lsq.model import LsSolution
from derive.lsq.models import MODELS, LsModel, model_class
from derive.matrix import expr as M
from derive.matrix.expr import plain
from derive.matrix.numeric import Point, evaluate
from derive.matrix.read_text import parse_matrix
from derive.parse.declarations import merge_domains, parse_where
from derive.parse.let import parse_let
from derive.parse.shapes import merge_shapes

ESTIMATORS = {
    "ols": "inv(X'*X)*X'*y",
    "ridge": "inv(X'*X + lam*I)*X'*y",
    "wls": "inv(X'*W*X)*X'*W*y",
    "gls": "inv(X'*inv(Sigma)*X)*X'*inv(Sigma)*y",
}


OBJECTIVES = {
    "ols": ("norm(y - X*b)^2", ()),
    "ridge": ("norm(y - X*b)^2 + lam*norm(b)^2", ("lam > 0",)),
    "wls": ("(y - X*b)' W (y - X*b)", ()),
    "gls": ("(y - X*b)' inv(Sigma) (y - X*b)", ()),
    "constrained": ("norm(y - X*b)^2 + 2*mu'*(C*b - d)", ()),
}
"""Each model's objective as a user types it: the model's own expression must be the same tree."""


def derive_model(kind: str, names: Mapping[str, str] | None = None) -> LsSolution:
    """model -> engine, as derive.ls does it, without certification."""
    sol: LsSolution = model_class(kind)(names).derive(Budget(seconds=60).start())
    return sol


@pytest.fixture(scope="module")
def solutions() -> dict[str, LsSolution]:
    return {kind: derive_model(kind) for kind in ESTIMATORS}


def test_the_models_are_offered() -> None:
    assert set(MODELS) == set(ESTIMATORS) | {"constrained", "simple"}
    assert all(issubclass(cls, LsModel) and cls.name == name and cls.title and cls.summary
               for name, cls in MODELS.items())


@pytest.mark.parametrize("kind", sorted(OBJECTIVES))
def test_each_objective_is_the_tree_the_user_would_type(kind: str) -> None:
    """The model builds its objective as an expression: the same tree as its text read by the parser."""
    model = model_class(kind)()
    text, wheres = OBJECTIVES[kind]
    shapes = merge_shapes(parse_let(d.describe()) for d in model.declarations())
    domains = merge_domains(d for t in wheres for d in parse_where(t))
    assert model.objective() == parse_matrix(text, shapes, domains)
    assert set(model.domains()) == set(domains)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_each_model_derives_the_textbook_estimator(solutions: dict[str, LsSolution], kind: str) -> None:
    sol = solutions[kind]
    assert sol.model.name == kind
    assert plain(sol.estimator) == ESTIMATORS[kind]
    assert sol.derivation.wrt.name == "b"
    assert sol.derivation.stationary is not None
    assert sol.derivation.hessian is not None


@pytest.mark.parametrize("kind", ["ols", "wls", "gls"])
def test_the_condition_is_full_column_rank_without_a_penalty(solutions: dict[str, LsSolution], kind: str) -> None:
    first = solutions[kind].conditions[0]
    assert "invertible" in first and "full column rank" in first
    assert "always" not in first


def test_ridge_is_always_solvable(solutions: dict[str, LsSolution]) -> None:
    first = solutions["ridge"].conditions[0]
    assert first.startswith("X'*X + lam*I is invertible") and "always" in first
    assert "full column rank" not in first
    assert any("positive definite" in c and "minimum" in c for c in solutions["ridge"].conditions)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_renaming_reaches_the_objective_and_the_estimator(kind: str) -> None:
    sol = derive_model(kind, {"b": "beta", "X": "A"})
    assert sol.derivation.wrt.name == "beta"
    objective = plain(sol.derivation.function)
    assert "A*beta" in objective and "X" not in objective
    assert plain(sol.estimator) == ESTIMATORS[kind].replace("X", "A")
    assert {s.name for s in M.symbols(sol.derivation.function)} >= {"A", "beta", "y"}


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_renaming_reaches_the_stated_consequence(kind: str) -> None:
    """The claim printed beside the consequence names the user's design matrix, as its formula does."""
    sol = derive_model(kind, {"b": "beta", "X": "A", **({"lam": "nu"} if kind == "ridge" else {})})
    c = sol.consequences[-1]
    assert "A'" in plain(c.lhs)
    assert "X" not in c.name and "A" in c.name, c.name
    if kind == "ridge":
        assert "nu beta" in c.name and "lam" not in c.name, c.name


def test_renaming_through_the_api_is_certified_and_in_the_json() -> None:
    res = derive.ls("ols", names={"b": "beta", "X": "A"})
    assert res.certified
    assert plain(res.estimator) == "inv(A'*A)*A'*y"
    assert res.to_json().count('"objective": "norm(y - A*beta)^2"') == 1


def test_a_renamed_design_still_certifies() -> None:
    """Renaming X to a lowercase name must not change whether the derivation is certified."""
    res = derive.ls("ols", names={"X": "x"})
    assert plain(res.estimator) == "inv(x'*x)*x'*y"
    assert res.solution.derivation.stationary is not None
    assert res.solution.derivation.stationary.certificate is not None
    assert res.solution.derivation.stationary.certificate.word in {"proved", "plausible"}, \
        res.solution.derivation.stationary.certificate
    assert res.certified


@pytest.mark.parametrize(("names", "needle"), [
    ({"Z": "Q"}, "unknown name 'Z'"),
    ({"beta": "b"}, "unknown name 'beta'"),
    ({"lam": "nu"}, "unknown name 'lam' for ols"),
    ({"X": "1X"}, "'1X' is not a name"),
    ({"X": "X y"}, "'X y' is not a name"),
    ({"X": ""}, "'' is not a name"),
    ({"b": "b'"}, "is not a name"),
    ({"b": "b;import os"}, "is not a name"),
    ({"y": "X"}, "two roles share one name"),
    ({"X": "A", "b": "A"}, "two roles share one name"),
], ids=["unknown role", "unknown role beta", "a role of another model", "leading digit", "space", "empty", "quote",
        "injection", "y takes X", "two renamed alike"])
def test_bad_names_are_usage_errors(names: dict[str, str], needle: str) -> None:
    with pytest.raises(UsageError) as info:
        model_class("ols")(names)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.hint


@pytest.mark.parametrize(("kind", "names"), [
    ("ridge", {"lam": "p"}),   # the penalty would print as the number of coefficients
    ("ols", {"X": "n"}),       # the design named like its own row count
    ("ols", {"X": "I"}),       # inv(I'*I)*I'*y reads as the identity
    ("ridge", {"lam": "I"}),   # X'*X + I*I
    ("ridge", {"lam": "e"}),
    ("ols", {"y": "norm"}),
], ids=["lam=p", "X=n", "X=I", "lam=I", "lam=e", "y=norm"])
def test_names_taken_by_dimensions_or_builtins_are_usage_errors(kind: str, names: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        derive_model(kind, names)


@given(st.dictionaries(st.sampled_from(["X", "y", "b", "W"]),
                       st.from_regex(r"[A-Za-z][a-z]{0,4}_[0-9]", fullmatch=True), max_size=3))
@settings(max_examples=60, deadline=None)
def test_a_model_accepts_exactly_distinct_identifiers(names: dict[str, str]) -> None:
    """Any renaming gives a model in those names, or a UsageError when two roles collide."""
    full = {"X": "X", "y": "y", "b": "b", "W": "W", **names}
    if len(set(full.values())) < len(full):
        with pytest.raises(UsageError):
            model_class("wls")(names)
        return
    model = model_class("wls")(names)
    assert model.names == full
    assert f"{full['X']}*{full['b']}" in plain(model.objective())


@pytest.mark.parametrize("kind", ["lasso", "OLS", ""])
def test_unknown_models_name_the_choices(kind: str) -> None:
    with pytest.raises(UsageError) as info:
        model_class(kind)
    assert isinstance(info.value, DeriveError)
    assert info.value.hint is not None
    assert all(m in info.value.hint for m in MODELS)


# -- the estimators against our own numpy normal equations --------------------------------------


def _own_solution(kind: str, X: np.ndarray, y: np.ndarray, W: np.ndarray, lam: float) -> np.ndarray:
    """The normal equations of each model, solved here (no derive code)."""
    if kind == "ols":
        return np.linalg.solve(X.T @ X, X.T @ y)
    if kind == "ridge":
        return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    if kind == "wls":
        return np.linalg.solve(X.T @ W @ X, X.T @ W @ y)
    Si = np.linalg.inv(W)
    return np.linalg.solve(X.T @ Si @ X, X.T @ Si @ y)


def _point(sol: LsSolution, X: np.ndarray, y: np.ndarray, W: np.ndarray, lam: float) -> Point:
    syms = {s.name: s for s in M.symbols(sol.derivation.function)}
    names = sol.model.names
    design = syms[names["X"]]
    (n,), (p,) = design.rows.free_symbols, design.cols.free_symbols
    assert isinstance(n, sp.Symbol) and isinstance(p, sp.Symbol)
    values = {names["X"]: X, names["y"]: y}
    for role in ("W", "Sigma"):
        if role in names:
            values[names[role]] = W
    scalars = {s: lam for s in M.scalar_symbols(sol.derivation.function) if s.name == names.get("lam")}
    assert bool(scalars) == (sol.model.name == "ridge")
    return Point({n: X.shape[0], p: X.shape[1]}, values, scalars, {}, "hypothesis", max_cond=1e12)


@given(kind=st.sampled_from(sorted(ESTIMATORS)), p=st.integers(1, 5), extra=st.integers(1, 8),
       seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-2, 1.0, 30.0]))
@settings(max_examples=80, deadline=None)
def test_derived_estimator_solves_the_normal_equations(solutions: dict[str, LsSolution], kind: str, p: int,
                                                       extra: int, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    n = p + extra
    X = scale * rng.standard_normal((n, p))
    assume(np.linalg.cond(X) < 1e3)
    y = rng.standard_normal((n, 1)) * 3.0
    lam = float(rng.uniform(0.1, 5.0))
    if kind == "gls":
        g = rng.standard_normal((n, n))
        W = g @ g.T / n + np.eye(n)
    else:
        W = np.diag(rng.uniform(0.3, 3.0, n))
    sol = solutions[kind]
    ours = evaluate(sol.estimator, _point(sol, X, y, W, lam))
    expected = _own_solution(kind, X, y, W, lam)
    assert ours.shape == (p, 1)
    np.testing.assert_allclose(ours, expected, rtol=1e-7, atol=1e-9 * float(np.max(np.abs(expected))))
