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
parameters, data fields) is skipped, not guessed. The equations count too, where their
linear constant-coefficient part makes waves the data do not show (:func:`_from_operators`):
transport u_t + c u_x and waves u_tt = c² u_xx sweep the data's half-periods along x past a
point |c| T / L times (convection_beta30, u_t + 30 u_x = 0 from sin(x): 0.74 with tanh,
1.5e-4 with sin, though no datum oscillates in t), and Helmholtz u_xx + k² u or an
oscillator u_tt + ω² u oscillate at their own wave number.
"""
from __future__ import annotations

import math

import sympy as sp
import torch

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..spec.coefficients import expanded, number
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


def planned_time_modes(problem: Problem) -> tuple[int, str]:
    """(time_modes, why) for a problem whose time harmonics the plan chooses: n + 1
    harmonics cos/sin(πk t̂) of time (the k-th has k half-periods over the time span) when
    the data and the waves the equations make have n ≥ TIME_HARMONICS_FROM half-periods
    along time, capped at MAX_TIME_MODES; (0, "") otherwise or without a time coordinate.

    Oscillations in time are the slowest thing a network of the coordinates learns: the
    harmonics give it a basis along t. A beam with three modes, w_tt + a² w_xxxx = 0 (11
    half-periods along t), went 0.18 → 4.5e-3 at 2 minutes with the planned 12 harmonics
    (0.13 → 4.7e-4 at 5), and to 1.35 with 22: harmonics beyond the solution's own add
    second time derivatives it does not have (docs/zoo.md, stop 37)."""
    t = problem.domain.time
    if t is None:
        return 0, ""
    n = half_periods(problem).get(t.name, 0)
    if n < TIME_HARMONICS_FROM:
        return 0, ""
    return min(n + 1, MAX_TIME_MODES), f"the data and waves have {n} half-periods along {t.name}"


# Half-periods along time from which harmonics of time are planned. At 5 they cost
# klein_gordon (5) 1.7e-7 → 2.9e-4 at 2 minutes; from 8 every file measured gained or held.
TIME_HARMONICS_FROM = 8
# At most this many: river_pollutant_long (43 half-periods of a fading inflow signal) went
# 1.2e-11 → 4.2e-5 with 44 harmonics, 1.3e-8 with 16 (2 minutes, stop 37).
MAX_TIME_MODES = 16


def half_periods(problem: Problem) -> dict[str, int]:
    """Coordinate name → the most half-periods any datum of ``problem`` has along it, raised
    where the equations themselves make waves (:func:`_from_operators`); empty when nothing
    can be read, or the domain has a vector coordinate."""
    domain = problem.domain
    if domain.vector is not None:
        return {}
    data = _data(problem)
    axes = list(domain.space) + ([domain.time] if domain.time is not None else [])
    counts = _sampled(problem, axes, data) if data else {a.name: 0 for a in axes}
    raised = _from_operators(problem, counts)
    if not data and not any(raised.values()):
        return {}
    return raised


def _sampled(problem: Problem, axes: list, data: list[sp.Expr]) -> dict[str, int]:
    """Coordinate name → the most interior extrema of a datum along it (the median over
    LINES lines of SAMPLES points across the box)."""
    columns = Columns(problem.domain, problem.fields)
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
    return counts


def _from_operators(problem: Problem, counts: dict[str, int]) -> dict[str, int]:
    """``counts`` raised by the waves the linear, constant-coefficient parts of the
    equations make, which the data alone do not show. For a field u and coordinates x
    (space, length L) and t (time, length T), with the coefficients of u, u_x, u_xx, u_t
    and u_tt in one equation:

    - Helmholtz, a u_xx + b u with a b > 0 and no u_t: waves of number k = √(b/a), so
      k L / π half-periods along x (u'' + 400 u = 0 on [0, 1]: 6);
    - an oscillator, a u_tt + b u with a b > 0: k T / π along t;
    - transport, a u_t + b u_x: the n half-periods along x pass a point n |b/a| T / L
      times (u_t + 30 u_x = 0 from sin(x) on [0, 2π]: 2 along x, 9 along t);
    - a wave, a u_tt + b u_xx with a b < 0: speed √(-b/a), the same count;
    - dispersion, in general: with κ = n π / L the data's wave number along x, the plane
      wave of a u_t + b ∂ₓᵏu (k odd) turns at ω = |b/a| κᵏ, and that of a u_tt + b ∂ₓ²ʲu
      at ω = √|b/a| κʲ where (b/a)(−1)ʲ > 0 (a beam, u_tt + a² u_xxxx: ω = a κ²), so
      ω T / π half-periods along t (the two rules above are k = 1 and j = 1); the u_tt
      terms of every axis and order add up, ω² = Σ |b/a| κ²ʲ, as a plane wave's do: a
      drumhead (a disk, c = 124 m/s, 40 ms) was read at 7 half-periods, one axis at a
      time, and is at 10 so (its modes make 11.5 and 26), which plans harmonics of time
      (L2RE 0.88 → 0.57 at 2 minutes, 0.12 at 5: better, still failing; stop 41);
    - a first-order system, A f_t + B f_x = 0 over the fields f with A invertible (shallow
      water, acoustics, Maxwell): the real eigenvalues of A⁻¹B are its speeds, and the
      fastest sweeps the data's half-periods like transport.
    - a system A f_t + C ∂ₓᵐ f = 0 with m even (Schrödinger in real and imaginary parts):
      the imaginary parts of A⁻¹C's eigenvalues ring, :func:`_system_dispersion`.

    A coefficient that varies with the coordinates (u_t + 20 (1 + t) u_x = 0) counts with its
    mean over a grid of the box, when its sign does not change there; coefficients that
    hold a field or an unknown are not read."""
    domain = problem.domain
    t = domain.time
    out = dict(counts)
    axes = list(domain.space) + ([t] if t is not None else [])

    def raise_to(axis, n: float) -> None:
        out[axis.name] = max(out[axis.name], int(n))

    exprs = [expanded(problem, eq.expr) for eq in problem.equations]
    for expr in exprs:
        for u in problem.field_functions.values():
            def coefficient(*over):
                d = sp.Derivative(u, *over) if over else u
                return _typical(sp.diff(expr, d), problem, axes)
            mass = coefficient()
            steady = t is None or sp.diff(expr, sp.Derivative(u, t.symbol)) == 0
            u_t = coefficient((t.symbol, 1)) if t is not None else None
            u_tt = coefficient((t.symbol, 2)) if t is not None else None
            for axis in domain.space:
                a = coefficient((axis.symbol, 2))
                if a and mass and a * mass > 0 and steady:
                    raise_to(axis, math.sqrt(mass / a) * (axis.hi - axis.lo) / math.pi)
            if mass and u_tt and u_tt * mass > 0:
                raise_to(t, math.sqrt(mass / u_tt) * (t.hi - t.lo) / math.pi)
            squared = 0.0   # a wave's ω² over every axis and order (its dispersion)
            for axis in domain.space if t is not None else ():
                kappa = out[axis.name] * math.pi / (axis.hi - axis.lo)
                # a wave on an interval rings at least at its fundamental, a quarter wave
                # (one end free) at the least, whatever the data's extrema: a surge of
                # sin(πx/2L) in a pipe has none along x and 8 half-periods along t
                ring = max(out[axis.name], 0.5) * math.pi / (axis.hi - axis.lo)
                for order in range(1, MAX_ORDER + 1):
                    b = coefficient((axis.symbol, order))
                    omega = None
                    if u_t and b and order % 2:
                        omega = abs(b / u_t) * kappa ** order
                    elif u_tt and b and order % 2 == 0 and \
                            (b / u_tt) * (-1) ** (order // 2) > 0:
                        squared += abs(b / u_tt) * ring ** order
                    if omega:
                        raise_to(t, omega * (t.hi - t.lo) / math.pi)
            if squared:
                raise_to(t, math.sqrt(squared) * (t.hi - t.lo) / math.pi)
    if t is not None:
        for axis in domain.space:
            speed = _system_speed(problem, exprs, axis, axes)
            if speed:
                raise_to(t, out[axis.name] * speed * (t.hi - t.lo) / (axis.hi - axis.lo))
        omega = _system_dispersion(problem, exprs, out, axes)
        if omega:
            raise_to(t, omega * (t.hi - t.lo) / math.pi)
    return out


MAX_ORDER = 4   # the highest derivative along one coordinate read for dispersion


def _matrix(problem: Problem, exprs: list[sp.Expr], var, order: int, axes: list
            ) -> torch.Tensor | None:
    """M[i, j]: the coefficient of the ``order``-th derivative of field j along ``var`` in
    equation i (one equation per field), or None when the system is not square or a
    coefficient cannot be read (:func:`_typical`)."""
    fields = list(problem.field_functions.values())
    if len(fields) < 2 or len(exprs) != len(fields):
        return None
    m = torch.zeros(len(fields), len(fields), dtype=torch.float64)
    for i, expr in enumerate(exprs):
        for j, u in enumerate(fields):
            c = sp.diff(expr, sp.Derivative(u, (var, order)))
            if c == 0:
                continue
            value = _typical(c, problem, axes)
            if value is None:
                return None
            m[i, j] = value
    return m


def _rates(problem: Problem, exprs: list[sp.Expr], axes: list) -> torch.Tensor | None:
    """A of A f_t + … = 0, where it is invertible: a first-order system in time. An
    undamped Timoshenko beam's w_tt and ψ_tt alone (A = 0) is none."""
    a = _matrix(problem, exprs, problem.domain.time.symbol, 1, axes)
    if a is None or not abs(float(torch.linalg.det(a))) > 1e-12 * float(
            a.abs().max()) ** len(a):
        return None
    return a


