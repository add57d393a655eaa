"""Gradient, Hessian and stationary point of a scalar function of one matrix or vector.

The chain of differentials (``matrix``), then identification (``matrix_identify``), then a
readable form (``matrix_tidy``); for a vector variable, the Hessian from the differential
of the gradient, and where it is constant, the normal equations and their solution.
"""
from __future__ import annotations

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError, UsageError
from derive.matrix import expr as M
from derive.matrix.model import JointSolution, MatGradient, MatGradients, MatRule, MatStep, Stationary
from derive.matrix.expr import plain
from derive.parse.shapes import ShapeDecl
from derive.matrix import rules as R
from derive.matrix.definiteness import definiteness
from derive.matrix.differentials import differential_chain, identified
from derive.matrix.identify import gradient_of, jacobian, vec_jacobian
from derive.matrix.tidy import expand_products, size, tidy


def _step(rule: MatRule, before: M.Node, after: M.Node) -> MatStep:
    return MatStep(before=before, after=after, rule=rule.name, rules=(rule,), justification=R.justify((rule,)))


def _identified(steps: tuple[MatStep, ...], rule: MatRule) -> tuple[MatStep, ...]:
    return identified(steps, rule.target, rule.result, rule)


def _check(f: M.Node, var: M.MatSym) -> None:
    if not f.is_scalar:
        raise UnsupportedError(
            f"the expression is {M.shape_text(f.shape)}-valued, not a scalar",
            hint="derive grad needs a scalar function; Jacobians of vector functions are not supported yet "
            "(sum its entries with sum(...) or take a norm)",
        )
    if not M.depends_on(f, var):
        names = ", ".join(sorted(s.name for s in M.symbols(f))) or "none"
        raise UsageError(f"{var.name} does not appear in the expression",
                         hint=f"its matrix and vector variables are: {names}")


def _structured(g: M.Node, var: M.MatSym, clock: Clock, raw: M.Node | None = None) -> M.Node:
    """The gradient inside the variable's own space: sym(G) for symmetric, the diagonal for diagonal.

    It is the unique matrix of that structure with df = tr(G^T dX) for every admissible dX, so it
    does not depend on how the function was written (tr(S^T A) and tr(S A) agree).
    """
    if var.cols == 1 or var.rows != var.cols:
        return g
    if "diagonal" in var.props:
        return tidy(M.diag(M.diagpart(g)), clock)
    if var.symmetric and not M.is_symmetric(g):
        expanded = expand_products(g)
        half = M.mul(M.const(sp.Rational(1, 2)), M.add(g, M.transpose(g)))
        forms = [tidy(half, clock), tidy(expand_products(half), clock)]
        if M.is_symmetric(expanded):  # symmetric once expanded: sym(G) = G, no (G + Gᵀ)/2 to write
            shown = tidy(expanded, clock)
            forms.insert(0, shown if M.is_symmetric(shown) else expanded)
        if raw is not None and M.is_symmetric(raw):  # as identified: Σ⁻¹(x̄ − μ)(x̄ − μ)ᵀΣ⁻¹ kept whole
            forms.append(raw)
        return min(forms, key=size)  # the first of the shortest
    return g


def _identify(df: M.Node, var: M.MatSym, clock: Clock) -> tuple[M.Node, MatStep]:
    raw = gradient_of(df, var)
    g = _structured(tidy(raw, clock), var, clock, raw)
    form = M.inner(g, M.Differential(var))
    rule = R.Identification(df, form, g)
    return g, _step(rule, df, form)


def _symmetrize(h: M.Node, clock: Clock) -> tuple[M.Node, bool]:
    """H, or (H + H^T)/2 when H is not visibly symmetric (the Hessian of d^2 f = dx^T H dx)."""
    if M.is_symmetric(h):
        return h, False
    return tidy(M.mul(M.const(sp.Rational(1, 2)), M.add(h, M.transpose(h))), clock), True


def _hessian(g: M.Node, var: M.MatSym, clock: Clock) -> tuple[tuple[MatStep, ...], M.Node, bool]:
    """For a vector: d(grad) = H dx. For a matrix: vec d(grad) = H vec(dX), with Kronecker products."""
    matrix = var.cols != 1
    steps = differential_chain(M.vec(g) if matrix else g, var, clock)
    dg = steps[-1].after if steps else M.zero(g.shape)
    if matrix:
        inner = dg.arg if isinstance(dg, M.Vec) else dg
        h, symmetrized = tidy(vec_jacobian(inner, var), clock), False  # symmetric, but not visibly
        form = M.mul(h, M.vec(M.Differential(var)))
        rule = R.HessianIdentification(dg, form, h)
        return _identified(steps, rule), h, symmetrized
    h, symmetrized = _symmetrize(tidy(jacobian(dg, var), clock), clock)
    form = M.mul(h, M.Differential(var))
    rule = R.HessianIdentification(dg, form, h)
    return _identified(steps, rule), h, symmetrized


