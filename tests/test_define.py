"""``define:``: named sub-expressions inlined in equations, conditions and references."""
import pytest
import sympy as sp

from pinnsolve import load_problem
from pinnsolve.errors import SpecError


def _problem(define, **extra):
    raw = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": "u", "define": define,
           "equations": "laplacian(u) = f", "conditions": [{"where": "boundary",
                                                             "dirichlet": "g"}]}
    raw.update(extra)
    return load_problem(raw)


def test_definitions_are_inlined_in_order_of_use():
    # f uses r, defined after it: order in the file does not matter.
    p = _problem({"f": "-r**2", "r": "sqrt(x**2 + y**2)", "g": "exp(x)*k"},
                 parameters={"k": 2}, reference={"exact": {"u": "g + r"}})
    x, y, k = sp.symbols("x y k")
    u = sp.Function("u")(x, y)
    eq = p.equations[0].expr
    assert sp.simplify(eq - (u.diff(x, 2) + u.diff(y, 2) + x**2 + y**2)) == 0
    assert sp.simplify(p.conditions[0].value - sp.exp(x) * k) == 0
    assert sp.simplify(p.reference.exact["u"] - (sp.exp(x) * k + sp.sqrt(x**2 + y**2))) == 0
    assert set(p.definitions) == {"f", "r", "g"}


def test_definition_may_use_fields_in_equations():
    p = load_problem({"domain": {"x": [0, 1]}, "fields": "u", "define": {"flux": "u*diff(u, x)"},
                      "equations": "diff(flux, x) = 0"})
    x = sp.Symbol("x")
    u = sp.Function("u")(x)
    assert sp.simplify(p.equations[0].expr - (u * u.diff(x)).diff(x)) == 0


@pytest.mark.parametrize("define, match", [
    ({"a": "b + 1", "b": "2*a"}, r"define\.a.*cycle: a -> b -> a"),
    ({"a": "a + x"}, r"cycle: a -> a"),
    ({"f": "1", "g": "1", "x": "y"}, r"define\.x.*already a coordinate"),
    ({"f": "1", "g": "1", "u": "y"}, r"define\.u.*already a coordinate, field"),
    ({"f": "1", "g": "1", "sin": "y"}, r"define\.sin.*reserved"),
    ({"f": "z", "g": "1"}, r"define\.f.*unknown name 'z'"),
])
def test_bad_definitions_are_located(define, match):
    with pytest.raises(SpecError, match=match):
        _problem(define)


def test_field_definition_is_not_allowed_in_dirichlet_data():
    with pytest.raises(SpecError, match=r"conditions\.0\.dirichlet.*unknown name 'g'"):
        _problem({"f": "1", "g": "u**2"})


JUMPING = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}


@pytest.mark.parametrize("k", [
    "Piecewise((1, x < 0.5), (10, True))",              # a layered wall
    "1 + 9*Heaviside(x - 0.5)",
    "Piecewise((10, x**2 + y**2 < 0.25), (1, True))",   # a circular inclusion
    "Piecewise((1, x + y < 1), (2, True))",             # an oblique interface, in y too
    "2 + sign(x - 0.3)",
])
def test_a_coefficient_that_jumps_inside_a_derivative_is_refused_with_the_flux_form(k):
    """The derivative of a jump is a Dirac delta that SymPy's Piecewise drops: the strong
    form would silently lose the flux continuity (a layered wall gave the wrong solution).
    The error names the equation, the jump, and the flux form that solves it."""
    problem = {**JUMPING, "define": {"k": k},
               "equations": ["-diff(k*diff(u, x), x) - diff(k*diff(u, y), y) = 1"]}
    with pytest.raises(SpecError) as err:
        load_problem(problem)
    text = str(err.value)
    assert err.value.key == "equations.0" and "jumps along" in text
    assert "q = k*diff(u, x)" in text


@pytest.mark.parametrize("k", [
    "Piecewise((x, x < 0.5), (1 - x, True))",          # continuous (a hat): no delta
    "Piecewise((0, x < 0.5), (1000*(x - 0.5), True))",  # a steep ramp, still continuous
    "Piecewise((1, x < 0.5), (1, True))",
    "Piecewise((1 + y, t < 0.5), (2, True))",          # jumps in time, differentiated in x
    "1 + Abs(x - 0.5)",                                # a kink: its derivative is a.e. right
    "Piecewise((x**2, x**2 + y**2 < 0.25), (0.25 - y**2, True))",   # continuous on the circle
])
def test_continuous_or_unrelated_coefficients_are_accepted(k):
    problem = {"domain": {"x": [0, 1], "y": [0, 1], "t": [0, 1]}, "fields": ["u"],
               "conditions": [{"where": "boundary", "dirichlet": 0},
                              {"where": "initial", "dirichlet": 0}],
               "define": {"k": k},
               "equations": ["diff(u, t) = diff(k*diff(u, x), x) + diff(u, y, 2)"]}
    load_problem(problem)


def test_a_jumping_source_is_not_differentiated_and_stays_allowed():
    load_problem({**JUMPING, "equations": ["-laplacian(u) = Piecewise((1, x < 0.5), (0, True))"]})


def test_the_normal_flux_of_two_point_sources_is_not_too_large():
    """A calcium nanodomain's data: the normal derivative of two erfc point sources (about
    1200 parts each, with symbolic parameters) was refused as too large (stop 45)."""
    g = ("Q/(2*pi*D*r{0})*(exp(-r{0}/lam)*erfc(r{0}/(2*sqrt(D*T)) - sqrt(kB*T))"
         " + exp(r{0}/lam)*erfc(r{0}/(2*sqrt(D*T)) + sqrt(kB*T)))/2")
    problem = {"domain": {"x": [1, 2], "y": [0, 1], "z": [0, 1], "t": [0, 1]},
               "fields": ["c"],
               "parameters": {"D": 220, "kB": 0.0105, "Q": 1.5e6, "t0": 0.5, "d": 20},
               "define": {"lam": "sqrt(D/kB)", "T": "t + t0",
                          "ra": "sqrt((x + d)**2 + y**2 + z**2)",
                          "rb": "sqrt((x - d)**2 + y**2 + z**2)",
                          "ga": g.format("a"), "gb": g.format("b"), "ce": "0.1 + ga + gb"},
               "equations": ["diff(c, t) = D*laplacian(c) - kB*c"],
               "conditions": [{"where": "initial", "dirichlet": "ce"},
                              {"where": "x = 1", "neumann": "-diff(ga + gb, x)"},
                              {"where": "x = 2", "equation":
                               "n_x*diff(c, x) = n_x*diff(ce, x) + n_y*diff(ce, y)"
                               " + n_z*diff(ce, z)"},
                              {"where": "y = 0 or y = 1 or z = 0 or z = 1",
                               "dirichlet": "ce"}]}
    load_problem(problem)
