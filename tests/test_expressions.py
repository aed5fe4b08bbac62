"""What the safe expression parser and the problem loader accept, and what they build.

Every expected value is written with SymPy directly and compared with ``==`` (structural
equality), so a parser that evaluates, reorders or simplifies differently shows up here.
Scopes are built the way ``load.py`` builds them (``test_scope_matches_load_problem`` checks
that against ``load_problem``).
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import sympy as sp
import yaml

from _problems import BURGERS
from pinnsolve.errors import SpecError
from pinnsolve.spec import Settings, load_problem
from pinnsolve.spec import expressions
from pinnsolve.spec.expressions import Scope, parse_equation, parse_expression, split_equation
from pinnsolve.spec.overrides import apply_overrides
from pinnsolve.spec.schema import Loc, ModelSettings, Phase, TrainingSettings, build
from pinnsolve.spec.symbols import Laplacian, Normal, VectorSymbol

x, y, t, nu, k = sp.symbols("x y t nu k")
U = sp.Function("u")(x, t)                         # u on (x, t)
U2, V2 = sp.Function("u")(x, y), sp.Function("v")(x, y)
S1 = Scope(coords=(x,), time=t, fields={"u": U}, params={"nu": nu})
S2 = Scope(coords=(x, y), fields={"u": U2, "v": V2}, params={"k": k})
XV, XB = VectorSymbol("x"), sp.IndexedBase("x")
UV = sp.Function("u")(XV)
SV = Scope(vector=(XV, XB, 10), fields={"u": UV})
I = sp.Symbol("i", integer=True)

POISSON = {
    "domain": {"x": [0, 1], "y": [0, 2]},
    "fields": ["u"],
    "parameters": {"k": 2},
    "equations": ["-div(k*grad(u)) = 1"],
    "conditions": [{"where": "x = 0", "dirichlet": 0}],
}
BALL = {
    "domain": {"x": {"dim": 10, "shape": "ball"}},
    "fields": ["u"],
    "equations": ["laplacian(u) = Sum(x[i]**2, (i, 0, dim - 1))"],
    "conditions": [{"where": "boundary", "dirichlet": 0}],
}


def with_(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def write(tmp: Path, data: dict, name: str = "problem.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# -- functions, constants and operators ------------------------------------------------------
UNARY = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "atan": sp.atan,
    "asin": sp.asin, "acos": sp.acos, "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign,
    "Heaviside": sp.Heaviside, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "sec": sp.sec, "csc": sp.csc,
    "cot": sp.cot,
    "erf": sp.erf, "erfc": sp.erfc, "gamma": sp.gamma, "loggamma": sp.loggamma,
    "lgamma": sp.loggamma, "sinc": sp.sinc,
    "j0": lambda a: sp.besselj(0, a), "j1": lambda a: sp.besselj(1, a),
    "i0": lambda a: sp.besseli(0, a), "i1": lambda a: sp.besseli(1, a),
}


def test_every_allowed_unary_function_is_covered_here():
    assert set(UNARY) == set(expressions._UNARY)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function(name):
    assert parse_expression(f"{name}(nu*x + 1)", S1) == UNARY[name](nu * x + 1)
    assert parse_expression(f"{name}(u)", S1) == UNARY[name](U)


@pytest.mark.parametrize("text, expected", [
    ("Max(x, t)", sp.Max(x, t)),
    ("Min(x, t, nu)", sp.Min(x, t, nu)),
    ("atan2(t, x)", sp.atan2(t, x)),
    ("pi", sp.pi),
    ("E", sp.E),
    ("exp(1)", sp.E),
    ("x + t", x + t),
    ("x - t", x - t),
    ("x*t", x * t),
    ("x/t", x / t),
    ("x**3", x**3),
    ("x**-2", x**-2),
    ("x**0.5", x**sp.Float(0.5)),
    ("-x", -x),
    ("+x", x),
    ("-x**2", -(x**2)),
    ("2**3**2", sp.Integer(512)),
    ("(x + 1)*(t - 1)", (x + 1) * (t - 1)),
    ("2/3", sp.Rational(2, 3)),
    ("1.5", sp.Float(1.5)),
    ("1e-3", sp.Float(1e-3)),
    ("12", sp.Integer(12)),
    ("nu*u**2", nu * U**2),
    ("u(x, t)", U),
    ("0.01/pi", sp.Float(0.01) / sp.pi),
])
def test_operators_numbers_and_constants(text, expected):
    got = parse_expression(text, S1)
    assert got == expected
    assert isinstance(got, sp.Expr)


def test_numbers_keep_their_kind():
    assert isinstance(parse_expression("3", S1), sp.Integer)
    assert isinstance(parse_expression("3.0", S1), sp.Float)
    assert isinstance(parse_expression("1/3", S1), sp.Rational)
    assert parse_expression(7, S1) == sp.Integer(7)
    assert parse_expression(0.25, S1) == sp.Float(0.25)


@pytest.mark.parametrize("text, expected", [
    ("diff(u, x)", sp.Derivative(U, x)),
    ("diff(u, x, 2)", sp.Derivative(U, (x, 2))),
    # mixed partials commute; SymPy stores the variables in canonical order (t before x)
    ("diff(u, x, t)", sp.Derivative(U, t, x)),
    ("diff(u, t, x)", sp.Derivative(U, t, x)),
    ("diff(u, x, 2, t)", sp.Derivative(U, t, (x, 2))),
    ("diff(u, (x, 3))", sp.Derivative(U, (x, 3))),
    ("diff(u, (x, 2), (t, 1))", sp.diff(U, (x, 2), t)),
    ("Derivative(u, x, 2)", sp.Derivative(U, (x, 2))),
    ("Derivative(u, t)", sp.Derivative(U, t)),
    ("diff(u**2/2, x)", U * sp.Derivative(U, x)),
    ("diff(x**3*t, x, 2)", 6 * x * t),
    ("diff(nu, x)", sp.Integer(0)),
    ("diff(u, x, 8)", sp.Derivative(U, (x, 8))),
])
def test_derivatives(text, expected):
    assert parse_expression(text, S1) == expected


# -- equations -------------------------------------------------------------------------------
def test_lhs_equals_rhs_becomes_lhs_minus_rhs():
    got = parse_equation("diff(u, t) + u*diff(u, x) = nu*diff(u, x, 2)", S1)
    ux = sp.Derivative(U, x)
    assert got == sp.Derivative(U, t) + U * ux - nu * sp.Derivative(U, (x, 2))


def test_expression_without_equals_means_equal_to_zero():
    assert parse_equation("diff(u, t) - diff(u, x, 2)", S1) == (
        sp.Derivative(U, t) - sp.Derivative(U, (x, 2)))


@pytest.mark.parametrize("text", ["Eq(diff(u, t), nu*diff(u, x, 2))",
                                  "  Eq(diff(u, t), nu*diff(u, x, 2))  "])
def test_eq_text(text):
    assert parse_equation(text, S1) == sp.Derivative(U, t) - nu * sp.Derivative(U, (x, 2))


def test_sympy_eq_object():
    eq = sp.Eq(sp.Derivative(U, t), nu * sp.Derivative(U, (x, 2)))
    assert parse_equation(eq, S1) == sp.Derivative(U, t) - nu * sp.Derivative(U, (x, 2))


def test_comparisons_do_not_split_an_equation():
    got = parse_equation("u = Piecewise((1, x <= 0), (0, x >= 0))", S1)
    assert got == U - sp.Piecewise((1, x <= 0), (0, x >= 0))


@pytest.mark.parametrize("text, parts", [
    ("a = b", ("a ", " b")),
    ("a <= b", ("a <= b", None)),
    ("a >= b", ("a >= b", None)),
    ("a != b", ("a != b", None)),
    ("u", ("u", None)),
    ("Piecewise((1, x <= 0)) = y", ("Piecewise((1, x <= 0)) ", " y")),
])
def test_split_equation(text, parts):
    assert split_equation(text) == parts


def test_split_equation_rejects_two_equals():
    with pytest.raises(ValueError):
        split_equation("a = b = c")


@pytest.mark.parametrize("text, match", [
    ("u == 0", r"single '='"),
    ("u = 0 = x", r"more than one '='"),
    ("Eq(u, 1) + 1", r"Eq\(\.\.\.\) is only allowed as a whole equation"),
    ("u = Eq(u, 1)", r"Eq\(\.\.\.\) is only allowed as a whole equation"),
])
def test_bad_equations(text, match):
    with pytest.raises(SpecError, match=match):
        parse_equation(text, S1, file="p.yaml", key="equations.0")


# -- Piecewise -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Piecewise((1, x < 0), (x, True))", sp.Piecewise((1, x < 0), (x, True))),
    ("Piecewise((u, x > 0), (-u, x <= 0))", sp.Piecewise((U, x > 0), (-U, x <= 0))),
    ("Piecewise((1, x >= t), (0, True))", sp.Piecewise((1, x >= t), (0, True))),
    ("Piecewise((1, (x < 0) and (t > 1)), (0, True))",
     sp.Piecewise((1, sp.And(x < 0, t > 1)), (0, True))),
    ("Piecewise((1, x < 0 or t > 1), (0, True))",
     sp.Piecewise((1, sp.Or(x < 0, t > 1)), (0, True))),
    ("2*Piecewise((x, x < 1), (1, True))", 2 * sp.Piecewise((x, x < 1), (1, True))),
])
def test_piecewise(text, expected):
    assert parse_expression(text, S1) == expected


@pytest.mark.parametrize("text, match", [
    ("x < 1", r"comparisons are only allowed as Piecewise conditions"),
    ("Piecewise((1, x < t < 2), (0, True))", r"chained comparisons"),
    ("Piecewise((1, x == 0), (0, True))", r"only <, >, <=, >= are allowed"),
    ("Piecewise((1, False))", r"True/False can only end a Piecewise"),
    ("Piecewise(1, x < 0)", r"each Piecewise piece is a pair"),
    ("x > 0 and t > 0", r"'and'/'or' are only allowed in Piecewise conditions"),
])
def test_piecewise_misuse(text, match):
    with pytest.raises(SpecError, match=match):
        parse_expression(text, S1)


# -- vector calculus on two coordinates -------------------------------------------------------
def test_laplacian_of_a_field_is_an_unevaluated_node():
    got = parse_expression("laplacian(u)", S2)
    assert got == Laplacian(U2, x, y)
    assert got.doit() == sp.Derivative(U2, (x, 2)) + sp.Derivative(U2, (y, 2))


@pytest.mark.parametrize("text, expected", [
    ("div(grad(u))", sp.Derivative(U2, (x, 2)) + sp.Derivative(U2, (y, 2))),
    ("div(k*grad(u))", k * sp.Derivative(U2, (x, 2)) + k * sp.Derivative(U2, (y, 2))),
    ("div(grad(u)*k)", k * sp.Derivative(U2, (x, 2)) + k * sp.Derivative(U2, (y, 2))),
    ("div(grad(u)/k)", sp.Derivative(U2, (x, 2)) / k + sp.Derivative(U2, (y, 2)) / k),
    ("div(grad(u) - grad(v))", sp.Derivative(U2, (x, 2)) + sp.Derivative(U2, (y, 2))
     - sp.Derivative(V2, (x, 2)) - sp.Derivative(V2, (y, 2))),
    ("div(-grad(u))", -sp.Derivative(U2, (x, 2)) - sp.Derivative(U2, (y, 2))),
    ("dot(grad(u), grad(v))", sp.Derivative(U2, x) * sp.Derivative(V2, x)
     + sp.Derivative(U2, y) * sp.Derivative(V2, y)),
    ("dot(grad(u), grad(u))", sp.Derivative(U2, x)**2 + sp.Derivative(U2, y)**2),
    ("laplacian(x**2*y + y**3)", 2 * y + 6 * y),
    ("laplacian(u*v)", sp.diff(U2 * V2, x, 2) + sp.diff(U2 * V2, y, 2)),
    ("diff(laplacian(u), x)", sp.Derivative(U2, (x, 3)) + sp.Derivative(U2, x, (y, 2))),
])
def test_vector_calculus(text, expected):
    assert parse_expression(text, S2) == expected


@pytest.mark.parametrize("text, match", [
    ("grad(u)", r"gives a vector here|the expression is a vector"),
    ("grad(u) + 1", r"cannot combine a vector and a scalar"),
    ("grad(u)*grad(v)", r"vector \* vector is ambiguous; use dot"),
    ("sin(grad(u))", r"grad\(\.\.\.\) gives a vector here"),
    ("div(u)", r"expected a vector such as grad\(u\)"),
    ("dot(grad(u), u)", r"expected a vector such as grad\(u\)"),
    ("1/grad(u)", r"cannot divide by a vector"),
])
def test_vector_misuse(text, match):
    with pytest.raises(SpecError, match=match):
        parse_expression(text, S2)


# -- dn(u): only in boundary conditions -------------------------------------------------------
@pytest.mark.parametrize("normal, expected", [
    (("face", x, 1), sp.Derivative(U2, x)),
    (("face", x, -1), -sp.Derivative(U2, x)),
    (("face", y, -1), -sp.Derivative(U2, y)),
    (("boundary",), Normal(0) * sp.Derivative(U2, x) + Normal(1) * sp.Derivative(U2, y)),
])
def test_dn_resolves_with_the_normal(normal, expected):
    assert parse_expression("dn(u)", S2.with_normal(normal)) == expected


def test_dn_without_a_boundary_is_rejected():
    with pytest.raises(SpecError, match=r"dn\(\.\.\.\) \(outward normal derivative\) is only "
                                        r"allowed in a boundary condition"):
        parse_expression("dn(u)", S2)
    with pytest.raises(SpecError, match=r"dn\(\.\.\.\) cannot be differentiated further"):
        parse_expression("diff(dn(u), x)", S2.with_normal(("boundary",)))


def test_dn_through_load_problem():
    conds = [{"where": "x = 1", "equation": "dn(u) = 1"},
             {"where": "x = 0", "equation": "dn(u) + u = 0"},
             {"where": "y = 2", "neumann": "x"},
             {"where": "y = 0", "robin": {"u": {"a": 2, "b": 3, "value": 1}}}]
    prob = load_problem(with_(POISSON, conditions=conds))
    u = sp.Function("u")(x, y)
    ux, uy = sp.Derivative(u, x), sp.Derivative(u, y)
    by_name = {c.name: c for c in prob.conditions}
    assert by_name["bc_x_max"].expr == ux - 1
    assert by_name["bc_x_min"].expr == -ux + u
    assert by_name["bc_y_max"].expr == uy - x and by_name["bc_y_max"].kind == "neumann"
    assert by_name["bc_y_min"].expr == 2 * u - 3 * uy - 1 and by_name["bc_y_min"].kind == "robin"
    boundary = load_problem(with_(POISSON, conditions=[{"where": "boundary", "neumann": 0}]))
    assert boundary.conditions[0].expr == Normal(0) * ux + Normal(1) * uy


def test_robin_shorthand_for_a_single_field():
    prob = load_problem(with_(POISSON, conditions=[
        {"where": "y = 0", "robin": {"a": 2, "b": 3, "value": 1}}]))
    u = sp.Function("u")(x, y)
    assert prob.conditions[0].expr == 2 * u - 3 * sp.Derivative(u, y) - 1


@pytest.mark.parametrize("normal, expected", [
    (("face", x, 1), sp.Derivative(U2, x)),
    (("face", x, -1), -sp.Derivative(U2, x)),
    (("face", y, 1), sp.Derivative(U2, y)),
    (("boundary",), Normal(0) * sp.Derivative(U2, x) + Normal(1) * sp.Derivative(U2, y)),
])
def test_normal_components_resolve_as_dn_does(normal, expected):
    """n_x, n_y: the outward normal's components (a traction σ·n on a curved edge)."""
    text = "n_x*diff(u, x) + n_y*diff(u, y)"
    assert parse_expression(text, S2.with_normal(normal)) == expected


