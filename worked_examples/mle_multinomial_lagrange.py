"""Worked example: category probabilities by maximum likelihood, with a Lagrange multiplier for sum p = 1."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="Category probabilities under a constraint",
    subtitle="The multinomial MLE with a Lagrange multiplier",
)
h.paragraph(
    "Each of n survey answers falls in one of three categories, recorded as a one-hot vector "
    "(x1, x2, x3). The probabilities p1, p2, p3 are unknown but must sum to one, so the log-likelihood "
    "is maximized on that plane: a Lagrange multiplier nu joins the constraint to the objective, and "
    "the stationarity equations together with the constraint are solved for the probabilities and nu."
)
h.math(r"f(x_1, x_2, x_3; p) = p_1^{x_1} p_2^{x_2} p_3^{x_3}, \qquad p_1 + p_2 + p_3 = 1")
h.worked("Maximum likelihood with a Lagrange multiplier", derive.mle("multinomial"))
h.paragraph(
    "The multiplier equals the number of observations, and each probability is estimated by the share "
    "of answers in its category. The log-likelihood is concave and the constraint linear, so this "
    "stationary point is the global maximum."
)

handout = h.build()
