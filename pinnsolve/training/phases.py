"""Optimizer phases: a registry of optimizer factories keyed by the YAML word, and the
learning-rate schedules of the first-order ones.

First-order phases (adam, adamw, multiadam) take one step per training step. Closure-driven
phases (lbfgs, bfgs, ssbfgs, ssbroyden, gauss_newton) run in chunks of iterations on fixed
points and count their iterations in ``state[first param]["n_iter"]``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

import torch

from ..errors import SolveError
from ..spec.schema import Phase, _rng
from .gauss_newton import LevenbergMarquardt
from .multiadam import MultiAdam
from .quasi_newton import DenseQuasiNewton

@dataclass(frozen=True)
class AdamOptions:
    """adam, adamw: moment decay rates, ε and weight decay (decoupled in adamw)."""

    beta1: float = _rng(0.9, 0.0, 1.0)
    beta2: float = _rng(0.999, 0.0, 1.0)
    eps: float = _rng(1e-8, 0.0, 1.0)
    weight_decay: float = _rng(0.0, 0.0, 1e3)


@dataclass(frozen=True)
class MultiAdamOptions:
    """multiadam: moment decay rates and ε (moments kept per loss term)."""

    beta1: float = _rng(0.9, 0.0, 1.0)
    beta2: float = _rng(0.999, 0.0, 1.0)
    eps: float = _rng(1e-8, 0.0, 1.0)


@dataclass(frozen=True)
class LbfgsOptions:
    """lbfgs: curvature pairs kept."""

    history: int = _rng(50, 1, 1000)


@dataclass(frozen=True)
class NoOptions:
    """An optimizer without options of its own (dense quasi-Newton)."""


@dataclass(frozen=True)
class GaussNewtonOptions:
    """gauss_newton: initial Levenberg-Marquardt damping λ and CG iterations per step
    (0: dense normal equations when the Jacobian fits, else 50 CG iterations)."""

    damping: float = _rng(1e-3, 0.0, 1e12)
    cg_iters: int = _rng(0, 0, 100_000)


@dataclass(frozen=True)
class Optimizer:
    """A registry entry of ``training.phases[].optimizer``.

    Attributes:
        factory: ``factory(phase, params, residuals) -> torch.optim.Optimizer``.
        options: frozen dataclass of its own phase keys (``phase.options``).
        lr: default learning rate.
        closure_driven: steps with a closure in chunks of iterations on fixed points,
            counting them in ``state[first param]["n_iter"]``.
        keeps_curvature: its dense inverse Hessian stays valid across point redraws, so the
            loop keeps it when the points move and between two phases of the same optimizer.
        per_term: takes the loss terms separately (``step_losses``; multiadam).
        dense: holds a P × P matrix (at most DENSE_MAX_PARAMS parameters).
    """

    factory: Callable
    options: type = NoOptions
    lr: float = 1e-3
    closure_driven: bool = False
    keeps_curvature: bool = False
    per_term: bool = False
    dense: bool = False


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
    return phase.lr if phase.lr is not None else OPTIMIZERS[phase.optimizer].lr


def _adam(phase, params, residuals):
    return torch.optim.Adam(params, lr=base_lr(phase), betas=(phase.options.beta1, phase.options.beta2),
                            eps=phase.options.eps, weight_decay=phase.options.weight_decay)


def _adamw(phase, params, residuals):
    return torch.optim.AdamW(params, lr=base_lr(phase), betas=(phase.options.beta1, phase.options.beta2),
                             eps=phase.options.eps, weight_decay=phase.options.weight_decay)


def _multiadam(phase, params, residuals):
    return MultiAdam(params, lr=base_lr(phase), betas=(phase.options.beta1, phase.options.beta2), eps=phase.options.eps)


def _lbfgs(phase, params, residuals):
    # Zero tolerances so that it runs the iterations it is asked for (the trainer drives it
    # in chunks and counts them, restarting the history when a chunk makes no progress),
    # instead of stopping early on a flat stretch.
    return torch.optim.LBFGS(params, lr=base_lr(phase), max_iter=20, max_eval=25,
                             history_size=phase.options.history, tolerance_grad=0.0,
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


def holds_curvature(optimizer: torch.optim.Optimizer | None) -> bool:
    """Whether this optimizer instance keeps a dense curvature that stays valid across point
    redraws and into a following phase of the same word (the ``keeps_curvature`` ability,
    asked of the instance: ``quasi_newton`` is dense only where the network is small)."""
    return isinstance(optimizer, DenseQuasiNewton)


def _gauss_newton(phase, params, residuals):
    return LevenbergMarquardt(params, residuals, lr=base_lr(phase), damping=phase.options.damping,
                              cg_iters=phase.options.cg_iters)


_QUASI_NEWTON = dict(lr=1.0, closure_driven=True)
OPTIMIZERS: dict[str, Optimizer] = {
    "adam": Optimizer(_adam, AdamOptions),
    "adamw": Optimizer(_adamw, AdamOptions),
    "multiadam": Optimizer(_multiadam, MultiAdamOptions, per_term=True),
    "lbfgs": Optimizer(_lbfgs, LbfgsOptions, **_QUASI_NEWTON),
    "bfgs": Optimizer(_dense("bfgs"), keeps_curvature=True, dense=True, **_QUASI_NEWTON),
    "ssbfgs": Optimizer(_dense("ssbfgs"), keeps_curvature=True, dense=True, **_QUASI_NEWTON),
    "ssbroyden": Optimizer(_dense("ssbroyden"), keeps_curvature=True, dense=True,
                           **_QUASI_NEWTON),
    "gauss_newton": Optimizer(_gauss_newton, GaussNewtonOptions, **_QUASI_NEWTON),
    # ssbfgs where it fits, else lbfgs (whose history it takes): the instance says which
    # (holds_curvature).
    "quasi_newton": Optimizer(_quasi_newton, LbfgsOptions, **_QUASI_NEWTON),
}


def abilities(name: str) -> Optimizer:
    """The registry entry of optimizer ``name`` (its abilities are attributes)."""
    return OPTIMIZERS[name]


def make_optimizer(phase: Phase, params: Iterable[torch.nn.Parameter],
                   residuals: Callable[[], torch.Tensor] | None = None) -> torch.optim.Optimizer:
    """The optimizer for a phase. ``residuals`` (the scaled residual vector, see
    gauss_newton.py) is needed by gauss_newton only."""
    return OPTIMIZERS[phase.optimizer].factory(phase, list(params), residuals)
