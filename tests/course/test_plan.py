"""plan_sheet: build items per variant, seeds that reproduce byte-identical .tex, distinct answers,
the manifest and the online questions."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from derive.core.errors import UsageError
from derive.core.contract import Verdict
from derive.course import NoValidDraw, plan_sheet
from derive.handout.items import ItemReport
from derive.render.env import render_handout
from tests.conftest import ROOT

SHEET = '''title = "Quiz"
course = "ML101"
seed = 7

[[problem]]
id = "d"
kind = "derivative"
title = "A derivative"
expr = "{a}*x^3 + exp({b}*x)"
params = { a = { int = [2, 9] }, b = { choice = [2, 3] } }
points = 2
'''


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    p = tmp_path / "quiz.toml"
    p.write_text(SHEET, encoding="utf-8")
    return p


def test_items_keys_outputs_and_picklable_args(sheet: Path) -> None:
    plan = plan_sheet(sheet, variants=3, seed=11, students=None, versions=("solution", "student"))
    assert [i.key for i in plan.items] == ["quiz/v1", "quiz/v2", "quiz/v3"]
    assert plan.items[0].outputs == {"solution": "quiz/v1/solution", "student": "quiz/v1/student"}
    assert plan.items[0].inputs[0] == sheet.resolve()
    for item in plan.items:
        assert pickle.loads(pickle.dumps((item.make, item.args))) == (item.make, item.args)
        assert str(item.args[3]) in item.salt
    single = plan_sheet(sheet, variants=None, seed=None, students=None, versions=("student",))
    assert [i.key for i in single.items] == ["quiz"] and single.items[0].outputs == {"student": "quiz/student"}


def test_seeds_come_from_course_sheet_seed_and_student(sheet: Path, tmp_path: Path) -> None:
    a = plan_sheet(sheet, variants=3, seed=11, students=None, versions=("solution",))
    b = plan_sheet(sheet, variants=3, seed=11, students=None, versions=("solution",))
    c = plan_sheet(sheet, variants=3, seed=12, students=None, versions=("solution",))
    assert [v.seed for v in a.variants] == [v.seed for v in b.variants]
    assert [v.seed for v in a.variants] != [v.seed for v in c.variants]
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns001,Ada\ns002,Grace\n", encoding="utf-8")
    r = plan_sheet(sheet, variants=None, seed=11, students=roster, versions=("solution",))
    assert [(v.id, v.name) for v in r.variants] == [("s001", "Ada"), ("s002", "Grace")]
    assert [i.key for i in r.items] == ["quiz/s001", "quiz/s002"]
    default = plan_sheet(sheet, variants=1, seed=None, students=None, versions=("solution",))
    assert default.variants[0].seed == plan_sheet(sheet, variants=1, seed=7, students=None,
                                                  versions=("solution",)).variants[0].seed


def test_variants_have_distinct_answers_or_the_plan_says_why(sheet: Path) -> None:
    plan = plan_sheet(sheet, variants=16, seed=1, students=None, versions=("solution",))  # 8 * 2 answers: all
    keys = {str(plan.draws[v.id]["d"].values) for v in plan.variants}
    assert len(keys) == 16
    with pytest.raises(NoValidDraw, match=r"problem d: variant v17 repeats another variant's answer"):
        plan_sheet(sheet, variants=17, seed=1, students=None, versions=("solution",))


def test_bad_arguments(sheet: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown version 'teacher'"):
        plan_sheet(sheet, variants=2, seed=1, students=None, versions=("teacher",))
    with pytest.raises(UsageError, match="not both"):
        plan_sheet(sheet, variants=2, seed=1, students=tmp_path / "r.csv", versions=("student",))
    with pytest.raises(UsageError, match="--variants 0"):
        plan_sheet(sheet, variants=0, seed=1, students=None, versions=("student",))


def test_made_variants_are_certified_reproducible_and_the_student_tex_has_no_solution(sheet: Path) -> None:
    plan = plan_sheet(sheet, variants=2, seed=3, students=None, versions=("solution", "student"))
    texts = []
    for item in plan.items:
        made = item.make(*item.args)
        assert made.handout.verdict is Verdict.CERTIFIED
        again = item.make(*item.args)
        for solutions in (True, False):
            assert render_handout(made.handout, solutions=solutions) == render_handout(again.handout, solutions=solutions)
        student = render_handout(made.handout, solutions=False)
        solution = render_handout(made.handout, solutions=True)
        answer = made.answers["d"]["derivative"]
        assert answer["latex"] in solution and answer["latex"] not in student
        assert "Solution" not in student and "Solution" in solution
        texts.append(student)
    assert texts[0] != texts[1]


def test_manifest_and_questions_from_reports(sheet: Path, tmp_path: Path) -> None:
    plan = plan_sheet(sheet, variants=2, seed=3, students=None, versions=("solution", "student"))
    out = tmp_path / "out"
    answers = {"d": {"derivative": {"kind": "symbolic", "value": None, "text": "6*x^2", "latex": "6 x^{2}",
                                    "tolerance": 0.0}}}
    reports = [
        ItemReport(plan.items[0], {"student": {"pdf": out / "quiz/v1/student.pdf"},
                                   "solution": {"pdf": out / "quiz/v1/solution.pdf"}}, 1.0, answers=answers),
        ItemReport(plan.items[1], {}, 1.0, error="s.toml: boom", failure="usage"),
    ]
    path = plan.write_manifest(out, reports)
    assert path == out / "quiz" / "manifest.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert rows[0] == {"id": "v1", "seed": plan.variants[0].seed, "student_pdf": "quiz/v1/student.pdf",
                       "solution_pdf": "quiz/v1/solution.pdf", "answers": answers}
    assert rows[1]["student_pdf"] is None and rows[1]["error"] == "s.toml: boom"
    assert sorted(p.name for p in path.parent.iterdir()) == ["manifest.json"]  # nothing half-written beside it
    qs = plan.questions(reports)
    assert len(qs) == 1 and len(qs[0]) == 1  # the failed variant is not put online
    q = qs[0][0]
    assert (q.problem, q.variant, q.points) == ("d", "v1", 2.0)
    assert q.answers[0].text == "6*x^2" and q.math_latex and "Differentiate" in q.text


@pytest.mark.slow
def test_week1_thirty_distinct_reproducible_variants() -> None:
    week1 = ROOT / "worked_examples" / "sheets" / "week1.toml"
    plan = plan_sheet(week1, variants=30, seed=2026, students=None, versions=("solution", "student"))
    again = plan_sheet(week1, variants=30, seed=2026, students=None, versions=("solution", "student"))
    assert [v.seed for v in plan.variants] == [v.seed for v in again.variants]
    assert len(plan.items) == 30 and plan.items[-1].key == "week1/v30"
    from derive.course.plan import _key

    for p in plan.sheet.problems:
        keys = [repr(_key(p, plan.draws[v.id][p.id])) for v in plan.variants]
        assert len(set(keys)) == 30, p.id


@pytest.mark.slow
def test_a_week1_variant_is_certified_with_every_kind_answered() -> None:
    week1 = ROOT / "worked_examples" / "sheets" / "week1.toml"
    plan = plan_sheet(week1, variants=2, seed=2026, students=None, versions=("solution", "student"))
    item = plan.items[1]
    made = item.make(*item.args)
    assert made.handout.verdict is Verdict.CERTIFIED
    assert set(made.answers) == {"chain", "gradient", "line", "poisson", "check"}
    slip = plan.draws[plan.variants[1].id]["check"]["slip"]  # the step this variant's slip is planted at
    assert made.answers["check"]["first_wrong_step"]["value"] == float(slip) and slip in (1, 2, 3)
    student = render_handout(made.handout, solutions=False)
    assert "Solutions" not in student and "derive-course" not in render_handout(made.handout)
    assert student == render_handout(item.make(*item.args).handout, solutions=False)


def test_a_remembered_plan_takes_the_variants_a_build_chose(sheet: Path, tmp_path: Path) -> None:
    """A warm rebuild does not draw again: the same sheet, people and seed read the variants kept."""
    cache = tmp_path / "cache"
    first = plan_sheet(sheet, variants=4, seed=11, versions=("solution",), remember=cache)
    [record] = list((cache / "plans").glob("*.json"))
    again = plan_sheet(sheet, variants=4, seed=11, versions=("solution",), remember=cache)
    assert again.known_draws is None  # nothing drawn
    assert again.variants == first.variants
    assert [(i.key, i.args, i.salt) for i in again.items] == [(i.key, i.args, i.salt) for i in first.items]
    assert {v: {p: d.values for p, d in ds.items()} for v, ds in again.draws.items()} == \
        {v: {p: d.values for p, d in ds.items()} for v, ds in first.draws.items()}  # drawn again on demand
    rows = json.loads(record.read_text(encoding="utf-8"))
    rows[0][0] = "someone else"  # a record not for these people is not used
    record.write_text(json.dumps(rows), encoding="utf-8")
    redrawn = plan_sheet(sheet, variants=4, seed=11, versions=("solution",), remember=cache)
    assert redrawn.known_draws is not None and redrawn.variants == first.variants
    other_seed = plan_sheet(sheet, variants=4, seed=12, versions=("solution",), remember=cache)
    assert other_seed.known_draws is not None  # another seed is another record
    assert len(list((cache / "plans").glob("*.json"))) == 2
