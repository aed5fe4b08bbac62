"""Gaussian random fields on regular grids: random input functions for neural operators.

A stationary field with the Matérn-like spectral density

    S(κ) ∝ (1/ℓ² + |κ|²)^{-(ν + d/2)},

smoothness ``ν`` (samples are about ν times differentiable) and length scale ``ℓ``, drawn
by filtering white noise in Fourier space: ``g = Re F^{-1}[√S ξ]`` with complex standard
normal ``ξ``, scaled so that every point has variance ``variance`` exactly; then
``a = mean + g``. On a periodic box the field is periodic; a bounded axis is drawn on a
periodic box twice as long and cropped, so its two ends are not correlated. Optionally
thresholded to a piecewise-constant field (``high`` where ``a > at``, ``low`` elsewhere),
the coefficients of Li et al.'s Darcy benchmark, or with ``width > 0`` a smoothed step
``low + (high - low)(1 + tanh((a - at)/width))/2``.

The expected periodogram of a periodic sample is ``E|F g|²_κ = variance · S(κ)`` with S
normalised by :func:`spectrum` (``sum S = N²``, N nodes), the property tested.
"""
from __future__ import annotations

import numpy as np


def matern_density(kappa2: np.ndarray, smoothness: float, length_scale: float,
                   dim: int) -> np.ndarray:
    """Unnormalised spectral density at squared wavenumbers ``kappa2``."""
    return (1.0 / length_scale ** 2 + kappa2) ** (-(smoothness + dim / 2.0))


def _box(shape: tuple[int, ...], lengths: tuple[float, ...], periodic: tuple[bool, ...]):
    """Shape and lengths of the periodic box the field is drawn on."""
    box_shape, box_len = [], []
    for n, length, p in zip(shape, lengths, periodic):
        if p:
            box_shape.append(n)
            box_len.append(length)
        else:   # nodes include both ends: n - 1 intervals, doubled
            box_shape.append(2 * (n - 1))
            box_len.append(2 * length)
    return tuple(box_shape), tuple(box_len)


def spectrum(shape: tuple[int, ...], lengths: tuple[float, ...], smoothness: float,
             length_scale: float) -> np.ndarray:
    """Normalised density ``S`` on the FFT grid of a periodic box, ``sum(S) = N²``.

    With this normalisation ``Re F^{-1}[√S ξ]`` has unit variance at every node.
    """
    kappa2 = np.zeros(shape)
    for axis, (n, length) in enumerate(zip(shape, lengths)):
        k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
        view = [1] * len(shape)
        view[axis] = n
        kappa2 = kappa2 + (k ** 2).reshape(view)
    s = matern_density(kappa2, smoothness, length_scale, len(shape))
    n_total = float(np.prod(shape))
    return s * n_total ** 2 / s.sum()


def sample_grf(count: int, shape: tuple[int, ...], lengths: tuple[float, ...],
               periodic: tuple[bool, ...], *, smoothness: float = 2.0, length_scale: float = 0.1,
               variance: float = 1.0, mean: float = 0.0, threshold: tuple[float, ...]
               | None = None, rng: np.random.Generator) -> np.ndarray:
    """``count`` samples on a grid of ``shape`` nodes, shape ``(count, *shape)``.

    Args:
        shape: nodes per axis (periodic axes: end point excluded; bounded: both ends).
        lengths: length of each axis.
        periodic: per axis.
        smoothness, length_scale, variance, mean: of the field (see module docstring).
        threshold: ``(at, low, high)`` or ``(at, low, high, width)``: ``high`` where the
            field exceeds ``at``, ``low`` elsewhere (a tanh step of that width if > 0).
        rng: numpy Generator (the only source of randomness).
    """
    if len(shape) != len(lengths) or len(shape) != len(periodic):
        raise ValueError("shape, lengths and periodic need one entry per axis")
    if smoothness <= 0 or length_scale <= 0 or variance < 0:
        raise ValueError("smoothness and length_scale must be positive, variance >= 0")
    box_shape, box_len = _box(shape, lengths, periodic)
    amp = np.sqrt(spectrum(box_shape, box_len, smoothness, length_scale))
    out = np.empty((count, *shape))
    crop = tuple(slice(0, n) for n in shape)
    for i in range(count):
        xi = rng.standard_normal(box_shape) + 1j * rng.standard_normal(box_shape)
        g = np.fft.ifftn(amp * xi).real
        out[i] = mean + np.sqrt(variance) * g[crop]
    if threshold is not None:
        at, low, high, *rest = threshold
        width = rest[0] if rest else 0.0
        if width > 0:
            out = low + (high - low) * 0.5 * (1 + np.tanh((out - at) / width))
        else:
            out = np.where(out > at, high, low)
    return out
