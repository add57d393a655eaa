r"""Reader benchmark: how many derivation snippets are read as intended, ours against latex2sympy2_extended.

Run from the repository root:

    .venv/bin/python bench/bench_reader.py [--only ID ...] [--verbose] [--json OUT]

For every snippet of ``bench/derivation_snippets.py``:

* ours: ``read_context`` of its declarations, then ``read_math``; the reading compared is
  ``Reading.expanded`` (definitions such as ``\sigma(z) := ...`` substituted);
* baseline: ``latex2sympy2_extended.latex2sympy(latex)`` with its default configuration (never
  ``variable_values``), given the bare snippet (it has no way to take declarations);
* a snippet whose intended meaning is a refusal counts as read as intended when the reader raises
  (ours: a ParseError; latex2sympy: any exception), and as misread when it returns an expression.

"Read as intended" is structural equality with the intended SymPy tree, else numeric agreement at two
random points: unknown functions replaced by fixed smooth functions, derivatives evaluated (matrix
ones with ``MatrixExpr.diff``), every integer symbol given a random size (2 to 4) so sums and products
expand over random data, indexed data and matrices filled with random numbers (square matrices
symmetric positive definite), every other symbol a random number in (0.2, 0.8) chosen by name, so the
baseline's symbols (which carry no assumptions) get the same values as ours.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import sympy as sp  # noqa: E402
from sympy.core.function import AppliedUndef  # noqa: E402
from sympy.matrices.expressions.matexpr import MatrixExpr  # noqa: E402

from derivation_snippets import SNIPPETS, Snippet  # noqa: E402
from derive.core.errors import ParseError  # noqa: E402
from derive.parse.derivation import Declaration  # noqa: E402
from derive.parse.derivation_math import read_context, read_math  # noqa: E402
from derive.parse.macros import collect  # noqa: E402

TOLERANCE = 1e-7
POINTS = 2


class Timeout(Exception):
    pass


@contextmanager
def limit(seconds: int) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _stable(name: str) -> int:
    return sum((k + 1) * ord(ch) for k, ch in enumerate(name))


def _concrete_function(name: str, args: tuple[sp.Basic, ...]) -> sp.Expr:
    c = 1 + (_stable(name) % 7) / 5
    first = args[0]
    out = sp.sin(c * first) + first**2 / 3 + sp.Rational(1, 2)
    for k, a in enumerate(args[1:], start=2):
        out += sp.cos(a * k / c) * first + a**2 / (k + 1)
    return out


def _matrix_derivatives(expr: sp.Basic) -> sp.Basic:
    def is_matrix_derivative(e: sp.Basic) -> bool:
        return isinstance(e, sp.Derivative) and any(isinstance(v, MatrixExpr) for v in e.variables)

    def take(e: sp.Derivative) -> sp.Basic:
        out = e.expr
        for v in e.variables:
            out = out.diff(v)
        return out

    return expr.replace(is_matrix_derivative, take)


class Point:
    """Random values by name: sizes, scalars, indexed data and matrix entries."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sizes: dict[str, int] = {}
        self.scalars: dict[str, float] = {}
        self.data: dict[tuple[str, tuple[int, ...]], float] = {}
        self.matrices: dict[tuple[str, int, int], sp.ImmutableMatrix] = {}

    def size(self, name: str) -> int:
        if name not in self.sizes:
            self.sizes[name] = self.rng.randint(2, 4)
        return self.sizes[name]

    def scalar(self, name: str) -> sp.Float:
        if name not in self.scalars:
            self.scalars[name] = self.rng.uniform(0.2, 0.8)
        return sp.Float(self.scalars[name], 30)

    def datum(self, name: str, idx: tuple[int, ...]) -> sp.Float:
        key = (name, idx)
        if key not in self.data:
            self.data[key] = self.rng.uniform(0.2, 0.8)
        return sp.Float(self.data[key], 30)

    def matrix(self, name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
        key = (name, rows, cols)
        if key not in self.matrices:
            entries = sp.Matrix(rows, cols, lambda r, c: sp.Float(self.rng.uniform(-1, 1), 30))
            if rows == cols:
                entries = entries * entries.T + sp.eye(rows)
            self.matrices[key] = sp.ImmutableMatrix(entries)
        return self.matrices[key]


def integer_names(expr: sp.Basic) -> set[str]:
    """Names of the integer symbols of ``expr``, matrix dimensions included."""
    names = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
    for m in expr.atoms(sp.MatrixSymbol):
        names |= {d.name for d in m.shape if isinstance(d, sp.Symbol)}
    return names


def prepare(expr: sp.Basic) -> sp.Basic:
    """Unknown functions made concrete and derivatives taken (a derivative's variable, such as
    ``w[j]``, becomes free)."""
    e = expr.replace(lambda q: isinstance(q, AppliedUndef),
                     lambda q: _concrete_function(q.func.__name__, q.args))
    return _matrix_derivatives(e).doit()


def evaluate(e: sp.Basic, point: Point, int_names: set[str]) -> list[complex]:
    """The value of a prepared expression at ``point`` as a flat list of numbers (one for a scalar).

    Every symbol named in ``int_names`` (whatever its assumptions) is a size from ``point``.
    """
    symbols = {q for q in e.free_symbols if isinstance(q, sp.Symbol)}
    for m in e.atoms(sp.MatrixSymbol):
        symbols |= {d for d in m.shape if isinstance(d, sp.Symbol)}
    integers = {s: sp.Integer(point.size(s.name)) for s in symbols if s.name in int_names}
    e = e.xreplace(integers).doit()
    e = _matrix_derivatives(e).doit()
    e = e.replace(lambda q: isinstance(q, sp.Indexed),
                  lambda q: point.datum(str(q.base), tuple(int(k) for k in q.indices)))
    mats = {m: point.matrix(m.name, int(m.shape[0]), int(m.shape[1]))
            for m in e.atoms(sp.MatrixSymbol)}
    if mats:
        e = e.xreplace(mats).doit()
        if isinstance(e, MatrixExpr):
            e = e.as_explicit()
    values = {s: point.scalar(s.name) for s in e.free_symbols if isinstance(s, sp.Symbol)}
    e = e.xreplace(values)
    if isinstance(e, (sp.MatrixBase, MatrixExpr)):
        return [complex(sp.N(q, 20)) for q in sp.Matrix(e)]
    return [complex(sp.N(e, 20))]


def _close(a: list[complex], b: list[complex]) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= TOLERANCE * max(1.0, abs(p), abs(q)) for p, q in zip(a, b))


