"""PINN steps for the loop (loop.py): the loss over every region's collocation points, a
first-order step (Adam family) or a chunk of a closure-driven optimizer (L-BFGS, dense
quasi-Newton, Gauss-Newton), the samplers' updates, and the state to resume.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import torch

from ..derivatives import ENGINES
from ..errors import SolveError
from ..io.fields import evaluate
from ..io.metrics import errors
from ..sampling import FixedSampler
from ..spec import Problem
from ..spec.initial_layer import time_layer
from ..spec.schema import Phase, TrainingSettings
from . import acceleration, faults
from .distributed import Distributed
from .loop import Loop, NonFinite, Position
from .parts import Parts, assemble, resolve_device
from .phases import OPTIMIZERS, base_lr, holds_curvature, make_optimizer, schedule_factor
from .rescale import EVERY as RESCALE_EVERY
from .rescale import rescale, scaled_network
from .weights import (UNIT_GAP, GradNorm, equation_balance, make_scheme, of_products,
                      units_gap)

LBFGS_CHUNK = 20  # L-BFGS iterations per optimizer.step call (progress and NaN checks between)
ADVICE = ("check the equation's scaling (non-dimensionalise), lower the learning rate, or use "
          "float64")


class _NonFiniteGradient(Exception):
    """Raised inside an L-BFGS closure to abandon the step."""


def unbiased_loss(problem) -> bool:
    """Whether the problem asks for the two-draw unbiased loss of a stochastic engine."""
    d = problem.settings.derivatives
    return ENGINES[d.engine].stochastic and bool(getattr(d.options, "unbiased", False))


def magnitude(residuals: list[torch.Tensor]) -> torch.Tensor:
    """Pointwise residual magnitude sqrt(Σ r²) over terms sharing the same points, (n,)."""
    return torch.stack(residuals).square().sum(0).sqrt()


class PinnStepper:
    """Steps of PINN training over assembled :class:`Parts`.

    Args:
        parts: the run's parts.
        training: training settings (compile/autocast of the loss, cadence of L-BFGS).
        unbiased: the unbiased two-draw loss of a stochastic engine (stde's ``unbiased``).
        loss_scale: a constant factor on the loss (multi-stage refinement: 1/ε_r²).
        stage: figures of a refinement stage, reported with the progress.
    """

    def __init__(self, parts: Parts, training: TrainingSettings, *, unbiased: bool = False,
                 loss_scale: float = 1.0, stage: dict | None = None):
        self.parts = parts
        self.training = training
        self.unbiased = unbiased
        self.loss_scale = loss_scale
        self.stage = stage
        self.name = parts.problem.name
        self.problem = parts.problem
        self.model = parts.model
        self.compiled = parts.compiled
        self.samplers = parts.samplers
        self.balance = parts.balance
        self.dist = parts.dist
        self.params = list(parts.params)
        self.points_per_step = sum(s.points().shape[0] for s in self.samplers.values())
        self.residual_fns = {key: self._residual_fn(terms) for key, terms in parts.groups.items()}
        acceleration.check(training.compile, training.matmul_precision, training.autocast,
                           self.compiled.engine_name, parts.device, parts.dtype)
        self._loss = acceleration.loss_function(self.losses, training.compile,
                                                training.autocast, parts.device,
                                                warn=lambda m: self.messages.append(m),
                                                engine=self.compiled.engine)
        # State that training changes, all of it:
        self.optimizer: torch.optim.Optimizer | None = None
        self.optimizer_name: str | None = None
        self.lr: float | None = None
        self.mse: dict[str, torch.Tensor] = {}           # last step's, as tensors (no sync)
        self.global_mse: dict[str, torch.Tensor] = {}    # several ranks: means at the last log
        self.imbalance: dict[str, torch.Tensor] = {}
        self.objective_terms: dict[str, torch.Tensor] = {}
        self.chunk_loss: float | None = None             # closure-driven: last chunk's loss
        self.stalls = 0
        self.phase_over: str | None = None   # why the stepper ended its phase (the loop reads it)
        self.redrawn_at: int | None = None
        self.redraw_clock = time.perf_counter()   # when the phase began or a redraw was due
        self.closure_mse: dict[str, torch.Tensor] = {}
        self.closure_total: torch.Tensor | None = None
        self.messages: list[str] = []                    # for the loop to pass on
        self.notices: list[tuple[str, str]] = []         # (event, message), the same
        # Output scales moved while training (training/rescale.py): planned scales only, on
        # one rank (each rank's points would move them differently)
        self.scaled_net = scaled_network(self.model) if (
            "output_scale" in training.planned and self.dist is None) else None
        self.rescaled: list[dict] = []

    # -- residuals and loss -----------------------------------------------------------------
    def _residual_fn(self, terms):
        """Points (m, d) → residual magnitude (m,) of ``terms``, for samplers that probe new
        points (with their outward normals on boundaries). Parameters are detached so no
        graph towards them is built; with ``differentiable=True`` (x must require grad) the
        graph towards x is kept, for samplers that climb the residual."""

        def fn(x: torch.Tensor, normals: torch.Tensor | None = None,
               differentiable: bool = False) -> torch.Tensor:
            frozen = {k: v.detach() for k, v in self.model.named_parameters()}
            model = lambda z: torch.func.functional_call(self.model, frozen, (z,))  # noqa: E731
            res = self.compiled.evaluate(model, terms, x, normals=normals)
            r = magnitude(list(res.values()))
            return r if differentiable else r.detach()

        return fn

    def losses(self) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """(weighted total, unweighted mean squares per term, residuals per term)."""
        residuals: dict[str, torch.Tensor] = {}
        weighted: dict[str, torch.Tensor] = {}
        points: dict[str, torch.Tensor] = {}
        for key, terms in self.parts.groups.items():
            sampler = self.samplers[key]
            res = self.compiled.evaluate(self.model, terms, sampler.points(),
                                         normals=sampler.normals())
            residuals.update(res)
            points.update({k: sampler.points() for k in res})
            w = sampler.loss_weights()   # causal R3's time gate; None for most samplers
            weighted.update(res if w is None else {k: r * w for k, r in res.items()})
        mse = {name: (r ** 2).mean() for name, r in weighted.items()}
        if self.unbiased:
            # Unbiased STDE loss (Shi et al. eq. 25): a second, independent draw of the
            # random tangents; mean(stopgrad(R_J) · R_K) has the expectation of the
            # exact squared residual, whose bias the plain mean(R_J²) carries.
            for key, terms in self.parts.groups.items():
                sampler = self.samplers[key]
                again = self.compiled.evaluate(self.model, terms, sampler.points(),
                                               normals=sampler.normals())
                for name, r in again.items():
                    mse[name] = (residuals[name].detach() * r).mean()
        self.objective_terms = self.parts.time_weighting.apply(mse, residuals, points)
        total = self.balance.objective(self.objective_terms, weighted, points)
        return total * self.loss_scale, mse, residuals

    @property
    def weights(self) -> dict[str, float]:
        """Current weight of every term (fixed or from ``training.weighting``)."""
        return self.balance.weights

    def residual_vector(self) -> torch.Tensor:
        """All residuals scaled by √(weight · loss_scale / n), concatenated: ‖r‖² is the loss."""
        parts = []
        for key, terms in self.parts.groups.items():
            sampler = self.samplers[key]
            res = self.compiled.evaluate(self.model, terms, sampler.points(),
                                         normals=sampler.normals())
            w = sampler.loss_weights()
            for name, r in res.items():
                r, n = self.parts.time_weighting.cut(
                    name, (r if w is None else r * w).reshape(-1), sampler.points())
                parts.append(r * (self.weights[name] / n) ** 0.5)
        return torch.cat(parts) * self.loss_scale ** 0.5

    # -- phases -----------------------------------------------------------------------------
    def begin_phase(self, phase: Phase, optimizer_state: dict | None) -> None:
        if OPTIMIZERS[phase.optimizer].closure_driven and optimizer_state is None:
            self._rescale(f"before {phase.optimizer}")   # its curvature starts in these units
        self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
        self.optimizer_name = phase.optimizer
        self.redraw_clock = time.perf_counter()
        closure_driven = OPTIMIZERS[phase.optimizer].closure_driven
        tw = self.parts.time_weighting
        tw.active = not closure_driven  # causal weights: first order only
        self.compiled.one_way = not closure_driven   # compiler/residual.py: upstream_fields
        tw.horizon = phase.horizon
        if optimizer_state is not None:
            self.optimizer.load_state_dict(optimizer_state)
        for s in self.samplers.values():
            if not isinstance(s, FixedSampler):
                # Quasi-Newton curvature pairs assume a fixed loss: no resampling in L-BFGS.
                s.frozen = closure_driven

    def end_phase(self, phase: Phase, following: Phase | None) -> dict | None:
        # ssbfgs → ssbfgs (e.g. redrawing points, then fixed points) keeps the curvature.
        carry = (self.optimizer.state_dict() if following is not None and
                 following.optimizer == phase.optimizer and holds_curvature(self.optimizer)
                 else None)
        self.optimizer = None
        self.chunk_loss = None
        return carry

    def step(self, phase: Phase, at: Position) -> int:
        if OPTIMIZERS[phase.optimizer].closure_driven:
            return self._closure_step(phase, at)
        return self._first_order_step(phase, at)

    def _fail(self, mse: dict) -> NonFinite:
        what, names = faults.diagnose(self, mse)
        return NonFinite(what, names, ADVICE)

    def _first_order_step(self, phase: Phase, at: Position) -> int:
        lr = base_lr(phase) * schedule_factor(phase, at.phase_step) * at.lr_scale
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        total, mse, residuals = self._loss()
        per_term = OPTIMIZERS[phase.optimizer].per_term  # MultiAdam: moments per term
        if self.dist is not None and per_term:
            raise SolveError("multiadam keeps moments per term and is not supported on "
                             "several ranks; use adam")
        # One finiteness check per step; the culprit is named only on failure. On several
        # ranks the check waits for the all-reduce so that every rank decides alike.
        if self.dist is None and not torch.isfinite(total):
            raise self._fail(mse)
        if self.balance.due(at.step):  # needs the graph, so before backward (per rank)
            self.balance.update(mse, residuals, self.params)
        if per_term:
            if not self.optimizer.step_losses(list(self.objective_terms.values())):
                raise self._fail(mse)
        else:
            total.backward()
            if self.dist is not None:  # one all-reduce of gradients and loss
                total = self.dist.average(self.params, total)
            grads = [p.grad for p in self.params if p.grad is not None]
            grad_norm = torch.nn.utils.get_total_norm(grads)
            if not (torch.isfinite(total) and torch.isfinite(grad_norm)):
                raise self._fail(mse)
            self.optimizer.step()
        self.balance.after_step()
        if at.phase_step and at.phase_step % RESCALE_EVERY == 0:
            self._rescale(f"step {at.step}")
        self.mse = {k: v.detach() for k, v in mse.items()}
        self.lr = lr
        for key, sampler in self.samplers.items():
            if isinstance(sampler, FixedSampler):
                continue
            r = magnitude([residuals[t.name].detach() for t in self.parts.groups[key]])
            # Residual imbalance max/mean |r|, kept as a tensor (no sync on the hot path).
            self.imbalance[key] = r.max() / r.mean().clamp_min(1e-300)
            if not sampler.frozen:
                sampler.update(r, at.phase_step + 1, self.residual_fns[key])
        return 1

    def _rescale(self, when: str) -> None:
        """Output columns far from order one take their size into their scale
        (training/rescale.py), over the largest sampler's points."""
        if self.scaled_net is None:
            return
        x = max((s.points() for s in self.samplers.values()), key=len)
        moved = rescale(self.scaled_net, x, self.optimizer)   # (None between phases)
        fields = self.problem.fields
        moves = [{"when": when, "output": fields[k] if k < len(fields) else k,   # layers: k
                  "factor": factor, "scale": scale} for k, factor, scale in moved]
        self.rescaled += moves
        if moves:
            shown = ", ".join(f"{m['output']} ×{m['factor']:.3g} (now {m['scale']:.3g})"
                              for m in moves)
            self.notices.append(("scales", f"{when}: output scales {shown}, the RMS of "
                                 "each output outside 0.1-10"))

    def _closure_step(self, phase: Phase, at: Position) -> int:
        if phase.resample_every and at.phase_step and at.phase_step % phase.resample_every == 0 \
                and self.redrawn_at != at.step:
            # Not when the budget ends before the new points are fitted: measured on the
            # zoo's poisson_lshape, a redraw 20 iterations before the end left 2.4e-2
            # where the step before it had 7.5e-4. The last interval stays on its points.
            if at.time_left is None or at.time_left >= time.perf_counter() - self.redraw_clock:
                self._redraw(phase, at.step)
            else:
                self.redrawn_at = at.step
            self.redraw_clock = time.perf_counter()
        # End chunks on checkpoint steps (``at.room``), so that a crash loses at most
        # checkpoint_every iterations (splitting a chunk re-evaluates the loss once; the
        # iterates are the same).
        chunk = min(LBFGS_CHUNK, at.room)
        if phase.resample_every:
            chunk = min(chunk, phase.resample_every - at.phase_step % phase.resample_every)
        group = self.optimizer.param_groups[0]
        group["max_iter"] = chunk
        group["max_eval"] = chunk * 10  # strong-Wolfe may evaluate several times per iteration
        group["lr"] = base_lr(phase) * at.lr_scale
        self.lr = group["lr"]
        first = group["params"][0]
        before = self.optimizer.state[first].get("n_iter", 0)

        def closure():
            self.optimizer.zero_grad(set_to_none=True)
            total, mse, _ = self._loss()
            self.closure_mse = mse
            if self.dist is not None:
                total.backward()
                total = self.dist.average(self.params, total)
                self.closure_total = total
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
            raise self._fail(self.closure_mse) from None
        after = self.optimizer.state[first].get("n_iter", 0)
        mse = self.closure_mse
        bad = [k for k, v in mse.items() if not torch.isfinite(v)]
        if self.dist is not None:   # decide on the shared loss, as every rank must agree
            bad = [] if torch.isfinite(self.closure_total) else ["loss"]
        if bad or not all(torch.isfinite(p).all() for p in self.params):
            raise self._fail(mse)
        self.mse = {k: v.detach() for k, v in mse.items()}
        done = max(after - before, 0)
        opt_state = self.optimizer.state[first]  # loss at an accepted point, not a trial one
        loss = opt_state.get("loss", opt_state.get("prev_loss"))
        loss = float(loss) if loss is not None else \
            float(sum(self.weights[k] * v for k, v in self.mse.items()))
        last, self.chunk_loss = self.chunk_loss, loss
        if done and (last is None or loss < last):
            self.stalls = 0
            return done
        # A chunk without progress: restart the curvature history (a stale history is the
        # usual reason L-BFGS stops early); after three such chunks in a row the loss is at
        # round-off and the phase ends.
        self.stalls += 1
        if self.stalls >= 3:
            self.stalls = 0
            # The loop ends the phase and records why; the steps count only those taken
            # (a planned phase has millions of nominal steps).
            self.phase_over = ("no further decrease after three restarts of its curvature "
                               "history (the loss is at round-off)")
            return done
        self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
        return done

    def _redraw(self, phase: Phase, step: int) -> None:
        """New points for every moving sampler, then a fresh L-BFGS (old curvature pairs
        describe the old loss); dense quasi-Newton keeps its inverse Hessian when the points
        are redrawn (as Urbán et al. do with RAD): the loss changes little, and the full
        matrix is expensive to rebuild."""
        for key, sampler in self.samplers.items():
            sampler.redraw(self.residual_fns[key])
        if not holds_curvature(self.optimizer):
            self.optimizer = make_optimizer(phase, self.params, self.residual_vector)
        self.redrawn_at = step
        self.chunk_loss = None
        if hasattr(self.balance, "reset"):
            self.balance.reset()

    # -- state ------------------------------------------------------------------------------
    def optimizer_state(self) -> dict | None:
        return self.optimizer.state_dict() if self.optimizer is not None else None

    def engine_generator(self) -> torch.Generator | None:
        return getattr(self.compiled.engine, "generator", None)

    def state_dict(self, collective: bool = True) -> dict:
        """Model, unknowns, samplers, balance and random streams. With several ranks and
        ``collective`` (every rank calls it at the same point), every rank's sampler state
        is gathered."""
        gen = self.engine_generator()
        state = {
            "model": self.model.state_dict(),
            "unknowns": self.compiled.unknowns.state_dict(),
            "samplers": {k: s.state_dict() for k, s in self.samplers.items()},
            "balance": self.balance.state_dict(),
            "balance_scheme": "grad_norm" if isinstance(self.balance, GradNorm) else None,
            "rng": torch.get_rng_state(),
            "engine_rng": gen.get_state() if gen is not None else None,
            "world_size": 1 if self.dist is None else self.dist.world,
        }
        if self.stage is not None:
            state["stage_info"] = dict(self.stage)
        if self.dist is not None:   # gathered through pickles: host copies, not GPU tensors
            state["rank_samplers"] = self.dist.gather(_on_host(state["samplers"])) \
                if collective else None
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.compiled.unknowns.load_state_dict(state["unknowns"])
        saved = _sampler_states(state, self.dist)
        for k, s in self.samplers.items():
            if saved is not None and k in saved:
                s.load_state_dict(saved[k])
        if state.get("balance_scheme") == "grad_norm" and "weights" in self.training.planned:
            self.balance_by_gradients()   # the plan switched at step 0 (start)
        if "balance" in state:
            self.balance.load_state_dict(state["balance"])
        torch.set_rng_state(state["rng"])
        gen = self.engine_generator()
        if state.get("engine_rng") is not None and gen is not None:
            gen.set_state(state["engine_rng"])
        if "stage_info" in state:
            self.stage = dict(state["stage_info"])
            self.loss_scale = float(self.stage.get("loss_scale", 1.0))

    def snapshot(self) -> dict:
        return {"model": self.model.state_dict(), "unknowns": self.compiled.unknowns.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "samplers": {k: s.state_dict() for k, s in self.samplers.items()}}

    def restore(self, snapshot: dict) -> None:
        self.model.load_state_dict(snapshot["model"])
        self.compiled.unknowns.load_state_dict(snapshot["unknowns"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
        for k, s in self.samplers.items():  # adaptive points moved by the bad steps, too
            s.load_state_dict(snapshot["samplers"][k])

    # -- reports ----------------------------------------------------------------------------
    @property
    def last_losses(self) -> dict[str, float]:
        """Unweighted mean squares of the last step (converted here, not on the hot path);
        with several ranks, their means at the last log."""
        if self.dist is not None:
            return {k: float(v) for k, v in self.global_mse.items()}
        return {k: float(v) for k, v in self.mse.items()}

    def before_log(self) -> None:
        if self.dist is not None:   # every rank logs at the same steps
            self.global_mse = self.dist.mean_values(self.mse)

    def report(self) -> dict:
        tw = self.parts.time_weighting
        return {"losses": self.last_losses, "lr": self.lr,
                "unknowns": {n: float(p.detach())
                             for n, p in self.compiled.unknown_values().items()},
                "sampling": self.sampling_report(), "weights": dict(self.weights),
                "causal_weights": [float(w) for w in tw.weights] if tw.weights is not None
                else None, "stage": self.stage}

    def objective(self) -> float:
        """The weighted loss of the last step (unscaled, as the user's weights define it)."""
        return float(sum(self.weights.get(k, 1.0) * v for k, v in self.last_losses.items()))

    def sampling_report(self) -> dict[str, dict[str, float]]:
        """Per region: residual imbalance max/mean |r| of the last step and the sampler's
        own diagnostics (causal front, population)."""
        report = {}
        for key, sampler in self.samplers.items():
            if isinstance(sampler, FixedSampler):
                continue
            entry = {"imbalance": float(self.imbalance[key])} if key in self.imbalance else {}
            entry.update(sampler.diagnostics())
            report[key] = entry
        return report

    def at_reference(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]] | None:
        """(points, model values, reference values) where the error is measured, or None
        without a reference (the output writer reuses them on the same grid)."""
        if self.parts.reference is None:
            return None
        pts, ref = self.parts.reference
        pred = evaluate(self.model, pts, dtype=self.parts.dtype, device=self.parts.device)
        return pts, pred, ref

    def field_errors(self, at_reference=None) -> dict[str, dict] | None:
        """Errors of each field against the reference (io/metrics.errors), or None;
        ``at_reference`` is :meth:`at_reference`'s answer when already computed."""
        at_reference = at_reference or self.at_reference()
        if at_reference is None:
            return None
        _, pred, ref = at_reference
        return errors(self.parts.problem.fields, pred, ref)

    def error(self) -> float | None:
        """Mean over fields of the L2 relative error against the reference."""
        errs = self.field_errors()
        # Relative errors only: a field whose reference is zero has an RMS error instead.
        rel = [e["l2re"] for e in (errs or {}).values() if e.get("measure", "l2re") == "l2re"]
        return float(np.mean(rel)) if rel else None

    def start(self) -> list[tuple[str, str]]:
        """Before the first step: the plan's balance of a system's equations (a "weights"
        notice) and mis-scaling hints ("warning"s, faults.py), from one look at the
        untrained network."""
        measured = faults.step_zero(self)
        out = []
        tr = self.training
        # planned only when the file (and its overrides) set no weights and no scheme
        if self.stage is None and "weights" in tr.planned:
            norms = measured[1]
            if self.dist is not None:   # every rank must train the same loss
                norms = {k: float(v) for k, v in self.dist.mean_values(
                    {k: torch.tensor(v) for k, v in norms.items()}).items()}
            products = of_products(self.problem)   # their pull is the init's, not units
            kinds = {t.name: "point" if t.region.kind == "point" else
                     "product" if t.name in products else t.kind for t in self.parts.terms}
            layer = time_layer(self.problem)
            chosen = equation_balance(norms, kinds, stiff=layer is not None and layer.stiff)
            if chosen:
                self.balance.weights.update(chosen)
                out.append(("weights", "the equations (and observations far weaker than "
                            "them) balanced by their gradient norms at step 0: " +
                            ", ".join(f"{k} ×{v:.3g}" for k, v in chosen.items())))
            with_data = {c.name for c in self.problem.conditions
                         if self.problem.carries_data(c)}
            # One process only: the scheme's update reads this rank's gradients.
            gap = units_gap(norms, kinds, with_data) if self.dist is None else None
            if gap is not None:
                self.balance_by_gradients()
                out.append(("weights", f"{gap[0]} pulls {gap[1]:.2g}× {gap[2]} than the "
                            f"equations at step 0 (more than {UNIT_GAP:g}×: "
                            "other units): every term balanced by its gradient norm "
                            f"(training.weighting.scheme grad_norm, every "
                            f"{self.balance.settings.every} steps of the first-order phase)"))
        return out + [("warning", m) for m in faults.scaling_warnings(self, measured)]

    def balance_by_gradients(self) -> None:
        """Switch the planned fixed weights to gradient-norm balancing (``grad_norm``, its
        default options), starting from the weights so far."""
        if isinstance(self.balance, GradNorm):
            return
        settings = replace(self.training.weighting, scheme="grad_norm", options=None)
        self.balance = make_scheme(
            settings, self.balance.weights, {t.name: t.kind for t in self.parts.terms},
            self.training.seed)

    def collocation(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Current collocation points of every region (n, d) with their residual magnitude
        and a region index, to show in ParaView where the sampler put its points."""
        points, mags, region = [], [], []
        for i, (key, terms) in enumerate(sorted(self.parts.groups.items())):
            x = self.samplers[key].points()
            res = self.compiled.evaluate(self.model, terms, x, normals=self.samplers[key].normals())
            points.append(x.detach().cpu().numpy())
            mags.append(magnitude([r.detach() for r in res.values()]).cpu().numpy())
            region.append(np.full(len(x), i))
        return np.concatenate(points), {"residual": np.concatenate(mags),
                                        "region": np.concatenate(region)}


def _on_host(value):
    """``value`` (nested dicts of tensors) with every tensor copied to the CPU."""
    if isinstance(value, dict):
        return {k: _on_host(v) for k, v in value.items()}
    return value.cpu() if isinstance(value, torch.Tensor) else value


def _sampler_states(state: dict, distributed) -> dict | None:
    """This rank's saved sampler states, or None when the world size changed (the
    points are then drawn afresh; model, optimizer and step carry over)."""
    world = 1 if distributed is None else distributed.world
    if int(state.get("world_size", 1)) != world:
        return None
    if distributed is None:
        return state["samplers"]
    ranks = state.get("rank_samplers")
    return ranks[distributed.rank] if ranks else None


def pinn_loop(problem: Problem, device: torch.device | None = None,
              dtype: torch.dtype | None = None, callback=None, dist: Distributed | None = None):
    """The assembled PINN loop of ``problem`` (parts, stepper, loop), untrained: for Python
    users and tests that drive or inspect training step by step. Device and dtype default
    to the problem's settings."""
    tr = problem.settings.training
    device = device or resolve_device(tr.device)
    dtype = dtype or getattr(torch, tr.dtype)
    stepper = PinnStepper(assemble(problem, device, dtype, dist=dist), tr,
                          unbiased=unbiased_loss(problem))
    return Loop(stepper, tr, callback)
