"""The ``derive mle`` subcommand: its options, examples and handler."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """examples:
  derive mle bernoulli                                   (a family name expands to its density)
  derive mle 'theta^x (1-theta)^(1-x)' --param theta --support 'x in {0,1}' --where '0 < theta < 1'
  derive mle normal --of 'sqrt(sigma2)'                  (both parameters, the bias, invariance)
  derive mle normal --param mu                           (sigma2 known)
  derive mle '\\frac{1}{\\sqrt{2\\pi\\sigma^2}} e^{-(x-\\mu)^2/(2\\sigma^2)}' --param mu --param sigma \\
      --support 'x in R' --where 'sigma > 0'
  derive mle uniform                                     (boundary: theta-hat = max x_i)
  derive mle laplace                                     (subgradient: mu-hat = the median)
  derive mle gamma --data waits.csv --column wait          (no closed form: Newton-Raphson iterates)
  derive mle poisson --prior 'lam^(a-1) exp(-b lam)' --where 'a > 1' --where 'b > 0'   (MAP)
  derive mle exponential --format json

families: bernoulli, binomial (known m), geometric, poisson, exponential, normal, lognormal, gamma,
beta, weibull, laplace, pareto, uniform, rayleigh, multinomial. A family name is only a shortcut for
typing its density: the derivation is the same general one.
"""


def add_parser(sub: argparse._SubParsersAction, common: object) -> None:  # type: ignore[type-arg]
    """Register ``derive mle``; ``common`` adds --where/--format/--pdf/--timeout."""
    p = sub.add_parser("mle", help="derive a maximum-likelihood estimator step by step", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Derive the maximum-likelihood estimator of a density or mass function "
                       "(plain text, LaTeX or a family name): likelihood, log-likelihood, score, solution on the "
                       "parameter space, second-order check, Fisher information, bias; every step certified and "
                       "the estimator checked against numeric maximization.")
    p.add_argument("density", metavar="DENSITY|FAMILY", help="the density in the data variable, or a family name")
    p.add_argument("--param", action="append", default=[], metavar="P",
                   help="a parameter to estimate (repeatable; for a family, the others become known constants)")
    p.add_argument("--var", metavar="X", help="the data variable (default: x)")
    p.add_argument("--support", metavar="SET", help="where one observation lives, e.g. 'x in {0,1}', 'x > 0', "
                   "'x in {0,1,2,...}', '0 < x < theta'")
    p.add_argument("--prior", metavar="DENSITY", help="a prior density in the parameters: the MAP estimate")
    p.add_argument("--of", action="append", default=[], metavar="EXPR",
                   help="a function of the parameters whose MLE to give by invariance, e.g. 'sqrt(sigma2)'")
    p.add_argument("--data", type=Path, metavar="FILE.csv", help="a CSV file holding the sample")
    p.add_argument("--column", metavar="COL", help="the column of --data holding the sample (default: the variable)")
    p.add_argument("--start", action="append", default=[], metavar="P=VALUE",
                   help="starting value for Newton-Raphson on --data (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random checks (default: 0)")
    common(p)  # type: ignore[operator]


def cmd(args: argparse.Namespace) -> int:
    from derive.likelihood.api import mle
    from derive.core.budget import Budget
    from derive.core.errors import UsageError

    start: dict[str, float] = {}
    for item in args.start:
        name, sep, value = item.partition("=")
        try:
            start[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"--start {item}: write P=VALUE", hint="e.g. --start alpha=2")
    if args.data is None and (args.column or start):
        raise UsageError("--column and --start go with --data", hint="add --data FILE.csv")
    result = mle(args.density, params=args.param, var=args.var, support=args.support, where=args.where,
                 prior=args.prior, of=args.of, data=args.data, column=args.column, start=start, seed=args.seed,
                 budget=Budget(seconds=max(args.timeout, 1.0)))
    from derive.cli import _emit

    _emit(result, args.format)
    if args.pdf:
        from derive.cli import _write_pdf

        _write_pdf(result, args.pdf, f"Maximum likelihood: {args.density}")
    if result.certified:
        return 0
    return 3 if result.cut_by_budget else 1  # not certified never exits 0: 3 when the budget cut a check
