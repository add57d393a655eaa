"""Least-squares models, one class each: the objective as an expression, and what is particular to the model.

A model names its roles in the user's names (design X, response y, coefficients b, and its own:
the penalty, the weights, the constraint), builds its objective with the matrix constructors
(never as text to be read again), derives the estimator through the matrix engine and owns what
differs between models: the hat matrix and the consequences, the numeric reference solver the
estimator is checked against, the random data it is checked on, and what a fit to a CSV file
needs. ``MODELS`` is the registry ``derive ls --model`` reads: adding a model is one class here.

Importing this module loads no SymPy or NumPy (``derive ls --help`` lists the models from it);
the methods import what they use.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from derive.core.errors import UnsupportedError, UsageError

if TYPE_CHECKING:
    import numpy as np

    from derive.core.budget import Clock
    from derive.lsq.model import Consequence, DataFit, DataSpec, LsSolution
    from derive.matrix import expr as M
    from derive.matrix.model import MatGradient
    from derive.parse.domain import VarDomain
    from derive.parse.shapes import ShapeDecl

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({"n", "p", "q", "I", "e", "pi", "E", "norm", "tr", "trace", "det", "logdet", "inv", "sum",
                       "diag", "diagvec", "softmax", "logsumexp", "ones", "T", "exp", "log", "sqrt", "sigmoid",
                       "softplus", "tanh", "sin", "cos"})
"""Names the objective already uses (dimensions, constants) or the grammar reads specially (functions)."""

MODELS: dict[str, type[LsModel]] = {}
"""Every model by its ``--model`` name, in the order they are defined."""


def model_class(name: str) -> type[LsModel]:
    """The model called ``name``; an unknown name is a UsageError listing the models."""
    if not isinstance(name, str) or name not in MODELS:
        raise UsageError(f"unknown least-squares model {name!r}", hint=f"choose one of {', '.join(MODELS)}")
    return MODELS[name]


class LsModel:
    """Base of the models: roles and their names; ordinary least squares where a subclass says nothing else."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    """One line for ``derive ls --help``."""
    roles: ClassVar[dict[str, str]] = {"X": "X", "y": "y", "b": "b"}
    """Role -> default name (the role names are what ``--name ROLE=NAME`` takes)."""
    reference_name: ClassVar[str] = "numpy.linalg.lstsq on the augmented or weighted system"
    summary_reason: ClassVar[str] = ""
    """Why the regression summary (standard errors, t, p, R²) is not computed for this model; empty: it is."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            MODELS[cls.name] = cls

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        chosen = dict(self.roles)
        for role, value in (names or {}).items():
            if role not in self.roles:
                raise UsageError(f"unknown name {role!r} for {self.name}",
                                 hint=f"the names of {self.name} are {', '.join(self.roles)}")
            if not isinstance(value, str) or not _NAME.match(value):
                raise UsageError(f"{value!r} is not a name", hint="use a name such as X, beta or w_1")
            chosen[role] = value
        if len(set(chosen.values())) != len(chosen):
            raise UsageError("two roles share one name", hint="give the design, response, coefficients ... "
                             "distinct names")
        for role, value in chosen.items():
            self.check_name(role, value)
        self.names: dict[str, str] = chosen

    def check_name(self, role: str, value: str) -> None:
        if value in _RESERVED:
            raise UsageError(f"{value!r} cannot name {role}: it is a dimension, a constant or a function",
                             hint="n and p are the dimensions, I the identity, e and pi constants; choose another name")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.names!r})"

    # -- the objective -------------------------------------------------------------------------
    def declarations(self) -> tuple[ShapeDecl, ...]:
        """The shapes of the model's vectors and matrices (X: n x p, y: n, b: p, ...)."""
        from derive.parse.shapes import ShapeDecl

        n = self.names
        return (ShapeDecl(n["X"], "n", "p"), ShapeDecl(n["y"], "n", 1), ShapeDecl(n["b"], "p", 1))

    def domains(self) -> dict[str, VarDomain]:
        """Declared domains of the model's scalars (the ridge penalty is positive)."""
        return {}

    def symbols(self) -> dict[str, Any]:
        """Role -> the model's matrix symbol (or SymPy scalar) in the user's names."""
        from derive.matrix import expr as M

        by_name = {d.name: M.declared(d) for d in self.declarations()}
        return {role: by_name[name] for role, name in self.names.items() if name in by_name}

    def residual(self) -> M.Node:
        """y - X b."""
        from derive.matrix import expr as M

        s = self.symbols()
        return M.add(s["y"], M.mul(M.const(-1), s["X"], s["b"]))

    def objective(self) -> M.Node:
        """The function to minimize, as an expression: ||y - X b||^2."""
        from derive.matrix import expr as M

        return M.power(M.norm(self.residual()), 2)

    # -- the derivation ------------------------------------------------------------------------
    def derive(self, clock: Clock) -> LsSolution:
        """The estimator through the matrix engine: gradient, Hessian, normal equations and their solution."""
        from derive.lsq.model import LsSolution
        from derive.matrix import expr as M
        from derive.matrix.gradient import matrix_gradient

        f = self.objective()
        g = matrix_gradient(f, self.symbols()["b"], clock, hessian=True, source=M.plain(f),
                            shapes=self.declarations())
        if g.stationary is None:
            raise UnsupportedError("the normal equations of this model have no closed-form solution here")
        st = g.stationary
        conditions = [st.condition]
        if g.definiteness is not None and g.definiteness.verdict.startswith("positive"):
            conditions.append(f"the Hessian is {g.definiteness.verdict}, so the solution is the minimum")
        return LsSolution(self, g, st.solution, tuple(conditions), self.consequences(g, st.solution))

    def certify(self, sol: LsSolution, clock: Clock) -> LsSolution:
        """Every step, consequence and solving step certified; the estimator against the model's solver."""
        from derive.lsq.certify import certify_solution

        return certify_solution(sol, clock)

    def metric(self) -> M.Node | None:
        """The inner product the residual is measured in (W, Sigma^-1), or None for the identity."""
        return None

    def hat(self) -> tuple[M.Node, str]:
        """The hat matrix H with fitted values X b-hat = H y, and its formula in words."""
        from derive.matrix import expr as M

        X = self.symbols()["X"]
        xt = M.transpose(X)
        x = self.names["X"]
        return M.mul(X, M.inverse(M.mul(xt, X)), xt), f"H = {x} ({x}^T {x})^(-1) {x}^T"

    hat_symmetric: ClassVar[bool] = True
    hat_idempotent: ClassVar[bool] = True

    def consequences(self, g: MatGradient, estimator: M.Node) -> tuple[Consequence, ...]:
        """What the solution implies: fitted values H y, the hat matrix's properties, the residual's orthogonality."""
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        s = self.symbols()
        X, y = s["X"], s["y"]
        e = M.add(y, M.mul(M.const(-1), X, estimator))
        H, formula = self.hat()
        x, b, yn = self.names["X"], self.names["b"], self.names["y"]
        out = [Consequence(before=M.mul(X, estimator), after=M.mul(H, y),
                           justification=f"the fitted values are {x} {b} = H {yn} with the hat matrix {formula}")]
        if self.hat_symmetric:
            out.append(Consequence(before=M.transpose(H), after=H, justification="the hat matrix is symmetric: H^T = H"))
        if self.hat_idempotent:
            out.append(Consequence(before=M.mul(H, H), after=H,
                                   justification="the hat matrix is idempotent (a projection): H H = H"))
        out.append(Consequence(before=e, after=M.mul(M.add(M.Identity(X.rows), M.mul(M.const(-1), H)), y),
                               justification=f"the residual is e = (I - H) {yn}"))
        out.append(self.orthogonality(e, estimator))
        return tuple(out)

    def orthogonality(self, e: M.Node, estimator: M.Node) -> Consequence:
        """The residual against the columns of X: orthogonal (in the model's metric)."""
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        X = self.symbols()["X"]
        x, b, yn = self.names["X"], self.names["b"], self.names["y"]
        return Consequence(before=M.mul(M.transpose(X), e), after=M.zero((X.cols, M.ONE)),
                           justification=f"the residual e = {yn} - {x} {b} is orthogonal to the columns of {x}: "
                           f"{x}^T e = 0")

    # -- numbers: the reference solver and the data it is checked on ------------------------------
    def dimensions(self) -> list[Any]:
        """The dimension symbols, in the order random sizes are drawn (n, p, then the model's own)."""
        from derive.matrix import expr as M

        return [M.dim("n"), M.dim("p")]

    def draw(self, n: int, p: int, q: int, rng: np.random.Generator) -> dict[str, Any]:
        """Values of the model's own matrices (weights, covariance, constraint) for random data."""
        return {}

    def reference(self, values: Mapping[str, Any], lam: float) -> np.ndarray:
        """The minimizer by a numeric solver that never uses the closed form: lstsq on X b = y."""
        import numpy as np

        X, y = values[self.names["X"]], values[self.names["y"]]
        return np.asarray(np.linalg.lstsq(X, y, rcond=None)[0])

    def check_cases(self) -> tuple[tuple[str, list[tuple[int, int, float]], float, str], ...]:
        """(name, [(n, p, condition number)], tolerance, note) of the comparisons with the reference solver."""
        return (
            ("agrees with numpy's lstsq on random data", [(6, 3, 10.0), (8, 4, 100.0), (5, 2, 3.0)], 1e-9,
             "well-conditioned designs"),
            ("agrees with numpy's lstsq on ill-conditioned data", [(8, 3, 1e4), (10, 4, 1e5)], 1e-4,
             "condition numbers 1e4 and 1e5; tolerance allows for the conditioning"),
        )

    wide_has_solution: ClassVar[bool] = False
    """Whether n < p leaves a unique solution (a penalty); otherwise derive must refuse a number there."""

    # -- a fit to data -------------------------------------------------------------------------
    def data_columns(self, spec: DataSpec) -> list[str]:
        """The CSV columns a fit reads (refusing what a model cannot take from a file)."""
        if spec.weights:
            raise UsageError(f"--weights goes with --model wls, not {self.name}")
        if spec.lam is not None:
            raise UsageError(f"--lam goes with --model ridge, not {self.name}")
        return [*spec.x_columns, spec.y]

    def fit(self, sol: LsSolution, spec: DataSpec, clock: Clock | None = None) -> DataFit:
        """The derived estimator on the data (exactly where affordable), beside the reference solver."""
        from derive.lsq.fit import fit_matrix_model

        return fit_matrix_model(self, sol, spec, clock)


