"""The convection β = 50 propagation failure on the R3 paper's 1000 points, at a short
budget: kept fixed, the points are met by a wrong wave; redrawn by the adversarial sampler,
the wave is found (docs/sampling.md measures the full 100k-step table). About 2 × 80 s on
one core."""
from __future__ import annotations

from pathlib import Path

import pytest

import pinnsolve

PROBLEM = Path(__file__).resolve().parents[1] / "problems" / "convection.yaml"
SHORT = ["training.phases.0.steps=10000", "training.eval_every=10000",
         "training.log_every=10000", "training.threads=1"]


def _error(tmp_path, name, overrides):
    run = pinnsolve.solve(PROBLEM, out=tmp_path / name, overrides=SHORT + overrides,
                          fresh=True)
    return run.metrics["errors"]["u"]["l2re"]


@pytest.mark.slow
def test_fresh_adversarial_points_fix_what_fixed_points_fail(tmp_path):
    # Measured at 10k steps (seed 0, float32): fixed 0.91, adversarial 0.17.
    fixed = _error(tmp_path, "fixed", ["sampling.strategy=uniform", "sampling.resample_every=0"])
    adversarial = _error(tmp_path, "adversarial", [])
    assert fixed > 0.8, fixed
    assert adversarial < 0.3, adversarial
