"""Exact piecewise Dirichlet data: per-part data blended with per-part distances."""
import numpy as np
import pytest
import torch

from pinnsolve.models import build_model
from pinnsolve.sampling import RegionSampler
from pinnsolve.geometry import region_geometry
from pinnsolve.spec import Region, load_problem

HOLES = {"difference": [{"rectangle": {"min": [0, 0], "max": [1, 1]}, "name": "outer"},
                        {"union": [{"disk": {"center": [0.3, 0.3], "radius": 0.1}},
                                   {"disk": {"center": [0.7, 0.6], "radius": 0.15}},
                                   {"disk": {"center": [0.3, 0.75], "radius": 0.1}}],
                         "name": "holes"}]}


def _draw(p, region, n=500):
    return RegionSampler(region_geometry(p, region), n, "uniform", 0, 0).points()


def test_plate_with_holes_is_exact_on_every_part():
    torch.manual_seed(0)
    p = load_problem({"domain": {"x": [0, 1], "y": [0, 1], "shape": HOLES}, "fields": "u",
                      "equations": "laplacian(u) = 0",
                      "conditions": [{"where": {"boundary": "holes"}, "dirichlet": 1},
                                     {"where": {"boundary": "outer"}, "dirichlet": "x*y"}],
                      "training": {"dtype": "float64"}})
    model, imposed, notes = build_model(p)
    notes = [n for n in notes if not n.startswith("distance factor")   # the plan's gain
             and "log(r/a)" not in n]   # and the holes' log radius (spec/holes.py)
    model = model.double()
    assert imposed == {"bc_holes", "bc_outer"} and not notes
    xh = _draw(p, Region("boundary", piece=("holes",)))
    xo = _draw(p, Region("boundary", piece=("outer",)))
    assert (model(xh)[:, 0] - 1).abs().max() < 1e-6
    assert (model(xo)[:, 0] - xo[:, 0] * xo[:, 1]).abs().max() < 1e-6
    inner = _draw(p, Region("interior"))
    assert torch.isfinite(model(inner)).all()


def test_lid_driven_cavity_profile_is_exact_and_corners_reported():
    torch.manual_seed(0)
    raw = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v"],
           "equations": ["laplacian(u) = 0", "laplacian(v) = 0"],
           "conditions": [{"where": "y = 1", "dirichlet": {"u": "4*x*(1 - x)", "v": 0}},
                          {"where": "y = 0", "dirichlet": {"u": 0, "v": 0}},
                          {"where": "x = 0", "dirichlet": {"u": 0, "v": 0}},
                          {"where": "x = 1", "dirichlet": {"u": 0, "v": 0}}],
           "training": {"dtype": "float64"}}
    model, imposed, notes = build_model(load_problem(raw))
    notes = [n for n in notes if not n.startswith("distance factor")]   # the plan's gain
    model = model.double()
    assert len(imposed) == 8 and not notes      # the profile vanishes at the lid's corners
    s = torch.rand(400, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    zero, one = torch.zeros_like(s), torch.ones_like(s)
    lid = model(torch.cat([s, one], 1))
    assert (lid[:, 0] - 4 * s[:, 0] * (1 - s[:, 0])).abs().max() < 1e-6
    assert lid[:, 1].abs().max() < 1e-6
    for x in (torch.cat([s, zero], 1), torch.cat([zero, s], 1), torch.cat([one, s], 1)):
        assert model(x).abs().max() < 1e-6
    # A constant lid (u = 1) disagrees with the walls at the two top corners: reported.
    raw["conditions"][0] = {"where": "y = 1", "dirichlet": {"u": 1, "v": 0}}
    _, imposed, notes = build_model(load_problem(raw))
    notes = [n for n in notes if not n.startswith("distance factor")]
    assert len(imposed) == 8 and len(notes) == 2
    assert "differ by up to 1" in notes[0] and "averaged at the junction" in notes[0]


def test_check_lists_the_blended_conditions_as_imposed_exactly():
    from pathlib import Path

    from typer.testing import CliRunner

    from pinnsolve.cli import app
    path = Path(__file__).resolve().parents[1] / "problems" / "plate_holes.yaml"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "imposed exactly: bc_holes, bc_outer" in result.output


def test_data_that_agree_where_faces_meet_get_a_smooth_transfinite_lift():
    """A 20 × 1 channel with sin(πy) at the inlet and 0 on the walls: the data agree at the
    corners, so the lift is the transfinite one, exact on every imposed face and smooth
    where the inlet meets a wall. The blend's Laplacian grew like 1/distance there (a
    residual no network term can cancel; advdiff_channel_far, stop 36)."""
    from pinnsolve.models.constraints import plan_constraints

    raw = {"domain": {"x": [0, 20], "y": [0, 1]}, "fields": ["c"],
           "equations": ["20*diff(c, x) = laplacian(c)"],
           "conditions": [{"where": "x = 0", "dirichlet": "sin(pi*y)"},
                          {"where": "y = 0 or y = 1", "dirichlet": 0},
                          {"where": "x = 20", "neumann": 0}]}
    (constraint,), imposed, notes = plan_constraints(load_problem(raw))
    assert not constraint.costly_lift and len(imposed) == 3 and not notes
    y = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)[:, None]
    inlet = torch.sin(torch.pi * y[:, 0])
    assert (constraint.lift(torch.cat([torch.zeros_like(y), y], 1)) - inlet).abs().max() < 1e-12
    for wall in (0.0, 1.0):
        x = torch.tensor([[0.0, wall], [3.0, wall], [15.0, wall]], dtype=torch.float64)
        assert constraint.lift(x).abs().max() < 1e-12

    def laplacian(x):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(constraint.lift(x).sum(), x, create_graph=True)
        return sum(torch.autograd.grad(g[:, k].sum(), x, retain_graph=True)[0][:, k]
                   for k in range(2))

    near = torch.tensor([[r, r] for r in (1e-1, 1e-2, 1e-3, 1e-4)], dtype=torch.float64)
    assert laplacian(near).abs().max() < 20   # π² sin(πy) here; the blend: 1.6e4 at 1e-4


