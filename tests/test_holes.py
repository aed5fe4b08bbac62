"""Round holes of a shape (spec/holes.py): found from the shape, given to the network as
log(r/a) inputs, in the digest only where built."""
from __future__ import annotations

import math

import pytest
import torch

from _problems import assert_digest_follows_rule, assert_jet_along_x_matches_autodiff
from pinnsolve.models.build import build_model
from pinnsolve.spec import load_problem
from pinnsolve.spec.holes import hole_plan

SQUARE = {"rectangle": {"min": [-1, -1], "max": [1, 1]}}


def plate(hole, equation="laplacian(u) = 1", box=((-1, 1), (-1, 1)), outer=SQUARE):
    return {"domain": {"x": list(box[0]), "y": list(box[1]),
                       "shape": {"difference": [outer, hole]}},
            "fields": ["u"], "equations": [equation],
            "conditions": [{"where": "boundary", "dirichlet": 0}]}


def disk(center, radius):
    return {"disk": {"center": list(center), "radius": radius}}


def test_a_small_hole_is_found_with_its_reach():
    (h,) = hole_plan(load_problem(plate(disk((0.2, 0.1), 0.2))))
    assert (h.kind, h.axis, h.radius) == ("disk", None, 0.2)
    assert h.center == pytest.approx((0.2, 0.1))
    assert h.reach == pytest.approx(math.hypot(1.2, 1.1))   # to the corner (-1, -1)


def test_large_holes_added_disks_and_first_order_equations_have_none():
    assert hole_plan(load_problem(plate(disk((0, 0), 0.5)))) == ()   # reach/radius 2.8 < 4
    union = plate(disk((0, 0), 0.1))
    union["domain"]["shape"] = {"union": [SQUARE, disk((0, 0), 0.1)]}
    assert hole_plan(load_problem(union)) == ()
    transport = plate(disk((0, 0), 0.1), "diff(u, x) + diff(u, y) = 0")
    assert hole_plan(load_problem(transport)) == ()
    # set by hand: about every round hole, whatever the ratio and the equations
    forced = load_problem(transport, ["model.hole_logs=true"])
    assert len(hole_plan(forced)) == 1
    big = load_problem(plate(disk((0, 0), 0.5)), ["model.hole_logs=true"])
    assert len(hole_plan(big)) == 1
    off = load_problem(plate(disk((0, 0), 0.1)), ["model.hole_logs=false"])
    assert hole_plan(off) == ()


def test_a_flux_written_beside_its_potential_gets_the_log():
    """Darcy's mixed form, first order in u, v and p, is a second-order problem for p: a
    well's log profile (stop 50). A first-order wave system keeps none."""
    mixed = plate(disk((0, 0), 0.1))
    mixed.update(fields=["u", "v", "p"], equations=[
        "u = -diff(p, x)", "v = -diff(p, y)", "diff(u, x) + diff(v, y) = 0"])
    mixed["conditions"] = [{"where": "boundary", "dirichlet": {"p": 0}}]
    assert len(hole_plan(load_problem(mixed))) == 1
    waves = {**mixed, "domain": {**mixed["domain"], "t": [0, 1]}, "equations": [
        "diff(u, t) = -diff(p, x)", "diff(v, t) = -diff(p, y)",
        "diff(p, t) + diff(u, x) + diff(v, y) = 0"]}
    assert hole_plan(load_problem(waves)) == ()
    unsteady = {**waves, "equations": ["u = -diff(p, x)", "v = -diff(p, y)",
                                       "diff(p, t) + diff(u, x) + diff(v, y) = 0"]}
    assert len(hole_plan(load_problem(unsteady))) == 1


def test_a_hole_cut_inside_an_intersection_and_moved_with_its_node():
    # a quarter of a perforated square: the disk is subtracted one level down
    quarter = plate(disk((0, 0), 0.1), box=((0, 2), (0, 2)))
    quarter["domain"]["shape"] = {"intersection": [
        {"difference": [{"rectangle": {"min": [-2, -2], "max": [2, 2]}},
                        {**disk((0, 0), 0.1), "translate": [0.5, 0]}],
         "rotate": math.pi / 2},
        {"rectangle": {"min": [0, 0], "max": [2, 2]}}]}
    (h,) = hole_plan(load_problem(quarter))
    # translated by (0.5, 0), then the difference rotated a quarter turn: (0, 0.5)
    assert h.center == pytest.approx((0, 0.5), abs=1e-12)
    assert h.reach == pytest.approx(math.hypot(2, 1.5))


