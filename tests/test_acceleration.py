"""Speed options of the training step: torch.compile (forward-derivative engines only),
TF32 / bf16 only on CUDA float32, device auto."""
from __future__ import annotations

import pytest
import torch

import pinnsolve
from pinnsolve.errors import SolveError
from pinnsolve.training.parts import resolve_device
from pinnsolve.training.pinn import pinn_loop

SMALL = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
         "equations": ["laplacian(u) = -2*pi**2*sin(pi*x)*sin(pi*y)"],
         "conditions": [{"where": "boundary", "dirichlet": 0}],
         "model": {"width": 8, "depth": 2}, "sampling": {"interior": 64, "boundary": 32}}


def test_device_auto_follows_cuda_availability():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("override,match", [
    (["training.compile=true"], "cannot be differentiated twice"),
    (["training.autocast=bf16", "derivatives.engine=taylor"], "CUDA float32 options"),
    (["training.matmul_precision=high"], "CUDA float32 options"),
])
def test_impossible_speed_options_are_clear_errors(override, match):
    problem = pinnsolve.load_problem(SMALL, override)
    with pytest.raises(SolveError, match=match):
        pinn_loop(problem, torch.device("cpu"), torch.float32 if "bf16" in str(override)
                  else torch.float64)


@pytest.mark.slow
def test_compiled_loss_equals_eager_with_taylor_engine():
    """torch.compile of the loss (Taylor engine) gives the eager loss and gradient to
    float64 round-off (1e-12 relative; the compiled graph may reorder sums)."""
    problem = pinnsolve.load_problem(SMALL, ["derivatives.engine=taylor"])
    eager = pinn_loop(problem, torch.device("cpu"), torch.float64).stepper
    compiled = pinn_loop(pinnsolve.load_problem(SMALL, ["derivatives.engine=taylor",
                                                        "training.compile=true"]),
                         torch.device("cpu"), torch.float64).stepper
    results = []
    for t in (eager, compiled):
        total = t._loss()[0]
        total.backward()
        results.append((total.detach(), torch.cat([p.grad.reshape(-1) for p in t.params])))
    (a, ga), (b, gb) = results
    assert torch.allclose(a, b, rtol=1e-12, atol=0)
    assert torch.allclose(ga, gb, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("path,overrides", [
    ("problems/burgers.yaml", ["derivatives.engine=taylor", "sampling.interior=64",
                               "sampling.strategy.rad.candidates=256"]),
    ("problems/poisson2d.yaml", ["derivatives.engine=taylor", "sampling.interior=64"]),
    ("problems/poisson2d.yaml", ["derivatives.engine=stde", "sampling.interior=64"]),
])
def test_a_forward_engines_loss_compiles_as_one_graph(path, overrides):
    """The bundled Burgers (hard initial and boundary conditions, tanh network) and the
    Poisson problem (a Laplacian block) trace into one graph with the taylor and stde
    engines: no graph break in the jets (a break splits the compiled loss and falls back to
    eager around it; four kinds were fixed at stop 31). Random tangents: see below."""
    problem = pinnsolve.load_problem(path, overrides)
    stepper = pinn_loop(problem, torch.device("cpu"), torch.float32).stepper
    torch._dynamo.reset()
    explained = torch._dynamo.explain(stepper.losses)()
    assert explained.graph_break_count == 0, [r.reason[:200] for r in explained.break_reasons]
    assert explained.graph_count == 1


@pytest.mark.parametrize("overrides", [[], ["derivatives.unbiased=true", "derivatives.sparse=false"]])
def test_random_tangents_are_drawn_ahead_of_the_compiled_loss(overrides):
    """STDE's random tangents (sparse coordinates; dense Rademacher with the unbiased second
    draw): a Generator cannot enter a compiled graph, so the compiled loss reads tangents
    drawn ahead of it. It traces into one graph, and the compiled run follows the eager
    run's random stream step by step (same losses to float64 round-off)."""
    ov = ["x.dim=40", "sampling.interior=32", "model.width=16"] + overrides   # 16 of 40
    path = "problems/poisson_twobody.yaml"
    stepper = pinn_loop(pinnsolve.load_problem(path, ov), torch.device("cpu"),
                        torch.float64).stepper
    engine = stepper.compiled.engine
    with engine.recording() as recorded:
        stepper.losses()
    assert len(recorded) == (2 if overrides else 1)
    torch._dynamo.reset()
    with engine.draws_ahead(list(recorded)):
        explained = torch._dynamo.explain(stepper.losses)()
    assert explained.graph_break_count == 0, [r.reason[:200] for r in explained.break_reasons]
    assert explained.graph_count == 1
    eager, compiled = (pinn_loop(pinnsolve.load_problem(path, ov + extra), torch.device("cpu"),
                                 torch.float64).stepper
                       for extra in ([], ["training.compile=true"]))
    for _ in range(3):   # the first compiled call runs eagerly and lists the draws
        a, b = eager._loss()[0].detach(), compiled._loss()[0].detach()
        assert torch.allclose(a, b, rtol=1e-12, atol=0)
    assert compiled.compiled.engine._ready is None   # nothing left over between steps


def test_a_compilation_that_fails_warns_and_runs_eagerly(monkeypatch):
    """No C++ compiler (inductor's CPU kernels) or an op inductor cannot lower: the run
    goes on uncompiled with a warning, not a traceback."""
    from torch._dynamo.exc import BackendCompilerFailed

    def broken(fn):
        def call():
            raise BackendCompilerFailed(lambda: None, RuntimeError("no C++ compiler g++"), None)
        return call

    monkeypatch.setattr(torch, "compile", broken)
    problem = pinnsolve.load_problem(SMALL, ["derivatives.engine=taylor", "training.compile=true"])
    stepper = pinn_loop(problem, torch.device("cpu"), torch.float64).stepper
    eager = pinn_loop(pinnsolve.load_problem(SMALL, ["derivatives.engine=taylor"]),
                      torch.device("cpu"), torch.float64).stepper
    assert torch.equal(stepper._loss()[0], eager._loss()[0])
    assert len(stepper.messages) == 1 and "the loss runs uncompiled" in stepper.messages[0]
    stepper._loss()                     # later calls run eagerly without asking again
    assert len(stepper.messages) == 1


def test_an_error_of_the_loss_itself_is_not_hidden_by_the_fallback(monkeypatch):
    def broken(fn):
        def call():
            raise ValueError("a bug in the loss")
        return call

    monkeypatch.setattr(torch, "compile", broken)
    problem = pinnsolve.load_problem(SMALL, ["derivatives.engine=taylor", "training.compile=true"])
    stepper = pinn_loop(problem, torch.device("cpu"), torch.float64).stepper
    with pytest.raises(ValueError, match="a bug in the loss"):
        stepper._loss()
