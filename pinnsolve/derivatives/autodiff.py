"""Exact derivatives by nested reverse-mode autodiff, lower orders reused.

Every ``torch.autograd.grad`` call returns the derivative with respect to *all* input
columns, so one call per distinct lower-order request serves every request built on it
(u_x and u_t share the gradient of u; u_xx and u_xt share the gradient of u_x).
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch

from .requests import Partial, Request, combine, expand


def _full_grad(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """d(sum y)/dx, shape (n, d); zeros when y does not depend on x."""
    if not y.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def autodiff(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
             requests: Iterable[Request], *, generator: torch.Generator | None = None
             ) -> dict[Request, torch.Tensor]:
    """Evaluate derivative requests exactly.

    Args:
        model: maps (n, d) inputs to (n, m) outputs (or (n,) for one field).
        x: (n, d) points. If it already requires grad, derivatives with respect to it keep
            flowing (adversarial samplers use that).
        requests: Partial requests and sums of them (Laplacian, DiagonalSum, Bilaplacian).
        generator: unused (exact engine); part of the engine interface.
    Returns:
        ``{request: tensor of shape (n,)}`` for every request (and differentiable with
        respect to the model's parameters).
    """
    with torch.enable_grad():
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        out = model(x)
        if out.dim() == 1:
            out = out[:, None]
        values: dict[Partial, torch.Tensor] = {}
        grads: dict[Partial, torch.Tensor] = {}

        def value(req: Partial) -> torch.Tensor:
            if req in values:
                return values[req]
            if not req.orders:
                result = out[:, req.field]
            else:
                parent = req.parent()
                if parent not in grads:
                    grads[parent] = _full_grad(value(parent), x)
                result = grads[parent][:, req.last_column]
            values[req] = result
            return result

        results: dict[Request, torch.Tensor] = {}
        for req in requests:
            results[req] = combine(expand(req), value)
        return results
