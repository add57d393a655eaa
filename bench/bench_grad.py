"""Matrix-calculus benchmark: coverage, certification, finite differences and speed against SymPy's MatrixSymbol.diff.

Run from the repository root:

    .venv/bin/python bench/bench_grad.py [--reps N] [--items K] [--only ID ...] [--json OUT]
    .venv/bin/python bench/bench_grad.py --profile ID ... | all   (cProfile of the full pipeline instead)

For every corpus item (``bench/grad_corpus.py``) the text is parsed with
``derive.matrix.read_text.parse_matrix`` under its ``--let`` shapes, then, in this one process:

* baseline: ``to_sympy(f, native=True).diff(MatrixSymbol(...))``, SymPy's cache cleared before each repetition;
* (a) derivation: ``matrix_gradient`` (differentials, identification, tidy) + ``render(g, "latex", part="chain")``;
* (b) full pipeline: parse + ``matrix_gradient`` + ``certify_matrix_gradient`` + LaTeX + JSON (``render(cg, "json")``).

Both ratios (a)/baseline and (b)/baseline are taken per item on the medians of N repetitions.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import io
import json
import platform
import pstats
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: make ``derive`` importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derive.core.budget import Budget
from derive.matrix.numeric import Undefined, directional, draw_point
from derive.matrix.certify import certify_matrix_gradient
from derive.matrix.gradient import matrix_gradient
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.matrix.model import MatGradient
from derive.matrix.expr import plain
from derive.matrix.sympy_form import to_sympy
from derive.parse.shapes import ShapeDecl, merge_shapes
from derive.core.contract import Plausible, Proved, Refuted, Unknown, is_certified
from derive.parse.declarations import merge_domains, parse_where
from derive.matrix.read_text import parse_matrix
from derive.parse.let import parse_let
from derive.render import render

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grad_corpus import ITEMS, Item  # noqa: E402

SYMPY_SECONDS = 10.0
PIPELINE_SECONDS = 60.0
RATIO_TARGET = 5.0
FD_CHECKS = ("gradient matches finite differences", "Hessian matches finite differences of the gradient")
SYMPY_COMPARISON = "agrees with SymPy's MatrixSymbol.diff"


# -- a hard wall-clock limit for a single SymPy call (SIGALRM; main thread only) --------------


from _harness import Timeout, time_limit  # noqa: E402
from _harness import innermost_derive_frame, percentile, source_fingerprint  # noqa: E402  (bench/ is the script folder)


# -- one item's inputs ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """An item read as ``derive.matrix.api.matrix_grad_job`` reads it: shapes, domains, tree, variable."""

    shapes: dict[str, ShapeDecl]
    domains: dict[str, VarDomain]
    f: M.Node
    var: M.MatSym


def prepare(item: Item) -> Prepared:
    """Parse the lets, the where text and the expression; find the variable by name."""
    shapes = merge_shapes(parse_let(t) for t in item.lets)
    domains = merge_domains(parse_where(item.where)) if item.where.strip() else {}
    f = parse_matrix(item.text, shapes, domains)
    found = {s.name: s for s in M.symbols(f)}
    if item.wrt not in found:
        raise KeyError(f"{item.wrt} does not appear in the parsed expression (found {sorted(found)})")
    return Prepared(shapes, domains, f, found[item.wrt])


class Stages:
    """Per-stage wall times of one run, and the stage running now (where a failure is pinned)."""

    __slots__ = ("current", "times", "_t")

    def __init__(self) -> None:
        self.current = ""
        self.times: dict[str, float] = {}
        self._t = time.perf_counter()

    def enter(self, name: str) -> None:
        now = time.perf_counter()
        if self.current:
            self.times[self.current] = now - self._t
        self.current, self._t = name, now

    def done(self) -> dict[str, float]:
        self.enter("")
        return self.times


def derive_once(item: Item, p: Prepared, st: Stages) -> tuple[MatGradient, str]:
    """(a): the derivation (engine) and its LaTeX."""
    st.enter("engine")
    g = matrix_gradient_of(item, p)
    st.enter("latex")
    tex = render(g, "latex", part="chain")
    return g, tex


def matrix_gradient_of(item: Item, p: Prepared) -> MatGradient:
    """The engine stage alone: differentials, identification, tidy (and the Hessian for a vector)."""
    clock = Budget(seconds=PIPELINE_SECONDS).start()
    return matrix_gradient(p.f, p.var, clock, hessian=item.hessian, source=item.text,
                           shapes=tuple(p.shapes.values()))


def full_once(item: Item, st: Stages) -> MatGradient:
    """(b): parse, derive, certify, then LaTeX and JSON of the certified result."""
    st.enter("parse")
    p = prepare(item)
    st.enter("engine")
    g = matrix_gradient_of(item, p)
    st.enter("certify")
    cg = certify_matrix_gradient(g, Budget(seconds=PIPELINE_SECONDS).start(), p.domains)
    st.enter("latex")
    render(cg, "latex", part="chain")
    st.enter("json")
    render(cg, "json")
    return cg


def sympy_diff(p: Prepared) -> Callable[[], Any]:
    """SymPy's own derivative of the same expression (built once; the call is what is timed)."""
    expr = to_sympy(p.f, native=True)
    x = sp.MatrixSymbol(p.var.name, p.var.rows, p.var.cols)
    return lambda: expr.diff(x)


