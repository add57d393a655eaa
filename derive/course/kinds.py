"""Built-in problem kinds a TOML sheet uses without code: derivative, gradient, least squares, MLE and
"check this derivation".

Each kind turns its table's fields (expression templates such as ``"{a}*x^2 + exp({b}*x)"``, a
variable, data) into a ``Problem``: its question, its displayed formula, its own test of degeneracy
(an undefined expression, a singular design, an estimate outside the parameter space), a cheap
independent answer key (SymPy's derivative, the exact normal equations, the estimator evaluated on
the sample) that keeps variants distinct, and ``solve``, which calls derive's certified engines.
Every template is filled with numbers and read by our own parser; nothing is evaluated as code.
"""
from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Mapping, Sequence
import re
from fractions import Fraction
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.core.contract import Refuted, Verdict
from derive.core.budget import Budget
from derive.core.errors import BudgetExceeded, DeriveError, UsageError
from derive.course.params import Choice, Value, number, number_text
from derive.course.template import _FIELD
from derive.course.problem import Draw, NotCertified, Problem, Solution, number_answer, plain, symbolic_answer
from derive.export.questions import Answer

if TYPE_CHECKING:
    from derive.core.budget import Clock
    from derive.parse.domain import VarDomain
    from derive.certify.wrong import Candidate, Instances
    from derive.scalar.model import Derivation, Gradient

Fields = Mapping[str, Any]


