"""Optimizer phases: Adam with learning-rate schedules, L-BFGS with strong-Wolfe line search."""
from __future__ import annotations

import math
from typing import Iterable

import torch

from ..spec.schema import Phase

DEFAULT_LR = {"adam": 1e-3, "lbfgs": 1.0}


def schedule_factor(phase: Phase, step: int) -> float:
    """Multiplier of the phase's base learning rate at ``step`` (0-based within the phase)."""
    if phase.schedule == "exponential":
        return phase.decay ** (step / phase.decay_steps)
    if phase.schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step, phase.steps) / max(phase.steps, 1)))
    if phase.schedule == "linear":
        return max(0.0, 1 - step / max(phase.steps, 1))
    return 1.0


def base_lr(phase: Phase) -> float:
    return phase.lr if phase.lr is not None else DEFAULT_LR[phase.optimizer]


def make_optimizer(phase: Phase, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """The torch optimizer for a phase.

    L-BFGS gets zero tolerances so that it runs the iterations it is asked for (the
    trainer drives it in chunks of ``max_iter`` iterations and counts them), instead of
    stopping early on a flat stretch — the most common complaint about L-BFGS in PINN tools.
    """
    params = list(params)
    if phase.optimizer == "adam":
        return torch.optim.Adam(params, lr=base_lr(phase))
    if phase.optimizer == "lbfgs":
        return torch.optim.LBFGS(params, lr=base_lr(phase), max_iter=20,
                                 max_eval=25, history_size=phase.history,
                                 tolerance_grad=0.0, tolerance_change=0.0,
                                 line_search_fn="strong_wolfe")
    raise ValueError(phase.optimizer)  # pragma: no cover - schema restricts the words


OPTIMIZERS = {"adam": torch.optim.Adam, "lbfgs": torch.optim.LBFGS}
