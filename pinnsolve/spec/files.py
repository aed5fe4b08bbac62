"""Untrusted input files: problem YAML and numeric NPZ, read with size and shape limits.

Both readers end in a :class:`SpecError` naming the file (and key) for anything they refuse:
tags beyond plain YAML, alias bombs, deep nesting, oversized files, pickled or non-numeric
arrays, archives that unpack far beyond their size.
"""
from __future__ import annotations

import math
import os
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import yaml

from ..errors import SpecError
from .safe_open import CAPS, open_checked

MAX_FILE_BYTES = 1 << 18       # problem files are small (bundled: < 5 KiB); larger is an
                               # attack or a mistake, and parsing time grows with size
# libyaml's parser where installed (2-3x faster on large hostile files); the constructor is
# SafeConstructor either way.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_NODES = 100_000       # after alias expansion ("billion laughs")
MAX_YAML_DEPTH = 50
YAML_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                      ("str", "int", "float", "bool", "null", "seq", "map", "merge"))


# -- YAML -----------------------------------------------------------------------------------
def read_yaml(path: str | os.PathLike) -> dict:
    """Read a problem file with the safe loader, bounded in size, nodes and depth."""
    file = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise SpecError(f"cannot read the problem file ({exc.strerror})", file=file) from None
    if not p.is_file():
        raise SpecError("not a regular file", file=file)
    if size > MAX_FILE_BYTES:
        raise SpecError(f"file is {size} bytes; problem files are limited to {MAX_FILE_BYTES}",
                        file=file)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the problem file as UTF-8 text ({exc})", file=file) from None
    return parse_yaml(text, file=file)


