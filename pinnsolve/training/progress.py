"""What training reports: one :class:`Progress` record per start, log and end of a loop, and a
:class:`Notice` for everything said in between (warnings, rollbacks, resumes, stages).

The callback ``callback(event, record)`` receives ``("start" | "log" | "end", Progress)`` or
``("warning" | "rollback" | "resume" | "switch" | "threads" | "weights" | "stage" | "fallback"
| "interrupted", Notice)``
(a switch: a phase or training ended early, on a plateau, a stall, the budget or the
tolerance; a fallback: the next configuration starts after a stall, training/fallback.py). The live display,
``--json`` lines and ``metrics.jsonl`` rows are all :meth:`Progress.row` of the same record,
so a key means the same thing everywhere.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class Progress:
    """The state of a training loop at one step.

    Attributes:
        problem: the problem's name.
        step, total_steps: steps done and planned (all phases).
        phase: the current phase's optimizer.
        elapsed_s: training time so far (resumed runs count their earlier time).
        losses: unweighted mean square per term (PINN) or loss part (PINO).
        lr: the last learning rate; points_per_s: collocation points (or grid nodes) per
            second of the last step; eta_s: estimated seconds left.
        error: mean relative L2 error against the reference (PINN) or over the test set
            (PINO), at evaluation steps only.
        unknowns: current values of the unknown parameters.
        sampling: per region, the sampler's diagnostics (imbalance, causal front, ...).
        weights: the current weight of every term.
        causal_weights: weights of the time chunks (``training.causal``).
        stage: multi-stage refinement figures of the current stage (stage, eps, eps_r,
            f_d, kappa, order, gain, loss_scale).
        budget_s: ``training.budget`` when one is set (elapsed_s / budget_s is the share
            used).
    """

    problem: str
    step: int
    total_steps: int
    phase: str
    elapsed_s: float
    losses: dict[str, float] = field(default_factory=dict)
    lr: float | None = None
    points_per_s: float = 0.0
    eta_s: float | None = None
    error: float | None = None
    unknowns: dict[str, float] = field(default_factory=dict)
    sampling: dict[str, dict[str, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    causal_weights: list[float] | None = None
    stage: dict | None = None
    budget_s: float | None = None

    def row(self) -> dict:
        """A plain JSON-able mapping (a ``metrics.jsonl`` row): optional parts that are
        empty are left out; stage figures sit at the top level."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "stage":
                out.update(value or {})
            elif f.name in ("error", "causal_weights", "budget_s") and value is None:
                continue
            elif f.name in ("unknowns", "sampling", "weights") and not value:
                continue
            else:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class Notice:
    """A message from training: a warning, a rollback, a resume, a new stage, an interrupt.

    ``terms`` and ``what`` name the culprit of a rollback; ``data`` holds an event's figures
    (a stage's ε and frequency, for instance).
    """

    message: str = ""
    step: int | None = None
    terms: tuple[str, ...] = ()
    what: str | None = None
    data: dict = field(default_factory=dict)

    def row(self) -> dict:
        out = {"message": self.message}
        if self.step is not None:
            out["step"] = self.step
        if self.terms:
            out["terms"] = list(self.terms)
        if self.what is not None:
            out["what"] = self.what
        out.update(self.data)
        return out


Record = Union[Progress, Notice]
Callback = Callable[[str, Record], None]


def silent(event: str, record: Record) -> None:
    """The callback used when none is given."""
