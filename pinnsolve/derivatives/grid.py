"""Derivatives of fields sampled on regular grids (the PINO engine).

A field on a tensor-product grid is a tensor ``(B, C, n_0, ..., n_{d-1})``: B instances,
C channels (the model's fields, then input functions), one grid axis per input column
(spatial coordinates in order, then time). Each axis is either

* **periodic** — nodes ``lo + j (hi - lo) / n``, ``j < n`` (the end point is the start):
  derivatives are *spectral*, ``∂^k u = F^{-1}[(i κ)^k F u]`` with ``κ = 2π m / (hi - lo)``
  (the Nyquist mode of odd derivatives is dropped, it has no real-valued derivative);
  exact for trigonometric polynomials below the Nyquist frequency; or
* **bounded** — nodes ``linspace(lo, hi, n)``: central finite differences of accuracy
  ``order`` (2, 4, 6, ...) where the stencil fits, and one-sided stencils of ``k + order``
  nodes at the ends, so every node is accurate to ``O(h^order)``. Weights come from
  Fornberg's recursion (Math. Comp. 51, 1988). Time is a bounded axis.

Mixed partials apply one axis after the other; lower orders are computed once per call and
shared. This is how PINO (Li et al., 2021) evaluates the physics loss on the FNO's output —
spectral in periodic space, finite differences in time — generalised to any equation the
compiler lowers: :class:`GridEngine` answers the compiler's derivative requests.

``div(c grad u)`` (a :class:`FluxDivergence` request, when the engine's ``flux_form`` is on)
is differenced in conservative flux form instead of by the product rule: face fluxes
``c_{i+½} (u_{i+1} - u_i) / h`` with ``c_{i+½}`` the harmonic mean of the two nodal values
(arithmetic where they differ in sign), then ``(F_{i+½} - F_{i-½}) / h`` — the 5-point
scheme of reference/darcy.py, second order for smooth ``c`` and consistent across jumps of
a piecewise-constant one, where the pointwise product rule has no meaning. Periodic axes
wrap the fluxes; on a bounded axis the two end nodes take the derivative of the flux
through the three nearest faces (second order, one-sided).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import torch

from .requests import FluxDivergence, Partial, Request, combine, expand


@dataclass(frozen=True)
class GridAxis:
    """One axis of a regular grid: ``n`` nodes over ``[lo, hi]`` (``hi`` excluded if periodic)."""

    lo: float
    hi: float
    n: int
    periodic: bool = False

    @property
    def spacing(self) -> float:
        return (self.hi - self.lo) / (self.n if self.periodic else self.n - 1)

    def nodes(self) -> np.ndarray:
        """Node coordinates, shape (n,)."""
        if self.periodic:
            return self.lo + (self.hi - self.lo) * np.arange(self.n) / self.n
        return np.linspace(self.lo, self.hi, self.n)


@functools.lru_cache(maxsize=256)
def fd_weights(offsets: tuple[float, ...], k: int) -> np.ndarray:
    """Finite-difference weights for the k-th derivative at 0 from nodes at ``offsets``.

    Fornberg's recursion: builds the weights of all orders up to ``k`` node by node.
    ``sum(w[j] * f(offsets[j] * h)) / h**k ≈ f^(k)(0)``, exact for polynomials of degree
    below ``len(offsets)``.
    """
    x = np.asarray(offsets, dtype=np.float64)
    n = len(x)
    if n <= k:
        raise ValueError(f"{n} nodes cannot give a derivative of order {k}")
    c = np.zeros((n, k + 1))
    c[0, 0] = 1.0
    c1, c4 = 1.0, x[0]
    for i in range(1, n):
        mn = min(i, k)
        c2, c5, c4 = 1.0, c4, x[i]
        for j in range(i):
            c3 = x[i] - x[j]
            c2 *= c3
            if j == i - 1:
                for s in range(mn, 0, -1):
                    c[i, s] = c1 * (s * c[i - 1, s - 1] - c5 * c[i - 1, s]) / c2
                c[i, 0] = -c1 * c5 * c[i - 1, 0] / c2
            for s in range(mn, 0, -1):
                c[j, s] = (c4 * c[j, s] - s * c[j, s - 1]) / c3
            c[j, 0] = c4 * c[j, 0] / c3
        c1 = c2
    return c[:, k].copy()


def fd_derivative(u: torch.Tensor, dim: int, k: int, h: float, order: int = 4) -> torch.Tensor:
    """k-th derivative along ``dim`` of nodal values with spacing ``h``, accuracy ``order``.

    Interior nodes use the central stencil of ``2⌊(k+1)/2⌋ + order - 1`` nodes; the nodes
    near each end, where it does not fit, use one-sided stencils of ``k + order`` nodes.

    Raises:
        ValueError: fewer than ``k + order`` nodes, or an odd ``order``.
    """
    if order < 2 or order % 2:
        raise ValueError(f"finite-difference order must be even and >= 2, got {order}")
    n = u.shape[dim]
    width = 2 * ((k + 1) // 2) + order - 1
    side = k + order
    if n < side:
        raise ValueError(f"an axis of {n} nodes is too short for a derivative of order {k} "
                         f"at accuracy {order} (needs {side} nodes)")
    half = width // 2
    x = u.movedim(dim, -1)
    w = fd_weights(tuple(float(o) for o in range(-half, half + 1)), k)
    mid = sum(float(w[j]) * x[..., j:n - width + 1 + j] for j in range(width) if w[j] != 0.0)
    left = torch.as_tensor(np.stack([fd_weights(tuple(float(o - i) for o in range(side)), k)
                                     for i in range(half)]), dtype=x.dtype, device=x.device)
    right = torch.as_tensor(np.stack([fd_weights(tuple(float(o - i) for o in range(side)), k)
                                      for i in range(side - half, side)]),
                            dtype=x.dtype, device=x.device)
    parts = [x[..., :side] @ left.T, mid, x[..., n - side:] @ right.T] if half else [mid]
    return (torch.cat(parts, -1) / h ** k).movedim(-1, dim)


def spectral_derivative(u: torch.Tensor, dim: int, k: int, period: float) -> torch.Tensor:
    """k-th derivative along a periodic ``dim`` by FFT: ``F^{-1}[(i κ)^k F u]``."""
    n = u.shape[dim]
    kappa = 2 * np.pi / period * torch.arange(n // 2 + 1, dtype=u.dtype, device=u.device)
    factor = (1j * kappa) ** k
    if n % 2 == 0 and k % 2 == 1:
        factor[-1] = 0.0   # the Nyquist mode of an odd derivative is not real: drop it
    shape = [1] * u.dim()
    shape[dim] = n // 2 + 1
    spectrum = torch.fft.rfft(u, dim=dim) * factor.reshape(shape)
    return torch.fft.irfft(spectrum, n=n, dim=dim)


def axis_derivative(u: torch.Tensor, dim: int, k: int, axis: GridAxis, order: int) -> torch.Tensor:
    """k-th derivative along grid axis ``axis`` stored at tensor dimension ``dim``."""
    if axis.periodic:
        return spectral_derivative(u, dim, k, axis.hi - axis.lo)
    return fd_derivative(u, dim, k, axis.spacing, order)


def face_mean(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Coefficient on the face between nodal values ``a`` and ``b``: the harmonic mean
    ``2ab/(a + b)`` where they share a sign (the flux stays continuous across a jump), the
    arithmetic mean elsewhere (a coefficient that changes sign or vanishes)."""
    same = a * b > 0
    harmonic = 2 * a * b / torch.where(same, a + b, torch.ones_like(a))
    return torch.where(same, harmonic, 0.5 * (a + b))


