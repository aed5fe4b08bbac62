"""Field-valued unknowns of inverse problems: ``unknowns: {a: {field: true}}``.

The unknown field is an extra output of the network, determined by the equations and the
data alone; it is reported, written and checked like a field.
"""
import json

import numpy as np
import pytest
import sympy
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SpecError

# -(a u')' = f on [0, 1] with u = sin(pi x), a = 1 + x; u observed at 50 interior points,
# u and a given on the boundary.
INVERSE_1D = {
    "domain": {"x": [0, 1]}, "fields": ["u"],
    "unknowns": {"a": {"field": True, "smooth": 1e-6}},
    "define": {"ue": "sin(pi*x)", "ae": "1 + x"},
    "equations": ["-diff(a*diff(u, x), x) = -diff(ae*diff(ue, x), x)"],
    "conditions": [{"where": "boundary", "dirichlet": {"u": 0, "a": "ae"}},
                   {"where": "interior", "name": "obs", "points": 50, "equation": "u = ue"}],
    "reference": {"exact": {"u": "ue", "a": "ae"}},
    "model": {"width": 16, "depth": 2}, "sampling": {"interior": 200},
    "training": {"dtype": "float64", "seed": 0, "phases": [
        {"optimizer": "adam", "steps": 300, "lr": 3e-3}, {"optimizer": "lbfgs", "steps": 200}]},
    "output": {"grid": {"x": 101}, "formats": ["npz"]}}


def test_a_field_unknown_is_an_output_with_a_smoothness_term():
    p = pinnsolve.load_problem(INVERSE_1D)
    assert p.fields == ("u", "a") and p.unknown_fields == ("a",) and p.unknowns == ()
    smooth = [c for c in p.conditions if c.name == "smooth_a_x"]
    assert len(smooth) == 1 and smooth[0].region.kind == "interior"
    # √w·a_x with w = 1e-6: the loss adds w·mean(a_x²)
    a = p.field_functions["a"]
    x = p.domain.coordinate_symbols[0]
    assert sympy.simplify(smooth[0].expr - sympy.Rational(1, 1000) * a.diff(x)) == 0
    no_smooth = dict(INVERSE_1D, unknowns={"a": {"field": True}})
    assert not [c for c in pinnsolve.load_problem(no_smooth).conditions
                if c.name.startswith("smooth")]


@pytest.mark.parametrize("spec, key, words", [
    ({"field": False}, "unknowns.a.field", "expected true"),
    ({"field": True, "initial": 1}, "unknowns.a.initial", "unknown key"),
    ({"field": True, "smooth": -1}, "unknowns.a.smooth", "weight >= 0"),
    ({"field": True, "smooth": "x"}, "unknowns.a.smooth", "x"),
])
def test_bad_field_unknowns_are_located(spec, key, words):
    with pytest.raises(SpecError, match=words) as info:
        pinnsolve.load_problem(dict(INVERSE_1D, unknowns={"a": spec}))
    assert info.value.key == key


def test_a_field_unknown_may_not_repeat_a_field():
    bad = dict(INVERSE_1D, fields=["u", "a"])
    with pytest.raises(SpecError, match="already a field"):
        pinnsolve.load_problem(bad)


def test_the_coefficient_field_is_recovered(tmp_path):
    """End to end: the run recovers a = 1 + x (and u) from the observations; the error of
    a is reported in metrics.json and a is written with the fields."""
    torch.manual_seed(0)
    run = pinnsolve.solve(INVERSE_1D, out=tmp_path / "run")
    errors = run.metrics["errors"]   # measured: u 5.0e-3, a 2.3e-2 (max |a - a_exact| 0.051)
    assert errors["u"]["l2re"] < 1e-2 and errors["a"]["l2re"] < 5e-2, errors
    fields = np.load(tmp_path / "run" / "fields" / "solution.npz")
    x = fields["axis_x"]
    assert np.abs(fields["a"].reshape(-1) - (1 + x)).max() < 0.1
    pred = run.predict(x=np.array([0.5]))     # measured 1.477
    assert abs(float(np.asarray(pred["a"]).reshape(-1)[0]) - 1.5) < 0.05


def test_check_shows_the_unknown_field(tmp_path):
    import yaml

    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in INVERSE_1D.items()}))
    result = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    event = json.loads(result.output.strip().splitlines()[-1])
    assert event["unknown_fields"] == ["a"] and event["fields"] == ["u", "a"]
    how = {t["name"]: t["imposed"] for t in event["terms"]}
    assert how["smooth_a_x"] == "loss (smoothness of an unknown field)"
    assert how["bc_a"] == "exactly"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert "unknown fields (inverse): a" in result.output


def test_a_field_unknown_of_a_time_dependent_problem_is_held_constant_in_time():
    heat = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
            "unknowns": {"k": {"field": True}},
            "equations": ["diff(u, t) = diff(k*diff(u, x), x)"],
            "conditions": [{"where": "interior", "name": "obs", "points": 100,
                            "equation": "u = exp(-t)*sin(pi*x)"}]}
    p = pinnsolve.load_problem(heat)
    steady = [c for c in p.conditions if c.name == "steady_k"]
    t = p.domain.time.symbol
    assert len(steady) == 1 and steady[0].expr == sympy.Derivative(p.field_functions["k"], t)
