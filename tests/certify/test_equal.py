"""certify_equal: Proved, Plausible, Refuted(counterexample) or Unknown, on the declared domain."""
from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.certify.equal import certify_equal
from derive.certify.probe import Sampler, make_concrete
from derive.parse.domain import VarDomain
from derive.core.contract import Plausible, Proved, Refuted, Unknown, is_certified
from derive.core.functions import sigmoid

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
p = sp.Symbol("p", real=True)
f = sp.Function("f")
g = sp.Function("g")

POSITIVE_X = {"x": VarDomain("x", lower=0)}


def _refutes(verdict: Refuted, lhs: sp.Expr, rhs: sp.Expr) -> None:
    """The counterexample point really separates the two sides (evaluated independently here)."""
    point = {sp.Symbol(name, real=True): sp.Float(value, 30) for name, value in verdict.point}
    by_name = {s.name: s for s in (lhs.free_symbols | rhs.free_symbols)}
    sub = {by_name[s.name]: v for s, v in point.items() if s.name in by_name}
    a, b = make_concrete([lhs, rhs])
    va = complex(a.xreplace(sub).evalf(30))
    vb = complex(b.xreplace(sub).evalf(30))
    assert abs(va - vb) > 1e-6 * max(1.0, abs(va), abs(vb)), (verdict, va, vb)
    # the reported values are the two sides' values there (to the printed precision)
    assert abs(float(verdict.lhs) - va.real) <= 1e-4 * max(1.0, abs(va))
    assert abs(float(verdict.rhs) - vb.real) <= 1e-4 * max(1.0, abs(vb))


# -- Proved ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)),
        ((x + 1) ** 2, x**2 + 2 * x + 1),
        (sp.exp(x + y), sp.exp(x) * sp.exp(y)),
        (sp.Derivative(x**3, x), 3 * x**2),
        (sp.Derivative(sp.sin(x**2), x), 2 * x * sp.cos(x**2)),
        (sp.Derivative(f(x**2), x), 2 * x * f(x**2).fdiff(1)),
        (sp.Derivative(f(x) ** 2, x), 2 * f(x) * sp.Derivative(f(x), x)),
        (sp.tan(x), sp.sin(x) / sp.cos(x)),
        (sigmoid(x) * (1 - sigmoid(x)), sigmoid(x) - sigmoid(x) ** 2),
    ],
    ids=str,
)
def test_symbolic_identities_are_proved(lhs: sp.Expr, rhs: sp.Expr) -> None:
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert isinstance(verdict, Proved), verdict
    assert verdict.word == "proved"
    assert verdict.method
    assert verdict.describe().startswith("proved: ")


def test_identical_sides_are_proved_without_work() -> None:
    verdict = certify_equal(sp.sin(x), sp.sin(x), Budget(seconds=0).start())
    assert isinstance(verdict, Proved)


def test_expand_rung_names_itself() -> None:
    verdict = certify_equal((x + 1) ** 2, x**2 + 2 * x + 1, Budget().start())
    assert isinstance(verdict, Proved)
    assert "expand" in verdict.method


# -- Plausible ---------------------------------------------------------------


def test_true_identity_simplify_cannot_prove_is_plausible() -> None:
    lhs = sp.atan(x) + sp.atan(1 / x)
    rhs = sp.pi / 2 * sp.sign(x)
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert isinstance(verdict, Plausible), verdict
    assert verdict.probes >= 12
    assert verdict.max_rel_error < 1e-9
    assert "x" in verdict.domain
    assert verdict.word == "plausible"
    assert is_certified(verdict)


def test_large_true_identity_is_plausible_not_simplified() -> None:
    lhs = sp.Add(*[sp.sin(n * x) ** 2 + sp.cos(n * x) ** 2 for n in range(1, 12)])
    verdict = certify_equal(lhs, sp.Integer(11), Budget().start())
    assert isinstance(verdict, Plausible), verdict


