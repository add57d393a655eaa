"""``derive parse``: how derive reads a term of a derivation, echoed so a misreading is visible."""
from __future__ import annotations

import argparse

from derive.cli import common

EPILOG = r"""examples:
  derive parse '\sum_{i=1}^{n} x_i y_i + 1'
  derive parse '\frac{d}{d\theta}\Big(n\log\theta - \theta\sum_{i=1}^{n} x_i\Big)' --where '\theta > 0'
  derive parse '\nabla_W a^\top W b' --where 'W \in \mathbb{R}^{m\times k}, a \in \mathbb{R}^{m}, b \in \mathbb{R}^{k}'
  derive parse '\sigma(z)(1-\sigma(z))' --where '\sigma(z) := \frac{1}{1+e^{-z}}' --format json
  # plain text is read by derive's plain-text reader unless --latex says it is LaTeX
  derive parse 'x^2 sin(x)'

output: the input, SymPy's str() and srepr() of the reading (srepr rebuilds it exactly), and the
reading as LaTeX; --format json prints {"input", "sympy", "srepr", "latex"}.
"""

FORMATS = ("text", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("parse", help="show how derive reads a term (LaTeX or plain text)", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped(
                           "Read one term the way 'derive check' reads each side of a step, and print the reading: "
                           "SymPy's form, its srepr, and the reading as LaTeX. Anything not read exits 2 with the "
                           "position."))
    p.add_argument("text", metavar="TEXT", help=r"the term, e.g. '\sum_{i=1}^{n} x_i' or 'x^2 sin(x)'")
    p.add_argument("--latex", action="store_true",
                   help="read TEXT as derivation LaTeX even without a backslash or a brace (e.g. 'x_i^2 + 1')")
    p.add_argument("--where", action="append", default=[], metavar="DECL",
                   help=r"declarations as in a '%% derive:' line, e.g. '\lambda > 0, X \in \mathbb{R}^{n\times p}' "
                        "(repeatable)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    common.add_width(p)
    common.add_budget(p, timeout=60.0)
    p.set_defaults(run=run, pdf=None)


def looks_like_latex(text: str) -> bool:
    """The test of ``derive.parse.auto``, without importing SymPy here."""
    return any(ch in text for ch in "\\{}")


def job(args: argparse.Namespace) -> common.Output:
    """Read and format (in the worker)."""
    from derive.parse.derivation_math import read_parse_input

    text = args.text.lstrip()  # a leading space protects a leading minus from argparse
    fields = read_parse_input(text, args.where, latex=args.latex or looks_like_latex(text))
    if args.format == "json":
        import json

        return common.Output(json.dumps(fields, ensure_ascii=False) + "\n")
    import textwrap

    pad = max(len(k) for k in fields) + 2
    columns = max(common.terminal_width(args.width), pad + 10)
    lines = [textwrap.fill(fields[k], columns, initial_indent=f"{k + ':':<{pad}}", subsequent_indent=" " * pad,
                           break_long_words=True, break_on_hyphens=False) or f"{k}:"
             for k in ("input", "sympy", "srepr", "latex")]
    return common.Output("\n".join(lines) + "\n")


def run(args: argparse.Namespace) -> int:
    modules = ("derive.parse.derivation_math",) if (args.latex or looks_like_latex(args.text)) else (
        "derive.parse.text", "derive.parse.derivation_math")
    return common.run_job(job, args, what="reading the term", modules=modules)
