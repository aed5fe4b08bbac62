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
the per-instance relative L2 error against the reference. Run directory, checkpoints,
resume, NaN rollback and progress events work as for PINN training (training/trainer.py),
and so does data-parallel training (training/distributed.py): every rank holds the same
instances and draws the same global batch, trains on its contiguous share of it, and the
ranks average gradients and loss in one all-reduce per step. The run-level API (solve, fine-tune, predict) is in training/operator_run.py.
"""
from __future__ import annotations

import copy
import time
from typing import Callable

import numpy as np
import torch

from ..compiler import CompiledProblem
from ..derivatives.grid import GridEngine, GridValues
from ..errors import SolveError, SpecError
from ..io.run import RunDir
from ..models.fno import FNO
from ..spec import Problem
from ..spec.operator import with_input_field
from ..spec.schema import Phase
from .distributed import Distributed
from .instances import OperatorGrid, operator_grid
from .loop import LoopState
from .phases import base_lr, schedule_factor

Callback = Callable[[str, dict], None]
DEFAULT_MODES = 12


def build_operator_model(problem: Problem) -> FNO:
    """The FNO of an operator problem (channels: the input, then coordinate features)."""
    op = problem.operator
    grid = operator_grid(problem)
    m = op.model
    modes = tuple(min(m.modes.get(n, DEFAULT_MODES), max(1, a.n // 2))
                  for n, a in zip(grid.names, grid.axes))
    coord_channels = sum(2 if a.periodic else 1 for a in grid.axes)
    return FNO(1 + coord_channels, len(problem.fields), modes, width=m.width, layers=m.layers,
               projection=m.projection, periodic=tuple(a.periodic for a in grid.axes),
               padding=m.padding, activation=m.activation)


def coordinate_features(grid: OperatorGrid, dtype, device) -> torch.Tensor:
    """(C, *shape): cos/sin of the phase on periodic axes, (x - lo)/(hi - lo) on others."""
    feats = []
    mesh = np.meshgrid(*(a.nodes() for a in grid.axes), indexing="ij")
    for a, x in zip(grid.axes, mesh):
        s = (x - a.lo) / (a.hi - a.lo)
        feats += [np.cos(2 * np.pi * s), np.sin(2 * np.pi * s)] if a.periodic else [s]
    return torch.as_tensor(np.stack(feats), dtype=dtype, device=device)


class OperatorModel(torch.nn.Module):
    """FNO plus the input normalisation and output scale: ``(B, *input_shape) → (B, m, *grid)``."""

    def __init__(self, problem: Problem, mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.fno = build_operator_model(problem)
        self.problem = problem
        self.register_buffer("norm", torch.tensor([mean, std], dtype=torch.float64))
        self._features: dict = {}

    def forward(self, a: torch.Tensor, grid: OperatorGrid) -> torch.Tensor:
        key = (grid.shape, a.dtype, a.device)
        if key not in self._features:
            self._features[key] = coordinate_features(grid, a.dtype, a.device)
        coords = self._features[key]
        mean, std = self.norm.to(a.dtype)
        x = grid.broadcast((a - mean) / std)[:, None]
        x = torch.cat([x, coords.expand(a.shape[0], *coords.shape)], 1)
        return self.fno(x) * self.problem.operator.model.output_scale


def relative_l2(pred: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Per-instance ‖pred − ref‖ / ‖ref‖ over all but the first axis, (B,)."""
    b = pred.shape[0]
    return (pred - ref).reshape(b, -1).norm(dim=1) / ref.reshape(b, -1).norm(dim=1).clamp_min(1e-300)


