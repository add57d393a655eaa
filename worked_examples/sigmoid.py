"""Worked example: the sigmoid and its derivative (logistic regression, backpropagation)."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="The sigmoid and its derivative",
    subtitle="Why logistic regression's gradient is so simple",
)
h.paragraph(
    "The sigmoid squashes a real score z into a probability. Logistic regression, and every "
    "network with sigmoid units, needs its derivative at each step of gradient descent. "
    "We derive it twice: once from the definition, rule by rule, and once with the sigmoid "
    "as a named function, where the famous identity appears."
)

h.section("From the definition")
h.worked(
    "Differentiate the sigmoid from its definition",
    derive.diff("1/(1 + exp(-z))", wrt="z"),
    intro="Write the sigmoid as a power of its denominator and apply the chain rule twice.",
)

h.section(r"The identity $\sigma' = \sigma (1 - \sigma)$")
h.worked(
    "Differentiate the named sigmoid",
    derive.diff("sigmoid(z)", wrt="z"),
    intro="With the sigmoid kept as a named function, its derivative is expressed through itself: "
    "this is what backpropagation stores.",
)
h.worked(
    "A sigmoid unit: the chain rule with an affine score",
    derive.diff("sigmoid(w*x + b)", wrt="w"),
    intro="A unit computes sigmoid(w x + b). The inner derivative with respect to the weight is the input x.",
)

h.section("Exercises")
h.exercise(
    "The hyperbolic tangent is a rescaled sigmoid. Differentiate:",
    derive.latex("2*sigmoid(2*z) - 1"),
    solution=derive.diff("2*sigmoid(2*z) - 1", wrt="z"),
)
h.exercise(
    "The logistic loss of one example with label y. Differentiate with respect to z:",
    derive.latex("-y*log(sigmoid(z)) - (1 - y)*log(1 - sigmoid(z))"),
    solution=derive.diff("-y*log(sigmoid(z)) - (1 - y)*log(1 - sigmoid(z))", wrt="z"),
)

handout = h.build()
