"""Architecture checks: imports point one way, and schema words match the registries."""
from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

from pinnsolve.derivatives import ENGINES
from pinnsolve.models import ACTIVATIONS, MODELS
from pinnsolve.sampling import METHODS, STRATEGIES
from pinnsolve.spec import schema
from pinnsolve.training import OPTIMIZERS
from pinnsolve.training.weights import SCHEMES

PKG = Path(__file__).resolve().parents[1] / "pinnsolve"

# subpackage -> subpackages it may import (errors and cpus are allowed everywhere). models reads the
# compiler's lowering for hard-constraint lift expressions; reference reads nothing.
ALLOWED = {
    "spec": set(),
    "geometry": {"spec"},
    "derivatives": set(),
    "compiler": {"spec", "derivatives"},
    "models": {"spec", "compiler", "geometry"},
    "sampling": {"spec", "geometry"},
    "reference": set(),
    "io": {"spec", "models", "compiler", "reference", "geometry", "sampling"},
    "training": {"spec", "compiler", "models", "sampling", "derivatives", "geometry", "io"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level >= 1 and node.module:
            parts = node.module.split(".")
            if node.level == 2:
                found.add(parts[0])
        if isinstance(node, ast.ImportFrom) and node.level == 2 and not node.module:
            found.update(a.name for a in node.names)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.startswith("pinnsolve."):
            found.add(node.module.split(".")[1])
    return found - {"errors", "cpus", "__version__", "_version"}


def test_import_direction():
    for sub, allowed in ALLOWED.items():
        for path in (PKG / sub).glob("*.py"):
            bad = _imports(path) - allowed - {sub}
            assert not bad, f"{path.relative_to(PKG)} imports {bad}; allowed: {allowed}"


def _torch_imports(source: str) -> list[int]:
    """Line numbers of every statement in ``source`` that imports torch or a torch submodule:
    ``import torch[.x] [as y]``, ``from torch[.x] import y`` and calls ``__import__("torch")``
    or ``importlib.import_module("torch...")`` with a literal name; anywhere (functions, try
    blocks, TYPE_CHECKING included). A name in a string or a comment is not an import."""
    def is_torch(name: str | None) -> bool:
        return name is not None and (name == "torch" or name.startswith("torch."))

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(is_torch(a.name) for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_torch(node.module):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) \
                and is_torch(node.args[0].value):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name in ("__import__", "import_module"):
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("source", [
    "import torch\n",
    "import torch.nn as nn\n",
    "from torch import nn\n",
    "from torch.nn import functional as F\n",
    "import numpy, torch\n",
    "def f():\n    from torch import tensor\n    return tensor\n",
    "try:\n    import torch as t\nexcept ImportError:\n    t = None\n",
    "import importlib\nnn = importlib.import_module('torch.nn')\n",
    "t = __import__('torch')\n",
])
def test_torch_import_finder_catches_every_spelling(source):
    assert _torch_imports(source), source


@pytest.mark.parametrize("source", [
    "import sympy\ndoc = 'import torch'  # from torch import nn\n",
    "import torchvisionary\nfrom torchlike import nn\n",
    "from .torch import x\n",   # a relative module that happens to be called torch
])
def test_torch_import_finder_ignores_non_imports(source):
    assert _torch_imports(source) == [], source


def test_spec_never_imports_torch():
    paths = sorted((PKG / "spec").glob("*.py"))
    assert len(paths) >= 5  # the glob found the spec package
    for path in paths:
        found = _torch_imports(path.read_text())
        assert not found, f"{path.relative_to(PKG)} imports torch at lines {found}"


def test_schema_choices_match_registries():
    assert set(schema.choices(schema.ModelSettings, "kind")) == set(MODELS)
    assert set(schema.choices(schema.ModelSettings, "activation")) == set(ACTIVATIONS)
    assert set(schema.choices(schema.SamplingSettings, "method")) == set(METHODS)
    # Registry choices are read from the registries themselves: the schema must point at them.
    assert schema.registry(schema.DerivativeSettings) is ENGINES
    assert schema.registry(schema.SamplingSettings) is STRATEGIES
    assert schema.registry(schema.Phase) is OPTIMIZERS
    assert schema.registry(schema.WeightingSettings) is SCHEMES


REGISTRIES = [(schema.DerivativeSettings, ENGINES, lambda e: e.factory),
              (schema.SamplingSettings, STRATEGIES, lambda e: e.sampler.__init__),
              (schema.Phase, OPTIMIZERS, None), (schema.WeightingSettings, SCHEMES, None)]


def _keywords(fn) -> set[str]:
    return {p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}


@pytest.mark.parametrize("settings, reg, target", REGISTRIES)
def test_every_entry_carries_frozen_options_that_its_constructor_takes(settings, reg, target):
    shared = {f.name for f in dataclasses.fields(settings)}
    for word, entry in reg.items():
        opts = entry.options()
        assert dataclasses.is_dataclass(opts) and hash(opts) is not None, word
        names = {f.name for f in dataclasses.fields(opts)}
        # Flat options stand beside the section's own keys: a shared name would be ambiguous.
        assert not names & shared, (word, names & shared)
        if target is not None:
            # Sampler constructors pass **kwargs up their class chain: collect every level.
            chain = getattr(entry, "sampler", type(None)).__mro__
            keywords = _keywords(target(entry)).union(
                *(_keywords(vars(c)["__init__"]) for c in chain if "__init__" in vars(c)))
            # YAML keys = constructor keywords: no renaming between the file and the code.
            assert names <= keywords, (word, names - keywords)
        # Every bounded number states its range (the schema's _rng metadata).
        for f in dataclasses.fields(opts):
            if f.type in ("int", "float"):
                assert f.metadata.get("min") is not None, (word, f.name)


# -- import cycles --------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = ("pinnsolve",) + path.relative_to(PKG).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom in ``tree``, in functions and classes too, except inside the
    body of ``if TYPE_CHECKING:`` (never executed, so it cannot take part in a cycle)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imported_modules(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The pinnsolve modules that the module ``name`` imports. ``from X import y`` counts as
    importing X.y when that is a module, else X; relative imports are resolved against
    ``name``'s package. Parent packages a dotted import runs implicitly are not counted:
    every module would then depend on the package root and every cycle would be one."""
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
            continue
        if node.level:
            base = package.split(".")
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            found.add(sub if sub in modules else target)
    return {m for m in found if m in modules and m != name}


def import_graph(files: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """{module: modules it imports} for ``files`` = {module name: (source, is_package)}."""
    modules = set(files)
    return {name: _imported_modules(src, name, pkg, modules)
            for name, (src, pkg) in files.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles of ``graph`` as closed paths (first module repeated at the end): in each
    strongly connected component with more than one module (Tarjan's algorithm, iterative),
    a shortest cycle through each of its modules, without repeats. One cycle per component
    would hide a second cycle that shares a module with the first."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        components.append(set(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    cycles = []
    for component in components:
        for start in sorted(component):
            cycle = _a_cycle_in(graph, component, start)
            turn = cycle.index(min(cycle))   # the same cycle found from another module
            canonical = cycle[turn:-1] + cycle[:turn] + [min(cycle)]
            if canonical not in cycles:
                cycles.append(canonical)
    return cycles


def _a_cycle_in(graph: dict[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest closed path from ``start`` back to itself inside a strongly connected
    ``component`` (breadth-first search)."""
    parent = {start: None}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start]
            if child not in parent:
                parent[child] = node
                queue.append(child)
    raise AssertionError(f"{sorted(component)} is not strongly connected")


def _package_files() -> dict[str, tuple[str, bool]]:
    return {_module_name(p): (p.read_text(), p.name == "__init__.py")
            for p in sorted(PKG.rglob("*.py"))}


def test_cycle_finder_on_a_fake_package():
    files = {
        "pkg": ("from .a import f\n", True),
        "pkg.a": ("from . import b, h\n", False),               # a -> b, h (submodules)
        "pkg.b": ("def g():\n    from .a import f\n", False),     # b -> a inside a function
        "pkg.c": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import x\n",
                  False),                                        # not an edge
        "pkg.d": ("from pkg.c import y\n", False),
        "pkg.h": ("import pkg.a\n", False),   # a second cycle through a, same component
        "pkg.sub": ("", True),
        "pkg.sub.e": ("from ..sub import f\nfrom .. import a\n", False),  # e -> sub, e -> a
        "pkg.sub.f": ("import pkg.sub.e\n", False),
    }
    graph = import_graph(files)
    assert graph["pkg.a"] == {"pkg.b", "pkg.h"} and graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.c"] == set() and graph["pkg.d"] == {"pkg.c"}
    assert graph["pkg.sub.e"] == {"pkg.sub.f", "pkg.a"}
    cycles = find_cycles(graph)
    assert sorted(cycles) == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.a", "pkg.h", "pkg.a"],
                              ["pkg.sub.e", "pkg.sub.f", "pkg.sub.e"]]


def _package_cycles() -> list[list[str]]:
    files = _package_files()
    assert "pinnsolve.compiler.lower" in files and "pinnsolve.training" in files
    return find_cycles(import_graph(files))


def test_the_package_has_no_import_cycles():
    cycles = _package_cycles()
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
