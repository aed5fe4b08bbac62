"""Networks of multi-stage refinement (training/stages.py trains them): the stage network
with a κ-scaled sin first layer, and the composite u = Σ_k ε_k u_k of all stages."""
from __future__ import annotations

import torch
from torch import nn

from ..spec import Problem
from .build import build_model
from .constraints import FieldConstraint, HardConstrained
from .mlp import _CoordinateNet


class StageNet(_CoordinateNet):
    """MLP whose first hidden layer is sin(κ W z + b) (``first_sin``), the rest ``activation``.

    κ is a buffer (restored from checkpoints). Shapes: (n, d) → (n, m).
    """

    def __init__(self, embedding, n_out: int, width: int, depth: int, activation: str,
                 first_sin: bool = True, kappa: float = 1.0):
        super().__init__(embedding, n_out, width, depth, activation, 1.0)
        self.first_sin = first_sin
        self.register_buffer("kappa", torch.tensor(float(kappa), dtype=torch.float64))
        self._init()

    def _first(self):
        layer = self.hidden[0]
        if not self.first_sin:
            return layer.weight, layer.bias, self.activation
        return layer.weight * self.kappa.to(layer.weight.dtype), layer.bias, "sin"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w, b, act = self._first()
        h = self.embedding(x)
        h = torch.sin(nn.functional.linear(h, w, b)) if act == "sin" else \
            self.act(nn.functional.linear(h, w, b))
        for layer in self.hidden[1:]:
            h = self.act(layer(h))
        return self.out(h)

    def jet(self, j):
        """The same map on a Taylor jet."""
        w, b, act = self._first()
        h = self.embedding.jet(j).linear(w, b).map(act)
        for layer in self.hidden[1:]:
            h = h.linear(layer.weight, layer.bias).map(self.activation)
        return h.linear(self.out.weight, self.out.bias)


def _jet(module: nn.Module, j):
    method = getattr(module, "jet", None)
    return method(j) if callable(method) else j.generic(module)


class Composite(nn.Module):
    """u = Σ_k ε_k u_k over ``members`` (ε₁ = 1); only the last member is trained.

    Shapes: (n, d) → (n, m).
    """

    def __init__(self, members: list[nn.Module], eps: list[float]):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.register_buffer("eps", torch.tensor(eps, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.members[0](x)
        for k in range(1, len(self.members)):
            out = out + self.eps[k].to(out.dtype) * self.members[k](x)
        return out

    def jet(self, j):
        """The same map on a Taylor jet."""
        out = _jet(self.members[0], j)
        for k in range(1, len(self.members)):
            out = out + _jet(self.members[k], j).affine(float(self.eps[k]))
        return out


def correction_net(problem: Problem, stage, index: int, base: nn.Module,
                   kappa: float = 1.0) -> nn.Module:
    """The network of stage ``index`` (2, 3, ...): a :class:`StageNet` on the same input
    embedding as the first stage, through the first stage's distance factors with zero lift
    when the first stage imposes conditions exactly."""
    first, _, _ = build_model(problem, seed=problem.settings.training.seed)
    net = first.net if isinstance(first, HardConstrained) else first
    seed = problem.settings.training.seed + 7919 * index
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        corr = StageNet(net.embedding, len(problem.fields), stage.width, stage.depth,
                        stage.activation, stage.first_layer == "sin", kappa).to(torch.float64)
    inner = base.members[0] if isinstance(base, Composite) else base
    if isinstance(inner, HardConstrained):
        zero = [FieldConstraint(c.column, None, c.factors) for c in inner.constraints]
        corr = HardConstrained(corr, zero)
    return corr


def freeze(model: nn.Module) -> nn.Module:
    for p in model.parameters():
        p.requires_grad_(False)
    return model



def composite_structure(problem: Problem, n_stages: int) -> Composite:
    """The composite of the first ``n_stages`` stages of ``problem`` with placeholder ε and
    κ (buffers: a checkpoint's ``model`` state fills them in)."""
    base, _, _ = build_model(problem, seed=problem.settings.training.seed)
    stages = problem.settings.training.stages
    members = [base] + [correction_net(problem, stages[k - 2], k, base)
                        for k in range(2, n_stages + 1)]
    return Composite(members, [1.0] * n_stages)
