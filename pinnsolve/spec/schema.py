"""Solver settings as frozen dataclasses, and the validator that builds them from YAML.

Each section (model, derivatives, sampling, training, output) is a dataclass whose fields are
the YAML keys, with defaults so a minimal problem file runs. :func:`build` checks a raw
mapping against a dataclass: unknown keys, wrong types and out-of-range numbers are
:class:`SpecError` with the file and the dotted key. Fixed word lists are ``Literal``s.

Choices with options (derivative engine, sampling strategy, optimizer, weighting scheme) are
read from the registry of the package that implements them: each entry carries its own
options dataclass (fields = YAML keys = the constructor's keywords). The chosen word's options
are written under it or beside it, and only they are accepted::

    sampling: {interior: 2000, strategy: {adversarial: {steps: 20, radius: 0.1}}}
    sampling: {interior: 2000, strategy: adversarial, steps: 20}      # the same
    derivatives: {engine: stde, directions: 16}

The registries live in packages that use torch, which spec never loads, so a choice field
names its registry as
text (``"pinnsolve.sampling:STRATEGIES"``) and the validator looks it up when it runs; an
entry registered at run time is validated like the bundled ones.
"""
from __future__ import annotations

import dataclasses
import importlib
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import SpecError


def _rng(default, lo=None, hi=None, **extra):
    return field(default=default, metadata={"min": lo, "max": hi, **extra})


def _choice(default: str, registry: str):
    """A word chosen from ``registry`` ("module:NAME"), whose entry's options dataclass the
    section's ``options`` field holds."""
    return field(default=default, metadata={"registry": registry})


def registry(cls: type) -> dict:
    """The registry behind the choice field of settings class ``cls``."""
    module, _, name = _choice_field(cls).metadata["registry"].partition(":")
    return getattr(importlib.import_module(module), name)


def _choice_field(cls: type):
    return next(f for f in dataclasses.fields(cls) if "registry" in f.metadata)


def _fill_options(obj) -> None:
    """Default options of the chosen word when a settings object is made in Python without
    them (``Phase("adam", 100)``); wrong-kind options are a programming error."""
    word = getattr(obj, _choice_field(type(obj)).name)
    entry = registry(type(obj)).get(word)
    if entry is None:
        raise ValueError(f"unknown {_choice_field(type(obj)).name} {word!r}")
    if obj.options is None:
        object.__setattr__(obj, "options", entry.options())
    elif type(obj.options) is not entry.options:
        raise TypeError(f"{word} takes {entry.options.__name__}, got "
                        f"{type(obj.options).__name__}")


@dataclass(frozen=True)
class ModelSettings:
    """Network for the fields. ``kind`` ∈ MODELS (mlp, modified_mlp)."""

    kind: Literal["mlp", "modified_mlp"] = "mlp"
    width: int = _rng(64, 1, 4096)
    depth: int = _rng(4, 1, 64)
    activation: Literal["tanh", "sin", "gelu", "silu", "softplus"] = "tanh"
    fourier_features: int = _rng(0, 0, 4096)
    fourier_scale: float = _rng(1.0, 0.0, 1e4)
    periodic_modes: int = _rng(1, 1, 64)
    hard_constraints: bool = True
    output_scale: float = _rng(1.0, 1e-12, 1e12)
    time_modes: int = _rng(0, 0, 256)     # harmonics cos/sin(πk t̂) of time, k ≤ time_modes
    # width of a fast initial layer, in time's units (spec/initial_layer.py; 0: none, and
    # no planned log radius either)
    initial_layer: float = field(default=0.0, compare=False, metadata={"min": 0.0, "max": 1e300})
    # r^(kα) cos/sin(kαθ), k = 1/2, 1, ... corner_modes, added to the output about each
    # re-entrant corner of a 2-D shape (spec/corners.py; 0: none); out of the comparison like
    # initial_layer
    corner_modes: int = field(default=0, compare=False, metadata={"min": 0, "max": 8})
    # log(r/a) an input about each round hole of a shape (spec/holes.py): unset, planned;
    # false: none; true: about every round hole; out of the comparison like initial_layer
    hole_logs: bool | None = field(default=None, compare=False)
    # kinks and tangential jumps across a surface where a coefficient jumps
    # (spec/interfaces.py): unset, planned; false: none; true: wherever it applies
    interfaces: bool | None = field(default=None, compare=False)
    # a defined stress or flux the equations differentiate learnt as a field (spec/mixed.py):
    # unset, planned; false: inlined; true: wherever it applies. The problem's fields show it
    mixed_form: bool | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DerivativeSettings:
    """Where derivatives come from. ``engine`` ∈ ENGINES; ``options`` are its own
    (derivatives/__init__.py: stde takes directions, sparse, distribution, unbiased)."""

    engine: str = _choice("autodiff", "pinnsolve.derivatives:ENGINES")
    options: Any = None

    def __post_init__(self):
        _fill_options(self)


