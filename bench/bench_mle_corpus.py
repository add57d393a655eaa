"""MLE corpus benchmark: hand-typed textbook densities through ``derive.mle``, checked against known answers.

Run from the repository root:

    .venv/bin/python bench/bench_mle_corpus.py [--only ID ...] [--no-latex] [--seconds S] [--out DIR]
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/bench_mle_corpus.py --out DIR

(with PYTHONPATH naming a checkout, that checkout's ``derive`` is measured with this corpus and bench)

For every item of ``bench/mle_corpus.py`` (and, unless ``--no-latex``, its LaTeX spelling as a second
row ``ID/tex``), in this process:

* **derive**: ``derive.mle(text, params=..., support=..., where=..., budget=Budget(seconds=S))``, the
  public API (a forked budget worker), timed wall-clock;
* **baseline** for the time, the plain SymPy pipeline on the same input (as in ``bench_mle.py``): the
  text parsed by ``derive.parse.auto.parse_expression`` with the domains ``derive mle`` gives (``--where``
  and the support's variable), ``Sum(log(f(x[i])), (i, 1, n))``, ``diff`` in every parameter,
  ``solve`` (stopped after SOLVE_SECONDS by SIGALRM in this process); SymPy's cache cleared before
  each side; the ratio is derive / baseline per row (no ratio where the parse is refused);
* **samples**: three samples of size 201 drawn at the item's parameter point with the corpus's own
  sampler (inverse CDF, or scipy.stats), seeded from the item's id;
* **closed form**: derive's estimator evaluated on each sample with ``derive.certify.numeval`` (never
  by evaluating printed text), against the textbook answer (relative 1e-7; for a non-unique maximizer,
  inside the textbook's interval) and against numeric maximization of the corpus's own log-density
  (a grid in transformed coordinates refined by bounded Brent for one parameter, Nelder-Mead from the
  true point and the textbook answer for two): the log-likelihood at derive's estimate must not be
  below the numeric maximum by more than 1e-7 relative, and the estimate must match the maximizer to
  1e-3 relative (unless the maximizer is not unique);
* **no closed form**: derive's Newton-Raphson update (else its Fisher-scoring update) iterated with
  numeval from the numeric maximizer moved by a tenth (in log / logit coordinates where the space is
  bounded), up to 100 steps, must come back to the numeric maximizer (relative 1e-6);
* **Fisher information** of one observation at the item's point: derive's expected information (its
  matrix for n observations, with n = 1) against E[score score^T] by ``scipy.integrate.quad`` over the
  support (split at kinks and at quantiles) or by summation for a discrete item, the score taken by
  five-point central differences of the corpus's log-density; relative 1e-3. Non-regular items (the
  support moves with the parameter) have no Fisher information in the usual sense: n/a. The corpus's
  own Fisher formula is checked against the same quadrature (a corpus error shows as CORPUS).

Status per row: **closed** (closed form found, agrees with the textbook and with numeric maximization),
**absent** (no closed form, as the textbooks say; Newton/scoring given), **missed** (no closed form,
although the textbook has one), **WRONG** (a closed form disagreeing with the textbook answer or with
numeric maximization), **unsupported** (the input is refused: a ParseError/UsageError/UnsupportedError,
recorded with derive's message), **budget** (over the budget), **crash** (any other exception),
**CORPUS** (the corpus's own answer disagrees with numeric maximization or quadrature: a bench bug).

Writes ``bench/results/mle_corpus.txt`` (the table, 100 columns) and ``mle_corpus.json`` (every figure).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import re
import shlex
import sys
import time
import traceback
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# run as a script from anywhere: make ``derive`` importable from this checkout, unless PYTHONPATH names
# another checkout (``PYTHONPATH=/path/to/other/tree``: the same bench and corpus against that tree's derive)
_OTHER_TREE = [d for d in os.environ.get("PYTHONPATH", "").split(os.pathsep) if d and (Path(d) / "derive").is_dir()]
if not _OTHER_TREE and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.integrate as si  # noqa: E402
import scipy.optimize as so  # noqa: E402
import scipy.special as sc  # noqa: E402
import sympy as sp  # noqa: E402

import derive  # noqa: E402
from derive.certify.numeval import numeric_function  # noqa: E402
from derive.core.errors import BudgetExceeded, DataError, ParseError, UnsupportedError, UsageError  # noqa: E402
from derive.likelihood.sample import I as _I, N as _N  # noqa: E402
from derive.likelihood.space import parse_space  # noqa: E402
from derive.likelihood.support import parse_support, variable_domain  # noqa: E402
from derive.parse.auto import parse_expression  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402
from _harness import Timeout, percentile, time_limit  # noqa: E402
from mle_corpus import ITEMS, Item  # noqa: E402

N_SAMPLE = 201
N_SAMPLES = 3
TOL_KNOWN = 1e-7
TOL_LL = 1e-7
TOL_PARAM = 1e-3
TOL_NEWTON = 1e-6
TOL_FISHER = 1e-3
SOLVE_SECONDS = 10.0
REFUSED = (ParseError, UsageError, UnsupportedError, DataError)


# -- parameter spaces and transforms ------------------------------------------------------------

_NUM = r"-?\d+(?:\.\d+)?(?:/\d+)?"


def _num(s: str) -> float:
    if "/" in s:
        a, b = s.split("/")
        return float(a) / float(b)
    return float(s)


def space(item: Item) -> dict[str, tuple[float, float, bool, bool]]:
    """``name -> (lo, hi, lo_closed, hi_closed)`` for every parameter, read from the item's ``where``."""
    out = {p: (-math.inf, math.inf, False, False) for p in item.params}
    for w in item.where:
        w = w.replace(" ", "").removesuffix("integer")
        for p in item.params:
            m = re.fullmatch(rf"({_NUM})(<=?){p}(<=?)({_NUM})", w)
            if m:
                out[p] = (_num(m[1]), _num(m[4]), m[2] == "<=", m[3] == "<=")
                continue
            m = re.fullmatch(rf"{p}(>=?)({_NUM})", w)
            if m:
                lo, _, _, hc = out[p]
                out[p] = (_num(m[2]), out[p][1], m[1] == ">=", hc)
                continue
            m = re.fullmatch(rf"{p}(<=?)({_NUM})", w)
            if m:
                out[p] = (out[p][0], _num(m[2]), out[p][2], m[1] == "<=")
    return out