def same_meaning(got: sp.Basic, want: sp.Basic) -> bool:
    if got == want:
        return True
    if isinstance(want, sp.core.relational.Relational) or isinstance(got, sp.core.relational.Relational):
        if type(got) is not type(want):
            return False
        return same_meaning(got.lhs, want.lhs) and same_meaning(got.rhs, want.rhs)
    if isinstance(got, (sp.logic.boolalg.Boolean, tuple, list)) or not isinstance(got, sp.Basic):
        return False
    try:
        got, want = prepare(got), prepare(want)
    except Timeout:
        raise
    except Exception:
        return False
    names = integer_names(got) | integer_names(want)
    for seed in range(POINTS):
        try:
            point = Point(seed)  # one point for both: values are drawn by name, in any order
            a = evaluate(got, point, names)
            b = evaluate(want, point, names)
        except Timeout:
            raise
        except Exception:
            return False
        if not _close(a, b):
            return False
    return True


def ours(snippet: Snippet) -> tuple[sp.Basic | None, str]:
    try:
        ctx = read_context([Declaration(d, k + 1) for k, d in enumerate(snippet.decls)])
        reading = read_math(collect(snippet.macros).expand(snippet.latex), ctx)
    except ParseError as exc:
        return None, exc.one_line()
    return reading.expanded, reading.latex


