"""Files read after the problem text (issue 19, classes 1, 5, 6, 7, 8, 9, 11): meshes and
the files they reference, NPZ members, FIFOs, duplicate YAML keys, NFKC-folded names.

Every case is built here; each must end in a located error (file and key) quickly, and
nothing outside the problem's folder may be read (checked through the leaked bytes).
"""
from __future__ import annotations

import base64
import io
import os
import re
import time
import zipfile
import zlib
from pathlib import Path

import meshio
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from pinnsolve.cli import app
from pinnsolve.errors import RunError, SpecError
from pinnsolve.geometry.mesh import MeshDomain
from pinnsolve.spec.mesh_files import read_mesh_file
from pinnsolve.spec import load_npz, load_problem, parse_yaml
from pinnsolve.spec import safe_open

ROOT = Path(__file__).resolve().parents[1]
L_MESH = ROOT / "problems" / "meshes" / "l_shape.vtu"


def fail(message: str) -> SpecError:
    return SpecError(message, file="p.yaml", key="domain.mesh")


def square(n: int = 3) -> meshio.Mesh:
    """The unit square in 2 (n-1)^2 triangles."""
    g = np.linspace(0, 1, n)
    x, y = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([x.ravel(), y.ravel(), 0 * x.ravel()], 1)
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    tris = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    return meshio.Mesh(pts, [("triangle", tris)])


# -- class 1: foreign reads through mesh references -------------------------------------------
@pytest.mark.parametrize("fmt", ["Binary", "HDF"])
def test_xdmf_references_outside_the_mesh_folder_are_refused(tmp_path, fmt):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(27, dtype=np.float64).tobytes())
    folder = tmp_path / "mesh"
    folder.mkdir()
    meshio.xdmf.write(folder / "m.xdmf", square(), data_format=fmt)
    text = (folder / "m.xdmf").read_text()
    data_file = "m.h5" if fmt == "HDF" else str(folder / "m0.bin")
    assert data_file in text
    for evil in ("../secret.bin", str(secret), "/etc/passwd"):
        forged = text.replace(data_file, evil, 1)
        (folder / "evil.xdmf").write_text(forged)
        with pytest.raises(SpecError, match="outside the mesh's folder"):
            read_mesh_file(folder / "evil.xdmf", fail)


def test_xdmf_symlink_out_and_fifo_reference_are_refused(tmp_path):
    folder = tmp_path / "mesh"
    folder.mkdir()
    meshio.xdmf.write(folder / "m.xdmf", square(), data_format="Binary")
    outside = tmp_path / "outside.bin"
    os.replace(folder / "m0.bin", outside)
    os.symlink(outside, folder / "m0.bin")
    with pytest.raises(SpecError, match="outside the mesh's folder"):
        read_mesh_file(folder / "m.xdmf", fail)
    os.unlink(folder / "m0.bin")
    os.mkfifo(folder / "m0.bin")
    start = time.monotonic()
    with pytest.raises(SpecError, match=r"not a regular file \(a FIFO"):
        read_mesh_file(folder / "m.xdmf", fail)
    assert time.monotonic() - start < 2.0   # refused without blocking on the pipe


def test_relative_binary_reference_resolves_against_the_mesh_folder(tmp_path, monkeypatch):
    """meshio reads Binary relative to the cwd; the checked copy makes it the mesh's folder."""
    folder = tmp_path / "mesh"
    folder.mkdir()
    meshio.xdmf.write(folder / "m.xdmf", square(), data_format="Binary")
    text = (folder / "m.xdmf").read_text().replace(str(folder) + "/", "")
    (folder / "m.xdmf").write_text(text)
    decoy = tmp_path / "cwd"
    decoy.mkdir()
    (decoy / "m0.bin").write_bytes(np.full(27, 7.0).tobytes())   # same name, other bytes
    monkeypatch.chdir(decoy)
    m = read_mesh_file(folder / "m.xdmf", fail)
    np.testing.assert_array_equal(m.points, square().points)   # exact: bytes copied as-is


