"""A problem sheet: a declarative TOML file (read with the standard library's ``tomllib``) listing
problems, each a built-in kind or a library script, with parameter ranges, overrides and points.

```toml
title = "Week 1"
course = "ML101"
seed = 2026                         # the default of --seed

[[problem]]
id = "chain"
kind = "derivative"                 # or gradient, least_squares, mle, check
expr = "{a}*x^2 + exp({b}*x)"
params = { a = { int = [2, 9] }, b = { choice = [-2, -1, 1, 2, 3] } }
constraints = ["a != b"]
points = 2

[[problem]]
id = "loss"
script = "../problems/logistic_loss.py"   # a Python problem (``problem = Problem(...)``), relative to the sheet
params = { u = { int = [1, 3] } }   # overrides its ranges
```

Errors name the file, the key path (``problem[2].params.a``) and the line where one can be found,
and are ``UsageError`` (exit 2).
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from derive.core.errors import DeriveError, UsageError
from derive.core.memo import memo
from derive.course.params import Choice, Decimal, Domain, Int, number
from derive.course.problem import Problem
from derive.course.textfile import read_text

MAX_SHEET_BYTES = 1_000_000
COMMON = ("id", "kind", "script", "title", "points", "topics", "difficulty", "params", "constraints", "question")


@dataclass(frozen=True)
class Sheet:
    """A loaded sheet: its title, course, default seed and problems (each with its points)."""

    path: Path
    name: str
    title: str
    course: str
    seed: int | None
    subtitle: str
    problems: tuple[Problem, ...]
    scripts: tuple[Path, ...]


class SheetError(UsageError):
    """A sheet's bad key or value, named by file, key path and line."""


def _fail(path: Path, text: str, key: str, message: str, hint: str | None = None) -> SheetError:
    line = _line_of(text, key)
    where = f"{path}" + (f", line {line}" if line else "") + f": {key}"
    return SheetError(f"{where}: {message}", hint=hint)


def _line_of(text: str, key: str) -> int | None:
    """The line a key path such as ``problem[2].params.a`` is written on (best effort: tomllib keeps none)."""
    lines = text.splitlines()
    start = 0
    m = re.match(r"problem\[(\d+)\]", key)
    if m:
        count = 0
        for i, line in enumerate(lines):
            if re.match(r"\s*\[\[\s*problem\s*\]\]", line):
                count += 1
                if count == int(m.group(1)):
                    start = i
                    break
        else:
            return None
    last = key.split(".")[-1].split("[")[0]
    if last.startswith("problem"):
        return start + 1
    for i in range(start + (1 if m else 0), len(lines)):
        if i > start and m and re.match(r"\s*\[\[\s*problem\s*\]\]", lines[i]):
            break
        if re.search(rf"(^|[\s{{,.]){re.escape(last)}\s*=", lines[i]):
            return i + 1
    return start + 1 if m else None


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The sheet file's text and table; a missing, binary, non-UTF-8 or malformed file is one line."""
    if not path.is_file():
        raise SheetError(f"{path}: no such sheet file")
    text = read_text(path, limit=MAX_SHEET_BYTES, what="a sheet", error=SheetError, hint="save the sheet as UTF-8")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SheetError(f"{path}: not valid TOML: {exc}") from None


def _domain(path: Path, text: str, key: str, spec: Any) -> Domain:
    if isinstance(spec, (int, float, str)) and not isinstance(spec, bool):
        try:
            return Choice(number(spec, key))
        except UsageError as exc:
            raise _fail(path, text, key, exc.message) from None
    if not isinstance(spec, dict):
        raise _fail(path, text, key, "expected a number or a table such as { int = [2, 9] }",
                    hint="{ int = [lo, hi] }, { decimal = [lo, hi, step] }, { choice = [1, 2, 5] }")
    kinds = [k for k in ("int", "decimal", "choice") if k in spec]
    extra = sorted(set(spec) - {"int", "decimal", "choice", "step", "exclude", "size"})
    if len(kinds) != 1 or extra:
        raise _fail(path, text, key, f"give exactly one of int, decimal, choice" +
                    (f" (unknown key {', '.join(extra)})" if extra else ""),
                    hint="{ int = [2, 9] }, { decimal = [\"0.1\", \"0.9\", \"0.1\"] }, { choice = [1, 2, 5] }")
    size = spec.get("size")
    try:
        if kinds[0] == "int":
            lohi = spec["int"]
            if not (isinstance(lohi, list) and len(lohi) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                      for v in lohi)):
                raise UsageError("int takes [lo, hi], two whole numbers")
            exclude = spec.get("exclude", [])
            d: Domain = Int(lohi[0], lohi[1], spec.get("step", 1), tuple(exclude), size)
        elif kinds[0] == "decimal":
            v = spec["decimal"]
            if not (isinstance(v, list) and len(v) == 3):
                raise UsageError("decimal takes [lo, hi, step]")
            d = Decimal(v[0], v[1], v[2], tuple(spec.get("exclude", [])), size)
        else:
            v = spec["choice"]
            if not isinstance(v, list) or not v:
                raise UsageError("choice takes a non-empty list of numbers")
            d = Choice(*v, size=size)
        d.values()
    except (UsageError, TypeError) as exc:
        raise _fail(path, text, key, getattr(exc, "message", str(exc))) from None
    return d


