"""Planning a sheet's build: its variants (numbered, or one per student of a roster), their seeds,
distinct answers, and one ``BuildItem`` per variant; then the manifest and the online questions.

A variant's seed is ``seed_of(course, sheet, build seed, variant id, attempt)``; everything in its
documents follows from that seed alone (``make_variant`` re-draws each problem from it), so rebuilding
an entry of the manifest with its seed gives the same ``.tex`` byte for byte. Variants are kept
distinct while planning: when a variant's draw would repeat another variant's answer to a problem,
the variant moves to its next attempt (a new seed), at most ``MAX_ATTEMPTS`` times, counted; when
that runs out the plan fails naming the problem (its grid has too few distinct answers).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.core.errors import DeriveError, UsageError
from derive.core.files import write_text_atomic
from derive.course.problem import Draw, NoValidDraw, Problem, draw
from derive.course.roster import Student, read_roster
from derive.course.seeds import seed_of
from derive.course.sheet import Sheet, script_bytes, load_sheet, script_error
from derive.export.questions import Answer, QuestionVariant
from derive.handout.items import VERSIONS, BuildItem, ItemReport, Made

MAX_ATTEMPTS = 256
"""Seeds a variant may move through to keep its answers distinct from the variants before it."""
MAX_VARIANTS = 10_000


@dataclass(frozen=True)
class Variant:
    """One variant of the sheet: its id (a student's or ``v01``), the student's name, its seed."""

    id: str
    name: str
    seed: int
    attempt: int = 0


@dataclass
class Plan:
    """What ``plan_sheet`` returns: the sheet, its variants and one build item per variant."""

    sheet: Sheet
    variants: tuple[Variant, ...]
    items: list[BuildItem]
    versions: tuple[str, ...]
    numbered: bool = True
    known_draws: dict[str, dict[str, Draw]] | None = None

    @property
    def draws(self) -> dict[str, dict[str, Draw]]:
        """Each variant's draw of each problem, by variant id and problem id (drawn again from the seeds
        when the plan's variants were read from a build's record)."""
        if self.known_draws is None:
            self.known_draws = {v.id: {p.id: draw(p, v.seed) for p in self.sheet.problems} for v in self.variants}
        return self.known_draws

    def prepare(self) -> None:
        """What every variant shares, derived once here on the first variant's draw (``Problem.prepare``):
        the build's workers, forked after this, inherit it. Before forking workers, not for a cluster."""
        if len(self.variants) < 2:
            return
        first = self.variants[0]
        for p in self.sheet.problems:
            if p.prepare is not None:
                try:
                    known = self.known_draws[first.id][p.id] if self.known_draws is not None else None
                    p.prepare(known if known is not None else draw(p, first.seed))
                except DeriveError:  # the variant meets it again in its own worker, and reports it there
                    pass

    def stem(self, variant: Variant, version: str) -> str:
        return f"{self.sheet.name}/{variant.id}/{version}" if self.numbered else f"{self.sheet.name}/{version}"

    def write_manifest(self, out: Path, reports: Sequence[ItemReport]) -> Path:
        """``OUT/<sheet>/manifest.json``: one entry per variant (id, seed, PDFs relative to OUT, answers),
        written atomically; a variant that failed has null PDFs and its one-line ``error``."""
        out = Path(out)
        by_key = {r.item.key: r for r in reports}
        rows: list[dict[str, Any]] = []
        for v, item in zip(self.variants, self.items):
            r = by_key.get(item.key)
            row: dict[str, Any] = {"id": v.id, "seed": v.seed}
            for version in ("student", "solution"):
                row[f"{version}_pdf"] = _relative(out, r, version) if r is not None and not r.error else None
            row["answers"] = dict(r.answers) if r is not None and not r.error else {}
            if r is None or r.error:
                row["error"] = "not built" if r is None else r.error
            rows.append(row)
        target = out / self.sheet.name / "manifest.json"
        _write_atomic(target, json.dumps(rows, indent=2, sort_keys=False) + "\n")
        return target

    def questions(self, reports: Sequence[ItemReport] | None = None) -> list[list[QuestionVariant]]:
        """Per problem, its variants as online questions; the answers are the certified ones of the
        reports, or (without reports) of each variant made here."""
        answers: dict[str, Mapping[str, Any]] = {}
        if reports is not None:
            answers = {r.item.key: r.answers for r in reports if not r.error}
        out: list[list[QuestionVariant]] = [[] for _ in self.sheet.problems]
        for v, item in zip(self.variants, self.items):
            got = answers.get(item.key)
            if got is None:
                if reports is not None:
                    continue  # the variant failed: not put online
                got = item.make(*item.args).answers
            for k, p in enumerate(self.sheet.problems):
                d = self.draws[v.id][p.id]
                out[k].append(QuestionVariant(
                    problem=p.id, variant=v.id, seed=d.seed, title=p.title, text=p.question_text(d),
                    math_latex=p.math_latex(d), points=p.points,
                    answers=tuple(Answer(name=n, kind=a["kind"], value=a["value"], text=a["text"],
                                         latex=a["latex"], tolerance=a["tolerance"],
                                         distractors=tuple(w["latex"] for w in a.get("distractors", ())),
                                         mistakes=tuple(w["mistake"] for w in a.get("distractors", ())),
                                         choice=a.get("choice", ""))
                                  for n, a in got[p.id].items())))
        return out


