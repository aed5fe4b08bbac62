"""Optimizer phases: a registry of optimizer factories keyed by the YAML word, and the
learning-rate schedules of the first-order ones.

First-order phases (adam, adamw, multiadam) take one step per training step. Closure-driven
phases (lbfgs, bfgs, ssbfgs, ssbroyden, gauss_newton) run in chunks of iterations on fixed
points and count their iterations in ``state[first param]["n_iter"]``.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

import torch

from ..errors import SolveError
from ..spec.schema import Phase
from .gauss_newton import LevenbergMarquardt
from .multiadam import MultiAdam
from .quasi_newton import DenseQuasiNewton

DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "multiadam": 1e-3, "lbfgs": 1.0, "bfgs": 1.0,
              "ssbfgs": 1.0, "ssbroyden": 1.0, "gauss_newton": 1.0, "quasi_newton": 1.0}
CLOSURE_DRIVEN = frozenset({"lbfgs", "bfgs", "ssbfgs", "ssbroyden", "gauss_newton",
                            "quasi_newton"})


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


def _adam(phase, params, residuals):
    return torch.optim.Adam(params, lr=base_lr(phase), betas=(phase.beta1, phase.beta2),
                            eps=phase.eps, weight_decay=phase.weight_decay)


def _adamw(phase, params, residuals):
    return torch.optim.AdamW(params, lr=base_lr(phase), betas=(phase.beta1, phase.beta2),
                             eps=phase.eps, weight_decay=phase.weight_decay)


def _multiadam(phase, params, residuals):
    return MultiAdam(params, lr=base_lr(phase), betas=(phase.beta1, phase.beta2), eps=phase.eps)


def _lbfgs(phase, params, residuals):
    # Zero tolerances so that it runs the iterations it is asked for (the trainer drives it
    # in chunks and counts them, restarting the history when a chunk makes no progress),
    # instead of stopping early on a flat stretch.
    return torch.optim.LBFGS(params, lr=base_lr(phase), max_iter=20, max_eval=25,
                             history_size=phase.history, tolerance_grad=0.0,
                             tolerance_change=0.0, line_search_fn="strong_wolfe")


DENSE_MAX_PARAMS = 8000  # P² float64 inverse Hessian: 512 MB at the limit


def _dense(variant):
    def factory(phase, params, residuals):
        n = sum(p.numel() for p in params)
        if n > DENSE_MAX_PARAMS:
            raise SolveError(f"training.phases: optimizer {variant} keeps a dense {n} × {n} "
                             f"inverse Hessian; it takes at most {DENSE_MAX_PARAMS} parameters. "
                             "Use a smaller network (e.g. model.width: 20, model.depth: 3) or "
                             "optimizer: lbfgs")
        return DenseQuasiNewton(params, lr=base_lr(phase), variant=variant)
    return factory


def _quasi_newton(phase, params, residuals):
    # The dense self-scaled BFGS where its P × P inverse Hessian fits (it reaches far lower
    # losses than L-BFGS on small networks, docs/accuracy_toolkit.md), else L-BFGS.
    if sum(p.numel() for p in params) <= DENSE_MAX_PARAMS:
        return DenseQuasiNewton(params, lr=base_lr(phase), variant="ssbfgs")
    return _lbfgs(phase, params, residuals)


def keeps_curvature(optimizer: torch.optim.Optimizer | None) -> bool:
    """Whether an optimizer keeps its (dense) curvature across point redraws and into a
    following phase of the same word."""
    return isinstance(optimizer, DenseQuasiNewton)


def _gauss_newton(phase, params, residuals):
    return LevenbergMarquardt(params, residuals, lr=base_lr(phase), damping=phase.damping,
                              cg_iters=phase.cg_iters)


OPTIMIZERS: dict[str, Callable] = {
    "adam": _adam, "adamw": _adamw, "multiadam": _multiadam, "lbfgs": _lbfgs,
    "bfgs": _dense("bfgs"), "ssbfgs": _dense("ssbfgs"), "ssbroyden": _dense("ssbroyden"),
    "gauss_newton": _gauss_newton, "quasi_newton": _quasi_newton}


def make_optimizer(phase: Phase, params: Iterable[torch.nn.Parameter],
                   residuals: Callable[[], torch.Tensor] | None = None) -> torch.optim.Optimizer:
    """The optimizer for a phase. ``residuals`` (the scaled residual vector, see
    gauss_newton.py) is needed by gauss_newton only."""
    return OPTIMIZERS[phase.optimizer](phase, list(params), residuals)