@dataclass(frozen=True)
class SamplingSettings:
    """Collocation points per region and how they are drawn and moved.

    ``method`` ∈ METHODS draws fresh points; ``strategy`` ∈ STRATEGIES decides where they go
    (uniform redraws, residual-based RAD/RAR, R3, projected-gradient or normalising-flow
    adversarial sampling); ``options`` are the strategy's own (sampling/<strategy>.py).
    """

    interior: int = _rng(2000, 1, 10_000_000)
    boundary: int = _rng(200, 1, 10_000_000)
    initial: int = _rng(200, 1, 10_000_000)
    method: Literal["uniform", "sobol", "halton", "lhs"] = "uniform"
    strategy: str = _choice("uniform", "pinnsolve.sampling:STRATEGIES")
    # Redraw period in steps (uniform, rad, rar, adversarial, adversarial_flow); r3 moves
    # points every step.
    resample_every: int = _rng(100, 0, 10_000_000)
    options: Any = None

    def __post_init__(self):
        _fill_options(self)


@dataclass(frozen=True)
class Phase:
    """One optimizer phase. ``optimizer`` ∈ OPTIMIZERS; its own options (training/phases.py:
    adam's betas, lbfgs's history, gauss_newton's damping…) are written flat beside it and
    held in ``options``."""

    optimizer: str = _choice("adam", "pinnsolve.training.phases:OPTIMIZERS")
    steps: int = _rng(1000, 0, 100_000_000)
    lr: float | None = _rng(None, 0.0, 1e3)
    schedule: Literal["constant", "exponential", "cosine", "linear"] = "constant"
    decay: float = _rng(0.9, 0.0, 1.0)
    decay_steps: int = _rng(1000, 1, 100_000_000)
    # Closure-driven phases: redraw the collocation points every k iterations (adaptive
    # samplers follow the residual) and restart the curvature history; 0 keeps them fixed.
    resample_every: int = _rng(0, 0, 100_000_000)
    # Wall-clock limit of the phase in seconds (0: none); for equal-time comparisons.
    seconds: float = _rng(0.0, 0.0, 1e9)
    # Time marching: the equation counts only for t up to this share of the time interval;
    # chain phases with growing horizons (0.25, 0.5, 1) to march through time.
    horizon: float = _rng(1.0, 1e-6, 1.0)
    # End the phase on a plateau: when the best loss of the last ``patience`` steps is not
    # 1 % below the best loss before them (checked at log steps; 0: never).
    patience: int = _rng(0, 0, 100_000_000)
    # With training.budget: the phase ends once training has spent this share of the budget
    # (cumulative over the phases; 1: the whole budget).
    budget_share: float = _rng(1.0, 0.0, 1.0)
    options: Any = None

    def __post_init__(self):
        _fill_options(self)


def _default_phases() -> tuple[Phase, ...]:
    return (Phase("adam", 3000, 1e-3, "exponential", 0.9, 1000), Phase("lbfgs", 1000, 1.0))


def _default_stage_phases() -> tuple[Phase, ...]:
    return (Phase("adam", 1000, 1e-3), Phase("ssbfgs", 1000))


@dataclass(frozen=True)
class Stage:
    """One multi-stage refinement stage after the first solve (training/stages.py, after
    Wang & Lai 2024): a new network fits what the frozen composite still misses,
    u ← u + ε_k u_k. ``scale`` (ε_k) and ``frequency`` (f_d) are estimated from the
    composite's residual when 0; ``order`` 0 divides ε_r by the operator's measured gain
    on the new network, n ≥ 1 by (2π f_d)^n (training/stages.py); ``first_layer: sin``
    multiplies the first layer's weights by κ = 2π f_d; ``start: exact`` zeroes the new
    output layer so that the stage starts at the previous composite."""

    width: int = _rng(20, 1, 4096)
    depth: int = _rng(3, 1, 64)
    activation: Literal["tanh", "sin", "gelu", "silu", "softplus"] = "tanh"
    first_layer: Literal["sin", "plain"] = "sin"
    order: int = _rng(0, 0, 8)
    scale: float = _rng(0.0, 0.0, 1e12)
    frequency: float = _rng(0.0, 0.0, 1e9)
    grid: int = _rng(4096, 16, 10_000_000)
    start: Literal["exact", "random"] = "exact"       # exact: output layer 0 at the start
    interior: int = _rng(0, 0, 10_000_000)            # interior points; 0: as sampling
    phases: tuple[Phase, ...] = field(default_factory=_default_stage_phases)


