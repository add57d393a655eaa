"""The allow-list both parsers build from: constants, functions and size guards.

Plain text and LaTeX must agree on what ``log``, ``e`` or ``gamma`` mean, so the
table lives here once; nothing outside it can reach a SymPy constructor.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

import sympy as sp

from derive.core.errors import ParseError, Span
from derive.parse.domain import VarDomain, make_symbol
from derive.core.functions import ML_FUNCTIONS

def as_sympy(value: object) -> sp.Basic:
    """A number or SymPy object as a SymPy object, without SymPy's evaluator: a string is refused.

    For values derive built itself (matrix dimensions, coefficients, matrix entries) that may be plain
    Python ints, fractions or floats; ``sympify`` would also parse text, so it is not used.
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise TypeError("a truth value is not a number here")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        return sp.Float(value)
    raise TypeError(f"not a number or a SymPy object: {type(value).__name__}")


MAX_INPUT_CHARS = 2000
"""Longest accepted input, in characters."""

MAX_NESTING = 100
"""Deepest accepted bracket nesting in plain text."""

MAX_TREE_DEPTH = 200
"""Deepest accepted expression tree; SymPy itself recurses on deeper ones."""

MAX_NUMBER_BITS = 10_000
"""Largest exact number (numerator or denominator, in bits) an expression may hold."""

MAX_EXACT_ARGUMENT = 1000
"""Largest number that factorial-like functions evaluate exactly."""

MAX_ROOT_BASE_BITS = 2048
"""Largest number whose fractional power SymPy is asked to simplify (it factors it)."""

UNDEFINED_LETTERS = frozenset("fghFGH")
"""Single letters that name an unknown function when called: ``f(x)``."""

CONSTANTS: Mapping[str, sp.Expr] = MappingProxyType({"e": sp.E, "pi": sp.pi})
"""Names that are numbers, not variables."""

CALLABLE_VARIABLES = frozenset({"gamma", "beta"})
"""Function names that are ordinary variables when not called (Greek letters)."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One allow-listed function: its arity and how to build it.

    ``exact_cap`` marks functions (factorial, gamma...) that SymPy evaluates
    exactly on numbers, so huge numeric arguments are refused before the call.
    """

    name: str
    build: Callable[..., sp.Expr]
    min_args: int = 1
    max_args: int | None = 1
    usage: str = ""
    exact_cap: bool = False

    def arity_text(self) -> str:
        """Human text for the accepted number of arguments."""
        if self.max_args == self.min_args:
            n = self.min_args
            return f"exactly {n} argument{'s' if n != 1 else ''}"
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _log(x: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x, base)


def _cbrt(x: sp.Expr) -> sp.Expr:
    # The real cube root: cbrt(-8) = -2, not the principal complex root.
    return sp.real_root(x, 3)


def _spec(name: str, build: Callable[..., sp.Expr], lo: int = 1, hi: int | None = 1,
          usage: str = "", exact_cap: bool = False) -> FunctionSpec:
    return FunctionSpec(name, build, lo, hi, usage or f"{name}(x)", exact_cap)


