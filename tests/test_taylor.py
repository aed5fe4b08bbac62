"""Taylor-mode jets and the taylor / stde engines against independent oracles.

Oracle for jets: the curve t ↦ f(x + Σ v⁽ʲ⁾ tʲ/j!) differentiated k times in the scalar t
by reverse-mode autograd (no jets involved). Oracle for engines: the nested-autodiff
engine, itself tested against closed forms in test_autodiff.py. All in float64; jets of
order ≤ 4 through 3-layer networks agree to ~1e-15 relative, so 1e-12 leaves room for
the growth of high-order derivatives without hiding a wrong coefficient (those are O(1)).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.derivatives import (Bilaplacian, DiagonalSum, Jet, Laplacian, Partial, Sparse,
                                   TaylorEngine, autodiff, jet_terms, mixed_layout, push)
from pinnsolve.derivatives.taylor import DERIVATIVES, partitions, push_generic
from pinnsolve.models import ACTIVATIONS, MODELS, Embedding, build_model
from pinnsolve.spec.load import load_problem

from _problems import BURGERS

DT = torch.float64


def curve_derivatives(fn, x, tangents, K):
    """[(d/dt)^k fn(x + Σ v_j t^j/j!) at t=0 for k=1..K], each (n, m), by autograd in t.

    Each point gets its own t (rows of the models are independent), so one reverse pass
    per output column and order differentiates every point at once.
    """
    t = torch.zeros(x.shape[0], 1, dtype=DT, requires_grad=True)
    point = x
    for j, v in enumerate(tangents, start=1):
        if v is not None:
            point = point + v * t ** j / math.factorial(j)
    y = fn(point)
    cur = y if y.dim() == 2 else y[:, None]
    out = []
    for _ in range(K):
        cols = []
        for m in range(cur.shape[1]):
            (g,) = torch.autograd.grad(cur[:, m].sum(), t, create_graph=True, allow_unused=True)
            cols.append(torch.zeros(x.shape[0], dtype=DT) if g is None else g[:, 0])
        cur = torch.stack(cols, 1)
        out.append(cur)
    return out


def rel(a, b):
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


# -- combinatorics -----------------------------------------------------------------------------
def test_set_partition_counts_are_bell_numbers():
    assert [sum(c for c, _ in partitions(k)) for k in range(1, 8)] == [1, 2, 5, 15, 52, 203, 877]


def test_jet_terms_reproduce_the_symbolically_checked_kdv_coefficients():
    # ../shared/research/methods.md §1.2: the STDE paper's KdV tables are wrong; these are
    # the coefficients re-derived there with SymPy. x, y, t = columns 0, 1, 2.
    jet13 = ((0, 3), (1, 4), (2, 7))
    assert jet_terms(jet13, 6) == {((0, 2),): 10}
    assert jet_terms(jet13, 7) == {((0, 1), (1, 1)): 35, ((2, 1),): 1}
    j11 = jet_terms(jet13, 11)
    assert j11[((1, 1), (2, 1))] == 330 and j11[((0, 1), (1, 2))] == 5775
    j13 = jet_terms(jet13, 13)
    assert j13[((0, 3), (1, 1))] == 200200 and j13[((0, 2), (2, 1))] == 17160
    jet9 = jet_terms(((0, 2), (1, 3)), 9)
    assert jet9 == {((0, 3), (1, 1)): 1260, ((1, 3),): 280}
    # eq. 52: ∂²_i ∂_j from a 7-jet with e_i at order 2 and e_j at order 3 is clean.
    assert jet_terms(((0, 2), (1, 3)), 7) == {((0, 2), (1, 1)): 105}


def test_mixed_layouts_are_derived_and_refused_when_impossible():
    lay = mixed_layout(((0, 1), (1, 1)))
    assert lay.order == 3 and lay.prefactor == 3 and lay.contaminants == ((1, ((0, 3),)),)
    with pytest.raises(ValueError, match="no Taylor jet of order <= 12"):
        mixed_layout(((0, 1), (1, 1), (2, 1), (3, 1)))


# -- elementwise functions and layers ---------------------------------------------------------
TORCH_FN = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "sin": torch.sin, "cos": torch.cos,
            "exp": torch.exp, "softplus": torch.nn.functional.softplus,
            "silu": torch.nn.functional.silu, "gelu": torch.nn.functional.gelu,
            "log": torch.log, "recip": torch.reciprocal}
POSITIVE = {"log", "recip"}   # defined for z > 0 (the log time of an initial layer)


def random_tangents(shape, K, gen, zero=()):
    return [None if j in zero else torch.randn(*shape, generator=gen, dtype=DT)
            for j in range(1, K + 1)]


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
@pytest.mark.parametrize("K", [1, 2, 3, 4, 5])
def test_elementwise_jets_match_curve_derivatives(name, K):
    assert set(TORCH_FN) == set(DERIVATIVES)
    gen = torch.Generator().manual_seed(K)
    x = torch.randn(3, 2, generator=gen, dtype=DT)
    if name in POSITIVE:
        x = x.abs() + 0.5
    tangents = random_tangents((1, 3, 2), K, gen, zero=(2,) if K > 3 else ())
    out = Jet.input(x, tangents).map(name)
    want = curve_derivatives(TORCH_FN[name], x, [None if v is None else v[0] for v in tangents], K)
    assert rel(out.value, TORCH_FN[name](x)) < 1e-15
    for k in range(K):
        assert rel(out.coefs[k][0], want[k]) < 1e-12, (name, k + 1)


def test_leibniz_linear_sum_squares_and_sparse_tangents():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(4, 3, generator=gen, dtype=DT)
    W = torch.randn(5, 3, generator=gen, dtype=DT)
    b = torch.randn(5, generator=gen, dtype=DT)
    K = 4
    tangents = random_tangents((1, 4, 3), K, gen)

    def fn(z):
        h = torch.nn.functional.linear(z, W, b)
        return torch.cat([torch.tanh(h) * torch.sin(h), (z ** 2).sum(1, keepdim=True)], 1)

    j = Jet.input(x, tangents)
    h = j.linear(W, b)
    out = (h.map("tanh") * h.map("sin")).cat([j.sum_squares()])
    want = curve_derivatives(fn, x, [v[0] for v in tangents], K)
    for k in range(K):
        assert rel(out.coefs[k][0], want[k]) < 1e-12
    # Sparse coordinate tangents give the same coefficients as their dense form.
    sp_t = Sparse(torch.tensor([2, 0]), torch.tensor([1.5, -0.5], dtype=DT))
    for K in (2, 3):
        a = Jet.input(x, [sp_t] + [None] * (K - 1))
        d = Jet.input(x, [sp_t.dense(3)] + [None] * (K - 1))
        for ja, jd in ((a.linear(W, b).map("tanh"), d.linear(W, b).map("tanh")),
                       (a.sum_squares(), d.sum_squares())):
            for k in range(K):
                if jd.coefs[k] is None:   # e.g. coefficient 3 of |x|² with v⁽²⁾ = 0
                    assert ja.coefs[k] is None
                    continue
                assert rel(ja.coefs[k].expand_as(jd.coefs[k]), jd.coefs[k]) < 1e-15


# -- whole models ------------------------------------------------------------------------------
def embeddings():
    return {
        "plain": Embedding([0, -1, 0], [1, 1, 2]),
        "periodic": Embedding([0, -1, 0], [1, 1, 2], periodic=[1], modes=2),
        "fourier": Embedding([0, -1, 0], [1, 1, 2], fourier_features=4,
                             generator=torch.Generator().manual_seed(3)),
        "time": Embedding([0, -1, 0], [1, 1, 2], periodic=[1], modes=2, time_column=2,
                          time_modes=3),
    }


def nets():
    out = []
    for emb_name, emb in embeddings().items():
        for kind, cls in MODELS.items():
            for act in ACTIVATIONS:
                torch.manual_seed(0)
                out.append(pytest.param(cls(emb, 2, 8, 2, act).to(DT),
                                        id=f"{kind}-{act}-{emb_name}"))
    return out


@pytest.mark.parametrize("net", nets())
def test_model_jets_match_curve_derivatives(net):
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(3, 3, generator=gen, dtype=DT)
    K = 4
    tangents = random_tangents((2, 3, 3), K, gen, zero=(3,))
    out = push(net, Jet.input(x, tangents))
    assert rel(out.value, net(x)) < 1e-14   # same map, operations reordered
    for r in range(2):
        want = curve_derivatives(net, x, [None if v is None else v[r] for v in tangents], K)
        for k in range(K):
            assert rel(out.coefs[k][r], want[k]) < 1e-12, (r, k + 1)


def hard_constrained_models():
    ball = load_problem({"domain": {"x": {"dim": 4}}, "fields": ["u"],
                         "equations": ["laplacian(u) = 1"],
                         "conditions": [{"where": "boundary", "dirichlet": "x[0]**2"}],
                         "model": {"width": 8, "depth": 2}})
    burgers, *_ = build_model(load_problem(BURGERS))
    return {"burgers": burgers, "ball": build_model(ball)[0]}


@pytest.mark.parametrize("name", ["burgers", "ball"])
def test_hard_constrained_models_and_generic_fallback(name):
    model = hard_constrained_models()[name]
    assert type(model).__name__ == "HardConstrained"
    d = 2 if name == "burgers" else 4
    gen = torch.Generator().manual_seed(4)
    x = torch.rand(3, d, generator=gen, dtype=DT) * 0.5
    K = 3
    tangents = random_tangents((2, 3, d), K, gen)
    out = push(model, Jet.input(x, tangents))
    generic = push_generic(model, Jet.input(x, tangents))   # nested torch.func.jvp
    for r in range(2):
        want = curve_derivatives(model, x, [v[r] for v in tangents], K)
        for k in range(K):
            assert rel(out.coefs[k][r], want[k]) < 1e-12
            assert rel(generic.coefs[k][r], want[k]) < 1e-12


def test_a_lone_top_order_column_is_collapsed_and_matches_autodiff(monkeypatch):
    """Burgers asks u_t, u_x and u_xx: the second-order coefficient is pushed for x alone
    (one collapsed block, weights one-hot on x), and every partial and its gradient with
    respect to the parameters equals nested autodiff's, on the hard-constrained model."""
    import pinnsolve.derivatives.stde as stde
    model = hard_constrained_models()["burgers"].to(DT)
    x = torch.rand(7, 2, generator=torch.Generator().manual_seed(8), dtype=DT) * 2 - 1
    reqs = [Partial(0), Partial(0, ((1, 1),)), Partial(0, ((0, 1),)), Partial(0, ((0, 2),))]
    pushed = []
    real_push = stde.push
    monkeypatch.setattr(stde, "push", lambda m, j: pushed.append(j) or real_push(m, j))
    t = TaylorEngine()(model, x, reqs)
    a = autodiff(model, x, reqs)
    assert len(pushed) == 1 and pushed[0].weights.tolist() == [1.0, 0.0]
    for req in reqs:
        assert rel(t[req], a[req]) < 1e-12, req
    params = [p for p in model.parameters() if p.requires_grad]
    loss_t = sum((t[r] ** 2).sum() for r in reqs)
    loss_a = sum((a[r] ** 2).sum() for r in reqs)
    g_t = torch.autograd.grad(loss_t, params, allow_unused=True)
    g_a = torch.autograd.grad(loss_a, params, allow_unused=True)
    assert max(rel(p, q) for p, q in zip(g_t, g_a) if q is not None) < 1e-11
    # Two columns at the top order keep a block each (no collapse).
    pushed.clear()
    both = [Partial(0, ((0, 2),)), Partial(0, ((1, 2),))]
    t = TaylorEngine()(model, x, both)
    assert pushed[0].weights is None
    a = autodiff(model, x, both)
    assert max(rel(t[r], a[r]) for r in both) < 1e-12


