"""The one training loop: phases of optimizer steps with a clock, a cadence (log, evaluate,
checkpoint), snapshots and NaN rollback. PINN and PINO training differ only in the
:class:`Stepper` they hand to it (training/pinn.py, training/operator/stepper.py).

A stepper owns the model, its optimizer and what it trains on; the loop owns the position
(step, phase, phase step), the learning-rate scale left by rollbacks, the clock, the last
good snapshot and the retry budget. Every attribute the loop changes is set in
``__init__``.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from ..errors import RunError, SolveError
from ..spec.schema import Phase, TrainingSettings
from .progress import Callback, Notice, Progress, silent


STOPS = ("budget", "tolerance", "stalled")   # why training ended early (Loop.stopped)


class NonFinite(Exception):
    """A step went non-finite: ``what`` (parameters, inputs, loss, gradient) and the
    ``names`` of the culprits; ``advice`` ends the error if rollbacks do not help."""

    def __init__(self, what: str, names: Sequence[str], advice: str):
        super().__init__(what)
        self.what, self.names, self.advice = what, list(names), advice


@dataclass(frozen=True)
class Position:
    """Where the loop stands when it asks for a step. ``room``: how many steps may be taken
    before the phase ends or the next checkpoint is due (chunked optimizers stop there);
    ``time_left``: seconds of ``training.budget`` left (None without a budget)."""

    step: int
    phase_step: int
    lr_scale: float
    room: int
    time_left: float | None = None


class Stepper(Protocol):
    """What a kind of training provides to :class:`Loop`."""

    name: str                  # the problem's name (progress records)
    points_per_step: int       # collocation points or grid nodes per step (throughput)
    messages: list[str]        # warnings of the last step, passed on by the loop
    notices: list[tuple[str, str]]   # (event, message) of the last step, the same
    phase_over: str | None     # set by a step that ends its phase: why (the loop resets it)

    def begin_phase(self, phase: Phase, optimizer_state: dict | None) -> None:
        """Make the phase's optimizer (loading ``optimizer_state`` when given)."""

    def step(self, phase: Phase, at: Position) -> int:
        """Take steps; return how many were taken, or raise :class:`NonFinite`."""

    def end_phase(self, phase: Phase, following: Phase | None) -> dict | None:
        """Drop the optimizer; return its state when ``following`` should start from it."""

    def optimizer_state(self) -> dict | None: ...
    def snapshot(self) -> dict: ...
    def restore(self, snapshot: dict) -> None: ...
    def state_dict(self, collective: bool = True) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...
    def report(self) -> dict: ...        # Progress fields: losses, lr, sampling, weights...
    def objective(self) -> float: ...     # the weighted loss of the last step
    def error(self) -> float | None: ...
    def before_log(self) -> None: ...     # collectives every rank runs at a log step
    def start(self) -> list[tuple[str, str]]: ...   # (event, message) before the first step


