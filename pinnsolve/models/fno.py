"""Fourier neural operator (Li et al., "Fourier neural operator for parametric PDEs", 2021).

Maps functions on a grid to functions on the same grid, ``(B, C_in, *grid) -> (B, C_out,
*grid)`` for 1, 2 or 3 grid axes (space, or space-time). Each layer is

    v ↦ σ(W v + F^{-1}[R · (F v)|_{modes}]),

a pointwise linear map ``W`` plus a spectral convolution that keeps the lowest ``modes``
Fourier modes per axis with learned complex weights ``R`` (the rest are zeroed). Because
``R`` acts on modes, not grid points, the same weights evaluate at any resolution with at
least ``2·modes`` nodes per axis (coarser grids use the modes they have): zero-shot
super-resolution. A lifting layer before and a two-layer pointwise projection after.

Axes that are not periodic (time, bounded space) are zero-padded at their far end by a
fraction ``padding`` of their length before the layers and cropped after, so the FFT does
not wrap the two ends into each other.
"""
from __future__ import annotations

import itertools
import math

import torch
from torch import nn

ACTIVATIONS = {"gelu": nn.functional.gelu, "tanh": torch.tanh, "silu": nn.functional.silu}
_LETTERS = "xyz"


class SpectralConv(nn.Module):
    """Spectral convolution over the last ``len(modes)`` axes (1 to 3).

    Keeps modes ``0..m-1`` of the last (rfft) axis and ``0..m-1`` and ``-m..-1`` of the
    others: ``2^(d-1)`` weight blocks of shape ``(C_in, C_out, *modes)``.
    """

    def __init__(self, c_in: int, c_out: int, modes: tuple[int, ...]):
        super().__init__()
        if not 1 <= len(modes) <= 3 or min(modes) < 1:
            raise ValueError(f"modes must be 1 to 3 positive counts, got {modes}")
        self.modes = tuple(int(m) for m in modes)
        blocks = 2 ** (len(modes) - 1)
        scale = 1.0 / (c_in * c_out)
        self.weight = nn.Parameter(scale * torch.rand(blocks, c_in, c_out, *self.modes, 2))
        d = len(modes)
        ax = _LETTERS[:d]
        self._eq = f"bi{ax},io{ax}->bo{ax}"

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        d = len(self.modes)
        shape = v.shape[-d:]
        dims = tuple(range(-d, 0))
        vf = torch.fft.rfftn(v, dim=dims)
        weight = torch.view_as_complex(self.weight)
        out = torch.zeros(v.shape[0], weight.shape[2], *vf.shape[2:], dtype=vf.dtype,
                          device=v.device)
        # Modes available at this resolution (fewer than trained on a coarse grid).
        use = [min(m, n // 2) for m, n in zip(self.modes[:-1], shape[:-1])]
        use.append(min(self.modes[-1], shape[-1] // 2 + 1))
        for block, signs in enumerate(itertools.product((1, -1), repeat=d - 1)):
            grid_sl, w_sl = [], []
            for s, m in zip(signs, use[:-1]):
                grid_sl.append(slice(0, m) if s > 0 else slice(-m, None))
                w_sl.append(slice(0, m) if s > 0 else slice(-m, None))
            grid_sl.append(slice(0, use[-1]))
            w_sl.append(slice(0, use[-1]))
            w = weight[block][(slice(None), slice(None), *w_sl)]
            out[(slice(None), slice(None), *grid_sl)] = torch.einsum(
                self._eq, vf[(slice(None), slice(None), *grid_sl)], w)
        return torch.fft.irfftn(out, s=shape, dim=dims)


def _smooth(n: int) -> int:
    """The smallest m >= n with no prime factor above 3."""
    while True:
        k = n
        for p in (2, 3):
            while k % p == 0:
                k //= p
        if k == 1:
            return n
        n += 1


def _pointwise(layer: nn.Linear, v: torch.Tensor) -> torch.Tensor:
    """A linear map over the channel axis 1 of (B, C, *grid)."""
    return layer(v.movedim(1, -1)).movedim(-1, 1)


class FNO(nn.Module):
    """Fourier neural operator on 1 to 3 grid axes.

    Args:
        in_channels, out_channels: channels of the input and output functions.
        modes: Fourier modes kept per grid axis.
        width: channels of the hidden layers.
        layers: number of Fourier layers.
        projection: hidden width of the pointwise projection.
        periodic: per grid axis, whether it is periodic (no padding).
        padding: share of a non-periodic axis's length added as zeros at its end.
        activation: ``gelu``, ``tanh`` or ``silu``.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: tuple[int, ...],
                 width: int = 32, layers: int = 4, projection: int = 128,
                 periodic: tuple[bool, ...] | None = None, padding: float = 0.25,
                 activation: str = "gelu"):
        super().__init__()
        self.d = len(modes)
        self.periodic = tuple(periodic) if periodic is not None else (False,) * self.d
        if len(self.periodic) != self.d:
            raise ValueError("periodic needs one entry per grid axis")
        self.padding = float(padding)
        self.act = ACTIVATIONS[activation]
        self.lift = nn.Linear(in_channels, width)
        self.spectral = nn.ModuleList(SpectralConv(width, width, modes) for _ in range(layers))
        self.pointwise = nn.ModuleList(nn.Linear(width, width) for _ in range(layers))
        self.project = nn.Sequential(nn.Linear(width, projection), nn.GELU(),
                                     nn.Linear(projection, out_channels))

    def pads(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Zero padding (nodes) added at the end of each grid axis of ``shape``: at least
        ``padding · n``, up to a length whose FFT is fast (factors 2 and 3 only; a prime
        length such as 33 + 8 = 41 makes the FFTs several times slower)."""
        return tuple(0 if p or self.padding == 0 else _smooth(n + int(math.ceil(self.padding * n))) - n
                     for p, n in zip(self.periodic, shape))

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, *grid) → (B, out_channels, *grid)."""
        if a.dim() != self.d + 2:
            raise ValueError(f"expected (B, C, *grid) with {self.d} grid axes, got {tuple(a.shape)}")
        shape = tuple(a.shape[2:])
        v = _pointwise(self.lift, a)
        pads = self.pads(shape)
        if any(pads):
            spec = []
            for p in reversed(pads):   # F.pad lists the last axis first
                spec += [0, p]
            v = nn.functional.pad(v, spec)
        for k, (conv, lin) in enumerate(zip(self.spectral, self.pointwise)):
            v = conv(v) + _pointwise(lin, v)
            if k < len(self.spectral) - 1:
                v = self.act(v)
        if any(pads):
            v = v[(slice(None), slice(None), *(slice(0, n) for n in shape))]
        return self.project(v.movedim(1, -1)).movedim(-1, 1)
