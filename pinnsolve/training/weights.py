"""Loss balancing: how the terms' mean squares L_i are weighted into the training loss
Σ_i λ_i L_i. A registry of schemes keyed by the YAML word (``training.weighting.scheme``).

* ``fixed``: λ_i from ``training.weights`` (default 1).
* ``lra``: learning-rate annealing (Wang, Teng & Perdikaris, SISC 2021, Alg. 1). Every
  ``every`` steps, for each term i that is not an equation,
  λ̂_i = max_θ |∇θ L_r| / mean_θ |∇θ L_i| (L_r: the equation terms), λ_i ← (1-α)λ_i + α λ̂_i.
* ``grad_norm``: gradient-norm balancing (Wang et al. 2023, "An expert's guide"):
  λ̂_i = Σ_j ‖∇θ L_j‖ / ‖∇θ L_i‖ for every term, same moving average.
* ``ntk``: NTK trace balancing (Wang, Yu & Perdikaris, JCP 2022): λ̂_i = Σ_j t_j / t_i with
  t_i = mean over (up to ``points``) points x of ‖∇θ r_i(x)‖², the mean diagonal of the
  term's neural tangent kernel; same moving average.
* ``sa``: self-adaptive per-point weights (McClenny & Braga-Neto, JCP 2023): the loss is
  Σ_i mean_x(λ_i(x)² r_i(x)²) and the λ are trained by gradient *ascent* (Adam, step
  ``lr``) while θ descends; they reset to 1 when a sampler moves its points.
* ``relobralo``: relative loss balancing with random look-back (Bischof & Kraus 2021):
  with m terms, bal_i(t, t') = m·softmax_i(L_i(t) / (T·L_i(t'))),
  λ_i ← α(ρ λ_i + (1-ρ) bal_i(t, 0)) + (1-α) bal_i(t, t-1), ρ ~ Bernoulli(E[ρ]).

Each scheme's own options sit under its word (``weighting: {scheme: {ntk: {points: 64}}}``);
``every`` is shared by the periodic ones.

Weights change only in first-order phases (quasi-Newton curvature needs a fixed loss). The
logged losses are always the unweighted L_i; the current λ_i are logged next to them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from ..spec.expressions import provably_zero
from ..spec.schema import WeightingSettings, _rng


# The most the plan's equation balance multiplies a term by. 1e6 until stop 38: systems in
# SI units sit further apart (a p-n junction's two equations 5.9e10, a thermoelastic plate's
# 4e15). At 2 minutes, side by side, 1e12 against 1e6: busbar_joule_heating_si V 3.1e-2,
# T 1.6e-2 → 1.5e-3, 1.8e-3; pn_junction_flux_si 7.6e-6 → 2.0e-8; catalyst_slab_byproduct_2d_si
# B 2.8e-5 → 8.0e-6; the thermoelastic rod and plate and the aquifer (1.1e6) unchanged within
# run-to-run noise; dielectric_two_layer_flux (1.1e6) not run. 7 of 222 files are above 1e6.
# 1e24 since stop 47: a neutron star in km and solar masses pulls 1e24 apart (its density
# 1e18 beside a mass of 1), and at 1e12 its mass equation was left at 30 %. At 2 minutes,
# side by side, 1e24 against 1e12: the star 0.14, 0.80 → 7.9e-3, 3.5e-2; the
# thermoelastic plate (4e15) ux, uy 2.6e-3, 1.1e-3 → 1.2e-3, 4.6e-4; the thermoelastic rod
# u 7.3e-5 → 2.6e-5 (docs/zoo.md). Below 1e12 nothing changes.
BALANCE_CAP = 1e24
DATA_GAP = 10.0     # observations further than this below the equations' pull are lifted to it
UNIT_GAP = 1e3      # a condition this far from the equations' gradient norm: balance by gradient norms
ZERO_GAP = 1e6      # ... or, asking for zero, this far below them


def equation_balance(norms: Mapping[str, float], kinds: Mapping[str, str],
                     stiff: bool = False) -> dict[str, float]:
    """The plan's weights for a system of equations, from each term's gradient norm at step 0:
    every equation term, and every condition at one point (kind ``"point"``: a pressure's
    level), is weighted up to the norm of the strongest one (at most BALANCE_CAP), and so
    are observations that pull more than DATA_GAP times less; other conditions, nearer
    observations and a lone equation are left alone. Returns only the weights that are
    not 1.

    Why: the equations of a system come in their own units. Stokes' momentum equations pull
    on the network 1.8e4 times harder than its continuity equation at step 0, and the
    pressure, which only the balance of the two determines, was left at 0.40 (L2RE) after
    2 minutes; with the continuity weighted up, 3.8e-2 (docs/zoo.md). A pin p(x0) = 0 fixes
    the level the equations leave free, so it never pulls against them, but at weight 1 it
    pulled 4e5 times less than water's momentum equations (ρ = 1000): the pressure of
    stokes_layer_water drifted by its own size's 3 % (3.3e-2); balanced like an equation,
    4.1e-4 (docs/zoo.md, stop 34).

    With ``stiff`` (a fast initial layer, spec/initial_layer.py) the equations keep weight 1:
    their pulls at step 0 differ by the square of their rates' ratio, a stiffness and not
    units. Kinetics A ⇌ B → C at 1e3, 1 and 1e-2 per s: C's equation pulled 4.7e10 times
    less than A's with every field at its true scale; lifted, B and C stayed at zero (L2RE
    1.0), at weight 1 they are solved (stop 40, docs/zoo.md)."""
    usable = {k: g for k, g in norms.items() if math.isfinite(g) and g > 0}
    eq = [g for k, g in usable.items() if kinds.get(k) in ("equation", "point")]
    if not eq:
        return {}
    top = max(eq)
    # Observations pulling more than DATA_GAP times less than the equations: weighted up
    # to the strongest equation's pull (never down, and the equations are never weighted
    # to the data). An inverse problem's data are what fix its unknowns; a string's 2 mm
    # pickups in metres pulled 1e7 times less than its wave equation, and the tension went
    # to the value that makes the equation trivial (1.46 N for 73.5; stop 35). Lifted to
    # 10x below the equations (stops 35-39) the string failed again once its tension was
    # trained in units of its guess (Adam carried it from 40 to 2.3 N: u 1.28, 1.30 in two
    # runs at 2 minutes); lifted to them, 7.1e-5 and 7.4e-5 (T = 73.4996, 73.5014; stop 39,
    # docs/zoo.md). Data within DATA_GAP of the equations stay at weight 1: lifted by 4.2,
    # the pipe viscometer's readings gave 8.8e-2 against 4.7e-4.
    lifted_from = {"equation": math.inf if stiff else 1 + 1e-9, "point": 1 + 1e-9,
                   "data": DATA_GAP}
    return {k: min(top / g, BALANCE_CAP) for k, g in usable.items()
            if top / g > lifted_from.get(kinds.get(k), math.inf)}


def of_products(problem) -> set[str]:
    """Names of the equations each of whose terms multiplies two or more fields or their
    derivatives (no source, nothing linear in the fields): with every field scaled by s,
    the residual and its slope in s vanish at s = 0 (as far as :func:`provably_zero`
    can tell cheaply).

    Why: the equation balance reads units from each equation's pull on the untrained
    network, whose outputs start at a small share ε of their scale. A term linear in the
    fields pulls like ε, a source like 1, but a product of two fields like ε³: its pull
    says how small the untrained outputs are, not its units. A saturating core's
    magnetostatics in the mixed form, div(ν ∇A) with ν learnt beside A, pulled 1.2e9 times
    less than ν's definition at step 0; lifted by that, the network kept A at zero (L2RE
    1.0 at 2 minutes), at weight 1 it is solved (1.3e-5; stop 51, docs/zoo.md). Such
    equations are neither lifted nor the pull others are lifted to."""
    s = sp.Dummy("s")
    out = set()
    for eq in problem.equations:
        try:
            scaled = eq.expr.replace(lambda e: isinstance(e, AppliedUndef),
                                     lambda e: s * e).doit()
            if (provably_zero(scaled.subs(s, 0))
                    and provably_zero(sp.diff(scaled, s).subs(s, 0))):
                out.add(eq.name)
        except (TypeError, ValueError):   # an expression SymPy cannot take apart: not read
            continue
    return out


def units_gap(norms: Mapping[str, float], kinds: Mapping[str, str],
              with_data: set[str]) -> tuple[str, float, str] | None:
    """The condition whose gradient norm at step 0 is furthest (a factor above UNIT_GAP)
    from the strongest equation's, as (name, factor, "harder" or "less"), or None.
    Counted: conditions that pull UNIT_GAP times harder than the equations, conditions
    with data (names in ``with_data``) that pull UNIT_GAP times less, and conditions
    asking for zero that pull ZERO_GAP times less. Such a condition pulls little on an
    untrained network whatever its units, so a gap of 1e3-1e5 says nothing (wave_1d's u_t(x, 0) = 0: 3.8e4, solved
    at weight 1), but one of 1e6 and more is of units: a thermoelastic plate in SI
    (thermoelastic_plate_rollers_si), whose no-shear condition on displacements of 3e-6 m
    pulled 5.5e20 times less than its heat equation, failed at weight 1 (ux 0.93 at 2
    minutes) and is solved balanced (9.7e-4; stop 39, docs/zoo.md).

    Why: a condition written in other units than the equations is a factor of their sizes
    apart from them, and no fixed weight of 1 suits both. A press fit in N, mm and MPa
    (plate_bore_pressfit_mesh): its tractions pulled 2e3 times harder than the equations
    and its bore displacements 1.6e3 times less; L2RE 4.6e-2 at 2 minutes with weights 1,
    1.4e-5 balanced by gradient norms through the first-order phase (stop 36,
    docs/zoo.md)."""
    eq = [g for k, g in norms.items()
          if kinds.get(k) in ("equation", "point") and math.isfinite(g) and g > 0]
    if not eq:
        return None
    top = max(eq)
    worst = None
    for k, g in norms.items():
        if kinds.get(k) != "condition" or not math.isfinite(g) or g <= 0:
            continue
        weak = k in with_data or top / g > ZERO_GAP
        gap = g / top if g > top else (top / g if weak else 1.0)
        if gap > UNIT_GAP and (worst is None or gap > worst[1]):
            worst = (k, gap, "harder" if g > top else "less")
    return worst


def _grads(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    if not loss.requires_grad:   # a term no parameter moves: no gradient, not a crash
        return torch.cat([torch.zeros_like(p).reshape(-1) for p in params])
    g = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if x is None else x).reshape(-1)
                      for x, p in zip(g, params)])


class Fixed:
    """Constant weights; the base class of every scheme (objective, state, no update)."""

    def __init__(self, settings: WeightingSettings, initial: Mapping[str, float],
                 kinds: Mapping[str, str], seed: int = 0):
        self.settings = settings
        self.weights = {k: float(v) for k, v in initial.items()}
        self.kinds = dict(kinds)
        self.updates = 0

    def objective(self, mse: Mapping[str, torch.Tensor], residuals: Mapping[str, torch.Tensor],
                  points: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Σ λ_k L_k; ``residuals`` (n,) and ``points`` (n, d) per term for per-point schemes."""
        return sum(self.weights[k] * v for k, v in mse.items())

    def due(self, step: int) -> bool:
        return False

    def update(self, mse: Mapping[str, torch.Tensor], residuals: Mapping[str, torch.Tensor],
               params: Sequence[torch.Tensor]) -> None:
        """Recompute the weights (called before the backward pass when ``due``)."""

    def after_step(self) -> None:
        """Called after every first-order parameter step."""

    def _blend(self, target: Mapping[str, float | None]) -> None:
        a = self.settings.options.alpha
        for k, v in target.items():   # None: no gradient to scale by, the weight stays
            if v is not None and v == v and v not in (float("inf"), float("-inf")):
                self.weights[k] = (1 - a) * self.weights[k] + a * v
        self.updates += 1

    def state_dict(self) -> dict:
        return {"weights": dict(self.weights), "updates": self.updates}

    def load_state_dict(self, state: Mapping) -> None:
        self.weights.update({k: float(v) for k, v in state["weights"].items()})
        self.updates = int(state["updates"])


