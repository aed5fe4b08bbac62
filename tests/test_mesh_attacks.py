"""Meshes forged to cost time or memory before meshio has read anything useful.

Compressed VTU arrays must be decoded once each (the check used to decode a whole array
again for every block: 95 s for a genuine 30 MB file), arrays sharing their bytes must not
make the check quadratic, and gmsh files must not choose meshio's allocations through node
tags or declared counts (a 200-byte file with node 10^9 cost 4.2 GB). Each forged file ends
in a located error (file and key) within a second; genuine files of every variant meshio
reads still load, unchanged.
"""
from __future__ import annotations

import base64
import re
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import meshio
import numpy as np
import pytest
from typer.testing import CliRunner

from pinnsolve.cli import app
from pinnsolve.errors import RunError, SpecError
from pinnsolve.geometry.mesh import MeshDomain
from pinnsolve.spec import mesh_files, safe_open
from pinnsolve.spec.mesh_files import read_mesh_file


def fail(message: str) -> SpecError:
    return SpecError(message, file="p.yaml", key="domain.mesh")


def square(n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The unit square: (n², 3) nodes and 2 (n-1)² triangles."""
    g = np.linspace(0, 1, n)
    x, y = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([x.ravel(), y.ravel(), 0 * x.ravel()], 1)
    i = np.arange(n * n).reshape(n, n)
    a, b, c, d = i[:-1, :-1].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel(), i[:-1, 1:].ravel()
    return pts, np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])


# -- VTU: linear checks ---------------------------------------------------------------------
def test_compressed_vtu_arrays_are_decoded_once(tmp_path, monkeypatch):
    """2·10^5 nodes in ~150 zlib blocks: the base64 characters decoded stay within twice the
    file (each array once, plus its header twice); decoding per block would be ~150 times
    the array."""
    pts, tris = square()
    rng = np.random.default_rng(0)
    many = np.vstack([pts, rng.random((200_000, 3))])
    meshio.write(tmp_path / "m.vtu", meshio.Mesh(many, [("triangle", tris)]),
                 compression="zlib")
    size = (tmp_path / "m.vtu").stat().st_size
    decoded = []
    real = base64.b64decode
    monkeypatch.setattr(mesh_files.base64, "b64decode",
                        lambda s, *a, **k: decoded.append(len(s)) or real(s, *a, **k))
    start = time.monotonic()
    mesh_files._check_vtu((tmp_path / "m.vtu").read_bytes(), tmp_path, tmp_path, fail)
    elapsed = time.monotonic() - start
    assert sum(decoded) <= 2 * size, (sum(decoded), size)
    assert elapsed < 1.0       # measured ~0.05 s; the per-block decoding took ~10 s here
    monkeypatch.undo()
    np.testing.assert_array_equal(read_mesh_file(tmp_path / "m.vtu", fail).points, many)


def test_line_broken_base64_is_still_checked_and_read(tmp_path):
    """Line breaks inside an array's blocks (base64 skips them, so the characters of n
    bytes hold fewer than n) make the check decode that array's whole text instead."""
    pts, tris = square(30)
    meshio.write(tmp_path / "m.vtu", meshio.Mesh(pts, [("triangle", tris)]),
                 compression="zlib")
    text = (tmp_path / "m.vtu").read_text()

    def wrap(match):
        body = match.group(2).strip()
        keep = len(body) // 2           # past the header: only block characters are broken
        tail = "\n".join(body[i:i + 76] for i in range(keep, len(body), 76))
        return match.group(1) + body[:keep] + tail + "</DataArray>"

    text = re.sub(r'(<DataArray[^>]*format="binary"[^>]*>)(.*?)</DataArray>', wrap, text,
                  flags=re.S)
    (tmp_path / "w.vtu").write_text(text)
    np.testing.assert_array_equal(read_mesh_file(tmp_path / "w.vtu", fail).points, pts)


