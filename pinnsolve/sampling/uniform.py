"""Non-adaptive collocation: random, Sobol (torch), scrambled Halton or Latin-hypercube
(``scipy.stats.qmc``) points, fixed or
redrawn every k steps.

Every sampler follows one small protocol, shared with the adaptive samplers:
``build(...)`` from the sampling settings, ``points()`` (n, d), ``normals()`` (n, n_space)
or None, ``update(residual, step, residual_fn)`` after each optimizer step (which calls
``redraw(residual_fn)`` when a redraw is due), ``frozen``
(no moves while set, e.g. during L-BFGS), ``state_dict()`` / ``load_state_dict()``.
"""
from __future__ import annotations

import warnings
from typing import Callable

import torch
from scipy.stats import qmc

from ..errors import SolveError
from ..geometry import RegionGeometry

# points (m, d), normals (m, n_space) or None, differentiable=False → |r| (m,)
ResidualFn = Callable[..., torch.Tensor]

# torch's SobolEngine supports up to 21201 dimensions; above this many the scrambled Sobol
# sequence's direction numbers are not worth their memory and plain random points are used.
MAX_SOBOL_DIM = 1000


def _lhs(n: int, k: int, gen: torch.Generator) -> torch.Tensor:
    """Scrambled Latin hypercube (``scipy.stats.qmc``): one point in each of n strata per
    dimension. Each draw is seeded from ``gen``, so a restored generator state repeats it."""
    seed = int(torch.randint(0, 2**62, (1,), generator=gen))
    return torch.from_numpy(qmc.LatinHypercube(k, scramble=True, rng=seed).random(n))


class UnitCube:
    """Draws (n, k) samples in [0, 1)^k by ``method``, reproducibly from ``seed``.

    ``device``: where uniform random samples are drawn (a CUDA generator's stream differs
    from the CPU's); the quasi-random methods draw on the CPU."""

    def __init__(self, k: int, method: str, seed: int, dtype: torch.dtype = torch.float64,
                 device: str | torch.device = "cpu"):
        self.k = k
        self.dtype = dtype
        self.method = method
        if method == "sobol" and k > MAX_SOBOL_DIM:
            warnings.warn(f"sampling: {k} dimensions exceed the Sobol limit of {MAX_SOBOL_DIM}; "
                          "using uniform random points instead", stacklevel=2)
            self.method = "uniform"
        self.seed = seed
        self.gen = torch.Generator(device=device).manual_seed(seed)
        self.draws = 0
        self._sobol = None
        self._halton = None

    def draw(self, n: int) -> torch.Tensor:
        if self.method == "sobol":
            if self._sobol is None:
                self._sobol = torch.quasirandom.SobolEngine(self.k, scramble=True, seed=self.seed)
                self._sobol.fast_forward(self.draws)
            u = self._sobol.draw(n, dtype=torch.float64)
        elif self.method == "halton":
            if self._halton is None:
                # Scrambled Halton (any dimension): a fixed sequence per seed, so a resume
                # fast-forwards it to where the checkpoint left off.
                self._halton = qmc.Halton(self.k, scramble=True, rng=self.seed)
                self._halton.fast_forward(self.draws)
            u = torch.from_numpy(self._halton.random(n))
        elif self.method == "lhs":
            u = _lhs(n, self.k, self.gen)
        else:
            u = torch.rand(n, self.k, generator=self.gen, dtype=self.dtype,
                           device=self.gen.device)
        self.draws += n
        return u

    def state_dict(self) -> dict:
        return {"draws": self.draws, "generator": self.gen.get_state(),
                "device": self.gen.device.type}

    def load_state_dict(self, state: dict) -> None:
        self.draws = int(state["draws"])
        if state.get("device", "cpu") == self.gen.device.type:
            self.gen.set_state(state["generator"])
        else:   # a CUDA stream resumed on the CPU (or back): a stream of its own from here
            self.gen.manual_seed(self.seed + self.draws)
        self._sobol = self._halton = None  # rebuilt and fast-forwarded on the next draw


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
        # For the same reason, uniform samples of a vector coordinate are drawn on the GPU
        # when training runs there (10⁸ numbers a step at d = 10⁶).
        vector = geometry.vector is not None
        cube_dtype = dtype if vector and dtype == torch.float32 else torch.float64
        on_gpu = vector and torch.device(device).type == "cuda"
        self.cube = UnitCube(geometry.unit_dim, method, seed, cube_dtype,
                             device if on_gpu else "cpu")
        self.frozen = False
        self._draw()

    time_layer = None   # spec/initial_layer.py: TimeLayer, set by set_time_layer

    def set_time_layer(self, layer) -> None:
        """Draw half of the points uniformly in the log time of an initial layer (the
        other half stays uniform in t), this draw and every later one
        (spec/initial_layer.py)."""
        self.time_layer = layer
        self._points = layer.warp(self._points)

    def _map(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Unit-cube samples → (points, normals or None) in the sampler's dtype and device."""
        pts, normals = self.geometry.map(u)
        if self.time_layer is not None:
            pts = self.time_layer.warp(pts)
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
        # On the sampler's device: a rollback snapshot (taken at every log step) stays
        # there, and a checkpoint is written and loaded through the CPU anyway (at d = 10⁶
        # on a GPU a host copy of the points cost about 300 ms per log).
        state = {"points": self._points, "cube": self.cube.state_dict()}
        if self._normals is not None:
            state["normals"] = self._normals
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
