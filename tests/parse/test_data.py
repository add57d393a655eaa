"""The CSV reader for fits: named float columns, or a one-line DataError naming row and column."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from derive.core.errors import DataError, DeriveError
from derive.parse.data import read_columns

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
HEALTH = [HealthCheck.function_scoped_fixture]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(path: Path, columns: list[str]) -> DataError:
    with pytest.raises(DataError) as info:
        read_columns(path, columns)
    err = info.value
    assert isinstance(err, DeriveError) and isinstance(err, ValueError)
    assert "\n" not in err.one_line() and "\r" not in err.one_line()
    return err


def test_a_good_file_gives_the_named_columns_as_floats(tmp_path: Path) -> None:
    f = write(tmp_path / "d.csv", "x, y ,w\n1,2.5,-3e-2\n 4 , 5 ,6\n\n7,8,9\n")
    out = read_columns(f, ["y", "x"])
    assert out == {"y": [2.5, 5.0, 8.0], "x": [1.0, 4.0, 7.0]}
    assert all(type(v) is float for v in out["x"])


def test_a_byte_order_mark_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    f = tmp_path / "bom.csv"
    f.write_bytes("\ufeffx,y\n1,2\n".encode())
    assert read_columns(f, ["x"]) == {"x": [1.0]}


@given(rows=st.lists(st.tuples(FINITE, FINITE), min_size=1, max_size=20))
@example(rows=[(0.1, -0.0)]).via("signed zero")
@example(rows=[(1e308, 5e-324)]).via("extremes")
@settings(max_examples=60, suppress_health_check=HEALTH)
def test_numbers_round_trip(tmp_path: Path, rows: list[tuple[float, float]]) -> None:
    f = write(tmp_path / "rt.csv", "a,b\n" + "".join(f"{a!r},{b!r}\n" for a, b in rows))
    out = read_columns(f, ["a", "b"])
    assert out["a"] == [a for a, _ in rows] and out["b"] == [b for _, b in rows]


@given(rows=st.integers(1, 6), cols=st.integers(2, 4), data=st.data())
@settings(max_examples=40, suppress_health_check=HEALTH)
def test_a_missing_value_names_its_row_and_column(tmp_path: Path, rows: int, cols: int, data: st.DataObject) -> None:
    names = [f"c{j}" for j in range(cols)]
    r, c = data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1))
    blank = data.draw(st.sampled_from(["", " ", "  \t"]))
    lines = [",".join(names)]
    for i in range(rows):
        lines.append(",".join(blank if (i, j) == (r, c) else str(i + j) for j in range(cols)))
    f = write(tmp_path / "miss.csv", "\n".join(lines) + "\n")
    err = one_line_error(f, names)
    assert f"row {r + 2}" in err.message and f"column {names[c]!r}" in err.message
    assert "missing value" in err.message


def test_with_one_column_a_blank_cell_is_a_blank_line_and_skipped(tmp_path: Path) -> None:
    assert read_columns(write(tmp_path / "one.csv", "x\n1\n\n \n2\n"), ["x"]) == {"x": [1.0, 2.0]}


def test_a_short_row_is_a_missing_value(tmp_path: Path) -> None:
    err = one_line_error(write(tmp_path / "short.csv", "x,y\n1,2\n3\n"), ["x", "y"])
    assert "row 3" in err.message and "column 'y'" in err.message and "missing value" in err.message


@pytest.mark.parametrize("cell", ["abc", "1,5", "1.2.3", "0x10", "--1", "1e", "2 3", "'4'", "__import__('os')"])
def test_a_non_numeric_cell_is_named(tmp_path: Path, cell: str) -> None:
    quoted = '"' + cell.replace('"', '""') + '"'
    err = one_line_error(write(tmp_path / "nn.csv", f"x,y\n1,2\n3,{quoted}\n"), ["x", "y"])
    assert "row 3" in err.message and "column 'y'" in err.message and "not a number" in err.message
    assert err.hint and "decimal" in err.hint


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_nan_and_infinity_are_refused(tmp_path: Path, cell: str) -> None:
    err = one_line_error(write(tmp_path / "nf.csv", f"x,y\n{cell},2\n"), ["x", "y"])
    assert "row 2" in err.message and "column 'x'" in err.message and "not finite" in err.message


def test_a_missing_column_lists_the_columns(tmp_path: Path) -> None:
    err = one_line_error(write(tmp_path / "mc.csv", "dist,angle,height\n1,2,3\n"), ["dist", "speed"])
    assert "no column 'speed'" in err.message
    assert err.hint is not None and all(c in err.hint for c in ("dist", "angle", "height"))


@pytest.mark.parametrize("text", ["", "\n\n", " , \n"], ids=["empty", "blank lines", "blank cells"])
def test_an_empty_file(tmp_path: Path, text: str) -> None:
    err = one_line_error(write(tmp_path / "e.csv", text), ["x"])
    assert "empty" in err.message


def test_a_header_without_rows(tmp_path: Path) -> None:
    err = one_line_error(write(tmp_path / "h.csv", "x,y\n\n"), ["x", "y"])
    assert "no data rows" in err.message


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_an_unreadable_path(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "nope.csv" if kind == "missing" else tmp_path
    err = one_line_error(path, ["x"])
    assert "cannot read" in err.message and str(path) in err.message


def test_a_file_that_is_not_utf8_is_a_data_error(tmp_path: Path) -> None:
    f = tmp_path / "latin1.csv"
    f.write_bytes("x,y\n1,caf\u00e9\n".encode("latin-1"))
    err = one_line_error(f, ["x", "y"])
    assert str(f) in err.message


@pytest.mark.parametrize("columns", [["x", "x"], ["x", "y", "x"]], ids=["x twice", "x as regressor and weight"])
def test_a_column_asked_for_twice_is_read_once(tmp_path: Path, columns: list[str]) -> None:
    """--x x --weights x asks for x twice: the column must keep its length, not double."""
    f = write(tmp_path / "d.csv", "x,y\n1,2\n3,4\n")
    out = read_columns(f, columns)
    assert out["x"] == [1.0, 3.0] and all(len(v) == 2 for v in out.values())


def test_values_are_finite_floats_after_reading(tmp_path: Path) -> None:
    f = write(tmp_path / "d.csv", "x\n1e308\n-1e-308\n+2\n")
    assert all(math.isfinite(v) for v in read_columns(f, ["x"])["x"])


def test_read_table_keeps_cells_and_the_rounding_of_each_value(tmp_path: Path) -> None:
    """Cells as written (up to a row limit) and each value's low part: value + low is the decimal to ~32 digits."""
    from decimal import Decimal

    from derive.parse.data import read_table

    cells = ["0.1", "1e-5", "123456789.123456789", "-2.5", "3"]
    path = tmp_path / "d.csv"
    path.write_text("x\n" + "\n".join(cells) + "\n", encoding="utf-8")
    table = read_table(path, ["x"], cells_up_to=10, lows=True)
    assert table.cells == {"x": cells} and table.rows == 5
    assert table.lows is not None
    for cell, hi, lo in zip(cells, table.values["x"], table.lows["x"]):
        exact = Decimal(cell)
        assert abs((Decimal(hi) + Decimal(lo)) - exact) <= abs(exact) * Decimal("1e-30")
        assert lo == 0.0 or abs(lo) <= abs(hi) * 2.0 ** -52
    assert read_table(path, ["x"], cells_up_to=4).cells is None  # more rows than asked for: no cells kept
