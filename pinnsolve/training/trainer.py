"""The training loop: phases of optimizers over the compiled loss, with checkpoints,
resume, NaN rollback and progress through one callback (training/solve.py runs it)."""
from __future__ import annotations

import copy
import time
from collections import defaultdict
from typing import Callable, Mapping

import numpy as np
import torch

from ..compiler import CompiledProblem, Term, compile_problem
from ..errors import SolveError
from ..geometry import region_geometry
from ..io.fields import evaluate, reference_data
from ..io.metrics import errors
from ..io.run import RunDir
from ..models import build_model
from ..sampling import STRATEGIES, FixedSampler
from ..spec import Problem
from . import acceleration, faults
from .causal import TimeWeighting
from .distributed import Distributed
from .loop import LoopState
from .phases import CLOSURE_DRIVEN, base_lr, make_optimizer, schedule_factor
from .weights import make_scheme

Callback = Callable[[str, dict], None]
LBFGS_CHUNK = 20  # L-BFGS iterations per optimizer.step call (progress and NaN checks between)
# Dense quasi-Newton keeps its inverse Hessian when the points are redrawn (as Urbán et al. do
# with RAD): the loss changes little, and the full matrix is expensive to rebuild.
WARM_ACROSS_REDRAWS = frozenset({"bfgs", "ssbfgs", "ssbroyden"})


class _NonFiniteGradient(Exception):
    """Raised inside an L-BFGS closure to abandon the step (caught by the trainer)."""


def _magnitude(residuals: list[torch.Tensor]) -> torch.Tensor:
    """Pointwise residual magnitude sqrt(Σ r²) over terms sharing the same points, (n,)."""
    return torch.stack(residuals).square().sum(0).sqrt()


def resolve_device(word: str) -> torch.device:
    if word == "cuda" and not torch.cuda.is_available():
        raise SolveError("training.device is cuda but no CUDA device is available; "
                         "use --device auto or cpu")
    if word == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(word)


def _group_key(term: Term) -> str:
    if term.kind == "data":
        return f"data:{term.name}"
    if term.points is not None:
        return f"{term.region.key}:{term.name}"
    return term.region.key


