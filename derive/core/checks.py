"""Argument checks at the API edges: a wrong type or value becomes our error, with a hint.

Why: a public function called with ``order="3"`` or ``lam=float("nan")`` should say so in one
line naming the argument, not fail deep inside SymPy with a foreign exception (or, worse, run
with the limit silently gone). Wrong types raise ``UsageTypeError`` (also a TypeError), wrong
values ``UsageError`` (a ValueError).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from derive.core.errors import UsageError, UsageTypeError

MAX_TEXT = 100_000
"""Longest text accepted for one argument (an expression, a declaration, a name)."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(value: object) -> str:
    return f"got {_shown(value)} ({type(value).__name__})"


def check_bool(value: object, name: str) -> bool:
    """``value`` is True or False (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise UsageTypeError(f"{name} must be True or False, {_got(value)}", hint=f"pass {name}=True or {name}=False")
    return value


def check_int(value: object, name: str, lo: int, hi: int) -> int:
    """``value`` is a whole number (not a bool, not a float or string) with ``lo <= value <= hi``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageTypeError(f"{name} must be a whole number, {_got(value)}", hint=f"e.g. {name}={lo}")
    if not lo <= value <= hi:
        raise UsageError(f"{name} must be between {lo} and {hi}, got {_shown(value)}",
                         hint=f"e.g. {name}={lo}")
    return value


def check_number(value: object, name: str, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """``value`` is a finite real number (int or float, not a bool) in ``[lo, hi]`` (``(lo, hi]`` if ``lo_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageTypeError(f"{name} must be a number, {_got(value)}", hint=f"e.g. {name}={hi / 2 if hi < 10 else 1:g}")
    number = float(value) if isinstance(value, float) or abs(value) < 2**1000 else math.inf
    low_ok = number > lo if lo_open else number >= lo
    if not (math.isfinite(number) and low_ok and number <= hi):
        interval = f"{'above' if lo_open else 'at least'} {lo:g} and at most {hi:g}"
        raise UsageError(f"{name} must be a finite number {interval}, got {_shown(value)}",
                         hint="nan and inf are not limits; give a plain number")
    return number


def check_text(value: object, name: str, *, empty: bool = False, example: str | None = None) -> str:
    """``value`` is a str (non-empty unless ``empty``), at most ``MAX_TEXT`` characters."""
    hint = f"e.g. {name}={example!r}" if example else f"pass {name} as text"
    if not isinstance(value, str):
        raise UsageTypeError(f"{name} must be text, {_got(value)}", hint=hint)
    if not empty and not value.strip():
        raise UsageError(f"{name} is empty", hint=hint)
    if len(value) > MAX_TEXT:
        raise UsageError(f"{name} is {len(value)} characters long, over the limit of {MAX_TEXT}",
                         hint="split the input into smaller parts")
    return value


def check_optional_text(value: object, name: str, *, example: str | None = None) -> str | None:
    """None, or a non-empty str (see ``check_text``)."""
    return None if value is None else check_text(value, name, example=example)


def check_texts(value: object, name: str, *, example: str | None = None) -> tuple[str, ...]:
    """A str or an iterable of str (a list, a tuple), as a tuple; each non-empty.

    A dict, a set (no order) or bytes are refused: they are not a list of texts.
    """
    if isinstance(value, str):
        return (check_text(value, name, example=example),)
    hint = f"e.g. {name}=[{example!r}]" if example else f"pass {name} as text or a list of texts"
    if isinstance(value, (bytes, bytearray, dict, set, frozenset)) or not isinstance(value, Iterable):
        raise UsageTypeError(f"{name} must be text or a list of texts, {_got(value)}", hint=hint)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise UsageTypeError(f"{name} must be text or a list of texts; one item is {_shown(item)} "
                                 f"({type(item).__name__})", hint=hint)
        check_text(item, name, example=example)
    return items


def check_names(value: object, name: str, *, example: str = "x") -> str | tuple[str, ...]:
    """A name as text (``"x"``, ``"x,y"``) or a non-empty list or tuple of names, each non-empty text."""
    if isinstance(value, str):
        return check_text(value, name, example=example)
    if not isinstance(value, (list, tuple)):
        raise UsageTypeError(f"{name} must be a name or a list of names, {_got(value)}",
                             hint=f"e.g. {name}={example!r} or {name}=[{example!r}]")
    if not value:
        raise UsageError(f"{name} is an empty list", hint=f"e.g. {name}=[{example!r}]")
    return check_texts(value, name, example=example)


def check_text_map(value: object, name: str, *, example: tuple[str, str]) -> dict[str, str]:
    """A mapping of non-empty texts to non-empty texts (such as role -> new name)."""
    from collections.abc import Mapping

    hint = f"e.g. {name}={{{example[0]!r}: {example[1]!r}}}"
    if not isinstance(value, Mapping):
        raise UsageTypeError(f"{name} must be a dict, {_got(value)}", hint=hint)
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise UsageTypeError(f"{name} maps text to text; got {_shown(key)}: {_shown(item)}", hint=hint)
        out[check_text(key, f"a key of {name}")] = check_text(item, f"{name}[{key!r}]", example=example[1])
    return out


def check_number_map(value: object, name: str, *, example: tuple[str, float]) -> dict[str, float]:
    """A mapping of non-empty texts to finite numbers (such as parameter -> starting value)."""
    from collections.abc import Mapping

    hint = f"e.g. {name}={{{example[0]!r}: {example[1]!r}}}"
    if not isinstance(value, Mapping):
        raise UsageTypeError(f"{name} must be a dict, {_got(value)}", hint=hint)
    out: dict[str, float] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise UsageTypeError(f"{name} keys are names; got {_shown(key)}", hint=hint)
        out[check_text(key, f"a key of {name}")] = check_number(item, f"{name}[{key!r}]", -1e300, 1e300)
    return out


def check_path(value: object, name: str) -> str:
    """A file path given as text or a ``pathlib.Path`` (non-empty), as text."""
    import os

    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise UsageTypeError(f"{name} must be a path (text or pathlib.Path), {_got(value)}",
                             hint=f"e.g. {name}='data.csv'")
    return check_text(value, name, example="data.csv")
