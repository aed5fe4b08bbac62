"""Adversarial collocation by projected gradient ascent of the residual on the points
(AT-PINN / WbAR: Li et al., arXiv 2310.11789).

Every ``resample_every`` steps the sampler draws n fresh uniform points. A share
``1 − uniform_fraction`` of them climbs |r| by signed gradient steps::

    u_adv ← u + U(−ε, ε)                                    random start
    repeat steps times:
        u_adv ← clamp(u + clip(u_adv + η · sign(∇_u |r(x(u_adv))|) − u, −ε, ε), 0, 1)

and the rest stay uniform, so the set never collapses onto one peak. The ascent runs in the
region's unit-cube coordinates u (the sampler's latent, mapped to points by the geometry),
so ε = radius and η = step are shares of the box size, "clamped to the domain" is a
clamp to [0, 1], and the same code serves box and ball interiors, faces, whole boundaries
(points slide along their face) and initial slices. Defaults are the reference code's:
ε = 0.1, η = 0.02, 20 steps.

Cost per refresh: ``steps`` residual evaluations with an input gradient over the adversarial
share (a refresh every k steps adds about steps / k of a training step's work per step).
"""
from __future__ import annotations

import torch

from dataclasses import dataclass

from ..spec.schema import _rng
from .rad import CANDIDATE_BATCH
from .uniform import RegionSampler, ResidualFn


@dataclass(frozen=True)
class AdversarialOptions:
    """``strategy: {adversarial: {...}}``: share of fresh uniform points, sign-gradient
    ascent steps, L∞ radius and step (shares of the box)."""

    uniform_fraction: float = _rng(0.2, 0.0, 1.0)
    steps: int = _rng(20, 1, 10_000)
    radius: float = _rng(0.1, 0.0, 1.0)
    step: float = _rng(0.02, 0.0, 1.0)


class AdversarialSampler(RegionSampler):
    """RegionSampler whose redraws are pushed up the residual by PGD.

    Args (beyond RegionSampler's):
        uniform_fraction: share of points left uniform.
        steps, radius, step: PGD steps, L∞ radius ε and step η in unit-cube units.
    """

    def __init__(self, *args, uniform_fraction: float = 0.2, steps: int = 20,
                 radius: float = 0.1, step: float = 0.02, **kwargs):
        super().__init__(*args, **kwargs)
        self.uniform_fraction = uniform_fraction
        self.steps = steps
        self.radius = radius
        self.step_size = step
        self.gain = 1.0   # mean |r| of the adversarial points over their starting points

    def ascend(self, u0: torch.Tensor, residual_fn: ResidualFn) -> torch.Tensor:
        """PGD from the unit-cube samples u0 (m, k); returns the moved samples (m, k)."""
        eps, eta = self.radius, self.step_size
        noise = (2 * torch.rand(u0.shape, generator=self.cube.gen, dtype=torch.float64) - 1)
        u = (u0 + eps * noise.to(u0.dtype)).clamp(0, 1)
        for _ in range(self.steps):
            u = u.detach().to(self.dtype).requires_grad_(True)
            # The map (e.g. the ball's inverse normal CDF) and the residual both carry the
            # gradient; the step is the sign only, so its scale does not matter.
            grad = torch.zeros_like(u)
            for a in range(0, len(u), CANDIDATE_BATCH):
                pts, normals = self.geometry.map(u[a:a + CANDIDATE_BATCH])
                r = residual_fn(pts.to(self.device), None if normals is None else
                                normals.to(self.device), differentiable=True)
                (g,) = torch.autograd.grad(r.sum(), u, allow_unused=True)
                if g is not None:
                    grad += g
            with torch.no_grad():
                if not torch.isfinite(grad).all():
                    break  # a NaN residual must not steer the points; keep the last good u
                step = u + eta * grad.sign()
                u = (u0 + (step - u0).clamp(-eps, eps)).clamp(0, 1)
        return u.detach().to(u0.dtype)

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        u = self._unit(self.n)
        m = self.n - int(round(self.uniform_fraction * self.n))
        if residual_fn is None or m == 0:
            self._points, self._normals = self._map(u)
            return
        u_adv = self.ascend(u[:m], residual_fn)
        if getattr(self.geometry, "rejects", False):
            # A shaped region: a sample that climbed out of it goes back to its start.
            out = ~self.geometry.accept(u_adv).to(u_adv.device)
            u_adv[out] = u[:m][out]
        with torch.no_grad():
            before = residual_fn(*self._map(u[:m]))
            after = residual_fn(*self._map(u_adv))
        if torch.isfinite(after).all() and torch.isfinite(before).all():
            self.gain = float(after.mean() / before.mean().clamp_min(1e-300))
            u = torch.cat([u_adv, u[m:]])
        self._points, self._normals = self._map(u)

    def diagnostics(self) -> dict[str, float]:
        """How much the last ascent raised the mean |r| over its uniform starting points."""
        return {"pgd_gain": self.gain}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "gain": self.gain}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.gain = float(state.get("gain", self.gain))
