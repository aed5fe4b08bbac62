"""The default plan: what a problem trains with when its file leaves training to pinnsolve.

A file that gives ``training.phases`` is an expert's: its settings are used as written and
every other default is the schema's. A file without phases gets the plan below, spelled out
into the raw mapping before overrides are applied (so ``training.phases.0.steps=...`` and
``training.budget=10m`` address it, and the run directory's ``config.yaml`` shows what ran):

- a wall-clock ``training.budget`` (5 minutes) instead of step counts: Adam (lr 2e-3,
  decayed) for at most 30 % of it, ending early on a plateau, then the quasi-Newton phase
  (dense self-scaled BFGS where the network is small enough, else L-BFGS) on collocation
  points redrawn every 500 iterations, to the end of the budget;
- float64 (the quasi-Newton phase goes far below float32's round-off);
- a compact network (4 × 40 tanh, about 5 000 parameters: the dense phase fits), unless the
  file sets width or depth;
- the network's output scale from the size of the data it must produce (or, when every
  condition is imposed exactly, from the equations' residual of the lift alone, where that
  asks for 100 or more), and the gain of an exactly imposed field's distance factor where
  it is small over the domain (boxes of three dimensions and more; models/scale.py),
  and moved while training where an output's RMS leaves 0.1-10 (training/rescale.py),
  unless the file sets ``model.output_scale``;
- ``sin`` activations when the problem's data oscillate (4 or more half-periods of a source
  term or of boundary or initial data along some coordinate, time included, where
  transport and waves, Helmholtz terms and oscillators count, with coefficients constant or
  varying with the coordinates (their mean where they keep one sign);
  models/frequency.py), tanh otherwise, unless the file sets ``model.activation``;
- residual-based redraws (RAD, k = c = 1, over RAD_CANDIDATES candidates per point): the
  points go where the residual is large, at every redraw of either phase (the zoo's Burgers:
  1.3e-2 with uniform redraws, 6.2e-5 with these; docs/zoo.md), unless the file sets
  ``sampling.strategy``;
- the terms of a system of equations balanced before the first step: each equation, and
  each condition at one point (a pressure's pin), weighted so that its gradient norm
  matches the strongest equation's (training/weights.py, :func:`equation_balance`; Stokes'
  continuity got ×1.8e4 and its pressure 0.40 → 3.8e-2 at 2 minutes), except an equation
  of products of fields only (:func:`of_products`: a ring core 1.0 → 1.3e-5), and observations
  that pull more than 10× less than the equations weighted up to them (an inverse
  problem's data in small units); and when a condition is in other units than the
  equations (it pulls more than 1000× harder than them at step 0, or, carrying nonzero
  data, 1000× less, or, asking for zero, 10⁶× less), every term balanced by its gradient
  norm through the first-order phase (``grad_norm``; :func:`units_gap`: a press fit in N,
  mm and MPa 4.6e-2 → 1.4e-5 at 2 minutes), unless the file sets ``training.weights`` or ``training.weighting``;
- a boundary-layer term in the exactly imposed model where the equations make a thin layer
  at an outflow face: a small coefficient ε on a second derivative next to a first
  derivative b along the same coordinate, δ = |ε/b| at most 2 % of its length
  (spec/layers.py);
- a fallback when the loss stalls high: gradient-norm balancing (when conditions or data
  are in the loss and the plan did not balance so already), the other activation, then a
  wider network, each
  in the budget left, the model of lowest residual kept (training/fallback.py), unless the
  file sets ``training.fallback``;
- the ``taylor`` derivative engine when an equation has a derivative of order 4 or more
  (its per-request choice hands everything nested autodiff does faster back to it, and a
  fourth-order operator is 2.8-3.7× faster as one jet: docs/throughput.md; third order
  stays on autodiff, a KdV step measured slower with taylor), unless the file
  has a ``derivatives`` section (:func:`engine_for`).

Only keys the file (or an override) leaves unset are planned: an explicit setting always
wins. :func:`describe` says in words what was planned, for ``pinnsolve check``.
"""
from __future__ import annotations

import copy

BUDGET = "5m"
PHASES = (
    {"optimizer": "adam", "steps": 1_000_000, "lr": 2.0e-3, "schedule": "exponential",
     "decay": 0.9, "decay_steps": 2000, "budget_share": 0.3, "patience": 3000},
    {"optimizer": "quasi_newton", "steps": 10_000_000, "resample_every": 500},
)
MODEL = {"width": 40, "depth": 4}
DTYPE = "float64"
MARK = "planned"   # training.planned: the list of keys the plan filled in
RAD_CANDIDATES = 10   # RAD candidates per collocation point of a region
# sampling keys that leave the strategy to the plan (a strategy's own options do not)
POINT_KEYS = {"interior", "boundary", "initial", "method", "resample_every"}


