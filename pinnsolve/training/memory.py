"""The memory of one training step, measured before the run on a few points.

limits.py estimates a step's memory from a model of the graph (before anything is built);
that model is 5-30× low for some operators (high-order mixed partials, sums whose body holds
the field). Here the assembled loss itself is run on two small probes of every group's
points while ``torch.autograd.graph.saved_tensors_hooks`` counts the bytes autograd keeps
for the backward pass (nested derivative graphs included). The difference between the two
probes is the cost per point, free of the per-parameter constant; the step is

    BACKWARD × Σ_groups n_g · (bytes per point)_g + PARAM_COPIES · parameter bytes,

with BACKWARD = 2 for the gradients built while the saved tensors are still alive.
"""
from __future__ import annotations

import torch

from ..sampling import FixedSampler
from .limits import PARAM_COPIES

PROBES = (16, 48)   # points per group in the two probes
BACKWARD = 2.0


def _saved_bytes(fn) -> int:
    """Bytes of the tensors autograd saves for backward while ``fn()`` runs."""
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return total


def measure_step_bytes(parts) -> float:
    """Bytes one training step of ``parts`` (training/parts.py) will hold, extrapolated
    from two small probes per group. Random streams are left as they were."""
    rng = torch.get_rng_state()
    gen = getattr(parts.compiled.engine, "generator", None)
    gen_state = gen.get_state() if gen is not None else None
    total = 0.0
    try:
        for key, terms in parts.groups.items():
            sampler = parts.samplers[key]
            x, normals = sampler.points(), sampler.normals()
            n = x.shape[0]
            sizes = [min(k, n) for k in PROBES]
            # A group smaller than the probes, or observations (their data go with their
            # own points, so a slice of the points cannot be evaluated): measure it whole.
            if sizes[0] == sizes[1] or isinstance(sampler, FixedSampler):
                total += _probe(parts, terms, x, normals, n)
                continue
            a, b = (_probe(parts, terms, x, normals, k) for k in sizes)
            total += max(b - a, 0.0) / (sizes[1] - sizes[0]) * n
    finally:
        torch.set_rng_state(rng)
        if gen is not None:
            gen.set_state(gen_state)
    params = sum(p.numel() * p.element_size() for p in parts.params)
    return BACKWARD * total + PARAM_COPIES * params


def _probe(parts, terms, x, normals, k: int) -> float:
    def loss():
        res = parts.compiled.evaluate(parts.model, terms, x[:k].detach(),
                                      normals=None if normals is None else normals[:k])
        return sum((r ** 2).mean() for r in res.values())

    return float(_saved_bytes(loss))