def test_hdf5_external_link_is_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    folder = tmp_path / "mesh"
    folder.mkdir()
    meshio.xdmf.write(folder / "m.xdmf", square(), data_format="HDF")
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["pts"] = np.zeros((9, 3))
    with h5py.File(folder / "m.h5", "a") as f:
        name = next(k for k in f if f[k].shape == (9, 3))
        del f[name]
        f[name] = h5py.ExternalLink(str(tmp_path / "foreign.h5"), "/pts")
    with pytest.raises(SpecError, match="external link"):
        read_mesh_file(folder / "m.xdmf", fail)


# -- class 8: size and inflation caps -----------------------------------------------------------
def _zlib_vtu(blocks: list[bytes], declared_block: int, n_points: int = 3) -> bytes:
    """A VTU whose Points array is these zlib blocks (header: count, block size, last)."""
    packed = [zlib.compress(b) for b in blocks]
    header = np.array([len(packed), declared_block, declared_block] + [len(p) for p in packed],
                      dtype="<u4").tobytes()
    text = base64.b64encode(header).decode() + base64.b64encode(b"".join(packed)).decode()
    return (f'<?xml version="1.0"?><VTKFile type="UnstructuredGrid" version="0.1" '
            f'byte_order="LittleEndian" compressor="vtkZLibDataCompressor">'
            f'<UnstructuredGrid><Piece NumberOfPoints="{n_points}" NumberOfCells="0">'
            f'<Points><DataArray type="Float64" NumberOfComponents="3" format="binary">{text}'
            f'</DataArray></Points></Piece></UnstructuredGrid></VTKFile>').encode()


def test_vtu_inflation_bomb_and_block_flood_are_refused_quickly(tmp_path, monkeypatch):
    monkeypatch.setitem(safe_open.CAPS, "mesh", 8 << 20)   # an 8 MiB budget keeps it fast
    bomb = tmp_path / "bomb.vtu"
    bomb.write_bytes(_zlib_vtu([bytes(1 << 20)] * 16, 1 << 20))   # 16 MiB from ~16 KiB
    start = time.monotonic()
    with pytest.raises(SpecError, match="inflates beyond"):
        read_mesh_file(bomb, fail)
    lie = tmp_path / "lie.vtu"
    lie.write_bytes(_zlib_vtu([bytes(1 << 16)], 64))   # declares 64 bytes, holds 64 KiB
    with pytest.raises(SpecError, match="inflates beyond its declared 64 bytes"):
        read_mesh_file(lie, fail)
    flood = tmp_path / "flood.vtu"
    flood.write_bytes(_zlib_vtu([b""] * 100_001, 8))
    with pytest.raises(SpecError, match="100001 compressed blocks"):
        read_mesh_file(flood, fail)
    assert time.monotonic() - start < 3.0   # measured ~0.3 s; meshio alone: minutes, GiBs


def test_appended_base64_vtu_passes_the_block_checks(tmp_path):
    """The same zlib arrays moved to an AppendedData section read back unchanged."""
    m = meshio.read(L_MESH)
    meshio.write(tmp_path / "a.vtu", m, compression="zlib")
    text, blob = (tmp_path / "a.vtu").read_text(), []

    def move(match):
        offset = sum(map(len, blob))
        blob.append(match.group(2).strip())
        return match.group(1).replace('format="binary"',
                                      f'format="appended" offset="{offset}"') + "</DataArray>"

    text = re.sub(r'(<DataArray[^>]*format="binary"[^>]*>)(.*?)</DataArray>', move, text,
                  flags=re.S)
    text = text.replace("</UnstructuredGrid>", '</UnstructuredGrid><AppendedData '
                        'encoding="base64">_' + "".join(blob) + "</AppendedData>")
    (tmp_path / "app.vtu").write_text(text)
    out = read_mesh_file(tmp_path / "app.vtu", fail)
    np.testing.assert_array_equal(out.points, m.points)   # exact: lossless compression


