"""Reading an untrusted mesh file: checked and copied before meshio sees it.

meshio trusts its input: an XDMF ``DataItem`` names any file (``Format="Binary"`` is read
with ``np.fromfile`` relative to the *current directory*, ``Format="HDF"`` relative to the
XDMF file), a VTU's compressed blocks inflate without bound, and some readers call
``sys.exit``. So :func:`read_mesh_file` does, before meshio parses anything:

1. reads the mesh through :func:`~pinnsolve.spec.safe_open.read_checked` (a regular file
   under ``CAPS['mesh']``; FIFOs and devices refused without blocking);
2. runs the check of its format (:data:`FORMATS`, keyed by suffix): XDMF references are
   resolved against the mesh's own folder and refused if they leave it (absolute paths,
   ``..``, symlinks out) or are not regular files; HDF5 targets must be plain datasets
   (no external links, external storage or virtual datasets); VTU piece sizes, block counts
   and the inflated size of every compressed block are bounded;
3. copies the mesh and every file it references into a private temporary folder —
   rewriting XDMF references to the copies — and lets meshio read only that folder.

The copy makes the read independent of the current directory and of later changes to the
originals (what was checked is what is parsed); its cost is one more pass over bytes that
are capped anyway.
"""
from __future__ import annotations

import base64
import contextlib
import io
import lzma
import re
import tempfile
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Callable

import meshio
import numpy as np

from .safe_open import CAPS, Fail, check_regular, inside, read_checked

MAX_POINTS = 10_000_000         # nodes and cells a mesh may declare (a 10^6-node mesh is
MAX_CELLS = 50_000_000          # large for a PINN: points are only sampled from it)
MAX_BLOCKS = 100_000            # compressed blocks in one VTU file (meshio: ~1 ms each)