def flux_difference(c: torch.Tensor, u: torch.Tensor, dim: int, axis: GridAxis) -> torch.Tensor:
    """∂(c ∂u)/∂x along ``dim`` in conservative flux form (module docstring), same shape.

    Raises:
        ValueError: a bounded axis of fewer than 4 nodes.
    """
    x, a, h = u.movedim(dim, -1), c.movedim(dim, -1), axis.spacing
    if axis.periodic:
        flux = face_mean(a, a.roll(-1, -1)) * (x.roll(-1, -1) - x) / h   # face i + ½
        return ((flux - flux.roll(1, -1)) / h).movedim(-1, dim)
    n = x.shape[-1]
    if n < 4:
        raise ValueError(f"an axis of {n} nodes is too short for the flux form (needs 4)")
    flux = face_mean(a[..., :-1], a[..., 1:]) * (x[..., 1:] - x[..., :-1]) / h   # (n - 1)
    wl = fd_weights((0.5, 1.5, 2.5), 1)
    wr = fd_weights((-0.5, -1.5, -2.5), 1)
    left = sum(float(wl[j]) * flux[..., j] for j in range(3))
    right = sum(float(wr[j]) * flux[..., n - 2 - j] for j in range(3))
    out = torch.cat([left[..., None], flux[..., 1:] - flux[..., :-1], right[..., None]], -1)
    return (out / h).movedim(-1, dim)


