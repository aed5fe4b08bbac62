"""Checks of the Fourier ETDRK4 Allen-Cahn reference against independent oracles.

Oracles and tolerances (benchmark D = 1e-4, k = 5, u0 = x^2 cos(pi x) on [-1, 1) unless
stated; measured values in the asserts' comments):
* ETDRK4 coefficients: the closed forms evaluated in 50-digit arithmetic (mpmath);
* u0's Fourier coefficients: closed form, int_{-1}^{1} x^2 cos(a pi x) dx = 4 (-1)^a / (a pi)^2;
* time stepping: 4th-order convergence on a smooth setting, and a classical RK4 method of
  lines written here on the same Fourier grid with a 4x smaller step;
* the evaluated reference satisfies the PDE by finite differences at off-grid points;
* Fourier interpolation: a naive sum of exponentials.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import mpmath
import numpy as np
import pytest

from pinnsolve import load_problem
from pinnsolve.errors import SpecError
from pinnsolve.io.references import SOLVERS
from pinnsolve.reference import allen_cahn_etdrk4, allen_cahn_levels, evaluate_levels
from pinnsolve.reference import allen_cahn
from pinnsolve.reference.allen_cahn import etdrk4_coefficients
from pinnsolve.spec import build_problem, read_yaml
from pinnsolve.spec import load as spec_load

from _problems import BURGERS

D, K = 1e-4, 5.0
BENCH = dict(D=D, k=K, lo=-1.0, hi=1.0)
PROBLEM_FILE = Path(__file__).resolve().parent.parent / "problems" / "allen_cahn.yaml"


def u0_bench(x: np.ndarray) -> np.ndarray:
    return x**2 * np.cos(np.pi * x)


def bench_cosine_coefficients(n_modes: int) -> np.ndarray:
    """A_m with u0 = sum_{m < n_modes} A_m cos(m pi x), from the closed-form integrals."""
    def integral(a: np.ndarray) -> np.ndarray:   # int_{-1}^{1} x^2 cos(a pi x) dx
        a = np.abs(a)
        safe = np.where(a == 0, 1, a)
        return np.where(a == 0, 2 / 3, 4.0 * (-1.0) ** a / (np.pi * safe) ** 2)

    m = np.arange(n_modes)
    coef = 0.5 * (integral(m - 1) + integral(m + 1))   # cos(pi x) cos(m pi x), product to sum
    coef[0] /= 2                                       # the mean is half the m = 0 integral
    return coef


def band_limited_u0(n: int):
    """The benchmark u0 truncated to modes m < n/2 (closed form), as a numpy function."""
    coef = bench_cosine_coefficients(n // 2)
    # sum A_m cos(m pi x) = sum A_m T_m(cos(pi x)), summed by Clenshaw's recurrence.
    return lambda x: np.polynomial.chebyshev.chebval(np.cos(np.pi * x), coef)


def rk4_method_of_lines(n: int, dt: float, t_out: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Independent solver: classical RK4 on u_t = D u_xx + k (u - u^3) at n grid points.

    Same spatial space as the reference (modes |m| < n/2, Nyquist removed), starting from the
    band-limited u0 (whose projection is exact, so both solvers start from the same data),
    u_xx by FFT, time stepping in physical space with the standard RK4 tableau.

    Returns:
        x of shape (n,) and u of shape (len(t_out), n).
    """
    x = -1.0 + 2.0 * np.arange(n) / n
    kappa = np.pi * np.fft.rfftfreq(n, d=1.0 / n)
    keep = np.ones_like(kappa)
    keep[-1] = 0.0
    u = band_limited_u0(n)(x)

    def rhs(v: np.ndarray) -> np.ndarray:
        v_xx = np.fft.irfft(-kappa**2 * np.fft.rfft(v), n=n)
        return np.fft.irfft(keep * np.fft.rfft(D * v_xx + K * (v - v**3)), n=n)

    out, t = [], 0.0
    for t_next in t_out:
        for _ in range(int(round((t_next - t) / dt))):
            a = rhs(u)
            b = rhs(u + dt / 2 * a)
            c = rhs(u + dt / 2 * b)
            d = rhs(u + dt * c)
            u = u + dt / 6 * (a + 2 * b + 2 * c + d)
        t = t_next
        out.append(u.copy())
    return x, np.array(out)


