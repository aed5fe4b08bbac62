"""Numerical faults by injection: NaN/inf in losses, gradients, parameters and inputs, in
Adam and L-BFGS phases. Each one-shot injection must be detected, named (term, parameter or
region), rolled back to the last good state with a halved step, and the run must finish
with finite results; persistent faults must stop cleanly with a SolveError naming the
culprit. Mis-scaled problems must be reported at step 0 with a non-dimensionalisation hint,
shown by the CLI.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SolveError
from pinnsolve.training.loop import Loop
from pinnsolve.training.pinn import PinnStepper

from _problems import HEAT_SOFT

BASE = {
    "name": "faulty",
    **HEAT_SOFT,
    "model": {"width": 12, "depth": 2, "hard_constraints": False},
    "sampling": {"interior": 64, "boundary": 16, "initial": 16},
    "training": {"dtype": "float64", "seed": 2, "log_every": 5, "checkpoint_every": 1000,
                 "eval_every": 1000, "max_retries": 3,
                 "phases": [{"optimizer": "adam", "steps": 20, "lr": 0.01},
                            {"optimizer": "lbfgs", "steps": 20}]},
    "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]},
}
TARGET = {"adam": 12, "lbfgs": 20}   # the step whose evaluation is poisoned


class _NanGrad(torch.autograd.Function):
    """Identity forward, NaN backward: a gradient fault with a finite loss."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g * float("nan")


def _inject(monkeypatch, kind: str, phase: str, persistent: bool = False):
    """Poison ``kind`` at step TARGET[phase] of ``phase``, until the first rollback (or,
    ``persistent``, at every step from then on): a deterministic fault of that state, so
    that the diagnosis' own re-evaluation sees it too."""
    seen = {"rollbacks": 0, "phase": None, "step": None}
    original_losses, original_step = PinnStepper.losses, PinnStepper.step
    original_rollback = Loop._rollback

    def step(self, ph, at):
        seen["phase"], seen["step"] = ph.optimizer, at.step   # where the loop stands
        return original_step(self, ph, at)

    def active(self) -> bool:
        if seen["phase"] != phase:
            return False
        if persistent:
            return seen["step"] >= TARGET[phase]
        return seen["step"] == TARGET[phase] and seen["rollbacks"] == 0

    def losses(self):
        poison = active(self)
        if poison and kind == "inputs":
            sampler = self.samplers["interior"]
            sampler._points = sampler._points.clone()
            sampler._points[3, 0] = float("nan")
        if poison and kind == "parameters":
            with torch.no_grad():
                next(self.model.parameters())[0, 0] = float("nan")
        total, mse, res = original_losses(self)
        if poison and kind in ("loss", "gradient"):
            if kind == "loss":
                mse = dict(mse, pde=mse["pde"] * float("inf"))
            else:
                mse = dict(mse, bc_x_min=_NanGrad.apply(mse["bc_x_min"]))
            total = sum(self.weights[k] * v for k, v in mse.items())
        return total, mse, res

    def rollback(self, bad):
        seen["rollbacks"] += 1
        return original_rollback(self, bad)

    monkeypatch.setattr(PinnStepper, "losses", losses)
    monkeypatch.setattr(PinnStepper, "step", step)
    monkeypatch.setattr(Loop, "_rollback", rollback)


EXPECTED = {"loss": ("loss", ["pde"]), "gradient": ("gradient", ["bc_x_min"]),
            "parameters": ("parameters", None),
            "inputs": ("inputs", ["interior"])}
CASES = [(k, p) for k in EXPECTED for p in ("adam", "lbfgs")]


@pytest.mark.parametrize("kind,phase", CASES)
def test_one_shot_fault_is_named_rolled_back_and_recovered(tmp_path, monkeypatch, kind, phase):
    _inject(monkeypatch, kind, phase)
    events = []
    run = pinnsolve.solve(BASE, out=tmp_path / "r", callback=lambda e, i: events.append((e, i)))
    rollbacks = [i for e, i in events if e == "rollback"]
    assert len(rollbacks) == 1, rollbacks
    what, names = EXPECTED[kind]
    assert rollbacks[0].what == what, rollbacks[0]
    if kind == "parameters":
        assert rollbacks[0].terms[0].startswith("model."), rollbacks[0]
    else:
        assert list(rollbacks[0].terms) == names, rollbacks[0]
    assert "rolled back to step" in rollbacks[0].message
    assert "learning rate ×0.5" in rollbacks[0].message
    # Recovered: every step done, every number finite, the model close to a clean run's.
    assert run.metrics["steps"] == 40
    assert all(np.isfinite(v) for v in run.metrics["final_losses"].values())
    err = run.metrics["errors"]["u"]["l2re"]
    assert np.isfinite(err) and err < 1.0
    state = torch.load(tmp_path / "r" / "checkpoints" / "last.pt", weights_only=True)
    assert all(torch.isfinite(v).all() for v in state["model"].values())


