"""Atomic file writes: a reader (or a resumed run) sees the old file or the complete new
one, never a truncated file.

Each writer fills a uniquely named hidden temporary file next to the target, fsyncs it and
renames it into place with ``os.replace``; a failure of any kind removes the temporary file.
File-system problems are raised as ``RunError`` carrying the target path.

Links: a run directory is written, never written *through*. A target that is a symbolic
link is refused (replacing it would hide the plant, following it would write outside), the
temporary file is created with ``O_EXCL | O_NOFOLLOW``, appends open with ``O_NOFOLLOW``, and
:func:`safe_dir` refuses a link or a file anywhere on the way from the run directory down
to the directory written into. Temporary names follow one pattern (:data:`STALE`) so that
the debris of a process killed mid-write (SIGKILL, SIGTERM) is recognised and removed on
the next start (:func:`clean_stale`).
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import RunError

PathLike = str | os.PathLike

def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename).

    The parent directory must exist; it is not created. A ``path`` that is a symbolic link
    is refused. The new file gets the usual permissions (``0o666`` minus umask).

    Args:
        path: target file.
        data: complete new content.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        RunError: the directory is missing or not writable, the disk is full, the target is
            a symbolic link, etc.
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
    refuse_link(path)
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
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise RunError(
                f"cannot create a file next to the target: {exc}", path=str(path)
            ) from exc
        os.close(fd)
        return candidate
    raise RunError("could not find a free temporary file name", path=str(path))


def temp_dir(path: Path) -> Path:
    """Create a hidden directory ``.<name>.tmp-<hex>`` next to ``path`` (for writers that
    produce several files, renamed into place one by one); :func:`clean_stale` knows it."""
    for _ in range(100):
        candidate = path.parent / f".{path.name}.tmp-{secrets.token_hex(4)}"
        try:
            os.mkdir(candidate)
        except FileExistsError:
            continue
        except OSError as exc:
            raise RunError(f"cannot create a temporary directory next to the target: {exc}",
                           path=str(path)) from exc
        return candidate
    raise RunError("could not find a free temporary directory name", path=str(path))


def refuse_link(path: Path) -> None:
    """RunError when ``path`` exists as a symbolic link (it is never replaced or followed)."""
    if os.path.islink(path):
        raise RunError("is a symbolic link; pinnsolve never writes through a link in a run "
                       "directory (it could point outside): remove the link", path=str(path))


def append_text(path: PathLike, text: str, encoding: str = "utf-8") -> None:
    """Append ``text`` to the regular file ``path`` (created if missing), never through a link.

    ``O_NOFOLLOW`` refuses a link as the final component (a planted ``metrics.jsonl`` → an
    outside path that does not exist yet would otherwise be *created* there); ``O_NONBLOCK``
    keeps a planted FIFO from blocking the open, and the ``fstat`` check refuses it.

    Raises:
        RunError: the path is a link or not a regular file, or the write fails (full disk).
    """
    path = Path(path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            refuse_link(path)
        raise RunError(f"cannot open for appending: {exc.strerror or exc}", path=str(path)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RunError("is not a regular file (a FIFO, device or directory?); remove it",
                           path=str(path))
        data = text.encode(encoding)
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError as exc:
        raise RunError(f"cannot append: {exc.strerror or exc}", path=str(path)) from None
    finally:
        os.close(fd)


def safe_dir(root: PathLike, *parts: str, create: bool = True) -> Path:
    """``root/parts...`` as a real directory inside ``root``: every component below ``root``
    exists (created when ``create``), is a directory and is not a symbolic link.

    ``root`` itself may be a link (the user named it); what lies *inside* it is checked.
    Checking before writing closes the planted-link hole: a later atomic write creates its
    temporary file with ``O_EXCL | O_NOFOLLOW`` in this directory and renames it there.

    Raises:
        RunError: naming the component that is a link, a file, or cannot be created.
    """
    path = Path(root)
    for part in parts:
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                return path
            try:
                os.mkdir(path)
            except FileExistsError:   # created meanwhile: check it below
                st = os.lstat(path)
            except OSError as exc:
                raise RunError(f"cannot create directory: {exc.strerror or exc}",
                               path=str(path)) from None
            else:
                continue
        except OSError as exc:
            raise RunError(f"cannot inspect: {exc.strerror or exc}", path=str(path)) from None
        if stat.S_ISLNK(st.st_mode):
            refuse_link(path)
        if not stat.S_ISDIR(st.st_mode):
            raise RunError("is a file, but the run directory needs a directory here; move or "
                           "remove it", path=str(path))
    return path


# ``.<name>.tmp-<8 hex>[suffix]``: temp files and directories of this module;
# ``.<name>.staged-<pid>``: checkpoint rotation; ``.<name>.old-<8 hex>``: directory swaps.
STALE = re.compile(r"^\..+\.(tmp-[0-9a-f]{8}.*|staged-\d+|old-[0-9a-f]{8})$")


def clean_stale(directory: PathLike) -> list[Path]:
    """Remove the temporary files and directories a killed writer left in ``directory``
    (names matching :data:`STALE` only; links are unlinked, never followed).

    Call it only while no other process writes there (under the run lock, io/lock.py).

    Returns:
        The paths removed.
    """
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not STALE.match(entry.name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass   # best effort: what cannot go now is tried again at the next start
    return removed


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