def test_appended_arrays_sharing_one_blob_are_refused_quickly(tmp_path):
    """400 DataArrays whose appended offsets all point at one 1 MiB array: checking each
    would read 400 MiB; the check stops once it has read twice the file."""
    data = np.random.default_rng(1).bytes(1 << 20)
    packed = zlib.compress(data, 0)                    # stored: inflates to exactly 1 MiB
    header = np.array([1, len(data), len(data), len(packed)], dtype="<u4").tobytes()
    blob = base64.b64encode(header).decode() + base64.b64encode(packed).decode()
    arrays = "".join(f'<DataArray type="Float64" Name="f{i}" format="appended" offset="0"/>'
                     for i in range(400))
    (tmp_path / "m.vtu").write_text(
        '<?xml version="1.0"?><VTKFile type="UnstructuredGrid" version="0.1" '
        'byte_order="LittleEndian" compressor="vtkZLibDataCompressor"><UnstructuredGrid>'
        f'<Piece NumberOfPoints="1" NumberOfCells="0"><PointData>{arrays}</PointData>'
        '</Piece></UnstructuredGrid><AppendedData encoding="base64">_' + blob +
        '</AppendedData></VTKFile>')
    start = time.monotonic()
    with pytest.raises(SpecError, match="share their bytes") as info:
        read_mesh_file(tmp_path / "m.vtu", fail)
    assert info.value.key == "domain.mesh"
    assert time.monotonic() - start < 1.0       # measured ~0.05 s; unbounded: ~5 s here


# -- gmsh: forged node tags and counts ------------------------------------------------------
def _gmsh22(tags=(1, 2, 3), n=None, before="", nodes_end="$EndNodes") -> str:
    n = len(tags) if n is None else n
    nodes = "".join(f"{t} {x} {y} 0\n" for t, (x, y) in zip(tags, [(0, 0), (1, 0), (0, 1)]))
    return ("$MeshFormat\n2.2 0 8\n$EndMeshFormat\n" + before + f"$Nodes\n{n}\n{nodes}"
            f"{nodes_end}\n$Elements\n1\n1 2 2 0 1 {tags[0]} {tags[1]} {tags[2]}\n"
            "$EndElements\n")


def _gmsh41(tags=(1, 2, 3), total=None, blocks=1, names="", entities="", physical=None,
            elements=1) -> str:
    total = len(tags) if total is None else total
    block = f"2 1 0 {len(tags)}\n" + "".join(f"{t}\n" for t in tags) + "0 0 0\n1 0 0\n0 1 0\n"
    cells = "".join(f"{k + 1} {tags[0]} {tags[1]} {tags[2]}\n" for k in range(elements))
    if physical is not None:
        entities = f"$Entities\n0 0 1 0\n1 0 0 0 1 1 0 1 {physical} 0\n$EndEntities\n"
    return ("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n" + names + entities +
            f"$Nodes\n{blocks} {total} 1 {max(tags)}\n{block}$EndNodes\n"
            f"$Elements\n1 {elements} 1 {elements}\n2 1 2 {elements}\n{cells}$EndElements\n")


def _gmsh41_binary(tags=(1, 2, 3)) -> bytes:
    """MSH 4.1 binary, as gmsh writes it: size_t counts, int entity fields, double coords."""
    u8 = lambda *v: struct.pack(f"<{len(v)}Q", *v)     # noqa: E731
    i4 = lambda *v: struct.pack(f"<{len(v)}i", *v)     # noqa: E731
    return (b"$MeshFormat\n4.1 1 8\n" + i4(1) + b"\n$EndMeshFormat\n$Nodes\n" +
            u8(1, 3, 1, max(tags)) + i4(2, 1, 0) + u8(3) + u8(*tags) +
            struct.pack("<9d", 0, 0, 0, 1, 0, 0, 0, 1, 0) + b"\n$EndNodes\n$Elements\n" +
            u8(1, 1, 1, 1) + i4(2, 1, 2) + u8(1) + u8(1, *tags) + b"\n$EndElements\n")