def test_collapsed_top_is_the_weighted_sum_and_gradients_reach_the_parameters():
    torch.manual_seed(0)
    net = MODELS["mlp"](Embedding([-1] * 5, [1] * 5), 1, 16, 3, "tanh").to(DT)
    x = torch.rand(6, 5, generator=torch.Generator().manual_seed(5), dtype=DT)
    v = torch.randn(7, 1, 5, generator=torch.Generator().manual_seed(6), dtype=DT)
    w = torch.rand(7, dtype=DT)
    for K in (2, 4):
        full = push(net, Jet.input(x, [v] + [None] * (K - 1)))
        coll = push(net, Jet.input(x, [v] + [None] * (K - 1), weights=w))
        want = (w[:, None, None] * full.coefs[-1]).sum(0)
        assert rel(coll.coefs[-1][0], want) < 1e-13
    # d/dθ of the forward Laplacian equals d/dθ of the nested-autodiff Laplacian.
    lap_t = TaylorEngine()(net, x, [Laplacian(0, 0, 5)])[Laplacian(0, 0, 5)]
    lap_a = autodiff(net, x, [Laplacian(0, 0, 5)])[Laplacian(0, 0, 5)]
    params = list(net.parameters())
    g_t = torch.autograd.grad(lap_t.sum(), params, allow_unused=True)
    g_a = torch.autograd.grad(lap_a.sum(), params, allow_unused=True)
    # The output bias does not reach a Laplacian: both engines leave it out of the graph.
    assert [g is None for g in g_t] == [g is None for g in g_a] == [False] * (len(params) - 1) + [True]
    assert max(rel(a, b) for a, b in zip(g_t[:-1], g_a[:-1])) < 1e-12


