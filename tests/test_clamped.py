"""Clamped edges imposed exactly: u = g and dn(u) = 0 on the same faces give the face
factors squared (models/constraints.py::_clamped), so both hold for any network."""
import pytest
import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.models import build_model
from pinnsolve.spec import load_problem

PLATE = {"domain": {"x": [0, 1], "y": [0, 2]}, "fields": ["u"],
         "equations": ["diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4) = 1"],
         "conditions": [{"where": "boundary", "dirichlet": 0},
                        {"where": "boundary", "neumann": 0}],
         "training": {"dtype": "float64"}}


def _edges(n=64, seed=1):
    """Points on the four sides of [0, 1] × [0, 2], with their outward normals."""
    s = torch.rand(n, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    zero, one = torch.zeros_like(s), torch.ones_like(s)
    return [(torch.cat([zero, 2 * s], 1), (-1.0, 0.0)), (torch.cat([one, 2 * s], 1), (1.0, 0.0)),
            (torch.cat([s, zero], 1), (0.0, -1.0)), (torch.cat([s, 2 * one], 1), (0.0, 1.0))]


def _value_and_normal_derivative(model, x, normal):
    x = x.clone().requires_grad_(True)
    u = model(x)[:, 0]
    g, = torch.autograd.grad(u.sum(), x)
    return u.detach(), g[:, 0] * normal[0] + g[:, 1] * normal[1]


def test_a_clamped_plate_has_both_conditions_exact():
    torch.manual_seed(0)
    model, imposed, notes = build_model(load_problem(PLATE))
    assert imposed == {"bc_1", "bc_2"}
    assert all(n.startswith(("distance factor", "output scale")) for n in notes), notes
    for x, normal in _edges():
        u, dn = _value_and_normal_derivative(model, x, normal)
        assert u.abs().max() < 1e-12 and dn.abs().max() < 1e-12
    # nothing is left to the loss but the equation
    compiled = compile_problem(load_problem(PLATE))
    assert [t.name for t in compiled.terms if t.name not in imposed] == ["pde"]


def test_clamped_faces_one_by_one_and_with_data_whose_normal_derivative_vanishes():
    raw = {**PLATE, "conditions": [
        {"where": "boundary", "dirichlet": "sin(pi*x)*cos(pi*y)"},
        {"where": "y = 0", "neumann": 0}, {"where": "y = 2", "neumann": 0}]}
    torch.manual_seed(0)
    p = load_problem(raw)
    model, imposed, _ = build_model(p)
    # cos(πy) has a zero y-derivative at y = 0 and y = 2: both clamped faces are exact
    assert imposed == {c.name for c in p.conditions}
    for x, normal in _edges()[2:]:
        u, dn = _value_and_normal_derivative(model, x, normal)
        target = torch.sin(torch.pi * x[:, 0]) * torch.cos(torch.pi * x[:, 1])
        assert (u - target).abs().max() < 1e-12 and dn.abs().max() < 1e-12


@pytest.mark.parametrize("conditions", [
    # the data's own normal derivative is not zero on the face: dn(u) = 0 stays in the loss
    [{"where": "boundary", "dirichlet": "x + y"}, {"where": "boundary", "neumann": 0}],
    # Neumann data other than zero
    [{"where": "boundary", "dirichlet": 0}, {"where": "boundary", "neumann": 1}],
    # a Neumann face without Dirichlet data on it (u is free there)
    [{"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "neumann": 0}],
])
def test_what_is_not_clamped_stays_in_the_loss(conditions):
    p = load_problem({**PLATE, "conditions": conditions})
    model, imposed, _ = build_model(p)
    dirichlet, neumann = p.conditions
    assert dirichlet.name in imposed and neumann.name not in imposed
    factors = model.constraints[0].factors
    assert len(factors) == len(set(factors))   # no factor squared


def test_a_clamped_beam_in_time_keeps_its_initial_value():
    raw = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
           "equations": ["diff(u, t, 2) + diff(u, x, 4) = 0"],
           "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)**2"},
                          {"where": "initial", "equation": "diff(u, t) = 0"},
                          {"where": "boundary", "dirichlet": 0},
                          {"where": "boundary", "neumann": 0}],
           "training": {"dtype": "float64"}}
    torch.manual_seed(0)
    p = load_problem(raw)
    model, imposed, _ = build_model(p)
    clamp = next(c.name for c in p.conditions if c.kind == "neumann")
    assert clamp in imposed
    t = torch.rand(32, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    for side, normal in ((0.0, -1.0), (1.0, 1.0)):
        x = torch.cat([torch.full_like(t, side), t], 1).requires_grad_(True)
        u = model(x)[:, 0]
        g, = torch.autograd.grad(u.sum(), x)
        assert u.abs().max() < 1e-12 and (normal * g[:, 0]).abs().max() < 1e-12
    x0 = torch.cat([t, torch.zeros_like(t)], 1)
    assert (model(x0)[:, 0] - torch.sin(torch.pi * t[:, 0]) ** 2).abs().max() < 1e-12


def test_the_taylor_engine_sees_the_squared_factors():
    # the plan picks taylor for the fourth-order plate: its jets of the clamped model must
    # give the same residual as nested autodiff
    x = torch.rand(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    x[:, 1] *= 2
    residuals = []
    for engine in ("autodiff", "taylor"):
        torch.manual_seed(0)
        p = load_problem({k: v for k, v in PLATE.items() if k != "training"},
                         [f"derivatives.engine={engine}"])
        compiled = compile_problem(p)
        model, _, _ = build_model(p)
        pde = compiled.term("pde")
        residuals.append(compiled.evaluate(model, [pde], x)["pde"].detach())
    assert residuals[0].abs().max() > 1e-2   # a random network: far from solving it
    assert torch.allclose(residuals[0], residuals[1], rtol=1e-8, atol=1e-8)
