"""Worked example: weighted least squares for observations of unequal precision."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="Weighted least squares",
    subtitle="Observations of unequal precision, weighted by the inverse of their variances",
)
h.paragraph(
    r"When the $i$-th observation has noise variance $\sigma_i^2$, a precise observation should count more than a "
    "noisy one. Weighted least squares minimizes the sum of squared residuals each multiplied by a weight "
    r"$w_i = 1/\sigma_i^2$; with $W$ the diagonal matrix of the weights this is the quadratic form below. It is the "
    "maximum-likelihood estimate under independent Gaussian noise with those variances."
)
w = derive.ls("wls")
h.math("f(b) = " + derive.latex("(y - X*b)' W (y - X*b)", let=["X: n x p", "y: n", "b: p", "W: n x n diagonal"]))
h.section("Derivation")
h.worked(
    "Gradient, normal equations and solution",
    w,
    intro=r"The weights are positive, so $W$ is positive definite and the Hessian $2 X^\top W X$ is positive definite "
    "when $X$ has full column rank: the solution of the weighted normal equations is the unique minimum.",
)
h.paragraph(
    "Consequences, each checked numerically on random data: the fitted values are $H y$ with the oblique "
    r"projection $H = X (X^\top W X)^{-1} X^\top W$, which is idempotent but not symmetric, and the residual is "
    r"orthogonal to the columns of $X$ in the metric $W$ ($X^\top W e = 0$). Scaling the rows of $X$ and $y$ by $\sqrt{w_i}$ "
    "turns the problem into ordinary least squares, which is how derive checks the estimator against numpy's "
    "lstsq."
)
h.section("Exercise")
h.exercise(
    r"With correlated noise of covariance $\Sigma$ the weights become the full matrix $\Sigma^{-1}$ (generalized "
    "least squares). Derive its estimator.",
    derive.latex("(y - X*b)' inv(Sigma) (y - X*b)", let=["X: n x p", "y: n", "b: p", "Sigma: n x n positive definite"]),
    solution=derive.ls("gls"),
)

handout = h.build()
