"""The stress test of one problem (as R/exams' ``stress_test``): draw and solve it for many seeds,
without TeX, and report failures, time and the spread of the answers.

Each seed is drawn and solved as a build would (the problem's constraints and its own degeneracy
test choose the draw; the solution must be certified), and the handout's ``.tex`` is rendered, so a
template error shows here too. A failing seed is reported with its seed and one-line reason, and the
rest go on.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.core.errors import BudgetExceeded, DeriveError, UsageError
from derive.course.problem import NotCertified, NoValidDraw, Problem, draw
from derive.course.seeds import seed_of


@dataclass
class Spread:
    """The answers one name took over the seeds: how many distinct, and the range of the numbers."""

    values: list[Any] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        return len({repr(v) for v in self.values})

    def numbers(self) -> list[float]:
        return [v for v in self.values if isinstance(v, float)]


@dataclass
class StressReport:
    problem: str
    seeds: int
    seconds: list[float] = field(default_factory=list)
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (seed, kind, message)
    answers: dict[str, Spread] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    tried: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def load_problem(spec: str) -> Problem:
    """A problem by name: ``SHEET.toml:ID`` (or ``SHEET.toml`` with one problem) or a script ``PROBLEM.py``."""
    from derive.course.sheet import _load_script, load_sheet

    if ".toml:" in spec or spec.endswith(".toml"):
        cut = spec.index(".toml") + len(".toml")
        sheet_path, pid = spec[:cut], spec[cut + 1:]
        sheet = load_sheet(Path(sheet_path))
        if not pid:
            if len(sheet.problems) != 1:
                raise UsageError(f"{spec} has {len(sheet.problems)} problems: name one as {spec}:ID",
                                 hint=f"ids: {', '.join(p.id for p in sheet.problems)}")
            return sheet.problems[0]
        for p in sheet.problems:
            if p.id == pid:
                return p
        raise UsageError(f"{sheet_path} has no problem {pid!r}",
                         hint=f"ids: {', '.join(p.id for p in sheet.problems)}")
    if spec.endswith(".py"):
        return _load_script(Path(spec))
    raise UsageError(f"{spec}: give SHEET.toml:ID or a problem script PROBLEM.py")


def stress(problem: Problem, n: int, seed: int = 0, *, tex: bool = True,
           progress: Callable[[int, StressReport], None] | None = None) -> StressReport:
    """Draw and solve ``problem`` for ``n`` seeds derived from ``seed``."""
    from derive.handout.builder import HandoutBuilder, worked_from
    from derive.render.env import render_handout

    report = StressReport(problem.id, n)
    for i in range(n):
        s = seed_of("stress", seed, i)
        start = time.perf_counter()
        try:
            d = draw(problem, s, tally=report.excluded)
            report.tried += d.tried
            sol = problem.solve(d)
            if tex:
                h = HandoutBuilder(problem.title)
                h.exercise(problem.question_text(d), problem.math_latex(d),
                           solution=worked_from("Solution", sol.result, sol.intro))
                render_handout(h.build(), solutions=True)
            for a in sol.answers:
                report.answers.setdefault(a.name, Spread()).values.append(a.value if a.kind == "numeric" else a.text)
        except NotCertified as exc:
            report.failures.append((s, "not certified", exc.one_line()))
        except NoValidDraw as exc:
            report.failures.append((s, "no valid draw", exc.one_line()))
        except BudgetExceeded as exc:
            report.failures.append((s, "budget", exc.one_line()))
        except DeriveError as exc:
            report.failures.append((s, "error", exc.one_line()))
        except Exception as exc:  # a failing seed is reported; the other seeds still run
            report.failures.append((s, "internal", f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"))
        report.seconds.append(time.perf_counter() - start)
        if progress is not None:
            progress(i + 1, report)
    return report
