"""The default plan (spec/plan.py): a file that leaves training to pinnsolve gets a budget,
float64, a compact network and Adam → quasi-Newton; an explicit setting always wins."""
from __future__ import annotations

import pytest
import torch

from pinnsolve.spec import load_problem
from pinnsolve.spec.plan import describe
from pinnsolve.training.phases import make_optimizer
from pinnsolve.training.quasi_newton import DenseQuasiNewton

PHYSICS = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "equations": ["-laplacian(u) = 2*pi**2*sin(pi*x)*sin(pi*y)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}


def test_physics_only_gets_the_plan():
    s = load_problem(PHYSICS).settings
    tr = s.training
    assert tr.planned == ("phases", "budget", "dtype", "model")
    assert tr.budget == 300 and tr.dtype == "float64"
    assert [p.optimizer for p in tr.phases] == ["adam", "quasi_newton"]
    assert tr.phases[0].budget_share < 1 and tr.phases[0].patience > 0
    assert (s.model.width, s.model.depth) == (40, 4)
    text = " ".join(describe(s))
    assert "budget 300 s" in text and "4×40" in text and "float64" in text


def test_explicit_settings_win():
    raw = {**PHYSICS, "model": {"width": 16}, "training": {"dtype": "float32", "budget": "1m"}}
    s = load_problem(raw).settings
    assert s.training.planned == ("phases",)
    assert s.model.width == 16 and s.model.depth == 4   # the schema's depth, not the plan's
    assert s.training.dtype == "float32" and s.training.budget == 60


def test_a_file_with_phases_is_not_planned():
    raw = {**PHYSICS, "training": {"phases": [{"optimizer": "adam", "steps": 10}]}}
    s = load_problem(raw).settings
    assert s.training.planned == () and s.training.budget == 0
    assert s.training.dtype == "float32" and s.model.width == 64
    assert describe(s) == []


def test_overrides_reach_the_planned_phases_and_budget():
    s = load_problem(PHYSICS, ["training.phases.0.steps=50", "training.budget=20"]).settings
    assert s.training.phases[0].steps == 50 and s.training.budget == 20
    # Phases set by an override are the user's: nothing else is planned then.
    s = load_problem(PHYSICS, ["training.phases=[{optimizer: adam, steps: 5}]"]).settings
    assert s.training.planned == () and s.training.budget == 0


@pytest.mark.parametrize("width,dense", [(20, True), (128, False)])
def test_quasi_newton_is_dense_where_it_fits(width, dense):
    net = torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.Tanh(),
                              torch.nn.Linear(width, width), torch.nn.Tanh(),
                              torch.nn.Linear(width, 1)).double()
    phase = load_problem(PHYSICS).settings.training.phases[1]
    opt = make_optimizer(phase, net.parameters())
    assert isinstance(opt, DenseQuasiNewton) is dense
    assert dense or isinstance(opt, torch.optim.LBFGS)