def _peak_mib(work) -> float:
    """Peak MiB numpy and Python allocate while ``work()`` runs (numpy reports to
    tracemalloc)."""
    tracemalloc.start()
    try:
        work()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


@pytest.mark.parametrize("content", [
    _gmsh22(tags=(1, 2, 10**9)),                    # the reviewed 2.2 file: 4.2 GB peak
    _gmsh41(tags=(1, 2, 10**9)),                    # its 4.1 analogue
    _gmsh41_binary(tags=(1, 2, 10**9)),
    _gmsh22(tags=(1, 2, 3)).replace("1 0 0 0\n", "1e9 0 0 0\n", 1),   # a float tag
], ids=["2.2", "4.1", "4.1-binary", "2.2-float-tag"])
def test_gmsh_node_tags_beyond_the_node_cap_are_refused(tmp_path, monkeypatch, content):
    # read_checked asks for cap + 1 bytes up front (untouched pages, but tracemalloc counts
    # them): a 1 MiB cap keeps the measured peak about what follows the read.
    monkeypatch.setitem(safe_open.CAPS, "mesh", 1 << 20)
    path = tmp_path / "m.msh"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    errors = []

    def read():
        try:
            MeshDomain(path, 2, file="p.yaml")
        except SpecError as exc:
            errors.append(exc)

    peak = _peak_mib(read)
    assert errors and (errors[0].file, errors[0].key) == ("p.yaml", "domain.mesh")
    assert re.search(r"\$Nodes section \(\w+ \d+\): node tag 1000000000 is outside "
                     r"1\.\.10000000.*renumber", str(errors[0])), str(errors[0])
    assert peak < 16, peak      # MiB; measured < 1: nothing sized by the tag


@pytest.mark.parametrize("content, match", [
    (_gmsh22(n=300_000_000), r"number of nodes is 300000000; expected .* 0 to 10000000"),
    (_gmsh22(n=5), r"section ends before the 20 values it declares"),
    (_gmsh41(total=300_000_000), r"number of nodes is 300000000"),
    (_gmsh41(total=2), r"number of nodes in a block is 3; expected .* 0 to 2"),
    (_gmsh41(total=5), r"declares 5 nodes but its blocks hold 3"),   # np.empty(5): garbage
    (_gmsh41(blocks=10**15), r"number of node blocks is 1000000000000000"),
    (_gmsh41(blocks=2), r"section ends before the 3 values it declares"),
    (_gmsh22(before="$PhysicalNames\n1000000000000\n$EndPhysicalNames\n"),
     r"\$PhysicalNames section \(line 4\): the number of physical names is 1000000000000"),
    (_gmsh22(before="$NodeData\n1000000000000\n"),     # meshio would read '' ~forever
     r"\$NodeData section \(line 4\): the number of string tags is 1000000000000; "
     r"expected a whole number from 0 to 256"),
    ("$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$NodeData\n50\n\"u\"\n",
     r"the file ends before the string tags it declares"),
    (_gmsh22(before="$NodeData\n1\n\"u\"\n0\n3\n0\n1\n1000000\n1 0\n$EndNodeData\n"),
     r"number of values is 2000000; .*fit in the section"),
    ("$MeshFormat\n4.0 0 8\n$EndMeshFormat\n", r"MSH 4\.0 is not read; save .* 4\.1 or 2\.2"),
    ("$MeshFormat\n4.1 0 3\n$EndMeshFormat\n", r"data-size 3 is not 1, 2, 4 or 8"),
    (_gmsh22() + "\n junk\n", r"\$Elements section \(line 10\): after this section, "
                               r"expected a line such as '\$Nodes' .*found ' junk'"),
])
def test_gmsh_declared_counts_are_bounded_before_meshio(tmp_path, content, match):
    (tmp_path / "m.msh").write_text(content)
    start = time.monotonic()
    with pytest.raises(SpecError, match=match) as info:
        read_mesh_file(tmp_path / "m.msh", fail)
    assert info.value.key == "domain.mesh"
    assert time.monotonic() - start < 1.0       # measured ~1 ms each


