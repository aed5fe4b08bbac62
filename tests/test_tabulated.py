"""Tabulated hard-constraint lifts and distances (models/tabulated.py): the autodiff engine
must see exactly the derivatives it saw before, and never a stale table."""
from __future__ import annotations

import torch

from pinnsolve.derivatives.autodiff import autodiff
from pinnsolve.derivatives.requests import Partial
from pinnsolve.models.tabulated import StaticCache, Table, Untabulated, lookup
from pinnsolve.spec import load_problem
from pinnsolve.models.build import build_model


def P(*cols: int) -> Partial:
    """The partial of field 0 by the listed columns, e.g. P(0, 0, 1) = u_xxy."""
    return Partial(0, tuple((c, cols.count(c)) for c in sorted(set(cols))))


def f(x):
    return torch.sin(2 * x[:, 0]) * torch.exp(x[:, 1]) + x[:, 0] ** 3 * x[:, 1] ** 2


def exact(x, index):
    """Partials of f at x for the index tuples used below (by hand)."""
    a, b = x[:, 0], x[:, 1]
    s, c, e = torch.sin(2 * a), torch.cos(2 * a), torch.exp(b)
    return {(): s * e + a ** 3 * b ** 2,
            (0,): 2 * c * e + 3 * a ** 2 * b ** 2,
            (1,): s * e + 2 * a ** 3 * b,
            (0, 0): -4 * s * e + 6 * a * b ** 2,
            (0, 1): 2 * c * e + 6 * a ** 2 * b,
            (0, 0, 0, 0): 16 * s * e,
            (0, 0, 1, 1): -4 * s * e + 12 * a,
            (1, 1, 1, 1): s * e}[index]


def test_nested_autograd_through_lookups_gives_exact_partials_to_fourth_order():
    x0 = torch.rand(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = x0.clone().requires_grad_(True)
    table = Table(f, x)
    reqs = {(): P(), (0,): P(0), (1,): P(1),
            (0, 0): P(0, 0), (0, 1): P(0, 1),
            (0, 0, 0, 0): P(0, 0, 0, 0), (0, 0, 1, 1): P(0, 0, 1, 1),
            (1, 1, 1, 1): P(1, 1, 1, 1)}
    out = autodiff(lambda z: lookup(z, table), x, list(reqs.values()))
    for index, req in reqs.items():
        torch.testing.assert_close(out[req], exact(x0, index), rtol=1e-12, atol=1e-12)


def test_cache_tables_only_points_seen_twice_and_never_stale_ones():
    calls = []

    def g(x):
        calls.append(len(x))
        return (x ** 2).sum(1)

    cache = StaticCache(size=2)
    pts = torch.rand(30, 2, dtype=torch.float64)
    leaf = lambda p: p.detach().requires_grad_(True)  # noqa: E731  what the engine passes
    cache.evaluate("g", g, leaf(pts))
    cache.evaluate("g", g, leaf(pts))       # second sighting: tabulated (one more call)
    before = len(calls)
    for _ in range(5):
        y = cache.evaluate("g", g, leaf(pts))
    assert len(calls) == before             # from the table
    torch.testing.assert_close(y, (pts ** 2).sum(1))
    pts.mul_(2)                             # in-place change: a new version, no reuse
    y = cache.evaluate("g", g, leaf(pts))
    torch.testing.assert_close(y, (pts ** 2).sum(1))
    other = torch.rand(30, 2, dtype=torch.float64)   # same shape, other values
    y = cache.evaluate("g", g, leaf(other))
    torch.testing.assert_close(y, (other ** 2).sum(1))
    # Inputs that are not engine leaves are always evaluated directly.
    n = len(calls)
    cache.evaluate("g", g, other)
    cache.evaluate("g", g, other)
    assert len(calls) == n + 2


def test_hard_constrained_model_derivatives_unchanged_by_tables():
    """Plate with holes (shaped distance, fourth order), a box with different data on
    faces of two coordinates (blended lift) and one whose lift holds Bessel functions:
    derivatives with tables equal those of direct evaluation, and so does the gradient
    towards the parameters."""
    cases = [("problems/plate_holes.yaml", [P(0, 0, 0, 0), P(0, 0, 1, 1),
                                            P(0), P()]),
             (BLENDED, [P(0, 0), P(1, 1), P(0)]),
             (BESSEL, [P(0, 0), P(1, 1), P(1, 1, 1), P(0)])]
    for path, reqs in cases:
        problem = load_problem(path, ["training.dtype=float64"])
        model, _, _ = build_model(problem, seed=0)
        model = model.double()
        x = torch.rand(64, problem.domain.n_inputs, dtype=torch.float64,
                       generator=torch.Generator().manual_seed(1))
        got = [autodiff(model, x, reqs) for _ in range(3)]   # the third from tables
        assert any(len(e) > 1 for e in model.__dict__["_static_values"]._entries.values()), \
            "no table was built"
        model.__dict__["_static_values"] = Untabulated()
        want = autodiff(model, x, reqs)
        for r in reqs:
            torch.testing.assert_close(got[2][r], want[r], rtol=1e-10, atol=1e-10)
        # and the gradient towards the parameters agrees
        params = [p for p in model.parameters() if p.requires_grad]
        model.__dict__.pop("_static_values")
        for _ in range(2):
            autodiff(model, x, reqs)
        g_tab = torch.autograd.grad(sum(v.square().sum() for v in autodiff(model, x, reqs).values()),
                                    params)
        model.__dict__["_static_values"] = Untabulated()
        g_dir = torch.autograd.grad(sum(v.square().sum() for v in autodiff(model, x, reqs).values()),
                                    params)
        for a, b in zip(g_tab, g_dir):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


BLENDED = {"name": "blended", "domain": {"x": [0, 1], "y": [0, 2]}, "fields": ["u"],
           "equations": ["laplacian(u) = 1"],
           "conditions": [{"where": "x = 0", "dirichlet": "1 + sin(y)"},
                          {"where": "y = 0", "dirichlet": "x*(1 - x)"}]}

# initial data with Bessel functions: a single-expression lift, tabulated all the same
BESSEL = {"name": "bessel", "domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
          "equations": ["diff(u, t) = diff(u, x, 2)"],
          "conditions": [{"where": "initial", "dirichlet": "besselj(0, 3*x) + besseli(1, x)"},
                         {"where": "x = 1", "dirichlet": 0}]}


def test_only_lifts_with_bessel_functions_are_tabulated_besides_blends():
    from pinnsolve.models.constraints import plan_constraints
    (c,), _, _ = plan_constraints(load_problem(BESSEL))
    assert c.series_lift and not c.costly_lift
    plain = {**BESSEL, "conditions": [{"where": "initial", "dirichlet": "sin(3*x)"}]}
    (c,), _, _ = plan_constraints(load_problem(plain))
    assert not c.series_lift
