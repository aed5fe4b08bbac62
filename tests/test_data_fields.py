"""``data_fields``: a coefficient read from an NPZ grid, interpolated multilinearly."""
import numpy as np
import pytest
import sympy as sp
import torch

from pinnsolve.compiler.collect import Columns
from pinnsolve.compiler.lower import Env, lower
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem


def _grid(tmp_path, n=81, name="k.npz", **over):
    x = np.linspace(0, 1, n)
    y = np.linspace(0, 2, n + 10)
    X, Y = np.meshgrid(x, y, indexing="ij")
    arrays = {"x": x, "y": y, "values": 1 + X**2 * Y, **over}
    np.savez(tmp_path / name, **arrays)
    return str(tmp_path / name)


def _problem(path, eq="-div(k*grad(u)) = 1"):
    return load_problem({"domain": {"x": [0, 1], "y": [0, 2]}, "fields": "u",
                         "data_fields": {"k": {"file": path}}, "equations": eq})


def _eval(p, expr, x):
    program = lower(expr, Columns(p.domain, p.fields), set(), "test")
    return torch.as_tensor(program(Env(x, {}, {}))).reshape(-1)


def test_values_and_first_derivatives_match_the_analytic_field(tmp_path):
    """k = 1 + x² y on an 81 × 91 grid: multilinear error ≤ h²/8 · max|k''| ≈ 8e-5 · 2;
    first derivatives (difference quotients) within h · max|k''| ≈ 0.025 · 2."""
    p = _problem(_grid(tmp_path))
    x_, y_ = sp.symbols("x y")
    pts = torch.rand(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    pts[:, 1] *= 2
    from pinnsolve.spec.datafields import DataField
    expr = [a for a in p.equations[0].expr.atoms(DataField) if not any(a.func.orders)][0]
    xs, ys = pts[:, 0], pts[:, 1]
    assert (_eval(p, expr, pts) - (1 + xs**2 * ys)).abs().max() < 2e-4
    assert (_eval(p, expr.diff(x_), pts) - 2 * xs * ys).abs().max() < 0.06
    assert (_eval(p, expr.diff(y_), pts) - xs**2).abs().max() < 0.03
    assert (_eval(p, expr.diff(x_, 2), pts)).abs().max() == 0


def test_equation_uses_the_field_and_its_gradient(tmp_path):
    p = _problem(_grid(tmp_path))
    names = sorted(a.func.__name__ for a in p.equations[0].expr.atoms(sp.Function)
                   if hasattr(a.func, "orders"))
    assert names == ["k", "k_d0", "k_d1"]


@pytest.mark.parametrize("over, match", [
    ({"values": np.ones((3, 3))}, r"data_fields\.k\.file.*'values' of shape \(81, 91\)"),
    ({"x": np.linspace(1, 0, 81)}, r"axis 'x' must be finite and strictly increasing"),
])
def test_bad_grids_are_located(tmp_path, over, match):
    with pytest.raises(SpecError, match=match):
        _problem(_grid(tmp_path, **over))


def test_name_clash_is_refused(tmp_path):
    with pytest.raises(SpecError, match=r"data_fields\.u.*already"):
        load_problem({"domain": {"x": [0, 1], "y": [0, 2]}, "fields": "u",
                      "data_fields": {"u": {"file": _grid(tmp_path)}},
                      "equations": "laplacian(u) = 0"})


# -- fields from a mesh's point data --------------------------------------------------------
def _mesh(tmp_path, k, n=21, name="k.vtu"):
    """[0, 1] × [0, 2] in (n-1)² quads (pinnsolve's own grid_mesh; the reader splits them
    into triangles) with point data 'k' = k(x, y) at its nodes."""
    import meshio

    from pinnsolve.io.vtk import grid_mesh

    pts, cells = grid_mesh([np.linspace(0, 1, n), np.linspace(0, 2, n)])
    meshio.Mesh(pts, cells, point_data={"k": k(pts[:, 0], pts[:, 1])}).write(tmp_path / name)
    return name


def _mesh_problem(tmp_path, spec, eq="-div(k*grad(u)) = 1"):
    import yaml
    raw = {"domain": {"x": [0, 1], "y": [0, 2]}, "fields": "u", "data_fields": {"k": spec},
           "equations": [eq]}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw))
    return load_problem(tmp_path / "p.yaml")


