"""Optimizer phases: MultiAdam against its definition, dense quasi-Newton and
Levenberg-Marquardt on problems with known minima, L-BFGS iteration counts, resume of every
phase."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import pinnsolve
from _problems import straight_and_resumed
from pinnsolve.training.gauss_newton import LevenbergMarquardt
from pinnsolve.training.multiadam import MultiAdam
from pinnsolve.training.phases import OPTIMIZERS
from pinnsolve.training import quasi_newton
from pinnsolve.training.quasi_newton import VARIANTS, DenseQuasiNewton, _strong_wolfe
from test_training import _with


def test_multiadam_follows_its_definition_and_is_scale_invariant_per_term():
    # Two hand-made terms on θ ∈ R³ with closed-form gradients:
    #   L1 = (a·θ)²  → ∇L1 = 2 (a·θ) a;   L2 = s Σ θ⁴  → ∇L2 = 4 s θ³.
    a = np.array([1.0, -2.0, 0.5])
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8

    def run(scale, eps=eps):
        theta = torch.nn.Parameter(torch.tensor([0.3, 0.1, -0.4], dtype=torch.float64))
        opt = MultiAdam([theta], lr=lr, betas=(b1, b2), eps=eps)
        at = torch.tensor(a)
        for _ in range(5):
            opt.step_losses([(at @ theta) ** 2, scale * (theta ** 4).sum()])
        return theta.detach().numpy()

    # Oracle: the update rule written out in numpy.
    th = np.array([0.3, 0.1, -0.4])
    m = np.zeros((2, 3))
    v = np.zeros((2, 3))
    for t in range(1, 6):
        g = np.stack([2 * (a @ th) * a, 4 * 1.0 * th ** 3])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
        th = th - lr * (mh / (np.sqrt(vh) + eps)).mean(0)
    np.testing.assert_allclose(run(1.0), th, rtol=0, atol=1e-14)
    # Scaling one term by 1e6 leaves each m̂/√v̂ unchanged but for ε: with ε = 1e-15
    # (|g| ≥ 1e-4 here) the trajectories agree to 1e-9 of a step.
    np.testing.assert_allclose(run(1e6, 1e-15), run(1.0, 1e-15), rtol=0, atol=1e-9 * lr)
    # Plain Adam on the sum is not invariant: the scaled term takes over the step.
    theta = torch.nn.Parameter(torch.tensor([0.3, 0.1, -0.4], dtype=torch.float64))
    adam = torch.optim.Adam([theta], lr=lr)
    for _ in range(5):
        adam.zero_grad()
        ((torch.tensor(a) @ theta) ** 2 + 1e6 * (theta ** 4).sum()).backward()
        adam.step()
    assert np.abs(theta.detach().numpy() - th).max() > 10 * 1e-9 * lr


def _rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _rosenbrock_run(variant: str, iterations: int):
    """One DenseQuasiNewton step of ``iterations`` on the 8-D Rosenbrock from (-1.2, 1, ...)."""
    x = torch.nn.Parameter(torch.tensor([-1.2, 1.0] * 4, dtype=torch.float64))
    opt = DenseQuasiNewton([x], variant=variant, max_iter=iterations)

    def closure():
        opt.zero_grad()
        f = _rosenbrock(x)
        f.backward()
        return f

    opt.step(closure)
    return x, opt


@pytest.mark.parametrize("variant", VARIANTS)
def test_dense_quasi_newton_minimises_rosenbrock_and_a_quadratic(variant, torch_gen):
    x, opt = _rosenbrock_run(variant, 400)
    # The minimum is x = 1 (f = 0); superlinear convergence reaches round-off: |x - 1| at
    # 1e-7 means f ~ 1e-14, far below what a stalled first-order method gets in 400 steps.
    assert (x.detach() - 1).abs().max() < 1e-7
    assert opt.state[x]["n_iter"] < 400

    # Ill-conditioned quadratic ½ xᵀAx - bᵀx (condition number 1e4): minimum A⁻¹b.
    q, _ = torch.linalg.qr(torch.randn(20, 20, generator=torch_gen, dtype=torch.float64))
    A = q @ torch.diag(torch.logspace(0, 4, 20, dtype=torch.float64)) @ q.T
    b = torch.randn(20, generator=torch_gen, dtype=torch.float64)
    y = torch.nn.Parameter(torch.zeros(20, dtype=torch.float64))
    opt = DenseQuasiNewton([y], variant=variant, max_iter=300)

    def quad():
        opt.zero_grad()
        f = 0.5 * y @ A @ y - b @ y
        f.backward()
        return f

    opt.step(quad)
    exact = torch.linalg.solve(A, b)
    # A line search on function values resolves x only to ~√(ε|f*|/λ_min) ≈ 1e-8 along
    # the flattest direction; 1e-6 leaves room for the self-scaled variants, which stop
    # there, and still fails a method that has not converged (gradient descent: ~1e-1).
    assert ((y.detach() - exact).norm() / exact.norm()) < 1e-6




class _EagerInverse(quasi_newton.Inverse):
    """Applies every update to the stored matrix at once (the textbook order)."""

    def scale(self, c):
        super().scale(c)
        self.dense()

    def correct(self, terms, tau, last):
        super().correct(terms, tau, last)
        self.dense()


def test_inverse_keeps_updates_pending_and_folds_them_to_the_textbook_matrix(torch_gen):
    n = 30
    q = torch.randn(n, n, generator=torch_gen, dtype=torch.float64)
    H = q @ q.T / n + torch.eye(n, dtype=torch.float64)
    want = H.clone()
    inv = quasi_newton.Inverse(H.clone())
    for k in range(12):
        u, v, s = (torch.randn(n, generator=torch_gen, dtype=torch.float64) for _ in range(3))
        a, b, tau, rho = -0.3, 0.2, 1.0 + 0.1 * k, 0.5
        if k == 3:
            inv.scale(0.7)
            want = 0.7 * want
        inv.correct([(u, a), (v, b)], tau, (s, rho))
        want = (want + a * torch.outer(u, u) + b * torch.outer(v, v)) / tau + rho * torch.outer(s, s)
        g = torch.randn(n, generator=torch_gen, dtype=torch.float64)
        torch.testing.assert_close(inv.times(g), want @ g, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(inv.dense(), want, rtol=1e-12, atol=1e-12)
    assert not inv.vectors and inv.sigma == 1.0
    inv.reset()
    assert torch.equal(inv.dense(), torch.eye(n, dtype=torch.float64))


@pytest.mark.parametrize("variant", VARIANTS)
def test_dense_quasi_newton_iterates_do_not_depend_on_when_updates_are_folded(variant, monkeypatch):
    def run():
        x, opt = _rosenbrock_run(variant, 25)
        return x.detach().clone(), opt.state[x]["H"].clone()

    pending = run()
    monkeypatch.setattr(quasi_newton, "Inverse", _EagerInverse)
    eager = run()
    torch.testing.assert_close(pending[0], eager[0], rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(pending[1], eager[1], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("cg_iters", [0, 30])
def test_levenberg_marquardt_fits_a_nonlinear_least_squares_toy_to_round_off(cg_iters):
    # r_j = a exp(b x_j) + c - y_j with data from (a, b, c) = (2, -1.5, 0.3): zero residual
    # at the solution, so Gauss-Newton converges quadratically to float64 round-off.
    xs = torch.linspace(0, 3, 40, dtype=torch.float64)
    ys = 2 * torch.exp(-1.5 * xs) + 0.3
    p = torch.nn.Parameter(torch.tensor([1.0, -1.0, 0.0], dtype=torch.float64))
    opt = LevenbergMarquardt([p], lambda: p[0] * torch.exp(p[1] * xs) + p[2] - ys,
                             damping=1e-3, cg_iters=cg_iters, max_iter=60)
    opt.step()
    # ‖r‖² of 1e-24 is round-off for 40 residuals of size ~1 (ε ≈ 2e-16 each).
    assert opt.state[p]["loss"] < 1e-24
    np.testing.assert_allclose(p.detach().numpy(), [2.0, -1.5, 0.3], atol=1e-10)


def test_lbfgs_performs_the_requested_iterations(tmp_path, monkeypatch):
    calls = []
    original = torch.optim.LBFGS.step

    def counting(self, closure):
        before = self.state[self.param_groups[0]["params"][0]].get("n_iter", 0)
        out = original(self, closure)
        calls.append(self.state[self.param_groups[0]["params"][0]]["n_iter"] - before)
        return out

    monkeypatch.setattr(torch.optim.LBFGS, "step", counting)
    problem = _with(training__phases=[{"optimizer": "lbfgs", "steps": 100}])
    run = pinnsolve.solve(problem, out=tmp_path / "r")
    assert run.metrics["steps"] == 100
    # Iterations the optimizer itself performed (not just the trainer's count).
    assert sum(calls) == 100


@pytest.mark.parametrize("optimizer", ["adamw", "multiadam", "lbfgs", "bfgs", "ssbfgs",
                                       "ssbroyden",
                                       pytest.param("gauss_newton", marks=pytest.mark.slow)])
def test_every_phase_trains_and_resumes_to_the_straight_run(tmp_path, optimizer):
    phase = {"optimizer": optimizer, "steps": 40}
    if optimizer in ("adamw", "multiadam"):
        phase.update(lr=0.01)
    if optimizer == "adamw":
        phase.update(weight_decay=1e-4)
    if optimizer == "gauss_newton":
        phase.update(cg_iters=5)  # matrix-free path; 5 CG iterations keep the test short
    problem = _with(training__phases=[phase])
    straight, resumed, ckpt, a, b = straight_and_resumed(problem, tmp_path)
    assert ckpt["step"] == 20 and resumed.metrics["steps"] == straight.metrics["steps"]
    for key in a["model"]:
        # Optimizer state (moments, inverse Hessian, damping) is checkpointed: the resumed
        # run repeats the straight one exactly on the CPU.
        assert torch.equal(a["model"][key], b["model"][key]), key
    # 40 steps of any phase on the 2×16 heat net bring the error well below an untrained
    # net's (~1); 0.2 still fails a phase that does nothing.
    assert straight.metrics["errors"]["u"]["l2re"] < 0.2
    rows = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text()
            .splitlines()]
    assert rows[-1]["phase"] == optimizer


def test_a_float32_dense_phase_resumes_to_the_straight_run(tmp_path):
    """torch casts a loaded optimizer state to the parameters' dtype; the dense phases keep
    theirs in float64, so a float32 run resumed inside one continues bit-identically."""
    problem = _with(training__phases=[{"optimizer": "ssbfgs", "steps": 40}],
                    training__dtype="float32")
    straight, resumed, ckpt, a, b = straight_and_resumed(problem, tmp_path)
    assert ckpt["step"] == 20 and ckpt["optimizer"]["state"][0]["H"].dtype == torch.float64
    assert resumed.metrics["steps"] == straight.metrics["steps"] == 40
    for key in a["model"]:
        assert a["model"][key].dtype in (torch.float32, torch.int64)
        assert torch.equal(a["model"][key], b["model"][key]), key


def test_registry_matches_schema_words():
    from pinnsolve.spec import schema
    assert schema.registry(schema.Phase) is OPTIMIZERS


def test_chained_dense_phases_keep_the_inverse_hessian_through_a_resume(tmp_path):
    # ssbfgs → ssbfgs: the second phase continues with the first one's H, also when the run
    # is interrupted at the phase boundary and resumed.
    from pinnsolve.spec import load_problem
    from pinnsolve.training.pinn import pinn_loop
    problem = _with(training__phases=[{"optimizer": "ssbfgs", "steps": 20},
                                      {"optimizer": "ssbfgs", "steps": 20}])
    seen = {}
    loop = pinn_loop(load_problem(problem), torch.device("cpu"), torch.float64,
                     lambda e, info: seen.update(
                         {info.step: loop.stepper.optimizer.state[loop.stepper.params[0]]["n_iter"]})
                     if e == "log" else None)
    loop.run(None)
    assert seen[40] == 40  # 20 iterations of each phase on one optimizer state
    straight, resumed, ckpt, a, b = straight_and_resumed(problem, tmp_path)
    assert ckpt["phase"] == 0 and ckpt["phase_step"] == 20
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key


def test_dense_quasi_newton_refuses_a_network_too_large_with_a_clear_message(tmp_path):
    from pinnsolve.errors import SolveError
    problem = _with(training__phases=[{"optimizer": "ssbfgs", "steps": 5}],
                    model__width=128, model__depth=2)
    with pytest.raises(SolveError, match=r"ssbfgs keeps a dense .* at most 8000 parameters"):
        pinnsolve.solve(problem, out=tmp_path / "r")


def test_a_stalled_lbfgs_restarts_its_history_then_ends_the_phase(monkeypatch):
    from pinnsolve.spec import load_problem
    import importlib
    solve_module = importlib.import_module("pinnsolve.training.pinn")
    from pinnsolve.training.pinn import pinn_loop
    made = []
    original = solve_module.make_optimizer

    def counting(*args, **kwargs):
        opt = original(*args, **kwargs)
        if isinstance(opt, torch.optim.LBFGS):
            # An optimizer that never makes progress: every chunk stalls.
            opt.step = lambda closure: closure()
            made.append(opt)
        return opt

    monkeypatch.setattr(solve_module, "make_optimizer", counting)
    events = []
    loop = pinn_loop(load_problem(_with(training__phases=[{"optimizer": "lbfgs", "steps": 500}])),
                     torch.device("cpu"), torch.float64, lambda e, info: events.append((e, info)))
    loop.run(None)
    # First optimizer + two restarts; the third stalled chunk ends the phase, and the
    # loop records why (a switch, not a warning). No iteration was taken: 0 steps, not
    # the phase's 500.
    assert len(made) == 3
    assert [e for e, _ in events if e == "warning"] == []
    [switch] = loop.switches
    assert "round-off" in switch["reason"] and switch["phase"] == "lbfgs"
    assert loop.step == 0


def test_a_redraw_the_budget_cannot_fit_is_skipped():
    """The quasi-Newton phase redraws its points every resample_every iterations, but not
    when less of the budget is left than the last interval took (the last interval keeps
    its points: a redraw 20 iterations before the end left the zoo's poisson_lshape at
    2.4e-2 where the iteration before it had 7.5e-4)."""
    import time

    from pinnsolve.spec import load_problem
    from pinnsolve.training import parts as parts_mod
    from pinnsolve.training.loop import Position
    from pinnsolve.training.pinn import PinnStepper

    raw = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = -1"],
           "conditions": [{"where": "boundary", "dirichlet": 0}],
           "model": {"width": 8, "depth": 2}, "sampling": {"interior": 50},
           "training": {"phases": [{"optimizer": "quasi_newton", "steps": 10,
                                    "resample_every": 2}]}}
    problem = load_problem(raw)
    stepper = PinnStepper(parts_mod.assemble(problem, torch.device("cpu"), torch.float64),
                          problem.settings.training)
    phase = problem.settings.training.phases[0]
    sampler = next(iter(stepper.samplers.values()))
    stepper.begin_phase(phase, None)
    time.sleep(0.05)          # the interval since the phase began: at least 0.05 s
    before = sampler.points().clone()
    stepper.step(phase, Position(2, 2, 1.0, 2, time_left=0.01))
    assert torch.equal(sampler.points(), before)          # skipped: 0.01 s left
    stepper.step(phase, Position(4, 4, 1.0, 2, time_left=None))
    assert not torch.equal(sampler.points(), before)      # no budget: redrawn


def test_a_line_search_that_indexes_an_empty_bracket_is_a_failed_search(monkeypatch):
    # torch's _strong_wolfe can raise IndexError (bracket[low_pos]); the step treats it as a
    # failed search (the point kept, the matrix reset) and goes on
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise IndexError("list index out of range")
        return _strong_wolfe(*args, **kwargs)

    monkeypatch.setattr(quasi_newton, "_strong_wolfe", flaky)
    y = torch.nn.Parameter(torch.tensor([3.0, -2.0], dtype=torch.float64))
    opt = DenseQuasiNewton([y], max_iter=50)

    def quad():
        opt.zero_grad()
        f = (y * y).sum()
        f.backward()
        return f

    opt.step(quad)
    assert calls["n"] > 1 and y.detach().abs().max() < 1e-8
