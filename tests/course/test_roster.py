"""Rosters: every bad file is one line naming the file and the line."""
from __future__ import annotations

from pathlib import Path

import pytest

from derive.core.errors import DataError
from derive.course.roster import Student, read_roster


def _write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "roster.csv"
    p.write_bytes(data)
    return p


def test_ids_and_optional_names_in_file_order(tmp_path: Path) -> None:
    p = _write(tmp_path, "name,id\nAda Lovelace,s001\n,s002\n\nÉmilie,s003\n".encode())
    assert read_roster(p) == (Student("s001", "Ada Lovelace"), Student("s002", ""), Student("s003", "Émilie"))


@pytest.mark.parametrize(("data", "message"), [
    (b"id\ns1\ns2\ns1\n", "roster.csv, line 4: id 's1' again (first on line 2)"),
    (b"id,name\ns1,A\n,B\n", "roster.csv, line 3: an empty id"),
    (b"id\ns1\n\xff\xfe\n", "roster.csv, line 3: not UTF-8"),
    (b"student,name\ns1,A\n", "roster.csv, line 1: no id column"),
    (b"id\n../etc\n", "roster.csv, line 2: id '../etc' is not a folder name"),
    (b"", "an empty roster"),
    (b"id\n", "no students"),
])
def test_bad_rosters(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(DataError) as err:
        read_roster(_write(tmp_path, data))
    assert message in str(err.value)
    assert "\n" not in err.value.one_line()


def test_a_missing_roster(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such roster"):
        read_roster(tmp_path / "nope.csv")
