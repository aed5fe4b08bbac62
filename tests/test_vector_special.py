"""Vector notation (div, grad, curl, dot, vector Laplacian, vector equations) and the special
functions torch evaluates (erf, erfc, gamma, loggamma, sinc, Bessel J/I), checked against
scipy.special and against component-by-component equations. float64, fixed seeds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.special as S
import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem

ROOT = Path(__file__).resolve().parents[1]
DTYPE = torch.float64
SQUARE = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"]}
# scipy and the torch lowering evaluate each function to ~1e-15 relative, except Bessel J
# (power series below |x| = 12, cancellation costs ~4 digits; torch's J0/J1 above: 1.4e-11)
ATOL = 1e-10
# relative: diff(j1(20*x), x, 2) multiplies the Bessel error by 400 (measured 2.7e-10)
RTOL = 1e-9


def points(n: int = 64, seed: int = 5) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 2, generator=gen, dtype=DTYPE)


def zero_model(x):
    return torch.zeros(x.shape[0], 1, dtype=x.dtype) + 0 * x[:, :1]


def rhs_values(rhs: str, x: torch.Tensor, **extra) -> np.ndarray:
    compiled = compile_problem(load_problem({**SQUARE, "equations": [f"u = {rhs}"], **extra}))
    return -compiled.residuals(zero_model, x)["pde"].detach().numpy()


# x, y in [0, 1); arguments are stretched to cover both Bessel branches (|z| < 12 and above)
SPECIAL = {
    "erf": ("erf(3*x - 1.5)", lambda x, y: S.erf(3 * x - 1.5)),
    "erfc": ("erfc(3*x - 1.5)", lambda x, y: S.erfc(3 * x - 1.5)),
    "gamma": ("gamma(4*x - 2.5) + gamma(5*y + 0.1)",
              lambda x, y: S.gamma(4 * x - 2.5) + S.gamma(5 * y + 0.1)),
    "loggamma": ("loggamma(3*x + 0.2) + lgamma(y + 1)",
                 lambda x, y: S.gammaln(3 * x + 0.2) + S.gammaln(y + 1)),
    "sinc": ("sinc(10*x - 5)", lambda x, y: np.sinc((10 * x - 5) / np.pi)),
    "bessel_j": ("j0(30*x - 10) + j1(30*y - 10) + besselj(3, 25*x)",
                 lambda x, y: S.j0(30 * x - 10) + S.j1(30 * y - 10) + S.jv(3, 25 * x)),
    "bessel_i": ("i0(6*x - 3) + i1(4*y) + besseli(2, 5*x)",
                 lambda x, y: S.i0(6 * x - 3) + S.i1(4 * y) + S.iv(2, 5 * x)),
    # derivatives taken by SymPy: polygamma, besselj(2, .), Piecewise(Ne(x, 0)) for sinc
    "d_gamma": ("diff(gamma(x + 0.5) + loggamma(y + 1), x) + diff(loggamma(y + 1), y)",
                lambda x, y: S.gamma(x + 0.5) * S.digamma(x + 0.5) + S.digamma(y + 1)),
    "d_erf": ("diff(erf(2*x*y), x)", lambda x, y: 2 * y * 2 / np.sqrt(np.pi) * np.exp(-(2 * x * y)**2)),
    "d2_bessel_j1": ("diff(j1(20*x), x, 2)",
                     lambda x, y: 400 * (S.jv(3, 20 * x) - 2 * S.j1(20 * x) + S.jv(-1, 20 * x)) / 4),
    "d_bessel_i0": ("diff(i0(3*x), x, 2)", lambda x, y: 9 * (S.i0(3 * x) + S.iv(2, 3 * x)) / 2),
    "d_sinc": ("diff(sinc(4*x - 2), x)",
               lambda x, y: 4 * np.where(4 * x - 2 == 0, 0.0,
                                         np.cos(4 * x - 2) / (4 * x - 2)
                                         - np.sin(4 * x - 2) / (4 * x - 2) ** 2)),
}


@pytest.mark.parametrize("case", sorted(SPECIAL))
def test_special_functions_match_scipy(case):
    rhs, oracle = SPECIAL[case]
    x = points()
    np.testing.assert_allclose(rhs_values(rhs, x), oracle(*x.numpy().T), rtol=RTOL, atol=ATOL)


def test_special_functions_of_a_field_backpropagate():
    """j0(u) with u the model: the loss gradient flows through the custom J0/J1 backward."""
    compiled = compile_problem(load_problem({**SQUARE, "equations": ["j0(u) + erf(u) = 0"]}))
    a = torch.tensor(17.0, dtype=DTYPE, requires_grad=True)   # u = a*x reaches |u| > 12
    x = points(32)
    r = compiled.residuals(lambda p: a * p[:, :1], x)["pde"]
    (grad,) = torch.autograd.grad(r.sum(), a)
    u = 17.0 * x[:, 0].numpy()
    want = np.sum((-S.j1(u) + 2 / np.sqrt(np.pi) * np.exp(-u**2)) * x[:, 0].numpy())
    assert abs(float(grad) - want) <= 1e-9 * max(1.0, abs(want))


@pytest.mark.parametrize("engine", ["taylor", "stde"])
def test_special_functions_work_with_jet_engines(engine):
    """Engines differentiate the network only; SymPy applies the chain rule to erf(u), so
    jets never pass through a special function and every engine agrees."""
    def model(p):
        return torch.sin(p[:, :1] * 2 + p[:, 1:] ** 2)
    values = {}
    for eng in ("autodiff", engine):
        problem = load_problem({**SQUARE, "equations": ["laplacian(erf(u)) + j0(u) = gamma(x + 1)"],
                                "derivatives": {"engine": eng}})
        values[eng] = compile_problem(problem).residuals(model, points(16))["pde"].detach()
    torch.testing.assert_close(values[engine], values["autodiff"], rtol=0, atol=1e-10)


# -- vector notation -----------------------------------------------------------------------
FLOW = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v", "p"], "parameters": {"Re": 20}}


def flow_model(seed: int = 0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    return net.to(DTYPE)


def residuals(mapping, model, x):
    return {k: v.detach() for k, v in
            compile_problem(load_problem(mapping)).residuals(model, x).items()}


def test_kovasznay_in_vector_notation_equals_the_component_file():
    problem = load_problem(ROOT / "problems" / "kovasznay.yaml")
    raw = dict(problem.raw)
    raw["equations"] = [
        {"name": "momentum",
         "equation": "dot([u, v], grad([u, v])) + grad(p) = laplacian([u, v])/Re"},
        {"name": "continuity", "equation": "div([u, v]) = 0"},
    ]
    vector = compile_problem(load_problem(raw))
    components = compile_problem(problem)
    model = flow_model()
    x = points(128) * torch.tensor([1.5, 2.0], dtype=DTYPE) - 0.5
    want = components.residuals(model, {"interior": x})
    got = vector.residuals(model, {"interior": x})
    for name in ("momentum_x", "momentum_y", "continuity"):
        assert name in got
        torch.testing.assert_close(got[name], want[name], rtol=0, atol=1e-12)


def test_convective_derivative_with_dot_and_grad_per_component():
    model, x = flow_model(1), points(40)
    a = residuals({**FLOW, "equations": [{"name": "c", "equation": "dot([u, v], grad(u)) = 0"}]},
                  model, x)["c"]
    b = residuals({**FLOW, "equations": [{"name": "c", "equation": "u*diff(u, x) + v*diff(u, y) = 0"}]},
                  model, x)["c"]
    torch.testing.assert_close(a, b, rtol=0, atol=1e-14)


def test_curl_2d_is_a_scalar_and_vector_laplacian_is_per_component():
    model, x = flow_model(2), points(40)
    got = residuals({**FLOW, "equations": [
        {"name": "w", "equation": "curl([u, v]) = 0"},
        {"name": "L", "equation": "laplacian([u, v]) = [0, 0]"}]}, model, x)
    want = residuals({**FLOW, "equations": [
        {"name": "w", "equation": "diff(v, x) - diff(u, y) = 0"},
        {"name": "L_x", "equation": "laplacian(u) = 0"},
        {"name": "L_y", "equation": "laplacian(v) = 0"}]}, model, x)
    assert set(got) == set(want)
    for k in want:
        torch.testing.assert_close(got[k], want[k], rtol=0, atol=1e-13)


def test_curl_3d_is_a_vector_equation_named_by_coordinate():
    problem = load_problem({"domain": {"x": [0, 1], "y": [0, 1], "z": [0, 1]},
                            "fields": ["a", "b", "c"],
                            "equations": [{"name": "B", "equation": "curl([a, b, c]) = 0"}]})
    names = [e.name for e in problem.equations]
    assert names == ["B_x", "B_y", "B_z"]
    assert str(problem.equations[2].expr) == \
        "-Derivative(a(x, y, z), y) + Derivative(b(x, y, z), x)"


@pytest.mark.parametrize("equation, message", [
    ("div([u, v, p]) = 0", "div\\(\\) of a 3-component vector in 2 dimensions"),
    ("[u, v] = [1, 2, 3]", "not a vector of the same length"),
    ("[u, v] = 1", "not a vector of the same length \\(or 0\\)"),
    ("grad([u, v]) = 0", "grad\\(\\[u, v\\]\\) is a matrix"),
    ("dot([u, v], [u]) = 0", "different lengths"),
    ("u*[u, v] + 1 = 0", "cannot combine a vector and a scalar"),
])
def test_vector_mistakes_are_spec_errors(equation, message):
    with pytest.raises(SpecError, match=message):
        load_problem({**FLOW, "equations": [equation]})


def test_a_vector_equation_where_a_scalar_is_needed_is_refused():
    with pytest.raises(SpecError, match="vector of 2 components; expected a scalar"):
        load_problem({**FLOW, "equations": ["div([u, v]) = 0"],
                      "conditions": [{"where": "x = 0", "equation": "[u, v] = 0"}]})


@pytest.mark.parametrize("kind", ["j", "i"])
def test_bessel_functions_have_autograd_derivatives_of_every_order(kind):
    """A lift built from data such as J0(z r) is differentiated by autograd (its Laplacian
    in a disk's heat equation): up to the third derivative on both of J's branches (|x|
    below and above 12), against scipy's derivative formulas. Before stop 48 the second
    derivative of the branch above 12 came out near zero."""
    from pinnsolve.compiler.lower import _bessel_i, _bessel_j

    x = torch.tensor([0.0, 0.3, 2.0, 5.5, 7.9, 11.9, 12.5, 20.0], dtype=DTYPE,
                     requires_grad=True)
    fn, oracle = (_bessel_j, S.jvp) if kind == "j" else (_bessel_i, S.ivp)
    # I: up to 12 (it grows fast); from 0.3, as torch's own I1 has no third derivative at 0
    keep = slice(0, len(x)) if kind == "j" else slice(1, 6)
    for n in range(4):
        g = fn(n, x)
        for order in range(4):
            want = oracle(n, x.detach().numpy()[keep], order)
            np.testing.assert_allclose(g.detach().numpy()[keep], want, rtol=1e-9,
                                       atol=1e-10)
            g = torch.autograd.grad(g.sum(), x, create_graph=True)[0]