def _relative(out: Path, report: ItemReport, version: str) -> str | None:
    files = report.files.get(version, {})
    f = files.get("pdf") or files.get("tex")
    if f is None:
        return None
    try:
        return Path(f).resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return Path(f).as_posix()


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)


def _key(p: Problem, d: Draw) -> object:
    return p.key(d) if p.key is not None else tuple(sorted((k, str(v)) for k, v in d.values.items()))


def variant_seed(sheet: Sheet, build_seed: int, variant: str, attempt: int) -> int:
    """The seed of a variant: from the course, the sheet, the build's seed, the variant and the attempt."""
    return seed_of(sheet.course, sheet.name, build_seed, variant, attempt)


def plan_sheet(path: Path, *, variants: int | None = None, seed: int | None = None, students: Path | None = None,
               versions: tuple[str, ...] = ("solution", "student"), remember: Path | None = None) -> Plan:
    """Plan the build of the sheet at ``path``: one item per variant (``variants`` numbered ones, or one
    per student of the roster ``students``, or a single one), in each of ``versions``.

    ``remember``: a build's cache folder, where the variants chosen are kept and from where a plan of
    the same sheet, people and seed (with the same derive) takes them instead of drawing again."""
    for v in versions:
        if v not in VERSIONS:
            raise UsageError(f"unknown version {v!r}", hint=f"versions: {', '.join(VERSIONS)}")
    if variants is not None and students is not None:
        raise UsageError("give --variants or --students, not both")
    if variants is not None and (isinstance(variants, bool) or not 1 <= variants <= MAX_VARIANTS):
        raise UsageError(f"--variants {variants}: give 1 to {MAX_VARIANTS}")
    if seed is not None and (isinstance(seed, bool) or not 0 <= seed < 2**63):
        raise UsageError(f"--seed {seed}: give a whole number from 0 to 2^63 - 1")
    sheet = load_sheet(Path(path))
    build_seed = seed if seed is not None else (sheet.seed if sheet.seed is not None else 0)
    people: tuple[Student, ...]
    if students is not None:
        people = read_roster(Path(students))
    elif variants is not None:
        width = len(str(variants))
        people = tuple(Student(f"v{k:0{width}d}") for k in range(1, variants + 1))
    else:
        people = (Student("default"),)
    numbered = students is not None or variants is not None
    record = _record(remember, sheet, people, build_seed, numbered) if remember is not None else None
    known = _read_record(record, people) if record is not None else None
    if known is not None:  # the same sheet, people and seed as a build before: its variants, not drawn again
        plan = Plan(sheet, known, [], tuple(versions), numbered)
        _add_items(plan)
        return plan
    chosen, draws = _choose(sheet, people, build_seed)
    if record is not None:
        _write_record(record, chosen)
    plan = Plan(sheet, tuple(chosen), [], tuple(versions), numbered, draws)
    _add_items(plan)
    return plan


def _add_items(plan: Plan) -> None:
    """One build item per variant of ``plan``."""
    sheet, numbered = plan.sheet, plan.numbered
    for var in plan.variants:
        key = f"{sheet.name}/{var.id}" if numbered else sheet.name
        plan.items.append(BuildItem(
            key=key, label=f"{sheet.path.name} [{var.id}]" if numbered else sheet.path.name, make=make_variant,
            args=(str(sheet.path), var.id, var.name, var.seed, numbered),
            outputs={ver: plan.stem(var, ver) for ver in plan.versions},
            inputs=(sheet.path, *sheet.scripts), salt=f"derive.course seed={var.seed} id={var.id} name={var.name}"))


def _choose(sheet: Sheet, people: Sequence[Student], build_seed: int
            ) -> tuple[list[Variant], dict[str, dict[str, Draw]]]:
    """Each person's variant: the first attempt whose answers no variant before it has, and its draws."""
    used: dict[str, set[object]] = {p.id: set() for p in sheet.problems}
    chosen: list[Variant] = []
    draws: dict[str, dict[str, Draw]] = {}
    for person in people:
        collisions: dict[str, int] = {}
        for attempt in range(MAX_ATTEMPTS):
            s = variant_seed(sheet, build_seed, person.id, attempt)
            ds = {p.id: draw(p, s) for p in sheet.problems}
            keys = {p.id: _key(p, ds[p.id]) for p in sheet.problems}
            clash = [pid for pid, k in keys.items() if k in used[pid]]
            if not clash:
                break
            for pid in clash:
                collisions[pid] = collisions.get(pid, 0) + 1
        else:
            worst = max(collisions, key=lambda k: collisions[k])
            raise NoValidDraw(f"{sheet.path}: problem {worst}: variant {person.id} repeats another variant's answer "
                              f"in each of {MAX_ATTEMPTS} seeds tried ({len(used[worst])} distinct answers so far)",
                              hint="widen its parameter ranges, or build fewer variants")
        for pid, k in keys.items():
            used[pid].add(k)
        chosen.append(Variant(person.id, person.name, s, attempt))
        draws[person.id] = ds
    return chosen, draws


