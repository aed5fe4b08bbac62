"""Operator run directories: train (:func:`solve_operator`), fine-tune one instance,
predict new inputs, evaluate on other grids — the run-level API over the operator stepper
(stepper.py) and the shared loop (training/loop.py).

A run directory holds what a PINN run does (config, settings, env, checkpoints, metrics
log) plus ``data.npz`` (the instances), ``operator.pt`` (the trained operator) and
``fields/test*`` (test predictions with reference and error).
"""
from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import numpy as np
import torch

from ...errors import PinnsolveError, RunError, SpecError
from ...io.atomic import atomic_write_bytes, write_npz
from ...io.checkpoint import CorruptCheckpoint, decode, encode
from ...io.run import Run, RunDir, environment
from ...io.vtk import write_vtu, write_xdmf_series
from ...models.operator import OperatorModel
from ...spec import Problem
from ...spec.files import load_npz
from ...spec.meaning import meaning_digest
from ...spec.schema import Phase
from ..distributed import Distributed, ReadOnlyRun
from ..loop import Loop
from ..parts import resolve_device
from ..progress import Callback, Notice, silent
from .instances import OperatorGrid, draw_inputs, instances, operator_grid, subsample_inputs
from .stepper import OperatorStepper, assemble_operator, relative_l2


def _device_dtype(problem: Problem) -> tuple[torch.device, torch.dtype]:
    tr = problem.settings.training
    if isinstance(tr.threads, int) and tr.threads:   # "auto" is timed for PINN runs only
        torch.set_num_threads(tr.threads)
    return resolve_device(tr.device), getattr(torch, tr.dtype)


def make_data(problem: Problem) -> dict[str, np.ndarray]:
    """Training and test instances on the problem's grid (references when available)."""
    op = problem.operator
    grid = operator_grid(problem)
    need_train = op.loss != "physics"
    train_a, train_u = instances(problem, "train", op.train, grid) if need_train else (
        _inputs_only(problem, "train", op.train, grid), None)
    test_a, test_u = instances(problem, "test", op.test, grid)
    data = {"train_a": train_a, "test_a": test_a}
    if train_u is not None:
        data["train_u"] = train_u
    if test_u is not None:
        data["test_u"] = test_u
    return data


def _inputs_only(problem, split, count, grid):
    return subsample_inputs(problem, draw_inputs(problem, split, count), grid)


def _load_data(path: Path, problem: Problem) -> dict[str, np.ndarray]:
    """The instances stored in a run directory, checked against the problem."""
    data = load_npz(path, problem.source, "operator")
    op, grid = problem.operator, operator_grid(problem)
    want = {"train_a": (op.train, *grid.input_shape), "test_a": (op.test, *grid.input_shape)}
    if any(data.get(k) is None or data[k].shape != v for k, v in want.items()):
        raise RunError(f"{path.name} holds instances of another operator setting (counts or "
                       "grid changed); start over with --fresh", path=str(path.parent))
    return data


def save_operator(model: OperatorModel, path: Path, step: int, meaning: str) -> Path:
    """The trained operator (weights and input normalisation) as ``operator.pt``, in the
    checkpoint format (io/checkpoint.py: content digest, checked on load) with the
    problem digest, so an operator.pt copied in from another run is refused."""
    state = {"step": int(step), "meaning": meaning, "model": model.state_dict()}
    return atomic_write_bytes(path, encode(state))


def load_operator(run: Run, device="cpu", dtype=None) -> OperatorModel:
    """The trained :class:`OperatorModel` of an operator run directory.

    Raises:
        RunError: no operator.pt, a corrupt or crafted one, one of another problem than the
            run's config.yaml, or weights that do not fit the operator it describes.
    """
    problem = run.problem
    if problem.operator is None:
        raise RunError("not an operator run (its problem has no operator section)",
                       path=str(run.path))
    path = run.path / "operator.pt"
    if not path.exists():
        raise RunError("the run has no operator.pt yet (training did not finish)",
                       path=str(run.path))
    try:
        state = decode(path)
    except CorruptCheckpoint as exc:
        raise RunError(f"operator.pt is unreadable or was not written by this version of "
                       f"pinnsolve ({exc}); train it again with --fresh",
                       path=str(run.path)) from None
    if "digest" not in state or not isinstance(state.get("meaning"), str):
        # every operator.pt of this format has both (a legacy checkpoint may lack them)
        raise RunError("operator.pt carries no content or problem digest (not written by "
                       "pinnsolve); train it again with --fresh", path=str(run.path))
    if state["meaning"] != run.meaning:
        raise RunError(f"operator.pt holds an operator of a different problem (digest "
                       f"{state['meaning'][:12]}) than this run's config.yaml "
                       f"({run.meaning[:12]}): copied in from another run, or a file the "
                       "problem reads changed; train it again with --fresh",
                       path=str(run.path))
    model = OperatorModel(problem, operator_grid(problem))
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, KeyError, TypeError, AttributeError) as exc:
        raise RunError(f"operator.pt does not fit the run's operator ({str(exc)[:200]})",
                       path=str(run.path)) from None
    dtype = dtype or getattr(torch, problem.settings.training.dtype)
    return model.to(device, dtype).eval()


