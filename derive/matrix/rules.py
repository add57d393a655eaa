"""The rules of matrix differentials (Magnus and Neudecker), one frozen dataclass each: identity, words, LaTeX, application.

Each rewrites one pending differential ``d(U)`` (``target``) into ``result``. A class is the whole
rule: its docstring states it, ``name``/``words``/``latex`` say it in every output, ``matches``
says when it applies to d(u) and ``apply`` applies it. ``RULES`` orders them; ``rule_for`` walks
it. The last group rearranges instead of differentiating: identification of the gradient or the
Hessian, and tidying. Adding a rule is one class here and its place in ``RULES``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.matrix.elementwise import derivative
from derive.matrix.model import MatRule, MatTex


def _depends(u: M.Node, var: M.MatSym) -> bool:
    return M.depends_on(u, var)


def _times(coefficient: M.Node, d: M.Node) -> M.Node:
    """f'(u) du for a scalar u, f'(u) ⊙ du entrywise."""
    return M.mul(coefficient, d) if d.is_scalar else M.hadamard(coefficient, d)


def _quadratic(u: M.Node) -> M.Node:
    """u^T u for a vector, tr(U^T U) for a matrix (the squared norm)."""
    if u.is_scalar:
        return M.power(u, 2)
    if u.shape[1] == 1:
        return M.mul(M.transpose(u), u)
    return M.trace(M.mul(M.transpose(u), u))


class DifferentialRule(MatRule):
    """Base of the rules that rewrite a pending d(u): ``matches`` and ``apply`` (a mixin of MatRule's dataclasses)."""

    __slots__ = ()
    node_type: ClassVar[type[M.Node] | None] = None
    """The node class this rule differentiates, when that alone decides it."""

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return cls.node_type is not None and type(u) is cls.node_type

    @classmethod
    def apply(cls, node: M.D, var: M.MatSym) -> MatRule:
        return cls(node, cls.differential(node.arg, var))

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ConstantD(DifferentialRule):
    """d(A) = 0 for A not depending on the variable"""

    name: ClassVar[str] = "constant"
    phrase: ClassVar[str] = "d(A) = 0 for a constant A"
    tex: ClassVar[str] = r"$\mathrm{d}A = 0$ for constant $A$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return not _depends(u, var)

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        return M.zero(u.shape)


@dataclass(frozen=True, slots=True)
class VariableD(DifferentialRule):
    """d(X) = dX"""

    name: ClassVar[str] = "variable"
    phrase: ClassVar[str] = "d(X) = dX"
    tex: ClassVar[str] = r"$\mathrm{d}(X) = \mathrm{d}X$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return u == var

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        return M.Differential(var)


@dataclass(frozen=True, slots=True)
class NormD(DifferentialRule):
    """||u||^2 = u^T u and ||U||_F^2 = tr(U^T U): a norm is differentiated through its quadratic form"""

    name: ClassVar[str] = "norm"
    phrase: ClassVar[str] = "norm as a quadratic form: ‖u‖² = uᵀu, ‖U‖_F² = tr(UᵀU)"
    tex: ClassVar[str] = r"$\lVert u\rVert^2 = u^{\top}u$, $\lVert U\rVert_F^2 = \operatorname{tr}(U^{\top}U)$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return isinstance(u, M.Norm) or (isinstance(u, M.Power) and isinstance(u.base, M.Norm))

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        if isinstance(u, M.Power):
            assert isinstance(u.base, M.Norm)
            return M.D(M.power(_quadratic(u.base.arg), u.exp / 2))
        assert isinstance(u, M.Norm)
        return M.D(M.power(_quadratic(u.arg), sp.Rational(1, 2)))


@dataclass(frozen=True, slots=True)
class LogSoftmaxD(DifferentialRule):
    """log softmax(z) = z - logsumexp(z) 1: the log of a softmax is differentiated through this identity"""

    name: ClassVar[str] = "log-softmax"
    phrase: ClassVar[str] = "log softmax(z) = z − logsumexp(z) 1"
    tex: ClassVar[str] = r"$\log\operatorname{softmax}(z) = z - \operatorname{logsumexp}(z)\,\mathbf{1}$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return isinstance(u, M.Func) and u.name == "log" and isinstance(u.arg, M.Softmax)

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Func) and isinstance(u.arg, M.Softmax)
        z = u.arg.arg
        return M.D(M.add(z, M.mul(M.const(-1), M.logsumexp(z), M.Ones(*z.shape))))