def _load_script(script: Path) -> Problem:
    import runpy

    if not script.is_file():
        raise UsageError(f"{script}: no such problem script")
    try:
        ns = runpy.run_path(str(script), run_name="__derive_problem__")
    except DeriveError:
        raise
    except Exception as exc:  # the author's script: one line naming its file and line
        raise script_error(exc, (script,)) from None
    p = ns.get("problem")
    if not isinstance(p, Problem):
        raise UsageError(f"{script}: the script must leave problem = derive.course.Problem(...)")
    return p


def script_error(exc: BaseException, scripts: tuple[Path, ...], prefix: str = "") -> UsageError:
    """A problem script's exception as one line naming the script's file and line (its deepest frame there)."""
    import traceback

    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}, line {exc.lineno}: "
    else:
        names = {str(s) for s in scripts}
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in names]
        if frames:
            where = f"{frames[-1].filename}, line {frames[-1].lineno}: "
    message = " ".join(str(exc).split())[:300]
    return UsageError(f"{prefix}{where}{type(exc).__name__}: {message}")


_LOADED: dict[Path, tuple[str, tuple[bytes, ...], Sheet]] = memo()
"""Sheets loaded in this process, by resolved path, with the text and script bytes they were loaded from."""


def load_sheet(path: Path) -> Sheet:
    """Read and check a sheet; problems are built (kinds) or loaded (scripts), not yet drawn.

    A sheet loaded before in this process from the same text and the same scripts is that same
    ``Sheet``: its problems keep what they derived once (a family's estimator), so a build's forked
    workers start from the sheet its plan loaded instead of deriving it all again.
    """
    path = Path(path)
    text, doc = read_toml(path)
    seen = _LOADED.get(path.resolve())
    if seen is not None and seen[0] == text and seen[1] == script_bytes(seen[2].scripts):
        return seen[2]
    sheet = _load_sheet(path, text, doc)
    _LOADED[sheet.path] = (text, script_bytes(sheet.scripts), sheet)
    return sheet


def script_bytes(scripts: Sequence[Path]) -> tuple[bytes, ...]:
    """The bytes of each file of ``scripts`` (empty for one that cannot be read), in order."""
    out = []
    for s in scripts:
        try:
            out.append(s.read_bytes())
        except OSError:
            out.append(b"")
    return tuple(out)