def test_normal_components_outside_a_boundary_and_their_spelling():
    with pytest.raises(SpecError, match=r"'n_x' \(a component of the outward normal\) is "
                                        r"only allowed in a boundary condition's equation"):
        parse_expression("n_x*u", S2)
    with pytest.raises(SpecError, match=r"unknown name 'ny' \(for the outward normal's "
                                        r"component write n_y\)"):
        parse_expression("ny*u", S2.with_normal(("boundary",)))
    # a parameter of that name is the parameter
    n = sp.Symbol("n_x")
    scope = Scope(coords=(x, y), fields={"u": U2}, params={"n_x": n}, normal=("boundary",))
    assert parse_expression("n_x*u", scope) == n * U2


def test_dn_in_the_pde_names_the_key():
    with pytest.raises(SpecError, match=r"<mapping>, key 'equations\.0': .*dn\(\.\.\.\)"):
        load_problem(with_(POISSON, equations=["dn(u) = 0"]))


# -- vector coordinates ----------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Sum(x[i]**2, (i, 0, dim - 1))", sp.Sum(XB[I]**2, (I, 0, 9))),
    ("Sum(x[i], (i, 0, 4))", sp.Sum(XB[I], (I, 0, 4))),
    ("Sum(x[i]*x[i + 1], (i, 0, dim - 2))", sp.Sum(XB[I] * XB[I + 1], (I, 0, 8))),
    ("x[0] + x[9]", XB[0] + XB[9]),
    ("dim", sp.Integer(10)),
    ("laplacian(u)", Laplacian(UV, XV)),
    ("u*Sum(sin(x[j]), (j, 0, dim - 1))", UV * sp.Sum(sp.sin(XB[sp.Symbol("j", integer=True)]),
                                                       (sp.Symbol("j", integer=True), 0, 9))),
])
def test_sum_over_a_vector_coordinate(text, expected):
    assert parse_expression(text, SV) == expected