@dataclass(frozen=True, slots=True)
class SumD(DifferentialRule):
    """d(U + V) = dU + dV"""

    name: ClassVar[str] = "sum"
    phrase: ClassVar[str] = "sum rule: d(U + V) = dU + dV (constant terms vanish)"
    tex: ClassVar[str] = r"sum rule: $\mathrm{d}(U + V) = \mathrm{d}U + \mathrm{d}V$"
    node_type: ClassVar[type[M.Node] | None] = M.Add

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Add)
        return M.add(*(M.D(t) for t in u.terms if _depends(t, var)))


def _product_differential(u: M.Node, var: M.MatSym) -> M.Node:
    """d(c F1 ... Fk) = c sum_i F1 ... dFi ... Fk over the factors that depend on the variable."""
    assert isinstance(u, M.Mul)
    fs = u.factors
    return M.add(*(M.mul(M.const(u.coeff), *fs[:i], M.D(f), *fs[i + 1:]) for i, f in enumerate(fs) if _depends(f, var)))


@dataclass(frozen=True, slots=True)
class ConstantFactorD(DifferentialRule):
    """d(A U B) = A dU B for constant A, B (and scalar constants)"""

    name: ClassVar[str] = "constant factor"
    phrase: ClassVar[str] = "constant factors stay: d(A U B) = A dU B"
    tex: ClassVar[str] = r"constant factors: $\mathrm{d}(A U B) = A\,\mathrm{d}U\,B$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return isinstance(u, M.Mul) and sum(_depends(f, var) for f in u.factors) <= 1

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        return _product_differential(u, var)


@dataclass(frozen=True, slots=True)
class ProductD(DifferentialRule):
    """d(U V) = dU V + U dV"""

    name: ClassVar[str] = "product"
    phrase: ClassVar[str] = "product rule: d(UV) = dU V + U dV"
    tex: ClassVar[str] = r"product rule: $\mathrm{d}(UV) = \mathrm{d}U\,V + U\,\mathrm{d}V$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return isinstance(u, M.Mul) and sum(_depends(f, var) for f in u.factors) > 1

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        return _product_differential(u, var)


@dataclass(frozen=True, slots=True)
class TransposeD(DifferentialRule):
    """d(U^T) = (dU)^T"""

    name: ClassVar[str] = "transpose"
    phrase: ClassVar[str] = "transpose rule: d(Uᵀ) = (dU)ᵀ"
    tex: ClassVar[str] = r"$\mathrm{d}(U^{\top}) = (\mathrm{d}U)^{\top}$"
    node_type: ClassVar[type[M.Node] | None] = M.Transpose

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Transpose)
        return M.Transpose(M.D(u.arg)) if not u.is_scalar else M.D(u.arg)


@dataclass(frozen=True, slots=True)
class TraceD(DifferentialRule):
    """d tr(U) = tr(dU)"""

    name: ClassVar[str] = "trace"
    phrase: ClassVar[str] = "trace rule: d tr(U) = tr(dU)"
    tex: ClassVar[str] = r"$\mathrm{d}\operatorname{tr}U = \operatorname{tr}\mathrm{d}U$"
    node_type: ClassVar[type[M.Node] | None] = M.Trace

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Trace)
        return M.Trace(M.D(u.arg))


@dataclass(frozen=True, slots=True)
class InverseD(DifferentialRule):
    """d(U^{-1}) = -U^{-1} dU U^{-1}"""

    name: ClassVar[str] = "inverse"
    phrase: ClassVar[str] = "inverse rule: d(U⁻¹) = −U⁻¹ dU U⁻¹"
    tex: ClassVar[str] = r"$\mathrm{d}(U^{-1}) = -U^{-1}\,\mathrm{d}U\,U^{-1}$"
    node_type: ClassVar[type[M.Node] | None] = M.Inverse

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Inverse)
        return M.mul(M.const(-1), u, M.D(u.arg), u)


