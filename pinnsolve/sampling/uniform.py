"""Non-adaptive collocation: random, Sobol, Halton or Latin-hypercube points, fixed or
redrawn every k steps.

Every sampler follows one small protocol, shared with the adaptive samplers:
``build(...)`` from the sampling settings, ``points()`` (n, d), ``normals()`` (n, n_space)
or None, ``update(residual, step, residual_fn)`` after each optimizer step (which calls
``redraw(residual_fn)`` when a redraw is due), ``frozen``
(no moves while set, e.g. during L-BFGS), ``state_dict()`` / ``load_state_dict()``.
"""
from __future__ import annotations

import numpy as np
import torch

from typing import Callable

from ..errors import SolveError
from ..geometry import RegionGeometry

# points (m, d), normals (m, n_space) or None, differentiable=False → |r| (m,)
ResidualFn = Callable[..., torch.Tensor]

_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
           79, 83, 89, 97, 101, 103, 107, 109, 113)


def _halton(start: int, n: int, k: int, shift: np.ndarray) -> np.ndarray:
    """Halton points ``start..start+n-1`` in k ≤ 30 dimensions, randomly shifted mod 1."""
    idx = np.arange(start + 1, start + n + 1, dtype=np.int64)
    out = np.empty((n, k))
    for j in range(k):
        base = _PRIMES[j]
        value = np.zeros(n)
        frac = 1.0 / base
        i = idx.copy()
        while i.any():
            value += (i % base) * frac
            i //= base
            frac /= base
        out[:, j] = value
    return (out + shift) % 1.0


def _lhs(n: int, k: int, gen: torch.Generator) -> torch.Tensor:
    """Latin hypercube: one point in each of n strata per dimension."""
    u = torch.rand(n, k, generator=gen, dtype=torch.float64)
    perms = torch.stack([torch.randperm(n, generator=gen) for _ in range(k)], 1)
    return (perms.to(torch.float64) + u) / n


class UnitCube:
    """Draws (n, k) samples in [0, 1)^k by ``method``, reproducibly from ``seed``."""

    def __init__(self, k: int, method: str, seed: int, dtype: torch.dtype = torch.float64):
        self.k = k
        self.dtype = dtype
        self.method = method if not (method == "sobol" and k > 1000) and not (
            method == "halton" and k > len(_PRIMES)) else "uniform"
        self.seed = seed
        self.gen = torch.Generator().manual_seed(seed)
        self.draws = 0
        self._sobol = None
        self._shift = np.random.default_rng(seed).random(k)

    def draw(self, n: int) -> torch.Tensor:
        if self.method == "sobol":
            if self._sobol is None:
                self._sobol = torch.quasirandom.SobolEngine(self.k, scramble=True, seed=self.seed)
                self._sobol.fast_forward(self.draws)
            u = self._sobol.draw(n, dtype=torch.float64)
        elif self.method == "halton":
            u = torch.from_numpy(_halton(self.draws, n, self.k, self._shift))
        elif self.method == "lhs":
            u = _lhs(n, self.k, self.gen)
        else:
            u = torch.rand(n, self.k, generator=self.gen, dtype=self.dtype)
        self.draws += n
        return u

    def state_dict(self) -> dict:
        return {"draws": self.draws, "generator": self.gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.draws = int(state["draws"])
        self.gen.set_state(state["generator"])
        self._sobol = None  # rebuilt and fast-forwarded on the next draw


class RegionSampler:
    """Collocation points of one region, redrawn every ``resample_every`` steps (0: never).

    Args:
        geometry: the region.
        n: number of points.
        method: uniform, sobol, halton or lhs.
        resample_every: redraw period in steps; 0 keeps the first draw.
        seed: seeds this region's stream (distinct per region).
        dtype, device: of the returned tensors.
    """

    def __init__(self, geometry: RegionGeometry, n: int, method: str, resample_every: int,
                 seed: int, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        self.geometry = geometry
        self.n = n
        self.resample_every = resample_every
        self.dtype = dtype
        self.device = device
        # Over a vector coordinate a draw is n × d numbers every step and dominates the step
        # at large d: draw uniform samples in the training precision there (float64 elsewhere,
        # which keeps low-dimensional point streams independent of the precision).
        cube_dtype = dtype if geometry.vector is not None and dtype == torch.float32 \
            else torch.float64
        self.cube = UnitCube(geometry.unit_dim, method, seed, cube_dtype)
        self.frozen = False
        self._draw()

    def _map(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Unit-cube samples → (points, normals or None) in the sampler's dtype and device."""
        pts, normals = self.geometry.map(u)
        return (pts.to(self.dtype).to(self.device),
                None if normals is None else normals.to(self.dtype).to(self.device))

    def _unit(self, m: int) -> torch.Tensor:
        """m unit-cube samples that the geometry accepts (all of them, except on shaped
        domains, which reject samples outside the region: drawn in batches sized by the
        acceptance seen so far, surplus dropped, so the kept samples stay uniform)."""
        if not getattr(self.geometry, "rejects", False):
            return self.cube.draw(m)
        kept, got = [], 0
        rate = max(self.geometry.acceptance, 1e-3)   # fixed per geometry: resumes repeat
        for _ in range(1000):
            if got >= m:
                break
            u = self.cube.draw(int((m - got) / rate * 1.2) + 16)
            ok = self.geometry.accept(u).to(u.device)
            kept.append(u[ok])
            got += int(ok.sum())
        else:
            raise SolveError("the region accepts almost no samples; is it empty?")
        return torch.cat(kept)[:m]

    def _draw(self) -> None:
        self._points, self._normals = self._map(self._unit(self.n))

    def points(self) -> torch.Tensor:
        return self._points

    def normals(self) -> torch.Tensor | None:
        return self._normals

    def update(self, residual: torch.Tensor | None, step: int,
               residual_fn: ResidualFn | None = None) -> None:
        """Called after every optimizer step.

        Args:
            residual: (n,) residual magnitude at the current points, from the step just
                taken (no extra forward pass).
            step: steps taken in the current phase.
            residual_fn: points (m, d) → residual magnitude (m,), for samplers that
                look at new candidate points.
        """
        if self.frozen or not self.resample_every or step % self.resample_every:
            return
        self.redraw(residual_fn)

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        """Draw a new set of points now (adaptive samplers use ``residual_fn``)."""
        self._draw()

    def loss_weights(self) -> torch.Tensor | None:
        """(n,) factors applied to the residuals before squaring, or None (causal R3 gates)."""
        return None

    def diagnostics(self) -> dict[str, float]:
        """Numbers for progress and metrics (causal R3: its front)."""
        return {}

    def state_dict(self) -> dict:
        state = {"points": self._points.cpu(), "cube": self.cube.state_dict()}
        if self._normals is not None:
            state["normals"] = self._normals.cpu()
        return state

    def load_state_dict(self, state: dict) -> None:
        self._points = state["points"].to(self.dtype).to(self.device)
        self._normals = state["normals"].to(self.dtype).to(self.device) if "normals" in state else None
        self.cube.load_state_dict(state["cube"])


class FixedSampler:
    """Given points that never move (observations)."""

    def __init__(self, points: torch.Tensor):
        self._points = points

    def points(self) -> torch.Tensor:
        return self._points

    def normals(self) -> None:
        return None

    frozen = True

    def update(self, residual, step: int, residual_fn=None) -> None:
        return None

    def loss_weights(self) -> None:
        return None

    def diagnostics(self) -> dict[str, float]:
        return {}

    def redraw(self, residual_fn=None) -> None:
        return None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        return None