@pytest.mark.parametrize("text, match", [
    ("x", r"'x' is a vector coordinate; use its components"),
    ("x[i]", r"unknown name 'i'"),
    ("Sum(x[i], (i, 0, dim))", r"Sum limits must be integers with 0 <= first <= last <= 9"),
    ("Sum(x[i], (u, 0, 3))", r"Sum index 'u' clashes with another name"),
    ("Sum(Sum(x[i]*x[j], (j, 0, 3)), (i, 0, 3))", r"nested Sums are not supported"),
    ("Sum(diff(u, x), (i, 0, 3))", r"cannot differentiate by a whole vector coordinate"),
    ("grad(u)", r"grad\(\) over a vector coordinate is not supported"),
    ("laplacian(x[0]**2)", r"over a vector coordinate, laplacian\(\) applies to a field \(or"),
    ("Sum(x[2*i], (i, 0, 3))", r"an index must be a Sum index plus or minus an integer"),
])
def test_vector_coordinate_misuse(text, match):
    with pytest.raises(SpecError, match=match):
        parse_expression(text, SV)


def test_vector_problem_through_load_problem():
    prob = load_problem(BALL)
    assert prob.domain.vector.dim == 10 and prob.domain.vector.shape == "ball"
    assert prob.domain.n_inputs == 10
    u = sp.Function("u")(XV)
    assert prob.equations[0].expr == Laplacian(u, XV) - sp.Sum(XB[I]**2, (I, 0, 9))
    assert prob.conditions[0].kind == "dirichlet" and prob.conditions[0].region.kind == "boundary"


