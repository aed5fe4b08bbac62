"""Multi-stage refinement (after Wang & Lai, "Multi-stage neural networks: function
approximator of machine precision", J. Comput. Phys. 2024; reconstructed from the paper's
description, not from its code).

After the first solve, stage k adds a new network u_k to the frozen composite:

    u = u₁ + ε₂ u₂ + ... + ε_k u_k,

and trains u_k alone on the full (nonlinear) PDE loss of the composite. The scale ε_k keeps
u_k's output O(1); it is estimated from the current composite's equation residual on a
regular grid: ε_r = RMS of the residual, f_d = the frequency (cycles per unit length, a
vector over the inputs) of the largest periodogram peak, and

    ε_k = ε_r / (2π |f_d|)^n   with ``order: n`` ≥ 1 (the paper's estimate), or
    ε_k = ε_r / g              with ``order: 0`` (default),

g = RMS ∂R(u + ε u_k)/∂ε at ε = 0, the measured gain of the linearised operator on the new
network (what (2π f_d)^n stands for, with mixed orders and coefficients counted). Either
way ε_k u_k makes a residual of the size ε_r. The first hidden layer of u_k uses sin with
its weights multiplied by κ = 2π |f_d| (|f_d| measured in the network's normalised input
coordinates, z ∈ [-1, 1]), so that the new stage starts with the error's frequency
content. With exact (hard) constraints, u_k passes through the same distance factor as u₁
with zero lift: imposed Dirichlet/initial data are untouched by every later stage.
``start: exact`` zeroes the new output layer (the stage starts at the previous composite),
and the stage's loss is multiplied by 1/ε_r² so that quasi-Newton phases (H = I at the
start) see a loss of order 1 (not in the paper).

Each stage has its own run subdirectory ``RUN/stages/<k>/`` (checkpoints, metrics.jsonl);
the run's outputs, metrics and ``Run.predict`` use the composite of all stages.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from ..io.run import RunDir
from ..models.build import input_ranges
from ..models.constraints import HardConstrained
from ..models.stages import Composite, correction_net, freeze
from ..spec import Problem
from .loop import Loop
from .parts import Parts, assemble
from .pinn import PinnStepper, unbiased_loss
from .progress import Callback, Notice, silent


# -- scale and frequency -------------------------------------------------------------------
def estimate_scale(values: np.ndarray, spacing, order: int) -> dict[str, float | list]:
    """ε_r, f_d and ε = ε_r / (2π|f_d|)^order from residuals sampled on a regular grid.

    Args:
        values: signed residuals on the grid, shape (T, n₁, ..., n_d) for T equation terms.
        spacing: grid step per axis (physical units), length d.
        order: n of the operator.
    Returns:
        ``{"eps_r", "f_d", "f_vector", "eps"}``: ε_r = sqrt(mean Σ_T r²); f_d = |f| (cycles
        per unit) at the peak of the summed periodograms Σ_T |FFT(r − mean r)|² over
        non-zero frequencies; f_vector its components per axis.
    """
    values = np.asarray(values, dtype=np.float64)
    axes = tuple(range(1, values.ndim))
    eps_r = float(np.sqrt(np.mean(np.sum(values ** 2, axis=0))))
    centred = values - values.mean(axis=axes, keepdims=True)
    power = (np.abs(np.fft.fftn(centred, axes=axes)) ** 2).sum(0)
    freqs = [np.fft.fftfreq(n, d=h) for n, h in zip(power.shape, spacing)]
    flat = power.reshape(-1).copy()
    flat[0] = 0.0  # the mean
    peak = np.unravel_index(int(np.argmax(flat)), power.shape)
    f_vec = [abs(float(f[i])) for f, i in zip(freqs, peak)]
    f_d = float(np.linalg.norm(f_vec))
    if f_d == 0.0:  # a constant residual has no frequency: one period per unit
        f_d = 1.0
    return {"eps_r": eps_r, "f_d": f_d, "f_vector": f_vec,
            "eps": eps_r / (2 * math.pi * f_d) ** order}


def residual_grid(parts: Parts, n_total: int) -> tuple[np.ndarray, list[float], list[float]]:
    """Signed equation residuals of the parts' model on a regular cell-centred grid over
    the inputs' bounding box, (T, n, ..., n) with n^d ≈ ``n_total``; with the grid step and
    the half-width per input."""
    lo, hi = input_ranges(parts.problem)
    d = len(lo)
    n = max(4, int(round(n_total ** (1.0 / d))))
    axes = [lo[c] + (np.arange(n) + 0.5) * (hi[c] - lo[c]) / n for c in range(d)]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, d)
    terms = [t for t in parts.terms if t.kind == "equation"]
    x = torch.as_tensor(mesh, dtype=parts.dtype, device=parts.device)
    out = []
    for k in range(0, len(x), 4096):
        res = parts.compiled.evaluate(parts.model, terms, x[k:k + 4096])
        out.append(torch.stack([r.detach() for r in res.values()]))
    r = torch.cat(out, 1).to(torch.float64).cpu().numpy().reshape([len(terms)] + [n] * d)
    return r, [(hi[c] - lo[c]) / n for c in range(d)], [(hi[c] - lo[c]) / 2 for c in range(d)]


def operator_gain(parts: Parts, r0: np.ndarray, n_total: int, eps_r: float) -> float:
    """RMS of ∂R(u + ε u_k)/∂ε at ε = 0 on the grid (central difference in ε, exact for
    linear equations): how large a residual the new network makes per unit ε."""
    model = parts.model
    with torch.no_grad():
        model.eps[-1] = 1.0
    r1, _, _ = residual_grid(parts, n_total)
    size = float(np.sqrt(np.mean(np.sum((r1 - r0) ** 2, axis=0))))  # |R'(u_k)| at ε ≈ 1
    delta = 1e-2 * max(eps_r, 1e-12) / max(size, 1e-300)
    rows = []
    for sign in (1.0, -1.0):
        with torch.no_grad():
            model.eps[-1] = sign * delta
        rows.append(residual_grid(parts, n_total)[0])
    with torch.no_grad():
        model.eps[-1] = 0.0
    slope = (rows[0] - rows[1]) / (2 * delta)
    return max(float(np.sqrt(np.mean(np.sum(slope ** 2, axis=0)))), 1e-300)


# -- training ------------------------------------------------------------------------------
def stage_problem(problem: Problem, stage) -> Problem:
    """The problem with the stage's phases (the stage trains like a solve of its own)."""
    s = problem.settings
    training = dataclasses.replace(s.training, phases=stage.phases, stages=())
    sampling = dataclasses.replace(s.sampling, interior=stage.interior) if stage.interior \
        else s.sampling
    return dataclasses.replace(problem, settings=dataclasses.replace(
        s, training=training, sampling=sampling))


