"""Run directories: configuration, checkpoints, metrics log, outputs — and the Run object.

Layout::

    RUN/config.yaml          the problem mapping with overrides applied
    RUN/settings.json        every setting, defaults filled in
    RUN/env.json             versions, device, dtype, seed, source file
    RUN/checkpoints/last.pt  model, unknowns, optimizer, samplers, RNG, step (previous.pt: the one before)
    RUN/metrics.jsonl        one line per logged step
    RUN/metrics.json         final errors, time, steps
    RUN/fields/              solution.vtu | solution.xdmf + .h5, solution.npz
    RUN/plots/               PNG plots

    RUN/.pinnsolve-run       marker: pinnsolve made this directory (``--fresh`` may clear it)
    RUN/.lock                the lock a solve holds (io/lock.py)

Every file is written atomically (temporary file, fsync, rename) and never through a
symbolic link; checkpoints carry a content digest, load with ``weights_only=True`` and fall
back to the previous one when the last is unreadable or does not match its digest
(io/checkpoint.py).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import yaml

from .._version import __version__
from ..errors import RunError, SpecError
from ..spec.problem import Problem
from ..spec.safe_open import read_checked
from . import checkpoint
from .atomic import append_text, atomic_write_text, clean_stale, refuse_link, safe_dir
from .lock import hold, try_hold

CHECKPOINT_VERSION = checkpoint.VERSION


RUN_FILES = ("config.yaml", "settings.json", "env.json", "metrics.json", "metrics.jsonl")
MARKER = ".pinnsolve-run"     # written into a run directory pinnsolve created or found empty
SUBDIRS = ("checkpoints", "stages", "attempts", "fields", "plots")
RUN_OUTPUTS = ("checkpoints", "stages", "attempts", "fields", "plots", "metrics.jsonl",
               "metrics.json")
CHOSEN = "chosen.json"   # attempts/chosen.json: which attempt's model the run keeps
# Top-level keys outside the problem's digest (spec/meaning.py): a resumed run may change them.
FREE = ("name", "reference", "sampling", "training", "output", "limits")


class RunDir:
    """Files of one run directory.

    Writes never pass through a symbolic link below ``root`` (the directory the user named;
    stage runs live below their parent's root): directories are checked with
    :func:`~pinnsolve.io.atomic.safe_dir`, files are written atomically or appended with
    ``O_NOFOLLOW``. A solve holds :meth:`lock` for its whole duration.

    ``meaning`` (spec/meaning.py) is the digest of the problem the run trains; every
    checkpoint records it, :meth:`resume_state` refuses a checkpoint of another problem and
    :meth:`Run.model` (export, predict) one whose digest is not that of the run's config.yaml.

    Args:
        path: the run directory.
        meaning: the problem's meaning digest, or None.
        root: the top run directory containing ``path`` (default: ``path`` itself).
    """

    def __init__(self, path: str | Path, meaning: str | None = None, *,
                 root: str | Path | None = None, raw: dict | None = None):
        self.path = Path(path)
        self.meaning = meaning
        self.root = Path(root) if root is not None else self.path
        self.raw = raw   # the problem mapping about to run: named in a mismatch message

    def child(self, *parts: str) -> "RunDir":
        """A run directory inside this one (``run.child("stages", "2")``) with the same
        meaning, its writes checked against the same root."""
        return RunDir(self.path.joinpath(*parts), self.meaning, root=self.root, raw=self.raw)

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoints" / "last.pt"

    def directory(self, *parts: str, create: bool = True) -> Path:
        """``path/parts`` as a real directory below the root (no link, no file on the way).

        Raises:
            RunError: naming the component that is a link or a file, or cannot be created.
        """
        root = self.root
        if not root.is_dir():
            # The root is the directory the user named: it may be (or pass through) a link.
            if root.exists() or root.is_symlink():
                raise RunError("is a file, not a directory: --out needs a directory (existing "
                               "or new)", path=str(root))
            if not create:
                return root.joinpath(*self.path.relative_to(root).parts, *parts)
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RunError(f"cannot create the run directory: {exc.strerror or exc} "
                               "(is a parent read-only, or a file?)", path=str(root)) from None
        return safe_dir(root, *self.path.relative_to(root).parts, *parts, create=create)

    # -- states -----------------------------------------------------------------------------
    def prepare(self) -> None:
        """Check (and create) the run directory before anything is trained.

        ``--out`` naming a file, a parent that cannot be written, ``fields``, ``plots``,
        ``checkpoints`` or ``stages`` being a file, and a symbolic link planted among the
        run's files all become a RunError naming the path here, not after training. A
        directory created now, or found empty, gets the :data:`MARKER` file that lets
        :meth:`clear` recognise it later.

        Raises:
            RunError: naming the offending path and what was expected.
        """
        p = self.path
        self.directory()
        if not os.access(p, os.W_OK | os.X_OK):
            raise RunError("the run directory is not writable", path=str(p))
        fresh_dir = not any(p.iterdir())
        for name in SUBDIRS:
            self.directory(name, create=False)
        for folder in (p, *(p / n for n in ("checkpoints", "fields", "plots"))):
            if folder.is_dir():
                for entry in os.scandir(folder):
                    if entry.is_symlink():
                        refuse_link(Path(entry.path))
        for name in RUN_FILES:   # a directory or FIFO in a file's place fails now, not after training
            f = p / name
            if os.path.lexists(f) and not f.is_file():
                raise RunError("is not a regular file (a directory, FIFO or device?); remove it",
                               path=str(f))
        if fresh_dir or (not (p / MARKER).exists() and self.is_run()):
            atomic_write_text(p / MARKER, "pinnsolve run directory: `pinnsolve solve --fresh` "
                              "may clear checkpoints/, stages/, attempts/, fields/, plots/ and metrics.*\n")

    def is_run(self) -> bool:
        """Whether the directory is a pinnsolve run: it holds the marker, or (runs made
        before the marker existed) an ``env.json`` written by pinnsolve."""
        if _regular(self.path / MARKER):
            return True
        if not _regular(self.path / "env.json"):   # also: a FIFO would block the read
            return False
        try:
            env = json.loads(read_run_file(self.path / "env.json"))
        except (RunError, ValueError, RecursionError):   # nested past the parser's depth
            return False
        return isinstance(env, dict) and "pinnsolve" in env

    @contextmanager
    def lock(self) -> Iterator["RunDir"]:
        """Hold the run directory exclusively for a ``with`` block (the whole solve).

        Prepares the directory (:meth:`prepare`), takes the lock (io/lock.py: a second
        process gets "run directory R is in use by process PID since ..."; a killed holder's
        lock is gone with it) and then removes the temporary files a killed writer left
        (safe only now that nobody else writes here).

        Raises:
            RunError: the directory cannot be a run directory, or it is in use.
        """
        self.prepare()
        with hold(self.path):
            self.clean_stale()
            yield self

    def clean_stale(self) -> list[Path]:
        """Remove temporary files/directories of interrupted writes (io/atomic.STALE) from
        the run directory, its outputs and its stages; call under :meth:`lock`."""
        folders = [self.path] + [self.path / n for n in ("checkpoints", "fields", "plots")]
        for sub in ("stages", "attempts"):
            group = self.path / sub
            if group.is_dir() and not group.is_symlink():
                folders.append(group)
                for k in group.iterdir():
                    if k.is_dir() and not k.is_symlink():
                        folders += [k, k / "checkpoints"]
        removed = []
        for folder in folders:
            if folder.is_dir() and not folder.is_symlink():
                removed += clean_stale(folder)
        return removed

    def clear(self) -> None:
        """Remove what a previous run left (``--fresh``): checkpoints, stages, fields, plots
        and the metrics, nothing else.

        Raises:
            RunError: the directory is not empty and not a pinnsolve run (:meth:`is_run`):
                ``--fresh --out .`` must never delete the ``fields/`` of an unrelated folder.
        """
        if not self.path.is_dir():
            return
        if not self.is_run() and any(self.path.iterdir()):
            raise RunError("is not a pinnsolve run directory (no .pinnsolve-run marker, no "
                           "env.json written by pinnsolve), so --fresh will not delete anything "
                           "in it; choose a new or empty --out", path=str(self.path))
        for name in RUN_OUTPUTS:
            p = self.path / name
            try:
                if p.is_symlink() or p.is_file():
                    p.unlink()   # a link itself goes, never what it points to
                elif p.is_dir():
                    shutil.rmtree(p)
            except OSError as exc:
                raise RunError(f"cannot remove: {exc.strerror or exc}", path=str(p)) from None

    def write_config(self, problem: Problem, env: dict) -> None:
        folder = self.directory()
        atomic_write_text(folder / "config.yaml", yaml.safe_dump(problem.raw, sort_keys=False))
        atomic_write_text(folder / "settings.json",
                          json.dumps(dataclasses.asdict(problem.settings), indent=2))
        atomic_write_text(folder / "env.json", json.dumps(env, indent=2))

    # -- checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self, state: dict) -> None:
        """Atomic save with a content digest; the old last.pt becomes previous.pt."""
        if self.meaning is not None:
            state = {**state, "meaning": self.meaning}
        checkpoint.save(self.directory("checkpoints") / "last.pt", state)

    def resume_state(self, warn=None) -> dict | None:
        """The checkpoint to resume from (see :meth:`load_checkpoint`), after checking that
        it was trained on the same problem as this run's ``meaning``.

        Raises:
            RunError: the checkpoint belongs to a different problem (equations, conditions,
                parameters, domain, model or derivative settings changed since, or it was
                copied in from another run).
        """
        state = self.load_checkpoint(warn)
        if state is None or self.meaning is None:
            return state
        if state.get("meaning") is None:
            (warn or _warn)(f"the checkpoint in {self.path} predates problem digests: it "
                            "cannot be checked against the problem; resuming it as it is")
        self.check_meaning(state)
        return state

    def check_meaning(self, state: dict) -> None:
        """Refuse a checkpoint ``state`` whose problem digest is not this run's ``meaning``
        (one without a digest, written before digests existed, passes).

        Raises:
            RunError: naming the run directory and what differs: the problem about to run
                (resume), or the checkpoint and the run's config.yaml (copied in from
                another run; a file the problem reads or a planning rule changed).
        """
        saved = state.get("meaning")
        if self.meaning is None or saved is None or saved == self.meaning:
            return
        stored = self._stored_meaning() if self.raw is not None else self.meaning
        if stored is None or stored == saved:   # the problem about to run changed
            raise RunError("this run directory holds a model of a different problem (its "
                           "equations, conditions, parameters, domain, model or derivative "
                           f"settings changed since it was trained{self._changes()}); start "
                           "over with --fresh or choose another --out", path=str(self.path))
        # The checkpoint does not match the run's own config.yaml: copied in from another
        # run, or the digest of the same text moved (a data or mesh file, a planning rule).
        also = "" if stored == self.meaning else (
            f"; the problem about to run also differs from config.yaml{self._changes()}")
        fix = ("start over with --fresh or choose another --out" if self.raw is not None
               else "train it again with `pinnsolve solve` of this config.yaml and --fresh")
        raise RunError("the checkpoint in checkpoints/ holds a model of a different problem "
                       f"than this run's config.yaml (problem digest {saved[:12]} in the "
                       f"checkpoint, {stored[:12]} of config.yaml): it was copied in from "
                       "another run, or a file the problem reads (data, mesh) or pinnsolve's "
                       f"planning rules changed since{also}; {fix}", path=str(self.path))

    def _stored_meaning(self) -> str | None:
        """The meaning digest of the problem in the run's config.yaml (a stage has none of
        its own: its run's), or None when it cannot be read or built."""
        folder = self.path if os.path.lexists(self.path / "config.yaml") else self.root
        try:
            return Run(folder).meaning
        except Exception:   # noqa: BLE001 - on the way to a refusal: only its detail is lost
            return None

    def _changes(self) -> str:
        """What differs between the run's config.yaml and the problem about to run, for the
        mismatch message: ``: equations.0 'a' → 'b'`` (at most three keys), or why nothing
        in the text does; empty when the old config cannot be read."""
        if self.raw is None:
            return ""
        try:
            from ..spec.files import parse_yaml

            old = parse_yaml(read_run_file(self.path / "config.yaml").decode("utf-8"),
                             file="config.yaml")
        except (RunError, SpecError, UnicodeDecodeError):
            return ""
        try:
            new = yaml.safe_load(yaml.safe_dump(self.raw, sort_keys=False))   # as stored
        except yaml.YAMLError:
            return ""
        # Only what the digest reads is named: a resumed run may change its training,
        # sampling or output settings (spec/meaning.py), which never cause a mismatch.
        diffs = [d for d in _differences(old, new, "") if d[0].split(".")[0] not in FREE]
        if not diffs:
            return ("; the problem's text is the same where it defines the model: a file it "
                    "refers to (data, mesh) or pinnsolve's planning rules changed")
        shown = "; ".join(f"{k or 'the problem'} {_short(a)} → {_short(b)}"
                          for k, a, b in diffs[:3])
        more = f" and {len(diffs) - 3} more" if len(diffs) > 3 else ""
        return f": {shown}{more}"

    def load_checkpoint(self, warn=None) -> dict | None:
        """The newest checkpoint that reads back and matches its digest, or None when there
        is none; a corrupted last.pt falls back to previous.pt with a warning (through
        ``warn(message)`` when given, else ``warnings.warn``)."""
        warn = warn or _warn
        last = self.checkpoint_path
        candidates = [last, last.with_name("previous.pt")]
        if not any(p.exists() for p in candidates):
            return None
        reasons = []
        for p in candidates:
            if not p.exists():
                continue
            try:
                state = checkpoint.decode(p)
            except checkpoint.CorruptCheckpoint as exc:  # corrupted or truncated: try the older one
                warn(f"cannot read checkpoint {p}: {exc}")
                reasons.append(f"{p.name}: {exc}")
                continue
            if p != last:
                warn(f"{last} is unreadable; resuming from {p} (step {state.get('step')})")
            return state
        raise RunError(f"no readable checkpoint ({'; '.join(reasons)}); start over with "
                       "--fresh", path=str(self.path))

    # -- metrics log ------------------------------------------------------------------------
    def append_log(self, row: dict) -> None:
        """Append one row to metrics.jsonl (never through a link; a full disk is a RunError
        naming the file)."""
        append_text(self.directory() / "metrics.jsonl", json.dumps(row) + "\n")

    def read_log(self) -> list[dict]:
        p = self.path / "metrics.jsonl"
        if not os.path.lexists(p):
            return []
        rows = []
        text = read_run_file(p).decode("utf-8", errors="replace")
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except (ValueError, RecursionError):   # or nested past the parser's depth
                break  # a line cut by a crash (or not pinnsolve's) ends the log
            if not isinstance(row, dict):
                break  # not a line pinnsolve wrote: the log is read up to it
            rows.append(row)
        return rows

    def truncate_log(self, step: int) -> None:
        """Drop log rows written after the checkpoint we resume from."""
        if not os.path.lexists(self.path / "metrics.jsonl"):
            return
        rows = [r for r in self.read_log() if _step(r) <= step]
        atomic_write_text(self.directory() / "metrics.jsonl",
                          "".join(json.dumps(r) + "\n" for r in rows))

    def write_metrics(self, metrics: dict) -> None:
        atomic_write_text(self.directory() / "metrics.json", json.dumps(metrics, indent=2))

    def write_chosen(self, attempt: int) -> None:
        """Record which attempt's model the run keeps (training/fallback.py; 1: its own)."""
        atomic_write_text(self.directory("attempts") / CHOSEN,
                          json.dumps({"attempt": int(attempt)}))


