"""R3 sampling: retain, resample, release (Daw et al., "Mitigating propagation failures in
physics-informed neural networks using retain-resample-release (R3) sampling", ICML 2023).

After every optimizer step, with the residual magnitudes |r| of the step just taken (no
extra forward pass): the points whose fitness is strictly above the population mean are
retained, the others are released and replaced by fresh uniform points, so the population
size stays constant and the retained points accumulate where the residual is high.

Causal R3 (time-dependent regions): a gate g(t̂) = (1 − tanh(α (t̂ − β))) / 2 over the
normalised time t̂ ∈ [0, 1] multiplies the fitness and the loss residuals, and after each
step the front advances, β ← β + η · min(exp(−ε · mean((g |r|)²)), clip), so later times
enter the loss only once earlier ones are fitted. Defaults are the reference code's:
α = 5, β₀ = −0.5, η = 1e-3, ε = 20, clip = 0.1 (``strategy: {r3: {alpha, start,
eta, eps}}``). Only the interior region (the equation's residual) is gated.
"""
from __future__ import annotations

import math

import torch

from dataclasses import dataclass

from ..spec.schema import _rng
from .uniform import RegionSampler, ResidualFn


@dataclass(frozen=True)
class R3Options:
    """``strategy: {r3: {...}}``: the causal time gate (off by default), its steepness α,
    front speed η, tolerance ε of exp(-ε · gated loss) and initial front β₀ (``start``,
    normalised time)."""

    causal: bool = False
    alpha: float = _rng(5.0, 0.0, 1e4)
    eta: float = _rng(1e-3, 0.0, 1.0)
    eps: float = _rng(20.0, 0.0, 1e8)
    start: float = _rng(-0.5, -100.0, 100.0)


class R3Sampler(RegionSampler):
    """RegionSampler updated every step by the R3 rule.

    Args (beyond RegionSampler's):
        causal: gate fitness and loss by time and advance the front (time-dependent only).
        alpha, start, eta, eps, clip: the causal gate's parameters (start: the front β₀).
    """

    def __init__(self, *args, causal: bool = False, alpha: float = 5.0, start: float = -0.5,
                 eta: float = 1e-3, eps: float = 20.0, clip: float = 0.1, **kwargs):
        super().__init__(*args, **kwargs)
        # The gate orders the equation's residual in time; condition regions keep their loss.
        self.causal = causal and self.geometry.time is not None \
            and self.geometry.region.kind == "interior"
        self.alpha, self.beta, self.eta, self.eps, self.clip = alpha, start, eta, eps, clip

    def gate(self, points: torch.Tensor | None = None) -> torch.Tensor | None:
        """g(t̂) at the points (n,), or None when not causal."""
        if not self.causal:
            return None
        pts = self._points if points is None else points
        t = self.geometry.time
        t_hat = (pts[:, -1] - t.lo) / (t.hi - t.lo)
        return (1 - torch.tanh(self.alpha * (t_hat - self.beta))) / 2

    def loss_weights(self) -> torch.Tensor | None:
        return self.gate()

    def update(self, residual: torch.Tensor | None, step: int,
               residual_fn: ResidualFn | None = None) -> None:
        if self.frozen or residual is None:
            return
        fitness = residual.detach()
        g = self.gate()
        if g is not None:
            fitness = fitness * g
            gated_loss = float((fitness ** 2).mean())
            self.beta += self.eta * min(math.exp(-self.eps * gated_loss), self.clip)
        self._retain(fitness)

    def _retain(self, fitness: torch.Tensor) -> None:
        """Keep the points whose fitness is strictly above the mean, redraw the rest."""
        if not torch.isfinite(fitness).all():
            self._draw()  # a NaN residual must not steer the points
            return
        keep = fitness > fitness.mean()
        released = int((~keep).sum())
        if released == 0:
            return
        new, normals = self._map(self._unit(released))
        self._points = torch.cat([self._points[keep], new])
        if self._normals is not None:
            self._normals = torch.cat([self._normals[keep], normals])

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        """One R3 update on a fresh evaluation of the residual at the current points (used
        by L-BFGS phases, which redraw every k iterations instead of every step; the
        causal front stays where the Adam steps left it)."""
        if residual_fn is None:
            self._draw()
            return
        fitness = residual_fn(self._points, self._normals)
        g = self.gate()
        self._retain(fitness if g is None else fitness * g)

    def diagnostics(self) -> dict[str, float]:
        """The causal front β (in normalised time)."""
        return {"causal_front": self.beta} if self.causal else {}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "beta": self.beta}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.beta = float(state.get("beta", self.beta))