@dataclass(frozen=True)
class WeightingSettings:
    """How the loss terms are balanced. ``scheme`` ∈ SCHEMES (training/weights.py), with its
    own ``options``; the fixed ``training.weights`` are the starting weights of every
    scheme, and periodic schemes update every ``every`` steps."""

    scheme: str = _choice("fixed", "pinnsolve.training.weights:SCHEMES")
    every: int = _rng(100, 1, 100_000_000)
    options: Any = None

    def __post_init__(self):
        _fill_options(self)


@dataclass(frozen=True)
class CausalSettings:
    """Causal weighting of time-dependent residuals (Wang, Sankaran & Perdikaris 2024):
    ``chunks`` time slices, slice i weighted exp(-eps Σ_{k<i} L_k); 0 chunks is off."""

    chunks: int = _rng(0, 0, 10_000)
    eps: float = _rng(1.0, 0.0, 1e8)


@dataclass(frozen=True)
class TrainingSettings:
    """Training loop settings. Weights are keyed by term name."""

    seed: int = _rng(0, 0, 2**63 - 1)
    dtype: Literal["float32", "float64"] = "float32"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    phases: tuple[Phase, ...] = field(default_factory=_default_phases)
    weights: dict[str, float] = field(default_factory=dict)
    weighting: WeightingSettings = field(default_factory=WeightingSettings)
    causal: CausalSettings = field(default_factory=CausalSettings)
    checkpoint_every: int = _rng(500, 1, 100_000_000)
    log_every: int = _rng(100, 1, 100_000_000)
    eval_every: int = _rng(500, 1, 100_000_000)
    # auto: measured (training/threads.py); 0: torch's own count; n: exactly n
    threads: int | Literal["auto"] = _rng("auto", 0, 1024)
    max_retries: int = _rng(5, 0, 100)
    compile: bool = False                                   # torch.compile the loss (taylor/stde)
    matmul_precision: Literal["highest", "high"] = "highest"  # high: TF32 on CUDA
    autocast: Literal["none", "bf16"] = "none"              # bf16 autocast on CUDA
    stages: tuple[Stage, ...] = ()                          # multi-stage refinement after phases
    # Wall-clock seconds for all phases together ("300", "300s", "5m", "1.5h"); 0: no limit.
    # Training stops when it is spent (a resume with a larger budget continues).
    budget: float = _rng(0.0, 0.0, 1e9, duration=True)
    # Stop when the weighted training loss falls below this (checked at log steps; 0: never).
    tolerance: float = _rng(0.0, 0.0, 1e30)
    # With a budget: when the loss stalls high (after 40 % of the budget, not 3× lower over
    # the phase's last 10 %, still above 1e-2 of its start, a quarter of the budget left),
    # train the next configuration of a short portfolio in the time left and keep the model
    # with the lowest residual (training/fallback.py). The default plan turns it on.
    fallback: bool = False
    # Fields solved by their own equations and conditions (one-way coupling) are taken as
    # given in the other equations during first-order phases (compiler/residual.py:
    # upstream_fields). The default plan turns it on.
    one_way: bool = False
    # Keys the default plan filled in (spec/plan.py); set by pinnsolve, shown by check.
    planned: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputSettings:
    """What is written after training: grid sizes per coordinate and file formats."""

    grid: dict[str, int] = field(default_factory=dict)
    formats: tuple[Literal["vtu", "xdmf", "npz", "png"], ...] = ("vtu", "xdmf", "npz", "png")
    mesh: str | None = None


@dataclass(frozen=True)
class LimitSettings:
    """Caps checked before a run starts (training/limits.py); raise them to go bigger."""

    max_points: int = _rng(20_000_000, 1, 10**15)       # collocation points, all regions
    max_grid_points: int = _rng(20_000_000, 1, 10**15)  # output grid points
    max_memory_gb: float = _rng(0.0, 0.0, 1e9)          # one step's estimate; 0: 80 % of free
    max_parameters: int = _rng(100_000_000, 1, 10**15)  # the network's parameters


