"""Data files for fits: a CSV with a header row -> named float columns, with one-line errors.

Every cell must be a finite number; a missing or non-numeric value is a DataError naming the
row and the column. Read with the csv module and float() on each cell (numbers only, no eval).
"""
from __future__ import annotations

import csv
import math
import os
import stat
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Table:
    """Named columns of a CSV file: the values as floats, and (when asked for) the cells as written.

    ``values`` hold doubles in compact arrays (8 bytes a value: a million rows of four columns
    take 32 MB); ``cells`` are the cells' own text (stripped), each already checked to be a finite
    number, so an exact reader can take every digit the file gives (``Fraction(cell)``);
    ``lines`` are the file's line numbers of the data rows, for messages. ``lows`` (when asked
    for) hold each cell's rounding error, decimal minus double, as a double: value + low is the
    cell to about 32 significant digits (double-double).
    """

    path: Path
    values: dict[str, array[float]]
    lines: array[int]
    cells: dict[str, list[str]] | None = None
    lows: dict[str, array[float]] | None = None

    @property
    def rows(self) -> int:
        return len(self.lines)


def _reader(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of the non-blank rows, one at a time; csv's own failures (a huge cell, a NUL) as DataError.

    Rows are yielded as they are read, never collected: the memory of a read is the text and
    the numbers, not a list of every row's cells.
    """
    reader = csv.reader(text.splitlines())
    try:
        for k, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):  # blank lines are skipped but keep the numbering
                yield k, row
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise DataError(f"{path}, row {line}: a cell is longer than {csv.field_size_limit()} characters",
                            hint="each cell holds one number") from None
        raise DataError(f"{path}, row {line}: not readable as CSV ({exc})",
                        hint="save the file as plain comma-separated text") from None


def read_table(path: Path, columns: Sequence[str], *, cells_up_to: int = 0, lows: bool = False) -> Table:
    """The named columns of a CSV file; their cells as written too when the file has at most ``cells_up_to`` rows.

    With ``lows`` each value's rounding error is kept too (``Table.lows``; about 3 s a million cells).

    Every cell must be a finite number (a DataError names the row and the column otherwise).
    The cells are kept only up to ``cells_up_to`` data rows, and dropped as soon as the file
    turns out longer, so asking for them costs no memory on a large file.
    """
    text = read_text(Path(path))
    columns = list(dict.fromkeys(columns))  # a column asked for twice is read once
    rows = _reader(path, text)
    first = next(rows, None)
    if first is None:
        raise DataError(f"{path} is empty", hint="the first row names the columns; the rows below hold numbers")
    header = [h.strip() for h in first[1]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path} has no column {_shown(missing[0])}", hint=f"its columns are: {_cut(', '.join(header))}")
    where = [(c, header.index(c)) for c in columns]
    values: dict[str, array[float]] = {c: array("d") for c in columns}
    cells: dict[str, list[str]] | None = {c: [] for c in columns} if cells_up_to > 0 else None
    lines: array[int] = array("q")
    low: dict[str, array[float]] | None = {c: array("d") for c in columns} if lows else None
    for number, row in rows:
        for c, i in where:
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
            values[c].append(value)
            if cells is not None:
                cells[c].append(cell)
            if low is not None:
                low[c].append(_low(cell, value))
        lines.append(number)
        if cells is not None and len(lines) > cells_up_to:
            cells = None
    if not lines:
        raise DataError(f"{path} has a header but no data rows", hint="add at least one row of numbers")
    return Table(Path(path), values, lines, cells, low)


def _low(cell: str, value: float) -> float:
    """The cell's decimal minus its double, rounded to a double (0 where the double is exact)."""
    from decimal import Decimal, InvalidOperation

    try:
        return float(Decimal(cell) - Decimal(value))
    except (InvalidOperation, ValueError):
        return 0.0


def read_columns(path: Path, columns: Sequence[str]) -> dict[str, list[float]]:
    """The named columns of a CSV file, as floats."""
    table = read_table(path, columns)
    return {c: v.tolist() for c, v in table.values.items()}