def _system_speed(problem: Problem, exprs: list[sp.Expr], axis, axes: list) -> float | None:
    """The fastest speed along ``axis`` of a first-order system A f_t + B f_x + … = 0 (one
    equation per field, A invertible, constant or of one sign coefficients): the largest
    |real eigenvalue| of A⁻¹B; None for a single field (the dispersion rule reads it) or
    when any coefficient cannot be read."""
    a = _rates(problem, exprs, axes)
    b = _matrix(problem, exprs, axis.symbol, 1, axes)
    if a is None or b is None or not bool(b.abs().sum() > 0):
        return None
    lam = torch.linalg.eigvals(torch.linalg.solve(a, b))
    real = lam.real[lam.imag.abs() <= 1e-9 * lam.abs().clamp_min(1e-300)]
    return float(real.abs().max()) if real.numel() else None


def _system_dispersion(problem: Problem, exprs: list[sp.Expr], counts: dict[str, int],
                       axes: list) -> float:
    """The fastest ω of a system A f_t + C ∂ₓᵐ f + … = 0 with m = 2 or 4 (A invertible): a
    plane wave of number κ turns at ω = κᵐ |Im λ| for the eigenvalues λ of A⁻¹C, summed
    over the axes as a Laplacian's terms add, κ the data's wave number along each axis (a
    fundamental at the least, as for one field's dispersion above); 0 when none turns.
    Schrödinger's equation in its real and imaginary parts (ħ a_t = −c Δb, ħ b_t = c Δa:
    λ = ±i c/ħ) rings at ω = (c/ħ) κ², which no other rule reads: a quantum corral's two
    Bessel states were read at 7 half-periods along t (no harmonics of time); at 9, with
    10 harmonics, L2RE 0.62, 0.60 → 0.099, 0.040 (two pairs at 2 minutes, stop 50)."""
    a = _rates(problem, exprs, axes)
    omega = 0.0
    for axis in problem.domain.space if a is not None else ():
        kappa = max(counts[axis.name], 0.5) * math.pi / (axis.hi - axis.lo)
        for m in (2, 4):
            c = _matrix(problem, exprs, axis.symbol, m, axes)
            if c is not None and bool(c.abs().sum() > 0):
                lam = torch.linalg.eigvals(torch.linalg.solve(a, c))
                omega += float(lam.imag.abs().max()) * kappa ** m
    return omega


