"""The log of a density, by the log rules, real wherever the density is positive.

Shared by the derivation, the numeric maximizer, the sampler and the certifier, so that they all
take the same logarithm. SymPy's ``expand_log(force=True)`` splits ``log(-a b)`` into
``log(-1) + log(a) + log(b)`` = ``i pi + ...``: right as complex numbers, useless to a real
evaluator (the logarithmic-series mass ``-p^x / (x log(1-p))``, whose ``log(1-p)`` is negative).
Such a density is taken apart factor by factor instead: a negative number goes, a factor SymPy
knows to be negative becomes its negative (``log(-log(1-p))``), and a factor of unknown sign is
taken in absolute value (``log|u|``); the density is positive, so the logs of the absolute values
of its factors add up to its log. Where SymPy's expansion is already real it is kept as it is.
"""
from __future__ import annotations

import sympy as sp


def expand_logs(expr: sp.Expr) -> sp.Expr:
    """The log rules everywhere in ``expr``: ``log(ab) = log a + log b``, ``log(a^k) = k log a``,
    ``(x/lam)^k = x^k lam^(-k)`` (valid for the positive factors of a density)."""
    e = sp.expand_log(expr, force=True)
    e = sp.expand_power_base(e, force=True)
    return sp.expand_log(e, force=True)


def log_density(density: sp.Expr) -> sp.Expr:
    """``log f`` expanded by the log rules; real wherever ``f`` is positive (see the module docstring)."""
    plain = expand_logs(sp.log(density))
    if not plain.has(sp.I):
        return plain
    terms: list[sp.Expr] = []
    for u in sp.Mul.make_args(density):
        if u.is_number:
            terms.append(sp.log(sp.Abs(u)))
            continue
        base, e = u.as_base_exp()
        if e.is_integer and base.is_extended_negative:
            terms.append(e * sp.log(-base))
        elif e.is_integer and not (base.is_positive or base.is_nonnegative):
            terms.append(e * sp.log(sp.Abs(base)))
        else:
            terms.append(expand_logs(sp.log(u)))
    return sp.Add(*terms)