@dataclass(frozen=True)
class Kind:
    """A built-in kind: its fields (required and optional) and the function that makes the problem."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    make: Callable[[str, Fields, str], Problem]


def _parse(text: str, what: str) -> sp.Expr:
    from derive.parse.text import parse_text

    return parse_text(text)


_PREFIX = "derive_param_"


@dataclass
class _Reader:
    """Templates read once by our parser with each ``{name}`` as a symbol, then the drawn values put in
    exactly (``xreplace``): what planning needs many times (validity, answer keys) without re-parsing."""

    where: str
    memo: dict[str, sp.Expr] = field(default_factory=dict)

    def __call__(self, template: str, d: Draw, point: int | None = None) -> sp.Expr:
        e = self.memo.get(template)
        if e is None:
            def sym(m: re.Match[str]) -> str:
                return f"({_PREFIX}{m.group(1)}" + (f"_at_{m.group(2)}" if m.group(2) else "") + ")"

            e = self.memo[template] = _parse(_FIELD.sub(sym, template), self.where)
        subs: dict[sp.Basic, sp.Basic] = {}
        for s in e.free_symbols:
            name = str(s)
            if not name.startswith(_PREFIX):
                continue
            pname, _, idx = name[len(_PREFIX):].partition("_at_")
            if pname not in d.values:
                raise UsageError(f"{self.where}: {{{pname}}} is not a parameter", hint=f"declare {pname} under params")
            v = d.values[pname]
            if isinstance(v, tuple):
                k = int(idx) if idx else point
                if k is None or not 0 <= k < len(v):
                    raise UsageError(f"{self.where}: {{{pname}}} is a vector parameter: no entry {k}")
                v = v[k]
            subs[s] = sp.Rational(number_text(v))
        return e.xreplace(subs)


def _undefined(e: sp.Expr) -> bool:
    return bool(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo))


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"{what}: expected text or a list of texts")


ENGINE_SECONDS = 240.0
"""Each engine call of a problem gets this much wall-clock time (the engines' own defaults, 30 s for least
squares, are for one interactive command; a build shares the machine, and a check cut by the clock
would leave a variant undecided)."""


def _budget() -> Budget:
    return Budget(seconds=ENGINE_SECONDS)


def _certified(result: Any, pid: str, seed: int) -> None:
    if result.verdict is Verdict.CERTIFIED:
        return
    if getattr(result, "cut_by_budget", False):
        raise BudgetExceeded(f"problem {pid} (seed {seed}): the solution was cut by a limit of the budget, "
                             "so it is not certified", hint="this variant is not shipped; rebuild it with more time")
    raise NotCertified(f"problem {pid} (seed {seed}): the solution is {result.verdict.value}, not certified",
                       hint="this variant is not shipped; constrain the parameters or report the input")


def _tolerance(fields: Fields, where: str, default: float) -> float:
    t = fields.get("tolerance", default)
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t < 1e6:
        raise UsageError(f"{where}.tolerance: expected a number >= 0")
    return float(t)


def _symbol(name: str, what: str) -> sp.Symbol:
    if not name.isidentifier():
        raise UsageError(f"{what}: {name!r} is not a variable name")
    return sp.Symbol(name)


def _named(e: sp.Expr, name: str) -> sp.Expr:
    """``e`` with its symbols compared by name (our parser's symbols carry assumptions)."""
    return e.xreplace({s: sp.Symbol(str(s)) for s in e.free_symbols if str(s) == name})


# --- derivative -------------------------------------------------------------------------------------

def derivative(pid: str, f: Fields, where: str) -> Problem:
    expr, wrt = f["expr"], f.get("wrt", "x")
    domains = _texts(f.get("where", ()), f"{where}.where")
    at = f.get("at")
    tol = _tolerance(f, where, 1e-3)  # relative, for the value at the point
    x = _symbol(wrt, f"{where}.wrt")
    reader = _Reader(where)

    def read(d: Draw) -> sp.Expr:
        return _named(reader(expr, d), wrt)

    def degenerate(d: Draw) -> str | None:
        e = read(d)
        if _undefined(e):
            return "an undefined expression (a zero denominator)"
        if x not in e.free_symbols:
            return f"an expression free of {wrt}"
        if at is not None and _undefined(sp.diff(e, x).subs(x, _rational(reader(at, d), where))):
            return f"a derivative undefined at {wrt} = {d.text(at)}"
        return None

    def solve(d: Draw) -> Solution:
        import derive

        r = derive.diff(d.expr(expr), wrt=wrt, where=list(domains), budget=_budget())
        _certified(r, pid, d.seed)
        answers = [derivative_choices(symbolic_answer("derivative", r.result), r.derivation, d.seed, domains)]
        if at is not None:
            point = _rational(reader(at, d), where)
            value = _named(r.result, wrt).subs(x, point)
            answers.append(number_answer("value", value, tolerance=tol * max(1.0, abs(float(value)))))
        return Solution(r, tuple(answers))

    question = f"Differentiate with respect to ${wrt}$" + (f", and give the derivative's value at ${wrt} = {{at_text}}$." if at else ".")
    if at is not None:
        question = question.replace("{at_text}", at)
    return Problem(id=pid, title="A derivative", question=question, math=expr, solve=solve,
                   degenerate=degenerate, key=lambda d: sp.srepr(sp.expand(sp.diff(read(d), x))))


def derivative_choices(answer: Answer, derivation: Derivation, seed: int, where: Sequence[str] = ()) -> Answer:
    """``answer`` (the derivation's result) with certified wrong choices from the derivative's common
    mistakes (``scalar.mistakes``), each written through the final steps the right one took."""
    import random

    from derive.scalar.api import read_domains
    from derive.scalar.mistakes import derivative_candidates, final_form_like

    clock = _budget().start()
    def pools() -> list[list[Candidate]]:
        return derivative_candidates(derivation.function, derivation.wrt[0], random.Random(seed), clock=clock)

    return _with_choices(answer, derivation.result, pools, clock, seed, read_domains(tuple(where)),
                         form=final_form_like(derivation, clock))


def gradient_choices(answer: Answer, gradient: Gradient, i: int, seed: int) -> Answer:
    """The ``i``-th partial's ``answer`` with certified wrong choices (the derivative's mistakes, and a
    partial's: the wrong variable, the others not held constant)."""
    import random

    from derive.scalar.mistakes import final_form_like, gradient_candidates

    clock = _budget().start()
    partials = [d.result for d in gradient.partials]
    def pools() -> list[list[Candidate]]:
        return gradient_candidates(gradient.function, gradient.variables, i, partials, random.Random(seed), clock=clock)

    return _with_choices(answer, partials[i], pools, clock, seed, {}, form=final_form_like(gradient.partials[i], clock))


def estimator_choices(param: str, estimator: sp.Expr, seed: int) -> Answer:
    """The certified estimator of ``param`` as a formula answer (``"<param> estimator"``), with certified
    wrong choices from the estimator's common mistakes (``likelihood.mistakes``: n - 1 for n, ...)."""
    import random

    from derive.likelihood.mistakes import estimator_candidates, instances

    clock = _budget().start()
    answer = symbolic_answer(f"{param} estimator", estimator)
    def pools() -> list[list[Candidate]]:
        return estimator_candidates(estimator, random.Random(seed))

    return _with_choices(answer, estimator, pools, clock, seed, {}, instances=instances)


CHOICES = 3
"""Wrong choices a multiple-choice answer gets; with fewer than 2 certified it stays a short answer."""


def _with_choices(answer: Answer, correct: sp.Expr, pools: Callable[[], Sequence[Sequence[Candidate]]],
                  clock: Clock, seed: int, domains: Mapping[str, VarDomain], *, instances: Instances | None = None,
                  form: Callable[[sp.Expr], sp.Expr] | None = None) -> Answer:
    """``answer`` with up to ``CHOICES`` certified distractors from the candidates ``pools()`` makes (their
    mistakes as feedback), typeset by our printer; with fewer than 2 it stays a short answer, and ``note``
    says how many were found (or that the time limit cut them)."""
    from dataclasses import replace

    from derive.render.notation.latex import tex
    from derive.certify.wrong import choose

    shown = functools.cache(tex)  # each choice printed once: choose compares the texts, the answer keeps them

    try:
        found = choose(correct, pools(), clock, domains=domains, seed=seed, keep=CHOICES, shown=shown,
                       form=form, instances=instances)
    except BudgetExceeded:  # the wrong choices are extra: a limit that cuts them leaves the answer as it was
        return replace(answer, note=f"wrong choices not computed (cut by the time limit, {ENGINE_SECONDS:g} s): "
                                    "a short answer")
    note = "" if len(found) >= CHOICES else f"{len(found)} certified wrong choice{'' if len(found) == 1 else 's'} " \
        f"of the {CHOICES} wanted" + ("" if len(found) >= 2 else ": too few for multiple choice, so a short answer")
    if len(found) < 2:
        return replace(answer, note=note)
    right, wrong = common_form(correct, [w.expr for w in found])
    return replace(answer, distractors=tuple(shown(w) for w in wrong), choice=shown(right),
                   mistakes=tuple(w.mistake.feedback for w in found), note=note)


def common_form(right: sp.Expr, wrong: Sequence[sp.Expr]) -> tuple[sp.Expr, list[sp.Expr]]:
    """The choices as printed: as they are when they share their shape, all expanded when they do not.

    A right answer with its common factor taken out (``2(x^2 + 3y)``) among wrong ones the factor
    does not divide would be the only product: its form alone would give it away. So when the
    choices are not all products or all not, each is printed expanded (the same value, certified
    as it was; only the printing changes)."""
    shapes = {_factored(e) for e in [right, *wrong]}
    if len(shapes) == 1:
        return right, list(wrong)
    return sp.expand(right), [sp.expand(w) for w in wrong]


def _factored(e: sp.Expr) -> bool:
    """A product with a sum in it (a factor taken out), as a teacher's factored form reads."""
    return isinstance(e, sp.Mul) and any(isinstance(a, sp.Add) for a in e.args)


# --- gradient ---------------------------------------------------------------------------------------

def gradient(pid: str, f: Fields, where: str) -> Problem:
    expr = f["expr"]
    wrt = _texts(f.get("wrt", "x,y"), f"{where}.wrt")
    hessian = bool(f.get("hessian", False))
    xs = [_symbol(w, f"{where}.wrt") for w in wrt]
    reader = _Reader(where)

    def read(d: Draw) -> sp.Expr:
        e = reader(expr, d)
        return e.xreplace({s: sp.Symbol(str(s)) for s in e.free_symbols if str(s) in wrt})

    def degenerate(d: Draw) -> str | None:
        e = read(d)
        if _undefined(e):
            return "an undefined expression (a zero denominator)"
        missing = [str(x) for x in xs if x not in e.free_symbols]
        return f"an expression free of {', '.join(missing)}" if missing else None

    def solve(d: Draw) -> Solution:
        import derive

        from derive.scalar.api import GradResult

        r = derive.grad(d.expr(expr), wrt=list(wrt), hessian=hessian, budget=_budget())
        _certified(r, pid, d.seed)
        assert isinstance(r, GradResult)  # scalar variables only: no matrix declarations reach derive.grad here
        g = r.gradient
        answers = tuple(gradient_choices(symbolic_answer(f"d/d{w}", g[i]), r.data, i, d.seed)
                        for i, w in enumerate(wrt))
        return Solution(r, answers)

    names = ", ".join(f"${w}$" for w in wrt)
    return Problem(id=pid, title="A gradient",
                   question=f"Find the gradient with respect to {names}" + (" and the Hessian." if hessian else "."),
                   math=expr, solve=solve, degenerate=degenerate,
                   key=lambda d: tuple(sp.srepr(sp.expand(sp.diff(read(d), x))) for x in xs))


# --- least squares ----------------------------------------------------------------------------------

def least_squares(pid: str, f: Fields, where: str) -> Problem:
    xs_t = f["x"]
    y_t = f["y"]
    degree = f.get("degree", 1)
    if isinstance(degree, bool) or not isinstance(degree, int) or not 1 <= degree <= 5:
        raise UsageError(f"{where}.degree: a whole number from 1 to 5")
    if not isinstance(xs_t, list) or len(xs_t) < 2 or len(xs_t) > 200:
        raise UsageError(f"{where}.x: a list of 2 to 200 numbers or templates such as \"{{x1}}\"")
    if not isinstance(y_t, str):
        raise UsageError(f"{where}.y: a template in x and the parameters, e.g. \"{{a}} + {{b}}*x + {{e}}\"")
    tol = _tolerance(f, where, 0.005)
    reader = _Reader(where)

    def data(d: Draw) -> tuple[list[sp.Rational], list[sp.Rational]]:
        xs = [_rational(reader(t, d), where) if isinstance(t, str) else sp.Rational(number_text(number(t, f"{where}.x")))
              for t in xs_t]
        ys = []
        for i, xi in enumerate(xs):
            e = _named(reader(y_t, d, point=i), "x").subs(sp.Symbol("x"), xi)
            if not e.is_Rational:
                raise UsageError(f"{where}.y: at x = {xi} the value {e} is not a number",
                                 hint="use only x and parameters in y")
            ys.append(e)
        return xs, ys

    def coefficients(d: Draw) -> tuple[sp.Rational, ...] | None:
        xs, ys = data(d)
        X = [[Fraction(int(xi.p), int(xi.q)) ** k for k in range(degree + 1)] for xi in xs]
        Y = [Fraction(int(yi.p), int(yi.q)) for yi in ys]
        b = _normal_equations(X, Y)
        return None if b is None else tuple(sp.Rational(v.numerator, v.denominator) for v in b)

    def degenerate(d: Draw) -> str | None:
        return "a singular X'X (the x values do not determine the fit)" if coefficients(d) is None else None

    def solve(d: Draw) -> Solution:
        import derive

        xs, ys = data(d)
        with tempfile.TemporaryDirectory(prefix="derive-course-") as folder:
            path = Path(folder) / f"{pid}.csv"
            path.write_text("x,y\n" + "".join(f"{_dec(a)},{_dec(b)}\n" for a, b in zip(xs, ys)), encoding="utf-8")
            terms = "x" if degree == 1 else f"poly(x, {degree})"
            r = derive.ls("ols", data=path, x=terms, y="y", intercept=True, budget=_budget())
        _certified(r, pid, d.seed)
        fit = r.data.data_fit
        if fit is None:
            raise NotCertified(f"problem {pid}: the fit on the data was not computed")
        est = fit.estimate  # the fit's numbers (what its JSON holds), without printing the whole result
        exact = coefficients(d)
        names = ["intercept"] + ["slope" if degree == 1 else f"x^{k}" for k in range(1, degree + 1)]
        answers = []
        for name, v, e in zip(names, est, exact or ()):
            if abs(float(v) - float(e)) > 1e-9 * max(1.0, abs(float(e))):  # two independent computations
                raise NotCertified(f"problem {pid}: coefficient {name} {v} differs from the exact {e}")
            answers.append(number_answer(name, float(v), tolerance=tol))
        return Solution(r, tuple(answers))

    def table(d: Draw) -> str:
        xs, ys = data(d)
        cols = "c" * len(xs)
        row_x, row_y = " & ".join(_dec(v) for v in xs), " & ".join(_dec(v) for v in ys)
        return f"\\begin{{array}}{{c|{cols}}} x & {row_x} \\\\ \\hline y & {row_y} \\end{{array}}"

    model = "a + b x" if degree == 1 else " + ".join(["b_0"] + [f"b_{k} x^{k}" for k in range(1, degree + 1)])
    p = Problem(id=pid, title="Least squares", solve=solve, degenerate=degenerate,
                question=f"Fit $y = {model}$ to the data below by least squares.",
                key=lambda d: coefficients(d), display=table, prepare=solve)
    return p


def _normal_equations(X: list[list[Fraction]], y: list[Fraction]) -> list[Fraction] | None:
    """The exact solution of X'X b = X'y (Gaussian elimination in fractions), or None when X'X is singular."""
    p = len(X[0])
    A = [[sum((row[i] * row[j] for row in X), Fraction(0)) for j in range(p)]
         + [sum((row[i] * yi for row, yi in zip(X, y)), Fraction(0))] for i in range(p)]
    for c in range(p):
        pivot = next((r for r in range(c, p) if A[r][c] != 0), None)
        if pivot is None:
            return None
        A[c], A[pivot] = A[pivot], A[c]
        for r in range(p):
            if r != c and A[r][c] != 0:
                f = A[r][c] / A[c][c]
                A[r] = [a - f * b for a, b in zip(A[r], A[c])]
    return [A[i][p] / A[i][i] for i in range(p)]


def _rational(e: sp.Expr, where: str) -> sp.Rational:
    if not e.is_Rational:
        raise UsageError(f"{where}: {e} is not a number (use only parameters and numbers)")
    return e


def _dec(v: sp.Rational) -> str:
    """An exact rational as decimal text when it has one (data are written as the author's decimals)."""
    q = sp.Rational(v)
    den = int(q.q)
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den != 1:
        return repr(float(q))
    import decimal

    return number_text(decimal.Decimal(int(q.p)) / decimal.Decimal(int(q.q)))


# --- maximum likelihood -----------------------------------------------------------------------------

def likelihood(pid: str, f: Fields, where: str) -> Problem:
    from derive.likelihood.families import expand_family

    family = f["family"]
    if not isinstance(family, str):
        raise UsageError(f"{where}.family: a family name such as 'poisson'")
    params = _texts(f.get("param", ()), f"{where}.param")
    sample_t = f["sample"]
    fam = expand_family(family, params=list(params) or None)
    space = [_space(t, where) for t in fam.where_texts]
    memo: dict[Any, Any] = {}  # this problem's symbolic estimator, derived once per problem object
    reader = _Reader(where)

    def sample(d: Draw) -> list[sp.Rational]:
        if isinstance(sample_t, str):
            name = sample_t.strip().strip("{}")
            v = d.values.get(name)
            if not isinstance(v, tuple):
                raise UsageError(f"{where}.sample: {sample_t!r} is not a vector parameter (give it a size)")
            return [sp.Rational(number_text(x)) for x in v]
        if isinstance(sample_t, list) and len(sample_t) >= 2:
            return [_rational(reader(t, d), where) if isinstance(t, str) else sp.Rational(number_text(number(t, where)))
                    for t in sample_t]
        raise UsageError(f"{where}.sample: a vector parameter's name or a list of at least 2 numbers")

    def estimates(d: Draw) -> dict[str, sp.Expr]:
        if "estimator" not in memo:
            import derive

            memo["estimator"] = derive.mle(family, params=list(params), budget=_budget()).estimator
        xs = sample(d)
        if len(xs) not in memo:  # the estimator's sums written out for this sample size, once
            memo[len(xs)] = {k: _expand(v, len(xs)) for k, v in memo["estimator"].items()}
        return {k: _evaluate(v, xs) for k, v in memo[len(xs)].items()}

    def degenerate(d: Draw) -> str | None:
        est = estimates(d)
        values = {sp.Symbol(k): v for k, v in est.items()}
        if any(v is None for v in est.values()):
            return "an estimate that is not a number on this sample"
        for c in space:
            if not c.holds({str(k): v for k, v in values.items()}):
                return "an estimate outside the parameter space"
        return None

    def solve(d: Draw) -> Solution:
        import derive

        xs = sample(d)
        with tempfile.TemporaryDirectory(prefix="derive-course-") as folder:
            path = Path(folder) / f"{pid}.csv"
            path.write_text("x\n" + "".join(f"{_dec(v)}\n" for v in xs), encoding="utf-8")
            r = derive.mle(family, params=list(params), data=path, column="x", budget=_budget())
        _certified(r, pid, d.seed)
        fitted = r.data.data
        if fitted is None:
            raise NotCertified(f"problem {pid}: the estimates on the data were not computed")
        est = {e.param: e.value for e in fitted.estimates}  # what its JSON holds, without printing the whole result
        formulas = tuple(estimator_choices(k, e, d.seed) for k, e in r.estimator.items() if e is not None)
        answers = tuple(number_answer(k, float(v), tolerance=_tolerance(f, where, 0.005)) for k, v in est.items())
        return Solution(r, formulas + answers)

    def stats(d: Draw) -> dict[str, sp.Rational]:
        xs = sample(d)
        total = sum(xs, sp.Integer(0))
        return {"n": sp.Integer(len(xs)), "sum_x": total, "mean_x": total / len(xs), "min_x": min(xs), "max_x": max(xs)}

    def table(d: Draw) -> str:
        xs = sample(d)
        return "x_1, \\ldots, x_{%d} = %s" % (len(xs), ",\\ ".join(_dec(v) for v in xs))

    p = Problem(id=pid, title="Maximum likelihood", solve=solve, degenerate=degenerate,
                question=f"The sample below is drawn from the {family} family. Derive the maximum-likelihood "
                         f"estimator of {', '.join(f'${_name_tex(q)}$' for q in fam.params)} and evaluate it on the sample.",
                key=lambda d: tuple(sorted((k, str(v)) for k, v in estimates(d).items())), display=table,
                stats=stats)
    return p


def _name_tex(name: str) -> str:
    """A parameter's name as the MLE printer writes it (lam as lambda, sigma2 as sigma squared)."""
    from derive.render.notation.latex import sample_tex

    return sample_tex(sp.Symbol(name))


def _space(text: str, where: str) -> Any:
    from derive.course.constraints import parse_constraint

    return parse_constraint(text, where)


def _expand(est: sp.Expr, n: int) -> sp.Expr:
    """The engine's estimator (SymPy, over ``x[i]`` for i = 1..n) with its sums written out for ``n``."""
    return est.xreplace({s: sp.Integer(n) for s in est.free_symbols if str(s) == "n"}).doit()


def _evaluate(e: sp.Expr, xs: Sequence[sp.Rational]) -> sp.Expr | None:
    """An expanded estimator at the sample, exactly (order statistics by their definitions)."""
    e = e.xreplace({a: xs[int(a.indices[0]) - 1] for a in e.atoms(sp.Indexed)})
    ordered = sorted(xs)
    stats = {"sample_max": ordered[-1], "sample_min": ordered[0],
             "sample_median": (ordered[(len(xs) - 1) // 2] + ordered[len(xs) // 2]) / 2}
    e = e.replace(lambda a: isinstance(a, sp.core.function.AppliedUndef) and a.func.__name__ in stats,
                  lambda a: stats[a.func.__name__])
    return e if not e.free_symbols and e.is_real else None


# --- check this derivation --------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedAnswer:
    """A ``derive.check`` report used as a worked solution: its claim is *where* the derivation fails.

    The report renders as it is (each line's mark); it counts as certified when every line is decided
    (proved, plausible, or refuted with a counterexample), since finding the wrong line is the answer.
    """

    checked: Any

    @property
    def source(self) -> str:
        return "the derivation above"

    @property
    def verdict(self) -> Verdict:
        steps = self.checked.steps
        decided = steps and all(s.certificate.certified or isinstance(s.certificate, Refuted) for s in steps)
        return Verdict.CERTIFIED if decided else Verdict.UNDECIDED

    def render(self, fmt: str = "text", **settings: Any) -> str:
        return str(self.checked.render(fmt, **settings))

    def chain_and_result_latex(self) -> tuple[str, str]:
        """The report's LaTeX chain and result parts from one walk of it (``Result.chain_and_result_latex``)."""
        chain, result = self.checked.chain_and_result_latex()
        return str(chain), str(result)


SLIP = "slip"
"""The parameter a check problem with ``slips`` draws: the step its variant plants a slip at (0: none)."""


def _slips(f: Fields, steps: int, where: str) -> dict[int, str]:
    """A check problem's ``slips`` table (step number -> the wrong line shown instead), checked."""
    slips = f.get("slips", {})
    if not isinstance(slips, dict) or not all(isinstance(v, str) for v in slips.values()):
        raise UsageError(f"{where}.slips: a table from a step number to the wrong line shown at it",
                         hint='slips = { 1 = "= ...", 2 = "= ..." }')
    out: dict[int, str] = {}
    for k, line in slips.items():
        if not str(k).isdigit() or not 1 <= int(k) <= steps:
            raise UsageError(f"{where}.slips.{k}: not a step of the derivation (steps 1..{steps})")
        out[int(k)] = line
    if out and "error_step" in f:
        raise UsageError(f"{where}: give error_step (one fixed wrong step) or slips (drawn per variant), not both")
    return out


def check_derivation(pid: str, f: Fields, where: str) -> Problem:
    """"Find the first wrong step": ``lines`` as the student wrote them, wrong at ``error_step`` (0: right);
    or ``lines`` right and ``slips`` the wrong lines a variant may show instead, one drawn per variant
    (the parameter ``slip``: each slip's step by default; a sheet may give ``params.slip`` with 0 for
    "no slip"). The answer is the first step ``derive.check`` refutes, which must be the planted one."""
    lines = f["lines"]
    if not isinstance(lines, list) or len(lines) < 2 or not all(isinstance(t, str) for t in lines):
        raise UsageError(f"{where}.lines: a list of at least two LaTeX lines (the first the start, then '= ...')")
    slips = _slips(f, len(lines) - 1, where)
    error = f.get("error_step", 0)
    if isinstance(error, bool) or not isinstance(error, int) or not 0 <= error < len(lines):
        raise UsageError(f"{where}.error_step: the step (1..{len(lines) - 1}) the derivation goes wrong at, or 0")

    def planted(d: Draw) -> int:
        if not slips:
            return error
        step = d[SLIP]
        if not isinstance(step, int) or not (step == 0 or step in slips):
            raise UsageError(f"{where}.params.{SLIP}: {step} is not a step with a slip (or 0)",
                             hint=f"steps with a slip: {', '.join(map(str, sorted(slips)))}")
        return step

    def filled(d: Draw) -> list[str]:
        shown = list(lines)
        step = planted(d)
        if slips and step:
            shown[step] = slips[step]
        return [d.text(t) for t in shown]

    def source(d: Draw) -> str:
        rows = filled(d)
        body = f"{rows[0]} &{rows[1]}" + "".join(f" \\\\\n&{t}" for t in rows[2:])
        return "\\begin{align*}\n" + body + "\n\\end{align*}\n"

    def solve(d: Draw) -> Solution:
        import derive

        r = derive.check(source(d), name="the derivation", budget=_budget())
        wrong = [i + 1 for i, s in enumerate(r.steps) if isinstance(s.certificate, Refuted)]
        found = wrong[0] if wrong else 0
        result = CheckedAnswer(r)
        if result.verdict is not Verdict.CERTIFIED:
            raise NotCertified(f"problem {pid} (seed {d.seed}): a line of the derivation could not be decided")
        expected = planted(d)
        if found != expected:
            declared = f"the slip planted at step {expected}" if slips else f"the declared error_step {expected}"
            raise NotCertified(f"problem {pid} (seed {d.seed}): the first wrong step is {found or 'none'}, "
                               f"not {declared}", hint="add a constraint that keeps the planted error visible")
        intro = (f"Step {found} is the first wrong one: line {found + 1} does not follow from line {found}."
                 if found else "Every step holds: each line follows from the one before it.")
        return Solution(result, (Answer(name="first_wrong_step", kind="numeric", value=float(found), text=str(found),
                                        latex=str(found)),), intro=intro)

    def text(d: Draw) -> str:
        rows = filled(d)
        steps = "\n\n".join(f"Step {k}: ${rows[0] if k == 1 else ''} {t}$".replace("$ ", "$", 1)
                             for k, t in enumerate(rows[1:], start=1))
        return ("A student wrote the derivation below. Check every step: which is the first wrong one "
                f"(0 if none)?\n\n{steps}")

    params = {SLIP: Choice(*sorted(slips))} if slips else {}
    return Problem(id=pid, title="Check this derivation", question="", solve=solve, ask=text, params=params)


KINDS: Mapping[str, Kind] = {
    "derivative": Kind("derivative", ("expr",), ("wrt", "where", "at", "tolerance"), derivative),
    "gradient": Kind("gradient", ("expr",), ("wrt", "hessian"), gradient),
    "least_squares": Kind("least_squares", ("x", "y"), ("degree", "tolerance"), least_squares),
    "mle": Kind("mle", ("family", "sample"), ("param", "tolerance"), likelihood),
    "check": Kind("check", ("lines",), ("error_step", "slips"), check_derivation),
}
"""The kinds a sheet's ``kind = "..."`` names."""

_ = (DeriveError, plain, Value)