class Ols(LsModel):
    """Ordinary least squares: minimize ||y - X b||^2."""

    name: ClassVar[str] = "ols"
    title: ClassVar[str] = "ordinary least squares"
    summary: ClassVar[str] = "ordinary least squares, ||y - X b||^2"
    reference_name: ClassVar[str] = "numpy.linalg.lstsq"


class Simple(LsModel):
    """Simple linear regression y_i = a + b x_i in summation form: minimize sum (y_i - a - b x_i)^2."""

    name: ClassVar[str] = "simple"
    title: ClassVar[str] = "simple linear regression"
    summary: ClassVar[str] = "y_i = a + b x_i in summation form (slope S_xy/S_xx, intercept ybar - slope xbar)"
    roles: ClassVar[dict[str, str]] = {"x": "x", "y": "y", "a": "a", "b": "b"}
    reference_name: ClassVar[str] = "numpy.linalg.lstsq on [1, x]"

    def check_name(self, role: str, value: str) -> None:
        if value in {"n", "i", "S", "I", "e", "pi", "E", "Sum", "sum"} or value.endswith(("bar", "hat")) \
                or value.startswith("S_"):
            raise UsageError(f"{value!r} cannot name {role}: n counts the points, i indexes them, S is the "
                             "objective, and names ending in bar or hat are the means and the estimates",
                             hint="choose another name")

    def derive(self, clock: Clock) -> Any:
        """The summation-form derivation (``derive.lsq.simple``), not the matrix engine."""
        from derive.lsq.simple import simple_regression
        from derive.lsq.simple_model import SimpleNames

        n = self.names
        return simple_regression(SimpleNames(n["x"], n["y"], n["a"], n["b"]), clock)

    def certify(self, sol: Any, clock: Clock) -> Any:
        """Both checks on every line (symbolic and numeric), then the estimator against lstsq on [1, x]."""
        from derive.lsq.certify_simple import certify_solution

        return certify_solution(sol, clock)

    def data_columns(self, spec: DataSpec) -> list[str]:
        terms = spec.regressors
        if len(terms) != 1 or terms[0].degree != 1:
            raise UsageError(f"simple regression takes one regressor column, got {len(terms)} term"
                             f"{'s' if len(terms) != 1 else ''}: {', '.join(t.label for t in terms)}",
                             hint="use --model ols --intercept for several columns, powers or products")
        if spec.weights or spec.lam is not None:
            raise UsageError("--weights and --lam do not go with --model simple")
        if spec.intercept:
            raise UsageError("--intercept does not go with --model simple: its line always has one",
                             hint="drop --intercept")
        return [*spec.x_columns, spec.y]

    def fit(self, sol: Any, spec: DataSpec, clock: Clock | None = None) -> DataFit:
        from derive.lsq.fit import fit_simple

        self.data_columns(spec)
        return fit_simple(sol, spec)


