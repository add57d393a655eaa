"""Worked example: sepsis risk from lactate and age by logistic regression (healthcare), fitted by Newton's method."""
from pathlib import Path

import numpy as np
import scipy.optimize
import scipy.stats as st

import derive
from derive.handout.builder import HandoutBuilder

DATA = Path(__file__).with_name("data") / "sepsis.csv"
LET = ["X: n x p", "y: n", "w: p"]
NLL = "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))"
ONE = "-y*log(sigmoid(a + b*x + c*u)) - (1 - y)*log(1 - sigmoid(a + b*x + c*u))"
NEW_PATIENT = (4.0, 70)  # lactate (mmol/L) and age (years) of a patient to score

h = HandoutBuilder(
    title="Who is developing sepsis?",
    subtitle="A logistic-regression risk score from lactate and age, fitted by Newton's method",
)
h.paragraph(
    "Sepsis, the body's runaway response to an infection, kills more hospital patients than any other "
    "condition, and every hour of delay in treatment raises the risk of death. Hospitals therefore run early-"
    "warning scores on routine measurements. Blood lactate is one of the strongest signals: it rises when "
    "tissues are short of oxygen. A logistic regression turns lactate and age into a probability of sepsis, "
    "and its coefficients are log odds ratios that clinicians can read and check. The example "
    "mle_bernoulli_sepsis estimates one common rate; here the rate depends on the patient."
)
h.paragraph(
    r"For patient $i$ with lactate $x_i$ and age $u_i$ the model is $P(\text{sepsis}) = "
    r"\sigma(a + b x_i + c u_i)$. Stacking the rows $(1, x_i, u_i)$ into $X$, the coefficients into "
    r"$w = (a, b, c)$ and the outcomes into $y$, the negative log-likelihood is the cross-entropy:"
)
h.math("L(w) = " + derive.latex(NLL, let=LET))

h.section("Gradient and Hessian")
h.worked(
    "Differentiate the cross-entropy",
    derive.grad(NLL, wrt="w", let=LET, hessian=True),
    intro="The same derivation for any number of patients and predictors; the Hessian weights each patient "
    r"by $s(1 - s)$, where $s$ is the patient's predicted risk.",
)
h.paragraph(
    r"The gradient $X^{\top}(\sigma(Xw) - y)$ sums, over patients, each predictor times the gap between "
    "predicted risk and outcome. The Hessian is positive semidefinite, so Newton's method, "
    r"$w \leftarrow w - H^{-1} \nabla L$, heads for the unique minimum when the outcomes are not perfectly "
    "separated by the predictors."
)
one = derive.diff(ONE, wrt="b")
h.worked(
    "One patient's contribution to the lactate coefficient's partial derivative",
    one,
    intro="The same result written out for one patient: lactate times the gap between predicted risk "
    "and outcome.",
)

h.section("Thirty patients")
table = np.loadtxt(DATA, delimiter=",", skiprows=1)
lactate, age, sepsis = table[:, 0], table[:, 1], table[:, 2]
X = np.column_stack([np.ones_like(lactate), lactate, age])
w = np.zeros(3)
for _ in range(25):
    p = 1 / (1 + np.exp(-X @ w))
    step = np.linalg.solve((X.T * (p * (1 - p))) @ X, X.T @ (p - sepsis))
    w = w - step
    if np.linalg.norm(step) < 1e-12:
        break
p = 1 / (1 + np.exp(-X @ w))
hessian = (X.T * (p * (1 - p))) @ X
se = np.sqrt(np.diag(np.linalg.inv(hessian)))


def nll(v: np.ndarray) -> float:
    z = X @ v
    return float(np.sum(np.logaddexp(0, z)) - sepsis @ z)


check = scipy.optimize.minimize(nll, np.zeros(3), method="BFGS", options={"gtol": 1e-9}).x
assert np.allclose(w, check, atol=1e-4), (w, check)
values = {"a": w[0], "b": w[1], "c": w[2]}
partial_b = sum(float(one.result.subs({s: {**values, "x": x_i, "u": u_i, "y": y_i}[s.name]
                                       for s in one.result.free_symbols}))
                for x_i, u_i, y_i in zip(lactate, age, sepsis))
assert abs(partial_b) < 1e-8, partial_b  # derive's per-patient partial, summed over the data, vanishes at the fit


def sci(value: float) -> str:
    """A number as LaTeX, one decimal and a power of ten."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


z975 = float(st.norm.ppf(0.975))
odds, low, high = (float(np.exp(w[1] + k * z975 * se[1])) for k in (0, -1, 1))
risk = float(1 / (1 + np.exp(-(w[0] + w[1] * NEW_PATIENT[0] + w[2] * NEW_PATIENT[1]))))
h.paragraph(
    f"The file {DATA.name} holds {len(sepsis)} patients ({int(sepsis.sum())} with sepsis): lactate from "
    f"{lactate.min():.1f} to {lactate.max():.1f} mmol/L, age from {age.min():.0f} to {age.max():.0f}. Newton's "
    "method from zero converges in a few steps to the estimates below, with standard errors from the "
    "inverse Hessian at the estimate (the observed information):"
)
h.math(
    r"\begin{array}{lrr} & \text{estimate} & \text{s.e.} \\ \hline "
    f"\\text{{intercept }} a & {w[0]:.4f} & {se[0]:.4f} \\\\ "
    f"\\text{{lactate }} b & {w[1]:.4f} & {se[1]:.4f} \\\\ "
    f"\\text{{age }} c & {w[2]:.4f} & {se[2]:.4f} "
    r"\end{array}"
)
h.paragraph(
    "A quasi-Newton optimizer (scipy's BFGS) finds the same estimates, and derive's per-patient partial "
    f"derivative above, summed over the thirty patients at the estimates, is ${sci(partial_b)}$: zero to rounding. "
    f"Each extra mmol/L of lactate multiplies the odds of sepsis by $e^{{\\hat b}} = {odds:.2f}$ (95% Wald "
    f"interval {low:.2f} to {high:.2f}, from $\\hat b \\pm {z975:.2f}$ standard errors), at a fixed age. A "
    f"{NEW_PATIENT[1]}-year-old with lactate {NEW_PATIENT[0]:.1f} mmol/L has a predicted risk of "
    f"{100 * risk:.0f}%. With thirty patients the intervals are wide: this is a teaching example, not a "
    "validated score, which would need thousands of patients, calibration and external validation."
)

h.section("Exercises")
h.exercise(
    r"The log-odds of a probability $p$ is $\log(p/(1 - p))$. Differentiate it; by the delta method the "
    r"standard error of an estimated log-odds is this derivative times the standard error of $\hat p$.",
    derive.latex("log(p/(1 - p))"),
    solution=derive.diff("log(p/(1 - p))", wrt="p"),
)
WEIGHTED = "-k*y*log(sigmoid(z)) - (1 - y)*log(1 - sigmoid(z))"
h.exercise(
    "Sepsis is rare, so missing a case is weighted $k$ times as heavily as a false alarm. Differentiate "
    "one patient's weighted loss with respect to the score $z$; the partial derivative in a coefficient is "
    "this times the patient's value of that predictor. For which risk is it zero?",
    derive.latex(WEIGHTED),
    solution=derive.diff(WEIGHTED, wrt="z"),
)

handout = h.build()
