"""Worked example: gradient and Hessian of the Rosenbrock function, and its minimum."""
import derive
from derive.handout.builder import HandoutBuilder
from derive.render.figures import descent_path, loss_contours

ROSENBROCK = "(1 - x)^2 + 100*(y - x^2)^2"

h = HandoutBuilder(
    title="The Rosenbrock function",
    subtitle="Gradient, Hessian and a certified minimum",
)
h.paragraph(
    "The Rosenbrock function is the classic test problem for optimizers: a long curved valley whose "
    "floor is easy to find and hard to follow. Newton's method needs its gradient and its Hessian; "
    "we derive both, entry by entry."
)
h.math("f(x, y) = " + derive.latex(ROSENBROCK))

g = derive.grad(ROSENBROCK, wrt="x,y", hessian=True)
h.section("Gradient and Hessian")
h.worked(
    "Every partial derivative, step by step",
    g,
    intro="Each partial derivative treats the other variable as a constant; each Hessian entry "
    "differentiates a gradient component once more.",
)

h.section("The minimum")
x, y = g.gradient_data.variables
at_min = {x: 1, y: 1}
H = g.hessian.subs(at_min)
assert all(component == 0 for component in g.gradient.subs(at_min)), "(1, 1) must be stationary"
h.paragraph(
    "Both gradient components vanish at x = 1, y = 1, where f = 0. Substituting into the Hessian "
    f"gives the matrix below; its determinant is {H.det()} and its trace is {H.trace()}, both positive, "
    "so it is positive definite and (1, 1) is a strict local minimum (the global one, since f is a "
    "sum of squares and f(1, 1) = 0)."
)
h.math(r"\nabla^2 f(1, 1) = " + derive.latex(H))
path = descent_path(g, (-1.2, 1.0), step=1e-3, steps=4000)
h.paragraph(
    "Gradient descent with the derived gradient and a step of 0.001, from the classic start (-1.2, 1), "
    f"reaches ({path[-1][0]:.3f}, {path[-1][1]:.3f}) after 4000 steps: it drops into the valley at once, "
    "then crawls along its floor towards (1, 1)."
)
h.figure(loss_contours(g, path, xlim=(-1.6, 1.6), ylim=(-0.5, 1.6)),
         "Contours of the Rosenbrock function and the gradient-descent path from (-1.2, 1).")

h.section("Exercise")
h.exercise(
    "Differentiate the valley term with respect to x twice:",
    derive.latex("100*(y - x^2)^2"),
    solution=derive.diff("100*(y - x^2)^2", wrt="x", order=2),
)

handout = h.build()
