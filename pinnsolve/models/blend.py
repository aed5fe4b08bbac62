"""Exact piecewise Dirichlet data: a transfinite blend of per-part data.

For boundary parts i = 1..m with data g_i and distances φ_i ≥ 0 that vanish on part i
only (positive inside the domain and on the other parts),

    A(x) = Σ_i g_i(x) W_i(x) / Σ_k W_k(x),     W_i = Π_{j≠i} φ_j,

equals g_i on part i (there every W_k with k ≠ i holds the factor φ_i = 0), and is smooth
inside. With φ = the distance of the union of the parts, u = A + φ·N meets every part's
data exactly for any network output N. Where two parts meet (a corner of a box), all W
vanish: the denominator is clamped away from zero there, and disagreeing data at such a
junction are reported by the planner (they cannot both hold).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

Fn = Callable[[torch.Tensor], torch.Tensor]
TINY = 1e-300   # denominator floor: reached only exactly on a junction of two parts


def blend(data: Sequence[Fn], distances: Sequence[Fn]) -> Fn:
    """x (n, d) → A(x) (n,) from per-part data g_i and distances φ_i (callables on x)."""
    def lift(x: torch.Tensor) -> torch.Tensor:
        phis = [f(x) for f in distances]
        weights = []
        for i in range(len(phis)):
            w = torch.ones_like(phis[0])
            for j, p in enumerate(phis):
                if j != i:
                    w = w * p
            weights.append(w)
        num = sum(g(x) * w for g, w in zip(data, weights))
        den = sum(weights)
        tiny = torch.finfo(den.dtype).tiny if den.dtype != torch.float64 else TINY
        return num / torch.where(den.abs() > tiny, den, torch.full_like(den, tiny))
    return lift