def _hessian_or_none(g: M.Node, var: M.MatSym, clock: Clock, *, required: bool
                     ) -> tuple[tuple[MatStep, ...], M.Node | None, bool]:
    """The Hessian; when it was not asked for (only a stationary point needs it), an unsupported case is skipped."""
    try:
        return _hessian(g, var, clock)
    except UnsupportedError:
        if required:
            raise
        return (), None, False


def _integer_factor(node: M.Node) -> tuple[sp.Expr, M.Node]:
    c, body = M.split_coeff(node)
    return (c, body) if c.is_Rational and c > 0 else (sp.Integer(1), node)


def _maybe_affine(g: M.Node, var: M.MatSym) -> bool:
    """Cheap filter: no entrywise functions, inverses or determinants of the variable in the gradient."""
    return not any(isinstance(n, (M.Func, M.Inverse, M.Det, M.LogDet, M.Softmax, M.Power)) and M.depends_on(n, var)
                   for n in M.walk(g))


def _stationary_matrix(g: M.Node, h: M.Node, var: M.MatSym, clock: Clock) -> Stationary | None:
    """Solve grad = 0 when H = c (I ⊗ A): then grad = c A X + grad(0), so X = -(c A)^{-1} grad(0)."""
    c, body = M.split_coeff(h)
    if M.depends_on(h, var) or not (isinstance(body, M.Kron) and isinstance(body.left, M.Identity)):
        return None
    return _solve(M.scale(c, body.right), g, var, clock)


def _stationary_sandwich(g: M.Node, var: M.MatSym, clock: Clock) -> Stationary | None:
    """Solve grad = 0 when every term is X⁻¹ A X⁻¹ or c X⁻¹ (the Gaussian's Σ): multiplied by X on
    both sides it is linear, c₁ A + c₂ X = 0, so X̂ = −c₁ A / c₂ (Σ̂ = S/n)."""
    for form in (g, expand_products(g)):  # the terms as they are (Σ⁻¹(x̄ − μ)(x̄ − μ)ᵀΣ⁻¹ whole), else expanded
        split = _sandwich_terms(form, var)
        if split is not None:
            break
    else:
        return None
    fixed, linear = split
    if not fixed or linear == 0 or all(_outer(f) for f in fixed):
        return None  # a sum of outer products x yᵀ is singular for large sizes: no invertible solution to give
    solution = tidy(M.add(*(M.scale(-1 / linear, t) for t in fixed)), clock)
    k = linear.as_coeff_Mul()[0]  # -n/2 Σ = -S/2 reads n Σ = S
    lhs = M.mul(M.const(linear / k), var)
    rhs = tidy(M.add(*(M.scale(-1 / k, t) for t in fixed)), clock)
    return Stationary(lhs, rhs, solution, solution, f"∇f = 0 multiplied by {var.name} on both sides")


def _sandwich_terms(g: M.Node, var: M.MatSym) -> tuple[list[M.Node], sp.Expr] | None:
    """The A's of the terms c X⁻¹ A X⁻¹ and the sum of the c's of the terms c X⁻¹, or None if another term occurs."""
    inv = M.inverse(var)
    fixed: list[M.Node] = []
    linear = sp.Integer(0)
    for t in g.terms if isinstance(g, M.Add) else (g,):
        c, body = M.split_coeff(t)
        chain = body.chain if isinstance(body, M.Mul) else (body,)
        scalars = body.scalars if isinstance(body, M.Mul) else ()
        if chain == (inv,) and not scalars:
            linear += c
        elif len(chain) >= 3 and chain[0] == inv and chain[-1] == inv and not any(
                M.depends_on(f, var) for f in chain[1:-1] + scalars):
            fixed.append(M.mul(M.const(c), *scalars, *chain[1:-1]))
        else:
            return None
    return fixed, linear


def _outer(t: M.Node) -> bool:
    """c u vᵀ (u, v vectors): rank one."""
    body = M.split_coeff(t)[1]
    chain = body.chain if isinstance(body, M.Mul) else ()
    return len(chain) >= 2 and any(f.shape[1] == 1 for f in chain[:-1])