@dataclass(frozen=True)
class Settings:
    model: ModelSettings = field(default_factory=ModelSettings)
    derivatives: DerivativeSettings = field(default_factory=DerivativeSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)


# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loc:
    """A position in the problem file: file name and dotted key."""

    file: str
    key: str = ""

    def child(self, part: str | int) -> "Loc":
        return Loc(self.file, f"{self.key}.{part}" if self.key else str(part))

    def error(self, message: str) -> SpecError:
        return SpecError(message, file=self.file, key=self.key or None)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Keys of the flat spelling before options moved under their word: (section, old key) →
# (word, new key). They are refused with the new spelling rather than translated, so that a
# file has one meaning and the docs one spelling.
RENAMED = {
    **{("sampling", f"pgd_{k}"): ("adversarial", k) for k in ("steps", "radius", "step")},
    **{("sampling", f"flow_{k}"): ("adversarial_flow", k)
       for k in ("layers", "width", "steps", "lr", "penalty")},
    **{("sampling", f"causal_{k}"): ("r3", new) for k, new in
       (("alpha", "alpha"), ("eta", "eta"), ("eps", "eps"), ("start", "start"))},
    ("sampling", "rad_k"): ("rad", "k"), ("sampling", "rad_c"): ("rad", "c"),
    ("sampling", "rar_add"): ("rar", "add"), ("sampling", "rar_max"): ("rar", "max_added"),
    ("training.weighting", "ntk_points"): ("ntk", "points"),
    ("training.weighting", "sa_lr"): ("sa", "lr"),
    ("training.weighting", "relobralo_alpha"): ("relobralo", "alpha"),
}


def build(cls: type, data: Any, loc: Loc):
    """Validate ``data`` against dataclass ``cls`` and return an instance.

    Raises:
        SpecError: naming ``loc.file`` and the dotted key of the first problem found.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise loc.error(f"expected a mapping of settings, got {_describe(data)}")
    if any("registry" in f.metadata for f in dataclasses.fields(cls)):
        return _build_choice(cls, data, loc)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            raise loc.child(str(key)).error(
                f"unknown key; expected one of: {', '.join(names)}")
    return cls(**_values(cls, data, loc.child))


def _values(cls: type, data: dict, where) -> dict:
    """The converted values of ``data``'s keys (all fields of ``cls``); ``where(key)`` is
    the Loc of a key."""
    hints = typing.get_type_hints(cls)
    return {f.name: _convert(data[f.name], hints[f.name], where(f.name), f.metadata)
            for f in dataclasses.fields(cls) if f.name in data}


def _build_choice(cls: type, data: dict, loc: Loc):
    """A section with a registry choice: ``word`` or ``{word: {options}}`` plus shared keys;
    the chosen entry's options may also stand flat beside the word."""
    choice = _choice_field(cls)
    reg = registry(cls)
    shared = [f.name for f in dataclasses.fields(cls) if f.name != "options"]
    raw = data.get(choice.name, choice.default)
    wloc = loc.child(choice.name)
    nested: Any = {}
    if isinstance(raw, dict) and len(raw) == 1:
        (word, nested), = raw.items()
    elif isinstance(raw, str):
        word = raw
    else:
        raise wloc.error(f"expected a word ({', '.join(reg)}) or a mapping of one word to its "
                         f"options, got {_describe(raw)}")
    if word not in reg:
        raise wloc.error(f"expected one of {', '.join(reg)}; got {_describe(word)}")
    opts = reg[word].options
    onames = [f.name for f in dataclasses.fields(opts)]
    nloc = wloc.child(word)
    if nested is None:
        nested = {}
    if not isinstance(nested, dict):
        raise nloc.error(f"expected a mapping of {word}'s options, got {_describe(nested)}")
    flat = {k: v for k, v in data.items() if k not in shared}
    for key in list(nested) + list(flat):
        if key in onames:
            if key in nested and key in flat:
                raise loc.child(str(key)).error(f"given twice: here and under {nloc.key}")
            continue
        here = nloc.child(str(key)) if key in nested else loc.child(str(key))
        raise here.error(_misplaced(key, word, onames, reg, shared, loc.key, choice.name,
                                    key in flat))
    values = _values(opts, nested, nloc.child)
    values.update(_values(opts, flat, loc.child))
    return cls(**_values(cls, {k: v for k, v in data.items() if k in shared and k != choice.name},
                         loc.child), **{choice.name: word, "options": opts(**values)})


