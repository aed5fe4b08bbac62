"""Exact solution of the viscous Burgers benchmark via the Cole-Hopf transform.

Problem (Raissi et al.'s PINN benchmark, usually with ``nu = 0.01 / pi``)::

    u_t + u u_x = nu u_xx,   x in [-1, 1],  t >= 0,
    u(x, 0) = -sin(pi x),    u(-1, t) = u(1, t) = 0.

The initial data is odd and 2-periodic, so the whole-line Cole-Hopf solution is odd about
``x = 0`` and ``x = +-1``; it therefore vanishes at ``x = +-1`` and solves the Dirichlet
problem above. With ``f(y) = exp(-cos(pi y) / (2 pi nu))`` and ``eta = sqrt(4 nu t) z``::

    u(x, t) = - int sin(pi (x - eta)) f(x - eta) exp(-z^2) dz / int f(x - eta) exp(-z^2) dz

Both integrals are evaluated with Gauss-Hermite quadrature, entirely in log space: the
exponent ``-cos / (2 pi nu)`` spans about +-157 for ``nu = 0.01 / pi`` and the Gauss-Hermite
weights themselves go down to ``exp(-z_max^2)``, so neither ``f`` nor the weights can be
formed directly without overflow or underflow.
"""
from __future__ import annotations

import functools

import numpy as np

# Upper bound on the number of (point, node) pairs held in memory at once. Each pair needs a
# handful of float64 temporaries, so 2**20 pairs keep the working set around 50 MB.
_CHUNK_PAIRS = 2**20

# Largest node count chosen automatically (dense eigen-solve of this size takes ~2 s).
_MAX_AUTO_NODES = 4096