def _rank_one(h: M.Node) -> bool:
    """c u v^T: an outer product of two vectors, never invertible beyond 1 x 1."""
    c, body = M.split_coeff(h)
    chain = body.chain if isinstance(body, M.Mul) else ()
    return len(chain) >= 2 and any(f.shape[1] == 1 for f in chain[:-1]) and h.shape != M.SCALAR


def _stationary(g: M.Node, h: M.Node, var: M.MatSym, clock: Clock) -> Stationary | None:
    """Solve grad = 0 when the gradient is affine: H x = -grad(0), x = H^{-1} (-grad(0))."""
    if M.depends_on(h, var) or M.is_zero(h) or _rank_one(h):
        return None
    return _solve(h, g, var, clock)


def _solve(a: M.Node, g: M.Node, var: M.MatSym, clock: Clock) -> Stationary:
    """The normal equations a X = -grad(0), a common positive factor cancelled, and their solution."""
    rhs = tidy(M.mul(M.const(-1), M.substitute(g, var, M.zero(var.shape))), clock)
    ca, a_m = _integer_factor(a)
    cr, rhs_m = _integer_factor(rhs)
    if M.is_zero(rhs):
        a_eq, rhs_eq = a_m, rhs
    elif ca == cr:
        a_eq, rhs_eq = a_m, rhs_m
    else:
        a_eq, rhs_eq = a, rhs
    solution = M.zero(var.shape) if M.is_zero(rhs_eq) else M.mul(M.inverse(a_eq), rhs_eq)
    d = definiteness(a_eq)
    when = "always (it is positive definite)" if d.verdict == "positive definite" else d.strict
    eigen = _eigen(a_eq) if M.is_zero(rhs_eq) and var.cols == 1 else None
    return Stationary(M.mul(a_eq, var), rhs_eq, solution, a_eq, when, eigen=eigen)


def _eigen(a: M.Node) -> tuple[M.Node, sp.Expr] | None:
    """(A, λ) when ``a`` is A − λI with λ a multiple of one scalar symbol that A does not hold.

    Then a v = 0 is the eigenproblem A v = λ v (PCA's w'Sw − λ(w'w − 1)), common numbers cancelled.
    """
    if not isinstance(a, M.Add):
        return None
    shifts = [t for t in a.terms if isinstance(M.split_coeff(t)[1], M.Identity) and M.split_coeff(t)[0].free_symbols]
    if len(shifts) != 1:
        return None
    c = M.split_coeff(shifts[0])[0]
    rest = [t for t in a.terms if t is not shifts[0]]
    if len(c.free_symbols) != 1 or any(c.free_symbols & M.scalar_symbols(t) for t in rest):
        return None
    k = sp.gcd_list([sp.Abs(M.split_coeff(t)[0].as_coeff_Mul()[0]) for t in rest] + [sp.Abs(c.as_coeff_Mul()[0])])
    k = k if k.is_Rational and k > 0 else sp.Integer(1)
    return M.add(*(M.scale(1 / k, t) for t in rest)), -c / k


def _entry_sums(g: M.Node) -> list[M.Mul]:
    """The 1^T y factors (sums of a vector's entries) in a result."""
    out: list[M.Mul] = []
    for n in M.walk(g):
        if isinstance(n, M.Mul) and len(n.factors) == 2 and n.coeff == 1 and n.factors[0] == M.Transpose(
                M.Ones(n.factors[1].shape[0], M.ONE)) and isinstance(n.factors[1], M.MatSym) and n not in out:
            out.append(n)
    return out


