"""`derive check` on the corpus of hand derivations: verdicts, planted errors, hints, unread steps, speed.

    .venv/bin/python bench/bench_check.py [--corpus all|main|ext] [--only NAME ...] [--timeout S]
                                          [--no-baseline] [--out bench/results/check_corpus]

Two corpora, one table each: ``bench/check_corpus`` (ours) and ``bench/check_corpus_ext`` (transcribed
in the styles of textbooks, lecture notes and homework solutions by other authors; results in
``OUT_ext.*``). Every file of a corpus's ``manifest.json`` (written by ``bench/make_check_corpus.py``:
the hand-written correct derivations and their copies with one planted slip) goes through the
API's job (``derive.checker.api._check_job``, what ``derive.check(path)`` runs in its worker) in this process,
after one untimed warm-up file (lazy imports, the grammar). Per file:

* **correct file**: accepted (verdict "correct": every step proved or plausible), a **false
  alarm** (some step refuted), unverifiable (nothing refuted, some step unparsed or unknown), or
  an error (an exception, e.g. the budget);
* **planted copy**: caught at its line (first refuted step on the expected line), caught at
  another line (earlier: a false alarm in the unchanged part; later: the slip was missed), missed
  (nothing refuted), or an error; for a catch at its line, whether the hint names the slip
  (``hint_matches``);
* every step that is unparsed or unknown, with its reason;
* a hard wall-clock limit of the budget + 30 s (SIGALRM): the API's budget is checked between
  pieces of work, so a SymPy call that never returns would otherwise hold the run; a file stopped
  there is an error ("Timeout") with its time;
* time: the whole ``check`` call per file, and per step the time of ``derive.checker.run._step``
  (reading both sides, certifying, diagnosing), recorded by wrapping that function.

The **baseline**, run in the same command right after each file: plain SymPy deciding each step
as read by derive, ``sympy.simplify(lhs.doit() - rhs.doit()) == 0`` (the difference of the two
readings; for a relation or a logical step, the difference of its two sides' equations is not
defined and the step is skipped), SymPy's cache cleared before it, 10 s limit. The ratio
ours/baseline is per step, over the steps that have both.

Writes ``OUT.txt`` (the report printed) and ``OUT.json`` (every per-file and per-step figure, the
summary, the SHA-256 fingerprint of ``derive/``).
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Timeout, innermost_derive_frame, percentile, source_fingerprint, time_limit  # noqa: E402

CORPORA = {"main": ROOT / "bench" / "check_corpus", "ext": ROOT / "bench" / "check_corpus_ext"}
"""The corpora measured: ours (``check_corpus``) and the one transcribed in other authors' styles
(``check_corpus_ext``); each has its own manifest and its own table."""
BASELINE_LIMIT = 10.0
HARD_MARGIN = 30.0

_FACTOR = re.compile(r"(missing|extra) factor (\S+?)(?: in |$)")
_INVERSE = {"2": "1/2", "1/2": "2", "n": "1/n", "1/n": "n", "4": "1/4", "1/4": "4", "3": "1/3", "1/3": "3"}
_KIND_PATTERNS: dict[str, str] = {
    "sign": r"sign flip",
    "dropped_term": r"dropped term|differ by",
    "extra_term": r"extra term|differ by",
    "transpose": r"transpos",
    "reversed_product": r"revers|order of the product|transpos",
    "symmetric_2Ax": r"symmetric",
    "power": r"power off by one",
    "chain_factor": r"chain factor",
    "escaped_index": r"escaped",
    "root": r"wrong solution|solved by|no solution",
}


def hint_names(hint: str | None, kind: str, factor: str | None) -> bool:
    """Whether ``hint`` names the slip ``kind`` (for a factor: multiplied by ``factor``)."""
    if not hint:
        return False
    if kind == "factor":
        m = _FACTOR.search(hint)
        if not m or factor is None:
            return False
        said = m.group(2).strip("$")
        # "missing factor g": the right side needs g, so the edit multiplied it by 1/g
        named = (said == factor) if m.group(1) == "extra" else (_INVERSE.get(said) == factor)
        # in an equation a factor c too many on one side is a factor c missing on the other: the hint
        # may name either side, whichever the edit touched
        opposite = (_INVERSE.get(said) == factor) if m.group(1) == "extra" else (said == factor)
        return named or ("side of the equation" in hint and opposite)
    pattern = _KIND_PATTERNS.get(kind)
    return bool(pattern and re.search(pattern, hint, re.IGNORECASE))


def hint_matches(entry: dict[str, Any], hint: str | None) -> bool:
    if entry["kind"] == "inequality":
        return True  # no hint is asked for a bound that fails
    kinds = [entry["kind"], *entry.get("also", [])]
    return any(hint_names(hint, k, entry.get("factor")) for k in kinds)


def classify(entry: dict[str, Any], verdict: str | None, first_line: int | None, hint: str | None) -> str:
    """The outcome of one file against its manifest entry."""
    if verdict is None:
        return "error"
    if entry["expected"] == "correct":
        return {"correct": "accepted", "incorrect": "false alarm"}.get(verdict, "unverifiable")
    if verdict != "incorrect":
        return "missed"
    if first_line == entry["line"]:
        return "caught at line"
    return "caught earlier" if first_line is not None and first_line < entry["line"] else "caught later"


def run(args: argparse.Namespace, corpus: Path) -> dict[str, Any]:
    import sympy as sp

    from derive.checker import run as run_module
    from derive.checker.api import Checked, _check_job, read_source
    from derive.core.budget import Budget
    from derive.render.notation.text import hint_text

    def plain(hint: Any) -> str | None:
        """The hint as the JSON contract and the terminal print it (plain text)."""
        return None if hint is None else hint_text(hint.parts)

    def check(path: Path, budget: Budget) -> Checked:
        """The API's job in this process (``derive.check`` runs the same job in a worker): the
        per-step timer below sees every step, and nothing else is timed."""
        return Checked(_check_job(read_source(path), path.name, budget))

    from derive.core.errors import DeriveError

    manifest: list[dict[str, Any]] = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    if args.only:
        manifest = [m for m in manifest if any(o in m["file"] for o in args.only)]
    step_times: list[tuple[int, float]] = []
    original = run_module._step

    def timed_step(index: int, *a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        out = original(index, *a, **k)
        step_times.append((index, time.perf_counter() - t0))
        return out

    run_module._step = timed_step  # type: ignore[assignment]
    fingerprint = source_fingerprint()
    # warm-up: lazy imports, grammar, the first SymPy caches
    check(CORPORA["main"] / "chain_sqrt_exp.tex", budget=Budget(seconds=args.timeout))
    records: list[dict[str, Any]] = []
    for n, entry in enumerate(manifest, 1):
        path = corpus / entry["file"]
        step_times.clear()
        sp.core.cache.clear_cache()
        rec: dict[str, Any] = {"file": entry["file"], "expected": entry["expected"], "expected_line": entry["line"],
                               "kind": entry["kind"], "factor": entry.get("factor")}
        t0 = time.perf_counter()
        try:
            # the API's budget is cooperative (checked between pieces of work); a SymPy call that
            # never returns is stopped here, HARD_MARGIN seconds after the budget, and recorded
            with time_limit(args.timeout + HARD_MARGIN):
                result = check(path, budget=Budget(seconds=args.timeout))
            rec["seconds"] = time.perf_counter() - t0
            report = result.report
        except (DeriveError, Exception, Timeout) as exc:  # noqa: BLE001 - every failure is a finding
            rec["seconds"] = time.perf_counter() - t0
            rec.update(verdict=None, first_error=None, steps=[],
                       error={"type": type(exc).__name__, "message": str(exc)[:500], "where": innermost_derive_frame(exc)})
            rec["outcome"] = classify(entry, None, None, None)
            records.append(rec)
            print(f"[{n}/{len(manifest)}] {entry['file']}: ERROR {type(exc).__name__}: {str(exc)[:160]}", flush=True)
            continue
        times = dict(step_times)
        steps = []
        for s in report.steps:
            st: dict[str, Any] = {"step": s.index, "line": s.line, "relation": s.relation, "status": s.status,
                                  "lhs": s.lhs_latex, "rhs": s.rhs_latex, "read_lhs": s.read_lhs, "read_rhs": s.read_rhs,
                                  "certificate": s.certificate.describe(), "hint": plain(s.hint),
                                  "hint_kind": None if s.hint is None else s.hint.kind,
                                  "expected_rhs": s.expected_latex, "seconds": times.get(s.index)}
            if not args.no_baseline and s.before is not None and s.after is not None and s.relation == "=":
                st["baseline_seconds"], st["baseline"] = _baseline(sp, s.before, s.after)
            steps.append(st)
        fe = report.first_error
        rec.update(verdict=report.outcome, steps=steps,
                   first_error=None if fe is None else {"line": fe.line, "step": fe.index, "hint": plain(fe.hint),
                                                        "certificate": fe.certificate.describe()})
        rec["outcome"] = classify(entry, report.outcome, None if fe is None else fe.line,
                                  None if fe is None else plain(fe.hint))
        if rec["outcome"] == "caught at line":
            rec["hint_ok"] = hint_matches(entry, plain(fe.hint) if fe else None)
        records.append(rec)
        print(f"[{n}/{len(manifest)}] {entry['file']}: {rec['outcome']}"
              + ("" if "hint_ok" not in rec else f", hint {'ok' if rec['hint_ok'] else 'WRONG'}")
              + f" ({rec['seconds']:.2f} s)", flush=True)
    run_module._step = original  # type: ignore[assignment]
    return {"records": records, "fingerprint": fingerprint, "fingerprint_end": source_fingerprint()}


def _baseline(sp: Any, lhs: Any, rhs: Any) -> tuple[float | None, str]:
    """Plain SymPy: does simplify(lhs - rhs) reach 0? Its time and answer."""
    sp.core.cache.clear_cache()
    t0 = time.perf_counter()
    try:
        with time_limit(BASELINE_LIMIT):
            d = sp.simplify(lhs.doit() - rhs.doit())
            ok = d == 0 or getattr(d, "is_zero_matrix", False) is True
        return time.perf_counter() - t0, "zero" if ok else "nonzero"
    except Timeout:
        return None, "timeout"
    except Exception as exc:  # noqa: BLE001 - SymPy raising is the baseline's answer
        return time.perf_counter() - t0, f"raised {type(exc).__name__}"


def summarize(data: dict[str, Any], command: str, name: str = "check_corpus") -> tuple[str, dict[str, Any]]:
    recs = data["records"]
    correct = [r for r in recs if r["expected"] == "correct"]
    planted = [r for r in recs if r["expected"] == "incorrect"]
    oc = Counter(r["outcome"] for r in correct)
    op = Counter(r["outcome"] for r in planted)
    at_line = [r for r in planted if r["outcome"] == "caught at line"]
    hint_ok = sum(1 for r in at_line if r.get("hint_ok"))
    step_secs = [s["seconds"] for r in recs for s in r["steps"] if s.get("seconds") is not None]
    file_secs = [r["seconds"] for r in recs if r["verdict"] is not None]
    ratios = [s["seconds"] / s["baseline_seconds"] for r in recs for s in r["steps"]
              if s.get("seconds") and s.get("baseline_seconds")]
    base_secs = [s["baseline_seconds"] for r in recs for s in r["steps"] if s.get("baseline_seconds")]
    unread = [(r["file"], s) for r in recs for s in r["steps"] if s["status"] in ("unparsed", "unknown")]
    # what plain SymPy says about the same readings: the correct files' "=" steps it shows equal, and
    # the planted slips (first refuted step at its line) it would wrongly show equal
    base_correct = [s.get("baseline") for r in correct for s in r["steps"] if "baseline" in s]
    base_slips = [s.get("baseline") for r in at_line for s in r["steps"]
                  if s["line"] == r["expected_line"] and s["status"] == "refuted" and "baseline" in s]
    n_steps = sum(len(r["steps"]) for r in recs)
    summary = {
        "files": len(recs), "correct_files": len(correct), "planted_files": len(planted), "steps": n_steps,
        "correct": dict(oc), "planted": dict(op),
        "accepted": oc.get("accepted", 0), "false_alarms": oc.get("false alarm", 0) + op.get("caught earlier", 0),
        "caught_at_line": len(at_line), "right_hint": hint_ok,
        "unparsed_steps": sum(1 for _, s in unread if s["status"] == "unparsed"),
        "unknown_steps": sum(1 for _, s in unread if s["status"] == "unknown"),
        "errors": oc.get("error", 0) + op.get("error", 0),
        "step_seconds": {"median": percentile(step_secs, 50), "p95": percentile(step_secs, 95),
                         "max": max(step_secs, default=float("nan"))},
        "file_seconds": {"median": percentile(file_secs, 50), "p95": percentile(file_secs, 95),
                         "max": max(file_secs, default=float("nan"))},
        "baseline_step_seconds": {"median": percentile(base_secs, 50), "p95": percentile(base_secs, 95)},
        "ratio_step": {"median": percentile(ratios, 50), "p95": percentile(ratios, 95),
                       "max": max(ratios, default=float("nan")), "steps": len(ratios)},
        "baseline_correct_steps_zero": [sum(b == "zero" for b in base_correct), len(base_correct)],
        "baseline_slips_zero": [sum(b == "zero" for b in base_slips), len(base_slips)],
        "by_kind": {},
    }
    for kind in sorted({r["kind"] for r in planted}):
        rs = [r for r in planted if r["kind"] == kind]
        summary["by_kind"][kind] = {"files": len(rs), "caught_at_line": sum(r["outcome"] == "caught at line" for r in rs),
                                    "right_hint": sum(bool(r.get("hint_ok")) for r in rs)}
    out: list[str] = []
    w = out.append
    w(f"derive check on the hand-derivation corpus {name}: {len(recs)} files ({len(correct)} correct, {len(planted)} planted), "
      f"{n_steps} steps")
    w(f"derive/ tree {data['fingerprint']}" + ("" if data["fingerprint"] == data["fingerprint_end"]
                                                else f" (CHANGED during the run: {data['fingerprint_end']})"))
    w(f"python {platform.python_version()}, {platform.machine()}; command: {command}")
    w("")
    w("| figure | count |")
    w("|--------|------:|")
    w(f"| correct files accepted | {oc.get('accepted', 0)}/{len(correct)} |")
    w(f"| false alarms (a correct file refuted, or a planted copy refuted before its slip) | "
      f"{summary['false_alarms']} |")
    w(f"| correct files unverifiable (nothing refuted, something unparsed/unknown) | {oc.get('unverifiable', 0)} |")
    w(f"| planted errors caught at their line | {len(at_line)}/{len(planted)} |")
    w(f"| ... with the hint naming the slip | {hint_ok}/{len(at_line)} |")
    w(f"| planted errors missed (nothing refuted) / caught at a later line | {op.get('missed', 0)} / "
      f"{op.get('caught later', 0)} |")
    w(f"| errors (exception or budget) | {summary['errors']} |")
    w(f"| steps unparsed / unknown (all files) | {summary['unparsed_steps']} / {summary['unknown_steps']} |")
    ss, fs, rt = summary["step_seconds"], summary["file_seconds"], summary["ratio_step"]
    w(f"| time per step, s: median / p95 / max | {ss['median']:.3f} / {ss['p95']:.3f} / {ss['max']:.3f} |")
    w(f"| time per file, s: median / p95 / max | {fs['median']:.3f} / {fs['p95']:.3f} / {fs['max']:.3f} |")
    bs = summary["baseline_step_seconds"]
    w(f"| baseline (SymPy simplify of the difference) per step, s: median / p95 | {bs['median']:.3f} / {bs['p95']:.3f} |")
    w(f"| baseline: '=' steps of correct files SymPy shows equal | {summary['baseline_correct_steps_zero'][0]}/"
      f"{summary['baseline_correct_steps_zero'][1]} |")
    w(f"| baseline: planted slips SymPy wrongly shows equal | {summary['baseline_slips_zero'][0]}/"
      f"{summary['baseline_slips_zero'][1]} |")
    w(f"| ratio ours / baseline per step: median / p95 / max ({rt['steps']} steps) | "
      f"{rt['median']:.1f} / {rt['p95']:.1f} / {rt['max']:.1f} |")
    w("")
    w("| slip kind | planted | caught at line | right hint |")
    w("|-----------|--------:|---------------:|-----------:|")
    for kind, k in summary["by_kind"].items():
        w(f"| {kind} | {k['files']} | {k['caught_at_line']} | {k['right_hint']} |")
    w("")
    w("## Failures")
    for r in recs:
        if r["outcome"] in ("accepted",) or (r["outcome"] == "caught at line" and r.get("hint_ok")):
            continue
        w("")
        w(f"- {r['file']}: {r['outcome'].upper()}" + (f" (expected first error at line {r['expected_line']}, "
                                                         f"{r['kind']}" + (f" x{r['factor']}" if r['factor'] else "") + ")"
                                                         if r["expected"] == "incorrect" else ""))
        if r.get("error"):
            e = r["error"]
            w(f"    error {e['type']}: {e['message']} [{e['where']}] after {r['seconds']:.1f} s")
            continue
        fe = r["first_error"]
        if fe:
            w(f"    first error: line {fe['line']}, hint: {fe['hint']}")
            if r["outcome"] in ("false alarm", "caught earlier"):
                s = next(s for s in r["steps"] if s["step"] == fe["step"])
                w(f"    step: {s['lhs']}  {s['relation']}  {s['rhs']}")
                w(f"    read: {s['read_lhs']}  {s['relation']}  {s['read_rhs']}")
                w(f"    {s['certificate']}")
        if r["expected"] == "incorrect" and r["outcome"] != "caught at line":
            for s in r["steps"]:
                if s["line"] == r["expected_line"]:
                    w(f"    step at line {s['line']} ({s['status']}): {s['certificate'][:300]}")
        for s in r["steps"]:
            if s["status"] in ("unparsed", "unknown"):
                w(f"    line {s['line']} {s['status']}: {s['certificate'][:300]}")
    w("")
    w("## Unparsed and unknown steps, by reason")
    reasons = Counter(re.sub(r"'.*'|\d+", "_", s["certificate"])[:140] for _, s in unread)
    for reason, k in reasons.most_common():
        w(f"- {k} x {reason}")
    w("")
    w("## Slowest steps")
    slow = sorted(((s["seconds"], r["file"], s) for r in recs for s in r["steps"] if s.get("seconds")),
                  key=lambda t: -t[0])[:10]
    for secs, f, s in slow:
        base = s.get("baseline_seconds")
        w(f"- {secs:.2f} s  {f} line {s['line']} ({s['status']})" + (f", baseline {base:.2f} s" if base else ""))
    return "\n".join(out) + "\n", summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="only the files whose name contains one of these")
    ap.add_argument("--timeout", type=float, default=120.0, help="budget per file, seconds (the API's default: 120)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the SymPy baseline")
    ap.add_argument("--corpus", choices=("all", *CORPORA), default="all",
                    help="which corpus: main (check_corpus), ext (check_corpus_ext) or all (default), one table each")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "check_corpus"),
                    help="write OUT.txt and OUT.json for the main corpus, OUT_ext.* for ext (default "
                         "bench/results/check_corpus)")
    args = ap.parse_args()
    command = ".venv/bin/python bench/bench_check.py " + " ".join(sys.argv[1:])
    texts = []
    for name, corpus in CORPORA.items():
        if args.corpus not in ("all", name):
            continue
        data = run(args, corpus)
        text, summary = summarize(data, command.strip(), corpus.name)
        texts.append(text)
        out = Path(args.out + ("" if name == "main" else f"_{name}"))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".txt").write_text(text, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps({"summary": summary, "command": command.strip(),
                                                        "fingerprint": data["fingerprint"],
                                                        "records": data["records"]}, indent=1, default=str) + "\n",
                                            encoding="utf-8")
    for text in texts:
        print()
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
