"""Worked example: uniform(0, theta), where the maximum is on the boundary, not at a zero of the score."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title=r"When the derivative never vanishes: the uniform$(0, \theta)$ model",
    subtitle="A boundary maximum, found by monotonicity",
)
h.paragraph(
    r"Observations spread uniformly between 0 and an unknown $\theta$ have density $1/\theta$ on $(0, \theta)$. "
    r"The log-likelihood, $-n \log \theta$, has a derivative that is never zero, so setting the score to zero "
    "finds nothing. The likelihood is, however, zero unless $\\theta$ is at least the largest observation, "
    "and decreasing beyond it: the maximum sits on that boundary."
)
h.worked("Maximum likelihood for theta", derive.mle("uniform"))
h.paragraph(
    r"The estimate $\max_i x_i$ is biased downward (its mean is $n \theta / (n + 1)$) and the usual Fisher "
    "information theory does not apply, because the support depends on the parameter."
)
h.worked("The same argument for a location: the Laplace median", derive.mle("laplace"),
         intro="A likelihood with a kink needs the subgradient instead of the derivative.")

handout = h.build()