def test_gmsh_binary_counts_are_bounded_by_the_file(tmp_path):
    good = _gmsh41_binary()
    (tmp_path / "ok.msh").write_bytes(good)
    assert len(read_mesh_file(tmp_path / "ok.msh", fail).points) == 3
    # 2·10^6 nodes declared in the header and the block, three present
    forged = good.replace(struct.pack("<4Q", 1, 3, 1, 3), struct.pack("<4Q", 1, 2_000_000, 1, 3))
    forged = forged.replace(struct.pack("<iiiQ", 2, 1, 0, 3), struct.pack("<iiiQ", 2, 1, 0,
                                                                           2_000_000))
    (tmp_path / "m.msh").write_bytes(forged)
    with pytest.raises(SpecError, match=r"declares 2000000 values of 8 bytes; the file ends"):
        read_mesh_file(tmp_path / "m.msh", fail)
    # MSH 2.2 binary: an element group claiming 10^7 triangles in 16 bytes
    text = (b"$MeshFormat\n2.2 1 8\n" + struct.pack("<i", 1) + b"\n$EndMeshFormat\n$Nodes\n3\n"
            + b"".join(struct.pack("<i3d", k + 1, *p) for k, p in
                       enumerate([(0, 0, 0), (1, 0, 0), (0, 1, 0)]))
            + b"\n$EndNodes\n$Elements\n10000000\n" + struct.pack("<3i", 2, 10**7, 0)
            + struct.pack("<4i", 1, 1, 2, 3) + b"\n$EndElements\n")
    (tmp_path / "e.msh").write_bytes(text)
    with pytest.raises(SpecError, match=r"declares 40000000 values of 4 bytes; the file ends"):
        read_mesh_file(tmp_path / "e.msh", fail)


def test_gmsh_section_end_is_found_as_meshio_finds_it(tmp_path):
    """meshio strips a line as text before comparing it with $EndNodes, so a line
    '\\x1c$EndNodes' ends the section for meshio; the walk must end it there too, or the
    $Nodes section after it (tag 10^9) would reach meshio unchecked."""
    content = _gmsh22(nodes_end="\x1c$EndNodes\n$Nodes\n3\n1 0 0 0\n2 1 0 0\n"
                                "1000000000 0 1 0\n$EndNodes")
    (tmp_path / "m.msh").write_text(content)
    with pytest.raises(SpecError, match="node tag 1000000000"):
        read_mesh_file(tmp_path / "m.msh", fail)


def test_gmsh_physical_names_times_blocks_are_bounded(tmp_path, monkeypatch):
    """MSH 4.1: meshio gives every physical name whose group holds an element block an
    np.arange as long as the block: 200 names on one group × n elements."""
    names = "$PhysicalNames\n200\n" + "".join(f'2 1 "n{k}"\n' for k in range(200)) + \
        "$EndPhysicalNames\n"
    monkeypatch.setattr(mesh_files, "MAX_CELLS", 1000)   # 200 × 10 cells > 1000
    (tmp_path / "m.msh").write_text(_gmsh41(names=names, physical=1, elements=10))
    with pytest.raises(SpecError, match="200 physical names over 1 element blocks"):
        read_mesh_file(tmp_path / "m.msh", fail)
    one = "$PhysicalNames\n1\n2 1 \"plate\"\n$EndPhysicalNames\n"
    (tmp_path / "ok.msh").write_text(_gmsh41(names=one, physical=1, elements=10))
    assert list(read_mesh_file(tmp_path / "ok.msh", fail).cell_sets["plate"][0]) == \
        list(range(10))
    monkeypatch.setattr(mesh_files, "MAX_NAME_CHECKS", 100)  # 200 names × 1 block
    (tmp_path / "m.msh").write_text(_gmsh41(names=names, physical=7))
    with pytest.raises(SpecError, match="compare them more than 100 times"):
        read_mesh_file(tmp_path / "m.msh", fail)


