"""Adversarial adaptive sampling with a normalising flow (AAS; Tang, Zhai, Wan, Yang,
"Adversarial adaptive sampling: unify PINN and optimal transport for the approximation of
PDEs", ICLR 2024, arXiv 2305.18702).

AAS poses PINN training as a min–max over the solution u_θ and a sampling density p_α
(a normalising flow) with a soft Lipschitz (Sobolev) constraint on the density::

    min_θ max_α  J(θ, α) = ∫ r²(x; θ) p_α(x) dx − β ∫ |∇ p_α(x)|² dx.

(Our reading of the paper's §3 from its abstract and published reviews: the penalty sits
on the density, the flow's side.) With a hard constraint Lip(p) ≤ L the inner maximum is,
by Kantorovich–Rubinstein duality, ‖r²‖₁ · (L · W₁(μ_r, U) + 1/|Ω|), μ_r = r² / ‖r²‖₁
the residual-induced distribution and U the uniform one: the density plays the critic,
and minimising over θ lowers both the residual and the distance of its profile from
uniform. The trainer performs the θ steps (its loss is the mean r² on the points drawn
here); this sampler performs the α steps: every ``resample_every`` steps it takes
``flow_steps`` Adam steps of ascent on J for the current residual, then draws
(1 − uniform_fraction) · n points from the flow and the rest uniform from the region's
unit cube (uniform points keep the set from collapsing onto one peak).

Everything lives in the region's latent unit cube u ∈ (0, 1)^k, which the geometry maps
onto the region; densities, gradients and "uniform" are those of u. Each ascent step
draws B samples from the mixture m = (1 − γ) q_α + γ (γ = uniform_fraction, the
distribution the collocation set itself follows), evaluates the residual there, and
ascends the importance-sampled estimate::

    ρ = r² / Z,  Z = mean(r² / m)                       (Z ≈ ∫ r² du, so ∫ ρ du ≈ 1)
    J ≈ mean((ρ − 1) q_α / m) − β mean(|∇_u q_α|² / m)

Its gradient in α is mean((ρ − 1) q_α ∇_α log q_α / m): the score-function (REINFORCE)
gradient of the flow update, with the baseline 1 (∫ ∇q = 0) and importance weights
1/m ≤ 1/γ. ∇_u q_α comes from autograd (a double backward through the flow).

Deviations from the paper, and why:

* **Normalised residual.** r² is divided by its mean Z over the cube, so β =
  ``flow_penalty`` is dimensionless and the maximiser depends on the profile of r² only,
  as it does under the hard Lipschitz constraint; with raw r² a fixed β pins the flow to
  uniform once the residual is small. The H¹ penalty is then strong: for a residual peak
  of width 0.05 in the unit square, β = 1 raises the density there by ~15 % and
  β = 1e-2 about eightfold (measured).
* **Score-function gradient, no reparameterisation.** The samples pass through the
  geometry (not differentiable in the face choice on box boundaries) and a pathwise
  gradient would need a third derivative of the solution; this estimator needs residual
  values only.
* **Flow.** Piecewise-quadratic couplings over a uniform base (Müller et al., "Neural
  importance sampling", 2019) instead of KRnet or affine couplings behind a sigmoid. A
  flow that lives on the cube keeps ∫ |∇q|² finite: behind a sigmoid, any change of
  scale in the tails makes q ∝ u^a at the faces, whose Dirichlet energy is infinite
  unless a = 0 or a > 1/2, and the penalty's estimates turned heavy-tailed (in trials
  such a flow collapsed away from the residual). The couplings start as the identity, so the flow
  starts exactly uniform; for k = 1 one unconditioned layer is the whole flow.
* **Latent penalty.** ∫ |∇ q|² is taken in unit-cube coordinates, so box sides of
  different lengths (and time) weigh alike.

Cost per refresh: ``flow_steps`` residual evaluations at B = 256 points (``batch``) and as
many flow passes with a double backward (the flow stays on the CPU); see the tests for
timings.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from dataclasses import dataclass

from ..spec.schema import _rng
from .uniform import RegionSampler, ResidualFn

# Samples are kept this far inside (0, 1): four float32 ulps below 1, so the mapped points
# stay strictly inside the region in float32 as well.
MARGIN = 4 * torch.finfo(torch.float32).eps
MAX_BATCH = 2048   # most samples per ascent step (bounds a refresh's cost)
BINS = 16          # bins of each piecewise-linear conditional density
MIN_WIDTH = 1e-3   # smallest bin width (keeps the quadratic inverse well conditioned)
UNCONDITIONED_GAIN = 10.0   # k = 1: logits = 10 · parameters (see _Coupling._table)


def _uniform(m: int, k: int, gen: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """(m, k) uniform samples, clamped MARGIN inside the cube."""
    return torch.rand(m, k, generator=gen, dtype=dtype).clamp(MARGIN, 1 - MARGIN)


def _param(shape: tuple[int, ...], bound: float, gen: torch.Generator,
           dtype: torch.dtype) -> nn.Parameter:
    """U(−bound, bound) parameter drawn from ``gen`` (not the global RNG)."""
    return nn.Parameter(torch.empty(shape, dtype=dtype).uniform_(-bound, bound, generator=gen))


class _Coupling(nn.Module):
    """Piecewise-quadratic coupling (Müller et al., "Neural importance sampling", ACM TOG
    2019): each moved coordinate x_j ∈ [0, 1] goes through the CDF of a piecewise-linear
    density with ``bins`` bins, whose bin widths W and vertex heights V a tanh MLP computes
    from the conditioning coordinates (parameters when there are none, k = 1).

    In a bin with left edge e, width W, heights V_l, V_r and α = (x − e) / W::

        pdf(x) = V_l + (V_r − V_l) α,   C(x) = C(e) + W (V_l α + (V_r − V_l) α² / 2),

    so the log-determinant is Σ_j log pdf(x_j) and the inverse solves a quadratic.
    """

    def __init__(self, cond: list[int], moved: list[int], width: int, bins: int,
                 gen: torch.Generator, dtype: torch.dtype):
        """cond, moved: indices of the conditioning and of the moved coordinates."""
        super().__init__()
        self.cond, self.moved, self.bins = cond, moved, bins
        self.register_buffer("moved_idx", torch.tensor(moved), persistent=False)
        a, n_out = len(cond), len(moved) * (2 * bins + 1)
        if a:
            self.w1 = _param((width, a), 1 / math.sqrt(a), gen, dtype)
            self.b1 = _param((width,), 1 / math.sqrt(a), gen, dtype)
            # Zero output layer: equal widths and heights, the identity (a uniform flow).
            self.w2 = nn.Parameter(torch.zeros(n_out, width, dtype=dtype))
        self.b2 = nn.Parameter(torch.zeros(n_out, dtype=dtype))

    def _table(self, x: torch.Tensor):
        """Bin widths W (m, b, K), unnormalised vertex heights H (m, b, K+1) and
        A = 2 ∫ pdf = Σ W_j (H_j + H_j+1) (m, b); the density is H / (A / 2)."""
        k = self.bins
        if self.cond:
            h = torch.tanh(F.linear(2 * x[:, self.cond] - 1, self.w1, self.b1))
            out = F.linear(h, self.w2, self.b2)
        else:
            # Unconditioned: the logits are parameters, scaled so an Adam step moves them
            # about as far as it moves a conditioned layer's outputs.
            out = (UNCONDITIONED_GAIN * self.b2).expand(len(x), -1)
        out = out.view(len(x), len(self.moved), 2 * k + 1)
        widths = MIN_WIDTH + (1 - k * MIN_WIDTH) * torch.softmax(out[..., :k], -1)
        heights = torch.exp(out[..., k:])
        area = ((heights[..., :-1] + heights[..., 1:]) * widths).sum(-1)
        return widths, heights, area

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data side → base side: (z (m, k), log|det ∂z/∂x| (m,)).

        Written over all bins at once, α_j = clamp((x − e_j) / W_j, 0, 1) being 1 left of
        x and 0 right of it: no bin lookup, and cheap to differentiate twice (the
        Sobolev penalty needs ∇_x of the log-density)."""
        widths, heights, area = self._table(x)
        xb = x[:, self.moved]
        left = torch.cumsum(widths, -1) - widths
        alpha = ((xb.unsqueeze(-1) - left) / widths).clamp(0, 1)
        rise = heights[..., 1:] - heights[..., :-1]
        pdf = heights[..., 0] + (rise * alpha).sum(-1)                # linear interpolation
        z = ((widths * alpha * (2 * heights[..., :-1] + rise * alpha)).sum(-1) / area)
        log_det = (torch.log(pdf) - torch.log(area / 2)).sum(1)
        return x.index_copy(1, self.moved_idx, z.clamp(0, 1)), log_det

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Base side → data side: (x (m, k), log pdf at x (m,), i.e. log|det ∂z/∂x|)."""
        widths, heights, area = self._table(z)   # the conditioning part is unchanged
        zb = z[:, self.moved]
        masses = (heights[..., :-1] + heights[..., 1:]) * widths
        right = torch.cumsum(masses, -1)
        idx = torch.searchsorted((right / area.unsqueeze(-1))[..., :-1].contiguous(),
                                 zb.unsqueeze(-1).contiguous(), right=True)
        table = torch.stack([widths, torch.cumsum(widths, -1), right, masses,
                             heights[..., :-1], heights[..., 1:]])
        w, e, c, mass, h_l, h_r = table.gather(-1, idx.expand(6, *idx.shape)).squeeze(-1)
        e, c = e - w, c - mass                          # left edge, mass before the bin
        # Solve W (H_r − H_l) α² + 2 W H_l α = Δ (both sides × A) in the form that stays
        # accurate as H_r → H_l.
        delta = (zb * area - c).clamp_min(0)
        a1, a2 = 2 * w * h_l, w * (h_r - h_l)
        alpha = 2 * delta / (a1 + torch.sqrt((a1 ** 2 + 4 * a2 * delta).clamp_min(0)))
        alpha = alpha.clamp(0, 1)
        x = (e + alpha * w).clamp(0, 1)
        log_det = (torch.log(h_l + (h_r - h_l) * alpha) - torch.log(area / 2)).sum(1)
        return z.index_copy(1, self.moved_idx, x), log_det


class CubeFlow(nn.Module):
    """Density q on the unit cube (0, 1)^k, k ≥ 1: a stack of piecewise-quadratic
    couplings over a uniform base. Layers alternately move the odd and the even
    coordinates (k = 2: the second, then the first); for k = 1 a single unconditioned
    layer moves the one coordinate (stacked 1-D layers made the ascent erratic in trials).
    Exactly uniform at initialisation.

    Args:
        k: dimension (≥ 1).
        layers, width: couplings and hidden width of their one-hidden-layer tanh
            conditioners (k ≥ 2; unused for k = 1).
        seed: seeds the parameter initialisation (a private generator).
        dtype: of parameters and samples.
    """

    def __init__(self, k: int, layers: int, width: int, seed: int,
                 dtype: torch.dtype = torch.float64):
        super().__init__()
        if k < 1:
            raise ValueError(f"CubeFlow needs k ≥ 1 dimensions, got k = {k}")
        self.k, self.dtype = k, dtype
        gen = torch.Generator().manual_seed(seed)
        even, odd = list(range(0, k, 2)), list(range(1, k, 2))
        if k == 1:
            split = [([], [0])]
        else:   # at least two layers, so that every coordinate moves
            split = [(even, odd) if i % 2 == 0 else (odd, even) for i in range(max(2, layers))]
        self.layers = nn.ModuleList(_Coupling(c, m, width, BINS, gen, dtype) for c, m in split)

    def log_prob(self, u: torch.Tensor) -> torch.Tensor:
        """log q(u) (m,) at u (m, k) in [0, 1]^k; differentiable in u and the parameters."""
        log_q = torch.zeros(len(u), dtype=u.dtype)
        for layer in self.layers:
            u, ld = layer(u)
            log_q = log_q + ld
        return log_q   # the uniform base adds log 1 = 0

    @torch.no_grad()
    def sample(self, m: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """m samples: (u (m, k) strictly inside the cube, log q(u) (m,)), no graph (the
        sampler's gradient is the score function; nothing flows through the samples)."""
        x = _uniform(m, self.k, gen, self.dtype)
        log_q = torch.zeros(m, dtype=self.dtype)
        for layer in reversed(self.layers):
            x, ld = layer.inverse(x)
            log_q = log_q + ld
        u = x.clamp(MARGIN, 1 - MARGIN)
        moved = (u != x).any(1)
        if moved.any():   # a clamped sample: its density is the one at the clamped point
            log_q[moved] = self.log_prob(u[moved])
        return u, log_q


def make_flow(k: int, layers: int, width: int, seed: int,
              dtype: torch.dtype) -> CubeFlow | None:
    """The flow for a k-dimensional latent, or None for k = 0 (a single point)."""
    return CubeFlow(k, layers, width, seed, dtype) if k >= 1 else None


@dataclass(frozen=True)
class FlowOptions:
    """``strategy: {adversarial_flow: {...}}``: share of fresh uniform points, coupling
    layers, hidden width, flow updates per refresh, Adam step of the flow and weight β of
    the smoothness penalty ∫|∇p|²."""

    uniform_fraction: float = _rng(0.2, 0.0, 1.0)
    layers: int = _rng(6, 1, 64)
    width: int = _rng(32, 1, 4096)
    steps: int = _rng(50, 1, 100_000)
    lr: float = _rng(1e-3, 0.0, 1.0)
    penalty: float = _rng(1e-2, 0.0, 1e6)


class FlowSampler(RegionSampler):
    """RegionSampler whose redraws come from a flow trained adversarially to the residual.

    Args (beyond RegionSampler's):
        uniform_fraction: share γ of each redraw drawn uniformly.
        layers, width: the flow's couplings and hidden width.
        steps: flow ascent steps per refresh.
        lr: Adam step of the flow.
        penalty: β, weight of the Sobolev penalty ∫ |∇_u q|² du.
        batch: samples per ascent step (at most 2048); Adam averages the steps' noise.
    """

    def __init__(self, *args, uniform_fraction: float = 0.2, layers: int = 6,
                 width: int = 32, steps: int = 50, lr: float = 1e-3, penalty: float = 1e-2,
                 batch: int = 256, **kwargs):
        super().__init__(*args, **kwargs)
        self.uniform_fraction = uniform_fraction
        self.steps = steps
        self.penalty = penalty
        self.batch = max(1, min(batch, MAX_BATCH))
        seed = self.cube.seed
        self.flow = make_flow(self.geometry.unit_dim, layers, width, seed + 1, self.dtype)
        self.optimizer = None if self.flow is None else \
            torch.optim.Adam(self.flow.parameters(), lr=lr)
        # The flow's own stream (ascent batches, flow samples); the cube keeps its stream
        # for the uniform share, so both continue identically after a resume.
        self.gen = torch.Generator().manual_seed(seed + 2)
        self.stats = {"flow_kl": 0.0, "flow_gain": 0.0}

    def ascend(self, residual_fn: ResidualFn) -> bool:
        """``steps`` Adam steps of ascent on J (module docstring) for the current residual.

        Returns:
            False if a residual was not finite (that step is not taken), else True.
        """
        beta, flow = self.penalty, self.flow
        n_uniform = int(round(self.uniform_fraction * self.batch))
        gamma = n_uniform / self.batch   # the batch's actual uniform share
        for _ in range(self.steps):
            u_flow, _ = flow.sample(self.batch - n_uniform, self.gen)
            u = torch.cat([u_flow, _uniform(n_uniform, flow.k, self.gen, flow.dtype)])
            r = residual_fn(*self._map(u)).detach()
            if not torch.isfinite(r).all():
                return False   # a NaN residual must not steer the flow
            r2 = r.to(flow.dtype).cpu() ** 2
            u.requires_grad_(True)
            log_q = flow.log_prob(u)
            (grad_log_q,) = torch.autograd.grad(log_q.sum(), u, create_graph=True)
            q = log_q.exp()
            with torch.no_grad():
                w = 1 / ((1 - gamma) * q + gamma)      # 1 / mixture density
                z = (w * r2).mean()
                if not z > 0:
                    return True   # a zero residual: nothing to chase, keep the flow
                rho = r2 / z
            gain = (w * (rho - 1) * q).mean()
            sobolev = (w * q ** 2 * (grad_log_q ** 2).sum(1)).mean()   # |∇q|² = q²|∇log q|²
            self.optimizer.zero_grad(set_to_none=True)
            (beta * sobolev - gain).backward()
            self.optimizer.step()
            with torch.no_grad():
                flow_part = slice(0, self.batch - n_uniform)
                self.stats = {"flow_kl": float(log_q[flow_part].mean()),
                              "flow_gain": float(gain)}
        return True

    def redraw(self, residual_fn: ResidualFn | None = None) -> None:
        m = self.n - int(round(self.uniform_fraction * self.n))
        if residual_fn is None or self.flow is None or m == 0 or self.steps == 0:
            self._draw()
            return
        if not self.ascend(residual_fn):
            self._draw()
            return
        u_flow, _ = self.flow.sample(m, self.gen)
        if getattr(self.geometry, "rejects", False):
            # A shaped region: flow samples outside it are replaced by uniform ones.
            out = ~self.geometry.accept(u_flow).to(u_flow.device)
            if out.any():
                u_flow[out] = self._unit(int(out.sum())).to(u_flow)
        pts, normals = self._map(u_flow)
        pts_u, normals_u = self._map(self._unit(self.n - m))
        self._points = torch.cat([pts, pts_u])
        self._normals = None if normals is None else torch.cat([normals, normals_u])

    def diagnostics(self) -> dict[str, float]:
        """From the last ascent step: ``flow_kl`` = E_q[log q] = KL(q ‖ uniform) (how
        concentrated the flow is) and ``flow_gain`` = ∫ q (ρ − 1), the relative excess of
        the mean squared residual under the flow over its uniform mean."""
        return dict(self.stats)

    def state_dict(self) -> dict:
        state = {**super().state_dict(), "generator": self.gen.get_state(),
                 "stats": dict(self.stats)}
        if self.flow is not None:
            state["flow"] = dict(self.flow.state_dict())
            state["optimizer"] = self.optimizer.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.gen.set_state(state["generator"])
        self.stats = {k: float(v) for k, v in state.get("stats", self.stats).items()}
        if self.flow is not None:
            self.flow.load_state_dict(state["flow"])
            self.optimizer.load_state_dict(state["optimizer"])