def write_instances(problem: Problem, grid: OperatorGrid, a: np.ndarray, u: np.ndarray,
                    ref: np.ndarray | None, out_dir: Path, stem: str, count: int) -> list[Path]:
    """Field files for the first ``count`` instances (XDMF series if time-dependent, else
    VTU) with prediction, reference, error and input, and one NPZ of all of them."""
    out_dir.mkdir(parents=True, exist_ok=True)   # a run's fields/: checked by RunDir.prepare
    field = problem.fields[0]
    name = problem.operator.input.name
    a_full = grid.broadcast(torch.as_tensor(a)).numpy()
    axes = {n: ax.nodes() for n, ax in zip(grid.names, grid.axes)}
    arrays = {f"axis_{n}": v for n, v in axes.items()}
    arrays.update({name: a, field: u})
    if ref is not None:
        arrays.update({f"{field}_reference": ref, f"{field}_error": u - ref})
    files = [write_npz(out_dir / f"{stem}.npz", **arrays)]
    for i in range(min(count, len(u))):
        data = {field: u[i], name: a_full[i]}
        if ref is not None:
            data.update({f"{field}_reference": ref[i], f"{field}_error": u[i] - ref[i]})
        if grid.time_axis is not None:
            ta = grid.time_axis
            space = [grid.axes[k].nodes() for k in range(len(grid.axes)) if k != ta]
            data = {k: np.moveaxis(v, ta, 0) for k, v in data.items()}
            files.append(write_xdmf_series(out_dir / f"{stem}_{i}.xdmf", space,
                                           grid.axes[ta].nodes(), data))
        else:
            files.append(write_vtu(out_dir / f"{stem}_{i}.vtu", list(axes.values()), data))
    return files


def _summary(errs: np.ndarray | None) -> dict:
    if errs is None:
        return {}
    return {"l2re_mean": float(errs.mean()), "l2re_worst": float(errs.max()),
            "l2re_median": float(np.median(errs)), "worst_instance": int(errs.argmax()),
            "l2re": [float(e) for e in errs]}


def _train_in(problem: Problem, run: RunDir, data: dict, fresh: bool, callback: Callback,
              init: dict | None = None, group: Distributed | None = None
              ) -> tuple[OperatorStepper, Loop]:
    device, dtype = _device_dtype(problem)
    if group is not None:
        device = group.device(device)
    state = None if fresh else run.resume_state(
        warn=None if callback is silent else (lambda m: callback("warning", Notice(m))))
    stepper = OperatorStepper(assemble_operator(problem, device, dtype, data, dist=group))
    loop = Loop(stepper, problem.settings.training, callback)
    if init is not None:
        stepper.model.load_state_dict(init)
    main = group is None or group.is_main
    if state is not None:
        # The state holds no per-rank part (every rank draws the same global batches), so
        # it resumes on any number of ranks.
        notes = loop.load_state_dict(state)
        if main:
            callback("resume", Notice(f"resuming {run.path} from step {loop.step}"
                                      + "".join("; " + n for n in notes), step=loop.step))
    if not main:
        run = ReadOnlyRun(run)
    else:
        if state is not None:
            run.truncate_log(loop.step)
        run.write_config(problem, environment(device, dtype, problem.settings.training.seed,
                                              problem.source))
    try:
        loop.run(run)
    except KeyboardInterrupt:
        run.save_checkpoint(loop.state_dict())
        callback("interrupted", Notice("interrupted", step=loop.step))
        raise
    return stepper, loop