# -- gmsh: genuine files ---------------------------------------------------------------------
def _meshio_gmsh(path: Path, fmt: str, binary: bool) -> meshio.Mesh:
    pts, tris = square(5)
    mesh = meshio.Mesh(pts, [("triangle", tris)],
                       cell_data={"gmsh:physical": [np.full(len(tris), 1)],
                                  "gmsh:geometrical": [np.full(len(tris), 1)]},
                       field_data={"plate": np.array([1, 2])})
    if fmt == "gmsh":            # MSH 4.1 needs each node's entity
        mesh.point_data["gmsh:dim_tags"] = np.tile([2, 1], (len(pts), 1))
    if binary:                   # meshio cannot read back its own ASCII $NodeData
        mesh.point_data["u"] = pts[:, 0] + 2 * pts[:, 1]
    mesh.write(path, file_format=fmt, binary=binary)
    return mesh


@pytest.mark.parametrize("fmt", ["gmsh22", "gmsh"])
@pytest.mark.parametrize("binary", [False, True], ids=["ascii", "binary"])
def test_genuine_gmsh_meshes_still_load(tmp_path, fmt, binary):
    path = tmp_path / "m.msh"
    written = _meshio_gmsh(path, fmt, binary)
    out, ref = read_mesh_file(path, fail), meshio.read(path)
    np.testing.assert_array_equal(out.points, written.points)
    np.testing.assert_array_equal(out.cells[0].data, ref.cells[0].data)
    assert out.field_data.keys() == {"plate"}
    if binary:
        np.testing.assert_array_equal(out.point_data["u"], written.point_data["u"])
    domain = MeshDomain(path, 2, file="p.yaml")
    assert domain.simplices.shape == (32, 3)


def test_gmsh_check_is_linear_in_the_file(tmp_path):
    """10^5 nodes and 2·10^5 triangles in MSH 2.2 ASCII (~13 MiB): the walk splits the
    text once and parses only the node tags."""
    rng = np.random.default_rng(2)
    n = 100_000
    mesh = meshio.Mesh(rng.random((n, 3)), [("triangle", rng.integers(0, n, (2 * n, 3)))])
    mesh.write(tmp_path / "m.msh", file_format="gmsh22", binary=False)
    data = (tmp_path / "m.msh").read_bytes()
    start = time.monotonic()
    mesh_files._check_msh(data, tmp_path, tmp_path, fail)
    assert time.monotonic() - start < 1.0      # measured ~0.07 s; meshio reads it in ~2 s
    # 8·10^6 lines meshio counts as blank (no-break spaces, U+001C) before $Nodes: a
    # line-by-line walk would spend ~0.5 µs on each; the whitespace run is found in C.
    head, rest = data.split(b"$Nodes", 1)
    data = head + b"\xc2\xa0 \n\x1c\n" * 4_000_000 + b"$Nodes" + rest
    start = time.monotonic()
    mesh_files._check_msh(data, tmp_path, tmp_path, fail)
    assert time.monotonic() - start < 1.0      # measured ~0.1 s


# -- every door reads through the check ------------------------------------------------------
def test_export_mesh_and_check_refuse_a_forged_gmsh_file(tmp_path):
    from pinnsolve.io.output import _on_mesh

    (tmp_path / "m.msh").write_text(_gmsh22(tags=(1, 2, 10**9)))
    with pytest.raises(RunError, match="node tag 1000000000") as info:
        _on_mesh(None, None, tmp_path / "m.msh", tmp_path, None)   # export --mesh
    assert info.value.path == str(tmp_path / "m.msh")
    (tmp_path / "p.yaml").write_text(
        "domain: {x: [0, 1], y: [0, 1], mesh: m.msh}\nfields: [u]\n"
        "equations: ['laplacian(u) = -1']\nconditions: [{where: boundary, dirichlet: 0}]\n")
    out = CliRunner().invoke(app, ["check", str(tmp_path / "p.yaml")])
    text = " ".join(out.output.replace("│", " ").split())
    assert out.exit_code == 2 and "domain.mesh" in text and "node tag 1000000000" in text, \
        text
