"""Worked example: softmax cross-entropy and its gradient in the logits, p - y."""
import numpy as np

import derive
from derive.handout.builder import HandoutBuilder

LET = ["y: k", "z: k"]
LOSS = "-y' log(softmax(z))"
Z = (2.0, 1.0, 0.1)  # the logits of the numeric example; the true class is the first

h = HandoutBuilder(
    title="Softmax cross-entropy",
    subtitle=r"Why the gradient in the logits is just $p - y$",
)
h.paragraph(
    "Every classifier with more than two classes, from multinomial logistic regression to the last layer "
    "of an image or language model, turns a vector of scores $z$ (the logits, one per class) into "
    r"probabilities with the softmax, $p_j = e^{z_j} / \sum_l e^{z_l}$, and is trained by minimizing the "
    r"cross-entropy $-\sum_j y_j \log p_j$ against the one-hot label $y$. Its gradient in the logits is the "
    "difference between the predicted probabilities and the label, $p - y$: the error signal that "
    "backpropagation sends into the network. We derive it for three classes, partial by partial, and "
    "then for any number of classes with matrix differentials."
)

h.section("Three classes, one partial at a time")
h.paragraph(r"Let the true class be the first, so the loss is $-\log p_1$.")
d1 = derive.diff("-log(exp(z1)/(exp(z1) + exp(z2) + exp(z3)))", wrt="z1")
h.worked("The logit of the true class", d1,
         intro="The chain rule through the logarithm, then the quotient rule.")
d2 = derive.diff("-log(exp(z1)/(exp(z1) + exp(z2) + exp(z3)))", wrt="z2")
h.worked("The logit of another class", d2,
         intro="Only the denominator depends on z2.")
h.paragraph(
    r"The first partial is $p_1 - 1$ and the second is $p_2$: with $y = (1, 0, 0)$ both are $p_j - y_j$. "
    "Raising the true logit lowers the loss; raising another logit raises it, in proportion to the "
    "probability the model already gives that class."
)

h.section("Any number of classes")
g = derive.grad(LOSS, wrt="z", let=LET, hessian=True)
h.math("L(z) = " + derive.latex(LOSS, let=LET))
h.worked(
    "Gradient and Hessian in the logits",
    g,
    intro=r"With the softmax kept as a named function, "
    r"$\log \operatorname{softmax}(z) = z - \operatorname{logsumexp}(z) \mathbf{1}$, and the differential of "
    r"log-sum-exp is $\operatorname{softmax}(z)^{\top} \mathrm{d}z$. Differentiating the gradient once more uses "
    r"$\mathrm{d}p = (\operatorname{diag}(p) - p p^{\top})\,\mathrm{d}z$ for $p = \operatorname{softmax}(z)$.",
)
h.paragraph(
    r"For a one-hot or probability label $\mathbf{1}^{\top} y = 1$, so the gradient is $p - y$. The Hessian "
    r"is $\operatorname{diag}(p) - p p^{\top}$, the covariance matrix of a one-hot draw from $p$: it is positive "
    "semidefinite, so the cross-entropy is convex in the logits. (derive certifies the Hessian's formula; "
    "that it is positive semidefinite is the covariance argument just given, not a certified step.)"
)

h.section("A numeric check")
at = dict(zip(("z1", "z2", "z3"), Z))
p = np.exp(Z) / np.exp(Z).sum()
y = np.array([1.0, 0.0, 0.0])
symbolic = [float(d.result.subs({s: at[s.name] for s in d.result.free_symbols})) for d in (d1, d2)]  # derive's results
assert np.allclose(symbolic, (p - y)[:2], rtol=1e-12, atol=1e-12), (symbolic, p - y)
h.paragraph(
    f"Take the logits $z = ({Z[0]}, {Z[1]}, {Z[2]})$ with the first class true. The softmax, the loss and "
    "the gradient are:"
)
h.math(
    r"\begin{array}{c|ccc} & j = 1 & j = 2 & j = 3 \\ \hline "
    f"z_j & {Z[0]} & {Z[1]} & {Z[2]} \\\\ "
    f"p_j & {p[0]:.4f} & {p[1]:.4f} & {p[2]:.4f} \\\\ "
    f"p_j - y_j & {p[0] - 1:.4f} & {p[1]:.4f} & {p[2]:.4f} "
    r"\end{array} \qquad "
    f"L = -\\log p_1 = {-np.log(p[0]):.4f}"
)
h.paragraph(
    f"The two partial derivatives derived above, evaluated at this point, give {symbolic[0]:.4f} and "
    f"{symbolic[1]:.4f}: the same numbers. The entries of the gradient sum to zero, because adding a "
    "constant to every logit does not change the softmax."
)

h.section("Exercises")
LAYER = ["y: k", "x: d", "W: k x d", "b: k"]
h.exercise(
    r"A linear softmax classifier has logits $Wx + b$. Find the gradient of its cross-entropy with respect "
    r"to the weight matrix $W$:",
    derive.latex("-y' log(softmax(W x + b))", let=LAYER),
    solution=derive.grad("-y' log(softmax(W x + b))", wrt="W", let=LAYER),
)
h.exercise(
    r"Write the loss with the true class first as $-z_1 + \operatorname{logsumexp}(z_1, z_2, z_3)$ and "
    r"differentiate with respect to $z_1$:",
    derive.latex("-z1 + logsumexp(z1, z2, z3)"),
    solution=derive.diff("-z1 + logsumexp(z1, z2, z3)", wrt="z1"),
)

handout = h.build()
