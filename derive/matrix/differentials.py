"""Matrix differentials step by step: take the first pending d(...), name its rule, apply it everywhere it fits.

Each rule is one textbook identity of Magnus and Neudecker (``matrix_rules``); the engine only
chooses and builds. Constant terms and factors are dropped or kept as they are in the same
step (d(A U B) = A dU B), as an instructor writes it.
"""
from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.matrix.model import MatRule, MatStep
from derive.matrix.expr import plain
from derive.matrix import rules as R
from derive.matrix.elementwise import derivative

RuleMaker = Callable[[M.D, M.MatSym], MatRule]


def classify(u: M.Node, var: M.MatSym) -> type[MatRule]:
    """The rule class for d(u)."""
    if not M.depends_on(u, var):
        return R.ConstantD
    if u == var:
        return R.VariableD
    if isinstance(u, M.Power) and isinstance(u.base, M.Norm) or isinstance(u, M.Norm):
        return R.NormD
    if isinstance(u, M.Func) and u.name == "log" and isinstance(u.arg, M.Softmax):
        return R.LogSoftmaxD
    table: dict[type, type[MatRule]] = {
        M.Add: R.SumD, M.Transpose: R.TransposeD, M.Trace: R.TraceD, M.Inverse: R.InverseD,
        M.Det: R.DetD, M.LogDet: R.LogDetD, M.Hadamard: R.HadamardD, M.Func: R.FunctionD,
        M.Power: R.PowerD, M.LogSumExp: R.LogSumExpD, M.Softmax: R.SoftmaxD, M.Diag: R.DiagD,
        M.DiagPart: R.DiagPartD, M.Vec: R.VecD,
    }
    if isinstance(u, M.Mul):
        dependent = sum(M.depends_on(f, var) for f in u.factors)
        return R.ProductD if dependent > 1 else R.ConstantFactorD
    rule = table.get(type(u))
    if rule is None:
        raise UnsupportedError(f"no differential rule for {plain(u)}")
    return rule


def _quadratic(u: M.Node) -> M.Node:
    """u^T u for a vector, tr(U^T U) for a matrix (the squared norm)."""
    if u.is_scalar:
        return M.power(u, 2)
    if u.shape[1] == 1:
        return M.mul(M.transpose(u), u)
    return M.trace(M.mul(M.transpose(u), u))