@dataclass(frozen=True, slots=True)
class DetD(DifferentialRule):
    """d det(U) = det(U) tr(U^{-1} dU)"""

    name: ClassVar[str] = "determinant"
    phrase: ClassVar[str] = "determinant rule: d det(U) = det(U) tr(U⁻¹ dU)"
    tex: ClassVar[str] = r"$\mathrm{d}\det U = \det U \operatorname{tr}(U^{-1}\mathrm{d}U)$"
    node_type: ClassVar[type[M.Node] | None] = M.Det

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Det)
        return M.mul(u, M.trace(M.mul(M.inverse(u.arg), M.D(u.arg))))


@dataclass(frozen=True, slots=True)
class LogDetD(DifferentialRule):
    """d log det(U) = tr(U^{-1} dU)"""

    name: ClassVar[str] = "log-determinant"
    phrase: ClassVar[str] = "log-determinant rule: d log det(U) = tr(U⁻¹ dU)"
    tex: ClassVar[str] = r"$\mathrm{d}\log\det U = \operatorname{tr}(U^{-1}\mathrm{d}U)$"
    node_type: ClassVar[type[M.Node] | None] = M.LogDet

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.LogDet)
        return M.trace(M.mul(M.inverse(u.arg), M.D(u.arg)))


@dataclass(frozen=True, slots=True)
class HadamardD(DifferentialRule):
    """d(U ⊙ V) = dU ⊙ V + U ⊙ dV"""

    name: ClassVar[str] = "entrywise product"
    phrase: ClassVar[str] = "entrywise product rule: d(U ⊙ V) = dU ⊙ V + U ⊙ dV"
    tex: ClassVar[str] = r"$\mathrm{d}(U \odot V) = \mathrm{d}U \odot V + U \odot \mathrm{d}V$"
    node_type: ClassVar[type[M.Node] | None] = M.Hadamard

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Hadamard)
        fs = u.factors
        return M.add(*(M.hadamard(*fs[:i], M.D(f), *fs[i + 1:]) for i, f in enumerate(fs) if _depends(f, var)))


_FUNCTION_TEX = {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log"}


@dataclass(frozen=True, slots=True)
class FunctionD(DifferentialRule):
    """d f(u) = f'(u) ⊙ du (entrywise; for a scalar u, f'(u) du)"""

    name: ClassVar[str] = "function"
    node_type: ClassVar[type[M.Node] | None] = M.Func
    function: str
    derivative: M.Node  # f'(u)

    @classmethod
    def apply(cls, node: M.D, var: M.MatSym) -> MatRule:
        u = node.arg
        assert isinstance(u, M.Func)
        fprime = derivative(u.name, u.arg)
        return cls(node, _times(fprime, M.D(u.arg)), u.name, fprime)

    def generic(self) -> M.Node:
        """f'(u) for a placeholder u (the rule as a textbook states it)."""
        return derivative(self.function, M.MatSym("u", M.ONE, M.ONE))

    def words(self) -> str:
        return f"{self.function}'(u) = {M.plain(self.generic())}"

    @classmethod
    def justify(cls, rules: Sequence[MatRule]) -> str:
        names = ", ".join(dict.fromkeys(r.words() for r in rules if isinstance(r, FunctionD)))
        tail = "; d(X) = dX" if any(isinstance(r, VariableD) for r in rules) else ""
        return f"chain rule: d f(u) = f'(u) du (entrywise for a vector), with {names}{tail}"

    def latex(self, mtex: MatTex) -> str:
        name = _FUNCTION_TEX.get(self.function, rf"\operatorname{{{self.function}}}")
        return (r"chain rule: $\mathrm{d}f(u) = f'(u) \odot \mathrm{d}u$, "
                rf"${name}'(u) = {mtex(self.generic())}$")


@dataclass(frozen=True, slots=True)
class PowerD(DifferentialRule):
    """d(u^k) = k u^(k-1) ⊙ du"""

    name: ClassVar[str] = "power"
    phrase: ClassVar[str] = "power rule: d(uᵏ) = k uᵏ⁻¹ du (entrywise for a vector)"
    tex: ClassVar[str] = r"power rule: $\mathrm{d}(u^{k}) = k\,u^{k-1}\,\mathrm{d}u$ (entrywise)"
    node_type: ClassVar[type[M.Node] | None] = M.Power

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Power)
        return _times(M.mul(M.const(u.exp), M.power(u.base, u.exp - 1)), M.D(u.base))