class Loop:
    """Runs ``training.phases`` with ``stepper``.

    Args:
        stepper: PINN or PINO steps.
        training: the training settings (phases, cadence, retry budget).
        callback: receives Progress records and Notices (training/progress.py).
        watch: ``watch(trace, budget)`` at every log step, with ``trace`` the (elapsed s,
            loss, phase index) of all log steps so far: a reason to stop as "stalled"
            (training ends so that a fallback can take over, training/fallback.py), or None.
    """

    def __init__(self, stepper: Stepper, training: TrainingSettings,
                 callback: Callback | None = None, watch=None):
        self.stepper = stepper
        self.phases: tuple[Phase, ...] = training.phases
        self.training = training
        self.callback: Callback = callback or silent
        self.step = 0
        self.phase = 0
        self.phase_step = 0
        self.lr_scale = 1.0
        self.elapsed = 0.0
        self.history: list[int] = []      # steps done in each finished phase
        self.carry: dict | None = None    # optimizer state for the phase about to start
        self.retries = 0
        self.good: dict | None = None
        self.warnings: list[str] = []
        self.points_per_s = 0.0
        self.t_start = time.perf_counter()
        self.stopped: str | None = None        # one of STOPS when training ended early
        self.switches: list[dict] = []         # phases that ended early, and why
        self.recent: list[tuple[int, float]] = []   # (step, loss) at the phase's log steps
        self.watch = watch
        self.trace: list[tuple[float, float, int]] = []   # (elapsed s, loss, phase) per log

    @property
    def total_steps(self) -> int:
        return sum(p.steps for p in self.phases)

    # -- the loop ---------------------------------------------------------------------------
    def run(self, run=None) -> None:
        """Train to the end of the last phase, or until ``training.budget`` is spent or the
        loss is below ``training.tolerance``; checkpoints and log rows go to ``run`` (a
        RunDir, or None)."""
        tr = self.training
        self.retries = 0
        self.stopped = None
        self.t_start = time.perf_counter() - self.elapsed
        self.callback("start", self.progress())
        if self.step == 0:
            for event, message in self.stepper.start():
                if event == "warning":
                    self.warn(message)
                else:
                    self.callback(event, Notice(message, step=0))
        while self.phase < len(self.phases) and self.stopped is None:
            phase = self.phases[self.phase]
            self.stepper.begin_phase(phase, self.carry)
            self.carry = None
            self.recent = []
            self._snapshot()
            phase_t0 = time.perf_counter()
            ended = None
            while self.phase_step < phase.steps:
                ended = self._time_is_up(phase, phase_t0)
                if ended:
                    break
                t0 = time.perf_counter()
                room = min(phase.steps - self.phase_step,
                           tr.checkpoint_every - self.step % tr.checkpoint_every)
                try:
                    left = tr.budget - (t0 - self.t_start) if tr.budget else None
                    done = self.stepper.step(phase, Position(self.step, self.phase_step,
                                                             self.lr_scale, room, left))
                except NonFinite as bad:
                    self._rollback(bad)
                    continue
                finally:
                    for message in self.stepper.messages:
                        self.warn(message)
                    self.stepper.messages.clear()
                    for event, message in self.stepper.notices:
                        self.callback(event, Notice(message, step=self.step))
                    self.stepper.notices.clear()
                self.step += done
                self.phase_step += done
                # A stepper may end its phase (a quasi-Newton phase at round-off).
                over, self.stepper.phase_over = self.stepper.phase_over, None
                self.points_per_s = self.stepper.points_per_step * done / max(
                    time.perf_counter() - t0, 1e-9)
                self.elapsed = time.perf_counter() - self.t_start
                if self.step % tr.log_every < done or self.phase_step >= phase.steps or over:
                    self._log(run, phase)
                    self._snapshot()
                    self.retries = 0
                    ended = self._converged(phase) or over
                if run is not None and self.step % tr.checkpoint_every < done:
                    run.save_checkpoint(self.state_dict())
                if ended:
                    break
            if ended:
                self._switch(phase, ended)
            if self.stopped is not None:
                break   # the position stays in this phase: a larger budget continues it
            self.phase += 1
            self.history.append(self.phase_step)
            self.phase_step = 0
            following = self.phases[self.phase] if self.phase < len(self.phases) else None
            self.carry = self.stepper.end_phase(phase, following)
            if run is not None:
                run.save_checkpoint(self.state_dict())
        if self.stopped == "budget":
            if run is not None:   # the clock stopped at the budget; saving is not training
                run.save_checkpoint(self.state_dict())
        else:
            self.elapsed = time.perf_counter() - self.t_start
            if self.stopped is not None and run is not None:
                run.save_checkpoint(self.state_dict())
        self.callback("end", self.progress())

    # -- when a phase or training ends ------------------------------------------------------
    def _time_is_up(self, phase: Phase, phase_t0: float) -> str | None:
        """Why the phase ends before its next step on the clock, or None."""
        budget = self.training.budget
        elapsed = time.perf_counter() - self.t_start
        if phase.seconds and time.perf_counter() - phase_t0 > phase.seconds:
            return f"its {phase.seconds:g} s (phase seconds) are spent"
        if budget and elapsed >= budget:
            self.stopped = "budget"
            self.elapsed = elapsed
            return f"the training budget of {budget:g} s is spent"
        if budget and phase.budget_share < 1 and elapsed >= phase.budget_share * budget:
            return f"{phase.budget_share:g} of the budget is spent (budget_share)"
        return None

    def _converged(self, phase: Phase) -> str | None:
        """At a log step: the tolerance reached (training ends) or a plateau (the phase
        ends), else None."""
        loss = self.stepper.objective()
        tol = self.training.tolerance
        if tol and loss < tol:
            self.stopped = "tolerance"
            return f"the loss {loss:.3g} is below training.tolerance {tol:g}"
        self.recent.append((self.step, loss))
        if self.watch is not None:   # the trace is kept for the watch only
            self.trace.append((round(self.elapsed, 3), float(loss), self.phase))
            why = self.watch(self.trace, self.training.budget)
            if why:
                self.stopped = "stalled"
                return why
        if not phase.patience:
            return None
        cut = self.step - phase.patience
        before = [v for s, v in self.recent if s <= cut]
        after = [v for s, v in self.recent if s > cut]
        if before and after and min(after) > 0.99 * min(before):
            return (f"a plateau: the best loss of the last {phase.patience} steps "
                    f"({min(after):.3g}) is not 1 % below the best before ({min(before):.3g})")
        return None

    def _switch(self, phase: Phase, why: str) -> None:
        """Record and announce why a phase ended early."""
        elapsed = time.perf_counter() - self.t_start if self.stopped != "budget" else self.elapsed
        entry = {"step": self.step, "phase": phase.optimizer, "elapsed_s": round(elapsed, 3),
                 "reason": why}
        self.switches.append(entry)
        ending = "training ends" if self.stopped else f"phase {self.phase + 1} ({phase.optimizer}) ends"
        self.callback("switch", Notice(f"{ending} at step {self.step}: {why}", step=self.step,
                                       data={"reason": why}))

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.callback("warning", Notice(message, step=self.step))

    # -- progress ---------------------------------------------------------------------------
    def progress(self, error: float | None = None) -> Progress:
        elapsed = time.perf_counter() - self.t_start
        rate = self.step / elapsed if elapsed > 0 and self.step else None
        phase = self.phases[min(self.phase, len(self.phases) - 1)].optimizer \
            if self.phases else ""
        eta = (self.total_steps - self.step) / rate if rate else None
        if self.training.budget:   # the clock ends training before the step counts do
            eta = max(self.training.budget - elapsed, 0.0) if eta is None else \
                min(eta, max(self.training.budget - elapsed, 0.0))
        return Progress(problem=self.stepper.name, step=self.step,
                        total_steps=self.total_steps, phase=phase, elapsed_s=elapsed,
                        points_per_s=self.points_per_s, eta_s=eta,
                        error=error, budget_s=self.training.budget or None,
                        **self.stepper.report())

    def _log(self, run, phase: Phase) -> None:
        self.stepper.before_log()
        tr = self.training
        error = None
        if self.step % tr.eval_every < max(1, tr.log_every) or self.phase_step >= phase.steps:
            error = self.stepper.error()
        record = self.progress(error)
        if run is not None:
            row = record.row()
            row.pop("problem")
            run.append_log(row)
        self.callback("log", record)

    # -- rollback ---------------------------------------------------------------------------
    def _snapshot(self) -> None:
        """Remember the last good state in memory."""
        self.good = {"stepper": copy.deepcopy(self.stepper.snapshot()), "step": self.step,
                     "phase_step": self.phase_step}

    def _rollback(self, bad: NonFinite) -> None:
        """Back to the last good state with half the learning rate, or a SolveError once
        ``training.max_retries`` rollbacks did not help."""
        self.retries += 1
        if self.retries > self.training.max_retries or self.good is None:
            raise SolveError(f"{bad.what} became non-finite and {self.retries - 1} rollbacks "
                             f"with smaller steps did not help; {bad.advice}",
                             term=", ".join(bad.names) or None, step=self.step)
        failed_at = self.step
        self.stepper.restore(copy.deepcopy(self.good["stepper"]))
        self.step, self.phase_step = self.good["step"], self.good["phase_step"]
        self.lr_scale *= 0.5
        label = {"parameters": "parameter", "inputs": "region"}.get(bad.what, "term")
        # No culprit: every term's own gradient was finite when evaluated again (a random
        # draw of a stochastic engine, or an overflow in the sum of the terms' gradients).
        culprit = f"{label} {', '.join(bad.names)}" if bad.names else \
            "no term alone: each term's gradient is finite when evaluated again"
        self.callback("rollback", Notice(
            f"{bad.what} non-finite at step {failed_at} ({culprit}); rolled back to step "
            f"{self.step}, learning rate ×{self.lr_scale:g}", step=self.step,
            terms=tuple(bad.names), what=bad.what))

    # -- state ------------------------------------------------------------------------------
    def state_dict(self, collective: bool = True) -> dict:
        """Everything to resume: the position, the optimizer and the stepper's own state."""
        optimizer = self.stepper.optimizer_state()
        return {"step": self.step, "phase": self.phase, "phase_step": self.phase_step,
                "lr_scale": self.lr_scale, "elapsed": self.elapsed,
                "optimizer": optimizer if optimizer is not None else self.carry,
                "plan": [[p.optimizer, p.steps] for p in self.phases],
                "history": list(self.history), "switches": list(self.switches),
                "trace": [list(t) for t in self.trace], "stopped": self.stopped,
                **self.stepper.state_dict(collective)}

    def load_state_dict(self, state: dict) -> list[str]:
        """Resume from ``state``. Returns notes on how the position was mapped when the
        phases changed since the checkpoint (more steps continue; a changed optimizer at
        the current phase starts fresh)."""
        self.stepper.load_state_dict(state)
        self.step = int(state["step"])
        self.phase, self.phase_step = int(state["phase"]), int(state["phase_step"])
        self.lr_scale, self.elapsed = float(state["lr_scale"]), float(state["elapsed"])
        self.history = [int(h) for h in state.get("history", [])]
        self.switches = [dict(w) for w in state.get("switches", [])]
        self.trace = [(float(t), float(v), int(p)) for t, v, p in state.get("trace", [])]
        self.stopped = state.get("stopped") if state.get("stopped") in STOPS else None
        self.carry = state["optimizer"]
        return self._map_position(list(state.get("plan", [])))

    def resume(self, state: dict, what: str, path) -> list[str]:
        """:meth:`load_state_dict`, with a checkpoint that does not fit (another model or
        settings) as a RunError naming ``what`` ("the checkpoint", "the checkpoint of stage
        2") and the run directory ``path``."""
        try:
            return self.load_state_dict(state)
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            raise RunError(f"{what} does not fit this problem (its model or settings changed "
                           f"since: {str(exc)[:200]}); start over with --fresh or use another "
                           "--out", path=str(path)) from None

    def _map_position(self, plan: list) -> list[str]:
        notes: list[str] = []
        old = [str(p[0]) for p in plan]
        old_steps = [int(p[1]) for p in plan]
        new = [p.optimizer for p in self.phases]
        if not plan or (plan == [[p.optimizer, p.steps] for p in self.phases]):
            return notes
        last = len(old) - 1
        if self.phase >= len(old) and len(self.history) == len(old) and \
                old == new[:len(old)] and self.history[last] == old_steps[last] and \
                self.phases[last].steps > self.history[last]:
            # A finished run whose last phase has more steps now (and had run all of its
            # old ones, not stopped early by a stall or its time limit): continue it.
            self.phase, self.phase_step = last, self.history.pop()
            notes.append(f"phase {last + 1} ({new[last]}) continues from step "
                         f"{self.phase_step} to {self.phases[last].steps}")
            return notes
        if self.phase < len(new) and (self.phase >= len(old) or old[self.phase] != new[self.phase]):
            if self.carry is not None:
                notes.append(f"phase {self.phase + 1} is now {new[self.phase]} (was "
                             f"{old[self.phase] if self.phase < len(old) else 'none'}): its "
                             "optimizer starts fresh")
            self.carry = None
        if old[:self.phase] != new[:self.phase]:
            notes.append("phases before the current one changed since the checkpoint; "
                         "they are not rerun (use --fresh to start over)")
        return notes
