"""The frequencies of a one-coordinate problem (an ODE in time), read from its linear part
and its forcing, for cos/sin features of that coordinate; of a problem in time, those of the
sines of time in its equations and its conditions' data (a PDE's forcing, stop 42).

A network of t alone learns an oscillation of many periods late or not at all, and the
harmonics of the span that serve waves in time (models/frequency.py) do not help an ODE: an
RLC branch switched onto the mains (503 Hz ringing, 100 half-periods over 0.1 s, on a 50 Hz
response) stayed at L2RE 0.80 with 16 harmonics and 0.99 with all 101, and a two-mass
bracket (modes of 3 and 24 Hz, 47 half-periods) went to 2.1e-2 with 16 and 1.5 with 49.
Features at the problem's own frequencies, cos(ω t) and sin(ω t) and nothing else, leave the
network only the slow envelopes to learn: 4.2e-3 and 1.0e-2 at 2 minutes (docs/zoo.md).

The frequencies:

- **modes**: the eigenvalues λ of the linear constant-coefficient part, det(λ² M + λ C + K)
  = 0, with M, C and K the coefficients of u'', u' and u of each field in each equation (one
  equation per field; every coefficient of a field's value or derivatives a number, else
  nothing is read: a pendulum's sin θ); a mode oscillates at ω = |Im λ|;
- **forcing**: sin and cos in the equations whose argument is linear in the coordinate:
  ω = |d arg / dt|.

They are planned where some frequency makes FROM or more half-periods over the span, ω L / π
(fewer are left to the activation rule: an oscillator of 10 half-periods is solved to 1e-5
with sin); every frequency of at least one half-period is then kept (the slow drive of a
fast pendulum too), at most MOST of them, the fastest first. Read with SymPy and numpy only
(spec/ imports no torch) and once per problem.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .coefficients import expanded, number
from .problem import Problem
from .symbols import field_names_in

FROM = 8     # half-periods over the span from which the features are planned
MOST = 8     # at most this many frequencies
CLOSE = 0.01  # frequencies within this relative distance are one


def time_frequencies(problem: Problem) -> tuple[tuple[float, ...], str]:
    """(half-periods over the span of each frequency, why) for the cos/sin features of a
    one-coordinate problem; ((), "") where none is planned. The model sees them as
    cos(π k t̂), sin(π k t̂), t̂ ∈ [0, 1] (models/mlp.py)."""
    cache = problem.__dict__   # a frozen dataclass: the cache sits beside its fields
    if "_time_frequencies" not in cache:
        cache["_time_frequencies"] = _read(problem)
    return cache["_time_frequencies"]


def _applies(problem: Problem) -> bool:
    """A domain of one scalar coordinate (an ODE, or a two-point problem), no shape or mesh."""
    d = problem.domain
    return d.vector is None and d.time is None and len(d.space) == 1 and \
        d.shape is None and d.mesh is None


def _read(problem: Problem) -> tuple[tuple[float, ...], str]:
    d = problem.domain
    if _applies(problem):
        axis = d.space[0]
        modes = _modes(problem, axis.symbol)
        forcing = _forcing(problem, axis.symbol)
    elif d.time is not None and d.vector is None:
        # A PDE in time: the forcing only, from the equations and the conditions' data (a
        # borehole's annual surface cycle, 50 half-periods over 25 years, which 16
        # harmonics of the span cannot make: L2RE 0.16 at 2 minutes, stop 42)
        axis = d.time
        modes = []
        forcing = _forcing(problem, axis.symbol, conditions=True)
    else:
        return (), ""
    span = axis.hi - axis.lo
    found: list[tuple[float, str]] = [(w, "mode") for w in modes] + \
        [(w, "forcing") for w in forcing]
    half = sorted(((w * span / math.pi, kind) for w, kind in found), reverse=True)
    if not half or half[0][0] < FROM:
        return (), ""
    kept: list[tuple[float, str]] = []
    for n, kind in half:
        if n >= 1 and all(abs(n - m) > CLOSE * m for m, _ in kept):
            kept.append((n, kind))
    kept = kept[:MOST]
    shown = ", ".join(f"{n:.3g} ({kind})" for n, kind in kept)
    return tuple(float(f"{n:.6g}") for n, _ in kept), \
        f"its modes and forcing make {shown} half-periods over the {axis.name} span"


def _modes(problem: Problem, s: sp.Symbol) -> list[float]:
    """|Im λ| of the linear part's eigenvalues (distinct, > 0); empty when unreadable."""
    fields = list(problem.field_functions.values())
    exprs = [expanded(problem, eq.expr) for eq in problem.equations]
    n = len(fields)
    if n == 0 or len(exprs) != n or any(
            sum(cnt for v, cnt in d.variable_count if v == s) > 2
            for expr in exprs for d in expr.atoms(sp.Derivative)):
        return []   # (a beam along t is not read)
    m, c, k = (np.zeros((n, n)) for _ in range(3))
    for i, expr in enumerate(exprs):
        for j, u in enumerate(fields):
            for matrix, d in ((m, sp.Derivative(u, (s, 2))), (c, sp.Derivative(u, s)), (k, u)):
                coefficient = sp.diff(expr, d)
                if coefficient == 0:
                    continue
                value = number(coefficient)
                if value is None:
                    return []   # a field, a coordinate or an unknown in it: not read
                matrix[i, j] = value
    return _eigen_frequencies(m, c, k)