class Ridge(LsModel):
    """Ridge regression: minimize ||y - X b||^2 + lam ||b||^2 with lam > 0."""

    name: ClassVar[str] = "ridge"
    title: ClassVar[str] = "ridge regression"
    summary: ClassVar[str] = "ridge, ||y - X b||^2 + lam ||b||^2 with lam > 0"
    roles: ClassVar[dict[str, str]] = {**LsModel.roles, "lam": "lam"}
    hat_idempotent: ClassVar[bool] = False
    summary_reason: ClassVar[str] = "ridge estimates are biased; classical standard errors do not apply"
    wide_has_solution: ClassVar[bool] = True

    def domains(self) -> dict[str, VarDomain]:
        from derive.parse.domain import VarDomain

        lam = self.names["lam"]
        return {lam: VarDomain(lam, lower=0.0)}

    def symbols(self) -> dict[str, Any]:
        from derive.parse.domain import make_symbol

        return {**super().symbols(), "lam": make_symbol(self.names["lam"], self.domains())}

    def objective(self) -> M.Node:
        from derive.matrix import expr as M

        s = self.symbols()
        return M.add(super().objective(), M.mul(M.const(s["lam"]), M.power(M.norm(s["b"]), 2)))

    def hat(self) -> tuple[M.Node, str]:
        from derive.matrix import expr as M

        s = self.symbols()
        X, lam = s["X"], s["lam"]
        xt = M.transpose(X)
        x = self.names["X"]
        gram = M.add(M.mul(xt, X), M.mul(M.const(lam), M.Identity(X.cols)))
        return M.mul(X, M.inverse(gram), xt), f"H = {x} ({x}^T {x} + {lam.name} I)^(-1) {x}^T"

    def orthogonality(self, e: M.Node, estimator: M.Node) -> Consequence:
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        s = self.symbols()
        x, b, lam = self.names["X"], self.names["b"], s["lam"]
        return Consequence(before=M.mul(M.transpose(s["X"]), e), after=M.mul(M.const(lam), estimator),
                           justification=f"the residual balances the penalty: {x}^T e = {lam.name} {b}")

    def reference(self, values: Mapping[str, Any], lam: float) -> np.ndarray:
        """lstsq on the augmented system [X; sqrt(lam) I] b = [y; 0]."""
        import numpy as np

        X, y = values[self.names["X"]], values[self.names["y"]]
        p = X.shape[1]
        A, c = np.vstack([X, np.sqrt(lam) * np.eye(p)]), np.vstack([y, np.zeros((p, 1))])
        return np.asarray(np.linalg.lstsq(A, c, rcond=None)[0])

    def data_columns(self, spec: DataSpec) -> list[str]:
        if spec.weights:
            raise UsageError("--weights goes with --model wls, not ridge")
        if spec.lam is None:
            raise UsageError("ridge with --data needs --lam VALUE", hint="give the penalty, e.g. --lam 0.5")
        return [*spec.x_columns, spec.y]