# -- the engines -------------------------------------------------------------------------------
REQUESTS = [Partial(0), Partial(1), Partial(0, ((0, 1),)), Partial(1, ((2, 1),)),
            Partial(0, ((0, 2),)), Partial(1, ((1, 4),)), Partial(0, ((0, 1), (1, 1))),
            Partial(1, ((0, 2), (2, 1))), Partial(0, ((0, 2), (1, 2))), Partial(1, ((1, 3), (2, 1))),
            Laplacian(0, 0, 3), Laplacian(1, 1, 3), Bilaplacian(0, 0, 3)]


@pytest.mark.parametrize("net", nets()[:10])
def test_exact_taylor_engine_matches_nested_autodiff(net):
    x = torch.rand(5, 3, generator=torch.Generator().manual_seed(7), dtype=DT)
    a = autodiff(net, x, REQUESTS)
    t = TaylorEngine()(net, x, REQUESTS)
    for req in REQUESTS:
        assert rel(t[req], a[req]) < 1e-12, req
    # A three-column mixed partial goes through subtraction of several contaminants,
    # which costs a few digits: 1e-9 still rules out any wrong coefficient.
    three = Partial(0, ((0, 1), (1, 2), (2, 1)))
    assert rel(TaylorEngine()(net, x, [three])[three], autodiff(net, x, [three])[three]) < 1e-9