# -- measurement ------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Every figure measured for one item (``None`` where the item did not get that far)."""

    id: str
    text: str
    wrt: str
    lets: list[str]
    where: str
    hessian: bool
    category: str
    issue: bool
    parsed: str = ""
    sympy_form: str = ""
    sympy_s: float | None = None
    sympy_status: str = ""
    sympy_answer: str = ""
    sympy_note: str = ""
    sympy_vs_fd: str = ""
    derive_s: float | None = None
    derive_min_s: float | None = None
    derive_stages_s: dict[str, float] = field(default_factory=dict)
    full_s: float | None = None
    full_min_s: float | None = None
    full_stages_s: dict[str, float] = field(default_factory=dict)
    ratio_derive: float | None = None
    ratio_full: float | None = None
    steps: int | None = None
    gradient_steps: int | None = None
    rules: list[str] = field(default_factory=list)
    gradient: str = ""
    hessian_text: str = ""
    latex_chars: int | None = None
    certified: bool | None = None
    uncertified: list[str] = field(default_factory=list)
    fd: bool | None = None
    fd_reason: str = ""
    error_stage: str = ""
    error_type: str = ""
    error: str = ""
    error_at: str = ""

    def flags(self) -> list[str]:
        """Why this item is listed as a finding (empty if it is not)."""
        out: list[str] = []
        if self.error_type:
            out.append(f"error in {self.error_stage}: {self.error_type}")
        if self.certified is False:
            out.append("uncertified")
        if self.fd is False:
            out.append("finite differences disagree")
        elif self.fd is None and self.certified is not None:
            out.append("finite differences undecided")
        if self.sympy_status == "disagrees":
            out.append("SymPy disagrees")
        return out






