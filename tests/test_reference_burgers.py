"""Checks of the Cole-Hopf Burgers reference against independent facts and solvers.

Tolerances and where they come from (nu = 0.01/pi unless stated):
* exact identities (t = 0, symmetry, boundary): at the level of float64 rounding;
* quadrature convergence: default node count vs. double it, measured ~3e-15, asserted 1e-12;
* independent Fourier pseudo-spectral solve (written below, N = 2048, integrating-factor
  RK4): its own time-stepping error dominates the difference and shrinks ~16x when dt
  halves (4th order), so the formula is at least as accurate as the bounds asserted;
* literature: Basdevant et al., Computers & Fluids 14 (1986) give max |u_x(0, t)| =
  152.00516 at t = 1.6037/pi for this problem.
"""
from __future__ import annotations

import numpy as np
import pytest

from pinnsolve.reference import burgers
from pinnsolve.reference.burgers import (
    burgers_cole_hopf,
    burgers_reference_grid,
    default_node_count,
)

NU = 0.01 / np.pi


def spectral_burgers(
    nu: float, n: int, dt: float, t_out: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Independent solver: Fourier collocation on the 2-periodic extension + IF-RK4.

    The odd, 2-periodic extension of the initial data satisfies the Dirichlet conditions
    automatically. Diffusion is integrated exactly (integrating factor), the nonlinear
    term -(u^2/2)_x with classical RK4.

    Returns:
        x of shape (n,) on [-1, 1) and u of shape (len(t_out), n).
    """
    x = -1.0 + 2.0 * np.arange(n) / n
    k = np.pi * np.fft.rfftfreq(n, d=1.0 / n)  # wavenumbers for period 2
    half = np.exp(-nu * k**2 * dt / 2)
    full = half * half
    u_hat = np.fft.rfft(-np.sin(np.pi * x))

    def nonlinear(v_hat: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(v_hat, n=n)
        return -0.5j * k * np.fft.rfft(u * u)

    out, t = [], 0.0
    for t_next in t_out:
        for _ in range(int(round((t_next - t) / dt))):
            a = nonlinear(u_hat)
            b = nonlinear(half * (u_hat + dt / 2 * a))
            c = nonlinear(half * u_hat + dt / 2 * b)
            d = nonlinear(full * u_hat + dt * half * c)
            u_hat = full * u_hat + dt / 6 * (full * a + 2 * half * (b + c) + d)
        t = t_next
        out.append(np.fft.irfft(u_hat, n=n))
    return x, np.array(out)


def test_initial_condition_is_exact():
    x = np.linspace(-1, 1, 101)
    np.testing.assert_array_equal(burgers_cole_hopf(x, np.zeros_like(x), NU), -np.sin(np.pi * x))


def test_boundary_values_vanish():
    t = np.linspace(0.01, 1.0, 50)
    for side in (-1.0, 1.0):
        u = burgers_cole_hopf(np.full_like(t, side), t, NU)
        assert np.abs(u).max() < 1e-12


def test_solution_is_odd_in_x():
    x = np.linspace(0, 1, 201)[:, None]
    t = np.linspace(0.05, 1.0, 20)[None, :]
    u_minus, u_plus = burgers_cole_hopf(-x, t, NU), burgers_cole_hopf(x, t, NU)
    np.testing.assert_allclose(u_minus, -u_plus, rtol=0, atol=1e-13)


def test_quadrature_is_converged_by_node_doubling():
    x = np.linspace(-1, 1, 401)[None, :]
    t = np.linspace(0.05, 1.0, 20)[:, None]
    n = default_node_count(NU, 1.0)
    u = burgers_cole_hopf(x, t, NU)
    u_fine = burgers_cole_hopf(x, t, NU, n_nodes=2 * n)
    assert np.abs(u - u_fine).max() < 1e-12
    # Sanity: the comparison is sensitive, far too few nodes are visibly wrong.
    assert np.abs(burgers_cole_hopf(x, t, NU, n_nodes=24) - u_fine).max() > 1e-6


def test_gauss_hermite_rule_beyond_numpy_limit():
    # 800 nodes: numpy's hermgauss returns NaN here; the log-space rule must stay exact.
    z, log_w = burgers._gauss_hermite_log(800)
    w = np.exp(log_w)
    assert np.all(np.diff(z) > 0)
    np.testing.assert_allclose(w.sum(), np.sqrt(np.pi), rtol=1e-14)
    np.testing.assert_allclose((w * z**2).sum(), np.sqrt(np.pi) / 2, rtol=1e-13)
    exact_cos = np.sqrt(np.pi) * np.exp(-9 / 4)
    np.testing.assert_allclose((w * np.cos(3 * z)).sum(), exact_cos, rtol=1e-12)
    # int exp(-z^2 + 40 z) dz = sqrt(pi) exp(400): needs the tiny tail weights, in log space.
    e = log_w + 40 * z
    log_integral = e.max() + np.log(np.exp(e - e.max()).sum())
    np.testing.assert_allclose(log_integral, 0.5 * np.log(np.pi) + 400, rtol=0, atol=1e-12)


def test_matches_independent_spectral_solution():
    times = [0.25, 0.5, 1.0]
    errors = {}
    for dt in (5e-4, 2.5e-4):
        x, u_ref = spectral_burgers(NU, 2048, dt, times)
        u = burgers_cole_hopf(x[None, :], np.array(times)[:, None], NU)
        errors[dt] = np.abs(u - u_ref).max(axis=1)
    fine = errors[2.5e-4]
    # Measured: 7e-13, 2.9e-8, 2.1e-9 (steep front at t = 0.5 is hardest for the solver).
    assert fine[0] < 1e-10
    assert fine[1] < 1e-7
    assert fine[2] < 1e-8
    # The remaining difference is the spectral solver's RK4 error: ~16x smaller per halving.
    assert np.all(fine[1:] < errors[5e-4][1:] / 8)


def test_peak_gradient_matches_literature():
    def slope_at_origin(t: float, h: float = 5e-5) -> float:
        x = np.array([-2 * h, -h, h, 2 * h])
        u = burgers_cole_hopf(x, np.full(4, t), NU)
        return (u[0] - 8 * u[1] + 8 * u[2] - u[3]) / (12 * h)  # 4th-order central difference

    t_peak = 1.6037 / np.pi
    assert slope_at_origin(t_peak) == pytest.approx(-152.00516, abs=2e-5)
    assert slope_at_origin(t_peak - 0.01) > slope_at_origin(t_peak)
    assert slope_at_origin(t_peak + 0.01) > slope_at_origin(t_peak)
    # At t = 1/pi the front is still forming: the slope is only about -34.
    assert slope_at_origin(1 / np.pi) == pytest.approx(-34.2263, abs=1e-3)


def test_broadcasting_and_scalars():
    u = burgers_cole_hopf(np.linspace(-1, 1, 5)[:, None], np.linspace(0, 1, 7)[None, :], NU)
    assert u.shape == (5, 7) and u.dtype == np.float64
    scalar = burgers_cole_hopf(0.3, 0.5, NU)
    assert np.shape(scalar) == ()
    assert scalar == burgers_cole_hopf(np.array([0.3]), np.array([0.5]), NU)[0]


def test_chunking_does_not_change_results(monkeypatch):
    x = np.linspace(-1, 1, 301)
    t = np.linspace(0, 1, 301)
    whole = burgers_cole_hopf(x, t, NU)
    monkeypatch.setattr(burgers, "_CHUNK_PAIRS", 1000)  # ~5 points per chunk
    np.testing.assert_array_equal(burgers_cole_hopf(x, t, NU), whole)


@pytest.mark.parametrize(
    "args",
    [(0.0, -0.1, NU), (0.0, np.nan, NU), (0.0, 0.5, 0.0), (0.0, 0.5, -1.0), (0.0, 0.5, np.inf)],
)
def test_invalid_arguments_raise(args):
    with pytest.raises(ValueError):
        burgers_cole_hopf(*args)


def test_reference_grid_layout():
    x, t, u = burgers_reference_grid(NU, nx=64, nt=11, t_end=0.5)
    assert x.shape == (64,) and t.shape == (11,) and u.shape == (11, 64)
    assert (x[0], x[-1], t[0], t[-1]) == (-1.0, 1.0, 0.0, 0.5)
    np.testing.assert_array_equal(u[0], -np.sin(np.pi * x))
    np.testing.assert_allclose(u[7, 20], burgers_cole_hopf(x[20], t[7], NU), rtol=0, atol=1e-15)
