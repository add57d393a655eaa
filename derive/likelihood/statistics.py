"""Order statistics of a sample as SymPy functions: ``sample_max(x)``, ``sample_min(x)``, ``sample_median(x)``.

An estimator such as ``theta = max_i x_i`` is not a sum, so it needs its own node. The argument is
the sample's ``IndexedBase`` (or a ``Symbol`` with the same name: the numeric evaluator looks the
data up by name). ``str()`` gives the JSON contract's ``sample_max(x)``; LaTeX gives ``\\max_i x_i``.
"""
from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp


class SampleStatistic(sp.Function):
    """Base of the order statistics: one argument (the sample), real, free of every parameter."""

    nargs = 1
    is_sample_statistic: ClassVar[bool] = True
    contract_name: ClassVar[str] = ""
    latex_operator: ClassVar[str] = ""

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


class SampleMin(SampleStatistic):
    """The smallest observation, ``min_i x_i``."""

    contract_name = "sample_min"
    latex_operator = "\\min"


class SampleMedian(SampleStatistic):
    """The sample median, ``median_i x_i`` (the mean of the two middle values when n is even)."""

    contract_name = "sample_median"
    latex_operator = "\\operatorname{median}"


def sample_max(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``max_i x_i`` for the sample ``base``."""
    return SampleMax(base)


def sample_min(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``min_i x_i`` for the sample ``base``."""
    return SampleMin(base)


def sample_median(base: sp.IndexedBase | sp.Symbol) -> sp.Expr:
    """``median_i x_i`` for the sample ``base``."""
    return SampleMedian(base)
