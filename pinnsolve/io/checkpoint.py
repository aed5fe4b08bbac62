"""Checkpoint files: encoded with a content digest, rotated without a gap, verified on load.

A checkpoint is ``torch.save`` of a plain dict of tensors and numbers (loadable with
``weights_only=True``) holding a ``digest``: SHA-256 over every key, number and tensor byte
of the state. ``torch.load`` alone only notices a truncated archive; the digest also
catches flipped or zeroed bytes inside a tensor, which would otherwise resume silently from
a wrong state.

Before the digest is computed, :func:`decode` checks the shape of what it loaded: the zip
archive inflates to no more than its own size, containers nest at most :data:`MAX_DEPTH`
deep, every tensor is a plain CPU tensor whose elements lie in bytes its storage holds (a
16 KB file can otherwise hold ``torch.zeros(1).expand(500_000_000)``, gigabytes once
hashed or loaded), and the position (``step`` and friends) and optimizer state are what the loop
can use. So memory stays bounded by the file's size and a crafted file is a
CorruptCheckpoint, never a traceback.

Saving keeps the previous checkpoint as ``previous.pt`` through a hard link made *before*
the new ``last.pt`` is renamed into place, so at every instant ``last.pt`` is a complete
file (old or new) — a SIGKILL at any moment leaves a resumable directory.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch

from ..spec.safe_open import open_checked
from .atomic import atomic_write_with, fsync_dir

VERSION = 1
REQUIRED = ("step", "model")
# A state nests dicts and lists about six deep (samplers → flow → optimizer → state → id →
# tensor); far deeper is a crafted file that would exhaust Python's recursion.
MAX_DEPTH = 32
# Steps and phase positions: the schema allows 10^8 steps per phase; 10^12 is far past
# any run, yet keeps a crafted count from reaching the reports.
MAX_STEP = 10 ** 12
# Hashing reads each tensor once; views sharing a storage (the balance scheme's points are
# the samplers') may read it a few times, not thousands (a crafted file of many views).
MAX_READS = 8


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
        h.update(t.reshape(-1).view(torch.uint8).numpy())   # no copy of the bytes
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
        CorruptCheckpoint: unreadable, not a pinnsolve checkpoint, crafted (inflating,
            expanded tensors, nesting, a forged step or optimizer entry), or digest mismatch.
    """
    try:
        with open_checked(path, "checkpoint", CorruptCheckpoint,  # no FIFO, no link, capped
                          follow_links=False) as fh:
            _check_archive(fh)
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
    _check_tree(state)   # before the digest reads a byte of a tensor
    _check_position(state)
    # Checkpoints written before digests existed carry none; they load as they always did.
    if "digest" in state and digest(state) != state["digest"]:
        raise CorruptCheckpoint("content digest does not match (bytes changed on disk)")
    return state


def _check_archive(fh) -> None:
    """Refuse an archive whose entries inflate past the file's own size (torch.save stores
    them uncompressed; a deflated one could hold gigabytes of zeros in a few kilobytes),
    and anything that is not a zip archive (torch.save has written zip since torch 1.6)."""
    size = os.fstat(fh.fileno()).st_size
    try:
        with zipfile.ZipFile(fh) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptCheckpoint(f"not a zip archive written by torch.save ({exc})") from None
    if inflated > size:
        raise CorruptCheckpoint(f"its entries inflate to {inflated} bytes from a file of {size} "
                                "(compressed entries: not written by torch.save)")
    fh.seek(0)


