"""The network's output scale planned from the problem's own data.

A network starts with outputs of order one. When the data are of another size (a
temperature near 300 K, a displacement of 1e-4 m) the first-order phase spends its steps
growing the last layer, and the fine structure on top of the offset is learned late: a
steady heat problem with u = 300 + 5 sin(πx) sin(πy) and Robin walls reached 3.8e-4 in
60 s with an output scale of 1, 1.4e-5 with 300 set by hand and 6.3e-6 with the
planned 290 (the error of the variation above 300 K: 4.7 %, 0.17 %, 0.077 %).

So when the training is planned and the file leaves ``model.output_scale`` unset, the
scale is the RMS of the data the network must produce itself: for every condition kept in
the loss that fixes a field's value (Dirichlet ``u = g``, an equation ``u = g``, Robin
``a u + b ∂u/∂n = g`` read as u ≈ g/a), |g/a| at up to 256 points of its region, and the
values of observation data. Conditions imposed exactly are left out (the lift carries
their size), and so are Neumann data (a gradient, not a value). A scale between 0.2 and 5
is kept at 1: problems of order one train exactly as before.
"""
from __future__ import annotations

import math

import sympy as sp
import torch

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..geometry import region_geometry
from ..spec.problem import Problem

KEEP = (0.2, 5.0)     # RMS data sizes that leave the scale at 1
POINTS = 256          # points per condition


def data_scale(problem: Problem, imposed: set[str]) -> float:
    """The planned output scale (1.0 when the data are of order one or absent)."""
    values: list[torch.Tensor] = []
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    coords = set(problem.domain.coordinate_symbols)
    columns = Columns(problem.domain, problem.fields)
    fields = problem.field_functions
    for c in problem.conditions:
        if c.name in imposed:
            continue
        ratio = _value_of(c.expr, fields, coords, params)
        if ratio is None:
            continue
        geometry = region_geometry(problem, c.region)
        u = torch.rand(4 * POINTS, geometry.unit_dim, dtype=torch.float64,
                       generator=torch.Generator().manual_seed(0))
        if getattr(geometry, "rejects", False):   # shapes: only accepted samples map inside
            u = u[geometry.accept(u)]
        x = geometry.map(u[:POINTS])[0]
        if not len(x):
            continue
        v = torch.as_tensor(lower(ratio, columns, set(), f"data scale of {c.name}")(
            Env(x, {}, {})), dtype=torch.float64)
        values.append(v.reshape(-1).expand(len(x)).abs() if v.numel() == 1 else
                      v.reshape(-1).abs())
    for o in problem.observations:
        values += [torch.as_tensor(v, dtype=torch.float64) for v in o.values.values()]
    if not values:
        return 1.0
    rms = float(torch.cat(values).pow(2).mean().sqrt())
    if not math.isfinite(rms) or rms == 0 or KEEP[0] <= rms <= KEEP[1]:
        return 1.0
    return float(f"{rms:.3g}")


def _value_of(expr: sp.Expr, fields: dict, coords: set, params: dict) -> sp.Expr | None:
    """g / a when ``expr``, with every derivative (and so every normal derivative) set to
    zero, reads a·u − g for one field u with a and g free of fields; else None."""
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(0))
    present = [f for f in fields.values() if expr.has(f)]
    if len(present) != 1:
        return None
    s = sp.Dummy("s")
    linear = expr.subs(present[0], s).subs(params)
    a, g = sp.diff(linear, s), -linear.subs(s, 0)
    if a.has(s) or a == 0 or g == 0 or not (a.free_symbols | g.free_symbols) <= coords \
            or a.atoms(sp.core.function.AppliedUndef) or g.atoms(sp.core.function.AppliedUndef):
        return None
    return g / a
