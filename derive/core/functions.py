"""ML atoms as SymPy functions: sigmoid, softplus, logsumexp.

They stay named in steps and results (sigma' = sigma (1 - sigma)) instead of
dissolving into exponentials; each can be rewritten as exp/log for numerics.
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import ArgumentIndexError


class sigmoid(sp.Function):  # noqa: N801  (named as users write it)
    """The logistic function 1 / (1 + e^(-z))."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        power = f"^{{{exp}}}" if exp else ""
        return rf"\sigma{power}\left({printer._print(self.args[0])}\right)"


class softplus(sp.Function):  # noqa: N801
    """The softplus function log(1 + e^z)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.log(1 + sp.exp(z))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        power = f"^{{{exp}}}" if exp else ""
        return rf"\operatorname{{softplus}}{power}\left({printer._print(self.args[0])}\right)"


class logsumexp(sp.Function):  # noqa: N801
    """log(e^(z_1) + ... + e^(z_k)); its partials are the softmax weights."""

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

    def _eval_is_real(self) -> bool | None:
        return all(a.is_real for a in self.args) or None

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        inner = ", ".join(printer._print(a) for a in self.args)
        power = f"^{{{exp}}}" if exp else ""
        return rf"\operatorname{{logsumexp}}{power}\left({inner}\right)"


ML_FUNCTIONS: dict[str, type[sp.Function]] = {
    "sigmoid": sigmoid,
    "softplus": softplus,
    "logsumexp": logsumexp,
}
