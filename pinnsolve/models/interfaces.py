"""Kinks and tangential jumps across the interfaces of spec/interfaces.py.

The wrapped network gives the fields' columns and, per interface k, one more column per
kinking field (N) and per jumping flux component (J). A kinking field u becomes
u + |ĝ_k| N; a flux q becomes q + χ_k (P_k J), with χ_k = 1 where g_k > 0 and
P_k = I − n nᵀ, n = ∇g_k / |∇g_k|, over the flux's components (a missing component counts
as zero): the normal part stays continuous by construction, the tangential part jumps.

A jumping component held by a hard constraint (u = A + F_c N, F_c its face factors times
its gain; models/constraints.py) is multiplied by F_c after this; so each component's jump
is taken here times the other components' factors and over its own gain, and the jump
that comes out is the same F · (P J) for all, still tangential.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import sympy as sp
import torch
from torch import nn

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..spec.interfaces import InterfacePlan
from ..spec.problem import Problem
from .constraints import _distance


class InterfaceOutputs(nn.Module):
    """(n, d) → (n, m): the network's first m columns with the interface terms added.

    Args:
        net: a network of m + plan.outputs columns.
        plan: the InterfacePlan.
        problem: the Problem (its coordinates, for the level sets' programs).
    """

    def __init__(self, net: nn.Module, plan: InterfacePlan, problem: Problem,
                 held: dict[int, tuple] | None = None):
        super().__init__()
        self.net = net
        self.plan = plan
        self.held = held or {}   # column → (face factors, gain) of its hard constraint
        columns = Columns(problem.domain, problem.fields)
        space = [c.symbol for c in problem.domain.space]
        self._levels = [lower(g * s, columns, set(), "interface")
                        for g, s in zip(plan.levels, plan.scales)]
        self._gradients = [[lower(sp.diff(g * s, v), columns, set(), "interface")
                            for v in space] for g, s in zip(plan.levels, plan.scales)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raw = self.net(x)
        p = self.plan
        m = raw.shape[1] - p.outputs
        cols = list(raw[:, :m].unbind(1))
        extra = raw[:, m:]
        per = len(p.kinks) + len(p.jumps)
        env = Env(x, {}, {})
        others = {col: self._others(x, col) for col, _ in p.jumps}   # the same per interface
        for k, level in enumerate(self._levels):
            g = _column(level(env), x)
            block = extra[:, k * per:(k + 1) * per]
            for i, col in enumerate(p.kinks):
                cols[col] = cols[col] + g.abs() * block[:, i]
            if not p.jumps:
                continue
            grad = [_column(d(env), x) for d in self._gradients[k]]
            norm = torch.sqrt(sum(v * v for v in grad) + 1e-24)
            n = [v / norm for v in grad]
            j = {a: block[:, len(p.kinks) + i] for i, (_, a) in enumerate(p.jumps)}
            along = sum(n[a] * j[a] for a in j)   # n · J over the components present
            side = (g > 0).to(x.dtype)
            for col, a in p.jumps:
                cols[col] = cols[col] + side * (j[a] - n[a] * along) * others[col]
        return torch.stack(cols, 1)

    def _others(self, x: torch.Tensor, col: int) -> torch.Tensor | float:
        """The product of the other jumping components' constraint factors and gains,
        over this one's gain."""
        out: torch.Tensor | float = 1.0
        for c, (factors, gain) in self.held.items():
            if c == col:
                out = out / gain
                continue
            d = _distance(x, factors)
            out = out * gain * (1.0 if d is None else d)
        return out


def _column(v, x: torch.Tensor) -> torch.Tensor:
    v = torch.as_tensor(v, dtype=x.dtype, device=x.device)
    return v.reshape(-1).expand(len(x)) if v.numel() == 1 else v.reshape(-1)


def with_interfaces(plan: InterfacePlan, problem: Problem, constraints: list,
                    scale: float | list[float], make_net: Callable[[object, int], nn.Module]
                    ) -> tuple[nn.Module, float | list[float], list[str]]:
    """The network with the interface terms of ``plan``: (model, its output scale, notes).

    ``make_net(scale, extra)`` builds the plain network with ``extra`` more outputs; each
    of them takes its field's scale. A jumping component held by a shape's distance factor
    (not a product of face factors) turns the jumps off: kinks only."""
    jumping = {c for c, _ in plan.jumps}
    held = {c.column: (c.factors, c.gain) for c in constraints if c.column in jumping}
    if any(c.distance is not None for c in constraints if c.column in jumping):
        plan = replace(plan, jumps=(), why=plan.why + " (no jumps on a shape's held flux)")
        held = {}
    if plan.outputs == 0:
        return make_net(scale, 0), scale, []
    if isinstance(scale, list):
        fields = list(plan.kinks) + [c for c, _ in plan.jumps]
        scale = scale + [scale[c] for _ in plan.levels for c in fields]
    net = InterfaceOutputs(make_net(scale, plan.outputs), plan, problem, held)
    return net, scale, [f"interface terms: {plan.why}; |g| times more outputs added to the "
                        "kinking fields, and to the jumping flux components their tangential "
                        "part on the side g > 0 (model.interfaces=false turns them off)"]
