"""Signs on the parameter space: reparametrization by a positive symbol, and no claim the numbers contradict."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import event, given, settings
from hypothesis import strategies as st

from derive.certify.numeval import numeric_function
from derive.likelihood.sign import reparametrize, sign_of
from derive.parse.domain import VarDomain

p, q, t, z = sp.symbols("p q t z", real=True)
n = sp.Symbol("n", integer=True, positive=True)
DOMAINS = {"p": VarDomain("p", 0.0, 1.0), "q": VarDomain("q", lower=2.0), "t": VarDomain("t", upper=-1.0)}


def test_each_bounded_symbol_is_written_through_a_positive_one() -> None:
    sub = reparametrize([p, q, t, z], DOMAINS)
    assert set(sub) == {p, q, t}  # z has no domain: left alone
    (u_p,) = sub[p].free_symbols
    assert u_p.is_positive and sp.simplify(sub[p] - u_p / (1 + u_p)) == 0
    (u_q,) = sub[q].free_symbols
    assert sub[q] == 2 + u_q
    (u_t,) = sub[t].free_symbols
    assert sub[t] == -1 - u_t


@pytest.mark.parametrize("u", [1e-6, 0.3, 1.0, 7.0, 1e6])
def test_the_reparametrization_covers_the_interval_and_stays_inside(u: float) -> None:
    sub = reparametrize([p, q, t], DOMAINS)
    at = {s: sp.Float(u) for e in sub.values() for s in e.free_symbols}
    assert 0 < float(sub[p].xreplace(at)) < 1
    assert float(sub[q].xreplace(at)) > 2 and float(sub[t].xreplace(at)) < -1


@pytest.mark.parametrize(("expr", "sign"), [
    (p - 1, "negative"), (-n / (p * (1 - p)), "negative"), (p * (1 - p), "positive"), (sp.log(p), "negative"),
    (q - 2, "positive"), (q - 1, "positive"), (t + 1, "negative"), (t, "negative"), (t**2, "positive"),
    ((q - 2) / (t + 1), "negative"), (-(p - sp.Rational(1, 3))**2, "nonpositive"), (z**2, "nonnegative"),
    (sp.Integer(0), "zero"),
], ids=str)
def test_signs_decided_on_the_space(expr: sp.Expr, sign: str) -> None:
    assert sign_of(expr, DOMAINS) == sign


@pytest.mark.parametrize("expr", [p - sp.Rational(1, 2), 1 / (q - 3), z, sp.sin(q)], ids=str)
def test_a_sign_that_changes_on_the_space_is_undecided(expr: sp.Expr) -> None:
    assert sign_of(expr, DOMAINS) is None


# -- the property: a decided sign holds at every point of the space we try ------------------------
FACTORS = [p, 1 - p, p - sp.Rational(1, 2), p - 2, q - 2, q - 3, q + 1, t + 1, t - 5, n, sp.Integer(3), sp.Integer(-2)]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> sp.Expr:
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(FACTORS))
    sub = expressions(depth - 1)
    op = draw(st.sampled_from(["mul", "div", "add", "square", "neg"]))
    if op == "mul":
        return draw(sub) * draw(sub)
    if op == "div":
        return draw(sub) / draw(sub)
    if op == "add":
        return draw(sub) + draw(sub)
    if op == "square":
        return draw(sub) ** 2
    return -draw(sub)


GRID = np.array(list(itertools.product(np.linspace(0.001, 0.999, 13), 2 + np.geomspace(1e-3, 1e3, 9),
                                       -1 - np.geomspace(1e-3, 1e3, 9), [1, 2, 50]))).T
HOLDS = {"positive": lambda v: v > 0, "negative": lambda v: v < 0, "nonnegative": lambda v: v >= 0,
         "nonpositive": lambda v: v <= 0, "zero": lambda v: v == 0}


@settings(max_examples=60, deadline=None)
@given(expressions())
@pytest.mark.slow
def test_a_decided_sign_is_never_contradicted_by_a_point_of_the_space(expr: sp.Expr) -> None:
    sign = sign_of(expr, DOMAINS)
    event(f"sign: {sign}")
    if sign is None:
        return
    v = np.broadcast_to(numeric_function(expr, [p, q, t, n])(*GRID), GRID[0].shape)
    finite = np.isfinite(v)  # poles of the expression are not points where it has a sign
    tol = 1e-9 * np.maximum(1.0, np.abs(v))
    ok = HOLDS[sign](v) | (np.abs(v) <= tol)
    assert np.all(ok[finite]), (expr, sign, GRID[:, finite & ~ok][:, :3])


def test_a_sum_of_many_bounded_parameters_is_left_undecided_within_the_work_allowance() -> None:
    # 1 - p1 - ... - p19 with each p in (0, 1): expanded over a common denominator it has 2^19 terms
    ps = sp.symbols("p1:20", positive=True)
    doms = {p.name: VarDomain(p.name, 0.0, 1.0) for p in ps}
    assert sign_of(1 - sp.Add(*ps), doms) is None
    assert sign_of(1 + sp.Add(*ps), doms) == "positive"


def test_a_question_asked_again_with_new_dummies_is_answered_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside ``signs_remembered`` the same expression (its statistics behind fresh dummies) is decided
    once; a different domain or different assumptions on a dummy is a different question."""
    import derive.likelihood.sign as sign

    asked: list[sp.Expr] = []
    real = sign._sign_of
    monkeypatch.setattr(sign, "_sign_of", lambda e, d: asked.append(e) or real(e, d))
    p = sp.Symbol("p", real=True)

    def question(**assumptions: bool) -> sp.Expr:
        t = sp.Dummy("T0", **assumptions)
        return -t / p**2 - (sp.Symbol("n", positive=True) - t) / (p - 1)**2

    with sign.signs_remembered():
        first = sign.sign_of(question(nonnegative=True), DOMAINS)
        again = sign.sign_of(question(nonnegative=True), DOMAINS)
        assert first == again and len(asked) == 1
        sign.sign_of(question(positive=True), DOMAINS)
        sign.sign_of(question(nonnegative=True), {"p": VarDomain("p", 0.0, 2.0)})
        assert len(asked) == 3
    sign.sign_of(question(nonnegative=True), DOMAINS)  # outside the block: asked anew
    assert len(asked) == 4


def test_two_dummies_alike_by_name_are_not_merged_into_one_question() -> None:
    """T0 - T0' (two statistics that share a name) is no question about 0: it is decided, not remembered."""
    import derive.likelihood.sign as sign

    a, b = sp.Dummy("T0", positive=True), sp.Dummy("T0", positive=True)
    with sign.signs_remembered():
        assert sign.sign_of(sp.Integer(0) * a, DOMAINS) == sign.sign_of(sp.Integer(0), DOMAINS)
        assert sign.sign_of(a + b, DOMAINS) == sign.sign_of(2 * a, DOMAINS)  # both positive
        assert sign.sign_of(a - b, DOMAINS) is None  # undecided: not the remembered sign of 0
