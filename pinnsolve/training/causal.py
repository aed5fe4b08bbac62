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
