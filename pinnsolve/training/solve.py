"""``solve``: load a problem, resume or start its run directory, train it (trainer.py, or
operator_run.py for PINO problems) and write fields, plots and metrics."""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Mapping

import torch

from ..errors import RunError, SolveError
from ..io.fields import evaluate
from ..io.metrics import errors
from ..io.output import write_outputs, write_point_cloud
from ..io.run import Run, RunDir, environment
from ..spec import Problem, load_problem, rebuild
from . import acceleration, limits
from .distributed import Distributed, ReadOnlyRun
from .stages import refine
from .trainer import Callback, Trainer, resolve_device


def _load_checkpoint(run: RunDir, callback: Callback | None) -> dict | None:
    """The checkpoint to resume from; fallback warnings go to the callback (the CLI shows
    them) or, without one, to ``warnings``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = run.load_checkpoint()
    for w in caught:
        if callback is not None:
            callback("warning", {"message": str(w.message)})
        else:
            warnings.warn(str(w.message), w.category, stacklevel=3)
    return state


def solve(problem: Problem | str | os.PathLike | Mapping, out: str | os.PathLike | None = None,
          *, overrides: tuple[str, ...] | list[str] = (), fresh: bool = False,
          callback: Callback | None = None, **settings) -> Run:
    """Train a PINN for ``problem`` and write its run directory.

    Args:
        problem: a Problem, a problem file path or a mapping.
        out: run directory (default ``runs/<problem name>``). An existing one is resumed
            from its last checkpoint unless ``fresh``.
        overrides: dotted ``key=value`` strings.
        fresh: discard an existing run in ``out``.
        callback: progress events ``(event, info)``.
        **settings: overrides as keywords, ``__`` for dots: ``training__dtype="float64"``.
    Returns:
        The :class:`Run` (metrics, predict, export).
    """
    extra = list(overrides) + [f"{k.replace('__', '.')}={v}" for k, v in settings.items()]
    if not isinstance(problem, Problem):
        problem = load_problem(problem, extra)
    elif extra:
        problem = rebuild(problem, extra)  # keeps the overrides it was loaded with
    if problem.operator is not None:   # a neural-operator (PINO) problem: training/operator.py
        from .operator_run import solve_operator

        return solve_operator(problem, out, fresh=fresh, callback=callback)
    tr = problem.settings.training
    if tr.threads:
        torch.set_num_threads(tr.threads)
    device = resolve_device(tr.device)
    dtype = getattr(torch, tr.dtype)
    group = Distributed.from_env(device)   # under torchrun: this rank's place, else None
    if group is not None:
        device = group.device(device)
        if tr.stages:
            raise SolveError("training.stages (multi-stage refinement) runs on one process; "
                             "start it without torchrun")
    limits.check(problem, str(device))  # before anything big is allocated
    run = RunDir(Path(out) if out is not None else Path("runs") / problem.name)
    state = None
    if fresh and (group is None or group.is_main):
        run.clear()
    if group is not None:
        group.barrier()   # rank 0 has cleared before anyone reads
    if not fresh:
        state = _load_checkpoint(run, callback)
    trainer = Trainer(problem, device, dtype, callback, distributed=group)
    if state is not None:
        try:
            trainer.load_state_dict(state)
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            raise RunError("the checkpoint does not fit this problem (its model or settings "
                           f"changed since: {str(exc)[:200]}); start over with --fresh or "
                           "use another --out", path=str(run.path)) from None
        if int(state.get("world_size", 1)) != (1 if group is None else group.world) \
                and callback:
            callback("warning", {"message": f"resumed a run of {state.get('world_size', 1)} "
                                 "rank(s): collocation points drawn afresh"})
    if group is not None and not group.is_main:
        run = ReadOnlyRun(run)
    else:
        # Also without a checkpoint: a run killed before its first one left log rows behind.
        run.truncate_log(trainer.step)
        run.write_config(problem, environment(device, dtype, tr.seed, problem.source))
    try:
        with acceleration.matmul_precision(tr.matmul_precision):
            trainer.train(run)
    except KeyboardInterrupt:
        # Ranks are interrupted at different points: no collective here.
        run.save_checkpoint(trainer.state_dict(collective=False))
        if callback:
            callback("interrupted", {"step": trainer.step})
        raise
    stage_reports = None
    if tr.stages:  # multi-stage refinement (training/stages.py): trainer becomes the last stage
        trainer, stage_reports = refine(problem, trainer, run, callback)
    if group is not None:
        group.barrier()
        if not group.is_main:
            return Run(run.path)   # rank 0 writes the outputs and metrics
    files = write_outputs(problem, trainer.model, run.path, dtype=dtype, log=run.read_log())
    if problem.domain.n_inputs <= 3:
        points, values = trainer.collocation()
        files.append(write_point_cloud(run.path / "fields" / "collocation.vtu", points, values))
    metrics = {"problem": problem.name,
               "steps": sum(r["steps"] for r in stage_reports) if stage_reports else trainer.step,
               "train_time_s": sum(r["train_time_s"] for r in stage_reports)
               if stage_reports else trainer.elapsed, "device": str(device), "dtype": tr.dtype,
               "final_losses": trainer.last_losses, "imposed_exactly": sorted(trainer.imposed),
               "notes": trainer.notes, "warnings": trainer.warnings,
               "files": [str(f) for f in files],
               "sampling": {"strategy": problem.settings.sampling.strategy,
                            **trainer.sampling_report()}}
    if stage_reports:
        metrics["stages"] = stage_reports
    if trainer.reference is not None:
        pts, ref = trainer.reference
        pred = evaluate(trainer.model, pts, dtype=dtype, device=device)
        metrics["errors"] = errors(problem.fields, pred, ref)
    if problem.unknowns:
        metrics["unknowns"] = {n: float(p.detach()) for n, p in trainer.compiled.unknowns.items()}
        metrics["unknowns_exact"] = {u.name: u.true_value for u in problem.unknowns
                                     if u.true_value is not None}
    run.write_metrics(metrics)
    return Run(run.path)
