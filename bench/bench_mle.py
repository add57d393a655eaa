"""MLE and least-squares benchmark: time to the full certified derivation against the plain SymPy pipeline.

Run from the repository root:

    .venv/bin/python bench/bench_mle.py [--reps N] [--only ID ...] [--json OUT] [--no-api]
    .venv/bin/python bench/bench_mle.py --process normal [--runs 7] [--against OLD_TREE]

Items: the 15 built-in families of ``derive.likelihood.families`` and the 6 least-squares models of
``derive.ls`` (ols, simple, ridge, wls, gls, constrained). For each, in this one process:

* baseline, "the plain SymPy pipeline on the same input", no steps and no certification:
  - a family: its density text parsed by ``derive.parse.auto.parse_expression`` with the same
    domains as ``derive mle`` (parameter space and the support's variable domain), then
    ``l = Sum(log(f(x[i])), (i, 1, n))`` with ``x`` an ``IndexedBase``, ``s = diff(l, p)`` for every
    parameter and ``solve(scores, params)``;
  - a matrix model: its objective built by the model class (``derive.lsq.models``), converted by
    ``derive.matrix.sympy_form.to_sympy(native=True)`` to MatrixSymbols, ``.diff(b)`` and
    ``solve(gradient, b)``; simple regression: ``Sum((y[i] - a - b x[i])^2)``, ``diff`` in a and b,
    ``solve``;
  the whole baseline (parse + diff + solve) is timed; ``solve`` runs under a SIGALRM limit of
  SOLVE_SECONDS in this process (no fork, so the baseline pays no process start-up);
* ours: the API's job function called directly, ``derive.likelihood.api.mle_job`` (parse, density check,
  derivation, certification with the comparison against scipy's numeric maximization) or
  ``derive.lsq.api.ls_job`` (derivation, certification, the comparisons with
  numpy's lstsq), under the budget the API uses by default;
* both sides clear SymPy's cache before every repetition (outside the timed region) and take the
  median of N repetitions (default 3) with ``time.perf_counter``; the ratio is ours/baseline;
* once per item, not in the ratio: the public API ``derive.mle(name)`` / ``derive.ls(model)``,
  which runs the same job in a forked budget worker (the worker's start-up included).

Stage times of ours (parse, engine, certify) come from wrapping, for the timed runs, the module
attributes the job functions import when called; the total is the job itself. The same wrapping
records the Python calls of every part that runs under the work allowance (``Budget.max_work``,
``derive.core.work.run_counted``): the largest part that finished shows the allowance's margin,
and a part cut at the allowance is listed with the "not computed (work limit)" label it prints.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: make ``derive`` importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

import derive
from derive.lsq.api import ls_job
from derive.likelihood.api import MleRequest, mle_job
from derive.core.budget import Budget
from derive.lsq.models import model_class
from derive.likelihood.sample import I, N
from derive.matrix import expr as M
from derive.matrix.sympy_form import to_sympy
from derive.core.contract import Plausible, Proved, Refuted, is_certified
from derive.parse.auto import parse_expression
from derive.likelihood.families import Family, expand_family, family_names
from derive.likelihood.space import parse_space
from derive.likelihood.support import parse_support, variable_domain

SOLVE_SECONDS = 10.0
MLE_BUDGET = Budget(seconds=90.0)  # what derive.mle uses when no budget is given
LS_BUDGET = Budget()  # what derive.ls uses when no budget is given
HARD_LIMIT_SLACK = 15.0  # SIGALRM on top of the budget, in case a SymPy call ignores the clock
NUMERIC_MAX_CHECK = "numeric maximization"
SYMPY_COMPARISON = "agrees with SymPy's MatrixSymbol.diff"
LS_MODELS = ("ols", "simple", "ridge", "wls", "gls", "constrained")

NO_CLOSED_FORM = frozenset({"gamma", "beta", "weibull"})
"""Families whose MLE has no closed form (the score equations need a numeric root)."""

EXPECTED_METHOD = {
    "laplace": "subgradient (the median)",
    "uniform": "boundary (the sample maximum)",
    "pareto": "boundary for xm (the sample minimum), calculus for alpha",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One benchmark item: a family name (kind ``mle``) or a least-squares model (kind ``ls``)."""

    id: str
    kind: str
    closed_form_exists: bool
    expected: str


ITEMS: tuple[Item, ...] = (
    *(Item(f, "mle", f not in NO_CLOSED_FORM,
           "no closed form" if f in NO_CLOSED_FORM else EXPECTED_METHOD.get(f, "calculus"))
      for f in family_names()),
    *(Item(m, "ls", True, "closed form (normal equations)" if m != "constrained" else "closed form (KKT system)")
      for m in LS_MODELS),
)


# -- a hard wall-clock limit for one call (SIGALRM; main thread only) ---------------------------


from _harness import Timeout, time_limit  # noqa: E402
from _harness import innermost_derive_frame, percentile, source_fingerprint  # noqa: E402  (bench/ is the script folder)


# -- stage times of the job functions ----------------------------------------------------------

