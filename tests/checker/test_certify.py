"""One step's verdict: symbolic, then concrete instances (sizes, data, matrices, stand-in functions)."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.core.contract import Plausible, Proved, Refuted, Timeout, Unknown
from derive.checker.certify import certify_step
from derive.checker.probe import Declared
from derive.parse.domain import VarDomain
from tests.checker.conftest import MU, N, S2, THETA, X, Y, I, total, x

DECLARED = Declared({"theta": VarDomain("theta", 0.0)})
LOGLIK = sp.Derivative(N * sp.log(THETA) - THETA * total(X[I]), THETA)


def verdict(lhs: sp.Basic, rhs: sp.Basic, relation: str = "=", **kw: object) -> object:
    return certify_step(lhs, rhs, relation, DECLARED, Budget().start(), **kw)  # type: ignore[arg-type]


def test_issue_example_is_certified() -> None:
    assert isinstance(verdict(LOGLIK, N / THETA - total(X[I])), (Proved, Plausible))


def test_issue_example_with_missing_n_is_refuted_with_data() -> None:
    v = verdict(LOGLIK, 1 / THETA - total(X[I]))
    assert isinstance(v, Refuted)
    names = [k for k, _ in v.point]
    assert "n" in names and "x" in names and "theta" in names


def test_sum_of_products_is_not_product_of_sums() -> None:
    v = verdict(total(X[I] * Y[I]), total(X[I]) * total(Y[I]) / N)
    assert isinstance(v, Refuted)


def test_sum_identity_holds_for_every_n() -> None:
    mean = total(X[I]) / N
    v = verdict(total((X[I] - mean) ** 2), total(X[I] ** 2) - total(X[I]) ** 2 / N)
    assert isinstance(v, Plausible) and "sizes 1 to 6" in v.domain


def test_an_identity_true_only_for_n_1_is_refuted() -> None:
    assert isinstance(verdict(total(X[I]) ** 2, total(X[I] ** 2)), Refuted)


def test_matrix_gradient_and_its_transpose() -> None:
    m, k = sp.symbols("m k", integer=True, positive=True)
    w, a, b = sp.MatrixSymbol("W", m, k), sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", k, 1)
    grad = sp.Derivative((a.T * w * b)[0, 0], w)
    assert isinstance(verdict(grad, a * b.T), Plausible)
    wrong = verdict(grad, b * a.T)
    assert isinstance(wrong, Refuted) and "matrix" in wrong.lhs


def test_square_transposition_slip_is_refuted_numerically() -> None:
    n = sp.Symbol("p", integer=True, positive=True)
    w, a, b = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("a", n, 1), sp.MatrixSymbol("b", n, 1)
    grad = sp.Derivative((a.T * w * b)[0, 0], w)
    assert isinstance(verdict(grad, b * a.T), Refuted)


def test_declared_positive_definite_matrices_are_drawn_so() -> None:
    n = sp.Symbol("p", integer=True, positive=True)
    s, v = sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("v", n, 1)
    declared = Declared({}, {"S": frozenset({"positive_definite"})})
    ok = certify_step((v.T * s * v)[0, 0], 0, ">", declared, Budget().start())
    assert isinstance(ok, Plausible)
    generic = certify_step((v.T * s * v)[0, 0], 0, ">", Declared(), Budget().start())
    assert isinstance(generic, Refuted)


def test_unknown_functions_are_replaced_consistently() -> None:
    f = sp.Function("f")
    u = sp.Symbol("u")
    chain = 2 * x * sp.Subs(sp.Derivative(f(u), u), u, x**2)
    assert isinstance(verdict(sp.Derivative(f(x**2), x), chain), (Proved, Plausible))
    refuted = verdict(sp.Derivative(f(x**2), x), chain / 2)
    assert isinstance(refuted, Refuted) and any(k == "f(t)" for k, _ in refuted.point + refuted.stand_ins)


@pytest.mark.parametrize("relation,ok", [(">=", True), ("<=", False), (">", False), ("<", False)])
def test_inequalities_on_data(relation: str, ok: bool) -> None:
    variance = total(X[I] ** 2) / N - (total(X[I]) / N) ** 2
    v = verdict(variance, 0, relation)
    assert isinstance(v, Plausible) if ok else isinstance(v, Refuted)


def test_up_to_a_constant_and_propto() -> None:
    ll = -N / 2 * sp.log(2 * sp.pi * S2) - total((X[I] - MU) ** 2) / (2 * S2)
    kept = -N / 2 * sp.log(S2) - total((X[I] - MU) ** 2) / (2 * S2)
    assert isinstance(verdict(ll, kept, up_to_constant=True), Plausible)
    assert isinstance(verdict(ll, kept), Refuted)
    assert isinstance(verdict(ll, kept * 2, up_to_constant=True), Refuted)
    lik = sp.exp(ll)
    assert isinstance(verdict(lik, sp.exp(kept), "propto"), Plausible)
    assert isinstance(verdict(lik, sp.exp(2 * kept), "propto"), Refuted)


@pytest.mark.parametrize("left,right,relation,ok", [
    (sp.Eq(2 * x + 1, 5), sp.Eq(2 * x, 4), "iff", True),
    (sp.Eq(x**2, 4), sp.Eq(x, 2), "iff", False),
    (sp.Eq(x, 2), sp.Eq(x**2, 4), "implies", True),
    (sp.Eq(x**2, 4), sp.Eq(x, 2), "implies", False),
])
def test_logical_steps(left: sp.Basic, right: sp.Basic, relation: str, ok: bool) -> None:
    v = verdict(left, right, relation)
    assert isinstance(v, Plausible) if ok else isinstance(v, Refuted)


def test_unchecked_relations_are_unknown_never_true() -> None:
    assert isinstance(verdict(x, x + 1e-9, "approx"), Unknown)
    assert isinstance(verdict(x, x + 1, "!="), Unknown)


def test_a_spent_budget_is_a_timeout() -> None:
    clock = Budget(seconds=1e-9).start()
    v = certify_step(total(X[I] ** 2), total(X[I]) ** 2, "=", DECLARED, clock)
    assert isinstance(v, Timeout)


def test_verdicts_are_deterministic() -> None:
    a = verdict(LOGLIK, 1 / THETA - total(X[I]))
    b = verdict(LOGLIK, 1 / THETA - total(X[I]))
    assert a == b


def test_identity_of_a_concrete_size_is_explicit_in_probes() -> None:
    from derive.checker.probe import Point, _concrete_matrices, instantiate

    a = sp.ImmutableMatrix([[1, 2], [3, 4]])
    b = sp.ImmutableMatrix([[5], [6]])
    e = sp.MatAdd(sp.MatMul(sp.MatAdd(sp.Identity(2), a), b), sp.ZeroMatrix(2, 1))
    assert not _concrete_matrices(e, {}).has(sp.Identity, sp.ZeroMatrix)
    value = instantiate(e, Point(values={}, sizes={}, data={}, matrices={}))
    assert [float(v) for v in value] == [2 * 5 + 2 * 6, 3 * 5 + 5 * 6]


def test_the_definition_of_tanh_and_its_sigmoid_form_are_proved_not_only_probed() -> None:
    """Written in exponentials, tanh(z) = 2 sigma(2z) - 1 is a rational identity in e^z (the worked
    example tanh.py checks it): proved, where simplify's trigonometric rules ran out of allowance."""
    from derive.core.functions import sigmoid

    z = sp.Symbol("z", real=True)
    assert isinstance(verdict(sp.tanh(z), (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))), Proved)
    assert isinstance(verdict(1 - sp.tanh(z) ** 2, 1 - (2 * sigmoid(2 * z) - 1) ** 2), Proved)
    assert isinstance(verdict(sp.tanh(z), 2 * sigmoid(z) - 1), Refuted)