@functools.lru_cache(maxsize=8)
def _gauss_hermite_log(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite rule for the weight ``exp(-z^2)``, with weights returned as logarithms.

    ``numpy.polynomial.hermite.hermgauss`` overflows beyond about 300 nodes; this version
    works for any ``n`` because it never forms a weight, only its logarithm.

    Args:
        n: number of nodes (>= 2).

    Returns:
        ``(z, log_w)``, both of shape ``(n,)``: nodes in increasing order and the natural
        logarithm of the weights, so that ``sum(exp(log_w) * g(z)) ~ int g(z) exp(-z^2) dz``.
    """
    # Nodes: eigenvalues of the symmetric Jacobi matrix of the orthonormal Hermite
    # polynomials (Golub-Welsch), then Newton steps on p_n to reach full precision.
    off = np.sqrt(np.arange(1, n) / 2.0)
    z = np.linalg.eigvalsh(np.diag(off, 1) + np.diag(off, -1))
    z = 0.5 * (z - z[::-1])  # the rule is symmetric; enforce it exactly
    for _ in range(2):
        p_n, p_nm1, _ = _orthonormal_hermite_pair(z, n)
        # p_n' = sqrt(2 n) p_{n-1} for orthonormal Hermite polynomials.
        z = z - p_n / (np.sqrt(2.0 * n) * p_nm1)
    z = 0.5 * (z - z[::-1])
    _, p_nm1, log_scale = _orthonormal_hermite_pair(z, n)
    # Christoffel-Darboux at a root of p_n gives w_i = 1 / (n p_{n-1}(z_i)^2).
    log_w = -np.log(n) - 2.0 * (np.log(np.abs(p_nm1)) + log_scale)
    return z, log_w


def _orthonormal_hermite_pair(z: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate the orthonormal Hermite polynomials ``p_n`` and ``p_{n-1}`` with rescaling.

    The values grow like ``exp(z^2 / 2)`` and overflow for ``|z| > ~37``, so after every
    step of the three-term recurrence both are divided by a common factor whose logarithm
    is accumulated.

    Args:
        z: evaluation points, shape ``(m,)``.
        n: polynomial degree (>= 1).

    Returns:
        ``(a, b, log_scale)`` of shape ``(m,)`` with ``p_n = a * exp(log_scale)`` and
        ``p_{n-1} = b * exp(log_scale)``.
    """
    prev = np.zeros_like(z)
    cur = np.full_like(z, np.pi**-0.25)
    log_scale = np.zeros_like(z)
    for k in range(n):
        nxt = np.sqrt(2.0 / (k + 1)) * z * cur - np.sqrt(k / (k + 1.0)) * prev
        prev, cur = cur, nxt
        # Consecutive orthogonal polynomials never vanish together, so the scale is > 0.
        scale = np.abs(cur) + np.abs(prev)
        cur /= scale
        prev /= scale
        log_scale += np.log(scale)
    return cur, prev, log_scale


def default_node_count(nu: float, t_max: float) -> int:
    """Number of Gauss-Hermite nodes that resolves the Cole-Hopf integrals to ~1e-13.

    Two requirements add up. (1) Reach: ``f`` can outweigh the Gaussian by up to
    ``exp(1 / (pi nu))``, so nodes must extend to ``|z| ~ sqrt(1 / (pi nu) + 40)``, and the
    largest of ``n`` nodes is about ``sqrt(2 n)``. (2) Resolution: in ``z`` the integrand
    oscillates with the period ``2 / sqrt(4 nu t)`` of ``f``, with more harmonics the
    smaller ``nu``; the node count needed grows linearly in ``t``. The coefficients were
    fitted to the smallest count reaching 1e-13 (against 1600 nodes) for
    ``nu * pi`` in [0.003, 1] and ``t`` in [1, 10], then padded by 25 %.

    Args:
        nu: viscosity (> 0).
        t_max: largest time to be evaluated (>= 0).

    Returns:
        Node count, a multiple of 16 and at least 32 (176 for ``nu = 0.01/pi, t_max = 1``).
    """
    reach = 0.5 * (1.0 / (np.pi * nu) + 40.0)
    resolution = t_max * (50.0 + 150.0 * np.sqrt(np.pi * nu))
    need = 1.25 * (reach + resolution)
    return max(32, int(16 * np.ceil(need / 16.0)))


def burgers_cole_hopf(
    x: np.ndarray, t: np.ndarray, nu: float, *, n_nodes: int | None = None
) -> np.ndarray:
    """Exact solution ``u(x, t)`` of the Burgers benchmark (see module docstring).

    Args:
        x: positions, any shape broadcastable with ``t``. Values outside [-1, 1] give the
            odd 2-periodic continuation.
        t: times (>= 0), broadcastable with ``x``. ``t == 0`` returns ``-sin(pi x)`` exactly.
        nu: viscosity (> 0), e.g. ``0.01 / np.pi``.
        n_nodes: Gauss-Hermite node count; default ``default_node_count(nu, max(t))``. The
            same count is used for every point, so results do not depend on chunking.
            Small ``nu`` or large ``t`` need more nodes (cost is linear in the count).

    Returns:
        ``u`` as float64 with the broadcast shape of ``x`` and ``t``. For ``nu = 0.01/pi``
        and ``t <= 1`` it agrees with a doubled node count to ~1e-15 and with an
        independent spectral solve to ~1e-9 (limited by that solver).

    Raises:
        ValueError: ``nu`` not positive and finite, ``t`` negative or not finite,
            ``n_nodes < 2``, or the automatic node count would exceed 4096.
    """
    nu = float(nu)
    if not (np.isfinite(nu) and nu > 0.0):
        raise ValueError(f"nu must be positive and finite, got {nu}")
    xb, tb = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
    shape = xb.shape
    xf = xb.reshape(-1)
    tf = tb.reshape(-1)
    if tf.size and not (np.all(np.isfinite(tf)) and tf.min() >= 0.0):
        raise ValueError("t must be finite and >= 0")
    u = -np.sin(np.pi * xf)  # exact value at t = 0; overwritten where t > 0
    positive = np.flatnonzero(tf > 0.0)
    if positive.size == 0:
        return u.reshape(shape)
    if n_nodes is None:
        n_nodes = default_node_count(nu, float(tf[positive].max()))
        if n_nodes > _MAX_AUTO_NODES:
            # The node/weight set costs O(n^2) memory and time; refuse rather than stall.
            raise ValueError(
                f"nu={nu:g} with t up to {float(tf.max()):g} would need {n_nodes} quadrature "
                f"nodes (limit {_MAX_AUTO_NODES}); pass n_nodes explicitly to force it"
            )
    if n_nodes < 2:
        raise ValueError(f"n_nodes must be >= 2, got {n_nodes}")
    z, log_w = _gauss_hermite_log(int(n_nodes))
    chunk = max(1, _CHUNK_PAIRS // z.size)
    for start in range(0, positive.size, chunk):
        idx = positive[start : start + chunk]
        u[idx] = _cole_hopf_chunk(xf[idx], tf[idx], nu, z, log_w)
    return u.reshape(shape)


def _cole_hopf_chunk(
    x: np.ndarray, t: np.ndarray, nu: float, z: np.ndarray, log_w: np.ndarray
) -> np.ndarray:
    """Quadrature for one chunk of points with ``t > 0``.

    Args:
        x, t: shape ``(m,)``.
        nu: viscosity.
        z, log_w: Gauss-Hermite nodes and log-weights, shape ``(n,)``.

    Returns:
        ``u`` of shape ``(m,)``.
    """
    y = x[:, None] - np.sqrt(4.0 * nu * t)[:, None] * z[None, :]  # (m, n) = x - eta
    arg = np.pi * y
    exponent = log_w[None, :] - np.cos(arg) / (2.0 * np.pi * nu)
    # Shift by the per-point maximum so the largest term is exp(0) = 1: no overflow, and
    # terms that underflow are below 1e-300 relative to it and cannot matter.
    exponent -= exponent.max(axis=1, keepdims=True)
    weight = np.exp(exponent)
    # The denominator is >= 1 by construction, so the ratio is well conditioned.
    return -np.einsum("mn,mn->m", weight, np.sin(arg)) / weight.sum(axis=1)


def burgers_reference_grid(
    nu: float, nx: int = 256, nt: int = 101, t_end: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact solution on a uniform space-time grid, for error tables and plots.

    Args:
        nu: viscosity (> 0).
        nx: number of points in x, uniformly spaced over [-1, 1] including both ends.
        nt: number of times, uniformly spaced over [0, t_end] including both ends.
        t_end: final time (>= 0).

    Returns:
        ``(x, t, u)`` with ``x`` of shape ``(nx,)``, ``t`` of shape ``(nt,)`` and ``u`` of
        shape ``(nt, nx)``, ``u[i, j] = u(x[j], t[i])``.
    """
    if nx < 2 or nt < 1:
        raise ValueError(f"need nx >= 2 and nt >= 1, got nx={nx}, nt={nt}")
    x = np.linspace(-1.0, 1.0, nx)
    t = np.linspace(0.0, float(t_end), nt)
    u = burgers_cole_hopf(x[None, :], t[:, None], nu)
    return x, t, u
