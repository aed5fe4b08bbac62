"""Coordinate networks: MLP and modified MLP, with input embeddings.

Inputs pass through :class:`Embedding` first: each coordinate is scaled to [-1, 1] from its
declared range; a periodic coordinate of period L enters as cos(2πkx/L), sin(2πkx/L),
k = 1..modes (periodicity exact by construction); the time coordinate can add harmonics
cos(πk t̂), sin(πk t̂), k = 1..time_modes, t̂ ∈ [0, 1] (fast temporal signals, e.g. a wave
advected at speed β needs πk up to ~β), or at an ODE's own frequencies (spec/modes.py); a
coordinate with a fast initial layer of width ε (spec/initial_layer.py) adds the log time
2 log(1 + t̂/ε) / log(1 + 1/ε) − 1; optional random Fourier features [cos(2π B z),
sin(2π B z)] with B ~ N(0, scale²) (Tancik et al. 2020). About a 2-D shape's re-entrant
corners the embedding also gives r^a cos(aθ), r^a sin(aθ) (spec/corners.py: the solution's
cusp there), which the networks add to their output with trained coefficients. About a
shape's round holes it adds 2 log(r/a) / log(R/a) − 1 (spec/holes.py: the ln r or 1/r profile
at a hole's wall).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

ACTIVATIONS = {
    "tanh": torch.tanh,
    "sin": torch.sin,
    "gelu": nn.functional.gelu,
    "silu": nn.functional.silu,
    "softplus": nn.functional.softplus,
}


class Embedding(nn.Module):
    """Normalise coordinates, embed periodic ones, add random Fourier features.

    Args:
        lo, hi: per-input ranges, length d.
        periodic: input columns that are periodic with period hi - lo.
        modes: harmonics per periodic column.
        fourier_features: number of random Fourier features (0: none).
        fourier_scale: standard deviation of the Fourier frequencies.
        generator: seeds the Fourier matrix.
        time_column: the input column of time, for ``time_modes`` harmonics of it.
        time_modes: harmonics cos/sin(πk t̂), k = 1..time_modes, added for time (0: none).
        layer: (input column, ε) of a fast initial layer, whose log time is added; None.
        time_frequencies: more cos/sin(πk t̂) of time, k any positive number (half-periods
            over the span: an ODE's own frequencies, spec/modes.py).
        corners: a CornerPlan (spec/corners.py): about each corner, r^a cos(aθ) and
            r^a sin(aθ) of the first two inputs for its exponents a, r in units of the
            plan's length and θ from one edge through the inside (:meth:`corner_inputs`,
            not part of the embedding's output); None: none.
        holes: spec/holes.py Holes, each adding the input 2 log(r/a) / log(R/a) − 1, r the
            distance to its centre (axis), a its radius, R its reach (:meth:`hole_inputs`).
    Shapes: (n, d) → (n, out_dim).
    """

    def __init__(self, lo: Sequence[float], hi: Sequence[float], periodic: Sequence[int] = (),
                 modes: int = 1, fourier_features: int = 0, fourier_scale: float = 1.0,
                 generator: torch.Generator | None = None, time_column: int | None = None,
                 time_modes: int = 0, layer: tuple[int, float] | None = None,
                 time_frequencies: Sequence[float] = (), corners=None, holes=()):
        super().__init__()
        lo_t = torch.tensor(lo, dtype=torch.float64)
        hi_t = torch.tensor(hi, dtype=torch.float64)
        self.register_buffer("center", (lo_t + hi_t) / 2)
        self.register_buffer("halfwidth", (hi_t - lo_t) / 2)
        d = len(lo)
        periodic = sorted(set(periodic))
        plain = [c for c in range(d) if c not in periodic]
        self.register_buffer("plain", torch.tensor(plain, dtype=torch.long))
        self.plain_columns = tuple(plain)   # the same, for Jet.select
        self.register_buffer("periodic", torch.tensor(periodic, dtype=torch.long))
        self.register_buffer("harmonics", torch.arange(1, modes + 1, dtype=torch.float64))
        ks = [float(k) for k in range(1, time_modes + 1)] + [float(k) for k in time_frequencies]
        time_modes = len(ks)
        self.time_column = time_column if time_modes else None
        self.register_buffer("time_harmonics", torch.tensor(ks, dtype=torch.float64))
        self.layer = layer
        # one row per function column (corner, exponent), fixed at build: the corner's x, y,
        # cos and sin of its interior bisector's angle, half its interior angle, its reach in
        # units of the length, the exponent; all corners at once (a cold plate's 8 corners one
        # by one cost 3× the steps), no gather or cos/sin per step
        self.corner_length = 1.0 if corners is None else corners.length
        rows = [] if corners is None else [
            (*c.point, math.cos(c.start + c.angle / 2), math.sin(c.start + c.angle / 2),
             c.angle / 2, rho / corners.length, a)
            for c, e, rho in zip(corners.corners, corners.exponents, corners.reach) for a in e]
        self.register_buffer("corner_columns", torch.tensor(
            rows, dtype=torch.float64).reshape(len(rows), 7), persistent=False)
        self._static: dict = {}   # the corner functions' jets while the points repeat
        self.corner_dim = 2 * len(rows)
        # one row per round hole: centre (3), unit axis (3; zero for a disk or ball), its
        # radius and reach, in the first len(centre) inputs
        self.hole_space = len(holes[0].center) if holes else 0
        self.register_buffer("hole_rows", torch.tensor(
            [(*h.center, *(0.0,) * (3 - len(h.center)), *(h.axis or (0.0, 0.0, 0.0)),
              h.radius, h.reach) for h in holes], dtype=torch.float64).reshape(len(holes), 8),
            persistent=False)
        base_dim = len(plain) + 2 * modes * len(periodic) + 2 * time_modes + \
            (layer is not None) + len(holes)
        if fourier_features:
            b = torch.randn(base_dim, fourier_features, generator=generator, dtype=torch.float64)
            self.register_buffer("fourier", b * fourier_scale)
            self.out_dim = 2 * fourier_features
        else:
            self.fourier = None
            self.out_dim = base_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.center) / self.halfwidth
        parts = [z[:, self.plain]]
        if self.layer is not None:
            col, eps = self.layer   # t̂ = (z + 1) / 2
            parts.append((torch.log1p((z[:, col:col + 1] + 1) / (2 * eps))
                          * (2 / math.log1p(1 / eps)) - 1))
        if self.hole_space:
            parts.append(self.hole_inputs(x))
        if self.periodic.numel():
            # z in [-1, 1] spans one period: angle = π k (z + 1).
            angle = math.pi * (z[:, self.periodic, None] + 1) * self.harmonics
            angle = angle.reshape(x.shape[0], -1)
            parts += [torch.cos(angle), torch.sin(angle)]
        if self.time_column is not None:
            # t̂ = (z + 1) / 2 ∈ [0, 1]: angle = π k t̂.
            angle = math.pi * (z[:, self.time_column, None] + 1) / 2 * self.time_harmonics
            parts += [torch.cos(angle), torch.sin(angle)]
        z = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        if self.fourier is not None:
            proj = 2 * math.pi * z @ self.fourier
            z = torch.cat([torch.cos(proj), torch.sin(proj)], dim=1)
        return z

    def jet(self, j):
        """The same map on a Taylor jet (see pinnsolve.derivatives.taylor)."""
        z = j.affine(1 / self.halfwidth, -self.center / self.halfwidth)
        parts = [z.select(self.plain_columns) if self.periodic.numel() else z]
        if self.layer is not None:
            col, eps = self.layer
            parts.append(z.select([col]).affine(1 / (2 * eps), 1 + 1 / (2 * eps)).map("log")
                         .affine(2 / math.log1p(1 / eps), -1.0))
        if self.hole_space:
            parts.append(j.static(self.hole_inputs, self._static, "holes"))
        if self.periodic.numel():
            # angle_(p, k) = π k (z_p + 1): a linear map of z, then cos and sin.
            modes = len(self.harmonics)
            weight = z.value.new_zeros(len(self.periodic) * modes, z.value.shape[-1])
            rows = torch.arange(weight.shape[0], device=weight.device)
            weight[rows, self.periodic.repeat_interleave(modes)] = \
                math.pi * self.harmonics.repeat(len(self.periodic)).to(weight.dtype)
            angle = z.linear(weight, weight.sum(1))
            parts += [angle.map("cos"), angle.map("sin")]
        if self.time_column is not None:
            modes = len(self.time_harmonics)
            weight = z.value.new_zeros(modes, z.value.shape[-1])
            weight[:, self.time_column] = math.pi / 2 * self.time_harmonics.to(weight.dtype)
            angle = z.linear(weight, weight.sum(1))
            parts += [angle.map("cos"), angle.map("sin")]
        z = parts[0].cat(parts[1:]) if len(parts) > 1 else parts[0]
        if self.fourier is not None:
            proj = z.linear(2 * math.pi * self.fourier.T)
            z = proj.map("cos").cat([proj.map("sin")])
        return z

    def corner_jet(self, j):
        """:meth:`corner_inputs` on an input jet (nested jvp, kept while the points repeat)."""
        return j.static(self.corner_inputs, self._static, "corners")

    def hole_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """2 log(r/a) / log(R/a) − 1 about each round hole (n, holes): −1 on its wall, 1 at
        the domain box's farthest corner; r² kept off zero by 1e-12 a² (a point on the axis
        of a hole is outside the domain, but a grid may hold one)."""
        rows = self.hole_rows.to(x.dtype)
        d = x[:, None, :self.hole_space] - rows[:, :self.hole_space]       # (n, H, dim)
        axis = rows[:, 3:3 + self.hole_space]
        d = d - (d * axis).sum(-1, keepdim=True) * axis   # off the axis (zero: a centre)
        a, reach = rows[:, 6], rows[:, 7]
        r2 = (d * d).sum(-1) + 1e-12 * a * a
        return (torch.log(r2) - 2 * torch.log(a)) / torch.log(reach / a) - 1

    def corner_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """r^a cos(aθ), r^a sin(aθ) about each corner, times exp(−r²/ρ²) (n, 2 Σ exponents:
        the cosines, then the sines). θ runs from 0 on one edge to the interior angle on the
        other, its cut in the middle of the outside; r is kept off zero by 1e-12 of the
        length, so that no derivative is infinite."""
        px, py, c, s, half, reach, a = self.corner_columns.to(x.dtype).unbind(1)   # (F,)
        dx = (x[:, 0:1] - px) / self.corner_length                                # (n, F)
        dy = (x[:, 1:2] - py) / self.corner_length
        u, v = c * dx + s * dy, c * dy - s * dx   # along and across the bisector
        r2 = u * u + v * v + 1e-24
        ra = r2 ** (a / 2) * torch.exp(-r2 / reach ** 2)   # fading beyond the corner's reach
        angle = a * (torch.atan2(v, u + 1e-12) + half)
        return torch.cat([ra * torch.cos(angle), ra * torch.sin(angle)], 1)


class _CoordinateNet(nn.Module):
    """Shared parts: embedding, activation, ``depth`` hidden layers, linear output."""

    def __init__(self, embedding: Embedding, n_out: int, width: int, depth: int,
                 activation: str, output_scale: "float | Sequence[float]"):
        super().__init__()
        self.embedding = embedding
        self.activation = activation
        self.act = ACTIVATIONS[activation]
        dims = [embedding.out_dim] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(width, n_out)
        # One per output column (models/scale.py: fields of different sizes). Saved with the
        # weights: training may move a column's size between the two (training/rescale.py).
        scales = [float(output_scale)] * n_out if isinstance(output_scale, (int, float)) \
            else list(output_scale)
        self.register_buffer("output_scale", torch.tensor(scales, dtype=torch.float64))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        key = prefix + "output_scale"
        if key not in state_dict:   # saved before the scale was: the one built stands
            state_dict[key] = self.output_scale.detach().clone()
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _init(self) -> None:
        # Glorot-normal weights, zero biases: the usual PINN initialisation for tanh nets.
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_normal_(layer.weight)
                nn.init.zeros_(layer.bias)

    def _enrich(self) -> None:
        """The corner functions' coefficients (spec/corners.py), one per function and output,
        added to the output and zero at the start: the network starts as it would without
        them, and a smooth solution leaves them near zero."""
        n = self.embedding.corner_dim
        self.enrich = nn.Linear(n, self.out.out_features, bias=False) if n else None
        if self.enrich is not None:
            nn.init.zeros_(self.enrich.weight)

    def _output(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        out = self.out(h)
        if self.enrich is not None:
            out = out + self.enrich(self.embedding.corner_inputs(x))
        return out * self.output_scale

    def _output_jet(self, h, j):
        out = h.linear(self.out.weight, self.out.bias)
        if self.enrich is not None:
            out = out + self.embedding.corner_jet(j).linear(self.enrich.weight)
        return out.affine(self.output_scale)


class MLP(_CoordinateNet):
    """Fully connected network: embedding → depth hidden layers of ``width`` → linear.

    Shapes: (n, d) → (n, m), scaled by ``output_scale``.
    """

    def __init__(self, embedding: Embedding, n_out: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh", output_scale: float = 1.0):
        super().__init__(embedding, n_out, width, depth, activation, output_scale)
        self._init()
        self._enrich()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embedding(x)
        for layer in self.hidden:
            h = self.act(layer(h))
        return self._output(h, x)

    def jet(self, j):
        """The same map on a Taylor jet."""
        h = self.embedding.jet(j)
        for layer in self.hidden:
            h = h.linear(layer.weight, layer.bias).map(self.activation)
        return self._output_jet(h, j)


class ModifiedMLP(_CoordinateNet):
    """Modified MLP (Wang, Teng & Perdikaris 2021): two encoders U, V gate every layer,
    h ← (1 − σ(W h)) ⊙ U + σ(W h) ⊙ V, which eases gradient pathologies in PINNs.

    Shapes: (n, d) → (n, m).
    """

    def __init__(self, embedding: Embedding, n_out: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh", output_scale: float = 1.0):
        super().__init__(embedding, n_out, width, depth, activation, output_scale)
        self.enc_u = nn.Linear(embedding.out_dim, width)
        self.enc_v = nn.Linear(embedding.out_dim, width)
        self._init()
        self._enrich()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.embedding(x)
        u = self.act(self.enc_u(z))
        v = self.act(self.enc_v(z))
        h = z
        for layer in self.hidden:
            g = self.act(layer(h))
            h = (1 - g) * u + g * v
        return self._output(h, x)

    def jet(self, j):
        """The same map on a Taylor jet."""
        z = self.embedding.jet(j)
        u = z.linear(self.enc_u.weight, self.enc_u.bias).map(self.activation)
        v = z.linear(self.enc_v.weight, self.enc_v.bias).map(self.activation)
        gap = v - u
        h = z
        for layer in self.hidden:
            h = u + h.linear(layer.weight, layer.bias).map(self.activation) * gap
        return self._output_jet(h, j)
