"""Operator (PINO) problems end to end: problem-file section, training modes, run directory,
resume, NaN rollback, predict, fine-tune, CLI — on tiny grids (seconds)."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem
from pinnsolve.training.operator import run as runs
from pinnsolve.training.operator import stepper as op_mod

BURGERS = {
    "name": "tiny_burgers",
    "domain": {"x": [0, 1], "t": [0, 0.5]},
    "fields": ["u"],
    "parameters": {"nu": 0.05},
    "equations": ["diff(u, t) + u*diff(u, x) = nu*diff(u, x, 2)"],
    "conditions": [{"periodic": "x"}, {"where": "t = 0", "equation": "u = a"}],
    "operator": {"input": {"name": "a", "over": ["x"]},
                 "distribution": {"grf": {"smoothness": 4, "length_scale": 0.2, "variance": 0.1}},
                 "train": 4, "test": 2, "grid": {"x": 16, "t": 9}, "reference": "burgers_spectral",
                 "refine": 4, "loss": "hybrid", "batch": 2, "write": 1,
                 "model": {"width": 8, "modes": {"x": 4, "t": 3}, "layers": 2, "projection": 16}},
    "training": {"dtype": "float64", "weights": {"ic": 10},
                 "phases": [{"optimizer": "adam", "steps": 6, "lr": 3e-3}],
                 "log_every": 1, "checkpoint_every": 3, "eval_every": 3},
}


def _burgers(**changes):
    raw = copy.deepcopy(BURGERS)
    for key, value in changes.items():
        node = raw
        *head, last = key.split("__")
        for part in head:
            node = node[part]
        node[last] = value
    return raw


def test_solve_writes_operator_run(tmp_path):
    run = pinnsolve.solve(_burgers(), out=tmp_path / "run")
    m = run.metrics
    assert m["kind"] == "operator" and m["steps"] == 6
    errs = m["test"]["l2re"]
    assert len(errs) == 2 and m["test"]["l2re_mean"] == pytest.approx(np.mean(errs))
    assert m["test"]["l2re_worst"] == pytest.approx(max(errs))
    assert set(m["final_losses"]) == {"pde", "ic", "data"}
    for name in ("operator.pt", "data.npz", "fields/test.npz", "fields/test_0.xdmf",
                 "fields/test_0.h5", "checkpoints/last.pt"):
        assert (run.path / name).exists(), name
    with np.load(run.path / "fields" / "test.npz", allow_pickle=False) as f:
        # the written error is prediction minus reference, and its norm is the metric
        e = f["u"] - f["u_reference"]
        assert np.allclose(f["u_error"], e)
        rel = np.linalg.norm(e.reshape(2, -1), axis=1) / np.linalg.norm(
            f["u_reference"].reshape(2, -1), axis=1)
        assert np.allclose(rel, errs, rtol=1e-9)


def test_interrupted_run_resumes_bit_identically(tmp_path):
    straight = pinnsolve.solve(_burgers(), out=tmp_path / "a")

    def stop_at_4(event, info):
        if event == "log" and info.step == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(_burgers(), out=tmp_path / "b", callback=stop_at_4)
    resumed = pinnsolve.solve(_burgers(), out=tmp_path / "b")
    a = runs.decode(straight.path / "operator.pt")["model"]
    b = runs.decode(resumed.path / "operator.pt")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    rows = (resumed.path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert resumed.metrics["test"] == straight.metrics["test"]


def test_operator_file_is_checked_and_tied_to_its_problem(tmp_path):
    """operator.pt carries a content digest and the problem digest: one copied in from a run
    of another problem, or with changed bytes, is a clear error, never a prediction."""
    from pinnsolve.errors import RunError

    a = pinnsolve.solve(_burgers(), out=tmp_path / "a")
    b = pinnsolve.solve(_burgers(parameters={"nu": 0.04}), out=tmp_path / "b")
    assert np.isfinite(runs.evaluate_operator(a.path)["l2re_mean"])
    (b.path / "operator.pt").write_bytes((a.path / "operator.pt").read_bytes())
    with pytest.raises(RunError, match="different problem"):
        runs.load_operator(pinnsolve.open_run(b.path))
    data = bytearray((a.path / "operator.pt").read_bytes())
    data[len(data) // 2] ^= 0xFF   # one flipped byte inside a tensor
    (a.path / "operator.pt").write_bytes(bytes(data))
    with pytest.raises(RunError, match="operator.pt is unreadable"):
        runs.load_operator(pinnsolve.open_run(a.path))
    res = CliRunner().invoke(app, ["predict", str(b.path)])
    assert res.exit_code != 0 and "different problem" in res.output
    assert "Traceback" not in res.output
    # a file without the digests (a checkpoint's legacy layout) is refused, not trusted
    model = runs.decode(b.path / "checkpoints" / "last.pt")["model"]
    torch.save({"version": 1, "step": 6, "model": model}, b.path / "operator.pt")
    with pytest.raises(RunError, match="carries no content or problem digest"):
        runs.load_operator(pinnsolve.open_run(b.path))


def test_physics_only_training_lowers_the_pde_loss_and_nan_rolls_back(tmp_path, monkeypatch):
    raw = _burgers(operator__loss="physics",
                   training__phases=[{"optimizer": "adam", "steps": 30, "lr": 3e-3}])
    real = op_mod.OperatorStepper.losses
    calls = {"n": 0}

    def flaky(self, idx):
        calls["n"] += 1
        total, parts = real(self, idx)
        if calls["n"] == 5:   # one poisoned step: must roll back, halve the lr and go on
            return total * float("nan"), {**parts, "pde": parts["pde"] * float("nan")}
        return total, parts

    monkeypatch.setattr(op_mod.OperatorStepper, "losses", flaky)
    events = []
    run = pinnsolve.solve(raw, out=tmp_path / "p", callback=lambda e, i: events.append((e, i)))
    rows = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    assert run.metrics["steps"] == 30 and "data" not in run.metrics["final_losses"]
    # u = 0 solves the PDE: the trained loss is the weighted sum (ic weight 10) that falls.
    total = [r["losses"]["pde"] + 10 * r["losses"]["ic"] for r in (rows[0], rows[-1])]
    assert total[1] < 0.5 * total[0], total
    assert any(e == "rollback" and "pde" in i.message for e, i in events)


def test_predict_and_finetune_from_python_and_cli(tmp_path):
    run = pinnsolve.solve(_burgers(), out=tmp_path / "run")
    data = np.load(run.path / "data.npz", allow_pickle=False)
    # predict on the training resolution reproduces the test predictions
    res = pinnsolve.predict(run.path, data["test_a"], out=tmp_path / "pred")
    with np.load(run.path / "fields" / "test.npz", allow_pickle=False) as f:
        assert np.allclose(res["prediction"], f["u"], atol=1e-12)
    # CLI: an NPZ at twice the resolution (zero-shot) → files on a 32 × 9 grid
    from pinnsolve.training.operator.instances import draw_inputs, operator_grid, subsample_inputs

    problem = run.problem
    fine = subsample_inputs(problem, draw_inputs(problem, "test", 2),
                            operator_grid(problem, {"x": 32}))
    np.savez(tmp_path / "new.npz", a=fine[0])
    cli = CliRunner()
    out = cli.invoke(app, ["predict", str(run.path), "--input", str(tmp_path / "new.npz"),
                           "--out", str(tmp_path / "cli")])
    assert out.exit_code == 0, out.output
    with np.load(tmp_path / "cli" / "new.npz", allow_pickle=False) as f:
        assert f["u"].shape == (1, 32, 9)
    assert (tmp_path / "cli" / "new_0.xdmf").exists()
    out = cli.invoke(app, ["predict", str(run.path), "--grid", "x=32"])
    assert out.exit_code == 0 and "rel. L2 mean" in out.output, out.output
    np.savez(tmp_path / "bad.npz", b=fine[0])
    out = cli.invoke(app, ["predict", str(run.path), "--input", str(tmp_path / "bad.npz")])
    assert out.exit_code == 2 and "no array named 'a'" in out.output
    # fine-tuning one instance with the physics loss: its PDE loss falls
    m = pinnsolve.finetune(run.path, 1, steps=8, lr=1e-3)
    rows = [json.loads(line) for line in
            (run.path / "finetune" / "instance_1" / "metrics.jsonl").read_text().splitlines()]
    assert m["steps"] == 8 and {"l2re_before", "l2re_after"} <= set(m)
    total = [r["losses"]["pde"] + 10 * r["losses"]["ic"] for r in (rows[0], rows[-1])]
    assert total[1] < total[0], total
    out = cli.invoke(app, ["finetune", str(run.path), "--instance", "0", "--steps", "2", "-q"])
    assert out.exit_code == 0 and "instance 0: rel. L2" in out.output, out.output


def test_darcy_hybrid_writes_vtu(tmp_path):
    problem = load_problem("problems/darcy.yaml", [
        "operator.train=3", "operator.test=2", "operator.grid.x=9", "operator.grid.y=9",
        "operator.refine=2", "operator.batch=2", "operator.write=1", "operator.model.width=8",
        "operator.model.modes.x=3", "operator.model.modes.y=3", "operator.model.layers=1",
        "training.phases.0.steps=3", "training.dtype=float64"])
    run = pinnsolve.solve(problem, out=tmp_path / "d")
    assert (run.path / "fields" / "test_0.vtu").exists()
    assert set(run.metrics["final_losses"]) == {"pde", "bc", "data"}
    with np.load(run.path / "data.npz", allow_pickle=False) as f:
        k = f["train_a"]    # the smoothed step of problems/darcy.yaml: between low and high
        assert k.min() >= 3.0 and k.max() <= 12.0 and f["train_u"].shape == (3, 9, 9)


@pytest.mark.parametrize("override, key, match", [
    ("operator.colour=1", "operator.colour", "unknown key"),
    ("operator.input.over=[z]", "operator.input.over", "not a spatial coordinate"),
    ("operator.grid.x=15", "operator.grid.x", "even number"),
    ("operator.loss=data", "operator.loss", "needs data"),
    ("operator.input.name=nu", "operator.input.name", "already a coordinate"),
    ("operator.flux_form=maybe", "operator.flux_form", "true or false"),
    ("operator.distribution.grf.smoothness=-1", "operator.distribution.grf.smoothness",
     "at least"),
])
def test_operator_section_errors_name_file_and_key(override, key, match):
    raw = _burgers()
    raw["operator"].pop("reference") if override == "operator.loss=data" else None
    with pytest.raises(SpecError, match=match) as info:
        load_problem(raw, [override])
    assert info.value.key == key


def test_equations_may_use_the_input_function_and_check_shows_it(tmp_path):
    p = tmp_path / "b.yaml"
    import yaml

    p.write_text(yaml.safe_dump(BURGERS))
    out = CliRunner().invoke(app, ["check", str(p)])
    assert out.exit_code == 0 and "input a(x)" in out.output
    raw = _burgers()
    raw["conditions"][1]["equation"] = "u = b"
    with pytest.raises(SpecError, match="b"):
        load_problem(raw)


def test_operator_choices_match_their_registries():
    import typing

    from pinnsolve.io.operator_references import REFERENCES
    from pinnsolve.models.fno import ACTIVATIONS
    from pinnsolve.spec.operator import FNOSettings, OperatorSettings

    ref = typing.get_type_hints(OperatorSettings)["reference"]
    assert set(typing.get_args(typing.get_args(ref)[0])) == set(REFERENCES)
    act = typing.get_type_hints(FNOSettings)["activation"]
    assert set(typing.get_args(act)) == set(ACTIVATIONS)


def test_resume_refuses_instances_of_another_setting(tmp_path):
    pinnsolve.solve(_burgers(), out=tmp_path / "r")
    with pytest.raises(pinnsolve.PinnsolveError, match="another operator setting"):
        pinnsolve.solve(_burgers(operator__train=5), out=tmp_path / "r")


def test_pinn_only_training_settings_are_refused(tmp_path):
    for extra in (["training.weighting.scheme=lra"], ["training.phases.0.optimizer=lbfgs"]):
        with pytest.raises(pinnsolve.PinnsolveError, match="PINN runs only|Adam phases only"):
            pinnsolve.solve(load_problem(_burgers(), extra), out=tmp_path / "x")
