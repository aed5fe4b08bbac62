"""ODEs: a domain of time alone. Time is then the one coordinate, sampled like a spatial one;
'where: initial' is its start, and values may also be given at its end (a boundary-value
problem). Before, such a file was refused ("needs at least one spatial coordinate")."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import SpecError

FAST = {"phases": [{"optimizer": "adam", "steps": 300, "lr": 0.01},
                   {"optimizer": "lbfgs", "steps": 200}], "dtype": "float64", "seed": 0}

# u'' + u = 0 from u(0) = 1, u'(0) = 0 on [0, 3]: u = cos(t)
OSCILLATOR = {"name": "oscillator", "domain": {"t": [0, 3]}, "fields": ["u"],
              "equations": ["diff(u, t, 2) + u = 0"],
              "conditions": [{"where": "initial", "dirichlet": 1},
                             {"where": "t = 0", "equation": "diff(u, t) = 0"}],
              "reference": {"exact": {"u": "cos(t)"}},
              "model": {"width": 20, "depth": 2},
              "sampling": {"interior": 200}, "training": FAST}


def test_initial_is_the_start_and_the_end_may_carry_a_value():
    p = pinnsolve.load_problem(OSCILLATOR)
    assert p.domain.time is None and [c.name for c in p.domain.space] == ["t"]
    starts = [(c.region.kind, c.region.coord, c.region.side) for c in p.conditions]
    assert starts == [("face", "t", "lo")] * 2
    bvp = dict(OSCILLATOR, conditions=[{"where": "t = 0", "dirichlet": 1},
                                       {"where": "t = 3", "dirichlet": "cos(3)"}])
    end = pinnsolve.load_problem(bvp).conditions[1].region
    assert (end.kind, end.coord, end.side) == ("face", "t", "hi")


def test_second_order_ode_solves_from_python_with_its_start_imposed(tmp_path):
    run = pinnsolve.solve(OSCILLATOR, out=tmp_path / "r", fresh=True)
    assert run.metrics["imposed_exactly"] == ["ic_1"]   # the start value; u'(0) stays in the loss
    assert run.metrics["errors"]["u"]["l2re"] < 1e-3


def test_ode_solves_from_the_cli_with_a_time_key(tmp_path):
    import yaml

    problem = {"name": "decay", "domain": {"t": [0, 2]}, "time": "t", "fields": ["u"],
               "equations": ["diff(u, t) = -2*u"],
               "conditions": [{"where": "t = 0", "dirichlet": 1}],
               "reference": {"exact": {"u": "exp(-2*t)"}},
               "model": {"width": 20, "depth": 2}, "sampling": {"interior": 200},
               "training": FAST}
    path = tmp_path / "decay.yaml"
    path.write_text(yaml.safe_dump(problem))
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["errors"]["u"]["l2re"] < 1e-3
    with np.load(tmp_path / "r" / "fields" / "solution.npz") as z:
        assert z["u"].ndim == 1 and np.isfinite(z["u"]).all()


def test_time_alone_with_a_shape_is_still_refused():
    bad = dict(OSCILLATOR, domain={"t": [0, 3], "shape": {"circle": {"center": [0, 0],
                                                                       "radius": 1}}})
    with pytest.raises(SpecError, match="key 'domain'"):
        pinnsolve.load_problem(bad)


def test_check_names_the_start_and_end_by_their_values(tmp_path):
    import yaml

    bvp = dict(OSCILLATOR, conditions=[{"where": "initial", "dirichlet": 1},
                                       {"where": "t = 3", "dirichlet": "cos(3)"}])
    path = tmp_path / "bvp.yaml"
    path.write_text(yaml.safe_dump(bvp))
    res = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert res.exit_code == 0, res.output
    where = {t["name"]: t["where"] for t in json.loads(res.output.splitlines()[-1])["terms"]}
    assert where["ic"] == "t = 0" and where["bc_t_max"] == "t = 3"


@pytest.mark.parametrize("domain", [{"t": [0, 30]}, {"x": [0, 1], "t": [0, 1]}])
@pytest.mark.parametrize("where,kind,value", [
    ("t = 0", "neumann", "0.33"), ("initial", "neumann", "0.33"), ("t = 0", "neumann", 0),
    ("t = 0", "robin", {"a": 1, "b": 2, "value": 3})])
def test_a_normal_derivative_at_a_time_face_is_refused(domain, where, kind, value):
    """At the start the outward normal points to earlier times (dn(u) = -u_t): an initial
    velocity written as `neumann: 0.33` would have been imposed as -0.33, silently. The
    error names the key and the equation to write."""
    problem = {"domain": domain, "fields": ["u"],
               "equations": ["diff(u, t, 2) + 4*u = 0"] if len(domain) == 1 else
               ["diff(u, t, 2) = diff(u, x, 2)"],
               "conditions": [{"where": where, "dirichlet": 0}, {"where": where, kind: value}]}
    if len(domain) == 2:
        problem["conditions"].append({"where": "boundary", "dirichlet": 0})
    with pytest.raises(SpecError) as err:
        pinnsolve.load_problem(problem)
    assert err.value.key == f"conditions.1.{kind}.u"
    assert "equation: diff(u, t) =" in str(err.value)


def test_space_faces_keep_their_neumann_conditions():
    pinnsolve.load_problem({"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
                            "equations": ["diff(u, t, 2) = diff(u, x, 2)"],
                            "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)"},
                                           {"where": "initial", "equation": "diff(u, t) = 0"},
                                           {"where": "x = 0 or x = 1", "neumann": 2}]})
