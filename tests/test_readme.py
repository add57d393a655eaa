"""README.md's examples, run as a reader would run them, so the README stays true.

- each ```console block (``$ derive ...`` and what it prints) is run with ``COLUMNS`` fixed and its
  output compared exactly, line by line after trailing whitespace is stripped;
- each ``derive ...`` line of a ```bash block (not the set-up lines with ``setup.sh``) is run in a
  fresh directory that sees the clone's ``worked_examples/`` and must exit 0; the block's other shell
  lines before it (writing a small CSV) run there first;
- the ```latex block is the output of the ``--format latex`` command it illustrates;
- each ```python block runs in a subprocess; a line ``expr  # value`` whose comment is a value (not
  words) must give that value (its ``str`` or ``repr``);
- the keys the JSON contracts name are in the JSON the commands print.
"""
from __future__ import annotations

import ast
import io
import json
import re
import shlex
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, checkout_env, run_derive

README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
COLUMNS = "104"
"""The terminal width the README's console blocks were printed at."""

ENV = {"COLUMNS": COLUMNS}

pytestmark = pytest.mark.slow


def blocks(lang: str) -> list[str]:
    """The bodies of the README's fenced blocks in ``lang``, in order."""
    return re.findall(rf"^```{lang}\n(.*?)^```", TEXT, flags=re.M | re.S)


def normalized(text: str) -> str:
    """Lines without trailing whitespace, no trailing blank lines, one final newline."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n") + "\n"


def derive_args(command: str) -> list[str]:
    """The arguments after ``derive`` of one command line (shell quoting, ``# comment`` dropped)."""
    words = shlex.split(command, comments=True)
    assert words and words[0] == "derive", command
    return words[1:]


def short(command: str, width: int = 70) -> str:
    """A test id: the command, cut to ``width`` characters."""
    return command if len(command) <= width else command[: width - 3] + "..."


# --- console blocks ------------------------------------------------------------------------------

def console_examples() -> list[Any]:
    cases = []
    for body in blocks("console"):
        first, _, expected = body.partition("\n")
        assert first.startswith("$ derive "), f"a console block starts with '$ derive ...': {first!r}"
        assert "\n$ " not in "\n" + expected, f"one command per console block: {first!r}"
        command = first[2:]
        cases.append(pytest.param(command, expected, id=short(command)))
    return cases


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_console_block(command: str, expected: str) -> None:
    out = run_derive(*derive_args(command), env=ENV)
    shown = normalized(out.stdout + out.stderr)
    assert shown == normalized(expected), f"{command}\n--- README shows ---\n{expected}\n--- derive prints ---\n{shown}"
    # What the README promises about exit codes: 2 for bad input, 1 for a result whose closing line
    # says refuted, 3 for undecided, 0 for a certified result.
    last = normalized(expected).splitlines()[-1]
    code = 2 if expected.startswith("derive: error:") else 1 if last.startswith("✗ NOT certified") else \
        3 if last.startswith("? NOT certified") else 0
    assert out.returncode == code, out.stderr


# --- bash blocks ---------------------------------------------------------------------------------

def logical_lines(body: str) -> Iterator[str]:
    """The block's lines with backslash continuations joined."""
    pending = ""
    for line in body.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def bash_examples() -> list[Any]:
    cases = []
    for body in blocks("bash"):
        shell: list[str] = []
        for line in logical_lines(body):
            if not line.strip() or "setup.sh" in line:
                continue
            if line.startswith("derive "):
                marks = [pytest.mark.tex] if "--pdf" in shlex.split(line, comments=True) else []
                cases.append(pytest.param(line, tuple(shell), marks=marks,
                                           id=short(shlex.join(shlex.split(line, comments=True)))))
            else:
                shell.append(line)
    return cases


def test_bash_blocks_found() -> None:
    assert len(bash_examples()) >= 20


@pytest.mark.parametrize(("command", "before"), bash_examples())
def test_bash_command(command: str, before: tuple[str, ...], tmp_path: Path) -> None:
    # The README's commands run from a clone: data paths such as worked_examples/data/... resolve.
    (tmp_path / "worked_examples").symlink_to(ROOT / "worked_examples", target_is_directory=True)
    for line in before:
        done = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
    args = derive_args(command)
    out = run_derive(*args, cwd=tmp_path, env=ENV)
    assert out.returncode == 0, f"{command}\nexit {out.returncode}\n{out.stderr}\n{out.stdout[-2000:]}"
    assert "Traceback" not in out.stderr, out.stderr
    if "--pdf" in args:
        pdf = tmp_path / args[args.index("--pdf") + 1]
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), out.stdout + out.stderr


