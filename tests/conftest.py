"""Fixtures shared by the test modules.

Randomness in a test enters through one of these (seed 0) or an explicit seed next to the
assert that depends on it, so every test sees the same numbers in any order and alone.
Problem mappings stay in tests/_problems.py as plain constants: tests copy them with
``dict(...)``/``with_(...)`` or inside hypothesis strategies, where a fixture cannot reach.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

SEED = 0


@pytest.fixture
def torch_gen() -> torch.Generator:
    """A CPU torch.Generator seeded with 0 (pass it as ``generator=``)."""
    return torch.Generator().manual_seed(SEED)


@pytest.fixture
def np_rng() -> np.random.Generator:
    """numpy's default_rng(0)."""
    return np.random.default_rng(SEED)


@pytest.fixture
def seeded_torch():
    """torch's global RNG seeded with 0 for code that draws from it (``nn.Linear``'s
    initialisation), restored afterwards so that later tests see the stream they would
    have seen without this one."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        yield


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run directory path that does not exist yet (solve creates it)."""
    return tmp_path / "run"


@pytest.fixture
def fixed_console_width(monkeypatch):
    """pinnsolve's rich consoles drawn 120 columns wide (rich's own width override): the
    CLI's boxes and wrapping are the same in a terminal, under pytest and in CI."""
    import pinnsolve.cli as cli

    for console in (cli.console, cli.err_console):
        monkeypatch.setattr(console, "_width", 120)
