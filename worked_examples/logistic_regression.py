"""Worked example: logistic regression in matrix form: gradient, Hessian, convexity, Newton's method."""
import derive
from derive.handout.builder import HandoutBuilder

LET = ["X: n x p", "y: n", "w: p"]
LOSS = "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))"
PLUS_MINUS = "sum(log(1 + exp(-y .* (X w))))"

h = HandoutBuilder(
    title="Logistic regression in matrix form",
    subtitle="The gradient and Hessian of the negative log-likelihood, by matrix differentials",
)
h.paragraph(
    "A logistic regression models the probability that the i-th label is 1 as the sigmoid of the i-th "
    r"row of the $n \times p$ design matrix $X$ times the coefficient vector $w$; the sigmoid is "
    r"$\sigma(t) = 1/(1 + e^{-t})$. With labels in $\{0, 1\}$ stacked in the vector $y$, the negative log-likelihood is "
    "the cross-entropy below. Functions of vectors act entry by entry, and the bold 1 is the vector of ones."
)
h.math("L(w) = " + derive.latex(LOSS, let=LET))

g = derive.grad(LOSS, wrt="w", let=LET, hessian=True)
h.section("Gradient and Hessian")
h.worked(
    "Differentiate with differentials",
    g,
    intro="Each line applies one rule of matrix differentials, named in grey under it; entrywise "
    "functions contribute their derivative through an entrywise product. Once the differential is "
    r"written as (a vector) transposed times $\mathrm{d}w$, that vector is the gradient; differentiating the "
    r"gradient once more and writing the result as (a matrix) times $\mathrm{d}w$ gives the Hessian.",
)
h.paragraph(
    "The gradient is the residual of the predicted probabilities, carried back to the coefficients by "
    "the transpose of $X$: the same form as in least squares. The Hessian weights every observation by "
    "$s(1 - s) > 0$, where $s$ is its predicted probability, so it is positive semidefinite: the loss is "
    "convex, and strictly so when $X$ has full column rank."
)

h.section("Newton's method")
h.paragraph(
    "There is no closed form for the minimizer: setting the gradient to zero gives equations that are "
    "non-linear in $w$. Newton's method solves them by repeating the update below, which is iteratively "
    "reweighted least squares with weights $s(1 - s)$. The Hessian does not involve the labels $y$, so it "
    "equals its expectation: the observed and the expected (Fisher) information coincide, and Fisher "
    "scoring is the same update."
)
h.math(
    r"w_{t+1} = w_t - \left(X^{\top} \operatorname{diag}\!\big(s_t \odot (1 - s_t)\big) X\right)^{-1} "
    r"X^{\top}\left(s_t - y\right), \qquad s_t = \sigma\left(X w_t\right)"
)

h.section("Exercise")
h.exercise(
    "With labels coded as -1 and +1 the same loss reads as below. Derive its gradient.",
    derive.latex(PLUS_MINUS, let=LET),
    solution=derive.grad(PLUS_MINUS, wrt="w", let=LET),
)

handout = h.build()