def solve_operator(problem: Problem, out=None, *, fresh: bool = False,
                   callback: Callback | None = None) -> Run:
    """Train the neural operator of ``problem`` and write its run directory.

    Writes ``data.npz`` (instances), checkpoints, ``operator.pt``, ``metrics.json`` (mean
    and worst relative L2 error over the test set) and ``fields/`` (test predictions with
    reference and error). An existing run directory is resumed unless ``fresh``.

    Under torchrun (``--nproc N``) the ranks train data-parallel: rank 0 draws (or loads)
    the instances and writes everything; the others load its ``data.npz``.
    """
    callback = callback or silent
    device, _ = _device_dtype(problem)
    group = Distributed.from_env(device)   # under torchrun: this rank's place, else None
    meaning = meaning_digest(problem)
    run = RunDir(Path(out) if out is not None else
                 Path("runs") / f"{problem.name}-{meaning[:8]}", meaning=meaning)
    main = group is None or group.is_main
    with run.lock() if main else contextlib.nullcontext():
        return _solve_operator_in(problem, run, fresh, callback, group, main)


def _solve_operator_in(problem: Problem, run: RunDir, fresh: bool, callback: Callback,
                       group: Distributed | None, main: bool) -> Run:
    data_path = run.path / "data.npz"
    data, failed = None, None
    if main:
        try:
            if fresh:
                run.clear()
                for name in ("data.npz", "operator.pt"):
                    (run.path / name).unlink(missing_ok=True)
            if data_path.exists() and run.checkpoint_path.exists():
                data = _load_data(data_path, problem)
            else:
                data = make_data(problem)
                run.path.mkdir(parents=True, exist_ok=True)
                write_npz(data_path, **data)
        except PinnsolveError as exc:
            if group is None:
                raise
            failed = exc
    if group is not None:
        # Rank 0 has cleared and written data.npz before anyone reads; if it failed, every
        # rank stops with its message instead of waiting for it.
        message = group.gather(None if failed is None else str(failed))[0]
        if failed is not None:
            raise failed
        if message is not None:
            raise RunError(f"rank 0 could not prepare the instances: {message}",
                           path=str(run.path))
        if data is None:
            data = _load_data(data_path, problem)
    stepper, loop = _train_in(problem, run, data, fresh, callback, group=group)
    if group is not None:
        group.barrier()
        if not group.is_main:
            return Run(run.path)   # rank 0 writes the operator, fields and metrics
    grid = stepper.parts.grid
    files = [save_operator(stepper.model, run.path / "operator.pt", loop.step, run.meaning)]
    errs = stepper.test_errors()
    pred = stepper.predict(stepper.parts.test_a)[:, 0].cpu().numpy()
    files += write_instances(problem, grid, data["test_a"], pred, data.get("test_u"),
                             run.path / "fields", "test", problem.operator.write)
    metrics = {"problem": problem.name, "kind": "operator", "loss": problem.operator.loss,
               "steps": loop.step, "train_time_s": loop.elapsed,
               "device": str(stepper.parts.device), "dtype": problem.settings.training.dtype,
               "grid": dict(zip(grid.names, grid.shape)),
               "train_instances": len(data["train_a"]), "test_instances": len(data["test_a"]),
               "final_losses": stepper.last_losses, "test": _summary(errs),
               "files": [str(f) for f in files]}
    run.write_metrics(metrics)
    return Run(run.path)


def finetune(run: str | Path, instance: int = 0, *, steps: int = 500, lr: float = 1e-3,
             out: str | Path | None = None, fresh: bool = False,
             callback: Callback | None = None) -> dict:
    """Instance-wise fine-tuning: train a trained operator further on one test instance
    with the physics loss alone (PINO's test-time optimisation).

    Args:
        run: an operator run directory.
        instance: index of the test instance.
        steps, lr: Adam steps (cosine schedule) and learning rate.
        out: run directory of the fine-tuning (default ``RUN/finetune/instance_<i>``).
    Returns:
        Its metrics: relative L2 error before and after.
    """
    source = Run(run)
    problem = source.problem
    data = _load_data(source.path / "data.npz", problem)
    if not 0 <= instance < len(data["test_a"]):
        raise RunError(f"instance {instance} is not a test instance (0..{len(data['test_a']) - 1})",
                       path=str(source.path))
    init = load_operator(source).state_dict()
    sl = slice(instance, instance + 1)
    one = {"train_a": data["test_a"][sl], "test_a": data["test_a"][sl]}
    if "test_u" in data:
        one["test_u"] = data["test_u"][sl]
    tr = dataclasses.replace(problem.settings.training,
                             phases=(Phase(optimizer="adam", steps=steps, lr=lr, schedule="cosine"),))
    problem = dataclasses.replace(
        problem, operator=dataclasses.replace(problem.operator, loss="physics", batch=1),
        settings=dataclasses.replace(problem.settings, training=tr))
    target = RunDir(Path(out) if out is not None else
                    source.path / "finetune" / f"instance_{instance}",
                    meaning=meaning_digest(problem))
    with target.lock():
        return _finetune_in(problem, target, one, init, instance, fresh, callback)