@dataclass(frozen=True)
class Transform:
    """Unconstrained coordinate u <-> parameter value on (lo, hi)."""

    lo: float
    hi: float

    def to(self, u: float) -> float:
        if math.isinf(self.lo) and math.isinf(self.hi):
            return u
        if math.isinf(self.hi):
            return self.lo + math.exp(min(u, 700.0))
        if math.isinf(self.lo):
            return self.hi - math.exp(min(u, 700.0))
        return self.lo + (self.hi - self.lo) * float(sc.expit(u))

    def back(self, v: float) -> float:
        if math.isinf(self.lo) and math.isinf(self.hi):
            return v
        if math.isinf(self.hi):
            return math.log(max(v - self.lo, 1e-300))
        if math.isinf(self.lo):
            return math.log(max(self.hi - v, 1e-300))
        t = min(max((v - self.lo) / (self.hi - self.lo), 1e-15), 1 - 1e-15)
        return float(sc.logit(t))

    @property
    def unbounded(self) -> bool:
        return math.isinf(self.lo) and math.isinf(self.hi)


def transforms(item: Item) -> list[Transform]:
    sp_ = space(item)
    return [Transform(sp_[p][0], sp_[p][1]) for p in item.params]


# -- the log-likelihood and numeric maximization -------------------------------------------------


def loglik(item: Item, x: np.ndarray, values: Sequence[float]) -> float:
    p = dict(zip(item.params, (float(v) for v in values)))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = float(np.sum(item.logpdf(x, p, item.constants)))
    return v if math.isfinite(v) else -math.inf


def _closed_ends(item: Item) -> list[tuple[int, float]]:
    sp_ = space(item)
    out = []
    for k, p in enumerate(item.params):
        lo, hi, lc, hc = sp_[p]
        if lc:
            out.append((k, lo))
        if hc:
            out.append((k, hi))
    return out


def maximize(item: Item, x: np.ndarray, starts: Sequence[Sequence[float]]) -> tuple[list[float], float]:
    """The numeric maximizer of the corpus's log-likelihood on ``x`` (independent of derive)."""
    ts = transforms(item)
    k = len(item.params)

    def negll_u(u: Sequence[float]) -> float:
        v = loglik(item, x, [t.to(float(ui)) for t, ui in zip(ts, u)])
        return -v if math.isfinite(v) else 1e300

    cands: list[list[float]] = []
    if k == 1:
        t = ts[0]
        u0 = t.back(float(item.point[item.params[0]]))
        width = 20.0 * max(1.0, abs(float(item.point[item.params[0]]))) if t.unbounded else 15.0
        grid = np.linspace(u0 - width, u0 + width, 4001)
        vals = np.array([negll_u([u]) for u in grid])
        j = int(np.argmin(vals))
        a, b = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
        # refine in the parameter's own coordinates (a boundary maximum is reached exactly)
        va, vb = sorted((t.to(a), t.to(b)))

        def negll_v(v: float) -> float:
            r = loglik(item, x, [v])
            return -r if math.isfinite(r) else 1e300

        res = so.minimize_scalar(negll_v, bounds=(va, vb), method="bounded", options={"xatol": 1e-13 * max(1, abs(va))})
        cands += [[float(res.x)], [t.to(float(grid[j]))]]
        for s in starts:
            cands.append([float(s[0])])
    else:
        for s in starts:
            u0 = [t.back(float(v)) for t, v in zip(ts, s)]
            res = so.minimize(negll_u, u0, method="Nelder-Mead",
                              options={"xatol": 1e-12, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000})
            res = so.minimize(negll_u, res.x, method="Nelder-Mead",
                              options={"xatol": 1e-13, "fatol": 1e-14, "maxiter": 40000, "maxfev": 40000})
            cands.append([t.to(float(u)) for t, u in zip(ts, res.x)])
            cands.append([float(v) for v in s])
    for j, end in _closed_ends(item):
        for c in list(cands):
            e = list(c)
            e[j] = end
            cands.append(e)
    best = max(cands, key=lambda c: loglik(item, x, c))
    return best, loglik(item, x, best)


# -- derive's outputs, evaluated with numeval ------------------------------------------------------


def _values_for(expr: sp.Basic, item: Item, x: np.ndarray, params: Mapping[str, float],
                alias: Mapping[str, str]) -> tuple[list[sp.Symbol], list[float]]:
    syms = sorted((s for s in expr.free_symbols if isinstance(s, sp.Symbol)), key=str)
    vals: list[float] = []
    keep: list[sp.Symbol] = []
    for s in syms:
        name = alias.get(str(s), str(s))
        if name in params:
            keep.append(s)
            vals.append(float(params[name]))
        elif name in item.constants:
            keep.append(s)
            vals.append(float(item.constants[name]))
        elif name == "x" or name == "i":  # the data's IndexedBase label / a bound index: the data
            continue
        elif name == "n":
            keep.append(s)
            vals.append(float(len(x)))
        else:
            raise ValueError(f"cannot give a value to the symbol {name!r} of {expr}")
    return keep, vals