def grid_points(axes: tuple[GridAxis, ...], dtype, device) -> torch.Tensor:
    """Every node of the grid, (N, d) in C order (the flat order of a grid tensor)."""
    mesh = np.meshgrid(*(a.nodes() for a in axes), indexing="ij")
    return torch.as_tensor(np.stack([m.ravel() for m in mesh], 1), dtype=dtype, device=device)


def grid_derivatives(values: torch.Tensor, requests: Iterable[Request], axes: tuple[GridAxis, ...],
                     order: int = 4, cache: dict | None = None) -> dict[Request, torch.Tensor]:
    """Answer derivative requests for fields on a grid.

    Args:
        values: (B, C, n_0, ..., n_{d-1}); channel c is request field c, axis j is input
            column j.
        requests: Partial, Laplacian, DiagonalSum, Bilaplacian and FluxDivergence requests.
        axes: one :class:`GridAxis` per input column.
        order: finite-difference accuracy on bounded axes.
        cache: optional dict shared between calls on the same ``values``.
    Returns:
        ``{request: (B, n_0, ..., n_{d-1})}``.
    """
    if values.dim() != len(axes) + 2:
        raise ValueError(f"values must be (B, C, *grid) with {len(axes)} grid axes, "
                         f"got shape {tuple(values.shape)}")
    memo: dict[Partial, torch.Tensor] = {} if cache is None else cache

    def partial(req: Partial) -> torch.Tensor:
        if req in memo:
            return memo[req]
        if not req.orders:
            out = values[:, req.field]
        else:
            (col, k), rest = req.orders[0], req.orders[1:]
            inner = partial(Partial(req.field, rest))
            out = axis_derivative(inner, col + 1, k, axes[col], order)
        memo[req] = out
        return out

    def flux(req: FluxDivergence) -> torch.Tensor:
        b, shape = values.shape[0], values.shape[2:]
        x = grid_points(axes, values.dtype, values.device).repeat(b, 1)
        inner = grid_derivatives(values, req.needs, axes, order, memo)
        c = req.coefficient(x, {r: v.reshape(-1) for r, v in inner.items()})
        c = c.expand(x.shape[0]).reshape(b, *shape)
        u = partial(Partial(req.field))
        return sum(flux_difference(c, u, col + 1, axes[col]) for col in range(req.start, req.stop))

    results: dict[Request, torch.Tensor] = {}
    for req in requests:
        if isinstance(req, FluxDivergence):
            results[req] = flux(req)
        else:
            results[req] = combine(expand(req), partial)
    return results


class GridValues:
    """Fields on a grid, seen at a subset of its nodes (what :class:`GridEngine` reads).

    Args:
        values: (B, C, *grid).
        index: flat node indices (m,) of the region (C order), or None for every node.
        cache: derivative cache shared by every region of the same ``values``.
    """

    def __init__(self, values: torch.Tensor, index: torch.Tensor | None = None,
                 cache: dict | None = None):
        self.values = values
        self.index = index
        self.cache = {} if cache is None else cache

    def at(self, index: torch.Tensor | None) -> "GridValues":
        return GridValues(self.values, index, self.cache)


class GridEngine:
    """Derivative engine on grids: ``engine(GridValues, x, requests) -> {request: (B·m,)}``.

    The compiled terms read flat tensors; row ``b·m + i`` is instance ``b`` at the region's
    node ``index[i]``, matching points ``x`` tiled instance by instance. With ``flux_form``
    the compiler hands it ``div(c grad u)`` whole (a :class:`FluxDivergence`), differenced
    in flux form; without, it gets the product rule like a pointwise engine.
    """

    def __init__(self, axes: tuple[GridAxis, ...], order: int = 4, flux_form: bool = True):
        self.axes = tuple(axes)
        self.order = order
        self.flux_form = flux_form

    def __call__(self, model: GridValues, x: torch.Tensor, requests: Iterable[Request], *,
                 generator: torch.Generator | None = None) -> dict[Request, torch.Tensor]:
        full = grid_derivatives(model.values, requests, self.axes, self.order, model.cache)
        b = model.values.shape[0]
        out = {}
        for req, v in full.items():
            flat = v.reshape(b, -1)
            if model.index is not None:
                flat = flat[:, model.index]
            out[req] = flat.reshape(-1)
        return out
