"""R3 and causal R3 sampling: the retain/release rule and the causal gate on hand-made
residual fields, the trainer's gated loss, exact state round trips, and runs end to end."""
from __future__ import annotations

import json
import math

import pytest
import torch

import pinnsolve
from pinnsolve.geometry import RegionGeometry
from pinnsolve.sampling import STRATEGIES, R3Sampler
from pinnsolve.spec import Region, load_problem
from pinnsolve.training.pinn import pinn_loop

HEAT = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
        "equations": ["diff(u, t) = 0.1*diff(u, x, 2)"],
        "conditions": [{"where": "t = 0", "equation": "u = sin(pi*x)"},
                       {"where": "boundary", "dirichlet": 0}],
        "reference": {"exact": {"u": "exp(-0.1*pi**2*t)*sin(pi*x)"}},
        "model": {"width": 16, "depth": 2},
        "sampling": {"interior": 300, "strategy": "r3"},
        "training": {"dtype": "float64", "log_every": 10,
                     "phases": [{"optimizer": "adam", "steps": 60, "lr": 3.0e-3}]}}
PROBLEM = load_problem(HEAT)


def r3(causal=False, n=1000, seed=0):
    return R3Sampler(RegionGeometry(PROBLEM, Region("interior")), n, "uniform", 1, seed,
                     causal=causal)


def test_points_above_the_mean_residual_are_retained_and_the_rest_redrawn():
    s = r3()
    before = s.points().clone()
    fitness = (before[:, 0] - 0.5).abs()          # a hand-made residual field: |x − 0.5|
    keep = fitness > fitness.mean()
    s.update(fitness, step=1)
    after = s.points()
    assert after.shape == before.shape            # constant population
    n_keep = int(keep.sum())
    assert torch.equal(after[:n_keep], before[keep])   # retained, in order
    fresh = after[n_keep:]
    assert not (fresh[:, None, :] == before[None, :, :]).all(-1).any()   # released: new
    assert bool(((fresh >= 0) & (fresh <= 1)).all())
    # After many updates with this field, the population concentrates near x = 0 and 1.
    for step in range(2, 40):
        s.update((s.points()[:, 0] - 0.5).abs(), step)
    assert float((s.points()[:, 0] - 0.5).abs().mean()) > 0.3   # uniform would be 0.25


def test_strict_threshold_and_nan_fall_back_to_a_uniform_draw():
    s = r3(n=50)
    before = s.points().clone()
    s.update(torch.ones(50, dtype=torch.float64), step=1)   # nobody is strictly above: all go
    assert not (s.points()[:, None, :] == before[None]).all(-1).any()
    s.update(torch.full((50,), float("nan"), dtype=torch.float64), step=2)
    assert torch.isfinite(s.points()).all()


def test_causal_gate_and_front_update():
    s = r3(causal=True, n=400)
    assert s.causal and s.beta == -0.5
    t = torch.tensor([[0.5, -0.5], [0.5, 0.0], [0.5, 1.0]], dtype=torch.float64)
    g = s.gate(t)
    # g(t̂) = (1 − tanh(5 (t̂ + 0.5))) / 2: 1/2 at t̂ = β, then decreasing.
    assert g[0] == pytest.approx(0.5)   # t = −0.5 is outside the domain, only to check g
    assert g[1] == pytest.approx((1 - math.tanh(2.5)) / 2, rel=1e-14)
    assert bool((g[1:] < g[:-1]).all())
    # A zero residual opens the front by η · min(1, clip) = 1e-4; a large one barely moves it.
    s.update(torch.zeros(400, dtype=torch.float64), step=1)
    assert s.beta == pytest.approx(-0.5 + 1e-4, abs=1e-15)
    s.update(torch.full((400,), 1e3, dtype=torch.float64), step=2)
    assert s.beta == pytest.approx(-0.5 + 1e-4, abs=1e-12)
    assert s.diagnostics() == {"causal_front": s.beta}
    # Gated fitness: with an even residual, exactly the points whose gate is above the
    # mean gate (the early times) are retained, late times released.
    pts = s.points().clone()
    g = s.gate(pts)
    s.update(torch.ones(400, dtype=torch.float64), step=3)
    early = g > g.mean()
    assert 0 < int(early.sum()) < 400
    assert torch.equal(s.points()[: int(early.sum())], pts[early])
    assert float(pts[early, 1].max()) < float(pts[~early, 1].min())