def _field(p):
    from pinnsolve.spec.datafields import DataField
    return [a for a in p.equations[0].expr.atoms(DataField) if not any(a.func.orders)][0]


def test_mesh_point_data_of_a_linear_field_is_exact_with_its_gradient(tmp_path):
    """Barycentric interpolation reproduces a linear k exactly, and so does the grid it is
    resampled onto: values and first derivatives to round-off."""
    name = _mesh(tmp_path, lambda x, y: 1 + 2 * x + 3 * y)
    p = _mesh_problem(tmp_path, {"mesh": name, "values": "k"})
    expr = _field(p)
    x_, y_ = sp.symbols("x y")
    pts = torch.rand(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    pts[:, 1] *= 2
    assert (_eval(p, expr, pts) - (1 + 2 * pts[:, 0] + 3 * pts[:, 1])).abs().max() < 1e-10
    assert (_eval(p, expr.diff(x_), pts) - 2).abs().max() < 1e-8
    assert (_eval(p, expr.diff(y_), pts) - 3).abs().max() < 1e-8


def test_mesh_point_data_of_a_curved_field_is_within_the_mesh_error(tmp_path):
    """k = 1 + x² y on a 21 × 21-node mesh (h = 0.05, 0.1; quads split into triangles):
    the piecewise-linear interpolant is off by 2.6e-3 at most at 500 points (measured);
    the bound leaves 2× for the grid resampling."""
    name = _mesh(tmp_path, lambda x, y: 1 + x**2 * y)
    p = _mesh_problem(tmp_path, {"mesh": name, "values": "k"})
    pts = torch.rand(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    pts[:, 1] *= 2
    err = (_eval(p, _field(p), pts) - (1 + pts[:, 0] ** 2 * pts[:, 1])).abs().max()
    assert err < 5e-3


def test_barycentric_on_a_non_delaunay_mesh_uses_its_own_cells():
    """Two triangles of a square split along the other diagonal than Delaunay would pick
    (either is Delaunay here): values follow the mesh's own split."""
    from pinnsolve.spec.datafields import barycentric
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    data = np.array([0.0, 0.0, 1.0, 0.0])
    split_a = np.array([[0, 1, 2], [0, 2, 3]])     # diagonal 0-2
    split_b = np.array([[0, 1, 3], [1, 2, 3]])     # diagonal 1-3
    q = np.array([[0.5, 0.5], [2.0, 2.0]])         # centre; one outside every cell
    assert barycentric(pts, split_a, data, q)[0] == pytest.approx(0.5)
    assert barycentric(pts, split_b, data, q)[0] == pytest.approx(0.0)
    assert barycentric(pts, split_a, data, q)[1] == 1.0        # the nearest node's value


@pytest.mark.parametrize("spec, key, match", [
    ({"mesh": "k.vtu", "values": "kappa"}, "data_fields.k.values", "no point data 'kappa'; it has: k"),
    ({"mesh": "k.vtu"}, "data_fields.k", r"expected \{mesh: mesh.vtu, values: NAME\}"),
    ({"mesh": "../k.vtu", "values": "k"}, "data_fields.k.mesh", "outside the problem's folder"),
    ({"file": "../k.npz"}, "data_fields.k.file", "outside the problem's folder"),
])
def test_bad_mesh_fields_are_located(tmp_path, spec, key, match):
    _mesh(tmp_path, lambda x, y: 1 + x)
    folder = tmp_path
    if ".." in str(spec.get("mesh", spec.get("file"))):   # the problem one folder down
        folder = tmp_path / "sub"
        folder.mkdir()
    with pytest.raises(SpecError, match=match) as info:
        _mesh_problem(folder, spec)
    assert info.value.key == key