def evaluate(expr: sp.Expr, item: Item, x: np.ndarray, params: Mapping[str, float] | None = None,
             alias: Mapping[str, str] | None = None) -> float:
    """``expr`` (a derive output) on the sample ``x`` with numeval: sums run over ``x``.

    ``alias`` maps a name derive was given (``lambda`` in LaTeX) to the corpus's name (``lam``).
    """
    syms, vals = _values_for(expr, item, x, params or {}, alias or {})
    fn = numeric_function(expr, syms, data={sp.IndexedBase("x"): x})
    return float(fn(*vals))


def estimate(d: Any, item: Item, x: np.ndarray, alias: Mapping[str, str]) -> list[float]:
    """derive's closed-form estimate on ``x`` (an estimator may use another parameter's estimate)."""
    est: dict[str, float] = {}
    pending = {alias.get(p.name, p.name): e for p, e in zip(d.problem.params, d.estimator)}
    for _ in range(len(pending) + 1):
        for name, e in list(pending.items()):
            if e is None:
                raise ValueError(f"no estimator for {name}")
            needs = {alias.get(str(s), str(s)) for s in e.free_symbols} & set(item.params)
            if needs <= set(est):
                est[name] = evaluate(e, item, x, est, alias)
                del pending[name]
    if pending:
        raise ValueError(f"estimators depend on each other: {', '.join(pending)}")
    return [est[p] for p in item.params]


def newton(d: Any, item: Item, x: np.ndarray, start: Mapping[str, float],
           alias: Mapping[str, str]) -> tuple[str, list[float] | None, int]:
    """derive's Newton-Raphson (else Fisher-scoring) update iterated on ``x``: (method, last iterate, steps)."""
    if d.newton:
        update, names, method = list(d.newton), [alias.get(p.name, p.name) for p in d.newton_params], "Newton"
    elif d.scoring:
        update, names, method = list(d.scoring), list(item.params), "scoring"
    else:
        return "none", None, 0
    profile = [(alias.get(p.name, p.name), e) for p, e in d.profile]
    cur = {n: float(start[n]) for n in names}
    steps = 0
    for steps in range(1, 101):
        at = dict(cur)
        for name, e in profile:
            at[name] = evaluate(e, item, x, at, alias)
        nxt = {n: evaluate(u, item, x, at, alias) for n, u in zip(names, update)}
        if not all(math.isfinite(v) for v in nxt.values()):
            return method, None, steps
        done = max(abs(nxt[n] - cur[n]) / max(1.0, abs(cur[n])) for n in names) < 1e-13
        cur = nxt
        if done:
            break
    at = dict(cur)
    for name, e in profile:
        at[name] = evaluate(e, item, x, at, alias)
    return method, [at[p] for p in item.params], steps


def derive_fisher(d: Any, item: Item, alias: Mapping[str, str]) -> np.ndarray | None:
    """derive's expected information for one observation at the item's point (n = 1)."""
    m = d.fisher_expected
    if m is None:
        return None
    out = np.empty(m.shape)
    dummy = np.ones(1)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            e = m[i, j]
            e = e.xreplace({s: sp.Integer(1) for s in e.free_symbols if str(s) == "n"})
            out[i, j] = evaluate(e, item, dummy, item.point, alias)
    return out


def fisher_reason(d: Any) -> tuple[str, str]:
    """Why derive gives no expected information, in its own words: (short label, the words); ("", "") if silent."""
    for ch in d.checks:
        if "information" in ch.name.lower() and type(ch.certificate).__name__ not in ("Proved", "Plausible"):
            reason = str(getattr(ch.certificate, "reason", "") or type(ch.certificate).__name__)
            return reason, f"{ch.name}: {ch.certificate}"
    for s_ in d.steps:
        if "information" in (s_.title or "").lower() and type(s_.certificate).__name__ not in ("Proved", "Plausible"):
            return type(s_.certificate).__name__, f"{s_.title}: {s_.certificate}"
    for n in d.notes:
        if "regularity" in n.lower() or "fisher" in n.lower() or "information" in n.lower():
            return "non-regular" if "regularity" in n.lower() else "note", n
    return "", ""


# -- quadrature ------------------------------------------------------------------------------------


def _score_fns(item: Item) -> Callable[[np.ndarray], np.ndarray]:
    """x -> the score vectors (k, len(x)) at the item's point, by five-point central differences."""
    names = list(item.params)
    base = np.array([float(item.point[p]) for p in names])

    def score(x: np.ndarray) -> np.ndarray:
        out = np.empty((len(names), len(x)))
        for k in range(len(names)):
            h = 1e-4 * max(1.0, abs(base[k]))
            vals = []
            for m in (-2, -1, 1, 2):
                v = base.copy()
                v[k] += m * h
                with np.errstate(all="ignore"):
                    vals.append(item.logpdf(x, dict(zip(names, v)), item.constants))
            out[k] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)
        return out

    return score