def plan(raw: dict) -> dict:
    """``raw`` with the default plan filled in where the file leaves training to pinnsolve
    (no ``training.phases``); unchanged otherwise."""
    training = raw.get("training")
    if training is not None and not isinstance(training, dict):
        return raw   # the schema reports it
    training = dict(training or {})
    if "phases" in training or raw.get("operator") is not None:
        return raw
    out = copy.copy(raw)
    planned = ["phases"]
    training["phases"] = [dict(p) for p in PHASES]
    if "budget" not in training:
        training["budget"] = BUDGET
        planned.append("budget")
    if "dtype" not in training:
        training["dtype"] = DTYPE
        planned.append("dtype")
    model = raw.get("model")
    if model is None or (isinstance(model, dict) and not {"width", "depth"} & set(model)):
        out["model"] = {**(model or {}), **MODEL}
        planned.append("model")
    if not (isinstance(model, dict) and "output_scale" in model):
        planned.append("output_scale")   # from the data, when the model is built (models/scale.py)
    if "fallback" not in training:
        training["fallback"] = True
        planned.append("fallback")   # training/fallback.py
    if "one_way" not in training:
        training["one_way"] = True
        planned.append("one_way")   # one-way coupling in first-order phases (compiler/residual.py)
    if "weights" not in training and "weighting" not in training:
        planned.append("weights")   # the equations balanced at step 0 (training/weights.py)
    planned.append("layers")   # boundary layers the equations make (spec/layers.py)
    if not (isinstance(model, dict) and "activation" in model):
        planned.append("activation")   # from the data, when the model is built (models/frequency.py)
    if not (isinstance(model, dict) and "time_modes" in model):
        planned.append("time_modes")   # the same, harmonics of time (models/frequency.py)
    if not (isinstance(model, dict) and "initial_layer" in model):
        planned.append("initial_layer")   # a fast initial layer in time (spec/initial_layer.py)
    if not (isinstance(model, dict) and "corner_modes" in model):
        planned.append("corner_modes")   # inputs singular at re-entrant corners (spec/corners.py)
    if not (isinstance(model, dict) and "hole_logs" in model):
        planned.append("hole_logs")   # a log radius about round holes (spec/holes.py)
    if not (isinstance(model, dict) and "interfaces" in model):
        planned.append("interfaces")   # kinks where a coefficient jumps (spec/interfaces.py)
    if not (isinstance(model, dict) and "mixed_form" in model):
        planned.append("mixed_form")   # defined stresses learnt as fields (spec/mixed.py)
    sampling = raw.get("sampling")
    if sampling is None or (isinstance(sampling, dict) and set(sampling) <= POINT_KEYS):
        interior = (sampling or {}).get("interior", 2000)
        text = interior.strip() if isinstance(interior, str) else ""
        if text.isascii() and text.isdigit():   # the schema converts it
            interior = int(text)
        if isinstance(interior, int) and not isinstance(interior, bool) and interior > 0:
            out["sampling"] = {**(sampling or {}), "strategy": {
                "rad": {"candidates": min(RAD_CANDIDATES * interior, 1_000_000)}}}
            planned.append("sampling")
    training[MARK] = planned
    out["training"] = training
    return out