def test_a_rotated_cylinder_has_its_axis():
    raw = {"domain": {"x": [-1, 1], "y": [-1, 1], "z": [-1, 1], "shape": {"difference": [
        {"box": {"min": [-1, -1, -1], "max": [1, 1, 1]}},
        {"cylinder": {"center": [0, 0, 0], "radius": 0.1, "height": 4},
         "rotate": [0, math.pi / 2, 0]}]}},
           "fields": ["u"], "equations": ["laplacian(u) = 0"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    (h,) = hole_plan(load_problem(raw))
    assert h.kind == "cylinder"
    assert [abs(a) for a in h.axis] == pytest.approx([1, 0, 0], abs=1e-12)   # along x
    assert h.reach == pytest.approx(math.sqrt(2))   # from the axis to an edge (y, z = ±1)


def test_the_input_is_the_log_radius_and_its_jets_are_exact():
    problem = load_problem(plate(disk((0.2, 0.1), 0.2)))
    net, _, notes = build_model(problem)
    assert any("model.hole_logs=false" in n for n in notes)
    mlp = getattr(net, "net", net)
    x = torch.tensor([[-0.5, 0.3], [0.7, 0.7], [0.5, 0.1], [0.8, -0.9]],
                     dtype=torch.float64, requires_grad=True)
    r = (x.detach() - torch.tensor([0.2, 0.1], dtype=torch.float64)).norm(dim=1)
    expected = 2 * torch.log(r / 0.2) / math.log(math.hypot(1.2, 1.1) / 0.2) - 1
    assert torch.allclose(mlp.embedding.hole_inputs(x)[:, 0], expected, atol=1e-12)
    # −1 on the wall, finite on the hole's centre (a grid point outside the domain)
    wall = torch.tensor([[0.4, 0.1], [0.2, 0.1]], dtype=torch.float64)
    inputs = mlp.embedding.hole_inputs(wall)[:, 0]
    assert inputs[0].item() == pytest.approx(-1, abs=1e-12) and torch.isfinite(inputs).all()
    # the network's Taylor jet along x matches autodiff
    assert_jet_along_x_matches_autodiff(mlp, x)


def test_the_digest_changes_only_where_holes_are_built():
    holed = load_problem(plate(disk((0.2, 0.1), 0.2)))
    wide = load_problem(plate(disk((0, 0), 0.5)))   # no log: reach/radius below 4
    assert_digest_follows_rule("HOLES", holed, wide)
    net = build_model(load_problem(plate(disk((0.2, 0.1), 0.2)), ["model.hole_logs=false"]))[0]
    assert getattr(net, "net", net).embedding.hole_space == 0


def test_a_holes_distance_is_linear_where_its_log_is_planned():
    """u = A + D N with D = (r² − a²)/2a grows like r²/2a away from a small hole, and N
    must fall like 1/r² to make its profile; with the log planned D is r − a."""
    from pinnsolve.geometry import solid_of
    from pinnsolve.models.constraints import _shaped_distance
    raw = plate({**disk((0, 0), 0.1), "name": "hole"})
    raw["domain"]["shape"]["difference"][0] = {**SQUARE, "name": "outer"}
    raw["conditions"] = [{"where": {"boundary": "hole"}, "dirichlet": 0},
                         {"where": {"boundary": "outer"}, "neumann": 0}]
    x = torch.tensor([[0.2, 0.0], [0.0, 0.5], [0.7, 0.7]], dtype=torch.float64)
    r = x.norm(dim=1)
    for overrides, expected in (((), r - 0.1),
                                (("model.hole_logs=false",), (r ** 2 - 0.01) / 0.2)):
        problem = load_problem(raw, list(overrides))
        solid = solid_of(problem)
        distance = _shaped_distance(problem, solid, {"hole"}, {"hole", "outer"})
        assert torch.allclose(distance(x) * solid.diameter, expected, atol=1e-12)