# -- scopes as load_problem builds them -------------------------------------------------------
def test_scope_matches_load_problem():
    prob = load_problem(BURGERS)
    assert prob.equations[0].expr == parse_equation(BURGERS["equations"][0], S1)
    assert prob.conditions[0].expr == U + sp.sin(sp.pi * x)
    assert prob.conditions[1].kind == "dirichlet" and prob.conditions[1].value == 0
    assert prob.parameters[0].expr == sp.Float(0.01) / sp.pi
    assert prob.parameters[0].value == pytest.approx(0.01 / 3.141592653589793, rel=1e-15)
    assert [c.name for c in prob.conditions] == ["ic", "bc_x_min", "bc_x_max"]
    assert prob.field_functions == {"u": U}


# -- SymPy objects from Python ----------------------------------------------------------------
def test_problem_from_sympy_objects():
    ut, ux, uxx = sp.Derivative(U, t), sp.Derivative(U, x), sp.Derivative(U, (x, 2))
    mapping = {
        "domain": {"x": [sp.Integer(-1), 1], "t": [0, sp.Integer(1)]},
        "fields": [sp.Function("u")],
        "parameters": {"nu": sp.Rational(1, 100) / sp.pi},
        "equations": [sp.Eq(ut + U * ux, nu * uxx)],
        "conditions": [{"where": "t = 0", "equation": sp.Eq(U, -sp.sin(sp.pi * x))},
                       {"where": "x = -1", "dirichlet": sp.Integer(0)},
                       {"where": "x = 1", "equation": U}],
        "reference": {"exact": {"u": sp.exp(-t) * sp.sin(sp.pi * x)}},
    }
    prob = load_problem(mapping)
    assert prob.fields == ("u",)
    assert prob.equations[0].expr == ut + U * ux - nu * uxx
    assert prob.conditions[0].expr == U + sp.sin(sp.pi * x)
    assert prob.conditions[2].expr == U
    assert prob.parameters[0].expr == sp.Rational(1, 100) / sp.pi
    assert prob.parameters[0].value == pytest.approx(0.01 / 3.141592653589793, rel=1e-15)
    assert prob.reference.exact["u"] == sp.exp(-t) * sp.sin(sp.pi * x)
    assert prob.source == "<mapping>"
    # the same problem written as text gives the same residuals
    text = load_problem(BURGERS)
    assert text.equations[0].expr == prob.equations[0].expr


