"""Worked example: softplus and log-sum-exp, and why their derivatives are sigmoid and softmax."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="Softplus and log-sum-exp",
    subtitle="Smooth maxima and their partial derivatives",
)
h.paragraph(
    "Softplus is a smooth version of max(0, z); log-sum-exp is a smooth version of the maximum of "
    "several scores. Their derivatives are the sigmoid and the softmax: the reason these functions "
    "appear in every classification loss."
)

h.section("Softplus")
h.worked(
    "Softplus written out",
    derive.diff("log(1 + exp(z))", wrt="z"),
    intro=r"Differentiate $\log(1 + e^z)$ with the chain rule.",
)
h.worked(
    "Softplus as a named function",
    derive.diff("softplus(z)", wrt="z"),
    intro="Kept as a named function, softplus differentiates to the sigmoid.",
)

h.section("Log-sum-exp")
h.worked(
    "Partial derivative of log-sum-exp, written out",
    derive.diff("log(exp(z1) + exp(z2) + exp(z3))", wrt="z1"),
    intro="Only the first exponential depends on z1; the other scores are held constant.",
)
h.worked(
    "The same, with log-sum-exp as a named function",
    derive.diff("logsumexp(z1, z2, z3)", wrt="z2"),
    intro="The partial derivative of log-sum-exp with respect to a score is that score's softmax weight.",
)
h.worked(
    "Second partial: the softmax's own derivative",
    derive.diff("log(exp(z1) + exp(z2))", wrt=["z1", "z2"]),
    intro="Differentiating once more, now with respect to z2, gives minus the product of the two "
    "softmax weights: the off-diagonal entry of the softmax Jacobian.",
)

h.section("Exercise")
h.exercise(
    r"Show that the second derivative of softplus is $\sigma(z)(1 - \sigma(z))$:",
    derive.latex("softplus(z)"),
    solution=derive.diff("softplus(z)", wrt="z", order=2),
)

handout = h.build()
