"""Sheets: the shipped week 1 loads; every mistake names the file, the key path and the line (exit 2)."""
from __future__ import annotations

from pathlib import Path

import pytest

from derive.core.errors import UsageError
from derive.course.sheet import load_sheet
from tests.conftest import ROOT, one_error_line, run_derive

WEEK1 = ROOT / "worked_examples" / "sheets" / "week1.toml"

GOOD = '''title = "T"
course = "C"

[[problem]]
id = "d"
kind = "derivative"
expr = "{a}*x^2"
params = { a = { int = [2, 5] } }
'''


def test_week1_has_five_problems_of_different_kinds() -> None:
    sheet = load_sheet(WEEK1)
    assert len(sheet.problems) == 5
    assert sheet.seed == 2026 and sheet.course == "ML101"
    titles = {p.title for p in sheet.problems}
    assert len(titles) == 5
    assert all(p.grid().size > 1 for p in sheet.problems)  # random parameters everywhere


def _sheet(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "s.toml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('kind = "derivative"', 'kind = "integral"'), "line 6: problem[1].kind: unknown kind 'integral'"),
    (lambda t: t + 'colour = "red"\n', "line 9: problem[1].colour: not a field of kind derivative"),
    (lambda t: t.replace("{ int = [2, 5] }", "{ int = [2] }"), "line 8: problem[1].params.a: int takes [lo, hi]"),
    (lambda t: t.replace("{ int = [2, 5] }", "{ float = 1 }"), "line 8: problem[1].params.a: give exactly one of"),
    (lambda t: t + '\n[[problem]]\nid = "d"\nkind = "gradient"\nexpr = "x*y"\n', "line 11: problem[2].id: the id 'd' is used twice"),
    (lambda t: t.replace('expr = "{a}*x^2"', 'expr = "{a}*x^2"\nconstraints = ["q != 1"]'),
     "problem[1].constraints: 'q != 1' uses q, not a parameter"),
    (lambda t: t.replace('kind = "derivative"\n', ''), "line 4: problem[1]: give either kind"),
    (lambda t: t.replace('title = "T"', 'title = "T'), "not valid TOML"),
    (lambda t: t.replace('course = "C"', 'cours = "C"'), "line 2: cours: unknown key"),
])
def test_mistakes_name_file_key_and_line(tmp_path: Path, edit: object, message: str) -> None:
    path = _sheet(tmp_path, edit(GOOD))  # type: ignore[operator]
    with pytest.raises(UsageError) as err:
        load_sheet(path)
    assert str(path) in str(err.value)
    assert message in str(err.value), str(err.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD.encode() + b'# caf\xe9\n')
    with pytest.raises(UsageError, match=r"line 9: not UTF-8"):
        load_sheet(path)


def test_the_cli_reports_a_bad_sheet_in_one_line_exit_2(tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD.replace('kind = "derivative"', 'kind = "integral"'))
    out = run_derive("stress", f"{path}:d", "-n", "1")
    assert out.returncode == 2
    assert "problem[1].kind: unknown kind" in one_error_line(out)


def test_a_library_script_with_overrides(tmp_path: Path) -> None:
    script = ROOT / "worked_examples" / "problems" / "logistic_loss.py"
    path = _sheet(tmp_path, f'title = "T"\n[[problem]]\nid = "ll"\nscript = "{script}"\npoints = 5\n'
                            'params = { u = { int = [1, 2] } }\n')
    p = load_sheet(path).problems[0]
    assert p.id == "ll" and p.points == 5 and p.grid().size == 2 * 2 * 5
    with pytest.raises(UsageError, match="no parameter z to override"):
        load_sheet(_sheet(tmp_path, path.read_text().replace("u = ", "z = ")))


def test_a_script_that_raises_is_named_by_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("x = 1\ny = 1 / 0\n", encoding="utf-8")
    path = _sheet(tmp_path, 'title = "T"\n[[problem]]\nid = "b"\nscript = "bad.py"\n')
    with pytest.raises(UsageError) as err:
        load_sheet(path)
    assert f"{script}, line 2: ZeroDivisionError: division by zero" in str(err.value)
    script.write_text("def (:\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad.py, line 1: SyntaxError"):
        load_sheet(path)


def test_a_solve_that_raises_fails_its_variant_naming_the_script_line(tmp_path: Path) -> None:
    from derive.course import plan_sheet

    script = tmp_path / "p.py"
    script.write_text("from derive.course import Int, Problem\n\ndef solve(d):\n    return 1 / 0\n\n"
                      "problem = Problem(id='p', title='t', question='q', solve=solve, params={'a': Int(1, 3)})\n",
                      encoding="utf-8")
    path = _sheet(tmp_path, 'title = "T"\n[[problem]]\nid = "p"\nscript = "p.py"\n')
    plan = plan_sheet(path, variants=2, seed=1, students=None, versions=("student",))
    item = plan.items[0]
    with pytest.raises(UsageError, match=rf"problem p \(seed \d+\): {script}, line 4: ZeroDivisionError"):
        item.make(*item.args)


def test_a_sheet_loaded_again_from_the_same_bytes_is_the_same_sheet(tmp_path: Path) -> None:
    """A build's workers start from the sheet its plan loaded (its problems keep what they derived)."""
    source = (ROOT / "worked_examples" / "sheets" / "week1.toml").read_text(encoding="utf-8")
    path = tmp_path / "week1.toml"
    path.write_text(source, encoding="utf-8")
    first = load_sheet(path)
    assert load_sheet(path) is first
    path.write_text(source.replace('title = "', 'title = "Edited: ', 1), encoding="utf-8")
    edited = load_sheet(path)
    assert edited is not first and edited.title.startswith("Edited: ")
