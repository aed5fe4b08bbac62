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
    return sp.expand(expr.subs(values).replace(lambda e: isinstance(e, Laplacian),
                                               lambda e: e.doit()))


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
