"""Worked example: the volatility of daily log-returns (finance), a normal variance with known mean."""
import derive
from derive.handout.builder import HandoutBuilder

h = HandoutBuilder(
    title="Estimating volatility from log-returns",
    subtitle="Maximum likelihood for the variance of daily returns, annualized by invariance",
)
h.paragraph(
    r"The daily log-return of a stock is $r = \log(P_t / P_{t-1})$. Over short horizons the mean return is "
    "negligible next to its spread, so a common model takes the returns as independent normal variables "
    "with mean 0 and unknown variance $v$ (the squared daily volatility). The annual volatility is "
    r"$\sqrt{252 v}$ for 252 trading days; its MLE follows by invariance."
)
h.worked("Maximum likelihood for the daily variance",
         derive.mle("1/sqrt(2 pi v) exp(-r^2/(2 v))", params=["v"], var="r", support="r in R", where=["v > 0"],
                    of=["sqrt(252 v)"]))
h.paragraph(
    "The estimate is the mean squared return, unbiased here because the mean is known. With daily "
    "returns of about 1% in size, $\\hat v$ is about 0.0001 and the annual volatility about 16%."
)

handout = h.build()