def test_declared_sizes_file_caps_and_suffixes(tmp_path, monkeypatch):
    big = tmp_path / "big.vtu"
    big.write_bytes(_zlib_vtu([bytes(72)], 72, n_points=10**9))
    with pytest.raises(SpecError, match="NumberOfPoints=1000000000"):
        read_mesh_file(big, fail)
    monkeypatch.setitem(safe_open.CAPS, "mesh", 1000)
    sparse = tmp_path / "sparse.vtk"
    with open(sparse, "wb") as fh:
        fh.truncate(10**12)                       # 1 TB apparent, no blocks used
    with pytest.raises(SpecError, match="limited to 1000 bytes"):
        read_mesh_file(sparse, fail)
    with pytest.raises(SpecError, match="unsupported mesh format '.stl'"):
        read_mesh_file(tmp_path / "m.stl", fail)


def test_meshio_sys_exit_becomes_a_located_error(tmp_path):
    bad = tmp_path / "bad.msh"
    bad.write_text("$MeshFormat\n9.9 0 8\n$EndMeshFormat\n")
    with pytest.raises(SpecError, match="meshio cannot read the mesh") as info:
        read_mesh_file(bad, fail)
    assert info.value.key == "domain.mesh"


# -- class 5: mesh validation -----------------------------------------------------------------
@pytest.mark.parametrize("damage, match", [
    (lambda m: m.points.__setitem__((4, 0), np.nan), r"1 nodes have NaN"),
    (lambda m: m.points.__setitem__((0, 1), np.inf), r"infinite coordinates"),
    (lambda m: m.cells[0].data.__setitem__((0, 2), 99), r"outside 0\.\.8"),
    (lambda m: m.cells[0].data.__setitem__(slice(None), m.cells[0].data[::-1]) or
     setattr(m, "cells", [meshio.CellBlock("triangle", np.concatenate(
         [m.cells[0].data, m.cells[0].data[:1]]))]), r"listed more than once"),
    (lambda m: m.cells[0].data.__setitem__((0, 2), m.cells[0].data[0, 1]), r"zero volume"),
])
def test_invalid_meshes_are_located_errors(tmp_path, damage, match):
    m = square()
    damage(m)
    meshio.write(tmp_path / "m.vtu", m)
    with pytest.raises(SpecError, match=match) as info:
        MeshDomain(tmp_path / "m.vtu", 2, file="p.yaml")
    assert (info.value.file, info.value.key) == ("p.yaml", "domain.mesh")


def test_mesh_without_boundary_is_refused(tmp_path):
    """Two cells glued face to face on all sides (a closed surface in 3-D) have no free
    face; here: a tetrahedron's four faces given as triangles in a 2-D-cell mesh."""
    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0.3, 0.3, 0]], float)
    tris = np.array([[0, 1, 2], [0, 1, 3], [1, 2, 3], [0, 2, 3]])
    meshio.write(tmp_path / "m.vtu", meshio.Mesh(pts, [("triangle", tris)]))
    with pytest.raises(SpecError, match="no boundary"):
        MeshDomain(tmp_path / "m.vtu", 2, file="p.yaml")


# -- class 7/11: FIFOs, check reads files ------------------------------------------------------
def test_fifo_checkpoint_and_export_mesh_do_not_block(tmp_path):
    from pinnsolve.io.checkpoint import CorruptCheckpoint, decode

    os.mkfifo(tmp_path / "last.pt")
    os.mkfifo(tmp_path / "m.vtu")
    start = time.monotonic()
    with pytest.raises(CorruptCheckpoint, match="not a regular file"):
        decode(tmp_path / "last.pt")
    with pytest.raises(RunError, match="not a regular file"):
        read_mesh_file(tmp_path / "m.vtu", lambda m: RunError(m, path="m.vtu"))
    assert time.monotonic() - start < 2.0


