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
   and the inflated size of every compressed block are bounded, in time linear in the
   file's size; gmsh files are walked as meshio will read them and every count meshio
   allocates by (node tags, nodes, blocks, physical names × blocks, data items) is bounded;
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
import shlex
import tempfile
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import meshio
import numpy as np
# meshio's own tables, so that the gmsh walk advances exactly as its reader does.
from meshio._common import num_nodes_per_cell
from meshio.gmsh.common import _gmsh_to_meshio_type

from .safe_open import CAPS, Fail, check_regular, inside, read_checked

MAX_POINTS = 10_000_000         # nodes and cells a mesh may declare (a 10^6-node mesh is
MAX_CELLS = 50_000_000          # large for a PINN: points are only sampled from it)
MAX_BLOCKS = 100_000            # compressed blocks in one VTU file (meshio: ~1 ms each);
                                # sections, entities and blocks in one gmsh file


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
    # Inflated bytes, blocks, and bytes of the file read (base64 characters decoded, raw
    # bytes copied) left over all arrays. The last keeps the check linear: arrays that
    # share bytes (appended offsets pointing at one blob) cannot make it decode the file
    # over and over; genuine arrays never overlap, so they read each byte about once.
    budget = [CAPS["mesh"], MAX_BLOCKS, 2 * len(data) + 4096]
    for array in root.iter("DataArray"):
        fmt = array.get("format", "ascii")
        if fmt == "binary":
            text = (array.text or "").strip().encode("ascii", "replace")
            _check_blocks(_Base64Array(text, 0), header, compressor, budget, fail)
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
            source = (_Base64Array if encoding == "base64" else _RawArray)(raw, offset)
            _check_blocks(source, header, compressor, budget, fail)
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


