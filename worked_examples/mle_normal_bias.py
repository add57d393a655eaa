"""Worked example: the normal model with both parameters, and the bias of the variance MLE."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="The normal model: mean, variance and a biased estimator",
    subtitle=r"Joint maximum likelihood for $\mu$ and $\sigma^2$",
)
h.paragraph(
    r"For $n$ independent measurements from a normal distribution with unknown mean $\mu$ and variance "
    r"$\sigma^2$, the two score equations are solved one after the other: the mean first (its equation does "
    "not involve the variance), then the variance with the mean substituted. The variance estimate "
    "divides by $n$, not $n - 1$, and the derivation computes its expectation to show the bias."
)
h.math(r"f(x; \mu, \sigma^2) = \frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}, \qquad x \in \mathbb{R}")
h.worked("Maximum likelihood for the normal model",
         derive.mle(r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}", params=["mu", "sigma2"],
                    support="x in R", where=["mu in R", "sigma2 > 0"], of=["sqrt(sigma2)"]))
h.paragraph(
    r"The expectation of the variance estimate is $(n - 1) \sigma^2 / n$: it underestimates $\sigma^2$ by the "
    r"factor $(n - 1)/n$, which is why the sample variance divides by $n - 1$. By invariance the MLE of the "
    "standard deviation is the square root of the variance estimate."
)

handout = h.build()
