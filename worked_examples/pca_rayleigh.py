"""Worked example: PCA as a Rayleigh quotient: the Lagrangian's gradient gives the eigenproblem."""
import numpy as np

import derive
from derive.handout.builder import HandoutBuilder

LET = ["w: p", "S: p x p symmetric"]
LAGRANGIAN = "w' S w - lam*(w' w - 1)"
# Height and arm span (cm) of eight adults: two strongly correlated measurements.
DATA = np.array([[160, 158], [165, 166], [170, 168], [172, 175], [175, 174], [178, 181], [183, 185], [188, 190]],
                dtype=float)

h = HandoutBuilder(
    title="Principal components as a Rayleigh quotient",
    subtitle="Maximizing variance on the unit sphere gives an eigenvalue problem",
)
h.paragraph(
    "Principal component analysis compresses many correlated measurements (pixels of a face, expression "
    "levels of thousands of genes, the returns of a portfolio of stocks) into a few directions that keep "
    r"most of the variance. The first direction is the unit vector $w$ along which the projected data "
    r"$w^{\top} x$ vary most; with $S$ the sample covariance matrix that variance is $w^{\top} S w$. "
    r"Maximizing it over $w^{\top} w = 1$ with a Lagrange multiplier $\lambda$ turns the problem into "
    r"$S w = \lambda w$: the principal directions are the eigenvectors of $S$, and the variance each "
    "keeps is its eigenvalue."
)

h.section("The Lagrangian and its gradient")
h.math(r"\mathcal{L}(w, \lambda) = " + derive.latex(LAGRANGIAN, let=LET))
g = derive.grad(LAGRANGIAN, wrt="w", let=LET, hessian=True)
h.worked(
    "Gradient in w by matrix differentials",
    g,
    intro="The quadratic form differentiates by the product rule, both halves giving the same term because "
    r"$S$ is symmetric; the constraint term contributes $-2\lambda w$.",
)
h.paragraph(
    r"Setting the gradient to zero gives $S w = \lambda w$, and the derivative in $\lambda$ gives back the "
    r"constraint $w^{\top} w = 1$. At such a point the objective is $w^{\top} S w = \lambda w^{\top} w = \lambda$, "
    "so among the stationary points the maximum is the eigenvector of the largest eigenvalue. (That the "
    "constrained maximum is attained, the sphere being compact, is the prose argument that completes the "
    "proof; derive certifies the gradient, the Hessian and that the gradient vanishes at eigenpairs.)"
)

h.section("Two dimensions, written out")
g2 = derive.grad("a*u^2 + 2*b*u*v + c*v^2 - lam*(u^2 + v^2 - 1)", wrt="u,v,lam")
h.paragraph(
    r"With $S = \begin{pmatrix} a & b \\ b & c \end{pmatrix}$ and $w = (u, v)$ the same Lagrangian is a "
    "function of three scalars; its three partial derivatives are the two rows of the eigenproblem and the "
    "constraint."
)
h.worked("Every partial derivative", g2)

h.section("Height and arm span")
n = len(DATA)
S = np.cov(DATA, rowvar=False)  # divides by n - 1
eigenvalues, vectors = np.linalg.eigh(S)
lam1, w1 = eigenvalues[-1], vectors[:, -1] * np.sign(vectors[0, -1])
values = {"a": S[0, 0], "b": S[0, 1], "c": S[1, 1], "u": w1[0], "v": w1[1], "lam": lam1}
at_top = [float(entry.subs({s: values[s.name] for s in entry.free_symbols})) for entry in g2.gradient]
assert max(abs(x) for x in at_top) < 1e-9 * lam1, at_top  # derive's gradient vanishes at numpy's top eigenpair
height, span = (" & ".join(f"{v:.0f}" for v in column) for column in DATA.T)
h.paragraph(
    f"Eight adults, height and arm span in centimetres, and their sample covariance matrix (divisor $n - 1 = {n - 1}$):"
)
h.math(
    r"\begin{array}{l|" + "c" * n + r"} \text{height} & " + height + r" \\ \text{span} & " + span + r"\end{array}"
)
h.math(
    rf"S = \begin{{pmatrix}} {S[0, 0]:.2f} & {S[0, 1]:.2f} \\ {S[1, 0]:.2f} & {S[1, 1]:.2f} \end{{pmatrix}}"
)
h.paragraph(
    f"Its eigenvalues are {eigenvalues[-1]:.2f} and {eigenvalues[0]:.2f}; the top eigenvector is "
    f"$w = ({w1[0]:.4f}, {w1[1]:.4f})$, close to the diagonal direction, so the first component is "
    f"(almost) the average of the two measurements, the body's overall size. It keeps "
    f"{100 * eigenvalues[-1] / eigenvalues.sum():.1f}% of the total variance. Substituting these numbers "
    "into the three partial derivatives derived above gives "
    f"{at_top[0]:.1e}, {at_top[1]:.1e} and {at_top[2]:.1e}: zero to rounding, as the eigenproblem says."
)

h.section("Exercises")
h.exercise(
    "Without the constraint, maximize the Rayleigh quotient below. Find its gradient and show that it "
    "vanishes exactly at the eigenvectors of S:",
    derive.latex("(w' S w)/(w' w)", let=LET),
    solution=derive.grad("(w' S w)/(w' w)", wrt="w", let=LET),
)
h.exercise(
    "PCA also minimizes the reconstruction error of projecting the centred data matrix X onto the line "
    "spanned by a unit vector w. Find the gradient of that error:",
    derive.latex("norm(X - X w w')^2", let=["X: n x p", "w: p"]),
    solution=derive.grad("norm(X - X w w')^2", wrt="w", let=["X: n x p", "w: p"]),
)

handout = h.build()
