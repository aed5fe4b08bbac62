"""Loss-balancing schemes and causal weighting against their definitions on hand-made losses
with closed-form gradients, and every scheme end to end on a tiny problem."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import pinnsolve
from pinnsolve.spec import schema
from pinnsolve.spec.schema import WeightingSettings
from pinnsolve.training.causal import causal_loss
from pinnsolve.training.weights import (SCHEMES, BlendOptions, NTKOptions, ReLoBRaLoOptions,
                                        SAOptions, make_scheme)
from test_training import _with

KINDS = {"pde": "equation", "bc": "condition"}


def _toy():
    """θ ∈ R³ with L_pde = (a·θ)² and L_bc = 3 (c·θ - 1)², and their gradients in numpy."""
    theta = torch.tensor([0.5, -0.2, 0.8], dtype=torch.float64, requires_grad=True)
    a = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    c = torch.tensor([0.3, -0.1, 0.4], dtype=torch.float64)
    mse = {"pde": (a @ theta) ** 2, "bc": 3 * (c @ theta - 1) ** 2}
    th, an, cn = theta.detach().numpy(), a.numpy(), c.numpy()
    grads = {"pde": 2 * (an @ th) * an, "bc": 6 * (cn @ th - 1) * cn}
    return theta, mse, grads


def test_schemes_match_the_schema_words():
    # The schema reads its words from this registry (not a copy that could drift).
    assert schema.registry(WeightingSettings) is SCHEMES
    assert schema.choices(WeightingSettings, "scheme") == tuple(SCHEMES)


def test_learning_rate_annealing_follows_wang_2021():
    theta, mse, g = _toy()
    s = WeightingSettings(scheme="lra", options=BlendOptions(alpha=0.3))
    scheme = make_scheme(s, {"pde": 1.0, "bc": 2.0}, KINDS)
    scheme.update(mse, {}, [theta])
    hat = np.abs(g["pde"]).max() / np.abs(g["bc"]).mean()
    assert scheme.weights["pde"] == 1.0  # the residual term is the reference
    assert math.isclose(scheme.weights["bc"], 0.7 * 2.0 + 0.3 * hat, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["lra", "grad_norm", "ntk"])
def test_a_term_with_no_gradient_keeps_its_weight(name):
    """A residual that is exactly zero at the step (a point value the untrained network
    already meets: Stokes' p(0.5, 0.5) = 0 at the centre of a box, where a zero-bias tanh
    network outputs 0) has no gradient; dividing by it gave a weight of 1e301 and a
    non-finite step at step 1."""
    theta, mse, _ = _toy()
    mse["bc"] = (0 * theta).sum() ** 2   # zero, with a zero gradient
    options = NTKOptions(alpha=1.0, points=1) if name == "ntk" else BlendOptions(alpha=1.0)
    scheme = make_scheme(WeightingSettings(scheme=name, options=options), {"pde": 1.0, "bc": 2.0},
                         KINDS)
    residuals = {"pde": mse["pde"].reshape(1), "bc": mse["bc"].reshape(1)}
    scheme.update(mse, residuals, [theta])
    assert scheme.weights["bc"] == 2.0 and all(math.isfinite(w) for w in scheme.weights.values())


def test_grad_norm_balancing_follows_its_definition():
    theta, mse, g = _toy()
    scheme = make_scheme(WeightingSettings(scheme="grad_norm", options=BlendOptions(alpha=1.0)), {"pde": 1, "bc": 1},
                         KINDS)
    scheme.update(mse, {}, [theta])
    n = {k: np.linalg.norm(v) for k, v in g.items()}
    for k in g:
        assert math.isclose(scheme.weights[k], (n["pde"] + n["bc"]) / n[k], rel_tol=1e-12)


def test_ntk_weights_use_the_mean_kernel_diagonal():
    # Linear residuals r_k(x_j) = θ·φ_k(x_j): ∇θ r = φ_k(x_j), so the NTK diagonal is ‖φ‖².
    gen = torch.Generator().manual_seed(1)
    theta = torch.randn(4, dtype=torch.float64, generator=gen, requires_grad=True)
    phi = {"pde": torch.randn(10, 4, dtype=torch.float64, generator=gen),
           "bc": 0.1 * torch.randn(6, 4, dtype=torch.float64, generator=gen)}
    residuals = {k: f @ theta for k, f in phi.items()}
    mse = {k: (r ** 2).mean() for k, r in residuals.items()}
    scheme = make_scheme(WeightingSettings(scheme="ntk", options=NTKOptions(alpha=1.0, points=100)),
                         {"pde": 1, "bc": 1}, KINDS)
    scheme.update(mse, residuals, [theta])
    t = {k: float((f ** 2).sum(1).mean()) for k, f in phi.items()}
    for k in t:
        assert math.isclose(scheme.weights[k], (t["pde"] + t["bc"]) / t[k], rel_tol=1e-12)


def test_self_adaptive_weights_ascend_on_the_residuals():
    r = {"pde": torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64),
         "bc": torch.tensor([0.5], dtype=torch.float64)}
    scheme = make_scheme(WeightingSettings(scheme="sa", options=SAOptions(lr=0.1)), {"pde": 1, "bc": 2}, KINDS)
    mse = {k: (v ** 2).mean() for k, v in r.items()}
    total = scheme.objective(mse, r)
    # λ = 1 initially: the objective equals the fixed-weight loss.
    assert math.isclose(float(total.detach()), float(mse["pde"] + 2 * mse["bc"]), rel_tol=1e-14)
    total.backward()
    scheme.after_step()
    lam = scheme.point_weights["pde"].detach()
    # Adam's first step moves each weight by lr along the sign of ∂L/∂λ = 2λr²/n ≥ 0
    # (maximize): +0.1 where r ≠ 0, unchanged where r = 0 (zero gradient).
    np.testing.assert_allclose(lam.numpy(), [1.0, 1.1, 1.1], atol=1e-7)
    np.testing.assert_allclose(scheme.point_weights["bc"].detach().numpy(), [1.1], atol=1e-7)
    # Same points: the weights persist; moved points: they restart at 1.
    x = {"pde": torch.zeros(3, 1, dtype=torch.float64), "bc": torch.zeros(1, 1, dtype=torch.float64)}
    scheme.objective(mse, r, x)
    scheme.objective(mse, r, x)
    np.testing.assert_allclose(scheme.point_weights["pde"].detach().numpy(), [1.0, 1.1, 1.1],
                               atol=1e-7)
    scheme.objective(mse, r, {**x, "pde": x["pde"] + 0.5})
    np.testing.assert_allclose(scheme.point_weights["pde"].detach().numpy(), [1, 1, 1])
    np.testing.assert_allclose(scheme.point_weights["bc"].detach().numpy(), [1.1], atol=1e-7)


def test_relobralo_follows_bischof_kraus():
    s = WeightingSettings(scheme="relobralo", every=1,
                          options=ReLoBRaLoOptions(temperature=0.5, rho=1.0, alpha=0.8))
    scheme = make_scheme(s, {"pde": 1.0, "bc": 1.0}, KINDS)
    losses = [{"pde": 4.0, "bc": 1.0}, {"pde": 2.0, "bc": 0.9}, {"pde": 1.0, "bc": 0.3}]
    lam = np.array([1.0, 1.0])
    prev = None
    for k, L in enumerate(losses):
        scheme.update({n: torch.tensor(v, dtype=torch.float64) for n, v in L.items()}, {}, [])
        now = np.array([L["pde"], L["bc"]])
        if prev is not None:
            z = now / (0.5 * prev)
            bal = 2 * np.exp(z) / np.exp(z).sum()
            # ρ = 1 (E[ρ] = 1): the history term is the previous λ.
            lam = 0.8 * lam + 0.2 * bal
        prev = now
        np.testing.assert_allclose([scheme.weights["pde"], scheme.weights["bc"]], lam,
                                   rtol=1e-12)
    assert scheme.updates == 2


def test_causal_loss_follows_the_respecting_causality_weights():
    r = torch.tensor([1.0, 1.0, 2.0, 0.0, 3.0, 1.0], dtype=torch.float64)
    t = torch.tensor([0.1, 0.2, 0.4, 0.45, 0.8, 0.9], dtype=torch.float64)
    loss, w = causal_loss(r, t, 0.0, 1.0, 3, eps=0.5)
    L = np.array([1.0, 2.0, 5.0])  # chunk means of r²: [0, 1/3), [1/3, 2/3), [2/3, 1]
    expected_w = np.exp(-0.5 * np.array([0.0, L[0], L[0] + L[1]]))
    np.testing.assert_allclose(w.numpy(), expected_w, rtol=1e-14)
    assert math.isclose(float(loss), float((expected_w * L).mean()), rel_tol=1e-14)
    # Weights carry no gradient: only L_k does.
    rr = r.clone().requires_grad_(True)
    causal_loss(rr, t, 0.0, 1.0, 3, eps=0.5)[0].backward()
    n = np.array([2, 2, 2])
    np.testing.assert_allclose(rr.grad.numpy(),
                               (expected_w / 3 / n).repeat(2) * 2 * r.numpy(), rtol=1e-14)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_trains_and_logs_unweighted_losses_and_weights(tmp_path, scheme):
    problem = _with(training__phases=[{"optimizer": "adam", "steps": 30, "lr": 0.01}],
                    model__hard_constraints=False)
    problem["training"]["weighting"] = {"scheme": scheme, "every": 10}
    problem["training"]["causal"] = {"chunks": 4, "eps": 1.0}
    run = pinnsolve.solve(problem, out=tmp_path / "r")
    rows = [json.loads(x) for x in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    last = rows[-1]
    assert set(last["weights"]) == set(last["losses"]) == {"pde", "ic", "bc"}
    assert all(np.isfinite(v) and v > 0 for v in last["weights"].values())
    assert len(last["causal_weights"]) == 4 and last["causal_weights"][0] == 1.0
    if scheme in ("lra", "grad_norm", "ntk", "relobralo"):
        assert last["weights"] != {"pde": 1.0, "ic": 1.0, "bc": 1.0}
    assert run.metrics["errors"]["u"]["l2re"] < 1.0


def test_time_marching_horizon_restricts_the_equation_to_early_times():
    from pinnsolve.spec import load_problem
    from pinnsolve.training.pinn import pinn_loop
    problem = _with(training__phases=[{"optimizer": "adam", "steps": 1, "horizon": 0.5},
                                      {"optimizer": "gauss_newton", "steps": 1, "horizon": 0.5}])
    trainer = pinn_loop(load_problem(problem), torch.device("cpu"), torch.float64).stepper
    trainer.parts.time_weighting.horizon = 0.5  # what begin_phase sets for these phases
    total, mse, residuals = trainer.losses()
    t = trainer.samplers["interior"].points()[:, 1].detach()
    r = residuals["pde"].detach()
    inside = t <= 0.25  # HEAT's t ∈ [0, 0.5]: half the interval
    assert 0 < int(inside.sum()) < len(t)
    expected = float((r[inside] ** 2).mean())  # IC and BC are exact: pde is the only term
    assert math.isclose(float(total.detach()), expected, rel_tol=1e-12)
    # The Gauss-Newton residual vector has the same squared norm.
    assert math.isclose(float((trainer.residual_vector().detach() ** 2).sum()), expected,
                        rel_tol=1e-12)
    # Full horizon: the plain mean square again.
    trainer.parts.time_weighting.horizon = 1.0
    assert math.isclose(float(trainer.losses()[0].detach()), float((r ** 2).mean()),
                        rel_tol=1e-12)


@pytest.mark.parametrize("scheme", ["lra", "ntk", "sa", "relobralo"])
def test_weighting_state_resumes_to_the_straight_run(tmp_path, scheme):
    from _problems import straight_and_resumed
    problem = _with(training__phases=[{"optimizer": "adam", "steps": 40, "lr": 0.01}],
                    model__hard_constraints=False)
    problem["training"]["weighting"] = {"scheme": scheme, "every": 5}
    straight, resumed, ckpt, a, b = straight_and_resumed(problem, tmp_path)
    assert ckpt["step"] == 20 and ckpt["balance"]["updates"] > 0
    # Weights, their history (relobralo), generators (ntk) and point weights with their
    # Adam state (sa) are checkpointed: the resumed run repeats the straight one exactly.
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert a["balance"]["weights"] == b["balance"]["weights"]


# -- the plan's balance of a system's equations (training/weights.py::equation_balance) -----
def test_equation_balance_lifts_weak_equations_to_the_strongest():
    from pinnsolve.training.weights import BALANCE_CAP, equation_balance

    kinds = {"m1": "equation", "m2": "equation", "div": "equation", "bc": "condition"}
    norms = {"m1": 300.0, "m2": 150.0, "div": 0.02, "bc": 1e-6}
    assert equation_balance(norms, kinds) == pytest.approx({"m2": 2.0, "div": 15000.0})
    assert equation_balance({"m1": 3.0, "bc": 1e-9}, kinds) == {}        # a lone equation
    assert equation_balance({"m1": 1.0, "div": 0.0, "m2": math.nan}, kinds) == {}
    assert equation_balance({"m1": 1e30, "div": 1.0}, kinds) == {"div": BALANCE_CAP}
    assert equation_balance({"m1": 1e20, "div": 1.0}, kinds) == {"div": 1e20}   # a star in SI
    # a pin (a condition at one point) counts with the equations; a wall does not
    pinned = {"m1": "equation", "pin": "point", "wall": "condition"}
    assert equation_balance({"m1": 4e5, "pin": 1.0, "wall": 2.0}, pinned) == {"pin": 4e5}
    # observations far weaker than the equation (a lone one too) are lifted to it; data
    # within DATA_GAP of it, or stronger, are left alone, and never pull the equation up
    data = {"pde": "equation", "obs": "data", "wall": "condition"}
    assert equation_balance({"pde": 0.9, "obs": 6e-7, "wall": 1.0}, data) == \
        pytest.approx({"obs": 1.5e6})
    assert equation_balance({"pde": 0.9, "obs": 0.05}, data) == pytest.approx({"obs": 18.0})
    assert equation_balance({"pde": 0.9, "obs": 0.2}, data) == {}
    assert equation_balance({"pde": 0.9, "obs": 50.0}, data) == {}
    # a fast initial layer: the equations' gap is stiffness, not units; they keep weight 1,
    # far observations are still lifted
    stiff = {"pde1": "equation", "pde2": "equation", "obs": "data"}
    assert equation_balance({"pde1": 1.0, "pde2": 1e-10, "obs": 1e-3}, stiff, stiff=True) \
        == pytest.approx({"obs": 1e3})


STOKES = {"name": "stokes_small", "domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v", "p"],
          "equations": ["-laplacian(u) + diff(p, x) = 50*sin(pi*y)",
                        "-laplacian(v) + diff(p, y) = 0", "diff(u, x) + diff(v, y) = 0"],
          "conditions": [{"where": "boundary", "dirichlet": {"u": 0, "v": 0}},
                         {"where": {"point": [0.5, 0.5]}, "dirichlet": {"p": 0}}],
          "sampling": {"interior": 200, "boundary": 80}, "training": {"budget": "2s"}}


def test_the_plan_balances_a_system_once_and_an_explicit_weight_wins(tmp_path):
    events = []
    run = pinnsolve.solve(STOKES, out=tmp_path / "a", fresh=True,
                          callback=lambda event, record: events.append((event, record)))
    weights = run.metrics["weights"]
    # the momentum equations pull hardest at step 0; the continuity equation is lifted, the
    # pressure's pin pulls as hard as they do already
    assert set(weights) == {"pde1", "pde2", "pde3", "bc_point_0p5_0p5"}
    assert weights["pde3"] > 10 and weights["pde1"] == 1 and weights["bc_point_0p5_0p5"] == 1
    # in units where the momentum equations are 1000 times larger, a pin off the centre is
    # lifted too (at the centre the untrained network is exactly 0 there: no gradient to
    # measure, weight 1)
    heavy = {**STOKES, "equations": ["1000*(-laplacian(u) + diff(p, x)) = 50000*sin(pi*y)",
                                     "1000*(-laplacian(v) + diff(p, y)) = 0",
                                     "diff(u, x) + diff(v, y) = 0"],
             "conditions": [STOKES["conditions"][0],
                            {"where": {"point": [0.25, 0.75]}, "dirichlet": {"p": 0}}]}
    lifted = pinnsolve.solve(heavy, out=tmp_path / "h", fresh=True).metrics["weights"]
    assert lifted["bc_point_0p25_0p75"] > 100 and lifted["pde1"] == 1
    said = [r.message for e, r in events if e == "weights"]
    assert len(said) == 1 and "pde3 ×" in said[0]
    # resumed: the weights come from the checkpoint, not a second measurement
    more = pinnsolve.solve(STOKES, out=tmp_path / "a", overrides=["training.budget=3s"],
                           callback=lambda event, record: events.append((event, record)))
    assert more.metrics["weights"] == weights
    assert len([e for e, _ in events if e == "weights"]) == 1
    # any weight in the file (or the weighting scheme) turns the balance off
    own = pinnsolve.solve(STOKES, out=tmp_path / "b", fresh=True,
                          overrides=["training.weights={pde1: 2}"])
    assert own.metrics["weights"] == {"pde1": 2.0, "pde2": 1.0, "pde3": 1.0, "bc_point_0p5_0p5": 1.0}
    assert "weights" not in pinnsolve.load_problem(
        STOKES, ["training.weights={pde1: 2}"]).settings.training.planned


def test_an_equation_of_products_of_fields_is_not_balanced_by_its_pull_at_step_0(tmp_path):
    """div(ν ∇A) with ν a field beside A: each term is a product of two fields, so at step
    0 it pulls like the cube of the untrained outputs' size, not its units. It is neither
    lifted (a saturating core's, by 1.2e9, kept A at zero) nor what others are lifted to;
    Stokes' continuity, linear, and a momentum equation with a convective product beside
    its linear terms still count."""
    from pinnsolve.training.weights import of_products
    core = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["A", "nu"],   # the plan's
            "equations": [{"name": "flux", "equation":
                           "diff(nu*diff(A, x), x) + diff(nu*diff(A, y), y) = 0"},
                          {"name": "law", "equation":
                           "nu = 100/(1.6 - sqrt(diff(A, x)**2 + diff(A, y)**2))"}],
            "conditions": [{"where": "x = 0 or y = 0 or y = 1", "dirichlet": {"A": 0}},
                           {"where": "x = 1", "equation": "nu*diff(A, x) = 800"}],
            "training": {"dtype": "float64", "seed": 1, "budget": "1s"},
            "sampling": {"interior": 64, "boundary": 16}}
    assert of_products(pinnsolve.load_problem(core)) == {"flux"}
    navier = {**STOKES, "equations": ["u*diff(u, x) + v*diff(u, y) - laplacian(u) + diff(p, x) = 0",
                                      "u*diff(v, x) + v*diff(v, y) - laplacian(v) + diff(p, y) = 0",
                                      "diff(u, x) + diff(v, y) = 0"]}
    assert of_products(pinnsolve.load_problem(navier)) == set()
    weights = pinnsolve.solve(core, out=tmp_path / "c", fresh=True).metrics.get("weights", {})
    assert weights.get("flux", 1.0) == 1.0
    # the same run with a term linear in A beside the products is balanced as before
    linear = {**core, "equations": [{"name": "flux", "equation": "diff(nu*diff(A, x), x) + "
                                     "diff(nu*diff(A, y), y) + 0.01*diff(A, x, 2) = 0"},
                                    core["equations"][1]]}
    assert of_products(pinnsolve.load_problem(linear)) == set()
    weights = pinnsolve.solve(linear, out=tmp_path / "l", fresh=True).metrics["weights"]
    assert weights["flux"] > 1e3


@pytest.mark.slow   # two processes under torch.distributed.run
def test_the_balance_is_measured_over_all_ranks(tmp_path):
    from pathlib import Path

    from _problems import run_two_ranks

    run_two_ranks(Path(__file__).parent / "_ddp_balance_worker.py", tmp_path)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["weights"]["pde3"] > 10 and metrics["weights"]["pde1"] == 1


def test_the_plan_lifts_observations_in_small_units(tmp_path):
    # u'' = -c π² 1e-3 sin(πx): a deflection of 1e-3 read at five points, c unknown. The
    # data pull far less than the equation on the untrained network; the plan lifts them
    # (and says so), and an explicit weight turns that off.
    x = [0.1, 0.3, 0.5, 0.7, 0.9]
    raw = {"name": "small_data", "domain": {"x": [0, 1]}, "fields": ["u"],
           "unknowns": {"c": {"initial": 0.5}},
           "equations": ["diff(u, x, 2) = -c*pi**2*1e-3*sin(pi*x)"],
           "conditions": [{"where": "x = 0 or x = 1", "dirichlet": 0},
                          {"data": {"x": x, "u": [1e-3 * math.sin(math.pi * v) for v in x]}}],
           "sampling": {"interior": 64}, "training": {"budget": "2s"}}
    events = []
    run = pinnsolve.solve(raw, out=tmp_path / "a", fresh=True,
                          callback=lambda event, record: events.append((event, record)))
    assert run.metrics["weights"]["data"] > 10
    assert any(e == "weights" and "data ×" in r.message for e, r in events)
    own = {**raw, "training": {"budget": "2s", "weights": {"data": 1.0}}}
    assert "weights" not in pinnsolve.load_problem(own).settings.training.planned
    assert "weights" not in pinnsolve.solve(own, out=tmp_path / "b", fresh=True).metrics


# -- conditions in other units than the equations (training/weights.py::units_gap) ---------
def test_units_gap_counts_strong_conditions_and_weak_ones():
    from pinnsolve.training.weights import UNIT_GAP, ZERO_GAP, units_gap

    kinds = {"pde": "equation", "pin": "point", "wall": "condition", "flux": "condition",
             "obs": "data"}
    # a traction pulling 2e3 times harder, whatever its data
    assert units_gap({"pde": 1.0, "wall": 2e3}, kinds, set()) == \
        ("wall", pytest.approx(2e3), "harder")
    # a weak condition counts from UNIT_GAP when it asks for something other than zero,
    # and from ZERO_GAP when it asks for zero
    assert units_gap({"pde": 1.0, "wall": 1e-5}, kinds, set()) is None
    assert units_gap({"pde": 1.0, "wall": 1e-5}, kinds, {"wall"}) == \
        ("wall", pytest.approx(1e5), "less")
    assert ZERO_GAP > 10 * UNIT_GAP
    assert units_gap({"pde": 1.0, "wall": 0.5 / ZERO_GAP}, kinds, set()) == \
        ("wall", pytest.approx(2 * ZERO_GAP), "less")
    # the furthest one is named; within the gap, data and undefined norms: nothing
    assert units_gap({"pde": 1.0, "wall": 1e-4, "flux": 1e5}, kinds, {"wall"})[0] == "flux"
    assert units_gap({"pde": 1.0, "wall": 0.5 / UNIT_GAP, "obs": 1e-9}, kinds, set()) is None
    assert units_gap({"pde": 1.0, "wall": math.nan, "flux": 0.0}, kinds, {"wall", "flux"}) \
        is None
    # measured against the strongest equation or pin; no equation, no gap
    assert units_gap({"pde": 1.0, "pin": 1e4, "wall": 1e6}, kinds, set()) is None
    assert units_gap({"wall": 1e6}, kinds, set()) is None


ROD = {"name": "rod_units", "domain": {"x": [0, 1]}, "fields": ["u"],
       "parameters": {"k": 400.0, "h": 5.0e4},   # W/(m K), W/(m² K)
       "equations": ["k*diff(u, x, 2) = 0"],
       "conditions": [{"where": "x = 0", "dirichlet": 300},
                      {"where": "x = 1", "robin": {"a": "h", "b": "k", "value": "h*290"}}],
       "reference": {"exact": {"u": "300 - 10*h*x/(k + h)"}},
       "sampling": {"interior": 64}, "training": {"budget": "3s"}}


def test_the_plan_balances_conditions_in_other_units_by_gradient_norms(tmp_path):
    # A rod in SI units: its convective end (W/m²) pulls 3.5e3 times harder than the heat
    # equation at step 0. The plan switches to gradient-norm balancing, says so, keeps it
    # on resume, and an explicit scheme turns it off.
    events = []
    run = pinnsolve.solve(ROD, out=tmp_path / "a", fresh=True,
                          callback=lambda event, record: events.append((event, record)))
    said = [r.message for e, r in events if e == "weights"]
    assert len(said) == 1 and said[0].startswith("bc_x_max pulls") and "grad_norm" in said[0]
    assert run.metrics["weights"]["pde"] > 10   # the equation lifted by the balancing
    assert run.metrics["errors"]["u"]["l2re"] < 1e-4
    state = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=True)
    assert state["balance_scheme"] == "grad_norm"
    pinnsolve.solve(ROD, out=tmp_path / "a", overrides=["training.budget=4s"])
    state = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=True)
    assert state["balance_scheme"] == "grad_norm"   # restored, not re-measured
    fixed = pinnsolve.solve(ROD, out=tmp_path / "b", fresh=True,
                            overrides=["training.weighting.scheme=fixed"])
    assert "weights" not in fixed.metrics   # weights of 1 throughout