# -- building blocks ------------------------------------------------------------------------
@pytest.mark.parametrize("z", [-200.0, -30.0, -2.5, -0.3, -1e-3, -1e-7, 0.0, 1e-5, 0.7])
def test_etdrk4_coefficients_match_high_precision_closed_forms(z):
    # 50 digits absorb the cancellation (z^3 = 1e-21 loses 21 of them); z = 0: the limits.
    mpmath.mp.dps = 50
    zz = mpmath.mpf(z)
    e = mpmath.exp(zz)
    exact = [(mpmath.exp(zz / 2) - 1) / zz,
             (-4 - zz + e * (4 - 3 * zz + zz**2)) / zz**3,
             (2 + zz + e * (zz - 2)) / zz**3,
             (-4 - 3 * zz - zz**2 + e * (4 - zz)) / zz**3] if z else [0.5, 1 / 6, 1 / 6, 1 / 6]
    got = etdrk4_coefficients(np.array([z]))
    for g, x in zip(got, exact):
        # Trapezoidal rule on a radius-1 circle: geometric convergence, rounding ~1e-16 of
        # the largest integrand value (e^{z+1} / |r|^3 <= e for z <= 0).
        assert abs(g[0] - float(x)) <= 1e-14 * max(1.0, abs(float(x)))


