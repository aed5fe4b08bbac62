"""The neural operator of a PINO problem: an FNO (fno.py) with the input function's
normalisation, coordinate channels and output scale, ``(B, *input_shape) → (B, m, *grid)``.

The grid is any object with ``axes`` (each with ``n``, ``lo``, ``hi``, ``periodic`` and
``nodes()``), ``shape``, ``names`` and ``broadcast(a)`` (training/operator/instances.py's
OperatorGrid); models never import training code.
"""
from __future__ import annotations

import numpy as np
import torch

from ..spec import Problem
from .fno import FNO

DEFAULT_MODES = 12


def operator_modes(problem: Problem, grid) -> tuple[int, ...]:
    """The Fourier modes kept per grid axis: the setting (default DEFAULT_MODES), at most
    half the axis's nodes."""
    m = problem.operator.model
    return tuple(min(m.modes.get(n, DEFAULT_MODES), max(1, a.n // 2))
                 for n, a in zip(grid.names, grid.axes))


def build_operator_model(problem: Problem, grid) -> FNO:
    """The FNO of an operator problem on ``grid`` (channels: the input, then coordinate
    features)."""
    m = problem.operator.model
    modes = operator_modes(problem, grid)
    coord_channels = sum(2 if a.periodic else 1 for a in grid.axes)
    return FNO(1 + coord_channels, len(problem.fields), modes, width=m.width, layers=m.layers,
               projection=m.projection, periodic=tuple(a.periodic for a in grid.axes),
               padding=m.padding, activation=m.activation)


def coordinate_features(grid, dtype, device) -> torch.Tensor:
    """(C, *shape): cos/sin of the phase on periodic axes, (x - lo)/(hi - lo) on others."""
    feats = []
    mesh = np.meshgrid(*(a.nodes() for a in grid.axes), indexing="ij")
    for a, x in zip(grid.axes, mesh):
        s = (x - a.lo) / (a.hi - a.lo)
        feats += [np.cos(2 * np.pi * s), np.sin(2 * np.pi * s)] if a.periodic else [s]
    return torch.as_tensor(np.stack(feats), dtype=dtype, device=device)


class OperatorModel(torch.nn.Module):
    """FNO plus the input normalisation and output scale: ``(B, *input_shape) → (B, m, *grid)``.

    Args:
        problem: the operator Problem.
        grid: its training grid (sets the Fourier modes kept per axis).
        mean, std: normalisation of the input function's values.
    """

    def __init__(self, problem: Problem, grid, mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.fno = build_operator_model(problem, grid)
        self.output_scale = problem.operator.model.output_scale
        self.register_buffer("norm", torch.tensor([mean, std], dtype=torch.float64))
        self._features: dict = {}

    def forward(self, a: torch.Tensor, grid) -> torch.Tensor:
        key = (grid.shape, a.dtype, a.device)
        if key not in self._features:
            self._features[key] = coordinate_features(grid, a.dtype, a.device)
        coords = self._features[key]
        mean, std = self.norm.to(a.dtype)
        x = grid.broadcast((a - mean) / std)[:, None]
        x = torch.cat([x, coords.expand(a.shape[0], *coords.shape)], 1)
        return self.fno(x) * self.output_scale
