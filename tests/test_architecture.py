"""The architecture, checked on the source: no import cycles, and dependencies that point one way.

Every ``import`` of a derive module counts, at module level or inside a function, so a lazy
import cannot hide a cycle. The layers are the README's: core <- parse <- certify (shared) <-
the capability packages; render sees the core and the models, never an engine; certification
never imports an engine; nothing but ``__main__`` imports the CLI.
"""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derive"

CAPABILITIES = ("scalar", "matrix", "lsq", "likelihood", "checker")

MODELS = frozenset({
    "derive.scalar.model", "derive.scalar.notation",
    "derive.matrix.expr", "derive.matrix.model", "derive.matrix.sympy_form",
    "derive.lsq.model", "derive.lsq.simple_model",
    "derive.likelihood.model", "derive.core.functions", "derive.likelihood.sample",
    "derive.handout.document", "derive.checker.model",
})
"""The data each capability hands to printers: what render may import from a capability package."""

ENGINES = frozenset({
    "derive.scalar.rules", "derive.scalar.strategy", "derive.scalar.tidy", "derive.scalar.gradient",
    "derive.scalar.mistakes",
    "derive.matrix.rules", "derive.matrix.differentials", "derive.matrix.identify", "derive.matrix.tidy",
    "derive.matrix.definiteness", "derive.matrix.elementwise", "derive.matrix.gradient",
    "derive.lsq.simple", "derive.lsq.models",
    "derive.likelihood.derivation", "derive.likelihood.loglik", "derive.likelihood.sums",
    "derive.likelihood.solve", "derive.likelihood.special", "derive.likelihood.fisher", "derive.likelihood.sign",
})
"""The modules that build derivations: never imported by a printer or a certifier."""

CERTIFIERS = frozenset({
    "derive.scalar.certify", "derive.matrix.certify", "derive.matrix.numeric", "derive.matrix.exact",
    "derive.matrix.sympy_check", "derive.lsq.certify", "derive.lsq.certify_simple", "derive.lsq.fit",
    "derive.likelihood.certify", "derive.likelihood.numeric", "derive.likelihood.sampling",
    "derive.likelihood.density", "derive.checker.certify", "derive.checker.probe", "derive.checker.diagnose",
})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the derive modules it imports (anywhere in its source)."""
    known = modules()
    out: dict[str, frozenset[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in known else base)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        out[name] = frozenset(m for m in found if m in known and m != name)
    return out


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


@pytest.mark.slow
def test_the_graph_sees_the_known_edges() -> None:
    """The walker itself works: a lazy import inside a function is an edge, and relative imports resolve."""
    g = graph()
    assert "derive.core.errors" in g["derive.core.budget"]
    assert "derive.matrix.gradient" in g["derive.lsq.models"]  # imported inside a method
    assert len(modules()) > 80


def test_there_are_no_import_cycles() -> None:
    assert _cycles() == []


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "parse": frozenset({"core", "parse"}),
    "certify": frozenset({"core", "parse", "certify"}),
    "forms": frozenset({"core", "forms"}),
    "scalar": frozenset({"core", "parse", "certify", "forms", "scalar"}),
    "matrix": frozenset({"core", "parse", "certify", "forms", "matrix"}),
    "lsq": frozenset({"core", "parse", "certify", "forms", "matrix", "lsq"}),
    "likelihood": frozenset({"core", "parse", "certify", "forms", "likelihood"}),
    "checker": frozenset({"core", "parse", "certify", "forms", "scalar", "matrix", "checker"}),  # derives the right side
    "export": frozenset({"core", "handout", "render", "export"}),  # HTML and Moodle XML of handouts and sheets
}
"""Which packages each layer may import (the capability APIs compose more; see below)."""


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_from_the_layers_below_it(layer: str) -> None:
    bad = [(m, dep) for m, deps in graph().items() if _layer(m) == layer and not m.endswith(".api")
           for dep in deps if _layer(dep) not in ALLOWED[layer]]
    assert bad == []


def test_render_imports_the_core_and_the_models_never_an_engine() -> None:
    bad = [(m, dep) for m, deps in graph().items() if _layer(m) == "render"
           for dep in deps if _layer(dep) in CAPABILITIES and dep not in MODELS]
    assert bad == []


def test_certification_never_imports_an_engine() -> None:
    certifiers = CERTIFIERS | {m for m in graph() if _layer(m) == "certify"}
    bad = [(m, dep) for m, deps in graph().items() if m in certifiers for dep in deps if dep in ENGINES]
    assert bad == []


def test_the_listed_modules_exist() -> None:
    """The lists above name real modules, so a rename cannot silently empty a rule."""
    missing = sorted((MODELS | ENGINES | CERTIFIERS) - set(modules()))
    assert missing == []


def test_only_the_cli_and_the_typesetter_import_export() -> None:
    """Export is a leaf: the CLI uses it, the build runner's typesetter (lazily, for ``.html``), and a sheet's
    planner its question data (``derive.export.questions`` only)."""
    bad = [m for m, deps in graph().items() if _layer(m) not in {"cli", "export"}
           and m != "derive.handout.typeset" and any(_layer(d) == "export" for d in deps)
           and not (_layer(m) == "course" and deps & {"derive.export"} == set()
                    and all(d == "derive.export.questions" for d in deps if _layer(d) == "export"))]
    assert bad == []


def test_only_main_imports_the_cli() -> None:
    bad = [m for m, deps in graph().items() if _layer(m) != "cli" and m != "derive.__main__"
           and any(_layer(d) == "cli" for d in deps)]
    assert bad == []


def test_the_core_imports_no_sympy_at_module_level() -> None:
    """Errors, the budget, the contract and the visitor load without SymPy (``--help`` stays fast)."""
    for name, path in modules().items():
        if _layer(name) != "core" or name == "derive.core.functions":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
        assert not any(n.split(".")[0] in {"sympy", "numpy", "scipy"} for n in names), name
