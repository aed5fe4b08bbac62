"""Causal weighting of time-dependent residuals (Wang, Sankaran & Perdikaris, "Respecting
causality for training physics-informed neural networks", CMAME 2024).

The time interval is cut into M equal chunks; with L_k the mean squared residual of the
points in chunk k, the loss is

    L = (1/M) Σ_i w_i L_i,   w_i = exp(-ε Σ_{k<i} L_k),   w_0 = 1,

the weights held constant (no gradient). A chunk only counts once everything before it is
fitted, so the network cannot fit late times before the initial condition has propagated.
Independent of R3's causal sampling gate (sampling/r3.py), which moves points instead.
"""
from __future__ import annotations

import torch


def causal_loss(r: torch.Tensor, t: torch.Tensor, lo: float, hi: float, chunks: int,
                eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Causally weighted mean square of residuals ``r`` (n,) at times ``t`` (n,) in [lo, hi].

    Returns:
        (loss, weights (chunks,)). Empty chunks have L_k = 0 and do not count in the mean.
    """
    idx = ((t.detach() - lo) / (hi - lo) * chunks).long().clamp(0, chunks - 1)
    sums = torch.zeros(chunks, dtype=r.dtype, device=r.device).index_add(0, idx, r ** 2)
    counts = torch.bincount(idx, minlength=chunks).to(r.dtype)
    per_chunk = sums / counts.clamp_min(1)
    before = torch.cumsum(per_chunk.detach(), 0) - per_chunk.detach()
    w = torch.exp(-eps * before)
    occupied = (counts > 0).to(r.dtype)
    return (w * per_chunk).sum() / occupied.sum().clamp_min(1), w


class TimeWeighting:
    """Causal weights and the time-marching horizon, applied to the equation terms on the
    interior of a time-dependent problem.

    Args:
        problem: the Problem (its time coordinate).
        terms: the trained terms.
        chunks, eps: ``training.causal`` (chunks = 0: no causal weights).
    Attributes set by the trainer per phase: ``active`` (causal weights on: first-order
    phases), ``horizon`` (share of the time interval the equation counts on).
    """

    def __init__(self, problem, terms, chunks: int, eps: float):
        time = problem.domain.time
        self.names = {t.name for t in terms if t.kind == "equation"
                      and t.region.kind == "interior"} if time is not None else set()
        if time is not None:
            self.col, self.lo, self.hi = problem.domain.column(time.name), time.lo, time.hi
        self.chunks, self.eps = chunks, eps
        self.active = False
        self.horizon = 1.0
        self.weights: torch.Tensor | None = None

    def _inside(self, x: torch.Tensor) -> tuple[torch.Tensor, float]:
        t_end = self.lo + self.horizon * (self.hi - self.lo)
        return x[:, self.col] <= t_end, t_end

    def apply(self, mse: dict, residuals: dict, points: dict) -> dict:
        """Mean squares with the causal weights and the horizon applied."""
        causal = self.chunks and self.active
        if not self.names or not (causal or self.horizon < 1):
            return mse
        out = dict(mse)
        for name in self.names:
            r, x = residuals[name], points[name]
            inside, t_end = self._inside(x)
            t = x[:, self.col]
            if self.horizon < 1:
                r, t = r[inside], t[inside]
            if causal:
                out[name], self.weights = causal_loss(r, t, self.lo, t_end, self.chunks,
                                                      self.eps)
            else:
                out[name] = (r ** 2).mean() if r.numel() else r.sum()
        return out

    def cut(self, name: str, r: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Residuals (n,) of term ``name`` at points x with those past the horizon zeroed,
        and how many count (for the √(w/n) scaling of the residual vector)."""
        if self.horizon >= 1 or name not in self.names:
            return r, r.numel()
        inside, _ = self._inside(x)
        return r * inside, max(int(inside.sum()), 1)
