"""Round holes in a shape, read for a log-radius input of the network.

Around a round hole the solution of a second-order equation goes like ln r (a cylinder's
or a disk's Laplacian: a pipe's insulation, a well, a capillary's oxygen, Krogh's tissue
cylinder), 1/r (a ball's) or r^-2 (the stresses about a hole in a plate, Kirsch): fastest at
the hole's wall, the steeper the smaller the hole is beside the domain. A tanh network of
the Cartesian coordinates makes such a profile only approximately, and the residual of an
operator whose terms near the wall are tens of times the source (the log's curvature
against a forcing spread over the domain) stalls above the answer: Krogh's cylinder, hole
radius 1/10 of the tissue's, kept the lift and missed the log profile (L2RE 0.125 at 2 and
at 5 minutes, docs/zoo.md).

So every disk, ball or cylinder subtracted from the domain (a ``difference``'s second and
later nodes, at any depth) whose distance to the far side of the domain's box is
:data:`HOLE_FROM` or more times its radius gives the network one more input,

    2 log(r / a) / log(R / a) − 1,   r the distance to the hole's centre (disk, ball) or
                                       axis (cylinder), a its radius, R that far distance,

which is −1 on the hole's wall and +1 at the box's farthest corner (models/mlp.py), where
the equations are of order two or more in space, or a second-order problem written as a
first-order system (a flux beside its potential, :func:`_mixed_system`; first-order
transport has no such profile). A brine well's Forchheimer flow (u, v, p, first order, a
0.1 m well in a 10 m disk) went u 20, 29 → 2.9, 1.7 (L2RE, two pairs at 2 minutes; still
failing, stop 50) with it. ``model.hole_logs`` set to false removes it, true adds it
about every round hole whatever the equations and the ratio. Plain data here (no torch):
the models build the input from :func:`hole_plan`, the meaning digest feeds it
(spec/meaning.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .corners import inlined, space_order
from .problem import Problem
from .shapes import Shape, rotation

# the far distance over the hole's radius from which its log is planned
HOLE_FROM = 4
MAX_HOLES = 8   # more round holes than this: a perforated plate, not a hole's profile


@dataclass(frozen=True)
class Hole:
    """A round hole: ``kind`` disk, ball or cylinder; its centre and, for a cylinder, its
    unit axis (in the domain's coordinates); its radius and the distance ``reach`` from the
    centre (axis) to the domain box's farthest corner."""

    kind: str
    center: tuple[float, ...]
    axis: tuple[float, ...] | None
    radius: float
    reach: float


def hole_plan(problem: Problem) -> tuple[Hole, ...]:
    """The holes whose log radius ``problem``'s network gets (module docstring); ()."""
    cache = problem.__dict__   # a frozen dataclass: the cache sits beside its fields
    if "_hole_plan" not in cache:
        cache["_hole_plan"] = _plan(problem)
    return cache["_hole_plan"]


def _plan(problem: Problem) -> tuple[Hole, ...]:
    d = problem.domain
    setting = problem.settings.model.hole_logs
    planned = "hole_logs" in problem.settings.training.planned
    if d.shape is None or d.vector is not None or setting is False or \
            (not planned and setting is not True):
        return ()
    box = [(c.lo, c.hi) for c in d.space]
    holes = [h for h in _round_holes(d.shape, len(box), box)
             if not planned or h.reach >= HOLE_FROM * h.radius]
    if not holes or len(holes) > MAX_HOLES:
        return ()
    if planned and space_order(problem) < 2 and not _mixed_system(problem):
        return ()
    return tuple(holes)


def _mixed_system(problem: Problem) -> bool:
    """Whether the first-order equations are a second-order problem in mixed form: two or
    more fields, and an equation with no time derivative (a flux beside its potential,
    Darcy's u = −k ∇p with ∇·u = q), so the potential has a second-order profile about a
    hole. A hyperbolic system (acoustics, Maxwell) has a time derivative in every equation,
    a transported field has one field."""
    if len(problem.fields) < 2:
        return False
    t = problem.domain.time
    if t is None:
        return True
    return any(not any(t.symbol in d.variables for d in e.atoms(sp.Derivative))
               for e in inlined(problem))


def _round_holes(shape: Shape, dim: int, box) -> list[Hole]:
    """Every disk, ball or cylinder in a subtracted position of ``shape``'s tree."""
    out: list[Hole] = []
    eye = [[float(i == j) for j in range(dim)] for i in range(dim)]

    def walk(s: Shape, rot, shift, sign):
        own = rotation(s.rotate, dim)
        rot2 = _matmul(rot, own)
        t = s.translate or (0.0,) * dim
        shift2 = [sum(rot[i][k] * t[k] for k in range(dim)) + shift[i] for i in range(dim)]
        if s.children:
            for i, c in enumerate(s.children):
                walk(c, rot2, shift2, -sign if s.kind == "difference" and i else sign)
            return
        if sign > 0 or s.kind not in ("disk", "ball", "cylinder"):
            return
        c = s.param("center")
        center = tuple(sum(rot2[i][k] * c[k] for k in range(dim)) + shift2[i]
                       for i in range(dim))
        axis = tuple(rot2[i][2] for i in range(3)) if s.kind == "cylinder" else None
        out.append(Hole(s.kind, center, axis, float(s.param("radius")),
                        _reach(center, axis, box)))

    walk(shape, eye, [0.0] * dim, 1.0)
    return out


def _matmul(a, b):
    n = len(a)
    return [[sum(a[i][k] * b[k][j] for k in range(n)) for j in range(n)] for i in range(n)]


def _reach(center, axis, box) -> float:
    """The largest distance from ``center`` (or the line through it along ``axis``) to a
    corner of the box."""
    far = 0.0
    for corner in _corners(box):
        v = [p - c for p, c in zip(corner, center)]
        if axis is not None:
            along = sum(a * b for a, b in zip(v, axis))
            v = [a - along * b for a, b in zip(v, axis)]
        far = max(far, math.sqrt(sum(a * a for a in v)))
    return far


def _corners(box):
    if not box:
        return [[]]
    return [[x] + rest for x in box[0] for rest in _corners(box[1:])]
