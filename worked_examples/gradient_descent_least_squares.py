"""Worked example: gradient descent on least squares, and the step-size condition eta < 2 / lambda_max."""
from pathlib import Path

import numpy as np

import derive
from derive.handout.builder import HandoutBuilder

HERE = Path(__file__).parent / "derivations"
LET = ["X: n x p", "y: n", "w: p"]
LOSS = "norm(X w - y)^2"
# Dose (mg) and response of eight measurements; the model is y = w0 + w1 x.
X_DATA = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
Y_DATA = np.array([1.9, 2.6, 3.4, 3.9, 4.8, 5.3, 6.1, 6.6])
CHECKPOINTS = (0, 1, 2, 5, 10, 20, 50, 100, 200)
FACTORS = (0.5, 0.95, 1.05)  # step sizes as fractions of the limit 2 / lambda_max

h = HandoutBuilder(
    title="Gradient descent on least squares",
    subtitle="The gradient, the Hessian, and how large a step may be",
)
h.paragraph(
    "Least squares has a closed-form solution, but large models are fitted by gradient descent instead: "
    "with millions of coefficients, forming and solving the normal equations is too expensive, while a "
    "gradient needs only two products with the data matrix. The one number to choose is the step size. "
    "Too small and the fit crawls; too large and the iterates blow up. For a quadratic loss the boundary "
    r"is exact: the step must be below $2/\lambda_{\max}$, where $\lambda_{\max}$ is the largest eigenvalue "
    "of the Hessian. The same rule, with the largest curvature in place of the Hessian's eigenvalue, is the "
    "starting point for choosing learning rates in deep learning."
)

h.section("Gradient and Hessian")
h.math("L(w) = " + derive.latex(LOSS, let=LET))
h.worked(
    "Differentiate the squared residual norm",
    derive.grad(LOSS, wrt="w", let=LET, hessian=True),
    intro=r"The gradient is $2 X^{\top}(Xw - y)$ and the Hessian $2 X^{\top} X$, the same at every point: "
    "the loss is a quadratic.",
)
h.paragraph(
    r"Gradient descent repeats $w_{t+1} = w_t - \eta \cdot 2 X^{\top} (X w_t - y)$ with a step size $\eta > 0$."
)

h.section("The step-size condition")
h.paragraph(
    "Subtract the least-squares solution from one step. The identity below holds for any vector; check it "
    "step by step:"
)
h.checked(derive.check(HERE / "gd_error_step.tex"))
h.paragraph(
    r"So the error is multiplied at every step by the fixed matrix $I - \eta H$ with $H = 2X^{\top} X$. "
    r"Write $H = \sum_i \lambda_i v_i v_i^{\top}$ with orthonormal eigenvectors: along $v_i$ the error is "
    r"multiplied by $1 - \eta \lambda_i$. All components shrink, from any start, exactly when "
    r"$|1 - \eta \lambda_i| < 1$ for every $i$, that is $0 < \eta < 2/\lambda_{\max}(H)$, and the error then "
    r"falls by the factor $\max_i |1 - \eta \lambda_i|$ per step. This spectral argument is prose: derive "
    "certifies the gradient, the Hessian and the error identity, not the eigenvalue bound. In one "
    "dimension it is a single factor; check each step below."
)
h.checked(derive.check(HERE / "gd_contraction.tex"))

h.section("On data")
X = np.column_stack([np.ones_like(X_DATA), X_DATA])
H = 2 * X.T @ X
eigenvalues = np.linalg.eigvalsh(H)
limit = 2 / eigenvalues[-1]
w_hat = np.linalg.lstsq(X, Y_DATA, rcond=None)[0]
errors: dict[float, list[float]] = {}
for factor in FACTORS:
    eta, w, errors[factor] = factor * limit, np.zeros(2), []
    for t in range(CHECKPOINTS[-1] + 1):
        if t in CHECKPOINTS:
            errors[factor].append(float(np.linalg.norm(w - w_hat)))
        w = w - eta * 2 * X.T @ (X @ w - Y_DATA)
    rate = max(abs(1 - eta * eigenvalues))
    assert (rate < 1) == (factor < 1) and (errors[factor][-1] < errors[factor][0]) == (factor < 1)
h.paragraph(
    "Eight dose-response measurements, fitted with an intercept, so the rows of $X$ are $(1, x_i)$. The "
    r"Hessian $2X^{\top}X$ has eigenvalues "
    f"{eigenvalues[0]:.3f} and {eigenvalues[-1]:.3f}, so the limit is $2/\\lambda_{{\\max}} = {limit:.5f}$. "
    f"The least-squares solution is $\\hat w = ({w_hat[0]:.4f}, {w_hat[1]:.4f})$. Starting from $w_0 = 0$, the "
    r"distance $\lVert w_t - \hat w \rVert$ for three step sizes:"
)
header = " & ".join(f"t = {t}" for t in CHECKPOINTS)


def cell(value: float) -> str:
    """A distance for the table: 3 significant digits, powers of ten as LaTeX outside [0.001, 10^4)."""
    if 1e-3 <= value < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


rows = r" \\ ".join(
    f"{factor:.2f} \\cdot 2/\\lambda_{{\\max}} & " + " & ".join(cell(e) for e in errors[factor]) for factor in FACTORS
)
h.math(r"\begin{array}{l|" + "r" * len(CHECKPOINTS) + "} \\eta & " + header + r" \\ \hline " + rows + r"\end{array}")
h.paragraph(
    "Below the limit the error shrinks; just above it, it grows geometrically. The slow start at the "
    f"small step comes from the small eigenvalue: the factor along its eigenvector is "
    f"{1 - FACTORS[0] * limit * eigenvalues[0]:.4f}. The two eigenvalues differ by a factor of "
    f"{eigenvalues[-1] / eigenvalues[0]:.0f} (the condition number); centring the dose would reduce it "
    "and let gradient descent converge in far fewer steps."
)

h.section("Exercises")
RIDGE = "norm(X w - y)^2 + lam*norm(w)^2"
h.exercise(
    r"Ridge regression adds the penalty $\lambda \lVert w \rVert^2$. Find the gradient and Hessian, and from "
    r"them the largest step size for gradient descent in terms of the eigenvalues of $X^{\top} X$.",
    derive.latex(RIDGE, let=LET),
    solution=derive.grad(RIDGE, wrt="w", let=LET, hessian=True),
)
h.exercise(
    r"In one dimension the loss is $(aw - b)^2$. Find its second derivative, and so the largest step size.",
    derive.latex("(a*w - b)^2"),
    solution=derive.diff("(a*w - b)^2", wrt="w", order=2),
)

handout = h.build()
