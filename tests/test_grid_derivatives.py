"""Grid derivatives (PINO engine): convergence at the expected order against sympy."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnsolve.derivatives.grid import (GridAxis, GridEngine, GridValues, fd_derivative,
                                        fd_weights, grid_derivatives, spectral_derivative)
from pinnsolve.derivatives.requests import Laplacian, Partial

X, Y, T = sp.symbols("x y t")


def _lambdified(expr, *args):
    return sp.lambdify(args, expr, "numpy")


def test_fd_weights_match_the_textbook_stencils():
    # Closed forms: (f(-1) - 2 f(0) + f(1)) and the 4th-order first derivative.
    assert np.allclose(fd_weights((-1.0, 0.0, 1.0), 2), [1, -2, 1], atol=1e-14)
    assert np.allclose(fd_weights((-2.0, -1.0, 0.0, 1.0, 2.0), 1),
                       [1 / 12, -2 / 3, 0, 2 / 3, -1 / 12], atol=1e-14)


@pytest.mark.parametrize("order", [2, 4, 6])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_finite_differences_converge_at_their_order(order, k):
    """Max error over all nodes (one-sided ends included) of a smooth non-periodic
    function falls by 2^order per halving of h."""
    f = sp.exp(sp.sin(2 * X)) + X ** 2
    exact = _lambdified(sp.diff(f, X, k), X)
    errs = []
    for n in (33, 65, 129):
        ax = GridAxis(0.0, 1.5, n)
        x = torch.tensor(ax.nodes(), dtype=torch.float64)
        u = torch.exp(torch.sin(2 * x)) + x ** 2
        d = fd_derivative(u[None], 1, k, ax.spacing, order)[0]
        errs.append(np.abs(d.numpy() - exact(x.numpy())).max())
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    # Asymptotic rate `order`; the last halving must show it within 0.4 (pre-asymptotic
    # boundary stencils may beat it, so only a lower bound is asserted).
    assert errs[0] > errs[1] > errs[2], errs
    assert rates[-1] > order - 0.4, (errs, rates)


def test_spectral_derivatives_are_exact_for_band_limited_and_converge_for_smooth():
    ax = GridAxis(-1.0, 1.0, 32, periodic=True)
    x = torch.tensor(ax.nodes(), dtype=torch.float64)
    u = torch.sin(3 * np.pi * x) + 0.5 * torch.cos(7 * np.pi * x)
    d2 = spectral_derivative(u[None], 1, 2, 2.0)[0]
    exact = -(3 * np.pi) ** 2 * torch.sin(3 * np.pi * x) - 0.5 * (7 * np.pi) ** 2 * torch.cos(7 * np.pi * x)
    assert torch.allclose(d2, exact, atol=1e-10 * float(exact.abs().max()))
    # exp(sin(pi x)) is analytic: spectral (faster than any power) convergence, to round-off
    # (~1e-14) by 32 nodes; 16 nodes still see the truncated tail (~5e-7).
    f = sp.exp(sp.sin(sp.pi * X))
    exact1 = _lambdified(sp.diff(f, X), X)
    errs = []
    for n in (16, 32, 48):
        ax = GridAxis(-1.0, 1.0, n, periodic=True)
        xn = ax.nodes()
        d = spectral_derivative(torch.tensor(np.exp(np.sin(np.pi * xn)))[None], 1, 1, 2.0)[0]
        errs.append(np.abs(d.numpy() - exact1(xn)).max())
    assert errs[0] > 1e3 * errs[1] and max(errs[1:]) < 1e-12, errs


def test_mixed_space_time_requests_through_the_engine():
    """u(x, t) periodic in x, bounded in t: u_xt, u_xx, Laplacian and u_t at 6th order
    against sympy, on every node, through GridEngine's flat layout (2 instances)."""
    f = sp.sin(2 * sp.pi * X) * sp.exp(-T) + sp.cos(4 * sp.pi * X) * T ** 3
    axes = (GridAxis(0.0, 1.0, 32, periodic=True), GridAxis(0.0, 1.0, 81))
    xg, tg = np.meshgrid(axes[0].nodes(), axes[1].nodes(), indexing="ij")
    u = torch.tensor(_lambdified(f, X, T)(xg, tg))
    values = torch.stack([u, 2 * u])[:, None]           # (B=2, C=1, 32, 81)
    reqs = {Partial(0, ((0, 1), (1, 1))): sp.diff(f, X, T), Partial(0, ((0, 2),)): sp.diff(f, X, 2),
            Partial(0, ((1, 1),)): sp.diff(f, T), Laplacian(0, 0, 1): sp.diff(f, X, 2)}
    engine = GridEngine(axes, order=6)
    index = torch.tensor([0, 5, 81 * 7 + 3, 32 * 81 - 1])
    x = torch.zeros(8, 2)
    out = engine(GridValues(values).at(index), x, reqs)
    for req, expr in reqs.items():
        exact = _lambdified(expr, X, T)(xg, tg).reshape(-1)[index.numpy()]
        want = np.concatenate([exact, 2 * exact])
        # 6th order in t at h = 1/80 with derivatives up to ~1e3 in x: error ~1e-6 relative.
        scale = np.abs(want).max()
        assert np.abs(out[req].numpy() - want).max() < 1e-6 * scale, req


def test_grid_derivatives_keep_gradients_and_reject_bad_shapes():
    ax = (GridAxis(0.0, 1.0, 16),)
    u = torch.rand(1, 1, 16, dtype=torch.float64, requires_grad=True)
    d = grid_derivatives(u, [Partial(0, ((0, 2),))], ax)[Partial(0, ((0, 2),))]
    d.sum().backward()
    assert u.grad is not None and torch.isfinite(u.grad).all()
    with pytest.raises(ValueError, match="grid axes"):
        grid_derivatives(u[0], [Partial(0)], ax)
    with pytest.raises(ValueError, match="too short"):
        fd_derivative(torch.zeros(5), 0, 2, 0.1, 4)
