"""``derive.check``: check a hand derivation from Python (and see it in Jupyter).

    >>> r = derive.check("derivation.tex")          # a path, or the LaTeX itself
    >>> r.outcome, r.first_error                    # 'incorrect', the first refuted step
    >>> r                                           # in Jupyter: the report, as Markdown
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from derive.core.budget import Budget, check_budget
from derive.core.errors import ParseError, UsageError
from typing import TYPE_CHECKING

from derive.checker.model import CheckedStep, CheckReport, FolderReport
from derive.render.result import Result

if TYPE_CHECKING:
    from derive.handout.document import Handout

MAX_FILE_BYTES = 1_000_000
"""The largest file read (1 MB); the derivation reader refuses longer text too."""

DEFAULT_BUDGET = Budget(seconds=120.0)


@dataclass(frozen=True, slots=True, repr=False)
class Checked(Result):
    """The report on one derivation: ``outcome``, ``first_error``, ``steps``; renders in every format."""

    report: CheckReport

    @property
    def data(self) -> CheckReport:
        return self.report

    @property
    def source(self) -> str:
        """What was checked (the file's name), shown above the report in a handout."""
        return self.report.file

    @property
    def outcome(self) -> str:
        return self.report.outcome

    @property
    def first_error(self) -> CheckedStep | None:
        return self.report.first_error

    @property
    def steps(self) -> tuple[CheckedStep, ...]:
        return self.report.steps

    def handout(self) -> Handout:
        """The annotated PDF's document: titled by the file's name, a one-line summary under it."""
        from derive.handout.builder import HandoutBuilder
        from derive.render.check_latex import summary

        return HandoutBuilder(title=Path(self.report.file).name, subtitle=summary(self.report)).checked(self).build()


@dataclass(frozen=True, slots=True)
class CheckedFolder(Result):
    """The reports on every derivation of a folder (a class's submissions); renders in every format."""

    report: FolderReport

    @property
    def data(self) -> FolderReport:
        return self.report

    @property
    def source(self) -> str:
        return self.report.folder

    def handout(self) -> Handout:
        """One PDF: a summary table of the files, then each file's annotated derivation."""
        from derive.handout.builder import HandoutBuilder

        counts = ", ".join(f"{v} {k}" for k, v in self.report.counts.items() if v)
        n = len(self.report.files)
        name = Path(self.report.folder).name or self.report.folder
        return HandoutBuilder(title=name, subtitle=f"{n} file{'' if n == 1 else 's'}: {counts}").checked(self).build()


def read_source(path: Path) -> str:
    """A derivation file's text: UTF-8, at most 1 MB, not binary (ParseError otherwise: exit 2)."""
    from derive.parse.data import check_file

    check_file(path)
    with path.open("rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ParseError(f"{path}: the file is larger than {MAX_FILE_BYTES // 1_000_000} MB",
                         hint="check one derivation per file")
    if b"\x00" in raw:
        raise ParseError(f"{path}: a binary file, not LaTeX text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: not UTF-8 text (byte {exc.start + 1})", hint="save the file as UTF-8") from None


def check(source: str | Path, *, where: str | None = None, budget: Budget | None = None,
          name: str | None = None) -> Checked:
    """Check the derivation in ``source``: a path to a .tex file, or the LaTeX text itself.

    ``where`` adds declarations in the ``% derive:`` vocabulary (``\\theta > 0, n \\in \\mathbb{N}``).
    """
    from derive.core.runner import run_bounded

    budget = check_budget(budget, DEFAULT_BUDGET)
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith(".tex")):
        path = Path(source)
        text, name = read_source(path), name or path.name
    elif isinstance(source, str):
        text, name = source, name or "the text"
    else:
        raise UsageError(f"check expects a path or LaTeX text, got {type(source).__name__}")
    if where:  # after the text, so the file's own line numbers stay
        text = f"{text}\n% derive: {where}\n"
    return Checked(run_bounded(_check_job, text, name, budget, budget=budget, what="the derivation check"))


def _check_job(text: str, name: str, budget: Budget) -> CheckReport:
    """Read, certify and diagnose (in the worker, under the budget; inline inside a worker already)."""
    from derive.checker.reading import reader_for
    from derive.checker.run import check_text

    return check_text(text, name, budget.start(), reader_for)


def check_identity(identity: str, *, where: str | None = None, budget: Budget | None = None) -> Checked:
    """Check one identity ``LHS = RHS`` (any relation of a derivation) typed in LaTeX."""
    if "\n" in identity or "\\]" in identity:
        raise ParseError("give the identity on one line, without display delimiters")
    return check(f"\\[ {identity} \\]", where=where, budget=budget, name="the identity")
