"""One door for every file pinnsolve reads after the problem text: regular files only, capped.

Meshes, the files a mesh references, data and reference NPZ archives, ``output.mesh``,
``export --mesh`` and checkpoints all come from places a problem file names, so they are
untrusted. :func:`open_checked` opens them without blocking and refuses what is not a
regular file (a FIFO would block forever, a device never ends, a directory is a mistake)
or is larger than the cap of its kind. The checks run on the *opened* descriptor
(``fstat``), so a path swapped between check and open cannot slip past them.

Failures are raised through ``fail(message)``, a callable the caller supplies that builds
its located error (``SpecError`` with file and key, or ``RunError`` with a path).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable

# Bytes allowed per kind of file. Meshes are parsed into Python objects several times their
# size, so their cap is lower than the numeric archives'. Change them here (or in a test
# with monkeypatch); every reader looks them up at call time.
CAPS: dict[str, int] = {
    "mesh": 256 << 20,          # a 10^6-node tetrahedral VTU is ~60 MiB
    "mesh data": 1 << 30,       # binary / HDF5 arrays an XDMF mesh references
    "data": 1 << 31,            # data and reference .npz archives
    "checkpoint": 4 << 30,      # checkpoints/last.pt of a large model with optimizer state
    "run": 256 << 20,           # config.yaml, env.json, metrics.json(l) of a run directory
}

Fail = Callable[[str], Exception]

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISDIR, "a directory"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _what(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str | os.PathLike, kind: str, fail: Fail, *,
                  follow_links: bool = True) -> int:
    """Size of ``path`` after checking, without opening it, that it is a regular file
    within the cap of ``kind`` (and, with ``follow_links=False``, not a symbolic link).
    Raises ``fail(...)`` otherwise."""
    try:
        info = os.stat(path) if follow_links else os.lstat(path)
    except OSError as exc:
        raise fail(f"cannot read '{path}' ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise fail(f"'{path}' is a symbolic link; pinnsolve never reads a run directory's "
                   "files through a link (it could point outside): remove the link")
    return _check_info(path, info, kind, fail)


def _check_info(path, info: os.stat_result, kind: str, fail: Fail) -> int:
    if not stat.S_ISREG(info.st_mode):
        raise fail(f"'{path}' is not a regular file ({_what(info.st_mode)}); expected a "
                   f"{kind} file")
    cap = CAPS[kind]
    if info.st_size > cap:
        raise fail(f"'{path}' is {info.st_size} bytes; {kind} files are limited to {cap} "
                   f"bytes (pinnsolve.spec.safe_open.CAPS['{kind}'])")
    return info.st_size


def open_checked(path: str | os.PathLike, kind: str, fail: Fail, *,
                 follow_links: bool = True) -> BinaryIO:
    """Open ``path`` for binary reading: a regular file within the cap of ``kind``.

    The path is stat-ed first (nothing is opened that is not a regular file — opening some
    devices has effects), then opened with ``O_NONBLOCK`` (a FIFO swapped in meanwhile does
    not block the open) and checked again on the descriptor. ``follow_links=False`` (files
    of a run directory) refuses a symbolic link, also one swapped in meanwhile
    (``O_NOFOLLOW``).

    Raises:
        whatever ``fail`` builds: missing, not a regular file, or over the cap.
    """
    check_regular(path, kind, fail, follow_links=follow_links)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise fail(f"cannot open '{path}' ({exc.strerror})") from None
    try:
        _check_info(path, os.fstat(fd), kind, fail)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_checked(path: str | os.PathLike, kind: str, fail: Fail, *,
                 follow_links: bool = True) -> bytes:
    """The bytes of ``path`` through :func:`open_checked`; a file that grows past the cap
    while it is read is refused too."""
    cap = CAPS[kind]
    with open_checked(path, kind, fail, follow_links=follow_links) as fh:
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise fail(f"cannot read '{path}' ({exc.strerror})") from None
    if len(data) > cap:
        raise fail(f"'{path}' grew past {cap} bytes while it was read")
    return data


def inside(folder: Path, target: Path) -> bool:
    """Whether ``target`` (links resolved) lies inside ``folder`` (links resolved)."""
    try:
        target.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
