"""One-line plain-text justifications for matrix steps (the LaTeX printer has its own)."""
from __future__ import annotations

from derive.matrix.model import MatRule
from derive.matrix import expr as M
from derive.matrix.expr import plain
from derive.matrix.elementwise import derivative
from derive.matrix import rules as R

_WORDS: dict[type, str] = {
    R.ConstantD: "d(A) = 0 for a constant A",
    R.VariableD: "d(X) = dX",
    R.SumD: "sum rule: d(U + V) = dU + dV (constant terms vanish)",
    R.ConstantFactorD: "constant factors stay: d(A U B) = A dU B",
    R.ProductD: "product rule: d(UV) = dU V + U dV",
    R.TransposeD: "transpose rule: d(Uᵀ) = (dU)ᵀ",
    R.TraceD: "trace rule: d tr(U) = tr(dU)",
    R.InverseD: "inverse rule: d(U⁻¹) = −U⁻¹ dU U⁻¹",
    R.DetD: "determinant rule: d det(U) = det(U) tr(U⁻¹ dU)",
    R.LogDetD: "log-determinant rule: d log det(U) = tr(U⁻¹ dU)",
    R.HadamardD: "entrywise product rule: d(U ⊙ V) = dU ⊙ V + U ⊙ dV",
    R.PowerD: "power rule: d(uᵏ) = k uᵏ⁻¹ du (entrywise for a vector)",
    R.NormD: "norm as a quadratic form: ‖u‖² = uᵀu, ‖U‖_F² = tr(UᵀU)",
    R.LogSumExpD: "d logsumexp(z) = softmax(z)ᵀ dz",
    R.LogSoftmaxD: "log softmax(z) = z − logsumexp(z) 1",
    R.SoftmaxD: "d softmax(z) = (diag(s) − s sᵀ) dz, s = softmax(z)",
    R.DiagD: "d diag(u) = diag(du)",
    R.DiagPartD: "d diagvec(U) = diagvec(dU)",
    R.VecD: "d vec(U) = vec(dU)",
    R.Identification: "identification: df = tr(Gᵀ dX) gives the gradient G",
    R.HessianIdentification: "identification: d(∇f) = H dx (vec d(∇f) = H vec(dX) for a matrix) gives the Hessian H",
}


def justify(rules: tuple[MatRule, ...]) -> str:
    """The step's justification: its rule, with the function named for the function rule."""
    if not rules:
        return ""
    first = rules[0]
    if isinstance(first, R.FunctionD):
        u = M.MatSym("u", M.ONE, M.ONE)
        names = ", ".join(dict.fromkeys(f"{r.function}'(u) = {plain(derivative(r.function, u))}" for r in rules
                                        if isinstance(r, R.FunctionD)))
        tail = "; d(X) = dX" if any(isinstance(r, R.VariableD) for r in rules) else ""
        return f"chain rule: d f(u) = f'(u) du (entrywise for a vector), with {names}{tail}"
    if isinstance(first, R.Tidy):
        return f"simplify ({first.method})"
    kinds = list(dict.fromkeys(type(r) for r in rules))
    return "; ".join(_WORDS[k] for k in kinds)
