"""Training budget, plateaus and tolerance: the loop ends phases and training on the clock or
on measured progress, and says why (issue 17, item 1)."""
from __future__ import annotations

import copy

import pytest
import torch

import pinnsolve
from _problems import HEAT_SOFT
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem
from pinnsolve.training.pinn import pinn_loop


def _heat(phases, **training):
    raw = copy.deepcopy(HEAT_SOFT)
    raw.update({"model": {"width": 8, "depth": 2},
                "sampling": {"interior": 64, "boundary": 16, "initial": 16},
                "training": {"dtype": "float64", "log_every": 10, "phases": phases, **training},
                "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]}})
    return raw


@pytest.mark.parametrize("text,seconds", [(300, 300.0), ("300", 300.0), ("300s", 300.0),
                                          ("5m", 300.0), ("1.5h", 5400.0), ("2min", 120.0)])
def test_budget_accepts_durations(text, seconds):
    p = load_problem(_heat([{"optimizer": "adam", "steps": 1}], budget=text))
    assert p.settings.training.budget == seconds


def test_a_bad_duration_names_the_key():
    with pytest.raises(SpecError, match=r"training\.budget.*duration such as"):
        load_problem(_heat([{"optimizer": "adam", "steps": 1}], budget="5 parsecs"))


def test_the_budget_ends_training_on_time_and_a_larger_one_continues(tmp_path):
    raw = _heat([{"optimizer": "adam", "steps": 10 ** 7, "lr": 1e-3}], budget=3)
    events = []
    run = pinnsolve.solve(raw, out=tmp_path / "r", callback=lambda e, r: events.append((e, r)))
    used = run.metrics["budget"]["used_s"]
    # Within 10 % of the budget (plus one step and one log of this tiny problem).
    assert 3 <= used <= 1.1 * 3 + 0.2, used
    assert run.metrics["budget"]["stopped"] == "budget"
    (switch,) = [r for e, r in events if e == "switch"]
    assert "training ends" in switch.message and "budget of 3 s is spent" in switch.message
    steps = run.metrics["steps"]
    assert 0 < steps < 10 ** 7
    # The same budget again: nothing more to spend.
    again = pinnsolve.solve(raw, out=tmp_path / "r")
    assert again.metrics["steps"] <= steps + 1
    # A larger budget continues the same phase from where it stopped.
    more = pinnsolve.solve(raw, out=tmp_path / "r", overrides=["training.budget=4.5"])
    assert more.metrics["steps"] > steps
    assert more.metrics["budget"]["used_s"] <= 1.1 * 4.5 + 0.1


def test_budget_share_ends_the_first_phase_and_the_next_one_runs():
    raw = _heat([{"optimizer": "adam", "steps": 10 ** 7, "budget_share": 0.5},
                 {"optimizer": "lbfgs", "steps": 10 ** 7}], budget=4)
    loop = pinn_loop(load_problem(raw), torch.device("cpu"), torch.float64)
    loop.run(None)
    phases = [w["phase"] for w in loop.switches]
    assert phases == ["adam", "lbfgs"], loop.switches
    assert "budget_share" in loop.switches[0]["reason"]
    assert 2.0 <= loop.switches[0]["elapsed_s"] <= 2.3
    assert loop.stopped == "budget"


def test_a_plateau_ends_the_phase():
    # A zero learning rate cannot lower the loss: the phase ends after 2 x patience steps.
    raw = _heat([{"optimizer": "adam", "steps": 1000, "lr": 0.0, "patience": 30},
                 {"optimizer": "adam", "steps": 10}])
    loop = pinn_loop(load_problem(raw), torch.device("cpu"), torch.float64)
    loop.run(None)
    (switch,) = loop.switches
    assert switch["phase"] == "adam" and "plateau" in switch["reason"]
    assert switch["step"] == 40   # first log step with 30 steps before and after the cut
    assert loop.step == 50 and loop.stopped is None


def test_tolerance_stops_training():
    raw = _heat([{"optimizer": "adam", "steps": 1000, "lr": 0.01}], tolerance=1e30)
    loop = pinn_loop(load_problem(raw), torch.device("cpu"), torch.float64)
    loop.run(None)
    assert loop.stopped == "tolerance" and loop.step == 10
    assert "below training.tolerance" in loop.switches[0]["reason"]


def test_a_quasi_newton_phase_at_round_off_ends_without_phantom_steps(tmp_path, monkeypatch):
    """Three chunks without a decrease end the phase: the steps reported are those taken
    (not the phase's nominal count), and the switch says why, as information, not as a
    warning."""
    import pinnsolve

    def idle_step(self, closure):   # an iteration that finds no decrease
        loss = closure()
        state = self.state[self.param_groups[0]["params"][0]]
        state["n_iter"] = state.get("n_iter", 0) + 1
        return loss

    monkeypatch.setattr(torch.optim.LBFGS, "step", idle_step)
    problem = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x) = 1"],
               "conditions": [{"where": "x = 0", "dirichlet": 0}],
               "model": {"width": 4, "depth": 1}, "sampling": {"interior": 16},
               "training": {"dtype": "float64", "seed": 0, "log_every": 1000,
                            "phases": [{"optimizer": "lbfgs", "steps": 1_000_000}]}}
    run = pinnsolve.solve(problem, out=tmp_path / "run")
    assert run.metrics["steps"] == 4   # one chunk that sets the loss, three that stall
    [switch] = run.metrics["budget"]["switches"]
    assert switch["step"] == 4 and "round-off" in switch["reason"]
    assert run.metrics["warnings"] == []