def parse_yaml(text: str, *, file: str = "<text>") -> dict:
    """Parse YAML text safely: no tags that build Python objects, bounded alias expansion."""
    if len(text) > MAX_FILE_BYTES:
        raise SpecError("problem text is too large", file=file)
    loader = None
    try:
        # Inside the try: the reader rejects control characters already when it is made.
        loader = _SAFE_LOADER(text)
        node = loader.get_single_node()
        if node is None:
            raise SpecError("the file is empty; expected a mapping with domain, fields, "
                            "equations and conditions", file=file)
        _check_nodes(node, file)
        try:
            data = loader.construct_document(node)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # PyYAML's constructors fail in their own ways on values such as
            # `!!bool maybe`; all of them mean the same to the user.
            raise SpecError(f"invalid YAML value ({type(exc).__name__}: {str(exc)[:100]})",
                            file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"invalid YAML{where}: {problem}", file=file) from None
    except RecursionError:
        raise SpecError("YAML nests too deeply", file=file) from None
    except (ValueError, OverflowError) as exc:  # e.g. a 5000-digit integer
        raise SpecError(f"invalid YAML value ({str(exc)[:100]})", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise SpecError(f"expected a mapping at the top level, got {type(data).__name__}",
                        file=file)
    return data


def _check_nodes(root, file: str) -> None:
    """Count nodes as if aliases were expanded, without expanding them."""
    sizes: dict[int, int] = {}

    def size(node, depth: int, path: str) -> int:
        if depth > MAX_YAML_DEPTH:
            raise SpecError(f"YAML nests deeper than {MAX_YAML_DEPTH} levels", file=file)
        if id(node) in sizes:
            return sizes[id(node)]
        if node.tag not in YAML_TAGS:
            mark = node.start_mark
            raise SpecError(f"YAML type {node.tag.replace('tag:yaml.org,2002:', '!!')} at line "
                            f"{mark.line + 1} is not allowed in a problem file (only text, "
                            "numbers, true/false, null, lists and mappings; quote dates)",
                            file=file)
        sizes[id(node)] = MAX_YAML_NODES + 1  # a cycle counts as too large
        total = 1
        if isinstance(node, yaml.MappingNode):
            _check_unique_keys(node, file, path)
            for k, v in node.value:
                sub = f"{path}.{k.value}" if isinstance(k, yaml.ScalarNode) else path
                total += size(k, depth + 1, path) + size(v, depth + 1, sub.lstrip('.'))
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                total += size(v, depth + 1, f"{path}.{i}".lstrip('.'))
                if total > MAX_YAML_NODES:
                    break
        sizes[id(node)] = total
        if total > MAX_YAML_NODES:
            raise SpecError(f"YAML expands to more than {MAX_YAML_NODES} nodes "
                            "(aliases are counted expanded)", file=file)
        return total

    size(root, 0, "")


def _check_unique_keys(node: yaml.MappingNode, file: str, path: str) -> None:
    """A key written twice in one mapping is refused: YAML loaders silently keep the last
    value, so a second ``equations:`` would replace the first without a word. Keys are
    compared as written (scalars) after Unicode NFKC folding, as names are."""
    seen: dict[str, yaml.Node] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
            continue  # merge keys (<<) may repeat; complex keys are refused elsewhere
        text = unicodedata.normalize("NFKC", str(k.value))
        if text in seen:
            first = seen[text].start_mark.line + 1
            word = repr(k.value) if text == k.value else f"{k.value!r} (folds to {text!r})"
            split = ""
            if text.count(")") > text.count("(") or text.count("]") > text.count("["):
                # {i: diff(qe, t), j: diff(pe, t)}: YAML cut each expression at its comma
                split = ("; it looks like the end of an expression that YAML split at a "
                         "comma inside {...}: quote the expression, e.g. \"diff(qe, t)\"")
            raise SpecError(f"key {word[:80]} appears twice in one mapping (lines {first} and "
                            f"{k.start_mark.line + 1}); YAML would keep only the last{split}",
                            file=file, key=f"{path}.{text}".lstrip(".")[:160])
        seen[text] = k


# -- entry ----------------------------------------------------------------------------------


def load_npz(path: Path, file: str, key: str, *, nonempty: bool = True) -> dict[str, np.ndarray]:
    """Load numeric arrays from an .npz without pickle, checking every member's header first.

    Each member's ``.npy`` header (shape, dtype) is read before numpy allocates anything:
    object and non-numeric dtypes are refused, and shape × itemsize must fit in the bytes
    the member holds (a header claiming 10^11 values over 8 bytes would otherwise make
    numpy allocate 745 GiB). With ``nonempty`` an array of zero values is refused too:
    data and reference arrays are meaningless empty, and fail late otherwise.
    """
    def fail(message: str) -> SpecError:
        return SpecError(message, file=file, key=key)

    fh = open_checked(path, "data", fail)
    try:
        with fh:
            if not zipfile.is_zipfile(fh):
                raise fail(f"'{path}' is not an .npz archive (a zip of .npy arrays); "
                           "pickled and other formats are refused")
            with zipfile.ZipFile(fh) as archive:
                _check_members(archive, path, fail)
                fh.seek(0)
                data = np.load(fh, allow_pickle=False)
                out = {}
                for name in data.files:
                    arr = np.asarray(data[name])
                    if nonempty and arr.size == 0:
                        raise fail(f"array '{name}' is empty in '{path}'; data and reference "
                                   "arrays need at least one value")
                    out[name] = arr
                return out
    except SpecError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise fail(f"cannot read '{path}' as a numeric .npz ({type(exc).__name__}: "
                   f"{str(exc)[:120]})") from None


def _check_members(archive: zipfile.ZipFile, path, fail) -> None:
    """Refuse an archive whose members declare more than they hold, before reading them."""
    members = archive.infolist()
    if not members:
        raise fail(f"'{path}' holds no arrays")
    # A compressed archive can expand a thousandfold ("zip bomb"): sum the sizes its
    # headers declare (zipfile never inflates a member past its declared size).
    unpacked = sum(i.file_size for i in members)
    if unpacked > CAPS["data"]:
        raise fail(f"'{path}' unpacks to {unpacked} bytes; data files are limited to "
                   f"{CAPS['data']}")
    for info in members:
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if not info.filename.endswith(".npy"):
            raise fail(f"member '{info.filename}' of '{path}' is not an .npy array")
        with archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(member)
            except Exception as exc:  # numpy's header parser fails in many ways
                raise fail(f"array '{name}' in '{path}' has a malformed header "
                           f"({str(exc)[:100]})") from None
            header = member.tell()
        if dtype.hasobject:
            raise fail(f"array '{name}' holds Python objects in '{path}'; pickled arrays are "
                       "refused (save numbers: integers or floats)")
        if dtype.kind not in "fiu":
            raise fail(f"array '{name}' is not numeric (dtype {dtype}; expected integers or "
                       f"floats) in '{path}'")
        declared = math.prod(shape) * dtype.itemsize
        held = info.file_size - header
        if declared != held:
            raise fail(f"array '{name}' in '{path}' declares shape {shape} of {dtype} "
                       f"({declared} bytes) but holds {held} bytes")
