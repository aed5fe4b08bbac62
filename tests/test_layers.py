"""Architecture checks: imports point one way, and schema words match the registries."""
from __future__ import annotations

import ast
from pathlib import Path

from pinnsolve.derivatives import ENGINES
from pinnsolve.models import ACTIVATIONS, MODELS
from pinnsolve.sampling import METHODS, STRATEGIES
from pinnsolve.spec import schema
from pinnsolve.training import OPTIMIZERS

PKG = Path(__file__).resolve().parents[1] / "pinnsolve"

# subpackage -> subpackages it may import (errors is allowed everywhere). models reads the
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
    return found - {"errors", "__version__"}


def test_import_direction():
    for sub, allowed in ALLOWED.items():
        for path in (PKG / sub).glob("*.py"):
            bad = _imports(path) - allowed - {sub}
            assert not bad, f"{path.relative_to(PKG)} imports {bad}; allowed: {allowed}"


def test_spec_never_imports_torch():
    for path in (PKG / "spec").glob("*.py"):
        text = path.read_text()
        assert "import torch" not in text, path


def test_schema_choices_match_registries():
    assert set(schema.choices(schema.ModelSettings, "kind")) == set(MODELS)
    assert set(schema.choices(schema.ModelSettings, "activation")) == set(ACTIVATIONS)
    assert set(schema.choices(schema.DerivativeSettings, "engine")) == set(ENGINES)
    assert set(schema.choices(schema.SamplingSettings, "strategy")) == set(STRATEGIES)
    assert set(schema.choices(schema.SamplingSettings, "method")) == set(METHODS)
    assert set(schema.choices(schema.Phase, "optimizer")) == set(OPTIMIZERS)
