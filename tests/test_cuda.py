"""The CUDA paths: derivative engines, a default (planned) solve, resume on another device,
STDE, PINO and the float32 speed options, on a GPU. Skipped without one (CI has none);
run on a lent GPU with ``pytest -m cuda tests/test_cuda.py`` (benchmarks/gpu_check.sh).

Oracles are the ones the CPU tests trust: closed forms through SymPy (test_autodiff.py) and
the CPU engines on the same parameters. Float64 on both devices: the GPU's kernels sum in
another order, so agreement is to round-off (1e-10 relative), not bit for bit.
"""
from __future__ import annotations

import copy
import json

import pytest
import torch

import pinnsolve
from _problems import HEAT_SOFT
from pinnsolve.derivatives import Bilaplacian, Laplacian, Partial, TaylorEngine, autodiff
from pinnsolve.models import MLP, Embedding
from pinnsolve.training.parts import resolve_device
from test_autodiff import model as closed_form, multi_indices, oracle, points, request, \
    symbolic_partial

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
              pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")]
GPU = torch.device("cuda")
POISSON = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "equations": ["laplacian(u) = -2*pi**2*sin(pi*x)*sin(pi*y)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}],
           "reference": {"exact": {"u": "sin(pi*x)*sin(pi*y)"}}}


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach().cpu(), b.detach().cpu()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


def test_device_auto_is_the_gpu():
    assert resolve_device("auto").type == "cuda"


def test_autodiff_on_the_gpu_matches_closed_forms_to_order_four():
    x = points()
    xg = x.to(GPU)
    reqs = {(f, c): request(f, c) for f in range(3) for c in multi_indices(4)}
    got = autodiff(closed_form, xg, reqs.values())
    for (f, counts), req in reqs.items():
        want = torch.as_tensor(oracle([symbolic_partial(f, counts)], x)[0])
        assert got[req].device.type == "cuda"
        scale = max(1.0, float(want.abs().max()))
        assert float((got[req].detach().cpu() - want).abs().max()) <= 1e-12 * scale, (f, counts)


def test_taylor_and_stde_engines_on_the_gpu_match_the_cpu():
    torch.manual_seed(0)
    net = MLP(Embedding([0.0] * 3, [1.0] * 3), 1, width=32, depth=3).double()
    x = torch.rand(50, 3, dtype=torch.float64)
    reqs = [Laplacian(0, 0, 3), Bilaplacian(0, 0, 3), Partial(0, ((0, 2), (1, 1))),
            Partial(0, ((0, 1), (1, 2), (2, 1))), Partial(0, ((2, 4),))]
    want = autodiff(net, x, reqs)
    gnet = copy.deepcopy(net).to(GPU)
    for engine in (TaylorEngine(nested=frozenset()), TaylorEngine(directions=9)):
        got = engine(gnet, x.to(GPU), reqs)   # 9 directions: exact for Δ (3) and Δ² (9)
        for req in reqs:
            assert got[req].device.type == "cuda"
            assert rel(got[req], want[req]) < 1e-9, (engine.directions, req)


def test_sparse_stde_on_the_gpu_is_an_unbiased_laplacian():
    torch.manual_seed(0)
    d = 40
    net = MLP(Embedding([0.0] * d, [1.0] * d), 1, width=32, depth=2).double().to(GPU)
    x = torch.rand(8, d, dtype=torch.float64, device=GPU)
    exact = TaylorEngine(nested=frozenset())(net, x, [Laplacian(0, 0, d)])[Laplacian(0, 0, d)]
    stde = TaylorEngine(directions=4, seed=1)
    draws = torch.stack([stde(net, x, [Laplacian(0, 0, d)])[Laplacian(0, 0, d)]
                         for _ in range(400)])
    # The mean of 400 draws of a 4-of-40 coordinate sample: its standard error is a few
    # percent of the spread; 5 standard errors is a test that a wrong scale (10×) fails.
    err = (draws.mean(0) - exact).abs()
    assert bool((err <= 5 * draws.std(0) / 20 + 1e-12).all())


