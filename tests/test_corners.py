"""Re-entrant corners of a 2-D shape (spec/corners.py): found from the shape alone, given to
the network as r^a cos(aθ), r^a sin(aθ) inputs, in the digest only where built."""
from __future__ import annotations

import math

import pytest
import torch

from _problems import assert_digest_follows_rule, assert_jet_along_x_matches_autodiff
from pinnsolve.models.build import build_model
from pinnsolve.spec import load_problem
from pinnsolve.spec.corners import corner_plan, reentrant_corners
from pinnsolve.spec.meaning import meaning_digest

L_POLYGON = {"polygon": {"points": [[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1], [-1, 1]]}}
T_UNION = {"union": [{"rectangle": {"min": [-1, 0.5], "max": [1, 1]}},
                     {"rectangle": {"min": [-0.25, 0], "max": [0.25, 1]}}]}


def laplace(shape, equation="laplacian(u) = 0", box=((-1, 1), (-1, 1)), **extra):
    return {"domain": {"x": list(box[0]), "y": list(box[1]), "shape": shape},
            "fields": ["u"], "equations": [equation],
            "conditions": [{"where": "boundary", "dirichlet": 0}], **extra}


def corners_of(shape, box=((-1, 1), (-1, 1))):
    problem = load_problem(laplace(shape, box=box))
    return reentrant_corners(problem.domain.shape, 3.0)


def test_an_l_shaped_polygon_has_one_corner_of_three_right_angles():
    (c,) = corners_of(L_POLYGON)
    assert c.point == pytest.approx((0, 0), abs=1e-12)
    assert c.angle == pytest.approx(1.5 * math.pi, rel=1e-9)
    assert c.alpha == pytest.approx(2 / 3, rel=1e-9)
    # the inside starts on the edge along +y (from (0, 0) to (0, 1)) and turns through -x
    assert math.cos(c.start) == pytest.approx(0, abs=1e-9)
    assert math.sin(c.start) == pytest.approx(1, abs=1e-9)


def test_corners_where_the_edges_of_two_primitives_cross():
    found = corners_of(T_UNION)
    assert sorted(round(c.point[0], 9) for c in found) == [-0.25, 0.25]
    assert all(c.point[1] == pytest.approx(0.5) and c.angle == pytest.approx(1.5 * math.pi)
               for c in found)


def test_a_moved_shape_moves_its_corner():
    pit = {"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}},
                          {"rectangle": {"min": [0, -1], "max": [1, 0]}}],
           "rotate": math.pi / 6, "translate": [3, 4]}
    (c,) = corners_of(pit, box=((1, 5), (2, 6)))
    assert c.point == pytest.approx((3, 4), abs=1e-9)
    assert c.angle == pytest.approx(1.5 * math.pi, rel=1e-9)


def test_convex_shapes_holes_and_notches_have_none():
    assert corners_of({"rectangle": {"min": [-1, -1], "max": [1, 1]}}) == []
    assert corners_of({"difference": [{"disk": {"center": [0, 0], "radius": 1}},
                                      {"disk": {"center": [0, 0], "radius": 0.5}}]}) == []
    # a disk bitten out of an edge leaves corners of 90°, not re-entrant
    assert corners_of({"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 0]}},
                                      {"disk": {"center": [0, 0], "radius": 0.5}}]}) == []


