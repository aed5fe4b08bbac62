"""Problem mappings from Python (issue 19, class 11/12): malformed structures are located
errors, never a RecursionError or a pickling TypeError, and section words in overrides are
never taken for a coordinate of the same name."""
from __future__ import annotations

import pytest
import sympy as sp

import pinnsolve
from pinnsolve.errors import SpecError

BASE = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 1"],
        "conditions": [{"where": "boundary", "dirichlet": 0}]}


def _with(**parts):
    return {**BASE, **parts}


def _nested(depth: int) -> dict:
    top = cur = {}
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    return top


def _self_containing() -> dict:
    params: dict = {}
    raw = _with(parameters=params)
    params["me"] = raw
    return raw


@pytest.mark.parametrize("raw,key,match", [
    (_self_containing(), "parameters.me", "contains itself"),
    (_with(model=_nested(3000)), "model.a.a", "nested more than 64 levels"),
    (_with(conditions=(c for c in BASE["conditions"])), "conditions", "got a generator"),
    (_with(fields={"u"}), "fields", "got a set"),
    (_with(parameters={"a": sp.Integer(10) ** 5000}), "parameters.a", "more than 30 digits"),
])
def test_malformed_python_mappings_are_located(raw, key, match):
    with pytest.raises(SpecError, match=match) as info:
        pinnsolve.load_problem(raw)
    assert info.value.key.startswith(key)


def test_a_large_parameter_is_a_value_not_a_reprinted_literal():
    p = pinnsolve.load_problem(_with(parameters={"a": "10**30", "b": "a*2"}))
    assert p.parameter_values == {"a": 1e30, "b": 2e30}


def test_a_coordinate_named_like_a_section_does_not_take_its_overrides():
    raw = {"domain": {"limits": [0, 1]}, "fields": ["u"],
           "equations": ["diff(u, limits, 2) = 1"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    p = pinnsolve.load_problem(raw, ["limits.max_points=5000", "domain.limits=[0, 2]"])
    assert p.settings.limits.max_points == 5000
    assert (p.domain.space[0].lo, p.domain.space[0].hi) == (0, 2)
