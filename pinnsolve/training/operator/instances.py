"""Instances of an operator problem: its grid, random input functions and reference solutions.

The input functions are drawn once on the *solver grid* (the problem's grid refined
``operator.refine`` times in space) and subsampled to any evaluation grid that divides it,
so instance ``i`` of a split is the same function at every resolution — what zero-shot
super-resolution is measured on. Train and test instances come from independent seeded
streams.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...derivatives.grid import GridAxis
from ...errors import SpecError
from ...io.operator_references import REFERENCES, stride
from ...sampling.grf import sample_grf
from ...spec import Problem
from ...spec.problem import Region

DEFAULT_NODES = {"space": 64, "time": 33}
SPLITS = {"train": 0, "test": 1}


@dataclass(frozen=True)
class OperatorGrid:
    """Grid of an operator problem: one axis per input column (space, then time)."""

    names: tuple[str, ...]
    axes: tuple[GridAxis, ...]
    input_axes: tuple[int, ...]    # grid axes the input function varies over
    time_axis: int | None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.n for a in self.axes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.axes[i].n for i in self.input_axes)

    def points(self) -> np.ndarray:
        """(N, d) node coordinates in C order, columns as the model's inputs."""
        mesh = np.meshgrid(*(a.nodes() for a in self.axes), indexing="ij")
        return np.stack([m.reshape(-1) for m in mesh], 1)

    def broadcast(self, a: torch.Tensor) -> torch.Tensor:
        """Input values (B, *input_shape) → (B, *shape), constant along the other axes."""
        view = [a.shape[0]] + [1] * len(self.axes)
        for k, i in enumerate(self.input_axes):
            view[i + 1] = a.shape[k + 1]
        return a.reshape(view).expand(a.shape[0], *self.shape)

    def region_mask(self, region: Region) -> np.ndarray:
        """Boolean (*shape) mask of the grid nodes of ``region``."""
        idx = np.meshgrid(*(np.arange(n) for n in self.shape), indexing="ij")
        space = [k for k in range(len(self.axes)) if k != self.time_axis]
        bounded = [k for k in space if not self.axes[k].periodic]
        on_edge = np.zeros(self.shape, bool)
        for k in bounded:
            on_edge |= (idx[k] == 0) | (idx[k] == self.shape[k] - 1)
        if region.kind == "interior":
            return ~on_edge
        if region.kind == "initial":
            return idx[self.time_axis] == 0
        if region.kind == "boundary":
            return on_edge
        if region.kind == "face":
            k = self.names.index(region.coord)
            return idx[k] == (0 if region.side == "lo" else self.shape[k] - 1)
        raise ValueError(f"no grid region for {region.kind}")


def operator_grid(problem: Problem, sizes: dict[str, int] | None = None) -> OperatorGrid:
    """The problem's operator grid, with ``sizes`` overriding ``operator.grid``."""
    op = problem.operator
    d = problem.domain
    sizes = {**op.grid, **(sizes or {})}
    names, axes = [], []
    for c in d.space:
        periodic = c.name in problem.periodic
        n = int(sizes.get(c.name, DEFAULT_NODES["space"]))
        if periodic and n % 2:
            raise SpecError(f"a periodic axis needs an even number of nodes, got {c.name}={n}",
                            file=problem.source, key=f"operator.grid.{c.name}")
        names.append(c.name)
        axes.append(GridAxis(c.lo, c.hi, n, periodic))
    time_axis = None
    if d.time is not None:
        time_axis = len(axes)
        names.append(d.time.name)
        axes.append(GridAxis(d.time.lo, d.time.hi, int(sizes.get(d.time.name,
                                                                  DEFAULT_NODES["time"]))))
    input_axes = tuple(names.index(c) for c in op.input.over)
    return OperatorGrid(tuple(names), tuple(axes), input_axes, time_axis)


def solver_grid(problem: Problem) -> OperatorGrid:
    """The problem's grid refined ``operator.refine`` times in space (time unchanged)."""
    base = operator_grid(problem)
    r = problem.operator.refine
    sizes = {}
    for name, ax in zip(base.names, base.axes):
        if base.time_axis is not None and name == base.names[base.time_axis]:
            continue
        sizes[name] = ax.n * r if ax.periodic else (ax.n - 1) * r + 1
    return operator_grid(problem, sizes)


def draw_inputs(problem: Problem, split: str, count: int) -> np.ndarray:
    """Input functions on the solver grid, (count, *input_shape of the solver grid)."""
    op = problem.operator
    fine = solver_grid(problem)
    axes = [fine.axes[i] for i in fine.input_axes]
    rng = np.random.default_rng([op.seed, SPLITS[split]])
    g, th = op.distribution.grf, op.distribution.threshold
    return sample_grf(count, tuple(a.n for a in axes), tuple(a.hi - a.lo for a in axes),
                      tuple(a.periodic for a in axes), smoothness=g.smoothness,
                      length_scale=g.length_scale, variance=g.variance, mean=g.mean,
                      threshold=None if th is None else (th.at, th.low, th.high, th.width),
                      rng=rng)


def subsample_inputs(problem: Problem, inputs: np.ndarray, grid: OperatorGrid) -> np.ndarray:
    """Solver-grid inputs (count, *fine input shape) at ``grid``'s input nodes."""
    fine = solver_grid(problem)
    sl = [slice(None)]
    for i in grid.input_axes:
        sl.append(slice(None, None, stride(fine.axes[i], grid.axes[i], grid.names[i], problem)))
    return inputs[tuple(sl)]


def instances(problem: Problem, split: str, count: int, grid: OperatorGrid
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """(inputs (count, *grid.input_shape), solutions (count, *grid.shape) or None)."""
    fine_inputs = draw_inputs(problem, split, count)
    inputs = subsample_inputs(problem, fine_inputs, grid)
    ref = problem.operator.reference
    if ref is None:
        return inputs, None
    return inputs, REFERENCES[ref](problem, fine_inputs, solver_grid(problem), grid)
