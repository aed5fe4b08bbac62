"""``where: x = 0`` / ``x = 0 and y > 0.5`` on shapes and meshes: a part of the boundary."""
from pathlib import Path

import numpy as np
import pytest

import pinnsolve
from pinnsolve.errors import SpecError
from pinnsolve.geometry import region_geometry
from pinnsolve.sampling import RegionSampler
from pinnsolve.spec import load_problem

ROOT = Path(__file__).resolve().parents[1]
L_MESH = ROOT / "problems" / "meshes" / "l_shape.vtu"
# A channel [0, 2] x [0, 1] with a disk obstacle: inlet x = 0, outlet x = 2.
CHANNEL = {"difference": [{"rectangle": {"min": [0, 0], "max": [2, 1]}},
                          {"disk": {"center": [0.6, 0.5], "radius": 0.2}, "name": "obstacle"}]}


def _shape(where, kind="dirichlet", value=0):
    return load_problem({"domain": {"x": [0, 2], "y": [0, 1], "shape": CHANNEL}, "fields": "u",
                         "equations": "laplacian(u) = 0",
                         "conditions": [{"where": where, kind: value}]})


def _draw(p, n=400):
    s = RegionSampler(region_geometry(p, p.conditions[0].region), n, "uniform", 0, 0)
    return s.points().numpy(), s.normals().numpy()


def test_plane_selects_the_inlet_with_outward_normals():
    p = _shape("x = 0")
    c = p.conditions[0]
    assert c.region.select == (("x", "=", 0.0),) and c.name == "bc_x_eq_0"
    x, n = _draw(p)
    assert np.abs(x[:, 0]).max() < 1e-12 and x[:, 1].min() < 0.05 and x[:, 1].max() > 0.95
    assert np.allclose(n, [-1.0, 0.0])


def test_predicate_selects_half_of_a_side_and_neumann_is_allowed():
    p = _shape("x = 2 and y > 0.5", "neumann")
    x, n = _draw(p)
    assert np.allclose(x[:, 0], 2.0) and x[:, 1].min() >= 0.5 and np.allclose(n, [1.0, 0.0])
    assert p.conditions[0].name == "bc_x_eq_2_y_gt_0p5"


@pytest.mark.parametrize("where, match", [
    ("z = 0", r"conditions\.0\.where.*'z' is not a spatial coordinate"),
    ("x = 0 or", r"conditions\.0\.where.*expected alternatives"),
    ("x == 0", r"conditions\.0\.where.*not a valid expression"),
])
def test_bad_selections_are_located(where, match):
    with pytest.raises(SpecError, match=match):
        _shape(where)


def test_or_gives_one_condition_per_alternative():
    p = _shape("x = 0 or x = 2 and y > 0.5")
    assert [c.region.select for c in p.conditions] == [
        (("x", "=", 0.0),), (("x", "=", 2.0), ("y", ">", 0.5))]
    box = load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": "u",
                        "equations": "laplacian(u) = 0",
                        "conditions": [{"where": "x = 0 or x = 1", "dirichlet": "y"},
                                       {"where": "y=0 or y=1", "name": "walls", "neumann": 0}]})
    assert [(c.name, c.region.coord, c.region.side, c.kind) for c in box.conditions] == [
        ("bc_x_min", "x", "lo", "dirichlet"), ("bc_x_max", "x", "hi", "dirichlet"),
        ("walls_1", "y", "lo", "neumann"), ("walls_2", "y", "hi", "neumann")]


def test_empty_selection_is_an_error_naming_it():
    p = _shape("x = 1 and y > 0.5")   # x = 1 crosses the channel's interior, not its boundary
    with pytest.raises(SpecError, match=r"no boundary point of the shape has x = 1 and y > 0.5"):
        region_geometry(p, p.conditions[0].region)


def test_selection_is_not_imposed_as_the_whole_boundary():
    from pinnsolve.models import build_model
    _, imposed, _ = build_model(_shape("x = 0", value=1))
    assert imposed == set()


def test_mesh_plane_keeps_the_facets_on_it():
    p = load_problem({"domain": {"x": [-1, 1], "y": [-1, 1], "mesh": str(L_MESH)}, "fields": "u",
                      "equations": "laplacian(u) = 0",
                      "conditions": [{"where": "y = -1", "dirichlet": 0},
                                     {"where": "x = 0 and y >= 0", "neumann": 0}]})
    x, n = _draw(p)
    assert np.abs(x[:, 1] + 1).max() < 1e-12 and np.allclose(n, [0.0, -1.0])
    s = RegionSampler(region_geometry(p, p.conditions[1].region), 200, "uniform", 0, 0)
    x2, n2 = s.points().numpy(), s.normals().numpy()
    assert np.abs(x2[:, 0]).max() < 1e-12 and x2[:, 1].min() >= 0 and np.allclose(n2, [1.0, 0.0])
    bad = load_problem({**p.raw, "conditions": [{"where": "x = 0.5", "dirichlet": 0}]})
    with pytest.raises(SpecError, match="no boundary facet of the mesh"):
        region_geometry(bad, bad.conditions[0].region)
