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
