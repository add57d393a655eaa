"""derive.core.memo: the registry of process-wide memos, and what the engines keep in it.

A derivation kept from an earlier call must be the one a fresh call makes: the outputs of a call that
used a kept derivation are compared with those of the same call in a process that kept nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import derive
from derive.core import memo


def test_clear_forgets_every_registered_memo() -> None:
    a, b = memo.memo(), memo.memo()
    a[1], b["x"] = "one", "ex"
    memo.clear()
    assert a == {} and b == {}


def test_a_memo_keeps_its_newest_entries_only() -> None:
    m = memo.memo()
    for k in range(memo.LIMIT + 10):
        m[k] = k
    m.setdefault(-1, "new")
    assert len(m) == memo.LIMIT
    assert 0 not in m and memo.LIMIT + 9 in m and m[-1] == "new"


def _csv(tmp_path: Path, name: str, rows: list[tuple[float, float]]) -> Path:
    path = tmp_path / name
    path.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in rows), encoding="utf-8")
    return path


@pytest.mark.slow
def test_ls_fit_from_a_kept_derivation_is_the_fresh_fit(tmp_path: Path) -> None:
    from derive.lsq import api, summary

    first = _csv(tmp_path, "a.csv", [(1, 2.0), (2, 3.5), (3, 3.9), (4, 6.0), (5, 6.1)])
    second = _csv(tmp_path, "b.csv", [(1, 2.2), (2, 3.1), (3, 3.9), (4, 6.5), (5, 7.4)])
    fresh = derive.ls("ols", data=second, x="x", y="y", intercept=True)
    memo.clear()
    derive.ls("ols", data=first, x="x", y="y", intercept=True)  # keeps the derivation and the summary's certificates
    assert len(api._DERIVED) == 1 and summary._CERTIFIED
    kept = derive.ls("ols", data=second, x="x", y="y", intercept=True)
    assert kept.certified
    assert kept.to_json() == fresh.to_json()
    assert kept.to_latex() == fresh.to_latex()
    assert kept.render("text") == fresh.render("text")


@pytest.mark.slow
def test_mle_on_data_from_a_kept_derivation_is_the_fresh_one(tmp_path: Path) -> None:
    from derive.likelihood import api

    path = tmp_path / "s.csv"
    path.write_text("x\n3\n1\n4\n1\n5\n", encoding="utf-8")
    fresh = derive.mle("poisson", data=path, column="x")
    memo.clear()
    derive.mle("poisson")
    assert len(api._DERIVED) == 1
    kept = derive.mle("poisson", data=path, column="x")
    assert kept.certified
    assert json.loads(kept.to_json()) == json.loads(fresh.to_json())
    assert kept.to_latex() == fresh.to_latex()


def test_an_uncertified_derivation_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A derivation left undecided (as a time limit leaves it) is derived again, never reused."""
    from dataclasses import replace

    from derive.core.contract import Check, Unknown
    from derive.likelihood import api, certify

    real = certify.certify_mle

    def undecided(*args: object, **kwargs: object) -> object:
        d = real(*args, **kwargs)  # type: ignore[arg-type]
        return replace(d, checks=(*d.checks, Check("a check cut short", Unknown("cut by the test"))))

    monkeypatch.setattr(certify, "certify_mle", undecided)  # the forked worker inherits the patch
    r = derive.mle("poisson")
    assert not r.certified
    assert api._DERIVED == {}
