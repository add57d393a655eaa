"""Worked example: the bias-variance decomposition of the expected squared error, checked line by line."""
from pathlib import Path

import derive
from derive.handout.builder import HandoutBuilder

HERE = Path(__file__).parent / "derivations"

h = HandoutBuilder(
    title="The bias-variance decomposition",
    subtitle="Why a simpler model can predict better, checked line by line",
)
h.paragraph(
    "Every model selection decision in machine learning, from the depth of a tree to the strength of a "
    "ridge penalty or the number of neighbours in k-NN, trades two kinds of error. A flexible model "
    "follows its training sample closely, so its prediction changes a lot from one sample to the next "
    "(variance); a rigid model changes little but may miss the truth on average (bias). The expected "
    "squared error at a new input splits exactly into these two parts plus the noise no model can "
    "remove. Below is the derivation as a student would write it in LaTeX; its source declares that the "
    r"noise has mean 0 and variance $\sigma^2$ and is independent of the fitted value $\hat f$, so derive "
    "reads the expectations. Check every step: is any of them wrong?"
)
h.section("The decomposition")
h.checked(derive.check(HERE / "bias_variance.tex"))
h.paragraph(
    "The cross term vanishes because the noise is independent of the fit and has mean zero; the last "
    r"line is the identity $\mathbb{E}[Z^2] = (\mathbb{E}[Z])^2 + \operatorname{Var}(Z)$ for $Z = f - \hat f$. "
    "Averaged over the inputs this is "
    "the familiar curve of test error against model complexity: bias falls, variance rises, and the "
    "noise sets the floor."
)

h.section("Shrinking an estimator")
h.paragraph(
    "The same split explains why shrinking can help. Estimate a mean by $c$ times the sample mean of $n$ "
    "observations: for $c < 1$ the estimator is biased, but its variance falls by the factor $c^2$."
)
h.checked(derive.check(HERE / "shrunk_mean_mse.tex"))
h.paragraph(
    "The unbiased choice $c = 1$ is not the best: the error is smallest for a factor strictly below 1 "
    "(exercise 2), and the factor tends to 1 as $n$ grows because the variance of the sample mean, "
    r"$\sigma^2 / n$, vanishes. Ridge regression and James-Stein estimation apply the same idea to many coefficients."
)

h.section("Exercises")
h.exercise(
    "Differentiate the mean squared error of the shrunk mean with respect to $c$:",
    derive.latex("(c - 1)^2*mu^2 + c^2*sigma^2/n"),
    solution=derive.diff("(c - 1)^2*mu^2 + c^2*sigma^2/n", wrt="c"),
)
h.exercise(
    "Set that derivative to zero and find the best factor $c$. Show that it is below 1 and tends to 1 "
    "as $n$ grows.",
    solution=derive.check(HERE / "shrinkage_factor.tex"),
)

handout = h.build()
