"""Checkpoint files: encoded with a content digest, rotated without a gap, verified on load.

A checkpoint is ``torch.save`` of a plain dict of tensors and numbers (loadable with
``weights_only=True``) holding a ``digest``: SHA-256 over every key, number and tensor byte
of the state. ``torch.load`` alone only notices a truncated archive; the digest also
catches flipped or zeroed bytes inside a tensor, which would otherwise resume silently from
a wrong state.

Saving keeps the previous checkpoint as ``previous.pt`` through a hard link made *before*
the new ``last.pt`` is renamed into place, so at every instant ``last.pt`` is a complete
file (old or new) — a SIGKILL at any moment leaves a resumable directory.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

import torch

from ..spec.safe_open import open_checked
from .atomic import atomic_write_with, fsync_dir

VERSION = 1
REQUIRED = ("step", "model")


class CorruptCheckpoint(ValueError):
    """The file is not a complete, self-consistent pinnsolve checkpoint."""


def digest(state: Mapping) -> str:
    """SHA-256 hex digest of a nested state (dicts, lists, tensors, numbers, text)."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in state.items() if k != "digest"})
    return h.hexdigest()


def _feed(h, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, Mapping):
        h.update(b"{")
        for key in sorted(value, key=repr):
            h.update(repr(key).encode() + b":")
            _feed(h, value[key])
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(b"[")
        for item in value:
            _feed(h, item)
        h.update(b"]")
    else:
        h.update(f"{type(value).__name__}:{value!r};".encode())


def encode(state: Mapping) -> bytes:
    """The bytes of a checkpoint file for ``state`` (version and digest added)."""
    full = {"version": VERSION, **state}
    full["digest"] = digest(full)
    buf = io.BytesIO()
    torch.save(full, buf)
    return buf.getvalue()


def decode(path: Path) -> dict:
    """Load and verify a checkpoint (``weights_only=True``: no pickled code runs).

    Raises:
        CorruptCheckpoint: unreadable, not a pinnsolve checkpoint, or digest mismatch.
    """
    try:
        with open_checked(path, "checkpoint", CorruptCheckpoint,  # no FIFO, no link, capped
                          follow_links=False) as fh:
            state = torch.load(fh, map_location="cpu", weights_only=True)
    except CorruptCheckpoint:
        raise
    except Exception as exc:  # truncated zip, foreign pickle, refused global: all "corrupt"
        raise CorruptCheckpoint(f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(state, dict) or state.get("version") != VERSION:
        raise CorruptCheckpoint("not a pinnsolve checkpoint")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise CorruptCheckpoint(f"missing {missing}")
    # Checkpoints written before digests existed carry none; they load as they always did.
    if "digest" in state and digest(state) != state["digest"]:
        raise CorruptCheckpoint("content digest does not match (bytes changed on disk)")
    return state


def save(target: Path, state: Mapping) -> None:
    """Write ``state`` to ``target`` atomically, keeping the old file as ``previous.pt``."""
    data = encode(state)
    previous = target.with_name("previous.pt")

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
        if target.exists():
            _keep_previous(target, previous)

    atomic_write_with(target, "", write)


def _keep_previous(target: Path, previous: Path) -> None:
    """previous.pt := the current last.pt, while last.pt stays in place."""
    staged = previous.with_name(f".{previous.name}.staged-{os.getpid()}")
    try:
        staged.unlink(missing_ok=True)
        try:
            os.link(target, staged)
        except OSError:  # no hard links on this file system: copy
            shutil.copyfile(target, staged)
        os.replace(staged, previous)
    finally:
        staged.unlink(missing_ok=True)
    fsync_dir(previous.parent)