def test_sympy_expression_without_eq_means_zero():
    prob = load_problem(with_(BURGERS, equations=[sp.Derivative(U, t) - nu * sp.Derivative(U, (x, 2))]))
    assert prob.equations[0].expr == sp.Derivative(U, t) - nu * sp.Derivative(U, (x, 2))


def test_sympy_objects_are_checked_like_text():
    f = sp.Function("f")(x, t)
    with pytest.raises(SpecError, match=r"<mapping>, key 'equations\.0': .*unknown function 'f'"):
        load_problem(with_(BURGERS, equations=[sp.Eq(sp.Derivative(U, t), f)]))
    with pytest.raises(SpecError, match=r"key 'conditions\.1\.dirichlet\.u': .*unknown name 'y'"):
        load_problem(with_(BURGERS, conditions=[BURGERS["conditions"][0],
                                                {"where": "x = -1", "dirichlet": y}]))


# -- error messages name file, key and token --------------------------------------------------
def test_errors_from_a_file_name_file_and_key(tmp_path):
    data = with_(BURGERS, equations=["diff(u, t) = 0", "foo(u) = diff(u, t)"])
    path = write(tmp_path, data)
    with pytest.raises(SpecError) as info:
        load_problem(path)
    err = info.value
    assert err.file == str(path) and err.key == "equations.1"
    assert str(err).startswith(f"{path}, key 'equations.1': ")
    assert "unknown function 'foo'" in err.reason and "(at 'foo(u)')" in err.reason