def quad_fisher(item: Item, rng: np.random.Generator) -> np.ndarray:
    """E[score score^T] at the item's point: quadrature over the support, or a sum for a discrete item."""
    k = len(item.params)
    score = _score_fns(item)
    p, c = item.point, item.constants
    out = np.zeros((k, k))
    if item.discrete:
        if item.values:
            xs = np.asarray(item.values, dtype=float)
        else:
            lo, hi = item.domain(p, c)
            top = hi if math.isfinite(hi) else None
            chunks, start = [], int(lo)
            while True:
                end = start + 20000 if top is None else int(top) + 1
                xs = np.arange(start, end, dtype=float)
                chunks.append(xs)
                with np.errstate(all="ignore"):
                    f = np.exp(item.logpdf(xs, p, c))
                if top is not None or (start > lo + 10 and np.all(f[-100:] < 1e-300)) or end > 2_000_000:
                    break
                if np.sum(f) < 1e-18 * max(1.0, 1.0) and start > lo:
                    break
                start = end
            xs = np.concatenate(chunks)
        with np.errstate(all="ignore"):
            f = np.exp(item.logpdf(xs, p, c))
        s = score(xs)
        ok = f > 0
        for i in range(k):
            for j in range(k):
                out[i, j] = float(np.sum(s[i][ok] * s[j][ok] * f[ok]))
        return out
    lo, hi = item.domain(p, c)
    draws = item.sample(rng, 20000, p, c)
    cuts = set({float(q) for q in np.quantile(draws, [0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999])}
                  | {float(v) for v in (item.kinks(p, c) if item.kinks else [])})
    cuts = {v for v in cuts if lo < v < hi}
    top, bottom, span = max(cuts), min(cuts), max(cuts) - min(cuts) + 1.0  # before the tails are added
    if math.isinf(hi):  # geometric cuts into a heavy tail, from the central span outwards
        cuts |= {top + span * 10.0**j for j in range(-1, 9)}
    if math.isinf(lo):
        cuts |= {bottom - span * 10.0**j for j in range(-1, 9)}
    cuts = sorted(v for v in cuts if lo < v < hi)
    edges = [lo, *cuts, hi]

    def integrand(t: float, i: int, j: int) -> float:
        xs = np.array([t])
        with np.errstate(all="ignore"):
            f = float(np.exp(item.logpdf(xs, p, c))[0])
        if f == 0.0 or not math.isfinite(f):
            return 0.0
        s = score(xs)[:, 0]
        return float(s[i] * s[j] * f)

    for i in range(k):
        for j in range(i, k):
            total = 0.0
            for a, b in zip(edges[:-1], edges[1:]):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    v, _ = si.quad(integrand, a, b, args=(i, j), limit=400, epsabs=1e-13, epsrel=1e-11)
                total += v
            out[i, j] = out[j, i] = total
    return out


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    scale = float(np.max(np.abs(b)))
    return float(np.max(np.abs(a - b))) / (scale if scale > 0 else 1.0)


# -- the timing baseline: the plain SymPy pipeline on the same input ------------------------------


def sympy_baseline(text: str, params: Sequence[str], support: str, where: Sequence[str]) -> tuple[float, str, bool]:
    """Parse as ``derive mle`` does, ``Sum(log f(x[i]))``, ``diff`` in each parameter, ``solve``.

    Returns (seconds, what SymPy gave, whether it got to ``solve``): the time counts only when it did
    (a refused parse takes no time and gives no ratio). ``solve`` stops after SOLVE_SECONDS (SIGALRM, in
    this process: the baseline pays no process start-up).
    """
    clear_cache()
    t0 = time.perf_counter()
    reached = False
    try:
        declared, _ = parse_space(list(where))
        domains: dict[str, Any] = {d.name: d for d in declared}
        sup = parse_support(support, domains, var="x")
        domains[sup.var] = variable_domain(sup)
        f = parse_expression(text, domains)
        by_name = {s_.name: s_ for s_ in f.free_symbols if isinstance(s_, sp.Symbol)}
        ps = [by_name[p] for p in params if p in by_name]
        obs = {by_name["x"]: sp.IndexedBase("x")[_I]} if "x" in by_name else {}
        scores = [sp.diff(sp.Sum(sp.log(f.xreplace(obs)), (_I, 1, _N)), p) for p in ps]
        reached = True
        with time_limit(SOLVE_SECONDS):
            answer = sp.solve(scores, ps, dict=True)
        status = f"{len(answer)} solution(s)" if answer else "no solution ([])"
    except Timeout:
        status = f"solve over {SOLVE_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 - SymPy (or the parse) failing is a figure
        status = ("solve raised " if reached else "parse refused: ") + f"{type(exc).__name__}"
    return time.perf_counter() - t0, status, reached


