"""Differentiation benchmark: coverage, agreement, certification and speed against sympy.diff.

Run from the repository root:

    .venv/bin/python bench/bench_diff.py [--repeat N] [--limit K] [--only ID ...] [--json OUT]
    .venv/bin/python bench/bench_diff.py --profile ID ... | all   (cProfile of ours instead)

For every corpus item (``bench/diff_corpus.py``) the text is parsed with
``derive.parse.text.parse_text``, then, in this one process:

* baseline: ``sympy.diff(expr, *wrt)``, SymPy's cache cleared before each repetition;
* ours: ``differentiate`` + ``render(d, "latex")`` (steps and LaTeX), cache cleared likewise;
* once, outside the ratio: ``certify_derivation``.

The ratio ours/baseline is taken per item on the medians of N repetitions.
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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: make ``derive`` importable
    sys.path.insert(0, str(ROOT))

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from derive.core.budget import Budget
from derive.scalar.certify import certify_derivation
from derive.scalar.strategy import differentiate
from derive.scalar.model import Derivation
from derive.parse.domain import VarDomain, make_symbol
from derive.core.contract import Plausible, Proved, Refuted, is_certified
from derive.parse.declarations import merge_domains, parse_where
from derive.parse.text import parse_text
from derive.render import render

sys.path.insert(0, str(Path(__file__).resolve().parent))
from diff_corpus import ITEMS, Item  # noqa: E402

RATIO_FLAG = 10.0
SIMPLIFY_SECONDS = 10.0
CERTIFY_SECONDS = 60.0


# -- a hard wall-clock limit for a single SymPy call (SIGALRM; main thread only) --------------


from _harness import Timeout, time_limit  # noqa: E402
from _harness import innermost_derive_frame, percentile, source_fingerprint  # noqa: E402  (bench/ is the script folder)


# -- domains and variables --------------------------------------------------------------------


def domains_for(where: str) -> dict[str, VarDomain]:
    """The domains an item's ``where`` text declares (read as ``derive.scalar.api`` reads --where)."""
    if not where.strip():
        return {}
    return merge_domains(parse_where(where))