@pytest.mark.parametrize("kind", ["loss", "gradient", "inputs", "parameters"])
def test_persistent_fault_stops_cleanly_naming_the_culprit(tmp_path, monkeypatch, kind):
    _inject(monkeypatch, kind, "adam", persistent=True)
    what, names = EXPECTED[kind]
    with pytest.raises(SolveError, match=rf"{what} became non-finite and 3 rollbacks") as info:
        pinnsolve.solve(BASE, out=tmp_path / "r")
    assert info.value.step is not None
    if kind == "parameters":
        assert info.value.term.startswith("model.")
    else:
        assert info.value.term == ", ".join(names)
    # The CLI shows the same as a clean error panel with exit code 2 (no traceback).


def test_persistent_nan_through_the_cli_is_a_clean_panel(tmp_path):
    problem = copy.deepcopy(BASE)
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + log(-1 - u**2)"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))  # JSON is YAML
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "r"), "-q"])
    assert res.exit_code == 3   # SolveError: a training failure (cli.EXIT_CODES)
    assert "Traceback" not in res.output
    # log of a negative number everywhere: named before any step, no rollbacks tried
    out = " ".join(res.output.split())
    assert "term 'pde'" in out and "not finite at 64 of 64 points before any training" in out
    assert "rollback" not in out


def test_an_expression_undefined_on_part_of_the_domain_is_named_with_a_point(tmp_path):
    problem = copy.deepcopy(BASE)
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + acosh(4*x - 1)"]
    with pytest.raises(SolveError) as info:   # x ∈ [0, 1]: acosh(4x - 1) needs x >= 1/2
        pinnsolve.solve(problem, out=tmp_path / "r", fresh=True)
    message = str(info.value)
    assert info.value.term == "pde" and "acosh(4*x - 1)" in message
    bad = int(message.split(" is not finite at ")[1].split(" of ")[0])
    assert 16 <= bad <= 48   # about half of the 64 interior points
    x = float(message.split("(e.g. at x = ")[1].split(",")[0])
    assert x < 0.5



def test_a_log_of_a_field_the_network_makes_negative_says_so_and_how_to_write_it(tmp_path):
    """log(u) where u > 0 in truth: the untrained network gives u of either sign, so the
    step-0 error names the field's expression and the exp form instead of blaming the
    equation alone; a log of something always negative keeps the plain advice."""
    problem = copy.deepcopy(BASE)
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + 1e-3*log(u) + diff(u, x)**1.5"]
    with pytest.raises(SolveError) as info:
        pinnsolve.solve(problem, out=tmp_path / "r", fresh=True)
    message = " ".join(str(info.value).split())
    named = message.split("a division by zero); ")[1].split(" take the untrained network")[0]
    assert sorted(named.split(", ")) == ["u", "u_x"]   # as the check table writes them
    assert "define m: exp(lm)" in message
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + log(-1 - x**2)"]
    with pytest.raises(SolveError) as info:
        pinnsolve.solve(problem, out=tmp_path / "s", fresh=True)
    assert "fix the equation, condition or domain" in str(info.value)
    assert "untrained network" not in str(info.value)

# -- step-0 scaling report ------------------------------------------------------------------
def _warnings_of(problem, tmp_path):
    events = []
    problem = copy.deepcopy(problem)
    problem["training"]["phases"] = [{"optimizer": "adam", "steps": 2, "lr": 1e-3}]
    run = pinnsolve.solve(problem, out=tmp_path / "w", fresh=True,
                          callback=lambda e, i: events.append((e, i)))
    shown = [i.message for e, i in events if e == "warning"]
    assert shown == run.metrics["warnings"]
    return shown


def test_well_scaled_problem_has_no_scaling_warning(tmp_path):
    assert _warnings_of(BASE, tmp_path) == []


