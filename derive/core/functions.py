"""Functions SymPy lacks, as SymPy functions: the ML atoms and the order statistics of a sample.

The ML atoms (sigmoid, softplus, logsumexp) stay named in steps and results
(sigma' = sigma (1 - sigma)) instead of dissolving into exponentials; each can be rewritten as
exp/log for numerics. The order statistics (``sample_max(x)``, ``sample_min(x)``,
``sample_median(x)``) are estimators that are not sums: ``str()`` gives the JSON contract's
``sample_max(x)``, LaTeX gives ``\\max_i x_i``, and each names the NumPy reduction that
evaluates it, so every evaluator treats them alike.
"""
from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.core.function import ArgumentIndexError


class MLAtom(sp.Function):
    """Base of the ML atoms: real where their arguments are, evaluated numerically through their
    exp/log form, printed as ``latex_name(args)`` in LaTeX."""

    latex_name: ClassVar[str] = ""

    def _eval_is_real(self) -> bool | None:
        return all(a.is_real for a in self.args) or None

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        inner = ", ".join(printer._print(a) for a in self.args)
        power = f"^{{{exp}}}" if exp else ""
        return rf"{self.latex_name}{power}\left({inner}\right)"


class sigmoid(MLAtom):  # noqa: N801  (named as users write it)
    """The logistic function 1 / (1 + e^(-z))."""

    nargs = 1
    latex_name = r"\sigma"

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))


class softplus(MLAtom):  # noqa: N801
    """The softplus function log(1 + e^z)."""

    nargs = 1
    latex_name = r"\operatorname{softplus}"

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.log(1 + sp.exp(z))

    _eval_rewrite_as_log = _eval_rewrite_as_exp


class logsumexp(MLAtom):  # noqa: N801
    """log(e^(z_1) + ... + e^(z_k)); its partials are the softmax weights."""

    latex_name = r"\operatorname{logsumexp}"

    @classmethod
    def eval(cls, *args: sp.Expr) -> sp.Expr | None:
        if len(args) == 0:
            raise TypeError("logsumexp needs at least one argument")
        if len(args) == 1:
            return args[0]
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if not 1 <= argindex <= len(self.args):
            raise ArgumentIndexError(self, argindex)
        return sp.exp(self.args[argindex - 1] - self)

    def _eval_rewrite_as_exp(self, *args: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))

    _eval_rewrite_as_log = _eval_rewrite_as_exp


ML_FUNCTIONS: dict[str, type[sp.Function]] = {
    "sigmoid": sigmoid,
    "softplus": softplus,
    "logsumexp": logsumexp,
}


# -- order statistics of a sample ---------------------------------------------------------------
class SampleStatistic(sp.Function):
    """Base of the order statistics: one argument (the sample), real, free of every parameter."""

    nargs = 1
    is_sample_statistic: ClassVar[bool] = True
    contract_name: ClassVar[str] = ""
    latex_operator: ClassVar[str] = ""
    numpy_reduction: ClassVar[str] = ""
    """The NumPy function that computes it from the sample (along the first axis)."""

    @property
    def sample(self) -> sp.Basic:
        """The sample this statistic is taken of (an ``IndexedBase`` or a ``Symbol``)."""
        return self.args[0]

    @property
    def sample_name(self) -> str:
        """The data variable's name: the key the numeric evaluator looks the data up by."""
        arg = self.args[0]
        if isinstance(arg, sp.IndexedBase):
            return str(arg.label)
        return str(arg)

    def _eval_is_real(self) -> bool:
        return True

    def _eval_is_finite(self) -> bool:
        return True

    def _eval_is_positive(self) -> bool | None:
        return _label_assumption(self.args[0], "positive")

    def _eval_is_nonnegative(self) -> bool | None:
        return _label_assumption(self.args[0], "nonnegative")

    def _eval_is_negative(self) -> bool | None:
        return _label_assumption(self.args[0], "negative")

    def _eval_is_nonpositive(self) -> bool | None:
        return _label_assumption(self.args[0], "nonpositive")

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        # A statistic of the data does not move with any parameter.
        return sp.S.Zero

    def _sympystr(self, printer: Any) -> str:
        return f"{self.contract_name}({self.sample_name})"

    def _latex(self, printer: Any) -> str:
        x = printer._print(sp.Symbol(self.sample_name))
        return f"{self.latex_operator}_{{i}} {x}_{{i}}"


def _label_assumption(arg: sp.Basic, key: str) -> bool | None:
    """An order statistic of a positive sample is positive (and so on): read off the sample's label."""
    label = arg.label if isinstance(arg, sp.IndexedBase) else arg
    value = getattr(label, f"is_{key}", None)
    return True if value is True else None


class SampleMax(SampleStatistic):
    """The largest observation, ``max_i x_i``."""

    contract_name = "sample_max"
    latex_operator = "\\max"
    numpy_reduction = "max"


class SampleMin(SampleStatistic):
    """The smallest observation, ``min_i x_i``."""

    contract_name = "sample_min"
    latex_operator = "\\min"
    numpy_reduction = "min"


class SampleMedian(SampleStatistic):
    """The sample median, ``median_i x_i`` (the mean of the two middle values when n is even)."""

    contract_name = "sample_median"
    latex_operator = "\\operatorname{median}"
    numpy_reduction = "median"


def sample_max(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``max_i x_i`` for the sample ``base``."""
    return SampleMax(base)


def sample_min(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``min_i x_i`` for the sample ``base``."""
    return SampleMin(base)


def sample_median(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``median_i x_i`` for the sample ``base``."""
    return SampleMedian(base)