def wrt_symbols(names: Sequence[str], expr: sp.Expr, domains: Mapping[str, VarDomain]) -> list[sp.Symbol]:
    """The expression's own symbols by name (so assumptions match), else fresh real ones."""
    by_name = {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return [by_name.get(n) or make_symbol(n, domains) for n in names]


# -- measurement ------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Every figure measured for one item (``None`` where the item did not get that far)."""

    id: str
    text: str
    wrt: list[str]
    where: str
    tags: list[str]
    parsed: str = ""
    parse_s: float | None = None
    baseline_s: float | None = None
    ours_s: float | None = None
    ours_engine_s: float | None = None
    ours_latex_s: float | None = None
    ratio: float | None = None
    certify_s: float | None = None
    steps: int | None = None
    rules: list[str] = field(default_factory=list)
    complete: bool | None = None
    cas_reasons: list[str] = field(default_factory=list)
    agree: bool | None = None
    agree_method: str = ""
    certified: bool | None = None
    uncertified: list[str] = field(default_factory=list)
    result: str = ""
    latex_chars: int | None = None
    error_stage: str = ""
    error_type: str = ""
    error: str = ""
    error_at: str = ""

    def flags(self) -> list[str]:
        """Why this item is listed as a finding (empty if it is not)."""
        out: list[str] = []
        if self.error_type:
            out.append(f"error in {self.error_stage}: {self.error_type}")
        if self.complete is False:
            out.append("incomplete")
        if self.agree is False:
            out.append("disagrees")
        elif self.agree is None and not self.error_type:
            out.append("agreement undecided")
        if self.certified is False:
            out.append("uncertified")
        if self.ratio is not None and self.ratio > RATIO_FLAG:
            out.append(f"ratio {self.ratio:.1f}")
        return out




def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, SymPy's cache cleared before each."""
    times: list[float] = []
    for _ in range(repeat):
        clear_cache()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _ours_once(expr: sp.Expr, wrt: Sequence[sp.Symbol], source: str) -> tuple[Derivation, str, float, float]:
    clock = Budget().start()
    t0 = time.perf_counter()
    d = differentiate(expr, wrt, clock, source=source)
    t1 = time.perf_counter()
    tex = render(d, "latex")
    t2 = time.perf_counter()
    return d, tex, t1 - t0, t2 - t1


def measure_ours(expr: sp.Expr, wrt: Sequence[sp.Symbol], source: str, repeat: int) -> tuple[
    Derivation, str, float, float, float
]:
    """(derivation, LaTeX, median total, median engine part, median LaTeX part) over ``repeat`` runs."""
    totals: list[float] = []
    engine: list[float] = []
    latex: list[float] = []
    last: tuple[Derivation, str] | None = None
    for _ in range(repeat):
        clear_cache()
        t0 = time.perf_counter()
        d, tex, te, tl = _ours_once(expr, wrt, source)
        totals.append(time.perf_counter() - t0)
        engine.append(te)
        latex.append(tl)
        last = (d, tex)
    assert last is not None
    return (last[0], last[1], statistics.median(totals), statistics.median(engine), statistics.median(latex))


def _agreement(d: Derivation, reference: sp.Expr, r: Result) -> None:
    """Ours vs sympy.diff: ``simplify(difference) == 0``, else the certificate's verdict."""
    try:
        with time_limit(SIMPLIFY_SECONDS):
            zero = sp.simplify(d.result - reference) == 0
    except Timeout:
        zero = False
        simplify_note = f"simplify over {SIMPLIFY_SECONDS:g} s"
    else:
        simplify_note = "simplify != 0"
    if zero:
        r.agree, r.agree_method = True, "simplify(ours - sympy.diff) = 0"
        return
    verdict = dict(d.checks).get("agrees with sympy.diff")
    if isinstance(verdict, (Proved, Plausible)):
        r.agree, r.agree_method = True, f"{simplify_note}; certificate {verdict.describe()}"
    elif isinstance(verdict, Refuted):
        r.agree, r.agree_method = False, f"{simplify_note}; certificate {verdict.describe()}"
    else:
        r.agree = None
        r.agree_method = f"{simplify_note}; certificate {verdict.describe() if verdict else 'missing'}"




def run_item(item: Item, repeat: int) -> Result:
    """Parse, time both sides, certify once and compare: every figure for one item."""
    r = Result(item.id, item.text, list(item.wrt), item.where, list(item.tags))
    stage = "domains"
    try:
        domains = domains_for(item.where)
        stage = "parse"
        t0 = time.perf_counter()
        expr = parse_text(item.text, domains)
        r.parse_s = time.perf_counter() - t0
        r.parsed = sp.sstr(expr)
        wrt = wrt_symbols(item.wrt, expr, domains)

        stage = "sympy.diff"
        reference = sp.diff(expr, *wrt)
        r.baseline_s = median_time(lambda: sp.diff(expr, *wrt), repeat)

        stage = "differentiate"  # one untimed run first, so a failure is pinned on its stage
        clear_cache()
        d = differentiate(expr, wrt, Budget().start(), source=item.text)
        stage = "derivation_latex"
        render(d, "latex")
        stage = "timing ours"
        d, tex, r.ours_s, r.ours_engine_s, r.ours_latex_s = measure_ours(expr, wrt, item.text, repeat)
        r.ratio = r.ours_s / r.baseline_s if r.baseline_s > 0 else None
        r.steps = len(d.steps)
        r.rules = [s.rule for s in d.steps]
        r.complete = d.complete
        r.cas_reasons = [getattr(rule, "reason", "") for s in d.steps if s.rule == "cas" for rule in s.rules]
        r.result = sp.sstr(d.result)
        r.latex_chars = len(tex)

        stage = "certify"
        clear_cache()
        t0 = time.perf_counter()
        with time_limit(CERTIFY_SECONDS):
            cd = certify_derivation(d, Budget(seconds=CERTIFY_SECONDS).start(), domains)
        r.certify_s = time.perf_counter() - t0
        r.certified = cd.certified
        r.uncertified = [
            f"step {i} ({s.rule}): {s.certificate.describe() if s.certificate else 'no certificate'}"
            for i, s in enumerate(cd.steps, start=1)
            if not is_certified(s.certificate)
        ] + [f"check '{name}': {v.describe()}" for name, v in cd.checks if not is_certified(v)]

        stage = "agreement"
        _agreement(cd, reference, r)
    except (Exception, Timeout) as exc:  # an error is a finding: record it, keep going
        r.error_stage = stage
        r.error_type = type(exc).__name__
        r.error = " ".join(str(exc).split())[:300]
        r.error_at = innermost_derive_frame(exc)
    return r


# -- summary ----------------------------------------------------------------------------------




def _share(flags: Sequence[bool | None], n: int) -> str:
    k = sum(1 for f in flags if f)
    return f"{k}/{n} = {100 * k / n:.1f}%" if n else "n/a"


def summary(results: Sequence[Result]) -> dict[str, object]:
    """The headline figures (shares are over all items; errors count as failures)."""
    n = len(results)
    ran = [r for r in results if r.steps is not None]
    ratios = [r.ratio for r in results if r.ratio is not None]
    steps = [r.steps for r in ran if r.steps is not None]
    cert = [r.certify_s for r in results if r.certify_s is not None]
    ours = [r.ours_s for r in results if r.ours_s is not None]
    base = [r.baseline_s for r in results if r.baseline_s is not None]
    return {
        "items": n,
        "errors": sum(1 for r in results if r.error_type),
        "coverage": _share([r.complete for r in results], n),
        "agreement": _share([r.agree for r in results], n),
        "certified": _share([r.certified for r in results], n),
        "steps_median": statistics.median(steps) if steps else None,
        "steps_max": max(steps) if steps else None,
        "ratio_median": statistics.median(ratios) if ratios else None,
        "ratio_p95": percentile(ratios, 95) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "ours_ms_median": 1e3 * statistics.median(ours) if ours else None,
        "baseline_ms_median": 1e3 * statistics.median(base) if base else None,
        "certify_ms_median": 1e3 * statistics.median(cert) if cert else None,
        "certify_ms_p95": 1e3 * percentile(cert, 95) if cert else None,
    }


def _fmt(v: object, spec: str = "") -> str:
    if v is None:
        return "n/a"
    return format(v, spec) if spec else str(v)


def report(results: Sequence[Result], command: str, repeat: int, elapsed: float) -> None:
    """Print the summary table, the findings and the command that reproduces them."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=160)
    s = summary(results)
    console.print(
        f"[bold]derive differentiation benchmark[/bold]  {_dt.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}, sympy {sp.__version__}, {platform.machine()} "
        f"{platform.system()}; repeat={repeat}; wall {elapsed:.1f} s; derive/ tree {source_fingerprint()}"
    )
    t = Table(title="Summary", show_header=True)
    t.add_column("figure")
    t.add_column("value", justify="right")
    rows = [
        ("items (errors)", f"{s['items']} ({s['errors']})"),
        ("coverage (no 'cas' step)", s["coverage"]),
        ("agrees with sympy.diff", s["agreement"]),
        ("every step and check certified", s["certified"]),
        ("steps per item: median / max", f"{_fmt(s['steps_median'])} / {_fmt(s['steps_max'])}"),
        ("ratio ours/sympy.diff: median", _fmt(s["ratio_median"], ".1f")),
        ("ratio ours/sympy.diff: p95", _fmt(s["ratio_p95"], ".1f")),
        ("ratio ours/sympy.diff: max", _fmt(s["ratio_max"], ".1f")),
        ("ours (steps + LaTeX) median ms", _fmt(s["ours_ms_median"], ".2f")),
        ("sympy.diff median ms", _fmt(s["baseline_ms_median"], ".3f")),
        ("certification median ms (p95)", f"{_fmt(s['certify_ms_median'], '.1f')} ({_fmt(s['certify_ms_p95'], '.1f')})"),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    console.print(t)

    slow = sorted((r for r in results if r.ours_s is not None), key=lambda r: r.ours_s or 0.0, reverse=True)[:10]
    st = Table(title="Slowest items (ours, steps + LaTeX)")
    for col in ("id", "ours ms", "engine ms", "LaTeX ms", "sympy.diff ms", "ratio", "steps", "certify ms"):
        st.add_column(col, justify="left" if col == "id" else "right")
    for r in slow:
        st.add_row(
            r.id, f"{1e3 * (r.ours_s or 0):.1f}", f"{1e3 * (r.ours_engine_s or 0):.1f}",
            f"{1e3 * (r.ours_latex_s or 0):.1f}", f"{1e3 * (r.baseline_s or 0):.2f}", _fmt(r.ratio, ".1f"),
            _fmt(r.steps), _fmt(None if r.certify_s is None else 1e3 * r.certify_s, ".0f"),
        )
    console.print(st)

    flagged = [r for r in results if r.flags()]
    ft = Table(title=f"Findings: {len(flagged)} item(s) incomplete, disagreeing, uncertified, erroring "
               f"or with ratio > {RATIO_FLAG:g}", show_lines=True)
    ft.add_column("id", no_wrap=True)
    ft.add_column("text")
    ft.add_column("flags")
    ft.add_column("reason")
    for r in flagged:
        reasons: list[str] = []
        if r.error_type:
            reasons.append(f"{r.error_type}: {r.error} (at {r.error_at})")
        reasons += [f"cas: {c}" for c in r.cas_reasons]
        if r.agree is not True and r.agree_method:
            reasons.append(f"agreement: {r.agree_method}")
        reasons += r.uncertified
        if r.ratio is not None and r.ratio > RATIO_FLAG:
            reasons.append(
                f"ours {1e3 * (r.ours_s or 0):.1f} ms (engine {1e3 * (r.ours_engine_s or 0):.1f}, "
                f"LaTeX {1e3 * (r.ours_latex_s or 0):.1f}) vs sympy.diff {1e3 * (r.baseline_s or 0):.2f} ms; "
                f"{r.steps} steps: {', '.join(r.rules)}"
            )
        ft.add_row(r.id, escape(f"{r.text}  (wrt {','.join(r.wrt)})"), escape("; ".join(r.flags())),
                   escape("\n".join(reasons)))
    console.print(ft)
    console.print(f"reproduce: [bold]{command}[/bold]")


def profile_items(items: Sequence[Item], repeat: int, top: int, title: str) -> None:
    """cProfile of ours (steps + LaTeX) over ``items``: the hottest functions, overall and in derive/."""
    prof = cProfile.Profile()
    for item in items:
        domains = domains_for(item.where)
        expr = parse_text(item.text, domains)
        wrt = wrt_symbols(item.wrt, expr, domains)
        for _ in range(repeat):
            clear_cache()
            prof.enable()
            try:
                _ours_once(expr, wrt, item.text)
            except Exception as exc:  # profiling goes on; the main run reports the error
                print(f"{item.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    print(f"== cProfile of {title} ({repeat} run(s) each) ==")
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"/derive/", top)
    print("-- functions in derive/ only, by cumulative time --")
    print(out.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--repeat", type=int, default=5, metavar="N", help="repetitions per side (median; default 5)")
    p.add_argument("--limit", type=int, metavar="K", help="only the first K items")
    p.add_argument("--only", nargs="+", metavar="ID", help="only these item ids")
    p.add_argument("--json", type=Path, metavar="OUT", help="write every per-item figure here")
    p.add_argument("--profile", nargs="+", metavar="ID", help="cProfile ours on these items (or 'all') instead")
    p.add_argument("--top", type=int, default=25, help="rows per cProfile listing (default 25)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    by_id = {i.id: i for i in ITEMS}
    if args.profile:
        if args.profile == ["all"]:
            profile_items(ITEMS, args.repeat, args.top, f"all {len(ITEMS)} items")
        for pid in (p for p in args.profile if p != "all"):
            item = by_id[pid]
            profile_items([item], args.repeat, args.top, f"{item.id}: {item.text} wrt {','.join(item.wrt)}")
        return 0
    items = [by_id[i] for i in args.only] if args.only else list(ITEMS)
    if args.limit is not None:
        items = items[: args.limit]
    start = time.perf_counter()
    results: list[Result] = []
    for k, item in enumerate(items, start=1):
        r = run_item(item, args.repeat)
        results.append(r)
        mark = f"ERROR {r.error_type}" if r.error_type else ("; ".join(r.flags()) or "ok")
        print(f"[{k:3}/{len(items)}] {item.id:28} {mark}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    cmd_args = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    command = f"cd {ROOT} && .venv/bin/python bench/bench_diff.py {cmd_args}".rstrip()
    report(results, command, args.repeat, elapsed)
    if args.json:
        payload = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "sympy": sp.__version__,
            "platform": platform.platform(),
            "repeat": args.repeat,
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