class OperatorTrainer(LoopState):
    """Model, optimizer, batches and step of an operator run.

    Args:
        problem: an operator Problem.
        device, dtype: where and in which precision to train.
        data: ``train_a``, ``test_a`` (inputs) and optionally ``train_u``, ``test_u``.
        callback: progress events ``(event, info)``.
        distributed: this rank's place in a data-parallel group (None in one process).
    """

    def __init__(self, problem: Problem, device: torch.device, dtype: torch.dtype,
                 data: dict[str, np.ndarray], callback: Callback | None = None,
                 distributed: Distributed | None = None):
        self.problem = problem
        self.op = op = problem.operator
        self.settings = problem.settings
        self.device, self.dtype = device, dtype
        self.callback = callback or (lambda event, info: None)
        tr = self.settings.training
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
        self.dist = distributed
        if distributed is not None and min(op.batch, len(data["train_a"])) < distributed.world:
            raise SolveError(f"operator.batch ({op.batch}) and operator.train must be at least "
                             f"the number of ranks ({distributed.world}): every rank trains on "
                             "a share of each batch")
        torch.manual_seed(tr.seed)
        self.grid = operator_grid(problem)
        self.compiled = CompiledProblem(with_input_field(problem),
                                        GridEngine(self.grid.axes, op.fd_order,
                                                   op.flux_form))
        self.regions = self._regions()
        t = lambda k: None if data.get(k) is None else torch.as_tensor(  # noqa: E731
            data[k], dtype=dtype, device=device)
        self.train_a, self.train_u = t("train_a"), t("train_u")
        self.test_a, self.test_u = t("test_a"), t("test_u")
        if op.loss != "physics" and self.train_u is None:
            raise SolveError(f"loss '{op.loss}' needs reference solutions of the training set")
        mean, std = float(data["train_a"].mean()), float(data["train_a"].std())
        self.model = OperatorModel(problem, mean, std if std > 0 else 1.0).to(device, dtype)
        if distributed is not None:
            distributed.broadcast(list(self.model.parameters()))
        self.weights = {t.name: float(tr.weights.get(t.name, 1.0)) for t in self.compiled.terms}
        self.weights["data"] = op.data_weight
        self.gen = torch.Generator().manual_seed(tr.seed)
        self.perm = torch.randperm(len(self.train_a), generator=self.gen)
        self.pos = 0
        self.step = self.phase = self.phase_step = 0
        self.lr_scale, self.elapsed = 1.0, 0.0
        self.optimizer: torch.optim.Optimizer | None = None
        self.optimizer_state = None
        self.good = None
        self.last: dict[str, float] = {}

    def _regions(self) -> dict[str, tuple]:
        """Per region key: (terms, node index (m,), node points (m, d))."""
        pts = torch.as_tensor(self.grid.points(), dtype=torch.float64)
        out: dict[str, list] = {}
        for term in self.compiled.terms:
            r = term.region
            if r.kind == "face" and r.coord in self.problem.periodic:
                raise SpecError(f"condition '{term.name}' is on a face of the periodic "
                                f"coordinate {r.coord}", file=self.problem.source, key="conditions")
            out.setdefault(r.key, [r, []])[1].append(term)
        regions = {}
        for key, (region, terms) in out.items():
            idx = torch.as_tensor(np.flatnonzero(self.grid.region_mask(region).ravel()))
            regions[key] = (terms, idx.to(self.device), pts[idx])
        return regions

    # -- losses -----------------------------------------------------------------------------
    def physics(self, u: torch.Tensor, a: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean-square (or relative) residual of every term, on the grid of ``u``."""
        b = u.shape[0]
        a_full = self.grid.broadcast(a)[:, None]
        values = GridValues(torch.cat([u, a_full], 1))
        zero = None
        out = {}
        for key, (terms, idx, pts) in self.regions.items():
            x = pts.to(self.device, self.dtype).repeat(b, 1)
            res = self.compiled.evaluate(values.at(idx), terms, x)
            for term in terms:
                r = res[term.name].reshape(b, -1)
                if term.kind == "equation" and self.op.residual == "relative":
                    if zero is None:
                        zero = GridValues(torch.cat([torch.zeros_like(u), a_full], 1))
                    r0 = self.compiled.evaluate(zero.at(idx), [term], x)[term.name].reshape(b, -1)
                    out[term.name] = (r.norm(dim=1) / r0.norm(dim=1).clamp_min(1e-30)).mean()
                else:
                    out[term.name] = r.square().mean()
        return out

    def losses(self, idx: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        a = self.train_a[idx]
        u = self.model(a, self.grid)
        parts = self.physics(u, a) if self.op.loss in ("physics", "hybrid") else {}
        if self.op.loss in ("data", "hybrid"):
            parts["data"] = relative_l2(u[:, 0], self.train_u[idx]).mean()
        total = sum(self.weights[k] * v for k, v in parts.items())
        return total, parts

    def _batch(self) -> torch.Tensor:
        n = len(self.train_a)
        if self.pos + min(self.op.batch, n) > n:
            self.perm = torch.randperm(n, generator=self.gen)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.op.batch]
        self.pos += len(idx)
        return idx.to(self.device)

    def _share(self, idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        """This rank's contiguous part of the global batch ``idx`` and the factor that makes
        the ranks' average of their scaled share-means the mean over the whole batch."""
        if self.dist is None:
            return idx, 1.0
        n, world, rank = len(idx), self.dist.world, self.dist.rank
        start = rank * (n // world) + min(rank, n % world)
        k = self.dist.share(n)
        return idx[start:start + k], k * world / n

    # -- evaluation -------------------------------------------------------------------------
    def predict(self, a: torch.Tensor, grid: OperatorGrid | None = None, batch: int = 16
                ) -> torch.Tensor:
        """(N, m, *grid) predictions without gradients."""
        grid = grid or self.grid
        with torch.no_grad():
            return torch.cat([self.model(a[k:k + batch], grid) for k in range(0, len(a), batch)])

    def test_errors(self) -> np.ndarray | None:
        """Per test instance relative L2 error of the first field, (N,)."""
        if self.test_u is None:
            return None
        return relative_l2(self.predict(self.test_a)[:, 0], self.test_u).cpu().numpy()

    # -- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"step": self.step, "phase": self.phase, "phase_step": self.phase_step,
                "lr_scale": self.lr_scale, "elapsed": self.elapsed,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict() if self.optimizer else None,
                "batches": {"perm": self.perm, "pos": self.pos, "gen": self.gen.get_state()},
                "rng": torch.get_rng_state(),
                "world_size": 1 if self.dist is None else self.dist.world}

    def load_state_dict(self, state: dict) -> None:
        for k in ("step", "phase", "phase_step"):
            setattr(self, k, int(state[k]))
        self.lr_scale, self.elapsed = float(state["lr_scale"]), float(state["elapsed"])
        self.model.load_state_dict(state["model"])
        self.optimizer_state = state["optimizer"]
        b = state["batches"]
        self.perm, self.pos = b["perm"], int(b["pos"])
        self.gen.set_state(b["gen"])
        torch.set_rng_state(state["rng"])

    def _snapshot(self) -> None:
        self.good = copy.deepcopy({"model": self.model.state_dict(),
                                   "optimizer": self.optimizer.state_dict(),
                                   "step": self.step, "phase_step": self.phase_step})

    def _rollback(self, bad: list[str]) -> None:
        failed = self._spend_retry(bad, "the loss", "lower the learning rate or use float64")
        self.model.load_state_dict(self.good["model"])
        self.optimizer.load_state_dict(self.good["optimizer"])
        self.step, self.phase_step = self.good["step"], self.good["phase_step"]
        self._report_rollback(failed, bad, "the loss", "term")

    # -- loop -------------------------------------------------------------------------------
    def train(self, run: RunDir | None) -> None:
        tr = self.settings.training
        phases = self._begin()
        while self.phase < len(phases):
            phase = phases[self.phase]
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=base_lr(phase))
            if self.optimizer_state is not None:
                self.optimizer.load_state_dict(self.optimizer_state)
                self.optimizer_state = None
            self._snapshot()
            while self.phase_step < phase.steps:
                t0 = time.perf_counter()
                if not self._adam_step(phase):
                    continue
                self.step += 1
                self.phase_step += 1
                self.rate = self.op.batch * int(np.prod(self.grid.shape)) / max(
                    time.perf_counter() - t0, 1e-9)
                self.elapsed = time.perf_counter() - self.t_start
                if self.step % tr.log_every == 0 or self.phase_step >= phase.steps:
                    self._log(run, phase)
                    self._snapshot()
                    self.retries = 0
                if run is not None and self.step % tr.checkpoint_every == 0:
                    run.save_checkpoint(self.state_dict())
            self.phase += 1
            self.phase_step = 0
            self.optimizer = None
            if run is not None:
                run.save_checkpoint(self.state_dict())
        self.elapsed = time.perf_counter() - self.t_start
        self.callback("end", self._info())

    def _adam_step(self, phase: Phase) -> bool:
        lr = base_lr(phase) * schedule_factor(phase, self.phase_step) * self.lr_scale
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        idx, scale = self._share(self._batch())
        total, parts = self.losses(idx)
        if self.dist is not None:
            # Backward first, then one all-reduce of gradients and loss (the PINN step's):
            # every rank sees the same mean, so all take the step or all roll back.
            total, parts = total * scale, {k: v * scale for k, v in parts.items()}
            total.backward()
            total = self.dist.average(list(self.model.parameters()), total)
        if not torch.isfinite(total):
            self._rollback([k for k, v in parts.items() if not torch.isfinite(v)])
            return False
        if self.dist is None:
            total.backward()
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        if not torch.isfinite(torch.nn.utils.get_total_norm(grads)):
            self._rollback([])
            return False
        self.optimizer.step()
        self.lr = lr
        self._parts = {k: v.detach() for k, v in parts.items()}
        return True

    def _info(self) -> dict:
        elapsed = time.perf_counter() - self.t_start
        rate = self.step / elapsed if elapsed > 0 and self.step else None
        self.last = {k: float(v) for k, v in getattr(self, "_parts", {}).items()}
        return {"problem": self.problem.name, "step": self.step,
                "total_steps": getattr(self, "total_steps", 0), "phase": "adam",
                "losses": dict(self.last), "lr": getattr(self, "lr", None),
                "points_per_s": getattr(self, "rate", 0.0),
                "eta_s": (self.total_steps - self.step) / rate if rate else None,
                "elapsed_s": elapsed}

    def _log(self, run: RunDir | None, phase: Phase) -> None:
        if self.dist is not None:   # every rank logs at the same steps: the batch's means
            self._parts = self.dist.mean_values(self._parts)
        info = self._info()
        tr = self.settings.training
        main = self.dist is None or self.dist.is_main   # the test set is the same everywhere
        if main and (self.step % tr.eval_every == 0 or self.phase_step >= phase.steps):
            errs = self.test_errors()
            if errs is not None:
                info["error"] = float(errs.mean())
        if run is not None:
            run.append_log({k: v for k, v in info.items() if k != "problem"})
        self.callback("log", info)