@pytest.mark.parametrize("change, key, match", [
    ({"parameters": {"nu": "0.01/pj"}}, "parameters.nu", r"unknown name 'pj'; expected one of: pi, E"),
    ({"domain": {"x": [1, -1], "t": [0, 1]}}, "domain.x", r"expected lo < hi"),
    ({"domain": {"t": [0, 4]}}, "equations.0", r"unknown name 'x'; expected one of: t, u"),
    ({"domain": {"x": [-1, "y"], "t": [0, 1]}}, "domain.x.1", r"unknown name 'y'"),
    ({"fields": ["u", "u"]}, "", r"name\(s\) u declared more than once"),
    ({"parameters": {"x": 1}}, "", r"name\(s\) x declared more than once"),
    ({"fields": ["pi"]}, "fields.0", r"'pi' is a reserved function or constant name"),
    ({"conditions": [{"where": "x = 2", "dirichlet": 0}]}, "conditions.0.where",
     r"x = 2\.0 is not an end of x's range \[-1\.0, 1\.0\]"),
    ({"conditions": [{"where": "t = 1", "dirichlet": 0}]}, "conditions.0.where",
     r"conditions at the final time are not supported; write the problem in the time left"),
    ({"conditions": [{"where": "x = 1 and t > 0", "dirichlet": 0}]}, "conditions.0.where",
     r"'x = 1 and t > 0': clauses joined by 'and', and inequalities, select part of a "
     r"shape's .* written where: \{point: \[x0, y0, \.\.\.\]\}"),
    ({"conditions": [{"where": "x = 1", "dirichlet": {"v": 0}}]}, "conditions.0.dirichlet.v",
     r"'v' is not a field; fields: u"),
    ({"conditions": [{"where": "x = 1", "dirichlet": "u"}]}, "conditions.0.dirichlet.u",
     r"unknown name 'u'"),
    ({"conditions": [{"where": "x = 1", "dirichlet": 0, "neumann": 0}]}, "conditions.0",
     r"needs exactly one of: equation, dirichlet, neumann, robin"),
    ({"conditions": [{"where": "t = 0", "equation": "x = 0"}]}, "conditions.0.equation",
     r"the condition does not involve any field"),
    ({"equations": ["diff(u, y) = 0"]}, "equations.0", r"unknown name 'y'"),
    ({"equations": ["nu = 1"]}, "equations.0", r"the equation does not involve any field"),
    ({"equations": ["u(x) = 0"]}, "equations.0", r"field u can only be written u\(x, t\)"),
    ({"reference": {"exact": {"v": "x"}}}, "reference.exact.v", r"not a field"),
    ({"reference": {"solver": "magic"}}, "reference.solver", r"unknown solver 'magic'"),
])
def test_errors_from_a_mapping_name_the_key(change, key, match):
    with pytest.raises(SpecError, match=match) as info:
        load_problem(with_(BURGERS, **change))
    assert info.value.file == "<mapping>"
    assert info.value.key == key
    prefix = "<mapping>" + (f", key '{key}'" if key else "") + ": "
    assert str(info.value).startswith(prefix)


def test_error_token_on_the_right_hand_side():
    with pytest.raises(SpecError) as info:
        parse_equation("u = foo(x)", S1, file="p.yaml", key="equations.0")
    assert info.value.reason.endswith("(at 'foo(x)')"), info.value.reason


def test_parse_expression_error_format():
    with pytest.raises(SpecError) as info:
        parse_expression("sin(x) + cosh(u, x)", S1, file="heat.yaml", key="equations.2")
    assert str(info.value) == ("heat.yaml, key 'equations.2': in expression 'sin(x) + cosh(u, x)': "
                               "cosh() takes exactly one argument (at 'cosh(u, x)')")


def test_unknown_name_lists_what_is_known():
    with pytest.raises(SpecError, match=re.escape("unknown name 'w'; expected one of: x, t, u, nu, pi, E")):
        parse_expression("w", S1)


# -- overrides -------------------------------------------------------------------------------
PHASED = with_(BURGERS, training={"phases": [{"optimizer": "adam", "steps": 100, "lr": 0.01},
                                             {"optimizer": "lbfgs", "steps": 10}]})


def test_override_phase_steps(tmp_path):
    path = write(tmp_path, PHASED)
    prob = load_problem(path, ["training.phases.0.steps=7"])
    first, second = prob.settings.training.phases
    assert (first.optimizer, first.steps, first.lr) == ("adam", 7, 0.01)
    assert (second.optimizer, second.steps) == ("lbfgs", 10)


def test_override_phase_steps_of_the_default_phases():
    prob = load_problem(BURGERS, ["training.phases.0.steps=7"])
    assert prob.settings.training.phases[0].steps == 7


def test_override_coordinate_shortcut_redirects_to_domain():
    original = copy.deepcopy(BALL)
    prob = load_problem(BALL, ["x.dim=12"])
    assert prob.domain.vector.dim == 12
    assert prob.raw["domain"]["x"]["dim"] == 12
    assert BALL == original  # the caller's mapping is not modified
    assert load_problem(BALL, ["domain.x.dim=12"]).domain.vector.dim == 12


@pytest.mark.parametrize("items, check", [
    (["t.1=2"], lambda p: p.domain.time.hi == 2.0),
    (["parameters.nu=0.5"], lambda p: p.parameters[0].value == 0.5),
    (["model.width=128", "model.kind=modified_mlp"],
     lambda p: (p.settings.model.width, p.settings.model.kind) == (128, "modified_mlp")),
    (["output.formats=[npz, vtu]"], lambda p: p.settings.output.formats == ("npz", "vtu")),
    (["training.weights.pde=10"], lambda p: p.settings.training.weights == {"pde": 10.0}),
    (["training.dtype=float64", "training.dtype=float32"],
     lambda p: p.settings.training.dtype == "float32"),
    (["equations.0=diff(u, t) = diff(u, x, 2)"],
     lambda p: p.equations[0].expr == sp.Derivative(U, t) - sp.Derivative(U, (x, 2))),
    (["name=burgers-1d"], lambda p: p.name == "burgers-1d"),
    (["output.grid.x=33"], lambda p: p.settings.output.grid == {"x": 33}),
])
def test_overrides(items, check):
    assert check(load_problem(BURGERS, items))