def matrix_gradient(
    f: M.Node, var: M.MatSym, clock: Clock, *, hessian: bool = False, source: str = "",
    shapes: tuple[ShapeDecl, ...] = (),
) -> MatGradient:
    """The derivation of the gradient (and Hessian) of ``f`` with respect to ``var``, uncertified."""
    _check(f, var)
    if "orthogonal" in var.props:
        raise UnsupportedError(
            f"differentiating with respect to the orthogonal matrix {var.name} needs the constraint "
            "(a Riemannian gradient), which is not supported", hint=f"declare {var.name} without 'orthogonal'")
    if hessian and var.cols != 1 and (var.symmetric or "diagonal" in var.props):
        raise UnsupportedError(
            f"the Hessian with respect to the structured matrix {var.name} is not supported: the vec Hessian "
            "assumes free entries", hint="ask for the gradient, or declare the matrix without its structure")
    steps = differential_chain(f, var, clock)
    g, ident = _identify(steps[-1].after, var, clock)
    notes: list[str] = []
    if "diagonal" in var.props and var.cols != 1:
        notes.append(f"{var.name} is diagonal: the gradient is the diagonal matrix G with df = tr(G d{var.name}) for every "
                     f"diagonal d{var.name} (the partial derivatives by its diagonal entries)")
    elif var.symmetric and var.cols != 1:
        notes.append(f"{var.name} is symmetric: the gradient is the symmetric matrix G with df = tr(G d{var.name}) "
                     f"for every symmetric d{var.name}; the partial derivatives by the free entries are 2G - diag(G)")
    capital = sorted(s.name for s in M.scalar_symbols(f) if s.name[:1].isupper())
    if capital:
        notes.append(f"{', '.join(capital)} {'is' if len(capital) == 1 else 'are'} not declared, so read as "
                     f"scalar{'s' if len(capital) > 1 else ''}; declare a matrix with --let, e.g. '{capital[0]}: n x n'")
    for total in _entry_sums(g):
        notes.append(f"{plain(total)} is the sum of the entries of {plain(total.factors[-1])}: with one-hot or "
                     f"probability labels it is 1, and the gradient simplifies accordingly")
    h_steps: tuple[MatStep, ...] = ()
    h: M.Node | None = None
    stationary = None
    defin = None
    wanted = hessian or var.cols == 1 or _maybe_affine(g, var)
    h_steps, h, symmetrized = _hessian_or_none(g, var, clock, required=hessian) if wanted else ((), None, False)
    if h is not None and var.cols == 1:
        if symmetrized and hessian:
            notes.append("the Hessian is written symmetrized, (H + H^T)/2, as d^2 f = dx^T H dx defines it")
        stationary = _stationary(g, h, var, clock)
        if not M.depends_on(h, var) or hessian:
            defin = definiteness(h)
    elif h is not None:
        stationary = _stationary_matrix(g, h, var, clock)
        if hessian and not M.depends_on(h, var):
            defin = definiteness(h)
    if stationary is None and var.cols != 1 and var.rows == var.cols:
        stationary = _stationary_sandwich(g, var, clock)
    if hessian and var.cols != 1:
        notes.append(f"the Hessian with respect to the matrix {var.name} is the matrix of vec d(∇f) = H vec(d{var.name}) "
                     "(vec stacks columns; K is the commutation matrix)")
    return MatGradient(
        source=source, function=f, wrt=var, shapes=shapes, steps=steps + (ident,), gradient=g,
        hessian_steps=h_steps if hessian else (), hessian=h if hessian else None,
        stationary=stationary, definiteness=defin, notes=tuple(notes),
    )


def matrix_gradients(
    f: M.Node, wrt: tuple[M.MatSym, ...], clock: Clock, *, hessian: bool = False, source: str = "",
    shapes: tuple[ShapeDecl, ...] = (),
) -> MatGradients:
    """The gradient by each of several variables, and the stationary system solved jointly where it can be."""
    parts = tuple(matrix_gradient(f, v, clock, hessian=hessian, source=source) for v in wrt)  # shapes said once
    joint, why = _joint(parts, clock)
    return MatGradients(source=source, function=f, shapes=shapes, parts=parts, joint=joint,
                        notes=(why,) if why else ())


def _joint(parts: tuple[MatGradient, ...], clock: Clock) -> tuple[JointSolution | None, str]:
    """Solve ∇_v f = 0 for each v in turn: first a variable whose solution holds no unsolved variable,
    then the others with the solutions found so far substituted (μ̂ = x̄, then Σ̂(μ̂) = S/n)."""
    names = {g.wrt.name for g in parts}
    unsolved = [g.wrt.name for g in parts if g.stationary is None or g.stationary.eigen is not None]
    if unsolved:
        return None, (f"the stationary system is not solved jointly: ∇f = 0 is not solved in "
                      f"{', '.join(unsolved)} alone")
    values: dict[str, M.Node] = {}
    solved: list[tuple[M.MatSym, M.Node, M.Node, tuple[str, ...]]] = []
    pending = list(parts)
    while pending:
        clock.check("the joint stationary point")
        for g in pending:
            assert g.stationary is not None
            own = g.stationary.solution
            needs = {s.name for s in M.symbols(own)} & names - {g.wrt.name}
            if needs <= set(values):
                value = own
                for n in sorted(needs):
                    old = next(p.wrt for p in parts if p.wrt.name == n)
                    value = M.substitute(value, old, values[n])
                value = tidy(value, clock) if needs else own
                values[g.wrt.name] = value
                solved.append((g.wrt, value, own, tuple(sorted(needs))))
                pending.remove(g)
                break
        else:
            left = ", ".join(g.wrt.name for g in pending)
            return None, f"the stationary system is not solved jointly: the solutions for {left} depend on each other"
    return JointSolution(tuple(solved)), ""
