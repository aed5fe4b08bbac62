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

The same holds inside an exactly imposed field u = A + D N: the network's part N is
(u − A) / D, and D, a product of face factors of at most 1, is small in the bulk of a
box of several dimensions (RMS 0.0035 on the unit cube with time), so N is hundreds of
times u − A. :func:`distance_gain` multiplies D by 1 / its RMS over the domain where
that is 100 or more (boxes of three dimensions and more).

When every condition is imposed exactly, or those left in the loss fix no value but zero
or a derivative (a wave's u_t = 0 at t = 0), and there are no observations, no datum tells
the network's size, and the equations alone must: :func:`residual_scale` compares the
equations' residual at N = 0 (the lift alone) with the change the untrained network makes
to it, and scales N by their ratio. A heat problem u_t = 0.72 u_xx with u = 20 at both
ends and u = 20 + 80 sin(πx) at t = 0 decays by e^-7 over t ∈ [0, 1]: near t = 0 the
network's part (u − A) / (t x (1 − x)) is of order 10³. With an output scale of 1 it failed
(L2RE 0.59 in 60 s, the loss barely moving); set by hand to 300, 1.7e-6; the same problem
in SI units (a rod of 0.1 m, α = 1.2e-5 m²/s, 600 s) failed alike. A derivative datum kept
in the loss tells a size too: a flux q across a length L changes u by about |q| L (a
crust's basal heat flow, :func:`_flux_size`), and the larger of the two sizes is taken.

A system's fields may need sizes one number cannot give (an SI potential of 1 kV beside a
flux of 3e-5 C/m²): :func:`fitted_sizes` then reads each field's size from a least-squares
solve of the problem over the untrained network's features.
"""
from __future__ import annotations

import math

import sympy as sp
import torch
from torch import nn

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..errors import CompileError
from ..geometry import region_geometry
from ..spec.initial_layer import time_layer
from ..spec.problem import Problem, Region
from ..spec.symbols import Normal
from .constraints import HardConstrained, _distance

KEEP = (0.2, 5.0)     # RMS data sizes that leave the scale at 1
GAIN_FROM = 100.0     # 1 / RMS of a distance factor from which it gets a gain (distance_gain)
POINTS = 256          # points per condition
PIN_FLOOR = 1e-6      # a pin's datum below this times the other data's size: round-off
FIT_BAND = (1e-2, 1e2)   # fitted field sizes outside it: each field its own scale
FIT_POINTS = 64       # points per region of the fit (fewer for a wide output layer)
FIT_ROWS = 200_000    # points through the network at once in the fit, at most
# The share of the residual a fit may leave and still tell the fields' sizes. A floor under
# a pump near resonance (a tuned absorber, two modes beating with the drive) left 0.99 and
# read 0.002 for parts of 0.19 and 1.04 (L2RE 0.99, 0.94 at 2 minutes; stop 44); the fits
# that set useful sizes left 5e-4 to 0.56 (coupled_scales, Taylor-Green water, a 3-D
# Darcy block, a thermoelastic plate, the Foucault pendulum).
FIT_TRUST = 0.9
ONE_FIELD_TRUST = 0.5   # a lone field's fit is read only where it leaves at most this
# A field of the mixed form fitted this far below the size its law gives at the fitted
# displacements fell to the ridge's minimum, and takes the law's size (rock footing: sxy
# 0.04 against 1.9e5; a snap ring's stresses 7e-9 against 6.9). Nearer, the fit stands: a
# girder whose tractions' lift already makes its stresses (fitted 0.01, its law 41 from
# displacements 2-8x off: 7.3e-5 kept, 6.7e-4 with scale 1), a Mindlin plate's shear
# forces (a small difference of large terms, read 60x high by their laws).
COLLAPSED = 1e4


def data_scale(problem: Problem, imposed: set[str], constraints=()) -> list[float]:
    """The planned output scale of each field (1.0 where its data are of order one or
    absent): the RMS of the values that field's own data give. One number for all fields
    gave a potential of 0.02 V the scale of a temperature of 300 K beside it (a bus bar in
    SI units, V at L2RE 0.24; docs/zoo.md, stop 35).

    Where the field is also imposed exactly (u = A + D·N), a kept datum g tells the size
    of g − A there too, the part the network makes: the larger of |g| and |g − A| is read.
    A film held at 0.01 on one face (the lift A = 0.01 throughout) with a Robin face asking
    2.2e-4 was scaled 8.8e-5 for a part of 1e-2 (L2RE 1.72 → 1.2e-9 at 2 minutes, stop
    47). Reading |g − A| alone lost a bus bar whose temperature's datum sits near its lift
    (V 4.7e-3 → 0.22, stop 46); the larger of the two changed 8 of 400 files' scales, none
    for the worse by more than a protoplanetary disk's 1.0e-7 → 9.7e-7 (docs/zoo.md).
    Blended lifts (tabulated) are not read."""
    lifts = {problem.fields[c.column]: c.lift for c in constraints
             if c.lift is not None and not c.costly_lift}
    scales = []
    for rms in _field_rms(problem, _data_values(problem, imposed, lifts)):
        ok = math.isfinite(rms) and rms != 0 and not KEEP[0] <= rms <= KEEP[1]
        scales.append(float(f"{rms:.3g}") if ok else 1.0)
    return scales


def _field_rms(problem: Problem, values: dict[str, list[torch.Tensor]]) -> list[float]:
    """Each field's RMS over its entries of ``values`` (:func:`_data_values`), 0.0 where
    it has none."""
    return [float(torch.cat(values[f]).pow(2).mean().sqrt()) if values.get(f) else 0.0
            for f in problem.fields]


def _data_values(problem: Problem, imposed: set[str], lifts: dict | None = None
                 ) -> dict[str, list[torch.Tensor]]:
    """Field name → |g/a| at up to POINTS points of each condition kept in the loss that
    fixes that field's value to a nonzero datum, and the observations of it: the data that
    tell the size of what the network produces for it.

    A datum at one point of a domain of two or more inputs (a pressure pinned at a corner)
    fixes a level; it tells the field's size too (a water tank's pressure pinned to 0.012
    Pa at a cell's centre), unless it is round-off beside the problem's other data: below
    PIN_FLOOR times the largest RMS of any condition's values, imposed ones included. A
    decaying vortex's pressure pinned to its exact value at a far corner, 1e-12 Pa beside
    velocities of 1e-2 m/s, set the scale of a pressure of 0.007 Pa to 6e-13 (stop 43)."""
    values: dict[str, list[torch.Tensor]] = {}
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    coords = set(problem.domain.coordinate_symbols)
    columns = Columns(problem.domain, problem.fields)
    fields = problem.field_functions
    pinned = [c for c in problem.conditions
              if c.region.kind == "point" and problem.domain.n_inputs > 1]
    pins, largest = [], 0.0
    for c in problem.conditions:
        if c.name in imposed and not pinned:
            continue
        read = _value_of(c.expr, fields, coords, params)
        if read is None:
            continue
        name, ratio = read
        env = _sample_env(problem, c.region)   # with normals: data may hold n_x
        x = env.x
        if not len(x):
            continue
        v = torch.as_tensor(lower(ratio, columns, set(), f"data scale of {c.name}")(
            Env(x, {}, {}, env.normals)), dtype=torch.float64)
        v = v.reshape(-1).expand(len(x)) if v.numel() == 1 else v.reshape(-1)
        if lifts and name in lifts and c.name not in imposed:
            with torch.no_grad():
                v = torch.maximum(v.abs(), (v - lifts[name](x).reshape(-1).to(v)).abs())
        v = v.abs()
        if c in pinned:
            pins.append((c.name, name, v))
            continue
        largest = max(largest, float(v.pow(2).mean().sqrt()))
        if c.name not in imposed:
            values.setdefault(name, []).append(v)
    for cname, name, v in pins:
        if cname not in imposed and float(v.pow(2).mean().sqrt()) >= PIN_FLOOR * largest:
            values.setdefault(name, []).append(v)
    for o in problem.observations:
        for name, v in o.values.items():
            if name in fields:
                values.setdefault(name, []).append(torch.as_tensor(v, dtype=torch.float64))
    return values


def _value_of(expr: sp.Expr, fields: dict, coords: set, params: dict
              ) -> tuple[str, sp.Expr] | None:
    """(u, g / a) when ``expr`` holds one field u only and, with every derivative (and so
    every normal derivative) set to zero, reads a·u − g with a and g free of fields; else
    None. A condition coupling two fields (dn(p) + k q = g, an impedance) tells neither's
    size: its g is a mismatch, not a value (0.036 read from one such made a duct's pressures
    of order one train with that scale, L2RE 0.56 and 1.00; stop 35)."""
    present = [name for name, f in fields.items() if expr.has(f)]
    if len(present) != 1:
        return None
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(0))
    u = fields[present[0]]
    if not expr.has(u):
        return None
    s = sp.Dummy("s")
    linear = expr.subs(u, s).subs(params)
    a, g = sp.diff(linear, s), -linear.subs(s, 0)
    if a.has(s) or a == 0 or g == 0 or not (a.free_symbols | g.free_symbols) <= coords \
            or a.atoms(sp.core.function.AppliedUndef) or g.atoms(sp.core.function.AppliedUndef):
        return None
    return present[0], g / a


def distance_gain(problem: Problem, constraint) -> float:
    """The gain of an exactly imposed field's distance factor D (models/constraints.py):
    1 / the RMS of D over the domain, so that the network's part N of u = A + D N is of
    the size of u − A rather than 1/D times it, where 1/RMS is GAIN_FROM or more; else 1.

    D is a product of face factors of at most 1, and 1/RMS grows with the dimension: √30 =
    5.5 on a unit interval, 29 on the square, 49 on the square with time, 156 on the cube,
    276 on the cube with time. Measured with the plan (5-minute budget unless said, one
    thread): on the cube, poisson_3d 6.9e-2 → 9.5e-6 in 2 minutes with the gain, and a heat
    problem with time (benchmarks/heldout/heat_3d) 0.28 → 1.6e-4 in 2 minutes; on the square
    the gain did not help (navier_stokes_kovasznay 9.7e-7 → 9.6e-6, darcy_mixed 1.2e-5 →
    2.4e-5; with model.output_scale set to the gain, the same model for one imposed field:
    poisson_high_frequency 7.1e-5 → 3.5e-5, heat_multiscale 6.4e-5 → 1.6e-4): a tanh
    network reaches outputs of a few tens quickly, of hundreds late."""
    if not constraint.factors and constraint.distance is None:
        return 1.0
    x = _sample(problem, Region("interior"))
    if not len(x):
        return 1.0
    rms = _distance_rms(constraint, x)
    if not math.isfinite(rms) or rms == 0 or 1 / rms < GAIN_FROM:
        return 1.0
    return float(f"{1 / rms:.3g}")


def _distance_rms(constraint, x: torch.Tensor) -> float:
    """RMS over the points ``x`` of an imposed field's distance factor D (face factors
    times the shape's distance; 1 where it has none), before its gain."""
    d = _distance(x, constraint.factors)
    if constraint.distance is not None:
        extra = torch.as_tensor(constraint.distance(x), dtype=torch.float64).reshape(-1)
        d = extra if d is None else d * extra
    return 1.0 if d is None else float(d.pow(2).mean().sqrt())


def residual_scale(problem: Problem, constraints, imposed: set[str], make_net) -> float:
    """The planned output scale of a network whose size no datum tells (every condition
    imposed exactly, or those in the loss fix no value but zero or a derivative: a wave's
    u_t = 0 at t = 0): the RMS of the equations' residual with the network's part zeroed,
    divided by the RMS of the change the untrained network makes to it per unit of its
    output size (at up to 256 fixed-seed interior points), or the size a flux kept in the
    loss asks for across the domain (:func:`_flux_size`), whichever is larger, where that is
    GAIN_FROM or more; the flux's size also where it is below KEEP[0] and above the
    equations' ratio (a solution driven by small tractions); else 1.0, and also when a kept
    condition or an observation gives a value
    (:func:`data_scale` reads those). The equations' ratio counts downwards only where
    every imposed value is zero (no lift): a lift that already solves the equations
    (Dirichlet data given by the exact solution) gives a ratio near 0, and the network
    must stay free to correct it; with no lift the ratio is the source's size over the
    operator's, a small solution's size. A concrete canopy plate on a column (w ~ 1e-3 m
    in SI, its part 7.7e-4) was read 3.6e-4 and left at 1 before (L2RE 0.998 at 2
    minutes), a tiny SI membrane's part 7.2e-4 is read 3.0e-4 (stop 43). The ratio reads
    a part 1.2-5× low (six files), so it counts below KEEP[0] / 2 only: u'' = −1, a part of
    0.5, is read 0.175 and keeps the scale 1 of a solution of order one.

    ``make_net(output_scale, seed)`` builds the network; the probe is of seed 0, so that the
    scale (part of the model, not of its state_dict) does not depend on training.seed."""
    from ..compiler import compile_problem   # models/ is imported by the compiler's users

    if _data_values(problem, imposed):
        return 1.0
    x = _sample(problem, Region("interior"))
    if not len(x):
        return 1.0
    compiled = compile_problem(problem, seed=0)
    terms = [t for t in compiled.terms if t.kind == "equation"]
    if not terms:
        return 1.0
    net = make_net(1.0, 0)
    model = HardConstrained(net, constraints)
    with torch.random.fork_rng(devices=[]):
        r1 = compiled.evaluate(model, terms, x)
        size = net(x).detach().pow(2).mean().sqrt()
        net.output_scale = 0.0 * net.output_scale
        r0 = compiled.evaluate(model, terms, x)
    lift = torch.cat([r0[t.name].detach().reshape(-1) for t in terms])
    change = torch.cat([(r1[t.name] - r0[t.name]).detach().reshape(-1) for t in terms])
    # The change per unit of output: the untrained network's outputs are far below one.
    ratio = float(lift.pow(2).mean().sqrt() * size / change.pow(2).mean().sqrt())
    ratio = ratio if math.isfinite(ratio) else 0.0
    flux, spanned = _flux_size(problem, imposed, x, model)
    if max(ratio, flux) >= GAIN_FROM or (spanned >= GAIN_FROM and flux > KEEP[1]):
        return float(f"{max(ratio, flux):.3g}")
    if ratio < flux <= KEEP[0]:   # small fluxes drive a solution the lift does not carry:
        return float(f"{flux:.3g}")   # downwards too, as the data rule does for values
    if 0 < ratio < KEEP[0] / 2 and all(c.lift is None for c in constraints):
        return float(f"{ratio:.3g}")   # no lift: a small ratio is a small solution
    return 1.0


def _flux_size(problem: Problem, imposed: set[str], x: torch.Tensor, model
               ) -> tuple[float, float]:
    """The size of the network's part that the derivative data kept in the loss ask for:
    a flux q (∂u/∂n = q, k u_z = q, u_t = v at t = 0) across a length L changes u by about
    |q| L, the network's part by that over the RMS of the field's distance factor D. The
    largest over such conditions (RMS of |q| at up to POINTS points of its region; L the
    longest span of the coordinates it differentiates along); 0 when there are none.

    A geotherm in SI units (a 100 km × 30 km section, the surface temperature imposed, the
    mantle's heat flow of 0.012 K/m given at the base) rises by ~440 K over the depth; no
    value in the loss told that, and the equations' residual ratio stayed below 100: scale
    1, L2RE 7.0e-2 at 2 minutes (docs/zoo.md, stop 37). A flux may hold several fields (a
    shear traction μ(ux_y + uy_x) = τ): |q| is then τ over the norm of the coefficients, and
    the size is read for each of them. Small sizes count too (:func:`residual_scale`): a
    cantilever in inch-pound units (E = 3e7, tractions of 100 psi, deflections of 1e-2)
    went 3.4e-3 → 2.2e-6 at 2 minutes with the planned 4.85e-4.

    A rate in time (a struck membrane's initial velocity u_t = v) moves u by |v| T only
    when it drifts. When the problem's data or waves make n ≥ OSCILLATORY half-periods
    along time it turns back after about T/n, the fastest of them; the slower ones go on
    longer. L is then T/√n, between the two: a drumhead's part of size 56 was read 585
    (T, L2RE 0.88 at 2 minutes; with 56 set by hand 0.15), a window pane's 0.015 read 0.14,
    a duct's 41 read 157, a horn's 7300 read 9800 (stop 43; T/n would read the drumhead
    within 1.1×, the pane 2× low, the duct and the horn 4-5× low). Returns (that size, the
    size with L the span): a size the span puts at GAIN_FROM or more still counts where
    the half-periods bring it down to KEEP[1] or more (the duct's 41: 1 otherwise)."""
    from .frequency import OSCILLATORY, half_periods

    fields = problem.field_functions
    time = problem.domain.time
    waves = None
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    columns = Columns(problem.domain, problem.fields)
    spans = {iv.symbol: iv.hi - iv.lo for iv in
             list(problem.domain.space) + ([problem.domain.time] if problem.domain.time else [])}
    factor = [1.0] * len(problem.fields)                # RMS of each field's gain · D
    for c in model.constraints:
        factor[c.column] = c.gain * _distance_rms(c, x)
    best = spanned = 0.0
    for c in problem.conditions:
        if c.name in imposed or _value_of(c.expr, fields, set(spans), params):
            continue
        read = _flux_of(c.expr.subs(params), fields, set(spans))
        if read is None:
            continue
        names, q, along = read
        env = _sample_env(problem, c.region)
        if not len(env.x):
            continue
        v = torch.as_tensor(lower(q, columns, set(), f"flux size of {c.name}")(env),
                            dtype=torch.float64).reshape(-1).abs()
        rms = float(v.pow(2).mean().sqrt())
        span = length = max((spans.get(a, 0.0) for a in along), default=0.0)
        if time is not None and set(along) == {time.symbol}:
            waves = half_periods(problem) if waves is None else waves
            n = waves.get(time.name, 0)
            length = length / math.sqrt(n) if n >= OSCILLATORY else length
        for name in names:
            d = factor[problem.fields.index(name)]
            if math.isfinite(rms) and d > 0:
                best = max(best, rms * length / d)
                spanned = max(spanned, rms * span / d)
    return best, spanned


def _flux_of(expr: sp.Expr, fields: dict, coords: set
             ) -> tuple[list[str], sp.Expr, set] | None:
    """(fields, ±q, coordinates) when ``expr`` reads Σ a_k ∂f_k/∂c_k − g over one or more
    fields f_k, first derivatives only and no field undifferentiated, with a and g free of
    fields and g nonzero: q = g / |a| is the size of the gradient the condition asks for."""
    present = [name for name, f in fields.items() if expr.has(f)]
    if not present:
        return None
    derivs = list(expr.atoms(sp.Derivative))
    if not derivs or any(sum(n for _, n in d.variable_count) != 1 for d in derivs):
        return None
    slots = [sp.Dummy(f"d{k}") for k in range(len(derivs))]
    linear = expr.xreplace(dict(zip(derivs, slots)))
    if any(linear.has(fields[name]) for name in present):
        return None
    coefs = [sp.diff(linear, s) for s in slots]
    g = -linear.xreplace({s: 0 for s in slots})
    if g == 0 or any(a.has(*slots) or a.atoms(sp.core.function.AppliedUndef) for a in coefs) \
            or g.atoms(sp.core.function.AppliedUndef) or not g.free_symbols <= coords:
        return None
    normals = [a.atoms(Normal) for a in coefs]
    if any(normals):    # c n_k ∂u/∂x_k (a normal derivative): the gradient's size is |g / c|
        scaled = {a.xreplace({n: 1 for n in ns}) for a, ns in zip(coefs, normals)}
        if len(scaled) != 1 or any(len(ns) != 1 for ns in normals):
            return None
        norm = scaled.pop()
    else:
        norm = sp.sqrt(sum(a ** 2 for a in coefs))
    return present, g / norm, {d.variables[0] for d in derivs}   # its sign: dropped later



def _sample(problem: Problem, region: Region) -> torch.Tensor:
    """Up to POINTS fixed-seed points of ``region`` (fewer on a shape that rejects many)."""
    return _sample_env(problem, region).x


def _sample_env(problem: Problem, region: Region) -> Env:
    """:func:`_sample`'s points with their outward normals (where the region has them)."""
    geometry = region_geometry(problem, region)
    u = torch.rand(4 * POINTS, geometry.unit_dim, dtype=torch.float64,
                   generator=torch.Generator().manual_seed(0))
    if getattr(geometry, "rejects", False):   # shapes: only accepted samples map inside
        u = u[geometry.accept(u)]
    x, normals = geometry.map(u[:POINTS])
    layer = time_layer(problem) if region.kind == "interior" else None
    if layer is not None:   # the interior as training samples it (spec/initial_layer.py)
        x = layer.warp(x)
    return Env(x, {}, {}, normals)


RESONANT = 1e-3   # a size read this far below the largest, probed without the modes: none


def unresonant(sizes: list[float | None], own: list[float]) -> list[float | None]:
    """Sizes read by :func:`fitted_sizes` for an ODE whose own frequencies the probe lacks
    (models/build.py): a field read more than 1/RESONANT below the largest is driven near
    resonance by its coupling, a growth the probe's smooth features cannot make, and keeps
    its scale (None). The Foucault pendulum's yb, 0.02 m, was read 1.1e-4 beside xb's 1:
    L2RE 1.01, 1.00 at 2 minutes; with both at 1, 5.8e-5, 4.1e-3 (stop 43). The quarter
    car, the RLC ringing and the bracket read within 1/80 of their largest and keep theirs.

    ``own`` is each field's RMS data (imposed ones too; 0 where it has none): a read at
    least a tenth of it is trusted however far below the others, as fields in other units
    differ by their units, not by a resonance. A pulsating star's displacement, 450 km,
    read 7810 beside its pressure's 4.1e12 Pa, was kept at 1 (L2RE 1.8 at 2 minutes; 0.23
    with the read, side by side; stop 52)."""
    read = [v for v in sizes if v is not None]
    if not read:
        return sizes
    top = max(read)
    out = [None if v is not None and v < RESONANT * top and not (d > 0 and v >= d / 10)
           else v for v, d in zip(sizes, own)]
    return out if any(v is not None for v in out) else None


def data_sizes(problem: Problem) -> list[float]:
    """Each field's RMS data over all its conditions, imposed ones included, and its
    observations (0.0 where it has none): what :func:`unresonant` checks a read against."""
    return _field_rms(problem, _data_values(problem, set()))


def fitted_sizes(problem: Problem, constraints, imposed: set[str], make_net,
                 current: list[float], trust: float = FIT_TRUST
                 ) -> list[float | None] | None:
    """Each field's size, from a linearised least-squares solve of the problem over the
    untrained network's features, where the fields need scales one number cannot give.

    The loss's residuals (equations and the conditions kept in the loss, at FIT_POINTS
    fixed-seed points of each region) are affine in the output layer's weights w for a
    linear problem (and linearised at w = 0 otherwise): r(w) = r0 + J w. J's columns are
    the residuals of each unit weight less r0, all evaluated in one pass (the network sees
    the points once per weight, :class:`_UnitWeights`). Each term's rows are divided by
    their RMS sensitivity and each column by its norm (an SI permittivity of 1e-11 beside
    a flux of order one), and w solves min |r0 + J w|² + 1e-8 |w|². The fitted network's
    RMS per field over the interior points is that field's size.

    A stress of the mixed form (spec/mixed.py) is not sized by its fit alone: the laws
    hold for any stress once the displacements follow it, and the ridge picks the smallest
    stress. So where the fit sits COLLAPSED times below the size its law gives at the
    fitted displacements (its definition there), it takes that size (:func:`_law_sizes`).

    On 36 files of two or more fields with exact solutions, the fit read the network part's
    size to within 2-3× for most, and 10-30× off for a few: time-only ODE chains
    (bateman_chain b: 8.3 against 0.87), a pressure seen only through its gradient (stokes
    p: 0.03-0.05 against 0.48). So it is used only where a field's fitted size is outside
    FIT_BAND, where one scale cannot serve: an electrostatics strip in SI (φ 844 V against
    1069, D_y 3.9e-5 against 3.0e-5, one scale of 1 before) or a 3-D bar whose uy is a
    five-hundredth of uz; or where two or more fields are fitted, all on one side of KEEP,
    so that the scale 1 is wrong for all of them alike (stop 39: water's Taylor-Green
    vortices in SI, u and v fitted 0.045 and 0.036, left at 1 before: L2RE 1.0 → 4.2e-2 at
    2 minutes; coupled_scales' u 19 and v 50: v 1.05e-2 → 1.8e-4; a lone fitted field
    beside fields its data size, as a lid-driven cavity's u, is left to the rules before).
    Then every field without value data takes its fitted size (1 within KEEP), and None
    where its data tell its size. A field whose lift already solves
    it (the fitted part is round-off, below 1e-9 of the lift) keeps its ``current`` scale
    but at most the lift's own size: a scale of 1 there let the network's noise swamp a
    Darcy flux of 2e-8 m/s. None where the fit does not apply, or sets no size.

    A strongly nonlinear problem's fit is linearised again at its own weights
    (:func:`_relinearised`, read again by powers of ten where Newton steps leave more
    than no network part); whether the fit is trusted stays decided by its first share
    left. A lone field (models/build.py) is fitted only where no other rule read its size,
    and its fit is read only where it leaves at most ``trust``."""
    from ..compiler import compile_problem   # models/ is imported by the compiler's users

    if problem.observations or problem.domain.vector is not None:
        return None   # (a vector coordinate: thousands of inputs per point, no fit)
    told = set(_data_values(problem, imposed))
    if told >= set(problem.fields):   # every field's data tell its size: nothing to fit
        return None
    net = make_net(1.0, 0)
    out = getattr(net, "out", None)
    if not isinstance(out, nn.Linear):
        return None
    model = HardConstrained(net, constraints) if constraints else net
    compiled = compile_problem(problem, "autodiff", seed=0)
    groups: dict[str, list] = {}
    for t in compiled.terms:
        if t.kind != "data" and t.name not in imposed:
            groups.setdefault(repr(t.region), []).append(t)
    n_out, width = out.weight.shape
    weights = n_out * (width + 1)
    n = max(8, min(FIT_POINTS, FIT_ROWS // (weights + 1)))

    def linearise(base: torch.Tensor | None, columns: bool = True
                  ) -> tuple[list, list, list, torch.Tensor | None]:
        """Each term's columns J (n, weights) and residual r0 at the output weights
        ``base`` (None: zero), the interior points, and the terms' names; without
        ``columns``, the residuals alone (J empty)."""
        blocks = weights + 1 if columns else 1
        rows, rhs, names, interior = [], [], [], None
        try:
            for terms in groups.values():
                env = _sample_env(problem, terms[0].region)
                x = env.x[:n]
                if not len(x):
                    continue
                normals = None if env.normals is None else env.normals[:n]
                net.out = unit = _UnitWeights(n_out, width, len(x), base, columns)

                def run() -> dict[str, torch.Tensor]:
                    with torch.random.fork_rng(devices=[]):
                        return compiled.evaluate(
                            model, terms, x.repeat(blocks, 1),
                            normals=None if normals is None else normals.repeat(blocks, 1))
                try:
                    res = run()
                except CompileError:   # a term this probe cannot evaluate (normals it lacks)
                    continue
                jacs, lost, r0 = {}, {}, {}
                for t in terms:
                    r = res[t.name].detach().to(torch.float64).reshape(blocks, len(x))
                    jacs[t.name], r0[t.name] = (r[1:] - r[0]).T, r[0]
                    if columns:
                        lost[t.name] = _lost(jacs[t.name], r[0], t, len(problem.fields),
                                             width)
                if any(bool(v.any()) for v in lost.values()):
                    exact = _autograd_columns(run, unit, terms, weights, len(x))
                    for name, e in exact.items():
                        jacs[name] = torch.where(lost[name][None, :], e, jacs[name])
                for t in terms:
                    jac = jacs[t.name]
                    sens = float(jac.pow(2).mean().sqrt())
                    if ((sens > 0 and math.isfinite(sens) or not columns)
                            and bool(torch.isfinite(r0[t.name]).all())):
                        rows.append(jac)
                        rhs.append(r0[t.name])
                        names.append(t.name)
                if terms[0].kind == "equation" and interior is None:
                    interior = x
        finally:
            net.out = out
        return rows, rhs, names, interior

    rows, rhs, names, interior = linearise(None)
    if not rows or interior is None:
        return None
    w, left = _solve_fit(rows, rhs)
    if w is None:
        return None
    w, rows, rhs = _relinearised(linearise, w, left, rows, rhs, names, n_out)
    fields = len(problem.fields)
    if left > trust:   # the features cannot make the solution: their fit tells no size
        return None
    with torch.no_grad():
        out.weight.zero_()
        out.bias.zero_()
        lift = model(interior)[:, :fields]
        out.bias.fill_(1.0)
        unit = _rms(model(interior)[:, :fields] - lift)    # the part a unit output makes
        out.weight.copy_(w.reshape(n_out, width + 1)[:, :width])
        out.bias.copy_(w.reshape(n_out, width + 1)[:, width])
        fitted = _rms(net(interior)[:, :fields])
        part = _rms(model(interior)[:, :fields] - lift)
        implied = _law_sizes(problem, names, rows, rhs, w, model(interior)[:, :fields], lift,
                             unit, len(interior))
    lift = _rms(lift)
    for k, size in implied.items():   # a stress the fit let fall to its ridge's minimum
        if size > COLLAPSED * fitted[k]:
            fitted[k], part[k] = size, size * unit[k]
    sizes: list[float | None] = [None] * fields
    for k, f in enumerate(problem.fields):
        if f not in told and math.isfinite(fitted[k]) and part[k] > 1e-9 * lift[k]:
            sizes[k] = fitted[k]
    read = [v for v in sizes if v is not None]
    one_side = len(read) > 1 and (max(read) < KEEP[0] or min(read) > KEEP[1])
    if not one_side and all(FIT_BAND[0] <= v <= FIT_BAND[1] for v in read):
        return None
    for k, f in enumerate(problem.fields):
        # the lift solves it (the fit is round-off): its scale, at most the lift's own size
        if f not in told and sizes[k] is None and lift[k] > 0 and unit[k] > 0:
            sizes[k] = min(lift[k] / unit[k], current[k])
        elif sizes[k] is not None:
            sizes[k] = 1.0 if KEEP[0] <= sizes[k] <= KEEP[1] else float(f"{sizes[k]:.3g}")
    return sizes


def _law_sizes(problem: Problem, names: list[str], jacs, r0s, w, values, lift, unit,
               n: int) -> dict[int, float]:
    """For each field of the mixed form (spec/mixed.py), the network output its definition
    asks for at the fitted displacements: RMS(definition − lift) / RMS(distance factor),
    the definition being the field's fitted value less its law's residual there."""
    out = {}
    # the laws are the last equations, in the order of the promoted fields (spec/mixed.py;
    # a law takes a fresh name where the file already has <name>_law)
    laws = dict(zip(problem.promoted,
                    [e.name for e in problem.equations[-len(problem.promoted):]]
                    if problem.promoted else []))
    for k, f in enumerate(problem.fields):
        if f not in laws or laws[f] not in names:
            continue
        i = names.index(laws[f])
        if len(r0s[i]) != n or not unit[k] > 0:
            continue
        definition = values[:, k].double() - (r0s[i] + jacs[i] @ w)
        size = float((definition - lift[:, k].double()).pow(2).mean().sqrt()) / unit[k]
        if math.isfinite(size):
            out[k] = size
    return out


def _lost(jac: torch.Tensor, r0: torch.Tensor, term, fields: int, width: int
          ) -> torch.Tensor:
    """The fit's columns (output weights) of each output whose differences r(unit weight) −
    r(0) are all round-off of r(0) (at most 1e-12 of it) though the term reads its field
    (one zero column alone is no loss: a bias under a derivative is zero). A neutron
    star's density (1e18 kg/m³) enters its mass equation times 6e-21 beside a mass of order
    one, and its pressure equation times 6e-3 beside a gravity term of 1e17: a unit weight's
    change was lost in both, so the fit read no size for it (L2RE 1.0, stop 47)."""
    reads = {r.field for r in term.requests}
    small = (jac.abs().amax(0) <= 1e-12 * float(r0.abs().max())).reshape(-1, width + 1)
    read = torch.tensor([o in reads or o >= fields for o in range(len(small))])   # layers: ≥
    return (read & small.all(1))[:, None].expand_as(small).reshape(-1)


def _autograd_columns(run, unit, terms, weights: int, n: int) -> dict[str, torch.Tensor]:
    """Each term's fit columns (n, weights) as derivatives by autograd, at the same unit
    weights (``run`` evaluates the terms again with them); terms whose derivative is not
    finite are left out. Only where :func:`_lost` finds columns: the graph costs the fit
    about twice its time."""
    unit.on.requires_grad_(True)
    out = {}
    try:
        res = run()
        for t in terms:
            try:
                (grad,) = torch.autograd.grad(res[t.name].sum(), unit.on, retain_graph=True)
            except RuntimeError:   # not differentiable there
                continue
            exact = grad.detach().to(torch.float64).reshape(weights + 1, n)[1:].T
            if bool(torch.isfinite(exact).all()):
                out[t.name] = exact
    finally:
        unit.on.requires_grad_(False)
    return out


RELINEARISE = 3   # Gauss-Newton passes of the fit, at most, where the problem is nonlinear
# The fit's actual residual at its weights this many times the share its linearisation
# predicted: the linearisation at the untrained network was far off, and is made again. A
# retort pouch's lethality rate (below) left 1e6 times the prediction; a lid-driven wake
# 33 times (its sizes fitted again: L2RE 2× lower); forced steady Navier-Stokes, a Stokes
# layer and a channel flow 2-3 times, where sizes fitted again were 4-10× worse (stop 48).
NONLINEAR = 10.0
# A fit linearised again that still leaves more than this share of the residual of no
# network part is read again by powers of ten (_scaled_down), kept where that at least
# halves it. 18 of ~510 files get there (a grey atmosphere's σT⁴ 4e59, a Richards column
# 8e10, a decaying vortex in water 4.6, a gold film 1.1, ...); the sizes of three change:
# side by side at 2 minutes, the vortex 4.9e-2 → 1.3e-3, the grey atmosphere's fluxes 0.43,
# 2.05 → 7.4e-9, 3.7e-8, the Richards column 9.9e-6 → 2.1e-5 (within the spread; stop 52).
WILD = 1.0


def _relinearised(linearise, w: torch.Tensor, left: float, jacs: list, r0s: list,
                  names: list[str], n_out: int) -> tuple[torch.Tensor, list, list]:
    """The fit again, linearised at its own weights, where the problem is so nonlinear that
    the first fit's residual is NONLINEAR times the share ``left`` it predicted:
    Gauss-Newton steps over the features, each kept only where it lowers the residual
    (each term's rows divided by its RMS sensitivity at w = 0, as the first fit). Otherwise
    one evaluation, and the fit stands. Returns w and the columns and intercepts of its
    linearisation (r0 + J w is the residual the last step predicted at w).

    The first fit linearises at the untrained network, so a rate that depends on a field
    steeply is read where that field is wrong: a retort pouch's lethality rate
    10^((T − 121)/10) read at the start temperature of 40 °C (1e-8) gave F the size 3.45e-6
    against ~0.2 (L2RE T 0.95, F 1.00 at 2 minutes); fitted again, 0.08 (8.9e-7, 1.8e-5).

    Where the Gauss-Newton passes still leave more than WILD of the untrained network's
    residual, each output's weights are scaled by the power of ten that leaves the least
    (:func:`_scaled_down`) and, where that at least halves the share, the passes run again
    from there and are kept. A gold film's Te, 1.145 → 0.994 by a tenth of
    its read, was read worse (L2RE 2.2e-4 → 1.1e-3 at 2 minutes), and is left as it was.
    A field seen only through a high power has no slope at zero, so its first read is
    far too large and Newton steps shrink it by a quarter at a time (a grey atmosphere's T,
    σT⁴ ≈ 240 W/m², read 1.2e17 K for about 250; stop 52)."""
    sens = {k: float(j.pow(2).mean().sqrt()) for k, j in zip(names, jacs)}
    total = math.sqrt(sum(float(r.pow(2).sum()) / sens[k] ** 2 for k, r in zip(names, r0s)))

    def share(rs: list) -> float:
        return math.sqrt(sum(float(r.pow(2).sum()) / sens[k] ** 2
                             for k, r in zip(names, rs))) / max(total, 1e-300)

    def left_at(v: torch.Tensor) -> float:
        _, at, got, _ = linearise(v, columns=False)
        return share(at) if got == names else math.inf

    first = left_at(w)
    if not math.isfinite(first) or not first > NONLINEAR * left:   # the fit stands
        return w, jacs, r0s
    best = _newton(linearise, left_at, (w, first, jacs, r0s), names)
    if best[1] > WILD:   # worse than no network part at all: powers of ten first
        w2, at = _scaled_down(left_at, best[0], best[1], n_out)
        if at < best[1] / 2:   # a clear gain only (a gold film: above)
            again = _newton(linearise, left_at, (w2, at, None, None), names)
            if again[2] is not None:   # its share is at most ``at``
                best = again
    return best[0], best[2], best[3]


def _newton(linearise, left_at, best: tuple, names: list[str]) -> tuple:
    """Up to RELINEARISE Gauss-Newton passes from ``best`` = (w, share left, J, r0), each
    kept only where it lowers the share left. J and r0 None: the first pass's
    linearisation at w takes their place (a start from :func:`_scaled_down`)."""
    for _ in range(RELINEARISE):
        jac2, r2, got, _ = linearise(best[0])
        if got != names:
            break
        if best[2] is None:
            best = (best[0], best[1], jac2, [r - j @ best[0] for r, j in zip(r2, jac2)])
        step, _ = _solve_fit(jac2, r2)
        if step is None:
            break
        w2 = best[0] + step
        at = left_at(w2)
        if not at < best[1]:
            break
        best = (w2, at, jac2, [r - j @ best[0] for r, j in zip(r2, jac2)])
    return best


def _scaled_down(left_at, w: torch.Tensor, share: float, n_out: int
                 ) -> tuple[torch.Tensor, float]:
    """(``w`` with each output's weights, one row of the output layer each, scaled by the
    power of ten, 1 down to 1e-24, that leaves the least residual, one output after the
    other with the others held; the share left)."""
    w = w.clone()
    rows = w.view(n_out, -1)
    for k in range(n_out):
        kept = rows[k].clone()
        tried = []
        for e in range(1, 25):
            rows[k] = kept * 10.0 ** -e
            tried.append((left_at(w), e))
        least, e = min(tried)
        if least < share:
            rows[k], share = kept * 10.0 ** -e, least
        else:
            rows[k] = kept
    return w, share


def _solve_fit(jacs: list[torch.Tensor], r0s: list[torch.Tensor]
               ) -> tuple[torch.Tensor | None, float]:
    """The output weights w minimising |r0 + J w|² over all terms, and the share of the
    residual left: each term's rows are divided by their RMS sensitivity, each column by
    its norm, and a 1e-8 ridge keeps the solve finite."""
    rows, rhs = [], []
    for jac, r0 in zip(jacs, r0s):
        sens = float(jac.pow(2).mean().sqrt())
        rows.append(jac / sens)
        rhs.append(-r0 / sens)
    a, b = torch.cat(rows), torch.cat(rhs)
    norms = a.norm(dim=0).clamp_min(1e-300)
    a = a / norms
    n = a.shape[1]
    v = torch.linalg.solve(a.T @ a + 1e-8 * torch.eye(n, dtype=a.dtype), a.T @ b)
    if not bool(torch.isfinite(v).all()):
        return None, math.inf
    left = float((a @ v - b).norm() / b.norm().clamp_min(1e-300))
    return v / norms, left


def _rms(values: torch.Tensor) -> list[float]:
    """RMS of each column."""
    return values.pow(2).mean(0).sqrt().tolist()


class _UnitWeights(nn.Module):
    """An output layer that gives each block of ``n`` rows one unit weight: rows of block
    b ≥ 1 output the (b − 1)-th entry of the flattened (outputs, width + 1) layer, bias last
    (one hidden unit into one output); block 0 outputs zero. Fed ``x`` repeated once per
    block, a network with it evaluates the residual of every unit weight in one pass. With
    ``base`` (flattened weights), every block adds the layer ``base`` to its output; without
    ``columns``, block 0 alone."""

    def __init__(self, n_out: int, width: int, n: int, base: torch.Tensor | None = None,
                 columns: bool = True):
        super().__init__()
        k = torch.arange(n_out * (width + 1) if columns else 0).repeat_interleave(n)
        zero = torch.zeros(n, dtype=torch.long)
        self.n_out = n_out
        self.column = torch.cat([zero, k // (width + 1)])
        self.unit = torch.cat([zero, k % (width + 1)])
        self.on = torch.cat([torch.zeros(n), torch.ones(len(k))])
        self.base = None if base is None else base.reshape(n_out, width + 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h1 = torch.cat([h, torch.ones_like(h[:, :1])], 1)
        v = h1.gather(1, self.unit[:, None]) * self.on[:, None].to(h.dtype)
        unit = h.new_zeros(len(h), self.n_out).scatter(1, self.column[:, None], v)
        return unit if self.base is None else unit + h1 @ self.base.to(h.dtype).T