def apply_rule(kind: type[MatRule], node: M.D, var: M.MatSym) -> MatRule:
    """The rule instance for d(u) = result."""
    u = node.arg
    res: M.Node
    if kind is R.ConstantD:
        res = M.zero(u.shape)
    elif kind is R.VariableD:
        res = M.Differential(var)
    elif kind is R.SumD:
        assert isinstance(u, M.Add)
        res = M.add(*(M.D(t) for t in u.terms if M.depends_on(t, var)))
    elif kind in (R.ProductD, R.ConstantFactorD):
        assert isinstance(u, M.Mul)
        fs = u.factors
        res = M.add(*(
            M.mul(M.const(u.coeff), *fs[:i], M.D(f), *fs[i + 1:])
            for i, f in enumerate(fs) if M.depends_on(f, var)
        ))
    elif kind is R.TransposeD:
        assert isinstance(u, M.Transpose)
        res = M.Transpose(M.D(u.arg)) if not u.is_scalar else M.D(u.arg)
    elif kind is R.TraceD:
        assert isinstance(u, M.Trace)
        res = M.Trace(M.D(u.arg))
    elif kind is R.InverseD:
        assert isinstance(u, M.Inverse)
        res = M.mul(M.const(-1), u, M.D(u.arg), u)
    elif kind is R.DetD:
        assert isinstance(u, M.Det)
        res = M.mul(u, M.trace(M.mul(M.inverse(u.arg), M.D(u.arg))))
    elif kind is R.LogDetD:
        assert isinstance(u, M.LogDet)
        res = M.trace(M.mul(M.inverse(u.arg), M.D(u.arg)))
    elif kind is R.HadamardD:
        assert isinstance(u, M.Hadamard)
        fs = u.factors
        res = M.add(*(M.hadamard(*fs[:i], M.D(f), *fs[i + 1:]) for i, f in enumerate(fs) if M.depends_on(f, var)))
    elif kind is R.FunctionD:
        assert isinstance(u, M.Func)
        fprime = derivative(u.name, u.arg)
        res = _times(fprime, M.D(u.arg))
        return R.FunctionD(node, res, u.name, fprime)
    elif kind is R.PowerD:
        assert isinstance(u, M.Power)
        res = _times(M.mul(M.const(u.exp), M.power(u.base, u.exp - 1)), M.D(u.base))
    elif kind is R.NormD:
        if isinstance(u, M.Power):
            assert isinstance(u.base, M.Norm)
            res = M.D(M.power(_quadratic(u.base.arg), u.exp / 2))
        else:
            assert isinstance(u, M.Norm)
            res = M.D(M.power(_quadratic(u.arg), sp.Rational(1, 2)))
    elif kind is R.LogSumExpD:
        assert isinstance(u, M.LogSumExp)
        res = M.mul(M.transpose(M.softmax(u.arg)), M.D(u.arg))
    elif kind is R.LogSoftmaxD:
        assert isinstance(u, M.Func) and isinstance(u.arg, M.Softmax)
        z = u.arg.arg
        res = M.D(M.add(z, M.mul(M.const(-1), M.logsumexp(z), M.Ones(*z.shape))))
    elif kind is R.SoftmaxD:
        assert isinstance(u, M.Softmax)
        s = u
        res = M.mul(M.add(M.diag(s), M.mul(M.const(-1), s, M.transpose(s))), M.D(u.arg))
    elif kind is R.DiagD:
        assert isinstance(u, M.Diag)
        res = M.Diag(M.D(u.arg))
    elif kind is R.VecD:
        assert isinstance(u, M.Vec)
        res = M.Vec(M.D(u.arg))
    elif kind is R.DiagPartD:
        assert isinstance(u, M.DiagPart)
        res = M.DiagPart(M.D(u.arg))
    else:  # pragma: no cover - classify returns only the kinds above
        raise UnsupportedError(f"no differential rule {kind.__name__}")
    return kind(node, res)


def _times(coefficient: M.Node, d: M.Node) -> M.Node:
    """f'(u) du for a scalar u, f'(u) ⊙ du entrywise."""
    return M.mul(coefficient, d) if d.is_scalar else M.hadamard(coefficient, d)


def _first_pending(expr: M.Node) -> M.D | None:
    for n in M.walk(expr):
        if isinstance(n, M.D):
            return n
    return None


def _variables_now(expr: M.Node, var: M.MatSym, made: list[MatRule]) -> M.Node:
    def rewrite(n: M.Node) -> M.Node | None:
        if isinstance(n, M.D) and n.arg == var:
            rule = apply_rule(R.VariableD, n, var)
            made.append(rule)
            return rule.result
        return None

    return M.replace(expr, rewrite)


def differential_chain(start: M.Node, var: M.MatSym, clock: Clock, *, first: M.Node | None = None) -> tuple[MatStep, ...]:
    """The steps from d(start) to an expression free of pending differentials."""
    from derive.matrix.wording import justify

    expr: M.Node = first if first is not None else M.D(start)
    steps: list[MatStep] = []
    while True:
        pending = _first_pending(expr)
        if pending is None:
            return tuple(steps)
        clock.check("matrix differentials", depth=len(steps))
        kind = classify(pending.arg, var)
        made: list[MatRule] = []

        def rewrite(n: M.Node) -> M.Node | None:
            if isinstance(n, M.D) and classify(n.arg, var) is kind:
                rule = apply_rule(kind, n, var)
                made.append(rule)
                return rule.result
            return None

        after = M.replace(expr, rewrite)
        if kind is not R.VariableD:
            after = _variables_now(after, var, made)  # d(X) = dX goes with the step that exposed it
        rules = tuple(dict.fromkeys(made))
        steps.append(MatStep(kind.name, expr, after, rules, justify(rules)))
        expr = after