def test_stde_engine_with_enough_directions_is_exact_and_compiles_problems():
    problem = load_problem({**BURGERS, "derivatives": {"engine": "stde", "directions": 4}})
    compiled = compile_problem(problem)
    model, *_ = build_model(problem)
    x = torch.rand(20, 2, dtype=DT)
    r_stde = compiled.residuals(model, x)["pde"]
    r_auto = compile_problem(problem, "autodiff").residuals(model, x)["pde"]
    assert rel(r_stde, r_auto) < 1e-12
    # u_xyzw had no layout before interpolation (four columns at distinct tangent orders
    # exceed a 12-jet); now it is one 4-jet push along 35 directions.
    four = {"domain": {"x": [0, 1], "y": [0, 1], "z": [0, 1], "w": [0, 1]},
            "fields": ["u"], "equations": ["diff(u, x, y, z, w) = 0"],
            "derivatives": {"engine": "taylor"}}
    problem = load_problem(four)
    model, *_ = build_model(problem)
    x4 = torch.rand(10, 4, dtype=DT)
    assert rel(compile_problem(problem).residuals(model, x4)["pde"],
               compile_problem(problem, "autodiff").residuals(model, x4)["pde"]) < 1e-9
    # Problem files stop at order 8 (spec); the engine itself refuses jets above 12.
    with pytest.raises(ValueError, match="no Taylor jet of order <= 12"):
        TaylorEngine().layout(((0, 7), (1, 6)))


