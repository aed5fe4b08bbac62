"""Coefficients of the equations, for the plan's rules that read them (spec/layers.py,
models/frequency.py)."""
from __future__ import annotations

import math

import sympy as sp

from .problem import Problem
from .symbols import Laplacian


def expanded(problem: Problem, expr: sp.Expr) -> sp.Expr:
    """``expr`` with the known parameters substituted, Laplacians written out and products
    expanded, so that ``sp.diff(expanded, Derivative(u, ...))`` is a term's coefficient."""
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    expr = expr.subs(values).replace(lambda e: isinstance(e, Laplacian), lambda e: e.doit())
    # Only the terms that hold a field: a manufactured source of a hundred nested factors
    # (a minichannel's body force) took SymPy minutes to expand, and no rule reads its
    # expansion (sources are evaluated on points).
    fields = tuple(problem.field_functions.values())
    return sp.Add(*[sp.expand(term) if term.has(*fields) and _small_power(term) else term
                    for term in sp.Add.make_args(sp.expand_mul(expr, deep=False))])


def _small_power(term: sp.Expr) -> bool:
    """Whether expanding ``term`` stays small: no sum raised to an integer power above 8
    ((u + x + t + 1)**64 expands into tens of thousands of terms; the rules then read such
    a term as it is)."""
    return not any(isinstance(p.base, sp.Add) and p.exp.is_Integer and abs(int(p.exp)) > 8
                   for p in term.atoms(sp.Pow))


def number(coefficient: sp.Expr) -> float | None:
    """The coefficient as a float when it is a nonzero finite real number (no field,
    coordinate or unknown in it), else None."""
    if not coefficient.is_number:
        return None
    try:
        value = float(coefficient)
    except (TypeError, ValueError):   # complex
        return None
    return value if value != 0 and math.isfinite(value) else None