def test_projection_matches_closed_form_coefficients():
    n = 256
    coef = allen_cahn._project(u0_bench, -1.0, 1.0, n)
    # rfft of n samples of sum A_m cos(m pi x) on x = -1 + 2j/n is (n/2) A_m (-1)^m, n A_0.
    amplitude = coef[:-1].real * (-1.0) ** np.arange(n // 2) / (n / 2)
    amplitude[0] /= 2
    # 64x oversampling aliases modes 64 n j +- m (A ~ 4 / (pi a)^2) onto each m:
    # 2 zeta(2) 4 / (pi 64 n)^2 = 5e-9 for n = 256. Measured 5.0e-9.
    np.testing.assert_allclose(amplitude, bench_cosine_coefficients(n // 2), rtol=0, atol=1e-8)
    assert np.abs(coef.imag).max() < 1e-10 and coef[-1] == 0


def test_fourier_evaluation_matches_naive_sum(monkeypatch, np_rng):
    levels = allen_cahn_levels(**BENCH, u0=u0_bench, t_end=0.05, modes=128)
    x = np_rng.uniform(-3, 3, 500)                    # also outside one period
    j = np_rng.integers(0, len(levels.times), 500)
    t = levels.times[j]
    kappa = np.pi * np.arange(levels.coef.shape[1])
    naive = np.real(np.sum(levels.coef[j] * np.exp(1j * np.outer(x + 1, kappa)), axis=1))
    got = evaluate_levels(levels, x, t)
    # Both are sums of ~65 terms of size <= 1: rounding ~1e-14.
    np.testing.assert_allclose(got, naive, rtol=0, atol=1e-12)
    monkeypatch.setattr(allen_cahn, "_CHUNK", 7)      # chunking changes only BLAS rounding
    np.testing.assert_allclose(evaluate_levels(levels, x, t), got, rtol=0, atol=1e-14)


# -- time stepping --------------------------------------------------------------------------
def test_time_stepping_is_fourth_order():
    # Smooth setting (D = 1e-3, smooth u0, 64 modes resolve it): the error is pure time
    # stepping, measured at t = 1 against a 16x smaller step.
    smooth = dict(D=1e-3, k=K, lo=-1.0, hi=1.0, t_end=1.0, modes=64, store_tol=0.0,
                  u0=lambda x: 0.8 * np.sin(np.pi * x) + 0.3 * np.cos(2 * np.pi * x))
    x = np.linspace(-1, 1, 101)
    end = np.ones_like(x)
    steps = (0.05, 0.025, 0.0125)
    fine = allen_cahn_etdrk4(x, end, dt=steps[-1] / 16, **smooth)
    errors = [np.abs(allen_cahn_etdrk4(x, end, dt=dt, **smooth) - fine).max() for dt in steps]
    ratios = [errors[0] / errors[1], errors[1] / errors[2]]
    # Measured errors 9.4e-6, 6.1e-7, 3.9e-8: ratios 15.4 and 15.7, approaching 16 (4th
    # order) from below; 14-18 excludes 3rd (8) and 5th (32) order.
    assert all(14 < r < 18 for r in ratios), (errors, ratios)


def test_agrees_with_independent_rk4_method_of_lines():
    times = [0.1, 0.3, 0.6]
    x, u_rk4 = rk4_method_of_lines(512, 2.5e-4, times)
    xs = np.repeat(x[None, :], len(times), 0).ravel()
    ts = np.repeat(np.array(times), len(x))
    u = allen_cahn_etdrk4(xs, ts, **BENCH, u0=band_limited_u0(512), t_end=0.6, modes=512, dt=1e-3,
                          store_tol=0.0).reshape(len(times), -1)
    # Same discrete space, so only time-stepping errors differ (ETDRK4 at dt = 1e-3 ~4e-12,
    # RK4 at 2.5e-4 ~3e-13). Measured max difference 5.2e-12; asserted 1e-9.
    assert np.abs(u - u_rk4).max() < 1e-9


def test_default_reference_satisfies_the_pde():
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.uniform(-1, 1, n)
    t = rng.uniform(0.05, 0.95, n)
    hx, ht = 2e-4, 1e-3

    def u(dx: float, dt: float) -> np.ndarray:
        return allen_cahn_etdrk4(x + dx, t + dt, **BENCH, u0=u0_bench)

    c = u(0, 0)
    # 4th-order central differences: truncation ~(h^4/90) u^(6) with layer width ~6e-3 in
    # x; in t the interpolant is a C^1 piecewise cubic, exact for the stencil inside a piece.
    u_xx = (-u(2 * hx, 0) + 16 * u(hx, 0) - 30 * c + 16 * u(-hx, 0) - u(-2 * hx, 0)) / (12 * hx**2)
    u_t = (-u(0, 2 * ht) + 8 * u(0, ht) - 8 * u(0, -ht) + u(0, -2 * ht)) / (12 * ht)
    diffusion, reaction = D * u_xx, K * (c - c**3)
    residual = u_t - diffusion - reaction
    scale = np.linalg.norm(u_t) + np.linalg.norm(diffusion) + np.linalg.norm(reaction)
    # Measured 9.9e-8 relative, the same for hx = 1e-4: the Hermite derivative error
    # (~store_tol / level spacing). The diffusion term is ~1 % of the scale, so dropping it
    # would show up as 1e-2.
    assert np.linalg.norm(residual) / scale < 1e-6


# -- the registered solver and the problem file ---------------------------------------------
def bench_problem():
    """The problem file without its reference section: the solver reads only the rest."""
    raw = read_yaml(PROBLEM_FILE)
    raw.pop("reference")
    return build_problem(raw, source=str(PROBLEM_FILE))


def test_problem_file_reference_matches_initial_condition_and_solver():
    # Needs "allen_cahn_spectral" in pinnsolve.spec.load.REFERENCE_SOLVERS.
    problem = load_problem(PROBLEM_FILE)
    assert problem.reference.solver == "allen_cahn_spectral"
    x = np.linspace(-1, 1, 301)
    points = np.stack([x, np.zeros_like(x)], 1)
    u = SOLVERS["allen_cahn_spectral"](problem, points)["u"]
    # At t = 0 the lowered expression itself is returned (torch vs numpy cos: rounding).
    np.testing.assert_allclose(u, u0_bench(x), rtol=0, atol=1e-15)
    later = np.stack([x, np.full_like(x, 0.7)], 1)
    got = SOLVERS["allen_cahn_spectral"](problem, later)["u"]
    direct = allen_cahn_etdrk4(x, later[:, 1], **BENCH, u0=u0_bench)
    # Same solve up to rounding in u0 (projection differs in the last bits).
    np.testing.assert_allclose(got, direct, rtol=0, atol=1e-11)


def test_loader_accepts_every_registered_solver():
    # spec cannot import reference (imports point one way), so the names are listed twice.
    assert set(spec_load.REFERENCE_SOLVERS) == set(SOLVERS)


@pytest.mark.parametrize("parameters, equation, k", [
    # the initial condition in Dirichlet form, parameters named as the solver's own D and k
    ({"D": "1e-3", "k": 2}, "diff(u, t) = D*diff(u, x, 2) + k*(u - u**3)", 2),
    # no parameter names are required: D and k come from the equation as written
    ({"d": "1e-3"}, "diff(u, t) = d*diff(u, x, 2) - 5*u**3 + 5*u", 5),
    ({"d": "1e-3"}, "2*diff(u, t) - 2*d*diff(u, x, 2) = 10*(u - u**3)", 5),
])
def test_the_solver_reads_the_problem_as_written(parameters, equation, k):
    mapping = {"domain": {"x": [-1, 1], "t": [0, 0.2]}, "fields": ["u"],
               "parameters": parameters, "equations": [equation],
               "conditions": [{"periodic": "x"}, {"where": "t = 0", "dirichlet": "sin(pi*x)/2"}]}
    x = np.linspace(-1, 1, 50)
    points = np.stack([x, np.full_like(x, 0.2)], 1)
    got = SOLVERS["allen_cahn_spectral"](load_problem(mapping), points)["u"]
    direct = allen_cahn_etdrk4(x, points[:, 1], D=1e-3, k=k, lo=-1, hi=1, t_end=0.2,
                               u0=lambda y: np.sin(np.pi * y) / 2)
    np.testing.assert_allclose(got, direct, rtol=0, atol=1e-11)


@pytest.mark.parametrize("equation, match", [
    ("diff(u, t) = 1e-3*diff(u, x, 2) - 4*u**3 + 5*u", r"reads u_t = 0.001 u_xx \+ 5 u - 4 u\^3"),
    ("diff(u, t) = -1e-3*diff(u, x, 2) + 5*(u - u**3)", "D must be positive"),
    ("diff(u, t) = 1e-3*diff(u, x, 2) + 5*(u - u**3) + u*diff(u, x)", "has other terms"),
])
def test_equations_of_another_form_are_refused(equation, match):
    mapping = {"domain": {"x": [-1, 1], "t": [0, 0.2]}, "fields": ["u"], "equations": [equation],
               "conditions": [{"periodic": "x"}, {"where": "t = 0", "dirichlet": "sin(pi*x)/2"}]}
    with pytest.raises(SpecError, match=match) as info:
        SOLVERS["allen_cahn_spectral"](load_problem(mapping), np.zeros((2, 2)))
    assert info.value.key == "reference.solver"


def _without_periodic(problem):
    return dataclasses.replace(problem, periodic=())


def _without_k(problem):
    return dataclasses.replace(problem, parameters=tuple(p for p in problem.parameters
                                                         if p.name != "k"))


@pytest.mark.parametrize("broken, match", [
    (lambda p: load_problem(BURGERS), r"needs one periodic .*'x' is not periodic$"),
    (_without_periodic, r"allen_cahn_spectral reference needs .*'x' is not periodic$"),
    (_without_k, r"has other terms"),            # k is no longer a number
    (lambda p: dataclasses.replace(p, conditions=()), "found 0 initial conditions"),
])
def test_wrong_problem_raises_spec_error(broken, match):
    problem = broken(bench_problem())
    points = np.zeros((3, 2))
    with pytest.raises(SpecError, match=match) as info:
        SOLVERS["allen_cahn_spectral"](problem, points)
    assert info.value.key == "reference.solver"


def test_initial_condition_with_derivative_is_rejected():
    mapping = {"domain": {"x": [-1, 1], "t": [0, 1]}, "fields": ["u"],
               "parameters": {"D": "1e-3", "k": 2},
               "equations": ["diff(u, t) = D*diff(u, x, 2) + k*(u - u**3)"],
               "conditions": [{"periodic": "x"},
                              {"where": "t = 0", "equation": "diff(u, t) = 0"}]}
    with pytest.raises(SpecError, match="is not of the form u = expr"):
        SOLVERS["allen_cahn_spectral"](load_problem(mapping), np.zeros((2, 2)))


# -- argument checks ------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(t=np.array([1.5])), r"t must lie in"),
    (dict(t=np.array([0.1, 0.2])), r"equal length"),
    (dict(D=0.0), r"need finite D > 0"),
    (dict(modes=101), r"even whole number"),
])
def test_invalid_arguments_raise(kwargs, match):
    args = dict(x=np.array([0.0]), t=np.array([0.5]), **BENCH, u0=u0_bench, modes=64)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        allen_cahn_etdrk4(**args)


# -- accuracy of the defaults (slow: two fine solves) ---------------------------------------
@pytest.mark.slow
def test_defaults_reach_stated_accuracy():
    x, t = (a.ravel() for a in np.meshgrid(np.linspace(-1, 1, 512), np.linspace(0, 1, 201)))
    u = allen_cahn_etdrk4(x, t, **BENCH, u0=u0_bench)
    fine = allen_cahn_etdrk4(x, t, **BENCH, u0=u0_bench, modes=4096, dt=5e-4, store_tol=1e-10)
    # Measured 1.1e-9 (also 1.1e-9 against 8192 modes, see the module docstring).
    assert np.linalg.norm(u - fine) / np.linalg.norm(fine) < 5e-9
