"""Resource limits checked before a run starts: collocation points, output grid points and
the estimated memory of one training step, each against ``limits.*`` (overridable), so that
a mistyped ``sampling.interior=10000000000`` or ``output.grid.x=100000`` ends in a message
naming the key instead of an out-of-memory kill hours later.

Memory model of one step (autodiff engine), in bytes::

    dtype_bytes · [Σ_groups n_g · (PER_UNIT · width · depth + d) · W_g + 6 · parameters],
    W_g = 1 + Σ_gradients (nesting level)²

over the gradients autodiff takes for the group's derivative requests (one per distinct
parent in the chains u → u_x → u_xx; a Laplacian in d coordinates is its d second
partials): the gradient at nesting level k runs over a graph k forward passes large and is
kept for the parameter backward. Taylor-mode engines (taylor, stde) carry
``directions × (order + 1)`` jet coefficients per activation instead, and sparse STDE
tangents are never materialised at (n, d); that model is scaled by JET_FACTOR, fitted on a
single measurement (the d = 10⁶ Poisson two-body run of docs/stde.md, peak RSS 11.0 GB;
the unscaled model gives 4.4 GiB), so treat it as rough.
``PER_UNIT`` was fitted with benchmarks/memory_estimate.py (peak RSS growth over three
steps in a fresh process): on six autodiff configurations (first to fourth order, 1-3-D,
float32/64) the estimate is 1.0-1.8 × the measurement (docs/reliability.md). It is a
guard against out-of-memory kills, not a promise.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import sympy as sp

from ..derivatives import ENGINES
from ..errors import SpecError
from ..spec.symbols import Laplacian

PER_UNIT = 4.5          # numbers kept per (point · width · depth · forward pass), calibrated
JET_FACTOR = 2.5        # taylor/stde: fitted on one run (d = 10^6 Poisson two-body, 11.0 GB)
PARAM_COPIES = 6        # parameters, gradients, 2 Adam moments, rollback snapshot, checkpoint
HEADROOM = 0.8          # share of the available memory a run may plan to use
DEFAULT_POINTS = {1: 201, 2: 101, 3: 41}   # output grid defaults (io/fields.py)


@dataclass(frozen=True)
class Estimate:
    """What a run will hold: collocation points per group, grid points, bytes per step."""

    points: dict[str, int]
    grid_points: int
    step_bytes: float
    budget_bytes: float | None
    parameters: int = 0   # the network's (check builds it too)

    @property
    def total_points(self) -> int:
        return sum(self.points.values())


def available_memory(device: str = "cpu") -> float | None:
    """Bytes the run may still allocate: free GPU memory, or MemAvailable on Linux."""
    if device.startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            return float(torch.cuda.mem_get_info()[0])
        return None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _chains(expr: sp.Expr, coords: list[str]) -> set[tuple[str, tuple[str, ...]]]:
    """(field, differentiation prefix) pairs autodiff evaluates a gradient at: one per
    distinct parent in the chains u → u_x → u_xx (Laplacians as their second partials)."""
    chains = []
    for d in expr.atoms(sp.Derivative):
        chain = []
        for var, k in d.variable_count:
            chain += [str(var)] * int(k)
        chains.append((str(d.expr), chain))
    for node in expr.atoms(Laplacian):
        inner = node.args[0]
        if isinstance(inner, Laplacian):
            chains += [(str(inner.args[0]), [a, a, b, b]) for a in coords for b in coords]
        else:
            chains += [(str(inner), [a, a]) for a in coords]
    return {(f, tuple(chain[:i])) for f, chain in chains for i in range(len(chain))}


def _order(expr: sp.Expr) -> int:
    """Highest derivative order in an expression (Laplacian 2, bilaplacian 4)."""
    orders = [sum(int(k) for _, k in d.variable_count) for d in expr.atoms(sp.Derivative)]
    orders += [4 if isinstance(n.args[0], Laplacian) else 2 for n in expr.atoms(Laplacian)]
    return max(orders, default=0)


def estimate(problem, device: str = "cpu") -> Estimate:
    """Points, grid size and step memory of ``problem`` (nothing is allocated)."""
    s = problem.settings
    domain = problem.domain
    d = domain.n_inputs
    n_space = domain.vector.dim if domain.vector is not None else len(domain.space)
    engine, opts = ENGINES[s.derivatives.engine], s.derivatives.options
    jets = engine.jets
    # Stochastic engines push their own number of directions; exact jets one per coordinate.
    directions = getattr(opts, "directions", n_space) if engine.stochastic else n_space

    coords = [c.name for c in domain.space] or [f"x{i}" for i in range(min(n_space, 64))]
    points: dict[str, int] = {}
    exprs: dict[str, list] = {}
    for eq in problem.equations:
        points["interior"] = s.sampling.interior
        exprs.setdefault("interior", []).append(eq.expr)
    for c in problem.conditions:
        key = c.region.key
        n = c.points or {"initial": s.sampling.initial, "interior": s.sampling.interior}.get(
            c.region.kind, s.sampling.boundary)
        points[key] = max(points.get(key, 0), n)
        exprs.setdefault(key, []).append(c.expr)
    for o in problem.observations:
        points[f"data:{o.name}"] = len(o.points)

    def weight(key: str) -> tuple[float, float]:
        """Graph size of one step over the group's points in forward passes: (network,
        inputs)."""
        group = exprs.get(key, [])
        if jets:  # one jet of (order + 1) coefficients per direction, no nesting
            order = max((_order(e) for e in group), default=0)
            if not order:
                return 1, 1
            net = 1 + directions * (order + 1)
            # Sparse tangents are coordinate directions: the input jets are one-hot and
            # never materialised at (n, d) per direction.
            dense = not getattr(opts, "sparse", False)
            return net, (1 + directions) if dense else 2
        prefixes = set().union(*(_chains(e, coords) for e in group)) if group else set()
        # The gradient taken at nesting level k runs over a graph k times the forward
        # pass and is kept for the parameter backward: level² fits the measurements.
        w = 1 + sum((len(prefix) + 1) ** 2 for _, prefix in prefixes)
        return w, w

    calls = {key: weight(key) for key in points}
    # A strategy that grows its population (rar) holds up to max_added points.
    grown = getattr(s.sampling.options, "max_added", 0)
    if grown:
        points["interior"] = max(points.get("interior", 0), grown)
    dtype_bytes = 8 if s.training.dtype == "float64" else 4
    m = s.model
    total = 0.0
    for key, n in points.items():
        net, inputs = calls[key]
        total += n * (PER_UNIT * m.width * m.depth * net + d * inputs)
    # Parameters with their gradient, two Adam moments, the rollback snapshot and the
    # checkpoint being serialised; the first layer dominates at large d.
    d_in = d + 2 * m.fourier_features
    n_params = (d_in + 1) * m.width + (m.depth - 1) * (m.width + 1) * m.width \
        + (m.width + 1) * len(problem.fields)
    if problem.operator is not None:   # a Fourier neural operator (models/fno.py)
        n_params = _fno_parameters(problem)
    total += PARAM_COPIES * n_params
    step_bytes = dtype_bytes * total * (JET_FACTOR if jets else 1.0)
    grid = 0
    from ..io.fields import has_grid   # (io imports the compiler, which imports this)
    if has_grid(problem):   # else fields are sampled at points, not on a grid
        sizes = s.output.grid
        grid = 1
        for c in domain.space:
            grid *= sizes.get(c.name, DEFAULT_POINTS.get(len(domain.space), 21))
        if domain.time is not None:
            grid *= sizes.get(domain.time.name, 51)
    free = available_memory(device)
    budget = HEADROOM * free if free else None
    if s.limits.max_memory_gb:   # never above what the machine has free now
        budget = min(s.limits.max_memory_gb * 2**30, free or math.inf)
    return Estimate(points, grid, step_bytes, budget, int(n_params))


def _fno_parameters(problem) -> int:
    """The FNO's parameters: per layer 2^(d-1) blocks of width² complex weights per
    retained mode set (models/operator.py: operator_modes) and a
    pointwise width² map, plus the lift and the projection."""
    from ..models.operator import operator_modes
    from .operator.instances import operator_grid   # (imports the models)

    m = problem.operator.model
    modes = operator_modes(problem, operator_grid(problem))
    per_layer = 2 ** (len(modes) - 1) * m.width ** 2 * math.prod(modes) * 2 + m.width ** 2
    return int(m.layers * per_layer + 8 * m.width + m.width * m.projection
               + m.projection * len(problem.fields))


def check(problem, device: str = "cpu", *, memory: bool = True) -> Estimate:
    """Raise a SpecError naming the key when a limit is exceeded; return the estimate.

    ``memory=False`` skips the comparison with this machine's free memory (``pinnsolve
    check`` may run elsewhere than the training).
    """
    est = estimate(problem, device)
    lim = problem.settings.limits
    file = problem.source
    if est.total_points > lim.max_points:
        biggest = max(est.points, key=est.points.get)
        key = "sampling.interior" if biggest == "interior" else (
            "sampling.initial" if biggest == "initial" else "sampling.boundary")
        raise SpecError(f"{est.total_points} collocation points in all ({_list(est.points)}) "
                        f"exceed limits.max_points = {lim.max_points}; lower {key} or raise "
                        "limits.max_points", file=file, key=key)
    if est.grid_points > lim.max_grid_points:
        raise SpecError(f"the output grid has {est.grid_points} points, above "
                        f"limits.max_grid_points = {lim.max_grid_points}; lower output.grid "
                        "sizes or raise limits.max_grid_points", file=file, key="output.grid")
    if est.parameters > lim.max_parameters:
        # even `check` builds the network (and the scale fit a second one): a file asking
        # for 64 layers of 4096 units (1.1e9 parameters, 8.6 GB in float64) stops here
        m, op = problem.settings.model, problem.operator
        what, key, lower = (f"the network {m.depth}×{m.width}", "model.width",
                            "model.width or model.depth")
        if op is not None:
            what, key, lower = (f"the Fourier neural operator ({op.model.layers} layers of "
                                f"width {op.model.width})", "operator.model.width",
                                "operator.model.width, .layers or .modes")
        raise SpecError(f"{what} has {est.parameters:.3g} parameters, above "
                        f"limits.max_parameters = {lim.max_parameters:.3g}; lower {lower}, "
                        "or raise limits.max_parameters", file=file, key=key)
    if memory and est.budget_bytes is not None and est.step_bytes > est.budget_bytes:
        m = problem.settings.model
        raise _over_budget(problem, est, est.step_bytes,
                           f"{_list(est.points)} points, model {m.depth}×{m.width}, "
                           f"{problem.settings.training.dtype}",
                           "set limits.max_memory_gb if the estimate is too cautious")
    return est


def check_measured(problem, step_bytes: float, device: str = "cpu") -> None:
    """Refuse a run whose *measured* step memory (training/memory.py, after the parts are
    assembled and before the first step) exceeds the budget, naming the key to lower."""
    est = estimate(problem, device)
    if est.budget_bytes is not None and step_bytes > est.budget_bytes:
        raise _over_budget(problem, est, step_bytes, "measured on a few points and scaled "
                           f"to {_list(est.points)}", "raise limits.max_memory_gb")


def _over_budget(problem, est: Estimate, step_bytes: float, how: str, last: str) -> SpecError:
    """The error for a step above the memory budget, naming the key to lower."""
    biggest = max(est.points, key=est.points.get)
    key = "sampling.interior" if biggest == "interior" else "sampling.boundary"
    set_gb = problem.settings.limits.max_memory_gb
    where = (f"{HEADROOM:.0%} of the memory available now" if not set_gb else
             "limits.max_memory_gb" if set_gb * 2**30 <= est.budget_bytes else
             f"limits.max_memory_gb = {set_gb:g}, capped at the memory available now")
    return SpecError(f"one training step needs about {_gb(step_bytes)} ({how}), more than "
                     f"{where} ({_gb(est.budget_bytes)}); lower {key} or model.width, or "
                     f"{last}", file=problem.source, key=key)


def _list(points: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in points.items())


def _gb(b: float) -> str:
    return f"{b / 2**30:.3g} GiB" if math.isfinite(b) else "an unbounded amount"