class Wls(LsModel):
    """Weighted least squares: minimize (y - X b)^T W (y - X b) with W diagonal and positive definite."""

    name: ClassVar[str] = "wls"
    title: ClassVar[str] = "weighted least squares"
    summary: ClassVar[str] = "weighted, (y - X b)^T W (y - X b) with diagonal weights W"
    roles: ClassVar[dict[str, str]] = {**LsModel.roles, "W": "W"}
    hat_symmetric: ClassVar[bool] = False

    def declarations(self) -> tuple[ShapeDecl, ...]:
        from derive.parse.shapes import ShapeDecl

        return (*super().declarations(),
                ShapeDecl(self.names["W"], "n", "n", frozenset({"diagonal", "positive definite"})))

    def metric(self) -> M.Node:
        m: M.Node = self.symbols()["W"]
        return m

    def objective(self) -> M.Node:
        from derive.matrix import expr as M

        r = self.residual()
        return M.mul(M.transpose(r), self.metric(), r)

    def metric_text(self) -> str:
        return self.names["W"]

    def hat(self) -> tuple[M.Node, str]:
        from derive.matrix import expr as M

        X = self.symbols()["X"]
        xt, metric = M.transpose(X), self.metric()
        x, w = self.names["X"], self.metric_text()
        return M.mul(X, M.inverse(M.mul(xt, metric, X)), xt, metric), f"H = {x} ({x}^T {w} {x})^(-1) {x}^T {w}"

    def orthogonality(self, e: M.Node, estimator: M.Node) -> Consequence:
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        X = self.symbols()["X"]
        x = self.names["X"]
        return Consequence(before=M.mul(M.transpose(X), self.metric(), e), after=M.zero((X.cols, M.ONE)),
                           justification=f"the residual is orthogonal to the columns of {x} in the model's metric: "
                           f"{x}^T {self.metric_text()} e = 0")

    def draw(self, n: int, p: int, q: int, rng: np.random.Generator) -> dict[str, Any]:
        import numpy as np

        return {self.names["W"]: np.diag(rng.uniform(0.5, 2.0, n))}

    def reference(self, values: Mapping[str, Any], lam: float) -> np.ndarray:
        """lstsq on the whitened system W^(1/2) X b = W^(1/2) y."""
        import numpy as np

        X, y = values[self.names["X"]], values[self.names["y"]]
        root = np.sqrt(np.diag(values[self.names["W"]]))[:, None]
        return np.asarray(np.linalg.lstsq(root * X, root * y, rcond=None)[0])

    def data_columns(self, spec: DataSpec) -> list[str]:
        if spec.lam is not None:
            raise UsageError("--lam goes with --model ridge, not wls")
        if not spec.weights:
            raise UsageError("wls with --data needs --weights COL", hint="name the column of observation weights")
        return [*spec.x_columns, spec.y, spec.weights]


