"""A class roster: a CSV file with an ``id`` column (and optionally ``name``), one student per row.

Bad rosters fail before anything is built, in one line naming the file and the line: not UTF-8, no
header or no ``id`` column, an empty id, an id used twice, an id that cannot be a folder name.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from derive.core.errors import DataError
from derive.course.textfile import read_text

MAX_ROSTER_BYTES = 10_000_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Student:
    id: str
    name: str = ""


def read_roster(path: Path) -> tuple[Student, ...]:
    """The students of ``path`` in file order."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such roster file")
    text = read_text(path, limit=MAX_ROSTER_BYTES, what="a roster", error=DataError, encoding="utf-8-sig",
                     hint="save the roster as UTF-8 CSV")
    if "\x00" in text:
        raise DataError(f"{path}: a binary file, not a CSV roster")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise DataError(f"{path}, line 1: {exc}") from None
    if header is None:
        raise DataError(f"{path}: an empty roster", hint="the first line names the columns: id,name")
    cols = [h.strip().lower() for h in header]
    if "id" not in cols:
        raise DataError(f"{path}, line 1: no id column (columns: {', '.join(header) or 'none'})",
                        hint="the first line names the columns: id,name")
    i_id, i_name = cols.index("id"), (cols.index("name") if "name" in cols else None)
    students: list[Student] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            sid = row[i_id].strip() if i_id < len(row) else ""
            if not sid:
                raise DataError(f"{path}, line {line}: an empty id")
            if not _ID.fullmatch(sid):
                raise DataError(f"{path}, line {line}: id {sid!r} is not a folder name",
                                hint="letters, digits, '.', '_' and '-' (a letter or digit first), at most 64")
            if sid in seen:
                raise DataError(f"{path}, line {line}: id {sid!r} again (first on line {seen[sid]})")
            seen[sid] = line
            name = row[i_name].strip() if i_name is not None and i_name < len(row) else ""
            students.append(Student(sid, name))
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: {exc}") from None
    if not students:
        raise DataError(f"{path}: no students under the header")
    return tuple(students)
