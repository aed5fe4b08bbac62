"""Write a trained model's fields and plots into a run directory.

Each format asked for is written, steady or not:

========  ======================================  ==========================================
format    steady                                  time-dependent
========  ======================================  ==========================================
vtu       ``fields/solution.vtu``                 ``fields/solution.pvd`` + one VTU per time
                                                  in ``fields/solution_vtu/``
xdmf      ``fields/solution.xdmf`` + ``.h5``      ``fields/solution.xdmf`` + ``.h5`` (series)
npz       ``fields/solution.npz``                 ``fields/solution.npz``
png       ``plots/*.png``                         ``plots/*.png``
========  ======================================  ==========================================

Time is never a spatial axis: in every file the points carry the space coordinates and
time is the series' time (collocation points, which are scattered in space-time, carry it
as a point-data array named after the time coordinate).
"""
from __future__ import annotations

from pathlib import Path

import meshio
import numpy as np
import torch

from ..errors import RunError
from ..geometry import domain_mask, region_geometry
from ..spec.mesh_files import read_mesh_file
from ..sampling import RegionSampler
from ..spec.problem import Problem, Region
from .fields import evaluate, grid_axes, grid_points, reference_data, reference_values
from .atomic import atomic_write_with, safe_dir, write_npz
from .vtk import write_points_vtu, write_vtu, write_vtu_series, write_xdmf, write_xdmf_series


def write_outputs(problem: Problem, model: torch.nn.Module, run_path: Path, *, formats=None,
                  sizes: dict[str, int] | None = None, mesh: str | Path | None = None,
                  dtype: torch.dtype = torch.float64, log: list[dict] | None = None,
                  at_reference: tuple | None = None) -> list[Path]:
    """Evaluate ``model`` on the output grid (or a mesh) and write the requested formats.

    ``at_reference`` (points, model values, reference values), where a solve measured its
    errors, saves evaluating the model and the reference again when those points are the
    output grid's (inside the domain): 3.5 million points of a 3-D problem in time.

    Returns:
        The paths written.
    """
    formats = tuple(formats or problem.settings.output.formats)
    mesh = mesh or problem.settings.output.mesh
    if mesh is None and problem.domain.mesh is not None and problem.domain.time is None:
        mesh = problem.domain.mesh   # a mesh domain exports onto its own nodes
    # Both directories are checked (real directories, no links) before any file is written.
    out_dir = safe_dir(run_path, "fields")
    if "png" in formats:
        safe_dir(run_path, "plots")
    written: list[Path] = []
    if mesh:
        written.append(_on_mesh(problem, model, Path(mesh), out_dir, dtype))
        return written
    axes = grid_axes(problem, sizes)
    if not axes:
        return written + _vector_samples(problem, model, Path(run_path), formats, dtype, log,
                                         at_reference)
    pts = grid_points(axes)
    inside = domain_mask(problem, pts)       # shaped domains: NaN outside, cells inside only
    known = _on_grid(at_reference, pts, inside)
    if known is not None:
        pred, ref = known
    else:
        pred = evaluate(model, pts, dtype=dtype)
        ref = reference_values(problem, pts)
    shape = tuple(len(a) for a in axes.values())
    if inside is not None:
        pred[~inside] = np.nan
    data = {f: pred[:, i].reshape(shape) for i, f in enumerate(problem.fields)}
    if ref:
        for f, v in ref.items():
            v = v if inside is None else np.where(inside, v, np.nan)
            data[f"{f}_ref"] = v.reshape(shape)
            data[f"{f}_abs_error"] = np.abs(data[f] - data[f"{f}_ref"])
    space_inside = None
    if inside is not None:
        space_inside = inside.reshape(shape)
        if problem.domain.time is not None:
            space_inside = space_inside[..., 0]
        data["inside"] = inside.reshape(shape).astype(np.float64)
    space = {k: v for k, v in axes.items() if problem.domain.time is None
             or k != problem.domain.time.name}
    if problem.domain.time is not None:
        times = axes[problem.domain.time.name]
        series = {k: np.moveaxis(v, -1, 0) for k, v in data.items()}
        if "xdmf" in formats:
            written.append(write_xdmf_series(out_dir / "solution.xdmf", list(space.values()),
                                             times, series, inside=space_inside))
        if "vtu" in formats:
            written.append(write_vtu_series(out_dir / "solution.pvd", list(space.values()),
                                            times, series, inside=space_inside))
    else:
        if "vtu" in formats:
            written.append(write_vtu(out_dir / "solution.vtu", list(space.values()), data,
                                     inside=space_inside))
        if "xdmf" in formats:
            written.append(write_xdmf(out_dir / "solution.xdmf", list(space.values()), data,
                                      inside=space_inside))
    if "npz" in formats:
        written.append(write_npz(out_dir / "solution.npz", **{f"axis_{k}": v for k, v in axes.items()},
                                 **data))
    if "png" in formats:
        from .plots import plot_all

        written += plot_all(problem, axes, data, log or [], Path(run_path) / "plots")
    return written


