"""A ``sys.addaudithook`` recorder for side effects of whole runs (load, train, write).

Unlike tests/test_security.py (which forbids every write while a problem is *loaded*),
training legitimately writes its run directory, so writes, renames and deletions are
allowed under the given roots (and ``__pycache__``); anything else is recorded: process
creation (``os.system``, ``subprocess``, ``exec*``, ``spawn``, ``fork``), sockets, native
code loading, and files opened for writing or removed/renamed elsewhere. Hooks cannot be
removed, so this one is gated by a module flag and is inert outside :func:`audited`.
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

_ON = False
_LOG: list[str] = []
_WRITE_OK: tuple[str, ...] = ()

PROCESS_EVENTS = frozenset({
    "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "ctypes.dlopen",
    "webbrowser.open", "urllib.Request", "http.client.connect", "ftplib.connect",
    "smtplib.connect",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _allowed(path) -> bool:
    if isinstance(path, int):
        return True  # an already open descriptor
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        path = os.fspath(path) if isinstance(path, os.PathLike) else ""
    if "__pycache__" in path:
        return True
    full = os.path.realpath(os.path.abspath(path))
    return any(full == r.rstrip(os.sep) or full.startswith(r) for r in _WRITE_OK)


def _hook(event: str, args: tuple) -> None:
    if not _ON or threading.current_thread() is not threading.main_thread():
        return
    try:
        if event in PROCESS_EVENTS or event.startswith(("socket.", "subprocess.")):
            _LOG.append(f"{event}{args!r}"[:300])
        elif event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes and not _allowed(path):
                _LOG.append(f"open for writing outside the run directory: {path!r}")
        elif event in ("os.remove", "os.rmdir", "os.rename", "shutil.rmtree", "os.truncate"):
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
            if not all(_allowed(p) for p in paths):
                _LOG.append(f"{event} outside the run directory: {args[:2]!r}")
    except Exception as exc:  # the hook must never break the code under test
        _LOG.append(f"audit hook failed on {event}: {exc!r}")


sys.addaudithook(_hook)


@contextmanager
def audited(*write_ok: Path):
    """Record harmful events while the body runs; yields the list of records."""
    global _ON, _WRITE_OK
    roots = set()
    for p in write_ok:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            roots.add(q.rstrip(os.sep) + os.sep)
    _WRITE_OK = tuple(sorted(roots))
    _LOG.clear()
    log: list[str] = []
    _ON = True
    try:
        yield log
    finally:
        _ON = False
        log.extend(_LOG)
        _LOG.clear()
        _WRITE_OK = ()
