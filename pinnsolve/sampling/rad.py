"""Residual-based adaptive sampling over dense candidates (Wu et al., "A comprehensive study
of non-adaptive and residual-based adaptive sampling for PINNs", CMAME 2023).

Every ``resample_every`` steps, draw ``candidates`` uniform points of the region, evaluate
the residual there and pick points with probability p(x) ∝ |r(x)|^k / mean |r|^k + c
(without replacement; k = c = 1 by default, the setting the self-scaled BFGS Burgers
recipe uses):

* RAD (``strategy: rad``) replaces the whole set with the picked points;
* RAR-D (``strategy: rar``) keeps its first uniform set and adds ``add`` picked points
  per redraw, up to ``max_added`` added points, after which the oldest added points give way.
"""
from __future__ import annotations

import torch

from dataclasses import dataclass

from ..spec.schema import _rng
from .uniform import RegionSampler, ResidualFn

CANDIDATE_BATCH = 8192  # candidate points per residual evaluation (bounds memory)


@dataclass(frozen=True)
class RADOptions:
    """``strategy: {rad: {...}}``: dense candidates per redraw, p ∝ |r|^k / mean |r|^k + c."""

    candidates: int = _rng(50_000, 1, 100_000_000)
    k: float = _rng(1.0, 0.0, 10.0)
    c: float = _rng(1.0, 0.0, 1e6)


@dataclass(frozen=True)
class RAROptions:
    """``strategy: {rar: {...}}``: RAD's options, points added per redraw (0: n/10) and the
    cap of added points (0: 4 n)."""

    candidates: int = _rng(50_000, 1, 100_000_000)
    k: float = _rng(1.0, 0.0, 10.0)
    c: float = _rng(1.0, 0.0, 1e6)
    add: int = _rng(0, 0, 10_000_000)
    max_added: int = _rng(0, 0, 100_000_000)


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

    def pick(self, m: int, residual_fn: ResidualFn):
        """m candidates drawn ∝ |r|^k / mean |r|^k + c: (points, normals or None), or None
        when the residual is not finite (a NaN residual must not steer the points)."""
        pts, normals = self._map(self._unit(max(self.candidates, m)))
        r = torch.cat([residual_fn(pts[i:i + CANDIDATE_BATCH],
                                   None if normals is None else normals[i:i + CANDIDATE_BATCH])
                       for i in range(0, len(pts), CANDIDATE_BATCH)])
        if not torch.isfinite(r).all():
            return None
        rk = r.to(torch.float64) ** self.k
        p = rk / rk.mean().clamp_min(1e-300) + self.c
        idx = torch.multinomial(p.cpu(), m, replacement=False, generator=self.cube.gen)
        idx = idx.to(pts.device)
        return pts[idx], None if normals is None else normals[idx]

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        picked = None if residual_fn is None else self.pick(self.n, residual_fn)
        if picked is None:
            self._draw()
            return
        self._points, self._normals = picked


class RARSampler(RADSampler):
    """RAR-D: a fixed uniform base set plus residual-picked points added at every redraw.

    Args (beyond RADSampler's):
        add: points added per redraw (0: n // 10).
        max_added: cap on the added points (0: 4 n); beyond it the oldest are dropped.
    """

    def __init__(self, *args, add: int = 0, max_added: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.add = add or max(1, self.n // 10)
        self.max_added = max_added or 4 * self.n

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        if residual_fn is None:
            return  # nothing to add without a residual; the base set stays
        picked = self.pick(self.add, residual_fn)
        if picked is None:
            return
        pts, normals = picked
        # Base set first, then added points oldest first: dropping from the front of the
        # added block keeps the newest max_added.
        base, added = self._points[:self.n], self._points[self.n:]
        added = torch.cat([added, pts])[-self.max_added:]
        self._points = torch.cat([base, added])
        if self._normals is not None:
            nb, na = self._normals[:self.n], self._normals[self.n:]
            self._normals = torch.cat([nb, torch.cat([na, normals])[-self.max_added:]])

    def diagnostics(self) -> dict[str, float]:
        return {"points": float(len(self._points))}
