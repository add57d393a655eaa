"""Reading a small text file an instructor wrote (a sheet, a roster): size-capped UTF-8, errors by line."""
from __future__ import annotations

from pathlib import Path

from derive.core.errors import DeriveError


def read_text(path: Path, *, limit: int, what: str, error: type[DeriveError], encoding: str = "utf-8",
              hint: str = "") -> str:
    """The text of ``path`` (at most ``limit`` bytes); a larger or non-UTF-8 file is one ``error`` line
    naming the file (and the line of the first bad byte)."""
    raw = path.read_bytes()[: limit + 1]
    if len(raw) > limit:
        raise error(f"{path}: {what} larger than {limit // 1_000_000} MB")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}, line {line}: not UTF-8 text (byte {exc.start + 1})", hint=hint) from None