@dataclass(frozen=True, slots=True)
class LogSumExpD(DifferentialRule):
    """d logsumexp(z) = softmax(z)^T dz"""

    name: ClassVar[str] = "logsumexp"
    phrase: ClassVar[str] = "d logsumexp(z) = softmax(z)ᵀ dz"
    tex: ClassVar[str] = r"$\mathrm{d}\operatorname{logsumexp}(z) = \operatorname{softmax}(z)^{\top}\mathrm{d}z$"
    node_type: ClassVar[type[M.Node] | None] = M.LogSumExp

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.LogSumExp)
        return M.mul(M.transpose(M.softmax(u.arg)), M.D(u.arg))


@dataclass(frozen=True, slots=True)
class SoftmaxD(DifferentialRule):
    """d softmax(z) = (diag(s) - s s^T) dz with s = softmax(z)"""

    name: ClassVar[str] = "softmax"
    phrase: ClassVar[str] = "d softmax(z) = (diag(s) − s sᵀ) dz, s = softmax(z)"
    tex: ClassVar[str] = (r"$\mathrm{d}s = (\operatorname{diag}(s) - s s^{\top})\,\mathrm{d}z$, "
                          r"$s = \operatorname{softmax}(z)$")
    node_type: ClassVar[type[M.Node] | None] = M.Softmax

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Softmax)
        return M.mul(M.add(M.diag(u), M.mul(M.const(-1), u, M.transpose(u))), M.D(u.arg))


@dataclass(frozen=True, slots=True)
class DiagD(DifferentialRule):
    """d diag(u) = diag(du)"""

    name: ClassVar[str] = "diag"
    phrase: ClassVar[str] = "d diag(u) = diag(du)"
    tex: ClassVar[str] = r"$\mathrm{d}\operatorname{diag}(u) = \operatorname{diag}(\mathrm{d}u)$"
    node_type: ClassVar[type[M.Node] | None] = M.Diag

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Diag)
        return M.Diag(M.D(u.arg))


@dataclass(frozen=True, slots=True)
class DiagPartD(DifferentialRule):
    """d diagvec(U) = diagvec(dU)"""

    name: ClassVar[str] = "diagonal"
    phrase: ClassVar[str] = "d diagvec(U) = diagvec(dU)"
    tex: ClassVar[str] = r"$\mathrm{d}\operatorname{diagvec}(U) = \operatorname{diagvec}(\mathrm{d}U)$"
    node_type: ClassVar[type[M.Node] | None] = M.DiagPart

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.DiagPart)
        return M.DiagPart(M.D(u.arg))


@dataclass(frozen=True, slots=True)
class VecD(DifferentialRule):
    """d vec(U) = vec(dU)"""

    name: ClassVar[str] = "vec"
    phrase: ClassVar[str] = "d vec(U) = vec(dU)"
    tex: ClassVar[str] = r"$\mathrm{d}\operatorname{vec}(U) = \operatorname{vec}(\mathrm{d}U)$"
    node_type: ClassVar[type[M.Node] | None] = M.Vec

    @classmethod
    def differential(cls, u: M.Node, var: M.MatSym) -> M.Node:
        assert isinstance(u, M.Vec)
        return M.Vec(M.D(u.arg))


