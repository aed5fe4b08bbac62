"""meshio writers for grids, point clouds and time series (VTU, XDMF+HDF5), all atomic
(see atomic.py). Problems with the file system are raised as ``RunError`` carrying the
target path; bad array shapes raise ``ValueError``.
"""
from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import quoteattr

import meshio
import meshio.xdmf
import numpy as np

from ..cpus import usable_cpus
from ..errors import RunError
from .atomic import (PathLike, atomic_write_text, atomic_write_with, fsync_dir, fsync_path,
                     refuse_link, temp_dir)

# Cell type of a tensor-product grid by spatial dimension (meshio / VTK names).
_CELL_TYPE = {1: "line", 2: "quad", 3: "hexahedron"}


# --------------------------------------------------------------------------- grids


def grid_mesh(axes: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """Points and cells of a tensor-product grid in 1, 2 or 3 dimensions.

    Point ``p`` has the index ``np.unravel_index(p, shape)`` with ``shape = (len(a) for a
    in axes)``: the first axis varies slowest, as in ``np.meshgrid(*axes, indexing="ij")``
    followed by C-order flattening. Cells follow the VTK vertex order (counter-clockwise
    quads, bottom-then-top hexahedra), so they have positive orientation.

    Args:
        axes: 1 to 3 strictly increasing 1-D coordinate arrays, each with >= 2 entries.

    Returns:
        ``(points, cells)``: points of shape ``(n_points, 3)`` (unused coordinates are 0)
        and ``[(cell_type, connectivity)]`` with cell_type ``"line"``, ``"quad"`` or
        ``"hexahedron"`` and connectivity of shape ``(n_cells, 2 ** dim)``, int64.

    Raises:
        ValueError: wrong number of axes, or an axis that is not 1-D, finite and strictly
            increasing with at least two entries.
    """
    axes = [np.asarray(a, dtype=np.float64) for a in axes]
    dim = len(axes)
    if dim not in _CELL_TYPE:
        raise ValueError(f"grid_mesh supports 1 to 3 axes, got {dim}")
    for i, a in enumerate(axes):
        if a.ndim != 1 or a.size < 2 or not np.all(np.isfinite(a)) or np.any(np.diff(a) <= 0):
            raise ValueError(
                f"axis {i} must be 1-D, finite, strictly increasing, with >= 2 entries; "
                f"got shape {a.shape}"
            )
    shape = tuple(a.size for a in axes)
    points = np.zeros((int(np.prod(shape)), 3))
    for i, coord in enumerate(np.meshgrid(*axes, indexing="ij")):
        points[:, i] = coord.reshape(-1)

    index = np.arange(points.shape[0], dtype=np.int64).reshape(shape)
    # Corner (d0, d1, d2) of cell (i, j, k) is point index[i + d0, j + d1, k + d2]; the
    # slices pick it for all cells at once.
    lo, hi = slice(None, -1), slice(1, None)

    def corner(*offsets: int) -> np.ndarray:
        return index[tuple(hi if o else lo for o in offsets)].reshape(-1)

    if dim == 1:
        order = [(0,), (1,)]
    elif dim == 2:
        order = [(0, 0), (1, 0), (1, 1), (0, 1)]
    else:
        order = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0),
                 (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]  # fmt: skip
    connectivity = np.stack([corner(*o) for o in order], axis=1)
    return points, [(_CELL_TYPE[dim], connectivity)]


def _flatten_fields(
    point_data: Mapping[str, np.ndarray], shape: tuple[int, ...], what: str
) -> dict[str, np.ndarray]:
    """Check field shapes and flatten them to ``(n_points,)`` or ``(n_points, k)``.

    Args:
        point_data: name -> array of shape ``shape`` (scalar) or ``shape + (k,)`` (k
            components, e.g. a velocity vector).
        shape: expected leading shape.
        what: description of the expected shape for the error message.

    Returns:
        Dict of C-order-flattened arrays, float64 unless already float32/float64/integer.
    """
    n = int(np.prod(shape))
    flat = {}
    for name, value in point_data.items():
        arr = np.asarray(value)
        if arr.shape[: len(shape)] != shape or arr.ndim > len(shape) + 1:
            raise ValueError(f"point_data '{name}' must have shape {what}, got {arr.shape}")
        # XDMF/VTU only know numeric types; bools and float16 are widened.
        if arr.dtype.name not in {"float32", "float64", "int32", "int64"}:
            arr = arr.astype(np.float64)
        flat[name] = np.ascontiguousarray(arr.reshape((n,) + arr.shape[len(shape):]))
    return flat