def test_plausible_where_defined_is_said() -> None:
    verdict = certify_equal(sp.log(x**2), 2 * sp.log(x), Budget().start())
    assert isinstance(verdict, Plausible), verdict
    assert "where defined" in verdict.domain


# -- Refuted -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sp.sin(x), sp.cos(x)),
        (sp.Derivative(x * sp.exp(-x), x), (1 + x) * sp.exp(-x)),
        (sp.Derivative(sp.sin(x) ** x, x), x * sp.sin(x) ** (x - 1) * sp.cos(x)),
        (sp.sqrt(x**2), x),
        (sp.exp(x + y), sp.exp(x) + sp.exp(y)),
        (sp.Derivative(sigmoid(x), x), sigmoid(x) ** 2),
    ],
    ids=str,
)
def test_false_claims_are_refuted_with_a_real_counterexample(lhs: sp.Expr, rhs: sp.Expr) -> None:
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert isinstance(verdict, Refuted), verdict
    assert verdict.word == "refuted"
    assert not is_certified(verdict)
    assert {name for name, _ in verdict.point} == {s.name for s in (lhs.free_symbols | rhs.free_symbols)}
    _refutes(verdict, lhs, rhs)
    assert verdict.describe().startswith("refuted: at ")


def test_wrong_chain_factor_is_refuted() -> None:
    """d/dx f(x^2) = x f'(x^2) is false (the factor is 2x)."""
    lhs = sp.Derivative(f(x**2), x)
    rhs = x * f(x**2).fdiff(1)
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert isinstance(verdict, Refuted), verdict
    _refutes(verdict, lhs, rhs)


def test_dropped_chain_factor_is_refuted() -> None:
    lhs = sp.Derivative(f(x**2), x)
    rhs = f(x**2).fdiff(1)
    assert isinstance(certify_equal(lhs, rhs, Budget().start()), Refuted)


# -- Unknown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sp.sqrt(-1 - x**2), sp.I * sp.sqrt(1 + x**2)),  # true, but never real
        (sp.sqrt(-1 - x**2), 2 * sp.sqrt(-1 - x**2)),  # false, but never real: not refutable on R
        (sp.log(-1 - x**2), sp.log(-2 - x**2)),
    ],
    ids=str,
)
def test_no_real_point_gives_unknown(lhs: sp.Expr, rhs: sp.Expr) -> None:
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert isinstance(verdict, Unknown), verdict
    assert not verdict.timeout
    assert verdict.word == "unknown"
    assert verdict.reason
    assert not is_certified(verdict)


# -- domains -----------------------------------------------------------------


def test_log_identity_on_positive_domain() -> None:
    verdict = certify_equal(sp.log(x**2), 2 * sp.log(x), Budget().start(), POSITIVE_X)
    assert is_certified(verdict), verdict
    if isinstance(verdict, Plausible):
        assert verdict.domain == "x > 0"


def test_log_product_identity_on_positive_domain() -> None:
    verdict = certify_equal(sp.log(x * (x + 1)), sp.log(x) + sp.log(x + 1), Budget().start(), POSITIVE_X)
    assert is_certified(verdict), verdict


def test_domain_decides_the_verdict() -> None:
    """sqrt(x^2) = x holds on x > 0 and fails on x < 0."""
    on_positive = certify_equal(sp.sqrt(x**2), x, Budget().start(), POSITIVE_X)
    assert is_certified(on_positive), on_positive
    on_negative = certify_equal(sp.sqrt(x**2), x, Budget().start(), {"x": VarDomain("x", upper=0)})
    assert isinstance(on_negative, Refuted), on_negative
    assert float(dict(on_negative.point)["x"]) < 0


def test_counterexample_lies_in_the_domain() -> None:
    verdict = certify_equal(sp.sqrt(x**2), -x, Budget().start(), POSITIVE_X)
    assert isinstance(verdict, Refuted), verdict
    assert float(dict(verdict.point)["x"]) > 0
    _refutes(verdict, sp.sqrt(x**2), -x)