def _one_line(text: object, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


def time_sympy(call: Callable[[], Any], reps: int) -> tuple[float, Any, BaseException | None]:
    """Median time of SymPy's diff (to its answer or to its exception), the answer, the exception."""
    times: list[float] = []
    answer: Any = None
    failure: BaseException | None = None
    for _ in range(reps):
        clear_cache()
        t0 = time.perf_counter()
        try:
            with time_limit(SYMPY_SECONDS):
                answer = call()
        except (Exception, Timeout) as exc:  # SymPy failing is a figure, not an error of ours
            failure = exc
        times.append(time.perf_counter() - t0)
        if isinstance(failure, Timeout):
            break
    return statistics.median(times), answer, failure


class StageFailure(Exception):
    """A timed run failed: the stage it was in, and the original exception as ``__cause__``."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


def _timed_reps(fn: Callable[[Stages], Any], reps: int) -> tuple[Any, list[float], dict[str, float]]:
    """Run ``fn`` ``reps`` times with a cleared cache: last value, totals, median of every stage.

    The first run is also where a failure shows: it is re-raised as StageFailure naming the stage.
    """
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    value: Any = None
    for _ in range(reps):
        clear_cache()
        st = Stages()
        t0 = time.perf_counter()
        try:
            value = fn(st)
        except (Exception, Timeout) as exc:
            raise StageFailure(st.current) from exc
        totals.append(time.perf_counter() - t0)
        for k, v in st.done().items():
            stages.setdefault(k, []).append(v)
    return value, totals, {k: statistics.median(v) for k, v in stages.items()}


def _is_zero(e: Any) -> bool:
    return bool(getattr(e, "is_ZeroMatrix", False)) or e == 0 or getattr(e, "is_zero_matrix", None) is True


def _classify_sympy(r: Result, answer: Any, failure: BaseException | None, cg: MatGradient | None) -> None:
    """agrees | disagrees | returns 0 | raises | unevaluated | not evaluable, from SymPy's answer and the comparison."""
    if failure is not None:
        r.sympy_status = "raises"
        r.sympy_note = f"{type(failure).__name__}: {_one_line(failure, 160)}"
        return
    r.sympy_answer = _one_line(sp.sstr(answer), 400)
    if _is_zero(answer):
        r.sympy_status = "returns 0"
        return
    if isinstance(answer, sp.Basic) and answer.has(sp.Derivative):
        r.sympy_status = "unevaluated"
        r.sympy_note = "answer holds an unevaluated Derivative"
        return
    if cg is None:
        r.sympy_status = "unchecked"
        r.sympy_note = "derive's pipeline did not finish, so there is nothing to compare with"
        return
    verdict = next((c.certificate for c in cg.checks if c.name == SYMPY_COMPARISON), None)
    if isinstance(verdict, (Proved, Plausible)):
        r.sympy_status = "agrees"
    elif isinstance(verdict, Refuted):
        r.sympy_status = "disagrees"
    else:
        r.sympy_status = "not evaluable"
    r.sympy_note = verdict.describe() if verdict is not None else "no comparison in the certificate"


def sympy_against_fd(p: Prepared, answer: Any, points: int = 3) -> str:
    """Who is right when SymPy disagrees: SymPy's answer against central differences of f."""
    from derive.matrix.sympy_check import _numeric

    rng = np.random.default_rng(12345)
    worst, done = 0.0, 0
    for config in range(3 * points):
        if done == points:
            break
        pt = draw_point([p.f], p.var, rng, config, p.domains)
        try:
            fd = float(np.ravel(directional(p.f, pt))[0])
            value = _numeric(answer, pt, pt.direction[p.var.name].shape)
        except (Undefined, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            continue
        if value is None:
            return "SymPy's answer has the wrong shape"
        theirs = float(np.sum(value * pt.direction[p.var.name]))
        err = abs(theirs - fd) / max(1.0, abs(fd))
        if err > 1e-6:
            return f"SymPy is wrong: <G_sympy, E> = {theirs:.6g} but finite differences give {fd:.6g} ({pt.label})"
        worst = max(worst, err)
        done += 1
    return f"SymPy agrees with finite differences at {done} points (max rel. error {worst:.1e})" if done else \
        "no point where both are defined"


def run_item(item: Item, reps: int) -> Result:
    """Parse, time SymPy, (a) and (b), certify and compare: every figure for one item."""
    r = Result(item.id, item.text, item.wrt, list(item.lets), item.where, item.hessian, item.category, item.issue)
    stage = "parse"
    answer: Any = None
    failure: BaseException | None = None
    cg: MatGradient | None = None
    p: Prepared | None = None
    try:
        p = prepare(item)
        r.parsed = plain(p.f)

        stage = "to_sympy"
        call = sympy_diff(p)
        r.sympy_form = _one_line(sp.sstr(to_sympy(p.f, native=True)), 400)
        stage = "sympy diff"
        r.sympy_s, answer, failure = time_sympy(call, reps)

        prep = p
        stage = "(a)"
        (g, tex), totals, r.derive_stages_s = _timed_reps(lambda st: derive_once(item, prep, st), reps)
        r.derive_s, r.derive_min_s = statistics.median(totals), min(totals)
        if r.sympy_s:
            r.ratio_derive = r.derive_s / r.sympy_s
        steps = g.steps + g.hessian_steps
        r.steps, r.gradient_steps = len(steps), len(g.steps)
        r.rules = [s.rule for s in steps]
        r.gradient = plain(g.gradient)
        r.hessian_text = plain(g.hessian) if g.hessian is not None else ""
        r.latex_chars = len(tex)

        stage = "(b)"
        with time_limit(PIPELINE_SECONDS * reps):
            cg, totals, r.full_stages_s = _timed_reps(lambda st: full_once(item, st), reps)
        r.full_s, r.full_min_s = statistics.median(totals), min(totals)
        if r.sympy_s:
            r.ratio_full = r.full_s / r.sympy_s

        r.certified = cg.certified
        r.uncertified = [
            f"step {i} ({s.rule}): {s.certificate.describe() if s.certificate else 'no certificate'}"
            for i, s in enumerate(cg.steps + cg.hessian_steps, start=1) if not is_certified(s.certificate)
        ] + [f"check '{c.name}': {c.certificate.describe()}" for c in cg.checks
             if c.required and not c.certificate.certified]
        if cg.stationary is not None and not is_certified(cg.stationary.certificate):
            c = cg.stationary.certificate
            r.uncertified.append(f"stationary point {plain(cg.stationary.solution)}: "
                                 f"{c.describe() if c else 'no certificate'}")
        fd = [(c.name, c.certificate) for c in cg.checks if c.name in FD_CHECKS]
        if not fd:
            r.fd, r.fd_reason = None, "no finite-difference check"
        elif any(isinstance(v, Refuted) for _, v in fd):
            r.fd, r.fd_reason = False, "; ".join(f"{n}: {v.describe()}" for n, v in fd if isinstance(v, Refuted))
        elif all(is_certified(v) for _, v in fd):
            r.fd = True
        else:
            r.fd, r.fd_reason = None, "; ".join(f"{n}: {v.describe()}" for n, v in fd if isinstance(v, Unknown))
    except (Exception, Timeout) as exc:  # an error is a finding: record it, keep going
        cause: BaseException = exc
        if isinstance(exc, StageFailure) and exc.__cause__ is not None:
            stage, cause = f"{stage} {exc.stage}", exc.__cause__
        r.error_stage = stage
        r.error_type = type(cause).__name__
        r.error = _one_line(cause)
        r.error_at = innermost_derive_frame(cause)
    if r.sympy_s is not None:
        _classify_sympy(r, answer, failure, cg)
        if r.sympy_status == "disagrees" and p is not None:
            try:
                r.sympy_vs_fd = sympy_against_fd(p, answer)
            except Exception as exc:  # the referee is a nicety; its failure is recorded, not fatal
                r.sympy_vs_fd = f"could not evaluate: {type(exc).__name__}: {_one_line(exc, 120)}"
    return r


# -- summary ----------------------------------------------------------------------------------




def _share(flags: Sequence[bool | None], n: int) -> str:
    k = sum(1 for f in flags if f)
    return f"{k}/{n} = {100 * k / n:.1f}%" if n else "n/a"


def _ratios(results: Sequence[Result], attr: str, keep: Callable[[Result], bool]) -> dict[str, float | int | None]:
    vals = [getattr(r, attr) for r in results if getattr(r, attr) is not None and keep(r)]
    return {
        "n": len(vals),
        "median": statistics.median(vals) if vals else None,
        "p95": percentile(vals, 95) if vals else None,
        "max": max(vals) if vals else None,
    }


SYMPY_ANSWERED = ("agrees", "disagrees", "returns 0", "unevaluated", "not evaluable", "unchecked")


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """The headline figures (shares are over all items; errors count as failures)."""
    n = len(results)
    ran = [r for r in results if r.steps is not None]
    steps = [r.steps for r in ran if r.steps is not None]
    status = [r.sympy_status for r in results]
    stage_tot: dict[str, float] = {}
    for r in results:
        for k, v in r.full_stages_s.items():
            stage_tot[k] = stage_tot.get(k, 0.0) + v
    full_total = sum(stage_tot.values())
    issue = [r for r in results if r.issue]
    derive_ms = [1e3 * r.derive_s for r in results if r.derive_s is not None]
    full_ms = [1e3 * r.full_s for r in results if r.full_s is not None]
    sympy_ms = [1e3 * r.sympy_s for r in results if r.sympy_s is not None]
    return {
        "items": n,
        "issue_items": len(issue),
        "errors": sum(1 for r in results if r.error_type),
        "coverage": _share([r.steps is not None for r in results], n),
        "certified": _share([r.certified for r in results], n),
        "certified_issue": _share([r.certified for r in issue], len(issue)),
        "fd_agree": _share([r.fd for r in results], n),
        "fd_disagree": sum(1 for r in results if r.fd is False),
        "fd_undecided": sum(1 for r in results if r.fd is None and r.certified is not None),
        "sympy": {s: status.count(s) for s in ("agrees", "disagrees", "returns 0", "raises", "unevaluated",
                                               "not evaluable", "unchecked")},
        "sympy_disagree_wrong_by_fd": sum(1 for r in results if r.sympy_vs_fd.startswith("SymPy is wrong")),
        "steps_median": statistics.median(steps) if steps else None,
        "steps_max": max(steps) if steps else None,
        "ratio_derive_all": _ratios(results, "ratio_derive", lambda r: True),
        "ratio_derive_answered": _ratios(results, "ratio_derive", lambda r: r.sympy_status in SYMPY_ANSWERED),
        "ratio_derive_agrees": _ratios(results, "ratio_derive", lambda r: r.sympy_status == "agrees"),
        "ratio_full_all": _ratios(results, "ratio_full", lambda r: True),
        "ratio_full_answered": _ratios(results, "ratio_full", lambda r: r.sympy_status in SYMPY_ANSWERED),
        "ratio_full_agrees": _ratios(results, "ratio_full", lambda r: r.sympy_status == "agrees"),
        "derive_ms_median": statistics.median(derive_ms) if derive_ms else None,
        "full_ms_median": statistics.median(full_ms) if full_ms else None,
        "full_ms_p95": percentile(full_ms, 95) if full_ms else None,
        "sympy_ms_median": statistics.median(sympy_ms) if sympy_ms else None,
        "full_stage_share": {k: v / full_total for k, v in stage_tot.items()} if full_total else {},
        "full_stage_total_s": stage_tot,
    }


def _fmt(v: object, spec: str = "") -> str:
    if v is None:
        return "n/a"
    return format(v, spec) if spec else str(v)


def _ratio_row(d: Mapping[str, Any]) -> str:
    return (f"{_fmt(d['median'], '.1f')} / {_fmt(d['p95'], '.1f')} / {_fmt(d['max'], '.0f')}  "
            f"(n={d['n']})")


def report(results: Sequence[Result], command: str, reps: int, elapsed: float) -> None:
    """Print the summary, the per-item lines, the slowest items, the findings and the command."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=200)
    s = summary(results)
    console.print(
        f"[bold]derive matrix-calculus benchmark[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
        f"{platform.machine()} {platform.system()}; reps={reps}; wall {elapsed:.1f} s; "
        f"derive/ tree {source_fingerprint()}"
    )

    it = Table(title="Per item (times: median of reps, cache cleared; ratios against SymPy's MatrixSymbol.diff)")
    cols = ("id", "category", "steps", "certified", "FD", "SymPy", "SymPy ms", "(a) ms", "(b) ms",
            "(a)/SymPy", "(b)/SymPy", "gradient")
    for col in cols:
        it.add_column(col, justify="right" if "ms" in col or "/" in col or col == "steps" else "left",
                      no_wrap=col != "gradient", overflow="fold")
    for r in results:
        if r.error_type:
            it.add_row(r.id, r.category, "", "[red]ERROR[/red]", "", escape(r.sympy_status),
                       _fmt(None if r.sympy_s is None else 1e3 * r.sympy_s, ".2f"), "", "", "", "",
                       escape(f"{r.error_stage}: {r.error_type}"))
            continue
        it.add_row(
            r.id, r.category, _fmt(r.steps), "yes" if r.certified else "[red]no[/red]",
            {True: "ok", False: "[red]refuted[/red]", None: "[yellow]?[/yellow]"}[r.fd], escape(r.sympy_status),
            _fmt(None if r.sympy_s is None else 1e3 * r.sympy_s, ".2f"),
            _fmt(None if r.derive_s is None else 1e3 * r.derive_s, ".1f"),
            _fmt(None if r.full_s is None else 1e3 * r.full_s, ".0f"),
            _fmt(r.ratio_derive, ".1f"), _fmt(r.ratio_full, ".0f"), escape(r.gradient),
        )
    console.print(it)

    t = Table(title="Summary", show_header=True)
    t.add_column("figure")
    t.add_column("value", justify="right")
    sy = s["sympy"]
    shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(s["full_stage_share"].items(), key=lambda kv: -kv[1]))
    rows = [
        ("items (issue's list) / errors", f"{s['items']} ({s['issue_items']}) / {s['errors']}"),
        ("coverage (a derivation was produced)", s["coverage"]),
        ("every step and check certified", s["certified"]),
        ("  of the issue's list", s["certified_issue"]),
        ("finite differences agree (required check)", s["fd_agree"]),
        ("  refuted / undecided", f"{s['fd_disagree']} / {s['fd_undecided']}"),
        ("SymPy MatrixSymbol.diff: agrees / disagrees", f"{sy['agrees']} / {sy['disagrees']}"),
        ("  SymPy disagrees and finite differences side with derive", str(s["sympy_disagree_wrong_by_fd"])),
        ("  SymPy returns 0 / raises / unevaluated / not evaluable",
         f"{sy['returns 0']} / {sy['raises']} / {sy['unevaluated']} / {sy['not evaluable']}"),
        ("  SymPy answers, derive errors (unchecked)", str(sy["unchecked"])),
        ("steps per item: median / max", f"{_fmt(s['steps_median'])} / {_fmt(s['steps_max'])}"),
        ("(a) derivation+LaTeX / SymPy: median / p95 / max, all items", _ratio_row(s["ratio_derive_all"])),
        ("  where SymPy returns an answer", _ratio_row(s["ratio_derive_answered"])),
        ("  where SymPy agrees", _ratio_row(s["ratio_derive_agrees"])),
        ("(b) full certified pipeline / SymPy: median / p95 / max, all", _ratio_row(s["ratio_full_all"])),
        ("  where SymPy returns an answer", _ratio_row(s["ratio_full_answered"])),
        ("  where SymPy agrees", _ratio_row(s["ratio_full_agrees"])),
        ("(a) median ms / (b) median ms (p95) / SymPy median ms",
         f"{_fmt(s['derive_ms_median'], '.1f')} / {_fmt(s['full_ms_median'], '.0f')} "
         f"({_fmt(s['full_ms_p95'], '.0f')}) / {_fmt(s['sympy_ms_median'], '.2f')}"),
        ("(b) time by stage, whole corpus", shares),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    console.print(t)
    ra = s["ratio_derive_all"]["median"]
    rb = s["ratio_full_all"]["median"]
    all_certified = sum(1 for r in results if r.certified) == len(results)
    console.print(
        f"targets: 100% certified: {'met' if all_certified else 'NOT met'} "
        f"({s['certified']}); median ratio <= {RATIO_TARGET:g}: (a) "
        f"{'met' if ra is not None and ra <= RATIO_TARGET else 'NOT met'} ({_fmt(ra, '.1f')}), (b) "
        f"{'met' if rb is not None and rb <= RATIO_TARGET else 'NOT met'} ({_fmt(rb, '.1f')})"
    )

    slow = sorted((r for r in results if r.full_s is not None), key=lambda r: r.full_s or 0.0, reverse=True)[:12]
    st = Table(title="Slowest items, full pipeline (b), median stage times in ms")
    for col in ("id", "(b) ms", "parse", "engine", "certify", "LaTeX", "JSON", "(a) ms", "SymPy ms", "steps"):
        st.add_column(col, justify="left" if col == "id" else "right")
    for r in slow:
        fs = r.full_stages_s
        st.add_row(r.id, f"{1e3 * (r.full_s or 0):.0f}", *(f"{1e3 * fs.get(k, 0):.1f}" for k in
                   ("parse", "engine", "certify", "latex", "json")),
                   f"{1e3 * (r.derive_s or 0):.1f}", _fmt(None if r.sympy_s is None else 1e3 * r.sympy_s, ".2f"),
                   _fmt(r.steps))
    console.print(st)

    flagged = [r for r in results if r.flags()]
    ft = Table(title=f"Findings: {len(flagged)} item(s) erroring, uncertified, with finite differences not "
               "agreeing, or where SymPy disagrees", show_lines=True)
    ft.add_column("id", no_wrap=True)
    ft.add_column("input")
    ft.add_column("flags")
    ft.add_column("reason")
    for r in flagged:
        reasons: list[str] = []
        if r.error_type:
            reasons.append(f"{r.error_type}: {r.error} (at {r.error_at})")
        reasons += r.uncertified
        if r.fd is not True and r.fd_reason and not r.error_type:
            reasons.append(f"finite differences: {r.fd_reason}")
        if r.sympy_status == "disagrees":
            reasons.append(f"SymPy: {r.sympy_answer}; {r.sympy_note}; {r.sympy_vs_fd}")
        lets = "; ".join(r.lets) + (f"; where {r.where}" if r.where else "")
        ft.add_row(r.id, escape(f"{r.text}  (wrt {r.wrt}; {lets}{'; hessian' if r.hessian else ''})"),
                   escape("; ".join(r.flags())), escape("\n".join(reasons)))
    console.print(ft)
    console.print(f"reproduce: [bold]{escape(command)}[/bold]")


def profile_items(items: Sequence[Item], reps: int, top: int, title: str) -> None:
    """cProfile of the full pipeline (b) over ``items``: the hottest functions, overall and in derive/."""
    prof = cProfile.Profile()
    for item in items:
        for _ in range(reps):
            clear_cache()
            prof.enable()
            try:
                full_once(item, Stages())
            except Exception as exc:  # profiling goes on; the main run reports the error
                print(f"{item.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                prof.disable()
    print(f"== cProfile of {title} ({reps} run(s) each) ==")
    for key, pattern in (("cumulative", None), ("tottime", None), ("cumulative", r"/derive/")):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats(key)
        if pattern:
            print("-- functions in derive/ only, by cumulative time --")
            stats.print_stats(pattern, top)
        else:
            stats.print_stats(top)
        print(out.getvalue())


WARM_UP = ("quad-xAx", "logreg", "ridge")


def warm_up(by_id: Mapping[str, Item]) -> None:
    """One untimed pass of both sides on two items: lazy imports (SymPy's array expressions, the
    comparison module, Lark's grammar) land here instead of in the first item's times."""
    for iid in WARM_UP:
        item = by_id[iid]
        try:
            sympy_diff(prepare(item))()
        except Exception:  # noqa: S110 - SymPy failing here is measured per item later
            pass
        try:
            full_once(item, Stages())
        except Exception as exc:  # reported per item later; say so now too
            print(f"warm-up on {iid}: {type(exc).__name__}: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--reps", type=int, default=3, metavar="N", help="repetitions per side (median; default 3)")
    p.add_argument("--items", type=int, metavar="K", help="only the first K items")
    p.add_argument("--only", nargs="+", metavar="ID", help="only these item ids")
    p.add_argument("--json", type=Path, metavar="PATH", help="write every per-item figure here")
    p.add_argument("--profile", nargs="+", metavar="ID", help="cProfile the full pipeline on these items (or 'all')")
    p.add_argument("--top", type=int, default=25, help="rows per cProfile listing (default 25)")
    args = p.parse_args(argv)
    if args.reps < 1:
        p.error("--reps must be at least 1")
    by_id = {i.id: i for i in ITEMS}
    unknown = [i for i in (args.only or []) + [x for x in (args.profile or []) if x != "all"] if i not in by_id]
    if unknown:
        p.error(f"unknown item id(s): {', '.join(unknown)}")
    if args.profile:
        warm_up(by_id)
        if args.profile == ["all"]:
            profile_items(ITEMS, args.reps, args.top, f"all {len(ITEMS)} items")
        for pid in (x for x in args.profile if x != "all"):
            item = by_id[pid]
            profile_items([item], args.reps, args.top, f"{item.id}: {item.text} wrt {item.wrt}")
        return 0
    items = [by_id[i] for i in args.only] if args.only else list(ITEMS)
    if args.items is not None:
        items = items[: args.items]
    start = time.perf_counter()
    warm_up(by_id)
    results: list[Result] = []
    for k, item in enumerate(items, start=1):
        r = run_item(item, args.reps)
        results.append(r)
        mark = f"ERROR {r.error_type}" if r.error_type else ("; ".join(r.flags()) or "ok")
        print(f"[{k:3}/{len(items)}] {item.id:22} {mark}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    command = f"cd {ROOT} && .venv/bin/python bench/bench_grad.py {cmd_args}".rstrip()
    report(results, command, args.reps, elapsed)
    if args.json:
        payload = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "sympy": sp.__version__,
            "numpy": np.__version__,
            "platform": platform.platform(),
            "reps": args.reps,
            "wall_s": elapsed,
            "derive_tree_sha256_12": source_fingerprint(),
            "command": command,
            "summary": summary(results),
            "items": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
