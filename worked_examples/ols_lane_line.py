"""Worked example: fitting a lane line to LiDAR points by simple regression (and the same fit as OLS)."""
import tempfile
from pathlib import Path

import derive
from derive.handout.builder import HandoutBuilder
from derive.render.figures import regression_fit

# Lane-marking returns from one LiDAR sweep: distance ahead x (m), lateral offset y (m).
POINTS = [(2.0, 1.62), (4.5, 1.70), (7.0, 1.74), (9.5, 1.85), (12.0, 1.90), (14.5, 1.97), (17.0, 2.08),
          (19.5, 2.11)]

h = HandoutBuilder(
    title="Fitting a lane line to LiDAR points",
    subtitle="Simple linear regression in summation form, then the same fit as ordinary least squares",
)
h.paragraph(
    "A LiDAR sweep returns points on a lane marking: for each point its distance ahead of the car, x in metres, "
    "and its lateral offset from the car's axis, y in metres. Over a short stretch the marking is a straight "
    "line y = a + b x, where a is the offset at the car and b the heading of the lane relative to the car. "
    "Least squares picks the a and b that minimize the sum of squared vertical misses."
)
rows = " \\\\ ".join(f"{x:.1f} & {y:.2f}" for x, y in POINTS)
h.math(r"\begin{array}{r|r} x_i\ (\mathrm{m}) & y_i\ (\mathrm{m}) \\ \hline " + rows + r"\end{array}")

with tempfile.TemporaryDirectory() as tmp:
    csv = Path(tmp) / "lane.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in POINTS), encoding="utf-8")
    simple = derive.ls("simple", data=csv, x="x", y="y")
    ols = derive.ls("ols", data=csv, x="x", y="y", intercept=True)

h.section("The least-squares line in summation form")
h.worked(
    "Minimize S(a, b)",
    simple,
    intro="Every sum runs over the n points, i = 1, ..., n. Each line was checked twice: symbolically "
    "(linearity of the sum, then algebra with the sums as unknowns) and numerically on random data.",
)
h.paragraph(
    "The Hessian is positive definite exactly when the x values are not all equal (then S_xx > 0): a LiDAR "
    "sweep whose returns all sit at one distance cannot fix a heading, and derive refuses to give a number."
)

fit = simple.solution.data_fit
assert fit is not None
a, b = fit.estimate
h.section("The fitted lane line")
h.paragraph(
    f"On the {fit.rows} points above, the derived formulas give the intercept a = {a:.4f} m and the slope "
    f"b = {b:.5f} (a heading of {b * 1000:.2f} mm of lateral drift per metre). numpy's lstsq on the design [1, x] "
    f"gives {fit.reference[0]:.4f} and {fit.reference[1]:.5f}; the largest difference is "
    f"{fit.max_abs_difference:.1e}."
)
h.math(rf"\hat y = {a:.4f} + {b:.5f}\, x")
h.figure(
    regression_fit([x for x, _ in POINTS], [y for _, y in POINTS], simple, xlabel="distance ahead x (m)",
                   ylabel="lateral offset y (m)"),
    "The LiDAR points, the fitted lane line and the residuals (the vertical misses whose squares are summed).",
)

ofit = ols.solution.data_fit
assert ofit is not None
h.section("The same fit as ordinary least squares")
h.paragraph(
    r"Stacking the points as rows of $X = [\mathbf{1}, x]$ turns the same problem into ordinary least squares, "
    r"$\hat b = (X^\top X)^{-1} X^\top y$; " f"fitted to the same points it gives {ofit.estimate[0]:.4f} and "
    f"{ofit.estimate[1]:.5f}, the numbers above. The matrix derivation also shows the hat matrix $H$, which is "
    "symmetric and idempotent, and the residual orthogonal to the columns of $X$."
)
h.worked("Ordinary least squares in matrix form", ols)

handout = h.build()