def _step(row: dict) -> float:
    """The step of a log row; one that is not a number sorts after every checkpoint."""
    n = row.get("step", 0)
    return n if isinstance(n, (int, float)) and not isinstance(n, bool) else math.inf


def _regular(path: Path) -> bool:
    """Whether ``path`` is a regular file itself (a link to one is not)."""
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def _differences(old, new, key: str):
    """(dotted key, old, new) of each leaf that differs between two mappings."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            yield from _differences(old.get(k, _ABSENT), new.get(k, _ABSENT),
                                    f"{key}.{k}" if key else str(k))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            yield from _differences(a, b, f"{key}.{i}")
    elif old != new:
        yield key, old, new


_ABSENT = type("Absent", (), {"__repr__": lambda self: "(absent)"})()


def _short(value, n: int = 40) -> str:
    text = " ".join(yaml.safe_dump(value, default_flow_style=True).split()) \
        if isinstance(value, (dict, list)) else repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


def read_run_file(path: Path) -> bytes:
    """The bytes of a run directory's own file (config.yaml, env.json, metrics.json(l)):
    a regular file, never read through a link (it could point outside), capped in size.

    Raises:
        RunError: naming the file: missing, a link, a FIFO or directory, or too large.
    """
    def fail(message: str) -> RunError:
        return RunError(message.replace(f"'{path}' ", ""), path=str(path))
    return read_checked(path, "run", fail, follow_links=False)


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def environment(device: torch.device, dtype: torch.dtype, seed: int, source: str) -> dict:
    import numpy
    import sympy

    return {"pinnsolve": __version__, "python": platform.python_version(),
            "torch": torch.__version__, "numpy": numpy.__version__, "sympy": sympy.__version__,
            "platform": platform.platform(), "device": str(device),
            "cuda": torch.cuda.get_device_name(0) if device.type == "cuda" else None,
            "dtype": str(dtype).replace("torch.", ""), "seed": seed,
            "threads": torch.get_num_threads(), "source": str(Path(source).resolve())
            if source != "<mapping>" else source}


class Run:
    """A finished or interrupted run: metrics, predictions, re-export.

    Use :func:`open_run` (or the value :func:`pinnsolve.solve` returns).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._dir = RunDir(self.path)
        if not (self.path / "config.yaml").exists():
            if self._dir.is_run():   # prepared (marker written), stopped before its config
                raise RunError("never trained: the solve that made this run directory stopped "
                               "before writing config.yaml; solve again with this --out",
                               path=str(self.path))
            raise RunError("not a run directory (no config.yaml)", path=str(self.path))
        self._problem = None
        self._model = None

    def _json(self, name: str, required: bool) -> dict:
        """A JSON object file of the run, or {} when it is absent and not required.

        Raises:
            RunError: naming the file: unreadable, not JSON (cut short?) or not an object.
        """
        p = self.path / name
        if not os.path.lexists(p) and not required:
            return {}
        try:
            value = json.loads(read_run_file(p).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:   # JSONDecodeError is a ValueError
            raise RunError(f"is not valid JSON ({str(exc)[:120]}): the file was cut short or "
                           "edited; `pinnsolve solve` with the same --out rewrites it",
                           path=str(p)) from None
        except RecursionError:   # the decoder recurses once per [ or {
            raise RunError("is not JSON pinnsolve wrote: arrays or objects nested too deep "
                           "to read; `pinnsolve solve` with the same --out rewrites it",
                           path=str(p)) from None
        if not isinstance(value, dict):
            raise RunError(f"should hold a JSON object, found {type(value).__name__}",
                           path=str(p))
        return value

    @property
    def env(self) -> dict:
        """env.json: versions, device, seed and the problem's source file."""
        env = self._json("env.json", required=True)
        if not isinstance(env.get("source", "<mapping>"), str):
            raise RunError("key 'source' should be the problem file's path (text)",
                           path=str(self.path / "env.json"))
        return env

    @property
    def metrics(self) -> dict:
        """metrics.json of the finished run ({} before the run has finished once)."""
        return self._json("metrics.json", required=False)

    def progress(self) -> dict:
        """Where training stands, from metrics.json, the log and the checkpoint files.

        Returns:
            ``{"state": "done" | "interrupted" | "untrained", "step": int | None,
            "total_steps": int | None}``. A run is *interrupted* when its log goes past the
            steps metrics.json reports (a resumed run stopped again) or it has a log or a
            checkpoint but no metrics.json; *untrained* when it has none of them.
        """
        metrics = self.metrics
        steps = [r for r in self._dir.read_log() if isinstance(r, dict)
                 and isinstance(r.get("step"), int) and not isinstance(r.get("step"), bool)]
        last = steps[-1] if steps else None
        total = last.get("total_steps") if last else None
        total = total if isinstance(total, int) and total > 0 else None
        done_steps = metrics.get("steps") if isinstance(metrics.get("steps"), int) else None
        if metrics and (last is None or done_steps is None or last["step"] <= done_steps):
            return {"state": "done", "step": done_steps, "total_steps": done_steps}
        if last is not None:
            return {"state": "interrupted", "step": last["step"], "total_steps": total}
        ckpt = self._dir.checkpoint_path
        if ckpt.exists() or ckpt.with_name("previous.pt").exists():
            return {"state": "interrupted", "step": None, "total_steps": None}
        return {"state": "untrained", "step": None, "total_steps": None}

    @property
    def problem(self) -> Problem:
        if self._problem is None:
            from ..spec import build_problem
            from ..spec.files import parse_yaml

            config = self.path / "config.yaml"
            try:
                text = read_run_file(config).decode("utf-8")
            except UnicodeDecodeError:
                raise RunError("is not UTF-8 text", path=str(config)) from None
            raw = parse_yaml(text, file=str(config))
            self._problem = build_problem(raw, source=self.env.get("source", "<mapping>"))
        return self._problem

    @property
    def meaning(self) -> str:
        """The digest of the problem in config.yaml (spec/meaning.py): what every
        checkpoint of this run records."""
        from ..spec.meaning import meaning_digest

        return meaning_digest(self.problem)

    @property
    def dtype(self) -> torch.dtype:
        return getattr(torch, self.problem.settings.training.dtype)

    def model(self) -> torch.nn.Module:
        """The trained model (float64 or the run's dtype, on the CPU, eval mode)."""
        if self._model is None:
            if self.problem.operator is not None:
                raise RunError("an operator run holds a neural operator, not a field model: "
                               "use pinnsolve.predict(run, inputs) or `pinnsolve predict`", path=str(self.path))
            from ..models import build_model

            chosen = self.chosen_attempt()
            if chosen > 1:   # a fallback's model was kept (training/fallback.py)
                self._model = Run(self.path / "attempts" / str(chosen)).model()
                return self._model
            problem = self.problem
            done = [k for k in range(2, len(problem.settings.training.stages) + 2)
                    if (self.path / "stages" / str(k) / "checkpoints" / "last.pt").exists()]
            # Checked against config.yaml: a checkpoint copied in from another run would
            # otherwise be exported as this run's solution.
            run = RunDir(self.path, self.meaning)
            if done:  # multi-stage run: the composite up to the newest stage
                from ..models.stages import composite_structure
                model = composite_structure(problem, max(done))
                run = run.child("stages", str(max(done)))
            else:
                model, _, _ = build_model(problem, seed=problem.settings.training.seed)
            state = run.load_checkpoint()
            if state is None:
                raise RunError("the run has no checkpoint yet", path=str(self.path))
            run.check_meaning(state)
            model = model.to(self.dtype)
            try:
                model.load_state_dict(state["model"])
            except (RuntimeError, KeyError, TypeError) as exc:
                raise RunError(f"the checkpoint does not fit the run's model ({str(exc)[:200]})",
                               path=str(self.path)) from None
            model.eval()
            self._model = model
        return self._model

    def chosen_attempt(self) -> int:
        """The attempt whose model the run keeps: 1 (the run's own), or k ≥ 2 for
        ``attempts/<k>/`` after a fallback (training/fallback.py)."""
        name = f"attempts/{CHOSEN}"
        value = self._json(name, required=False).get("attempt", 1)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 16:
            raise RunError(f"key 'attempt' should be an attempt number 1 to 16, found {value!r}",
                           path=str(self.path / name))
        if value > 1 and not (self.path / "attempts" / str(value) / "config.yaml").exists():
            raise RunError(f"names attempt {value}, which has no config.yaml",
                           path=str(self.path / name))
        return value

    def predict(self, points=None, /, **coords) -> "Prediction":
        """Field values at points, given by coordinate name or as columns.

        ``run.predict(x=xs, t=0.5)`` or ``run.predict({"x": xs, "t": ts})``: arrays (any
        shape, one shape for all; plain numbers broadcast) by input name, so the column
        order never matters. ``run.predict(points)``: an (n, n_inputs) array or tensor with
        the columns in ``problem.domain.input_names`` order (space, then time).

        Returns:
            A :class:`Prediction`: the (n, n_fields) array it always was, plus
            ``pred["u"]`` (values in the shape of the given coordinates) and
            ``pred.fields`` / ``pred.as_dict()``.
        """
        from collections.abc import Mapping

        from .fields import evaluate

        names = self.problem.domain.input_names
        shape = None
        if points is None or isinstance(points, Mapping):
            given = {**(points or {}), **coords}
            unknown = [n for n in given if n not in names]
            missing = [n for n in names if n not in given]
            if unknown or missing:
                raise RunError(f"predict needs every input coordinate by name ({', '.join(names)})"
                               + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else "")
                               + (f"; missing: {', '.join(missing)}" if missing else ""),
                               path=str(self.path))
            try:
                cols = np.broadcast_arrays(*[np.asarray(
                    given[n].detach().cpu() if isinstance(given[n], torch.Tensor) else given[n],
                    dtype=float) for n in names])
            except ValueError:
                raise RunError("predict: the coordinate arrays have shapes that do not "
                               f"broadcast together ({', '.join(names)})", path=str(self.path)) from None
            shape = cols[0].shape
            pts = np.stack([c.reshape(-1) for c in cols], 1)
        else:
            if coords:
                raise RunError("predict takes points either as one (n, n_inputs) array or by "
                               "coordinate name, not both", path=str(self.path))
            pts = np.asarray(points.detach().cpu() if isinstance(points, torch.Tensor) else points,
                             dtype=float)
        if pts.ndim != 2 or pts.shape[1] != self.problem.domain.n_inputs:
            raise RunError(f"points must have shape (n, {self.problem.domain.n_inputs}) with "
                           f"columns {', '.join(names)}",
                           path=str(self.path))
        values = evaluate(self.model(), pts, dtype=self.dtype)
        return Prediction.of(values, self.problem.fields, shape)

    def export(self, formats=None, grid: dict[str, int] | None = None, mesh=None, *,
               max_grid_points: int | None = None) -> list[Path]:
        """Write fields (and plots) again, optionally on another grid or on a mesh file.

        Args:
            formats: any of "vtu", "xdmf", "npz", "png" (default: the run's output.formats).
            grid: points per coordinate, e.g. ``{"x": 256, "t": 101}``; each name must be a
                grid coordinate of the problem and each count ≥ 2.
            mesh: evaluate on this mesh file's nodes instead of a grid.
            max_grid_points: cap on the grid's points (default ``limits.max_grid_points``).

        Export does not take the run lock (it may run beside a solve); when the lock is
        free it first removes the temporary files an interrupted export left.

        Raises:
            SpecError: a bad grid (key ``grid.<name>``); RunError: files cannot be written.
        """
        from .fields import check_grid
        from .output import write_outputs

        problem = self.problem
        sizes = check_grid(problem, grid, file=f"export of {self.path}", key="grid",
                           max_points=max_grid_points)
        with try_hold(self.path) as free:
            if free:
                self._dir.clean_stale()
        return write_outputs(problem, self.model(), self.path, formats=formats, sizes=sizes,
                             mesh=mesh, dtype=self.dtype, log=self._dir.read_log())


class Prediction(np.ndarray):
    """Predicted values (n, n_fields), columns in ``fields`` order, also readable by name:
    ``pred["u"]`` is field u's values in the shape the points were given in."""

    fields: tuple[str, ...] = ()
    point_shape: tuple[int, ...] | None = None

    @classmethod
    def of(cls, values: np.ndarray, fields, shape=None) -> "Prediction":
        out = np.asarray(values).view(cls)
        out.fields, out.point_shape = tuple(fields), shape
        return out

    def __array_finalize__(self, obj) -> None:
        self.fields = getattr(obj, "fields", ())
        self.point_shape = getattr(obj, "point_shape", None)

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.fields:
                raise KeyError(f"no field {key!r}; fields are {', '.join(self.fields)}")
            col = np.asarray(self)[:, self.fields.index(key)]
            return col.reshape(self.point_shape) if self.point_shape is not None else col
        return np.asarray(self)[key]

    def keys(self) -> tuple[str, ...]:
        return self.fields

    def as_dict(self) -> dict[str, np.ndarray]:
        """{field: values}, each in the shape the points were given in."""
        return {f: self[f] for f in self.fields}


def open_run(path: str | Path) -> Run:
    """Open a run directory written by ``pinnsolve solve``."""
    return Run(path)

