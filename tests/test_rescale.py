"""Output scales moved while training (training/rescale.py): the function is kept, the size
moves into the scale, Adam's moments follow, checkpoints hold the moved scale, and a run
says where it moved one."""
from __future__ import annotations

import math

import torch

import pinnsolve
import pinnsolve.training.rescale as rescale_module
from pinnsolve.models.mlp import MLP, Embedding
from pinnsolve.training.rescale import BAND, raw_rms, rescale, scaled_network


def _net(scales=(1.0, 1.0)) -> MLP:
    torch.manual_seed(0)
    return MLP(Embedding([0.0], [1.0]), 2, 16, 2, "tanh", list(scales)).double()


def test_a_column_far_from_one_moves_into_its_scale_and_the_function_stays():
    net = _net()
    x = torch.linspace(0, 1, 50, dtype=torch.float64)[:, None]
    with torch.no_grad():
        net.out.weight[0] *= 300.0   # column 0 far above BAND, column 1 inside it
        net.out.bias[0] = 40.0
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(x).pow(2).sum().backward()
    opt.step()
    before = net(x).detach()
    rms = raw_rms(net, x)
    assert rms[0] > BAND[1] and BAND[0] <= rms[1] <= BAND[1]
    m = opt.state[net.out.weight]["exp_avg"].clone()
    v = opt.state[net.out.weight]["exp_avg_sq"].clone()

    moved = rescale(net, x, opt)

    assert [k for k, _, _ in moved] == [0]
    factor = moved[0][1]
    assert math.isclose(factor, rms[0], rel_tol=1e-12)
    assert torch.allclose(net(x), before, rtol=1e-12, atol=1e-12)   # the same function
    assert math.isclose(float(net.output_scale[0]), factor, rel_tol=1e-12)
    assert float(net.output_scale[1]) == 1.0
    assert math.isclose(raw_rms(net, x)[0], 1.0, rel_tol=1e-9)
    state = opt.state[net.out.weight]
    assert torch.allclose(state["exp_avg"][0], m[0] * factor)
    assert torch.allclose(state["exp_avg_sq"][0], v[0] * factor ** 2)
    assert torch.equal(state["exp_avg"][1], m[1])
    assert rescale(net, x, opt) == []   # in BAND now: nothing moves again


def test_a_column_far_below_one_moves_too():
    net = _net(scales=(1.0, 50.0))
    x = torch.linspace(0, 1, 50, dtype=torch.float64)[:, None]
    with torch.no_grad():
        net.out.weight[1] *= 1e-3
    before = net(x).detach()
    moved = rescale(net, x, None)
    assert [k for k, _, _ in moved] == [1] and moved[0][1] < BAND[0]
    assert moved[0][2] == float(net.output_scale[1]) < 50.0 * BAND[0]
    assert torch.allclose(net(x), before, rtol=1e-12, atol=1e-15)


def test_per_term_moments_follow_their_row_too():
    """MultiAdam keeps one moment per term, stacked first: (terms, *parameter shape)."""
    net = _net()
    x = torch.linspace(0, 1, 50, dtype=torch.float64)[:, None]
    with torch.no_grad():
        net.out.weight[0] *= 300.0
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    m = torch.ones(3, *net.out.weight.shape, dtype=torch.float64)
    opt.state[net.out.weight] = {"exp_avg": m.clone(), "exp_avg_sq": m.clone()}
    (k, factor, _), = rescale(net, x, opt)
    state = opt.state[net.out.weight]
    assert k == 0 and torch.allclose(state["exp_avg"][:, 0], m[:, 0] * factor)
    assert torch.allclose(state["exp_avg_sq"][:, 0], m[:, 0] * factor ** 2)
    assert torch.equal(state["exp_avg"][:, 1], m[:, 1])


def test_the_scale_is_saved_and_an_old_checkpoint_keeps_the_built_one():
    net = _net()
    with torch.no_grad():
        net.output_scale[0] = 123.0
    state = net.state_dict()
    assert float(state["output_scale"][0]) == 123.0
    fresh = _net()
    fresh.load_state_dict(state)
    assert float(fresh.output_scale[0]) == 123.0
    old = {k: v for k, v in state.items() if k != "output_scale"}   # saved before stop 49
    built = _net(scales=(7.0, 8.0))
    built.load_state_dict(old)
    assert built.output_scale.tolist() == [7.0, 8.0]


def test_only_a_single_scaled_network_is_rescaled():
    net = _net()
    assert scaled_network(net) is net
    assert scaled_network(torch.nn.Sequential(net, _net())) is None
    assert scaled_network(torch.nn.Linear(2, 2)) is None


PROBLEM = {"domain": {"x": [0, 1]}, "fields": ["u"],
           "equations": ["-diff(u, x, 2) = 400*pi**2*sin(2*pi*x)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}],
           "reference": {"exact": {"u": "100*sin(2*pi*x)"}}}


def test_a_run_moves_its_scales_says_so_and_exports_the_moved_model(tmp_path, monkeypatch):
    """A band so narrow that every column moves at the first check: the run lists the moves,
    its error stays small, and the model read back from its checkpoint is the one trained
    (the moved scale is saved with the weights)."""
    monkeypatch.setattr(rescale_module, "BAND", (0.999, 1.001))
    run = pinnsolve.solve(PROBLEM, out=tmp_path / "r", fresh=True,
                          overrides=["training.budget=6s", "training.threads=1"])
    moved = run.metrics["rescaled"]
    assert moved and all(m["output"] == "u" and m["factor"] > 0 for m in moved)
    error = run.metrics["errors"]["u"]["l2re"]
    assert error < 0.2   # (6 s; 1.6e-5 on a quiet machine, 5.6e-6 with the band 0.1-10)
    model = pinnsolve.open_run(tmp_path / "r").model()
    x = torch.linspace(0, 1, 1001, dtype=torch.float64)[:, None]
    with torch.no_grad():
        u = model(x.to(next(model.parameters()).dtype))[:, 0].double()
    exact = 100 * torch.sin(2 * torch.pi * x[:, 0])
    # read back with the scale it was saved with: the error the run measured (a model
    # rebuilt with the planned scale would be off by the factors moved)
    assert math.isclose(float((u - exact).norm() / exact.norm()), error, rel_tol=0.05)
    net = scaled_network(model)
    assert math.isclose(float(net.output_scale[0]), moved[-1]["scale"], rel_tol=1e-6)


def test_an_explicit_output_scale_is_never_moved(tmp_path, monkeypatch):
    monkeypatch.setattr(rescale_module, "BAND", (0.999, 1.001))
    run = pinnsolve.solve(PROBLEM, out=tmp_path / "r", fresh=True,
                          overrides=["training.budget=3s", "training.threads=1",
                                     "model.output_scale=1"])
    assert "rescaled" not in run.metrics
