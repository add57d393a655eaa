"""How long the printed results are: derive's final form against SymPy's shortest.

Run from the repository root:

    .venv/bin/python bench/bench_forms.py [--limit K] [--table 20] [--json OUT]

For every item of the differentiation corpus (``bench/diff_corpus.py``, read with the plain-text
reader and its typed order), in this one process:

* before: the result as the rules and the tidy-up leave it (what derive printed before issue 13
  added the shortest of SymPy's forms and the question's own terms as final steps);
* after: the result derive prints (``Derivation.shown``: the teacher's form, ``derive/forms.py``);
* baseline: the shortest of SymPy's ``simplify``, ``factor`` and ``cancel`` of ``sympy.diff``.

Length is SymPy's ``count_ops`` (operations to write the expression). The report counts the
items whose printed result is no longer than the baseline (issue 13's target: every one), lists
the ones that are, and prints a before/after table of the items the teacher's form changed.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sympy as sp  # noqa: E402

from derive.core.budget import Budget  # noqa: E402
from derive.core.work import run_counted  # noqa: E402
from derive.parse.declarations import merge_domains, parse_where  # noqa: E402
from derive.parse.text import parse_text_ordered  # noqa: E402
from derive.render.notation.order import typed_order  # noqa: E402
from derive.render.notation.text import utext  # noqa: E402
from derive.scalar.strategy import differentiate  # noqa: E402
from diff_corpus import ITEMS  # noqa: E402

NEW_METHODS = ("in the question", "the shortest form")
"""The final steps issue 13 added: "before" is the result without them."""

SIMPLIFY_WORK = 20_000_000
"""Python calls allowed to each of SymPy's simplifiers per item (an item they cannot finish in it has no baseline)."""


@dataclass
class Row:
    id: str
    text: str
    before: str
    after: str
    before_ops: int
    after_ops: int
    sympy_ops: int | None
    sympy_method: str | None


def _ops(e: sp.Basic) -> int:
    return int(sp.count_ops(e))


def _baseline(expr: sp.Expr, wrt: list[sp.Symbol]) -> tuple[int | None, str | None]:
    raw = sp.diff(expr, *wrt)
    best: tuple[int | None, str | None] = (None, None)
    for name, f in (("simplify", sp.simplify), ("factor", sp.factor), ("cancel", sp.cancel)):
        counted = run_counted(lambda f=f: f(raw), SIMPLIFY_WORK)
        if counted.cut or counted.value is None:
            continue
        n = _ops(counted.value)
        if best[0] is None or n < best[0]:
            best = (n, name)
    return best


def measure(limit: int | None = None) -> list[Row]:
    rows: list[Row] = []
    for item in ITEMS[:limit]:
        domains = merge_domains(parse_where(item.where)) if item.where else {}
        expr, order = parse_text_ordered(item.text, domains)
        by_name = {s.name: s for s in expr.free_symbols}
        wrt = [by_name.get(n) or sp.Symbol(n, real=True) for n in item.wrt]
        clock = Budget(seconds=600.0).start()
        d = differentiate(expr, wrt, clock, order=order)
        new = [s for s in d.steps if getattr(s.rules[0], "method", "").startswith(NEW_METHODS)]
        before = new[0].before if new else d.shown
        with typed_order(order):
            rows.append(Row(item.id, item.text, utext(before), utext(d.shown), _ops(before), _ops(d.shown),
                            *_baseline(expr, wrt)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--table", type=int, default=20, help="rows of the before/after table")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = measure(args.limit)
    measured = [r for r in rows if r.sympy_ops is not None]
    longer = [r for r in measured if r.after_ops > r.sympy_ops]  # type: ignore[operator]
    changed = [r for r in rows if r.before != r.after]
    print(f"items: {len(rows)}; with a SymPy baseline: {len(measured)}; teacher's form changed {len(changed)}")
    print(f"printed result no longer than SymPy's shortest: {len(measured) - len(longer)}/{len(measured)}")
    print(f"total length: before {sum(r.before_ops for r in measured)}, after {sum(r.after_ops for r in measured)}, "
          f"SymPy's shortest {sum(r.sympy_ops or 0 for r in measured)}")
    for r in longer:
        print(f"  LONGER {r.id}: {r.after} ({r.after_ops} ops; SymPy {r.sympy_method}: {r.sympy_ops})")
    print()
    print("| item | before (ops) | after (ops) | SymPy's shortest (ops) |")
    print("|---|---|---|---|")
    for r in changed[: args.table]:
        print(f"| {r.id} | `{r.before}` ({r.before_ops}) | `{r.after}` ({r.after_ops}) | "
              f"{r.sympy_ops} ({r.sympy_method}) |")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