def stage_parts(problem: Problem, previous: Parts, stage, index: int) -> Parts:
    """The parts of stage ``index``: the frozen composite of the earlier stages plus a new
    network; only the new network (and the unknowns) are trained."""
    base = previous.model
    members = list(base.members) if isinstance(base, Composite) else [base]
    eps = base.eps.tolist() if isinstance(base, Composite) else [1.0]
    for m in members:
        freeze(m)
    corr = correction_net(problem, stage, index, members[0])
    model = Composite(members + [corr], eps + [1.0])
    parts = assemble(stage_problem(problem, stage), previous.device, previous.dtype,
                     model=model, imposed=previous.imposed)
    parts.compiled.unknowns.load_state_dict(previous.compiled.unknowns.state_dict())
    return parts


def set_scale(parts: Parts, stage, index: int) -> dict:
    """Estimate ε_k, f_d from the current composite (before the new stage learns: its ε is 0
    for the estimate), set ε_k and κ, and return the stage's figures (with the loss scale
    1/ε_r²: the stage's loss starts near 1, as quasi-Newton's first step, H = I, and its
    stall test assume; logs stay unweighted)."""
    st = stage
    model = parts.model
    with torch.no_grad():
        model.eps[-1] = 0.0
    r, spacing, half = residual_grid(parts, st.grid)
    order = st.order
    est = estimate_scale(r, spacing, max(order, 1))
    if st.frequency:
        est["f_d"] = float(st.frequency)
        est["f_vector"] = [float(st.frequency)] + [0.0] * (len(spacing) - 1)
        est["eps"] = est["eps_r"] / (2 * math.pi * st.frequency) ** max(order, 1)
    # κ in the network's normalised coordinates z = (x - centre) / half-width.
    f_z = float(np.linalg.norm([f * h for f, h in zip(est["f_vector"], half)])) \
        if not st.frequency else float(st.frequency) * max(half)
    kappa = max(1.0, 2 * math.pi * f_z)
    net = model.members[-1]
    net = net.net if isinstance(net, HardConstrained) else net
    with torch.no_grad():
        net.kappa.fill_(kappa)
    if order == 0:  # the operator's measured gain on the new (κ-scaled) network
        est["gain"] = operator_gain(parts, r, st.grid, est["eps_r"])
        est["eps"] = est["eps_r"] / est["gain"]
    if st.scale:
        est["eps"] = float(st.scale)
    with torch.no_grad():
        model.eps[-1] = est["eps"]
        if st.start == "exact":  # the composite starts at the previous one exactly
            net.out.weight.zero_()
            net.out.bias.zero_()
    return {"stage": index, "eps": est["eps"], "eps_r": est["eps_r"], "f_d": est["f_d"],
            "kappa": kappa, "order": order, "gain": est.get("gain"),
            "loss_scale": 1.0 / max(est["eps_r"], 1e-150) ** 2}


def refine(problem: Problem, first: PinnStepper, first_loop: Loop, run: RunDir,
           callback: Callback | None) -> tuple[PinnStepper, list[dict]]:
    """Train ``problem.settings.training.stages`` after the finished first stage; each stage
    resumes from its own ``RUN/stages/<k>/`` checkpoint.

    Returns:
        (the last stage's stepper, one report per stage incl. the first).
    """
    warn = None if callback is None else (lambda m: callback("warning", Notice(m)))
    callback = callback or silent
    reports = [{"stage": 1, "steps": first_loop.step, "train_time_s": first_loop.elapsed,
                "error": first.error(), "final_losses": first.last_losses}]
    stepper = first
    for i, stage in enumerate(problem.settings.training.stages):
        index = i + 2
        sub_run = run.child("stages", str(index))
        parts = stage_parts(problem, stepper.parts, stage, index)
        state = sub_run.resume_state(warn=warn)
        training = parts.problem.settings.training
        nxt = PinnStepper(parts, training, unbiased=unbiased_loss(problem))
        loop = Loop(nxt, training, callback)
        if state is not None:
            loop.resume(state, f"the checkpoint of stage {index}", sub_run.path)
        else:
            info = set_scale(parts, stage, index)
            nxt.stage, nxt.loss_scale = info, info["loss_scale"]
            callback("stage", Notice(f"stage {index}", data=dict(info)))
        sub_run.truncate_log(loop.step)
        try:
            loop.run(sub_run)
        except KeyboardInterrupt:
            sub_run.save_checkpoint(loop.state_dict())
            callback("interrupted", Notice("interrupted", step=loop.step, data={"stage": index}))
            raise
        reports.append({**nxt.stage, "steps": loop.step, "train_time_s": loop.elapsed,
                        "error": nxt.error(), "final_losses": nxt.last_losses})
        stepper = nxt
    return stepper, reports
