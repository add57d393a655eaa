"""Worked example: the gamma shape has no closed form; Newton's method on the profile score."""
from pathlib import Path

import derive
from derive.handout.builder import HandoutBuilder

DATA = Path(__file__).with_name("data") / "waits.csv"

h = HandoutBuilder(
    title="The gamma shape: no closed form, so Newton's method",
    subtitle="Profile the rate out, then iterate on the shape",
)
h.paragraph(
    r"Waiting times are often modelled as gamma with shape $\alpha$ and rate $\beta$. The score equation for "
    r"$\beta$ solves at once, $\hat\beta = \hat\alpha / \bar{x}$, but substituting it leaves an equation for $\alpha$ with "
    "the digamma function that has no closed-form solution. derive says so, shows the Newton-Raphson "
    "update on the remaining equation and the Fisher-scoring update on both parameters, and runs the "
    "iteration on data."
)
result = derive.mle("gamma", data=DATA, column="wait")
h.worked("Maximum likelihood for the gamma model", result)
its = result.derivation.iterates
if its:
    rows = " \\\\ ".join(f"{it.k} & {it.values[0]:.8f} & {it.values[1]:.8f} & {it.loglik:.6f}" for it in its)
    h.paragraph(f"Newton's method on the {DATA.name} sample: the iterates of $\\alpha$, the profiled "
                r"$\beta = \alpha / \bar{x}$, and the log-likelihood, which rises at every step:")
    h.math(r"\begin{array}{rlll} k & \alpha_k & \beta_k & \ell \\ \hline " + rows + r"\end{array}")

handout = h.build()
