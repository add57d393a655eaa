"""One frozen dataclass per rule of matrix differentials (Magnus and Neudecker); the docstring is the rule.

Each rewrites one pending differential ``d(U)`` (``target``) into ``result``. The last
group rearranges instead: identification of the gradient or Hessian, and tidying.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from derive.matrix.model import MatRule
from derive.matrix.expr import Node


@dataclass(frozen=True, slots=True)
class ConstantD(MatRule):
    """d(A) = 0 for A not depending on the variable"""

    name: ClassVar[str] = "constant"


@dataclass(frozen=True, slots=True)
class VariableD(MatRule):
    """d(X) = dX"""

    name: ClassVar[str] = "variable"


@dataclass(frozen=True, slots=True)
class SumD(MatRule):
    """d(U + V) = dU + dV"""

    name: ClassVar[str] = "sum"


@dataclass(frozen=True, slots=True)
class ConstantFactorD(MatRule):
    """d(A U B) = A dU B for constant A, B (and scalar constants)"""

    name: ClassVar[str] = "constant factor"


@dataclass(frozen=True, slots=True)
class ProductD(MatRule):
    """d(U V) = dU V + U dV"""

    name: ClassVar[str] = "product"


@dataclass(frozen=True, slots=True)
class TransposeD(MatRule):
    """d(U^T) = (dU)^T"""

    name: ClassVar[str] = "transpose"


@dataclass(frozen=True, slots=True)
class TraceD(MatRule):
    """d tr(U) = tr(dU)"""

    name: ClassVar[str] = "trace"


@dataclass(frozen=True, slots=True)
class InverseD(MatRule):
    """d(U^{-1}) = -U^{-1} dU U^{-1}"""

    name: ClassVar[str] = "inverse"


@dataclass(frozen=True, slots=True)
class DetD(MatRule):
    """d det(U) = det(U) tr(U^{-1} dU)"""

    name: ClassVar[str] = "determinant"


@dataclass(frozen=True, slots=True)
class LogDetD(MatRule):
    """d log det(U) = tr(U^{-1} dU)"""

    name: ClassVar[str] = "log-determinant"


@dataclass(frozen=True, slots=True)
class HadamardD(MatRule):
    """d(U ⊙ V) = dU ⊙ V + U ⊙ dV"""

    name: ClassVar[str] = "entrywise product"


@dataclass(frozen=True, slots=True)
class FunctionD(MatRule):
    """d f(u) = f'(u) ⊙ du (entrywise; for a scalar u, f'(u) du)"""

    name: ClassVar[str] = "function"
    function: str
    derivative: Node  # f'(u)


@dataclass(frozen=True, slots=True)
class PowerD(MatRule):
    """d(u^k) = k u^(k-1) ⊙ du"""

    name: ClassVar[str] = "power"


@dataclass(frozen=True, slots=True)
class NormD(MatRule):
    """||u||^2 = u^T u and ||U||_F^2 = tr(U^T U): a norm is differentiated through its quadratic form"""

    name: ClassVar[str] = "norm"


@dataclass(frozen=True, slots=True)
class LogSumExpD(MatRule):
    """d logsumexp(z) = softmax(z)^T dz"""

    name: ClassVar[str] = "logsumexp"


@dataclass(frozen=True, slots=True)
class LogSoftmaxD(MatRule):
    """log softmax(z) = z - logsumexp(z) 1: the log of a softmax is differentiated through this identity"""

    name: ClassVar[str] = "log-softmax"


@dataclass(frozen=True, slots=True)
class SoftmaxD(MatRule):
    """d softmax(z) = (diag(s) - s s^T) dz with s = softmax(z)"""

    name: ClassVar[str] = "softmax"


@dataclass(frozen=True, slots=True)
class DiagD(MatRule):
    """d diag(u) = diag(du)"""

    name: ClassVar[str] = "diag"


@dataclass(frozen=True, slots=True)
class DiagPartD(MatRule):
    """d diagvec(U) = diagvec(dU)"""

    name: ClassVar[str] = "diagonal"


@dataclass(frozen=True, slots=True)
class VecD(MatRule):
    """d vec(U) = vec(dU)"""

    name: ClassVar[str] = "vec"


@dataclass(frozen=True, slots=True)
class Identification(MatRule):
    """df = tr(G^T dX) identifies the gradient G (for a vector, df = g^T dx)"""

    name: ClassVar[str] = "identification"
    gradient: Node


@dataclass(frozen=True, slots=True)
class HessianIdentification(MatRule):
    """d(grad f) = H dx identifies the Hessian H (for a matrix X: vec d(grad f) = H vec(dX))"""

    name: ClassVar[str] = "hessian identification"
    hessian: Node


@dataclass(frozen=True, slots=True)
class Tidy(MatRule):
    """Rearrange: collect like terms, use declared symmetry, cancel entrywise, factor common factors"""

    name: ClassVar[str] = "simplify"
    method: str


MATRIX_RULE_NAMES: frozenset[str] = frozenset(
    cls.name for cls in (
        ConstantD, VariableD, SumD, ConstantFactorD, ProductD, TransposeD, TraceD, InverseD, DetD,
        LogDetD, HadamardD, FunctionD, PowerD, NormD, LogSumExpD, LogSoftmaxD, SoftmaxD, DiagD, DiagPartD, VecD, Identification,
        HessianIdentification, Tidy,
    )
)
