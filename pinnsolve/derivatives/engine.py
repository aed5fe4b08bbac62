"""A registry entry of ``derivatives.engine``: the factory, its options and abilities.

Callers ask an entry what an engine can do (``ENGINES[name].compilable``) instead of testing
its name; the schema reads ``options`` to validate the YAML (spec/schema.py).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Literal


def _rng(default, lo, hi):
    # The schema's range metadata (spec/schema.py:_rng), which derivatives may not import.
    return field(default=default, metadata={"min": lo, "max": hi})


@dataclass(frozen=True)
class NoOptions:
    """An engine without options of its own."""


@dataclass(frozen=True)
class StdeOptions:
    """``engine: {stde: {...}}``: random directions per step, coordinate (sparse) or dense
    tangents, their distribution, and whether the loss uses two independent estimates so
    that its expectation is the exact loss (``unbiased``)."""

    directions: int = _rng(16, 1, 100000)
    sparse: bool = True
    distribution: Literal["rademacher", "gaussian"] = "rademacher"
    unbiased: bool = False


@dataclass(frozen=True)
class Engine:
    """One derivative engine.

    Attributes:
        factory: ``factory(seed=..., **options) -> engine(model, x, requests, *,
            generator=None)``.
        options: frozen dataclass of the engine's YAML options.
        exact: derivatives are exact (not Monte-Carlo estimates).
        stochastic: it draws random directions (needs a generator, may be unbiased).
        compilable: its residuals need one backward, so torch.compile can take the loss
            (compiled graphs cannot be differentiated twice, which nested autodiff needs).
        jets: it propagates Taylor jets (memory grows with directions × order, not nesting).
    """

    factory: Callable
    options: type = NoOptions
    exact: bool = True
    stochastic: bool = False
    compilable: bool = False
    jets: bool = False

    def make(self, options=None, seed: int = 0):
        """The engine callable, configured by ``options`` (default: the defaults)."""
        opts = options if options is not None else self.options()
        return self.factory(seed=seed, **{f.name: getattr(opts, f.name)
                                          for f in dataclasses.fields(opts)})