def test_overrides_return_a_copy():
    raw = {"training": {"phases": [{"steps": 1}]}}
    out = apply_overrides(raw, ["training.phases.0.steps=5", "model.width=3"], file="f.yaml")
    assert out == {"training": {"phases": [{"steps": 5}]}, "model": {"width": 3}}
    assert raw == {"training": {"phases": [{"steps": 1}]}}


@pytest.mark.parametrize("item, key, match", [
    ("training.phases.0.steps", "training.phases.0.steps", r"must look like key\.path=value"),
    ("training..steps=1", "training..steps", r"empty key part"),
    ("training.phases.2.steps=1", "training.phases.2", r"'2' is not an index of this list \(length 2\)"),
    ("training.phases.first.steps=1", "training.phases.first", r"is not an index of this list"),
    ("training.phases.0.steps=many", "training.phases.0.steps", r"expected a whole number, got 'many'"),
    ("training.phases.0.stepz=1", "training.phases.0.stepz", r"unknown key; expected one of: optimizer"),
    ("training.phases.0.steps.x=1", "training.phases.0.steps",
     r"cannot set a key inside a plain value"),
    ("model.width=0", "model.width", r"must be at least 1, got 0"),
    ("modle.width=3", "modle", r"unknown key; expected one of: name, description, domain"),
    ("x.dim=3", "domain.x.dim", r"'dim' is not an index of this list"),
])
def test_bad_overrides(item, key, match, tmp_path):
    path = write(tmp_path, PHASED)
    with pytest.raises(SpecError, match=match) as info:
        load_problem(path, [item])
    assert info.value.file == str(path)
    assert info.value.key == key


# -- settings --------------------------------------------------------------------------------
def test_settings_defaults():
    # The schema's defaults (what a file with its own phases gets around them)...
    s = Settings()
    assert (s.model.kind, s.model.width, s.model.depth, s.model.activation) == ("mlp", 64, 4, "tanh")
    assert s.derivatives.engine == "autodiff"
    assert (s.sampling.interior, s.sampling.boundary, s.sampling.initial) == (2000, 200, 200)
    assert [(p.optimizer, p.steps) for p in s.training.phases] == [("adam", 3000), ("lbfgs", 1000)]
    assert s.training.phases[0].lr == 1e-3 and s.training.phases[0].schedule == "exponential"
    assert s.training.weights == {} and s.training.dtype == "float32"
    assert s.training.budget == 0
    assert s.output.formats == ("vtu", "xdmf", "npz", "png")
    # ...and a physics-only file gets the plan on top of them (tests/test_plan.py).
    prob = load_problem(BURGERS)
    planned = prob.settings
    assert planned.derivatives == s.derivatives
    assert (planned.sampling.interior, planned.sampling.strategy) == (2000, "rad")
    assert planned.training.budget == 300 and planned.training.dtype == "float64"
    assert [p.optimizer for p in planned.training.phases] == ["adam", "quasi_newton"]


def test_settings_values_are_converted():
    prob = load_problem(with_(
        BURGERS,
        model={"kind": "modified_mlp", "width": "32", "fourier_scale": 2, "hard_constraints": False},
        training={"phases": [{"optimizer": "lbfgs", "steps": 5.0, "lr": "1e-2"}],
                  "weights": {"ic": 10, "bc_x_min": 0.5}},
        output={"formats": "npz", "grid": {"x": 101, "t": 51}}))
    s = prob.settings
    assert (s.model.kind, s.model.width, s.model.fourier_scale) == ("modified_mlp", 32, 2.0)
    assert isinstance(s.model.fourier_scale, float) and s.model.hard_constraints is False
    phase = s.training.phases[0]
    assert (phase.optimizer, phase.steps, phase.lr) == ("lbfgs", 5, 0.01)
    assert isinstance(phase.steps, int)
    assert s.training.weights == {"ic": 10.0, "bc_x_min": 0.5}
    assert s.output.formats == ("npz",) and s.output.grid == {"x": 101, "t": 51}


