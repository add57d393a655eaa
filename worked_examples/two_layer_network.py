"""Worked example: backpropagation in a two-layer network, as a chain of matrix differentials, and a numeric pass."""
import numpy as np

import derive
from derive.handout.builder import HandoutBuilder

LET = ["x: d", "y: k", "W1: h x d", "W2: k x h"]
LOSS = "norm(y - W2 sigmoid(W1 x))^2"
# The numeric pass: two inputs, two hidden units, one output.
X_IN = np.array([1.0, 2.0])
Y_OUT = np.array([1.0])
W1_AT = np.array([[0.1, -0.2], [0.4, 0.3]])
W2_AT = np.array([[0.5, -0.6]])
RATE = 0.5
EXPLICIT = "(1 - v1*sigmoid(p11 + 2*p12) - v2*sigmoid(p21 + 2*p22))^2"  # x = (1, 2) and y = 1 put in

h = HandoutBuilder(
    title="Backpropagation in a two-layer network",
    subtitle="Gradients of the squared error with respect to both weight matrices",
)
h.paragraph(
    "A network with one hidden layer maps an input $x$ (a $d$-vector) through the first weight matrix $W_1$ "
    "and the sigmoid, entry by entry, to the hidden activations $a$ (an $h$-vector), and then through the "
    "second weight matrix $W_2$ to the output, a $k$-vector. For a target $y$ the squared error is below. "
    "Backpropagation is nothing but the chain rule written with differentials: the differential of "
    "the loss passes back through $W_2$, then through the sigmoid (an entrywise product with its "
    "derivative), then through $W_1$."
)
h.math("L(W_1, W_2) = " + derive.latex(LOSS, let=LET))

h.section("The output layer")
g2 = derive.grad(LOSS, wrt="W2", let=LET)
h.worked(
    "Gradient with respect to W2",
    g2,
    intro="Only the last product depends on W2. Once the differential is written as the trace of "
    r"(a matrix) transposed times $\mathrm{d}W_2$, that matrix is the gradient.",
)
h.paragraph(
    "The gradient is the outer product of the output error, -2 times the residual, with the hidden "
    "activations: the familiar 'error times input' form of every linear layer."
)

h.section("The hidden layer")
g1 = derive.grad(LOSS, wrt="W1", let=LET)
h.worked(
    "Gradient with respect to W1",
    g1,
    intro="The differential now passes through the sigmoid, whose derivative is s(1 - s) entry by entry.",
)
h.paragraph(
    "Read from the inside out, the gradient is again 'error times input': the input x, and as error "
    "the output error sent back through the transpose of W2 and scaled, entry by entry, by the slope "
    "a(1 - a) of each hidden unit. That back-propagated error is what every deeper layer reuses."
)

h.section("A numeric forward and backward pass")
h.paragraph(
    "Take two inputs, two hidden units and one output, with the input, target and weights below. The "
    "forward pass computes and stores every intermediate value; the backward pass reuses them in the "
    "gradient formulas above, from the output back to the first layer."
)


def mat(a: np.ndarray, digits: int = 4) -> str:
    """A numpy vector or matrix as a LaTeX pmatrix."""
    rows = (" & ".join(f"{v:.{digits}f}" for v in row) for row in np.atleast_2d(a))
    return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"