def _check_tree(state: Mapping) -> None:
    """Refuse a state that hashing or loading could not handle in bounded memory and depth.

    Each tensor must be a strided CPU tensor whose elements (numel × element size) fit in
    the bytes of its own storage — an expanded or overlapping view is refused before
    anything materialises it — and all tensors together may read their storages at most
    :data:`MAX_READS` times. Containers nest at most :data:`MAX_DEPTH` deep, keys are
    numbers or text, and a number has at most 64 bits (a longer one has no ``repr``).

    Raises:
        CorruptCheckpoint: naming the dotted key of the offending entry.
    """
    stored: dict[int, int] = {}   # storage address → bytes
    read = 0
    stack = [(state, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        where = key or "the state"
        if isinstance(value, torch.Tensor):
            read += _tensor_bytes(value, where)
            storage = value.untyped_storage()
            stored[storage.data_ptr()] = storage.nbytes()
        elif isinstance(value, (Mapping, list, tuple)):
            if depth >= MAX_DEPTH:
                raise CorruptCheckpoint(f"{where} nests more than {MAX_DEPTH} levels deep")
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for k, v in items:
                if not _plain(k, (str, int, float, bool, type(None))):
                    raise CorruptCheckpoint(f"{where} has a key of type {type(k).__name__}")
                # The dotted key names the entry in a message: cut, a crafted key can be long.
                stack.append((v, (f"{key}.{k}" if key else str(k))[:80], depth + 1))
        elif not _plain(value, (str, bytes, int, float, complex, bool, type(None),
                               torch.dtype, torch.device)):
            what = f"an integer of {value.bit_length()} bits (at most 64)" \
                if isinstance(value, int) else f"a {type(value).__name__}"
            raise CorruptCheckpoint(f"{where} holds {what}")
    if read > MAX_READS * sum(stored.values()) + (1 << 20):
        raise CorruptCheckpoint(f"its tensors are {read} bytes over {sum(stored.values())} "
                                "bytes of storage: many views of the same data")


def _plain(value, kinds) -> bool:
    """Whether ``value`` is one of ``kinds``, an int within 64 bits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() <= 64
    return isinstance(value, kinds)


def _tensor_bytes(t: torch.Tensor, where: str) -> int:
    """Bytes that materialising ``t`` produces, once it is known they lie in its storage."""
    if t.layout != torch.strided or t.device.type != "cpu" or t.is_quantized or t.is_nested:
        raise CorruptCheckpoint(f"{where} is not a dense CPU tensor ({t.layout}, {t.device})")
    need = t.numel() * t.element_size()
    if t.numel() == 0:
        return 0
    # The furthest element the view reaches, from its offset and strides.
    if any(s < 0 for s in t.stride()):
        raise CorruptCheckpoint(f"{where} has a negative stride")
    last = t.storage_offset() + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))
    have = t.untyped_storage().nbytes()
    if need > have or (last + 1) * t.element_size() > have:
        raise CorruptCheckpoint(f"{where} is a tensor of {tuple(t.shape)} {t.dtype} ({need} "
                                f"bytes) over a storage of {have} bytes: an expanded or "
                                "overlapping view, not a state pinnsolve saves")
    return need


def _check_position(state: Mapping) -> None:
    """The entries the loop and the run read: counts that are non-negative ints (a step of
    -10^6 would be reported as done), finite times, the problem digest as text, and an
    optimizer state in torch's layout (``state`` and ``param_groups``) or none."""
    for key in ("step", "phase", "phase_step"):
        if key not in state:
            continue
        n = state[key]
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_STEP:
            raise CorruptCheckpoint(f"'{key}' should be a step count from 0 to {MAX_STEP}, "
                                    f"found {_show(n)}")
    for key in ("lr_scale", "elapsed"):
        x = state.get(key, 0.0)
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) \
                or x < 0:
            raise CorruptCheckpoint(f"'{key}' should be a finite number ≥ 0, found {_show(x)}")
    meaning = state.get("meaning")
    if meaning is not None and not isinstance(meaning, str):
        raise CorruptCheckpoint(f"'meaning' should be a problem digest (text), found "
                                f"{_show(meaning)}")
    opt = state.get("optimizer")
    if opt is None:
        return
    groups = opt.get("param_groups") if isinstance(opt, Mapping) else None
    if not (isinstance(opt, Mapping) and isinstance(opt.get("state"), Mapping)
            and all(isinstance(v, Mapping) for v in opt["state"].values())
            and isinstance(groups, list) and groups
            and all(isinstance(g, Mapping) and _ids(g.get("params", [])) for g in groups)):
        raise CorruptCheckpoint("'optimizer' should be an optimizer's state_dict ({'state': "
                                "{id: {...}}, 'param_groups': [{'params': [ids], ...}]}) or "
                                "None, "
                                f"found {_show(opt)}")


def _ids(params) -> bool:
    """Whether ``params`` is a parameter group's list of parameter ids."""
    return isinstance(params, list) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in params)


def _show(value, n: int = 60) -> str:
    """A short description of a loaded value: a dict by its keys (its tensors may be big)."""
    if isinstance(value, Mapping):
        text = "a dict with keys " + ", ".join(sorted(map(repr, value)))
    elif isinstance(value, (list, tuple, torch.Tensor)):
        text = f"a {type(value).__name__}"
    else:
        text = repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


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