def _b64_chars(n: int) -> int:
    """Base64 characters that encode ``n`` bytes."""
    return -(-n // 3) * 4


class _Base64Array:
    """One compressed array in base64 from ``text[begin:]``, header and blocks encoded apart
    (VTK's convention), decoded as meshio does: the header from its start, the blocks from
    the first character after the header's."""

    def __init__(self, text: bytes, begin: int):
        self.text, self.begin = text, begin

    def header(self, n: int) -> bytes:
        """The first ``n`` decoded header bytes (fewer if the text ends)."""
        return base64.b64decode(self.text[self.begin:self.begin + _b64_chars(n)] + b"==")[:n]

    def blocks(self, header: int, n: int, budget: list) -> bytes:
        """The first ``n`` bytes after a header of ``header`` bytes, decoded once.

        meshio decodes everything up to the end of the text; the same bytes come from the
        characters that encode ``n`` bytes, unless characters base64 skips (line breaks)
        sit among them: only then is the rest of the text decoded too.
        """
        start = self.begin + _b64_chars(header)
        stop = start + _b64_chars(n)
        out = base64.b64decode(_charged(self.text[start:stop], budget) + b"==")
        if len(out) < n and stop < len(self.text):
            out = base64.b64decode(_charged(self.text[start:], budget) + b"==")
        return out[:n]


class _RawArray:
    """One compressed array in raw appended bytes from ``raw[begin:]``."""

    def __init__(self, raw: bytes, begin: int):
        self.raw, self.begin = raw, begin

    def header(self, n: int) -> bytes:
        return self.raw[self.begin:self.begin + n]

    def blocks(self, header: int, n: int, budget: list) -> bytes:
        start = self.begin + header
        return _charged(self.raw[start:start + n], budget)


class _Overlap(Exception):
    """The arrays' blocks would be read more than twice the file's size."""


def _charged(chunk: bytes, budget: list) -> bytes:
    """``chunk``, its length taken from the file-read budget (``budget[2]``)."""
    budget[2] -= len(chunk)
    if budget[2] < 0:
        raise _Overlap
    return chunk


def _check_blocks(source, header: np.dtype, compressor: str, budget: list,
                  fail: Fail) -> None:
    """Inflate every block of one compressed array, bounded: the block count, each block's
    declared size, the total inflated bytes and the bytes read (over the file) stay within
    ``budget``. The array's blocks are decoded once and sliced, so the check is linear in
    the file's size."""
    size = header.itemsize
    try:
        count = int(np.frombuffer(source.header(size), header)[0])
        if count > budget[1]:
            raise fail(f"the VTU declares {count} compressed blocks in one array; at most "
                       f"{budget[1]} remain of {MAX_BLOCKS} per file")
        budget[1] -= count
        head = np.frombuffer(source.header(size * (3 + count)), header).astype(np.int64)
        if len(head) != 3 + count:
            raise fail("a VTU compressed array header is truncated")
        block, lengths = int(head[1]), head[3:]
        if (lengths < 0).any():
            raise fail("a VTU compressed array header declares a negative block length")
        blob = source.blocks(size * (3 + count), sum(lengths.tolist()), budget)
        start = 0
        for n in lengths.tolist():
            packed = blob[start:start + n]
            start += n
            inflate = _INFLATE[compressor]()
            limit = min(block, budget[0]) + 1
            out = inflate.decompress(packed, limit)
            if len(out) > block or len(out) >= limit:
                raise fail(f"a VTU block inflates beyond its declared {block} bytes or the "
                           f"{CAPS['mesh']}-byte cap on inflated mesh data")
            budget[0] -= len(out)
    except _Overlap:
        raise fail("the VTU's compressed arrays share their bytes (appended offsets point "
                   "into one another): checking them would read the file more than twice "
                   "over; write each array once (meshio or ParaView do)") from None
    except (ValueError, IndexError, TypeError, zlib.error, lzma.LZMAError,
            base64.binascii.Error) as exc:
        raise fail(f"a VTU compressed array is malformed ({type(exc).__name__}: "
                   f"{str(exc)[:100]})") from None


# -- gmsh -----------------------------------------------------------------------------------
# meshio's gmsh readers size arrays by what the file says, before reading what it holds:
# an index table as long as the largest node tag (a 200-byte file with node 10^9 costs
# 4 GB), np.empty(nodes declared), [None] * element blocks and np.arange(elements) per
# physical name (cell sets), and loops over declared tag counts that run on past the end
# of the file. _check_msh walks the file as meshio will (the same sections, the same
# values in the same order, each value parsed as numpy parses it) and bounds each of those
# first. Where meshio would stop on a value the walk reads differently (a token numpy does
# not take as an integer), meshio fails there before allocating, so agreeing up to that
# point is enough.
MAX_NAME_BYTES = 1 << 20        # $PhysicalNames text: meshio splits each line with shlex
MAX_NAME_CHECKS = 10_000_000    # physical names × element blocks meshio's MSH 4.1 compares

_TAG_LINES = 256                # string, real, integer tags of a $NodeData (gmsh: 1, 1, 3)
_C_INT, _C_DOUBLE = np.dtype("i4"), np.dtype("f8")
# Bytes of the UTF-8 forms of the characters str.strip() removes (none lies above U+3000):
# a run of blank lines, as meshio tells them, is made of these bytes only.
_SPACE_BYTES = re.compile(b"[" + re.escape(bytes(sorted({
    b for c in range(0x3001) if chr(c).isspace() for b in chr(c).encode()}))) + b"]*")


def _check_msh(data: bytes, folder: Path, tmp: Path, fail: Fail) -> bytes:
    """Bound what meshio's gmsh reader allocates; the bytes pass unchanged."""
    walk = _MshWalk(data, fail)
    version = walk.header()
    if version is None:
        return data                     # meshio refuses the header before reading on
    read = {"PhysicalNames": _MshWalk.physical_names, "NodeData": _MshWalk.data,
            "ElementData": _MshWalk.data}
    if version == "4.1":
        read.update(Entities=_MshWalk.entities, Nodes=_MshWalk.nodes41,
                    Elements=_MshWalk.elements41, Periodic=_MshWalk.periodic41)
    else:   # 2.2's $Periodic is read line by line: every line must hold integers
        read.update(Nodes=_MshWalk.nodes22, Elements=_MshWalk.elements22)
    while (name := walk.section()) is not None:
        read.get(name, _MshWalk.end)(walk, name)
    return data


class _MshWalk:
    """A cursor that reads a gmsh file the way meshio's reader does: lines, then counted
    values (ASCII tokens or binary records)."""

    def __init__(self, data: bytes, fail: Fail):
        self.data, self.pos, self.fail = data, 0, fail
        self.ascii, self.size_t = True, np.dtype("u8")
        self.name, self.start = "$MeshFormat", 0        # section being read, for messages
        self.tokens: _Tokens | None = None
        self.items = MAX_BLOCKS             # sections, entities, blocks, links, physicals
        self.names: dict[str, tuple[int, int]] = {}     # physical name -> (tag, dimension)
        self.physicals: dict[tuple[int, int], list] | None = None   # (dim, entity) -> tags

    # -- reading ---------------------------------------------------------------------------
    def refuse(self, message: str) -> Exception:
        lines = self.data.count(b"\n", 0, self.start)
        where = f"line {lines + 1}" if self.ascii else f"byte {self.start}"
        return self.fail(f"gmsh {self.name} section ({where}): {message}")

    def line(self) -> str:
        """The next line, as meshio's ``f.readline().decode()``; '' at the end."""
        stop = self.data.find(b"\n", self.pos)
        stop = len(self.data) if stop < 0 else stop + 1
        raw, self.pos = self.data[self.pos:stop], stop
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise self.refuse("a line is not UTF-8 text") from None

    def number(self, what: str, cap: int) -> int:
        """An integer on a line of its own (meshio: ``int(f.readline().decode())``)."""
        text = self.line()
        try:
            value = int(text)
        except ValueError:
            raise self.refuse(f"expected the number of {what} on a line of its own, found "
                              f"'{text.strip()[:40]}'") from None
        return self.count(value, what, cap)

    def count(self, value, what: str, cap: int, why: str = "") -> int:
        """``value`` as an int, refused unless a whole number in 0..cap."""
        if not 0 <= value <= cap or value != int(value):
            raise self.refuse(f"the number of {what} is {_shown(value)}; expected a whole "
                              f"number from 0 to {cap}{why}")
        return int(value)

    def item(self, n: int = 1) -> None:
        self.items -= n
        if self.items < 0:
            raise self.refuse(f"the file holds more than {MAX_BLOCKS} sections, entities, "
                              "physical tags, node or element blocks and periodic links")

    def values(self, n: int, dtype: np.dtype, keep: bool = True, stride: int = 1):
        """The next ``n`` values meshio reads with ``np.fromfile`` (every ``stride``-th
        kept, as float64), or None when not kept; refused if the section holds fewer."""
        if self.ascii:
            out = self.tokens.take(n, keep, stride)
            if isinstance(out, str):
                raise self.refuse(out)
            return out
        stop = self.pos + n * dtype.itemsize
        if stop > len(self.data):
            raise self.refuse(f"the section declares {n} values of {dtype.itemsize} bytes; "
                              f"the file ends {stop - len(self.data)} bytes short of them")
        out = np.frombuffer(self.data, dtype, n, self.pos)[::stride] if keep else None
        self.pos = stop
        return None if out is None else out.astype(np.float64)

    def one(self, dtype: np.dtype) -> float:
        return float(self.values(1, dtype)[0])

    def ints(self, n: int) -> list[int]:
        """The next ``n`` C ints (entity tags, dimensions, element types)."""
        v = self.values(n, _C_INT)
        if not (v == np.floor(v)).all():       # NaN and inf fail too
            raise self.refuse("expected integers (entity tags, dimensions, types)")
        return [int(x) for x in v]

    def begin(self) -> None:
        """Values follow: ASCII ones are the tokens up to the section's end line."""
        if self.ascii:
            stop, after = self.find_end()
            self.tokens = _Tokens(self.data, self.pos, stop)
            self.after = after

    def end(self, name: str | None = None) -> None:
        """Skip to after the section's end line, as meshio does once it has read it."""
        if self.ascii and self.tokens is not None:
            self.pos, self.tokens = self.after, None
        else:
            self.pos = self.find_end()[1]

    def find_end(self) -> tuple[int, int]:
        """(start, stop) of the first line from the cursor that reads ``$End<name>`` once
        decoded and stripped (meshio's ``_fast_forward_to_end_block``), or the file's end."""
        marker = "$End" + self.name[1:]
        target, at = marker.encode(), self.pos
        while (i := self.data.find(target, at)) >= 0:
            start = max(self.data.rfind(b"\n", at, i) + 1, at)
            stop = self.data.find(b"\n", i)
            stop = len(self.data) if stop < 0 else stop + 1
            try:
                if self.data[start:stop].decode().strip() == marker:
                    return start, stop
            except UnicodeDecodeError:
                pass
            at = stop               # the next line: each byte is looked at about once
        return len(self.data), len(self.data)

    # -- structure -------------------------------------------------------------------------
    def header(self) -> str | None:
        """'2.2' or '4.1' (the reader meshio picks), the cursor after $EndMeshFormat; None
        where meshio refuses the header itself."""
        text = self.line().strip()
        while text == "$Comments":
            self.name = "$Comments"
            self.pos = self.find_end()[1]
            text = self.line().strip()
        self.name = "$MeshFormat"
        parts = self.line().split()
        if text != "$MeshFormat" or len(parts) < 3 or parts[1] not in ("0", "1"):
            return None
        version = parts[0] if parts[0] in ("2", "2.2", "4.0", "4", "4.1") else \
            parts[0].split(".")[0]
        if version == "4.0":
            raise self.refuse("MSH 4.0 is not read; save the mesh as MSH 4.1 or 2.2")
        version = {"2": "2.2", "2.2": "2.2", "4": "4.1", "4.1": "4.1"}.get(version)
        try:
            size = int(parts[2])
        except ValueError:
            return None
        if version is None:
            return None
        try:
            self.size_t = np.dtype(f"u{size}")
        except TypeError:
            if version == "4.1":        # the MSH 2.2 reader never uses it
                raise self.refuse(f"data-size {size} is not 1, 2, 4 or 8 (bytes in a "
                                  "size_t; gmsh writes 8)") from None
        self.ascii = parts[1] == "0"
        if not self.ascii:
            if self.pos + 4 > len(self.data) or \
                    np.frombuffer(self.data, _C_INT, 1, self.pos)[0] != 1:
                return None             # meshio checks the byte order this way
            self.pos += 4
        self.end()
        return version

    def section(self) -> str | None:
        """The next section's name (meshio skips blank lines before it); None at the end."""
        # meshio reads blank lines one by one (its own loop, ~1 µs each); the walk finds
        # their end in C: the whitespace run's bytes, decoded, stripped as text.
        run = self.data[self.pos:_SPACE_BYTES.match(self.data, self.pos).end()]
        text = run.decode(errors="replace")
        stop = self.pos + len(text[:len(text) - len(text.lstrip())].encode())
        if stop == len(self.data):
            return None
        self.pos = max(self.data.rfind(b"\n", self.pos, stop) + 1, self.pos)
        text = self.line()
        if text[0] != "$":
            raise self.refuse(f"after this section, expected a line such as '$Nodes' (a "
                              f"section begins with '$'), found {text.rstrip()[:40]!r}")
        self.start = self.pos - len(text.encode())
        self.name = "$" + text[1:].strip()
        self.item()
        return text[1:].strip()

    def physical_names(self, name: str) -> None:
        first = self.pos
        for _ in range(self.number("physical names", MAX_NAME_BYTES)):
            text = self.line()
            if self.pos - first > MAX_NAME_BYTES:
                raise self.refuse(f"the physical names take more than {MAX_NAME_BYTES} bytes")
            try:
                parts = shlex.split(text)
                self.names[parts[2]] = (int(parts[1]), int(parts[0]))
            except (ValueError, IndexError):
                raise self.refuse(f"expected 'dimension tag \"name\"', found "
                                  f"'{text.strip()[:40]}'") from None
        self.end()

    def data(self, name: str) -> None:
        """$NodeData / $ElementData: tag lines, then items × (1 + components) values."""
        for what in ("string", "real"):
            for _ in range(self.number(f"{what} tags", _TAG_LINES)):
                if not self.line():
                    raise self.refuse(f"the file ends before the {what} tags it declares")
        ints = []
        for _ in range(self.number("integer tags", _TAG_LINES)):
            ints.append(self.line())
            if not ints[-1]:
                raise self.refuse("the file ends before the integer tags it declares")
        try:
            components, items = int(ints[1]), int(ints[2])
        except (ValueError, IndexError):
            raise self.refuse("expected integer tags 'step, components, items'") from None
        components = self.count(components, "components", len(self.data))
        items = self.count(items, "data items", max(MAX_POINTS, MAX_CELLS))
        if self.ascii:      # numeric tokens: at least two bytes each, up to the end line
            room = (self.find_end()[0] - self.pos + 1) // 2
            self.count(items * (1 + components), "values", room,
                       " (the values that fit in the section's text)")
        else:
            self.values(items * (_C_INT.itemsize + components * _C_DOUBLE.itemsize),
                        np.dtype("u1"), keep=False)
        self.end()

    def tags(self, tags: np.ndarray) -> None:
        bad = ~((tags >= 1) & (tags <= MAX_POINTS) & (tags == np.floor(tags)))
        if bad.any():
            raise self.refuse(
                f"node tag {_shown(tags[np.argmax(bad)])} is outside 1..{MAX_POINTS}: meshio "
                "allocates a table as long as the largest tag, so tags must be whole "
                f"numbers from 1 to {MAX_POINTS}; renumber the nodes from 1 (gmsh renumbers "
                "when it saves a mesh) or convert the mesh to VTU")

    def nodes22(self, name: str) -> None:
        n = self.number("nodes", MAX_POINTS)
        self.begin()
        if self.ascii:                  # lines 'tag x y z': tags parsed as floats
            self.tags(self.values(4 * n, _C_DOUBLE, stride=4))
        else:                           # meshio requires the tags to be 1..n
            self.values(n * (_C_INT.itemsize + 3 * _C_DOUBLE.itemsize), np.dtype("u1"),
                        keep=False)
        self.end()

    def elements22(self, name: str) -> None:
        total = self.number("elements", MAX_CELLS)
        if not self.ascii:              # ASCII: one line per element, read line by line
            seen = 0
            while seen < total:
                kind, n, ntags = self.ints(3)
                self.item()
                n = self.count(n, "elements in a group", MAX_CELLS)
                ntags = self.count(ntags, "tags per element", len(self.data))
                self.values(n * (1 + ntags + self.nodes_per(kind)), _C_INT, keep=False)
                seen += n
        self.end()

    def nodes_per(self, kind: int) -> int:
        """Nodes of a gmsh element type, by meshio's tables."""
        n = num_nodes_per_cell.get(_gmsh_to_meshio_type.get(int(kind), ""))
        if n is None:
            raise self.refuse(f"element type {kind} is not one meshio reads")
        return n

    def entities(self, name: str) -> None:
        self.begin()
        self.physicals = {}
        for dim, n in enumerate(self.values(4, self.size_t)):
            for _ in range(self.count(n, f"{dim}-D entities", self.items, _LEFT)):
                self.item()
                tag = self.ints(1)[0]
                self.values(3 if dim == 0 else 6, _C_DOUBLE, keep=False)
                k = self.count(self.one(self.size_t), "physical tags", self.items, _LEFT)
                self.item(k)
                self.physicals[dim, tag] = self.ints(k)
                if dim > 0:
                    k = self.count(self.one(self.size_t), "bounding entities", len(self.data))
                    self.values(k, _C_INT, keep=False)
        self.end()

    def nodes41(self, name: str) -> None:
        self.begin()
        blocks, total = self.values(4, self.size_t)[:2]
        blocks = self.count(blocks, "node blocks", self.items, _LEFT)
        total = self.count(total, "nodes", MAX_POINTS)
        seen = 0
        for _ in range(blocks):
            self.item()
            if self.ints(3)[2] != 0:
                raise self.refuse("parametric nodes are not read; save the mesh without "
                                  "parametric coordinates")
            n = self.count(self.one(self.size_t), "nodes in a block", total - seen,
                           " (the nodes the section declares, less earlier blocks')")
            self.tags(self.values(n, self.size_t))
            self.values(3 * n, _C_DOUBLE, keep=False)
            seen += n
        if seen != total:   # meshio fills np.empty(total): unread rows would be garbage tags
            raise self.refuse(f"declares {total} nodes but its blocks hold {seen}")
        self.end()

    def elements41(self, name: str) -> None:
        self.begin()
        blocks = self.count(self.values(4, self.size_t)[0], "element blocks", self.items,
                            _LEFT)
        # meshio builds [None] * blocks per physical name, then compares every name with
        # every block, and gives each name whose group holds a block an np.arange of it.
        checks, cells, members = len(self.names) * blocks, 0, 0
        by_dim: dict[int, list[int]] = {}
        for tag, dim in self.names.values():
            by_dim.setdefault(dim, []).append(tag)
        for _ in range(blocks):
            self.item()
            dim, entity, kind = self.ints(3)
            n = self.count(self.one(self.size_t), "elements in a block", MAX_CELLS - cells,
                           f" ({MAX_CELLS} elements per file, less earlier blocks')")
            if not 0 <= dim <= 3:
                raise self.refuse(f"an element block has dimension {dim}; expected 0 to 3")
            physical = (self.physicals or {}).get((dim, entity))
            if physical and by_dim.get(dim):
                checks += len(by_dim[dim]) * len(physical)
                group = set(physical)
                members += n * sum(tag in group for tag in by_dim[dim])
            if checks > MAX_NAME_CHECKS or members > MAX_CELLS:
                raise self.refuse(
                    f"{len(self.names)} physical names over {blocks} element blocks: meshio "
                    f"would compare them more than {MAX_NAME_CHECKS} times or list more "
                    f"than {MAX_CELLS} cells in its cell sets; merge element blocks or "
                    "drop unused physical names")
            self.values(n * (1 + self.nodes_per(kind)), self.size_t, keep=False)
            cells += n
        self.end()

    def periodic41(self, name: str) -> None:
        self.begin()
        for _ in range(self.count(self.one(self.size_t), "periodic links", self.items,
                                  _LEFT)):
            self.item()
            self.values(3, _C_INT, keep=False)
            k = self.count(self.one(self.size_t), "affine values", len(self.data))
            self.values(k, _C_DOUBLE, keep=False)
            k = self.count(self.one(self.size_t), "periodic nodes", len(self.data))
            self.values(2 * k, self.size_t, keep=False)
        self.end()


class _Tokens:
    """The whitespace-separated values of an ASCII section, split a slice (~1 MiB) at a
    time: numpy's text reader, which meshio uses, splits on the same six characters."""

    def __init__(self, data: bytes, start: int, stop: int):
        self.data, self.at, self.stop = data, start, stop
        self.buf: list[bytes] = []
        self.i = 0

    def take(self, n: int, keep: bool, stride: int):
        """The next ``n`` tokens (every ``stride``-th parsed as float64 if ``keep``), or
        a message saying why not."""
        kept, done = [], 0      # kept: float64 arrays, one per slice
        while done < n:
            if self.i == len(self.buf):
                if self.at >= self.stop:
                    return f"the section ends before the {n} values it declares"
                cut = min(self.at + (1 << 20), self.stop)
                space = _SPACE.search(self.data, cut, self.stop) if cut < self.stop else None
                cut = space.start() if space else self.stop
                self.buf, self.i, self.at = self.data[self.at:cut].split(), 0, cut
                continue
            k = min(n - done, len(self.buf) - self.i)
            if keep:
                chosen = self.buf[self.i + (-done) % stride:self.i + k:stride]
                try:
                    kept.append(np.fromstring(b" ".join(chosen), sep=" "))
                except ValueError:
                    return "a value is not a number"
            self.i, done = self.i + k, done + k
        return np.concatenate(kept) if kept else (np.zeros(0) if keep else None)


_SPACE = re.compile(rb"\s")
_LEFT = f" (what remains of {MAX_BLOCKS} sections, entities, tags and blocks per file)"


def _shown(value) -> str:
    """A declared number as written: 1000000000, not 1e+09; a very long one shortened."""
    if not isinstance(value, (int, np.integer)):
        value = float(value)
        value = int(value) if value.is_integer() else value
    text = str(value) if isinstance(value, (int, np.integer)) else f"{value:g}"
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} digits)"


def _unchanged(data: bytes, folder: Path, tmp: Path, fail: Fail) -> bytes:
    """Formats that reference no other file; the size cap is their bound."""
    return data


class _Format:
    def __init__(self, meshio_name: str, check):
        self.meshio, self.check = meshio_name, check


FORMATS = {".vtu": _Format("vtu", _check_vtu), ".vtk": _Format("vtk", _unchanged),
           ".msh": _Format("gmsh", _check_msh), ".xdmf": _Format("xdmf", _check_xdmf),
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
