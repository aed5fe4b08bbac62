"""Assemble the parts of a PINN run from a problem: compiled terms and their derivative
engine, the model, one sampler per group of terms, the loss balancing, the causal time
weighting and the reference. :func:`assemble` builds them once; the loop (loop.py) and the
PINN stepper (pinn.py) only use them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..compiler import CompiledProblem, Term, compile_problem
from ..errors import SolveError
from ..geometry import region_geometry
from ..io.fields import reference_data
from ..models import build_model
from ..sampling import STRATEGIES, FixedSampler, RegionSampler
from ..spec import Problem
from ..spec.initial_layer import time_layer
from .causal import TimeWeighting
from .distributed import Distributed
from .weights import make_scheme


def resolve_device(word: str) -> torch.device:
    """``auto`` → CUDA when present, else the CPU; ``cuda`` without a GPU is an error."""
    if word == "cuda" and not torch.cuda.is_available():
        raise SolveError("training.device is cuda but no CUDA device is available; "
                         "use --device auto or cpu")
    if word == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(word)


def group_key(term: Term) -> str:
    """Terms evaluated on the same points share a key (and a sampler)."""
    if term.kind == "data":
        return f"data:{term.name}"
    if term.points is not None:
        return f"{term.region.key}:{term.name}"
    return term.region.key


@dataclass(frozen=True)
class Parts:
    """Everything a PINN run trains with, built once by :func:`assemble`.

    ``samplers``, ``balance`` and ``time_weighting`` keep state that training changes
    (points, weights); the bundle itself never changes. ``params`` are the trained
    parameters (the model's trainable ones and the unknowns).
    """

    problem: Problem
    compiled: CompiledProblem
    model: nn.Module
    imposed: frozenset[str]
    notes: tuple[str, ...]
    terms: tuple[Term, ...]
    groups: dict[str, tuple[Term, ...]]
    samplers: dict
    balance: object
    time_weighting: TimeWeighting
    reference: tuple[np.ndarray, dict] | None
    params: tuple[torch.Tensor, ...]
    device: torch.device
    dtype: torch.dtype
    dist: Distributed | None = None


def assemble(problem: Problem, device: torch.device, dtype: torch.dtype, *,
             dist: Distributed | None = None, model: nn.Module | None = None,
             imposed: frozenset[str] | None = None) -> Parts:
    """Build the parts of a run of ``problem``.

    Args:
        problem: the Problem (its settings choose model, engine, samplers, weighting).
        device, dtype: where and in which precision to train.
        dist: this rank's place in a data-parallel group (None: one process).
        model: a model to train instead of the one the settings describe (a multi-stage
            composite; only its parameters that require grad are trained), with the
            ``imposed`` terms it satisfies exactly.
    Raises:
        SolveError: when nothing is left to train.
    """
    tr = problem.settings.training
    torch.manual_seed(tr.seed)
    compiled = compile_problem(problem, seed=tr.seed)
    notes: tuple[str, ...] = ()
    if model is None:
        model, built_imposed, built_notes = build_model(problem, seed=tr.seed)
        imposed, notes = frozenset(built_imposed), tuple(built_notes)
    if (one_way := compiled.one_way_note()) is not None:
        notes = notes + (one_way,)
    model = model.to(device=device, dtype=dtype)
    compiled.unknowns.to(device=device, dtype=dtype)
    imposed = imposed or frozenset()
    terms = tuple(t for t in compiled.terms if t.name not in imposed)
    if not terms:
        raise SolveError("every condition is imposed exactly and there is no equation term")
    balance = make_scheme(tr.weighting, {t.name: float(tr.weights.get(t.name, 1.0)) for t in terms},
                          {t.name: t.kind for t in terms}, seed=tr.seed)
    groups: dict[str, list[Term]] = defaultdict(list)
    for t in terms:
        groups[group_key(t)].append(t)
    samplers = {key: _sampler(problem, members[0], i, device, dtype, dist)
                for i, (key, members) in enumerate(sorted(groups.items()))}
    params = tuple(p for p in model.parameters() if p.requires_grad) + \
        tuple(compiled.unknowns.parameters())
    if dist is not None:
        dist.broadcast(list(params))
    ref = reference_data(problem)
    return Parts(problem=problem, compiled=compiled, model=model, imposed=imposed, notes=notes,
                 terms=terms, groups={k: tuple(v) for k, v in groups.items()},
                 samplers=samplers, balance=balance,
                 time_weighting=TimeWeighting(problem, terms, tr.causal.chunks, tr.causal.eps),
                 reference=ref if ref is not None and ref[1] else None, params=params,
                 device=device, dtype=dtype, dist=dist)


def _sampler(problem: Problem, term: Term, index: int, device, dtype, dist):
    """The sampler of the group whose first term is ``term`` (index: its place in the sorted
    groups, which seeds it)."""
    s = problem.settings.sampling
    if term.kind == "data":
        return FixedSampler(torch.as_tensor(term.data_points, dtype=dtype, device=device))
    geometry = region_geometry(problem, term.region)
    seed = problem.settings.training.seed * 1000 + index + 1
    if dist is not None:   # each rank: its own share, from its own stream
        seed = dist.seed(seed)
    if term.points is not None:
        # A condition with its own point count (observations): a fixed uniform draw.
        n = term.points if dist is None else max(1, dist.share(term.points))
        return STRATEGIES["uniform"].build(geometry, n, s, resample_every=0,
                                           seed=seed, dtype=dtype, device=device)
    n = {"interior": s.interior, "initial": s.initial}.get(term.region.kind, s.boundary)
    n = n if dist is None else max(1, dist.share(n))
    sampler = STRATEGIES[s.strategy].build(geometry, n, s, resample_every=s.resample_every,
                                           seed=seed, dtype=dtype, device=device)
    layer = time_layer(problem) if term.region.kind == "interior" else None
    if layer is not None and isinstance(sampler, RegionSampler):   # spec/initial_layer.py
        sampler.set_time_layer(layer)
    return sampler

