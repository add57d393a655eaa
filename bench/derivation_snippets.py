r"""The reader corpus: LaTeX snippets from ML and statistics derivations with their intended meaning.

Each ``Snippet(id, latex, decls, intended, tags)``: ``decls`` are ``% derive:`` declarations (text);
``intended`` builds the meaning with SymPy constructors (never by parsing a string), or is None when
the right reading is a refusal (an expectation, an integral, ``\dots``: the reader must say it does not
read it rather than guess). An equation snippet's intended meaning is an unevaluated ``Eq``.

Conventions used to write the meanings (they are the meanings, not the reader's output; the bench
compares numerically, at random points, random sizes n and random data, so any equal form will do):
``x_i`` under a sum is data ``x[i]``; a bare ``f`` is an unknown function; ``\log`` is natural;
``\frac{\partial}{\partial \sigma^2} g`` is ``(dg/d\sigma) / (2\sigma)``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

Builder = Callable[[], sp.Basic]


@dataclass(frozen=True)
class Snippet:
    id: str
    latex: str
    decls: tuple[str, ...]
    intended: Builder | None
    tags: tuple[str, ...] = ()
    macros: str = ""
    """Macro definitions of the snippet's document (``\\newcommand``...), expanded in the snippet first."""


# --- the vocabulary of the meanings ---------------------------------------------------------------

