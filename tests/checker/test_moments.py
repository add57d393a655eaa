"""Steps with expectations: the symbolic rules of expectation, and probing on finite discrete laws."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget
from derive.core.contract import Plausible, Proved, Refuted, Unknown
from derive.checker.certify import certify_step
from derive.checker.moments import draw_law, expect_value, normal_form
from derive.checker.probe import Declared
from derive.checker.reading import FileReader, reader_for
from derive.checker.run import check_text
from derive.parse.derivation import Declaration
from derive.parse.derivation_math import learn, read_context, split_declarations
from derive.parse.expectation import Expectation, RandomSpec, Variance
from tests.conftest import run_derive


def reader(declarations: str, *sides: str) -> FileReader:
    """The reader of a file with these declarations and sides (sizes and families learned from all)."""
    return FileReader(learn(sides, read_context([Declaration(d, 1) for d in split_declarations(declarations)])))


def verdict(declarations: str, lhs: str, rhs: str, relation: str = "=") -> object:
    r = reader(declarations, lhs, rhs)
    return certify_step(r.read(lhs).expr, r.read(rhs).expr, relation, r.declared, Budget().start())


HOLDS = [
    (r"X \text{ random}", r"\operatorname{Var}(aX + b)", r"a^2 \operatorname{Var}(X)"),
    (r"X, Y \text{ random}", r"\operatorname{Var}(X + Y)",
     r"\operatorname{Var}(X) + \operatorname{Var}(Y) + 2\operatorname{Cov}(X, Y)"),
    (r"X \perp Y", r"\operatorname{Var}(X + Y)", r"\operatorname{Var}(X) + \operatorname{Var}(Y)"),
    (r"X \perp Y", r"\mathbb{E}[X^2 Y]", r"\mathbb{E}[X^2] \mathbb{E}[Y]"),
    (r"X, Y, Z \text{ random}", r"\operatorname{Cov}(X + Y, Z)", r"\operatorname{Cov}(X, Z) + \operatorname{Cov}(Y, Z)"),
    (r"X \sim (\mu, \sigma^2)", r"\mathbb{E}[(X - \mu)^2]", r"\sigma^2"),
    (r"X \text{ random}", r"\mathbb{E}[\mathbb{E}[X]]", r"\mathbb{E}[X]"),
    (r"x_i \overset{iid}{\sim} (\mu, \sigma^2)", r"\mathbb{E}\Bigl[\frac{1}{n}\sum_{i=1}^n x_i\Bigr]", r"\mu"),
    (r"x_i \overset{iid}{\sim} (\mu, \sigma^2)", r"\operatorname{Var}\Bigl(\frac{1}{n}\sum_{i=1}^n x_i\Bigr)",
     r"\frac{\sigma^2}{n}"),
    (r"x_i \overset{iid}{\sim} (\mu, \sigma^2)",
     r"\mathbb{E}\Bigl[\frac{1}{n-1}\sum_{i=1}^n \Bigl(x_i - \frac{1}{n}\sum_{j=1}^n x_j\Bigr)^2\Bigr]", r"\sigma^2"),
    (r"X \sim \operatorname{Poisson}(\lambda)", r"\mathbb{E}\Bigl[\frac{X}{\lambda} - 1\Bigr]", "0"),
    (r"X \sim \operatorname{Poisson}(\lambda)", r"\mathbb{E}[X (X - 1)]", r"\lambda^2"),
    (r"X \sim \operatorname{Bernoulli}(p)", r"\mathbb{E}[X^3]", "p"),
    (r"X \sim \mathcal{N}(\mu, \sigma^2)", r"\mathbb{E}[(X - \mu)^4]", r"3\sigma^4"),
    (r"X \sim \operatorname{Exp}(\lambda)", r"\mathbb{E}[X^2]", r"\frac{2}{\lambda^2}"),
    (r"X \sim \operatorname{Unif}(a, b)", r"\operatorname{Var}(X)", r"\frac{(b - a)^2}{12}"),
    (r"\varepsilon \sim (0, \sigma^2)", r"\mathbb{E}[(f + \varepsilon)^2]", r"f^2 + \sigma^2"),
    (r"x_i \overset{iid}{\sim} (0, 1)", r"\mathbb{E}\Bigl[\Bigl(\sum_{i=1}^n x_i\Bigr)^2\Bigr]", "n"),
    (r"\varepsilon \text{ random}, \mathbb{E}[\varepsilon] = 0, \operatorname{Var}(\varepsilon) = 4",
     r"\mathbb{E}[\varepsilon^3 - \varepsilon^3 + \varepsilon^2]", "4"),
]


@pytest.mark.parametrize("declarations,lhs,rhs", HOLDS)
def test_identities_that_hold_are_certified(declarations: str, lhs: str, rhs: str) -> None:
    assert isinstance(verdict(declarations, lhs, rhs), (Proved, Plausible))


FALSE = [
    (r"X, Y \text{ random}", r"\operatorname{Var}(X + Y)", r"\operatorname{Var}(X) + \operatorname{Var}(Y)"),
    (r"X, Y \text{ random}", r"\mathbb{E}[X Y]", r"\mathbb{E}[X] \mathbb{E}[Y]"),
    (r"X \text{ random}", r"\mathbb{E}[X^2]", r"\mathbb{E}[X]^2"),
    (r"X \text{ random}", r"\operatorname{Var}(aX + b)", r"a \operatorname{Var}(X)"),
    (r"x_i \overset{iid}{\sim} (\mu, \sigma^2)", r"\operatorname{Var}\Bigl(\frac{1}{n}\sum_{i=1}^n x_i\Bigr)",
     r"\sigma^2"),
    (r"x_i \overset{iid}{\sim} (\mu, \sigma^2)",
     r"\mathbb{E}\Bigl[\frac{1}{n}\sum_{i=1}^n \Bigl(x_i - \frac{1}{n}\sum_{j=1}^n x_j\Bigr)^2\Bigr]", r"\sigma^2"),
    (r"X \sim \operatorname{Poisson}(\lambda)", r"\mathbb{E}[X^2]", r"\lambda"),
    (r"X \sim \mathcal{N}(\mu, \sigma^2)", r"\mathbb{E}[(X - \mu)^4]", r"\sigma^4"),
    (r"x_i \overset{iid}{\sim} (0, 1)", r"\mathbb{E}\Bigl[\Bigl(\sum_{i=1}^n x_i\Bigr)^2\Bigr]", "1"),
    (r"\varepsilon \sim (0, 1)", r"\mathbb{E}[\varepsilon^3]", "0"),
]


@pytest.mark.parametrize("declarations,lhs,rhs", FALSE)
def test_identities_that_fail_for_some_law_are_refuted(declarations: str, lhs: str, rhs: str) -> None:
    assert isinstance(verdict(declarations, lhs, rhs), Refuted)


VECTOR = (r"x \in \mathbb{R}^{p}, \mu \in \mathbb{R}^{p}, A \in \mathbb{R}^{p\times p}, "
          r"\Sigma \in \mathbb{R}^{p\times p}, x \sim (\mu, \Sigma)")


def test_a_random_vector_with_declared_mean_and_covariance() -> None:
    assert isinstance(verdict(VECTOR, r"\mathbb{E}[x^\top A x]", r"\operatorname{tr}(A \Sigma) + \mu^\top A \mu"),
                      Plausible)
    wrong = verdict(VECTOR, r"\mathbb{E}[x^\top A x]", r"\operatorname{tr}(A \Sigma)")
    assert isinstance(wrong, Refuted)
    shown = dict(wrong.point)
    assert "Sigma" in shown and "mu" in shown and "x" not in shown


def test_a_counterexample_names_the_law_not_one_outcome() -> None:
    v = verdict(r"X, Y \text{ random}", r"\mathbb{E}[X Y]", r"\mathbb{E}[X] \mathbb{E}[Y]")
    assert isinstance(v, Refuted)
    names = dict(v.point)
    assert any(k.startswith("joint law of (X, Y)") for k in names)
    assert "X" not in names and "Y" not in names


def test_jensen_as_an_inequality() -> None:
    assert isinstance(verdict(r"X \text{ random}", r"\mathbb{E}[X]^2", r"\mathbb{E}[X^2]", "<="), Plausible)
    assert isinstance(verdict(r"X \text{ random}", r"\mathbb{E}[X]^2", r"\mathbb{E}[X^2]", ">="), Refuted)


def test_a_derivative_of_an_expectation_is_never_taken_as_zero() -> None:
    poisson = r"X \sim \operatorname{Poisson}(\lambda)"
    assert isinstance(verdict(poisson, r"\frac{d}{d\lambda} \mathbb{E}[X]", "0"), Refuted)
    assert isinstance(verdict(poisson, r"\frac{d}{d\lambda} \mathbb{E}[X]", "1"), Proved)
    assert isinstance(verdict(poisson, r"\frac{d}{d\lambda} \mathbb{E}[e^{X}]", "0"), Unknown)


def test_declared_domains_bound_the_atoms() -> None:
    v = verdict(r"x_i \overset{iid}{\sim} (\mu, \sigma^2), x_i > 0", r"\mathbb{E}[\log x_1]", r"\log \mu", "<=")
    assert isinstance(v, Plausible)


def test_a_non_polynomial_function_of_a_continuous_law_is_not_guessed() -> None:
    v = verdict(r"X \sim \mathcal{N}(\mu, \sigma^2)", r"\mathbb{E}[e^{X}]", r"e^{\mu}")
    assert isinstance(v, Unknown)


def test_the_normal_form_uses_linearity_independence_and_moments() -> None:
    r = reader(r"X \perp Y, X \sim (\mu, \sigma^2)")
    spec = r.declared.random
    assert spec is not None
    x_, y_ = sp.Symbol("X", real=True), sp.Symbol("Y", real=True)
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    assert normal_form(Expectation(2 * x_ + 3), spec) == 2 * mu + 3
    assert normal_form(Expectation(x_ * y_), spec) == mu * Expectation(y_)
    assert sp.expand(normal_form(Variance(x_), spec)) == sigma ** 2


@pytest.mark.slow
def test_the_square_of_an_iid_sum_is_reduced_symbolically() -> None:
    iid = r"x_i \overset{iid}{\sim} (\mu, \sigma^2)"
    assert isinstance(verdict(iid, r"\operatorname{Var}\Bigl(\frac{1}{n}\sum_{i=1}^n x_i\Bigr)", r"\frac{\sigma^2}{n}"),
                      Proved)
    weighted = verdict(iid + ", w_i > 0", r"\operatorname{Var}\Bigl(\sum_{i=1}^n w_i x_i\Bigr)",
                       r"\sigma^2 \sum_{i=1}^n w_i^2")
    assert isinstance(weighted, Plausible)  # weights: the terms are not alike, so no symbolic shortcut
    assert isinstance(verdict(iid + ", w_i > 0", r"\operatorname{Var}\Bigl(\sum_{i=1}^n w_i x_i\Bigr)",
                              r"\sigma^2 \Bigl(\sum_{i=1}^n w_i\Bigr)^2"), Refuted)


def test_dependent_variables_are_not_factored() -> None:
    r = reader(r"X, Y \text{ random}")
    assert r.declared.random is not None
    x_, y_ = sp.Symbol("X", real=True), sp.Symbol("Y", real=True)
    assert normal_form(Expectation(x_ * y_), r.declared.random) == Expectation(x_ * y_)


LAW_SPEC = RandomSpec({}, frozenset())


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), power=st.integers(1, 4))
def test_an_expectation_is_the_weighted_sum_over_the_atoms(seed: int, power: int) -> None:
    r = reader(r"X \perp Y")
    spec = r.declared.random
    assert spec is not None
    x_, y_ = sp.Symbol("X", real=True), sp.Symbol("Y", real=True)
    law = draw_law([x_ + y_], {}, spec, {}, random.Random(seed), 3)
    direct = sum((p * q * (a + b) ** power for p, a in law.sources[x_] for q, b in law.sources[y_]), sp.Integer(0))
    assert sp.simplify(expect_value((x_ + y_) ** power, law, spec) - direct) == 0
    assert sum((p for p, _ in law.sources[x_]), sp.Integer(0)) == 1


def test_a_file_end_to_end() -> None:
    text = "\n".join([
        r"% derive: x_1, \dots, x_n \overset{iid}{\sim} (\mu, \sigma^2), \bar{x} := \frac{1}{n} \sum_{i=1}^{n} x_i",
        r"\begin{align*}",
        r"\mathbb{E}[\bar{x}] &= \frac{1}{n} \sum_{i=1}^{n} \mathbb{E}[x_i] = \mu \\",
        r"\operatorname{Var}(\bar{x}) &= \sigma^2",
        r"\end{align*}",
    ])
    report = check_text(text, "t.tex", Budget().start(), reader_for)
    assert [s.status for s in report.steps[:2]] == ["proved", "proved"]
    assert report.first_error is not None and report.first_error.line == 4
    assert report.first_error.hint is not None and report.first_error.hint.kind == "factor"


@pytest.mark.slow
def test_the_cli_reads_where_in_the_same_vocabulary(tmp_path: Path) -> None:
    ok = run_derive("check", "--expr", r"\operatorname{Var}(X + Y) = \operatorname{Var}(X) + \operatorname{Var}(Y)",
                    "--where", r"X \perp Y")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_derive("check", "--expr", r"\operatorname{Var}(X + Y) = \operatorname{Var}(X) + \operatorname{Var}(Y)",
                     "--where", r"X, Y \text{ random}")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    unread = tmp_path / "c.tex"
    unread.write_text("% derive: X, Y \\text{ random}\n\\[ \\mathbb{E}[X \\mid Y] = X \\]\n", encoding="utf-8")
    got = run_derive("check", str(unread))
    assert got.returncode == 3 and "conditional expectation" in got.stdout


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-3, 3), c=st.integers(-3, 3), size=st.integers(1, 4), seed=st.integers(0, 1000),
       cross=st.booleans())
def test_the_symbolic_rules_agree_with_the_discrete_laws(a: int, c: int, size: int, seed: int, cross: bool) -> None:
    """The normal form (linearity, moments, the iid-sum rule) against exact enumeration on a drawn law."""
    r = reader(r"x_i \overset{iid}{\sim} (\mu, \sigma^2)", r"\sum_{i=1}^n x_i")
    spec = r.declared.random
    assert spec is not None
    n, i, j = sp.Symbol("n", integer=True, positive=True), sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    x_ = sp.IndexedBase("x")
    first = sp.Sum(a * x_[i] + c, (i, 1, n))
    second = sp.Sum(x_[j] ** 2, (j, 1, n)) if cross else sp.Sum(a * x_[j] + c, (j, 1, n))
    expr = Expectation(first * second)
    reduced = normal_form(expr, spec).xreplace({n: size}).doit()
    law = draw_law([expr], {n: size}, spec, {}, random.Random(seed), size)
    exact = expect_value((first * second).xreplace({n: size}).doit(), law, spec)
    moments = {s: v for s, v in law.moments.items()}
    by_name = {s.name: v for s, v in moments.items()}
    reduced = reduced.xreplace({s: by_name[s.name] for s in reduced.free_symbols if s.name in by_name})
    if reduced.has(Expectation):  # E[x^3] (the cross case) has no declared value: evaluate it on the law too
        reduced = reduced.replace(lambda e: isinstance(e, Expectation),
                                  lambda e: expect_value(e.args[0].xreplace(
                                      {k: sp.Indexed(x_, 1) for k in e.args[0].atoms(sp.Indexed)}), law, spec))
    assert abs(complex(sp.N(reduced - exact, 30))) < 1e-20
