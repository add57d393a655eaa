"""The sample notation every stage shares: the size ``n``, the index ``i`` and the observations ``x[i]``.

Model, not engine: printers and certifiers read these symbols, so they live apart from the sum
algebra (``sums``) that builds expressions with them.
"""
from __future__ import annotations

import sympy as sp

N = sp.Symbol("n", integer=True, positive=True)
"""The sample size."""

I = sp.Symbol("i", integer=True, positive=True)
"""The observation index, from 1 to n."""


def sample_base(var: sp.Symbol) -> sp.IndexedBase:
    """The IndexedBase for the sample of ``var``, carrying its sign assumptions."""
    assumptions = {k: v for k, v in var.assumptions0.items()
                   if k in ("positive", "nonnegative", "negative", "nonpositive", "integer", "real") and v}
    return sp.IndexedBase(var.name, **assumptions)