def describe(settings) -> list[str]:
    """What the plan chose, in words (empty when the file set its own phases)."""
    tr = settings.training
    if not tr.planned:
        return []
    m = settings.model
    lines = [f"training planned by pinnsolve ({', '.join(tr.planned)}); any key set in the "
             "file or as an override wins"]
    if tr.budget:
        lines.append(f"budget {tr.budget:g} s: Adam for at most "
                     f"{tr.phases[0].budget_share:.0%} of it (ends early on a plateau), then "
                     "dense self-scaled BFGS (or L-BFGS above 8000 parameters) on points "
                     "redrawn every 500 iterations")
    act = "tanh or sin" if "activation" in tr.planned else m.activation
    lines.append(f"network {m.kind} {m.depth}×{m.width} {act}, {tr.dtype}")
    if settings.derivatives.engine == "taylor" and "derivatives" in tr.planned:
        lines.append("taylor derivative engine: an equation has a derivative of order 4 or more")
    if "activation" in tr.planned:
        lines.append("activation from the data: sin when a source term or boundary or initial "
                     "datum, or a wave the equations make, has 4 or more half-periods along a "
                     "coordinate, else tanh")
    if "time_modes" in tr.planned:
        lines.append("harmonics of time, one more than the half-periods the data and the "
                     "equations' waves have along time (at most 16), when those are 8 or more; "
                     "for a problem of one coordinate, cos and sin at its own frequencies "
                     "(the linear part's modes, the forcing's sines) when one makes 8 or more "
                     "half-periods over the span; for a problem in time, the same at the "
                     "frequencies of the sines of time in its equations and data")
    if "initial_layer" in tr.planned:
        lines.append("a log time for a fast initial layer (an input log(1 + t̂/ε), the initial "
                     "value's factor t̂/(ε + t̂), half the interior points in log time, a "
                     "system's output scales from the initial rates, its equations left "
                     "unbalanced) where the initial data put into the equations would change "
                     "1000 or more times their size over the span and relax as fast; else a "
                     "log radius (log(r/a) an input, half the interior points in it) where "
                     "an equation is radial, u_rr + (m/r) u_r, on r from a > 0 to 20a or "
                     "further")
    if "corner_modes" in tr.planned:
        lines.append("about each re-entrant corner of a 2-D shape (interior angle ω of 225° or "
                     "more), r^(kπ/ω) cos and sin(kπθ/ω), k = 1/2, 1, 3/2, 2, added to the "
                     "output with trained coefficients (zero at the start), and Dirichlet "
                     "data in the "
                     "loss, where the equations are of second order in space and no second "
                     "derivative's coefficient holds a slope")
    if "hole_logs" in tr.planned:
        lines.append("about each disk, ball or cylinder cut from a shape, whose radius is 1/4 "
                     "or less of the distance to the box's far corner, log(r/a) an input "
                     "(r from its centre or axis, a its radius), where the equations are of "
                     "order two or more in space")
    if "one_way" in tr.planned:
        lines.append("fields that their own equations and conditions solve alone (one-way "
                     "coupling) taken as given in the other fields' equations while Adam "
                     "trains; the quasi-Newton phase trains them jointly")
    if "interfaces" in tr.planned:
        lines.append("across a surface where a coefficient of a field's derivative jumps "
                     "(two media), |g| times more outputs added to the fields that kink "
                     "there, and to a flux's components a jump in its tangential part only")
    if "sampling" in tr.planned:
        lines.append("residual-based redraws (RAD over "
                     f"{settings.sampling.options.candidates} candidates)")
    if "weights" in tr.planned:
        lines.append("a system's equations, and conditions at one point, balanced before "
                     "the first step by their gradient norms (an equation of products of "
                     "fields only, whose pull then is the untrained outputs' size, left "
                     "out), and observations more than 10× "
                     "weaker than the equations weighted up to them; when a "
                     "condition pulls more than 1000× harder than the equations, or one with "
                     "nonzero data 1000× less, or one asking for zero 10⁶× less (other "
                     "units), every term balanced by its "
                     "gradient norm during the first-order phase (grad_norm); otherwise "
                     "conditions keep weight 1")
    if "layers" in tr.planned:
        lines.append("a boundary-layer term (profile 1 − exp(−s/δ)) on an exactly imposed "
                     "outflow face where a small second-derivative coefficient meets a first "
                     "derivative (δ = |ε/b| ≤ 2 % of the coordinate's length)")
    if tr.fallback and tr.budget:
        lines.append("a fallback when the loss stalls high (after 40 % of the budget, not 3× "
                     "lower over the phase's last 10 % and above 1e-2 of its start): the next of "
                     "gradient-norm balancing (when conditions are in the loss), the other "
                     "activation and a wider network trains in the time left; the "
                     "model with the lowest residual on fixed uniform points is kept")
    if "output_scale" in tr.planned:
        lines.append("output scale from the data of the conditions kept in the loss "
                     "(1 when they are of order one), or, when none of them gives a value "
                     "(all imposed, or zero or derivative data), from the equations' "
                     "residual of the lift alone (where that asks for "
                     "100 or more); a system's fields sized by a least-squares fit where one "
                     "is below 1e-2 or above 1e2, or two or more all below 0.2 or above 5 "
                     "(linearised again where the fit's residual is 10 times what it "
                     "predicted), and a lone field that way where no rule above reads a "
                     "size and the fit leaves at most half the residual; "
                     "imposed fields' distance factors scaled to RMS 1 where it is below "
                     "1/100 (3-D and more); while training, every 250 Adam steps and "
                     "before the quasi-Newton phase, an output whose RMS has left 0.1-10 "
                     "takes it into its scale (the function unchanged)")
    return lines


HIGH_ORDER = 4   # derivative order from which the plan picks the taylor engine


def engine_for(problem, raw: dict) -> str | None:
    """The engine the plan picks for a built ``problem`` (None: leave the default), for a
    planned run whose file has no ``derivatives`` section."""
    if "phases" not in (problem.settings.training.planned or ()) or "derivatives" in raw \
            or problem.domain.vector is not None:
        return None
    order = max((derivative_order(e.expr) for e in problem.equations), default=0)
    return "taylor" if order >= HIGH_ORDER else None


def derivative_order(expr) -> int:
    """The highest total derivative order in ``expr`` (a Laplacian counts 2)."""
    import sympy as sp

    from .symbols import Laplacian

    if isinstance(expr, sp.Derivative):
        return derivative_order(expr.expr) + sum(int(n) for _, n in expr.variable_count)
    inner = max((derivative_order(a) for a in expr.args), default=0)
    return inner + 2 if isinstance(expr, Laplacian) else inner
