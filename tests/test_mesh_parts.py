"""Named boundary parts of mesh domains: gmsh physical groups and meshio cell sets.

``where: {boundary: inlet}`` on a mesh domain selects the boundary facets that the mesh's
own lower-dimensional cells tag with that name.
"""
import meshio
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SpecError
from pinnsolve.geometry import region_geometry
from pinnsolve.geometry.checks import check_files
from pinnsolve.io.vtk import grid_mesh
from pinnsolve.spec import Region, load_problem


def _square(n=6):
    """Unit square of (n-1)² quads (pinnsolve's own grid_mesh), its four sides as line
    cells (node (ix, iy) is ix*n + iy)."""
    g = np.linspace(0, 1, n)
    pts, [(_, tris)] = grid_mesh([g, g])
    i = np.arange(n * n).reshape(n, n)
    left = np.stack([i[0, :-1], i[0, 1:]], 1)          # x = 0
    right = np.stack([i[-1, :-1], i[-1, 1:]], 1)       # x = 1
    bottom = np.stack([i[:-1, 0], i[1:, 0]], 1)        # y = 0
    top = np.stack([i[:-1, -1], i[1:, -1]], 1)         # y = 1
    return pts, tris, left, right, np.concatenate([bottom, top])


def _gmsh(path):
    pts, tris, left, right, walls = _square()
    lines = np.concatenate([left, right, walls])
    phys = np.concatenate([np.full(len(left), 1), np.full(len(right), 2), np.full(len(walls), 3)])
    mesh = meshio.Mesh(pts, [("line", lines), ("quad", tris)],
                       cell_data={"gmsh:physical": [phys, np.full(len(tris), 4)],
                                  "gmsh:geometrical": [phys, np.full(len(tris), 4)]},
                       field_data={"inlet": np.array([1, 1]), "outlet": np.array([2, 1]),
                                   "walls": np.array([3, 1]), "fluid": np.array([4, 2])})
    mesh.write(path, file_format="gmsh22", binary=False)
    return path


def _problem(mesh, conditions):
    return load_problem({"domain": {"x": [0, 1], "y": [0, 1], "mesh": str(mesh)},
                         "fields": "u", "equations": "laplacian(u) = 0",
                         "conditions": conditions})


def _points(p, piece, n=2000):
    g = region_geometry(p, Region("boundary", piece=piece))
    u = torch.rand(n, g.unit_dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return g.map(u)


def test_gmsh_physical_groups_are_boundary_parts(tmp_path):
    mesh = _gmsh(tmp_path / "square.msh")
    p = _problem(mesh, [{"where": {"boundary": "inlet"}, "dirichlet": "y*(1 - y)"},
                        {"where": {"boundary": "walls"}, "dirichlet": 0},
                        {"where": {"boundary": "outlet"}, "neumann": 0}])
    x, n = _points(p, ("inlet",))
    assert x[:, 0].abs().max() < 1e-12
    assert torch.allclose(n, torch.tensor([-1.0, 0.0], dtype=torch.float64).expand_as(n))
    assert abs(float(x[:, 1].mean()) - 0.5) < 0.03          # the whole side, uniformly
    x, n = _points(p, ("walls",))
    on = (x[:, 1].abs() < 1e-12) | ((x[:, 1] - 1).abs() < 1e-12)
    assert on.all() and (n[:, 1].abs() == 1).all()
    x, _ = _points(p, ("inlet", "outlet"))
    assert ((x[:, 0].abs() < 1e-12) | ((x[:, 0] - 1).abs() < 1e-12)).all()
    check_files(p)   # what `pinnsolve check` runs


def test_cell_sets_name_parts_too(tmp_path, monkeypatch):
    """meshio ``cell_sets`` (Abaqus, Exodus, Medit … readers fill them) name parts like gmsh
    groups; the mesh is handed over in memory, as those readers would return it."""
    import pinnsolve.geometry.mesh as mesh_module

    pts, tris, left, right, walls = _square()
    lines = np.concatenate([left, right, walls])
    mesh = meshio.Mesh(pts, [("line", lines), ("quad", tris)],
                       cell_sets={"hot": [np.arange(len(left)), np.array([], dtype=int)]})
    path = _gmsh(tmp_path / "square.msh")      # the file the problem names (exists)
    monkeypatch.setattr(mesh_module, "read_mesh_file", lambda path, fail: mesh)
    p = _problem(path, [{"where": {"boundary": "hot"}, "dirichlet": 1}])
    x, _ = _points(p, ("hot",))
    assert x[:, 0].abs().max() < 1e-12


def test_an_unknown_part_is_a_located_error_listing_the_parts(tmp_path):
    mesh = _gmsh(tmp_path / "square.msh")
    p = _problem(mesh, [{"where": {"boundary": "inflow"}, "dirichlet": 0}])
    with pytest.raises(SpecError, match="no boundary part named 'inflow'; its parts: inlet, "
                                        "outlet, walls"):
        check_files(p)
    problem_file = tmp_path / "p.yaml"
    problem_file.write_text("domain: {x: [0, 1], y: [0, 1], mesh: square.msh}\nfields: u\n"
                            "equations: [laplacian(u) = 0]\n"
                            "conditions: [{where: {boundary: inflow}, dirichlet: 0}]\n")
    result = CliRunner().invoke(app, ["check", str(problem_file)])
    assert result.exit_code == 2 and "inflow" in result.output
    assert "Traceback" not in result.output


def test_a_mesh_without_parts_says_how_to_name_them(tmp_path):
    pts, tris, *_ = _square()
    path = tmp_path / "plain.vtu"
    meshio.Mesh(pts, [("quad", tris)]).write(path)
    with pytest.raises(SpecError, match="none: name boundary parts with gmsh physical groups"):
        check_files(_problem(path, [{"where": {"boundary": "inlet"}, "dirichlet": 0}]))


def test_a_solve_on_mesh_parts_runs_end_to_end(tmp_path):
    mesh = _gmsh(tmp_path / "square.msh")
    torch.manual_seed(0)
    raw = {"domain": {"x": [0, 1], "y": [0, 1], "mesh": str(mesh)}, "fields": "u",
           "equations": "laplacian(u) = 0",
           "conditions": [{"where": {"boundary": "inlet"}, "dirichlet": 1},
                          {"where": {"boundary": "outlet"}, "dirichlet": 0},
                          {"where": {"boundary": "walls"}, "neumann": 0}],
           "reference": {"exact": {"u": "1 - x"}},
           "model": {"width": 16, "depth": 2}, "sampling": {"interior": 200, "boundary": 100},
           "training": {"dtype": "float64", "seed": 0, "phases": [
               {"optimizer": "adam", "steps": 200, "lr": 3e-3},
               {"optimizer": "lbfgs", "steps": 100}]},
           "output": {"grid": {"x": 11, "y": 11}, "formats": ["npz"]}}
    run = pinnsolve.solve(raw, out=tmp_path / "run")
    assert run.metrics["errors"]["u"]["l2re"] < 1e-2
