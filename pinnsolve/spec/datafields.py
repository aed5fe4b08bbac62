"""Coefficient and source fields given as data: ``data_fields: {k: {file: k.npz}}``.

The NPZ holds one 1-D, strictly increasing array per spatial coordinate (named after it)
and ``values`` with shape (len(x), len(y), ...). In expressions the name reads as a
function of the coordinates, ``k`` meaning k(x, y); SymPy differentiates it into nodes of
the same grid with derivative orders attached (:meth:`DataField.fdiff`), which the compiler
evaluates from the multilinear interpolant (compiler/datafield.py). No torch here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import sympy as sp

from ..errors import SpecError
from .files import load_npz
from .mesh_files import read_mesh_file, simplices

MAX_GRID_VALUES = 4_000_000


class DataField(sp.Function):
    """Base of the generated per-field classes; ``grid`` = (axes, values), ``orders`` the
    derivative order per axis."""

    grid: tuple = ((), None)
    orders: tuple[int, ...] = ()
    field_name = ""

    def fdiff(self, argindex=1):
        orders = list(self.orders)
        orders[argindex - 1] += 1
        return data_field_class(self.field_name, self.grid, tuple(orders))(*self.args)


_CLASSES: dict = {}


def data_field_class(name: str, grid: tuple, orders: tuple[int, ...]):
    """The SymPy function class of field ``name`` differentiated ``orders`` times."""
    key = (name, id(grid[1]), orders)
    if key not in _CLASSES:
        suffix = "".join(f"_d{k}" * n for k, n in enumerate(orders))
        _CLASSES[key] = type(f"{name}{suffix}", (DataField,),
                             {"grid": grid, "orders": orders, "field_name": name,
                              "nargs": len(orders)})
    return _CLASSES[key]


def load_data_field(name: str, spec, coords: list[str], resolve: Callable[[str, str], Path],
                    file: str, key: str) -> type:
    """Validate ``{file: grid.npz}`` or ``{mesh: m.vtu, values: k}`` into the field's SymPy
    function class. ``resolve(path, key)`` turns a path of the problem into a checked one
    (relative paths stay in the problem's folder).

    Raises:
        SpecError: at ``key``: a missing or non-increasing axis, values of the wrong shape,
            NaN or inf, or more than MAX_GRID_VALUES values; for a mesh, its own checks.
    """
    if isinstance(spec, dict) and "mesh" in spec:
        return _from_mesh(name, spec, coords, resolve, file, key)
    if not isinstance(spec, dict) or set(spec) != {"file"} or not isinstance(spec["file"], str):
        raise SpecError("expected {file: grid.npz} or {mesh: mesh.vtu, values: NAME}",
                        file=file, key=key)
    arrays = load_npz(resolve(spec["file"], f"{key}.file"), file, f"{key}.file")
    axes = []
    for c in coords:
        a = arrays.get(c)
        if a is None or a.ndim != 1 or a.size < 2:
            raise SpecError(f"the file needs a 1-D array '{c}' of at least 2 grid values",
                            file=file, key=f"{key}.file")
        a = a.astype(np.float64)
        if not np.isfinite(a).all() or not (np.diff(a) > 0).all():
            raise SpecError(f"axis '{c}' must be finite and strictly increasing", file=file,
                            key=f"{key}.file")
        axes.append(a)
    values = arrays.get("values")
    shape = tuple(a.size for a in axes)
    if values is None or values.shape != shape:
        raise SpecError(f"the file needs 'values' of shape {shape} (one per grid node, axes "
                        f"in the order {', '.join(coords)})", file=file, key=f"{key}.file")
    if values.size > MAX_GRID_VALUES or not np.isfinite(values).all():
        raise SpecError(f"'values' must be finite and at most {MAX_GRID_VALUES} numbers",
                        file=file, key=f"{key}.file")
    grid = (tuple(axes), values.astype(np.float64))
    return data_field_class(name, grid, (0,) * len(coords))


MESH_GRID_MAX = 512    # nodes per axis of the grid a mesh field is resampled onto


def _from_mesh(name: str, spec: dict, coords: list[str], resolve, file: str, key: str) -> type:
    """``{mesh: m.vtu, values: k}``: the point data ``k`` of a mesh, interpolated linearly
    on the mesh's own cells (barycentric), resampled once onto a regular grid over the
    mesh's bounding box with about four grid nodes per mesh node spacing (at most
    MESH_GRID_MAX per axis); from there on it is a grid field (multilinear, derivatives
    from the grid). Grid nodes outside every cell take the nearest mesh node's value."""
    def fail(message: str) -> SpecError:
        return SpecError(message, file=file, key=f"{key}.mesh")
    extra = set(spec) - {"mesh", "values"}
    if extra or not isinstance(spec.get("mesh"), str) or not isinstance(spec.get("values"), str):
        raise SpecError("expected {mesh: mesh.vtu, values: NAME} (NAME: the mesh's point data "
                        "array)", file=file, key=key)
    path = resolve(spec["mesh"], f"{key}.mesh")
    mesh = read_mesh_file(path, lambda m: fail(f"cannot read mesh {spec['mesh']}: {m}"))
    dim = len(coords)
    points, cells = simplices(mesh, dim, fail)
    data = (mesh.point_data or {}).get(spec["values"])
    if data is None:
        have = ", ".join(sorted(mesh.point_data or {})) or "none"
        raise SpecError(f"the mesh has no point data '{spec['values']}'; it has: {have}",
                        file=file, key=f"{key}.values")
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2 and data.shape[1] == 1:
        data = data[:, 0]
    if data.shape != (len(points),) or not np.isfinite(data).all():
        raise SpecError(f"point data '{spec['values']}' must be one finite number per node "
                        f"({len(points)}), got shape {data.shape}", file=file,
                        key=f"{key}.values")
    lo, hi = points.min(0), points.max(0)
    n = int(min(MESH_GRID_MAX, max(33, np.ceil(4 * len(points) ** (1 / dim)))))
    if n ** dim > MAX_GRID_VALUES:
        n = int(MAX_GRID_VALUES ** (1 / dim))
    axes = tuple(np.linspace(a, b, n) for a, b in zip(lo, hi))
    nodes = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], 1)
    values = barycentric(points, cells, data, nodes).reshape((n,) * dim)
    return data_field_class(name, (axes, values), (0,) * dim)