def _misplaced(key, word: str, onames, reg, shared, section: str, name: str, flat: bool) -> str:
    """Why ``key`` is refused beside or under ``word``, and what to write instead."""
    takes = f"{word} takes: {', '.join(onames) or 'no options'}"
    if (section, key) in RENAMED:
        new_word, new_key = RENAMED[(section, key)]
        return (f"{key} was renamed; write {section.rsplit('.', 1)[-1]}: "
                f"{{{name}: {{{new_word}: {{{new_key}: ...}}}}}} ({takes})")
    owners = [w for w, e in reg.items() if key in {f.name for f in dataclasses.fields(e.options)}]
    if owners:
        return f"{key} is an option of {', '.join(owners)}; {takes}"
    expected = ([s for s in shared if s != "options"] if flat else []) + list(onames)
    return f"unknown key; expected one of: {', '.join(expected)}"


def _digits(text: str) -> bool:
    """ASCII digits only: '²' counts as a digit to str.isdigit, and int() refuses it."""
    return text.isascii() and text.isdigit()


def _convert(value: Any, tp: Any, loc: Loc, meta: typing.Mapping = types.MappingProxyType({})):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        for alt in inner[1:]:   # a word alternative to a number (threads: auto)
            if typing.get_origin(alt) is Literal and value in typing.get_args(alt):
                return value
        return _convert(value, inner[0], loc, meta)
    if origin is Literal:
        if value not in args or isinstance(value, bool):
            raise loc.error(f"expected one of {', '.join(map(str, args))}; got {_describe(value)}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            value = [value]
        if len(value) > 10_000:
            raise loc.error("list is too long (more than 10000 items)")
        return tuple(_convert(v, args[0], loc.child(i)) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise loc.error(f"expected a mapping, got {_describe(value)}")
        return {_convert(k, args[0], loc): _convert(v, args[1], loc.child(str(k)))
                for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return build(tp, value, loc)
    if tp is bool:
        if not isinstance(value, bool):
            raise loc.error(f"expected true or false, got {_describe(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise loc.error(f"expected text, got {_describe(value)}")
        return value
    if tp in (int, float):
        return _number(value, tp, loc, meta)
    raise loc.error(f"unsupported setting type {tp}")  # pragma: no cover - schema bug


DURATION_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _duration(value: Any, loc: Loc):
    """Seconds from ``300``, ``"300s"``, ``"5m"``, ``"1.5h"`` (other values unchanged)."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    for unit in sorted(DURATION_UNITS, key=len, reverse=True):
        if text.endswith(unit):
            try:
                return float(text[:-len(unit)]) * DURATION_UNITS[unit]
            except ValueError:
                break
    try:
        return float(text)
    except ValueError:
        raise loc.error(f"expected a duration such as 300, 300s, 5m or 1.5h, got "
                        f"{_describe(value)}") from None


def _number(value: Any, tp: type, loc: Loc, meta: typing.Mapping):
    if meta.get("duration"):
        value = _duration(value, loc)
    if isinstance(value, str):
        # YAML 1.1 reads 1e3 (no dot) as text: accept it as a number, for whole-number keys
        # too (steps: 1e3) when it is integral; the checks below reject 1.5e0 and inf.
        try:
            value = int(value) if tp is int and _digits(value.strip().lstrip("+-")) \
                else float(value)
        except (ValueError, OverflowError):
            raise loc.error(f"expected a {'number' if tp is float else 'whole number'}, "
                            f"got {_describe(value)}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise loc.error(f"expected a {'number' if tp is float else 'whole number'}, "
                        f"got {_describe(value)}")
    if tp is int:
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                raise loc.error(f"expected a whole number, got {value}")
            value = int(value)
    else:
        try:
            value = float(value)
        except OverflowError:
            hi = meta.get("max")
            raise loc.error("number too large" + (f"; must be at most {hi}" if hi is not None
                                                  else "")) from None
        if not math.isfinite(value):
            raise loc.error(f"expected a finite number, got {value}")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and value < lo:
        raise loc.error(f"must be at least {lo}, got {value}")
    if hi is not None and value > hi:
        raise loc.error(f"must be at most {hi}, got {value}")
    return value


def choices(cls: type, name: str) -> tuple[str, ...]:
    """The allowed words of a ``Literal`` or registry setting (used by the registry test)."""
    f = {f.name: f for f in dataclasses.fields(cls)}[name]
    if "registry" in f.metadata:
        return tuple(registry(cls))
    tp = typing.get_type_hints(cls)[name]
    if typing.get_origin(tp) is tuple:
        tp = typing.get_args(tp)[0]
    return typing.get_args(tp)
