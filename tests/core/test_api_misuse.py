"""Hostile calls of the Python API: every misuse is our error (a DeriveError with a hint), never a foreign one.

Wrong types raise an error that is also a TypeError; wrong values one that is also a ValueError
(``UsageTypeError`` is both). Each call is checked at the API's edge, so none of them starts work.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

import derive
from derive import Budget
from derive.core.errors import DeriveError
from derive.handout.builder import HandoutBuilder

NAN, INF = math.nan, math.inf
T, V = TypeError, ValueError  # the builtin the error must also be

CASES: list[tuple[str, Callable[[Path], object], type[Exception]]] = [
    # derive.diff
    ("diff expr int", lambda p: derive.diff(5, "x"), T),  # type: ignore[arg-type]
    ("diff expr None", lambda p: derive.diff(None, "x"), T),  # type: ignore[arg-type]
    ("diff expr bytes", lambda p: derive.diff(b"x^2", "x"), T),  # type: ignore[arg-type]
    ("diff expr list", lambda p: derive.diff(["x^2"], "x"), T),  # type: ignore[arg-type]
    ("diff expr empty", lambda p: derive.diff("", "x"), V),
    ("diff expr blank", lambda p: derive.diff("   ", "x"), V),
    ("diff expr huge", lambda p: derive.diff("x+" * 100_000 + "x", "x"), V),
    ("diff wrt int", lambda p: derive.diff("x^2", 5), T),  # type: ignore[arg-type]
    ("diff wrt bytes", lambda p: derive.diff("x^2", b"x"), T),  # type: ignore[arg-type]
    ("diff wrt dict", lambda p: derive.diff("x^2", {"x": 1}), T),  # type: ignore[arg-type]
    ("diff wrt list with int", lambda p: derive.diff("x^2", ["x", 5]), T),  # type: ignore[list-item]
    ("diff wrt empty", lambda p: derive.diff("x^2", ""), V),
    ("diff wrt empty list", lambda p: derive.diff("x^2", []), V),
    ("diff wrt newline", lambda p: derive.diff("x^2", "x\ny"), V),
    ("diff order str", lambda p: derive.diff("x^2", "x", order="3"), T),  # type: ignore[arg-type]
    ("diff order float", lambda p: derive.diff("x^2", "x", order=3.0), T),  # type: ignore[arg-type]
    ("diff order fraction", lambda p: derive.diff("x^2", "x", order=2.5), T),  # type: ignore[arg-type]
    ("diff order bool", lambda p: derive.diff("x^2", "x", order=True), T),
    ("diff order None", lambda p: derive.diff("x^2", "x", order=None), T),  # type: ignore[arg-type]
    ("diff order nan", lambda p: derive.diff("x^2", "x", order=NAN), T),  # type: ignore[arg-type]
    ("diff order zero", lambda p: derive.diff("x^2", "x", order=0), V),
    ("diff order negative", lambda p: derive.diff("x^2", "x", order=-1), V),
    ("diff order huge", lambda p: derive.diff("x^2", "x", order=10**9), V),
    ("diff where int", lambda p: derive.diff("x^2", "x", where=5), T),  # type: ignore[arg-type]
    ("diff where list of int", lambda p: derive.diff("x^2", "x", where=[5]), T),  # type: ignore[list-item]
    ("diff where None", lambda p: derive.diff("x^2", "x", where=None), T),  # type: ignore[arg-type]
    ("diff where bytes", lambda p: derive.diff("x^2", "x", where=b"x > 0"), T),  # type: ignore[arg-type]
    ("diff where empty", lambda p: derive.diff("x^2", "x", where=""), V),
    ("diff budget int", lambda p: derive.diff("x^2", "x", budget=30), T),  # type: ignore[arg-type]
    ("diff budget str", lambda p: derive.diff("x^2", "x", budget="fast"), T),  # type: ignore[arg-type]
    ("diff budget dict", lambda p: derive.diff("x^2", "x", budget={"seconds": 1}), T),  # type: ignore[arg-type]
    # derive.grad
    ("grad expr int", lambda p: derive.grad(5), T),  # type: ignore[arg-type]
    ("grad expr None", lambda p: derive.grad(None), T),  # type: ignore[arg-type]
    ("grad expr list", lambda p: derive.grad(["x*y"], "x"), T),  # type: ignore[arg-type]
    ("grad expr empty", lambda p: derive.grad("", "x"), V),
    ("grad wrt int", lambda p: derive.grad("x*y", 5), T),  # type: ignore[arg-type]
    ("grad wrt list of int", lambda p: derive.grad("x*y", [1, 2]), T),  # type: ignore[list-item]
    ("grad wrt tuple with None", lambda p: derive.grad("x*y", ("x", None)), T),  # type: ignore[arg-type]
    ("grad wrt empty", lambda p: derive.grad("x*y", ""), V),
    ("grad wrt comma", lambda p: derive.grad("x*y", ","), V),
    ("grad hessian str", lambda p: derive.grad("x*y", "x", hessian="yes"), T),  # type: ignore[arg-type]
    ("grad hessian int", lambda p: derive.grad("x*y", "x", hessian=1), T),  # type: ignore[arg-type]
    ("grad hessian None", lambda p: derive.grad("x*y", "x", hessian=None), T),  # type: ignore[arg-type]
    ("grad where int", lambda p: derive.grad("x*y", "x", where=3), T),  # type: ignore[arg-type]
    ("grad let int", lambda p: derive.grad("x*y", "x", let=3), T),  # type: ignore[arg-type]
    ("grad let list of None", lambda p: derive.grad("x*y", "x", let=[None]), T),  # type: ignore[list-item]
    ("grad let None", lambda p: derive.grad("x*y", "x", let=None), T),  # type: ignore[arg-type]
    ("grad let empty", lambda p: derive.grad("x*y", "x", let=""), V),
    ("grad budget float", lambda p: derive.grad("x*y", "x", budget=1.5), T),  # type: ignore[arg-type]
    ("grad matrix wrt int", lambda p: derive.grad("x' A x", 5, let=["x: p", "A: p x p"]), T),  # type: ignore[arg-type]
    ("grad matrix wrt twice", lambda p: derive.grad("x' A x", "x,x", let=["x: p", "A: p x p"]), V),
    # derive.ls
    ("ls model int", lambda p: derive.ls(5), T),  # type: ignore[arg-type]
    ("ls model None", lambda p: derive.ls(None), T),  # type: ignore[arg-type]
    ("ls model list", lambda p: derive.ls(["ols"]), T),  # type: ignore[arg-type]
    ("ls model empty", lambda p: derive.ls(""), V),
    ("ls model unknown", lambda p: derive.ls("nonsense"), V),
    ("ls names int", lambda p: derive.ls(names=5), T),  # type: ignore[arg-type]
    ("ls names list", lambda p: derive.ls(names=["b=beta"]), T),  # type: ignore[arg-type]
    ("ls names value int", lambda p: derive.ls(names={"b": 5}), T),  # type: ignore[dict-item]
    ("ls names key int", lambda p: derive.ls(names={5: "beta"}), T),  # type: ignore[dict-item]
    ("ls names value empty", lambda p: derive.ls(names={"b": ""}), V),
    ("ls lam str", lambda p: derive.ls("ridge", lam="0.5"), T),  # type: ignore[arg-type]
    ("ls lam nan", lambda p: derive.ls("ridge", lam=NAN), V),
    ("ls lam inf", lambda p: derive.ls("ridge", lam=INF), V),
    ("ls lam negative", lambda p: derive.ls("ridge", lam=-1.0), V),
    ("ls lam zero", lambda p: derive.ls("ridge", lam=0.0), V),
    ("ls lam bool", lambda p: derive.ls("ridge", lam=True), T),
    ("ls lam list", lambda p: derive.ls("ridge", lam=[0.5]), T),  # type: ignore[arg-type]
    ("ls intercept str", lambda p: derive.ls(intercept="yes"), T),  # type: ignore[arg-type]
    ("ls intercept int", lambda p: derive.ls(intercept=1), T),  # type: ignore[arg-type]
    ("ls data int", lambda p: derive.ls(data=5, x="a", y="b"), T),  # type: ignore[arg-type]
    ("ls data bytes", lambda p: derive.ls(data=b"a.csv", x="a", y="b"), T),  # type: ignore[arg-type]
    ("ls data missing", lambda p: derive.ls(data=p / "nope.csv", x="a", y="b"), V),
    ("ls data folder", lambda p: derive.ls(data=p, x="a", y="b"), V),
    ("ls data empty path", lambda p: derive.ls(data="", x="a", y="b"), V),
    ("ls x int", lambda p: derive.ls(data=p / "d.csv", x=5, y="y"), T),  # type: ignore[arg-type]
    ("ls x list of int", lambda p: derive.ls(data=p / "d.csv", x=[1], y="y"), T),  # type: ignore[list-item]
    ("ls y int", lambda p: derive.ls(data=p / "d.csv", x="x", y=5), T),  # type: ignore[arg-type]
    ("ls y None", lambda p: derive.ls(data=p / "d.csv", x="x", y=None), T),  # type: ignore[arg-type]
    ("ls y empty", lambda p: derive.ls(data=p / "d.csv", x="x", y=""), V),
    ("ls weights int", lambda p: derive.ls("wls", weights=5), T),  # type: ignore[arg-type]
    ("ls weights None", lambda p: derive.ls("wls", weights=None), T),  # type: ignore[arg-type]
    ("ls budget int", lambda p: derive.ls(budget=5), T),  # type: ignore[arg-type]
    ("ls x without data", lambda p: derive.ls(x="a"), V),
    # derive.mle
    ("mle density int", lambda p: derive.mle(5), T),  # type: ignore[arg-type]
    ("mle density None", lambda p: derive.mle(None), T),  # type: ignore[arg-type]
    ("mle density empty", lambda p: derive.mle(""), V),
    ("mle params int", lambda p: derive.mle("normal", params=5), T),  # type: ignore[arg-type]
    ("mle params list of int", lambda p: derive.mle("normal", params=[5]), T),  # type: ignore[list-item]
    ("mle params None", lambda p: derive.mle("normal", params=None), T),  # type: ignore[arg-type]
    ("mle params empty name", lambda p: derive.mle("normal", params=[""]), V),
    ("mle var int", lambda p: derive.mle("normal", var=5), T),  # type: ignore[arg-type]
    ("mle var empty", lambda p: derive.mle("normal", var=""), V),
    ("mle support int", lambda p: derive.mle("normal", support=5), T),  # type: ignore[arg-type]
    ("mle support empty", lambda p: derive.mle("normal", support=""), V),
    ("mle where int", lambda p: derive.mle("normal", where=5), T),  # type: ignore[arg-type]
    ("mle prior int", lambda p: derive.mle("normal", prior=5), T),  # type: ignore[arg-type]
    ("mle of int", lambda p: derive.mle("normal", of=5), T),  # type: ignore[arg-type]
    ("mle of list of None", lambda p: derive.mle("normal", of=[None]), T),  # type: ignore[list-item]
    ("mle data int", lambda p: derive.mle("normal", data=5), T),  # type: ignore[arg-type]
    ("mle data missing", lambda p: derive.mle("normal", data=p / "nope.csv"), V),
    ("mle column int", lambda p: derive.mle("normal", data=p / "d.csv", column=5), T),  # type: ignore[arg-type]
    ("mle column without data", lambda p: derive.mle("normal", column="x"), V),
    ("mle start int", lambda p: derive.mle("gamma", start=5), T),  # type: ignore[arg-type]
    ("mle start list", lambda p: derive.mle("gamma", start=[("alpha", 1.0)]), T),  # type: ignore[arg-type]
    ("mle start value str", lambda p: derive.mle("gamma", data=p / "d.csv", start={"alpha": "1"}), T),  # type: ignore[dict-item]
    ("mle start value nan", lambda p: derive.mle("gamma", data=p / "d.csv", start={"alpha": NAN}), V),
    ("mle start key int", lambda p: derive.mle("gamma", data=p / "d.csv", start={5: 1.0}), T),  # type: ignore[dict-item]
    ("mle seed str", lambda p: derive.mle("normal", seed="0"), T),  # type: ignore[arg-type]
    ("mle seed float", lambda p: derive.mle("normal", seed=1.5), T),  # type: ignore[arg-type]
    ("mle seed bool", lambda p: derive.mle("normal", seed=True), T),
    ("mle seed negative", lambda p: derive.mle("normal", seed=-1), V),
    ("mle seed huge", lambda p: derive.mle("normal", seed=2**100), V),
    ("mle budget int", lambda p: derive.mle("normal", budget=90), T),  # type: ignore[arg-type]
    # derive.latex
    ("latex int", lambda p: derive.latex(5), T),  # type: ignore[arg-type]
    ("latex None", lambda p: derive.latex(None), T),  # type: ignore[arg-type]
    ("latex bytes", lambda p: derive.latex(b"x"), T),  # type: ignore[arg-type]
    ("latex list", lambda p: derive.latex(["x"]), T),  # type: ignore[arg-type]
    ("latex empty", lambda p: derive.latex(""), V),
    ("latex where int", lambda p: derive.latex("x", where=5), T),  # type: ignore[arg-type]
    ("latex let int", lambda p: derive.latex("x", let=5), T),  # type: ignore[arg-type]
    ("latex let list of int", lambda p: derive.latex("x", let=[5]), T),  # type: ignore[list-item]
    # Budget
    ("Budget seconds str", lambda p: Budget(seconds="5"), T),  # type: ignore[arg-type]
    ("Budget seconds nan", lambda p: Budget(seconds=NAN), V),
    ("Budget seconds inf", lambda p: Budget(seconds=INF), V),
    ("Budget seconds -inf", lambda p: Budget(seconds=-INF), V),
    ("Budget seconds negative", lambda p: Budget(seconds=-1), V),
    ("Budget seconds bool", lambda p: Budget(seconds=True), T),
    ("Budget seconds None", lambda p: Budget(seconds=None), T),  # type: ignore[arg-type]
    ("Budget seconds huge", lambda p: Budget(seconds=1e300), V),
    ("Budget seconds huge int", lambda p: Budget(seconds=10**400), V),
    ("Budget max_ops str", lambda p: Budget(max_ops="10"), T),  # type: ignore[arg-type]
    ("Budget max_ops zero", lambda p: Budget(max_ops=0), V),
    ("Budget max_ops float", lambda p: Budget(max_ops=1.5), T),  # type: ignore[arg-type]
    ("Budget max_ops bool", lambda p: Budget(max_ops=True), T),
    ("Budget max_ops huge", lambda p: Budget(max_ops=10**30), V),
    ("Budget max_depth negative", lambda p: Budget(max_depth=-5), V),
    ("Budget max_depth None", lambda p: Budget(max_depth=None), T),  # type: ignore[arg-type]
    ("Budget memory_mb tiny", lambda p: Budget(memory_mb=1), V),
    ("Budget memory_mb str", lambda p: Budget(memory_mb="2048"), T),  # type: ignore[arg-type]
    ("Budget memory_mb nan", lambda p: Budget(memory_mb=NAN), T),  # type: ignore[arg-type]
    ("Budget memory_mb huge", lambda p: Budget(memory_mb=10**12), V),
    # HandoutBuilder
    ("HandoutBuilder title int", lambda p: HandoutBuilder(title=5).build(), T),  # type: ignore[arg-type]
    ("HandoutBuilder title None", lambda p: HandoutBuilder(title=None).build(), T),  # type: ignore[arg-type]
    ("HandoutBuilder subtitle int", lambda p: HandoutBuilder("T", subtitle=5).build(), T),  # type: ignore[arg-type]
    ("HandoutBuilder section int", lambda p: HandoutBuilder("T").section(5), T),  # type: ignore[arg-type]
    ("HandoutBuilder paragraph None", lambda p: HandoutBuilder("T").paragraph(None), T),  # type: ignore[arg-type]
    ("HandoutBuilder math int", lambda p: HandoutBuilder("T").math(5), T),  # type: ignore[arg-type]
    ("HandoutBuilder worked int", lambda p: HandoutBuilder("T").worked("t", 5), T),  # type: ignore[arg-type]
    ("HandoutBuilder exercise int", lambda p: HandoutBuilder("T").exercise(5), T),  # type: ignore[arg-type]
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "d.csv").write_text("x,y\n1,2\n2,3.5\n3,4\n", encoding="utf-8")
    return tmp_path


def test_there_are_over_a_hundred_misuse_calls() -> None:
    assert len(CASES) > 100
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "call", "builtin"), CASES, ids=[c[0] for c in CASES])
def test_misuse_is_our_error_with_a_hint(name: str, call: Callable[[Path], object], builtin: type[Exception],
                                        folder: Path) -> None:
    with pytest.raises(DeriveError) as info:
        call(folder)
    exc = info.value
    assert isinstance(exc, builtin), f"{name}: {type(exc).__name__} is not a {builtin.__name__}: {exc}"
    assert exc.hint, f"{name}: no hint: {exc.one_line()}"
    assert "\n" not in exc.one_line()