def test_planned_default_solve_on_the_gpu_then_resumed_on_the_cpu(tmp_path):
    # A physics-only file: the plan (Adam, then the dense quasi-Newton phase in float64)
    # runs on the GPU; the run directory then continues on the CPU.
    run = pinnsolve.solve(POISSON, out=tmp_path / "r",
                          overrides=["training.budget=20s", "training.device=cuda"])
    m = run.metrics
    assert m["device"].startswith("cuda") and m["errors"]["u"]["l2re"] < 1e-2
    assert (tmp_path / "r" / "metrics.json").exists()
    events = []
    more = pinnsolve.solve(POISSON, out=tmp_path / "r", callback=lambda e, r: events.append(e),
                           overrides=["training.budget=28s", "training.device=cpu"])
    assert "resume" in events and more.metrics["device"] == "cpu"
    assert more.metrics["steps"] > m["steps"]
    assert more.metrics["errors"]["u"]["l2re"] < 1e-2


def test_explicit_phases_on_the_gpu_write_fields(tmp_path):
    raw = copy.deepcopy(HEAT_SOFT)
    raw.update({"training": {"device": "cuda", "dtype": "float32", "phases": [
        {"optimizer": "adam", "steps": 300, "lr": 3e-3}, {"optimizer": "lbfgs", "steps": 100}]},
        "output": {"formats": ["npz", "vtu"], "grid": {"x": 17, "t": 9}}})
    run = pinnsolve.solve(raw, out=tmp_path / "h")
    assert run.metrics["errors"]["u"]["l2re"] < 2e-2
    assert list((tmp_path / "h").glob("**/*.vtu"))


def test_high_dimensional_stde_trains_on_the_gpu(tmp_path):
    run = pinnsolve.solve("problems/poisson_twobody.yaml", out=tmp_path / "s",
                          overrides=["x.dim=1000", "training.device=cuda",
                                     "training.phases.0.steps=300", "training.log_every=100",
                                     "training.eval_every=300"])
    assert run.metrics["errors"]["u"]["l2re"] < 0.5
    # The points were drawn on the GPU (a CUDA generator): the run continues on the CPU.
    more = pinnsolve.solve("problems/poisson_twobody.yaml", out=tmp_path / "s",
                           overrides=["x.dim=1000", "training.device=cpu",
                                      "training.phases.0.steps=320", "training.log_every=10",
                                      "training.eval_every=320"])
    assert more.metrics["steps"] == 320 and more.metrics["errors"]["u"]["l2re"] < 0.5


def test_operator_learning_on_the_gpu(tmp_path):
    from test_operator import _burgers
    run = pinnsolve.solve(_burgers(training__device="cuda", training__phases=[
        {"optimizer": "adam", "steps": 20, "lr": 3e-3}]), out=tmp_path / "o")
    m = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert m["kind"] == "operator" and m["steps"] == 20 and m["device"].startswith("cuda")
    assert run.metrics == m


@pytest.mark.parametrize("options", [["training.matmul_precision=high"],
                                     ["training.autocast=bf16", "derivatives.engine=taylor"],
                                     ["training.compile=true", "derivatives.engine=taylor"]])
def test_float32_speed_options_train_on_the_gpu(tmp_path, options):
    run = pinnsolve.solve(POISSON, out=tmp_path / "f", overrides=[
        "training.device=cuda", "training.dtype=float32", "model.width=32",
        "training.phases=[{optimizer: adam, steps: 200, lr: 0.003}]", *options])
    losses = run.metrics["final_losses"]
    assert all(v == v and v < 10 for v in losses.values()), losses


def test_the_exact_taylor_engine_uses_jets_for_every_request_on_the_gpu(monkeypatch):
    # The per-request table (derivatives/choice.py) was measured on the CPU; on the H200
    # the jets won every request, so on a GPU nothing is handed to nested autodiff.
    from pinnsolve.derivatives import stde
    torch.manual_seed(0)
    net = MLP(Embedding([0.0] * 3, [1.0] * 3), 1, width=16, depth=2).double().to(GPU)
    x = torch.rand(20, 3, dtype=torch.float64, device=GPU)
    req = Partial(0, ((0, 2), (1, 1)))   # nested on the CPU
    want = autodiff(net, x, [req])[req]
    monkeypatch.setattr(stde, "autodiff", lambda *a, **k: pytest.fail("nested autodiff used"))
    assert rel(TaylorEngine()(net, x, [req])[req], want) < 1e-9
