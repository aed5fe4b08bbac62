"""Mesh domains: cells and boundary facets, uniform sampling, outward normals, a solve on
the bundled mesh and its export onto the mesh's own nodes (meshio round trip)."""
from __future__ import annotations

import math
from pathlib import Path

import meshio
import numpy as np
import pytest
import torch

import pinnsolve
from pinnsolve.errors import SpecError
from pinnsolve.geometry import MeshDomain, region_geometry, solid_of
from pinnsolve.sampling import RegionSampler
from pinnsolve.spec import Region, load_problem

ROOT = Path(__file__).resolve().parents[1]
L_MESH = ROOT / "problems" / "meshes" / "l_shape.vtu"
# The same L as a CSG solid: the independent oracle for the mesh's boundary.
L_SHAPE = {"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}},
                          {"rectangle": {"min": [0, 0], "max": [2, 2]}}]}


def l_problem(**extra):
    return load_problem({"domain": {"x": [-1, 1], "y": [-1, 1], "mesh": str(L_MESH)},
                         "fields": ["u"], "equations": ["laplacian(u) = 0"], **extra})


def test_l_mesh_area_perimeter_and_uniform_interior():
    m = MeshDomain(L_MESH, 2)
    assert abs(m.volumes.sum() - 3.0) < 1e-12      # the L's area, exactly (straight edges)
    assert abs(m.areas.sum() - 8.0) < 1e-12        # its perimeter
    p = l_problem()
    x = RegionSampler(region_geometry(p, Region("interior")), 30000, "uniform", 0, 1).points()
    # Each of the three unit squares holds a third of the points (binomial, 5σ).
    third = ((x[:, 0] < 0) & (x[:, 1] < 0)).double().mean()
    assert abs(float(third) - 1 / 3) < 5 * math.sqrt(2 / 9 / 30000)
    # Within a square, uniform: the mean of x over the lower-left square is -0.5 (5σ of a
    # uniform on [-1, 0]: 5·sqrt(1/12/n)).
    ll = x[(x[:, 0] < 0) & (x[:, 1] < 0)]
    assert abs(float(ll[:, 0].mean()) + 0.5) < 5 * math.sqrt(1 / 12 / len(ll))


def test_l_mesh_boundary_points_and_normals_against_the_csg_oracle():
    p = l_problem()
    s = RegionSampler(region_geometry(p, Region("boundary")), 4000, "uniform", 0, 2)
    x, n = s.points(), s.normals()
    oracle = solid_of(load_problem({"domain": {"x": [-1, 1], "y": [-1, 1], "shape": L_SHAPE},
                                    "fields": ["u"], "equations": ["laplacian(u) = 0"]}))
    assert oracle.sdf(x).abs().max() < 1e-12
    assert torch.allclose(n.norm(dim=1), torch.ones(len(n), dtype=n.dtype))
    h = 1e-6
    fd = (oracle.sdf(x + h * n) - oracle.sdf(x - h * n)) / (2 * h)
    assert (fd > 0.99).double().mean() > 0.99      # corners within h may differ (measure ~h)


def test_hexahedral_box_mesh_3d(tmp_path):
    """A 3×3×3 hexahedral mesh of [0, 1]³: volume 1, surface 6, normals ±e_k outward."""
    g = np.linspace(0, 1, 4)
    pts = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    idx = np.arange(64).reshape(4, 4, 4)
    hexes = [[idx[i, j, k], idx[i + 1, j, k], idx[i + 1, j + 1, k], idx[i, j + 1, k],
              idx[i, j, k + 1], idx[i + 1, j, k + 1], idx[i + 1, j + 1, k + 1], idx[i, j + 1, k + 1]]
             for i in range(3) for j in range(3) for k in range(3)]
    path = tmp_path / "cube.vtu"
    meshio.write(path, meshio.Mesh(pts, [("hexahedron", np.array(hexes))]))
    m = MeshDomain(path, 3)
    assert abs(m.volumes.sum() - 1) < 1e-12 and abs(m.areas.sum() - 6) < 1e-12
    p = load_problem({"domain": {"x": [0, 1], "y": [0, 1], "z": [0, 1], "mesh": str(path)},
                      "fields": ["u"], "equations": ["laplacian(u) = 0"]})
    s = RegionSampler(region_geometry(p, Region("boundary")), 2000, "uniform", 0, 3)
    x, n = s.points(), s.normals()
    k = n.abs().argmax(1)
    rows = torch.arange(len(x))
    assert torch.allclose(n.abs().max(1).values, torch.ones(len(n), dtype=n.dtype))
    assert (x[rows, k] == (n[rows, k] > 0).to(x.dtype)).all()   # +e_k on the face x_k = 1


def test_bad_meshes_are_located_errors(tmp_path):
    bad = tmp_path / "bad.vtu"
    bad.write_text("not a mesh")
    with pytest.raises(SpecError, match="cannot read mesh") as info:
        region_geometry(load_problem({"domain": {"x": [0, 1], "y": [0, 1], "mesh": str(bad)},
                                      "fields": ["u"], "equations": ["laplacian(u) = 0"]}),
                        Region("interior"))
    assert info.value.key == "domain.mesh"
    with pytest.raises(SpecError, match="no mesh file"):
        load_problem({"domain": {"x": [0, 1], "y": [0, 1], "mesh": str(tmp_path / "none.vtu")},
                      "fields": ["u"], "equations": ["laplacian(u) = 0"]})
    with pytest.raises(SpecError, match="widen the range"):
        p = load_problem({"domain": {"x": [0, 1], "y": [-1, 1], "mesh": str(L_MESH)},
                          "fields": ["u"], "equations": ["laplacian(u) = 0"]})
        region_geometry(p, Region("interior"))


def test_mesh_solve_exports_onto_the_mesh_nodes(tmp_path):
    p = l_problem(conditions=[{"where": "boundary", "dirichlet": 0}],
                  reference={"exact": {"u": "sin(pi*x)*sin(pi*y)"}},
                  sampling={"interior": 200, "boundary": 100},
                  training={"dtype": "float64", "phases": [{"optimizer": "adam", "steps": 5}]})
    run = pinnsolve.solve(p, out=tmp_path / "r")
    out = meshio.read(tmp_path / "r" / "fields" / "l_shape_solution.vtu")
    src = meshio.read(L_MESH)
    assert np.array_equal(out.points, src.points)
    assert np.array_equal(out.cells_dict["triangle"], src.cells_dict["triangle"])
    pred = np.asarray(run.predict(src.points[:, :2]))[:, 0]
    assert np.allclose(out.point_data["u"], pred, rtol=0, atol=1e-12)
    exact = np.sin(np.pi * src.points[:, 0]) * np.sin(np.pi * src.points[:, 1])
    assert np.allclose(out.point_data["u_ref"], exact, atol=1e-12)
    # The error metric is measured at the mesh nodes.
    l2 = np.linalg.norm(pred - exact) / np.linalg.norm(exact)
    assert abs(run.metrics["errors"]["u"]["l2re"] - l2) < 1e-9
