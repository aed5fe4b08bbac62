"""Periodic viscous Burgers by Fourier pseudo-spectral ETDRK4, many initial conditions at once.

Problem (the PINO/FNO Burgers operator benchmark, Li et al. 2021)::

    u_t + u u_x = nu u_xx,   x in [lo, hi) periodic,  t in [0, t_end],   u(x, 0) = u0(x).

Space: ``modes`` Fourier collocation points; the nonlinearity ``-(u²/2)_x`` is formed on the
grid and de-aliased by the 2/3 rule (modes above 2/3 of the Nyquist wavenumber are zeroed
in it). Time: ETDRK4 (Cox & Matthews 2002) with the diffusion ``L = -nu κ²`` exact and the
coefficients from the contour integrals of Kassam & Trefethen 2005 — the same scheme and
coefficients as :mod:`pinnsolve.reference.allen_cahn`, reused from there. Output at given
times: the step is the largest below ``dt`` that lands on every output time.

Accuracy (tests/test_reference_operator.py): against the Cole-Hopf solution of
``u0 = -sin(pi x)`` on [-1, 1) with nu = 0.02/pi, 512 modes and dt = 1e-3, the relative L2
error over t in [0, 1] is below 1e-6.
"""
from __future__ import annotations

import numpy as np

from .allen_cahn import etdrk4_coefficients


def burgers_spectral(u0: np.ndarray, nu: float, *, lo: float = 0.0, hi: float = 1.0,
                     times: np.ndarray, dt: float = 2e-4) -> np.ndarray:
    """Solve periodic Burgers for a batch of initial conditions.

    Args:
        u0: (B, M) initial values at the M solver nodes ``lo + j (hi - lo) / M`` (M even).
        nu: viscosity (> 0).
        lo, hi: the period.
        times: (T,) increasing output times, ``times[0] >= 0``.
        dt: largest time step.
    Returns:
        (B, T, M) solution at ``times`` on the solver nodes, float64.
    """
    u0 = np.atleast_2d(np.asarray(u0, dtype=np.float64))
    times = np.asarray(times, dtype=np.float64)
    b, m = u0.shape
    if m % 2 or m < 8:
        raise ValueError(f"the solver grid needs an even number >= 8 of nodes, got {m}")
    if not (nu > 0 and dt > 0) or times.ndim != 1 or times.size == 0 or times[0] < 0 \
            or np.any(np.diff(times) <= 0):
        raise ValueError("need nu > 0, dt > 0 and increasing times >= 0")
    kappa = 2 * np.pi * np.arange(m // 2 + 1) / (hi - lo)
    lin = -nu * kappa ** 2
    dealias = (np.arange(m // 2 + 1) < (2 * (m // 2)) / 3).astype(float)
    deriv = -0.5j * kappa * dealias

    def nonlinear(v: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(v, n=m, axis=-1)
        return deriv * np.fft.rfft(u * u, axis=-1)

    v = np.fft.rfft(u0, axis=-1)
    out = np.empty((b, times.size, m))
    t = 0.0
    cache: dict[float, tuple] = {}
    for j, target in enumerate(times):
        span = target - t
        if span > 0:
            n_steps = max(1, int(np.ceil(span / dt - 1e-9)))
            h = span / n_steps
            key = round(h, 15)
            if key not in cache:
                q, f1, f2, f3 = (h * c for c in etdrk4_coefficients(h * lin))
                cache[key] = (np.exp(h * lin), np.exp(h * lin / 2), q, f1, f2, f3)
            e, e2, q, f1, f2, f3 = cache[key]
            for _ in range(n_steps):
                nv = nonlinear(v)
                a = e2 * v + q * nv
                na = nonlinear(a)
                bb = e2 * v + q * na
                nb = nonlinear(bb)
                c = e2 * a + q * (2 * nb - nv)
                nc = nonlinear(c)
                v = e * v + f1 * nv + 2 * f2 * (na + nb) + f3 * nc
            t = target
        out[:, j] = np.fft.irfft(v, n=m, axis=-1)
    if not np.isfinite(out).all():
        raise ValueError("the Burgers solve diverged; lower dt or raise the number of nodes")
    return out
