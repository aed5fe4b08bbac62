"""Vector calculus on SymPy expressions, for problems written in Python.

Vectors are ``sympy.Matrix`` columns; the coordinates are passed explicitly (time is never
one of them)::

    X = (x, y)
    w = sp.Matrix([u, v])
    momentum = dot(w, grad(w, X)) + grad(p, X) - laplacian(w, X) / Re   # a 2-vector
    continuity = div(w, X)

A Matrix given as an equation expands to one equation per component, named after the
coordinates (``momentum_x``, ``momentum_y``). The problem-file parser offers the same
operators in text: ``dot([u, v], grad([u, v]))``, ``div([u, v])``, ``curl([u, v])``.
"""
from __future__ import annotations

from typing import Sequence

import sympy as sp


def _vec(a) -> sp.Matrix:
    return a if isinstance(a, sp.MatrixBase) else sp.Matrix(list(a))


def grad(f, coords: Sequence[sp.Symbol]) -> sp.Matrix:
    """∇f: a column for a scalar f; for a vector f, the Jacobian (row i = ∇f_i)."""
    if isinstance(f, (sp.MatrixBase, list, tuple)):
        f = _vec(f)
        return sp.Matrix([[sp.diff(fi, c) for c in coords] for fi in f])
    return sp.Matrix([sp.diff(f, c) for c in coords])


def div(F, coords: Sequence[sp.Symbol]) -> sp.Expr:
    """∇·F."""
    F = _vec(F)
    if len(F) != len(coords):
        raise ValueError(f"div of a {len(F)}-vector in {len(coords)} dimensions")
    return sp.Add(*[sp.diff(Fi, c) for Fi, c in zip(F, coords)])


def curl(F, coords: Sequence[sp.Symbol]):
    """∇×F: the scalar ∂F₂/∂x - ∂F₁/∂y in 2-D, a 3-vector in 3-D."""
    F = _vec(F)
    if len(F) != len(coords) or len(coords) not in (2, 3):
        raise ValueError("curl takes a 2-vector in 2-D or a 3-vector in 3-D")
    d = lambda k, j: sp.diff(F[k], coords[j])  # noqa: E731
    if len(coords) == 2:
        return d(1, 0) - d(0, 1)
    return sp.Matrix([d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)])


def dot(a, b):
    """a·b for two vectors; ``dot(w, grad(F, X))`` with a Jacobian is (w·∇)F."""
    a = _vec(a)
    if isinstance(b, sp.MatrixBase) and b.shape[1] > 1:
        return b * a
    b = _vec(b)
    if len(a) != len(b):
        raise ValueError("dot of vectors of different lengths")
    return sp.Add(*[x * y for x, y in zip(a, b)])


def laplacian(f, coords: Sequence[sp.Symbol]):
    """Δf, per component for a vector f."""
    if isinstance(f, (sp.MatrixBase, list, tuple)):
        return _vec(f).applyfunc(lambda fi: laplacian(fi, coords))
    return sp.Add(*[sp.diff(f, c, 2) for c in coords])