def test_simplify_runs_only_where_the_probes_found_no_counterexample(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong step is refuted by the probes alone (simplify would work to its allowance for nothing); a right step
    the cheap rungs cannot prove still gets simplify's proof."""
    from derive.checker import certify as C

    calls: list[sp.Basic] = []
    real = C._simplified_zero

    def spy(diff: sp.Basic) -> bool:
        calls.append(diff)
        return real(diff)

    monkeypatch.setattr(C, "_simplified_zero", spy)
    z = sp.Symbol("z", real=True)
    wrong = verdict(7 * z**2 * sp.Derivative(sp.exp(5 * z), z), 7 * z**2 * sp.exp(5 * z))
    assert isinstance(wrong, Refuted) and calls == []
    right = verdict(sp.sin(z) ** 2, 1 - sp.cos(z) ** 2)  # sin^2 + cos^2 - 1: no cheap rung proves it
    assert right == Proved("SymPy simplifies the difference of the two sides to 0") and len(calls) == 1


def test_a_side_is_made_concrete_once_per_sizes_and_evaluated_at_each_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pending derivatives of a side are evaluated once, not again at every scalar point of the probes;
    the values still differ point by point."""
    from derive.checker import probe as P

    made: list[sp.Basic] = []
    real = P._explicit_matrix_derivatives

    def spy(e: sp.Basic, point: P.Point) -> sp.Basic:
        made.append(e)
        return real(e, point)

    monkeypatch.setattr(P, "_explicit_matrix_derivatives", spy)
    z = sp.Symbol("z", real=True)
    side = sp.Derivative(z**3 * sp.exp(2 * z), z)
    points = [P.Point(sizes={}, values={z: sp.Float(v)}, data={}, matrices={}) for v in (0.5, 1.5, -1.0)]
    values = [P.value_of(side, p) for p in points]
    assert len(made) == 1
    expected = [complex(sp.diff(z**3 * sp.exp(2 * z), z).subs(z, v)) for v in (0.5, 1.5, -1.0)]
    assert all(abs(a[0] - b) < 1e-12 * max(1.0, abs(b)) for a, b in zip(values, expected))
