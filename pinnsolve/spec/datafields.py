"""Coefficient and source fields given as data: ``data_fields: {k: {file: k.npz}}``.

The NPZ holds one 1-D, strictly increasing array per spatial coordinate (named after it)
and ``values`` with shape (len(x), len(y), ...). In expressions the name reads as a
function of the coordinates, ``k`` meaning k(x, y); SymPy differentiates it into nodes of
the same grid with derivative orders attached (:meth:`DataField.fdiff`), which the compiler
evaluates from the multilinear interpolant (compiler/datafield.py). No torch here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from ..errors import SpecError
from .files import load_npz

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


def load_data_field(name: str, spec, coords: list[str], base: Path, file: str,
                    key: str) -> type:
    """Validate ``{file: path}`` into the field's SymPy function class.

    Raises:
        SpecError: at ``key``: a missing or non-increasing axis, values of the wrong shape,
            NaN or inf, or more than MAX_GRID_VALUES values.
    """
    if not isinstance(spec, dict) or set(spec) != {"file"} or not isinstance(spec["file"], str):
        raise SpecError("expected {file: grid.npz}", file=file, key=key)
    arrays = load_npz(base / spec["file"], file, f"{key}.file")
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
