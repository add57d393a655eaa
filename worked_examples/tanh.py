"""Worked example: the hyperbolic tangent, its derivative, and its relation to the sigmoid."""
from pathlib import Path

import derive
from derive.handout.builder import HandoutBuilder

HERE = Path(__file__).parent / "derivations"

h = HandoutBuilder(
    title="The hyperbolic tangent and its derivative",
    subtitle="A zero-centred sigmoid: the activation of recurrent networks",
)
h.paragraph(
    r"The hyperbolic tangent maps a score to $(-1, 1)$. It is the activation inside LSTM and GRU cells "
    "and in many small networks because its output is centred at zero, which keeps the inputs of the "
    "next layer centred and the gradient steps well scaled. Training needs its derivative at every unit, "
    r"and, as with the sigmoid, the derivative is a function of the output itself, $1 - \tanh^2$: "
    "backpropagation reuses the value stored in the forward pass. We derive it from the definition and "
    "as a named function, and show that tanh is a sigmoid stretched and shifted."
)

h.section("From the definition")
h.worked(
    "Differentiate the quotient of exponentials",
    derive.diff("(exp(z) - exp(-z))/(exp(z) + exp(-z))", wrt="z"),
    intro="The quotient rule, then the chain rule on the exponential of -z.",
)
h.paragraph(
    r"The result, $4/(e^{2z} + 2 + e^{-2z}) = 4/(e^{z} + e^{-z})^2$, is $1/\cosh^2 z$, which is $1 - \tanh^2 z$ "
    r"since $\cosh^2 z - \sinh^2 z = 1$."
)

h.section(r"The identity $\tanh' = 1 - \tanh^2$")
h.worked(
    "Differentiate the named tanh",
    derive.diff("tanh(z)", wrt="z"),
    intro="Kept as a named function, tanh differentiates to an expression in tanh itself.",
)
h.worked(
    "A tanh unit: the chain rule with an affine score",
    derive.diff("tanh(w*x + b)", wrt="w"),
    intro=r"A unit computes $\tanh(wx + b)$; the inner derivative with respect to the weight is the input $x$.",
)

h.section("Relation to the sigmoid")
h.paragraph(
    r"With the sigmoid $\sigma(z) = 1/(1 + e^{-z})$, multiplying the numerator and denominator of tanh by "
    r"$e^{-z}$ shows $\tanh z = 2\sigma(2z) - 1$: a network with tanh units computes the same functions as one "
    "with sigmoid units, with rescaled weights and biases. Check the derivation below step by step; "
    "its last part shows that the two forms of the derivative agree."
)
h.checked(derive.check(HERE / "tanh_sigmoid.tex"))
h.worked(
    "Differentiate the rescaled sigmoid",
    derive.diff("2*sigmoid(2*z) - 1", wrt="z"),
    intro=r"The same derivative from the sigmoid form, through $\sigma' = \sigma(1 - \sigma)$.",
)
h.paragraph(
    r"At $z = 0$ the slope of tanh is 1, four times the sigmoid's slope of 1/4 there: one reason tanh "
    "networks train faster from small initial weights."
)

h.section("Exercises")
h.exercise(
    r"A tanh unit with a squared error against a target $t$. Differentiate with respect to the weight $w$:",
    derive.latex("(tanh(w*x + b) - t)^2/2"),
    solution=derive.diff("(tanh(w*x + b) - t)^2/2", wrt="w"),
)
h.exercise(
    "Find the second derivative of tanh. Where is the slope of tanh largest?",
    derive.latex("tanh(z)"),
    solution=derive.diff("tanh(z)", wrt="z", order=2),
)
h.exercise(
    r"The log-cosh loss is a smooth absolute value. Show that its derivative is tanh:",
    derive.latex("log(cosh(z))"),
    solution=derive.diff("log(cosh(z))", wrt="z"),
)

handout = h.build()