def restrict_mesh(points: np.ndarray, cells: list[tuple[str, np.ndarray]], inside: np.ndarray
                  ) -> tuple[np.ndarray, list[tuple[str, np.ndarray]], np.ndarray]:
    """Keep the cells whose corners are all ``inside`` (bool per point) and the points they
    use. Returns (points, cells renumbered, indices of the kept points)."""
    kept_cells = [(kind, conn[inside[conn].all(1)]) for kind, conn in cells]
    used = np.unique(np.concatenate([c.reshape(-1) for _, c in kept_cells]))
    new_index = np.full(len(points), -1, dtype=np.int64)
    new_index[used] = np.arange(len(used))
    return points[used], [(k, new_index[c]) for k, c in kept_cells], used


def write_vtu(
    path: PathLike, axes: Sequence[np.ndarray], point_data: Mapping[str, np.ndarray],
    inside: np.ndarray | None = None,
) -> Path:
    """Write a tensor-product grid with nodal fields as a VTU file, atomically.

    Args:
        path: target ``.vtu`` file (its directory must exist).
        axes: 1 to 3 coordinate arrays, see :func:`grid_mesh`.
        point_data: name -> array of shape ``tuple(len(a) for a in axes)`` (optionally with
            a trailing component axis), flattened in C order to match the point order.
        inside: optional bool per grid point (C order): keep only cells with all corners
            inside, and their points (shaped domains).

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ValueError: bad axes or field shapes. RunError: the file cannot be written.
    """
    points, cells = grid_mesh(axes)
    shape = tuple(len(a) for a in axes)
    fields = _flatten_fields(point_data, shape, str(shape))
    if inside is not None:   # a shaped domain: only the grid cells inside it
        points, cells, used = restrict_mesh(points, cells, np.asarray(inside).reshape(-1))
        fields = {k: v[used] for k, v in fields.items()}
    mesh = meshio.Mesh(points, cells, point_data=fields)
    # The temp name keeps ".vtu" and the format is also given explicitly, so meshio can
    # never guess the format from the wrong extension.
    return atomic_write_with(path, ".vtu", lambda tmp: meshio.write(tmp, mesh, file_format="vtu"))


