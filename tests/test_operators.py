"""Operators recognised as wholes (compiler/operators.py) and every engine's answer to them
and to mixed partials up to 4th order, against exact derivatives.

Oracle: a small fixed tanh network u(x) = c·tanh(W x + b) written both in SymPy
(differentiated symbolically, evaluated with NumPy in float64) and in torch (with a ``jet``
method, so the Taylor engine runs its own jets, not the nested-jvp fallback).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import sympy as sp
import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.derivatives import Bilaplacian, Laplacian, Partial, TaylorEngine, make_engine
from pinnsolve.derivatives.choice import NESTED_FASTER, choice_key
from pinnsolve.derivatives.requests import expand
from pinnsolve.derivatives.stde import interpolation
from pinnsolve.spec import load_problem

DT = torch.float64
# Derivatives of a tanh network up to 4th order are sums of O(10) terms of size O(10); the
# engines reach them to ~1e-13 (measured worst 3e-14 for the interpolated u_xxyz); 1e-10
# relative to the largest value still rules out any wrong coefficient (those are O(1)).
RTOL = 1e-10


class TinyNet(torch.nn.Module):
    """u(x) = c · tanh(W x + b) with fixed weights (hidden width 5)."""

    def __init__(self, d: int, seed: int = 0):
        super().__init__()
        g = np.random.default_rng(seed)
        self.W, self.b, self.c = g.normal(size=(5, d)), g.normal(size=5), g.normal(size=(1, 5))

    def forward(self, x):
        h = torch.tanh(x @ torch.as_tensor(self.W).T + torch.as_tensor(self.b))
        return h @ torch.as_tensor(self.c).T

    def jet(self, j):
        h = j.linear(torch.as_tensor(self.W), torch.as_tensor(self.b)).map("tanh")
        return h.linear(torch.as_tensor(self.c))

    def symbolic(self, xs):
        return sum(float(self.c[0, k]) * sp.tanh(sum(float(self.W[k, i]) * xs[i]
                                                     for i in range(len(xs))) + float(self.b[k]))
                   for k in range(5))


@functools.lru_cache(maxsize=None)
def exact(d: int) -> tuple[np.ndarray, dict]:
    """Points (7, d) and {request: exact values (7,)} for TinyNet(d) (cached: SymPy is the
    slow part, shared by both engines)."""
    net, xs = TinyNet(d), sp.symbols(f"x0:{d}")
    pts = np.random.default_rng(1).uniform(-1, 1, size=(7, d))
    u, partials = net.symbolic(xs), {}

    def symbolic(part: Partial) -> sp.Expr:   # from the next lower partial: shared, cheap
        if not part.orders:
            return u
        if part not in partials:
            partials[part] = sp.diff(symbolic(part.parent()), xs[part.last_column])
        return partials[part]

    wanted = {p for req in requests(d) for _, p in expand(req)}
    for part in wanted:
        symbolic(part)
    partials = {p: partials[p] for p in wanted}
    fn = sp.lambdify(xs, list(partials.values()), "numpy")
    vals = dict(zip(partials, (v * np.ones(len(pts)) for v in fn(*pts.T))))
    return pts, {req: sum(c * vals[p] for c, p in expand(req)) for req in requests(d)}


def requests(d: int):
    """Every partial of order 2..4 over d columns, plus Δ and Δ² over all of them."""
    out = [Laplacian(0, 0, d)] + ([Bilaplacian(0, 0, d)] if d > 1 else [])
    for k in range(2, 5):
        for cols in itertools.combinations_with_replacement(range(d), k):
            out.append(Partial(0, tuple(sorted({c: cols.count(c) for c in cols}.items()))))
    return out


ENGINES = {"autodiff": lambda: make_engine("autodiff"), "taylor": lambda: make_engine("taylor"),
           # every request on jets (the measured table hands mixed partials to autodiff)
           "jets only": lambda: TaylorEngine(nested=frozenset())}


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("d", [1, 2, pytest.param(3, marks=pytest.mark.slow)])  # SymPy: ~15 s
def test_engines_match_exact_derivatives_up_to_fourth_order(engine, d):
    pts, values = exact(d)
    got = ENGINES[engine]()(TinyNet(d), torch.tensor(pts, dtype=DT), list(values))
    for req, want in values.items():
        err = np.abs(got[req].detach().numpy() - want).max() / max(np.abs(want).max(), 1)
        assert err < RTOL, (req, err)


def test_interpolation_system_is_square_and_well_conditioned():
    # R = C(D+k-1, k) directions for the same number of partials; cond < 100 for k <= 6,
    # D <= 4 (measured 92 at k = 6, D = 4), so float64 solves lose < 2 digits.
    plan = interpolation(4, 3)
    assert plan.directions.shape == (15, 3) and plan.inverse.shape == (15, 15)
    assert (plan.directions.sum(1) == 4).all()
    assert np.linalg.cond(np.linalg.inv(interpolation(6, 4).inverse)) < 100


PLATE = "diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4) = 1"


def interior_requests(equation: str, space=("x", "y"), time: bool = False):
    domain = {c: [0, 1] for c in space}
    if time:
        domain["t"] = [0, 1]
    problem = load_problem({"domain": domain, "fields": ["u"], "equations": [equation],
                            "parameters": {"k": 0.3}})
    return compile_problem(problem, "autodiff").term("pde").requests


@pytest.mark.parametrize("equation, want", [
    (PLATE, {Bilaplacian(0, 0, 2)}),
    ("laplacian(laplacian(u)) = 1", {Bilaplacian(0, 0, 2)}),
    ("diff(u, x, 2) + diff(u, y, 2) = 1", {Laplacian(0, 0, 2)}),
    ("div(grad(u)) = 1", {Laplacian(0, 0, 2)}),
    ("-k*diff(u, x, 2) - k*diff(u, y, 2) + u = 1", {Laplacian(0, 0, 2), Partial(0)}),
])
def test_operators_written_out_are_recognised(equation, want):
    assert interior_requests(equation) == want


def test_operators_in_three_dimensions_and_with_time():
    assert interior_requests("diff(u, t) - diff(u, x, 2) - diff(u, y, 2) - diff(u, z, 2) = 0",
                             ("x", "y", "z"), time=True) == {Laplacian(0, 0, 3),
                                                             Partial(0, ((3, 1),))}
    quartic = ("diff(u, x, 4) + diff(u, y, 4) + diff(u, z, 4) + 2*diff(u, x, 2, y, 2)"
               " + 2*diff(u, x, 2, z, 2) + 2*diff(u, y, 2, z, 2) = 0")
    assert interior_requests(quartic, ("x", "y", "z")) == {Bilaplacian(0, 0, 3)}


@pytest.mark.parametrize("equation", [
    "diff(u, x, 2) + 2*diff(u, y, 2) = 1",                          # coefficients differ
    "diff(u, x, 4) + diff(u, x, 2, y, 2) + diff(u, y, 4) = 1",      # mixed term not 2x
    "diff(u, x, 4) + diff(u, y, 4) = 1",                            # mixed term missing
    "diff(u, x, 2) + diff(u, x, y) = 1",                            # not a Laplacian at all
])
def test_inexact_sums_are_left_alone(equation):
    assert not any(isinstance(r, (Laplacian, Bilaplacian)) for r in interior_requests(equation))


def test_rewritten_residual_equals_the_written_one():
    """The plate residual with the rewrite equals Σ of the written partials (autodiff on the
    partials computed separately): 1e-12 relative, round-off of a 4-term sum."""
    problem = load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
                            "equations": [PLATE]})
    net = TinyNet(2)
    x = torch.tensor(np.random.default_rng(2).uniform(size=(9, 2)), dtype=DT)
    for engine in ("autodiff", "taylor"):
        r = compile_problem(problem, engine).residuals(net, x)["pde"]
        parts = make_engine("autodiff")(net, x, [Partial(0, ((0, 4),)), Partial(0, ((1, 4),)),
                                                Partial(0, ((0, 2), (1, 2)))])
        want = sum(parts.values()) + parts[Partial(0, ((0, 2), (1, 2)))] - 1
        assert ((r - want).abs().max() / want.abs().max()).item() < 1e-12


def test_exact_taylor_engine_hands_measured_slower_requests_to_nested_autodiff():
    """Requests in the measured table are answered by nested autodiff (bit for bit), the
    others by jets (round-off apart from autodiff); STDE never switches (it estimates)."""
    net, x = TinyNet(2), torch.tensor(np.random.default_rng(3).uniform(size=(6, 2)), dtype=DT)
    mixed, lap = Partial(0, ((0, 2), (1, 2))), Laplacian(0, 0, 2)
    assert choice_key(mixed) in NESTED_FASTER and choice_key(lap) not in NESTED_FASTER
    nested = make_engine("autodiff")(net, x, [mixed, lap, Partial(0)])
    got = make_engine("taylor")(net, x, [mixed, lap, Partial(0)])
    assert torch.equal(got[mixed], nested[mixed]) and torch.equal(got[Partial(0)], nested[Partial(0)])
    assert not torch.equal(got[lap], nested[lap])          # came from the jet
    assert torch.allclose(got[lap], nested[lap], rtol=1e-12, atol=1e-12)
    from pinnsolve.derivatives import StdeOptions
    assert make_engine("stde", StdeOptions(directions=4)).nested == frozenset()
    for key in NESTED_FASTER:                               # every key is one choice_key makes
        kind, order, cols = key
        assert kind == "partial" and 2 <= order <= 4 and 1 <= cols <= order


def test_bilaplacian_designs_agree_with_nested_autodiff_in_three_dimensions():
    """The 6-axis icosahedral design against nested autodiff's 6 partials (the SymPy
    oracle covers it in the slow test above): 1e-11 relative, round-off of 4th derivatives."""
    net, x = TinyNet(3), torch.tensor(np.random.default_rng(4).uniform(size=(6, 3)), dtype=DT)
    req = Bilaplacian(0, 0, 3)
    a, b = make_engine("taylor")(net, x, [req])[req], make_engine("autodiff")(net, x, [req])[req]
    assert ((a - b).abs().max() / b.abs().max()).item() < 1e-11


def test_evaluate_many_batches_regions_with_the_same_requests():
    """Four Dirichlet sides ask the same request (u): one engine call for all of them, the
    same residuals as one call per side (1e-12: only the matmul blocking differs)."""
    problem = load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
                            "equations": ["laplacian(u) = 1"],
                            "conditions": [{"where": w, "dirichlet": "x*y"}
                                           for w in ("x = 0", "x = 1", "y = 0", "y = 1")]})
    compiled = compile_problem(problem, "autodiff")
    calls = []
    engine = compiled.engine
    compiled.engine = lambda *a, **k: calls.append(len(a[1])) or engine(*a, **k)
    g = torch.Generator().manual_seed(5)
    batches = [([t], torch.rand(8 + i, 2, generator=g, dtype=DT), None)
               for i, t in enumerate(compiled.terms)]
    net = TinyNet(2)
    many = compiled.evaluate_many(net, batches)
    assert calls == [8, 9 + 10 + 11 + 12]        # interior alone, the four sides together
    one = {}
    for terms, x, _ in batches:
        one.update(compiled.evaluate(net, terms, x))
    assert set(many) == set(one) and all(len(many[k]) == len(one[k]) for k in one)
    assert all(torch.allclose(many[k], one[k], rtol=1e-12, atol=1e-12) for k in one)