GRID = 9   # points per coordinate where a varying coefficient is averaged


def _typical(coefficient: sp.Expr, problem: Problem, axes: list) -> float | None:
    """The coefficient as a float: itself when it is a nonzero number, its mean over a
    GRID^d grid of the box when it depends on the coordinates only and keeps one sign
    there; None otherwise (a field or an unknown in it, a sign change, complex)."""
    if coefficient.is_number:
        return number(coefficient)
    coords = {a.symbol for a in axes}
    if not coefficient.free_symbols <= coords or field_names_in(coefficient):
        return None   # a field or an unknown in it
    ticks = [torch.linspace(a.lo, a.hi, GRID, dtype=torch.float64) for a in axes]
    points = torch.stack(torch.meshgrid(*ticks, indexing="ij"), -1).reshape(-1, len(axes))
    try:
        v = torch.as_tensor(lower(coefficient, Columns(problem.domain, problem.fields), set(),
                                  "activation plan")(Env(points, {}, {})), dtype=torch.float64)
    except Exception:   # noqa: BLE001 - a coefficient the plan cannot sample is not read
        return None
    v = v.expand(len(points)) if v.numel() == 1 else v.reshape(-1)
    if v.numel() != len(points) or not bool(torch.isfinite(v).all()) or not (
            bool((v > 0).all()) or bool((v < 0).all())):
        return None
    return float(v.mean())


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