def _table() -> dict[str, FunctionSpec]:
    specs = [
        _spec("exp", sp.exp),
        _spec("log", _log, 1, 2, "log(x) for the natural log, log(x, b) for base b"),
        _spec("ln", sp.log),
        _spec("sqrt", sp.sqrt),
        _spec("cbrt", _cbrt),
        _spec("sin", sp.sin), _spec("cos", sp.cos), _spec("tan", sp.tan),
        _spec("cot", sp.cot), _spec("sec", sp.sec), _spec("csc", sp.csc),
        _spec("asin", sp.asin), _spec("acos", sp.acos), _spec("atan", sp.atan),
        _spec("acot", sp.acot), _spec("asec", sp.asec), _spec("acsc", sp.acsc),
        _spec("atan2", sp.atan2, 2, 2, "atan2(y, x)"),
        _spec("sinh", sp.sinh), _spec("cosh", sp.cosh), _spec("tanh", sp.tanh),
        _spec("coth", sp.coth), _spec("sech", sp.sech), _spec("csch", sp.csch),
        _spec("asinh", sp.asinh), _spec("acosh", sp.acosh), _spec("atanh", sp.atanh),
        _spec("acoth", sp.acoth), _spec("asech", sp.asech), _spec("acsch", sp.acsch),
        _spec("abs", sp.Abs),
        _spec("sign", sp.sign),
        _spec("erf", sp.erf), _spec("erfc", sp.erfc),
        _spec("gamma", sp.gamma, exact_cap=True),
        _spec("loggamma", sp.loggamma, exact_cap=True),
        _spec("digamma", sp.digamma, exact_cap=True),
        _spec("beta", sp.beta, 2, 2, "beta(a, b)", exact_cap=True),
        _spec("factorial", sp.factorial, exact_cap=True),
        _spec("binomial", sp.binomial, 2, 2, "binomial(n, k)", exact_cap=True),
        _spec("floor", sp.floor), _spec("ceiling", sp.ceiling),
        _spec("Heaviside", sp.Heaviside),
        _spec("max", sp.Max, 2, None, "max(a, b, ...)"),
        _spec("min", sp.Min, 2, None, "min(a, b, ...)"),
        _spec("sigmoid", ML_FUNCTIONS["sigmoid"]),
        _spec("softplus", ML_FUNCTIONS["softplus"]),
        _spec("logsumexp", ML_FUNCTIONS["logsumexp"], 1, None, "logsumexp(a, b, ...)"),
    ]
    table = {s.name: s for s in specs}
    aliases = {
        "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot",
        "arcsec": "asec", "arccsc": "acsc",
        "arsinh": "asinh", "arcsinh": "asinh", "arcosh": "acosh", "arccosh": "acosh",
        "artanh": "atanh", "arctanh": "atanh", "arcoth": "acoth", "arccoth": "acoth",
        "Abs": "abs", "Max": "max", "Min": "min", "lgamma": "loggamma", "ceil": "ceiling", "sgn": "sign",
    }
    for alias, target in aliases.items():
        base = table[target]
        table[alias] = FunctionSpec(alias, base.build, base.min_args, base.max_args,
                                    base.usage.replace(target, alias, 1), base.exact_cap)
    return table


FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(_table())
"""Every function a user may call, by the name they type."""

SYMPY_FUNCTION_NAMES: Mapping[type[sp.Basic], str] = MappingProxyType({
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.cot: "cot", sp.sec: "sec", sp.csc: "csc", sp.asin: "asin", sp.acos: "acos",
    sp.atan: "atan", sp.acot: "acot", sp.asec: "asec", sp.acsc: "acsc",
    sp.atan2: "atan2", sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh",
    sp.coth: "coth", sp.sech: "sech", sp.csch: "csch", sp.asinh: "asinh",
    sp.acosh: "acosh", sp.atanh: "atanh", sp.acoth: "acoth", sp.asech: "asech",
    sp.acsch: "acsch", sp.Abs: "abs", sp.sign: "sign", sp.erf: "erf", sp.erfc: "erfc",
    sp.gamma: "gamma", sp.loggamma: "loggamma", sp.digamma: "digamma", sp.beta: "beta",
    sp.factorial: "factorial", sp.binomial: "binomial", sp.floor: "floor",
    sp.ceiling: "ceiling", sp.Heaviside: "Heaviside", sp.Max: "max", sp.Min: "min",
    **{cls: name for name, cls in ML_FUNCTIONS.items()},
})
"""SymPy function classes another front end (latex2sympy) may hand us, by our name."""


def _sympy_names() -> frozenset[str]:
    return frozenset(n for n in dir(sp) if not n.startswith("_"))


SYMPY_NAMES = _sympy_names()
"""Names SymPy's printed forms use; JSON readers rebuild our output with them."""

_RESERVED_VARIABLES = frozenset({"oo", "zoo", "nan"})


def _check_reserved(name: str, span: Span | None, *, called: bool) -> None:
    """Refuse names that would print like a SymPy construct (``Derivative``, ``oo``, ``zeta(x)``).

    Our str() output must read back unambiguously, so a user's own function or variable
    may not borrow such a name.
    """
    if called:
        clash = name in SYMPY_NAMES and name not in FUNCTIONS
    else:
        clash = name in _RESERVED_VARIABLES or (
            name in SYMPY_NAMES and name[0].isupper() and len(name) > 1 and name not in FUNCTIONS
        )
    if clash:
        raise ParseError(
            f"{name!r} is a SymPy name that derive does not support here", span=span,
            hint="pick another name (f, g, h or phi for an unknown function; any other name for a variable)")


