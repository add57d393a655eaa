"""derive: certified step-by-step derivatives, gradients and handouts.

Heavy modules (SymPy) load on first use so ``derive --help`` starts fast.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import DiffResult as DiffResult
    from .api import GradResult as GradResult
    from .api_lsq import LsResult as LsResult
    from .api_lsq import ls as ls
    from .api_mle import MleResult as MleResult
    from .api_mle import mle as mle
    from .api_matrix import MatGradResult as MatGradResult
    from .api import diff as diff
    from .api import grad as grad
    from .api import latex as latex
    from .budget import Budget as Budget
    from .errors import DeriveError as DeriveError

_LAZY = {
    "diff": "api", "grad": "api", "latex": "api", "DiffResult": "api", "GradResult": "api",
    "MatGradResult": "api_matrix",
    "ls": "api_lsq", "LsResult": "api_lsq",
    "mle": "api_mle", "MleResult": "api_mle",
    "Budget": "budget", "DeriveError": "errors", "ParseError": "errors",
}

__all__ = ["diff", "grad", "ls", "mle", "latex", "DiffResult", "GradResult", "MatGradResult", "LsResult", "MleResult", "Budget", "DeriveError", "ParseError", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
