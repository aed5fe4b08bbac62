"""An exclusive, non-blocking lock on a run directory (``RUN/.lock``).

Two processes training into one directory would interleave every row of
``metrics.jsonl`` and overwrite each other's checkpoints. ``fcntl.flock`` on ``RUN/.lock``
is held for the whole solve; the second process gets a ``RunError`` naming the holder
(process id and start time, written into the file by the holder). The kernel releases a
flock when its holder dies, however it dies, so a lock file left by a killed process never
blocks: the file stays, the lock does not. The file is never deleted (deleting it would let
a third process lock a new inode while the second still holds the old one).
"""
from __future__ import annotations

import errno
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import RunError

try:
    import fcntl
except ImportError:   # pragma: no cover - Windows: no flock; runs are not locked there
    fcntl = None

LOCK_NAME = ".lock"


def _open(path: Path) -> int:
    """The lock file's descriptor (created if missing, never through a link or a FIFO)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    if os.path.islink(path):   # refused before any open is attempted (O_NOFOLLOW covers a race)
        raise RunError("is a symbolic link; remove it", path=str(path))
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        why = "is a symbolic link; remove it" if exc.errno == errno.ELOOP else \
            f"cannot open the lock file: {exc.strerror or exc}"
        raise RunError(why, path=str(path)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RunError("is not a regular file; remove it", path=str(path))
    return fd


def _holder(fd: int) -> str:
    """'process PID since TIME (on HOST)' from the lock file, or a plain fallback when the
    holder has not written it yet (it writes right after locking)."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").split()
        pid, since, host = text[0], float(text[1]), text[2] if len(text) > 2 else "?"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since))
        return f"process {int(pid)} since {when}" + (
            f" on {host}" if host != os.uname().nodename else "")
    except (OSError, ValueError, IndexError):
        return "another process"


@contextmanager
def hold(directory: str | os.PathLike) -> Iterator[Path]:
    """Hold the run lock of ``directory`` (which must exist) for the ``with`` block.

    Yields:
        The lock file's path.

    Raises:
        RunError: another process holds the lock ("run directory R is in use by process
            PID since TIME"), or the lock file is a link / not a regular file.
    """
    directory = Path(directory)
    path = directory / LOCK_NAME
    fd = _open(path)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunError(f"run directory {directory} is in use by {_holder(fd)}; wait for "
                               "it to finish or use another --out", path=str(directory)) from None
            except OSError as exc:   # e.g. a file system without flock: say so, do not guess
                raise RunError(f"cannot lock the run directory: {exc.strerror or exc}",
                               path=str(path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {time.time():.3f} {os.uname().nodename}\n".encode(), 0)
        yield path
    finally:
        # Closing the descriptor releases the flock; the file content is left as a record.
        os.close(fd)


@contextmanager
def try_hold(directory: str | os.PathLike) -> Iterator[bool]:
    """Like :func:`hold`, but yields False instead of raising when the lock is taken (or
    cannot be taken at all): for readers that only want to tidy up when nobody writes."""
    try:
        ctx = hold(directory)
        ctx.__enter__()
    except RunError:
        yield False
        return
    try:
        yield True
    finally:
        ctx.__exit__(None, None, None)
