"""Data files for fits: a CSV with a header row -> named float columns, with one-line errors.

Every cell must be a finite number; a missing or non-numeric value is a DataError naming the
row and the column. Read with the csv module and float() on each cell (numbers only, no eval).
"""
from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from derive.core.errors import DataError


def read_columns(path: Path, columns: Sequence[str]) -> dict[str, list[float]]:
    """The named columns of a CSV file, as floats."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}", hint="check the path") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start})",
                        hint="save the file as UTF-8 CSV") from None
    columns = list(dict.fromkeys(columns))  # a column asked for twice is read once
    numbered = [(k, r) for k, r in enumerate(csv.reader(text.splitlines()), start=1)
                if any(cell.strip() for cell in r)]  # blank lines are skipped but keep the numbering
    rows = [r for _, r in numbered]
    line_of = [k for k, _ in numbered]
    if not rows:
        raise DataError(f"{path} is empty", hint="the first row names the columns; the rows below hold numbers")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path} has no column {missing[0]!r}", hint=f"its columns are: {', '.join(header)}")
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
                raise DataError(f"{path}, row {number}, column {c!r}: {cell!r} is not a number",
                                hint="use plain decimal numbers such as 1.5 or -2e-3") from None
            if not math.isfinite(value):
                raise DataError(f"{path}, row {number}, column {c!r}: {cell!r} is not finite",
                                hint="remove infinite or NaN values")
            out[c].append(value)
    return out
