"""The matrix-calculus benchmark corpus: gradients of scalar functions of a vector or matrix, as data.

Every item is plain matrix text for ``derive.matrix.read_text.parse_matrix`` (never sympify),
the one vector or matrix to differentiate by, its ``--let`` shape declarations (read with
``derive.parse.let.parse_let``), whether the Hessian is asked for (vector variables
only), a category, and where a scalar needs one, a domain such as ``lam > 0`` (read as
``--where``). The first block is the issue's coverage list, in its order; the rest are
ML and statistics objectives of the same kinds.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Item:
    """One benchmark item: the gradient of ``text`` with respect to ``wrt`` under ``lets``."""

    id: str
    text: str
    wrt: str
    lets: tuple[str, ...]
    hessian: bool = False
    category: str = ""
    where: str = ""
    issue: bool = False
    """On the issue's coverage list (the rest are this corpus's own)."""


# Shape sets used by several items.
_LS = ("y: n", "X: n x p", "b: p")
_NN = ("x: d", "y: k", "W1: h x d", "W2: k x h")
_GAUSS = ("x: n", "mu: n", "Sigma: n x n positive definite")
_MF = ("Y: m x n", "U: m x r", "V: n x r")

_GAUSS_NLL = "1/2 (x - mu)' inv(Sigma) (x - mu) + 1/2 logdet(Sigma) + n/2 log(2 pi)"
_LOGREG = "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))"
_TWO_LAYER = "1/2 norm(y - W2 tanh(W1 x))^2"

ITEMS: tuple[Item, ...] = (
    # -- the issue's coverage list --------------------------------------------------------
    Item("lin-ax", "a' x", "x", ("a: n", "x: n"), True, "linear", issue=True),
    Item("quad-xAx", "x' A x", "x", ("x: n", "A: n x n"), True, "quadratic form", issue=True),
    Item("quad-xAx-sym", "x' A x", "x", ("x: n", "A: n x n symmetric"), True, "quadratic form", issue=True),
    Item("ls", "norm(y - X b)^2", "b", _LS, True, "least squares", issue=True),
    Item("ridge", "norm(y - X b)^2 + lam norm(b)^2", "b", _LS, True, "least squares", "lam > 0", issue=True),
    Item("wls", "(y - X b)' W (y - X b)", "b", _LS + ("W: n x n symmetric",), True, "least squares",
         issue=True),
    Item("bilin-aXb", "a' X b", "X", ("a: m", "X: m x n", "b: n"), False, "linear", issue=True),
    Item("tr-AXB", "tr(A X B)", "X", ("A: m x n", "X: n x p", "B: p x m"), False, "trace", issue=True),
    Item("tr-XtAX", "tr(X' A X)", "X", ("X: n x p", "A: n x n"), False, "trace", issue=True),
    Item("logdet-X", "log(det(X))", "X", ("X: n x n",), False, "determinant", issue=True),
    Item("det-X", "det(X)", "X", ("X: n x n",), False, "determinant", issue=True),
    Item("inv-aXinvb", "a' inv(X) b", "X", ("a: n", "X: n x n", "b: n"), False, "inverse", issue=True),
    Item("inv-tr-XinvA", "tr(inv(X) A)", "X", ("X: n x n", "A: n x n"), False, "inverse", issue=True),
    Item("gauss-nll-mu", _GAUSS_NLL, "mu", _GAUSS, True, "likelihood", issue=True),
    Item("gauss-nll-sigma", _GAUSS_NLL, "Sigma", _GAUSS, False, "likelihood", issue=True),
    Item("logreg", _LOGREG, "w", ("y: n", "X: n x p", "w: p"), True, "classification", issue=True),
    Item("softmax-ce-z", "-y' log(softmax(z))", "z", ("y: k", "z: k"), True, "classification", issue=True),
    Item("softmax-ce-W", "-y' log(softmax(W x))", "W", ("y: k", "W: k x d", "x: d"), False, "classification",
         issue=True),
    Item("nn2-W1", _TWO_LAYER, "W1", _NN, False, "neural network", issue=True),
    Item("nn2-W2", _TWO_LAYER, "W2", _NN, False, "neural network", issue=True),
    Item("rayleigh", "(x' A x)/(x' x)", "x", ("x: n", "A: n x n symmetric"), True, "ratio", issue=True),
    Item("frob-X", "norm(X)^2", "X", ("X: m x n",), False, "Frobenius norm", issue=True),
    Item("frob-A-BC-B", "norm(A - B C)^2", "B", ("A: m x n", "B: m x r", "C: r x n"), False, "factorization",
         issue=True),
    Item("frob-A-BC-C", "norm(A - B C)^2", "C", ("A: m x n", "B: m x r", "C: r x n"), False, "factorization",
         issue=True),
    # -- linear and quadratic forms ---------------------------------------------------------
    Item("quad-xAx-pd", "x' A x", "x", ("x: n", "A: n x n positive definite"), True, "quadratic form"),
    Item("quad-qp", "1/2 x' A x - b' x + c", "x", ("x: n", "A: n x n positive definite", "b: n"), True,
         "quadratic form"),
    Item("quad-AtA", "x' A' A x", "x", ("x: n", "A: m x n"), True, "quadratic form"),
    Item("quad-diag", "x' diag(w) x", "x", ("x: n", "w: n"), True, "diag"),
    Item("quad-diag-w", "x' diag(w) x", "w", ("x: n", "w: n"), True, "diag"),
    Item("quad-kernel-ridge", "1/2 alpha' K alpha - y' alpha + lam/2 alpha' alpha", "alpha",
         ("alpha: n", "K: n x n positive semidefinite", "y: n"), True, "quadratic form", "lam > 0"),
    Item("lin-1Xb", "1' X b", "b", ("X: n x p", "b: p"), True, "linear"),
    Item("lin-sum-Xb", "sum(X b)", "b", ("X: n x p", "b: p"), True, "linear"),
    Item("quad-xAy-A", "x' A y", "A", ("x: m", "A: m x n", "y: n"), False, "linear"),
    Item("lda-fisher", "(w' A w)/(w' B w)", "w", ("w: n", "A: n x n symmetric", "B: n x n positive definite"),
         True, "ratio"),
    Item("cosine", "(a' x)/norm(x)", "x", ("a: n", "x: n"), True, "ratio"),
    Item("norm-x", "norm(x)", "x", ("x: n",), True, "norm"),
    Item("norm-Axb", "norm(A x - b)", "x", ("A: m x n", "x: n", "b: m"), False, "norm"),
    # -- least squares and regression --------------------------------------------------------
    Item("ls-Axb", "norm(A x - b)^2", "x", ("A: m x n", "x: n", "b: m"), True, "least squares"),
    Item("gls", "(y - X b)' inv(Sigma) (y - X b)", "b", _LS + ("Sigma: n x n positive definite",), True,
         "least squares"),
    Item("wls-diag", "(y - X b)' diag(w) (y - X b)", "b", _LS + ("w: n",), True, "least squares"),
    Item("enet-smooth", "1/(2 n) norm(y - X b)^2 + lam/2 norm(b)^2", "b", _LS, True, "least squares",
         "lam > 0"),
    Item("ls-sigma2", "norm(y - X b)^2/(2 sigma^2)", "b", _LS, True, "least squares", "sigma > 0"),
    Item("ls-multi", "norm(Y - X B)^2", "B", ("Y: n x k", "X: n x p", "B: p x k"), False, "least squares"),
    Item("ridge-multi", "norm(Y - X B)^2 + lam norm(B)^2", "B", ("Y: n x k", "X: n x p", "B: p x k"), False,
         "least squares", "lam > 0"),
    Item("ls-offset", "norm(y - X b - c)^2", "b", _LS, True, "least squares"),
    Item("tikhonov", "norm(y - X b)^2 + norm(L b)^2", "b", _LS + ("L: q x p",), True, "least squares"),
    # -- GLMs ----------------------------------------------------------------------------
    Item("poisson", "1' exp(X b) - y' X b", "b", _LS, True, "GLM"),
    Item("poisson-sum", "sum(exp(X b)) - y' X b", "b", _LS, True, "GLM"),
    Item("logreg-softplus", "1' softplus(X w) - y' X w", "w", ("y: n", "X: n x p", "w: p"), True, "GLM"),
    Item("logreg-ridge", _LOGREG + " + lam/2 w' w", "w", ("y: n", "X: n x p", "w: p"), True, "GLM", "lam > 0"),
    Item("gamma-loglink", "y' exp(-X b) + 1' X b", "b", _LS, True, "GLM"),
    Item("logistic-single", "log(1 + exp(-t w' x))", "w", ("w: p", "x: p"), True, "GLM"),
    Item("sigmoid-inner", "sigmoid(w' x)", "w", ("w: p", "x: p"), True, "GLM"),
    # -- likelihoods and distances ---------------------------------------------------------------
    Item("mahal-mu", "(x - mu)' inv(S) (x - mu)", "mu", ("x: n", "mu: n", "S: n x n positive definite"), True,
         "Mahalanobis"),
    Item("mahal-S", "(x - mu)' inv(S) (x - mu)", "S", ("x: n", "mu: n", "S: n x n positive definite"), False,
         "Mahalanobis"),
    Item("mahal-sqrt", "sqrt((x - mu)' inv(S) (x - mu))", "x", ("x: n", "mu: n", "S: n x n positive definite"),
         True, "Mahalanobis"),
    Item("gauss-nll-data", "n/2 logdet(Sigma) + 1/2 tr(inv(Sigma) S)", "Sigma",
         ("Sigma: p x p positive definite", "S: p x p positive semidefinite"), False, "likelihood"),
    Item("glasso-smooth", "-logdet(Theta) + tr(S Theta)", "Theta",
         ("Theta: p x p positive definite", "S: p x p symmetric"), False, "likelihood"),
    Item("student-t", "log(1 + x' inv(S) x)", "x", ("x: n", "S: n x n positive definite"), True, "likelihood"),
    Item("gauss-kernel", "exp(-norm(x - z)^2/(2 s^2))", "x", ("x: n", "z: n"), True, "likelihood", "s > 0"),
    # -- traces, determinants, inverses ---------------------------------------------------------
    Item("tr-X", "tr(X)", "X", ("X: n x n",), False, "trace"),
    Item("tr-AX", "tr(A X)", "X", ("A: n x m", "X: m x n"), False, "trace"),
    Item("tr-XtX", "tr(X' X)", "X", ("X: m x n",), False, "trace"),
    Item("tr-XX", "tr(X X)", "X", ("X: n x n",), False, "trace"),
    Item("tr-AXBXt", "tr(A X B X')", "X", ("A: m x m", "X: m x n", "B: n x n"), False, "trace"),
    Item("pca", "tr(W' S W)", "W", ("W: p x k", "S: p x p symmetric"), False, "trace"),
    Item("tr-AXinvB", "tr(A inv(X) B)", "X", ("A: m x n", "X: n x n", "B: n x m"), False, "inverse"),
    Item("tr-inv-AplusX", "tr(inv(A + X))", "X", ("A: n x n", "X: n x n"), False, "inverse"),
    Item("logdet-XtX", "logdet(X' X)", "X", ("X: n x p",), False, "determinant"),
    Item("logdet-barrier", "-logdet(X) + tr(C X)", "X", ("X: n x n positive definite", "C: n x n symmetric"),
         False, "determinant"),
    Item("det-sq", "det(X)^2", "X", ("X: n x n",), False, "determinant"),
    Item("logdet-fn", "logdet(X)", "X", ("X: n x n",), False, "determinant"),
    Item("det-AX", "det(A X)", "X", ("A: n x n", "X: n x n"), False, "determinant"),
    # -- softmax, log-sum-exp, networks ---------------------------------------------------------
    Item("lse-z", "logsumexp(z)", "z", ("z: k",), True, "classification"),
    Item("lse-Wx", "logsumexp(W x)", "W", ("W: k x d", "x: d"), False, "classification"),
    Item("lse-Wx-x", "logsumexp(W x)", "x", ("W: k x d", "x: d"), True, "classification"),
    Item("softmax-ce-lse", "logsumexp(z) - y' z", "z", ("y: k", "z: k"), True, "classification"),
    Item("softmax-ce-Wb", "-y' log(softmax(W x + b))", "b", ("y: k", "W: k x d", "x: d", "b: k"), True,
         "classification"),
    Item("nn1-sigmoid-W", "sum(sigmoid(W x + b))", "W", ("W: h x d", "x: d", "b: h"), False, "neural network"),
    Item("nn1-sigmoid-b", "sum(sigmoid(W x + b))", "b", ("W: h x d", "x: d", "b: h"), True, "neural network"),
    Item("nn2-relu-free-ce", "-y' log(softmax(W2 tanh(W1 x)))", "W1", _NN, False, "neural network"),
    Item("autoencoder-tied", "norm(x - W' tanh(W x))^2", "W", ("x: d", "W: h x d"), False, "neural network"),
    Item("nn-output-w", "1/2 (t - v' tanh(W x))^2", "v", ("v: h", "W: h x d", "x: d"), True, "neural network"),
    # -- entrywise functions and Hadamard products ---------------------------------------------
    Item("ew-sum-exp", "1' exp(x)", "x", ("x: n",), True, "entrywise"),
    Item("ew-tanh", "sum(tanh(X w))", "w", ("X: n x p", "w: p"), True, "entrywise"),
    Item("ew-pseudo-huber", "sum(sqrt(1 + x .* x))", "x", ("x: n",), True, "entrywise"),
    Item("ew-log-sigmoid", "sum(log(sigmoid(X w)))", "w", ("X: n x p", "w: p"), True, "entrywise"),
    Item("ew-hadamard-sq", "sum(x .* x)", "x", ("x: n",), True, "Hadamard"),
    Item("ew-hadamard-aw", "(a .* x)' x", "x", ("a: n", "x: n"), True, "Hadamard"),
    Item("ew-hadamard-3", "(x .* y)' z", "y", ("x: n", "y: n", "z: n"), True, "Hadamard"),
    Item("ew-entropy", "-p' log(p)", "p", ("p: n",), True, "entrywise"),
    Item("ew-kl-q", "p' (log(p) - log(q))", "q", ("p: n", "q: n"), True, "entrywise"),
    Item("ew-cos-sin", "sum(sin(X) .* cos(X))", "X", ("X: m x n",), False, "entrywise"),
    Item("ew-div", "sum(x ./ (1 + x .* x))", "x", ("x: n",), True, "entrywise"),
    # -- matrix factorization ------------------------------------------------------------------
    Item("mf-U", "norm(Y - U V')^2", "U", _MF, False, "factorization"),
    Item("mf-V", "norm(Y - U V')^2", "V", _MF, False, "factorization"),
    Item("mf-reg-U", "norm(Y - U V')^2 + lam (norm(U)^2 + norm(V)^2)", "U", _MF, False, "factorization",
         "lam > 0"),
    Item("mf-masked-U", "norm(Mk .* (Y - U V'))^2", "U", _MF + ("Mk: m x n",), False, "factorization"),
    Item("mf-sym", "norm(S - W W')^2", "W", ("S: n x n symmetric", "W: n x r"), False, "factorization"),
)
"""The corpus, in a fixed order (the issue's list first)."""
