"""``where: {point: [...]}``: a condition at one point (e.g. pressure fixed at p(0, 0) = 0)."""
import numpy as np
import pytest

import pinnsolve
from pinnsolve.errors import SpecError
from pinnsolve.geometry import region_geometry
from pinnsolve.sampling import RegionSampler
from pinnsolve.spec import load_problem

HOLED = {"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}},
                        {"disk": {"center": [0.5, 0.5], "radius": 0.2}}]}


def _raw(where, time=False, shape=None, **extra):
    domain = {"x": [-1, 1], "y": [-1, 1]}
    if time:
        domain["t"] = [0, 1]
    if shape is not None:
        domain["shape"] = shape
    eq = "diff(u, t) = laplacian(u)" if time else "laplacian(u) = 0"
    return {"domain": domain, "fields": "u", "equations": eq,
            "conditions": [{"where": where, "dirichlet": 0.5}], **extra}


def test_point_samples_are_the_point_and_time_varies():
    p = load_problem(_raw({"point": [0, "1/2"]}, time=True))
    c = p.conditions[0]
    assert c.region.point == (0.0, 0.5) and c.points is None and c.name == "bc_point_0_0p5"
    pts = RegionSampler(region_geometry(p, c.region), 64, "uniform", 0, 0).points().numpy()
    assert np.all(pts[:, :2] == [0.0, 0.5])
    assert 0 <= pts[:, 2].min() < 0.2 and 0.8 < pts[:, 2].max() <= 1
    fixed = load_problem(_raw({"point": [0, 0, 0.25]}, time=True)).conditions[0]
    assert fixed.points == 1


@pytest.mark.parametrize("where, shape, match", [
    ({"point": [0]}, None, r"conditions\.0\.where\.point.*expected 2 numbers \(x, y\)"),
    ({"point": [0, 2]}, None, r"conditions\.0\.where\.point.*y = 2 is outside"),
    ({"point": [0, 0], "x": 1}, None, r"conditions\.0\.where.*point condition is written"),
    ({"point": "origin"}, None, r"expected 2 numbers"),
])
def test_bad_points_are_located_errors(where, shape, match):
    with pytest.raises(SpecError, match=match):
        load_problem(_raw(where, shape=shape))


def test_point_in_a_hole_of_a_shape_is_refused():
    p = load_problem(_raw({"point": [0.5, 0.5]}, shape=HOLED))
    with pytest.raises(SpecError, match=r"point \[0.5, 0.5\] lies outside the shape"):
        region_geometry(p, p.conditions[0].region)


def test_point_condition_trains_and_is_met(tmp_path):
    """Laplace with only u(0, 0) = 0.5 pinned: the solution is the constant 0.5; a few
    L-BFGS steps bring the model there at the point (loss at the point < 1e-4)."""
    raw = _raw({"point": [0, 0]}, shape=HOLED, sampling={"interior": 200},
               training={"dtype": "float64", "seed": 0,
                         "phases": [{"optimizer": "lbfgs", "steps": 30}]})
    run = pinnsolve.solve(load_problem(raw), out=tmp_path / "r")
    assert abs(float(np.asarray(run.predict(np.array([[0.0, 0.0]]))).reshape(-1)[0]) - 0.5) < 1e-2
