"""Worked example: ridge regression as the MAP estimate under a Gaussian prior on the coefficients."""
import derive
from derive.handout.builder import HandoutBuilder

LET = ["X: n x p", "y: n", "b: p"]
NEG_LOG_POSTERIOR = "norm(y - X*b)^2/(2*sigma^2) + norm(b)^2/(2*tau^2)"

h = HandoutBuilder(
    title="Ridge regression as a MAP estimate",
    subtitle="A Gaussian prior on the coefficients turns least squares into ridge regression",
)
h.paragraph(
    r"Model the responses as $y = X b + \varepsilon$ with independent Gaussian noise of variance $\sigma^2$, and put an "
    r"independent Gaussian prior of variance $\tau^2$ on every coefficient. By Bayes' rule the posterior density "
    "of $b$ is proportional to the likelihood times the prior; its negative logarithm, up to a constant that "
    "does not depend on $b$, is"
)
h.math("-\\log p(b \\mid y) = " + derive.latex(NEG_LOG_POSTERIOR, let=LET) + " + \\text{const}")
h.paragraph(
    r"The maximum a posteriori (MAP) estimate minimizes it. Multiplying by $2 \sigma^2$ does not move the minimum, "
    r"and gives the ridge objective with the penalty $\lambda = \sigma^2 / \tau^2$: a tight prior (small $\tau$) is a "
    r"large penalty, a flat prior (large $\tau$) no penalty at all."
)

g = derive.grad(NEG_LOG_POSTERIOR, wrt="b", let=LET, hessian=True, where=["sigma > 0", "tau > 0"])
h.section("The negative log-posterior, differentiated")
h.worked(
    "Gradient and Hessian of the negative log-posterior",
    g,
    intro=r"Matrix differentials, one rule per line. The Hessian $X^\top X / \sigma^2 + I / \tau^2$ is positive "
    "definite for every $X$, so the MAP estimate always exists and is unique.",
)

r = derive.ls("ridge")
h.section("The same estimate as ridge regression")
h.worked(
    "Ridge regression, derived by derive ls",
    r,
    intro=r"The ridge objective $\|y - X b\|^2 + \lambda \|b\|^2$; with $\lambda = \sigma^2 / \tau^2$ its estimator "
    r"$(X^\top X + \lambda I)^{-1} X^\top y$ equals the MAP estimate above, as multiplying the normal equations by $\sigma^2$ "
    "shows.",
)
h.math(r"\hat b_{\mathrm{MAP}} = \left(X^{\top} X + \frac{\sigma^2}{\tau^2} I\right)^{-1} X^{\top} y")
h.paragraph(
    r"Because $\lambda > 0$, the estimate exists even when $X$ has fewer rows than columns; derive checks it against "
    r"numpy's lstsq on the augmented system $\left[\begin{smallmatrix} X \\ \sqrt{\lambda} I \end{smallmatrix}\right]$, including such wide designs."
)

h.section("Exercise")
h.exercise(
    "With a prior of mean m instead of 0, the negative log-posterior is below. Derive its gradient.",
    derive.latex("norm(y - X*b)^2/(2*sigma^2) + norm(b - m)^2/(2*tau^2)", let=LET + ["m: p"]),
    solution=derive.grad("norm(y - X*b)^2/(2*sigma^2) + norm(b - m)^2/(2*tau^2)", wrt="b", let=LET + ["m: p"],
                         where=["sigma > 0", "tau > 0"]),
)

handout = h.build()
