"""Numerical faults: which part of a step went non-finite, and mis-scaling at step 0.

:func:`diagnose` runs only after the trainer's one cheap check per step failed (a
non-finite total loss or gradient norm), so the hot path pays nothing for it. It names,
in this order, what is wrong: parameters (a previous update left inf/NaN weights), inputs
(collocation points of a region), a term's loss, or a term's gradient (each term
back-propagated alone).

:func:`scaling_warnings` looks at the problem and the untrained network once before the
first step and returns hints for a far range that float32 rounds coarsely, coordinate ranges
or loss terms that
differ by orders of magnitude, and exploding magnitudes — the classic causes of PINN
failure that non-dimensionalisation cures (Wang, Teng & Perdikaris 2021 on gradient
imbalance between terms). It leaves every random stream as it found it.
"""
from __future__ import annotations

import math

import sympy as sp
import torch

from ..errors import SolveError
from ..spec.symbols import readable

# Thresholds of the step-0 report (ratios are max/min; orders of magnitude in brackets).
RANGE_RATIO = 1e3        # coordinate spans [3]
FAR_RESOLUTION = 1e-5    # rounding of a point's position, as a share of its range's span
TERM_RATIO = 1e4         # unweighted mean squares of two terms [4]
GRAD_RATIO = 1e4         # gradient norms of two terms [4]
EXPLODING = 1e8          # one term's mean square at step 0


def _finite(t: torch.Tensor) -> bool:
    return bool(torch.isfinite(t).all())


def diagnose(trainer, mse: dict[str, torch.Tensor] | None) -> tuple[str, list[str]]:
    """(what, names) for a non-finite step: what ∈ parameters, inputs, loss, gradient;
    names are parameter names, region keys or term names."""
    bad = [name for name, p in _named_parameters(trainer) if not _finite(p.detach())]
    if bad:
        return "parameters", bad
    bad = [key for key, s in trainer.samplers.items() if not _finite(s.points())]
    if bad:
        return "inputs", bad
    if mse:
        bad = [k for k, v in mse.items() if not _finite(v.detach())]
        if bad:
            return "loss", bad
        total = sum(trainer.weights[k] * v.detach() for k, v in mse.items())
        if not _finite(total):  # each term finite, their weighted sum overflows
            return "loss", sorted(mse, key=lambda k: -float(mse[k].detach()))[:1]
    return "gradient", _bad_gradients(trainer)


def _named_parameters(trainer):
    yield from (("model." + n, p) for n, p in trainer.model.named_parameters())
    yield from (("unknowns." + n, p) for n, p in trainer.compiled.unknowns.named_parameters())


def _bad_gradients(trainer) -> list[str]:
    """Terms whose own gradient is non-finite (a fresh forward pass, each term alone)."""
    _, mse, _ = trainer.losses()
    params = [p for p in trainer.params if p.requires_grad]
    bad = []
    for name, value in mse.items():
        if not value.requires_grad:
            continue
        grads = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
        if not all(g is None or _finite(g) for g in grads):
            bad.append(name)
    return bad


# -- step 0 --------------------------------------------------------------------------------
def scaling_warnings(trainer, measured: tuple[dict, dict] | None = None) -> list[str]:
    """Hints about a badly scaled problem, from its domain and the untrained network
    (``measured``: :func:`step_zero`'s figures when the caller has them)."""
    out = []
    domain = trainer.problem.domain
    intervals = list(domain.space) + ([domain.time] if domain.time is not None else [])
    if intervals:
        spans = {c.name: c.hi - c.lo for c in intervals}
        big, small = max(spans, key=spans.get), min(spans, key=spans.get)
        if spans[big] / spans[small] > RANGE_RATIO:
            out.append(f"coordinate ranges differ by {_orders(spans[big] / spans[small])} "
                       f"orders of magnitude ({big} spans {spans[big]:.3g}, {small} spans "
                       f"{spans[small]:.3g}); non-dimensionalise the problem (rescale every "
                       "coordinate to about [0, 1] or [-1, 1] and adjust the coefficients)")
        # The network's inputs are shifted and scaled to [-1, 1] (models/mlp.Embedding), so
        # a far range is harmless, except for the digits its points keep in float32.
        eps = torch.finfo(trainer.parts.dtype).eps
        far = [c.name for c in intervals if c.hi > c.lo and
               eps * max(abs(c.lo), abs(c.hi)) / (c.hi - c.lo) > FAR_RESOLUTION]
        if far:
            out.append(f"coordinate(s) {', '.join(far)} lie far from 0 for their span: in "
                       f"{str(trainer.parts.dtype)[6:]} a point keeps its position within the "
                       f"range to about {_orders(1 / FAR_RESOLUTION)} digits or fewer; use "
                       "training.dtype: float64 or shift the coordinate")
    out += _loss_warnings(trainer, measured or step_zero(trainer))
    return out