RULES: tuple[type[DifferentialRule], ...] = (
    ConstantD, VariableD, NormD, LogSoftmaxD, SumD, ConstantFactorD, ProductD, TransposeD, TraceD, InverseD,
    DetD, LogDetD, HadamardD, FunctionD, PowerD, LogSumExpD, SoftmaxD, DiagD, DiagPartD, VecD,
)
"""The differential rules in the order they are tried: constants and the variable first, then the
identities that rewrite before differentiating (norms, log-softmax), then one rule per node."""


def rule_for(u: M.Node, var: M.MatSym) -> type[DifferentialRule]:
    """The rule for d(u): the first in ``RULES`` that matches."""
    for rule in RULES:
        if rule.matches(u, var):
            return rule
    raise UnsupportedError(f"no differential rule for {M.plain(u)}")


# -- rearranging, not differentiating ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Identification(MatRule):
    """df = tr(G^T dX) identifies the gradient G (for a vector, df = g^T dx)"""

    name: ClassVar[str] = "identification"
    phrase: ClassVar[str] = "identification: df = tr(Gᵀ dX) gives the gradient G"
    tex: ClassVar[str] = (r"identification: $\mathrm{d}f = \operatorname{tr}(G^{\top}\mathrm{d}X)$ gives "
                          r"$\nabla f = G$")
    gradient: M.Node


@dataclass(frozen=True, slots=True)
class HessianIdentification(MatRule):
    """d(grad f) = H dx identifies the Hessian H (for a matrix X: vec d(grad f) = H vec(dX))"""

    name: ClassVar[str] = "hessian identification"
    phrase: ClassVar[str] = ("identification: d(∇f) = H dx (vec d(∇f) = H vec(dX) for a matrix) gives "
                             "the Hessian H")
    tex: ClassVar[str] = (r"identification: $\mathrm{d}(\nabla f) = H\,\mathrm{d}x$ (for a matrix, "
                          r"$\operatorname{vec}\mathrm{d}(\nabla f) = H \operatorname{vec}(\mathrm{d}X)$) "
                          r"gives $\nabla^2 f = H$")
    hessian: M.Node


@dataclass(frozen=True, slots=True)
class JacobianIdentification(MatRule):
    """df = J dx identifies the Jacobian J, numerator layout (for a matrix: vec(df) = J vec(dX))"""

    name: ClassVar[str] = "jacobian identification"
    phrase: ClassVar[str] = "identification: df = J dx gives the Jacobian J"
    tex: ClassVar[str] = (r"identification: $\mathrm{d}f = J\,\mathrm{d}x$ gives the Jacobian $J$")
    jacobian: M.Node


@dataclass(frozen=True, slots=True)
class VecJacobianIdentification(MatRule):
    """vec(df) = J vec(dX) identifies the Jacobian J of vec(f) by vec(X)"""

    name: ClassVar[str] = "jacobian identification"
    phrase: ClassVar[str] = "identification: vec(df) = J vec(dX) gives the Jacobian J"
    tex: ClassVar[str] = (r"identification: $\operatorname{vec}\mathrm{d}f = J \operatorname{vec}(\mathrm{d}X)$ "
                          r"gives the Jacobian $J$")
    jacobian: M.Node


@dataclass(frozen=True, slots=True)
class Tidy(MatRule):
    """Rearrange: collect like terms, use declared symmetry, cancel entrywise, factor common factors"""

    name: ClassVar[str] = "simplify"
    method: str

    def words(self) -> str:
        return f"simplify ({self.method})"

    def latex(self, mtex: MatTex) -> str:
        return f"simplify ({self.method})"


ALL_RULES: tuple[type[MatRule], ...] = (*RULES, Identification, HessianIdentification, JacobianIdentification,
                                         VecJacobianIdentification, Tidy)
"""Every matrix rule class: the differential rules and the ones that rearrange."""

MATRIX_RULE_NAMES: frozenset[str] = frozenset(cls.name for cls in ALL_RULES)
"""The fixed vocabulary of matrix step names (``MatStep.rule``)."""


def justify(rules: Sequence[MatRule]) -> str:
    """The one-line justification of a step: its head rule words the step (``rules`` may add d(X) = dX)."""
    return type(rules[0]).justify(rules) if rules else ""
