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