def test_open_interval_domain() -> None:
    domain = {"p": VarDomain("p", lower=0, upper=1)}
    verdict = certify_equal(sp.log(p / (1 - p)), sp.log(p) - sp.log(1 - p), Budget().start(), domain)
    assert is_certified(verdict), verdict
    if isinstance(verdict, Plausible):
        assert verdict.domain == "0 < p < 1"
    wrong = certify_equal(sp.log(p / (1 - p)), sp.log(p) + sp.log(1 - p), Budget().start(), domain)
    assert isinstance(wrong, Refuted)
    assert 0 < float(dict(wrong.point)["p"]) < 1


def test_sampler_respects_domains() -> None:
    domains = {"x": VarDomain("x", lower=0), "p": VarDomain("p", lower=0, upper=1)}
    sampler = Sampler((p, x, y), domains)
    rng = random.Random(5)
    for _ in range(200):
        point = sampler.draw(rng)
        assert point[x] > 0
        assert 0 < point[p] < 1
        assert -3 <= point[y] <= 3


def test_sampler_integer_domain() -> None:
    n = sp.Symbol("n", integer=True)
    sampler = Sampler((n,), {"n": VarDomain("n", lower=0, upper=10, integer=True)})
    rng = random.Random(2)
    values = {int(sampler.draw(rng)[n]) for _ in range(100)}
    assert values <= set(range(1, 10))
    assert all(sampler.draw(rng)[n].is_Integer for _ in range(10))


# -- undefined functions --------------------------------------------------------


def test_claim_true_for_every_f_is_not_refuted() -> None:
    lhs = sp.sin(f(x) + g(x))
    rhs = sp.sin(f(x)) * sp.cos(g(x)) + sp.cos(f(x)) * sp.sin(g(x))
    verdict = certify_equal(lhs, rhs, Budget().start())
    assert is_certified(verdict), verdict


def test_undefined_function_on_one_side_only_is_replaced_consistently() -> None:
    lhs = g(x) + sp.sin(f(x)) ** 2 + sp.cos(f(x)) ** 2 - 1
    verdict = certify_equal(lhs, g(x), Budget().start())
    assert is_certified(verdict), verdict


def test_product_rule_for_every_f_g_is_certified() -> None:
    lhs = sp.Derivative(f(x) * g(x), x)
    rhs = sp.Derivative(f(x), x) * g(x) + f(x) * sp.Derivative(g(x), x)
    assert is_certified(certify_equal(lhs, rhs, Budget().start()))


def test_f_and_g_are_not_confused() -> None:
    verdict = certify_equal(f(x) * g(y), g(x) * f(y), Budget().start())
    assert isinstance(verdict, Refuted), verdict
    _refutes(verdict, f(x) * g(y), g(x) * f(y))


def test_make_concrete_is_consistent_across_sides() -> None:
    a, b = make_concrete([f(x) + g(x), g(x)])
    assert not a.atoms(sp.core.function.AppliedUndef)
    assert sp.simplify(a - b - make_concrete([f(x)])[0]) == 0


def test_claim_false_for_general_f_is_not_certified() -> None:
    """f(0) = 1 is false for a general f; a single stand-in that happens to satisfy it must not certify it."""
    verdict = certify_equal(f(0), sp.Integer(1), Budget().start())
    assert not is_certified(verdict), verdict


# -- budget ------------------------------------------------------------------


def test_exhausted_budget_gives_timeout_unknown() -> None:
    verdict = certify_equal(sp.sin(x), sp.cos(x), Budget(seconds=0).start())
    assert isinstance(verdict, Unknown), verdict
    assert verdict.timeout
    assert verdict.word == "timeout"
    assert verdict.describe().startswith("timeout: ")
    assert "time budget" in verdict.reason


def test_exhausted_budget_does_not_prove_a_true_identity() -> None:
    verdict = certify_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), Budget(seconds=0).start())
    assert isinstance(verdict, Unknown) and verdict.timeout