def _load_sheet(path: Path, text: str, doc: dict[str, Any]) -> Sheet:
    from derive.course.kinds import KINDS

    allowed = {"title", "course", "seed", "problem", "subtitle"}
    for key in doc:
        if key not in allowed:
            raise _fail(path, text, key, "unknown key", hint=f"a sheet has {', '.join(sorted(allowed))}")
    title = doc.get("title", path.stem)
    course = doc.get("course", "")
    if not isinstance(title, str) or not title.strip():
        raise _fail(path, text, "title", "expected non-empty text")
    if not isinstance(course, str):
        raise _fail(path, text, "course", "expected text")
    subtitle = doc.get("subtitle", "")
    if not isinstance(subtitle, str):
        raise _fail(path, text, "subtitle", "expected text")
    seed = doc.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise _fail(path, text, "seed", "expected a whole number from 0 to 2^63 - 1")
    entries = doc.get("problem")
    if not isinstance(entries, list) or not entries:
        raise SheetError(f"{path}: no [[problem]] tables", hint="list each problem under [[problem]]")
    problems: list[Problem] = []
    scripts: list[Path] = []
    for k, entry in enumerate(entries, start=1):
        key = f"problem[{k}]"
        if not isinstance(entry, dict):
            raise _fail(path, text, key, "expected a table")
        pid = entry.get("id")
        if not isinstance(pid, str) or not pid or not all(c.isalnum() or c in "-_" for c in pid):
            raise _fail(path, text, f"{key}.id", "expected an id of letters, digits, - and _")
        if any(p.id == pid for p in problems):
            raise _fail(path, text, f"{key}.id", f"the id {pid!r} is used twice")
        has_kind, has_script = "kind" in entry, "script" in entry
        if has_kind == has_script:
            raise _fail(path, text, key, "give either kind = \"...\" or script = \"...\"",
                        hint=f"kinds: {', '.join(KINDS)}")
        try:
            if has_kind:
                kind = KINDS.get(entry["kind"]) if isinstance(entry["kind"], str) else None
                if kind is None:
                    raise _fail(path, text, f"{key}.kind", f"unknown kind {entry['kind']!r}",
                                hint=f"one of {', '.join(KINDS)}")
                unknown = sorted(set(entry) - set(COMMON) - set(kind.required) - set(kind.optional))
                if unknown:
                    raise _fail(path, text, f"{key}.{unknown[0]}", f"not a field of kind {kind.name}",
                                hint=f"its fields: {', '.join(kind.required + kind.optional)}")
                missing = [f for f in kind.required if f not in entry]
                if missing:
                    raise _fail(path, text, key, f"kind {kind.name} needs {', '.join(missing)}")
                problem = kind.make(pid, entry, f"{path}: {key}")
            else:
                unknown = sorted(set(entry) - set(COMMON))
                if unknown:
                    raise _fail(path, text, f"{key}.{unknown[0]}", "not a field of a script problem")
                if not isinstance(entry["script"], str):
                    raise _fail(path, text, f"{key}.script", "expected a path relative to the sheet")
                script = (path.parent / entry["script"]).resolve()
                scripts.append(script)
                problem = replace(_load_script(script), id=pid)
            problem = _apply_common(path, text, key, problem, entry)
        except SheetError:
            raise
        except DeriveError as exc:
            raise _fail(path, text, key, exc.message, hint=exc.hint) from None
        problems.append(problem)
    return Sheet(path=path.resolve(), name=path.stem, title=title, course=course, seed=seed, subtitle=subtitle,
                 problems=tuple(problems), scripts=tuple(scripts))


def _apply_common(path: Path, text: str, key: str, p: Problem, entry: Mapping[str, Any]) -> Problem:
    changes: dict[str, Any] = {}
    for name, typ in (("title", str), ("question", str)):
        if name in entry:
            if not isinstance(entry[name], typ):
                raise _fail(path, text, f"{key}.{name}", "expected text")
            changes[name] = entry[name]
    if "question" in entry:
        changes["ask"] = None
    if "points" in entry:
        pts = entry["points"]
        if isinstance(pts, bool) or not isinstance(pts, (int, float)) or not 0 < pts <= 1000:
            raise _fail(path, text, f"{key}.points", "expected a positive number")
        changes["points"] = float(pts)
    if "difficulty" in entry:
        if isinstance(entry["difficulty"], bool) or not isinstance(entry["difficulty"], int):
            raise _fail(path, text, f"{key}.difficulty", "expected a whole number")
        changes["difficulty"] = entry["difficulty"]
    if "topics" in entry:
        t = entry["topics"]
        if not isinstance(t, list) or not all(isinstance(v, str) for v in t):
            raise _fail(path, text, f"{key}.topics", "expected a list of texts")
        changes["topics"] = tuple(t)
    if "constraints" in entry:
        c = entry["constraints"]
        if isinstance(c, str):
            c = [c]
        if not isinstance(c, list) or not all(isinstance(v, str) for v in c):
            raise _fail(path, text, f"{key}.constraints", "expected a list of comparisons such as \"a != b\"")
        changes["constraints"] = (*p.constraints, *c)
    p = replace(p, **changes)
    params = entry.get("params", {})
    if not isinstance(params, dict):
        raise _fail(path, text, f"{key}.params", "expected a table of parameters")
    domains = {name: _domain(path, text, f"{key}.params.{name}", spec) for name, spec in params.items()}
    if "script" in entry:
        p = p.with_params(domains)
    else:
        own = {name: d for name, d in p.params.items() if name not in domains}  # a kind's own (a check's slip)
        p = replace(p, params={**domains, **own})
    try:
        p.grid()
        for i, c in enumerate(p.parsed_constraints()):
            unknown = sorted(c.names() - set(p.params) - {"n", "sum_x", "mean_x", "min_x", "max_x"})
            if unknown:
                raise _fail(path, text, f"{key}.constraints", f"{c.text!r} uses {', '.join(unknown)}, "
                            "not a parameter", hint=f"parameters: {', '.join(sorted(p.params)) or 'none'}")
    except SheetError:
        raise
    except DeriveError as exc:
        raise _fail(path, text, f"{key}.params", exc.message, hint=exc.hint) from None
    return p
