"""Solver settings as frozen dataclasses, and the validator that builds them from YAML.

Each section (model, derivatives, sampling, training, output) is a dataclass whose fields are
the YAML keys, with defaults so a minimal problem file runs. :func:`build` checks a raw
mapping against a dataclass: unknown keys, wrong types and out-of-range numbers are
:class:`SpecError` with the file and the dotted key. Choices (``Literal``) must match the
registries of the packages that implement them (a test checks this).
"""
from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import SpecError


def _rng(default, lo=None, hi=None, **extra):
    return field(default=default, metadata={"min": lo, "max": hi, **extra})


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


@dataclass(frozen=True)
class DerivativeSettings:
    """Where derivatives come from. ``engine`` ∈ ENGINES."""

    engine: Literal["autodiff", "taylor", "stde"] = "autodiff"
    directions: int = _rng(16, 1, 100000)
    sparse: bool = True
    distribution: Literal["rademacher", "gaussian"] = "rademacher"
    unbiased: bool = False


@dataclass(frozen=True)
class SamplingSettings:
    """Collocation points per region and how they are drawn and moved.

    ``method`` ∈ METHODS draws fresh points; ``strategy`` ∈ STRATEGIES decides where they go
    (uniform redraws, residual-based RAD/RAR, R3, projected-gradient or normalising-flow
    adversarial sampling).
    """

    interior: int = _rng(2000, 1, 10_000_000)
    boundary: int = _rng(200, 1, 10_000_000)
    initial: int = _rng(200, 1, 10_000_000)
    method: Literal["uniform", "sobol", "halton", "lhs"] = "uniform"
    strategy: Literal["uniform", "rad", "rar", "r3", "adversarial", "adversarial_flow"] = "uniform"
    # Redraw period in steps (uniform, rad, rar, adversarial, adversarial_flow); r3 moves
    # points every step.
    resample_every: int = _rng(100, 0, 10_000_000)
    candidates: int = _rng(50_000, 1, 100_000_000)    # rad/rar: dense candidates per redraw
    rad_k: float = _rng(1.0, 0.0, 10.0)               # rad/rar: p ∝ |r|^k / mean |r|^k + c
    rad_c: float = _rng(1.0, 0.0, 1e6)
    rar_add: int = _rng(0, 0, 10_000_000)             # rar: points added per redraw (0: n/10)
    rar_max: int = _rng(0, 0, 100_000_000)            # rar: population cap (0: 4 n)
    causal: bool = False                              # r3: causal time gate on loss and fitness
    causal_alpha: float = _rng(5.0, 0.0, 1e4)         # r3: gate steepness α
    causal_eta: float = _rng(1e-3, 0.0, 1.0)          # r3: front speed η_β
    causal_eps: float = _rng(20.0, 0.0, 1e8)          # r3: tolerance ε of exp(-ε · gated loss)
    causal_start: float = _rng(-0.5, -100.0, 100.0)   # r3: initial front β₀ (normalised time)
    uniform_fraction: float = _rng(0.2, 0.0, 1.0)     # adversarial*: share of fresh uniform points
    pgd_steps: int = _rng(20, 1, 10_000)              # adversarial: sign-gradient ascent steps
    pgd_radius: float = _rng(0.1, 0.0, 1.0)           # adversarial: L∞ radius, share of the box
    pgd_step: float = _rng(0.02, 0.0, 1.0)            # adversarial: step, share of the box
    flow_layers: int = _rng(6, 1, 64)                 # adversarial_flow: coupling layers
    flow_width: int = _rng(32, 1, 4096)               # adversarial_flow: hidden width
    flow_steps: int = _rng(50, 1, 100_000)            # adversarial_flow: flow updates per refresh
    flow_lr: float = _rng(1e-3, 0.0, 1.0)             # adversarial_flow: Adam step of the flow
    flow_penalty: float = _rng(1e-2, 0.0, 1e6)        # adversarial_flow: weight β of ∫|∇p|²