def step_zero(trainer) -> tuple[dict[str, float], dict[str, float]]:
    """(mean square, gradient norm) of every term for the untrained network, leaving every
    random stream as it found it. Raises a SolveError when a term's expression is undefined
    at some of its points (:func:`undefined`)."""
    rng = torch.get_rng_state()
    gen = trainer.engine_generator()
    gen_state = gen.get_state() if gen is not None else None
    try:
        _, mse, residuals = trainer.losses()
        values = {k: float(v.detach()) for k, v in mse.items()}
        if not all(math.isfinite(v) for v in values.values()):
            undefined(trainer, residuals)   # raises when an expression is undefined somewhere
        norms = {}
        params = [p for p in trainer.params if p.requires_grad]
        for name, value in mse.items():
            if value.requires_grad and math.isfinite(values[name]):
                grads = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
                norms[name] = math.sqrt(sum(float(g.detach().square().sum())
                                            for g in grads if g is not None))
    finally:
        torch.set_rng_state(rng)
        if gen is not None:
            gen.set_state(gen_state)
    return values, norms


def _loss_warnings(trainer, measured: tuple[dict, dict]) -> list[str]:
    values, norms = measured
    # What the weights make of them (the plan may have balanced the equations already).
    w = trainer.weights
    values = {k: v * w.get(k, 1.0) for k, v in values.items()}
    norms = {k: v * w.get(k, 1.0) for k, v in norms.items()}
    out = []
    huge = [k for k, v in values.items() if not math.isfinite(v) or v > EXPLODING]
    if huge:
        out.append(f"term(s) {', '.join(huge)} start with mean squared residual "
                   f"{max(values[k] for k in huge):.3g} (non-finite or above {EXPLODING:g}): "
                   "the equation's coefficients or data are far from O(1); "
                   "non-dimensionalise the problem or set training.weights")
    _ratio_warning(out, values, TERM_RATIO, "mean squared residuals",
                   "balance them with training.weights or non-dimensionalise the problem")
    _ratio_warning(out, norms, GRAD_RATIO, "gradient norms",
                   "one term will dominate training; balance them with training.weights "
                   "or non-dimensionalise the problem")
    return out


def _ratio_warning(out: list[str], values: dict[str, float], limit: float, what: str,
                   fix: str) -> None:
    usable = {k: v for k, v in values.items() if math.isfinite(v) and v > 0}
    if len(usable) < 2:
        return
    big, small = max(usable, key=usable.get), min(usable, key=usable.get)
    ratio = usable[big] / usable[small]
    if ratio > limit:
        out.append(f"at step 0 the {what} of the terms differ by {_orders(ratio)} orders of "
                   f"magnitude ({big}: {usable[big]:.3g}, {small}: {usable[small]:.3g}); {fix}")


def _orders(ratio: float) -> str:
    return f"{math.log10(ratio):.0f}"


def undefined(trainer, residuals: dict[str, torch.Tensor]) -> None:
    """Raise a SolveError naming the first term whose step-0 residual (``residuals``, per term
    at its group's points) is not finite at some of its points. The untrained network and
    its derivatives are finite, so an expression of the term is undefined there (acosh
    below 1, a log or a square root of a negative number, a division by zero): no learning
    rate or rollback can help."""
    names = [str(s) for s in trainer.problem.domain.coordinate_symbols]
    for key, terms in sorted(trainer.parts.groups.items()):
        x = trainer.samplers[key].points()
        for term in terms:
            r = residuals[term.name].detach().reshape(len(x), -1)
            bad = ~torch.isfinite(r).all(dim=1)
            if not bool(bad.any()):
                continue
            at = x[bad][0].tolist()
            point = ", ".join(f"{n} = {v:.4g}" for n, v in zip(names, at))
            restricted = _restricted_of_fields(trainer.problem, term.name)
            hint = ("; fix the equation, condition or domain" if not restricted else
                    f"; {', '.join(restricted)} take the untrained network's values, of "
                    "either sign: if the physics keeps them positive (a density, a "
                    "concentration, the slope of a value function), know that pinnsolve "
                    "does not keep a field positive: learn such a field m as the exp of a "
                    "new one (fields [lm], define m: exp(lm), its data as log(...)) or "
                    "rewrite the term; else fix the equation")
            raise SolveError(
                f"the residual {term.text} is not finite at {int(bad.sum())} of {len(x)} "
                f"points before any training (e.g. at {point}): an expression in it is "
                "undefined there (a log or square root of a negative number, acosh below 1, "
                "a division by zero)" + hint, term=term.name)


_RESTRICTED = (sp.log, sp.acosh, sp.asin, sp.acos, sp.atanh)


def _restricted_of_fields(problem, name: str) -> list[str]:
    """The arguments (as text) of the logs, fractional powers and inverse functions of
    the term ``name``'s expression that hold a field (``u_x`` as the check table writes
    it): their domain is limited, and where they leave it the untrained network, not the
    equation, may be at fault."""
    exprs = [e.expr for e in list(problem.equations) + list(problem.conditions)
             if e.name == name]
    fields = tuple(problem.field_functions.values())
    values = {sp.Symbol(k): v for k, v in problem.parameter_values.items()}
    out: list[str] = []
    for expr in exprs:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, _RESTRICTED):
                arg = node.args[0]
            elif isinstance(node, sp.Pow) and not node.exp.subs(values).is_integer:
                arg = node.base
            else:
                continue
            text = readable(arg)
            if arg.has(*fields) and text not in out:
                out.append(text)
    return out

