"""Neural-operator training (PINO: Li et al., "Physics-informed neural operator for learning
partial differential equations", 2021): an FNO maps the input function of an instance to its
solution on a grid, trained with the problem file's own equations and conditions evaluated
on its output (physics), with reference solutions (data), or both (hybrid).

The equations are compiled once by the same compiler as for PINNs; the derivative mapping
they read is filled by :class:`~pinnsolve.derivatives.grid.GridEngine` (spectral on periodic
axes, finite differences elsewhere, time included). Every term keeps its own loss:
``L = Σ_terms w_term L_term + data_weight · L_data`` with ``L_term`` the mean square of the
residual over the term's grid nodes (or, with ``operator.residual: relative``, the
per-instance relative L2 ‖r(u)‖/‖r(0)‖ of an equation, PINO's Darcy loss) and ``L_data``
the per-instance relative L2 error against the reference. The loop, checkpoints, resume,
NaN rollback and progress are the PINN's (training/loop.py: this module is only the
stepper), and so is data-parallel training (training/distributed.py): every rank holds the same
instances and draws the same global batch, trains on its contiguous share of it, and the
ranks average gradients and loss in one all-reduce per step. The run-level API (solve, fine-tune, predict) is in run.py beside this file.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...compiler import CompiledProblem
from ...derivatives.grid import GridEngine, GridValues
from ...errors import SolveError, SpecError
from ...models.operator import OperatorModel
from ...spec import Problem
from ...spec.operator import with_input_field
from ...spec.schema import Phase
from ..distributed import Distributed
from ..loop import NonFinite, Position
from ..phases import base_lr, schedule_factor
from .instances import OperatorGrid, operator_grid

ADVICE = "lower the learning rate or use float64"


def relative_l2(pred: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Per-instance ‖pred − ref‖ / ‖ref‖ over all but the first axis, (B,)."""
    b = pred.shape[0]
    return (pred - ref).reshape(b, -1).norm(dim=1) / ref.reshape(b, -1).norm(dim=1).clamp_min(1e-300)


@dataclass(frozen=True)
class OperatorParts:
    """What an operator run trains with, built once by :func:`assemble_operator`.

    ``regions``: per region key, (terms, node index (m,), node points (m, d)).
    """

    problem: Problem
    grid: OperatorGrid
    compiled: CompiledProblem
    regions: dict
    model: OperatorModel
    train_a: torch.Tensor
    train_u: torch.Tensor | None
    test_a: torch.Tensor
    test_u: torch.Tensor | None
    weights: dict
    device: torch.device
    dtype: torch.dtype
    dist: Distributed | None = None


def assemble_operator(problem: Problem, device: torch.device, dtype: torch.dtype,
                      data: dict[str, np.ndarray], dist: Distributed | None = None
                      ) -> OperatorParts:
    """The parts of an operator run. ``data``: ``train_a``, ``test_a`` (inputs) and
    optionally ``train_u``, ``test_u`` (references)."""
    op = problem.operator
    tr = problem.settings.training
    if problem.observations:
        raise SolveError("operator problems take data from operator.reference, not from "
                         "data conditions")
    if tr.weighting.scheme != "fixed" or tr.causal.chunks:
        raise SolveError("operator training uses the fixed training.weights; "
                         "training.weighting and training.causal apply to PINN runs only")
    for p in tr.phases:
        if p.optimizer != "adam":
            raise SolveError("operator training runs Adam phases only (mini-batches of "
                             f"instances); got '{p.optimizer}'")
    if dist is not None and min(op.batch, len(data["train_a"])) < dist.world:
        raise SolveError(f"operator.batch ({op.batch}) and operator.train must be at least "
                         f"the number of ranks ({dist.world}): every rank trains on "
                         "a share of each batch")
    torch.manual_seed(tr.seed)
    grid = operator_grid(problem)
    compiled = CompiledProblem(with_input_field(problem),
                               GridEngine(grid.axes, op.fd_order, op.flux_form))
    t = lambda k: None if data.get(k) is None else torch.as_tensor(  # noqa: E731
        data[k], dtype=dtype, device=device)
    train_u = t("train_u")
    if op.loss != "physics" and train_u is None:
        raise SolveError(f"loss '{op.loss}' needs reference solutions of the training set")
    mean, std = float(data["train_a"].mean()), float(data["train_a"].std())
    model = OperatorModel(problem, grid, mean, std if std > 0 else 1.0).to(device, dtype)
    if dist is not None:
        dist.broadcast(list(model.parameters()))
    weights = {term.name: float(tr.weights.get(term.name, 1.0)) for term in compiled.terms}
    weights["data"] = op.data_weight
    return OperatorParts(problem=problem, grid=grid, compiled=compiled,
                         regions=_regions(problem, grid, compiled, device), model=model,
                         train_a=t("train_a"), train_u=train_u, test_a=t("test_a"),
                         test_u=t("test_u"), weights=weights, device=device, dtype=dtype,
                         dist=dist)


