"""A registry entry of ``sampling.strategy``: the sampler class, its options and abilities.

Callers ask an entry what a strategy can do (``STRATEGIES[name].adaptive``) instead of
testing its name; the schema reads ``options`` to validate the YAML (spec/schema.py).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ..spec.schema import SamplingSettings
from ..geometry import RegionGeometry
from .uniform import RegionSampler


@dataclass(frozen=True)
class NoOptions:
    """A strategy without options of its own."""


@dataclass(frozen=True)
class Strategy:
    """One strategy.

    Attributes:
        sampler: the RegionSampler subclass; its keyword arguments beyond RegionSampler's
            are the fields of ``options``.
        options: frozen dataclass of the strategy's YAML options (with ``_rng`` ranges).
        adaptive: its points follow the residual (the loop passes a residual function).
        moves_every_step: it moves its points every step (r3), not every ``resample_every``.
        time_gate: it can gate the equation's residual in time (causal r3).
    """

    sampler: type[RegionSampler]
    options: type = NoOptions
    adaptive: bool = False
    moves_every_step: bool = False
    time_gate: bool = False

    def build(self, geometry: RegionGeometry, n: int, settings: SamplingSettings, *,
              resample_every: int, seed: int, dtype: torch.dtype,
              device: str | torch.device) -> RegionSampler:
        """The sampler of one region; its options are ``settings.options`` when they are
        this strategy's, else its defaults (a region that keeps uniform points under
        another strategy)."""
        opts = settings.options if type(settings.options) is self.options else self.options()
        return self.sampler(geometry, n, settings.method, resample_every, seed, dtype, device,
                            **{f.name: getattr(opts, f.name)
                               for f in dataclasses.fields(opts)})