class Trainer(LoopState):
    """Holds everything a training run changes: model, unknowns, optimizer, samplers, step.

    Args:
        problem: the Problem to solve.
        device, dtype: where and in which precision to train.
        callback: receives ``(event, info)`` for start, log, rollback, warning, end.
    """

    def __init__(self, problem: Problem, device: torch.device, dtype: torch.dtype,
                 callback: Callback | None = None, distributed: Distributed | None = None):
        self.problem = problem
        self.dist = distributed     # None in a single process
        self.settings = problem.settings
        self.device = device
        self.dtype = dtype
        self.callback = callback or (lambda event, info: None)
        tr = self.settings.training
        torch.manual_seed(tr.seed)
        self.compiled: CompiledProblem = compile_problem(problem, seed=tr.seed)
        model, imposed, notes = build_model(problem, seed=tr.seed)
        self.model = model.to(device=device, dtype=dtype)
        self.compiled.unknowns.to(device=device, dtype=dtype)
        self.imposed = imposed
        self.notes = notes
        self.terms = [t for t in self.compiled.terms if t.name not in imposed]
        if not self.terms:
            raise SolveError("every condition is imposed exactly and there is no equation term")
        self.balance = make_scheme(tr.weighting,
                                   {t.name: float(tr.weights.get(t.name, 1.0)) for t in self.terms},
                                   {t.name: t.kind for t in self.terms}, seed=tr.seed)
        self.time_weighting = TimeWeighting(problem, self.terms, tr.causal.chunks, tr.causal.eps)
        self.groups: dict[str, list[Term]] = defaultdict(list)
        for t in self.terms:
            self.groups[_group_key(t)].append(t)
        self.samplers = {key: self._sampler(terms[0], i)
                         for i, (key, terms) in enumerate(sorted(self.groups.items()))}
        self.residual_fns = {key: self._residual_fn(terms) for key, terms in self.groups.items()}
        self.params = list(self.model.parameters()) + list(self.compiled.unknowns.parameters())
        if self.dist is not None:
            self.dist.broadcast(self.params)
        acceleration.check(tr.compile, tr.matmul_precision, tr.autocast,
                           self.compiled.engine_name, device, dtype)
        self._loss = acceleration.loss_function(self.losses, tr.compile, tr.autocast, device)
        self._global_mse: dict[str, torch.Tensor] = {}
        self.step = 0
        self.phase = 0
        self.phase_step = 0
        self.lr_scale = 1.0
        self.elapsed = 0.0
        self.optimizer: torch.optim.Optimizer | None = None
        self.optimizer_state: dict | None = None
        self._mse: dict[str, torch.Tensor] = {}
        self._imbalance: dict[str, torch.Tensor] = {}
        self.good: dict | None = None
        self.warnings: list[str] = []
        ref = reference_data(problem)
        self.reference = None
        if ref is not None and ref[1]:
            self.reference = ref

    def _sampler(self, term: Term, index: int):
        s = self.settings.sampling
        if term.kind == "data":
            return FixedSampler(torch.as_tensor(term.data_points, dtype=self.dtype,
                                                device=self.device))
        geometry = region_geometry(self.problem, term.region)
        seed = self.settings.training.seed * 1000 + index + 1
        if self.dist is not None:   # each rank: its own share, from its own stream
            seed = self.dist.seed(seed)
        if term.points is not None:
            # A condition with its own point count (observations): a fixed uniform draw.
            n = term.points if self.dist is None else max(1, self.dist.share(term.points))
            return STRATEGIES["uniform"].build(geometry, n, s, resample_every=0,
                                               seed=seed, dtype=self.dtype, device=self.device)
        n = {"interior": s.interior, "initial": s.initial}.get(term.region.kind, s.boundary)
        n = n if self.dist is None else max(1, self.dist.share(n))
        return STRATEGIES[s.strategy].build(geometry, n, s, resample_every=s.resample_every,
                                            seed=seed, dtype=self.dtype, device=self.device)

    def _residual_fn(self, terms: list[Term]):
        """Points (m, d) → residual magnitude (m,) of ``terms``, for samplers that probe new
        points (with their outward normals on boundaries). Parameters are detached so no
        graph towards them is built; with ``differentiable=True`` (x must require grad) the
        graph towards x is kept, for samplers that climb the residual."""

        def fn(x: torch.Tensor, normals: torch.Tensor | None = None,
               differentiable: bool = False) -> torch.Tensor:
            frozen = {k: v.detach() for k, v in self.model.named_parameters()}
            model = lambda z: torch.func.functional_call(self.model, frozen, (z,))  # noqa: E731
            res = self.compiled.evaluate(model, terms, x, normals=normals)
            r = _magnitude(list(res.values()))
            return r if differentiable else r.detach()

        return fn

    # -- loss -------------------------------------------------------------------------------
    def losses(self) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """(weighted total, unweighted mean squares per term, residuals per term)."""
        residuals: dict[str, torch.Tensor] = {}
        weighted: dict[str, torch.Tensor] = {}
        points: dict[str, torch.Tensor] = {}
        for key, terms in self.groups.items():
            sampler = self.samplers[key]
            res = self.compiled.evaluate(self.model, terms, sampler.points(),
                                         normals=sampler.normals())
            residuals.update(res)
            points.update({k: sampler.points() for k in res})
            w = sampler.loss_weights()   # causal R3's time gate; None for most samplers
            weighted.update(res if w is None else {k: r * w for k, r in res.items()})
        mse = {name: (r ** 2).mean() for name, r in weighted.items()}
        if self.settings.derivatives.unbiased and self.settings.derivatives.engine == "stde":
            # Unbiased STDE loss (Shi et al. eq. 25): a second, independent draw of the
            # random tangents; mean(stopgrad(R_J) · R_K) has the expectation of the
            # exact squared residual, whose bias the plain mean(R_J²) carries.
            for key, terms in self.groups.items():
                sampler = self.samplers[key]
                again = self.compiled.evaluate(self.model, terms, sampler.points(),
                                               normals=sampler.normals())
                for name, r in again.items():
                    mse[name] = (residuals[name].detach() * r).mean()
        self._objective_terms = self.time_weighting.apply(mse, residuals, points)
        total = self.balance.objective(self._objective_terms, weighted, points)
        return total, mse, residuals

    @property
    def weights(self) -> dict[str, float]:
        """Current weight of every term (fixed or from ``training.weighting``)."""
        return self.balance.weights

    def residual_vector(self) -> torch.Tensor:
        """All residuals scaled by √(weight / n), concatenated: ‖r‖² is the loss (N,)."""
        parts = []
        for key, terms in self.groups.items():
            sampler = self.samplers[key]
            res = self.compiled.evaluate(self.model, terms, sampler.points(),
                                         normals=sampler.normals())
            w = sampler.loss_weights()
            for name, r in res.items():
                r, n = self.time_weighting.cut(name, (r if w is None else r * w).reshape(-1),
                                               sampler.points())
                parts.append(r * (self.weights[name] / n) ** 0.5)
        return torch.cat(parts)

    # -- state ------------------------------------------------------------------------------
    def state_dict(self, collective: bool = True) -> dict:
        """Everything to resume. With several ranks and ``collective`` (every rank calls it
        at the same point), every rank's sampler state is gathered."""
        state = {
            "step": self.step, "phase": self.phase, "phase_step": self.phase_step,
            "lr_scale": self.lr_scale, "elapsed": self.elapsed,
            "model": self.model.state_dict(),
            "unknowns": self.compiled.unknowns.state_dict(),
            "optimizer": self.optimizer.state_dict() if self.optimizer else self.optimizer_state,
            "samplers": {k: s.state_dict() for k, s in self.samplers.items()},
            "balance": self.balance.state_dict(),
            "rng": torch.get_rng_state(),
            "engine_rng": self._engine_generator().get_state()
            if self._engine_generator() is not None else None,
            "world_size": 1 if self.dist is None else self.dist.world,
        }
        if self.dist is not None:
            state["rank_samplers"] = self.dist.gather(state["samplers"]) if collective else None
        return state

    def _engine_generator(self) -> torch.Generator | None:
        return getattr(self.compiled.engine, "generator", None)

    def load_state_dict(self, state: Mapping) -> None:
        self.step = int(state["step"])
        self.phase = int(state["phase"])
        self.phase_step = int(state["phase_step"])
        self.lr_scale = float(state["lr_scale"])
        self.elapsed = float(state["elapsed"])
        self.model.load_state_dict(state["model"])
        self.compiled.unknowns.load_state_dict(state["unknowns"])
        saved = _sampler_states(state, self.dist)
        for k, s in self.samplers.items():
            if saved is not None and k in saved:
                s.load_state_dict(saved[k])
        if "balance" in state:
            self.balance.load_state_dict(state["balance"])
        torch.set_rng_state(state["rng"])
        if state.get("engine_rng") is not None and self._engine_generator() is not None:
            self._engine_generator().set_state(state["engine_rng"])
        self.optimizer_state = state["optimizer"]

    def _snapshot(self) -> None:
        """Remember the last good state in memory, for NaN rollback."""
        self.good = copy.deepcopy({
            "model": self.model.state_dict(), "unknowns": self.compiled.unknowns.state_dict(),
            "optimizer": self.optimizer.state_dict(), "step": self.step,
            "phase_step": self.phase_step,
            "samplers": {k: s.state_dict() for k, s in self.samplers.items()}})

    def _rollback(self, bad: list[str], what: str) -> None:
        failed_at = self._spend_retry(bad, what, "check the equation's scaling "
                                      "(non-dimensionalise), lower the learning rate, or use "
                                      "float64")
        self.model.load_state_dict(self.good["model"])
        self.compiled.unknowns.load_state_dict(self.good["unknowns"])
        self.optimizer.load_state_dict(self.good["optimizer"])
        for k, s in self.samplers.items():  # adaptive points moved by the bad steps, too
            s.load_state_dict(copy.deepcopy(self.good["samplers"][k]))
        self.step = self.good["step"]
        self.phase_step = self.good["phase_step"]
        self._report_rollback(failed_at, bad, what,
                              {"parameters": "parameter", "inputs": "region"}.get(what, "term"))

    # -- loop -------------------------------------------------------------------------------
    def train(self, run: RunDir | None) -> None:
        tr = self.settings.training
        phases = self._begin()
        if self.step == 0:  # mis-scaling hints before the first step (faults.py)
            for message in faults.scaling_warnings(self):
                self.warnings.append(message)
                self.callback("warning", {"message": message})
        n_points = sum(s.points().shape[0] for s in self.samplers.values())
        while self.phase < len(phases):
            phase = phases[self.phase]
            self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
            closure_driven = phase.optimizer in CLOSURE_DRIVEN
            self.time_weighting.active = not closure_driven  # causal weights: first order only
            self.time_weighting.horizon = phase.horizon
            if self.optimizer_state is not None:
                self.optimizer.load_state_dict(self.optimizer_state)
                self.optimizer_state = None
            for s in self.samplers.values():
                if not isinstance(s, FixedSampler):
                    # Quasi-Newton curvature pairs assume a fixed loss: no resampling in L-BFGS.
                    s.frozen = closure_driven
            self._snapshot()
            phase_t0 = time.perf_counter()
            while self.phase_step < phase.steps:
                if phase.seconds and time.perf_counter() - phase_t0 > phase.seconds:
                    break  # wall-clock budget of the phase spent (not resumable mid-budget)
                t0 = time.perf_counter()
                if closure_driven:
                    done = self._lbfgs_step(phase)
                else:
                    done = self._adam_step(phase)
                if done == 0:
                    continue  # rolled back
                self.step += done
                self.phase_step += done
                self.points_per_s = n_points * done / max(time.perf_counter() - t0, 1e-9)
                self.elapsed = time.perf_counter() - self.t_start
                if self.step % tr.log_every < done or self.phase_step >= phase.steps:
                    self._log(run, phase)
                    self._snapshot()
                    self.retries = 0
                if run is not None and (self.step % tr.checkpoint_every < done):
                    run.save_checkpoint(self.state_dict())
            self.phase += 1
            self.phase_step = 0
            nxt = phases[self.phase] if self.phase < len(phases) else None
            # ssbfgs → ssbfgs (e.g. redrawing points, then fixed points) keeps the curvature.
            self.optimizer_state = (self.optimizer.state_dict() if nxt is not None and
                                    nxt.optimizer == phase.optimizer in WARM_ACROSS_REDRAWS
                                    else None)
            self.optimizer = None
            self._chunk_loss = None
            if run is not None:
                run.save_checkpoint(self.state_dict())
        self.elapsed = time.perf_counter() - self.t_start
        self.callback("end", self._info())

    def _fail(self, mse: dict) -> int:
        """Name the non-finite culprit, roll back to the last good state; 0 steps done."""
        what, names = faults.diagnose(self, mse)
        self._rollback(names, what)
        return 0

    def _adam_step(self, phase) -> int:
        lr = base_lr(phase) * schedule_factor(phase, self.phase_step) * self.lr_scale
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        total, mse, residuals = self._loss()
        per_term = hasattr(self.optimizer, "step_losses")  # MultiAdam: moments per term
        if self.dist is not None and per_term:
            raise SolveError("multiadam keeps moments per term and is not supported on "
                             "several ranks; use adam")
        # One finiteness check per step; the culprit is named only on failure. On several
        # ranks the check waits for the all-reduce so that every rank decides alike.
        if self.dist is None and not torch.isfinite(total):
            return self._fail(mse)
        if self.balance.due(self.step):  # needs the graph, so before backward (per rank)
            self.balance.update(mse, residuals, self.params)
        if per_term:
            if not self.optimizer.step_losses(list(self._objective_terms.values())):
                return self._fail(mse)
        else:
            total.backward()
            if self.dist is not None:  # one all-reduce of gradients and loss
                total = self.dist.average(self.params, total)
            grads = [p.grad for p in self.params if p.grad is not None]
            grad_norm = torch.nn.utils.get_total_norm(grads)
            if not (torch.isfinite(total) and torch.isfinite(grad_norm)):
                return self._fail(mse)
            self.optimizer.step()
        self.balance.after_step()
        self._mse = {k: v.detach() for k, v in mse.items()}
        self.lr = lr
        for key, sampler in self.samplers.items():
            if isinstance(sampler, FixedSampler):
                continue
            r = _magnitude([residuals[t.name].detach() for t in self.groups[key]])
            # Residual imbalance max/mean |r|, kept as a tensor (no sync on the hot path).
            self._imbalance[key] = r.max() / r.mean().clamp_min(1e-300)
            if not sampler.frozen:
                sampler.update(r, self.phase_step + 1, self.residual_fns[key])
        return 1

    def _lbfgs_step(self, phase) -> int:
        if phase.resample_every and self.phase_step and self.phase_step % phase.resample_every == 0 \
                and getattr(self, "_redrawn_at", None) != self.step:
            self._redraw_for_lbfgs(phase)
        chunk = min(LBFGS_CHUNK, phase.steps - self.phase_step)
        # End chunks on checkpoint steps, so that a crash loses at most checkpoint_every
        # iterations (splitting a chunk re-evaluates the loss once; the iterates are the same).
        every = self.settings.training.checkpoint_every
        chunk = min(chunk, every - self.step % every)
        if phase.resample_every:
            chunk = min(chunk, phase.resample_every - self.phase_step % phase.resample_every)
        group = self.optimizer.param_groups[0]
        group["max_iter"] = chunk
        group["max_eval"] = chunk * 10  # strong-Wolfe may evaluate several times per iteration
        group["lr"] = base_lr(phase) * self.lr_scale
        self.lr = group["lr"]
        first = group["params"][0]
        before = self.optimizer.state[first].get("n_iter", 0)

        def closure():
            self.optimizer.zero_grad(set_to_none=True)
            total, mse, _ = self._loss()
            self._closure_mse = mse
            if self.dist is not None:
                total.backward()
                total = self.dist.average(self.params, total)
                self._closure_total = total
                return total
            if torch.isfinite(total):
                total.backward()
                grads = [p.grad for p in self.params if p.grad is not None]
                if not torch.isfinite(torch.nn.utils.get_total_norm(grads)):
                    # A NaN gradient at a finite loss poisons every later direction: stop
                    # the step here and name the term (a non-finite *loss* is left to the
                    # line search, which may backtrack from an overshoot).
                    raise _NonFiniteGradient
            return total

        try:
            self.optimizer.step(closure)
        except _NonFiniteGradient:
            return self._fail(self._closure_mse)
        after = self.optimizer.state[first].get("n_iter", 0)
        mse = self._closure_mse
        bad = [k for k, v in mse.items() if not torch.isfinite(v)]
        if self.dist is not None:   # decide on the shared loss, as every rank must agree
            bad = [] if torch.isfinite(self._closure_total) else ["loss"]
        params_ok = all(torch.isfinite(p).all() for p in self.params)
        if bad or not params_ok:
            return self._fail(mse)
        self._mse = {k: v.detach() for k, v in mse.items()}
        done = max(after - before, 0)
        opt_state = self.optimizer.state[first]  # loss at an accepted point, not a trial one
        loss = opt_state.get("loss", opt_state.get("prev_loss"))
        loss = float(loss) if loss is not None else None
        if loss is None:
            loss = float(sum(self.weights[k] * v for k, v in self._mse.items()))
        last = getattr(self, "_chunk_loss", None)
        self._chunk_loss = loss
        if done and (last is None or loss < last):
            self._stalls = 0
            return done
        # A chunk without progress: restart the curvature history (a stale history is the
        # usual reason L-BFGS stops early); after three such chunks in a row the loss is at
        # round-off and the phase ends.
        self._stalls = getattr(self, "_stalls", 0) + 1
        if self._stalls >= 3:
            self.callback("warning", {"message": f"{phase.optimizer} stalled at step "
                                      f"{self.step + done} (no further decrease after "
                                      "restarts); ending the phase"})
            self._stalls = 0
            return phase.steps - self.phase_step
        self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
        return done

    def collocation(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Current collocation points of every region (n, d) with their residual magnitude
        and a region index, to show in ParaView where the sampler put its points."""
        points, magnitude, region = [], [], []
        for i, (key, terms) in enumerate(sorted(self.groups.items())):
            x = self.samplers[key].points()
            res = self.compiled.evaluate(self.model, terms, x, normals=self.samplers[key].normals())
            points.append(x.detach().cpu().numpy())
            magnitude.append(_magnitude([r.detach() for r in res.values()]).cpu().numpy())
            region.append(np.full(len(x), i))
        return np.concatenate(points), {"residual": np.concatenate(magnitude),
                                        "region": np.concatenate(region)}

    @property
    def last_losses(self) -> dict[str, float]:
        """Unweighted mean squares of the last step (converted here, not on the hot path);
        with several ranks, their means at the last log."""
        if self.dist is not None:
            return {k: float(v) for k, v in self._global_mse.items()}
        return {k: float(v) for k, v in self._mse.items()}

    def _redraw_for_lbfgs(self, phase) -> None:
        """New points for every moving sampler, then a fresh L-BFGS (old curvature pairs
        describe the old loss); dense quasi-Newton keeps its inverse Hessian."""
        for key, sampler in self.samplers.items():
            sampler.redraw(self.residual_fns[key])
        if phase.optimizer not in WARM_ACROSS_REDRAWS:
            self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
        self._redrawn_at = self.step
        self._chunk_loss = None
        if hasattr(self.balance, "reset"):
            self.balance.reset()

    def current_error(self) -> float | None:
        """Mean over fields of the L2 relative error against the reference."""
        if self.reference is None:
            return None
        pts, ref = self.reference
        pred = evaluate(self.model, pts, dtype=self.dtype, device=self.device)
        errs = errors(self.problem.fields, pred, ref)
        return float(np.mean([e["l2re"] for e in errs.values()])) if errs else None

    def _info(self) -> dict:
        phases = self.settings.training.phases
        elapsed = time.perf_counter() - self.t_start
        rate = self.step / elapsed if elapsed > 0 and self.step else None
        info = {"problem": self.problem.name, "step": self.step,
                "total_steps": getattr(self, "total_steps", 0),
                "phase": phases[min(self.phase, len(phases) - 1)].optimizer,
                "losses": dict(self.last_losses), "lr": getattr(self, "lr", None),
                "points_per_s": getattr(self, "points_per_s", 0.0),
                "eta_s": (self.total_steps - self.step) / rate if rate else None,
                "elapsed_s": elapsed}
        for name, p in self.compiled.unknowns.items():
            info.setdefault("unknowns", {})[name] = float(p.detach())
        info["sampling"] = self.sampling_report()
        info["weights"] = dict(self.weights)
        if self.time_weighting.weights is not None:
            info["causal_weights"] = [float(w) for w in self.time_weighting.weights]
        return info

    def sampling_report(self) -> dict[str, dict[str, float]]:
        """Per region: residual imbalance max/mean |r| of the last step and the sampler's
        own diagnostics (causal front, population)."""
        report = {}
        for key, sampler in self.samplers.items():
            if isinstance(sampler, FixedSampler):
                continue
            entry = {"imbalance": float(self._imbalance[key])} if key in self._imbalance else {}
            entry.update(sampler.diagnostics())
            report[key] = entry
        return report

    def _log(self, run: RunDir | None, phase) -> None:
        if self.dist is not None:   # every rank logs at the same steps
            self._global_mse = self.dist.mean_values(self._mse)
        info = self._info()
        tr = self.settings.training
        if self.step % tr.eval_every < max(1, tr.log_every) or self.phase_step >= phase.steps:
            err = self.current_error()
            if err is not None:
                info["error"] = err
        if run is not None:
            run.append_log({k: v for k, v in info.items() if k not in ("problem",)})
        self.callback("log", info)


def _sampler_states(state: Mapping, distributed: Distributed | None) -> dict | None:
    """This rank's saved sampler states, or None when the world size changed (the
    points are then drawn afresh; model, optimizer and step carry over)."""
    world = 1 if distributed is None else distributed.world
    if int(state.get("world_size", 1)) != world:
        return None
    if distributed is None:
        return state["samplers"]
    ranks = state.get("rank_samplers")
    return ranks[distributed.rank] if ranks else None
