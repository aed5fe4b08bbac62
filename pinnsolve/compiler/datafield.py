"""Multilinear interpolation of a gridded data field and of its partial derivatives.

On each cell the interpolant is a product of linear functions of each coordinate, so
its first derivative along an axis is the difference quotient of the cell's values
(piecewise constant, jumping across cell faces) and any second derivative along one axis
is zero; mixed derivatives (one per axis) are products of difference quotients. Points
outside the grid take the value of the nearest cell's extension (linear extrapolation
clamped to the boundary cell).
"""
from __future__ import annotations

import torch


def interpolate(grid: tuple, orders: tuple[int, ...], x: torch.Tensor) -> torch.Tensor:
    """Value (orders all 0) or partial derivative of the interpolant at x (n, d) → (n,)."""
    axes, values = grid
    if any(o > 1 for o in orders):
        return torch.zeros(len(x), dtype=x.dtype, device=x.device)
    v = torch.as_tensor(values, dtype=x.dtype, device=x.device)
    d = len(axes)
    idx, w, dw = [], [], []
    for k in range(d):
        a = torch.as_tensor(axes[k], dtype=x.dtype, device=x.device)
        i = torch.searchsorted(a, x[:, k].detach().contiguous(), right=True) - 1
        i = i.clamp(0, len(a) - 2)
        h = a[i + 1] - a[i]
        idx.append(i)
        w.append((x[:, k] - a[i]) / h)
        dw.append(1.0 / h)
    out = torch.zeros(len(x), dtype=x.dtype, device=x.device)
    for corner in range(2 ** d):
        bits = [(corner >> k) & 1 for k in range(d)]
        weight = torch.ones_like(out)
        for k, b in enumerate(bits):
            if orders[k]:
                weight = weight * (dw[k] if b else -dw[k])
            else:
                weight = weight * (w[k] if b else 1 - w[k])
        node = v[tuple(idx[k] + bits[k] for k in range(d))]
        out = out + weight * node
    return out