@dataclass(frozen=True)
class Phase:
    """One optimizer phase. ``optimizer`` ∈ OPTIMIZERS."""

    optimizer: Literal["adam", "adamw", "multiadam", "lbfgs", "bfgs", "ssbfgs", "ssbroyden",
                       "gauss_newton"] = "adam"
    steps: int = _rng(1000, 0, 100_000_000)
    lr: float | None = _rng(None, 0.0, 1e3)
    schedule: Literal["constant", "exponential", "cosine", "linear"] = "constant"
    decay: float = _rng(0.9, 0.0, 1.0)
    decay_steps: int = _rng(1000, 1, 100_000_000)
    history: int = _rng(50, 1, 1000)
    # L-BFGS only: redraw the collocation points every k iterations (adaptive samplers
    # follow the residual) and restart the curvature history; 0 keeps the points fixed.
    resample_every: int = _rng(0, 0, 100_000_000)
    # Adam family (adam, adamw, multiadam): moment decay rates, ε, decoupled weight decay (adamw).
    beta1: float = _rng(0.9, 0.0, 1.0)
    beta2: float = _rng(0.999, 0.0, 1.0)
    eps: float = _rng(1e-8, 0.0, 1.0)
    weight_decay: float = _rng(0.0, 0.0, 1e3)
    # gauss_newton: initial Levenberg-Marquardt damping λ and CG iterations per step
    # (0: dense normal equations when the Jacobian fits, else 50 CG iterations).
    damping: float = _rng(1e-3, 0.0, 1e12)
    cg_iters: int = _rng(0, 0, 100_000)
    # Wall-clock limit of the phase in seconds (0: none); for equal-time comparisons.
    seconds: float = _rng(0.0, 0.0, 1e9)
    # Time marching: the equation counts only for t up to this share of the time interval;
    # chain phases with growing horizons (0.25, 0.5, 1) to march through time.
    horizon: float = _rng(1.0, 1e-6, 1.0)


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
    """How the loss terms are balanced. ``scheme`` ∈ SCHEMES (training/weights.py); the
    fixed ``training.weights`` are the starting weights of every scheme."""

    scheme: Literal["fixed", "lra", "grad_norm", "ntk", "sa", "relobralo"] = "fixed"
    every: int = _rng(100, 1, 100_000_000)            # lra/grad_norm/ntk: update period
    alpha: float = _rng(0.1, 0.0, 1.0)                # lra/grad_norm/ntk: moving-average step
    ntk_points: int = _rng(64, 1, 100_000)            # ntk: points per term for the trace
    sa_lr: float = _rng(5e-3, 0.0, 1e3)               # sa: ascent step of the point weights
    temperature: float = _rng(0.1, 1e-6, 1e6)         # relobralo: softmax temperature
    rho: float = _rng(0.999, 0.0, 1.0)                # relobralo: expected look-back
    relobralo_alpha: float = _rng(0.999, 0.0, 1.0)    # relobralo: history weight α


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
    threads: int | Literal["auto"] = _rng(0, 0, 1024)     # auto: training/threads.py
    max_retries: int = _rng(5, 0, 100)
    compile: bool = False                                   # torch.compile the loss (taylor/stde)
    matmul_precision: Literal["highest", "high"] = "highest"  # high: TF32 on CUDA
    autocast: Literal["none", "bf16"] = "none"              # bf16 autocast on CUDA
    stages: tuple[Stage, ...] = ()                          # multi-stage refinement after phases


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


def build(cls: type, data: Any, loc: Loc):
    """Validate ``data`` against dataclass ``cls`` and return an instance.

    Raises:
        SpecError: naming ``loc.file`` and the dotted key of the first problem found.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise loc.error(f"expected a mapping of settings, got {_describe(data)}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            raise loc.child(str(key)).error(
                f"unknown key; expected one of: {', '.join(names)}")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _convert(data[f.name], hints[f.name], loc.child(f.name), f.metadata)
    return cls(**values)


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


def _number(value: Any, tp: type, loc: Loc, meta: typing.Mapping):
    if isinstance(value, str):
        try:
            value = float(value) if tp is float else int(value)
        except (ValueError, OverflowError):
            raise loc.error(f"expected a {'number' if tp is float else 'whole number'}, "
                            f"got {_describe(value)}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise loc.error(f"expected a {'number' if tp is float else 'whole number'}, "
                        f"got {_describe(value)}")
    if tp is int:
        if isinstance(value, float):
            if not value.is_integer():
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
    """The allowed words of a ``Literal`` setting (used by the registry test)."""
    tp = typing.get_type_hints(cls)[name]
    if typing.get_origin(tp) is tuple:
        tp = typing.get_args(tp)[0]
    return typing.get_args(tp)
