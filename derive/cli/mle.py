"""The ``derive mle`` subcommand: its options, examples and handler."""
from __future__ import annotations

import argparse
from pathlib import Path

from derive.cli import common
from derive.core.errors import UsageError

EXAMPLES = """examples:
  # a family name expands to its density
  derive mle bernoulli
  derive mle 'theta^x (1-theta)^(1-x)' --param theta --support 'x in {0,1}' \\
      --where '0 < theta < 1'
  # both parameters, the bias, invariance for sigma
  derive mle normal --of 'sqrt(sigma2)'
  # sigma2 known
  derive mle normal --param mu
  derive mle '\\frac{1}{\\sqrt{2\\pi\\sigma^2}} e^{-(x-\\mu)^2/(2\\sigma^2)}' \\
      --param mu --param sigma --support 'x in R' --where 'sigma > 0'
  # boundary: theta-hat = max x_i
  derive mle uniform
  derive mle '1/(b - a)' --param a --param b --support 'a < x < b' --where 'a < b'
  # a restricted space: theta-hat = max(xbar, 0), by cases
  derive mle 'exp(-(x - theta)^2/2)/sqrt(2 pi)' --param theta --support 'x in R' \
      --where 'theta >= 0'
  # an unknown base measure h(x)
  derive mle 'h(x) exp(theta x - exp(theta))' --param theta --support 'x in {0,1,2,...}'
  # subgradient: mu-hat = the median
  derive mle laplace
  # no closed form: Newton-Raphson iterates on the data
  derive mle gamma --data waits.csv --column wait
  # MAP with a conjugate prior
  derive mle poisson --prior 'lam^(a-1) exp(-b lam)' --where 'a > 1' \\
      --where 'b > 0'
  derive mle exponential --format json
"""


def epilog() -> str:
    """The examples, then every built-in family (``derive.likelihood.families``: a new family lists itself)."""
    from derive.likelihood.families import family_table

    families = common.listing([(f.name, f.description) for f in family_table()])
    return (f"{EXAMPLES}\nfamilies (a name is a shortcut for typing the density; the derivation is the\n"
            f"same general one):\n{families}\n")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("mle", help="derive a maximum-likelihood estimator step by step", epilog=epilog(),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Derive the maximum-likelihood estimator of a density or mass function "
                       "(plain text, LaTeX or a family name): likelihood, log-likelihood, score, solution on the "
                       "parameter space, second-order check, Fisher information, bias; every step certified and "
                       "the estimator checked against numeric maximization."))
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
    common.add_where(p)
    common.add_output(p)
    p.set_defaults(run=run)


def starts(items: list[str]) -> dict[str, float]:
    """--start P=VALUE items as a dict."""
    start: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            start[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"--start {item}: write P=VALUE", hint="e.g. --start alpha=2")
    return start


def job(args: argparse.Namespace) -> common.Output:
    """Derive, certify, use the data and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.likelihood.api import mle

    result = mle(args.density, params=args.param, var=args.var, support=args.support, where=args.where,
                 prior=args.prior, of=args.of, data=args.data, column=args.column, start=starts(args.start),
                 seed=args.seed, budget=Budget(seconds=max(args.timeout, 1.0), memory_mb=args.memory))
    return common.render(result, args, f"Maximum likelihood: {args.density}")


def run(args: argparse.Namespace) -> int:
    start = starts(args.start)
    if args.data is None and (args.column or start):
        raise UsageError("--column and --start go with --data", hint="add --data FILE.csv")
    common.check_data_file(args.data)
    return common.run_job(job, args, what="the maximum-likelihood derivation", seconds=max(args.timeout, 1.0),
                          preload=("numpy", "scipy.special", "scipy.optimize", "scipy.integrate"), modules=MODULES)


MODULES = ("derive.likelihood.api", "derive.likelihood.read", "derive.likelihood.derivation",
           "derive.likelihood.certify", "derive.parse.auto", "derive.parse.text")
