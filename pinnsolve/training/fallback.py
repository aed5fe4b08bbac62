"""Fallback when the planned configuration stalls (issue 17): the loop watches the loss of
a budgeted run (:func:`stall_reason`); when it stalls high, training ends there and the next
configuration of a short portfolio (:func:`portfolio`: gradient-norm balancing when
conditions are in the loss and the plan did not balance so already, the other activation,
then a wider network) trains from scratch in the budget left, in ``RUN/attempts/<k>/``.
The model kept is the one with the lowest residual on fixed uniform points
(:func:`residual_score`), never the one closest to the reference.

The stall rule was read off the loss logs of 128 budgeted runs of the zoo and held-out
problems (stops 27-31): after 40 % of the budget, within the current phase, a loss whose
best over the last 10 % of the budget is not 3× below the phase's best before it, and still
above 1e-2 of its start (it has not fallen 100×), while the next configuration would get at
least a quarter of the budget, marked 8 of the 23 runs that ended above L2RE 1e-2 and none
of the 105 that ended below (docs/zoo.md).
"""
from __future__ import annotations

import math
from typing import Mapping

from ..errors import SpecError
from ..geometry.select import region_geometry
from ..io.run import RunDir, environment
from ..models.frequency import planned_activation
from ..sampling import STRATEGIES, FixedSampler
from ..spec import Problem, rebuild
from ..spec.meaning import meaning_digest
from . import limits
from .loop import Loop
from .memory import measure_step_bytes
from .parts import Parts, assemble
from .pinn import PinnStepper, unbiased_loss
from .progress import Callback, Notice
from .weights import GradNorm

STALL_AFTER = 0.4    # share of the budget spent before a stall can be called
STALL_WINDOW = 0.1   # the recent window (share of the budget) of the current phase ...
STALL_GAIN = 3.0     # ... whose best loss must be this much below the phase's best before it
STALL_LEVEL = 1e-2   # a stall counts only while the best loss is above this share of its start
MIN_LEFT = 0.25      # an attempt needs at least this share of the budget left
WIDER = 80           # the portfolio's wider network (the plan's is 40)
SCORE_SEED = 7919    # the fixed uniform points every attempt is scored on


def stall_reason(trace: list[tuple[float, float, int]], budget: float) -> str | None:
    """Why the loss has stalled high, or None.

    Args:
        trace: (elapsed seconds, loss, phase index) at every log step of the attempt so far;
            the window and the best before it are read within the current phase (a phase
            that has just begun is not judged by the one before it).
        budget: the attempt's budget in seconds (0: none, never stalled).
    """
    if not budget or len(trace) < 4:
        return None
    now, _, phase = trace[-1]
    if now < STALL_AFTER * budget:
        return None
    start = max(v for _, v, _ in trace[:3])
    cut = now - STALL_WINDOW * budget
    before = [v for t, v, p in trace if p == phase and t <= cut]
    recent = [v for t, v, p in trace if p == phase and t > cut]
    if not before or not recent or not all(map(math.isfinite, (start, min(recent)))):
        return None
    best, earlier = min(recent), min(before)
    if best > earlier / STALL_GAIN and best > STALL_LEVEL * start:
        return (f"the loss stalled high: its best over the last {STALL_WINDOW:.0%} of the "
                f"budget ({best:.3g}) is not {STALL_GAIN:g}× below the phase's best before "
                f"({earlier:.3g}) and above {STALL_LEVEL:g} of its start ({start:.3g})")
    return None


def watcher(budget: float, spent: float):
    """The loop's ``watch`` for an attempt that starts after ``spent`` seconds of the run's
    ``budget``: :func:`stall_reason`, but only while a next attempt would still get
    MIN_LEFT of the budget (otherwise the attempt trains to the end)."""
    def watch(trace, attempt_budget: float) -> str | None:
        if not trace or budget - spent - trace[-1][0] < MIN_LEFT * budget:
            return None
        return stall_reason(trace, attempt_budget)
    return watch


def portfolio(problem: Problem, kinds: Mapping[str, str] | None = None
              ) -> list[tuple[str, dict[str, object], str]]:
    """The configurations to try after the planned one, in order: (label, overrides, the
    planned key they replace). Only what the plan chose is changed: a setting of the file
    stays.

    ``kinds`` (term name → kind, of the planned run's loss): when conditions or data are in
    the loss beside the equations, gradient-norm balancing comes first. A loss stalled high
    with the equations' residual small is the trivial solution, the conditions outweighed:
    Helmholtz at k = 10 on an L-shape with its walls in the loss sat at p ≈ 0 (L2RE 1.00 at
    2 minutes, as planned and with either activation); balanced by gradient norms from
    the start, 3.2e-3 (docs/zoo.md, stop 34)."""
    planned = problem.settings.training.planned
    out: list[tuple[str, dict[str, object], str]] = []
    if "weights" in planned and kinds and any(k != "equation" for k in kinds.values()) \
            and "equation" in kinds.values():
        out.append(("gradient-norm balancing", {"training.weighting.scheme": "grad_norm"},
                    "weights"))
    if "activation" in planned:
        other = "tanh" if planned_activation(problem)[0] == "sin" else "sin"
        out.append((f"{other} activation", {"model.activation": other}, "activation"))
    if "model" in planned:
        m = problem.settings.model
        out.append((f"a wider network ({m.depth}×{WIDER})", {"model.width": WIDER}, "model"))
    return out


def enabled(problem: Problem, distributed: bool) -> bool:
    """Whether a run of ``problem`` watches for stalls: ``training.fallback`` with a budget,
    on one process, without multi-stage refinement."""
    tr = problem.settings.training
    return bool(tr.fallback and tr.budget and not distributed and not tr.stages
                and {"activation", "model"} & set(tr.planned))   # a portfolio to try


