"""Parameter-free functions of the inputs, tabulated with their derivatives at fixed points.

A hard constraint's lift A(x) and distance D(x) (models/constraints.py) do not depend on
the network's parameters, yet nested autodiff re-evaluates them, and differentiates their
graphs again, at every training step. Between redraws the collocation points stay the
same, so their values and partial derivatives can be computed once per point set.

:class:`Table` holds f and its partials at one point set, computed on demand (each
``torch.autograd.grad`` gives all first partials of one entry). :class:`_Lookup` is an
autograd function whose backward is again a lookup one order higher, so nested
``autograd.grad`` (the autodiff engine) sees exactly the derivatives of f, to any order.

:class:`StaticCache` decides when to tabulate: only for leaf inputs that require grad (the
autodiff engine's), only from the second time the same points come back (a set seen once,
e.g. a sampler probing new points, is evaluated directly), and it keeps a strong reference
to the points so their memory cannot be reused by other points while an entry exists.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import torch

Fn = Callable[[torch.Tensor], torch.Tensor]


class Table:
    """f and its partial derivatives at the points ``x`` (n, d). An entry is indexed by the
    sorted tuple of the columns it is differentiated by: () is f, (0, 0, 1) is f_xxy."""

    def __init__(self, fn: Fn, x: torch.Tensor):
        self._x = x.detach().requires_grad_(True)
        with torch.enable_grad():   # also under no_grad (inside an autograd function)
            value = torch.as_tensor(fn(self._x)).to(self._x)
            if value.dim() == 0:
                value = value.expand(len(self._x))
            value = value.reshape(-1)
        self._graph: dict[tuple[int, ...], torch.Tensor] = {(): value}

    def get(self, index: tuple[int, ...]) -> torch.Tensor:
        return self._with_graph(index).detach()

    def _with_graph(self, index: tuple[int, ...]) -> torch.Tensor:
        if index in self._graph:
            return self._graph[index]
        parent = self._with_graph(index[:-1])
        with torch.enable_grad():
            g = None
            if parent.requires_grad:
                (g,) = torch.autograd.grad(parent.sum(), self._x, create_graph=True,
                                           allow_unused=True)
            g = torch.zeros_like(self._x) if g is None else g
            for c in range(self._x.shape[1]):
                self._graph[tuple(sorted(index[:-1] + (c,)))] = g[:, c]
        return self._graph[index]


class _Lookup(torch.autograd.Function):
    """y = table entry ``index`` at the points x; dy/dx is the next order's entries."""

    @staticmethod
    def forward(ctx, x, table, index):
        ctx.save_for_backward(x)
        ctx.table, ctx.index = table, index
        return table.get(index).clone()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        cols = [lookup(x, ctx.table, tuple(sorted(ctx.index + (c,)))) for c in range(x.shape[1])]
        return grad[:, None] * torch.stack(cols, 1), None, None


def lookup(x: torch.Tensor, table: Table, index: tuple[int, ...] = ()) -> torch.Tensor:
    return _Lookup.apply(x, table, index)


class StaticCache:
    """Tables of named parameter-free functions per point set, the last ``size`` sets."""

    def __init__(self, size: int = 16):
        self.size = size
        # key → {"points": the points (kept alive: no other set can take their address),
        #        name: Table, ...}; tables only from the second sighting on
        self._entries: OrderedDict[tuple, dict] = OrderedDict()

    @staticmethod
    def _key(x: torch.Tensor) -> tuple:
        return (x.data_ptr(), tuple(x.shape), x.stride(), x.dtype, x.device, x._version)

    def evaluate(self, name: str, fn: Fn, x: torch.Tensor) -> torch.Tensor:
        """fn(x), from a table when x is a leaf requiring grad seen at least once before."""
        if not (x.requires_grad and x.is_leaf) or x.dim() != 2 or not len(x):
            return fn(x)
        key = self._key(x)
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = {"points": x.detach()}
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return fn(x)
        self._entries.move_to_end(key)
        if name not in entry:
            entry[name] = Table(fn, x)
        return lookup(x, entry[name])


class Untabulated:
    """A :class:`StaticCache` that always evaluates directly (benchmarks and tests compare
    the two: ``model.__dict__["_static_values"] = Untabulated()``)."""

    @staticmethod
    def evaluate(name: str, fn: Fn, x: torch.Tensor) -> torch.Tensor:
        return fn(x)
