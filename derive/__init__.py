"""derive: certified step-by-step derivatives, gradients and handouts.

Heavy modules (SymPy) load on first use so ``derive --help`` starts fast.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from derive.api import DiffResult as DiffResult
    from derive.api import GradResult as GradResult
    from derive.lsq.api import LsResult as LsResult
    from derive.lsq.api import ls as ls
    from derive.likelihood.api import MleResult as MleResult
    from derive.likelihood.api import mle as mle
    from derive.matrix.api import MatGradResult as MatGradResult
    from derive.matrix.api import MatJacobianResult as MatJacobianResult
    from derive.matrix.api import MatGradientsResult as MatGradientsResult
    from derive.api import diff as diff
    from derive.api import grad as grad
    from derive.api import latex as latex
    from derive.core.budget import Budget as Budget
    from derive.core.errors import BudgetExceeded as BudgetExceeded
    from derive.core.errors import DataError as DataError
    from derive.core.errors import DeriveError as DeriveError
    from derive.core.errors import ParseError as ParseError
    from derive.core.errors import RenderError as RenderError
    from derive.core.errors import UsageError as UsageError
    from derive.api import write_pdf as write_pdf
    from derive.checker.api import Checked as Checked
    from derive.checker.api import check as check

_LAZY = {
    "diff": "scalar.api", "grad": "api", "latex": "api", "write_pdf": "api", "DiffResult": "scalar.api",
    "GradResult": "scalar.api", "MatGradResult": "matrix.api", "MatJacobianResult": "matrix.api", "MatGradientsResult": "matrix.api",
    "ls": "lsq.api", "LsResult": "lsq.api",
    "mle": "likelihood.api", "MleResult": "likelihood.api",
    "Budget": "core.budget", "DeriveError": "core.errors", "ParseError": "core.errors",
    "UsageError": "core.errors", "BudgetExceeded": "core.errors", "RenderError": "core.errors",
    "DataError": "core.errors", "check": "checker.api", "Checked": "checker.api",
}

__all__ = ["diff", "grad", "ls", "mle", "check", "latex", "write_pdf", "Checked", "DiffResult", "GradResult", "MatGradResult", "MatJacobianResult", "MatGradientsResult",
           "LsResult",
           "MleResult", "Budget", "DeriveError", "ParseError", "UsageError", "BudgetExceeded", "RenderError",
           "DataError", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