def read_mesh_file(path: str | Path, fail: Fail) -> meshio.Mesh:
    """The mesh at ``path``, parsed by meshio from checked private copies.

    Raises:
        whatever ``fail`` builds: unsupported suffix, not a regular file, too large,
        references leaving the mesh's folder, oversized declarations, or meshio's own
        failure (including its ``sys.exit``).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise fail(f"unsupported mesh format '{path.suffix}'; expected one of "
                   f"{', '.join(sorted(FORMATS))}")
    data = read_checked(path, "mesh", fail)
    folder = path.resolve().parent
    with tempfile.TemporaryDirectory(prefix="pinnsolve-mesh-") as tmp:
        copy = Path(tmp) / f"mesh{path.suffix.lower()}"
        copy.write_bytes(fmt.check(data, folder, Path(tmp), fail))
        return _meshio_read(copy, fmt.meshio, lambda m: fail(m.replace(str(copy), str(path))))


def _meshio_read(path: Path, file_format: str, fail: Fail) -> meshio.Mesh:
    """meshio.read, quietly: meshio prints and calls sys.exit on some unreadable files."""
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return meshio.read(path, file_format=file_format)
    except (Exception, SystemExit) as exc:  # meshio raises many kinds; all mean "unreadable"
        text = " ".join(sink.getvalue().split()) or str(exc) or type(exc).__name__
        raise fail(f"meshio cannot read the mesh: {text[:300]}") from None


def _parse_xml(data: bytes, what: str, fail: Fail) -> ET.Element:
    # ElementTree never fetches external entities, and expat (>= 2.4) stops entity
    # expansion bombs; a DOCTYPE has no use in a mesh file, so refuse it outright.
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise fail(f"the {what} file declares a DOCTYPE or entities; mesh files need none")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise fail(f"the {what} file is not well-formed XML ({exc})") from None


# -- XDMF -----------------------------------------------------------------------------------
def _check_xdmf(data: bytes, folder: Path, tmp: Path, fail: Fail) -> bytes:
    """Copy every file a DataItem references into ``tmp``; return the rewritten XDMF."""
    root = _parse_xml(data, "XDMF", fail)
    total = 0
    copies: dict[Path, Path] = {}
    for item in root.iter():
        tag = item.tag.rsplit("}", 1)[-1]
        if tag == "include":
            raise fail("XDMF XInclude is not supported; put the mesh in one file")
        if tag != "DataItem":
            continue
        kind = item.get("Format", "XML")
        if kind == "XML":
            continue
        if kind not in ("Binary", "HDF"):
            raise fail(f"XDMF DataItem Format '{kind}' is not supported (XML, Binary, HDF)")
        text = (item.text or "").strip()
        name, _, inner = text.partition(":") if kind == "HDF" else (text, "", "")
        source = _referenced(name, folder, fail)
        if source not in copies:
            total += check_regular(source, "mesh data", fail)
            if total > CAPS["mesh data"]:
                raise fail(f"the files the mesh references exceed {CAPS['mesh data']} bytes")
            copies[source] = tmp / f"data{len(copies)}{source.suffix.lower()}"
            copies[source].write_bytes(read_checked(source, "mesh data", fail))
        copy = copies[source]
        if kind == "HDF":
            _check_hdf5(copy, inner, name, fail)
            item.text = f"{copy.name}:{inner}"
        else:
            item.text = str(copy)      # meshio reads Binary relative to the cwd: absolute
    return ET.tostring(root)


def _referenced(name: str, folder: Path, fail: Fail) -> Path:
    """``name`` resolved inside ``folder``; a located error if it leaves it."""
    if not name:
        raise fail("an XDMF DataItem names no file")
    # An absolute path is accepted when it points into the folder (meshio writes Binary
    # references that way); everything is judged after resolving links and '..'.
    target = folder / name
    if not inside(folder, target):
        raise fail(f"the mesh references '{name[:200]}', which lies outside the mesh's "
                   f"folder {folder}; referenced files must sit beside the mesh (no '..', "
                   "no links out)")
    return target


def _check_hdf5(path: Path, inner: str, name: str, fail: Fail) -> None:
    """The dataset ``inner`` of an HDF5 copy must live in that file and fit the cap."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            node, here = f, ""
            for part in [p for p in inner.split("/") if p]:
                link = node.get(part, getlink=True)
                if link is None:
                    raise fail(f"'{name}' has no dataset '{inner}'")
                if isinstance(link, h5py.ExternalLink):
                    raise fail(f"'{name}:{inner}' is an external link to another file; "
                               "refused")
                here += "/" + part
                node = node[part]
            if not isinstance(node, h5py.Dataset):
                raise fail(f"'{name}:{inner}' is not a dataset")
            if node.external or node.is_virtual:
                raise fail(f"'{name}:{inner}' stores its values in other files; refused")
            size = node.size * node.dtype.itemsize
            if node.dtype.hasobject or size > CAPS["mesh data"]:
                raise fail(f"'{name}:{inner}' declares {size} bytes of {node.dtype}; the cap "
                           f"is {CAPS['mesh data']}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"cannot read '{name}' as HDF5 ({str(exc)[:120]})") from None


# -- VTU ------------------------------------------------------------------------------------
_HEADER = {"UInt32": np.dtype("u4"), "UInt64": np.dtype("u8")}
_INFLATE = {"vtkZLibDataCompressor": lambda: zlib.decompressobj(),
            "vtkLZMADataCompressor": lambda: lzma.LZMADecompressor()}


def _check_vtu(data: bytes, folder: Path, tmp: Path, fail: Fail) -> bytes:
    """Bound declared sizes, block counts and inflated sizes; the bytes pass unchanged."""
    appended, head = _split_appended(data)
    root = _parse_xml(head, "VTU", fail)
    header = _HEADER.get(root.get("header_type", "UInt32"))
    if header is None:
        raise fail(f"VTU header_type '{root.get('header_type')}' is not UInt32 or UInt64")
    header = header.newbyteorder("<" if root.get("byte_order", "LittleEndian")
                                 == "LittleEndian" else ">")
    compressor = root.get("compressor")
    if compressor is not None and compressor not in _INFLATE:
        raise fail(f"VTU compressor '{compressor}' is not supported (zlib or lzma)")
    for piece in root.iter("Piece"):
        for key, cap in (("NumberOfPoints", MAX_POINTS), ("NumberOfCells", MAX_CELLS)):
            try:
                n = int(piece.get(key, "0"))
            except ValueError:
                raise fail(f"VTU Piece {key}='{piece.get(key)[:40]}' is not an integer") from None
            if not 0 <= n <= cap:
                raise fail(f"VTU Piece declares {key}={n}; at most {cap} are read")
    if compressor is None:
        return data                      # uncompressed values are no larger than the file
    budget = [CAPS["mesh"], MAX_BLOCKS]  # inflated bytes and blocks left, over all arrays
    for array in root.iter("DataArray"):
        fmt = array.get("format", "ascii")
        if fmt == "binary":
            _check_blocks(_b64_reader((array.text or "").strip()), header, compressor,
                          budget, fail)
        elif fmt == "appended":
            if appended is None:
                raise fail("a VTU DataArray is 'appended' but the file has no AppendedData")
            raw, encoding = appended
            try:
                offset = int(array.get("offset", "0"))
            except ValueError:
                raise fail("a VTU DataArray offset is not an integer") from None
            if not 0 <= offset < len(raw):
                raise fail(f"a VTU DataArray offset {offset} lies outside the AppendedData")
            reader = (_b64_reader(raw[offset:].decode("ascii", "replace"))
                      if encoding == "base64" else _raw_reader(raw[offset:]))
            _check_blocks(reader, header, compressor, budget, fail)
    return data


def _split_appended(data: bytes):
    """(appended bytes after '_', encoding) or None, and the XML without them (raw
    appended data is not XML; meshio cuts it out the same way)."""
    start = re.search(rb"<AppendedData[^>]*>", data)
    if start is None:
        return None, data
    stop = data.rfind(b"</AppendedData>")
    if stop < start.end():
        return None, data
    encoding = b"raw" if b'encoding="raw"' in start.group(0) else b"base64"
    body = data[start.end():stop].strip()
    body = body[1:] if body.startswith(b"_") else body
    head = data[:start.end()] + data[stop:]
    return (body, encoding.decode()), head


def _b64_reader(text: str) -> Callable[[int, int], bytes]:
    """``read(start, n)`` over base64 text whose header and blocks are encoded apart (VTK's
    convention for compressed arrays): ``start`` counts decoded header bytes, then data."""
    def chars(n: int) -> int:
        return -(-n // 3) * 4

    state: dict = {}

    def read(start: int, n: int) -> bytes:
        if "header" not in state or start + n <= state["header"]:
            return base64.b64decode(text[:chars(start + n)] + "==")[start:start + n]
        blob = state.setdefault("blob", base64.b64decode(text[chars(state["header"]):] + "=="))
        return blob[start - state["header"]:start - state["header"] + n]

    read.state = state
    return read


def _raw_reader(raw: bytes) -> Callable[[int, int], bytes]:
    def read(start: int, n: int) -> bytes:
        return raw[start:start + n]

    read.state = None
    return read


def _check_blocks(read, header: np.dtype, compressor: str, budget: list, fail: Fail) -> None:
    """Inflate every block of one compressed array, bounded: the block count, each block's
    declared size and the total inflated bytes (over the file) stay within ``budget``."""
    size = header.itemsize
    try:
        count = int(np.frombuffer(read(0, size), header)[0])
        if count > budget[1]:
            raise fail(f"the VTU declares {count} compressed blocks in one array; at most "
                       f"{budget[1]} remain of {MAX_BLOCKS} per file")
        budget[1] -= count
        head = np.frombuffer(read(0, size * (3 + count)), header).astype(np.int64)
        if len(head) != 3 + count:
            raise fail("a VTU compressed array header is truncated")
        block, lengths = int(head[1]), head[3:]
        if read.state is not None:
            read.state["header"] = size * (3 + count)
        start = size * (3 + count)
        for n in lengths.tolist():
            packed = read(start, n)
            start += n
            inflate = _INFLATE[compressor]()
            limit = min(block, budget[0]) + 1
            out = inflate.decompress(packed, limit)
            if len(out) > block or len(out) >= limit:
                raise fail(f"a VTU block inflates beyond its declared {block} bytes or the "
                           f"{CAPS['mesh']}-byte cap on inflated mesh data")
            budget[0] -= len(out)
    except (ValueError, IndexError, TypeError, zlib.error, lzma.LZMAError,
            base64.binascii.Error) as exc:
        raise fail(f"a VTU compressed array is malformed ({type(exc).__name__}: "
                   f"{str(exc)[:100]})") from None


def _unchanged(data: bytes, folder: Path, tmp: Path, fail: Fail) -> bytes:
    """Formats that reference no other file; the size cap is their bound."""
    return data


class _Format:
    def __init__(self, meshio_name: str, check):
        self.meshio, self.check = meshio_name, check


FORMATS = {".vtu": _Format("vtu", _check_vtu), ".vtk": _Format("vtk", _unchanged),
           ".msh": _Format("gmsh", _unchanged), ".xdmf": _Format("xdmf", _check_xdmf),
           ".xmf": _Format("xdmf", _check_xdmf)}
"""Accepted mesh formats by suffix: meshio's name for the reader and the pre-parse check."""


# -- cells and nodes, shared by mesh domains (geometry/mesh.py) and mesh data fields --------
# Cells → simplices, faces (local vertex indices) per supported cell type.
SIMPLICES = {"triangle": [(0, 1, 2)], "quad": [(0, 1, 2), (0, 2, 3)],
             "tetra": [(0, 1, 2, 3)],
             "hexahedron": [(0, 1, 2, 6), (0, 2, 3, 6), (0, 3, 7, 6), (0, 7, 4, 6),
                            (0, 4, 5, 6), (0, 5, 1, 6)]}
FACES = {"triangle": [(0, 1), (1, 2), (2, 0)], "quad": [(0, 1), (1, 2), (2, 3), (3, 0)],
         "tetra": [(0, 1, 2), (0, 1, 3), (1, 2, 3), (0, 2, 3)],
         "hexahedron": [(0, 1, 2, 3), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5),
                        (2, 3, 7, 6), (3, 0, 4, 7)]}
CELL_DIM = {"triangle": 2, "quad": 2, "tetra": 3, "hexahedron": 3}


def checked_points(points, dim: int, fail) -> np.ndarray:
    """(P, dim) float64 node coordinates; NaN or inf is refused (a NaN node makes every
    volume NaN and the sampler would put all points in one cell)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] < dim:
        raise fail(f"node coordinates have shape {pts.shape}; expected (n, {dim})")
    pts = np.ascontiguousarray(pts[:, :dim])
    bad = ~np.isfinite(pts).all(1)
    if bad.any():
        raise fail(f"{int(bad.sum())} nodes have NaN or infinite coordinates (first: node "
                   f"{int(np.argmax(bad))})")
    return pts


def check_cells(kind: str, conn: np.ndarray, n_points: int, fail) -> None:
    """Connectivity in range and no cell listed twice (same node set)."""
    if conn.ndim != 2 or len(conn) == 0 or conn.dtype.kind not in "iu":
        raise fail(f"the {kind} cells have connectivity of shape {conn.shape} ({conn.dtype})")
    if conn.min() < 0 or conn.max() >= n_points:
        raise fail(f"{kind} cells name nodes outside 0..{n_points - 1} "
                   f"(from {int(conn.min())} to {int(conn.max())})")
    _, first, counts = np.unique(np.sort(conn, 1), axis=0, return_index=True,
                                 return_counts=True)
    if (counts > 1).any():
        k = int(first[np.argmax(counts > 1)])
        raise fail(f"{int((counts > 1).sum())} {kind} cells are listed more than once (first: "
                   f"cell {k}, nodes {conn[k].tolist()}); remove the duplicates")


def simplices(mesh, dim: int, fail: Fail) -> tuple[np.ndarray, np.ndarray]:
    """(node coordinates (P, dim), simplices (S, dim + 1)) of the ``dim``-D cells of a meshio
    mesh, validated (finite nodes, connectivity in range, no repeated cell); quads and
    hexahedra are split into triangles and tetrahedra."""
    blocks = [(c.type, np.asarray(c.data)) for c in mesh.cells if CELL_DIM.get(c.type) == dim]
    if not blocks:
        raise fail(f"the mesh has no {dim}-D cells")
    points = checked_points(mesh.points, dim, fail)
    for kind, conn in blocks:
        check_cells(kind, conn, len(points), fail)
    return points, np.concatenate([conn[:, list(s)] for kind, conn in blocks
                                   for s in SIMPLICES[kind]]).astype(np.int64)
