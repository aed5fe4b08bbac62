"""``solve``: load a problem, open (or resume) its run directory, assemble the parts, run the
loop (PINN here; operator problems go to training/operator/) and write fields, plots and
metrics."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Mapping

import torch

from ..errors import RunError, SolveError
from ..io.output import write_outputs, write_point_cloud
from ..io.run import Run, RunDir, environment
from ..geometry.checks import check_files
from ..spec import Problem, load_problem, rebuild
from ..spec.meaning import meaning_digest
from . import acceleration, fallback, limits
from .distributed import Distributed, ReadOnlyRun
from .loop import Loop
from .memory import measure_step_bytes
from .parts import Parts, assemble, resolve_device
from .pinn import PinnStepper, unbiased_loss
from .progress import Callback, Notice, silent
from .stages import refine
from .threads import choose_threads, keep_reason


def prepare(problem: Problem | str | os.PathLike | Mapping, overrides=(), settings=None
            ) -> Problem:
    """The Problem with dotted overrides (and ``__``-keyword settings) applied."""
    extra = list(overrides) + [f"{k.replace('__', '.')}={v}" for k, v in (settings or {}).items()]
    if not isinstance(problem, Problem):
        return load_problem(problem, extra)
    return rebuild(problem, extra) if extra else problem  # keeps the overrides it had


def run_directory(problem: Problem, out) -> RunDir:
    """The run directory of ``problem``: ``out``, or ``runs/<name>-<digest>`` so that
    different problems never share one by default."""
    meaning = meaning_digest(problem)
    path = Path(out) if out is not None else Path("runs") / f"{problem.name}-{meaning[:8]}"
    return RunDir(path, meaning=meaning, raw=problem.raw)


def resume(run: RunDir, fresh: bool, callback: Callback | None, main: bool = True
           ) -> dict | None:
    """The checkpoint state to resume from (None: start afresh). ``fresh`` clears the
    directory first (on the main rank). Warnings (a damaged checkpoint) go to the callback,
    or without one to ``warnings.warn``."""
    if fresh:
        if main:
            run.clear()
        return None
    return run.resume_state(warn=None if callback is None else
                            (lambda m: callback("warning", Notice(m))))


def check_carry(loop: Loop, stepper: PinnStepper, path) -> None:
    """Refuse an optimizer state from the checkpoint that the phase's optimizer cannot load:
    torch finds out only when the phase starts, mid-training, as a ValueError. Every
    optimizer of training/phases.py trains all parameters in one group.

    Raises:
        RunError: naming the run directory, the group sizes found and the ones expected.
    """
    if loop.carry is None:
        return
    sizes = [len(g.get("params", [])) for g in loop.carry["param_groups"]]
    if sizes != [len(stepper.params)]:
        raise RunError(f"the checkpoint's optimizer state has parameter groups of {sizes} "
                       f"parameters; this model's optimizer has one group of "
                       f"{len(stepper.params)}: the checkpoint was edited; start over with "
                       "--fresh or use another --out", path=str(path))


def announce(callback: Callback, run: RunDir, state: dict, notes: list[str]) -> None:
    """Say that a run resumes, from which step, and how a changed plan was mapped."""
    message = f"resuming {run.path} from step {int(state['step'])}"
    if notes:
        message += "; " + "; ".join(notes)
    callback("resume", Notice(message, step=int(state["step"])))


def solve(problem: Problem | str | os.PathLike | Mapping, out: str | os.PathLike | None = None,
          *, overrides: tuple[str, ...] | list[str] = (), fresh: bool = False,
          callback: Callback | None = None, **settings) -> Run:
    """Train a PINN for ``problem`` and write its run directory.

    Args:
        problem: a Problem, a problem file path or a mapping.
        out: run directory (default ``runs/<problem name>-<8 hex digits of its digest>``).
            An existing one is resumed from its last checkpoint unless ``fresh``; a
            checkpoint of a different problem is refused (RunError).
        overrides: dotted ``key=value`` strings.
        fresh: discard an existing run in ``out``.
        callback: progress records ``(event, Progress | Notice)`` (training/progress.py).
        **settings: overrides as keywords, ``__`` for dots: ``training__dtype="float64"``.
    Returns:
        The :class:`Run` (metrics, predict, export).
    """
    problem = prepare(problem, overrides, settings)
    if problem.operator is not None:   # a neural-operator (PINO) problem
        from .operator.run import solve_operator

        return solve_operator(problem, out, fresh=fresh, callback=callback)
    tr = problem.settings.training
    if isinstance(tr.threads, int) and tr.threads:
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
    check_files(problem)   # meshes (the domain's and output.mesh) read and validated now
    run = run_directory(problem, out)
    main = group is None or group.is_main
    # The main rank holds the run directory for the whole solve (io/lock.py): a second
    # solve into it gets a clear error; checks of the directory come before any training.
    with run.lock() if main else contextlib.nullcontext():
        return _solve_in(problem, run, fresh, callback, device, dtype, group, main)


def _solve_in(problem: Problem, run: RunDir, fresh: bool, callback: Callback | None,
              device, dtype, group: Distributed | None, main: bool) -> Run:
    tr = problem.settings.training
    state = resume(run, fresh, callback, main)
    callback = callback or silent
    if group is not None:
        group.barrier()   # rank 0 has cleared before anyone reads
    parts = assemble(problem, device, dtype, dist=group)
    # The model of limits.check can be far off for some operators: measure (two small
    # probes, well under a second) before the first full step allocates.
    limits.check_measured(problem, measure_step_bytes(parts), str(device))
    stepper = PinnStepper(parts, tr, unbiased=unbiased_loss(problem))
    if tr.threads == "auto" and device.type == "cpu" and keep_reason(
            None if tr.budget else sum(ph.steps for ph in tr.phases)) is None:
        pick_threads(stepper, callback)
    watching = fallback.enabled(problem, group is not None)
    loop = Loop(stepper, tr, callback, watch=fallback.watcher(tr.budget, 0.0) if watching
                else None)
    if state is not None:
        notes = loop.resume(state, "the checkpoint", run.path)
        check_carry(loop, stepper, run.path)
        if int(state.get("world_size", 1)) != (1 if group is None else group.world):
            notes.append(f"it was a run of {state.get('world_size', 1)} rank(s): collocation "
                         "points are drawn afresh")
        if main:
            announce(callback, run, state, notes)
    if not main:
        run = ReadOnlyRun(run)
    else:
        # Also without a checkpoint: a run killed before its first one left log rows behind.
        run.truncate_log(loop.step)
        run.write_config(problem, environment(device, dtype, tr.seed, problem.source))
    try:
        with acceleration.matmul_precision(tr.matmul_precision):
            if not (watching and loop.stopped == "stalled"):   # else it goes on below
                loop.run(run)
    except KeyboardInterrupt:
        # Ranks are interrupted at different points: no collective here.
        run.save_checkpoint(loop.state_dict(collective=False))
        callback("interrupted", Notice("interrupted", step=loop.step))
        raise
    final, stage_reports, attempts = stepper, None, None
    if watching and loop.stopped == "stalled":   # the next configurations (training/fallback.py)
        with acceleration.matmul_precision(tr.matmul_precision):
            final, attempts = fallback.run_portfolio(problem, stepper, loop, run, callback,
                                                     device, dtype)
    elif main and (run.path / "attempts").is_dir():
        run.write_chosen(1)   # resumed without the fallback: the run's own model is the one
    if tr.stages:  # multi-stage refinement (training/stages.py): the last stage's composite
        final, stage_reports = refine(problem, stepper, loop, run, callback)
    if group is not None:
        group.barrier()
        if not group.is_main:
            return Run(run.path)   # rank 0 writes the outputs and metrics
    # a kept fallback attempt has its own model notes (its activation, width)
    return Run(_finish(problem, run, final, final.parts if attempts else stepper.parts, loop,
                       stage_reports, device, dtype, attempts))


def pick_threads(stepper: PinnStepper, callback: Callback) -> None:
    """``training.threads: auto``: time a few loss and gradient evaluations at one thread
    and at the usable CPU count (training/threads.py) and keep the faster; random streams
    and gradients are left as they were."""
    rng = torch.get_rng_state()
    gen = stepper.engine_generator()
    gen_state = gen.get_state() if gen is not None else None

    def probe():
        total, _, _ = stepper.losses()
        total.backward()
        for p in stepper.params:
            p.grad = None

    try:
        choice = choose_threads(probe)
    finally:
        torch.set_rng_state(rng)
        if gen is not None:
            gen.set_state(gen_state)
    timed = ", ".join(f"{k}: {1e3 * v:.1f} ms" for k, v in sorted(choice.timings.items()))
    callback("threads", Notice(f"{choice.threads} torch thread(s)"
                               + (f" (a step timed at {timed})" if timed else ""),
                               data={"threads": choice.threads}))


def _finish(problem: Problem, run: RunDir, stepper: PinnStepper, first: Parts, loop: Loop,
            stage_reports: list[dict] | None, device, dtype, attempts: dict | None = None
            ) -> Path:
    """Write fields, the collocation points and metrics.json of the final ``stepper`` (the
    last stage's, the kept attempt's, or the first's); ``first`` holds the imposed terms and
    model notes; ``attempts`` is the fallback's report."""
    at_reference = stepper.at_reference()   # one evaluation for the errors and the files
    files = write_outputs(problem, stepper.model, run.path, dtype=dtype, log=run.read_log(),
                          at_reference=at_reference)
    if problem.domain.n_inputs <= 3:
        points, values = stepper.collocation()
        time = problem.domain.time
        files.append(write_point_cloud(run.path / "fields" / "collocation.vtu", points, values,
                                       time=time.name if time is not None else None,
                                       regions=sorted(stepper.parts.groups),
                                       run_path=run.root))
    tr = problem.settings.training
    runs = stage_reports or (attempts or {}).get("attempts")
    metrics = {"problem": problem.name,
               "steps": sum(r["steps"] for r in runs) if runs else loop.step,
               "train_time_s": sum(r["train_time_s"] for r in runs) if runs else loop.elapsed,
               "device": str(device), "dtype": tr.dtype,
               "final_losses": stepper.last_losses,
               "imposed_exactly": sorted(first.imposed), "notes": list(first.notes), "warnings": loop.warnings,
               "files": [str(f) for f in files],
               "sampling": {"strategy": problem.settings.sampling.strategy,
                            **stepper.sampling_report()}}
    if tr.budget or tr.tolerance or loop.switches:
        metrics["budget"] = {"budget_s": tr.budget or None, "used_s": metrics["train_time_s"],
                             "stopped": loop.stopped, "switches": loop.switches}
    if stepper.rescaled:   # output scales moved while training (training/rescale.py)
        metrics["rescaled"] = stepper.rescaled
    if any(w != 1.0 for w in stepper.weights.values()):   # set, planned or adapted
        metrics["weights"] = dict(stepper.weights)
    if stage_reports:
        metrics["stages"] = stage_reports
    if attempts:
        metrics["fallback"] = attempts
    if stepper.parts.reference is not None:
        metrics["errors"] = stepper.field_errors(at_reference)
    if problem.unknowns:
        metrics["unknowns"] = {n: float(p.detach())
                               for n, p in stepper.compiled.unknown_values().items()}
        metrics["unknowns_exact"] = {u.name: u.true_value for u in problem.unknowns
                                     if u.true_value is not None}
    run.write_metrics(metrics)
    return run.path