def _regions(problem: Problem, grid: OperatorGrid, compiled: CompiledProblem, device
             ) -> dict[str, tuple]:
    """Per region key: (terms, node index (m,), node points (m, d))."""
    pts = torch.as_tensor(grid.points(), dtype=torch.float64)
    out: dict[str, list] = {}
    for term in compiled.terms:
        r = term.region
        if r.kind == "face" and r.coord in problem.periodic:
            raise SpecError(f"condition '{term.name}' is on a face of the periodic "
                            f"coordinate {r.coord}", file=problem.source, key="conditions")
        out.setdefault(r.key, [r, []])[1].append(term)
    regions = {}
    for key, (region, terms) in out.items():
        idx = torch.as_tensor(np.flatnonzero(grid.region_mask(region).ravel()))
        regions[key] = (terms, idx.to(device), pts[idx])
    return regions


class OperatorStepper:
    """Mini-batch Adam steps of an operator run, for the loop (training/loop.py).

    Args:
        parts: the run's :class:`OperatorParts`.
    """

    def __init__(self, parts: OperatorParts):
        self.parts = parts
        self.name = parts.problem.name
        self.op = parts.problem.operator
        self.model = parts.model
        self.dist = parts.dist
        self.points_per_step = self.op.batch * int(np.prod(parts.grid.shape))
        # State that training changes, all of it:
        self.gen = torch.Generator().manual_seed(parts.problem.settings.training.seed)
        self.perm = torch.randperm(len(parts.train_a), generator=self.gen)
        self.pos = 0
        self.optimizer: torch.optim.Optimizer | None = None
        self.lr: float | None = None
        self.parts_loss: dict[str, torch.Tensor] = {}
        self.messages: list[str] = []
        self.notices: list[tuple[str, str]] = []   # (the loop's protocol; none from PINO)
        self.phase_over: str | None = None   # never set here: operator phases run their steps

    # -- losses -----------------------------------------------------------------------------
    def physics(self, u: torch.Tensor, a: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean-square (or relative) residual of every term, on the grid of ``u``."""
        p = self.parts
        b = u.shape[0]
        a_full = p.grid.broadcast(a)[:, None]
        values = GridValues(torch.cat([u, a_full], 1))
        zero = None
        out = {}
        for key, (terms, idx, pts) in p.regions.items():
            x = pts.to(p.device, p.dtype).repeat(b, 1)
            res = p.compiled.evaluate(values.at(idx), terms, x)
            for term in terms:
                r = res[term.name].reshape(b, -1)
                if term.kind == "equation" and self.op.residual == "relative":
                    if zero is None:
                        zero = GridValues(torch.cat([torch.zeros_like(u), a_full], 1))
                    r0 = p.compiled.evaluate(zero.at(idx), [term], x)[term.name].reshape(b, -1)
                    out[term.name] = (r.norm(dim=1) / r0.norm(dim=1).clamp_min(1e-30)).mean()
                else:
                    out[term.name] = r.square().mean()
        return out

    def losses(self, idx: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        a = self.parts.train_a[idx]
        u = self.model(a, self.parts.grid)
        parts = self.physics(u, a) if self.op.loss in ("physics", "hybrid") else {}
        if self.op.loss in ("data", "hybrid"):
            parts["data"] = relative_l2(u[:, 0], self.parts.train_u[idx]).mean()
        total = sum(self.parts.weights[k] * v for k, v in parts.items())
        return total, parts

    def _batch(self) -> torch.Tensor:
        n = len(self.parts.train_a)
        if self.pos + min(self.op.batch, n) > n:
            self.perm = torch.randperm(n, generator=self.gen)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.op.batch]
        self.pos += len(idx)
        return idx.to(self.parts.device)

    def _share(self, idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        """This rank's contiguous part of the global batch ``idx`` and the factor that makes
        the ranks' average of their scaled share-means the mean over the whole batch."""
        if self.dist is None:
            return idx, 1.0
        n, world, rank = len(idx), self.dist.world, self.dist.rank
        start = rank * (n // world) + min(rank, n % world)
        k = self.dist.share(n)
        return idx[start:start + k], k * world / n

    # -- phases -----------------------------------------------------------------------------
    def begin_phase(self, phase: Phase, optimizer_state: dict | None) -> None:
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=base_lr(phase))
        if optimizer_state is not None:
            self.optimizer.load_state_dict(optimizer_state)

    def end_phase(self, phase: Phase, following: Phase | None) -> dict | None:
        self.optimizer = None
        return None

    def step(self, phase: Phase, at: Position) -> int:
        lr = base_lr(phase) * schedule_factor(phase, at.phase_step) * at.lr_scale
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        idx, scale = self._share(self._batch())
        total, parts = self.losses(idx)
        params = list(self.model.parameters())
        if self.dist is not None:
            # Backward first, then one all-reduce of gradients and loss (the PINN step's):
            # every rank sees the same mean, so all take the step or all roll back.
            total, parts = total * scale, {k: v * scale for k, v in parts.items()}
            total.backward()
            total = self.dist.average(params, total)
        if not torch.isfinite(total):
            raise NonFinite("the loss", [k for k, v in parts.items() if not torch.isfinite(v)],
                            ADVICE)
        if self.dist is None:
            total.backward()
        grads = [p.grad for p in params if p.grad is not None]
        if not torch.isfinite(torch.nn.utils.get_total_norm(grads)):
            raise NonFinite("the loss", [], ADVICE)
        self.optimizer.step()
        self.lr = lr
        self.parts_loss = {k: v.detach() for k, v in parts.items()}
        return 1

    # -- evaluation -------------------------------------------------------------------------
    def predict(self, a: torch.Tensor, grid: OperatorGrid | None = None, batch: int = 16
                ) -> torch.Tensor:
        """(N, m, *grid) predictions without gradients."""
        grid = grid or self.parts.grid
        with torch.no_grad():
            return torch.cat([self.model(a[k:k + batch], grid) for k in range(0, len(a), batch)])

    def test_errors(self) -> np.ndarray | None:
        """Per test instance relative L2 error of the first field, (N,)."""
        if self.parts.test_u is None:
            return None
        return relative_l2(self.predict(self.parts.test_a)[:, 0], self.parts.test_u).cpu().numpy()

    def error(self) -> float | None:
        if self.dist is not None and not self.dist.is_main:
            return None   # the test set is the same everywhere: rank 0 evaluates
        errs = self.test_errors()
        return float(errs.mean()) if errs is not None else None

    @property
    def last_losses(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.parts_loss.items()}

    def before_log(self) -> None:
        if self.dist is not None:   # every rank logs at the same steps: the batch's means
            self.parts_loss = self.dist.mean_values(self.parts_loss)

    def report(self) -> dict:
        return {"losses": self.last_losses, "lr": self.lr}

    def start(self) -> list[tuple[str, str]]:
        return []

    def objective(self) -> float:
        """The weighted loss of the last step."""
        return float(sum(self.parts.weights[k] * v for k, v in self.last_losses.items()))

    # -- state ------------------------------------------------------------------------------
    def optimizer_state(self) -> dict | None:
        return self.optimizer.state_dict() if self.optimizer is not None else None

    def state_dict(self, collective: bool = True) -> dict:
        return {"model": self.model.state_dict(),
                "batches": {"perm": self.perm, "pos": self.pos, "gen": self.gen.get_state()},
                "rng": torch.get_rng_state(),
                "world_size": 1 if self.dist is None else self.dist.world}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        b = state["batches"]
        self.perm, self.pos = b["perm"], int(b["pos"])
        self.gen.set_state(b["gen"])
        torch.set_rng_state(state["rng"])

    def snapshot(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def restore(self, snapshot: dict) -> None:
        self.model.load_state_dict(snapshot["model"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