MLE_STAGES: tuple[tuple[str, str, str], ...] = (
    ("derive.likelihood.read", "read_problem", "parse"),
    ("derive.likelihood.density", "check_density", "density check"),
    ("derive.likelihood.derivation", "derive_mle", "engine"),
    ("derive.likelihood.certify", "certify_mle", "certify"),
)
LS_STAGES: tuple[tuple[str, str, str], ...] = (
    ("derive.matrix.gradient", "matrix_gradient", "engine"),
    ("derive.matrix.certify", "certify_matrix_gradient", "certify"),
    ("derive.lsq.certify", "certify_consequence", "certify"),
    ("derive.lsq.certify", "solver_checks", "solver checks"),
)
SIMPLE_STAGES: tuple[tuple[str, str, str], ...] = (
    ("derive.lsq.simple", "simple_regression", "engine"),
    ("derive.lsq.certify_simple", "certify_steps", "certify"),
    ("derive.lsq.certify_simple", "solver_checks", "solver checks"),
)


@contextmanager
def work_counts(into: list[tuple[int, bool]]) -> Iterator[None]:
    """Record ``(calls, cut)`` of every part run under the work allowance (``derive.core.work.run_counted``)."""
    import importlib

    saved = []
    for mod_name in ("derive.likelihood.fisher", "derive.likelihood.certify"):
        mod = importlib.import_module(mod_name)
        original = mod.run_counted

        def counted(fn: Callable[[], Any], allowance: int, original: Any = original) -> Any:
            out = original(fn, allowance)
            into.append((out.calls, out.cut))
            return out

        saved.append((mod, original))
        mod.run_counted = counted
    try:
        yield
    finally:
        for mod, original in saved:
            mod.run_counted = original