def test_mis_scaled_coordinates_are_reported_with_a_hint(tmp_path):
    problem = copy.deepcopy(BASE)
    problem["domain"] = {"x": [0, 5000], "t": [0, 0.5]}
    problem["conditions"][2]["where"] = "x = 5000"
    problem["reference"] = {"exact": {"u": "exp(-alpha*pi**2*t)*sin(pi*x/5000)"}}
    problem["conditions"][0]["dirichlet"] = "sin(pi*x/5000)"
    shown = _warnings_of(problem, tmp_path)
    assert any("coordinate ranges differ by 4 orders of magnitude" in m and
               "non-dimensionalise" in m for m in shown), shown
    # Inputs are scaled to [-1, 1] by the network's embedding: a range far from 0 is fine
    # in float64 and for x ∈ [0, 5000]; in float32, x ∈ [1e5, 1e5 + 1] keeps ~2 digits.
    assert not any("far from 0" in m for m in shown), shown
    far = copy.deepcopy(BASE)
    far["domain"] = {"x": [1e5, 1e5 + 1], "t": [0, 0.5]}
    far["conditions"][2]["where"] = "x = 100001"
    far["conditions"][1]["where"] = "x = 100000"
    far["reference"] = {"exact": {"u": "exp(-alpha*pi**2*t)*sin(pi*(x - 100000))"}}
    far["conditions"][0]["dirichlet"] = "sin(pi*(x - 100000))"
    assert not any("far from 0" in m for m in _warnings_of(far, tmp_path))
    far["training"]["dtype"] = "float32"
    shown = _warnings_of(far, tmp_path)
    assert any("coordinate(s) x lie far from 0 for their span: in float32 a point keeps its "
               "position within the range to about 5 digits or fewer" in m for m in shown)


def test_mis_scaled_loss_terms_are_reported_naming_them(tmp_path):
    problem = copy.deepcopy(BASE)
    problem["parameters"] = {"alpha": 0.1, "c": "1e6"}
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + c"]   # residual ~ 1e12
    shown = _warnings_of(problem, tmp_path)
    assert any("pde start with mean squared residual" in m and "non-dimensionalise" in m
               for m in shown), shown
    assert any("mean squared residuals of the terms differ by" in m and "pde" in m
               for m in shown), shown


def test_scaling_report_leaves_random_streams_alone(tmp_path, monkeypatch):
    """The step-0 look (the report's extra forward and backward passes) must not change the
    run (same model bits): the second run skips it altogether."""
    from pinnsolve.training.pinn import PinnStepper

    problem = copy.deepcopy(BASE)
    problem["training"]["phases"] = [{"optimizer": "adam", "steps": 10, "lr": 0.01}]
    # two space coordinates and one direction: the engine draws its tangents at random
    problem["domain"] = {"x": [0, 1], "y": [0, 1], "t": [0, 1]}
    problem["equations"] = ["diff(u, t) = alpha*laplacian(u)"]
    problem["output"]["grid"] = {"x": 5, "y": 5, "t": 3}
    problem["derivatives"] = {"engine": "stde", "directions": 1, "sparse": False}
    a = pinnsolve.solve(problem, out=tmp_path / "a")
    monkeypatch.setattr(PinnStepper, "start", lambda self: [])
    b = pinnsolve.solve(problem, out=tmp_path / "b")
    sa, sb = (torch.load(r.path / "checkpoints" / "last.pt", weights_only=True)["model"]
              for r in (a, b))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_cli_shows_scaling_warning(tmp_path):
    problem = copy.deepcopy(BASE)
    problem["parameters"] = {"alpha": 0.1, "c": "1e6"}
    problem["equations"] = ["diff(u, t) = alpha*diff(u, x, 2) + c"]
    problem["training"]["phases"] = [{"optimizer": "adam", "steps": 2}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem))
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "non-dimensionalise" in res.output


def test_warning_text_is_shown_verbatim_not_as_markup():
    """A warning quoting a path like runs/[/]x must not be read as rich markup (it raised
    MarkupError before)."""
    import io

    from rich.console import Console

    from pinnsolve._render import ProgressView

    out, buf = io.StringIO(), io.StringIO()   # warnings go to the error console (stderr)
    ProgressView(Console(file=out, width=200), Console(file=buf, width=200))(
        "warning", {"message": "runs/[/]x[bold]y"})
    assert "runs/[/]x[bold]y" in buf.getvalue() and out.getvalue() == ""


def test_a_transient_gradient_fault_says_no_term_alone(tmp_path, monkeypatch):
    """When no term's own gradient is non-finite on a second evaluation (a random draw of a
    stochastic engine), the rollback says so instead of naming a term '?'."""
    from pinnsolve.training import faults
    _inject(monkeypatch, "gradient", "adam")
    monkeypatch.setattr(faults, "diagnose", lambda trainer, mse: ("gradient", []))
    events = []
    pinnsolve.solve(BASE, out=tmp_path / "r", callback=lambda e, i: events.append((e, i)))
    (rollback,) = [i for e, i in events if e == "rollback"]
    assert "no term alone: each term's gradient is finite when evaluated again" in \
        rollback.message and "?" not in rollback.message
