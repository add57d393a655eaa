"""Plain-text justifications for steps (the JSON and terminal line beside each step).

Printers make the LaTeX justification from the rules themselves; this is the
one-line text form, built by the engine so every output agrees on the words.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from derive.scalar.model import Rule
from derive.scalar.notation import prime_form, primes
from derive.scalar import rules as R

_PHRASES: dict[str, str] = {
    "constant": "the derivative of a constant is 0",
    "variable": "d/dx x = 1",
    "sum": "sum rule: differentiate term by term, constants factored out",
    "constant multiple": "constant multiple rule: (c f)' = c f'",
    "power": "power rule: d/dx x^n = n x^(n-1)",
    "product": "product rule: (f g)' = f' g + f g'",
    "quotient": "quotient rule: (f/g)' = (f' g - f g')/g^2",
    "exp": "d/dx e^x = e^x",
    "exponential": "d/dx a^x = a^x ln(a)",
    "log": "d/dx ln(x) = 1/x",
    "logarithmic differentiation": "logarithmic differentiation: f^g = e^(g ln f), so (f^g)' = f^g (g ln f)'",
    "simplify": "simplify",
    "cas": "no step-by-step rule applies; derivative computed by SymPy",
}


class _JustificationPrinter(StrPrinter):
    """SymPy's str form, with f'(u) for derivatives of undefined functions."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        pf = prime_form(expr)
        if pf is not None:
            return f"{pf.function.__name__}{primes(pf.order)}({self._print(pf.point)})"
        return str(super()._print_Derivative(expr))


def text(e: sp.Basic) -> str:
    """Compact plain text of an expression (``^`` for powers, f'(u) for derivatives of f)."""
    return str(_JustificationPrinter().doprint(e)).replace("**", "^")


def _formula(rule: Rule) -> str:
    if isinstance(rule, R.FunctionRule):
        arg = rule.target.expr.args[0] if rule.target.expr.args else ""
        return f"d/d{text(arg)} {text(rule.target.expr)} = {text(rule.derivative)}"
    if isinstance(rule, R.PowerRule):
        return f"d/dx {text(rule.target.expr)} = {text(rule.result)}"
    return ""


def justify(rules: tuple[Rule, ...]) -> str:
    """One line saying which rule was applied, and where (with chain-rule letters)."""
    head = rules[0]
    if isinstance(head, R.ChainRule):
        parts = []
        for r in rules:
            assert isinstance(r, R.ChainRule)
            outer = r.outer.result.xreplace({r.outer.target.variables[0]: r.u})
            inner_f = r.outer.target.expr.xreplace({r.outer.target.variables[0]: r.u})
            parts.append(f"{r.u.name} = {text(r.inner)}, d/d{r.u} {text(inner_f)} = {text(outer)}")
        x = text(head.target.variables[0])
        return f"chain rule: d/d{x} F(u) = F'(u) du/d{x}, with " + "; ".join(parts)
    if isinstance(head, R.MultivariateChainRule):
        return "multivariable chain rule: d/dx F(u1,...,uk) = sum of dF/dui dui/dx"
    if isinstance(head, R.PartialRule):
        names = ", ".join(s.name for s in head.constants)
        return f"partial derivative: treat {names} as constant"
    if isinstance(head, R.HigherOrderRule):
        x = head.target.variables[-1] if isinstance(head.target, sp.Derivative) else ""
        held = f", treating {', '.join(s.name for s in head.constants)} as constant" if head.constants else ""
        return f"higher-order derivative: differentiate the previous result with respect to {x}{held}"
    if isinstance(head, R.SimplifyRule):
        return f"simplify ({head.method})"
    if isinstance(head, R.GiveUp):
        return f"{_PHRASES['cas']} ({head.reason})"
    if isinstance(head, R.FunctionRule):
        kind = head.name if head.name != "function" else "derivative"
        return f"{kind} rule: " + "; ".join(_formula(r) for r in rules)
    phrase = _PHRASES.get(head.name, head.name)
    return phrase