class _Periodic(Fixed):
    def due(self, step: int) -> bool:
        return step % self.settings.every == 0


class LearningRateAnnealing(_Periodic):
    def update(self, mse, residuals, params):
        eq = [k for k in mse if self.kinds.get(k) == "equation"]
        if not eq or len(eq) == len(mse):
            return
        g_r = torch.stack([_grads(mse[k], params).abs().max() for k in eq]).max()
        target = {}
        for k in mse:
            if k not in eq:
                target[k] = _ratio(float(g_r), float(_grads(mse[k], params).abs().mean()))
        self._blend(target)


class GradNorm(_Periodic):
    def update(self, mse, residuals, params):
        norms = {k: float(_grads(v, params).norm()) for k, v in mse.items()}
        total = sum(norms.values())
        self._blend({k: _ratio(total, n) for k, n in norms.items()})


class NTK(_Periodic):
    def __init__(self, settings, initial, kinds, seed=0):
        super().__init__(settings, initial, kinds, seed)
        self.generator = torch.Generator().manual_seed(seed + 7)

    def trace(self, r: torch.Tensor, params: Sequence[torch.Tensor]) -> float:
        """Mean over a random subset of points of ‖∇θ r(x)‖² (the NTK's mean diagonal)."""
        k = min(self.settings.options.points, r.numel())
        idx = torch.randperm(r.numel(), generator=self.generator)[:k].to(r.device)
        sub = r.reshape(-1)[idx]
        eye = torch.eye(k, dtype=r.dtype, device=r.device)
        g = torch.autograd.grad(sub, params, eye, retain_graph=True, is_grads_batched=True,
                                allow_unused=True)
        sq = sum((x.reshape(k, -1) ** 2).sum(1) for x in g if x is not None)
        return float(sq.mean())

    def update(self, mse, residuals, params):
        traces = {k: self.trace(residuals[k], params) for k in mse}
        total = sum(traces.values())
        self._blend({k: _ratio(total, t) for k, t in traces.items()})

    def state_dict(self):
        return {**super().state_dict(), "generator": self.generator.get_state()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.generator.set_state(state["generator"])


class SelfAdaptive(Fixed):
    def __init__(self, settings, initial, kinds, seed=0):
        super().__init__(settings, initial, kinds, seed)
        self.point_weights: dict[str, torch.Tensor] = {}
        self.optimizer: torch.optim.Optimizer | None = None
        self._pending: dict | None = None
        self._points: dict[str, torch.Tensor] = {}

    def _weights_for(self, k: str, r: torch.Tensor, x: torch.Tensor | None) -> torch.Tensor:
        lam = self.point_weights.get(k)
        moved = x is not None and k in self._points and not torch.equal(self._points[k], x)
        if x is not None:
            self._points[k] = x.detach().clone()
        if lam is None or moved or lam.shape != r.shape or lam.dtype != r.dtype:
            lam = torch.ones_like(r.detach()).requires_grad_(True)
            self.point_weights[k] = lam
            self.optimizer = None
            self._pending = None  # a checkpointed ascent state belongs to the old weights
        return lam

    def objective(self, mse, residuals, points=None):
        total = 0
        for k, v in mse.items():
            r = residuals.get(k)
            if r is None:
                total = total + self.weights[k] * v
                continue
            lam = self._weights_for(k, r, None if points is None else points.get(k))
            total = total + self.weights[k] * (lam ** 2 * r ** 2).mean()
        if self.optimizer is None and self.point_weights:
            self.optimizer = torch.optim.Adam(list(self.point_weights.values()),
                                              lr=self.settings.options.lr, maximize=True)
            if self._pending is not None:
                self.optimizer.load_state_dict(self._pending)
                self._pending = None
        return total

    def reset(self) -> None:
        """Points moved: the per-point weights no longer belong to them."""
        self.point_weights.clear()
        self.optimizer = None

    def after_step(self):
        if self.optimizer is not None and all(p.grad is not None
                                              for p in self.point_weights.values()):
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.updates += 1

    def state_dict(self):
        return {**super().state_dict(),
                "point_weights": {k: v.detach().clone() for k, v in self.point_weights.items()},
                "points": dict(self._points),
                "optimizer": self.optimizer.state_dict() if self.optimizer else None}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.point_weights = {k: v.clone().requires_grad_(True)
                              for k, v in state["point_weights"].items()}
        self._points = dict(state["points"])
        self.optimizer = None
        self._pending = state["optimizer"]


class ReLoBRaLo(_Periodic):
    def __init__(self, settings, initial, kinds, seed=0):
        super().__init__(settings, initial, kinds, seed)
        self.generator = torch.Generator().manual_seed(seed + 11)
        self.first: dict[str, float] | None = None
        self.last: dict[str, float] | None = None

    def _balance(self, now: Mapping[str, float], then: Mapping[str, float]) -> dict[str, float]:
        keys = list(now)
        z = torch.tensor([now[k] / (self.settings.options.temperature * max(then[k], 1e-300))
                          for k in keys], dtype=torch.float64)
        w = len(keys) * torch.softmax(z, 0)
        return {k: float(x) for k, x in zip(keys, w)}

    def update(self, mse, residuals, params):
        now = {k: float(v.detach()) for k, v in mse.items()}
        if self.first is None:
            self.first = self.last = now
            return
        s = self.settings
        rho = float(torch.rand((), generator=self.generator, dtype=torch.float64) < s.options.rho)
        to_first = self._balance(now, self.first)
        to_last = self._balance(now, self.last)
        a = s.options.alpha
        for k in now:
            hist = rho * self.weights[k] + (1 - rho) * to_first[k]
            self.weights[k] = a * hist + (1 - a) * to_last[k]
        self.last = now
        self.updates += 1

    def state_dict(self):
        return {**super().state_dict(), "generator": self.generator.get_state(),
                "first": self.first, "last": self.last}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.generator.set_state(state["generator"])
        self.first, self.last = state["first"], state["last"]


@dataclass(frozen=True)
class NoOptions:
    """A scheme without options of its own."""


@dataclass(frozen=True)
class BlendOptions:
    """lra, grad_norm: step α of the moving average λ ← (1-α)λ + α λ̂."""

    alpha: float = _rng(0.1, 0.0, 1.0)


@dataclass(frozen=True)
class NTKOptions:
    """ntk: moving-average step α and points per term for the trace."""

    alpha: float = _rng(0.1, 0.0, 1.0)
    points: int = _rng(64, 1, 100_000)


@dataclass(frozen=True)
class SAOptions:
    """sa: ascent step of the per-point weights."""

    lr: float = _rng(5e-3, 0.0, 1e3)


@dataclass(frozen=True)
class ReLoBRaLoOptions:
    """relobralo: softmax temperature T, expected look-back E[ρ], history weight α."""

    temperature: float = _rng(0.1, 1e-6, 1e6)
    rho: float = _rng(0.999, 0.0, 1.0)
    alpha: float = _rng(0.999, 0.0, 1.0)


@dataclass(frozen=True)
class Scheme:
    """A registry entry of ``training.weighting.scheme``.

    Attributes:
        cls: the scheme class, ``cls(settings, initial, kinds, seed)``; it reads
            ``settings.options``.
        options: frozen dataclass of its YAML options.
        periodic: updates the weights every ``weighting.every`` steps.
        needs_graph: its update differentiates the loss terms (call it before backward).
        per_point: its objective needs each term's residuals (n,) and points (n, d); its
            weights reset when the points move.
    """

    cls: type
    options: type = NoOptions
    periodic: bool = False
    needs_graph: bool = False
    per_point: bool = False


SCHEMES = {
    "fixed": Scheme(Fixed),
    "lra": Scheme(LearningRateAnnealing, BlendOptions, periodic=True, needs_graph=True),
    "grad_norm": Scheme(GradNorm, BlendOptions, periodic=True, needs_graph=True),
    "ntk": Scheme(NTK, NTKOptions, periodic=True, needs_graph=True),
    "sa": Scheme(SelfAdaptive, SAOptions, per_point=True),
    "relobralo": Scheme(ReLoBRaLo, ReLoBRaLoOptions, periodic=True),
}


def make_scheme(settings: WeightingSettings, initial: Mapping[str, float],
                kinds: Mapping[str, str], seed: int = 0) -> Fixed:
    """The weighting scheme ``settings.scheme`` starting from weights ``initial``."""
    return SCHEMES[settings.scheme].cls(settings, initial, kinds, seed)


def _ratio(top: float, bottom: float) -> float | None:
    """top / bottom for a gradient-based weight, or None when the term has no gradient (a
    residual that is exactly zero at the step, e.g. a point value the untrained network
    already meets): dividing by it made a weight of 1e301 and a non-finite step."""
    return top / bottom if bottom > 0 and math.isfinite(bottom) else None

