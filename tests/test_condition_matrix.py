"""Every condition type on every domain kind, with time: each compiles and trains 2 steps.

The boundary data switch on in time (a heat source on the boundary, 0 before t = 0.5):
time-dependent data on a box, a CSG shape (on a named hole) and a mesh.
"""
from pathlib import Path

import numpy as np
import pytest

import pinnsolve
from pinnsolve.spec import load_problem

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = {
    "box": {"x": [-1, 1], "y": [-1, 1]},
    "shape": {"x": [-1, 1], "y": [-1, 1], "shape": {
        "difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}, "name": "outer"},
                       {"disk": {"center": [0.2, 0], "radius": 0.4}, "name": "hole"}]}},
    "mesh": {"x": [-1, 1], "y": [-1, 1], "mesh": str(ROOT / "problems/meshes/l_shape.vtu")},
}
ON = "Max(0, tanh(20*(t - 0.5)))"           # switches on in time
CONDITIONS = {
    "dirichlet": {"dirichlet": ON},
    "neumann": {"neumann": ON},
    "robin": {"robin": {"a": 1, "b": 0.5, "value": ON}},
    "equation": {"equation": f"diff(u, t) + u = {ON}"},
}


@pytest.mark.slow   # 12 solves with output: ~5-30 s each on the shared machine
@pytest.mark.parametrize("kind", sorted(CONDITIONS))
@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_condition_on_domain_with_time_trains(tmp_path, domain, kind):
    where = {"boundary": "hole"} if domain == "shape" else "boundary"
    rest = [{"where": {"boundary": "outer"}, "dirichlet": 0}] if domain == "shape" else []
    raw = {"domain": {**DOMAINS[domain], "t": [0, 1]}, "fields": "u",
           "equations": "diff(u, t) = 0.1*laplacian(u)",
           "conditions": [{"where": "initial", "dirichlet": 0},
                          {"where": where, **CONDITIONS[kind]}] + rest,
           "sampling": {"interior": 64, "boundary": 32, "initial": 32},
           "training": {"seed": 0, "phases": [{"optimizer": "adam", "steps": 2}]},
           "output": {"grid": {"x": 5, "y": 5, "t": 2}, "formats": ["npz"]}}
    p = load_problem(raw)
    run = pinnsolve.solve(p, out=tmp_path / "r")
    losses = run.metrics["final_losses"]
    assert run.metrics["steps"] == 2 and "pde" in losses
    assert all(np.isfinite(v) for v in losses.values())
    pred = np.asarray(run.predict(np.array([[0.0, -0.5, 0.7]]))).reshape(-1)
    assert np.isfinite(pred).all()
