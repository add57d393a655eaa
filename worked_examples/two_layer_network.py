"""Worked example: backpropagation in a two-layer network, as a chain of matrix differentials."""
import derive
from derive.handout.builder import HandoutBuilder

LET = ["x: d", "y: k", "W1: h x d", "W2: k x h"]
LOSS = "norm(y - W2 sigmoid(W1 x))^2"

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

handout = h.build()