z1 = W1_AT @ X_IN
a = 1 / (1 + np.exp(-z1))
out = W2_AT @ a
residual = Y_OUT - out
loss = float(residual @ residual)
error = -2 * residual  # dL/d(output)
grad_W2 = np.outer(error, a)
delta = (W2_AT.T @ error) * a * (1 - a)  # the error sent back through W2 and the sigmoid's slope
grad_W1 = np.outer(delta, X_IN)
h.math(
    rf"x = {mat(X_IN.reshape(-1, 1), 1)}, \quad y = {Y_OUT[0]:.1f}, \quad W_1 = {mat(W1_AT, 1)}, \quad "
    rf"W_2 = {mat(W2_AT, 1)}"
)
h.paragraph("Forward: the hidden scores, the activations, the output and the loss.")
h.math(rf"W_1 x = {mat(z1.reshape(-1, 1))}, \quad a = \sigma(W_1 x) = {mat(a.reshape(-1, 1))}")
h.math(rf"W_2 a = {out[0]:.4f}, \quad L = (y - W_2 a)^2 = {loss:.4f}")
h.paragraph(
    r"Backward: the output error $e = -2(y - W_2 a)$, the output layer's gradient $e\,a^{\top}$, the error "
    r"sent back $\delta = (W_2^{\top} e) \odot a \odot (1 - a)$, and the hidden layer's gradient $\delta\,x^{\top}$."
)
h.math(rf"e = {error[0]:.4f}, \quad \nabla_{{W_2}} L = e\,a^{{\top}} = {mat(grad_W2)}")
h.math(rf"\delta = {mat(delta.reshape(-1, 1))}, \quad \nabla_{{W_1}} L = \delta\,x^{{\top}} = {mat(grad_W1)}")
SLOW = derive.Budget(seconds=120)  # six partials in one request: room for a busy machine (the default is 30 s)
explicit = derive.grad(EXPLICIT, wrt="v1,v2,p11,p12,p21,p22", budget=SLOW)
assert X_IN.tolist() == [1.0, 2.0] and Y_OUT.tolist() == [1.0], "EXPLICIT has the input and target written in"
point = {"v1": W2_AT[0, 0], "v2": W2_AT[0, 1],
         "p11": W1_AT[0, 0], "p12": W1_AT[0, 1], "p21": W1_AT[1, 0], "p22": W1_AT[1, 1]}
symbolic = np.array([float(e.subs({s: point[s.name] for s in e.free_symbols})) for e in explicit.gradient])
backprop = np.concatenate([grad_W2.ravel(), grad_W1.ravel()])
assert np.allclose(symbolic, backprop, rtol=1e-12, atol=1e-14), (symbolic, backprop)
W1_next, W2_next = W1_AT - RATE * grad_W1, W2_AT - RATE * grad_W2
loss_next = float(np.sum((Y_OUT - W2_next @ (1 / (1 + np.exp(-W1_next @ X_IN)))) ** 2))
assert loss_next < loss
h.paragraph(
    "To check the numbers, write the same network with its six weights as scalars, $v_j$ for $W_2$ and "
    r"$p_{ij}$ for $W_1$, and with this input and target put in; then let derive differentiate the loss "
    "with respect to each weight (below). Its six "
    "partial derivatives, evaluated at this point, equal the six backpropagated entries to twelve "
    f"digits. One gradient step with learning rate {RATE} lowers the loss from {loss:.4f} to {loss_next:.4f}."
)
h.worked(
    "The explicit network, weight by weight",
    explicit,
    intro="Each partial treats the other five weights as constants; the chain rule runs through the sigmoid "
    "exactly as backpropagation does.",
)

h.section("Exercises")
TANH = "norm(y - B tanh(A x))^2"
SHORT = ["x: d", "y: k", "A: h x d", "B: k x h"]
h.exercise(
    "Replace the sigmoid by tanh, and call the weight matrices $A$ and $B$. Find the gradient with respect "
    "to the first layer's weights $A$:",
    derive.latex(TANH, let=SHORT),
    solution=derive.grad(TANH, wrt="A", let=SHORT),
)
BIAS = "norm(y - W2 sigmoid(W1 x + b))^2"
h.exercise(
    r"Give the hidden layer a bias vector $b$. Find the gradient with respect to $b$, and compare it with the "
    r"back-propagated error $\delta$:",
    derive.latex(BIAS, let=LET + ["b: h"]),
    solution=derive.grad(BIAS, wrt="b", let=LET + ["b: h"]),
)

handout = h.build()
