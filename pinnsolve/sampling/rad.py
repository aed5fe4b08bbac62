"""Residual-based adaptive distribution (RAD; Wu et al., "A comprehensive study of
non-adaptive and residual-based adaptive sampling for PINNs", CMAME 2023).

Every ``resample_every`` steps, draw ``candidates`` uniform points of the region, evaluate
the residual there and draw the new set from p(x) ∝ |r(x)|^k / mean |r|^k + c (without
replacement). k = c = 1 by default, the setting the self-scaled BFGS Burgers recipe uses.
"""
from __future__ import annotations

import torch

from ..spec.schema import SamplingSettings
from .uniform import RegionSampler, ResidualFn


class RADSampler(RegionSampler):
    """RegionSampler whose redraws follow the residual density.

    Args (beyond RegionSampler's):
        candidates: dense candidate points per redraw.
        k, c: exponent and uniform share of the density.
    """

    def __init__(self, *args, candidates: int = 50_000, k: float = 1.0, c: float = 1.0,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.k = k
        self.c = c

    @classmethod
    def build(cls, geometry, n: int, settings: SamplingSettings, *, resample_every: int,
              seed: int, dtype: torch.dtype, device) -> "RADSampler":
        return cls(geometry, n, settings.method, resample_every, seed, dtype, device,
                   candidates=settings.candidates)

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        if residual_fn is None:
            self._draw()
            return
        u = self.cube.draw(self.candidates)
        pts, normals = self.geometry.map(u)
        pts = pts.to(self.dtype).to(self.device)
        r = torch.cat([residual_fn(pts[i:i + 8192]) for i in range(0, len(pts), 8192)])
        if not torch.isfinite(r).all():
            self._draw()  # a NaN residual must not steer the points
            return
        rk = r ** self.k
        p = rk / rk.mean() + self.c
        idx = torch.multinomial(p.to(torch.float64).cpu(), self.n, replacement=False,
                                generator=self.cube.gen)
        self._points = pts[idx.to(pts.device)]
        self._normals = None if normals is None else normals.to(self.dtype).to(self.device)[idx]
