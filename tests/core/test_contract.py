"""The contract's one summary of a result (Verdict) and the exit codes the CLI makes of it."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derive.cli.build import build_exit_code
from derive.cli.common import Output, verdict_exit_code
from derive.core.contract import (
    Certificate, Certified, Check, NotComputed, Plausible, Proved, Refuted, Step, Timeout, Unknown, Verdict,
)

CERTIFICATES: list[Certificate] = [
    Proved("identical"), Plausible(3, "random points", 1e-12), Refuted((("x", "1"),), "1", "2"),
    Unknown("no probe"), Timeout("simplify"), NotComputed("work limit"), NotComputed("does not apply"),
]


class _Result(Certified):
    def __init__(self, steps: list[Certificate], checks: list[tuple[Certificate, bool]]) -> None:
        self.steps = [Step(before=1, after=1, rule="r", certificate=c) for c in steps]
        self.checks = [Check(name="c", certificate=c, required=r) for c, r in checks]

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    def all_checks(self) -> Iterator[Check]:
        return iter(self.checks)


@given(st.lists(st.sampled_from(CERTIFICATES)), st.lists(st.tuples(st.sampled_from(CERTIFICATES), st.booleans())))
def test_the_verdict_is_refuted_certified_or_undecided(steps: list[Certificate],
                                                      checks: list[tuple[Certificate, bool]]) -> None:
    r = _Result(steps, checks)
    counted = steps + [c for c, required in checks if required]
    v = r.verdict
    if any(isinstance(c, Refuted) for c in counted):
        assert v is Verdict.REFUTED and r.refuted and not r.certified
    elif all(c.certified for c in counted):
        assert v is Verdict.CERTIFIED and r.certified
    else:
        assert v is Verdict.UNDECIDED and not r.certified and not r.refuted
    assert verdict_exit_code(v.value) == {Verdict.CERTIFIED: 0, Verdict.REFUTED: 1, Verdict.UNDECIDED: 3}[v]


def test_a_check_reported_only_does_not_count() -> None:
    r = _Result([Proved("identical")], [(Refuted((("x", "1"),), "1", "2"), False)])
    assert r.verdict is Verdict.CERTIFIED


@pytest.mark.parametrize(("verdicts", "worst"), [
    ([], Verdict.CERTIFIED),
    ([Verdict.CERTIFIED, Verdict.UNDECIDED], Verdict.UNDECIDED),
    ([Verdict.UNDECIDED, Verdict.REFUTED, Verdict.CERTIFIED], Verdict.REFUTED),
])
def test_the_worst_verdict_of_several(verdicts: list[Verdict], worst: Verdict) -> None:
    assert Verdict.worst(verdicts) is worst


def test_output_exit_codes() -> None:
    assert [Output("", verdict=v).exit_code for v in ("certified", "refuted", "undecided")] == [0, 1, 3]


@pytest.mark.parametrize(("codes", "code"), [
    ([0, 0], 0), ([0, 3], 3), ([3, 2], 2), ([2, 1, 3], 1), ([1, 4, 0], 4),
])
def test_a_build_exits_with_its_most_serious_script(codes: list[int], code: int) -> None:
    assert build_exit_code(codes) == code
