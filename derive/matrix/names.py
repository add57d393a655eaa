"""Plain-text names of matrix expressions: ``-2*X'*(y - X*b)``, readable and re-readable.

The model needs them for error messages and JSON ``before``/``after``; richer printers
(Unicode, LaTeX) subclass ``PlainPrinter`` in ``render``. Precedence decides parentheses.
"""
from __future__ import annotations

import sympy as sp

from derive.matrix import expr as M

PREC_ADD, PREC_HADAMARD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 10, 15, 20, 30, 40, 50


class PlainPrinter:
    """ASCII printer; ``_print_<Class>`` returns (text, precedence)."""

    times = "*"
    hadamard_op = " .* "
    divide_op = " ./ "
    kron_op = " kron "
    transpose_mark = "'"
    minus = "-"

    def doprint(self, node: M.Node) -> str:
        return self._p(node)[0]

    def _p(self, node: M.Node) -> tuple[str, int]:
        for cls in type(node).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                out: tuple[str, int] = method(node)
                return out
        raise TypeError(f"{type(self).__name__} cannot print a {type(node).__name__}")

    def paren(self, node: M.Node, level: int) -> str:
        text, prec = self._p(node)
        return self.wrap(text) if prec < level else text

    def wrap(self, text: str) -> str:
        return f"({text})"

    def scalar(self, value: sp.Expr) -> str:
        return sp.sstr(value)

    def call(self, name: str, *args: str) -> str:
        return f"{name}({', '.join(args)})"

    # leaves
    def _print_MatSym(self, n: M.MatSym) -> tuple[str, int]:
        return self.symbol(n.name), PREC_ATOM

    def symbol(self, name: str) -> str:
        return name

    def _print_Const(self, n: M.Const) -> tuple[str, int]:
        v = n.value
        text = self.scalar(v)
        if v.is_Add:
            return text, PREC_ADD
        if v.could_extract_minus_sign():
            return text, PREC_NEG
        if v.is_Mul or (v.is_Rational and not v.is_Integer):
            return text, PREC_MUL
        if v.is_Pow:
            return text, PREC_POW
        return text, PREC_ATOM

    def _print_Ones(self, n: M.Ones) -> tuple[str, int]:
        if n.cols == 1:
            return self.ones(), PREC_ATOM
        if n.rows == 1:
            return self.ones() + self.transpose_mark, PREC_POW
        return self.call("ones", str(n.rows), str(n.cols)), PREC_ATOM

    def ones(self) -> str:
        return "1"

    def _print_Identity(self, n: M.Identity) -> tuple[str, int]:
        return "I", PREC_ATOM

    def _print_Zero(self, n: M.Zero) -> tuple[str, int]:
        return "0", PREC_ATOM

    def _print_Differential(self, n: M.Differential) -> tuple[str, int]:
        return self.differential(self.symbol(n.var.name)), PREC_ATOM

    def differential(self, name: str) -> str:
        return f"d{name}"

    # composites
    def _print_Add(self, n: M.Add) -> tuple[str, int]:
        out = ""
        for i, t in enumerate(_positive_first(n.terms)):
            c, body = M.split_coeff(t)
            negative = c.could_extract_minus_sign() if isinstance(c, sp.Expr) else False
            if isinstance(t, M.Const) and t.value.could_extract_minus_sign():
                text = self.scalar(-t.value)
                out += f" {self.minus} {text}" if i else f"{self.minus}{text}"
                continue
            if negative:
                text = self.paren(M.scale(-c, body), PREC_MUL)
                out += f" {self.minus} {text}" if i else f"{self.minus}{text}"
            else:
                text = self.paren(t, PREC_ADD + 1)
                out += f" + {text}" if i else text
        return out, PREC_ADD

    def _print_Mul(self, n: M.Mul) -> tuple[str, int]:
        c = n.coeff
        num = [f for f in n.factors if not (isinstance(f, M.Power) and f.is_scalar and f.exp.is_negative)]
        den = [M.power(f.base, -f.exp) for f in n.factors
               if isinstance(f, M.Power) and f.is_scalar and f.exp.is_negative]
        cnum, cden = sp.fraction(c)
        sign = ""
        if cnum.could_extract_minus_sign():
            sign, cnum = self.minus, -cnum
        parts: list[str] = []
        if cnum != 1 or not num:
            parts.append(self._coeff(cnum))
        if c == -1 and len(num) == 1 and isinstance(num[0], M.Hadamard):
            return self.minus + self.doprint(num[0]), PREC_HADAMARD  # -y .* u: the sign binds tighter
        parts += [self.paren(f, PREC_MUL + (1 if isinstance(f, M.Mul) else 0)) for f in num]
        text = self.join_product(parts)
        dparts: list[str] = []
        if cden != 1:
            dparts.append(self._coeff(cden))
        dparts += [self.paren(f, PREC_POW) for f in den]
        if dparts:
            dtext = self.join_product(dparts)
            text = self.fraction(text, dtext, len(dparts) > 1 or cden.is_Mul or cden.is_Add)
        return sign + text, PREC_NEG if sign else PREC_MUL

    def _coeff(self, c: sp.Expr) -> str:
        text = self.scalar(c)
        return self.wrap(text) if c.is_Add else text

    def join_product(self, parts: list[str]) -> str:
        return self.times.join(parts)

    def fraction(self, num: str, den: str, several: bool) -> str:
        return f"{num}/{self.wrap(den) if several else den}"

    def _print_Transpose(self, n: M.Transpose) -> tuple[str, int]:
        return self.paren(n.arg, PREC_ATOM) + self.transpose_mark, PREC_POW

    def _print_Inverse(self, n: M.Inverse) -> tuple[str, int]:
        return self.call("inv", self.doprint(n.arg)), PREC_ATOM

    def _print_Trace(self, n: M.Trace) -> tuple[str, int]:
        return self.call("tr", self.doprint(n.arg)), PREC_ATOM

    def _print_Det(self, n: M.Det) -> tuple[str, int]:
        return self.call("det", self.doprint(n.arg)), PREC_ATOM

    def _print_LogDet(self, n: M.LogDet) -> tuple[str, int]:
        return self.call("logdet", self.doprint(n.arg)), PREC_ATOM

    def _print_Hadamard(self, n: M.Hadamard) -> tuple[str, int]:
        """u .* v, with entrywise reciprocals as divisions: p .* q.^(-1) prints p ./ q."""
        num = [f for f in n.factors if not (isinstance(f, M.Power) and f.exp == -1)]
        den = [f.base for f in n.factors if isinstance(f, M.Power) and f.exp == -1]
        text = self.hadamard_op.join(self.paren(f, PREC_POW) for f in num) if num else self.ones()
        for d in den:
            text += self.divide_op + self.paren(d, PREC_POW)
        return text, PREC_HADAMARD

    def _print_Func(self, n: M.Func) -> tuple[str, int]:
        return self.call(n.name, self.doprint(n.arg)), PREC_ATOM

    def _print_Power(self, n: M.Power) -> tuple[str, int]:
        e = n.exp
        etext = self.scalar(e)
        if not (e.is_Integer and e >= 0):
            etext = self.wrap(etext)
        op = "^" if n.is_scalar else ".^"
        return f"{self.paren(n.base, PREC_ATOM)}{op}{etext}", PREC_POW

    def _print_Diag(self, n: M.Diag) -> tuple[str, int]:
        return self.call("diag", self.doprint(n.arg)), PREC_ATOM

    def _print_Norm(self, n: M.Norm) -> tuple[str, int]:
        return self.call("norm", self.doprint(n.arg)), PREC_ATOM

    def _print_Kron(self, n: M.Kron) -> tuple[str, int]:
        return f"{self.paren(n.left, PREC_POW)}{self.kron_op}{self.paren(n.right, PREC_POW)}", PREC_HADAMARD

    def _print_Vec(self, n: M.Vec) -> tuple[str, int]:
        return self.call("vec", self.doprint(n.arg)), PREC_ATOM

    def _print_Commutation(self, n: M.Commutation) -> tuple[str, int]:
        return self.call("K", self.scalar(n.m), self.scalar(n.n)), PREC_ATOM

    def _print_DiagPart(self, n: M.DiagPart) -> tuple[str, int]:
        return self.call("diagvec", self.doprint(n.arg)), PREC_ATOM

    def _print_LogSumExp(self, n: M.LogSumExp) -> tuple[str, int]:
        return self.call("logsumexp", self.doprint(n.arg)), PREC_ATOM

    def _print_Softmax(self, n: M.Softmax) -> tuple[str, int]:
        return self.call("softmax", self.doprint(n.arg)), PREC_ATOM

    def _print_D(self, n: M.D) -> tuple[str, int]:
        return self.call("d", self.doprint(n.arg)), PREC_ATOM


def _negative(t: M.Node) -> bool:
    c = t.value if isinstance(t, M.Const) else M.split_coeff(t)[0]
    return bool(c.could_extract_minus_sign())


def _positive_first(terms: tuple[M.Node, ...]) -> tuple[M.Node, ...]:
    """A sum led by a lone negated name prints a positive term first (sigma(Xw) - y, not -y + sigma(Xw))."""
    if not terms or not _negative(terms[0]):
        return terms
    lead = M.split_coeff(terms[0])[1]
    if not isinstance(lead, (M.MatSym, M.Ones, M.Identity, M.Const)):
        for i, t in enumerate(terms):  # a positive constant still leads: 1 - y .* exp(u)
            if not _negative(t) and isinstance(M.split_coeff(t)[1], (M.Const, M.Ones, M.Identity)):
                return (t,) + terms[:i] + terms[i + 1:]
        return terms
    for i, t in enumerate(terms):
        if not _negative(t):
            return (t,) + terms[:i] + terms[i + 1:]
    return terms


def plain(node: M.Node) -> str:
    """The plain-text form of a node."""
    return PlainPrinter().doprint(node)
