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