def write_points_vtu(
    path: PathLike, points: np.ndarray, point_data: Mapping[str, np.ndarray] | None = None,
    field_data: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Write a point cloud (e.g. collocation points) as a VTU file with vertex cells, atomically.

    Args:
        path: target ``.vtu`` file.
        points: shape ``(n, k)`` with ``1 <= k <= 3``; missing coordinates are 0.
        point_data: name -> array of shape ``(n,)`` or ``(n, c)``.
        field_data: name -> small numeric array stored once for the whole file (VTK
            ``FieldData``), e.g. a table of names to indices.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ValueError: bad shapes. RunError: the file cannot be written.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or not 1 <= pts.shape[1] <= 3:
        raise ValueError(f"points must have shape (n, k) with 1 <= k <= 3, got {pts.shape}")
    n = pts.shape[0]
    padded = np.zeros((n, 3))
    padded[:, : pts.shape[1]] = pts
    fields = _flatten_fields(point_data or {}, (n,), f"({n},) or ({n}, c)")
    cells = [("vertex", np.arange(n, dtype=np.int64)[:, None])]
    mesh = meshio.Mesh(padded, cells, point_data=fields)
    block = _field_data_xml(field_data or {})

    def write(tmp: Path) -> None:
        meshio.write(tmp, mesh, file_format="vtu")
        if block:   # meshio 5.3 reads VTU FieldData but does not write it: insert it
            text = tmp.read_text(encoding="utf-8")
            tmp.write_text(text.replace("<UnstructuredGrid>", "<UnstructuredGrid>\n" + block, 1),
                           encoding="utf-8")

    return atomic_write_with(path, ".vtu", write)


def _field_data_xml(field_data: Mapping[str, np.ndarray]) -> str:
    """A VTK XML ``<FieldData>`` block of small numeric arrays (ASCII), or ''."""
    if not field_data:
        return ""
    rows = []
    for name, value in field_data.items():
        arr = np.atleast_1d(np.asarray(value)).reshape(-1)
        kind, fmt = ("Int64", "{:d}") if np.issubdtype(arr.dtype, np.integer) else \
            ("Float64", "{!r}")
        items = " ".join(fmt.format(int(v) if kind == "Int64" else float(v)) for v in arr)
        rows.append(f'<DataArray type="{kind}" Name={quoteattr(str(name))} '
                    f'NumberOfTuples="{arr.size}" format="ascii">{items}</DataArray>')
    return "<FieldData>\n" + "\n".join(rows) + "\n</FieldData>"


# --------------------------------------------------------------------------- XDMF series


class _SiblingH5Writer(meshio.xdmf.TimeSeriesWriter):
    """meshio's XDMF time-series writer with two fixes (checked against meshio 5.3.5).

    1. meshio opens ``<stem>.h5`` relative to the current working directory, while the
       .xdmf refers to it by bare file name, i.e. relative to the .xdmf's directory. Here
       the HDF5 file is opened next to the .xdmf instead (no ``os.chdir``, which would be
       process-wide and unsafe with threads).
    2. For ``line`` cells meshio writes ``TopologyType="Polyline"`` without the
       ``NodesPerElement`` attribute that XDMF requires for polylines (meshio issue #1251:
       ParaView/VisIt cannot read such files); it is added here.
    """

    def __enter__(self) -> _SiblingH5Writer:
        import h5py  # only needed here, as in meshio

        # meshio embeds os.path.basename(self.h5_filename) in the XML, so the absolute
        # path below still yields the bare name "<stem>.h5" in the file.
        self.h5_filename = str(self.filename.with_name(self.filename.stem + ".h5"))
        self.h5_file = h5py.File(self.h5_filename, "w")
        return self

    def cells(self, cells, grid) -> None:  # noqa: ANN001 - same signature as meshio's
        super().cells(cells, grid)
        for topo in grid.iter("Topology"):
            if topo.get("TopologyType") == "Polyline" and "NodesPerElement" not in topo.attrib:
                topo.set("NodesPerElement", "2")


def write_xdmf_series(
    path: PathLike,
    space_axes: Sequence[np.ndarray],
    times: np.ndarray,
    point_data: Mapping[str, np.ndarray],
    inside: np.ndarray | None = None,
) -> Path:
    """Write a time series of nodal fields on a fixed grid as XDMF (XML) + HDF5.

    Two files are produced: ``path`` and ``path.with_suffix(".h5")`` (the name the XML
    refers to), both written in a hidden temporary directory next to ``path`` under their
    final names and then renamed into place, the .h5 first. A failure before the renames
    leaves any old pair untouched; a crash between the two renames can leave a new .h5 with
    the old .xdmf, which does not match it.

    Args:
        path: target ``.xdmf`` file (its directory must exist; suffix must not be ``.h5``).
        space_axes: 1 to 3 coordinate arrays, see :func:`grid_mesh`.
        times: shape ``(nt,)``, the time of each snapshot.
        point_data: name -> array of shape ``(nt, *space_shape)`` (optionally with a
            trailing component axis), snapshot ``i`` taken at ``times[i]``.
        inside: optional bool per grid point (C order): keep only cells with all corners
            inside (shaped domains).

    Returns:
        ``path`` as a ``Path`` (the .xdmf file).

    Raises:
        ValueError: bad axes, times or field shapes. RunError: files cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() == ".h5":
        raise ValueError(f"XDMF path must not end in .h5 (the data file gets that name): {path}")
    h5_path = path.with_name(path.stem + ".h5")
    points, cells = grid_mesh(space_axes)
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError(f"times must be a non-empty finite 1-D array, got shape {times.shape}")
    shape = (times.size,) + tuple(len(a) for a in space_axes)
    n_points = points.shape[0]
    fields = _flatten_fields(point_data, shape, str(shape))
    # _flatten_fields merged time and space; split the time axis off again per snapshot.
    snapshots = {
        name: arr.reshape((times.size, n_points) + arr.shape[1:]) for name, arr in fields.items()
    }
    if inside is not None:   # a shaped domain: only the grid cells inside it
        points, cells, used = restrict_mesh(points, cells, np.asarray(inside).reshape(-1))
        snapshots = {k: v[:, used] for k, v in snapshots.items()}

    refuse_link(path)
    refuse_link(h5_path)
    tmp_dir = temp_dir(path)
    try:
        tmp_xdmf = tmp_dir / path.name
        tmp_h5 = tmp_dir / h5_path.name
        with _SiblingH5Writer(tmp_xdmf) as writer:
            writer.write_points_cells(points, cells)
            for i, t in enumerate(times):
                # float(): the XML stores str(t); a plain float prints round-trippably.
                writer.write_data(float(t), point_data={k: v[i] for k, v in snapshots.items()})
        if not tmp_h5.is_file():
            raise RunError("meshio did not write the HDF5 file next to the XDMF file",
                           path=str(tmp_h5))
        for f in (tmp_h5, tmp_xdmf):
            fsync_path(f)
        os.replace(tmp_h5, h5_path)
        os.replace(tmp_xdmf, path)
    except OSError as exc:
        raise RunError(f"cannot write XDMF series: {exc}", path=str(path)) from exc
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    fsync_dir(path.parent)
    return path


def write_xdmf(
    path: PathLike, axes: Sequence[np.ndarray], point_data: Mapping[str, np.ndarray],
    inside: np.ndarray | None = None,
) -> Path:
    """Write a steady tensor-product grid with nodal fields as XDMF (XML) + HDF5.

    The pair is written in a hidden temporary directory and renamed into place, the .h5
    first, as in :func:`write_xdmf_series`. Arguments as in :func:`write_vtu`.

    Returns:
        ``path`` as a ``Path`` (the .xdmf file).
    """
    path = Path(path)
    if path.suffix.lower() == ".h5":
        raise ValueError(f"XDMF path must not end in .h5 (the data file gets that name): {path}")
    h5_path = path.with_name(path.stem + ".h5")
    points, cells = grid_mesh(axes)
    shape = tuple(len(a) for a in axes)
    fields = _flatten_fields(point_data, shape, str(shape))
    if inside is not None:
        points, cells, used = restrict_mesh(points, cells, np.asarray(inside).reshape(-1))
        fields = {k: v[used] for k, v in fields.items()}
    mesh = meshio.Mesh(points, cells, point_data=fields)
    refuse_link(path)
    refuse_link(h5_path)
    tmp_dir = temp_dir(path)
    try:
        tmp_xdmf = tmp_dir / path.name
        # meshio's steady writer puts "<stem>.h5" next to the .xdmf it is given (here in
        # the temp directory) and declares NodesPerElement for a single cell block.
        meshio.xdmf.write(tmp_xdmf, mesh)
        tmp_h5 = tmp_dir / h5_path.name
        if not tmp_h5.is_file():
            raise RunError("meshio did not write the HDF5 file next to the XDMF file",
                           path=str(tmp_h5))
        for f in (tmp_h5, tmp_xdmf):
            fsync_path(f)
        os.replace(tmp_h5, h5_path)
        os.replace(tmp_xdmf, path)
    except OSError as exc:
        raise RunError(f"cannot write XDMF: {exc}", path=str(path)) from exc
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    fsync_dir(path.parent)
    return path


def write_vtu_series(
    path: PathLike, space_axes: Sequence[np.ndarray], times: np.ndarray,
    point_data: Mapping[str, np.ndarray], inside: np.ndarray | None = None,
) -> Path:
    """Write a time series as one VTU per time slice plus a ParaView collection (``.pvd``).

    VTU has no time axis, so a space-time solution becomes ``<stem>_vtu/<stem>_0000.vtu``,
    ... (one per time, in order) and ``path`` (``<stem>.pvd``), which lists each slice with
    its time so ParaView plays them as one animated data set. The slices are written in a
    hidden temporary directory, swapped in for the old ones (never a mix of two exports),
    then the .pvd is written atomically.

    Args:
        path: target ``.pvd`` file.
        space_axes, times, point_data, inside: as in :func:`write_xdmf_series`.

    Returns:
        ``path`` as a ``Path`` (the .pvd file).
    """
    path = Path(path)
    slices = path.with_name(path.stem + "_vtu")
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError(f"times must be a non-empty finite 1-D array, got shape {times.shape}")
    refuse_link(path)
    refuse_link(slices)
    width = max(4, len(str(times.size - 1)))
    names = [f"{path.stem}_{i:0{width}d}.vtu" for i in range(times.size)]
    tmp_dir = temp_dir(slices)
    try:
        def one(i: int) -> Path:
            return write_vtu(tmp_dir / names[i], space_axes,
                             {k: np.asarray(v)[i] for k, v in point_data.items()}, inside=inside)
        # zlib compression, most of a slice's time, releases the GIL: slices are written in
        # threads, one per usable CPU (51 slices of 41³ points: 7.6 s alone, about half on
        # two CPUs). map re-raises the first failure here.
        with ThreadPoolExecutor(max(1, min(len(names), usable_cpus()))) as pool:
            list(pool.map(one, range(len(names))))
        old = slices.with_name(f".{slices.name}.old-{secrets.token_hex(4)}")
        if slices.exists():
            os.replace(slices, old)
        os.replace(tmp_dir, slices)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise RunError(f"cannot write the VTU time slices: {exc}", path=str(slices)) from exc
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    fsync_dir(path.parent)
    entries = "\n".join(f'    <DataSet timestep="{float(t)!r}" group="" part="0" '
                         f'file="{slices.name}/{name}"/>' for t, name in zip(times, names))
    return atomic_write_text(path, '<?xml version="1.0"?>\n<VTKFile type="Collection" '
                             'version="0.1">\n  <Collection>\n' + entries +
                             "\n  </Collection>\n</VTKFile>\n")
