"""Data files for fits: a CSV with a header row -> named float columns, with one-line errors.

Every cell must be a finite number; a missing or non-numeric value is a DataError naming the
row and the column. Read with the csv module and float() on each cell (numbers only, no eval).
"""
from __future__ import annotations

import csv
import math
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from derive.core.errors import DataError


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def check_file(path: Path, what: str = "") -> None:
    """A data file must be a readable regular file: a folder, a FIFO or a device is refused before any work.

    The file is opened without blocking (a FIFO would wait for a writer forever) and closed
    again. ``what`` (such as ``--data``) starts the message.
    """
    name = f"{what} {path}" if what else str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"cannot read {name}: no such file", hint="check the path") from None
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}", hint="check the path") from None
    _check_mode(info.st_mode, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}", hint="check its permissions") from None
    os.close(fd)


def _check_mode(mode: int, name: str) -> None:
    if stat.S_ISDIR(mode):
        raise DataError(f"cannot read {name}: it is a folder, not a CSV file", hint="name the CSV file inside it")
    if not stat.S_ISREG(mode):
        raise DataError(f"cannot read {name}: it is not a regular file (a pipe, device or socket)",
                        hint="save the data to a CSV file and pass its path")


def read_text(path: Path) -> str:
    """The text of a data file: a readable regular file of UTF-8 (a folder, FIFO or device is a DataError).

    Opened without blocking and checked after opening (not before, where it could change), so
    a FIFO in place of the file never hangs the run.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}", hint="check the path") from None
    try:
        _check_mode(os.fstat(fd).st_mode, str(path))
    except DataError:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read()
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror}", hint="check the path") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start})", hint="save the file as UTF-8 CSV") from None


def _rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of the non-blank rows; csv's own failures (a huge cell, a NUL) as DataError."""
    reader = csv.reader(text.splitlines())
    numbered: list[tuple[int, list[str]]] = []
    try:
        for k, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):  # blank lines are skipped but keep the numbering
                numbered.append((k, row))
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise DataError(f"{path}, row {line}: a cell is longer than {csv.field_size_limit()} characters",
                            hint="each cell holds one number") from None
        raise DataError(f"{path}, row {line}: not readable as CSV ({exc})",
                        hint="save the file as plain comma-separated text") from None
    return numbered


def read_columns(path: Path, columns: Sequence[str]) -> dict[str, list[float]]:
    """The named columns of a CSV file, as floats."""
    text = read_text(Path(path))
    columns = list(dict.fromkeys(columns))  # a column asked for twice is read once
    numbered = _rows(path, text)
    rows = [r for _, r in numbered]
    line_of = [k for k, _ in numbered]
    if not rows:
        raise DataError(f"{path} is empty", hint="the first row names the columns; the rows below hold numbers")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path} has no column {_shown(missing[0])}", hint=f"its columns are: {_cut(', '.join(header))}")
    if len(rows) == 1:
        raise DataError(f"{path} has a header but no data rows", hint="add at least one row of numbers")
    out: dict[str, list[float]] = {c: [] for c in columns}
    where = {c: header.index(c) for c in columns}
    for number, row in zip(line_of[1:], rows[1:]):
        for c in columns:
            i = where[c]
            cell = row[i].strip() if i < len(row) else ""
            if not cell:
                raise DataError(f"{path}, row {number}, column {c!r}: missing value",
                                hint="fill it in or remove the row")
            try:
                value = float(cell)
            except ValueError:
                raise DataError(f"{path}, row {number}, column {c!r}: {_shown(cell)} is not a number",
                                hint="use plain decimal numbers such as 1.5 or -2e-3") from None
            if not math.isfinite(value):
                raise DataError(f"{path}, row {number}, column {c!r}: {_shown(cell)} is not finite",
                                hint="remove infinite or NaN values")
            out[c].append(value)
    return out
