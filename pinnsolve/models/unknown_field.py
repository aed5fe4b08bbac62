"""Field-valued unknowns of inverse problems: a(x, y) as its own small network.

Not yet wired into the problem file or the training loop (see the module's notes in
docs/geometry.md): this holds the model side, a network per unknown field over the
spatial coordinates, and its regularisation term, so that the loop can add
``fields.parameters()`` to the optimiser and ``fields.regularization(x)`` to the loss, and
the compiler can read ``fields(name, x)`` where the residual uses the unknown.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .mlp import MLP, Embedding

REGULARIZATIONS = ("none", "l2", "smooth")   # keyed by the YAML word


class UnknownFields(nn.Module):
    """One small MLP per unknown field, mapping spatial points (n, d) to values (n,).

    Args:
        names: the unknown fields' names.
        lo, hi: the spatial box (input scaling).
        width, depth: each network's size (small: the unknown is usually smoother than u).
        initial: the constant each field starts near (added to the network's output).
        regularization: "none"; "l2": weight · mean(a − initial)²; "smooth": weight ·
            mean |∇a|², which favours the smoothest field matching the data.
        weight: the regularisation's weight.
    """

    def __init__(self, names: Sequence[str], lo: Sequence[float], hi: Sequence[float], *,
                 width: int = 20, depth: int = 2, initial: float = 0.0,
                 regularization: str = "smooth", weight: float = 1e-4, seed: int = 0):
        super().__init__()
        if regularization not in REGULARIZATIONS:
            raise ValueError(f"regularization must be one of {REGULARIZATIONS}")
        gen = torch.Generator().manual_seed(seed)
        self.nets = nn.ModuleDict({n: MLP(Embedding(lo, hi, generator=gen), 1, width, depth)
                                   for n in names})
        self.dim = len(lo)
        self.initial = float(initial)
        self.kind = regularization
        self.weight = float(weight)

    def forward(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """Values of unknown field ``name`` at the spatial columns of x (n, ≥ d)."""
        return self.nets[name](x[:, :self.dim])[:, 0] + self.initial

    def regularization(self, x: torch.Tensor) -> torch.Tensor:
        """The regularisation term summed over the fields, at points x (n, ≥ d)."""
        total = x.new_zeros(())
        if self.kind == "none":
            return total
        for name in self.nets:
            if self.kind == "l2":
                total = total + ((self(name, x) - self.initial) ** 2).mean()
                continue
            xs = x[:, :self.dim].detach().requires_grad_(True)
            a = self(name, xs)
            (grad,) = torch.autograd.grad(a.sum(), xs, create_graph=True)
            total = total + (grad ** 2).sum(1).mean()
        return self.weight * total

    def errors(self, x: torch.Tensor, exact: dict) -> dict[str, float]:
        """Relative L2 error of each field against ``exact[name]`` (callables on x)."""
        out = {}
        with torch.no_grad():
            for name, fn in exact.items():
                ref = fn(x)
                out[name] = float((self(name, x) - ref).norm() / ref.norm().clamp_min(1e-300))
        return out