# -- unbiasedness: Monte-Carlo means converge to the exact value at rate 1/sqrt(M) ------------
def estimator_draws(estimate, M):
    return torch.stack([estimate() for _ in range(M)]).detach()


@pytest.fixture(scope="module")
def small_net():
    torch.manual_seed(1)
    return MODELS["mlp"](Embedding([-1] * 12, [1] * 12), 1, 16, 2, "tanh").to(DT)


CASES = {
    "laplacian-sparse": (dict(directions=3, sparse=True), Laplacian(0, 0, 12)),
    "laplacian-rademacher": (dict(directions=2, sparse=False), Laplacian(0, 0, 12)),
    "laplacian-gaussian": (dict(directions=2, sparse=False, distribution="gaussian"),
                           Laplacian(0, 0, 12)),
    "bilaplacian-gaussian": (dict(directions=2), Bilaplacian(0, 0, 4)),
    "diagonal4-sparse": (dict(directions=3), DiagonalSum(0, 0, 12, 4)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_estimators_are_unbiased(small_net, case):
    x = torch.rand(3, 12, generator=torch.Generator().manual_seed(8), dtype=DT) * 0.6
    settings, req = CASES[case]
    engine = TaylorEngine(seed=10, **settings)
    exact = autodiff(small_net, x, [req])[req].detach()
    draw = lambda: engine(small_net, x, [req])[req]  # noqa: E731
    draws = estimator_draws(draw, 1600)
    # The mean of M draws is within 4.5 standard errors of the exact value at every point
    # (fixed seeds: deterministic; 4.5σ leaves a 1e-5 chance for an unlucky seed).
    se = draws.std(0) / math.sqrt(len(draws))
    assert bool(((draws.mean(0) - exact.detach()).abs() <= 4.5 * se).all()), case
    assert bool((draws.std(0) > 0).all())   # really stochastic
    # Rate: the RMS error of batch means shrinks like 1/sqrt(M): 16× more draws, ~4× less.
    err = {}
    for m in (16, 256):
        means = draws[: (len(draws) // m) * m].reshape(-1, m, draws.shape[1]).mean(1)
        err[m] = float(((means - exact.detach()) ** 2).mean().sqrt())
    assert 2.0 < err[16] / err[256] < 8.0, err


def test_bilaplacian_of_a_vector_coordinate_parses_and_compiles():
    # Δ²|x|⁴ = 8 d (d + 2) in d dimensions: the closed form is the oracle.
    d = 3
    problem = load_problem({"domain": {"x": {"dim": d}}, "fields": ["u"],
                            "equations": ["laplacian(laplacian(u)) = 0"]})
    assert str(problem.equations[0].expr) == "laplacian(laplacian(u))"
    x = torch.rand(4, d, generator=torch.Generator().manual_seed(11), dtype=DT)
    quartic = lambda p: ((p ** 2).sum(1) ** 2)[:, None]  # noqa: E731
    for engine in ("autodiff", "taylor"):
        compiled = compile_problem(problem, engine)
        assert compiled.terms[0].requests == {Bilaplacian(0, 0, d)}
        r = compiled.residuals(quartic, x)["pde"]
        np.testing.assert_allclose(r.detach().numpy(), 8 * d * (d + 2), rtol=1e-13)
    with pytest.raises(Exception, match=r"laplacian\(\) applies to a field"):
        load_problem({"domain": {"x": {"dim": d}}, "fields": ["u"],
                      "equations": ["laplacian(laplacian(u)**2) = 0"]})


def test_diagonal_sums_parse_and_every_engine_agrees_with_the_closed_form():
    # u = sin(a·x): Σ_i ∂⁴_i u = (Σ a_i⁴) sin(a·x), Σ_{i=1..3} ∂_i u = (a_1+a_2+a_3) cos(a·x).
    d = 6
    problem = load_problem({"domain": {"x": {"dim": d}}, "fields": ["u"], "equations": [
        "Sum(diff(u, x[i], 4), (i, 0, dim - 1)) + 2*Sum(diff(u, x[i]), (i, 1, 3)) = 0"],
        "derivatives": {"engine": "stde", "directions": 2}})
    a = torch.linspace(0.5, 1.5, d, dtype=DT)
    u = lambda p: torch.sin(p @ a)[:, None]  # noqa: E731
    x = torch.rand(5, d, generator=torch.Generator().manual_seed(12), dtype=DT)
    want = (a ** 4).sum() * torch.sin(x @ a) + 2 * a[1:4].sum() * torch.cos(x @ a)
    for engine in ("autodiff", "taylor"):
        compiled = compile_problem(problem, engine)
        assert compiled.terms[0].requests == {DiagonalSum(0, 0, d, 4), DiagonalSum(0, 1, 4, 1)}
        assert rel(compiled.residuals(u, x)["pde"], want) < 1e-13
    # STDE: the first-order sum is exact; the fourth-order one is a sparse estimate (its
    # unbiasedness is tested with many draws in test_estimators_are_unbiased).
    stde = compile_problem(problem)
    draws = torch.stack([stde.residuals(u, x)["pde"] for _ in range(20)])  # (jvp fallback: slow)
    assert bool((draws.std(0) > 0).all())
    se = draws.std(0) / math.sqrt(len(draws))
    assert bool(((draws.mean(0) - want).abs() <= 4.5 * se).all())
    for text, match in [("Sum(2*diff(u, x[i], 2), (i, 0, 3))", "must be the whole body"),
                        ("diff(u, x[0], 2)", "written Sum\\(diff"),
                        ("Sum(diff(u**2, x[i], 2), (i, 0, 3))", "with u a field")]:
        with pytest.raises(Exception, match=match):
            load_problem({"domain": {"x": {"dim": d}}, "fields": ["u"],
                          "equations": [f"{text} = 0"]})


def test_a_lifts_jets_are_pushed_once_per_region_not_once_per_evaluation(monkeypatch):
    """A step evaluates each region of the loss in turn; the lift's jets (nested jvp, the
    slow path) are kept per point set, so the second step pushes nothing again, and the
    values are those of a fresh push."""
    import pinnsolve.derivatives.taylor as taylor
    from pinnsolve.geometry import region_geometry
    from pinnsolve.sampling import STRATEGIES

    raw = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["w"],
           "equations": ["diff(w, t, 2) + 0.01*diff(w, x, 4) = 0"],
           "conditions": [{"where": "initial", "dirichlet": "sin(pi*x) + 0.2*sin(3*pi*x)"},
                          {"where": "initial", "equation": "diff(w, t) = sin(2*pi*x)"},
                          {"where": "x = 0 or x = 1", "dirichlet": 0},
                          {"where": "x = 0 or x = 1", "equation": "diff(w, x, 2) = 0"}],
           "derivatives": {"engine": "taylor"}, "model": {"width": 8, "depth": 2}}
    problem = load_problem(raw)
    model, _, _ = build_model(problem, seed=0)
    compiled = compile_problem(problem)
    batches = []
    for key in sorted({t.region for t in compiled.terms}, key=str):
        terms = [t for t in compiled.terms if t.region == key]
        s = STRATEGIES["uniform"].build(region_geometry(problem, key), 32, problem.settings.sampling,
                                        resample_every=0, seed=1, dtype=torch.float64,
                                        device=torch.device("cpu"))
        batches.append((terms, s.points(), s.normals()))
    assert len(batches) >= 3
    calls = []
    real = taylor.push_generic
    monkeypatch.setattr(taylor, "push_generic", lambda fn, j: calls.append(1) or real(fn, j))

    def step():
        return [compiled.evaluate(model, terms, x, normals=n) for terms, x, n in batches]

    first = step()
    pushed = len(calls)
    second = step()
    assert pushed > 0 and len(calls) == pushed
    for a, b in zip(first, second):
        for k in a:
            assert torch.equal(a[k], b[k]), k