def attempt_problem(problem: Problem, overrides: dict[str, object], replaces: str,
                    budget: float) -> Problem:
    """``problem`` with one portfolio entry applied, the key it sets no longer planned, and
    the budget left; no further fallback inside it (the caller runs the portfolio)."""
    planned = [k for k in problem.settings.training.planned if k != replaces]
    extra = [f"{k}={v}" for k, v in overrides.items()]
    extra += [f"training.budget={budget:.3f}", "training.fallback=false",
              f"training.planned=[{', '.join(planned)}]"]
    return rebuild(problem, extra)


def residual_score(parts: Parts) -> float:
    """The geometric mean over the loss terms of their mean squared residual on a fixed
    uniform draw of each term's region (as many points as training uses; observations on
    their own points), so that attempts with other weights or points compare fairly."""
    problem = parts.problem
    logs = []
    for i, (key, terms) in enumerate(sorted(parts.groups.items())):
        sampler = parts.samplers[key]
        n = int(sampler.points().shape[0])
        if isinstance(sampler, FixedSampler):
            points, normals = sampler.points(), sampler.normals()
        else:
            fixed = STRATEGIES["uniform"].build(
                region_geometry(problem, terms[0].region), n, problem.settings.sampling,
                resample_every=0, seed=SCORE_SEED + i, dtype=parts.dtype, device=parts.device)
            points, normals = fixed.points(), fixed.normals()
        res = parts.compiled.evaluate(parts.model, terms, points, normals=normals)
        for r in res.values():
            mse = float(r.detach().square().mean())
            logs.append(math.log(max(mse, 1e-300)) if math.isfinite(mse) else math.inf)
    return math.exp(sum(logs) / len(logs)) if logs else math.inf


def run_portfolio(problem: Problem, first: PinnStepper, first_loop: Loop, run: RunDir,
                  callback: Callback, device, dtype) -> tuple[PinnStepper, dict]:
    """After ``first_loop`` stopped as "stalled": train the portfolio's configurations in
    turn, each in the budget left, while they stall too; each resumes from its own
    ``RUN/attempts/<k>/`` checkpoint.

    Returns:
        (the stepper of the model kept, the report for metrics.json).
    """
    budget = problem.settings.training.budget
    reports = [_report("planned", first, first_loop)]
    best, chosen = first, 1
    spent, loop = first_loop.elapsed, first_loop
    entries = portfolio(problem, {t.name: t.kind for t in first.parts.terms})
    if isinstance(first.balance, GradNorm):   # the plan balanced by gradient norms already
        entries = [e for e in entries if e[2] != "weights"]
    for k, (label, overrides, replaces) in enumerate(entries, start=2):
        left = budget - spent
        if loop.stopped != "stalled" or left < MIN_LEFT * budget:
            break
        sub_problem = attempt_problem(problem, overrides, replaces, left)
        sub = RunDir(run.path / "attempts" / str(k), meaning_digest(sub_problem), root=run.root)
        tr = sub_problem.settings.training
        parts = assemble(sub_problem, device, dtype)
        try:   # a wider network may not fit where the planned one did
            limits.check_measured(sub_problem, measure_step_bytes(parts), str(device))
        except SpecError as exc:
            callback("warning", Notice(f"fallback attempt {k} ({label}) skipped: {exc}"))
            continue
        stepper = PinnStepper(parts, tr, unbiased=unbiased_loss(sub_problem))
        last = k == len(entries) + 1   # the last configuration trains to the end
        loop = Loop(stepper, tr, callback, watch=None if last else watcher(budget, spent))
        state = sub.resume_state(warn=lambda m: callback("warning", Notice(m)))
        if state is not None:
            loop.resume(state, f"the checkpoint of attempt {k}", sub.path)
        callback("fallback", Notice(
            f"attempt {k}: {label} in the {left:.0f} s left (the previous configuration "
            "stalled)", step=0, data={"attempt": k, "config": label}))
        sub.truncate_log(loop.step)
        sub.write_config(sub_problem, environment(device, dtype, tr.seed, problem.source))
        if loop.stopped != "stalled":
            try:
                loop.run(sub)
            except KeyboardInterrupt:
                sub.save_checkpoint(loop.state_dict(collective=False))
                callback("interrupted", Notice("interrupted", step=loop.step,
                                               data={"attempt": k}))
                raise
        spent += loop.elapsed
        reports.append(_report(label, stepper, loop))
        if reports[-1]["residual"] < reports[chosen - 1]["residual"]:
            best, chosen = stepper, len(reports)
    run.write_chosen(chosen)
    return best, {"attempts": reports, "chosen": chosen,
                  "rule": f"stall after {STALL_AFTER:.0%} of the budget: best of the last "
                          f"{STALL_WINDOW:.0%} not {STALL_GAIN:g}× lower and above "
                          f"{STALL_LEVEL:g} of the start; kept: lowest residual_score"}


def _report(label: str, stepper: PinnStepper, loop: Loop) -> dict:
    reason = loop.switches[-1]["reason"] if loop.stopped == "stalled" and loop.switches \
        else None
    errs = stepper.field_errors()   # reported, never used to choose
    l2re = None if errs is None else {f: e["l2re"] for f, e in errs.items()
                                      if e.get("measure", "l2re") == "l2re"}
    return {"config": label, "steps": loop.step, "train_time_s": round(loop.elapsed, 3),
            "stopped": loop.stopped, "why": reason, "residual": residual_score(stepper.parts),
            "l2re": l2re}