@contextmanager
def stage_timers(spec: Sequence[tuple[str, str, str]], into: dict[str, float]) -> Iterator[None]:
    """Wrap ``module.attr`` for each entry so that time spent in it adds to ``into[stage]``.

    Only the outermost wrapped call counts (a certifier calling a wrapped parser is not counted
    twice). The job functions import these names when called, so the wrappers are what they run.
    """
    import importlib

    depth = [0]
    saved: list[tuple[Any, str, Any]] = []

    def wrap(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into[stage] = into.get(stage, 0.0) + time.perf_counter() - t0
                depth[0] -= 1
        return timed

    try:
        for mod_name, attr, stage in spec:
            mod = importlib.import_module(mod_name)
            original = getattr(mod, attr)
            saved.append((mod, attr, original))
            setattr(mod, attr, wrap(original, stage))
        yield
    finally:
        for mod, attr, original in reversed(saved):
            setattr(mod, attr, original)


# -- the baselines -----------------------------------------------------------------------------


@dataclass(slots=True)
class Baseline:
    """What the plain SymPy pipeline gave: its answer (or failure) and its scores/gradient."""

    answer: Any = None
    failure: BaseException | None = None
    derivative: Any = None
    stages: dict[str, float] = field(default_factory=dict)


def mle_inputs(fam: Family) -> dict[str, Any]:
    """The domains ``derive mle`` gives the family's symbols: parameter space, then each support's variable."""
    declared, _constraints = parse_space(fam.all_where_texts())
    domains = {d.name: d for d in declared}
    supports = [parse_support(t, domains, var=v) for t, v in zip(fam.support_texts, fam.vars)]
    return {**domains, **{s.var: variable_domain(s) for s in supports}}


def mle_baseline(fam: Family, domains: Mapping[str, Any]) -> Baseline:
    """Parse the density, build the log-likelihood as a Sum, differentiate, solve."""
    out = Baseline()
    t0 = time.perf_counter()
    f = parse_expression(fam.density_text, domains)
    t1 = time.perf_counter()
    by_name = {s.name: s for s in f.free_symbols}
    params = [by_name[p] for p in fam.params if p in by_name]
    obs = {by_name[v]: sp.IndexedBase(v)[I] for v in fam.vars if v in by_name}
    loglik = sp.Sum(sp.log(f.xreplace(obs)), (I, 1, N))
    scores = [sp.diff(loglik, p) for p in params]
    out.derivative = scores
    t2 = time.perf_counter()
    try:
        with time_limit(SOLVE_SECONDS):
            out.answer = sp.solve(scores, params, dict=True)
    except (Exception, Timeout) as exc:  # SymPy failing is a figure, not an error of ours
        out.failure = exc
    t3 = time.perf_counter()
    out.stages = {"parse": t1 - t0, "diff": t2 - t1, "solve": t3 - t2}
    return out


def ls_baseline(kind: str) -> Baseline:
    """Build the objective, convert to MatrixSymbols, ``.diff(b)``, solve the gradient for b."""
    out = Baseline()
    model = model_class(kind)()
    t0 = time.perf_counter()
    f = model.objective()
    expr = to_sympy(f, native=True)
    b = model.symbols()["b"]
    bs = sp.MatrixSymbol(b.name, b.rows, b.cols)
    t1 = time.perf_counter()
    try:
        with time_limit(SOLVE_SECONDS):
            out.derivative = expr.diff(bs)
    except (Exception, Timeout) as exc:
        out.failure = exc
    t2 = time.perf_counter()
    if out.failure is None:
        try:
            with time_limit(SOLVE_SECONDS):
                out.answer = sp.solve(out.derivative, bs, dict=True)
        except (Exception, Timeout) as exc:
            out.failure = exc
    t3 = time.perf_counter()
    out.stages = {"parse": t1 - t0, "diff": t2 - t1, "solve": t3 - t2}
    return out


def simple_baseline() -> Baseline:
    """``Sum((y[i] - a - b x[i])^2)``, its partial derivatives in a and b, and ``solve``."""
    out = Baseline()
    t0 = time.perf_counter()
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    objective = sp.Sum((y[I] - a - b * x[I]) ** 2, (I, 1, N))
    t1 = time.perf_counter()
    grads = [sp.diff(objective, a), sp.diff(objective, b)]
    out.derivative = grads
    t2 = time.perf_counter()
    try:
        with time_limit(SOLVE_SECONDS):
            out.answer = sp.solve(grads, [a, b], dict=True)
    except (Exception, Timeout) as exc:
        out.failure = exc
    t3 = time.perf_counter()
    out.stages = {"parse": t1 - t0, "diff": t2 - t1, "solve": t3 - t2}
    return out


# -- measurement -------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Every figure measured for one item (``None`` where the item did not get that far)."""

    id: str
    kind: str
    input: str
    closed_form_exists: bool
    expected: str
    baseline_s: float | None = None
    baseline_stages_s: dict[str, float] = field(default_factory=dict)
    baseline_status: str = ""
    baseline_short: str = ""
    baseline_answer: str = ""
    baseline_derivative: str = ""
    baseline_found: bool | None = None
    full_s: float | None = None
    full_min_s: float | None = None
    full_max_s: float | None = None
    full_stages_s: dict[str, float] = field(default_factory=dict)
    ratio: float | None = None
    api_s: float | None = None
    api_error: str = ""
    closed_form: bool | None = None
    method: str = ""
    estimator: list[str] = field(default_factory=list)
    certified: bool | None = None
    uncertified: list[str] = field(default_factory=list)
    refuted: list[str] = field(default_factory=list)
    checks: list[list[str]] = field(default_factory=list)
    not_computed: list[str] = field(default_factory=list)
    work_calls: list[int] = field(default_factory=list)
    work_cut: int = 0
    numeric_agrees: bool | None = None
    numeric_check: str = ""
    numeric_detail: str = ""
    sympy_diff_status: str = ""
    error_stage: str = ""
    error_type: str = ""
    error: str = ""
    error_at: str = ""

    def flags(self) -> list[str]:
        """Why this item is listed as a finding (empty if it is not)."""
        out: list[str] = []
        if self.error_type:
            out.append(f"error in {self.error_stage}: {self.error_type}")
        if self.api_error:
            out.append("API error")
        if self.closed_form is False and self.closed_form_exists:
            out.append("closed form not found")
        if self.closed_form is True and not self.closed_form_exists:
            out.append("closed form claimed where none exists")
        if self.numeric_agrees is False:
            out.append("numeric check refuted")
        elif self.numeric_agrees is None and self.closed_form:
            out.append("numeric check undecided")
        if self.refuted:
            out.append(f"{len(self.refuted)} refuted")
        if self.certified is False:
            out.append("uncertified")
        return out






def _one_line(text: object, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


def _describe(v: object) -> str:
    return str(v.describe()) if hasattr(v, "describe") else str(v)


def _verdict_kind(v: object) -> str:
    return type(v).__name__ if v is not None else "none"


def time_baseline(run: Callable[[], Baseline], reps: int) -> tuple[float, dict[str, float], Baseline]:
    """Median time of the baseline (to its answer or its failure), median stages, the last outcome."""
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    last = Baseline()
    for _ in range(reps):
        clear_cache()
        t0 = time.perf_counter()
        last = run()
        totals.append(time.perf_counter() - t0)
        for k, v in last.stages.items():
            stages.setdefault(k, []).append(v)
        if isinstance(last.failure, Timeout):
            break
    return statistics.median(totals), {k: statistics.median(v) for k, v in stages.items()}, last


class StageFailure(Exception):
    """A timed run failed: the original exception is ``__cause__``."""


def time_ours(job: Callable[[], Any], spec: Sequence[tuple[str, str, str]], reps: int, limit: float
              ) -> tuple[Any, list[float], dict[str, float]]:
    """Run the job ``reps`` times with a cleared cache: last value, totals, median stage times."""
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    value: Any = None
    for _ in range(reps):
        clear_cache()
        into: dict[str, float] = {}
        with stage_timers(spec, into):
            t0 = time.perf_counter()
            try:
                with time_limit(limit):
                    value = job()
            except (Exception, Timeout) as exc:
                raise StageFailure() from exc
            total = time.perf_counter() - t0
        totals.append(total)
        into["other"] = max(0.0, total - sum(into.values()))
        for k, v in into.items():
            stages.setdefault(k, []).append(v)
    return value, totals, {k: statistics.median(v) for k, v in stages.items()}


def _classify_baseline(r: Result, base: Baseline) -> None:
    """Status of SymPy's solve: no solution ([]), raises, timeout, or a solution (found or not)."""
    if base.derivative is not None:
        r.baseline_derivative = _one_line(sp.sstr(base.derivative), 400)
    if base.failure is not None:
        kind = "timeout" if isinstance(base.failure, Timeout) else "raises"
        r.baseline_status = f"{kind}: {type(base.failure).__name__}: {_one_line(base.failure, 140)}"
        r.baseline_short = f"{kind} ({type(base.failure).__name__})"
        r.baseline_found = False
        return
    if not base.answer:
        r.baseline_status = "no solution ([])"
        r.baseline_short = "[]"
        r.baseline_found = False
        return
    r.baseline_answer = _one_line(sp.sstr(base.answer), 400)
    r.baseline_status = f"{len(base.answer)} solution(s)"
    r.baseline_short = r.baseline_status
    r.baseline_found = None  # decided against ours below, where ours has an estimator


def _same(a: sp.Expr, b: sp.Expr) -> bool | None:
    """Whether two estimators are equal, with the samples matched by name (simplify, 10 s); None if undecided."""
    names = {s.label.name if hasattr(s, "label") else str(s): s for s in a.atoms(sp.IndexedBase)}
    b = b.xreplace({s: names[str(s.label)] for s in b.atoms(sp.IndexedBase) if str(s.label) in names})
    sa = {s.name: s for s in a.free_symbols if isinstance(s, sp.Symbol)}
    b = b.xreplace({s: sa[s.name] for s in b.free_symbols if isinstance(s, sp.Symbol) and s.name in sa})
    try:
        with time_limit(10.0):
            return bool(sp.simplify(a - b) == 0) or None
    except (Exception, Timeout):
        return None


def _mle_request(name: str) -> MleRequest:
    return MleRequest(name, (), None, None, (), None, (), None, None, (), 0)


def _record_mle(r: Result, d: Any, base: Baseline) -> None:
    r.closed_form = bool(d.closed_form)
    r.method = str(d.method)
    r.estimator = [f"{p} = {'(no closed form)' if v is None else sp.sstr(v)}"
                   for p, v in zip(d.problem.params, d.estimator)]
    r.certified = bool(d.certified)
    r.uncertified = [f"step {k} ({s.kind}: {s.title}): {_describe(s.certificate) if s.certificate else 'no certificate'}"
                     for k, s in enumerate(d.steps, start=1) if not is_certified(s.certificate)]
    r.uncertified += [f"check '{c.name}': {_describe(c.certificate)}" for c in d.checks
                      if c.required and not is_certified(c.certificate)]
    r.not_computed = [f"{c.name}: {_describe(c.certificate)}" for c in d.checks
                      if not c.required and not is_certified(c.certificate)]
    r.refuted = [f"step {k} ({s.kind}: {s.title})" for k, s in enumerate(d.steps, start=1)
                 if isinstance(s.certificate, Refuted)]
    r.refuted += [f"check '{c.name}'" for c in d.checks if isinstance(c.certificate, Refuted)]
    r.checks = [[c.name, _verdict_kind(c.certificate), _one_line(c.detail, 200)] for c in d.checks]
    check = next((c for c in d.checks if c.name == NUMERIC_MAX_CHECK), None)
    if check is None:
        r.numeric_check = "absent"
    else:
        r.numeric_check = f"{_verdict_kind(check.certificate)}: {_one_line(_describe(check.certificate), 200)}"
        r.numeric_detail = _one_line(check.detail, 200)
        r.numeric_agrees = (True if isinstance(check.certificate, (Proved, Plausible)) else
                            False if isinstance(check.certificate, Refuted) else None)
    if r.baseline_found is None and base.answer:
        first = base.answer[0]
        found: list[bool | None] = []
        for p, v in zip(d.problem.params, d.estimator):
            theirs = next((val for key, val in first.items() if getattr(key, "name", None) == p.name), None)
            found.append(None if v is None or theirs is None else _same(v, theirs))
        r.baseline_found = all(found) if all(f is not None for f in found) else None


def _record_ls(r: Result, sol: Any) -> None:
    simple = r.id == "simple"
    if simple:
        r.closed_form = sol.slope is not None and sol.intercept is not None
        r.method = "summation form, normal equations"
        r.estimator = [f"{sol.names.b} = {sp.sstr(sol.slope)}", f"{sol.names.a} = {sp.sstr(sol.intercept)}"]
        r.uncertified = [f"step {k} ({s.rule}): probe {_describe(s.probe)}; proof {_describe(s.proof)}"
                         for k, s in enumerate(sol.steps, start=1) if not s.certified]
        r.refuted = [f"step {k} ({s.rule})" for k, s in enumerate(sol.steps, start=1)
                     if isinstance(s.probe, Refuted) or isinstance(s.proof, Refuted)]
    else:
        from derive.matrix.expr import plain

        r.closed_form = sol.estimator is not None
        r.method = "matrix differentials, stationary point"
        r.estimator = [f"{sol.model.names['b']} = {plain(sol.estimator)}"] if sol.estimator is not None else []
        g = sol.derivation
        r.uncertified = [f"step {k} ({s.rule}): {_describe(s.certificate) if s.certificate else 'no certificate'}"
                         for k, s in enumerate(g.steps + g.hessian_steps, start=1) if not is_certified(s.certificate)]
        r.uncertified += [f"check '{c.name}': {_describe(c.certificate)}" for c in g.checks
                          if c.required and not is_certified(c.certificate)]
        if g.stationary is not None and not is_certified(g.stationary.certificate):
            r.uncertified.append(f"stationary point: {_describe(g.stationary.certificate)}")
        r.uncertified += [f"{c.name}: {_describe(c.certificate)}" for c in sol.consequences + sol.solve_steps
                          if not is_certified(c.certificate)]
        r.refuted = [f"step {k} ({s.rule})" for k, s in enumerate(g.steps + g.hessian_steps, start=1)
                     if isinstance(s.certificate, Refuted)]
        r.refuted += [f"check '{c.name}'" for c in g.checks if c.required and isinstance(c.certificate, Refuted)]
        r.refuted += [c.name for c in sol.consequences + sol.solve_steps if isinstance(c.certificate, Refuted)]
        cmp = next((c.certificate for c in g.checks if c.name == SYMPY_COMPARISON), None)
        r.sympy_diff_status = "no comparison" if cmp is None else f"{_verdict_kind(cmp)}: {_one_line(_describe(cmp), 160)}"
    r.certified = bool(sol.certified)
    r.uncertified += [f"check '{c.name}': {_describe(c.certificate)}" for c in sol.checks
                      if not is_certified(c.certificate)]
    r.refuted += [f"check '{c.name}'" for c in sol.checks if isinstance(c.certificate, Refuted)]
    r.checks = [[c.name, _verdict_kind(c.certificate), _one_line(_describe(c.certificate), 200)] for c in sol.checks]
    agree = [(c.name, c.certificate) for c in sol.checks if c.name.startswith("agrees with")]
    if not agree:
        r.numeric_check = "absent"
    else:
        r.numeric_check = "; ".join(f"{n}: {_verdict_kind(v)}" for n, v in agree)
        r.numeric_agrees = (False if any(isinstance(v, Refuted) for _, v in agree) else
                            True if all(is_certified(v) for _, v in agree) else None)


def run_item(item: Item, reps: int, api: bool) -> Result:
    """Baseline, ours (timed), the API once: every figure for one item."""
    stage = "prepare"
    try:
        if item.kind == "mle":
            fam = expand_family(item.id)
            text = (f"{fam.density_text}; params {', '.join(fam.params)}; support {', '.join(fam.support_texts)}; "
                    f"where {', '.join(fam.all_where_texts())}")
        elif item.id == "simple":
            text = "minimize Sum((y[i] - a - b x[i])^2, (i, 1, n)) over a, b"
        else:
            m = model_class(item.id)()
            decls = [d.describe() for d in m.declarations()] + [d.describe() for d in m.domains().values()]
            text = f"minimize {M.plain(m.objective())} over {m.names['b']}; {'; '.join(decls)}"
    except Exception as exc:  # noqa: BLE001 - recorded below
        r = Result(item.id, item.kind, "", item.closed_form_exists, item.expected)
        r.error_stage, r.error_type, r.error = stage, type(exc).__name__, _one_line(exc)
        r.error_at = innermost_derive_frame(exc)
        return r
    r = Result(item.id, item.kind, text, item.closed_form_exists, item.expected)
    base = Baseline()
    try:
        stage = "baseline"
        if item.kind == "mle":
            domains = mle_inputs(fam)
            run_base: Callable[[], Baseline] = lambda: mle_baseline(fam, domains)  # noqa: E731
        elif item.id == "simple":
            run_base = simple_baseline
        else:
            run_base = lambda: ls_baseline(item.id)  # noqa: E731
        r.baseline_s, r.baseline_stages_s, base = time_baseline(run_base, reps)
        _classify_baseline(r, base)

        stage = "ours"
        if item.kind == "mle":
            req = _mle_request(item.id)
            job: Callable[[], Any] = lambda: mle_job(req, MLE_BUDGET)  # noqa: E731
            spec, limit = MLE_STAGES, MLE_BUDGET.seconds + HARD_LIMIT_SLACK
        elif item.id == "simple":
            job = lambda: ls_job("simple", (), None, LS_BUDGET)  # noqa: E731
            spec, limit = SIMPLE_STAGES, LS_BUDGET.seconds + HARD_LIMIT_SLACK
        else:
            job = lambda: ls_job(item.id, (), None, LS_BUDGET)  # noqa: E731
            spec, limit = LS_STAGES, LS_BUDGET.seconds + HARD_LIMIT_SLACK
        parts: list[tuple[int, bool]] = []
        with work_counts(parts):
            value, totals, r.full_stages_s = time_ours(job, spec, reps, limit)
        per_rep = len(parts) // reps  # every repetition runs the same parts (the cache is cleared before each)
        r.work_calls = sorted({c for c, cut in parts[:per_rep] if not cut}, reverse=True)
        r.work_cut = sum(1 for _, cut in parts[:per_rep] if cut)
        r.full_s, r.full_min_s, r.full_max_s = statistics.median(totals), min(totals), max(totals)
        if r.baseline_s:
            r.ratio = r.full_s / r.baseline_s
        stage = "record"
        if item.kind == "mle":
            _record_mle(r, value, base)
        else:
            _record_ls(r, value)
            if r.baseline_found is None and base.answer:
                r.baseline_found = None  # SymPy answered; not compared (it never does on these models)
    except (Exception, Timeout) as exc:  # an error is a finding: record it, keep going
        cause: BaseException = exc.__cause__ if isinstance(exc, StageFailure) and exc.__cause__ else exc
        r.error_stage = stage
        r.error_type = type(cause).__name__
        r.error = _one_line(cause)
        r.error_at = innermost_derive_frame(cause)
    if api:
        clear_cache()  # the worker is forked: it inherits this process's cache
        t0 = time.perf_counter()
        try:
            if item.kind == "mle":
                derive.mle(item.id, budget=MLE_BUDGET)
            else:
                derive.ls(item.id, budget=LS_BUDGET)
            r.api_s = time.perf_counter() - t0
        except Exception as exc:  # noqa: BLE001 - recorded as a finding
            r.api_error = f"{type(exc).__name__}: {_one_line(exc, 200)}"
    return r


# -- summary -----------------------------------------------------------------------------------




def _stats(vals: Sequence[float]) -> dict[str, float | int | None]:
    return {"n": len(vals), "median": statistics.median(vals) if vals else None,
            "p95": percentile(vals, 95) if vals else None, "max": max(vals) if vals else None}


def _share(k: int, n: int) -> str:
    return f"{k}/{n} = {100 * k / n:.0f}%" if n else "n/a"


def _group(results: Sequence[Result]) -> dict[str, Any]:
    exists = [r for r in results if r.closed_form_exists]
    with_cf = [r for r in results if r.closed_form]
    return {
        "items": len(results),
        "errors": [r.id for r in results if r.error_type],
        "api_errors": [r.id for r in results if r.api_error],
        "closed_form_exists": len(exists),
        "closed_form_found": sum(1 for r in exists if r.closed_form),
        "closed_form_missed": [r.id for r in exists if not r.closed_form],
        "closed_form_claimed_without_one": [r.id for r in results if r.closed_form and not r.closed_form_exists],
        "numeric_checked": len(with_cf),
        "numeric_agrees": sum(1 for r in with_cf if r.numeric_agrees is True),
        "numeric_refuted": [r.id for r in results if r.numeric_agrees is False],
        "numeric_undecided": [r.id for r in with_cf if r.numeric_agrees is None],
        "certified": sum(1 for r in results if r.certified),
        "not_computed": {r.id: r.not_computed for r in results if r.not_computed},
        "work_largest_part": max((c for r in results for c in r.work_calls), default=None),
        "work_parts_cut": sum(r.work_cut for r in results),
        "uncertified": [r.id for r in results if r.certified is False],
        "baseline_found": sum(1 for r in results if r.baseline_found),
        "baseline_status": {s: sum(1 for r in results if r.baseline_short == s)
                            for s in sorted({r.baseline_short for r in results})},
        "refuted": {r.id: r.refuted for r in results if r.refuted},
        "full_ms": _stats([1e3 * r.full_s for r in results if r.full_s is not None]),
        "baseline_ms": _stats([1e3 * r.baseline_s for r in results if r.baseline_s is not None]),
        "ratio": _stats([r.ratio for r in results if r.ratio is not None]),
        "api_ms": _stats([1e3 * r.api_s for r in results if r.api_s is not None]),
        "api_over_full": _stats([r.api_s / r.full_s for r in results if r.api_s and r.full_s]),
    }


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """Headline figures for all items, the families and the least-squares models."""
    stage_tot: dict[str, float] = {}
    for r in results:
        if r.kind == "mle":
            for k, v in r.full_stages_s.items():
                stage_tot[k] = stage_tot.get(k, 0.0) + v
    total = sum(stage_tot.values())
    return {
        "all": _group(results),
        "mle": _group([r for r in results if r.kind == "mle"]),
        "ls": _group([r for r in results if r.kind == "ls"]),
        "mle_stage_share": {k: v / total for k, v in stage_tot.items()} if total else {},
    }


def _fmt(v: object, spec: str = "") -> str:
    if v is None:
        return "n/a"
    return format(v, spec) if spec else str(v)


def _st(d: Mapping[str, Any], spec: str) -> str:
    return f"{_fmt(d['median'], spec)} / {_fmt(d['p95'], spec)} / {_fmt(d['max'], spec)}"


def report(results: Sequence[Result], command: str, reps: int, elapsed: float) -> None:
    """Print the per-item table, the summary, the findings and the command."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=220)
    s = summary(results)
    console.print(
        f"[bold]derive MLE / least-squares benchmark[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
        f"{platform.machine()} {platform.system()}; reps={reps}; wall {elapsed:.1f} s; "
        f"derive/ tree {source_fingerprint()}")

    t = Table(title="Per item (ours: the job function in this process; times: median of reps, cache cleared; "
              "ratio = ours / plain SymPy pipeline)")
    cols = ("id", "closed form exists", "found", "method", "numeric check", "certified", "SymPy solve",
            "SymPy found", "SymPy ms", "ours ms", "ratio", "API ms", "estimator")
    for col in cols:
        t.add_column(col, justify="right" if "ms" in col or col == "ratio" else "left",
                     no_wrap=col != "estimator", overflow="fold")
    yn = {True: "yes", False: "[red]no[/red]", None: "[yellow]?[/yellow]"}
    for r in results:
        if r.error_type:
            t.add_row(r.id, "yes" if r.closed_form_exists else "no", "", "", "", "[red]ERROR[/red]",
                      escape(r.baseline_short), yn[r.baseline_found] if r.baseline_status else "",
                      _fmt(None if r.baseline_s is None else 1e3 * r.baseline_s, ".1f"), "", "",
                      _fmt(None if r.api_s is None else 1e3 * r.api_s, ".0f"),
                      escape(f"{r.error_stage}: {r.error_type}: {r.error[:120]}"))
            continue
        found = {True: "yes", False: "no" if not r.closed_form_exists else "[red]no[/red]", None: "?"}[r.closed_form]
        if r.closed_form and not r.closed_form_exists:
            found = "[red]yes[/red]"
        num = ({True: "agrees", False: "[red]refuted[/red]", None: "[yellow]n/a[/yellow]"}[r.numeric_agrees]
               if r.closed_form else "n/a (no closed form)")
        t.add_row(r.id, "yes" if r.closed_form_exists else "no", found, escape(r.method), num, yn[r.certified],
                  escape(r.baseline_short), yn[r.baseline_found],
                  _fmt(None if r.baseline_s is None else 1e3 * r.baseline_s, ".1f"),
                  _fmt(None if r.full_s is None else 1e3 * r.full_s, ".0f"), _fmt(r.ratio, ".0f"),
                  _fmt(None if r.api_s is None else 1e3 * r.api_s, ".0f") if not r.api_error else "[red]error[/red]",
                  escape("; ".join(r.estimator)))
    console.print(t)

    st = Table(title="Where the time goes, ours (median ms per stage) and the baseline (parse / diff / solve)")
    for col in ("id", "ours ms", "parse", "density check", "engine", "certify", "solver checks", "other",
                "SymPy ms", "parse ", "diff", "solve"):
        st.add_column(col, justify="left" if col == "id" else "right")
    for r in results:
        fs, bs = r.full_stages_s, r.baseline_stages_s
        st.add_row(r.id, _fmt(None if r.full_s is None else 1e3 * r.full_s, ".0f"),
                   *(_fmt(1e3 * fs[k], ".0f") if k in fs else "" for k in
                     ("parse", "density check", "engine", "certify", "solver checks", "other")),
                   _fmt(None if r.baseline_s is None else 1e3 * r.baseline_s, ".1f"),
                   *(_fmt(1e3 * bs[k], ".1f") if k in bs else "" for k in ("parse", "diff", "solve")))
    console.print(st)

    sm = Table(title="Summary")
    sm.add_column("figure")
    for g in ("all", "mle", "ls"):
        sm.add_column({"all": "all items", "mle": "15 families", "ls": "6 LS models"}[g], justify="right")
    groups = [s["all"], s["mle"], s["ls"]]

    def row(label: str, fn: Callable[[Mapping[str, Any]], str]) -> None:
        sm.add_row(label, *(fn(g) for g in groups))

    row("items / errors", lambda g: f"{g['items']} / {len(g['errors'])}")
    row("ours ms: median / p95 / max", lambda g: _st(g["full_ms"], ".0f"))
    row("plain SymPy ms: median / p95 / max", lambda g: _st(g["baseline_ms"], ".1f"))
    row("ratio ours/SymPy: median / p95 / max", lambda g: _st(g["ratio"], ".0f"))
    row("closed form found where one exists", lambda g: _share(g["closed_form_found"], g["closed_form_exists"]))
    row("closed form claimed where none exists", lambda g: str(len(g["closed_form_claimed_without_one"])))
    row("agrees with the numeric solver (of closed forms)", lambda g: _share(g["numeric_agrees"], g["numeric_checked"]))
    row("  refuted / undecided", lambda g: f"{len(g['numeric_refuted'])} / {len(g['numeric_undecided'])}")
    row("every step and check certified", lambda g: _share(g["certified"], g["items"]))
    row("optional parts not computed (work limit)",
        lambda g: "; ".join(f"{k}: {len(v)}" for k, v in g["not_computed"].items()) or "0")
    row(f"largest counted part, Python calls (allowance {MLE_BUDGET.max_work:,})",
        lambda g: _fmt(g["work_largest_part"], ","))
    row("plain SymPy found the estimator", lambda g: _share(g["baseline_found"], g["items"]))
    row("  its solve: " + " / ".join(sorted(a_status := {k for g in groups for k in g["baseline_status"]})),
        lambda g: " / ".join(str(g["baseline_status"].get(k, 0)) for k in sorted(a_status)))
    row("items with a refuted step or check", lambda g: str(len(g["refuted"])))
    row("API (worker, 1 run) ms: median / p95 / max", lambda g: _st(g["api_ms"], ".0f"))
    row("API / ours in-process: median", lambda g: _fmt(g["api_over_full"]["median"], ".2f"))
    console.print(sm)
    for r in results:
        if r.sympy_diff_status:
            console.print(f"{r.id}: SymPy's MatrixSymbol.diff, as derive's certificate compares it: "
                          f"{escape(r.sympy_diff_status)}; baseline gradient: {escape(r.baseline_derivative[:120])}")
    for r in results:
        if r.work_calls or r.work_cut:
            console.print(f"{r.id}: counted parts (Python calls) {', '.join(f'{c:,}' for c in r.work_calls) or '-'}"
                          + (f"; {r.work_cut} cut at the allowance: {escape('; '.join(r.not_computed))}"
                             if r.work_cut else ""))
    shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(s["mle_stage_share"].items(), key=lambda kv: -kv[1]))
    console.print(f"families, ours by stage over all 15: {shares}")
    a = s["all"]
    console.print(
        f"targets: closed form where one exists 100%: "
        f"{'met' if a['closed_form_found'] == a['closed_form_exists'] else 'NOT met'} "
        f"({_share(a['closed_form_found'], a['closed_form_exists'])}); agreement with the numeric solver, all: "
        f"{'met' if a['numeric_agrees'] == a['numeric_checked'] else 'NOT met'} "
        f"({_share(a['numeric_agrees'], a['numeric_checked'])})")

    flagged = [r for r in results if r.flags()]
    ft = Table(title=f"Findings: {len(flagged)} item(s) erroring, missing a closed form, refuted or uncertified",
               show_lines=True)
    ft.add_column("id", no_wrap=True)
    ft.add_column("flags")
    ft.add_column("reason")
    for r in flagged:
        reasons: list[str] = []
        if r.error_type:
            reasons.append(f"{r.error_type}: {r.error} (at {r.error_at})")
        if r.api_error:
            reasons.append(f"API: {r.api_error}")
        if r.numeric_agrees is not True and r.closed_form:
            reasons.append(f"numeric check: {r.numeric_check} {r.numeric_detail}")
        reasons += r.uncertified
        if r.refuted:
            reasons.append("refuted: " + "; ".join(r.refuted))
        ft.add_row(r.id, escape("; ".join(r.flags())), escape("\n".join(reasons)))
    console.print(ft)
    console.print(f"reproduce: [bold]{escape(command)}[/bold]")


def warm_up() -> None:
    """One untimed pass of both sides on one family and one model: imports, Lark grammars, scipy."""
    fam = expand_family("exponential")
    try:
        mle_baseline(fam, mle_inputs(fam))
        ls_baseline("ols")
        simple_baseline()
    except Exception as exc:  # noqa: BLE001 - measured per item later; say so now too
        print(f"warm-up (baseline): {type(exc).__name__}: {exc}", file=sys.stderr)
    for fn in (lambda: mle_job(_mle_request("exponential"), MLE_BUDGET), lambda: ls_job("ols", (), None, LS_BUDGET),
               lambda: ls_job("simple", (), None, LS_BUDGET)):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported per item later
            print(f"warm-up: {type(exc).__name__}: {exc}", file=sys.stderr)


def time_processes(family: str, runs: int, against: Path | None) -> int:
    """``derive mle FAMILY`` as whole processes, alternating with ``python -c 'import sympy'`` (and an
    older tree, ``against``, run the same way): medians and ratios to the baseline, under the same load."""
    import os
    import subprocess

    trees = {"this tree": ROOT, **({f"{against}": against} if against is not None else {})}
    cmds = {"python -c 'import sympy'": ([sys.executable, "-c", "import sympy"], ROOT)}
    cmds.update({f"derive mle {family} ({name})": ([sys.executable, "-m", "derive", "mle", family], tree)
                 for name, tree in trees.items()})
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for label, (cmd, cwd) in cmds.items():
            t0 = time.perf_counter()
            out = subprocess.run(cmd, cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)}, capture_output=True,
                                 text=True)
            times[label].append(time.perf_counter() - t0)
            if out.returncode != 0:
                print(f"{label}: exit {out.returncode}: {out.stderr.strip()[-300:]}", file=sys.stderr)
                return 1
    base = statistics.median(next(iter(times.values())))
    for label, vals in times.items():
        med = statistics.median(vals)
        print(f"{label:40} median {med:6.2f} s  min {min(vals):6.2f}  max {max(vals):6.2f}  "
              f"({med / base:4.1f}x the baseline; {runs} runs)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--reps", type=int, default=3, metavar="N", help="repetitions per side (median; default 3)")
    p.add_argument("--only", nargs="+", metavar="ID", help="only these items (family names, LS model names)")
    p.add_argument("--json", type=Path, metavar="PATH", help="write every per-item figure here")
    p.add_argument("--no-api", action="store_true", help="skip the one run of the public API per item")
    p.add_argument("--process", metavar="FAMILY", help="instead: time 'derive mle FAMILY' as whole processes, "
                   "alternating with python -c 'import sympy' (see --runs, --against)")
    p.add_argument("--runs", type=int, default=7, metavar="N", help="with --process: runs of each (default 7)")
    p.add_argument("--against", type=Path, metavar="DIR", help="with --process: also an older tree (e.g. a "
                   "'git archive' export), run from DIR with PYTHONPATH=DIR")
    args = p.parse_args(argv)
    if args.process:
        return time_processes(args.process, max(1, args.runs), args.against)
    if args.reps < 1:
        p.error("--reps must be at least 1")
    by_id = {i.id: i for i in ITEMS}
    unknown = [i for i in args.only or [] if i not in by_id]
    if unknown:
        p.error(f"unknown item(s): {', '.join(unknown)}; items: {', '.join(by_id)}")
    items = [by_id[i] for i in args.only] if args.only else list(ITEMS)
    start = time.perf_counter()
    tree_at_start = source_fingerprint()
    warm_up()
    results: list[Result] = []
    for k, item in enumerate(items, start=1):
        t0 = time.perf_counter()
        r = run_item(item, args.reps, not args.no_api)
        results.append(r)
        mark = f"ERROR {r.error_type}" if r.error_type else ("; ".join(r.flags()) or "ok")
        print(f"[{k:2}/{len(items)}] {item.id:12} {time.perf_counter() - t0:6.1f} s  {mark}", file=sys.stderr,
              flush=True)
    elapsed = time.perf_counter() - start
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    command = f"cd {ROOT} && .venv/bin/python bench/bench_mle.py {cmd_args}".rstrip()
    tree_at_end = source_fingerprint()
    report(results, command, args.reps, elapsed)
    if tree_at_end != tree_at_start:
        print(f"WARNING: derive/ changed during the run (tree {tree_at_start} at the start, {tree_at_end} at the end); "
              "the job functions were imported at the start, but lazily imported modules may be newer")
    if args.json:
        payload = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "sympy": sp.__version__,
            "numpy": np.__version__,
            "platform": platform.platform(),
            "reps": args.reps,
            "wall_s": elapsed,
            "derive_tree_sha256_12": tree_at_end,
            "derive_tree_at_start_sha256_12": tree_at_start,
            "command": command,
            "summary": summary(results),
            "items": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
