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
