"""Round trips and crash safety of pinnsolve.io.vtk.

Files are read back with meshio's own readers. Binary VTU and HDF5 store float64 as-is, so
points and values must come back bit-identical (asserted with exact equality).
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import meshio
import meshio.xdmf
import numpy as np
import pytest

from pinnsolve.errors import RunError
from pinnsolve.io import vtk
from pinnsolve.io.atomic import atomic_write_bytes, atomic_write_text, write_npz
from pinnsolve.io.vtk import (
    grid_mesh,
    write_points_vtu,
    write_vtu,
    write_xdmf_series,
)

AXES = {
    1: [np.linspace(-1.0, 1.0, 5)],
    2: [np.linspace(0.0, 1.0, 4), np.array([0.0, 0.5, 2.0])],
    3: [np.array([0.0, 1.0, 3.0]), np.linspace(0.0, 1.0, 4), np.array([-1.0, 0.0])],
}
CELL_TYPE = {1: "line", 2: "quad", 3: "hexahedron"}
# VTK corner order as offsets (0 = lower, 1 = upper index along each axis).
CORNERS = {
    1: [(0,), (1,)],
    2: [(0, 0), (1, 0), (1, 1), (0, 1)],
    3: [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)],
}


def field(axes, scale=1.0):
    """A field with distinct values at every point, shape tuple(len(a) for a in axes)."""
    grids = np.meshgrid(*axes, indexing="ij")
    return scale * sum((10.0**i) * g for i, g in enumerate(grids)) + 0.125


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    """Names in directory other than the expected ones (e.g. stray temp files)."""
    return sorted(set(os.listdir(directory)) - keep)


# --------------------------------------------------------------------------- grid_mesh


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_grid_mesh_points_and_cell_orientation(dim):
    axes = AXES[dim]
    points, cells = grid_mesh(axes)
    shape = tuple(len(a) for a in axes)
    expected = np.stack([g.reshape(-1) for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    assert points.shape == (np.prod(shape), 3)
    np.testing.assert_array_equal(points[:, :dim], expected)
    np.testing.assert_array_equal(points[:, dim:], 0.0)

    [(cell_type, conn)] = cells
    assert cell_type == CELL_TYPE[dim]
    assert conn.shape == (np.prod([s - 1 for s in shape]), 2**dim)
    assert conn.dtype == np.int64
    # Every corner must sit on the lower/upper side of its cell exactly as VTK expects,
    # which fixes the orientation (counter-clockwise quads, positive hexahedra).
    lower = points[conn].min(axis=1)
    upper = points[conn].max(axis=1)
    for c, offsets in enumerate(CORNERS[dim]):
        for ax, o in enumerate(offsets):
            np.testing.assert_array_equal(points[conn[:, c], ax], (upper if o else lower)[:, ax])
    # Cells tile the box: their extents add up to its length/area/volume.
    measure = np.prod((upper - lower)[:, :dim], axis=1).sum()
    assert measure == pytest.approx(np.prod([a[-1] - a[0] for a in axes]))


@pytest.mark.parametrize(
    "axes",
    [
        [],  # no axis
        [np.arange(3.0)] * 4,  # too many axes
        [np.array([0.0, 0.0, 1.0])],  # repeated coordinate
        [np.array([1.0, 0.0])],  # decreasing
        [np.zeros((2, 2))],  # not 1-D
        [np.array([0.0])],  # no cell
    ],
)
def test_grid_mesh_rejects_bad_axes(axes):
    with pytest.raises(ValueError):
        grid_mesh(axes)


# --------------------------------------------------------------------------- VTU


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_write_vtu_round_trip(tmp_path, dim):
    axes = AXES[dim]
    u = field(axes)
    vel = np.stack([u, 2 * u], axis=-1)  # a 2-component field
    out = write_vtu(tmp_path / "grid.vtu", axes, {"u": u, "vel": vel, "mask": u > 1.0})
    assert out == tmp_path / "grid.vtu"
    mesh = meshio.read(out)
    points, cells = grid_mesh(axes)
    np.testing.assert_array_equal(mesh.points, points)
    assert [c.type for c in mesh.cells] == [CELL_TYPE[dim]]
    np.testing.assert_array_equal(mesh.cells[0].data, cells[0][1])
    np.testing.assert_array_equal(mesh.point_data["u"], u.reshape(-1))
    np.testing.assert_array_equal(mesh.point_data["vel"], vel.reshape(-1, 2))
    np.testing.assert_array_equal(mesh.point_data["mask"], (u > 1.0).reshape(-1).astype(float))
    assert leftovers(tmp_path, {"grid.vtu"}) == []


def test_write_vtu_rejects_wrong_field_shape(tmp_path):
    axes = AXES[2]
    with pytest.raises(ValueError, match="'u'"):
        write_vtu(tmp_path / "grid.vtu", axes, {"u": field(axes).T})
    assert os.listdir(tmp_path) == []


def test_write_points_vtu_round_trip(tmp_path, np_rng):
    pts = np_rng.uniform(-1, 1, size=(50, 2))
    res = np_rng.normal(size=50)
    write_points_vtu(tmp_path / "colloc.vtu", pts, {"residual": res})
    mesh = meshio.read(tmp_path / "colloc.vtu")
    np.testing.assert_array_equal(mesh.points[:, :2], pts)
    np.testing.assert_array_equal(mesh.points[:, 2], 0.0)
    assert [c.type for c in mesh.cells] == ["vertex"]
    np.testing.assert_array_equal(mesh.cells[0].data.ravel(), np.arange(50))
    np.testing.assert_array_equal(mesh.point_data["residual"], res)
    with pytest.raises(ValueError):
        write_points_vtu(tmp_path / "bad.vtu", np.zeros((5, 4)))


def test_vtu_failure_mid_write_keeps_old_file(tmp_path, monkeypatch):
    axes = AXES[2]
    target = tmp_path / "grid.vtu"
    write_vtu(target, axes, {"u": field(axes)})
    before = target.read_bytes()

    def crash_after_partial_write(path, mesh, file_format=None):
        Path(path).write_bytes(b"<?xml truncated")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(meshio, "write", crash_after_partial_write)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_vtu(target, axes, {"u": field(axes, scale=2.0)})
    assert target.read_bytes() == before
    assert leftovers(tmp_path, {"grid.vtu"}) == []


# --------------------------------------------------------------------------- XDMF


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_xdmf_series_round_trip_lands_next_to_xdmf(tmp_path, monkeypatch, dim):
    axes = AXES[dim]
    times = np.array([0.0, 0.1, 0.25, 1.0 / 3.0])
    u = np.stack([field(axes, scale=1.0 + t) for t in times])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    # meshio 5.3.5 would put the .h5 into the current directory; it must not land here.
    monkeypatch.chdir(elsewhere)

    target = write_xdmf_series(out_dir / "series.xdmf", axes, times, {"u": u})
    assert target == out_dir / "series.xdmf"
    assert os.listdir(elsewhere) == []
    assert leftovers(out_dir, {"series.xdmf", "series.h5"}) == []

    # The XML must point at the final .h5 name (not a temporary one).
    refs = {el.text.split(":")[0] for el in ET.parse(target).iter("DataItem")}
    assert refs == {"series.h5"}

    points, cells = grid_mesh(axes)
    with meshio.xdmf.TimeSeriesReader(target) as reader:
        got_points, got_cells = reader.read_points_cells()
        np.testing.assert_array_equal(got_points, points)
        assert [c.type for c in got_cells] == [CELL_TYPE[dim]]
        np.testing.assert_array_equal(got_cells[0].data, cells[0][1])
        assert reader.num_steps == len(times)
        for k, t in enumerate(times):
            got_t, point_data, _ = reader.read_data(k)
            assert got_t == t  # times are written with a round-trippable repr
            np.testing.assert_array_equal(point_data["u"], u[k].reshape(-1))


def test_xdmf_polyline_declares_nodes_per_element(tmp_path):
    axes = AXES[1]
    u = field(axes)[None]
    target = write_xdmf_series(tmp_path / "line.xdmf", axes, np.array([0.0]), {"u": u})
    [topology] = list(ET.parse(target).iter("Topology"))
    assert topology.get("TopologyType") == "Polyline"
    assert topology.get("NodesPerElement") == "2"


def test_xdmf_failure_mid_write_keeps_old_pair(tmp_path, monkeypatch):
    axes = AXES[2]
    times = np.array([0.0, 0.5, 1.0])
    target = tmp_path / "series.xdmf"
    write_xdmf_series(target, axes, times, {"u": np.stack([field(axes)] * 3)})
    old_xdmf = target.read_bytes()
    old_h5 = (tmp_path / "series.h5").read_bytes()

    original = vtk._SiblingH5Writer.write_data
    calls = []

    def fail_on_second_step(self, t, point_data=None, cell_data=None):
        calls.append(t)
        if len(calls) == 2:
            raise RuntimeError("interrupted")
        return original(self, t, point_data=point_data, cell_data=cell_data)

    monkeypatch.setattr(vtk._SiblingH5Writer, "write_data", fail_on_second_step)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_xdmf_series(target, axes, times, {"u": np.stack([field(axes, 5.0)] * 3)})
    assert target.read_bytes() == old_xdmf
    assert (tmp_path / "series.h5").read_bytes() == old_h5
    assert leftovers(tmp_path, {"series.xdmf", "series.h5"}) == []


def test_xdmf_rejects_bad_inputs(tmp_path):
    axes = AXES[1]
    u = field(axes)[None]
    with pytest.raises(ValueError, match=".h5"):
        write_xdmf_series(tmp_path / "series.h5", axes, np.array([0.0]), {"u": u})
    with pytest.raises(ValueError, match="'u'"):
        write_xdmf_series(tmp_path / "s.xdmf", axes, np.array([0.0, 1.0]), {"u": u})
    with pytest.raises(ValueError, match="times"):
        write_xdmf_series(tmp_path / "s.xdmf", axes, np.array([[0.0]]), {"u": u})
    assert os.listdir(tmp_path) == []


def test_xdmf_missing_directory_is_run_error(tmp_path):
    axes = AXES[1]
    with pytest.raises(RunError) as info:
        write_xdmf_series(tmp_path / "nope" / "s.xdmf", axes, np.zeros(1), {"u": field(axes)[None]})
    assert info.value.path == str(tmp_path / "nope" / "s.xdmf")


# --------------------------------------------------------------------------- atomic helpers


def test_atomic_text_and_bytes_write_and_overwrite(tmp_path):
    target = tmp_path / "state.json"
    assert atomic_write_text(target, "{\"a\": 1}\n") == target
    assert target.read_text() == "{\"a\": 1}\n"
    atomic_write_bytes(target, b"\x00\x01binary")
    assert target.read_bytes() == b"\x00\x01binary"
    atomic_write_text(target, "é", encoding="latin-1")
    assert target.read_bytes() == b"\xe9"
    assert leftovers(tmp_path, {"state.json"}) == []


def test_atomic_write_uses_normal_permissions(tmp_path):
    # mkstemp would create 0600 files; the result must honour the umask like open() does.
    umask = os.umask(0)
    os.umask(umask)
    target = atomic_write_text(tmp_path / "f.txt", "x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("stage", ["fsync", "replace"])
def test_atomic_write_failure_keeps_old_file(tmp_path, monkeypatch, stage):
    target = tmp_path / "state.json"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, stage, boom)
    with pytest.raises(RunError, match="No space left") as info:
        atomic_write_text(target, "new content that never arrives")
    monkeypatch.undo()
    assert info.value.path == str(target)
    assert target.read_text() == "old"
    assert leftovers(tmp_path, {"state.json"}) == []


def test_atomic_write_into_missing_directory_is_run_error(tmp_path):
    with pytest.raises(RunError) as info:
        atomic_write_bytes(tmp_path / "missing" / "f.bin", b"x")
    assert info.value.path == str(tmp_path / "missing" / "f.bin")


def test_atomic_write_onto_directory_is_run_error(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(RunError):
        atomic_write_bytes(tmp_path / "d", b"x")
    assert leftovers(tmp_path, {"d"}) == []


def test_write_npz_round_trip_keeps_exact_name(tmp_path):
    a = np.arange(12.0).reshape(3, 4)
    target = write_npz(tmp_path / "arrays.bin", a=a, path=np.array([1, 2]))
    assert target == tmp_path / "arrays.bin"
    assert leftovers(tmp_path, {"arrays.bin"}) == []  # numpy would have added ".npz"
    with np.load(target) as data:
        np.testing.assert_array_equal(data["a"], a)
        np.testing.assert_array_equal(data["path"], [1, 2])


def test_grid_points_match_meshgrid_order():
    from pinnsolve.io.fields import grid_points

    axes = {"x": np.linspace(0, 1, 3), "y": np.array([0.0, 2.0]), "t": np.linspace(5, 6, 4)}
    expected = np.stack([g.reshape(-1) for g in np.meshgrid(*axes.values(), indexing="ij")], 1)
    got = grid_points(axes)
    assert got.flags.c_contiguous
    np.testing.assert_array_equal(got, expected)


def test_grid_cells_and_fields_read_back_by_meshio(tmp_path):
    axes = AXES[3]
    shape = tuple(len(a) for a in axes)
    f = np.arange(np.prod(shape), dtype=float).reshape(shape)
    path = write_vtu(tmp_path / "g.vtu", axes, {"f": f})
    m = meshio.read(path)
    points, cells = grid_mesh(axes)
    np.testing.assert_array_equal(m.cells[0].data, cells[0][1])
    np.testing.assert_array_equal(m.point_data["f"], f.reshape(-1))