# -- one row ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """Every figure of one row (an item, or its LaTeX spelling)."""

    id: str
    item: str
    source: str
    input: str
    params: list[str]
    support: str
    where: list[str]
    textbook_closed_form: bool
    family: str | None
    status: str = ""
    seconds: float | None = None
    baseline_s: float | None = None
    baseline: str = ""
    ratio: float | None = None
    error: str = ""
    closed_form: bool | None = None
    method: str = ""
    certified: bool | None = None
    verdict: str = ""
    estimator: list[str] = field(default_factory=list)
    vs_known: str = ""
    vs_numeric: str = ""
    fisher: str = ""
    fisher_rel_err: float | None = None
    fisher_derive: list[list[float]] | None = None
    fisher_quad: list[list[float]] | None = None
    fisher_known: list[list[float]] | None = None
    fisher_derive_text: str = ""
    corpus_check: str = "ok"
    samples: list[dict[str, Any]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def _fmt(v: Sequence[float]) -> str:
    return ", ".join(f"{float(a):.10g}" for a in v)


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def _agree_known(item: Item, est: Sequence[float], known: Mapping[str, Any]) -> bool:
    for p, v in zip(item.params, est):
        k = known[p]
        if isinstance(k, tuple):
            lo, hi = k
            if not (lo - TOL_KNOWN * max(1, abs(lo)) <= v <= hi + TOL_KNOWN * max(1, abs(hi))):
                return False
        elif not _close(v, float(k), TOL_KNOWN):
            return False
    return True


def _known_point(item: Item, known: Mapping[str, Any]) -> list[float]:
    return [float(np.mean(known[p])) if isinstance(known[p], tuple) else float(known[p]) for p in item.params]


def _perturbed(item: Item, best: Sequence[float]) -> dict[str, float]:
    out = {}
    for p, t, v in zip(item.params, transforms(item), best):
        if t.unbounded:
            out[p] = v + 0.1 * max(1.0, abs(v))
        else:
            out[p] = t.to(t.back(v) + 0.1)
    return out


LATEX_NAMES = {"lam": "lambda"}
"""Parameter names a LaTeX spelling uses instead of the corpus's plain-text ones (``\\lambda``)."""


def input_names(item: Item, text: str) -> dict[str, str]:
    """corpus name -> the name given to derive for this spelling."""
    return {p: LATEX_NAMES[p] for p in item.params if p in LATEX_NAMES and "\\" + LATEX_NAMES[p] in text}


def _rename(text: str, names: Mapping[str, str]) -> str:
    for a, b in names.items():
        text = re.sub(rf"\b{a}\b", b, text)
    return text


def run_row(item: Item, text: str, row_id: str, seconds: float) -> Row:
    names = input_names(item, text)
    alias = {b: a for a, b in names.items()}
    params = [names.get(p, p) for p in item.params]
    where = [_rename(w, names) for w in item.where]
    support = _rename(item.support, names)
    row = Row(row_id, item.id, item.source, text, params, support, where, item.closed_form, item.family)
    rng0 = np.random.default_rng(zlib.crc32(item.id.encode()))
    samples = [item.sample(rng0, N_SAMPLE, item.point, item.constants) for _ in range(N_SAMPLES)]

    # the corpus's own answers, checked first (a failure here is a bug of the bench, not of derive)
    fq = None
    if item.regular:
        fq = quad_fisher(item, np.random.default_rng(1))
        row.fisher_quad = fq.tolist()
        if item.fisher is not None:
            fk = np.asarray(item.fisher(item.point, item.constants), dtype=float)
            row.fisher_known = fk.tolist()
            if rel_err(fk, fq) > TOL_FISHER:
                row.corpus_check = f"textbook Fisher {fk.tolist()} vs quadrature {fq.tolist()}"
    refs = []
    for x in samples:
        known = item.mle(x, item.constants) if item.mle else None
        starts = [[float(item.point[p]) for p in item.params]]
        if known is not None:
            starts.append(_known_point(item, known))
        best, best_ll = maximize(item, x, starts)
        refs.append((known, best, best_ll))
        if known is not None:
            kp = _known_point(item, known)
            kll = loglik(item, x, kp)
            if kll < best_ll - TOL_LL * max(1.0, abs(best_ll)) or (
                    item.unique and not all(_close(a, b, TOL_PARAM) for a, b in zip(kp, best))):
                row.corpus_check = f"textbook MLE {_fmt(kp)} (loglik {kll:.10g}) vs numeric {_fmt(best)} ({best_ll:.10g})"

    base_s, row.baseline, reached = sympy_baseline(text, params, support, where)
    if reached:
        row.baseline_s = base_s
    clear_cache()
    t0 = time.perf_counter()
    try:
        res = derive.mle(text, params=params, support=support, where=where,
                         budget=derive.Budget(seconds=seconds))
    except BudgetExceeded as exc:
        row.seconds = time.perf_counter() - t0
        row.status, row.error = "budget", f"{type(exc).__name__}: {exc}"
        return _corpus(row)
    except REFUSED as exc:
        row.seconds = time.perf_counter() - t0
        row.error = f"{type(exc).__name__}: {exc}"
        # numeval refusing a node of derive's own intermediate result (ImaginaryUnit) is a crash of the
        # engine, not a refusal of the input
        row.status = "crash" if "numerically" in str(exc) and isinstance(exc, UnsupportedError) else "unsupported"
        return _corpus(row)
    except Exception as exc:  # noqa: BLE001 - a crash is a measured outcome
        row.seconds = time.perf_counter() - t0
        row.status, row.error = "crash", f"{type(exc).__name__}: {exc}"
        row.details.append(traceback.format_exc(limit=3))
        return _corpus(row)
    row.seconds = time.perf_counter() - t0
    d = res.derivation
    row.closed_form, row.method, row.certified = bool(d.closed_form), str(d.method), bool(d.certified)
    v = getattr(d, "verdict", None)  # certified / refuted / undecided: the exit code 0 / 1 / 3 (issue 11 item 1)
    row.verdict = "" if v is None else str(getattr(v, "value", v))
    row.estimator = [str(e) for e in d.estimator]
    row.details += [f"derive: {n}" for n in d.notes]
    for ch in d.checks:
        if type(ch.certificate).__name__ not in ("Proved", "Plausible"):
            row.details.append(f"derive check {ch.name}: {type(ch.certificate).__name__} {ch.certificate}")

    try:
        _closed_or_newton(row, item, d, samples, refs, alias)
    except Exception as exc:  # noqa: BLE001 - evaluating derive's output failed: measured
        row.status = "crash"
        row.error = f"evaluating derive's output: {type(exc).__name__}: {exc}"
        row.details.append(traceback.format_exc(limit=4))

    # Fisher information
    if d.fisher_expected is not None:
        row.fisher_derive_text = str(d.fisher_expected)
    if not item.regular:
        row.fisher = "n/a"
        row.details.append("Fisher: non-regular (support depends on the parameter); derive gives "
                           + (row.fisher_derive_text or "none: " + (fisher_reason(d)[1] or "no reason given")))
    elif d.fisher_expected is None:
        label, words = fisher_reason(d)
        row.fisher = f"absent: {label}" if label else "ABSENT, unexplained"
        row.details.append("Fisher absent: " + (words or "derive gives no expected information and says nothing "
                                                         "about it"))
    else:
        try:
            fd = derive_fisher(d, item, alias)
            assert fd is not None and fq is not None
            row.fisher_derive = fd.tolist()
            row.fisher_rel_err = rel_err(fd, fq)
            row.fisher = "agrees" if row.fisher_rel_err <= TOL_FISHER else "DIFFERS"
            if row.fisher == "DIFFERS":
                row.details.append(f"Fisher: derive {fd.tolist()} vs quadrature {fq.tolist()} ({row.fisher_derive_text})")
        except Exception as exc:  # noqa: BLE001
            row.fisher = "error"
            row.details.append(f"Fisher: cannot evaluate derive's {row.fisher_derive_text}: {type(exc).__name__}: {exc}")
    return _corpus(row)


def _corpus(row: Row) -> Row:
    if row.seconds is not None and row.baseline_s:
        row.ratio = row.seconds / row.baseline_s
    if row.corpus_check != "ok":
        row.details.insert(0, f"CORPUS: {row.corpus_check}")
        row.status = "CORPUS"
    return row


def _closed_or_newton(row: Row, item: Item, d: Any, samples: Sequence[np.ndarray], refs: Sequence[Any],
                      alias: Mapping[str, str]) -> None:
    known_ok, num_ok = [], []
    newton_notes: list[str] = []
    for x, (known, best, best_ll) in zip(samples, refs):
        rec: dict[str, Any] = {"numeric": best, "numeric_loglik": best_ll,
                               "known": None if known is None else {k: v for k, v in known.items()}}
        if d.closed_form:
            est = estimate(d, item, x, alias)
            ll = loglik(item, x, est)
            rec.update(derive=est, derive_loglik=ll)
            if known is not None:
                known_ok.append(_agree_known(item, est, known))
            ll_ok = ll >= best_ll - TOL_LL * max(1.0, abs(best_ll))
            par_ok = (not item.unique) or all(_close(a, b, TOL_PARAM) for a, b in zip(est, best))
            num_ok.append(ll_ok and par_ok)
            if not (ll_ok and par_ok):
                row.details.append(f"sample: derive {_fmt(est)} (loglik {ll:.10g}); numeric {_fmt(best)} "
                                   f"({best_ll:.10g})" + ("" if known is None else f"; textbook {dict(known)}"))
            elif known is not None and not known_ok[-1]:
                row.details.append(f"sample: derive {_fmt(est)}; textbook {dict(known)}")
        else:
            start = _perturbed(item, best)
            method, last, steps = newton(d, item, x, start, alias)
            rec.update(newton_method=method, newton_start=start, newton_last=last, newton_steps=steps)
            if last is None:
                newton_notes.append("none" if method == "none" else f"{method} diverged from {_fmt(list(start.values()))}")
                num_ok.append(False)
            else:
                ok = all(_close(a, b, TOL_NEWTON) for a, b in zip(last, best)) or (
                    loglik(item, x, last) >= best_ll - TOL_LL * max(1.0, abs(best_ll)))
                num_ok.append(ok)
                if not ok:
                    newton_notes.append(f"{method} from {_fmt(list(start.values()))} ended at {_fmt(last)} "
                                        f"after {steps} steps; numeric {_fmt(best)}")
        row.samples.append(rec)
    if d.closed_form:
        row.vs_known = "n/a" if not known_ok else ("agrees" if all(known_ok) else "DIFFERS")
        row.vs_numeric = "agrees" if all(num_ok) else "DIFFERS"
        row.status = "WRONG" if row.vs_known == "DIFFERS" or row.vs_numeric == "DIFFERS" else "closed"
        return
    row.vs_known = "n/a"
    meth = row.samples[0].get("newton_method", "none")
    if meth == "none":
        row.vs_numeric = "no update"
    else:
        row.vs_numeric = f"{meth} agrees" if all(num_ok) else f"{meth} FAILS"
    row.details += newton_notes
    row.status = "missed" if item.closed_form else "absent"


# -- report ----------------------------------------------------------------------------------------

DERIVED = ("closed", "absent", "missed", "WRONG")
"""Statuses of a row where derive gave a derivation (the time ratio is summarized over these)."""
STATUSES = ("closed", "absent", "missed", "WRONG", "unsupported", "budget", "crash", "CORPUS")


FISHER_GROUPS = ("agrees", "DIFFERS", "absent, explained", "ABSENT, unexplained", "n/a (non-regular)", "error",
                 "no result")


def fisher_group(r: Row) -> str:
    if r.fisher.startswith("absent:"):
        return "absent, explained"
    if r.fisher == "n/a":
        return "n/a (non-regular)"
    return r.fisher or "no result"


def passes(r: Row) -> bool:
    """The row is right: a closed form agreeing with the textbook and numeric maximization, or no closed
    form where the textbook has none with an update that finds the numeric maximum; and the Fisher
    information agreeing with quadrature, non-regular, or absent with derive's reason."""
    return (r.status in ("closed", "absent") and r.vs_numeric.endswith("agrees")
            and fisher_group(r) in ("agrees", "n/a (non-regular)", "absent, explained"))


def summary(rows: Sequence[Row]) -> dict[str, Any]:
    def group(rs: Sequence[Row]) -> dict[str, Any]:
        cf = [r for r in rs if r.textbook_closed_form]
        return {
            "rows": len(rs),
            "passing": [r.id for r in rs if passes(r)],
            "status": {s: sum(r.status == s for r in rs) for s in STATUSES},
            "closed_form_found_where_textbook_has_one": f"{sum(r.status == 'closed' for r in cf)}/{len(cf)}",
            "honestly_absent_where_textbook_has_none": f"{sum(r.status in ('absent',) for r in rs if not r.textbook_closed_form)}/"
                                                       f"{len(rs) - len(cf)}",
            "numeric_agrees": f"{sum(r.vs_numeric.endswith('agrees') for r in rs)}/"
                              f"{sum(bool(r.vs_numeric) and r.vs_numeric != 'no update' for r in rs)}",
            "fisher": {k: sum(fisher_group(r) == k for r in rs) for k in FISHER_GROUPS},
            "wrong_yet_certified": [r.id for r in rs if r.status == "WRONG" and r.certified],
            "seconds_total": sum(r.seconds or 0.0 for r in rs),
            "seconds_median": float(np.median([r.seconds for r in rs if r.seconds is not None])) if rs else None,
            "seconds_max": max((r.seconds or 0.0 for r in rs), default=None),
            "ratio_median_p95_max": _ratios([r.ratio for r in rs if r.ratio is not None and r.status in DERIVED]),
            "baseline_s_median": float(np.median(b)) if (b := [r.baseline_s for r in rs if r.baseline_s]) else None,
            "beyond_the_families": sum(r.family is None for r in rs),
        }

    text_rows = [r for r in rows if not r.id.endswith("/tex")]
    tex_rows = [r for r in rows if r.id.endswith("/tex")]
    return {"all": group(rows), "text": group(text_rows), "latex": group(tex_rows)}


DERIVE_TREE = Path(derive.__file__).resolve().parents[1]
"""The checkout whose ``derive`` is measured (this one, or the one PYTHONPATH names)."""


def _ratios(v: Sequence[float]) -> list[float] | None:
    return [float(np.median(v)), percentile(v, 95), max(v)] if v else None


def source_fingerprint() -> str:
    h = hashlib.sha256()
    for f in sorted((DERIVE_TREE / "derive").rglob("*.py")):
        h.update(f.relative_to(DERIVE_TREE).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def report(rows: Sequence[Row], command: str, elapsed: float, console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    s = summary(rows)
    console.print(f"[bold]derive MLE corpus benchmark[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}\n"
                  f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
                  f"scipy {scipy.__version__}; derive from {DERIVE_TREE} (derive/ tree {source_fingerprint()}); wall {elapsed:.0f} s; "
                  f"{N_SAMPLES} samples of {N_SAMPLE} per row")
    t = Table(title="Per density (known = textbook closed form; numeric = numeric maximization / derive's Newton "
                    "from a perturbed start; Fisher = derive's information vs quadrature; verdict = derive's own, the exit code 0/1/3, or yes/no for certified "
                    "on a tree without verdicts)", title_justify="left")
    for col, kw in (("id", {"no_wrap": True}), ("pass", {}), ("status", {}), ("known", {}), ("numeric", {}),
                    ("Fisher", {}), ("verdict", {}), ("s", {"justify": "right"}), ("ratio", {"justify": "right"})):
        t.add_column(col, **kw)
    style = {"closed": "green", "absent": "green", "missed": "yellow", "WRONG": "bold red", "unsupported": "yellow",
             "budget": "red", "crash": "bold red", "CORPUS": "bold magenta"}
    for r in rows:
        fis = r.fisher if r.fisher_rel_err is None else f"{r.fisher} {r.fisher_rel_err:.0e}"
        t.add_row(escape(r.id), "yes" if passes(r) else "NO", f"[{style.get(r.status, '')}]{r.status}[/]", r.vs_known or "-",
                  escape(r.vs_numeric or "-"), escape(fis or "-"),
                  r.verdict or {True: "yes", False: "no", None: "-"}[r.certified], f"{r.seconds:.1f}" if r.seconds else "-",
                  f"{r.ratio:.0f}" if r.ratio is not None else "-")
    console.print(t)

    sm = Table(title="Summary", title_justify="left")
    sm.add_column("figure")
    for g in ("text", "latex", "all"):
        sm.add_column({"text": "typed", "latex": "LaTeX", "all": "all rows"}[g], justify="right")
    groups = [s["text"], s["latex"], s["all"]]
    sm.add_row("rows (beyond the 15 families)", *(f"{g['rows']} ({g['beyond_the_families']})" for g in groups))
    sm.add_row("passing (right answer, right or explained Fisher information)",
               *(str(len(g["passing"])) for g in groups))
    for st_ in STATUSES:
        sm.add_row(f"  {st_}", *(str(g["status"][st_]) for g in groups))
    sm.add_row("closed form found / textbook has one", *(g["closed_form_found_where_textbook_has_one"] for g in groups))
    sm.add_row("honestly absent / textbook has none", *(g["honestly_absent_where_textbook_has_none"] for g in groups))
    sm.add_row("agrees with numeric maximization", *(g["numeric_agrees"] for g in groups))
    sm.add_row("WRONG yet certified by derive", *(str(len(g["wrong_yet_certified"])) for g in groups))
    for k in FISHER_GROUPS:
        sm.add_row(f"Fisher information: {k}", *(str(g["fisher"][k]) for g in groups))
    sm.add_row("derive seconds: total / median / max",
               *(f"{g['seconds_total']:.0f} / {_f(g['seconds_median'])} / {_f(g['seconds_max'])}" for g in groups))
    sm.add_row("plain SymPy pipeline (baseline), median s",
               *("-" if g["baseline_s_median"] is None else f"{g['baseline_s_median']:.2f}" for g in groups))
    sm.add_row("ratio derive / baseline (rows with a derivation): median / p95 / max",
               *("-" if g["ratio_median_p95_max"] is None else " / ".join(f"{v:.0f}" for v in g["ratio_median_p95_max"])
                 for g in groups))
    console.print(sm)

    flagged = [r for r in rows if not passes(r) or r.certified is False]
    console.print(f"[bold]Findings[/bold]: {len(flagged)} row(s) not passing (see ``passes``), or passing but "
                  f"not certified by derive")
    for r in flagged:
        console.print(f"[bold]{escape(r.id)}[/bold] ({escape(r.status)}) {escape(r.source)}")
        console.print(f"  input: {escape(r.input)}  --param {' --param '.join(r.params)} --support "
                      f"{escape(repr(r.support))}" + "".join(f" --where {escape(repr(w))}" for w in r.where))
        if r.error:
            console.print(f"  error: {escape(r.error[:400])}")
        if r.estimator and r.closed_form:
            console.print(f"  estimator: {escape('; '.join(r.estimator))[:300]}")
        for det in r.details:
            if not det.startswith("Traceback"):
                console.print(f"  {escape(det[:400])}")
    console.print(f"reproduce: {escape(command)}")


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--only", nargs="+", metavar="ID", help="only these items (their LaTeX rows too)")
    p.add_argument("--no-latex", action="store_true", help="skip the LaTeX spellings")
    p.add_argument("--seconds", type=float, default=60.0, help="derive.Budget(seconds=...) per row (default 60)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write mle_corpus.txt and mle_corpus.json here (default: bench/results unless --only)")
    args = p.parse_args(argv)
    by_id = {i.id: i for i in ITEMS}
    if len(by_id) != len(ITEMS):
        p.error("duplicate item ids in the corpus")
    unknown = [i for i in args.only or [] if i not in by_id]
    if unknown:
        p.error(f"unknown item(s): {', '.join(unknown)}; items: {', '.join(by_id)}")
    items = [by_id[i] for i in args.only] if args.only else list(ITEMS)
    out_dir = args.out if args.out is not None else (None if args.only else ROOT / "bench" / "results")
    jobs = [(it, it.text, it.id) for it in items]
    if not args.no_latex:
        jobs += [(it, it.latex, it.id + "/tex") for it in items if it.latex]
    jobs.sort(key=lambda j: [it.id for it in ITEMS].index(j[0].id))
    start = time.perf_counter()
    tree = source_fingerprint()
    rows: list[Row] = []
    for k, (item, text, rid) in enumerate(jobs, start=1):
        t0 = time.perf_counter()
        row = run_row(item, text, rid, args.seconds)
        rows.append(row)
        print(f"[{k:2}/{len(jobs)}] {rid:28} {time.perf_counter() - t0:6.1f} s  {row.status:11} "
              f"known={row.vs_known or '-'} numeric={row.vs_numeric or '-'} fisher={row.fisher or '-'}"
              + (f"  {row.error[:100]}" if row.error else ""), file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    other = f"PYTHONPATH={DERIVE_TREE} " if DERIVE_TREE != ROOT else ""
    command = f"cd {ROOT} && {other}.venv/bin/python bench/bench_mle_corpus.py {cmd_args}".rstrip()
    screen = Console(width=100)
    report(rows, command, elapsed, screen)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        file_console = Console(width=100, record=True, file=open("/dev/null", "w"), color_system=None)
        report(rows, command, elapsed, file_console)
        (out_dir / "mle_corpus.txt").write_text(file_console.export_text(), encoding="utf-8")
        payload = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(), "sympy": sp.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "platform": platform.platform(), "wall_s": elapsed,
            "derive_tree_sha256_12": tree, "derive_tree": str(DERIVE_TREE),
            "solve_seconds": SOLVE_SECONDS, "command": command, "budget_seconds": args.seconds,
            "samples": {"count": N_SAMPLES, "size": N_SAMPLE},
            "tolerances": {"known": TOL_KNOWN, "loglik": TOL_LL, "param": TOL_PARAM, "newton": TOL_NEWTON,
                           "fisher": TOL_FISHER},
            "summary": summary(rows), "rows": [asdict(r) for r in rows],
        }
        (out_dir / "mle_corpus.json").write_text(json.dumps(_finite(payload), indent=1, default=_json_default,
                                                            allow_nan=False) + "\n", encoding="utf-8")
        print(f"wrote {out_dir / 'mle_corpus.txt'} and {out_dir / 'mle_corpus.json'}", file=sys.stderr)
    return 0


def _finite(o: Any) -> Any:
    """JSON has no infinities: a non-finite float becomes its text ("-inf")."""
    if isinstance(o, float) and not math.isfinite(o):
        return str(o)
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


def _json_default(o: object) -> object:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return str(o)


if __name__ == "__main__":
    sys.exit(main())