def test_the_plan_reads_second_order_equations_only_unless_set():
    plan = corner_plan(load_problem(laplace(L_POLYGON)))
    assert plan.exponents == (pytest.approx((1 / 3, 2 / 3, 4 / 3)),)   # half-integer k too
    assert "re-entrant corner" in plan.why
    assert plan.reach == (math.inf,)   # a lone corner's functions do not fade
    two = corner_plan(load_problem(laplace(T_UNION)))
    assert two.reach == pytest.approx((0.25, 0.25))   # half the distance between them
    transport = laplace(L_POLYGON, "diff(u, x) + diff(u, y) = 0")
    assert corner_plan(load_problem(transport)) is None
    plate = laplace(L_POLYGON, "laplacian(laplacian(u)) = 1")
    assert corner_plan(load_problem(plate)) is None
    # a p-Laplacian's principal part depends on the slope: its exponents are others
    p_laplace = laplace(L_POLYGON, "div((diff(u, x)**2 + diff(u, y)**2 + 1)*grad(u)) = 1")
    assert corner_plan(load_problem(p_laplace)) is None
    # nested: the divergence of a nonlinear flux is of second order
    flux = laplace(L_POLYGON, "diff((1 + u**2)*diff(u, x), x) + diff(u, y, 2) = 1")
    assert corner_plan(load_problem(flux)) is not None
    # an explicit setting applies to any equation, and 3 modes skip the whole powers 1, 2
    explicit = load_problem(transport, ["model.corner_modes=3"])
    net, _, notes = build_model(explicit)
    exponents = getattr(net, "net", net).embedding.corner_columns[:, 6].tolist()
    assert exponents == pytest.approx([1 / 3, 2 / 3, 4 / 3, 5 / 3])
    assert any("re-entrant corner" in n for n in notes)


def test_the_inputs_are_the_corner_modes_and_their_jets_are_exact():
    problem = load_problem(laplace(L_POLYGON))
    net, _, notes = build_model(problem)
    emb = getattr(net, "net", net).embedding
    assert any("model.corner_modes=0" in n for n in notes)
    x = torch.tensor([[-0.5, 0.3], [-0.2, 0.7], [-0.4, -0.9], [0.8, -0.1]],
                     dtype=torch.float64, requires_grad=True)
    f = emb.corner_inputs(x)
    r = x.detach().norm(dim=1) / emb.corner_length
    theta = torch.atan2(x.detach()[:, 1], x.detach()[:, 0]) - math.pi / 2   # from the +y edge
    theta = torch.where(theta < 0, theta + 2 * math.pi, theta)
    cut = 1.0   # a lone corner's functions do not fade
    # columns: the cosines, then the sines, of the exponents 1/3, 2/3 and 4/3
    assert torch.isfinite(f).all()
    assert torch.allclose(f[:, 4], cut * r ** (2 / 3) * torch.sin(2 * theta / 3), atol=1e-12)
    assert torch.allclose(f[:, 2], cut * r ** (4 / 3) * torch.cos(4 * theta / 3), atol=1e-12)
    assert torch.allclose(f[:, 3], cut * r ** (1 / 3) * torch.sin(theta / 3), atol=1e-12)
    # the network adds them through coefficients that start at zero; its Taylor jet along
    # x, coefficients set, matches autodiff
    mlp = getattr(net, "net", net)
    assert mlp.enrich.weight.shape == (1, 6) and not mlp.enrich.weight.any()
    with torch.no_grad():
        mlp.enrich.weight.copy_(torch.tensor([[0.5, -1.0, 2.0, 0.25, -0.3, 0.7]]))
    assert_jet_along_x_matches_autodiff(mlp, x)


def test_the_digest_changes_only_where_corners_are_built():
    problem = load_problem(laplace(L_POLYGON))
    off = load_problem(laplace(L_POLYGON), ["model.corner_modes=0"])
    square = load_problem(laplace({"rectangle": {"min": [-1, -1], "max": [1, 1]}}))
    assert meaning_digest(off) != meaning_digest(problem)
    assert_digest_follows_rule("CORNERS", problem, square)
    net = build_model(off)[0]
    assert getattr(net, "net", net).enrich is None


def test_only_dirichlet_parts_reaching_a_corner_leave_the_exact_imposition():
    pit = {"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}, "name": "site"},
                          {"rectangle": {"min": [0, -1], "max": [1, 0]}, "name": "cut"}]}
    raw = laplace(pit)
    raw["conditions"] = [
        {"where": {"boundary": "cut.y_max"}, "name": "held", "dirichlet": 0},
        {"where": {"boundary": "cut.x_min"}, "name": "insulated", "neumann": 0},
        {"where": {"boundary": "site"}, "name": "outer", "dirichlet": "y/2"}]
    _, imposed, notes = build_model(load_problem(raw))
    assert imposed == {"outer"}
    assert any("held imposed through the loss" in n for n in notes)
    _, _, notes = build_model(load_problem(raw, ["model.corner_modes=0"]))
    assert not any("re-entrant corner" in n for n in notes)
