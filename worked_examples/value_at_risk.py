"""Worked example: value-at-risk under a normal model, from the maximum-likelihood fit of daily returns (finance)."""
from pathlib import Path

import numpy as np
import scipy.stats as st

import derive
from derive.handout.builder import HandoutBuilder

DATA = Path(__file__).with_name("data") / "returns.csv"
HERE = Path(__file__).parent / "derivations"
ALPHA = 0.01  # the tail probability: a one-day 99% VaR
PORTFOLIO = 1_000_000  # euros
VAR = "-(mu + z*sqrt(sigma2))"

h = HandoutBuilder(
    title="Value-at-risk under a normal model",
    subtitle="Maximum likelihood for the mean and variance of daily returns, and the loss quantile",
)
h.paragraph(
    "Banks report, and regulators limit, the value-at-risk of their trading books: the loss that a "
    "portfolio exceeds on only a small share of days. The one-day 99% VaR is the loss exceeded with "
    r"probability $\alpha = 0.01$, about two or three days a year. The simplest model takes the daily "
    r"returns (in percent) as independent normal draws with mean $\mu$ and variance $\sigma^2$; then the "
    r"return falls below $\mu + \sigma z_\alpha$ with probability $\alpha$, where $z_\alpha$ is the standard "
    r"normal quantile, and the VaR is $-(\mu + \sigma z_\alpha)$ percent of the portfolio. We estimate "
    "both parameters by maximum likelihood from 60 days of returns; by invariance the MLE of the VaR is "
    "the same formula at the estimates."
)

h.section("Maximum likelihood for the normal model")
fit = derive.mle("normal", data=DATA, column="r", of=["sqrt(sigma2)"])
h.worked(
    "The mean and variance of daily returns",
    fit,
    intro=f"The score equations are solved in turn; the estimates are then evaluated on {DATA.name}, and "
    "each number is compared with a numeric maximization of the log-likelihood on the data.",
)

h.section("From the estimates to the VaR")
estimates = {e.param: e.value for e in fit.derivation.data.estimates}
returns = np.loadtxt(DATA, delimiter=",", skiprows=1)
assert np.isclose(estimates["mu"], returns.mean()) and np.isclose(estimates["sigma2"], returns.var())
mu, sigma = estimates["mu"], float(np.sqrt(estimates["sigma2"]))
z = float(st.norm.ppf(ALPHA))
var_pct = -(mu + sigma * z)
historical = -float(np.quantile(returns, ALPHA))
h.paragraph(
    f"On the {len(returns)} days the estimates are $\\hat\\mu = {mu:.4f}$% and $\\hat\\sigma^2 = "
    f"{estimates['sigma2']:.4f}$, so $\\hat\\sigma = {sigma:.4f}$%. The 1% quantile of the standard normal is "
    f"$z_{{0.01}} = {z:.4f}$ (scipy.stats.norm.ppf; a number, not a derivation). The VaR is"
)
h.math(
    rf"\widehat{{\mathrm{{VaR}}}}_{{0.99}} = -(\hat\mu + \hat\sigma z_{{0.01}}) = "
    rf"-({mu:.4f} + {sigma:.4f} \times ({z:.4f})) = {var_pct:.3f}\%"
)
h.paragraph(
    f"of the portfolio's value: on a portfolio of {PORTFOLIO:,} euros, a one-day loss of "
    f"{PORTFOLIO * var_pct / 100:,.0f} euros or more is expected on one day in a hundred. The empirical 1% "
    f"quantile of the same 60 returns gives {historical:.3f}% (historical simulation); with so few days "
    "it rests on the single worst return or two, which is why the parametric model is used at all. Real "
    "returns have fatter tails than the normal, so the normal VaR tends to understate the risk of extreme "
    "days: the model, not the algebra, is the weak point."
)

h.section("Exercises")
h.exercise(
    r"The standard error of the VaR estimate follows from the delta method: it needs the gradient of the VaR "
    r"with respect to $(\mu, \sigma^2)$. Find it (z is a constant):",
    derive.latex(VAR),
    solution=derive.grad(VAR, wrt="mu,sigma2"),
)
h.exercise(
    r"Regulators ask for a 10-day VaR. Assuming independent daily returns, find the mean and the variance of "
    r"the return over $n$ days, and so the scaling of the VaR with the horizon.",
    solution=derive.check(HERE / "sqrt_time.tex"),
)

handout = h.build()
