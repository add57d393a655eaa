"""The build runner under hostile scripts: each item in a clean process, its output in its log, its
failure its own, nothing stale left; the cache; outputs named by mirrored folders and versions."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import ROOT, run_derive
from tests.handout.fakes import SCRIPT_WITH_VERDICT

GOOD = (
    "import derive\nfrom derive.handout.builder import HandoutBuilder\n"
    "h = HandoutBuilder(title={title!r})\nh.worked('d', derive.diff('x^3', wrt='x'))\nhandout = h.build()\n"
)


def good(title: str, before: str = "") -> str:
    return before + GOOD.format(title=title)


def build(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_derive("build", *args, "--tex-only", cwd=cwd, timeout=timeout)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_scripts_of_the_same_name_in_different_folders_build_to_mirrored_outputs(tmp_path: Path) -> None:
    a = write(tmp_path / "src", "a/same.py", good("From folder a"))
    b = write(tmp_path / "src", "b/same.py", good("From folder b"))
    out = build(str(a), str(b), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    assert "From folder a" in (tmp_path / "out" / "a" / "same.tex").read_text()
    assert "From folder b" in (tmp_path / "out" / "b" / "same.tex").read_text()
    assert (tmp_path / "out" / "a" / "same.student.tex").is_file()
    assert not (tmp_path / "out" / "same.tex").exists()


def test_two_items_writing_one_output_are_a_usage_error_before_anything_runs(tmp_path: Path) -> None:
    write(tmp_path / "src", "x.py", good("x"))
    write(tmp_path / "src", "x.student.py", good("x student"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"))
    assert out.returncode == 2
    assert "would both write x.student" in out.stderr and "Traceback" not in out.stderr
    assert not list((tmp_path / "out").glob("*.tex")) if (tmp_path / "out").exists() else True


def test_versions_choose_what_is_written(tmp_path: Path) -> None:
    script = write(tmp_path, "one.py", good("One"))
    out = build(str(script), "--out", str(tmp_path / "out"), "--versions", "student,exam")
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in (tmp_path / "out").glob("*.tex"))
    assert names == ["one.exam.tex", "one.student.tex"]
    bad = build(str(script), "--out", str(tmp_path / "out"), "--versions", "student,teacher")
    assert bad.returncode == 2 and "unknown version 'teacher'" in bad.stderr


def test_a_script_changing_directory_moves_no_output(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(tmp_path / "src", "a_moves.py", good("Moves", f"import os\nos.chdir({str(elsewhere)!r})\n"))
    write(tmp_path / "src", "b_stays.py", good("Stays"))
    out = build("src", "--out", "out", "-j", "1", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.tex")) == [
        "a_moves.student.tex", "a_moves.tex", "b_stays.student.tex", "b_stays.tex"]
    assert not any(elsewhere.iterdir())


def test_a_monkeypatch_in_one_script_does_not_reach_the_next(tmp_path: Path) -> None:
    write(tmp_path / "src", "a_patches.py", good("Patches", "import derive\nderive.diff = None\n"
                                                           "import derive.scalar.api as api\napi.diff = None\n"))
    write(tmp_path / "src", "b_uses.py", good("Uses", "import derive\nassert derive.diff is not None, 'leaked'\n"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"), "-j", "1")
    assert "leaked" not in out.stderr
    assert (tmp_path / "out" / "b_uses.tex").is_file()
    # the patching script itself breaks on its own patch: only it fails
    assert "a_patches.py" in out.stderr and out.returncode == 2


def test_os_exit_is_reported_at_once_as_no_result(tmp_path: Path) -> None:
    write(tmp_path / "src", "quits.py", "import os\nos._exit(0)\n")
    write(tmp_path / "src", "works.py", good("Works"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"), "--timeout", "500")
    assert out.returncode == 4, out.stderr
    assert "quits.py: the script exited without a result" in out.stderr
    assert "time budget" not in out.stderr
    assert (tmp_path / "out" / "works.tex").is_file() and not (tmp_path / "out" / "quits.tex").exists()


def test_keyboard_interrupt_in_a_script_fails_that_item_only(tmp_path: Path) -> None:
    write(tmp_path / "src", "interrupts.py", "x = 1\nraise KeyboardInterrupt\n")
    write(tmp_path / "src", "works.py", good("Works"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"))
    assert out.returncode == 2, out.stderr
    assert "interrupts.py: line 2: KeyboardInterrupt" in out.stderr
    assert (tmp_path / "out" / "works.tex").is_file()
    assert "Traceback" not in out.stderr


def test_a_daemon_holding_stdout_does_not_hold_derive(tmp_path: Path) -> None:
    pid_file = tmp_path / "daemon.pid"
    daemon = (f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
              "    print('daemon output', flush=True)\n    time.sleep(60)\n    os._exit(0)\n")
    write(tmp_path / "src", "daemon.py", good("Daemon", daemon))
    try:
        out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"), timeout=50)  # would hang 60 s
        assert out.returncode == 0, out.stderr
        assert "daemon output" not in out.stdout
        assert (tmp_path / "out" / "daemon.tex").is_file()
    finally:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_flood_of_prints_goes_to_a_capped_log(tmp_path: Path) -> None:
    write(tmp_path / "src", "loud.py", good("Loud", "for _ in range(100_000):\n    print('y' * 1000)\n"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    assert "yyyy" not in out.stdout and "yyyy" not in out.stderr
    log = tmp_path / "out" / "loud.log"
    assert log.stat().st_size < (10 << 20) + 4096
    assert "this log was cut at 10 MB" in log.read_text()
    assert (tmp_path / "out" / "loud.tex").is_file()


def test_a_script_that_prints_keeps_its_log_and_a_quiet_one_none(tmp_path: Path) -> None:
    write(tmp_path / "src", "talks.py", good("Talks", "print('hello from the script')\n"))
    write(tmp_path / "src", "quiet.py", good("Quiet"))
    out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    assert "hello from the script" not in out.stdout + out.stderr
    assert (tmp_path / "out" / "talks.log").read_text() == "hello from the script\n"
    assert not (tmp_path / "out" / "quiet.log").exists()


def test_a_failing_item_leaves_nothing_stale_and_names_its_line(tmp_path: Path) -> None:
    script = write(tmp_path / "src", "flaky.py", good("Flaky"))
    out_dir = tmp_path / "out"
    assert build(str(script), "--out", str(out_dir)).returncode == 0
    assert (out_dir / "flaky.tex").is_file() and list((out_dir / ".derive-cache").iterdir())
    script.write_text("import derive\n\nderive.diff('x^^2', wrt='x')\n")
    out = build(str(script), "--out", str(out_dir))
    assert out.returncode == 2
    assert "flaky.py: line 3: " in out.stderr
    assert not (out_dir / "flaky.tex").exists() and not (out_dir / "flaky.student.tex").exists()
    assert not list((out_dir / ".derive-cache").iterdir())


def test_an_unchanged_item_is_cached_and_a_changed_one_rebuilt(tmp_path: Path) -> None:
    script = write(tmp_path / "src", "c.py", good("Cached"))
    other = write(tmp_path / "src", "d.py", good("Other"))
    out_dir = tmp_path / "out"
    first = build(str(tmp_path / "src"), "--out", str(out_dir))
    assert first.returncode == 0 and "(cached)" not in first.stderr
    records = [json.loads(p.read_text()) for p in (out_dir / ".derive-cache").iterdir()]
    assert sorted(r["item"] for r in records) == ["c", "d"] and all(r["verdict"] == "certified" for r in records)
    again = build(str(tmp_path / "src"), "--out", str(out_dir))
    assert again.returncode == 0
    assert again.stderr.count("(cached)") == 2
    script.write_text(good("Cached, changed"))
    (out_dir / "d.student.tex").write_text("tampered")  # an output edited by hand is rebuilt too
    third = build(str(tmp_path / "src"), "--out", str(out_dir))
    assert third.stderr.count("(cached)") == 0
    assert "Cached, changed" in (out_dir / "c.tex").read_text()
    assert "tampered" not in (out_dir / "d.student.tex").read_text()
    forced = build(str(other), "--out", str(out_dir), "--no-cache")
    assert forced.returncode == 0 and "(cached)" not in forced.stderr


def test_sheet_options_without_a_sheet_are_a_usage_error(tmp_path: Path) -> None:
    script = write(tmp_path, "one.py", good("One"))
    out = build(str(script), "--out", str(tmp_path / "out"), "--variants", "3")
    assert out.returncode == 2 and "apply to problem sheets" in out.stderr


def test_moodle_without_a_sheet_is_a_usage_error(tmp_path: Path) -> None:
    script = write(tmp_path, "one.py", good("One"))
    out = build(str(script), "--out", str(tmp_path / "out"), "--moodle")
    assert out.returncode == 2 and "--moodle exports a problem sheet's variants" in out.stderr
    assert not (tmp_path / "out").exists()


def test_html_is_written_or_refused_in_one_line(tmp_path: Path) -> None:
    from derive.handout.typeset import html_available

    script = write(tmp_path, "one.py", good("One"))
    out = build(str(script), "--out", str(tmp_path / "out"), "--html")
    if html_available():
        assert out.returncode == 0, out.stderr
        assert (tmp_path / "out" / "one.html").is_file() and (tmp_path / "out" / "one.student.html").is_file()
    else:
        assert out.returncode == 2 and "HTML export is not available" in out.stderr
        assert not (tmp_path / "out").exists()


# --- sheets: the dispatch to derive.course.plan_sheet (course's own tests build real sheets) ---


def make_fixed(title: str) -> object:
    from derive.handout.builder import HandoutBuilder
    from derive.handout.items import Made

    return Made(HandoutBuilder(title=title).paragraph("A question.").build(), {"a": 1.5})


class FakePlan:
    def __init__(self, items: list[object]) -> None:
        self.items = items
        self.manifests: list[tuple[Path, list[object]]] = []
        self.prepared = 0

    def prepare(self) -> None:
        self.prepared += 1

    def write_manifest(self, out: Path, reports: list[object]) -> Path:
        self.manifests.append((out, list(reports)))
        return out / "week1" / "manifest.json"


def test_a_toml_path_is_planned_by_the_course_package_and_its_manifest_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from derive.handout import build as runner
    from derive.handout.items import BuildItem

    sheet = write(tmp_path, "week1.toml", "title = 'Week 1'\n")
    calls: list[tuple[Path, dict[str, object]]] = []
    plans: list[FakePlan] = []

    def plan_sheet(path: Path, **options: object) -> FakePlan:
        calls.append((path, options))
        items = [BuildItem(key=f"week1/{i}", label=f"{path}#{i}", make=make_fixed, args=(f"Variant {i}",),
                           outputs={"student": f"week1/{i}/student", "solution": f"week1/{i}/solution"},
                           inputs=(path,), salt=str(i)) for i in ("s1", "s2")]
        plans.append(FakePlan(items))  # type: ignore[arg-type]
        return plans[-1]

    monkeypatch.setitem(sys.modules, "derive.course", types.SimpleNamespace(plan_sheet=plan_sheet))
    reports = runner.build_all([sheet], tmp_path / "out", jobs=1, tex_only=True, variants=2, seed=7, quiet=True,
                               versions=("student", "solution"))
    assert calls == [(sheet, {"variants": 2, "seed": 7, "students": None, "versions": ("student", "solution"),
                              "remember": (tmp_path / "out").resolve() / ".derive-cache"})]
    assert [r.error for r in reports] == [None, None]
    assert (tmp_path / "out" / "week1" / "s2" / "student.tex").is_file()
    assert "Variant s1" in (tmp_path / "out" / "week1" / "s1" / "solution.tex").read_text()
    [(out, manifest_reports)] = plans[0].manifests
    assert out == (tmp_path / "out").resolve()
    assert [r.answers for r in manifest_reports] == [{"a": 1.5}, {"a": 1.5}]  # type: ignore[attr-defined]
    assert plans[0].prepared == 1  # what the variants share, once, before the workers are forked
    runner.build_all([sheet], tmp_path / "out", jobs=1, tex_only=True, variants=2, seed=7, quiet=True,
                     versions=("student", "solution"))
    assert plans[1].prepared == 0  # every variant cached: nothing to prepare


def test_a_toml_path_without_the_course_package_is_one_usage_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from derive.core.errors import UsageError
    from derive.handout import build as runner

    sheet = write(tmp_path, "week1.toml", "title = 'Week 1'\n")
    monkeypatch.setitem(sys.modules, "derive.course", None)  # import fails as if it were not installed
    with pytest.raises(UsageError, match="problem sheets are not available"):
        runner.plan([sheet])


# --- --scheduler: the same build as Dask tasks --------------------------------------------------


@pytest.mark.slow
def test_a_build_on_a_dask_cluster_gathers_outputs_and_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed  # a test dependency (pyproject: the test extra)

    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the cluster's workers run this checkout's derive
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(tmp_path / "src", "a/same.py", good("Same a", f"import os\nos.chdir({str(elsewhere)!r})\n"))
    write(tmp_path / "src", "b/same.py", good("Same b", "print('to the log')\n"))
    write(tmp_path / "src", "b/quits.py", "import os\nos._exit(0)\n")
    write(tmp_path / "src", "b/raises.py", "x = 1\nraise KeyboardInterrupt\n")
    paths = [str(tmp_path / "src" / "a"), str(tmp_path / "src" / "b")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = build(*paths, "--out", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address)
        assert out.returncode == 4, out.stderr  # a worker died: the most serious code
        assert "Same a" in (tmp_path / "out" / "a" / "same.tex").read_text()
        assert "Same b" in (tmp_path / "out" / "b" / "same.student.tex").read_text()
        assert (tmp_path / "out" / "b" / "same.log").read_text() == "to the log\n"
        assert "quits.py: the script exited without a result" in out.stderr
        assert "raises.py: line 2: KeyboardInterrupt" in out.stderr
        assert not (tmp_path / "out" / "b" / "quits.tex").exists() and not any(elsewhere.iterdir())
        again = build(*paths, "--out", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address)
        assert again.stderr.count("(cached)") == 2


@pytest.mark.slow  # the client tries for its 10 s connect timeout
def test_an_unreachable_scheduler_is_one_usage_line(tmp_path: Path) -> None:
    script = write(tmp_path, "one.py", good("One"))
    out = build(str(script), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", timeout=120)
    assert out.returncode == 2, out.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in out.stderr and "Traceback" not in out.stderr




def test_a_refuted_item_is_cached_with_its_verdict_and_an_undecided_one_is_rebuilt(tmp_path: Path) -> None:
    write(tmp_path / "src", "refuted.py", SCRIPT_WITH_VERDICT.format(verdict="REFUTED"))
    write(tmp_path / "src", "undecided.py", SCRIPT_WITH_VERDICT.format(verdict="UNDECIDED"))
    for _ in range(2):
        out = build(str(tmp_path / "src"), "--out", str(tmp_path / "out"))
        assert out.returncode == 1, out.stderr  # refuted, cached or not, never exits 0
        assert "NOT certified" in out.stderr
    assert "refuted.py -> " in out.stderr and out.stderr.count("(cached)") == 1
    assert "undecided.py -> " in out.stderr and "(cached)" not in out.stderr.split("undecided.py")[1].splitlines()[0]


def test_a_template_folder_is_used_or_refused_in_one_line(tmp_path: Path) -> None:
    from derive.handout.typeset import templates_available

    script = write(tmp_path, "one.py", good("One"))
    missing = build(str(script), "--out", str(tmp_path / "out"), "--templates", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    folder = tmp_path / "templates"
    folder.mkdir()
    out = build(str(script), "--out", str(tmp_path / "out"), "--templates", str(folder))
    if templates_available():
        assert out.returncode == 0, out.stderr
        assert (tmp_path / "out" / "one.tex").is_file()
    else:
        assert out.returncode == 2 and "--templates is not available" in out.stderr


@pytest.mark.parametrize("stem", ["../escape", "/abs/x", "a//b", "./x", ""])
def test_an_output_outside_the_folder_is_refused_before_anything_runs(stem: str) -> None:
    from derive.core.errors import UsageError
    from derive.handout.build import check_unique
    from derive.handout.items import BuildItem

    item = BuildItem(key="ok", label="sheet.toml#1", make=make_fixed, outputs={"solution": stem})
    with pytest.raises(UsageError, match="not a plain relative path"):
        check_unique([item])


@pytest.mark.slow
def test_the_week1_sheet_builds_its_variants_and_manifest_and_then_comes_from_the_cache(tmp_path: Path) -> None:
    sheet = ROOT / "worked_examples" / "sheets" / "week1.toml"
    args = (str(sheet), "--out", str(tmp_path), "--variants", "2", "--seed", "2026", "--moodle")
    out = build(*args, timeout=900)
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "week1" / "manifest.json").read_text())
    quiz = ElementTree.parse(tmp_path / "week1" / "moodle.xml").getroot()
    assert len(quiz.findall("question[@type='category']")) >= 5  # a category per problem (and per answer part)
    assert len(quiz.findall("question")) > len(quiz.findall("question[@type='category']"))
    assert [e["id"] for e in manifest] == ["v1", "v2"] and manifest[0]["seed"] != manifest[1]["seed"]
    for entry in manifest:
        for version in ("student", "solution"):
            assert (tmp_path / "week1" / entry["id"] / f"{version}.tex").is_file()
    first = (tmp_path / "week1" / "v1" / "solution.tex").read_text()
    again = build(*args, timeout=900)
    assert again.returncode == 0 and again.stderr.count("(cached)") == 2
    assert (tmp_path / "week1" / "v1" / "solution.tex").read_text() == first


def test_a_scripts_api_calls_get_the_items_time_limit(tmp_path: Path) -> None:
    script = write(tmp_path, "ambient.py", good("Ambient", (
        "from derive.core.budget import Budget, check_budget\n"
        "assert check_budget(None, Budget(seconds=30)).seconds == 77.0, 'the prompt default'\n")))
    out = build(str(script), "--out", str(tmp_path / "out"), "--timeout", "77")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "out" / "ambient.tex").is_file()


def test_the_parent_preloads_the_engines_but_not_the_cli_or_dask() -> None:
    """Workers are forked from a parent that has imported what items import (never derive's CLI or Dask)."""
    code = ("import sys\nfrom derive.handout.execute import _preload\n_preload()\n"
            "print(sorted(m for m in ('derive.lsq.summary', 'derive.likelihood.fit', 'derive.checker.api', "
            "'scipy.special', 'mpmath', 'derive.cli', 'dask') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["['derive.checker.api',", "'derive.likelihood.fit',", "'derive.lsq.summary',",
                                  "'mpmath',", "'scipy.special']"]