class Gls(Wls):
    """Generalized least squares: minimize (y - X b)^T Sigma^-1 (y - X b) for an error covariance Sigma."""

    name: ClassVar[str] = "gls"
    title: ClassVar[str] = "generalized least squares"
    summary: ClassVar[str] = "generalized, (y - X b)^T Sigma^(-1) (y - X b) for an error covariance Sigma"
    roles: ClassVar[dict[str, str]] = {**LsModel.roles, "Sigma": "Sigma"}

    def declarations(self) -> tuple[ShapeDecl, ...]:
        from derive.parse.shapes import ShapeDecl

        return (*LsModel.declarations(self), ShapeDecl(self.names["Sigma"], "n", "n", frozenset({"positive definite"})))

    def metric(self) -> M.Node:
        from derive.matrix import expr as M

        return M.inverse(self.symbols()["Sigma"])

    def metric_text(self) -> str:
        return f"{self.names['Sigma']}^(-1)"

    def draw(self, n: int, p: int, q: int, rng: np.random.Generator) -> dict[str, Any]:
        import numpy as np

        g = rng.standard_normal((n, n))
        return {self.names["Sigma"]: g @ g.T / n + np.eye(n)}

    def reference(self, values: Mapping[str, Any], lam: float) -> np.ndarray:
        """lstsq on the whitened system L^-1 X b = L^-1 y with Sigma = L L^T."""
        import numpy as np

        X, y = values[self.names["X"]], values[self.names["y"]]
        L = np.linalg.cholesky(values[self.names["Sigma"]])
        return np.asarray(np.linalg.lstsq(np.linalg.solve(L, X), np.linalg.solve(L, y), rcond=None)[0])

    def data_columns(self, spec: DataSpec) -> list[str]:
        raise UsageError("--data with gls needs the error covariance, which a CSV column cannot give",
                         hint="fit ols, ridge or wls to data")