def test_a_long_boxs_blended_inlet_data_fade_within_a_wall_distance():
    """Where the data disagree at the corners (an inlet at 1, walls at 0) the lift is the
    blend; in a 20 × 1 channel it is a small share of the inlet's data halfway down
    (distances in the box's own length; normalised face by face it was a third there), and
    exact on every imposed face."""
    from pinnsolve.models.constraints import plan_constraints

    raw = {"domain": {"x": [0, 20], "y": [0, 1]}, "fields": ["c"],
           "equations": ["20*diff(c, x) = laplacian(c)"],
           "conditions": [{"where": "x = 0", "dirichlet": 1},
                          {"where": "y = 0 or y = 1", "dirichlet": 0},
                          {"where": "x = 20", "neumann": 0}]}
    (constraint,), imposed, notes = plan_constraints(load_problem(raw))
    assert constraint.costly_lift and len(imposed) == 3 and len(notes) == 2
    y = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)[:, None]

    def lift(x):
        return constraint.lift(torch.cat([torch.full_like(y, x), y], 1))

    assert (lift(0.0) - 1).abs().max() < 1e-12
    assert lift(10.0).abs().max() < 0.05
    assert lift(1.0).abs().max() < 0.5
    for wall in (0.0, 1.0):
        x = torch.tensor([[3.0, wall], [15.0, wall]], dtype=torch.float64)
        assert constraint.lift(x).abs().max() < 1e-12


def test_the_transfinite_lift_with_time_dependent_faces_and_an_initial_value():
    """heat2d_flux_face's conditions: u0 at t = 0, time-dependent data on x = 1 and zero on
    y = 0 and y = 0.5, agreeing with u0 at t0. All imposed, exact at every face and time
    (the blend that imposed them, before stop 36, made 9.7e-2 of a 1.5e-4 run)."""
    raw = {"domain": {"x": [0, 1], "y": [0, 0.5], "t": [0, 2]}, "fields": ["u"],
           "equations": ["diff(u, t) = 0.1*laplacian(u)"],
           "conditions": [{"where": "initial", "dirichlet": "cos(pi*x/2 - 0.5)*sin(2*pi*y)"},
                          {"where": "x = 0", "neumann": "0"},
                          {"where": "x = 1", "dirichlet": "sin(0.5)*sin(2*pi*y)*exp(-t)"},
                          {"where": "y = 0 or y = 0.5", "dirichlet": 0}],
           "training": {"dtype": "float64"}}
    model, imposed, notes = build_model(load_problem(raw))
    notes = [n for n in notes if not n.startswith(("distance factor", "output scale"))]
    assert imposed == {"ic", "bc_x_max", "bc_y_min", "bc_y_max"} and not notes
    model = model.double()
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(300, 3, dtype=torch.float64, generator=gen) * torch.tensor([1, 0.5, 2])
    at = x.clone()
    at[:, 2] = 0
    u0 = torch.cos(torch.pi * at[:, 0] / 2 - 0.5) * torch.sin(2 * torch.pi * at[:, 1])
    assert (model(at)[:, 0] - u0).abs().max() < 1e-12
    at = x.clone()
    at[:, 0] = 1
    face = np.sin(0.5) * torch.sin(2 * torch.pi * at[:, 1]) * torch.exp(-at[:, 2])
    assert (model(at)[:, 0] - face).abs().max() < 1e-12
    for wall in (0.0, 0.5):
        at = x.clone()
        at[:, 1] = wall
        assert model(at).abs().max() < 1e-12


def test_initial_and_boundary_data_of_a_large_size_that_agree_are_both_imposed():
    """A fish stock's recruitment pulse (1.5e10 per year of age) and its initial age
    profile agree at a = t = 0 to round-off, 1e-6 in absolute terms: read against an
    absolute 1e-9, the boundary data went to the loss (stop 50). Data that really
    disagree are still caught."""
    stock = {"domain": {"a": [0, 5], "t": [0, 4]}, "fields": ["n"],
             "parameters": {"M": 0.35, "F0": 0.45, "a50": 1.5, "s": 0.25, "R0": 2.0e9,
                            "tp": 0.45, "kappa": 2},
             "define": {"G": "F0*s*log((1 + exp((a - a50)/s))/(1 + exp(-a50/s)))",
                        "Fa": "F0/(1 + exp(-(a - a50)/s))",
                        "ne": "R0*exp(kappa*cos(2*pi*(t - a - tp)))*exp(-M*a - G)"},
             "equations": ["diff(n, t) + diff(n, a) = -(M + Fa)*n"],
             "conditions": [
                 {"where": "a = 0", "name": "recruits",
                  "dirichlet": "R0*exp(kappa*cos(2*pi*(t - tp)))"},
                 {"where": "initial", "name": "survey", "dirichlet": "ne"}]}
    _, imposed, notes = build_model(load_problem(stock))
    assert imposed >= {"recruits", "survey"}, notes
    assert not any("disagree" in n for n in notes)
    off = {**stock, "conditions": [stock["conditions"][0] | {"dirichlet": "1.001*R0"},
                                   stock["conditions"][1]]}
    _, imposed, notes = build_model(load_problem(off))
    assert "recruits" not in imposed and any("disagree at t0" in n for n in notes)