def _for_baseline(snippet: Snippet) -> str:
    """The snippet with its document's macros expanded (the baseline reads maths, not preambles); the
    text as typed when the expansion is refused."""
    try:
        return collect(snippet.macros).expand(snippet.latex)
    except ParseError:
        return snippet.latex


def baseline(snippet: Snippet) -> tuple[sp.Basic | None, str]:
    from latex2sympy2_extended import latex2sympy

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = latex2sympy(_for_baseline(snippet))
    except Timeout:
        raise
    except Exception as exc:  # the baseline raises many kinds
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if not isinstance(result, sp.Basic):
        return None, f"not an expression: {type(result).__name__}"
    return result, str(result)


def judge(snippet: Snippet, got: sp.Basic | None) -> bool:
    if snippet.intended is None:
        return got is None
    if got is None:
        return False
    try:
        with limit(20):
            return same_meaning(got, snippet.intended())
    except Timeout:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="snippet ids")
    parser.add_argument("--verbose", action="store_true", help="print every misreading")
    parser.add_argument("--json", type=Path, help="write per-snippet results here")
    args = parser.parse_args(argv)
    items = [s for s in SNIPPETS if args.only is None or s.id in args.only]
    ids = [s.id for s in SNIPPETS]
    duplicates = {x for x in ids if ids.count(x) > 1}
    if duplicates:
        print(f"duplicate ids: {sorted(duplicates)}")
        return 2
    rows: list[dict[str, Any]] = []
    ours_ok = base_ok = 0
    started = time.perf_counter()
    for s in items:
        t0 = time.perf_counter()
        try:
            with limit(20):
                got, shown = ours(s)
        except Timeout:
            got, shown = None, "timeout"
        read_seconds = time.perf_counter() - t0
        ok = judge(s, got)
        t0 = time.perf_counter()
        try:
            with limit(20):
                base, base_shown = baseline(s)
        except Timeout:
            base, base_shown = None, "timeout"
        base_seconds = time.perf_counter() - t0
        base_good = judge(s, base)
        ours_ok += ok
        base_ok += base_good
        rows.append({"id": s.id, "latex": s.latex, "ours": ok, "ours_read": shown, "baseline": base_good,
                     "baseline_read": base_shown, "seconds": round(read_seconds, 4),
                     "baseline_seconds": round(base_seconds, 4)})
        if args.verbose and not ok:
            print(f"MISREAD {s.id}: {s.latex}\n    ours: {shown}")
    total = len(items)
    elapsed = time.perf_counter() - started
    times = sorted(r["seconds"] for r in rows)
    median = times[len(times) // 2] if times else 0.0
    base_times = sorted(r["baseline_seconds"] for r in rows)
    base_median = base_times[len(base_times) // 2] if base_times else 0.0
    ratios = sorted(r["seconds"] / max(r["baseline_seconds"], 1e-6) for r in rows)
    ratio = ratios[len(ratios) // 2] if ratios else 0.0
    print(f"snippets: {total}")
    print(f"ours (derive.parse.derivation_math): {ours_ok}/{total} = {100 * ours_ok / max(total, 1):.1f}%")
    print(f"latex2sympy2_extended:               {base_ok}/{total} = {100 * base_ok / max(total, 1):.1f}%")
    print(f"refusals intended: {sum(1 for s in items if s.intended is None)}")
    print(f"read time per snippet: ours median {1000 * median:.1f} ms (max {1000 * times[-1]:.1f} ms), "
          f"latex2sympy2_extended median {1000 * base_median:.1f} ms; median ratio ours/baseline {ratio:.2f}; "
          f"whole run {elapsed:.1f} s")
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["id"].split("-")[0], []).append(row)
    print("by group (id prefix): group  snippets  ours  latex2sympy2_extended")
    for name, members in groups.items():
        print(f"  {name:<8}{len(members):>5}{sum(m['ours'] for m in members):>7}{sum(m['baseline'] for m in members):>7}")
    misread = [r["id"] for r in rows if not r["ours"]]
    if misread:
        print("misread by ours: " + ", ".join(misread))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
