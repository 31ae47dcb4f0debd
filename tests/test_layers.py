"""The package is layered: data flows one way and each package imports only from those
before it (imports inside functions included), there is no import cycle between modules,
and the analysis, finance and output layers never load Pyomo.

The order (``../shared/DESIGN.md`` §4b): core < scenario < reference < inputs < model <
solve < results < analysis < finance < output < runs < cli. The core is the package root
and the modules listed in CORE. The compatibility modules in COMPAT (old import paths kept
for the README and notebooks) come last: nothing in the package imports them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "pathway"
CORE = {"pathway", "pathway.errors", "pathway.units", "pathway.money", "pathway.technologies", "pathway.files"}
ORDER = ("scenario", "reference", "inputs", "model", "solve", "results", "analysis", "finance", "output", "runs", "cli")
COMPAT = {"pathway.run", "pathway.charts", "pathway.loader", "pathway.inventory"}
PYOMO_FREE = ("analysis", "finance", "output")


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


MODULES = all_modules()


def rank(module: str) -> int:
    if module in CORE:
        return 0
    if module in COMPAT:
        return len(ORDER) + 1
    top = module.split(".")[1]
    assert top in ORDER, f"{module}: not in a layer (add it to ORDER, CORE or COMPAT in {__file__})"
    return ORDER.index(top) + 1


def imports_of(module: str) -> set[str]:
    """Every pathway module ``module`` imports, anywhere in its body (functions included).
    ``from a.b import c`` names the module a.b.c when that is a module, else a.b."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        else:
            continue
        for n in names:
            while n and n not in MODULES and "." in n:
                n = n.rsplit(".", 1)[0]
            if n in MODULES and n != module:
                out.add(n)
    return out


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_has_a_layer():
    for m in MODULES:
        rank(m)


def test_no_module_imports_a_later_layer():
    bad = [f"{m} ({ORDER[rank(m) - 1] if 0 < rank(m) <= len(ORDER) else 'core/compat'}) imports {t}"
           for m, targets in GRAPH.items() for t in sorted(targets) if rank(t) > rank(m)]
    assert not bad, "imports against the flow:\n" + "\n".join(bad)


def test_no_import_cycles():
    """Tarjan's strongly connected components over the module graph: every one is a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
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
                cycles.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_scan_sees_imports_inside_functions():
    """The scanner must catch a late import (the kind that used to hide cycles)."""
    assert "pathway.model" in GRAPH["pathway.solve.session"]  # imported inside PersistentSession._build
    assert "pathway.output.report" in GRAPH["pathway.output.folder"]  # imported inside write_run


@pytest.mark.parametrize("layer", PYOMO_FREE)
def test_layer_does_not_load_pyomo(layer):
    mods = sorted(m for m in MODULES if m.split(".")[1:2] == [layer])
    code = ("import importlib, sys\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "print(sorted(k for k in sys.modules if k == 'pyomo' or k.startswith('pyomo.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing pathway.{layer} loads Pyomo: {out.stdout[:300]}"