def test_state_round_trip_continues_identically():
    a = r3(causal=True, n=200, seed=3)
    for step in range(1, 6):
        a.update(a.points()[:, 0].clone(), step)
    state = a.state_dict()
    b = r3(causal=True, n=200, seed=99)
    b.load_state_dict(state)
    assert torch.equal(a.points(), b.points()) and a.beta == b.beta
    for step in range(6, 10):
        a.update(a.points()[:, 0].clone(), step)
        b.update(b.points()[:, 0].clone(), step)
    assert torch.equal(a.points(), b.points()) and a.beta == b.beta


def test_trainer_gates_the_loss_and_reports_the_front(run_dir):
    problem = load_problem({**HEAT, "sampling": {"interior": 300,
                                                 "strategy": {"r3": {"causal": True}}}})
    tr = pinn_loop(problem, torch.device("cpu"), torch.float64).stepper
    key = next(k for k in tr.parts.groups if k == "interior")
    sampler = tr.samplers[key]
    assert isinstance(sampler, STRATEGIES["r3"].sampler)
    total, mse, residuals = tr.losses()
    g = sampler.gate()
    gated = float(((residuals["pde"].detach() * g) ** 2).mean())
    assert float(mse["pde"].detach()) == pytest.approx(gated, rel=1e-12)
    events = []
    run = pinnsolve.solve(problem, out=run_dir,
                          callback=lambda e, i: events.append(i) if e == "log" else None)
    fronts = [i.sampling["interior"]["causal_front"] for i in events]
    assert fronts == sorted(fronts) and fronts[-1] > -0.5
    assert run.metrics["steps"] == 60
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text()
            .splitlines()]
    assert "causal_front" in rows[-1]["sampling"]["interior"]
    assert rows[-1]["sampling"]["interior"]["imbalance"] >= 1


@pytest.mark.slow   # 300 steps; fast: test_r3_solve_from_the_cli_reports_the_strategy
def test_r3_from_the_cli(tmp_path):
    from typer.testing import CliRunner

    from pinnsolve.cli import app
    path = tmp_path / "heat.yaml"
    import yaml
    path.write_text(yaml.safe_dump(HEAT))
    result = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "out"),
                                      "--quiet", "training.phases.0.steps=300"])
    assert result.exit_code == 0, result.output
    err = pinnsolve.open_run(tmp_path / "out").metrics["errors"]["u"]["l2re"]
    assert err < 0.1, err   # 300 Adam steps with exact BC/IC: measured 0.014


def test_r3_solve_from_the_cli_reports_the_strategy(tmp_path):
    # Fast stand-in for the slow test above: the CLI runs an R3 problem with an override
    # and the run's report names the strategy and its imbalance.
    from typer.testing import CliRunner

    from pinnsolve.cli import app
    path = tmp_path / "heat.yaml"
    import yaml
    path.write_text(yaml.safe_dump(HEAT))
    result = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "out"),
                                      "--quiet", "training.phases.0.steps=10"])
    assert result.exit_code == 0, result.output
    metrics = pinnsolve.open_run(tmp_path / "out").metrics
    assert metrics["steps"] == 10
    assert metrics["sampling"]["strategy"] == "r3"
    assert metrics["sampling"]["interior"]["imbalance"] >= 1


def test_redraw_applies_one_r3_update_on_a_fresh_residual():
    # L-BFGS phases call redraw every k iterations: the same retain rule, on residuals
    # evaluated at the current points.
    s = r3()
    before = s.points().clone()

    def fitness_fn(x, normals=None):
        return (x[:, 0] - 0.5).abs()

    fitness = fitness_fn(before)
    keep = fitness > fitness.mean()
    s.redraw(fitness_fn)
    after = s.points()
    assert after.shape == before.shape
    assert torch.equal(after[:int(keep.sum())], before[keep])