_RECORD_FORMAT = 1


def _record(folder: Path, sheet: Sheet, people: Sequence[Student], build_seed: int, numbered: bool) -> Path:
    """Where a build in ``folder`` keeps this plan's variants: named by everything they follow from
    (derive's source, the sheet's and its scripts' bytes, the people, the build's seed)."""
    import hashlib

    from derive.handout.cache import base_hash

    digest = hashlib.sha256(f"derive-plan {_RECORD_FORMAT}\n{base_hash()}\n{sheet.path}\n".encode())
    for data in script_bytes((sheet.path, *sheet.scripts)):
        digest.update(data + b"\0")
    digest.update(json.dumps([build_seed, numbered, [[p.id, p.name] for p in people]]).encode())
    return Path(folder) / "plans" / f"{digest.hexdigest()[:40]}.json"


def _read_record(path: Path, people: Sequence[Student]) -> tuple[Variant, ...] | None:
    """The variants a build before kept at ``path``, or None (none kept, or not for these people)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rows, list) or len(rows) != len(people):
        return None
    out = []
    for row, person in zip(rows, people):
        if (not isinstance(row, list) or len(row) != 4 or row[0] != person.id or row[1] != person.name
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in row[2:])):
            return None
        out.append(Variant(person.id, person.name, row[2], row[3]))
    return tuple(out)


def _write_record(path: Path, chosen: Sequence[Variant]) -> None:
    try:
        _write_atomic(path, json.dumps([[v.id, v.name, v.seed, v.attempt] for v in chosen]) + "\n")
    except OSError:  # a build that cannot keep its plan plans again next time
        pass


def make_variant(sheet_path: str, variant: str, name: str, seed: int, numbered: bool = True) -> Made:
    """The handout of one variant, from its seed alone (runs in a build worker): a section per problem,
    its question as an exercise whose worked solution prints only in the solution version."""
    import inspect

    from derive.handout.builder import HandoutBuilder, worked_from

    sheet = load_sheet(Path(sheet_path))
    # the exam layout's points (present's HandoutBuilder.exercise(points=...)), where this derive has them
    with_points = "points" in inspect.signature(HandoutBuilder.exercise).parameters
    who = f"{name} ({variant})" if name else f"Variant {variant}"
    subtitle = " \u00b7 ".join(t for t in (sheet.subtitle, who if numbered else "") if t)
    h = HandoutBuilder(title=sheet.title, subtitle=subtitle)
    answers: dict[str, dict[str, Any]] = {}
    for k, p in enumerate(sheet.problems, start=1):
        d = draw(p, seed)
        try:
            sol = p.solve(d)
        except DeriveError:
            raise
        except Exception as exc:  # a problem script's own bug: named by its file and line, not a traceback
            raise script_error(exc, sheet.scripts, f"problem {p.id} (seed {d.seed}): ") from None
        pts = f"{p.points:g} point{'' if p.points == 1 else 's'}"
        h.section(f"{p.title} ({pts})")
        worked = worked_from(f"Solution to problem {k}", sol.result, sol.intro)
        extra: dict[str, Any] = {"points": p.points} if with_points else {}
        h.exercise(p.question_text(d), p.math_latex(d), solution=worked, **extra)
        answers[p.id] = {a.name: answer_record(a) for a in sol.answers}
    return Made(h.build(), answers)


def answer_record(a: Answer) -> dict[str, Any]:
    """An answer as the manifest writes it: kind, value, text, latex, tolerance; a formula's wrong
    choices too (``distractors``: each one's LaTeX and the mistake it comes from; ``choice``: the right
    answer as printed among them, when that differs from ``latex``), and a ``note`` when fewer were
    certified than wanted."""
    record: dict[str, Any] = {"kind": a.kind, "value": a.value, "text": a.text, "latex": a.latex,
                              "tolerance": a.tolerance}
    if a.kind == "symbolic":
        why = a.mistakes or ("",) * len(a.distractors)
        record["distractors"] = [{"latex": w, "mistake": m} for w, m in zip(a.distractors, why)]
        if a.choice and a.choice != a.latex:
            record["choice"] = a.choice
    if a.note:
        record["note"] = a.note
    return record
