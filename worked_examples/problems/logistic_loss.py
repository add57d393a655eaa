"""Library problem: the gradient of the logistic loss of one example, with a drawn label and input.

A problem script leaves ``problem = derive.course.Problem(...)``; a sheet lists it with
``script = "../problems/logistic_loss.py"`` and may override its parameter ranges and points.
"""
import derive
from derive.course import Choice, Draw, Int, Problem, Solution, symbolic_answer

LOSS = "-{y}*log(sigmoid({u}*w + {v})) - (1 - {y})*log(1 - sigmoid({u}*w + {v}))"


def solve(d: Draw) -> Solution:
    """The derivative by w, derived and certified by derive.diff; the answer is its result."""
    r = derive.diff(d.expr(LOSS), wrt="w")
    return Solution(r, (symbolic_answer("dloss/dw", r.result),),
                    intro="The chain rule through the sigmoid; sigma' = sigma (1 - sigma) simplifies it.")


problem = Problem(
    id="logistic_loss",
    title="The logistic loss of one example",
    topics=("logistic regression", "chain rule"),
    difficulty=2,
    points=3,
    params={"y": Choice(0, 1), "u": Int(-3, 3, exclude=(0,)), "v": Int(-2, 2)},
    question="One example has input $x = {u}$ and label $y = {y}$; the model predicts $\\sigma(w x + {v})$. "
             "Differentiate its logistic loss with respect to the weight $w$:",
    math=LOSS,
    solve=solve,
)