def variable(name: str, domains: Mapping[str, VarDomain] | None, span: Span | None) -> sp.Expr:
    """The value of a bare name: a constant, or a real symbol with its domain.

    Function names used without a call are refused (``sin x`` is a typo, not a product).
    """
    if name in CONSTANTS:
        return CONSTANTS[name]
    _check_reserved(name, span, called=False)
    spec = FUNCTIONS.get(name)
    if spec is not None and name not in CALLABLE_VARIABLES:
        raise ParseError(f"function {name!r} is used without parentheses", span=span,
                         hint=f"call it with its argument in parentheses: {spec.usage}")
    return make_symbol(name, domains)


def call(name: str, args: list[sp.Expr], span: Span | None) -> sp.Expr:
    """Apply an allow-listed function, or an undefined one, to built arguments.

    Unknown names become ``sp.Function(name)``; the caller decides which names may.
    """
    spec = FUNCTIONS.get(name)
    if spec is None:
        _check_reserved(name, span, called=True)
        return sp.Function(name)(*args)
    if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
        raise ParseError(
            f"{name} takes {spec.arity_text()}, got {len(args)}", span=span,
            hint=f"write {spec.usage}")
    if spec.exact_cap:
        for a in args:
            if a.is_Rational and abs(a) > MAX_EXACT_ARGUMENT:
                raise ParseError(
                    f"{name} of a number larger than {MAX_EXACT_ARGUMENT} is too large to evaluate exactly",
                    span=span, hint="use a symbol or a smaller number")
    return spec.build(*args)


def _bits(r: sp.Rational) -> float:
    # log2 of the larger of numerator and denominator: the size of the number in bits.
    return max(math.log2(max(1, abs(int(r.p)))), math.log2(int(r.q)))


def power(base: sp.Expr, exponent: sp.Expr, span: Span | None) -> sp.Expr:
    """``base ** exponent``, refusing exact numbers too large to hold.

    SymPy evaluates ``10^10^10`` eagerly, so the size is estimated before the call.
    """
    if (isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational)
            and base not in (sp.S.Zero, sp.S.One, sp.S.NegativeOne)):
        bits = _bits(base)
        if bits * abs(exponent) > MAX_NUMBER_BITS or (not exponent.is_Integer and bits > MAX_ROOT_BASE_BITS):
            raise ParseError("number too large: the power would have more than "
                             f"{MAX_NUMBER_BITS} bits", span=span,
                             hint="derive works with exact numbers; use a symbol or a smaller power")
    return sp.Pow(base, exponent)


def factorial(arg: sp.Expr, span: Span | None) -> sp.Expr:
    """Postfix ``n!``, with the same size cap as ``factorial(n)``."""
    return call("factorial", [arg], span)


def check_result(expr: sp.Expr, span: Span | None) -> sp.Expr:
    """Refuse results that are undefined, infinite or hold huge numbers.

    ``1/0`` parses but means nothing; saying so here beats a NaN three stages later.
    """
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("expression is undefined or infinite (division by zero?)", span=span,
                         hint="check denominators and logarithms of 0")
    for atom in expr.atoms(sp.Rational):
        if _bits(atom) > MAX_NUMBER_BITS:
            raise ParseError(f"number too large: more than {MAX_NUMBER_BITS} bits", span=span,
                             hint="derive works with exact numbers; use a symbol instead")
    return expr


def expr_depth(expr: sp.Basic) -> int:
    """Depth of a SymPy tree, computed without recursion."""
    deepest = 0
    stack: list[tuple[sp.Basic, int]] = [(expr, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((a, d + 1) for a in node.args)
    return deepest


def line_span(text: str, start: int, end: int | None = None) -> Span:
    """A Span on the line of ``text`` holding ``start`` (spans are one line).

    Multi-line input is allowed, so offsets are rebased to that line.
    """
    start = max(0, min(start, len(text)))
    end = start + 1 if end is None else max(start, min(end, len(text)))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end == -1:
        line_end = len(text)
    end = min(end, max(line_end, start + 1))
    return Span(text[line_start:line_end], start - line_start, end - line_start)


def split_top(text: str, separator: str = ",") -> list[str]:
    """``text`` split at each ``separator`` outside brackets (``p \\in (0, 1), x > 0`` gives two parts).

    The parts are as written (not stripped); one more part than separators found.
    """
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        if ch == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts
