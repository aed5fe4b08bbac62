"""Resource limits before a run starts: points, output grid, estimated step memory.

Each over-limit setting must end in a SpecError naming the key, quickly and before the
memory is allocated; the limits are overridable (``limits.*``). The memory model's
gradient counts are checked against hand counts of the autodiff chains.
"""
from __future__ import annotations

import copy
import time

import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SpecError
from pinnsolve.training import limits

HEAT = {
    "domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
    "equations": ["diff(u, t) = 0.1*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                   {"where": "boundary", "dirichlet": 0}],
    "model": {"width": 8, "depth": 2},
    "training": {"phases": [{"optimizer": "adam", "steps": 1}]},
    "output": {"formats": ["npz"], "grid": {"x": 5, "t": 3}},
}


def _with(**dotted):
    return pinnsolve.load_problem(HEAT, [f"{k}={v}" for k, v in dotted.items()])


def test_too_many_points_names_the_key_before_allocating(tmp_path):
    problem = _with(**{"sampling.interior": 10_000_000, "sampling.boundary": 10_000_000,
                       "sampling.initial": 10_000_000})
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"30000000 collocation points .* exceed "
                                        r"limits\.max_points = 20000000") as info:
        pinnsolve.solve(problem, out=tmp_path / "r")
    assert time.perf_counter() - start < 2.0       # refused, not allocated and trained
    assert info.value.key == "sampling.interior"
    assert not (tmp_path / "r").exists()
    # Overridable: the same problem passes the point cap with a higher limit.
    big = _with(**{"sampling.interior": 10_000_000, "sampling.boundary": 10_000_000,
                   "sampling.initial": 10_000_000, "limits.max_points": 10**8,
                   "limits.max_memory_gb": 10**6})
    assert limits.check(big, memory=False).total_points == 30_000_000
    # A memory cap above what the machine has free is capped there.
    assert limits.estimate(big).budget_bytes <= limits.available_memory()


def test_a_huge_network_is_refused_before_check_builds_it():
    """64 layers of 4096 units (1.1e9 parameters, 8.6 GB in float64): `check` would build
    it, and the scale fit a second one; refused at model.width, in seconds."""
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"64×4096 has 1.06e\+09 parameters, above "
                                        r"limits\.max_parameters") as info:
        limits.check(_with(**{"model.width": 4096, "model.depth": 64}), memory=False)
    assert info.value.key == "model.width" and time.perf_counter() - start < 5
    res = CliRunner().invoke(app, ["check", "problems/burgers.yaml", "model.width=4096",
                                   "model.depth=64"])
    assert res.exit_code == 2 and "limits.max_parameters" in res.output
    assert limits.check(_with(**{"model.width": 4096, "model.depth": 64,
                                 "limits.max_parameters": 2 * 10**9}), memory=False)
    # an operator problem counts its FNO (here 6.9e10 parameters)
    big = pinnsolve.load_problem("problems/burgers_operator.yaml", [
        "operator.model.width=1024", "operator.model.layers=32",
        "operator.model.modes.x=64", "operator.model.modes.t=50"])
    with pytest.raises(SpecError, match=r"Fourier neural operator \(32 layers of width 1024\) "
                                        r"has 6.88e\+10 parameters") as info:
        limits.check(big, memory=False)
    assert info.value.key == "operator.model.width"


def test_file_cannot_raise_limits(tmp_path):
    """A problem file is untrusted: it may lower a cap, not raise it; the user raises one
    for a run with an override, which the error names."""
    import json
    raw = copy.deepcopy(HEAT)
    raw["limits"] = {"max_points": 10**12}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(SpecError, match=r"may lower this limit, not raise it .*override "
                                        r"limits\.max_points=1000000000000") as info:
        pinnsolve.load_problem(path)
    assert info.value.key == "limits.max_points" and info.value.file == str(path)
    res = CliRunner().invoke(app, ["check", str(path)])
    assert res.exit_code == 2 and "limits.max_points" in res.output
    assert "Traceback" not in res.output
    assert pinnsolve.load_problem(path, ["limits.max_points=1000000000000"])
    # YAML reads 1e12 as text, which the schema takes as a number: refused alike.
    yaml_path = tmp_path / "p.yaml"
    yaml_path.write_text(path.read_text().replace('"max_points": 1000000000000',
                                                  '"max_points": "1e12"'))
    with pytest.raises(SpecError, match=r"override limits\.max_points=1e12 "):
        pinnsolve.load_problem(yaml_path)
    for key, text in (("max_parameters", "1e+12"), ("max_grid_points", "inf")):
        yaml_path.write_text(path.read_text().replace('"max_points": 1000000000000',
                                                      f'"{key}": "{text}"'))
        with pytest.raises(SpecError, match=rf"limits\.{key}=") as info:
            pinnsolve.load_problem(yaml_path)
        assert info.value.key == f"limits.{key}"
    # The same raise as the user's own override is accepted, and a file may lower a cap.
    raw["limits"] = {"max_grid_points": 10}
    path.write_text(json.dumps(raw))
    assert pinnsolve.load_problem(path, ["limits.max_points=1000000000"]
                                  ).settings.limits.max_points == 10**9
    with pytest.raises(SpecError, match="output grid has 15 points"):
        limits.check(pinnsolve.load_problem(path), memory=False)


def test_huge_output_grid_names_output_grid():
    problem = _with(**{"output.grid.x": 100_000, "output.grid.t": 1000})
    with pytest.raises(SpecError, match=r"output grid has 100000000 points") as info:
        limits.check(problem)
    assert info.value.key == "output.grid"
    assert limits.check(_with(**{"output.grid.x": 100_000, "output.grid.t": 1000,
                                 "limits.max_grid_points": 10**9}), memory=False)


def test_six_scalar_coordinates_are_sampled_not_gridded():
    """Above three space coordinates fields are written at points (io/fields.py has_grid):
    no 21⁶ grid is counted against limits.max_grid_points."""
    axes = "abcdef"
    problem = pinnsolve.load_problem({
        "domain": {a: [0, 1] for a in axes}, "fields": ["u"],
        "equations": [" + ".join(f"diff(u, {a}, 2)" for a in axes) + " = 0"],
        "conditions": [{"where": "boundary", "dirichlet": "a + b"}]})
    assert limits.estimate(problem).grid_points == 0
    limits.check(problem, memory=False)


def test_memory_estimate_over_budget_is_a_clean_error(tmp_path):
    problem = _with(**{"sampling.interior": 100_000, "limits.max_memory_gb": 0.01})
    with pytest.raises(SpecError, match=r"one training step needs about .* GiB .*more than "
                                        r"limits\.max_memory_gb") as info:
        pinnsolve.solve(problem, out=tmp_path / "r")
    assert info.value.key == "sampling.interior"
    raw = copy.deepcopy(HEAT)
    raw["sampling"] = {"interior": 100_000}
    raw["limits"] = {"max_memory_gb": 0.01}
    import json
    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw))
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "r2"), "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "limits.max_memory_gb" in res.output
    # check skips the free-memory comparison but applies the point and grid caps.
    assert CliRunner().invoke(app, ["check", str(path)]).exit_code == 0
    res = CliRunner().invoke(app, ["check", str(path), "output.grid.x=10000000"])
    assert res.exit_code == 2 and "output.grid" in res.output


def test_default_budget_follows_the_free_memory():
    est = limits.estimate(_with())
    free = limits.available_memory()
    assert free is not None and free > 0
    assert est.budget_bytes == pytest.approx(limits.HEADROOM * free, rel=0.2)
    # A tiny problem is far below any machine's budget.
    assert est.step_bytes < 50 * 2**20


@pytest.mark.parametrize("equation,domain,expected", [
    # W = 1 + Σ (nesting level)² over the distinct gradients autodiff takes (hand counts):
    ("diff(u, x) + diff(u, t) = 0", {"x": [0, 1], "t": [0, 1]}, 1 + 1),            # grad u
    ("diff(u, t) = diff(u, x, 2)", {"x": [0, 1], "t": [0, 1]}, 1 + 1 + 4),         # u, u_x
    ("laplacian(u) = 1", {"x": [0, 1], "y": [0, 1]}, 1 + 1 + 4 + 4),               # u, u_x, u_y
    ("diff(u, x, 4) = 1", {"x": [0, 1]}, 1 + 1 + 4 + 9 + 16),                      # u..u_xxx
    ("diff(u, x, 2) + diff(u, x, y) = 1", {"x": [0, 1], "y": [0, 1]}, 1 + 1 + 4),  # u, u_x
])
def test_graph_weights_match_hand_counts(equation, domain, expected):
    problem = pinnsolve.load_problem({"domain": domain, "fields": ["u"],
                                      "equations": [equation],
                                      "model": {"width": 10, "depth": 1},
                                      "sampling": {"interior": 1000},
                                      # the counts are autodiff's (the plan would pick
                                      # taylor for the fourth-order case)
                                      "derivatives": {"engine": "autodiff"},
                                      "training": {"dtype": "float64"}})
    est = limits.estimate(problem)
    d = len(domain)
    assert est.points == {"interior": 1000}
    params = (d + 1) * 10 + (10 + 1) * 1          # one hidden layer of 10, one field
    assert est.step_bytes == pytest.approx(
        8 * (1000 * (limits.PER_UNIT * 10 + d) * expected + limits.PARAM_COPIES * params))


def test_measured_step_memory_matches_the_full_step_and_guards_the_run(tmp_path):
    """The probe estimate (training/memory.py) extrapolates two small probes; on the
    clamped plate (4th-order mixed partials, where the model of limits.estimate is 2× low)
    it agrees with the bytes saved by the full-size loss to 3 %, and a budget below it
    stops the solve before training with the key to lower."""
    import pathlib

    import pinnsolve
    from pinnsolve.training.memory import BACKWARD, _saved_bytes, measure_step_bytes
    from pinnsolve.training.parts import assemble
    zoo = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "zoo"
    problem = pinnsolve.load_problem(zoo / "plate_clamped.yaml", [
        "sampling.interior=150", "sampling.boundary=60", "model.width=32",
        "training.phases=[{optimizer: adam, steps: 1}]"])
    parts = assemble(problem, torch.device("cpu"), torch.float32)   # the problem's dtype
    probe = measure_step_bytes(parts)

    def full():
        for key, terms in parts.groups.items():
            s = parts.samplers[key]
            res = parts.compiled.evaluate(parts.model, terms, s.points(), normals=s.normals())
            sum((r ** 2).mean() for r in res.values())

    params = sum(p.numel() * p.element_size() for p in parts.params)
    per_step = BACKWARD * _saved_bytes(full)
    assert abs(probe - params * 6 - per_step) < 0.03 * per_step   # measured 1.4 %
    assert probe > 1.5 * limits.estimate(problem).step_bytes   # where the model is low
    small = probe / 2**30 / 2   # above the model's estimate, below the measured step
    with pytest.raises(SpecError, match=r"measured on a few points.*limits.max_memory_gb"):
        pinnsolve.solve(problem, out=tmp_path / "r",
                        overrides=[f"limits.max_memory_gb={small}"])
    assert not (tmp_path / "r" / "checkpoints").exists()


def test_a_planned_solve_with_observations_measures_them_whole(tmp_path):
    """Observations carry their data point by point, so the memory probe cannot evaluate a
    slice of their points (it failed with a size mismatch, found by a blind inverse problem
    at stop 32): they are measured whole, and a physics-only inverse file solves."""
    import numpy as np

    import pinnsolve
    from pinnsolve.training.memory import measure_step_bytes
    from pinnsolve.training.parts import assemble
    xs = np.random.default_rng(3).uniform(0, 2, 60)
    problem = pinnsolve.load_problem({
        "domain": {"x": [0, 2]}, "fields": "u", "unknowns": {"c": {"initial": 1, "exact": 4}},
        "equations": "diff(u, x, 2) - c*u = -4*sin(2*x) - 4*(sin(2*x) + x**2) + 2",
        "conditions": [{"data": {"x": xs.tolist(), "u": (np.sin(2 * xs) + xs**2).tolist()}}],
        "reference": {"exact": {"u": "sin(2*x) + x**2"}}}, ["training.budget=4s"])
    assert measure_step_bytes(assemble(problem, torch.device("cpu"), torch.float64)) > 0
    run = pinnsolve.solve(problem, out=tmp_path / "r")
    assert run.metrics["steps"] > 0 and "c" in run.metrics["unknowns"]