def _finetune_in(problem: Problem, target: RunDir, one: dict, init: dict, instance: int,
                 fresh: bool, callback: Callback | None) -> dict:
    if fresh:
        target.clear()
    before = OperatorStepper(assemble_operator(problem, *_device_dtype(problem), one))
    before.model.load_state_dict(init)
    err_before = before.test_errors()
    stepper, loop = _train_in(problem, target, one, fresh, callback or silent, init=init)
    err_after = stepper.test_errors()
    pred = stepper.predict(stepper.parts.test_a)[:, 0].cpu().numpy()
    files = write_instances(problem, stepper.parts.grid, one["test_a"], pred, one.get("test_u"),
                            target.path / "fields", "instance", 1)
    metrics = {"problem": problem.name, "kind": "finetune", "instance": instance,
               "steps": loop.step, "train_time_s": loop.elapsed,
               "final_losses": stepper.last_losses, "files": [str(f) for f in files]}
    if err_after is not None:
        metrics.update(l2re_before=float(err_before[0]), l2re_after=float(err_after[0]))
    target.write_metrics(metrics)
    return metrics


def predict_operator(run: str | Path, inputs: str | Path | np.ndarray, *,
                     grid: dict[str, int] | None = None, out: str | Path | None = None) -> dict:
    """Apply a trained operator to new input functions.

    Args:
        run: an operator run directory.
        inputs: (N, *input grid) or (*input grid) values, or an .npz holding them under the
            input's name. The grid is the problem's kind of grid at this resolution (any
            resolution that the instance grid allows: zero-shot super-resolution); time
            nodes from ``grid`` or the training grid.
        out: directory for the solution files (default ``RUN/predictions``).
    Returns:
        ``{"prediction": (N, *grid), "grid": sizes, "files": [...]}``.
    """
    r = Run(run)
    problem = r.problem
    name = problem.operator.input.name
    stem = "prediction"
    if isinstance(inputs, (str, Path)):
        arrays = load_npz(Path(inputs), str(inputs), "--input")
        if name not in arrays:
            raise SpecError(f"the file has no array named '{name}' (the operator's input); "
                            f"arrays: {', '.join(arrays) or 'none'}", file=str(inputs),
                            key="--input")
        stem = Path(inputs).stem
        inputs = arrays[name]
    a = np.asarray(inputs, dtype=np.float64)
    base = operator_grid(problem)
    k = len(base.input_axes)
    if a.ndim == k:
        a = a[None]
    if a.ndim != k + 1 or not np.isfinite(a).all():
        raise SpecError(f"expected finite input values of shape (N, {', '.join(base.names[i] for i in base.input_axes)}), "
                        f"got {a.shape}", file="<input>", key=name)
    sizes = dict(grid or {})
    for j, i in enumerate(base.input_axes):
        sizes[base.names[i]] = a.shape[j + 1]
    g = operator_grid(problem, sizes)
    model = load_operator(r)
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        u = model(torch.as_tensor(a, dtype=dtype), g)[:, 0].double().numpy()
    result = {"prediction": u, "grid": dict(zip(g.names, g.shape))}
    out_dir = Path(out) if out is not None else r.path / "predictions"
    result["files"] = [str(p) for p in write_instances(problem, g, a, u, None, out_dir, stem,
                                                       problem.operator.write)]
    return result


def evaluate_operator(run: str | Path, grid: dict[str, int] | None = None) -> dict:
    """Relative L2 errors on the run's test instances evaluated on another grid (e.g. finer
    than training: zero-shot super-resolution), references recomputed on that grid."""
    r = Run(run)
    problem = r.problem
    if problem.operator.reference is None:
        raise RunError("the problem has no operator.reference to compare with", path=str(r.path))
    g = operator_grid(problem, grid)
    a, ref = instances(problem, "test", problem.operator.test, g)
    model = load_operator(r)
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        u = model(torch.as_tensor(a, dtype=dtype), g)[:, 0].double()
    errs = relative_l2(u, torch.as_tensor(ref)).numpy()
    return {"grid": dict(zip(g.names, g.shape)), **_summary(errs)}
