"""The network's activation planned from how much the problem's data oscillate.

A tanh network learns the low frequencies first; a solution with many half-periods across
the box is learned late or not at all within a budget (spectral bias). A sin network does
not have that bias. Measured on the zoo (benchmarks/zoo, 5-minute budget, one thread),
tanh → sin: poisson_high_frequency (sin(4πx) sin(4πy)) 1.1e-2 → 7.3e-5, heat_multiscale
3.6e-4 → 4.8e-5, helmholtz_k3 7.3e-6 → 1.3e-6. sin is not a blanket default: Allen-Cahn,
with its sharp interfaces and smooth data, went 3.2e-3 → 1.9e-2.

So when the training is planned and the file leaves ``model.activation`` unset, the
network gets ``sin`` when some datum of the problem has OSCILLATORY or more half-periods
along some coordinate, tanh otherwise. The data are the source terms (the field-free part
of each equation) and the conditions' data, sampled on LINES lines of SAMPLES points across
the domain's box per coordinate; the count on a line is its number of interior extrema, and
a datum's count is the median over the lines. What cannot be evaluated on its own (unknown
parameters, data fields) is skipped, not guessed. Along time, transport counts too: an
equation u_t + c u_x = … with constant c sweeps the data's half-periods along x past a
point |c| T / L times over (convection_beta30, u_t + 30 u_x = 0 from sin(x): 0.74 with
tanh, 1.5e-4 with sin, though no datum oscillates in t).
"""
from __future__ import annotations

import math

import sympy as sp
import torch

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..spec.problem import Problem
from ..spec.symbols import field_names_in

OSCILLATORY = 4        # half-periods along one coordinate from which sin is planned
LINES, SAMPLES = 8, 257


def planned_activation(problem: Problem) -> tuple[str, str]:
    """(activation, why) for a problem whose activation the plan chooses; why is empty
    for tanh."""
    counts = half_periods(problem)
    if counts:
        axis, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= OSCILLATORY:
            return "sin", f"the data have {n} half-periods along {axis}"
    return "tanh", ""


def half_periods(problem: Problem) -> dict[str, int]:
    """Coordinate name → the most half-periods any datum of ``problem`` has along it (empty
    when no datum can be sampled on its own, or the domain has a vector coordinate)."""
    domain = problem.domain
    if domain.vector is not None:
        return {}
    data = _data(problem)
    if not data:
        return {}
    axes = list(domain.space) + ([domain.time] if domain.time is not None else [])
    columns = Columns(domain, problem.fields)
    lo = torch.tensor([a.lo for a in axes], dtype=torch.float64)
    hi = torch.tensor([a.hi for a in axes], dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    counts: dict[str, int] = {}
    for k, axis in enumerate(axes):
        u = torch.rand(LINES, 1, len(axes), generator=gen, dtype=torch.float64)
        u = u.expand(LINES, SAMPLES, len(axes)).clone()
        u[:, :, k] = torch.linspace(0, 1, SAMPLES, dtype=torch.float64)
        points = (lo + u * (hi - lo)).reshape(-1, len(axes))
        best = 0
        for expr in data:
            try:
                v = torch.as_tensor(lower(expr, columns, set(), "activation plan")(
                    Env(points, {}, {})), dtype=torch.float64)
            except Exception:   # noqa: BLE001 - a datum the plan cannot sample is skipped
                continue
            if v.numel() != LINES * SAMPLES or not bool(torch.isfinite(v).all()):
                continue
            best = max(best, _extrema(v.reshape(LINES, SAMPLES)))
        counts[axis.name] = best
    if domain.time is not None:
        counts[domain.time.name] = max(counts[domain.time.name], _transported(problem, counts))
    return counts


def _transported(problem: Problem, counts: dict[str, int]) -> int:
    """Half-periods along time that transport makes out of the data's spatial ones: an
    equation ``a u_t + b u_x + … = …`` with constant a and b moves u at speed c = b / a,
    so n half-periods along x sweep past a point n |c| T / L times (u_t + 30 u_x = 0 from
    sin(x) on [0, 2π]: 2 along x, 9 along t, which the data alone do not show)."""
    domain = problem.domain
    t = domain.time
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    best = 0
    for eq in problem.equations:
        expr = sp.expand(eq.expr.subs(values))
        for u in problem.field_functions.values():
            a = _constant(sp.diff(expr, sp.Derivative(u, t.symbol)))
            if not a:
                continue
            for axis in domain.space:
                b = _constant(sp.diff(expr, sp.Derivative(u, axis.symbol)))
                if b:
                    n = counts.get(axis.name, 0) * abs(b / a) * (t.hi - t.lo) / (axis.hi - axis.lo)
                    best = max(best, int(n))
    return best


def _constant(coefficient: sp.Expr) -> float | None:
    """The coefficient as a float when it is a nonzero number (no field, no coordinate)."""
    if not coefficient.is_number:   # a coordinate, a field or an unknown in it
        return None
    try:
        value = float(coefficient)
    except (TypeError, ValueError):   # complex
        return None
    return value if value != 0 and math.isfinite(value) else None


def _data(problem: Problem) -> list[sp.Expr]:
    """The field-free parts of the equations and conditions that depend on the coordinates
    only (known parameters substituted)."""
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    coords = set(problem.domain.coordinate_symbols)
    out = []
    for expr in [e.expr for e in problem.equations] + [c.expr for c in problem.conditions]:
        fields = [a for a in expr.atoms(sp.Function, sp.Derivative) if field_names_in(a)]
        free = expr.as_independent(*fields, as_Add=True)[0] if fields else expr
        free = free.subs(values)
        if free.free_symbols and free.free_symbols <= coords and not field_names_in(free):
            out.append(free)
    return out


def _extrema(v: torch.Tensor) -> int:
    """Median over rows of the number of interior extrema along each row (changes of sign
    of the increments larger than 1e-9 of the row's range)."""
    d = v.diff(dim=1)
    span = (v.amax(1, keepdim=True) - v.amin(1, keepdim=True)).clamp_min(1e-300)
    counts = []
    for row, s in zip(d, span):
        signs = torch.sign(row[row.abs() > 1e-9 * s])
        counts.append(int((signs[1:] != signs[:-1]).sum()))
    return int(torch.tensor(counts).median())
