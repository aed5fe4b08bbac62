"""Reference solution of the 1-D periodic Allen-Cahn equation by Fourier ETDRK4.

Problem (the R3 benchmark, Daw et al. ICML 2023; also Wang et al.'s causal PINNs)::

    u_t = D u_xx + k (u - u^3),   x in [lo, hi) periodic,  t in [t0, t_end],
    u(x, t0) = u0(x),             e.g. D = 1e-4, k = 5, u0 = x^2 cos(pi x) on [-1, 1).

Space: Fourier collocation on ``modes`` equispaced points; the wavenumbers of the period
``P = hi - lo`` are ``kappa_m = 2 pi m / P`` and the Nyquist mode is kept at zero. The
initial coefficients are the *projection* of ``u0`` (an FFT of 64x oversampled values,
truncated), not its interpolant: the benchmark's ``u0`` has a kink at the periodic seam
(``u0'(-1) = 2``, ``u0'(1) = -2``), whose slowly decaying spectrum would otherwise alias
onto every resolved mode.

Time: ETDRK4 of Cox & Matthews (J. Comput. Phys. 176, 2002) with the linear part
``L = -D kappa^2`` treated exactly and ``N(u) = k (u - u^3)`` explicitly::

    a = E2 v + h Q N(v),        b = E2 v + h Q N(a),      c = E2 a + h Q (2 N(b) - N(v)),
    v+ = E v + h [f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c)],

``E = e^{hL}``, ``E2 = e^{hL/2}``, ``Q = (e^{z/2} - 1)/z``,
``f1 = (-4 - z + e^z (4 - 3z + z^2))/z^3``, ``f2 = (2 + z + e^z (z - 2))/z^3``,
``f3 = (-4 - 3z - z^2 + e^z (4 - z))/z^3`` at ``z = hL``. These suffer cancellation for
small ``|z|``; following Kassam & Trefethen (SIAM J. Sci. Comput. 26, 2005) each is the mean
of the function over a circle of radius 1 around ``z`` (Cauchy's integral formula, the
trapezoidal rule converging geometrically).

Evaluation at arbitrary ``(x, t)``: the coefficients of ``u`` and of ``u_t`` (the PDE
right-hand side) are kept at selected steps; between two kept levels they are blended by
cubic Hermite interpolation in ``t`` (4th order) and summed exactly as a Fourier series at
``x``. A step is kept only when skipping it would let the interpolant miss an intermediate
step by more than ``store_tol`` (relative L2), so levels are dense in the fast start and
sparse later. At ``t = t0`` the given ``u0`` itself is returned.

Convergence study for the benchmark (D = 1e-4, k = 5, t in [0, 1]); relative L2 error on
the 512 x 201 grid (x = linspace(-1, 1, 512), t = linspace(0, 1, 201)), one CPU core:

* modes (dt = 1e-3, store_tol = 1e-9) against modes = 8192 (dt = 5e-4, store_tol = 1e-10):
  512: 3.7e-6, 768: 1.1e-6, 1024: 2.9e-7, 1536: 2.3e-8, 2048: 1.1e-9, 3072: 3.5e-10,
  4096: 3.4e-10 (the floor of the interpolation tolerances). The error sits at early times,
  while the seam kink of u0 decays (2048 modes: per-level 2.7e-8 at t = 0.005, 1.5e-9 at
  0.01, 5e-10 at 0.1). Interpolating u0 instead of projecting it gives 5.0e-6 / 1.3e-6 at
  1024 / 2048 modes; projecting with 16x instead of 64x oversampling, 4.3e-9 at 2048.
* dt (modes = 2048, every step kept) against dt = 2.5e-4, at t = 0, 0.01, ..., 1:
  1e-2: 3.8e-8, 5e-3: 2.4e-9, 2.5e-3: 1.5e-10 (16x per halving: 4th order), 1e-3: 3.9e-12,
  5e-4: 3.6e-13.
* store_tol (modes = 2048, dt = 1e-3) against a dt = 5e-4 solve keeping every step, at all
  its steps: largest per-level relative L2 error for t >= 0.01 is 1.7e-7 / 1.8e-8 / 2.2e-9 /
  1.7e-10 with 62 / 111 / 203 / 351 levels for store_tol = 1e-7 / 1e-8 / 1e-9 / 1e-10; the
  first step (one-step interval, t < 1e-3) stays at 2e-8, below the spatial error there.
* cost of the defaults: solve 0.45-0.5 s, 203 levels (6.7 MB); 10^5 points 0.4-0.5 s.

Defaults: ``modes = 2048``, ``dt = 1e-3``, ``store_tol = 1e-9``: about 1e-9 relative L2 over
the grid (spatial error at t < 0.01 and interpolation error about equally).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

DEFAULT_MODES = 2048
DEFAULT_DT = 1e-3
DEFAULT_STORE_TOL = 1e-9

# The initial projection samples u0 on this many times the solver's grid.
_OVERSAMPLE = 64
# Points per block when summing Fourier series (bounds temporaries to a few MB).
_CHUNK = 8192
# Longest stored interval, in steps (bounds the cost of checking the interpolant).
_MAX_LEVEL_STEPS = 64


@dataclass(frozen=True, eq=False)
class SpectralLevels:
    """Stored time levels of a Fourier solution on a periodic interval.

    ``u(x, times[j]) = Re sum_m coef[j, m] exp(i 2 pi m (x - lo) / (hi - lo))`` and likewise
    ``u_t`` with ``rate``; shapes ``times (L,)``, ``coef`` and ``rate`` ``(L, M)`` complex.
    """

    lo: float
    hi: float
    times: np.ndarray
    coef: np.ndarray
    rate: np.ndarray


def etdrk4_coefficients(z: np.ndarray, points: int = 64) -> tuple[np.ndarray, ...]:
    """``Q, f1, f2, f3`` of ETDRK4 (see module docstring) at ``z``, free of cancellation.

    Kassam & Trefethen's contour average: ``g(z) = mean_j g(z + exp(2 pi i (j + 1/2) / P))``
    for each of the four functions ``g``, exact up to the trapezoidal rule's geometric
    error (radius-1 circle, so ~1e-16 with 64 points for every ``z``).

    Args:
        z: ``h L`` for a diagonal linear operator, any shape, real or complex.
        points: quadrature points on the circle.

    Returns:
        ``(Q, f1, f2, f3)``, each of the shape of ``z``; real if ``z`` is real.
    """
    z = np.asarray(z)
    r = z[..., None] + np.exp(2j * np.pi * (np.arange(points) + 0.5) / points)
    er = np.exp(r)
    q = ((np.exp(r / 2) - 1) / r).mean(-1)
    f1 = ((-4 - r + er * (4 - 3 * r + r * r)) / r**3).mean(-1)
    f2 = ((2 + r + er * (r - 2)) / r**3).mean(-1)
    f3 = ((-4 - 3 * r - r * r + er * (4 - r)) / r**3).mean(-1)
    if not np.iscomplexobj(z):
        return q.real, f1.real, f2.real, f3.real
    return q, f1, f2, f3


def allen_cahn_levels(
    *, D: float, k: float, lo: float, hi: float, u0: Callable[[np.ndarray], np.ndarray],
    t0: float = 0.0, t_end: float = 1.0, modes: int = DEFAULT_MODES, dt: float = DEFAULT_DT,
    store_tol: float = DEFAULT_STORE_TOL,
) -> SpectralLevels:
    """Solve Allen-Cahn once and return its stored time levels (cached).

    Args:
        D, k: diffusion (> 0) and reaction rate.
        lo, hi: the period ``[lo, hi)``.
        u0: numpy function of ``x`` of shape ``(n,)`` returning ``u(x, t0)`` of shape ``(n,)``.
        t0, t_end: time interval (``t_end > t0``).
        modes: grid points = Fourier modes (even, >= 8).
        dt: largest time step; the step used divides ``t_end - t0`` into whole steps.
        store_tol: a step is stored as a level when leaving it out would make the cubic
            Hermite interpolant miss one of the steps in between by more than this relative
            L2 error; 0 stores every step.

    Returns:
        The levels; results are cached on the parameters and on the projected initial
        coefficients, so repeated calls with equal data do not solve again.

    Raises:
        ValueError: invalid numbers, or ``u0`` not finite on the grid.
    """
    D, k, lo, hi, t0, t_end, dt = map(float, (D, k, lo, hi, t0, t_end, dt))
    if not (np.isfinite([D, k, lo, hi, t0, t_end, dt]).all() and D > 0 and hi > lo
            and t_end > t0 and dt > 0):
        raise ValueError(f"need finite D > 0, hi > lo, t_end > t0, dt > 0; got D={D}, "
                         f"[lo, hi] = [{lo}, {hi}], [t0, t_end] = [{t0}, {t_end}], dt={dt}")
    if int(modes) != modes or modes < 8 or modes % 2:
        raise ValueError(f"modes must be an even whole number >= 8, got {modes}")
    if not store_tol >= 0:
        raise ValueError(f"store_tol must be >= 0, got {store_tol}")
    coef0 = _project(u0, lo, hi, int(modes))
    return _solve(D, k, lo, hi, t0, t_end, int(modes), dt, float(store_tol), coef0.tobytes())


def allen_cahn_etdrk4(
    x: np.ndarray, t: np.ndarray, *, D: float, k: float, lo: float, hi: float,
    u0: Callable[[np.ndarray], np.ndarray], t0: float = 0.0, t_end: float = 1.0,
    modes: int = DEFAULT_MODES, dt: float = DEFAULT_DT, store_tol: float = DEFAULT_STORE_TOL,
) -> np.ndarray:
    """Reference ``u(x, t)`` of the periodic Allen-Cahn equation (see module docstring).

    Args:
        x: positions, shape ``(n,)`` (any real value: the solution is periodic).
        t: times in ``[t0, t_end]``, shape ``(n,)``. At ``t == t0`` the result is ``u0(x)``
            itself, not its truncated Fourier series.
        D, k, lo, hi, u0, t0, t_end, modes, dt, store_tol: as in :func:`allen_cahn_levels`.

    Returns:
        ``u`` of shape ``(n,)``, float64.

    Raises:
        ValueError: invalid parameters, ``x`` and ``t`` of different shapes, or ``t``
            outside ``[t0, t_end]`` or not finite.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if x.shape != t.shape or x.ndim != 1:
        raise ValueError(f"x and t must be 1-D arrays of equal length, got {x.shape} and {t.shape}")
    tol = 1e-12 * max(1.0, abs(t0), abs(t_end))
    if not (np.isfinite(x).all() and np.isfinite(t).all()):
        raise ValueError("x and t must be finite")
    if t.size and (t.min() < t0 - tol or t.max() > t_end + tol):
        raise ValueError(f"t must lie in [{t0}, {t_end}], got [{t.min()}, {t.max()}]")
    levels = allen_cahn_levels(D=D, k=k, lo=lo, hi=hi, u0=u0, t0=t0, t_end=t_end, modes=modes,
                               dt=dt, store_tol=store_tol)
    u = evaluate_levels(levels, x, t)
    start = np.abs(t - t0) <= tol
    if start.any():
        u[start] = np.asarray(u0(x[start]), dtype=np.float64).reshape(-1)
    return u


