"""Output scales corrected while training.

The plan sizes each field before training (models/scale.py): from its data, the residual's
ratio, or a least-squares fit over the untrained network's features. Where that read is far
off, the network has to make outputs far from one, and Adam, whose steps are of a fixed size
in the weights, takes thousands of steps to grow them (or, scaled too large, makes a field's
every step a large relative jump). So every EVERY first-order steps, and before a
quasi-Newton phase starts, each output column whose RMS over the collocation points has left
BAND is rescaled: its output scale is multiplied by that RMS and its output-layer row (and
corner coefficients) divided by it. The network's function is unchanged to round-off; Adam's
moments of that row are carried into the new units (m × ρ, v × ρ²), so its next step is the
same in the new weights and ρ times larger in the field.

Blind files, side by side at 2 minutes (docs/zoo.md, stop 49): an open-hole coupon's inverse
elastic constants (its stresses read 12× small) 6.2e-2, 6.6e-2 → 1.6e-2, 3.1e-2; FRAP (its
free protein read 20× large) 5.4e-2, 3.9e-2 → 1.2e-2, 9.3e-3; four other pairs within the
runs' spread. Where every column stays in BAND, training is exactly as before. A check
costs one forward pass: 2.6-2.9 ms against Adam steps of 88-110 ms (a 2-D and a 3-D file,
one thread), about 1e-4 of the training time at one check per 250 steps.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..models.mlp import MLP, ModifiedMLP

BAND = (0.1, 10.0)   # a column's RMS output inside it keeps its scale
EVERY = 250          # first-order steps between checks


def scaled_network(model: nn.Module) -> nn.Module | None:
    """The one coordinate network inside ``model`` whose outputs are scaled per column; None
    where there is none or several (stages, operators)."""
    nets = [m for m in model.modules() if isinstance(m, (MLP, ModifiedMLP))]
    return nets[0] if len(nets) == 1 else None


def raw_rms(net: nn.Module, x: torch.Tensor) -> list[float]:
    """Each output column's RMS before its scale, over the points ``x``."""
    with torch.no_grad():
        return (net(x) / net.output_scale.to(x.dtype)).pow(2).mean(0).sqrt().tolist()


def rescale(net: nn.Module, x: torch.Tensor, optimizer: torch.optim.Optimizer | None
            ) -> list[tuple[int, float, float]]:
    """Rescale the columns of ``net`` whose RMS output over ``x`` is outside BAND; returns
    (column, factor, new scale) for each."""
    moved = [(k, r) for k, r in enumerate(raw_rms(net, x))
             if math.isfinite(r) and r > 0 and not BAND[0] <= r <= BAND[1]]
    if not moved:
        return []
    rows = [net.out.weight, net.out.bias] + ([net.enrich.weight] if net.enrich is not None
                                             else [])
    state = optimizer.state if optimizer is not None else {}
    with torch.no_grad():
        for k, r in moved:
            net.output_scale[k] *= r
            for p in rows:
                p[k] /= r
                for key, power in (("exp_avg", 1), ("exp_avg_sq", 2)):   # Adam's moments
                    m = state.get(p, {}).get(key)   # (MultiAdam's: one per term, first)
                    lead = m.dim() - p.dim() if torch.is_tensor(m) else -1
                    if lead >= 0 and m.shape[lead:] == p.shape:
                        m.narrow(lead, k, 1).mul_(r ** power)
    return [(k, r, float(net.output_scale[k])) for k, r in moved]
