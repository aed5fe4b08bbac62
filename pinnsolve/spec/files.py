"""Untrusted input files: problem YAML and numeric NPZ, read with size and shape limits.

Both readers end in a :class:`SpecError` naming the file (and key) for anything they refuse:
tags beyond plain YAML, alias bombs, deep nesting, oversized files, pickled or non-numeric
arrays, archives that unpack far beyond their size.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml

from ..errors import SpecError

MAX_FILE_BYTES = 1 << 18       # problem files are small (bundled: < 5 KiB); larger is an
                               # attack or a mistake, and parsing time grows with size
# libyaml's parser where installed (2-3x faster on large hostile files); the constructor is
# SafeConstructor either way.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_NODES = 100_000       # after alias expansion ("billion laughs")
MAX_YAML_DEPTH = 50
MAX_NPZ_BYTES = 1 << 31        # reference and data files
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

    def size(node, depth: int) -> int:
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
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        sizes[id(node)] = total
        if total > MAX_YAML_NODES:
            raise SpecError(f"YAML expands to more than {MAX_YAML_NODES} nodes "
                            "(aliases are counted expanded)", file=file)
        return total

    size(root, 0)


# -- entry ----------------------------------------------------------------------------------


def load_npz(path: Path, file: str, key: str) -> dict[str, np.ndarray]:
    """Load numeric arrays from an .npz without pickle (object arrays are refused)."""
    try:
        info = Path(path).stat()
        if not Path(path).is_file():  # a FIFO or device would block or never end
            raise SpecError(f"'{path}' is not a regular file", file=file, key=key)
        if info.st_size > MAX_NPZ_BYTES:
            raise SpecError(f"'{path}' is {info.st_size} bytes; data files are limited to "
                            f"{MAX_NPZ_BYTES}", file=file, key=key)
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise SpecError("expected an .npz archive of named arrays", file=file, key=key)
        with data:
            # A compressed archive can expand a thousandfold ("zip bomb"): check the sizes
            # its headers declare before reading any member.
            unpacked = sum(i.file_size for i in data.zip.infolist())
            if unpacked > MAX_NPZ_BYTES:
                raise SpecError(f"'{path}' unpacks to {unpacked} bytes; data files are "
                                f"limited to {MAX_NPZ_BYTES}", file=file, key=key)
            out = {}
            for name in data.files:
                arr = data[name]
                if arr.dtype.kind not in "fiu":
                    raise SpecError(f"array '{name}' is not numeric", file=file, key=key)
                out[name] = np.asarray(arr)
            return out
    except SpecError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise SpecError(f"cannot read '{path}' as a numeric .npz ({type(exc).__name__}: "
                        f"{str(exc)[:120]})", file=file, key=key) from None
