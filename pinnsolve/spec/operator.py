"""The ``operator:`` section: learn the map from an input function to the solution (PINO).

Example (Burgers, a random initial condition ``a(x)``)::

    operator:
      input: {name: a, over: [x]}          # a(x) appears in the equations and conditions
      distribution: {grf: {smoothness: 2, length_scale: 0.1, variance: 0.1}}
      train: 64                            # instances for training, and held out for testing
      test: 16
      grid: {x: 64, t: 33}                 # the training grid
      reference: burgers_spectral          # the project's solver for data and errors
      loss: hybrid                         # physics, data or hybrid
      model: {width: 32, modes: {x: 16, t: 12}, layers: 4}

The input is a function of some of the spatial coordinates; it varies between instances
and is known for each; ``equations`` and ``conditions`` use it by name like a field. Plain
data, no torch: validated here with the file and dotted key in every error.
"""
from __future__ import annotations

import unicodedata

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from .schema import Loc, _rng, build

OPERATOR_REFERENCES = ("burgers_spectral", "darcy_fd")


@dataclass(frozen=True)
class InputSettings:
    """The input function: its name and the spatial coordinates it depends on."""

    name: str = "a"
    over: tuple[str, ...] = ()


@dataclass(frozen=True)
class GRFSettings:
    """Matérn-like Gaussian random field: S(κ) ∝ (1/ℓ² + |κ|²)^-(ν + d/2)."""

    smoothness: float = _rng(2.0, 1e-3, 100.0)
    length_scale: float = _rng(0.1, 1e-6, 1e6)
    variance: float = _rng(1.0, 0.0, 1e12)
    mean: float = _rng(0.0, -1e12, 1e12)


@dataclass(frozen=True)
class ThresholdSettings:
    """Piecewise-constant field: ``high`` where the GRF exceeds ``at``, ``low`` elsewhere."""

    at: float = _rng(0.0, -1e12, 1e12)
    low: float = _rng(3.0, -1e12, 1e12)
    high: float = _rng(12.0, -1e12, 1e12)
    width: float = _rng(0.0, 0.0, 1e12)    # 0: a sharp step; > 0: tanh step of this width


@dataclass(frozen=True)
class DistributionSettings:
    grf: GRFSettings = field(default_factory=GRFSettings)
    threshold: ThresholdSettings | None = None


@dataclass(frozen=True)
class FNOSettings:
    """Fourier neural operator (models/fno.py). ``modes`` per grid coordinate (default 12)."""

    width: int = _rng(32, 1, 1024)
    modes: dict[str, int] = field(default_factory=dict)
    layers: int = _rng(4, 1, 32)
    projection: int = _rng(128, 1, 4096)
    padding: float = _rng(0.25, 0.0, 4.0)
    activation: Literal["gelu", "tanh", "silu"] = "gelu"
    output_scale: float = _rng(1.0, 1e-12, 1e12)   # the network's output is multiplied by it


@dataclass(frozen=True)
class OperatorSettings:
    """What varies, how it is drawn, how many instances, on which grid, how to train."""

    input: InputSettings = field(default_factory=InputSettings)
    distribution: DistributionSettings = field(default_factory=DistributionSettings)
    train: int = _rng(64, 1, 1_000_000)
    test: int = _rng(16, 1, 1_000_000)
    grid: dict[str, int] = field(default_factory=dict)
    reference: Literal["burgers_spectral", "darcy_fd"] | None = None
    # Reference solves run on a grid this many times finer in space (then subsampled).
    refine: int = _rng(4, 1, 64)
    loss: Literal["physics", "data", "hybrid"] = "physics"
    data_weight: float = _rng(1.0, 0.0, 1e12)
    # Equation residual as a mean square, or relative L2 ‖r(u)‖/‖r(0)‖ per instance (PINO's
    # Darcy loss: r(0) is the forcing).
    residual: Literal["mse", "relative"] = "mse"
    batch: int = _rng(8, 1, 100_000)
    fd_order: int = _rng(4, 2, 8)
    # div(c*grad(u)) differenced in conservative flux form on the grid (harmonic face means;
    # derivatives/grid.py); false: by the product rule like every other derivative.
    flux_form: bool = True
    seed: int = _rng(0, 0, 2**31 - 1)
    write: int = _rng(4, 0, 10_000)      # test instances written as field files
    model: FNOSettings = field(default_factory=FNOSettings)


def operator_settings(raw, loc: Loc, domain, periodic: list[str], names: list[str]
                      ) -> OperatorSettings:
    """Validate the ``operator`` mapping against the problem's domain.

    Args:
        raw: the YAML mapping.
        loc: location of the section (file, key ``operator``).
        domain: the problem's Domain.
        periodic: periodic coordinates.
        names: coordinate, field and parameter names the input must not reuse.
    Raises:
        SpecError: naming the file and dotted key.
    """
    op = build(OperatorSettings, raw, loc)
    space = [c.name for c in domain.space]
    if domain.vector is not None:
        raise loc.error("operator problems need scalar coordinates (no vector coordinate)")
    name = op.input.name
    if not name.isidentifier() or name.startswith("_") or \
            unicodedata.normalize("NFKC", name) != name:
        raise loc.child("input").child("name").error(
            f"expected a plain name (in Unicode NFKC form, as expressions read it), got {name!r}")
    if name in names:
        raise loc.child("input").child("name").error(
            f"'{name}' is already a coordinate, field or parameter name")
    over = op.input.over or tuple(space)
    for c in over:
        if c not in space:
            raise loc.child("input").child("over").error(
                f"'{c}' is not a spatial coordinate; expected some of {', '.join(space)}")
    coords = space + ([domain.time.name] if domain.time else [])
    if not 1 <= len(coords) <= 3:
        raise loc.error(f"the FNO works on 1 to 3 grid axes; this domain has {len(coords)}")
    for key, n in list(op.grid.items()) + list(op.model.modes.items()):
        if key not in coords:
            raise loc.child("grid" if key in op.grid else "model").error(
                f"'{key}' is not a coordinate; expected one of {', '.join(coords)}")
    for key, n in op.grid.items():
        if n < 4:
            raise loc.child("grid").child(key).error(f"needs at least 4 nodes, got {n}")
        if key in periodic and n % 2:
            raise loc.child("grid").child(key).error(
                f"a periodic axis needs an even number of nodes, got {n}")
    for key, m in op.model.modes.items():
        if m < 1:
            raise loc.child("model").child("modes").child(key).error("must be at least 1")
    if op.loss != "physics" and op.reference is None:
        raise loc.child("loss").error(f"loss '{op.loss}' needs data: set operator.reference "
                                      f"to one of {', '.join(OPERATOR_REFERENCES)}")
    return dataclasses.replace(op, input=InputSettings(name, tuple(over)))


def with_input_field(problem):
    """``problem`` with the operator's input function appended to its fields, so the
    compiler maps it to a column of the derivative mapping like any field."""
    if problem.operator is None:
        return problem
    return dataclasses.replace(problem, fields=problem.fields + (problem.operator.input.name,))
