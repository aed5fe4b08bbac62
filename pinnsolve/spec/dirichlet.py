"""Which conditions give a field's value, read from the problem alone: shared by the model's
exact imposition (models/constraints.py) and the meaning digest (spec/meaning.py), so the
two never disagree on which faces a box's lift blends."""
from __future__ import annotations

import sympy as sp

from .expressions import provably_zero
from .problem import Condition, Problem
from .symbols import field_names_in


def dirichlet_value(c: Condition, field: str) -> sp.Expr | None:
    """g if the condition is ``field = g`` with g free of fields, else None."""
    if c.kind == "dirichlet" and c.field == field:
        return c.value
    if c.kind != "equation":
        return None
    u = None
    for f in c.expr.atoms(sp.core.function.AppliedUndef):
        if f.func.__name__ == field:
            u = f
    if u is None or c.expr.has(sp.Derivative):
        return None
    g = u - c.expr
    if field_names_in(g) or not provably_zero(sp.diff(c.expr, u) - 1):
        return None
    return g


def box_faces(problem: Problem, field: str) -> dict[tuple[str, str], tuple[sp.Expr, str]]:
    """(coordinate, "lo" | "hi") → (g, condition name) for the faces of a box where ``field``
    is given a value (``boundary`` gives every face not named otherwise; periodic faces are
    left out)."""
    domain = problem.domain
    faces: dict[tuple[str, str], tuple[sp.Expr, str]] = {}
    for c in problem.conditions:
        g = dirichlet_value(c, field)
        if g is None:
            continue
        if c.region.kind == "face" and c.points is None:
            faces[(c.region.coord, c.region.side)] = (g, c.name)
        elif c.region.kind == "boundary" and domain.vector is None:
            for s in domain.space:
                faces.setdefault((s.name, "lo"), (g, c.name))
                faces.setdefault((s.name, "hi"), (g, c.name))
    return {k: v for k, v in faces.items() if k[0] not in problem.periodic}


def blends(faces: dict[tuple[str, str], tuple[sp.Expr, str]]) -> bool:
    """Do these faces need a lift that joins faces of several coordinates (transfinite where
    their data agree where they meet, else blended; models/constraints.py): different data
    on faces of several coordinates."""
    return len({g for g, _ in faces.values()}) > 1 and len({coord for coord, _ in faces}) > 1
