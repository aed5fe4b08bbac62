"""Problems built in Python: SymPy objects are walked (not printed and re-parsed), vector
equations from pinnsolve.vector expand per component."""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem
from pinnsolve.vector import curl, div, dot, grad, laplacian

ROOT = Path(__file__).resolve().parents[1]
DTYPE = torch.float64
x, y, Re = sp.symbols("x y Re")
u, v, p = (sp.Function(n)(x, y) for n in "uvp")
X = (x, y)


def model(seed: int = 0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 3)).to(DTYPE)


def kovasznay_python() -> dict:
    problem = load_problem(ROOT / "problems" / "kovasznay.yaml")
    w = sp.Matrix([u, v])
    raw = dict(problem.raw)
    raw["equations"] = [
        {"name": "momentum", "equation": dot(w, grad(w, X)) + grad(p, X) - laplacian(w, X) / Re},
        {"name": "continuity", "equation": sp.Eq(div(w, X), 0)},
    ]
    return raw


def test_kovasznay_written_with_pinnsolve_vector_equals_the_file():
    vector = compile_problem(load_problem(kovasznay_python()))
    components = compile_problem(load_problem(ROOT / "problems" / "kovasznay.yaml"))
    net = model()
    gen = torch.Generator().manual_seed(4)
    pts = torch.rand(128, 2, generator=gen, dtype=DTYPE) * torch.tensor([1.5, 2.0], dtype=DTYPE) - 0.5
    want = components.residuals(net, {"interior": pts})
    got = vector.residuals(net, {"interior": pts})
    for name in ("momentum_x", "momentum_y", "continuity"):
        torch.testing.assert_close(got[name].detach(), want[name].detach(), rtol=0, atol=1e-12)


def test_sympy_objects_are_walked_not_reparsed(monkeypatch):
    import pinnsolve.spec.expressions as expressions

    seen = []
    parse = expressions._Parser.parse

    def spy(self):
        seen.append(self.text)
        return parse(self)
    monkeypatch.setattr(expressions._Parser, "parse", spy)
    problem = load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": [sp.Symbol("u")],
                            "equations": [sp.Eq(laplacian(u, X), sp.besselj(0, x) + sp.erf(y))]})
    assert problem.equations[0].expr.has(sp.besselj(0, x))
    assert seen and not any("besselj" in t or "Derivative" in t for t in seen)  # bounds only


def test_symbols_with_other_assumptions_are_matched_by_name():
    xr = sp.Symbol("x", real=True)
    ur = sp.Function("u")(xr)
    problem = load_problem({"domain": {"x": [0, 1]}, "fields": ["u"],
                            "equations": [sp.diff(ur, xr, 2) + sp.gamma(xr + 1)]})
    (eq,) = problem.equations
    assert eq.expr.free_symbols == {sp.Symbol("x")}


@pytest.mark.parametrize("expr, message", [
    (sp.Symbol("q") + u, "unknown symbol 'q'; expected one of: x, y, Re"),
    (sp.Function("w")(x, y), "unknown function 'w'; fields are: u, v, p"),
    (sp.Function("u")(y, x), r"field u can only be written u\(x, y\)"),
    (sp.Integral(u, x), "'Integral' .* cannot be compiled"),
    (sp.zeta(x) + u, "'zeta' .* cannot be compiled"),
])
def test_bad_sympy_objects_are_spec_errors_naming_the_key(expr, message):
    with pytest.raises(SpecError, match=message) as info:
        load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v", "p"],
                      "parameters": {"Re": 1}, "equations": [expr]})
    assert "equations.0" in str(info.value)


def test_overrides_still_apply_to_a_python_problem():
    raw = kovasznay_python()
    problem = load_problem(raw, overrides=["parameters.Re=40"])
    assert [e.name for e in problem.equations] == ["momentum_x", "momentum_y", "continuity"]
    assert {q.name: q.value for q in problem.parameters}["Re"] == 40


def test_vector_helpers():
    assert curl([u, v], X) == sp.diff(v, x) - sp.diff(u, y)
    z = sp.Symbol("z")
    a, b, c = (sp.Function(n)(x, y, z) for n in "abc")
    assert curl([a, b, c], (x, y, z))[0] == sp.diff(c, y) - sp.diff(b, z)
    assert dot([u, v], grad(u, X)) == u * sp.diff(u, x) + v * sp.diff(u, y)
    with pytest.raises(ValueError, match="div of a 3-vector in 2 dimensions"):
        div([u, v, p], X)


def test_rebuild_keeps_the_sympy_objects(monkeypatch):
    from pinnsolve.spec import rebuild
    import pinnsolve.spec.expressions as expressions

    problem = load_problem(kovasznay_python())
    seen = []
    parse = expressions._Parser.parse

    def spy(self):
        seen.append(self.text)
        return parse(self)
    monkeypatch.setattr(expressions._Parser, "parse", spy)
    again = rebuild(problem, ["parameters.Re=30"])
    assert [e.name for e in again.equations] == ["momentum_x", "momentum_y", "continuity"]
    assert not any("Derivative" in t for t in seen)


def test_a_jumping_coefficient_in_a_python_derivative_is_refused():
    """The same rule as in problem files: an unevaluated derivative of a layered
    coefficient, and SymPy's own evaluation of a Heaviside's derivative (a DiracDelta),
    are located errors that name the flux form."""
    w = sp.Function("u")(x, y)
    base = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
            "conditions": [{"where": "boundary", "dirichlet": 0}]}
    k = sp.Piecewise((1, x < 0.5), (10, True))
    for eq in (sp.Eq(-sp.Derivative(k * sp.Derivative(w, x), x), 1),
               sp.Eq(-sp.diff((1 + 9 * sp.Heaviside(x - 0.5)) * sp.diff(w, x), x), 1)):
        with pytest.raises(SpecError) as err:
            load_problem({**base, "equations": [eq]})
        assert err.value.key == "equations.0" and "q = k*diff(u, x)" in str(err.value)