def evaluate_levels(levels: SpectralLevels, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Fourier series in ``x``, cubic Hermite in ``t``, at points ``(x, t)`` of shape ``(n,)``.

    ``t`` is clipped to the stored range. The series ``sum_m c_m w^m`` with ``w = e^{i theta}``
    is split as ``m = B q + r``: ``sum_q w^{Bq} sum_r c_{Bq+r} w^r``, so each point needs
    only ``~2 sqrt(M)`` complex exponentials and the rest is a matrix product.

    Returns:
        ``u`` of shape ``(n,)``.
    """
    times = levels.times
    t = np.clip(t, times[0], times[-1])
    j = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    step = times[j + 1] - times[j]
    s = (t - times[j]) / step
    # Cubic Hermite basis on [0, 1]; derivative weights carry the interval length.
    weights = np.stack([(1 + 2 * s) * (1 - s) ** 2, step * s * (1 - s) ** 2,
                        s * s * (3 - 2 * s), step * s * s * (s - 1)], axis=1)
    m = levels.coef.shape[1]
    b = int(np.ceil(np.sqrt(m)))
    q = -(-m // b)
    pad = ((0, 0), (0, q * b - m))
    # (L, q, b) blocks of u and u_t coefficients.
    blocks = [np.pad(a, pad).reshape(-1, q, b) for a in (levels.coef, levels.rate)]
    theta = 2 * np.pi * np.mod(x - levels.lo, levels.hi - levels.lo) / (levels.hi - levels.lo)
    u = np.empty_like(x)
    order = np.argsort(j, kind="stable")
    bounds = np.flatnonzero(np.diff(j[order])) + 1
    for group in np.split(order, bounds):
        level = j[group[0]]
        sources = (blocks[0][level], blocks[1][level], blocks[0][level + 1], blocks[1][level + 1])
        for start in range(0, len(group), _CHUNK):
            idx = group[start:start + _CHUNK]
            th = theta[idx, None]
            low = np.exp(1j * th * np.arange(b))          # w^r,   (n, b)
            high = np.exp(1j * th * (b * np.arange(q)))   # w^{Bq}, (n, q)
            acc = np.zeros(len(idx))
            for w, c in zip(weights[idx].T, sources):
                acc += w * np.einsum("nb,nb->n", high @ c, low).real
            u[idx] = acc
    return u


def _project(u0: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
             modes: int) -> np.ndarray:
    """rfft coefficients ``(modes // 2 + 1,)`` of the truncated Fourier series of ``u0``.

    Scaled as ``numpy.fft.rfft`` of ``modes`` samples would be; the Nyquist entry is zero.
    """
    fine = modes * _OVERSAMPLE
    xf = lo + (hi - lo) * np.arange(fine) / fine
    values = np.asarray(u0(xf), dtype=np.float64)
    if values.shape != (fine,) and values.size == 1:
        values = np.full(fine, float(values))
    if values.shape != (fine,) or not np.isfinite(values).all():
        raise ValueError(f"u0 must map x of shape ({fine},) to finite values of that shape, "
                         f"got shape {values.shape}")
    coef = np.fft.rfft(values)[: modes // 2 + 1] / _OVERSAMPLE
    coef[-1] = 0.0
    return coef


@functools.lru_cache(maxsize=4)
def _solve(D: float, k: float, lo: float, hi: float, t0: float, t_end: float, modes: int,
           dt: float, store_tol: float, coef0: bytes) -> SpectralLevels:
    """ETDRK4 time stepping in rfft space with adaptive storage; see :func:`allen_cahn_levels`."""
    v = np.frombuffer(coef0, dtype=np.complex128).copy()
    n_steps = max(1, int(np.ceil((t_end - t0) / dt - 1e-9)))
    h = (t_end - t0) / n_steps
    kappa = 2 * np.pi * np.arange(modes // 2 + 1) / (hi - lo)
    lin = -D * kappa**2
    keep = np.ones(modes // 2 + 1)
    keep[-1] = 0.0    # the Nyquist mode stays zero: it has no real-valued derivative
    # Parseval weights of rfft coefficients: ||u||^2 ~ sum(weight |v|^2).
    weight = np.full(modes // 2 + 1, 2.0)
    weight[0] = 1.0

    def nonlinear(w: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(w, n=modes)
        return k * keep * np.fft.rfft(u - u * u * u)

    e = np.exp(h * lin)
    e2 = np.exp(h * lin / 2)
    q, f1, f2, f3 = (h * c for c in etdrk4_coefficients(h * lin))
    nv = nonlinear(v)
    stored = [(t0, v, lin * v + nv)]
    between: list[tuple[float, np.ndarray]] = []   # steps inside the open interval
    candidate = None                               # the last step: (t, v, u_t)
    for n in range(1, n_steps + 1):
        a = e2 * v + q * nv
        na = nonlinear(a)
        b = e2 * v + q * na
        nb = nonlinear(b)
        c = e2 * a + q * (2 * nb - nv)
        nc = nonlinear(c)
        v = e * v + f1 * nv + 2 * f2 * (na + nb) + f3 * nc
        nv = nonlinear(v)
        new = (t0 + (t_end - t0) * n / n_steps, v, lin * v + nv)
        if candidate is not None:
            inner = between + [candidate[:2]]
            if len(inner) >= _MAX_LEVEL_STEPS or not _hermite_fits(stored[-1], new, inner,
                                                                   weight, store_tol):
                stored.append(candidate)
                between = []
            else:
                between = inner
        candidate = new
    stored.append(candidate)
    scale = weight / modes
    times = np.array([s[0] for s in stored])
    coef = np.array([s[1] * scale for s in stored])
    rate = np.array([s[2] * scale for s in stored])
    for arr in (times, coef, rate):
        arr.flags.writeable = False    # shared through the cache
    return SpectralLevels(lo, hi, times, coef, rate)


def _hermite_fits(left: tuple, right: tuple, inner: list[tuple[float, np.ndarray]],
                  weight: np.ndarray, tol: float) -> bool:
    """Whether cubic Hermite between ``left`` and ``right`` (each ``(t, v, v_t)``) reproduces
    every ``(t, v)`` of ``inner`` to relative L2 error ``tol`` (norms by Parseval)."""
    (ta, va, ra), (tb, vb, rb) = left, right
    step = tb - ta
    for t, v in inner:
        s = (t - ta) / step
        pred = ((1 + 2 * s) * (1 - s) ** 2 * va + step * s * (1 - s) ** 2 * ra
                + s * s * (3 - 2 * s) * vb + step * s * s * (s - 1) * rb)
        err = np.sum(weight * np.abs(pred - v) ** 2)
        if err > tol**2 * np.sum(weight * np.abs(v) ** 2):
            return False
    return True
