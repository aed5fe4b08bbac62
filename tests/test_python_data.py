"""Arrays from Python: observations and references as {"data": {...}} mappings, and
Run.predict by coordinate name returning named fields."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import pinnsolve
from pinnsolve.errors import RunError, SpecError
from pinnsolve.spec import load_problem

# declared t before x: the column order is (x, t) anyway (space, then time)
HEAT = {
    "domain": {"t": [0, 0.5], "x": [0, 1]},
    "fields": ["u"],
    "equations": ["diff(u, t) = 0.1*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                   {"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0}],
    "model": {"width": 8, "depth": 2},
    "sampling": {"interior": 64, "boundary": 16},
    "training": {"dtype": "float64", "phases": [{"optimizer": "adam", "steps": 20, "lr": 1e-2}]},
    "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]},
}
GEN = np.random.default_rng(0)
XS, TS = GEN.random(50), 0.5 * GEN.random(50)
US = np.exp(-0.1 * np.pi**2 * TS) * np.sin(np.pi * XS)


def test_observations_from_arrays():
    arrays = load_problem({**HEAT, "conditions": HEAT["conditions"] + [
        {"data": {"x": XS, "t": TS, "u": US}, "name": "obs"}]})
    (obs,) = arrays.observations
    assert obs.name == "obs"
    assert np.array_equal(np.asarray(obs.points), np.stack([XS, TS], 1))
    assert np.array_equal(np.asarray(obs.values["u"]), US)


@pytest.mark.parametrize("data, key, message", [
    ({"x": XS, "t": TS, "w": US}, "conditions.3.data.w", "unknown name; expected coordinates"),
    ({"x": XS, "t": TS[:-1], "u": US}, "conditions.3.data", "arrays differ in length"),
    ({"x": XS, "t": TS, "u": np.where(XS > 0.5, np.nan, US)}, "conditions.3.data.u", "NaN or inf"),
    ({"x": XS.reshape(5, 10), "t": TS, "u": US}, "conditions.3.data.x", "1-D array"),
    ({"x": XS, "t": TS}, "conditions.3.data", "no array named after a field"),
])
def test_bad_observation_arrays_are_spec_errors(data, key, message):
    with pytest.raises(SpecError, match=message) as info:
        load_problem({**HEAT, "conditions": HEAT["conditions"] + [{"data": data}]})
    assert f"key '{key}'" in str(info.value)


def test_reference_arrays_are_validated():
    with pytest.raises(SpecError, match="needs an array per coordinate .*; missing t"):
        load_problem({**HEAT, "reference": {"data": {"x": XS, "u": US}}})
    p = load_problem({**HEAT, "reference": {"data": {"x": XS, "t": TS, "u": US}}})
    assert len(p.reference.data["u"]) == 50


def test_predict_by_name_and_reference_from_arrays(tmp_path):
    run = pinnsolve.solve({**HEAT, "reference": {"data": {"x": XS, "t": TS, "u": US}}},
                          out=tmp_path / "run")
    assert "u" in run.metrics["errors"]   # measured against the arrays
    by_position = np.asarray(run.predict(np.stack([XS, TS], 1)))
    by_name = run.predict(t=TS, x=XS)
    np.testing.assert_array_equal(by_name["u"], by_position[:, 0])
    np.testing.assert_array_equal(run.predict({"x": XS, "t": TS}).as_dict()["u"], by_position[:, 0])
    grid = run.predict(x=np.linspace(0, 1, 4)[:, None], t=np.array([0.0, 0.25, 0.5]))
    assert grid["u"].shape == (4, 3) and grid.shape == (12, 1)
    # the t = 0 column equals the exact initial condition (imposed exactly)
    np.testing.assert_allclose(grid["u"][:, 0], np.sin(np.pi * np.linspace(0, 1, 4)), atol=1e-12)
    with pytest.raises(RunError, match=r"every input coordinate by name \(x, t\); missing: t"):
        run.predict(x=XS)
    with pytest.raises(RunError, match="unknown: y"):
        run.predict(x=XS, t=TS, y=XS)
    with pytest.raises(KeyError, match="no field 'v'"):
        by_name["v"]
