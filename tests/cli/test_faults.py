"""The command under hostile input: bad data files, huge numbers and cells, control characters, memory.

Every failure is one line with the shared exit code (2 bad input, 3 over a budget), never exit 1.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pytest

from derive.cli import common
from derive.core.errors import BudgetExceeded
from derive.render.pdf import tex_available
from tests.conftest import one_error_line, run_derive as derive

UNREADABLE = Path("/proc/sys/vm/compact_memory")  # a regular file nobody may read, root included


def data_path(kind: str, tmp_path: Path) -> Path:
    if kind == "missing":
        return tmp_path / "nope.csv"
    if kind == "folder":
        return tmp_path
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe.csv")
        return tmp_path / "pipe.csv"
    if kind == "symlink loop":
        (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
        (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
        return tmp_path / "a.csv"
    if kind == "device":
        return Path("/dev/zero")
    assert kind == "unreadable"
    if UNREADABLE.exists():
        return UNREADABLE
    locked = tmp_path / "locked.csv"
    locked.write_text("x\n1\n")
    locked.chmod(0)
    return locked


@pytest.mark.parametrize("kind", ["missing", "folder", "fifo", "symlink loop", "device", "unreadable"])
@pytest.mark.parametrize("command", [["ls", "--x", "x", "--y", "y"], ["mle", "normal"]], ids=["ls", "mle"])
def test_a_bad_data_path_is_one_line_exit_2_before_any_work(kind: str, command: list[str], tmp_path: Path) -> None:
    path = data_path(kind, tmp_path)
    out = derive(*command, "--data", str(path), timeout=120)  # a FIFO that blocked would time out here
    assert out.returncode == 2
    line = one_error_line(out)
    assert "cannot read" in line and str(path) in line


def test_a_csv_cell_over_the_csv_field_limit_is_our_error(tmp_path: Path) -> None:
    data = tmp_path / "big.csv"
    data.write_text("x,y\n1,2\n3," + "1" * 140_000 + "\n")
    out = derive("ls", "--data", str(data), "--x", "x", "--y", "y", "--format", "json")
    assert out.returncode == 2
    assert "row 3: a cell is longer than 131072 characters" in one_error_line(out)


def test_a_number_too_long_to_print_is_a_size_budget() -> None:
    out = derive("diff", "exp(10^900*x)", "--wrt", "x", "--order", "5")
    assert out.returncode == 3
    assert "size budget" in one_error_line(out) and "digits" in out.stderr


@pytest.mark.slow
def test_control_characters_in_a_csv_header_are_escaped(tmp_path: Path) -> None:
    data = tmp_path / "evil.csv"
    data.write_text("\x1b[2J\x1b[Hx,y\n1,2\n2,3\n3,5\n")
    out = derive("ls", "--data", str(data), "--x", "x", "--y", "y")
    assert out.returncode == 2
    line = one_error_line(out)
    assert "\x1b" not in out.stderr and "\\x1b[2J" in line


@pytest.mark.parametrize("args", [["diff", "x^2", "--wrt", "x\ny"], ["diff", "x^2", "--wrt", "x", "--bad\nopt"],
                                  ["diff", "x^2 +\x1b[2J * 3", "--wrt", "x"]], ids=["wrt", "option", "expr"])
def test_a_newline_or_escape_in_an_argument_keeps_the_error_on_one_line(args: list[str]) -> None:
    out = derive(*args)
    assert out.returncode == 2
    assert "\x1b" not in one_error_line(out)


@pytest.mark.slow
def test_running_out_of_memory_is_exit_3_with_the_budget_named(tmp_path: Path) -> None:
    data = tmp_path / "huge.csv"
    with data.open("w") as f:
        f.write("x,y\n")
        f.write("1,2\n" * 20_000_000)  # 80 MB of text: more than 64 MB once read
    out = derive("ls", "--data", str(data), "--x", "x", "--y", "y", "--memory", "64", timeout=600)
    assert out.returncode == 3
    assert "memory budget of 64 MB exceeded" in one_error_line(out)


@pytest.mark.parametrize("value", ["10", "-5", "lots", "1e12"])
def test_the_memory_budget_must_be_a_sensible_number(value: str) -> None:
    out = derive("diff", "x^2", "--wrt", "x", "--memory", value)
    assert out.returncode == 2 and "--memory" in one_error_line(out)


@pytest.mark.slow
@pytest.mark.skipif(not tex_available(), reason="needs TeX (latexmk, pdflatex)")
def test_an_upper_case_pdf_suffix_is_written_and_reported_as_such(tmp_path: Path) -> None:
    pdf = tmp_path / "OUT.PDF"
    out = derive("diff", "x^2", "--wrt", "x", "--pdf", str(pdf))
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert f"wrote {pdf}" in out.stderr and "TeX is not installed" not in out.stderr
    assert not list(tmp_path.glob("*.tex"))


class _SlowToRender:
    def render(self, fmt: str, **settings: object) -> str:
        time.sleep(60)
        return "never"


def _job(args: argparse.Namespace) -> common.Output:
    return common.render(_SlowToRender(), args, "slow")


def test_the_budget_covers_rendering_the_output() -> None:
    args = argparse.Namespace(timeout=0.5, memory=256, pdf=None, format="json")
    started = time.monotonic()
    with pytest.raises(BudgetExceeded, match="time budget of 0.5 s exceeded during rendering the json output"):
        common.run_job(_job, args, what="a slow command")
    assert time.monotonic() - started < 30  # stopped by the budget, not by the 60 s render


def test_a_reader_that_leaves_is_exit_141_and_silent() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT, checkout_env

    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run([sys.executable, "-m", "derive", "diff", "x^2", "--wrt", "x", "--format", "json"],
                             stdout=write, stderr=subprocess.PIPE, text=True, timeout=300, cwd=ROOT, env=checkout_env())
    finally:
        os.close(write)
    assert out.returncode == 141 and out.stderr == ""


@pytest.mark.slow
def test_a_build_script_over_its_budget_is_stopped_and_the_others_still_build(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "slow.py").write_text("import time\ntime.sleep(300)\n")
    (scripts / "fine.py").write_text("from derive.handout import HandoutBuilder\n"
                                     "handout = HandoutBuilder('Fine').paragraph('ok').build()\n")
    started = time.monotonic()
    out = derive("build", str(scripts), "--out", str(tmp_path / "out"), "--tex-only", "--timeout", "2", "-j", "2")
    assert out.returncode == 3  # over budget
    assert time.monotonic() - started < 120  # not the script's 300 s
    assert "slow.py: time budget of 2 s exceeded during running slow.py" in out.stderr
    assert (tmp_path / "out" / "fine.tex").is_file() and not (tmp_path / "out" / "slow.tex").exists()