def test_same_seed_same_verdict() -> None:
    a = certify_equal(sp.sin(x), sp.cos(x), Budget().start(), rng=random.Random(7))
    b = certify_equal(sp.sin(x), sp.cos(x), Budget().start(), rng=random.Random(7))
    assert a == b


# -- the cheap exact rung before simplify --------------------------------------


def test_combined_zero_proves_a_quotient_identity_and_leaves_sums_to_simplify() -> None:
    from derive.certify.equal import combined_zero, elementary

    z = sp.Symbol("z", real=True)
    n = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True)
    assert combined_zero(sp.exp(z) / (sp.exp(z) + 1) ** 2 - sp.exp(-z) / (1 + sp.exp(-z)) ** 2)
    assert not combined_zero(sp.sinh(z) / sp.cosh(z) - sp.tanh(z) + 1)  # not zero: no verdict
    total = sp.Sum(sp.IndexedBase("x")[i], (i, 1, n))
    assert not elementary(total - n) and not combined_zero(sp.Sum(i, (i, 1, n)) - n * (n + 1) / 2)
    assert elementary(sigmoid(x) * f(x) + sp.log(x) ** 2)


def test_a_step_proved_by_the_cheap_rung_says_so_and_one_it_cannot_prove_goes_to_simplify() -> None:
    z = sp.Symbol("z", real=True)
    v = certify_equal(sp.exp(-z) / (1 + sp.exp(-z)) ** 2, sp.exp(z) / (sp.exp(z) + 1) ** 2, Budget().start())
    assert v == Proved("before - after over one denominator: its numerator expands to 0")
    trig = certify_equal(sp.sin(z) ** 2, 1 - sp.cos(z) ** 2, Budget().start())
    assert trig == Proved("simplify(before - after) = 0")  # the numerator sin^2 + cos^2 - 1 does not expand to 0


def test_a_remembering_doit_gives_the_same_certificates() -> None:
    calls: list[sp.Expr] = []

    def doit(e: sp.Expr) -> sp.Expr:
        calls.append(e)
        return e.doit()

    before = sp.Derivative(sp.sin(x) * x, x)
    after = sp.cos(x) * x + sp.sin(x)
    assert certify_equal(before, after, Budget().start(), doit=doit) == certify_equal(before, after, Budget().start())
    assert calls == [before, after]


def test_exponential_zero_proves_hyperbolic_and_sigmoid_identities_and_nothing_false() -> None:
    from derive.certify.equal import exponential_zero

    z = sp.Symbol("z", real=True)
    assert exponential_zero(sp.tanh(z) - (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)))
    assert exponential_zero(sp.tanh(z) - (2 * sigmoid(2 * z) - 1))
    assert exponential_zero((1 - sp.tanh(z) ** 2) - 4 * sigmoid(2 * z) * (1 - sigmoid(2 * z)))
    assert exponential_zero(sp.cosh(z) ** 2 - sp.sinh(z) ** 2 - 1)
    assert not exponential_zero(sp.tanh(z) - (2 * sigmoid(z) - 1))  # false: no verdict
    assert not exponential_zero(sp.sin(z) ** 2 + sp.cos(z) ** 2 - 1)  # no hyperbolic function: not this rung's
    assert not exponential_zero(sp.Sum(sp.tanh(z), (z, 1, 3)) - 3)  # not elementary


def test_a_hyperbolic_identity_is_proved_in_exponentials_and_the_certificate_says_so() -> None:
    from derive.certify.equal import EXPONENTIAL_ZERO

    z = sp.Symbol("z", real=True)
    v = certify_equal(sp.tanh(z), 2 * sigmoid(2 * z) - 1, Budget().start())
    assert v == Proved(EXPONENTIAL_ZERO)
    wrong = certify_equal(sp.tanh(z), 2 * sigmoid(z) - 1, Budget().start(), rng=random.Random(3))
    assert isinstance(wrong, Refuted)