def r(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def pos(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True, positive=True)


n = sp.Symbol("n", integer=True, positive=True)
m_ = sp.Symbol("m", integer=True, positive=True)
p_ = sp.Symbol("p", integer=True, positive=True)
k_ = sp.Symbol("k", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
i = sp.Symbol("i", integer=True)
kk = sp.Symbol("k", integer=True)
j = sp.Symbol("j", integer=True)
x, y, z, h, t, a, b, c, u, v, w = (r(s) for s in "xyzhtabcuvw")
theta, lam, mu, sigma, alpha, beta, gamma, tau, eta, phi = (
    r(s) for s in ("theta", "lambda", "mu", "sigma", "alpha", "beta", "gamma", "tau", "eta", "phi"))
f, g, F, G = sp.Function("f"), sp.Function("g"), sp.Function("F"), sp.Function("G")
D = sp.Derivative
log, exp, sqrt = sp.log, sp.exp, sp.sqrt


def X(name: str, *idx: sp.Expr) -> sp.Indexed:
    return sp.Indexed(sp.IndexedBase(name), *(idx or (i,)))


def S(body: sp.Expr, idx: sp.Symbol = i, lo: sp.Expr = sp.Integer(1), hi: sp.Expr = n) -> sp.Sum:
    return sp.Sum(body, (idx, lo, hi))


def P(body: sp.Expr, idx: sp.Symbol = i, lo: sp.Expr = sp.Integer(1), hi: sp.Expr = n) -> sp.Product:
    return sp.Product(body, (idx, lo, hi))


def M(name: str, rows: sp.Expr, cols: sp.Expr = sp.Integer(1)) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, rows, cols)


def tr(e: sp.Basic) -> sp.Basic:
    return sp.Trace(e)


def d_sq(expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """d expr / d(s^2) = (d expr / ds) / (2 s), the meaning of \\partial/\\partial s^2."""
    return D(expr, s) / (2 * s)


def sigmoid(e: sp.Expr) -> sp.Expr:
    return 1 / (1 + exp(-e))


XNP = r"X \in \mathbb{R}^{n\times p}"
YN = r"y \in \mathbb{R}^{n}"
BP = r"\beta \in \mathbb{R}^{p}"
WP = r"w \in \mathbb{R}^{p}"
Xm, ym, bm, wm = M("X", n, p_), M("y", n), M("beta", p_), M("w", p_)
SIG = r"\sigma(z) := \frac{1}{1+e^{-z}}"

SNIPPETS: list[Snippet] = []


def add(id: str, latex: str, intended: Builder | None, *decls: str, tags: tuple[str, ...] = (), macros: str = "") -> None:
    SNIPPETS.append(Snippet(id, latex, tuple(decls), intended, tags, macros))


# --- algebra, logs and exponentials ---------------------------------------------------------------
add("alg-log-product", r"\log(ab)", lambda: log(a * b))
add("alg-log-sum", r"\log a + \log b", lambda: log(a) + log(b))
add("alg-log-power", r"\log x^2", lambda: log(x**2))
add("alg-log-power-out", r"2\log x", lambda: 2 * log(x))
add("alg-ln", r"\ln(1+e^{x})", lambda: log(1 + exp(x)))
add("alg-log-natural", r"\log e", lambda: sp.Integer(1))
add("alg-exp-frac", r"e^{-\frac{x^2}{2}}", lambda: exp(-x**2 / 2))
add("alg-exp-cmd", r"\exp\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)", lambda: exp(-(x - mu)**2 / (2 * sigma**2)))
add("alg-exp-braces", r"\exp\{-\lambda t\}", lambda: exp(-lam * t))
add("alg-gauss-density", r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-\frac{(x-\mu)^2}{2\sigma^2}}",
    lambda: 1 / sqrt(2 * sp.pi * sigma**2) * exp(-(x - mu)**2 / (2 * sigma**2)))
add("alg-frac-short", r"\frac12 x^2 + \frac1n", lambda: x**2 / 2 + 1 / n, r"n \in \mathbb{N}")
add("alg-tfrac", r"\tfrac{1}{2}\log(2\pi)", lambda: log(2 * sp.pi) / 2)
add("alg-dfrac", r"\dfrac{a+b}{c}", lambda: (a + b) / c)
add("alg-power-tex", r"x^23", lambda: 3 * x**2)
add("alg-sqrt-n", r"\sqrt[3]{x}", lambda: x**sp.Rational(1, 3))
add("alg-cdot", r"2 \cdot 3 \cdot x", lambda: 6 * x)
add("alg-times", r"a \times b", lambda: a * b)
add("alg-decimal", r"0.5 x + 1.25", lambda: x / 2 + sp.Rational(5, 4))
add("alg-abs", r"|x - \mu|", lambda: sp.Abs(x - mu))
add("alg-log-base", r"\log_2 x", lambda: log(x, 2))
add("alg-sin-cos", r"\sin^2 x + \cos^2 x", lambda: sp.sin(x)**2 + sp.cos(x)**2)
add("alg-tanh", r"\tanh(x)", lambda: sp.tanh(x))
add("alg-neg-power", r"x^{-1} + x^{-2}", lambda: 1 / x + x**-2)
add("alg-frac-nested", r"\frac{1}{1+\frac{1}{x}}", lambda: 1 / (1 + 1 / x))
add("alg-brackets", r"\left[ a + b \right] c", lambda: (a + b) * c)
add("alg-implicit", r"2ab", lambda: 2 * a * b)
add("alg-equation", r"2x + 1 = 5", lambda: sp.Eq(2 * x + 1, 5, evaluate=False))
add("alg-inequality", r"x^2 \ge 0", lambda: sp.Ge(x**2, 0, evaluate=False))
add("alg-big-sizing", r"\Big(a + b\Big)^2", lambda: (a + b)**2)
add("alg-e-alone", r"e^{x} e", lambda: sp.E * exp(x))
add("alg-log-frac", r"\log\frac{a}{b}", lambda: log(a / b))
add("alg-log-abs", r"\log|x|", lambda: log(sp.Abs(x)))

# --- Greek letters, names, decorations ------------------------------------------------------------
add("name-gamma", r"\gamma x", lambda: gamma * x)
add("name-beta-sum", r"\alpha + \beta", lambda: alpha + beta)
add("name-I", r"I + 1", lambda: r("I") + 1)
add("name-sigma0", r"\sigma_0^2", lambda: r("sigma_0")**2)
add("name-xmax", r"x_{max} - x_{min}", lambda: r("x_max") - r("x_min"))
add("name-hat", r"\hat\beta - \beta", lambda: r("beta_hat") - beta)
add("name-bar", r"(x - \bar x)^2", lambda: (x - r("x_bar"))**2)
add("name-tilde", r"\tilde{x} + x", lambda: r("x_tilde") + x)
add("name-mathbf", r"\mathbf{x} + x", lambda: r("x_bold") + x)
add("name-bm", r"\bm{x} - \mathbf{x}", lambda: sp.Integer(0))
add("name-boldsymbol", r"\boldsymbol{\beta} + \beta", lambda: r("beta_bold") + beta)
add("name-hat-sub", r"\hat\theta_{MLE}", lambda: r("theta_hat_MLE"))
add("name-varepsilon", r"\varepsilon^2", lambda: r("varepsilon")**2)
add("name-ell", r"\ell + 1", lambda: r("ell") + 1)
add("name-pi", r"2\pi r", lambda: 2 * sp.pi * r("r"))
add("name-Sigma-scalar", r"\Sigma + \sigma", lambda: r("Sigma") + sigma)
add("name-mathcal", r"\mathcal{L} + 1", lambda: r("L_cal") + 1)
add("name-sub-greek", r"\mu_\alpha + x_{\alpha}", lambda: r("mu_alpha") + r("x_alpha"))

# --- sums, products, indexed data -----------------------------------------------------------------
add("sum-basic", r"\sum_{i=1}^{n} x_i", lambda: S(X("x")))
add("sum-default", r"\sum_i x_i", lambda: S(X("x")))
add("sum-upper-only", r"\sum_{i}^{n} x_i^2", lambda: S(X("x")**2))
add("sum-product-body", r"\sum_{i=1}^n x_i y_i", lambda: S(X("x") * X("y")))
add("sum-body-extent", r"\sum_i x_i y_i + 1", lambda: S(X("x") * X("y")) + 1)
add("sum-two-sums", r"\frac1n \sum_{i=1}^n x_i \sum_{i=1}^n y_i", lambda: S(X("x")) * S(X("y")) / n)
add("sum-mean-sq", r"\frac{1}{n}\sum_{i=1}^{n}(x_i - \bar x)^2", lambda: S((X("x") - r("x_bar"))**2) / n)
add("sum-limits", r"\sum\limits_{i=1}^{n} x_i", lambda: S(X("x")))
add("sum-zero-based", r"\sum_{k=0}^{n-1} x_k", lambda: S(X("x", kk), kk, 0, n - 1))
add("sum-K", r"\sum_{k=1}^{K} \pi_k", lambda: S(X("pi", sp.Symbol("k", integer=True)), sp.Symbol("k", integer=True),
                                               1, K))
add("sum-constant-body", r"\sum_{i=1}^n \theta", lambda: S(theta))
add("sum-double", r"\sum_{i=1}^{n}\sum_{j=1}^{m} x_{ij}", lambda: S(S(X("x", i, j), j, 1, m_)))
add("sum-double-comma", r"\sum_{i=1}^{n}\sum_{j=1}^{n} A_{i,j} v_j", lambda: S(S(X("A", i, j) * X("v", j), j)))
add("sum-outside-family", r"\sum_{i=1}^n x_i - x_1", lambda: S(X("x")) - X("x", 1))
add("sum-shift", r"\sum_{i=1}^{n} (x_{i+1} - x_i)", lambda: S(X("x", i + 1) - X("x")))
add("sum-squares-expand", r"\sum_{i=1}^{n} x_i^2 - 2\mu\sum_{i=1}^n x_i + n\mu^2",
    lambda: S(X("x")**2) - 2 * mu * S(X("x")) + n * mu**2)
add("sum-log", r"\sum_{i=1}^n \log x_i", lambda: S(log(X("x"))))
add("sum-bracket", r"\sum_{i=1}^n \left[ y_i \log p + (1-y_i)\log(1-p) \right]",
    lambda: S(X("y") * log(r("p")) + (1 - X("y")) * log(1 - r("p"))))
add("sum-weighted", r"\sum_{i=1}^n w_i (y_i - \beta x_i)^2", lambda: S(X("w") * (X("y") - beta * X("x"))**2))
add("sum-neg-body", r"-\sum_{i=1}^n x_i", lambda: -S(X("x")))
add("sum-infinite", r"\sum_{k=0}^{\infty} \frac{\lambda^k}{k!}",
    lambda: S(lam**sp.Symbol("k", integer=True) / sp.factorial(sp.Symbol("k", integer=True)),
              sp.Symbol("k", integer=True), 0, sp.oo))
add("prod-basic", r"\prod_{i=1}^n p^{x_i}(1-p)^{1-x_i}",
    lambda: P(r("p")**X("x") * (1 - r("p"))**(1 - X("x"))))
add("prod-poisson", r"\prod_{i=1}^n \frac{\lambda^{x_i} e^{-\lambda}}{x_i!}",
    lambda: P(lam**X("x") * exp(-lam) / sp.factorial(X("x"))))
add("prod-gauss", r"\prod_{i=1}^{n} \frac{1}{\sqrt{2\pi}\sigma}\exp\left(-\frac{(x_i-\mu)^2}{2\sigma^2}\right)",
    lambda: P(1 / (sqrt(2 * sp.pi) * sigma) * exp(-(X("x") - mu)**2 / (2 * sigma**2))))
add("prod-default", r"\prod_i \theta e^{-\theta x_i}", lambda: P(theta * exp(-theta * X("x"))))
add("sum-mu-k", r"\sum_{k=1}^{K} \pi_k \mu_k", lambda: S(X("pi", sp.Symbol("k", integer=True))
                                                          * X("mu", sp.Symbol("k", integer=True)),
                                                          sp.Symbol("k", integer=True), 1, K))
add("sum-frac-body", r"\sum_{i=1}^n \frac{x_i}{\theta}", lambda: S(X("x") / theta))
add("sum-exp-body", r"\sum_{i=1}^{n} e^{\beta x_i}", lambda: S(exp(beta * X("x"))))
add("sum-index-j", r"\sum_{j=1}^{p} \beta_j x_j", lambda: S(X("beta", j) * X("x", j), j, 1, p_))
add("sum-times-outside", r"\lambda \sum_{i=1}^n x_i", lambda: lam * S(X("x")))
add("sum-in-frac", r"\frac{\sum_{i=1}^n x_i}{n}", lambda: S(X("x")) / n)
add("sum-sqrt", r"\sqrt{\frac{1}{n}\sum_{i=1}^n (x_i-\mu)^2}", lambda: sqrt(S((X("x") - mu)**2) / n))

# --- likelihoods and log-likelihoods ---------------------------------------------------------------
add("ll-bernoulli", r"\sum_{i=1}^n x_i \log p + \left(n - \sum_{i=1}^n x_i\right)\log(1-p)",
    lambda: S(X("x")) * log(pos("p")) + (n - S(X("x"))) * log(1 - pos("p")), r"0 < p < 1")
add("ll-poisson", r"\log\lambda \sum_{i=1}^n x_i - n\lambda - \sum_{i=1}^n \log(x_i!)",
    lambda: log(lam) * S(X("x")) - n * lam - S(log(sp.factorial(X("x")))), r"\lambda > 0")
add("ll-exponential", r"n\log\theta - \theta\sum_{i=1}^{n} x_i", lambda: n * log(theta) - theta * S(X("x")),
    r"\theta > 0")
add("ll-gauss", r"-\frac{n}{2}\log(2\pi\sigma^2) - \frac{1}{2\sigma^2}\sum_{i=1}^n (x_i-\mu)^2",
    lambda: -n / 2 * log(2 * sp.pi * sigma**2) - S((X("x") - mu)**2) / (2 * sigma**2), r"\sigma > 0")
add("ll-gauss-split", r"-\frac{n}{2}\log 2\pi - n\log\sigma - \frac{1}{2\sigma^2}\sum_i (x_i-\mu)^2",
    lambda: -n / 2 * log(2 * sp.pi) - n * log(sigma) - S((X("x") - mu)**2) / (2 * sigma**2), r"\sigma > 0")
add("ll-binomial", r"\log\binom{n}{k} + k\log p + (n-k)\log(1-p)",
    lambda: log(sp.binomial(r("n"), r("k"))) + r("k") * log(pos("p")) + (r("n") - r("k")) * log(1 - pos("p")),
    r"0 < p < 1")
add("ll-geometric", r"n\log p + \sum_{i=1}^n (x_i - 1)\log(1-p)",
    lambda: n * log(pos("p")) + S((X("x") - 1) * log(1 - pos("p"))), r"0 < p < 1")
add("ll-gamma", r"n\alpha\log\beta - n\log\Gamma(\alpha) + (\alpha-1)\sum_{i=1}^n \log x_i - \beta\sum_{i=1}^n x_i",
    lambda: n * alpha * log(beta) - n * log(sp.gamma(alpha)) + (alpha - 1) * S(log(X("x"))) - beta * S(X("x")),
    r"\alpha > 0", r"\beta > 0")
add("ll-laplace", r"-n\log(2b) - \frac{1}{b}\sum_{i=1}^n |x_i - \mu|",
    lambda: -n * log(2 * b) - S(sp.Abs(X("x") - mu)) / b, r"b > 0")
add("ll-logistic", r"\sum_{i=1}^n \left[y_i \log\sigma(\beta x_i) + (1-y_i)\log(1-\sigma(\beta x_i))\right]",
    lambda: S(X("y") * log(sigmoid(beta * X("x"))) + (1 - X("y")) * log(1 - sigmoid(beta * X("x")))), SIG)
add("ll-uniform", r"-n\log\theta", lambda: -n * log(theta), r"\theta > 0", r"n \in \mathbb{N}")
add("ll-rayleigh", r"\sum_{i=1}^n \log x_i - 2n\log\sigma - \frac{1}{2\sigma^2}\sum_{i=1}^n x_i^2",
    lambda: S(log(X("x"))) - 2 * n * log(sigma) - S(X("x")**2) / (2 * sigma**2), r"\sigma > 0")
add("ll-weibull", r"n\log k - n k\log\lambda + (k-1)\sum_{i=1}^n\log x_i - \sum_{i=1}^n \left(\frac{x_i}{\lambda}\right)^k",
    lambda: n * log(pos("k")) - n * pos("k") * log(lam) + (pos("k") - 1) * S(log(X("x")))
    - S((X("x") / lam)**pos("k")), r"k > 0", r"\lambda > 0")
add("ll-pareto", r"n\log\alpha + n\alpha\log x_m - (\alpha+1)\sum_{i=1}^n \log x_i",
    lambda: n * log(alpha) + n * alpha * log(r("x_m")) - (alpha + 1) * S(log(X("x"))), r"\alpha > 0")
add("ll-softmax", r"\sum_{k=1}^K y_k z_k - \log\sum_{k=1}^K e^{z_k}",
    lambda: S(X("y", sp.Symbol("k", integer=True)) * X("z", sp.Symbol("k", integer=True)), sp.Symbol("k", integer=True),
              1, K) - log(S(exp(X("z", sp.Symbol("k", integer=True))), sp.Symbol("k", integer=True), 1, K)))
add("ll-linear-reg", r"-\frac{1}{2\sigma^2}\sum_{i=1}^n (y_i - \beta_0 - \beta_1 x_i)^2",
    lambda: -S((X("y") - r("beta_0") - r("beta_1") * X("x"))**2) / (2 * sigma**2))
add("ll-prior", r"\log p(\theta) + \sum_{i=1}^n \log x_i", lambda: log(sp.Function("p")(theta)) + S(log(X("x"))))
add("ll-propto-body", r"\theta^{\sum_i x_i}(1-\theta)^{n-\sum_i x_i}",
    lambda: theta**S(X("x")) * (1 - theta)**(n - S(X("x"))))
add("ll-likelihood-L", r"L(\theta) = \prod_{i=1}^n \theta e^{-\theta x_i}",
    lambda: sp.Eq(sp.Function("L")(theta), P(theta * exp(-theta * X("x"))), evaluate=False))
add("ll-ell", r"\ell(\mu) = -\frac{1}{2}\sum_{i=1}^n (x_i-\mu)^2",
    lambda: sp.Eq(sp.Function("ell")(mu), -S((X("x") - mu)**2) / 2, evaluate=False))
add("ll-mle-solution", r"\hat\lambda = \frac{1}{n}\sum_{i=1}^n x_i",
    lambda: sp.Eq(r("lambda_hat"), S(X("x")) / n, evaluate=False))
add("ll-mle-sigma", r"\hat\sigma^2 = \frac1n\sum_{i=1}^n (x_i - \hat\mu)^2",
    lambda: sp.Eq(r("sigma_hat")**2, S((X("x") - r("mu_hat"))**2) / n, evaluate=False))

# --- derivatives ------------------------------------------------------------------------------------
add("d-basic", r"\frac{d}{dx} x^2", lambda: D(x**2, x))
add("d-issue", r"\frac{d}{d\theta}\Big(n\log\theta - \theta\sum_{i=1}^{n} x_i\Big)",
    lambda: D(n * log(pos("theta")) - pos("theta") * S(X("x")), pos("theta")), r"\theta > 0")
add("d-partial-mu", r"\frac{\partial}{\partial \mu} \sum_{i=1}^n (x_i - \mu)^2", lambda: D(S((X("x") - mu)**2), mu))
add("d-partial-f", r"\frac{\partial f}{\partial x}", lambda: D(f(x), x))
add("d-second", r"\frac{d^2 f}{dx^2}", lambda: D(f(x), (x, 2)))
add("d-second-op", r"\frac{d^2}{d x^2} \log x", lambda: D(log(x), (x, 2)))
add("d-mixed", r"\frac{\partial^2 f}{\partial x \partial y}", lambda: D(f(x, y), x, y))
add("d-mixed-op", r"\frac{\partial^2}{\partial \mu \partial \sigma} \log\sigma", lambda: D(log(sigma), sigma, mu))
add("d-sigma2", r"\frac{\partial}{\partial \sigma^2}\left(-\frac{n}{2}\log\sigma^2\right)",
    lambda: d_sq(-n / 2 * log(pos("sigma")**2), pos("sigma")), r"\sigma > 0", r"n \in \mathbb{N}")
add("d-sigma2-slash", r"\partial/\partial \sigma^2 \left(-\frac{S}{2\sigma^2}\right)",
    lambda: d_sq(-r("S") / (2 * pos("sigma")**2), pos("sigma")), r"\sigma > 0")
add("d-slash", r"d/dx (x^3 + x)", lambda: D(x**3 + x, x))
add("d-prime", r"f'(x)", lambda: D(f(x), x))
add("d-prime2", r"f''(x) + g'(x)", lambda: D(f(x), (x, 2)) + D(g(x), x))
add("d-prime-compose", r"f'(g(x)) g'(x)", lambda: sp.Subs(D(f(u), u), u, g(x)) * D(g(x), x))
add("d-chain-frac", r"\frac{d}{dx} f(g(x))", lambda: D(f(g(x)), x))
add("d-body-extent", r"\frac{d}{dx} x^2 + 1", lambda: D(x**2, x) + 1)
add("d-body-product", r"\frac{d}{dx} x \sin x", lambda: D(x * sp.sin(x), x))
add("d-mathrm-d", r"\frac{\mathrm{d}}{\mathrm{d}t} e^{-\lambda t}", lambda: D(exp(-lam * t), t))
add("d-partial-sub", r"\frac{\partial}{\partial \beta_1} (y - \beta_0 - \beta_1 x)^2",
    lambda: D((y - r("beta_0") - r("beta_1") * x)**2, r("beta_1")))
add("d-partial-indexed", r"\frac{\partial}{\partial w_j} \sum_{i=1}^n w_i x_i",
    lambda: D(S(X("w") * X("x")), X("w", sp.Symbol("j", integer=True))))
add("d-ll-poisson", r"\frac{\partial}{\partial\lambda}\left(\sum_{i=1}^n x_i\log\lambda - n\lambda\right)",
    lambda: D(S(X("x")) * log(lam) - n * lam, lam), r"\lambda > 0")
add("d-ll-bern", r"\frac{d}{dp}\left[k\log p + (n-k)\log(1-p)\right]",
    lambda: D(r("k") * log(pos("p")) + (r("n") - r("k")) * log(1 - pos("p")), pos("p")), r"0 < p < 1")
add("d-result-poisson", r"\frac{1}{\lambda}\sum_{i=1}^n x_i - n", lambda: S(X("x")) / lam - n, r"\lambda > 0")
add("d-sigmoid", r"\frac{d}{dz}\sigma(z)", lambda: D(sigmoid(z), z), SIG)
add("d-sigmoid-prime", r"\sigma'(z) = \sigma(z)(1-\sigma(z))",
    lambda: sp.Eq(D(sigmoid(z), z), sigmoid(z) * (1 - sigmoid(z)), evaluate=False), SIG)
add("d-unknown-call", r"\frac{f(x+h) - f(x)}{h}", lambda: (f(x + h) - f(x)) / h)
add("d-phi-call", r"\phi(x) + \psi(y)", lambda: sp.Function("phi")(x) + sp.Function("psi")(y))
add("d-F-call", r"F(b) - F(a)", lambda: F(b) - F(a))
add("d-lambda-product", r"\lambda(x-\mu)^2", lambda: lam * (x - mu)**2, r"\lambda > 0")
add("d-mu-product", r"\mu(1-\mu)", lambda: mu * (1 - mu))
add("d-partial-ell", r"\frac{\partial \ell}{\partial \mu}",
    lambda: D(-S((X("x") - mu)**2) / 2, mu), r"\ell(\mu) := -\frac12\sum_{i=1}^n (x_i-\mu)^2")
add("d-ell-defined", r"\ell(\mu) + 1", lambda: -S((X("x") - mu)**2) / 2 + 1,
    r"\ell(\mu) := -\frac12\sum_{i=1}^n (x_i-\mu)^2")
add("d-scalar-def", r"\frac{S}{n}", lambda: S(X("x")) / n, r"S := \sum_{i=1}^n x_i")
add("d-partial-sub-op", r"\partial_\mu (x-\mu)^2", lambda: D((x - mu)**2, mu))
add("d-nested", r"\frac{d}{dx}\left(\frac{d}{dx} x^3\right)", lambda: D(D(x**3, x), x))
add("d-gauss-mu", r"\frac{\partial}{\partial\mu}\left(-\frac{1}{2\sigma^2}\sum_{i=1}^n (x_i-\mu)^2\right)",
    lambda: D(-S((X("x") - mu)**2) / (2 * pos("sigma")**2), mu), r"\sigma > 0")
add("d-gauss-sigma2-result", r"-\frac{n}{2\sigma^2} + \frac{1}{2\sigma^4}\sum_{i=1}^n (x_i-\mu)^2",
    lambda: -n / (2 * pos("sigma")**2) + S((X("x") - mu)**2) / (2 * pos("sigma")**4), r"\sigma > 0")
add("d-wrt-hat", r"\frac{d}{d\hat\theta} \hat\theta^2", lambda: D(r("theta_hat")**2, r("theta_hat")))
add("d-dy-dx", r"\frac{dy}{dx}", lambda: D(sp.Function("y")(x), x))
add("d-third", r"\frac{d^3}{dx^3} x^5", lambda: D(x**5, (x, 3)))

# --- matrices, vectors, least squares ------------------------------------------------------------
add("mat-XtX", r"X^\top X", lambda: Xm.T * Xm, XNP)
add("mat-XtX-T", r"X^T X", lambda: Xm.T * Xm, XNP)
add("mat-prime", r"X'X", lambda: Xm.T * Xm, XNP)
add("mat-normal-eq", r"(X^\top X)^{-1} X^\top y", lambda: (Xm.T * Xm).inverse() * Xm.T * ym, XNP, YN)
add("mat-residual", r"y - X\beta", lambda: ym - Xm * bm, XNP, YN, BP)
add("mat-rss", r"(y - X\beta)^\top (y - X\beta)", lambda: tr((ym - Xm * bm).T * (ym - Xm * bm)), XNP, YN, BP)
add("mat-rss-expanded", r"y^\top y - 2\beta^\top X^\top y + \beta^\top X^\top X\beta",
    lambda: tr(ym.T * ym) - 2 * tr(bm.T * Xm.T * ym) + tr(bm.T * Xm.T * Xm * bm), XNP, YN, BP)
add("mat-ridge", r"\|y - X\beta\|_2^2 + \lambda\|\beta\|_2^2",
    lambda: tr((ym - Xm * bm).T * (ym - Xm * bm)) + pos("lambda") * tr(bm.T * bm), XNP, YN, BP, r"\lambda > 0")
add("mat-ridge-solution", r"(X^\top X + \lambda I)^{-1} X^\top y",
    lambda: (Xm.T * Xm + pos("lambda") * sp.Identity(p_)).inverse() * Xm.T * ym, XNP, YN, r"\lambda > 0",
    r"I = I_p")
add("mat-identity-sub", r"X^\top X + \lambda I_p", lambda: Xm.T * Xm + pos("lambda") * sp.Identity(p_), XNP,
    r"\lambda > 0")
add("mat-grad-rss", r"\nabla_\beta \|y - X\beta\|^2", lambda: D(tr((ym - Xm * bm).T * (ym - Xm * bm)), bm),
    XNP, YN, BP)
add("mat-grad-rss-result", r"-2X^\top(y - X\beta)", lambda: -2 * Xm.T * (ym - Xm * bm), XNP, YN, BP)
add("mat-grad-issue", r"\nabla_W\, a^\top W b",
    lambda: D(tr(M("a", m_).T * M("W", m_, k_) * M("b", k_)), M("W", m_, k_)),
    r"W \in \mathbb{R}^{m\times k}", r"a \in \mathbb{R}^{m}", r"b \in \mathbb{R}^{k}")
add("mat-outer", r"a b^\top", lambda: M("a", m_) * M("b", k_).T, r"a \in \mathbb{R}^{m}", r"b \in \mathbb{R}^{k}")
add("mat-quadratic", r"x^\top A x", lambda: tr(M("x", n).T * M("A", n, n) * M("x", n)),
    r"x \in \mathbb{R}^{n}", r"A \in \mathbb{R}^{n\times n}")
add("mat-grad-quadratic", r"\nabla_x x^\top A x", lambda: D(tr(M("x", n).T * M("A", n, n) * M("x", n)), M("x", n)),
    r"x \in \mathbb{R}^{n}", r"A \in \mathbb{R}^{n\times n}")
add("mat-grad-quadratic-result", r"(A + A^\top)x", lambda: (M("A", n, n) + M("A", n, n).T) * M("x", n),
    r"x \in \mathbb{R}^{n}", r"A \in \mathbb{R}^{n\times n}")
add("mat-sym-2Ax", r"2Ax", lambda: 2 * M("A", n, n) * M("x", n), r"x \in \mathbb{R}^{n}",
    r"A \in \mathbb{R}^{n\times n}", r"A = A^\top")
add("mat-linear", r"\nabla_w w^\top x", lambda: D(tr(wm.T * M("x", p_)), wm), WP, r"x \in \mathbb{R}^{p}")
add("mat-inner-scalar", r"w^\top x + b", lambda: tr(wm.T * M("x", p_)) + b, WP, r"x \in \mathbb{R}^{p}")
add("mat-transpose-product", r"(AB)^\top", lambda: (M("A", n, m_) * M("B", m_, k_)).T,
    r"A \in \mathbb{R}^{n\times m}", r"B \in \mathbb{R}^{m\times k}")
add("mat-transpose-reversed", r"B^\top A^\top", lambda: M("B", m_, k_).T * M("A", n, m_).T,
    r"A \in \mathbb{R}^{n\times m}", r"B \in \mathbb{R}^{m\times k}")
add("mat-inverse-product", r"(AB)^{-1}", lambda: (M("A", n, n) * M("B", n, n)).inverse(),
    r"A \in \mathbb{R}^{n\times n}", r"B \in \mathbb{R}^{n\times n}")
add("mat-trace", r"\operatorname{tr}(X^\top X)", lambda: tr(Xm.T * Xm), XNP)
add("mat-trace-mathrm", r"\mathrm{tr}(AB) - \mathrm{tr}(BA)",
    lambda: tr(M("A", n, m_) * M("B", m_, n)) - tr(M("B", m_, n) * M("A", n, m_)),
    r"A \in \mathbb{R}^{n\times m}", r"B \in \mathbb{R}^{m\times n}")
add("mat-trace-cyclic", r"\operatorname{tr}(ABC)",
    lambda: tr(M("A", n, n) * M("B", n, n) * M("C", n, n)), r"A \in \mathbb{R}^{n\times n}",
    r"B \in \mathbb{R}^{n\times n}", r"C \in \mathbb{R}^{n\times n}")
add("mat-det", r"\det(\Sigma)", lambda: sp.Determinant(M("Sigma", p_, p_)), r"\Sigma \in \mathbb{R}^{p\times p}",
    r"\Sigma \succ 0")
add("mat-logdet", r"\log\det\Sigma", lambda: log(sp.Determinant(M("Sigma", p_, p_))),
    r"\Sigma \in \mathbb{R}^{p\times p}", r"\Sigma \succ 0")
add("mat-log-abs-det", r"\log|\Sigma|", lambda: log(sp.Determinant(M("Sigma", p_, p_))),
    r"\Sigma \in \mathbb{R}^{p\times p}", r"\Sigma \succ 0")
add("mat-gauss-ll", r"-\frac{n}{2}\log\det\Sigma - \frac12\operatorname{tr}(\Sigma^{-1} S)",
    lambda: -n / 2 * log(sp.Determinant(M("Sigma", p_, p_)))
    - tr(M("Sigma", p_, p_).inverse() * M("S", p_, p_)) / 2,
    r"\Sigma \in \mathbb{R}^{p\times p}", r"S \in \mathbb{R}^{p\times p}", r"\Sigma \succ 0", r"n \in \mathbb{N}")
add("mat-mahalanobis", r"(x-\mu)^\top\Sigma^{-1}(x-\mu)",
    lambda: tr((M("x", p_) - M("mu", p_)).T * M("Sigma", p_, p_).inverse() * (M("x", p_) - M("mu", p_))),
    r"x \in \mathbb{R}^{p}", r"\mu \in \mathbb{R}^{p}", r"\Sigma \in \mathbb{R}^{p\times p}", r"\Sigma \succ 0")
add("mat-norm", r"\|v\|", lambda: sqrt(tr(M("v", n).T * M("v", n))), r"v \in \mathbb{R}^{n}")
add("mat-norm-sq", r"\|v\|_2^2", lambda: tr(M("v", n).T * M("v", n)), r"v \in \mathbb{R}^{n}")
add("mat-lVert", r"\lVert v\rVert_2^2", lambda: tr(M("v", n).T * M("v", n)), r"v \in \mathbb{R}^{n}")
add("mat-frobenius", r"\|A\|_F^2", lambda: tr(M("A", n, m_).T * M("A", n, m_)), r"A \in \mathbb{R}^{n\times m}")
add("mat-frobenius-diff", r"\|X - UV^\top\|_F^2",
    lambda: tr((Xm - M("U", n, k_) * M("V", p_, k_).T).T * (Xm - M("U", n, k_) * M("V", p_, k_).T)),
    XNP, r"U \in \mathbb{R}^{n\times k}", r"V \in \mathbb{R}^{p\times k}")
add("mat-bold-vectors", r"\mathbf{w}^\top\mathbf{x}",
    lambda: tr(M("w_bold", p_).T * M("x_bold", p_)), r"\mathbf{w} \in \mathbb{R}^{p}", r"\mathbf{x} \in \mathbb{R}^{p}")
add("mat-boldsymbol", r"X\boldsymbol{\beta}", lambda: Xm * M("beta_bold", p_), XNP,
    r"\boldsymbol{\beta} \in \mathbb{R}^{p}")
add("mat-hadamard", r"A \circ B", lambda: sp.HadamardProduct(M("A", n, m_), M("B", n, m_)),
    r"A \in \mathbb{R}^{n\times m}", r"B \in \mathbb{R}^{n\times m}")
add("mat-square", r"A^2 - A A", lambda: M("A", n, n)**2 - M("A", n, n) * M("A", n, n), r"A \in \mathbb{R}^{n\times n}")
add("mat-scalar-mult", r"\frac{1}{n} X^\top X", lambda: Xm.T * Xm / n, XNP)
add("mat-trace-grad", r"\nabla_X \operatorname{tr}(X^\top A X)",
    lambda: D(tr(Xm.T * M("A", n, n) * Xm), Xm), XNP, r"A \in \mathbb{R}^{n\times n}")
add("mat-logdet-grad", r"\nabla_\Sigma \log\det\Sigma",
    lambda: D(log(sp.Determinant(M("Sigma", p_, p_))), M("Sigma", p_, p_)),
    r"\Sigma \in \mathbb{R}^{p\times p}", r"\Sigma \succ 0")
add("mat-partial-vector", r"\frac{\partial}{\partial w} \|Xw - y\|^2",
    lambda: D(tr((Xm * wm - ym).T * (Xm * wm - ym)), wm), XNP, YN, WP)
add("mat-equation", r"X^\top X\beta = X^\top y", lambda: sp.Eq(Xm.T * Xm * bm, Xm.T * ym, evaluate=False),
    XNP, YN, BP)
add("mat-logistic-ll", r"\sum_{i=1}^n y_i \log\sigma(w^\top x_i)", None, WP, SIG, tags=("refuse",))
add("mat-numeric-dims", r"A^\top B", lambda: M("A", 3, 2).T * M("B", 3, 4), r"A \in \mathbb{R}^{3\times 2}",
    r"B \in \mathbb{R}^{3\times 4}")
add("mat-scalar-times-vector", r"2\lambda w", lambda: 2 * pos("lambda") * wm, WP, r"\lambda > 0")
add("mat-svd-norm", r"\|A\|_F", lambda: sqrt(tr(M("A", n, m_).T * M("A", n, m_))), r"A \in \mathbb{R}^{n\times m}")

# --- ML: logistic regression, losses, activations -----------------------------------------------
add("ml-sigmoid-def", r"\frac{1}{1+e^{-z}}", lambda: sigmoid(z))
add("ml-sigmoid-call", r"\sigma(w x + b)", lambda: sigmoid(w * x + b), SIG)
add("ml-sigmoid-deriv", r"\sigma(z)(1 - \sigma(z))", lambda: sigmoid(z) * (1 - sigmoid(z)), SIG)
add("ml-cross-entropy", r"-y\log\hat y - (1-y)\log(1-\hat y)",
    lambda: -y * log(r("y_hat")) - (1 - y) * log(1 - r("y_hat")))
add("ml-bce-sum", r"-\frac{1}{n}\sum_{i=1}^n \left[y_i\log\hat y_i + (1-y_i)\log(1-\hat y_i)\right]",
    lambda: -S(X("y") * log(X("y_hat")) + (1 - X("y")) * log(1 - X("y_hat"))) / n)
add("ml-mse", r"\frac{1}{2n}\sum_{i=1}^n (\hat y_i - y_i)^2", lambda: S((X("y_hat") - X("y"))**2) / (2 * n))
add("ml-softplus", r"\log(1 + e^{x})", lambda: log(1 + exp(x)))
add("ml-tanh-deriv", r"1 - \tanh^2(x)", lambda: 1 - sp.tanh(x)**2)
add("ml-relu", r"\max(0, x)", lambda: sp.Max(0, x))
add("ml-l2-scalar", r"\frac{\lambda}{2}\sum_{j=1}^p w_j^2", lambda: lam / 2 * S(X("w", j)**2, j, 1, p_))
add("ml-grad-logistic", r"\sum_{i=1}^n (y_i - \sigma(\beta x_i)) x_i",
    lambda: S((X("y") - sigmoid(beta * X("x"))) * X("x")), SIG)
add("ml-softmax-prob", r"\frac{e^{z_k}}{\sum_{j=1}^K e^{z_j}}",
    lambda: exp(X("z", kk)) / S(exp(X("z", j)), j, 1, K))
add("ml-logsumexp", r"\log\sum_{k=1}^K \exp(a_k)",
    lambda: log(S(exp(X("a", sp.Symbol("k", integer=True))), sp.Symbol("k", integer=True), 1, K)))
add("ml-kl-gauss", r"\log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac12",
    lambda: log(r("sigma_2") / r("sigma_1")) + (r("sigma_1")**2 + (r("mu_1") - r("mu_2"))**2) / (2 * r("sigma_2")**2)
    - sp.Rational(1, 2))
add("ml-hinge", r"\max(0, 1 - y f(x))", lambda: sp.Max(0, 1 - y * f(x)))
add("ml-gd-step", r"w - \eta\nabla_w L(w)", lambda: w - eta * D(sp.Function("L")(w), w))
add("ml-entropy", r"-\sum_{k=1}^K p_k\log p_k",
    lambda: -S(X("p", sp.Symbol("k", integer=True)) * log(X("p", sp.Symbol("k", integer=True))),
               sp.Symbol("k", integer=True), 1, K))
add("ml-poisson-reg", r"\sum_{i=1}^n \left(y_i \beta x_i - e^{\beta x_i}\right)",
    lambda: S(X("y") * beta * X("x") - exp(beta * X("x"))))
add("ml-gamma-fn", r"\frac{\Gamma(\alpha+\beta)}{\Gamma(\alpha)\Gamma(\beta)}",
    lambda: sp.gamma(alpha + beta) / (sp.gamma(alpha) * sp.gamma(beta)))
add("ml-factorial", r"\frac{n!}{k!(n-k)!}", lambda: sp.factorial(r("n")) / (sp.factorial(r("k")) * sp.factorial(r("n") - r("k"))))
add("ml-binom", r"\binom{n}{k}p^k(1-p)^{n-k}",
    lambda: sp.binomial(r("n"), r("k")) * r("p")**r("k") * (1 - r("p"))**(r("n") - r("k")))
add("ml-beta-density", r"\frac{\theta^{\alpha-1}(1-\theta)^{\beta-1}}{B(\alpha,\beta)}", None, tags=("refuse",))

# --- refusals: what must not be guessed ------------------------------------------------------------
add("refuse-expectation", r"\mathbb{E}[X]", None, tags=("refuse",))
add("refuse-expectation-sub", r"\mathbb{E}_{x}\left[(x-\mu)^2\right]", None, tags=("refuse",))
add("refuse-var", r"\operatorname{Var}(aX)", None, tags=("refuse",))
add("refuse-integral", r"\int_0^1 x\,dx", None, tags=("refuse",))
add("refuse-dots", r"x_1 + \dots + x_n", None, tags=("refuse",))
add("ext-cond-density-bare", r"p(x \mid \theta)", lambda: sp.Function("p")(x, theta), tags=("ext",))
add("refuse-text", r"\text{__import__('os')}", None, tags=("refuse",))
add("refuse-input", r"\input{secret}", None, tags=("refuse",))
add("refuse-huge", r"10^{10^{10^{10}}}", None, tags=("refuse",))
add("refuse-pr", r"\Pr(X = 1)", None, tags=("refuse",))
add("refuse-lim", r"\lim_{h\to 0}\frac{f(x+h)-f(x)}{h}", None, tags=("refuse",))
add("refuse-unknown-macro", r"\foo{x}", None, tags=("refuse",))
add("refuse-cov", r"\operatorname{Cov}(X, Y)", None, tags=("refuse",))
add("refuse-shape-mismatch", r"X X", None, XNP, tags=("refuse",))
add("refuse-ones", r"\mathbf{1}^\top x", None, r"x \in \mathbb{R}^{n}", tags=("refuse",))

# --- more derivation rows ------------------------------------------------------------------------
add("row-const", r"-\frac{1}{2\sigma^2}\sum_{i=1}^n(x_i-\mu)^2",
    lambda: -S((X("x") - mu)**2) / (2 * sigma**2))
add("row-score-zero", r"\frac{n}{\theta} - \sum_{i=1}^n x_i = 0",
    lambda: sp.Eq(n / pos("theta") - S(X("x")), 0, evaluate=False), r"\theta > 0")
add("row-solve", r"\theta = \frac{n}{\sum_{i=1}^n x_i}", lambda: sp.Eq(pos("theta"), n / S(X("x")), evaluate=False),
    r"\theta > 0")
add("row-mean", r"\bar x = \frac{1}{n}\sum_{i=1}^n x_i", lambda: sp.Eq(r("x_bar"), S(X("x")) / n, evaluate=False))
add("row-variance-identity", r"\sum_{i=1}^n (x_i-\bar x)^2 = \sum_{i=1}^n x_i^2 - n\bar x^2",
    lambda: sp.Eq(S((X("x") - r("x_bar"))**2), S(X("x")**2) - n * r("x_bar")**2, evaluate=False))
add("row-exp-log", r"\exp\left(\sum_{i=1}^n \log x_i\right)", lambda: exp(S(log(X("x")))))
add("row-log-prod", r"\log\prod_{i=1}^n x_i", lambda: log(P(X("x"))))
add("row-sum-const", r"n\mu", lambda: n * mu, r"n \in \mathbb{N}")
add("row-second-deriv", r"-\frac{n}{\theta^2}", lambda: -n / pos("theta")**2, r"\theta > 0", r"n \in \mathbb{N}")
add("row-fisher", r"\frac{n}{p(1-p)}", lambda: n / (pos("p") * (1 - pos("p"))), r"0 < p < 1", r"n \in \mathbb{N}")
add("row-chain", r"2(y - wx)(-x)", lambda: 2 * (y - w * x) * (-x))
add("row-cdot-neg", r"a \cdot (-b)", lambda: -a * b)
add("row-quotient", r"\frac{f'(x)g(x) - f(x)g'(x)}{g(x)^2}",
    lambda: (D(f(x), x) * g(x) - f(x) * D(g(x), x)) / g(x)**2)
add("row-log-gaussian-const", r"\log\left(\frac{1}{\sigma\sqrt{2\pi}}\right)", lambda: log(1 / (sigma * sqrt(2 * sp.pi))))
add("row-n-over-2", r"\frac{n}{2}\log\frac{1}{2\pi\sigma^2}", lambda: n / 2 * log(1 / (2 * sp.pi * sigma**2)),
    r"n \in \mathbb{N}")
add("row-sum-by-parts", r"\sum_{i=1}^n x_i + \sum_{i=1}^n y_i", lambda: S(X("x")) + S(X("y")))
add("row-index-escape", r"\sum_{i=1}^n x_i y", lambda: S(X("x") * y))
add("row-geometric", r"\sum_{k=0}^{n} r^k", lambda: S(r("r")**sp.Symbol("k", integer=True), sp.Symbol("k", integer=True), 0, n))
add("row-power-rule", r"n x^{n-1}", lambda: r("n") * x**(r("n") - 1))
add("row-nested-frac", r"\frac{\frac{a}{b}}{\frac{c}{d}}", lambda: (a / b) / (c / r("d")))
add("row-sqrt-frac", r"\sqrt{\frac{\sum_{i=1}^n (x_i - \bar x)^2}{n-1}}",
    lambda: sqrt(S((X("x") - r("x_bar"))**2) / (n - 1)))
add("row-exp-sum", r"e^{-\lambda n}\lambda^{\sum_{i=1}^n x_i}", lambda: exp(-lam * n) * lam**S(X("x")))


# --- as other authors write it (the check_corpus_ext styles) ------------------------------------------
Ann, Bnn = M("A", n, n), M("B", n, n)
ANN, BNN = r"A \in \mathbb{R}^{n\times n}", r"B \in \mathbb{R}^{n\times n}"
add("ext-transpose-mathsf", r"A^{\mathsf T} B^{\mathsf{T}}", lambda: Ann.T * Bnn.T, ANN, BNN, tags=("ext",))
add("ext-inverse-transpose-mathsf", r"A^{-\mathsf{T}}", lambda: sp.Inverse(Ann).T, ANN, tags=("ext",))
add("ext-inverse-transpose-top", r"A^{-\top} B", lambda: sp.Inverse(Ann).T * Bnn, ANN, BNN, tags=("ext",))
add("ext-transpose-mathrm", r"X^{\mathrm{T}} y", lambda: Xm.T * ym, XNP, YN, tags=("ext",))
add("ext-transpose-mathrm-bare", r"X^{\mathrm T} y", lambda: Xm.T * ym, XNP, YN, tags=("ext",))
add("ext-bold-of-declared", r"(\mathbf{A}\mathbf{B})^{-1}", lambda: sp.Inverse(Ann * Bnn), ANN, BNN, tags=("ext",))
add("ext-ones-vector", r"\mathbf{1}^\top \mathbf{x}", lambda: sp.OneMatrix(n, 1).T * M("x_bold", n),
    r"\mathbf{1} \in \mathbb{R}^{n}", r"\mathbf{x} \in \mathbb{R}^{n}", tags=("ext",))
add("ext-ones-norm", r"\mathbf{1}^\top \mathbf{1}", lambda: sp.OneMatrix(n, 1).T * sp.OneMatrix(n, 1),
    r"\mathbf{1} \in \mathbb{R}^{n}", tags=("ext",))
add("ext-bold-identity", r"\mathbf{X}^\top\mathbf{X} + \lambda \mathbf{I}",
    lambda: M("X_bold", n, p_).T * M("X_bold", n, p_) + pos("lambda") * sp.Identity(p_),
    r"\mathbf{X} \in \mathbb{R}^{n\times p}", r"\mathbf{I} = I_p", r"\lambda > 0", tags=("ext",))
add("ext-eval-bar", r"\left.\frac{d}{dx} x^3 \right|_{x=1}", lambda: sp.Subs(D(x**3, x), x, 1), tags=("ext",))
add("ext-eval-bar-big", r"\frac{\partial}{\partial \theta} \log\theta \Big|_{\theta=2}",
    lambda: sp.Subs(D(log(pos("theta")), pos("theta")), pos("theta"), 2), r"\theta > 0", tags=("ext",))
add("ext-mathrm-d", r"\frac{\mathrm{d}}{\mathrm{d}\lambda} \lambda e^{-\lambda}", lambda: D(lam * exp(-lam), lam), tags=("ext",))
add("ext-cond-density", r"\log p(x \mid \theta)", lambda: log(sp.Function("p")(x, theta)), tags=("ext",))
add("ext-cond-density-several", r"\ln p(\mathbf{x} \mid \mu, \sigma^2)",
    lambda: log(sp.Function("p")(r("x_bold"), mu, sigma**2)), tags=("ext",))
add("ext-semicolon-call", r"L(\theta; x)", lambda: sp.Function("L")(theta, x), tags=("ext",))
add("ext-softmax-component", r"-\log \operatorname{softmax}(z)_1", lambda: -log(sp.Function("softmax_1")(z)), tags=("ext",))
add("ext-dfrac-tfrac", r"\dfrac{1}{2}x + \tfrac{x}{3}", lambda: x / 2 + x / 3, tags=("ext",))
add("ext-exp-braces-left", r"\exp\left\{ -\frac{(x-\mu)^2}{2\sigma^2} \right\}",
    lambda: exp(-(x - mu)**2 / (2 * sigma**2)), tags=("ext",))
add("ext-sum-limits", r"\sum\limits_{i=1}^{n} x_i \cdot y_i", lambda: S(X("x") * X("y")), tags=("ext",))
add("ext-sum-upper-only", r"\sum_{i}^{n} x_i^2", lambda: S(X("x")**2), tags=("ext",))
add("ext-times-scalar", r"2 \times \frac{1}{2} (x - y)", lambda: x - y, tags=("ext",))
add("ext-prime-transpose", r"X'X b", lambda: Xm.T * Xm * M("b", p_), XNP, r"b \in \mathbb{R}^{p}", tags=("ext",))
# the file's own macros (expanded before the maths is read; see derive/parse/macros.py)
add("ext-macro-noarg", r"X^\T X", lambda: Xm.T * Xm, XNP, tags=("ext", "macro"), macros=r"\newcommand{\T}{\top}")
add("ext-macro-args", r"\norm{y - X\beta}^2", lambda: tr((ym - Xm * bm).T * (ym - Xm * bm)), XNP, YN, BP,
    tags=("ext", "macro"), macros=r"\newcommand{\norm}[1]{\left\lVert #1 \right\rVert}")
add("ext-macro-operator", r"\Tr(A B)", lambda: tr(Ann * Bnn), ANN, BNN, tags=("ext", "macro"),
    macros=r"\DeclareMathOperator{\Tr}{Tr}")
add("ext-macro-def", r"(X^\top X)\inv", lambda: sp.Inverse(Xm.T * Xm), XNP, tags=("ext", "macro"), macros=r"\def\inv{^{-1}}")
add("ext-macro-two-args", r"\pd{}{\mu}(x - \mu)^2", lambda: D((x - mu)**2, mu), tags=("ext", "macro"),
    macros=r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}")
add("ext-macro-optional", r"\dd{x^2 + 1}", lambda: D(x**2 + 1, x), tags=("ext", "macro"),
    macros=r"\newcommand{\dd}[2][x]{\frac{d}{d #1} \left( #2 \right)}")
add("ext-macro-renew", r"\vx + 1", lambda: r("x_bold") + 1, tags=("ext", "macro"),
    macros=r"\newcommand{\vx}{x}\renewcommand{\vx}{\mathbf{x}}")
add("refuse-macro-recursive", r"\a + 1", None, tags=("refuse", "macro"), macros=r"\def\a{\a}")
add("refuse-macro-input", r"\secret", None, tags=("refuse", "macro"), macros=r"\newcommand{\secret}{\input{/etc/passwd}}")
add("refuse-macro-csname", r"\x", None, tags=("refuse", "macro"), macros=r"\newcommand{\x}{\csname foo\endcsname}")
add("ext-sample-args", r"\log p(\mu \mid x_1, \dots, x_n)", lambda: log(sp.Function("p")(mu, x)), tags=("ext",))
add("refuse-argmax-star", r"\operatorname*{arg\,max}_\theta \ell(\theta)", None, tags=("refuse",))
add("refuse-argmax", r"\arg\max_\theta \ell(\theta)", None, tags=("refuse",))