def _problem(tmp_path: Path, **extra) -> Path:
    raw = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "equations": ["laplacian(u) = 0"],
           "conditions": [{"where": "boundary", "dirichlet": 0}], **extra}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_check_reads_the_mesh_and_the_reference_file(tmp_path):
    m = square()
    m.points[4, 0] = np.nan
    meshio.write(tmp_path / "m.vtu", m)
    path = _problem(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["domain"]["mesh"] = "m.vtu"
    path.write_text(yaml.safe_dump(raw))
    out = CliRunner().invoke(app, ["check", str(path)])
    text = " ".join(out.output.replace("│", " ").split())
    assert out.exit_code == 2 and "domain.mesh" in text and "NaN" in text, text
    np.savez(tmp_path / "ref.npz", x=np.zeros(0), y=np.zeros(0), u=np.zeros(0))
    path = _problem(tmp_path, reference={"file": "ref.npz"})
    out = CliRunner().invoke(app, ["check", str(path)])
    text = " ".join(out.output.replace("│", " ").split())
    assert out.exit_code == 2 and "reference.file" in text and "is empty" in text, text


# -- class 9: NPZ members ---------------------------------------------------------------------
def _npz_with_header(tmp_path: Path, header: bytes, payload: bytes) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.npy", header + payload)
    path = tmp_path / "forged.npz"
    path.write_bytes(buf.getvalue())
    return path


def _npy_header(descr: str, shape: tuple) -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


@pytest.mark.parametrize("descr, shape, payload, match", [
    ("<f8", (10**11,), bytes(8), r"declares shape \(100000000000,\).*holds 8 bytes"),
    ("<f8", (3, 0, 10**12), b"", r"is empty"),
    ("<f8", (4,), bytes(64), r"declares shape \(4,\) .*32 bytes.*holds 64"),
    ("|O", (1,), bytes(8), r"Python objects"),
    ("<c16", (1,), bytes(16), r"not numeric"),
    ("<f8", "(((", b"", r"malformed header"),
])
def test_forged_npz_members_are_refused_before_allocation(tmp_path, descr, shape, payload, match):
    path = _npz_with_header(tmp_path, _npy_header(descr, shape), payload)
    start = time.monotonic()
    with pytest.raises(SpecError, match=match) as info:
        load_npz(path, "p.yaml", "conditions.1.data")
    assert info.value.key == "conditions.1.data"
    assert time.monotonic() - start < 1.0   # no 745 GiB allocation attempted


def test_npz_that_is_not_a_zip_and_a_fifo_are_refused(tmp_path):
    (tmp_path / "a.npz").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(SpecError, match="not an .npz archive"):
        load_npz(tmp_path / "a.npz", "p.yaml", "reference.file")
    os.mkfifo(tmp_path / "b.npz")
    with pytest.raises(SpecError, match=r"not a regular file \(a FIFO"):
        load_npz(tmp_path / "b.npz", "p.yaml", "reference.file")


# -- class 6: YAML duplicate keys and NFKC-folded names ---------------------------------------
@pytest.mark.parametrize("text, key", [
    ("equations: [a]\nfields: [u]\nequations: [b]\n", "equations"),
    ("domain:\n  x: [0, 1]\n  y: [0, 1]\n  x: [0, 2]\n", "domain.x"),
    ("conditions:\n  - {where: boundary, u: 0, u: 1}\n", "conditions.0.u"),
    ("ｕ: 1\nu: 2\n", "u"),
])
def test_duplicate_yaml_keys_are_refused_with_the_key(text, key):
    with pytest.raises(SpecError, match="appears twice") as info:
        parse_yaml(text, file="p.yaml")
    assert info.value.key == key


def test_merge_keys_still_merge():
    assert parse_yaml("a: &A {x: 1}\nb:\n  <<: *A\n  y: 2\n")["b"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("where, names", [("fields", ["u", "ｕ"]), ("fields", ["ｕ"]),
                                          ("parameters", {"ａ": 1})])
def test_names_nfkc_would_fold_are_refused(where, names):
    raw = {"domain": {"x": [0, 1]}, "fields": ["v"], "equations": ["v = 0"], where: names}
    with pytest.raises(SpecError, match=r"NFKC folds to '[ua]'") as info:
        load_problem(raw)
    assert info.value.key.startswith(where)


def test_python_parser_folds_identifiers_so_expressions_agree():
    """The fact the NFKC rule rests on: ast.parse reads 'ｕ' as 'u'."""
    import ast

    assert ast.parse("ｕ + 1", mode="eval").body.left.id == "u"
    problem = load_problem({"domain": {"x": [0, 1]}, "fields": ["u"],
                            "equations": ["ｕ - x = 0"]})
    assert "u" in str(problem.equations[0].expr) and "ｕ" not in str(problem.equations[0].expr)


# -- the harness itself -----------------------------------------------------------------------
def test_referenced_file_fuzzer_short_campaign(tmp_path):
    """tests/fuzzing.py's referenced-file campaign, 24 seeded cases: no crash, hang or
    foreign open; and its audit hook is live (a read of the planted secret is seen)."""
    import tests.fuzzing as fz

    campaign, foreign = fz.run_file_campaign(tmp_path, seed=19, count=24)
    assert campaign.tried == 24 and not campaign.crashes and not foreign, campaign.crashes
    fz._AUDIT.update(on=True, events=[], allowed=(str(tmp_path / "case0") + os.sep,))
    try:
        (tmp_path / "secret.bin").read_bytes()
    finally:
        fz._AUDIT["on"] = False
    assert fz._AUDIT["events"] == [("read", str((tmp_path / "secret.bin").resolve()))]


def test_relative_references_stay_in_the_problem_folder(tmp_path):
    """A problem's relative data/reference/mesh path may not leave its folder (a link out,
    '..'); an absolute path is allowed because it is visible in the file."""
    (tmp_path / "outside").mkdir()
    pts = np.linspace(0.1, 0.9, 4)
    np.savez(tmp_path / "outside" / "ref.npz", x=pts, y=pts, u=pts)
    folder = tmp_path / "problem"
    folder.mkdir()
    os.symlink(tmp_path / "outside" / "ref.npz", folder / "ref.npz")
    for ref in ("ref.npz", "../outside/ref.npz"):
        with pytest.raises(SpecError, match="outside the problem's folder") as info:
            load_problem(_problem(folder, reference={"file": ref}))
        assert info.value.key == "reference.file"
    absolute = str(tmp_path / "outside" / "ref.npz")
    assert load_problem(_problem(folder, reference={"file": absolute})).reference.file == absolute


def test_damaged_run_directory_fuzzer_short_campaign(tmp_path):
    """tests/fuzzing.py's run-directory campaign, 40 seeded damaged runs (files removed,
    truncated, replaced by links out, FIFOs, directories) shown, exported, predicted and
    resumed: no crash and no write outside the run directory."""
    import tests.fuzzing as fz

    campaign, foreign = fz.run_state_campaign(tmp_path, seed=2312, count=40)
    assert campaign.tried == 40 and not campaign.crashes and not foreign, campaign.crashes
    assert campaign.counts.get("error", 0) > 5   # the damage is seen, not just survived


def test_python_mapping_fuzzer_short_campaign():
    """tests/fuzzing.py's Python-mapping campaign, 200 seeded odd mappings (bytes, sets,
    generators, self-containing dicts, huge integers, objects) through pinnsolve.load:
    every one is loaded or refused with a located error."""
    import tests.fuzzing as fz

    campaign = fz.run_mapping_campaign(seed=2312, count=200)
    assert campaign.tried == 200 and not campaign.crashes, campaign.crashes
    assert campaign.counts.get("error", 0) > 100