def barycentric(points: np.ndarray, cells: np.ndarray, data: np.ndarray,
                queries: np.ndarray, candidates: int = 16) -> np.ndarray:
    """Piecewise-linear interpolation of node ``data`` on simplices ``cells`` at ``queries``:
    each query is tested against the cells of its ``candidates`` nearest centroids (a
    KD-tree); one outside all of them takes its nearest node's value."""
    from scipy.spatial import cKDTree

    corners = points[cells]                                    # (S, d + 1, d)
    k = min(candidates, len(cells))
    _, near = cKDTree(corners.mean(1)).query(queries, k=k)
    near = near.reshape(len(queries), k)
    out = np.full(len(queries), np.nan)
    for j in range(k):
        c = corners[near[:, j]]                                # (Q, d + 1, d)
        T = np.swapaxes(c[:, 1:] - c[:, :1], 1, 2)             # (Q, d, d)
        ok = np.abs(np.linalg.det(T)) > 0
        lam = np.zeros((len(queries), c.shape[1] - 1))
        lam[ok] = np.linalg.solve(T[ok], (queries - c[:, 0])[ok][..., None])[..., 0]
        w = np.concatenate([1 - lam.sum(1, keepdims=True), lam], 1)
        inside = ok & (w >= -1e-10).all(1) & np.isnan(out)
        out[inside] = (w[inside] * data[cells[near[inside, j]]]).sum(1)
    missing = np.isnan(out)
    if missing.any():
        _, nearest = cKDTree(points).query(queries[missing])
        out[missing] = data[nearest]
    return out
