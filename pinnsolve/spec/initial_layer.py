"""A fast initial layer in time, read from the equations at the initial data.

Kinetics with rates far apart (A ⇌ B at 1e3 per s, B → C at 1e-2 per s, over 600 s) leave
their initial data within a millisecond, a layer of 1e-6 of the time span: no collocation
point falls in it, and a network of t cannot bend that fast. The plan reads the layer from
the problem. With each field's initial data u0 put into its equation a u_t + f(u, u_x, …) = 0
(a a number), the initial rate is u_t = −f / a, and the data would change

    ratio = RMS(u_t at t0) · T / RMS(u0)

times their own size over the span T at that rate (infinitely many for data of zero that
leave at all: a motor's current from rest). A layer is data far from where a fast
relaxation takes them, so the field's own rate counts too: the ratio is the smaller of that
and RMS(∂f/∂u / a) · T, both at the initial data (a pendulum's small initial speed leaves
fast, pushed by the angle, but nothing relaxes it). Where some equation's ratio is
STIFF_FROM or more, the layer's width is τ = T / ratio, ε = τ / T = 1 / ratio, and the model
and the sampler work in a time that resolves it:

- the network gets log(1 + t̂/ε) / log(1 + 1/ε) as one more input (t̂ = (t − t0) / T), so a
  change across 1e-6 of the span is as easy to make as one across all of it
  (models/mlp.py);
- an imposed initial value enters through the factor t̂ / (t̂ + ε) instead of t̂, which
  reaches its plateau across the layer, so the network's part stays of one size
  (models/constraints.py);
- half of the interior points are drawn uniformly in that log time, half uniformly in t
  (sampling/uniform.py). The residuals are not weighted: weighted by ε + t̂ (the equations
  written in log time) the start became cheap, and an autocatalytic ignition from a seed
  of 1 % settled on the unstable equilibrium u = 0 (L2RE 1.0, 1.2e-5 unweighted; the
  kinetics gained from the weights, 3.9e-3 → 3.1e-4 for B, solved either way; docs/zoo.md).

The same stretched coordinate serves a **radial** problem: an equation with u_rr + (m/r) u_r
(a cylinder's or a sphere's Laplacian, or r u_rr + u_r) on r ∈ [a, b] with a > 0 and b/a at
least RADIAL_FROM, where the solution varies like ln r or 1/r, as fast at the inner radius
as r is small. Then ε = a / (b − a), and the extra input log(1 + t̂/ε) / log(1 + 1/ε) is
log(r/a) / log(b/a). A pumped well (r from 0.25 to 800 m, an inverse problem of the
transmissivity and the recharge) went from h 1.1e-3, T = 138.7 for 150 and N of the wrong
sign, to h 1.5e-8, T = 149.99999 and N = 1.00003e-3 at 2 minutes (docs/zoo.md, stop 41).
Its equations keep their step-0 balance (it is not a stiffness), and it is read only where
no initial layer is.

"Time" is the problem's time coordinate, or the only coordinate of a one-dimensional
domain whose low end holds values of the fields (an ODE written without ``time:``).
Fields without initial data, coefficients of u_t that are not numbers, waves (u_tt) and
data the plan cannot evaluate are skipped, not guessed. ``model.initial_layer`` sets the
width by hand (in the time coordinate's units; 0: none).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..errors import SpecError
from .coefficients import expanded
from .dirichlet import dirichlet_value
from .expressions import value_at
from .problem import Problem
from .symbols import field_names_in

# The initial rate times the span, over the data's size, from which the layer is planned.
STIFF_FROM = 1e3
# The ratio of a radial coordinate's outer to inner radius from which its log is planned.
RADIAL_FROM = 20
POINTS = 24   # spatial points (a fixed low-discrepancy set) where the initial rate is read


@dataclass(frozen=True)
class TimeLayer:
    """An initial layer of width ``eps`` × (hi − lo) at the ``lo`` end of input column
    ``column``; ``why`` says where it was read (empty when set by hand)."""

    column: int
    lo: float
    hi: float
    eps: float
    why: str = ""
    # planned layers: (field, its size from the initial rates and data, :func:`_sizes`),
    # the output scales of a system (models/build.py)
    sizes: tuple[tuple[str, float], ...] = ()
    # "initial" (a fast layer in time, or set by hand) or "radial" (:func:`_radial`)
    kind: str = "initial"

    @property
    def stiff(self) -> bool:
        """A stiffness (the system's equations are left unbalanced, training/weights.py),
        not a radial log, whose equations keep their step-0 balance."""
        return self.kind == "initial"

    def warp(self, points):
        """``points`` (a tensor, (n, d)) whose column, uniform over [lo, hi], is remapped:
        its lower half of values spreads uniformly in log(1 + t̂/ε) over the whole span, its
        upper half uniformly in t (t̂ = (t − lo) / (hi − lo))."""
        span = self.hi - self.lo
        u = ((points[:, self.column] - self.lo) / span).clamp(0, 1)
        low = (2 * math.log1p(1 / self.eps) * u.clamp(max=0.5)).expm1() * self.eps
        half = (u < 0.5).to(points.dtype)
        out = points.clone()
        t_hat = (low * half + (2 * u - 1) * (1 - half)).clamp(0, 1)
        out[:, self.column] = self.lo + t_hat * span
        return out


def time_layer(problem: Problem) -> TimeLayer | None:
    """The layer the model and sampler of ``problem`` are built for: planned when the file
    leaves ``model.initial_layer`` to pinnsolve, else the width set there (None for 0).
    Read once per problem (the model, its sizes, the sampler, the balance and the digest
    all ask; the reading costs up to a second of SymPy on a 2-D problem)."""
    cache = problem.__dict__   # a frozen dataclass: the cache sits beside its fields
    if "_time_layer" not in cache:
        cache["_time_layer"] = _time_layer(problem)
    return cache["_time_layer"]


def _time_layer(problem: Problem) -> TimeLayer | None:
    width = problem.settings.model.initial_layer
    planned = "initial_layer" in problem.settings.training.planned
    if not width and not planned:
        return None
    axis = _time_axis(problem)
    if width:
        if axis is None:
            raise SpecError("model.initial_layer widens the start of time, but the problem "
                            "has no time coordinate (nor a single coordinate); remove it",
                            file=problem.source, key="model.initial_layer")
        coord, column = axis
        if width >= coord.hi - coord.lo:
            raise SpecError(f"model.initial_layer is {width:g}, not less than the time span "
                            f"{coord.hi - coord.lo:g}", file=problem.source,
                            key="model.initial_layer")
        return TimeLayer(column, coord.lo, coord.hi, width / (coord.hi - coord.lo))
    if axis is not None:
        coord, column = axis
        eps, why, sizes = _read(problem, coord)
        if eps:
            return TimeLayer(column, coord.lo, coord.hi, eps, why,
                             tuple((k, float(f"{v:.3g}")) for k, v in sizes.items() if v > 0))
    return _radial(problem)


def _radial(problem: Problem) -> TimeLayer | None:
    """The log of a radial coordinate r ∈ [a, b], a > 0, b/a ≥ RADIAL_FROM, where some
    equation holds u_rr and u_r in the ratio r : m (m > 0 a number: u_rr + (m/r) u_r, or
    r u_rr + u_r); None elsewhere (shapes, meshes and vector coordinates too)."""
    d = problem.domain
    if d.vector is not None or d.shape is not None or d.mesh is not None:
        return None
    exprs = [expanded(problem, eq.expr) for eq in problem.equations]
    for axis in d.space:
        if axis.lo <= 0 or axis.hi < RADIAL_FROM * axis.lo:
            continue
        r = axis.symbol
        for expr in exprs:
            for u in problem.field_functions.values():
                second = sp.diff(expr, sp.Derivative(u, (r, 2)))
                first = sp.diff(expr, sp.Derivative(u, r))
                if second == 0 or first == 0 or sp.count_ops(first) + sp.count_ops(second) > 200:
                    continue   # (a coefficient this long is not a radial Laplacian's)
                m = sp.cancel(first * r / second)
                if m.is_number and m.is_real and float(m) > 0:
                    eps = axis.lo / (axis.hi - axis.lo)
                    f, x = u.func.__name__, axis.name
                    why = (f"{f}'s equation is radial in {x} ({f}_{x}{x} + {float(m):.3g}/{x} "
                           f"{f}_{x}) from {axis.lo:g} to {axis.hi:g}, "
                           f"{axis.hi / axis.lo:.3g} times further out")
                    return TimeLayer(d.column(axis.name), axis.lo, axis.hi, eps, why,
                                     kind="radial")
    return None


def _time_axis(problem: Problem):
    """(interval, input column) of time, or of a 1-D domain's coordinate; None otherwise."""
    domain = problem.domain
    if domain.vector is not None:
        return None
    if domain.time is not None:
        return domain.time, domain.n_inputs - 1
    if len(domain.space) == 1 and domain.shape is None and domain.mesh is None:
        return domain.space[0], 0
    return None


def _initial_data(problem: Problem, coord) -> dict[str, sp.Expr]:
    """Field name → its initial value (known parameters substituted) at ``coord``'s start."""
    out: dict[str, sp.Expr] = {}
    time = problem.domain.time is not None
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    for c in problem.conditions:
        r = c.region
        if not (r.kind == "initial" if time else
                (r.kind == "face" and r.coord == coord.name and r.side == "lo")):
            continue
        for name in problem.fields:
            g = dirichlet_value(c, name)
            if g is not None:
                out[name] = sp.sympify(g).subs(coord.symbol, coord.lo).subs(values)
    return out


def _read(problem: Problem, coord) -> tuple[float, str, dict[str, float]]:
    """(ε, why, field → its size, :func:`_sizes`); ε = 0 when no layer."""
    initial = _initial_data(problem, coord)
    if not initial:
        return 0.0, "", {}
    funcs = problem.field_functions
    start = {funcs[k]: v for k, v in initial.items()}
    points = _points(problem, coord)
    t = coord.symbol
    span = coord.hi - coord.lo
    best, field = 0.0, ""
    rates: dict[str, float] = {}
    sizes: dict[str, float] = {}
    relaxes: dict[str, float] = {}
    for eq in problem.equations:
        expr = expanded(problem, eq.expr)
        if any(sum(n for v, n in d.variable_count if v == t) > 1
               for d in expr.atoms(sp.Derivative)):
            continue   # an oscillator or a wave (u_tt of any field): no first-order rate
        for name in initial:
            u = funcs[name]
            a = sp.diff(expr, sp.Derivative(u, t))
            if a == 0 or not a.is_number:
                continue
            rest = expr.subs(sp.Derivative(u, t), 0)
            rate = _values(-rest / a, start, points)
            size = _values(initial[name], start, points)
            relax = _values(sp.diff(rest, u) / a, start, points)
            if rate is None or size is None or relax is None:
                continue
            rates[name] = max(rates.get(name, 0.0), _rms(rate))
            sizes[name] = _rms(size)
            relaxes[name] = max(relaxes.get(name, 0.0), _rms(relax))
            if _rms(rate) == 0:
                continue
            # A layer is data far from where a fast relaxation takes them: the data leave
            # fast, and the field's own rate ∂f/∂u is fast (a pendulum's small initial
            # speed also leaves fast, pushed by the angle, but nothing relaxes it). Data of
            # zero that leave at all (a motor's current from rest) are far from it.
            leave = _rms(rate) * span / _rms(size) if _rms(size) > 0 else math.inf
            ratio = min(leave, _rms(relax) * span)
            if ratio > best:
                best, field = ratio, name
    if best < STIFF_FROM:
        return 0.0, "", {}
    eps = 1.0 / best
    return eps, (f"{field}'s initial data put into its equation change at a rate that would "
                 f"change them {best:.3g} times over the span: a layer of about "
                 f"{eps * span:.3g} at {coord.name} = {coord.lo:g}"), \
        _sizes(problem.fields, sizes, rates, relaxes, span)


def _sizes(fields, data: dict, rates: dict, relaxes: dict, span: float) -> dict[str, float]:
    """Each field's size: its initial rate for as long as its own relaxation lets it grow
    (rate / |∂f/∂u|, at most the span), or its data if larger, at most the system's size
    (the largest initial data; where all are zero, the largest size so read); a field
    with neither rate nor data takes the system's size. Kinetics A ⇌ B → C from A0 = 1500:
    B 1500 (its rate of 1.5e6 per s, relaxing at 1 per s, capped), C 1500 (no rate at the
    start); a radical relaxing at 80 per s fed at 16 mol/m³/s: 0.2; a slow side product fed
    at 4 per s over 300 s: capped at the 800 of its source."""
    own = {k: max(data.get(k, 0.0), rates.get(k, 0.0) * min(1 / relaxes[k] if relaxes.get(k)
                                                              else span, span))
           for k in fields if k in rates or k in data}
    system = max(data.values(), default=0.0) or max(own.values(), default=0.0)
    if system <= 0:
        return {}
    return {k: min(own[k], system) if own.get(k) else system for k in fields}


def _points(problem: Problem, coord) -> list[dict]:
    """Substitutions of the coordinates: the start of time and POINTS spatial points (a
    Kronecker sequence in the box, fixed)."""
    axes = [a for a in problem.domain.space if a is not coord]
    if not axes:
        return [{coord.symbol: sp.Float(coord.lo)}]
    steps = [math.sqrt(p) % 1 for p in (2, 3, 5, 7, 11, 13, 17, 19)][:len(axes)]
    out = []
    for k in range(1, POINTS + 1):
        sub = {a.symbol: sp.Float(a.lo + (0.05 + 0.9 * ((k * s) % 1)) * (a.hi - a.lo))
               for a, s in zip(axes, steps)}
        sub[coord.symbol] = sp.Float(coord.lo)
        out.append(sub)
    return out


def _values(expr: sp.Expr, start: dict, points: list[dict]) -> list[float] | None:
    """``expr`` with the fields replaced by their initial data, at ``points``; None when a
    field without data, an unknown, or a value that is not a finite real number remains."""
    try:
        out = expr.subs(start).doit()
    except Exception:   # noqa: BLE001 - a datum the plan cannot substitute is skipped
        return None
    if field_names_in(out):
        return None
    values = []
    for sub in points:
        try:
            v = value_at(out, sub)
        except (TypeError, ValueError, OverflowError):
            return None   # an unknown parameter, or not a number
        if v.imag or not math.isfinite(v.real):
            return None
        values.append(v.real)
    return values


def _rms(values: list[float]) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))