class Constrained(LsModel):
    """Equality-constrained least squares: minimize ||y - X b||^2 subject to C b = d (a Lagrange multiplier mu)."""

    name: ClassVar[str] = "constrained"
    title: ClassVar[str] = "equality-constrained least squares"
    summary: ClassVar[str] = "||y - X b||^2 subject to C b = d, by a Lagrange multiplier mu"
    roles: ClassVar[dict[str, str]] = {**LsModel.roles, "C": "C", "d": "d", "mu": "mu"}
    reference_name: ClassVar[str] = "numpy.linalg.lstsq on the constraint's null space"
    summary_reason: ClassVar[str] = ("the estimate is restricted to C b = d: its standard errors need the constrained "
                                     "covariance and n - p + q degrees of freedom, which are not derived here")

    def declarations(self) -> tuple[ShapeDecl, ...]:
        from derive.parse.shapes import ShapeDecl

        n = self.names
        return (*super().declarations(), ShapeDecl(n["C"], "q", "p"), ShapeDecl(n["d"], "q", 1),
                ShapeDecl(n["mu"], "q", 1))

    def objective(self) -> M.Node:
        """The Lagrangian ||y - X b||^2 + 2 mu^T (C b - d)."""
        from derive.matrix import expr as M

        s = self.symbols()
        slack = M.add(M.mul(s["C"], s["b"]), M.mul(M.const(-1), s["d"]))
        return M.add(super().objective(), M.mul(M.const(2), M.transpose(s["mu"]), slack))

    def derive(self, clock: Clock) -> LsSolution:
        """The Lagrangian through the matrix engine in b and in mu, then the KKT system solved by substitution."""
        from derive.lsq.model import LsSolution
        from derive.matrix import expr as M
        from derive.matrix.gradient import matrix_gradient

        f = self.objective()
        s = self.symbols()
        g = matrix_gradient(f, s["b"], clock, hessian=True, source=M.plain(f), shapes=self.declarations())
        g_mu = matrix_gradient(f, s["mu"], clock, source=M.plain(f), shapes=self.declarations())
        steps, estimator = self.kkt_steps(g, g_mu)
        x, c = self.names["X"], self.names["C"]
        conditions = (f"{x}'*{x} is invertible: it is when {x} has full column rank",
                      f"{c}*inv({x}'*{x})*{c}' is invertible: it is when {c} has full row rank (q <= p and no "
                      f"redundant constraints)",
                      f"the Hessian 2*{x}'*{x} is then positive definite, so the objective is strictly convex and "
                      f"the stationary point of the Lagrangian is the minimum on {c} {self.names['b']} = "
                      f"{self.names['d']}")
        kkt = ((M.add(M.mul(M.transpose(s["X"]), s["X"], s["b"]), M.mul(M.transpose(s["C"]), s["mu"])),
                M.mul(M.transpose(s["X"]), s["y"])), (M.mul(s["C"], s["b"]), s["d"]))
        return LsSolution(self, g, estimator, conditions, self.consequences(g, estimator), solve_steps=steps,
                          multiplier_gradient=g_mu.gradient, kkt_system=kkt)

    def kkt_steps(self, g: MatGradient, g_mu: MatGradient) -> tuple[tuple[Consequence, ...], M.Node]:
        """The KKT system of ||y - X b||^2 + 2 mu^T (C b - d), solved for b and mu by substitution."""
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        s = self.symbols()
        X, y, b, C, d, mu = s["X"], s["y"], s["b"], s["C"], s["d"], s["mu"]
        xt, ct = M.transpose(X), M.transpose(C)
        minus = M.const(-1)
        gram = M.mul(xt, X)
        gram_inv = M.inverse(gram)
        b_ols = M.mul(gram_inv, xt, y)
        half = M.const(M.ONE / 2)
        b_of_mu = M.add(b_ols, M.mul(minus, gram_inv, ct, mu))
        resid = M.add(M.mul(C, b_ols), M.mul(minus, d))
        mu_hat = M.mul(M.inverse(M.mul(C, gram_inv, ct)), resid)
        estimator = M.add(b_ols, M.mul(minus, gram_inv, ct, mu_hat))
        xn, cn, dn, mn, bn, yn = (self.names[k] for k in ("X", "C", "d", "mu", "b", "y"))
        steps = (
            Consequence(before=M.add(M.mul(gram, b), M.mul(ct, mu), M.mul(minus, xt, y)),
                        after=M.mul(half, g.gradient), rule="kkt",
                        justification=f"stationarity in {bn}: half the gradient above is {xn}^T {xn} {bn} + {cn}^T "
                        f"{mn} - {xn}^T {yn}, so grad = 0 reads {xn}^T {xn} {bn} + {cn}^T {mn} = {xn}^T {yn}"),
            Consequence(before=M.add(M.mul(gram, b_of_mu), M.mul(ct, mu)), after=M.mul(xt, y), rule="kkt",
                        justification=f"solve the first equation for {bn} ({xn} full column rank): {bn} = {bn}_ols - "
                        f"({xn}^T {xn})^(-1) {cn}^T {mn}, with {bn}_ols = ({xn}^T {xn})^(-1) {xn}^T {yn}"),
            Consequence(before=M.mul(C, M.substitute(b_of_mu, mu, mu_hat)), after=d, rule="kkt",
                        justification=f"put it into the constraint {cn} {bn} = {dn} (stationarity in {mn}: its "
                        f"gradient, by the matrix engine, is {M.plain(g_mu.gradient)}) and solve for {mn} ({cn} full "
                        f"row rank): "
                        f"{mn} = ({cn} ({xn}^T {xn})^(-1) {cn}^T)^(-1) ({cn} {bn}_ols - {dn})"),
            Consequence(before=M.add(M.mul(gram, estimator), M.mul(ct, mu_hat)), after=M.mul(xt, y), rule="kkt",
                        justification=f"so {bn}_c = {bn}_ols - ({xn}^T {xn})^(-1) {cn}^T ({cn} ({xn}^T {xn})^(-1) "
                        f"{cn}^T)^(-1) ({cn} {bn}_ols - {dn}) solves the first KKT equation"),
        )
        return steps, estimator

    def consequences(self, g: MatGradient, estimator: M.Node) -> tuple[Consequence, ...]:
        """The estimate satisfies the constraint, and the residual balances it through the multiplier."""
        from derive.lsq.model import Consequence
        from derive.matrix import expr as M

        s = self.symbols()
        X, y, C, d = s["X"], s["y"], s["C"], s["d"]
        e = M.add(y, M.mul(M.const(-1), X, estimator))
        xt = M.transpose(X)
        gram_inv = M.inverse(M.mul(xt, X))
        b_ols = M.mul(gram_inv, xt, y)
        resid = M.add(M.mul(C, b_ols), M.mul(M.const(-1), d))
        mu_hat = M.mul(M.inverse(M.mul(C, gram_inv, M.transpose(C))), resid)
        x, b, cn, dn, mn, yn = (self.names[k] for k in ("X", "b", "C", "d", "mu", "y"))
        return (Consequence(before=M.mul(C, estimator), after=d,
                            justification=f"the estimate satisfies the constraint: {cn} {b} = {dn}"),
                Consequence(before=M.mul(xt, e), after=M.mul(M.transpose(C), mu_hat),
                            justification=f"the residual e = {yn} - {x} {b} balances the constraint: {x}^T e = "
                            f"{cn}^T {mn}"))

    def dimensions(self) -> list[Any]:
        from derive.matrix import expr as M

        return [*super().dimensions(), M.dim("q")]

    def draw(self, n: int, p: int, q: int, rng: np.random.Generator) -> dict[str, Any]:
        nm = self.names
        return {nm["C"]: rng.standard_normal((q, p)), nm["d"]: rng.standard_normal((q, 1)),
                nm["mu"]: rng.standard_normal((q, 1)), nm["b"]: rng.standard_normal((p, 1))}

    def reference(self, values: Mapping[str, Any], lam: float) -> np.ndarray:
        """min ||y - X b|| over C b = d without the closed form: b = b0 + N z, z by lstsq (N spans ker C)."""
        import numpy as np

        X, y = values[self.names["X"]], values[self.names["y"]]
        C, d = values[self.names["C"]], values[self.names["d"]]
        b0 = np.linalg.lstsq(C, d, rcond=None)[0]
        _, sv, vt = np.linalg.svd(C)
        rank = int(np.sum(sv > 1e-12 * max(1.0, float(sv[0]))))
        N = vt[rank:].T
        if N.shape[1] == 0:
            return np.asarray(b0)
        z = np.linalg.lstsq(X @ N, y - X @ b0, rcond=None)[0]
        return np.asarray(b0 + N @ z)

    def check_cases(self) -> tuple[tuple[str, list[tuple[int, int, float]], float, str], ...]:
        return (
            ("agrees with lstsq on the constraint's null space, on random data",
             [(6, 3, 10.0), (8, 4, 100.0), (5, 2, 3.0)], 1e-9,
             "b = b0 + N z with C b0 = d and N spanning ker C, z by numpy's lstsq"),
            ("agrees with lstsq on the constraint's null space, on ill-conditioned data",
             [(8, 3, 1e3), (10, 4, 1e4)], 1e-4,
             "condition numbers of X 1e3 and 1e4: the closed form squares them through X^T X and again "
             "through C (X^T X)^(-1) C^T, so its rounding grows faster than for ols"),
        )

    identity_sizes: ClassVar[tuple[tuple[int, int, int], ...]] = (
        (6, 3, 1), (7, 4, 2), (9, 5, 3), (8, 3, 2), (10, 6, 4), (5, 2, 1))
    """(n, p, q) with n > p > q: where the closed form of constrained least squares applies."""

    def data_columns(self, spec: DataSpec) -> list[str]:
        raise UsageError("--data with constrained needs the constraint C b = d, which CSV columns cannot give",
                         hint="fit ols to data, or call derive.ls('constrained') for the derivation alone")