def _on_grid(at_reference, pts: np.ndarray, inside: np.ndarray | None):
    """(model values, reference values) on the whole grid ``pts`` from ``at_reference``
    when its points are exactly the grid's points inside the domain (NaN outside), else
    None."""
    if at_reference is None:
        return None
    ref_pts, pred, ref = at_reference
    kept = pts if inside is None else pts[inside]
    if ref_pts.shape != kept.shape or not np.array_equal(ref_pts, kept):
        return None

    def spread(v: np.ndarray) -> np.ndarray:
        if inside is None:
            return np.array(v, dtype=np.float64)
        full = np.full((len(pts),) + v.shape[1:], np.nan)
        full[inside] = v
        return full
    return spread(pred), {f: spread(v) for f, v in ref.items()}


def _vector_samples(problem: Problem, model, run_path: Path, formats, dtype, log,
                    at_reference=None) -> list[Path]:
    """A vector coordinate, or more than three scalar ones, has no grid: write the model
    (and reference) at the error's sample points, ``fields/samples.npz`` with |x|, the
    first three components, values and errors, and plots of prediction against reference
    (``at_reference``: those points' values, already evaluated by the solve)."""
    if at_reference is not None:
        pts, pred, ref = at_reference
    else:
        samples = reference_data(problem)
        if samples is None:
            pts = RegionSampler(region_geometry(problem, Region("interior")), 2000, "uniform",
                                0, seed=12345).points().numpy()
            ref = {}
        else:
            pts, ref = samples
        pred = evaluate(model, pts, dtype=dtype)
    d = problem.domain.n_space
    radius = np.linalg.norm(pts[:, :d], axis=1)
    data = {f: pred[:, i] for i, f in enumerate(problem.fields)}
    for f, v in ref.items():
        data[f"{f}_ref"] = v
        data[f"{f}_abs_error"] = np.abs(data[f] - v)
    written = []
    if "npz" in formats:
        written.append(write_npz(run_path / "fields" / "samples.npz", radius=radius,
                                 x_first=pts[:, :min(d, 3)], **data))
    if "png" in formats:
        from .plots import plot_samples

        written += plot_samples(problem, radius, data, log or [], run_path / "plots")
    return written


def _on_mesh(problem: Problem, model, mesh_path: Path, out_dir: Path, dtype) -> Path:
    m = read_mesh_file(mesh_path, lambda message: RunError(f"cannot read mesh: {message}",
                                                            path=str(mesh_path)))
    n_space = problem.domain.n_space
    if problem.domain.time is not None:
        raise RunError("mesh output is for steady problems", path=str(mesh_path))
    pts = np.asarray(m.points[:, :n_space], dtype=float)
    pred = evaluate(model, pts, dtype=dtype)
    data = {f: pred[:, i] for i, f in enumerate(problem.fields)}
    ref = reference_values(problem, pts)
    for f, v in (ref or {}).items():
        data[f"{f}_ref"] = v
        data[f"{f}_abs_error"] = np.abs(data[f] - v)
    out = out_dir / f"{mesh_path.stem}_solution.vtu"
    mesh_out = meshio.Mesh(m.points, m.cells, point_data=data)
    return atomic_write_with(out, ".vtu", lambda p: meshio.write(p, mesh_out, file_format="vtu"))


def write_point_cloud(path: Path, points: np.ndarray, values: dict[str, np.ndarray], *,
                      time: str | None = None, regions: tuple[str, ...] | list[str] = (),
                      run_path: Path | None = None) -> Path:
    """Collocation points with per-point values, for ParaView, in the fields' conventions.

    Args:
        path: target ``.vtu``.
        points: (n, d) with the spatial coordinates first and, when ``time`` names the time
            coordinate, time as the last column; at most 3 spatial coordinates.
        values: per-point arrays, e.g. ``residual`` and ``region`` (an integer index).
        time: the time coordinate's name, or None for a steady problem. Time is stored as
            the point-data array of that name — never as the y or z coordinate, exactly as
            ``fields/solution.*`` keep time out of the geometry.
        regions: region keys by index: ``region == i`` means ``regions[i]``. Stored as VTK
            field data, one one-element integer array per region, named ``region:<key>``
            and holding ``i`` (ParaView: Information tab → Data Arrays).
        run_path: the run directory: checks that ``path``'s directory lies inside it with
            no link on the way (default: ``path``'s directory is created as is).
    """
    pts = np.asarray(points, dtype=float)
    values = dict(values)
    if time is not None:
        values[time] = pts[:, -1].copy()
        pts = pts[:, :-1]
        if pts.shape[1] == 0:   # time alone (an ODE): the points lie on a line at 0
            pts = np.zeros((len(values[time]), 1))
    if run_path is not None:
        safe_dir(run_path, *Path(path).parent.relative_to(run_path).parts)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    table = {f"region:{key}": np.array([i], dtype=np.int64) for i, key in enumerate(regions)}
    return write_points_vtu(path, pts, values, field_data=table)