def test_gate_uses_normalised_time_and_the_front_follows_the_gated_loss():
    # Time on [2, 6]: the gate sees t̂ = (t − 2) / 4, so g(t = 2 + 4β) = 1/2 exactly.
    spec = {k: v for k, v in HEAT.items() if k != "reference"}
    problem = load_problem({**spec, "domain": {"x": [0, 1], "t": [2, 6]},
                            "conditions": [{"where": "t = 2", "equation": "u = sin(pi*x)"},
                                           {"where": "boundary", "dirichlet": 0}]})
    s = R3Sampler(RegionGeometry(problem, Region("interior")), 400, "uniform", 1, 0,
                  causal=True)
    t = torch.tensor([[0.5, 2 + 4 * s.beta], [0.5, 2.0], [0.5, 6.0]], dtype=torch.float64)
    g = s.gate(t)
    assert g[0] == pytest.approx(0.5, rel=1e-14)
    assert g[1] == pytest.approx((1 - math.tanh(2.5)) / 2, rel=1e-14)
    assert g[2] == pytest.approx((1 - math.tanh(7.5)) / 2, rel=1e-14)
    # A residual of 1e3 only where the gate is shut (t̂ > 0.9, g < 1e-6): the gated loss
    # is ~1e-6, so the front moves at full speed η·clip = 1e-4 (an ungated loss of ~1e5
    # would hold it still); the same residual at early times holds it still.
    late = (s.points()[:, 1] - 2) / 4 > 0.9
    assert 0 < int(late.sum()) < 400
    gated = float(((1e3 * late * s.gate()) ** 2).mean())
    assert gated < 1e-3
    s.update(1e3 * late.to(torch.float64), step=1)
    assert s.beta == pytest.approx(-0.5 + 1e-3 * min(math.exp(-20 * gated), 0.1), rel=1e-12)
    assert s.beta == pytest.approx(-0.5 + 1e-4, rel=1e-9)
    early = (s.points()[:, 1] - 2) / 4 < 0.1
    s.update(1e3 * early.to(torch.float64), step=2)
    assert s.beta == pytest.approx(-0.5 + 1e-4, abs=1e-12)


def test_time_harmonics_embedding_and_causal_start():
    # model.time_modes adds cos/sin(πk t̂), t̂ = (t − t0)/(t1 − t0), next to the plain inputs.
    from pinnsolve.errors import SpecError
    from pinnsolve.models.build import build_model
    spec = {**HEAT, "domain": {"x": [0, 1], "t": [2, 6]},
            "conditions": [{"where": "t = 2", "equation": "u = sin(pi*x)"},
                           {"where": "boundary", "dirichlet": 0}],
            "model": {"width": 8, "depth": 1, "time_modes": 3, "hard_constraints": False},
            "sampling": {"interior": 50,
                         "strategy": {"r3": {"causal": True, "start": 0.25}}}}
    spec.pop("reference")
    problem = load_problem(spec)
    net, _, _ = build_model(problem)
    emb = net.embedding
    x = torch.tensor([[0.3, 3.0], [0.9, 6.0]], dtype=torch.float64)
    t_hat = (x[:, 1] - 2) / 4
    k = torch.arange(1, 4, dtype=torch.float64)
    want = torch.cat([2 * x[:, :1] - 1, 2 * t_hat[:, None] - 1,
                      torch.cos(math.pi * k * t_hat[:, None]),
                      torch.sin(math.pi * k * t_hat[:, None])], 1)
    assert torch.allclose(emb(x), want, atol=1e-15)
    tr = pinn_loop(problem, torch.device("cpu"), torch.float64).stepper
    assert tr.samplers["interior"].beta == 0.25
    with pytest.raises(SpecError, match="model.time_modes"):
        build_model(load_problem({"domain": {"x": [0, 1]}, "fields": ["u"],
                                  "equations": ["diff(u, x, 2) = 0"],
                                  "conditions": [{"where": "boundary", "dirichlet": 0}],
                                  "model": {"time_modes": 2}}))
