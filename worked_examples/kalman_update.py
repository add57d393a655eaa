"""Worked example: the Kalman-filter measurement update as the product of two Gaussians (autonomous driving)."""
from pathlib import Path

import numpy as np
import scipy.optimize

import derive
from derive.handout.builder import HandoutBuilder

HERE = Path(__file__).parent / "derivations"
COST = "(x - m)^2/(2*P) + (z - x)^2/(2*R)"
MV = ["x: p", "m: p", "z: q", "H: q x p", "P: p x p symmetric", "R: q x q symmetric"]
MV_COST = "(x - m)' inv(P) (x - m) + (z - H x)' inv(R) (z - H x)"
# A car drives along a lane at about 1 m per time step; GPS reads its position with variance R.
VELOCITY, Q, R_GPS = 1.0, 0.25, 0.5
GPS = (1.3, 1.8, 3.4, 3.9, 5.2, 5.8)
M0, P0 = 0.0, 4.0

h = HandoutBuilder(
    title="Fusing a prediction with a measurement",
    subtitle="The Kalman-filter update as a product of two Gaussians",
)
h.paragraph(
    "An autonomous car never knows exactly where it is. Its motion model (wheel odometry, the last "
    "estimate moved forward by the speed) predicts the position with some uncertainty; a sensor (GPS, "
    "or a LiDAR match against a map) measures it with another. The Kalman filter combines the two at "
    "every time step, many times a second, and the combination is the posterior of a Gaussian prior and a "
    "Gaussian likelihood: a precision-weighted average whose variance is smaller than either. We derive "
    "the update in one dimension, by calculus and by completing the square, then run it on a drive."
)
h.paragraph(
    r"The prediction says $x \sim \mathcal{N}(m, P)$; the measurement is $z = x + \varepsilon$ with noise "
    r"$\varepsilon$ of variance $R$. "
    r"The posterior density is proportional to $\exp(-J(x))$ with the cost below, so its mode, which for a "
    "Gaussian is also its mean, minimizes $J$."
)
h.math("J(x) = " + derive.latex(COST))

h.section("The posterior mean by calculus")
h.worked("Differentiate the cost", derive.diff(COST, wrt="x"),
         intro="Each squared term differentiates by the chain rule; the fractions are combined at the end.")
h.paragraph(
    r"Setting the derivative to zero gives $(P + R) x = R m + P z$: the posterior mean "
    r"$\hat x = (R m + P z)/(P + R)$, the average of the prediction and the measurement weighted by their "
    r"precisions $1/P$ and $1/R$. It is also the maximum-likelihood estimate of $x$ from two independent "
    "measurements with these variances, and the weighted least-squares fit of a constant to them. The "
    r"second derivative of $J$ is $1/P + 1/R$, the posterior precision."
)

h.section("The posterior by completing the square")
h.paragraph(
    "Completing the square shows the whole posterior at once, and rewrites it in the form a Kalman filter "
    "implements. Check every step:"
)
h.checked(derive.check(HERE / "gaussian_update.tex"))
h.paragraph(
    "The gain K says how far to move from the prediction toward the measurement: close to 1 when the "
    "prediction is poor (P large), close to 0 when the sensor is poor (R large). The posterior variance is "
    "below both P and R: fusing two independent sources always helps."
)

h.section("A short drive")
rows, m, P = [], M0, P0
for t, z in enumerate(GPS, start=1):
    m_prior, P_prior = m + VELOCITY, P + Q  # predict: move forward, uncertainty grows
    K = P_prior / (P_prior + R_GPS)
    m, P = m_prior + K * (z - m_prior), (1 - K) * P_prior

    def cost(x: float, mp: float = m_prior, pp: float = P_prior, zz: float = z) -> float:
        return (x - mp) ** 2 / (2 * pp) + (zz - x) ** 2 / (2 * R_GPS)

    found = scipy.optimize.minimize_scalar(cost).x  # an independent check of the closed form
    assert abs(found - m) < 1e-6 and abs(P - 1 / (1 / P_prior + 1 / R_GPS)) < 1e-12
    rows.append(f"{t} & {m_prior:.3f} & {P_prior:.3f} & {z:.1f} & {K:.3f} & {m:.3f} & {P:.3f}")
h.paragraph(
    f"The car starts at $m = {M0}$ with variance {P0} and moves {VELOCITY} m per step; each prediction "
    f"adds variance $Q = {Q}$ and the GPS has variance $R = {R_GPS}$. At each step the prior (predicted) "
    "mean and variance, the GPS reading, the gain and the posterior are:"
)
h.math(
    r"\begin{array}{rrrrrrr} t & m_t^{-} & P_t^{-} & z_t & K_t & m_t & P_t \\ \hline "
    + r" \\ ".join(rows) + r"\end{array}"
)
h.paragraph(
    "Each posterior mean agrees with a numeric minimization of the cost $J$ to six decimals. The variance "
    "settles where the growth Q of each prediction balances the shrinkage of each update, and the gain "
    "settles with it: the steady-state Kalman filter."
)

h.section("Exercises")
h.exercise(
    r"In several dimensions the state $x$ has prediction covariance $P$, and the sensor measures $Hx$ with "
    r"covariance $R$. Find the gradient and Hessian of the cost below; setting the gradient to zero gives "
    r"the multivariate update, and the Hessian is twice the posterior precision $P^{-1} + H^{\top} R^{-1} H$.",
    derive.latex(MV_COST, let=MV),
    solution=derive.grad(MV_COST, wrt="x", let=MV, hessian=True),
)
h.exercise(
    r"Two GPS receivers with variances $R_1$ and $R_2$ measure the same position, with no prediction. "
    r"Differentiate the cost with respect to $x$ and find the fused estimate.",
    derive.latex("(z1 - x)^2/(2*R1) + (z2 - x)^2/(2*R2)"),
    solution=derive.diff("(z1 - x)^2/(2*R1) + (z2 - x)^2/(2*R2)", wrt="x"),
)

handout = h.build()
