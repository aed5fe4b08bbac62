"""Atomic file writes: a reader (or a resumed run) sees the old file or the complete new
one, never a truncated file.

Each writer fills a uniquely named hidden temporary file next to the target, fsyncs it and
renames it into place with ``os.replace``; a failure of any kind removes the temporary file.
File-system problems are raised as ``RunError`` carrying the target path.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import RunError

PathLike = str | os.PathLike

def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename).

    The parent directory must exist; it is not created. If ``path`` is a symlink, the link
    itself is replaced. The new file gets the usual permissions (``0o666`` minus umask).

    Args:
        path: target file.
        data: complete new content.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        RunError: the directory is missing or not writable, the disk is full, etc.
    """

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return atomic_write_with(path, "", write)


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; see :func:`atomic_write_bytes`.

    Args:
        path: target file.
        text: complete new content, written as-is (no newline translation).
        encoding: text encoding.

    Returns:
        ``path`` as a ``Path``.
    """
    return atomic_write_bytes(path, text.encode(encoding))


def write_npz(path: PathLike, /, **arrays: np.ndarray) -> Path:
    """Atomic ``np.savez`` (uncompressed) to exactly ``path`` (no ``.npz`` is appended).

    Args:
        path: target file.
        **arrays: arrays stored under their keyword names.

    Returns:
        ``path`` as a ``Path``.
    """

    def write(tmp: Path) -> None:
        # Saving through a file object stops numpy from appending ".npz" to the temp name.
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_write_with(path, ".npz", write)


def atomic_write_with(path: PathLike, suffix: str, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp)`` on a fresh temp file next to ``path``, then move it into place.

    The building block of every other writer: use it for libraries that write to a path
    (meshio, matplotlib).

    Args:
        path: target file.
        suffix: extension for the temp name; writers such as meshio choose the format
            from it.
        write: fills the (already existing, empty) temp file.

    Returns:
        ``path`` as a ``Path``.
    """
    path = Path(path)
    tmp = _reserve_temp_file(path, suffix)
    done = False
    try:
        write(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise RunError(f"cannot write file: {exc}", path=str(path)) from exc
    finally:
        # Also on KeyboardInterrupt or a writer's own exception: never leave debris.
        if not done:
            _unlink_quietly(tmp)
    fsync_dir(path.parent)
    return path


def _reserve_temp_file(path: Path, suffix: str) -> Path:
    """Create an empty, uniquely named hidden file ``.<name>.tmp-<hex><suffix>`` next to path.

    ``os.open(..., O_EXCL, 0o666)`` is used rather than ``tempfile.mkstemp`` because mkstemp
    creates mode 0600 files, which would make every renamed result private to its owner.
    """
    for _ in range(100):
        candidate = path.parent / f".{path.name}.tmp-{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise RunError(
                f"cannot create a file next to the target: {exc}", path=str(path)
            ) from exc
        os.close(fd)
        return candidate
    raise RunError("could not find a free temporary file name", path=str(path))


def fsync_path(path: Path) -> None:
    """Flush a closed file's data to disk (the writer may have been a library)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable; best effort, as some file systems refuse directory fsync."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