@pytest.mark.parametrize("section, value, key, match", [
    ("model", {"widht": 3}, "model.widht",
     "unknown key; expected one of: kind, width, depth, activation, fourier_features, "
     "fourier_scale, periodic_modes, hard_constraints, output_scale"),
    ("training", {"phases": [{"iterations": 3}]}, "training.phases.0.iterations",
     "unknown key; expected one of: optimizer, steps, lr, schedule, decay, decay_steps, "
     "resample_every, seconds, horizon, patience, budget_share, beta1, beta2, eps, weight_decay"),
    ("sampling", {"points": 3}, "sampling.points",
     "unknown key; expected one of: interior, boundary, initial, method, strategy, resample_every"),
    ("training", {"phases": [{"steps": 2.5}]}, "training.phases.0.steps",
     "expected a whole number, got 2.5"),
    ("training", {"phases": [{"decay": 1.5}]}, "training.phases.0.decay", "must be at most 1.0, got 1.5"),
    ("training", {"phases": []}, "training.phases", "needs at least one phase"),
    ("training", {"weights": {"pde": "heavy"}}, "training.weights.pde", "expected a number, got 'heavy'"),
    ("training", {"weights": {"bc": 1}}, "training.weights.bc",
     "no term named 'bc'; terms are: pde, ic, bc_x_min, bc_x_max"),
    ("training", {"dtype": "float16"}, "training.dtype", "expected one of float32, float64; got 'float16'"),
    ("model", {"hard_constraints": "yes"}, "model.hard_constraints", "expected true or false, got 'yes'"),
    ("model", {"width": True}, "model.width", "expected a whole number, got True"),
    ("output", {"grid": {"y": 10}}, "output.grid.y", "not a scalar coordinate of the domain"),
    ("output", {"mesh": 3}, "output.mesh", "expected text, got 3"),
    ("derivatives", {"engine": "finite_differences"}, "derivatives.engine",
     "expected one of autodiff, taylor, stde; got 'finite_differences'"),
    ("model", [1, 2], "model", "expected a mapping of settings, got [1, 2]"),
])
def test_settings_validation(section, value, key, match, tmp_path):
    path = write(tmp_path, with_(BURGERS, **{section: value}))
    with pytest.raises(SpecError, match=re.escape(match)) as info:
        load_problem(path)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}, key '{key}': ")


def test_build_validates_against_a_dataclass():
    assert build(ModelSettings, None, Loc("f.yaml", "model")) == ModelSettings()
    assert build(Phase, {"steps": "12"}, Loc("f.yaml")).steps == 12
    with pytest.raises(SpecError, match=re.escape("f.yaml, key 'training.seed': must be at least 0")):
        build(TrainingSettings, {"seed": -1}, Loc("f.yaml", "training"))


def test_term_names_must_be_unique_but_automatic_names_are_numbered():
    two_ics = dict(BURGERS, conditions=BURGERS["conditions"] + [
        {"where": "t = 0", "equation": "diff(u, t) = 0"}])
    names = [c.name for c in load_problem(two_ics).conditions]
    assert names == ["ic_1", "bc_x_min", "bc_x_max", "ic_2"]
    clash = dict(BURGERS, equations=[{"name": "ic", "equation": BURGERS["equations"][0]}],
                 conditions=[{"where": "t = 0", "name": "ic", "equation": "u = 0"}])
    with pytest.raises(SpecError, match=r"term name\(s\) ic used more than once"):
        load_problem(clash)
    # 'pde2' is a fine condition name when no second equation exists.
    ok = dict(BURGERS, conditions=[{"where": "t = 0", "name": "pde2", "equation": "u = 0"}])
    assert load_problem(ok).conditions[0].name == "pde2"


@pytest.mark.parametrize("text,hint", [
    ("u_xx + u_t", "diff(u, x, 2)"), ("u_t - u_xx", "diff(u, t)"),
    ("u_xt", "diff(u, x, t)"), ("ln(1 + x)", "write log(...)"),
    ("arctan(x)", "write atan(...)")])
def test_other_tools_spellings_get_the_pinnsolve_form(text, hint):
    """A newcomer's u_xx (book subscripts) or ln (other tools) is named in the error with
    the spelling to write; unknown names without such a reading keep the plain message."""
    problem = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
               "equations": [f"{text} = 0"],
               "conditions": [{"where": "boundary", "dirichlet": 0},
                              {"where": "initial", "dirichlet": 0}]}
    with pytest.raises(SpecError) as err:
        load_problem(problem)
    assert hint in str(err.value) and err.value.key == "equations.0"
    problem["equations"] = ["diff(u, t) = v_xx"]   # v is no field: no hint
    with pytest.raises(SpecError, match="unknown name 'v_xx'; expected") as err:
        load_problem(problem)


def test_a_declared_E_is_the_users_not_eulers_number():
    # Young's modulus is written E; declared, it is the file's own name, and an undeclared
    # E stays Euler's number.
    beam = {"name": "beam", "domain": {"x": [0, 1]}, "fields": ["w"],
            "parameters": {"E": 2.0e5, "I": 0.5},
            "equations": ["E*I*diff(w, x, 4) = 1 + 0*E"],
            "conditions": [{"where": "x = 0 or x = 1", "dirichlet": 0},
                           {"where": "x = 0 or x = 1", "equation": "diff(w, x, 2) = 0"}]}
    problem = load_problem(beam)
    assert problem.parameter_values["E"] == 2.0e5
    eq = problem.equations[0].expr
    assert sp.E not in eq.atoms() and sp.Symbol("E") in eq.free_symbols
    undeclared = with_(BURGERS, parameters={"nu": "E/100"})
    assert load_problem(undeclared).parameter_values["nu"] == pytest.approx(float(sp.E) / 100)
