"""The exact derivative engine (pinnsolve.derivatives.autodiff) against independent oracles.

Oracles:
* a hand-written torch model of three smooth closed-form fields of (x, y, t), whose partial
  derivatives of every order 0..4 are produced by SymPy (sympy.diff + lambdify to NumPy) from
  a separate symbolic copy of the same formulas;
* torch.func (forward-over-reverse jacobians, vmap) for a tiny MLP, including the gradient
  of a derivative-based loss with respect to the network parameters, plus central finite
  differences for that gradient.

Tolerances (float64 throughout): the engine's values are nested reverse-mode sweeps through
a few dozen elementary operations, so their error is a small multiple of the unit round-off
(2.2e-16) times the size of the intermediate values. Measured: at most 5e-16 relative to
max(1, |oracle|) over all 105 requests of order <= 4; asserted 1e-12, which still catches any
wrong coefficient, column or order (those give O(1) relative errors).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
import torch

from pinnsolve.derivatives import ENGINES, Laplacian, Partial, autodiff

DTYPE = torch.float64
RTOL = 1e-12  # see the module docstring: round-off is ~5e-16, wrong maths is O(1)

# torch.func.jacfwd's first use scripts decompositions internally (a torch deprecation).
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
A, B, C = 1.3, 0.7, 0.9

# -- the closed-form test fields ------------------------------------------------------------
SX, SY, ST = sp.symbols("x y t")
SYMBOLIC = (
    # field 0: depends on all three inputs, non-polynomial in each
    sp.sin(A * SX) * sp.exp(B * SY) * (1 + ST**2) + sp.cos(C * ST) * SX**3,
    # field 1: genuinely mixed (exp(x y / 2)), nonzero 4th derivatives in every direction
    sp.exp(SX * SY / 2) * sp.sin(ST + SY) + SX**2 * SY**3 * ST,
    # field 2: independent of t (column 2): every derivative involving t is exactly zero
    SX * SY**2 + sp.cos(SX) * sp.exp(-SY),
)
NAMES = {0: "x", 1: "y", 2: "t"}


def model(p: torch.Tensor) -> torch.Tensor:
    """The same three fields, written by hand in torch: (n, 3) → (n, 3)."""
    x, y, t = p.unbind(1)
    u = torch.sin(A * x) * torch.exp(B * y) * (1 + t**2) + torch.cos(C * t) * x**3
    v = torch.exp(x * y / 2) * torch.sin(t + y) + x**2 * y**3 * t
    w = x * y**2 + torch.cos(x) * torch.exp(-y)
    return torch.stack([u, v, w], 1)


def points(n: int = 7, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (2 * torch.rand(n, 3, generator=g, dtype=DTYPE) - 1)


def oracle(exprs: list[sp.Expr], x: torch.Tensor) -> np.ndarray:
    """Evaluate SymPy expressions of (x, y, t) at the points: shape (len(exprs), n)."""
    fn = sp.lambdify((SX, SY, ST), exprs, modules="numpy")
    cols = x.detach().numpy().T
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), cols[0].shape)
                     for v in fn(*cols)])


def symbolic_partial(field: int, counts: tuple[int, int, int]) -> sp.Expr:
    expr = SYMBOLIC[field]
    for sym, k in zip((SX, SY, ST), counts):
        if k:
            expr = sp.diff(expr, sym, k)
    return expr


def request(field: int, counts: tuple[int, int, int]) -> Partial:
    return Partial(field, tuple((c, k) for c, k in enumerate(counts) if k))


def assert_close(got: torch.Tensor, want: np.ndarray, label: str = "") -> None:
    got_np = got.detach().numpy()
    scale = max(1.0, float(np.abs(want).max()))
    err = float(np.abs(got_np - want).max())
    assert err <= RTOL * scale, f"{label}: max error {err:.3e} vs scale {scale:.3e}"


def multi_indices(max_order: int):
    for order in range(max_order + 1):
        for counts in itertools.product(range(order + 1), repeat=3):
            if sum(counts) == order:
                yield counts


# -- values of every order ------------------------------------------------------------------
def test_every_partial_up_to_order_four_for_every_field():
    x = points()
    cases = [(f, c) for f in range(3) for c in multi_indices(4)]
    assert len(cases) == 3 * 35  # all multi-indices of order <= 4 in three variables
    reqs = [request(f, c) for f, c in cases]
    out = autodiff(model, x, reqs)
    assert set(out) == set(reqs)
    want = oracle([symbolic_partial(f, c) for f, c in cases], x)
    for (f, c), req, ref in zip(cases, reqs, want):
        assert out[req].shape == (x.shape[0],) and out[req].dtype == DTYPE
        assert_close(out[req], ref, f"field {f} orders {c}")


@pytest.mark.parametrize("name, field, counts", [
    ("u_x", 0, (1, 0, 0)), ("u_t", 0, (0, 0, 1)), ("u_xy", 0, (1, 1, 0)),
    ("u_xxt", 0, (2, 0, 1)), ("u_xxyy", 0, (2, 2, 0)), ("u_tttt", 0, (0, 0, 4)),
    ("v_yt", 1, (0, 1, 1)), ("v_xyt", 1, (1, 1, 1)), ("v_xxxy", 1, (3, 1, 0)),
    ("v_xytt", 1, (1, 1, 2)), ("w_xyy", 2, (1, 2, 0)), ("w_yyyy", 2, (0, 4, 0)),
])
def test_named_mixed_partials_requested_alone(name, field, counts):
    # Requested alone, so no other request primes the shared lower orders.
    x = points(seed=1)
    req = request(field, counts)
    out = autodiff(model, x, [req])
    assert list(out) == [req]
    assert_close(out[req], oracle([symbolic_partial(field, counts)], x)[0], name)


def test_mixed_partial_does_not_depend_on_how_orders_are_listed():
    # Partial's docstring asks for orders sorted by column; derivatives commute, so an
    # unsorted spelling must still give the same mixed partial (u_yx == u_xy, v_txy == v_xyt).
    x = points(seed=2)
    pairs = [(Partial(0, ((1, 1), (0, 1))), (1, 1, 0)),
             (Partial(1, ((2, 1), (0, 1), (1, 1))), (1, 1, 1)),
             (Partial(1, ((1, 1), (0, 2))), (2, 1, 0))]
    out = autodiff(model, x, [r for r, _ in pairs])
    want = oracle([symbolic_partial(r.field, c) for r, c in pairs], x)
    for (req, counts), ref in zip(pairs, want):
        assert_close(out[req], ref, str(req))


def test_zero_orders_is_the_field_value():
    x = points(seed=3)
    out = autodiff(model, x, [Partial(f) for f in range(3)])
    want = oracle(list(SYMBOLIC), x)
    for f in range(3):
        # The value itself goes through no derivative: equal to round-off of one evaluation.
        assert_close(out[Partial(f)], want[f], f"field {f}")


def test_zero_count_entry_is_not_silently_a_first_derivative():
    # ((0, 0),) would otherwise reach the engine and could be read as ∂u/∂x; the request
    # type refuses it before any engine sees it.
    with pytest.raises(ValueError, match=r"derivative counts must be >= 1, got \(\(0, 0\),\)"):
        Partial(0, ((0, 0),))
    with pytest.raises(ValueError, match="derivative counts must be >= 1"):
        Partial(0, ((0, 1), (1, 0)))


# -- Laplacians -----------------------------------------------------------------------------
@pytest.mark.parametrize("field, start, stop", [
    (0, 0, 2), (0, 0, 3), (1, 1, 3), (2, 0, 2), (2, 0, 3), (1, 2, 3), (0, 1, 2)])
def test_laplacian_over_a_block_of_columns(field, start, stop):
    x = points(seed=4)
    req = Laplacian(field, start, stop)
    out = autodiff(model, x, [req])
    syms = (SX, SY, ST)[start:stop]
    want = oracle([sum(sp.diff(SYMBOLIC[field], s, 2) for s in syms)], x)[0]
    assert out[req].shape == (x.shape[0],)
    assert_close(out[req], want, str(req))


# -- sharing of lower orders ----------------------------------------------------------------
def test_repeated_requests_share_lower_orders(monkeypatch):
    x = points(seed=5)
    calls = []
    real_grad = torch.autograd.grad

    def counting_grad(*args, **kwargs):
        calls.append(1)
        return real_grad(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting_grad)
    u_x, u_t = Partial(0, ((0, 1),)), Partial(0, ((2, 1),))
    u_xx, u_xt = Partial(0, ((0, 2),)), Partial(0, ((0, 1), (2, 1)))
    lap = Laplacian(0, 0, 2)
    reqs = [u_x, u_t, u_xx, u_xt, u_xx, lap, Partial(0), u_x]  # with duplicates
    out = autodiff(model, x, reqs)
    # Distinct gradients needed: grad(u) serves u_x, u_t (and u_y); grad(u_x) serves u_xx,
    # u_xt; grad(u_y) serves u_yy for the Laplacian. Nothing else may be recomputed.
    assert len(calls) == 3
    assert set(out) == {u_x, u_t, u_xx, u_xt, lap, Partial(0)}
    want = oracle([symbolic_partial(0, c) for c in ((1, 0, 0), (0, 0, 1), (2, 0, 0), (1, 0, 1))]
                  + [sp.diff(SYMBOLIC[0], SX, 2) + sp.diff(SYMBOLIC[0], SY, 2)], x)
    for req, ref in zip((u_x, u_t, u_xx, u_xt, lap), want):
        assert_close(out[req], ref, str(req))

    # The answer does not depend on the order or grouping of the requests: bit-identical.
    monkeypatch.setattr(torch.autograd, "grad", real_grad)
    for req in (u_xt, lap):
        alone = autodiff(model, x, [req])[req]
        assert torch.equal(alone, out[req])
    reversed_out = autodiff(model, x, list(reversed(reqs)))
    for req in out:
        assert torch.equal(reversed_out[req], out[req])


def test_generator_argument_is_accepted_and_ignored():
    x = points(seed=6)
    reqs = [Partial(1, ((0, 2), (1, 1))), Laplacian(2, 0, 3)]
    a = autodiff(model, x, reqs)
    b = autodiff(model, x, reqs, generator=torch.Generator().manual_seed(123))
    assert ENGINES["autodiff"].make() is autodiff
    for r in reqs:
        assert torch.equal(a[r], b[r])


# -- outputs that do not depend on an input -------------------------------------------------
def test_field_independent_of_time_gives_exact_zeros():
    x = points(seed=7)
    reqs = [Partial(2, ((2, 1),)), Partial(2, ((2, 2),)), Partial(2, ((0, 1), (2, 1))),
            Partial(2, ((1, 2), (2, 2))), Partial(2, ((2, 4),))]
    out = autodiff(model, x, reqs)
    for r in reqs:
        assert out[r].shape == (x.shape[0],) and out[r].dtype == DTYPE
        assert torch.count_nonzero(out[r]) == 0, r  # exactly zero, not round-off


@pytest.mark.parametrize("kind", ["constant", "parameter_only", "linear", "one_column"])
def test_outputs_without_input_dependence_give_zeros_not_errors(kind):
    x = points(n=5, seed=8)
    weight = torch.tensor(1.7, dtype=DTYPE, requires_grad=True)
    if kind == "constant":          # output does not require grad at all
        def f(p):
            return torch.ones(p.shape[0], 2, dtype=DTYPE)
    elif kind == "parameter_only":  # requires grad, but through a parameter, not x
        def f(p):
            return weight * torch.ones(p.shape[0], 2, dtype=DTYPE)
    elif kind == "linear":          # first derivatives constant, second ones absent
        def f(p):
            return torch.stack([2 * p[:, 0] - p[:, 2], 3 * p[:, 1]], 1)
    else:                           # (n,) output for a single field, depends on y only
        def f(p):
            return torch.sin(p[:, 1])
    fields = 1 if kind == "one_column" else 2
    reqs = [Partial(k, orders) for k in range(fields)
            for orders in (((0, 1),), ((0, 2),), ((0, 1), (2, 1)), ((2, 3),))]
    reqs += [Laplacian(k, 0, 3) for k in range(fields)]
    out = autodiff(f, x, reqs)
    n = x.shape[0]
    x_np = x.numpy()
    expected = {
        "constant": {},
        "parameter_only": {},
        "linear": {Partial(0, ((0, 1),)): np.full(n, 2.0)},
        "one_column": {Laplacian(0, 0, 3): -np.sin(x_np[:, 1])},
    }[kind]
    for r in reqs:
        assert out[r].shape == (n,)
        want = expected.get(r, np.zeros(n))
        assert_close(out[r], want, f"{kind} {r}")


# -- points that already require grad -------------------------------------------------------
@pytest.mark.parametrize("leaf", [True, False])
def test_derivatives_keep_flowing_to_points_that_require_grad(leaf):
    base = points(seed=9).requires_grad_(True)
    x = base if leaf else base * 1.0  # a non-leaf tensor (e.g. an adversarial sampler's)
    u_xx, v_t = Partial(0, ((0, 2),)), Partial(1, ((2, 1),))
    lap_w = Laplacian(2, 0, 2)
    out = autodiff(model, x, [u_xx, v_t, lap_w])
    residual = out[u_xx] * 0.5 + out[v_t] - 2.0 * out[lap_w]
    (g,) = torch.autograd.grad(residual.sum(), base)
    res_expr = (sp.diff(SYMBOLIC[0], SX, 2) * sp.Rational(1, 2) + sp.diff(SYMBOLIC[1], ST)
                - 2 * (sp.diff(SYMBOLIC[2], SX, 2) + sp.diff(SYMBOLIC[2], SY, 2)))
    want = oracle([sp.diff(res_expr, s) for s in (SX, SY, ST)], base)
    for k in range(3):
        assert_close(g[:, k], want[k], f"d residual / d{NAMES[k]}")


def test_points_without_grad_are_left_untouched():
    x = points(seed=10)
    out = autodiff(model, x, [Partial(0, ((0, 1),))])
    assert not x.requires_grad and x.grad is None
    assert out[Partial(0, ((0, 1),))].requires_grad  # graph kept for the parameters' sake


# -- gradients with respect to model parameters ---------------------------------------------
def tiny_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(),
                               torch.nn.Linear(5, 4), torch.nn.Tanh(),
                               torch.nn.Linear(4, 2)).to(DTYPE)


def derivative_loss(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    u_x, u_xx, v_yt = Partial(0, ((0, 1),)), Partial(0, ((0, 2),)), Partial(1, ((1, 1), (2, 1)))
    lap_v, u = Laplacian(1, 0, 2), Partial(0)
    d = autodiff(net, x, [u, u_x, u_xx, v_yt, lap_v])
    return (d[u_xx] ** 2).mean() + (d[u_x] * d[v_yt]).mean() + (d[lap_v] * d[u]).mean()


def test_high_order_mlp_derivatives_match_torch_func():
    net = tiny_mlp()
    x = points(n=6, seed=11)
    params = {k: v.detach() for k, v in net.named_parameters()}

    def f(p):  # one point (3,) → (2,)
        return torch.func.functional_call(net, params, (p[None],))[0]

    d3 = torch.func.vmap(torch.func.jacfwd(torch.func.jacfwd(torch.func.jacrev(f))))(x)
    d4 = torch.func.vmap(torch.func.jacfwd(torch.func.jacfwd(
        torch.func.jacfwd(torch.func.jacrev(f)))))(x)
    reqs = {Partial(0, ((0, 2), (1, 1))): d3[:, 0, 0, 0, 1],
            Partial(1, ((0, 1), (1, 1), (2, 1))): d3[:, 1, 0, 1, 2],
            Partial(1, ((0, 2), (1, 2))): d4[:, 1, 0, 0, 1, 1],
            Partial(0, ((2, 4),)): d4[:, 0, 2, 2, 2, 2]}
    out = autodiff(net, x, list(reqs))
    for r, ref in reqs.items():
        assert_close(out[r], ref.detach().numpy(), str(r))


def test_derivative_loss_is_differentiable_in_the_parameters():
    net = tiny_mlp()
    x = points(n=6, seed=12)
    loss = derivative_loss(net, x)
    names = [k for k, _ in net.named_parameters()]
    grads = dict(zip(names, torch.autograd.grad(loss, list(net.parameters()))))

    # Oracle 1: the same loss built from torch.func jacobians (forward-over-reverse, vmap).
    def func_loss(params):
        def f(p):
            return torch.func.functional_call(net, params, (p[None],))[0]

        jac = torch.func.vmap(torch.func.jacrev(f))(x)                       # (n, 2, 3)
        hes = torch.func.vmap(torch.func.jacfwd(torch.func.jacrev(f)))(x)    # (n, 2, 3, 3)
        val = torch.func.vmap(f)(x)
        u_x, u_xx, v_yt = jac[:, 0, 0], hes[:, 0, 0, 0], hes[:, 1, 1, 2]
        lap_v = hes[:, 1, 0, 0] + hes[:, 1, 1, 1]
        return (u_xx ** 2).mean() + (u_x * v_yt).mean() + (lap_v * val[:, 0]).mean()

    params = {k: v.detach() for k, v in net.named_parameters()}
    assert func_loss(params).item() == pytest.approx(loss.item(), rel=RTOL, abs=RTOL)
    ref = torch.func.grad(func_loss)(params)
    for k in names:
        scale = max(1.0, ref[k].abs().max().item())
        err = (grads[k] - ref[k]).abs().max().item()
        assert err <= RTOL * scale, f"{k}: {err:.3e}"

    # Oracle 2: central finite differences on a few parameter entries. Truncation error
    # O(h^2) ~ 1e-10 and cancellation ~1e-16/h ~ 1e-11 with h = 1e-5: asserted 1e-7.
    h = 1e-5
    for name, index in (("0.weight", (2, 1)), ("2.bias", (3,)), ("4.weight", (1, 2))):
        p = dict(net.named_parameters())[name]
        with torch.no_grad():
            p[index] += h
            up = derivative_loss(net, x).item()
            p[index] -= 2 * h
            down = derivative_loss(net, x).item()
            p[index] += h
        fd = (up - down) / (2 * h)
        assert abs(fd - grads[name][index].item()) <= 1e-7 * max(1.0, abs(fd)), name
