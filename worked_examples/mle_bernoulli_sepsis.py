"""Worked example: the Bernoulli MLE, framed as estimating a hospital's sepsis rate."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="How often does sepsis follow surgery?",
    subtitle="The maximum-likelihood estimate of a Bernoulli rate, step by step",
)
h.paragraph(
    "A hospital records, for each of n surgical patients, whether sepsis followed (x = 1) or not (x = 0). "
    "Treating the patients as independent with a common rate p, each record has the Bernoulli mass "
    "function below. We find the rate that makes the observed records most likely, check that it is a "
    "maximum, and compute its Fisher information, which gives the usual standard error."
)
h.math(r"f(x; p) = p^{x} (1 - p)^{1 - x}, \qquad x \in \{0, 1\}, \quad 0 < p < 1")
h.worked(
    "Maximum likelihood for the sepsis rate",
    derive.mle("p^x (1-p)^(1-x)", params=["p"], support="x in {0,1}", where=["0 < p < 1"]),
    intro="Each line is checked on random samples drawn from the model; the estimate is also compared "
    "with a numeric maximizer of the log-likelihood.",
)
h.paragraph(
    "The estimate is the observed proportion of patients with sepsis. It exists inside (0, 1) only "
    "when at least one patient had sepsis and at least one did not; with 12 cases among 400 patients "
    "it is 0.03, with standard error $\\sqrt{0.03 \\times 0.97 / 400}$, about 0.0085."
)
h.exercise(
    "A ward records the number of patients until the first case of sepsis (a geometric count). "
    "Find the maximum-likelihood estimate of the rate p.",
    r"f(x; p) = p (1 - p)^{x - 1}, \qquad x \in \{1, 2, \dots\}",
    solution=derive.mle("geometric"),
)

handout = h.build()
