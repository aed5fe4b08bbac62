"""Evaluate fields and references on output grids."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import sympy as sp
import torch

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..errors import SpecError
from ..geometry import domain_mask, mesh_of, region_geometry
from .references import SOLVERS
from ..sampling import RegionSampler
from ..spec.files import load_npz
from ..spec.problem import Problem, Region

DEFAULT_POINTS = {1: 201, 2: 101, 3: 41}


def grid_axes(problem: Problem, sizes: dict[str, int] | None = None) -> dict[str, np.ndarray]:
    """1-D axes of the output grid: spatial coordinates in order, then time."""
    d = problem.domain
    bounds = {c.name: (c.lo, c.hi) for c in d.space}
    if d.time is not None:
        bounds[d.time.name] = (d.time.lo, d.time.hi)
    return {k: np.linspace(*bounds[k], n) for k, n in _axis_counts(problem, sizes or {}).items()}


def grid_names(problem: Problem) -> list[str]:
    """The coordinates an output grid has axes for: scalar space coordinates, then time
    (none for a vector coordinate, which is sampled instead)."""
    d = problem.domain
    if not has_grid(problem):
        return []
    return [c.name for c in d.space] + ([d.time.name] if d.time is not None else [])


GRID_SPACE = 3   # spatial axes a grid (VTK cells) can have; above, fields are sampled


def has_grid(problem: Problem) -> bool:
    """Whether fields are written on a grid: scalar space coordinates, at most GRID_SPACE
    of them (a vector coordinate, or five scalar ones, is sampled at points instead)."""
    d = problem.domain
    return d.vector is None and len(d.space) <= GRID_SPACE


def check_grid(problem: Problem, sizes: dict | None, *, file: str, key: str,
               max_points: int | None = None) -> dict[str, int]:
    """Validate requested grid sizes (``export --grid``, ``Run.export(grid=...)``) before
    anything is allocated.

    Each name must be a grid coordinate of the problem (an unknown one would otherwise be
    ignored silently), each count an integer ≥ 2 (one point has no spacing, no cell), and
    the whole grid — defaults filled in — at most ``max_points`` (default
    ``limits.max_grid_points``) points, so that ``x=100000,t=100000`` is a message, not a
    ``MemoryError``.

    Returns:
        The sizes as ``{name: count}``.

    Raises:
        SpecError: located at ``file`` and ``key`` (``key.name`` for one coordinate).
    """
    sizes = dict(sizes or {})
    names = grid_names(problem)
    # A command-line option is named as typed ("--grid"); a mapping key gets the coordinate.
    at = (lambda name: key) if key.startswith("-") else (lambda name: f"{key}.{name}")
    for name, n in sizes.items():
        if name not in names:
            valid = (f"its grid coordinates are {', '.join(names)}" if names else
                     "a vector coordinate or more than 3 spatial coordinates have no grid "
                     "(the fields are sampled at points)")
            raise SpecError(f"the problem has no coordinate '{name}' to put a grid on; {valid}",
                            file=file, key=at(name))
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise SpecError(f"a grid axis needs at least 2 points (one point has no spacing "
                            f"and no cells), got {n!r} for {name}", file=file, key=at(name))
    cap = problem.settings.limits.max_grid_points if max_points is None else max_points
    counts = _axis_counts(problem, sizes)
    total = math.prod(counts.values()) if counts else 0
    if total > cap:
        shape = " × ".join(f"{k} {n}" for k, n in counts.items())
        raise SpecError(f"the grid has {total} points ({shape}), above limits.max_grid_points "
                        f"= {cap}; use fewer points, or raise the cap (`pinnsolve export "
                        f"--max-grid-points N`, Python: export(..., max_grid_points=N))",
                        file=file, key=key)
    return {k: int(v) for k, v in sizes.items()}


def _axis_counts(problem: Problem, sizes: dict[str, int]) -> dict[str, int]:
    """Points per axis of the grid :func:`grid_axes` would build (nothing allocated)."""
    d = problem.domain
    if not has_grid(problem):
        return {}
    sizes = {**problem.settings.output.grid, **sizes}
    counts = {c.name: sizes.get(c.name, DEFAULT_POINTS.get(len(d.space), 21)) for c in d.space}
    if d.time is not None:
        counts[d.time.name] = sizes.get(d.time.name, 51)
    return counts


def grid_points(axes: dict[str, np.ndarray]) -> np.ndarray:
    """(N, d) points of the tensor grid, first axis slowest (C order)."""
    lines = list(axes.values())
    shape = tuple(len(a) for a in lines)
    # Filled axis by axis by broadcasting: 3.5 million 4-D points in 0.1 s where
    # meshgrid-then-stack took 1.4 s.
    out = np.empty(shape + (len(lines),))
    for i, a in enumerate(lines):
        out[..., i] = np.asarray(a).reshape([-1 if j == i else 1 for j in range(len(lines))])
    return out.reshape(-1, len(lines))


def mesh_points(problem: Problem, axes: dict[str, np.ndarray]) -> np.ndarray:
    """A mesh domain's nodes (N, n_space), each at every time of the time axis (time last,
    slowest) when the problem has one."""
    nodes = mesh_of(problem).points
    if problem.domain.time is None:
        return nodes
    times = axes[problem.domain.time.name]
    return np.concatenate([np.column_stack([nodes, np.full(len(nodes), t)]) for t in times])


def evaluate(model: Callable[[torch.Tensor], torch.Tensor], points: np.ndarray, *,
             dtype: torch.dtype = torch.float64, device=None, batch: int = 16384) -> np.ndarray:
    """Model values (N, m) at points (N, d), in batches, without gradients, on ``device``
    (default: where the model's parameters are)."""
    if device is None:
        first = next(iter(model.parameters()), None) if isinstance(model, torch.nn.Module) \
            else None
        device = first.device if first is not None else "cpu"
    out = []
    with torch.no_grad():
        for k in range(0, len(points), batch):
            x = torch.as_tensor(points[k:k + batch], dtype=dtype, device=device)
            out.append(model(x).to(torch.float64).cpu().numpy())
    return np.concatenate(out, 0) if out else np.zeros((0, 0))


REFERENCE_ENTRIES = 2_000_000   # points × inputs evaluated at once


def reference_values(problem: Problem, points: np.ndarray) -> dict[str, np.ndarray] | None:
    """Reference field values at points (N, d) for exact or solver references."""
    ref = problem.reference
    if ref is None or ref.file or ref.data:
        return None
    if ref.solver:
        return SOLVERS[ref.solver](problem, points)
    columns = Columns(problem.domain, problem.fields)
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    x = torch.as_tensor(points, dtype=torch.float64)
    # Chunks of rows bound the temporaries of indexed sums over a large vector coordinate.
    rows = max(1, REFERENCE_ENTRIES // max(1, x.shape[1]))
    out = {}
    for field, expr in ref.exact.items():
        program = lower(expr.subs(values), columns, set(), f"reference.exact.{field}")
        out[field] = np.concatenate([program(Env(chunk, {}, {})).numpy()
                                     for chunk in x.split(rows)])
    return out


def reference_data(problem: Problem, sizes: dict[str, int] | None = None
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(points, {field: values}) where the error is measured, or None without a reference.

    Exact and solver references are evaluated on the output grid (or, for a vector
    coordinate, at 2000 fixed random interior points, fewer above d = 10^4); a file reference brings its own
    points: one 1-D array per input coordinate and one per field, all of length n.
    """
    ref = problem.reference
    if ref is None:
        return None
    if ref.data:   # validated by the loader
        names = problem.domain.input_names
        pts = np.stack([np.asarray(ref.data[n], dtype=float) for n in names], 1)
        return pts, {f: np.asarray(ref.data[f], dtype=float) for f in problem.fields
                     if f in ref.data}
    if ref.file:
        arrays = load_npz(ref.file, problem.source, "reference.file")
        names = [n for n in problem.domain.input_names]
        missing = [n for n in names if n not in arrays]
        if missing:
            raise SpecError(f"reference file lacks coordinate arrays {missing}",
                            file=problem.source, key="reference.file")
        columns = {n: arrays[n].reshape(-1).astype(float) for n in names}
        vals = {f: arrays[f].reshape(-1).astype(float) for f in problem.fields if f in arrays}
        sizes_seen = {k: v.size for k, v in {**columns, **vals}.items()}
        if len(set(sizes_seen.values())) > 1:
            raise SpecError(f"reference arrays differ in length: {sizes_seen}",
                            file=problem.source, key="reference.file")
        if not all(np.isfinite(v).all() for v in (*columns.values(), *vals.values())):
            raise SpecError("reference arrays contain NaN or inf", file=problem.source,
                            key="reference.file")
        return np.stack(list(columns.values()), 1), vals
    axes = grid_axes(problem, sizes)
    if problem.domain.mesh is not None:
        pts = mesh_points(problem, axes)
    elif axes:
        pts = grid_points(axes)
        inside = domain_mask(problem, pts)
        pts = pts if inside is None else pts[inside]   # shaped domain: grid points in it
    else:
        # 2000 points, fewer in very high dimension (100 at d = 10^6: 0.8 GB of float64).
        n = int(min(2000, max(100, REFERENCE_ENTRIES * 10 // problem.domain.n_inputs)))
        pts = RegionSampler(region_geometry(problem, Region("interior")), n, "uniform", 0,
                            seed=12345).points().numpy()
    return _finite(problem, pts, reference_values(problem, pts))


UNDEFINED_SHARE = 0.01   # of the grid where an exact reference may be undefined (0/0)


def _finite(problem: Problem, pts: np.ndarray, ref: dict[str, np.ndarray] | None):
    """The grid without the points where an exact reference is NaN or infinite: a removable
    singularity written as it stands (J₁(kr)·x/r at a disk's centre, a grid point) made the
    error NaN (a blind photoacoustic cell, stop 47). Where more than UNDEFINED_SHARE of the
    grid is undefined the expression is wrong, not singular at a point: a clear error."""
    if not ref:
        return pts, ref
    ok = np.ones(len(pts), dtype=bool)
    for v in ref.values():
        ok &= np.isfinite(np.broadcast_to(v, (len(pts),)))
    if ok.all():
        return pts, ref
    bad = int((~ok).sum())
    if bad > UNDEFINED_SHARE * len(pts):
        raise SpecError(f"the exact reference is NaN or infinite at {bad} of {len(pts)} grid "
                        "points; expected an expression defined over the domain",
                        file=problem.source, key="reference.exact")
    return pts[ok], {f: np.broadcast_to(v, (len(ok),))[ok] for f, v in ref.items()}
