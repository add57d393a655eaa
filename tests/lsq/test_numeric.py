"""``derive.lsq.numeric`` and the term grammar on open-ended inputs (Hypothesis).

Exact solves against Gauss-Jordan elimination over ``fractions.Fraction`` written here; the refined
QR solution and the inverse-Gram diagonal against exact rational answers; terms printed and read
back to the same terms.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError
from derive.lsq import numeric as N
from derive.lsq.terms import Term, parse_terms


def gauss_jordan(a: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """a^-1 b over the rationals, or None when a is singular."""
    p, m = len(a), len(b[0])
    rows = [ra[:] + rb[:] for ra, rb in zip(a, b)]
    for k in range(p):
        piv = next((i for i in range(k, p) if rows[i][k] != 0), None)
        if piv is None:
            return None
        rows[k], rows[piv] = rows[piv], rows[k]
        rows[k] = [v / rows[k][k] for v in rows[k]]
        for i in range(p):
            if i != k and rows[i][k] != 0:
                f = rows[i][k]
                rows[i] = [v - f * w for v, w in zip(rows[i], rows[k])]
    return [r[p:p + m] for r in rows]


fractions = st.fractions(min_value=-50, max_value=50, max_denominator=40)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda p: st.tuples(
    st.lists(st.lists(fractions, min_size=p, max_size=p), min_size=p, max_size=p),
    st.lists(st.lists(fractions, min_size=2, max_size=2), min_size=p, max_size=p))))
@pytest.mark.slow
def test_exact_solve_is_gauss_jordan(case: tuple[list[list[Fraction]], list[list[Fraction]]]) -> None:
    a, b = case
    expected = gauss_jordan(a, b)
    if expected is None:
        with pytest.raises(N.Singular):
            N.solve(N.from_rows(a), N.from_rows(b), N.Work())
        return
    assert N.solve(N.from_rows(a), N.from_rows(b), N.Work()).fractions() == expected


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10_000), st.lists(st.integers(-3, 3), min_size=4, max_size=4))
def test_a_planted_dependency_is_found_exactly(p: int, seed: int, combo: list[int]) -> None:
    rng = np.random.default_rng(seed)
    cols = [[Fraction(int(v)) for v in rng.integers(-9, 10, 8)] for _ in range(p)]
    assume(gauss_jordan(N.matmul(N.transpose(N.from_columns(cols)), N.from_columns(cols), N.Work()).fractions(),
                        [[Fraction(1)] for _ in range(p)]) is not None)
    planted = [sum((c * col[i] for c, col in zip(combo, cols)), Fraction(0)) for i in range(8)]
    x = N.from_columns(cols + [planted])
    deps = N.dependencies(N.matmul(N.transpose(x), x, N.Work()), N.Work())
    assert len(deps) == 1 and deps[0].column == p
    assert dict(deps[0].combination) == {j: Fraction(c) for j, c in enumerate(combo[:p]) if c != 0}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.floats(0, 6))
def test_refined_qr_reaches_the_exact_solution(seed: int, p: int, log_cond: float) -> None:
    """On exactly representable data with cond up to 1e6 and a large residual: the exact answer to ~1e-15."""
    rng = np.random.default_rng(seed)
    n = p + 6
    u, _ = np.linalg.qr(rng.normal(size=(n, p)))
    v, _ = np.linalg.qr(rng.normal(size=(p, p)))
    a = (u * np.logspace(0, -log_cond, p)) @ v.T
    c = rng.normal(size=n) * 10.0
    exact_a = [[Fraction(float(x)) for x in row] for row in a]
    gram = [[sum((exact_a[k][i] * exact_a[k][j] for k in range(n)), Fraction(0)) for j in range(p)] for i in range(p)]
    rhs = [[sum((exact_a[k][i] * Fraction(float(c[k])) for k in range(n)), Fraction(0))] for i in range(p)]
    solution = gauss_jordan(gram, rhs)
    assert solution is not None
    z = np.array([float(r[0]) for r in solution])
    got = N.refined_lstsq(a, c)
    assert np.linalg.norm(got.z - z) <= 4 * N.EPS * np.linalg.norm(z)
    diag = [float(r[i]) for i, r in enumerate(gauss_jordan(gram, [[Fraction(int(i == j)) for j in range(p)]
                                                                   for i in range(p)]) or [])]
    np.testing.assert_allclose(N.inverse_gram_diagonal(a), diag, rtol=1e-15 * 10 ** (2 * log_cond) + 1e-13)


names = st.sampled_from(["x", "z", "x1", "t_2", "height (cm)", "a.b", "poly"])


@st.composite
def term_lists(draw: st.DrawFn) -> list[Term]:
    out: list[Term] = []
    for _ in range(draw(st.integers(1, 4))):
        cols = draw(st.lists(names, min_size=1, max_size=3, unique=True))
        out.append(Term(tuple((c, draw(st.integers(1, 4))) for c in cols), ""))
    return out


@settings(max_examples=80, deadline=None)
@given(term_lists())
def test_terms_read_back_from_their_labels(terms: list[Term]) -> None:
    """Every term printed as its label and read again is the same term (or the list is refused for a repeat)."""
    text = ", ".join(t.label for t in terms)
    keys = [t.key for t in terms]
    if len(set(keys)) < len(keys):
        with pytest.raises(ParseError, match="repeats the term"):
            parse_terms(text)
        return
    assert [t.factors for t in parse_terms(text)] == [t.factors for t in terms]


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="xz()^*,0123456789 poly`+-/_", max_size=30))
def test_any_text_parses_or_is_one_parse_error(text: str) -> None:
    try:
        terms = parse_terms(text)
    except ParseError as exc:
        assert "Traceback" not in str(exc)
        return
    assert terms and all(1 <= t.degree <= 20 for t in terms)
