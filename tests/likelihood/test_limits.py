"""Limits that do not depend on load: the same input gives the same document on a fast or a busy machine.

The optional expectations (Fisher information, bias) run under ``Budget.max_work``, a count of
Python calls; what the allowance cuts is labelled "not computed (work limit)" in every format.
A cut optional part leaves the printed claims certified; a claim whose own check is cut is not
certified, and ``derive mle`` then exits 3 (the budget ran out), never 0.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import derive
import derive.likelihood.api as mle_api
from derive.cli import main
from derive.core.budget import Budget
from derive.likelihood.api import MleRequest, MleResult, mle_job

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("text", "latex", "json", "markdown")


def _request(name: str) -> MleRequest:
    return MleRequest(name, (), None, None, (), None, (), None, None, (), 0)


@pytest.mark.slow
def test_binomial_keeps_its_fisher_information_when_the_machine_is_50_times_slower(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock reads 50x the elapsed time (a machine 50 times busier): the document is the same."""
    budget = Budget(seconds=3600.0)  # the outer backstop stays out of the way even at 50x
    calm = MleResult(mle_job(_request("binomial"), budget)).to_json()
    for name in ("monotonic", "perf_counter", "time"):
        real = getattr(time, name)
        start = real()
        monkeypatch.setattr(time, name, lambda real=real, start=start: start + 50 * (real() - start))
    busy = MleResult(mle_job(_request("binomial"), budget)).to_json()
    assert busy == calm
    doc = json.loads(busy)
    assert doc["fisher_information"] == "-m*n/(p*(p - 1))"
    assert not any(c["certificate"].startswith("not computed") for c in doc["checks"])


def test_a_tiny_work_budget_labels_the_cut_optional_parts_in_every_format() -> None:
    r = derive.mle("binomial", budget=Budget(seconds=120, max_work=1000))
    d = r.derivation
    assert d.fisher_expected is None and not any(s.kind == "bias" for s in d.steps)
    cut = {c.name for c in d.checks if c.certificate.describe() == "not computed (work limit)"}
    assert cut == {"Expected (Fisher) information", "Mean and bias of the estimator of p"}
    for fmt in FORMATS:
        out = r.render(fmt)
        for name in cut:
            assert name in out and "not computed (work limit)" in out, fmt
    # nothing printed depends on the cut parts: the printed claims stay certified, and say what is missing
    assert r.certified and not r.cut_by_budget
    assert "not computed: Expected (Fisher) information" in r.to_text()


def test_a_claim_whose_check_is_cut_is_not_certified_in_any_format() -> None:
    r = derive.mle("exponential", budget=Budget(seconds=120, max_work=10))
    step = next(s for s in r.derivation.steps if s.relation == "asymptotic")
    assert step.certificate.describe() == "not computed (work limit)"
    assert not r.certified and r.cut_by_budget
    assert "NOT certified" in r.to_text()
    assert json.loads(r.to_json())["certified"] is False
    assert "NOT certified" in r.to_markdown()
    for fmt in FORMATS:
        assert "not computed" in r.render(fmt), fmt


def test_the_cli_exits_3_when_the_work_budget_cut_a_check(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A result that is not certified never exits 0: 3 when the budget cut a check (the document is printed)."""
    real = mle_api.mle

    def tiny(*args: Any, budget: Budget | None = None, **kw: Any) -> MleResult:
        return real(*args, budget=replace(budget or Budget(), max_work=10), **kw)

    monkeypatch.setattr(mle_api, "mle", tiny)
    assert main(["mle", "exponential", "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["certified"] is False
    assert any(s["certificate"] == "not computed (work limit)" for s in doc["steps"])


@pytest.mark.slow
def test_the_document_does_not_depend_on_the_hash_seed() -> None:
    """Set and dict orders follow PYTHONHASHSEED; neither the work counted nor the output may."""
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-m", "derive", "mle", "binomial", "--format", "json"],
                             capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
        assert out.returncode == 0, out.stderr
        outs.append(out.stdout)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["fisher_information"] == "-m*n/(p*(p - 1))"