def _eigen_frequencies(m: np.ndarray, c: np.ndarray, k: np.ndarray) -> list[float]:
    """|Im λ| for the finite eigenvalues of det(λ² M + λ C + K) = 0: the pencil
    A z = λ B z of z = (u, u'), A = [[0, I], [−K, −C]], B = [[I, 0], [0, M]] (a first-order
    equation's row of M is zero and reads C u' + K u = 0), solved through (A − σB)⁻¹B = μ,
    λ = σ + 1/μ (numpy has no generalised eigensolver; μ = 0 are the infinite eigenvalues)."""
    n = len(m)
    eye, zero = np.eye(n), np.zeros((n, n))
    a = np.block([[zero, eye], [-k, -c]])
    b = np.block([[eye, zero], [zero, m]])
    scale = max(float(np.abs(a).max()), 1.0)
    for sigma in (scale * (0.3137 + 0.7071j), scale * (-0.5821 + 0.2213j)):
        try:
            mu = np.linalg.eigvals(np.linalg.solve(a - sigma * b, b))
        except np.linalg.LinAlgError:
            continue
        if not np.all(np.isfinite(mu)):
            continue
        big = np.abs(mu) > 1e-10 * max(float(np.abs(mu).max()), 1e-300)
        lam = sigma + 1 / mu[big]
        out: list[float] = []
        for w in sorted(abs(float(v.imag)) for v in lam if abs(v.imag) > 1e-9 * abs(v)):
            if all(abs(w - x) > CLOSE * x for x in out):
                out.append(w)
        return out
    return []


def _forcing(problem: Problem, s: sp.Symbol, conditions: bool = False) -> list[float]:
    """|d arg/ds| of every sin and cos in the equations (and the conditions' data) whose
    argument is linear in ``s`` (another coordinate may join it: sin(ωt − kz))."""
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    out: list[float] = []
    # an ODE's conditions hold at points, numbers there; a PDE's data vary along time
    exprs = [eq.expr for eq in problem.equations] + \
        ([c.expr for c in problem.conditions] if conditions else [])
    for expr in exprs:
        expr = expr.subs(values)
        for f in expr.atoms(sp.sin, sp.cos):
            arg = f.args[0]
            if field_names_in(arg) or not arg.has(s):
                continue
            slope = sp.diff(arg, s)
            w = number(sp.Abs(slope)) if slope.is_number else None
            if w and sp.diff(slope, s) == 0:
                out.append(w)
    return out