# --- the LaTeX block -----------------------------------------------------------------------------

LATEX_COMMAND = "derive diff 'x*exp(-x)' --wrt x --format latex"
"""The bash line whose output the README's ```latex block shows."""


def test_latex_block() -> None:
    assert LATEX_COMMAND in TEXT, "the README no longer shows the command of its LaTeX example"
    (expected,) = blocks("latex")
    out = run_derive(*derive_args(LATEX_COMMAND), env=ENV)
    assert out.returncode == 0, out.stderr
    assert normalized(out.stdout) == normalized(expected), out.stdout


# --- python blocks -------------------------------------------------------------------------------

_WORDS = re.compile(r"[A-Za-z]+ [A-Za-z]+")


def value_claim(line: str) -> tuple[str, str] | None:
    """``(expression, value)`` for a top-level line ``expression  # value``; None for anything else.

    A comment with two words in a row is prose about the line, not a value.
    """
    if line[:1].isspace():
        return None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    comments = [tok for tok in tokens if tok.type == tokenize.COMMENT]
    if not comments:
        return None
    code, comment = line[: comments[0].start[1]].strip(), comments[0].string.lstrip("#").strip()
    if not code or not comment or _WORDS.search(comment):
        return None
    try:
        ast.parse(code, mode="eval")
    except SyntaxError:
        return None
    return code, comment


def python_script(body: str) -> str:
    """The block as a script that records the value of each line that claims one and prints them as JSON."""
    lines = ["import json as __json", "import derive", "__claims = []"]
    for number, line in enumerate(body.splitlines(), 1):
        claim = value_claim(line)
        lines.append(f"__claims.append(({number}, ({claim[0]})))" if claim else line)
    lines.append("print(__json.dumps([[n, str(v), repr(v)] for n, v in __claims]))")
    return "\n".join(lines) + "\n"


def python_examples() -> list[Any]:
    return [pytest.param(body, id=f"python-{k}: {short(body.splitlines()[0], 50)}")
            for k, body in enumerate(blocks("python"), 1)]


@pytest.mark.parametrize("body", python_examples())
def test_python_block(body: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", python_script(body)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=checkout_env())
    assert done.returncode == 0, done.stderr
    results = {n: (s, r) for n, s, r in json.loads(done.stdout.splitlines()[-1])}
    lines = body.splitlines()
    for number, (as_str, as_repr) in results.items():
        claim = value_claim(lines[number - 1])
        assert claim is not None
        assert claim[1] in (as_str, as_repr), f"README line {lines[number - 1]!r}: the value is {as_repr}"


def test_python_claims_found() -> None:
    claims = [value_claim(line) for body in blocks("python") for line in body.splitlines()]
    assert sum(c is not None for c in claims) >= 3


# --- JSON contracts ------------------------------------------------------------------------------

JSON_CONTRACTS = [
    # (a passage of the README that starts a key list, commands whose JSON must hold its quoted keys)
    ("### JSON contract (`derive diff --format json`)", ["diff 'f(x^2)' --wrt x --format json"]),
    ("### JSON contract (`derive grad --let ... --format json`)",
     ["grad 'norm(y - X*b)^2 + lam*norm(b)^2' --wrt b --let 'X: n x p' --let 'y: n' --let 'b: p' --hessian "
      "--format json"]),
    ('JSON: `{"model"', ["ls --model ols --format json", "ls --model simple --format json",
                         "ls --model constrained --format json"]),
    ("JSON (`--format json`): `{\"density\"", ["mle bernoulli --format json"]),
]


def contract_keys(anchor: str) -> set[str]:
    """The quoted names listed in ``{...}`` in the README's paragraph that starts at ``anchor``."""
    start = TEXT.index(anchor)
    end = TEXT.find("\n\n", start + len(anchor) + 2)
    passage = TEXT[start:end]
    return set(re.findall(r'"([a-z_]+)"(?=\s*[,:}\]])', passage))


def all_keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in all_keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in all_keys(v)}
    return set()


@pytest.mark.parametrize(("anchor", "commands"), [pytest.param(a, c, id=a[:40]) for a, c in JSON_CONTRACTS])
def test_json_contract_keys(anchor: str, commands: list[str]) -> None:
    keys = contract_keys(anchor)
    assert len(keys) >= 7, keys
    for command in commands:
        out = run_derive(*shlex.split(command), env=ENV)
        assert out.returncode == 0, out.stderr
        missing = keys - all_keys(json.loads(out.stdout))
        assert not missing, f"{command}: the README names keys it does not print: {sorted(missing)}"
