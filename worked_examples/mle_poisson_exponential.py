"""Worked example: Poisson counts and exponential waiting times, the same rate from two angles."""
import derive
from derive.handout.builder import HandoutBuilder
from derive.render.figures import loglik_curve

h = HandoutBuilder(
    title="Counts and waiting times",
    subtitle="Maximum likelihood for the Poisson rate and the exponential rate",
)
h.paragraph(
    "A help desk counts the calls arriving in each of $n$ one-minute intervals; the counts are modelled as "
    "independent Poisson variables with rate $\\lambda$. The waiting times between calls are then "
    "exponential with the same rate. Both maximum-likelihood derivations follow."
)
poisson = derive.mle("poisson")
h.worked("Poisson counts", poisson,
         intro="The log-likelihood is linear in the total count, so the score equation is solved at once.")
# Calls in twelve one-minute intervals: 30 calls, an average of 2.5 a minute.
CALLS = [3, 1, 4, 2, 2, 5, 0, 3, 2, 4, 1, 3]
h.paragraph("Twelve minutes at the help desk brought " + ", ".join(map(str, CALLS)) + " calls.")
h.figure(loglik_curve(poisson, CALLS),
         r"The Poisson log-likelihood $\ell(\lambda)$ of the twelve counts, its maximum at $\hat\lambda = 2.5$.")
h.paragraph(
    "The estimate is the average count, unbiased, with variance $\\lambda / n$: the inverse of the Fisher "
    "information."
)
h.worked("Exponential waiting times", derive.mle("exponential"),
         intro="Here the estimate is the reciprocal of the average waiting time.")
h.paragraph(
    "The exponential log-likelihood is concave in $\\lambda$, so the stationary point is the global maximum. "
    r"The estimator $n / \sum_i x_i$ is biased upward in small samples (its mean is $n \lambda / (n - 1)$); "
    "derive labels the bias as not computed because it is not a polynomial in the sums."
)

handout = h.build()
