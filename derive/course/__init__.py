"""Course material: problems with parameters, problem sheets (TOML), per-student variants with
reproducible seeds, and the build plan, manifest and online questions of a sheet.

```python
from derive.course import Problem, Int, Choice, Solution
problem = Problem(id="chain", title="The chain rule", question="Differentiate with respect to $x$.",
                  math="exp({a}*x^2)", params={"a": Int(2, 9)},
                  solve=lambda d: diff_solution(d.expr("exp({a}*x^2)")))
```
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
