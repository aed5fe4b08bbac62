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

Every file is written atomically (temporary file, fsync, rename); checkpoints carry a
content digest, load with ``weights_only=True`` and fall back to the previous one when the
last is unreadable or does not match its digest (io/checkpoint.py).
"""
from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch
import yaml

from ..errors import RunError
from ..spec.problem import Problem
from . import checkpoint
from .atomic import atomic_write_text

CHECKPOINT_VERSION = checkpoint.VERSION


class RunDir:
    """Files of one run directory (created on first write)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoints" / "last.pt"

    def clear(self) -> None:
        """Remove what a previous run left (``--fresh``)."""
        for name in ("checkpoints", "stages", "fields", "plots", "metrics.jsonl", "metrics.json"):
            p = self.path / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def write_config(self, problem: Problem, env: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path / "config.yaml", yaml.safe_dump(problem.raw, sort_keys=False))
        atomic_write_text(self.path / "settings.json",
                          json.dumps(dataclasses.asdict(problem.settings), indent=2))
        atomic_write_text(self.path / "env.json", json.dumps(env, indent=2))

    # -- checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self, state: dict) -> None:
        """Atomic save with a content digest; the old last.pt becomes previous.pt."""
        target = self.checkpoint_path
        target.parent.mkdir(parents=True, exist_ok=True)
        checkpoint.save(target, state)

    def load_checkpoint(self) -> dict | None:
        """The newest checkpoint that reads back and matches its digest, or None when there
        is none; a corrupted last.pt falls back to previous.pt with a warning."""
        last = self.checkpoint_path
        candidates = [last, last.with_name("previous.pt")]
        if not any(p.exists() for p in candidates):
            return None
        for p in candidates:
            if not p.exists():
                continue
            try:
                state = checkpoint.decode(p)
            except checkpoint.CorruptCheckpoint as exc:  # corrupted or truncated: try the older one
                warnings.warn(f"cannot read checkpoint {p}: {exc}", stacklevel=2)
                continue
            if p != last:
                warnings.warn(f"{last} is unreadable; resuming from {p} (step "
                              f"{state.get('step')})", stacklevel=2)
            return state
        raise RunError("no readable checkpoint (last.pt and previous.pt are both corrupted); "
                       "start over with --fresh", path=str(self.path))

    # -- metrics log ------------------------------------------------------------------------
    def append_log(self, row: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")

    def read_log(self) -> list[dict]:
        p = self.path / "metrics.jsonl"
        if not p.exists():
            return []
        rows = []
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut by a crash ends the log
        return rows

    def truncate_log(self, step: int) -> None:
        """Drop log rows written after the checkpoint we resume from."""
        if not (self.path / "metrics.jsonl").exists():
            return
        rows = [r for r in self.read_log() if r.get("step", 0) <= step]
        atomic_write_text(self.path / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in rows))

    def write_metrics(self, metrics: dict) -> None:
        atomic_write_text(self.path / "metrics.json", json.dumps(metrics, indent=2))


def environment(device: torch.device, dtype: torch.dtype, seed: int, source: str) -> dict:
    import numpy
    import sympy

    from .. import __version__

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
            raise RunError("not a run directory (no config.yaml)", path=str(self.path))
        self._problem = None
        self._model = None

    @property
    def env(self) -> dict:
        try:
            return json.loads((self.path / "env.json").read_text())
        except (OSError, json.JSONDecodeError):
            raise RunError("env.json is missing or unreadable", path=str(self.path)) from None

    @property
    def metrics(self) -> dict:
        p = self.path / "metrics.json"
        if not p.exists():
            return {}
        return json.loads(p.read_text())

    @property
    def problem(self) -> Problem:
        if self._problem is None:
            from ..spec import build_problem, read_yaml

            raw = read_yaml(self.path / "config.yaml")
            self._problem = build_problem(raw, source=self.env.get("source", "<mapping>"))
        return self._problem

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

            problem = self.problem
            done = [k for k in range(2, len(problem.settings.training.stages) + 2)
                    if (self.path / "stages" / str(k) / "checkpoints" / "last.pt").exists()]
            if done:  # multi-stage run: the composite up to the newest stage
                from ..models.stages import composite_structure
                model = composite_structure(problem, max(done))
                state = RunDir(self.path / "stages" / str(max(done))).load_checkpoint()
            else:
                model, _, _ = build_model(problem, seed=problem.settings.training.seed)
                state = self._dir.load_checkpoint()
            if state is None:
                raise RunError("the run has no checkpoint yet", path=str(self.path))
            model = model.to(self.dtype)
            try:
                model.load_state_dict(state["model"])
            except (RuntimeError, KeyError, TypeError) as exc:
                raise RunError(f"the checkpoint does not fit the run's model ({str(exc)[:200]})",
                               path=str(self.path)) from None
            model.eval()
            self._model = model
        return self._model

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

    def export(self, formats=None, grid: dict[str, int] | None = None, mesh=None) -> list[Path]:
        """Write fields (and plots) again, optionally on another grid or on a mesh file."""
        from .output import write_outputs

        return write_outputs(self.problem, self.model(), self.path, formats=formats, sizes=grid,
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

