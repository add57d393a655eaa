"""Course material: problems with parameters, problem sheets (TOML), per-student variants with
reproducible seeds, and the build plan, manifest and online questions of a sheet.

```python
# worked_examples/problems/logistic_loss.py: a problem script leaves ``problem``
import derive
from derive.course import Choice, Draw, Int, Problem, Solution, symbolic_answer

LOSS = "-{y}*log(sigmoid({u}*w)) - (1 - {y})*log(1 - sigmoid({u}*w))"

def solve(d: Draw) -> Solution:
    r = derive.diff(d.expr(LOSS), wrt="w")          # the numbers go into our parser's input, never eval
    return Solution(r, (symbolic_answer("dloss/dw", r.result),))

problem = Problem(id="logistic_loss", title="The logistic loss", points=3, topics=("chain rule",),
                  params={"y": Choice(0, 1), "u": Int(-3, 3, exclude=(0,))}, constraints=["u != 1"],
                  question="Differentiate the loss of one example ($x = {u}$, $y = {y}$) by $w$:",
                  math=LOSS, solve=solve)
```

A sheet (``derive.course.sheet``) lists such scripts and the built-in kinds (``derive.course.kinds``:
derivative, gradient, least_squares, mle, check) in TOML; ``plan_sheet`` turns it into one build
item per variant or student, ``Plan.write_manifest`` writes the manifest and ``Plan.questions`` the
online questions; ``derive stress SHEET.toml:ID -n 200`` solves one problem for many seeds.
"""
from __future__ import annotations

from derive.course.params import Choice as Choice
from derive.course.params import Decimal as Decimal
from derive.course.params import Int as Int
from derive.course.plan import Plan as Plan
from derive.course.plan import make_variant as make_variant
from derive.course.plan import plan_sheet as plan_sheet
from derive.course.problem import Draw as Draw
from derive.course.problem import NotCertified as NotCertified
from derive.course.problem import NoValidDraw as NoValidDraw
from derive.course.problem import Problem as Problem
from derive.course.problem import Solution as Solution
from derive.course.problem import draw as draw
from derive.course.problem import number_answer as number_answer
from derive.course.problem import symbolic_answer as symbolic_answer
from derive.course.sheet import load_sheet as load_sheet

__all__ = ["Choice", "Decimal", "Draw", "Int", "NoValidDraw", "NotCertified", "Plan", "Problem", "Solution",
           "draw", "load_sheet", "make_variant", "number_answer", "plan_sheet", "symbolic_answer"]
