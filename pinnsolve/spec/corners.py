"""Re-entrant corners of a 2-D shape, where a second-order equation's solution is singular.

Near a corner of interior angle ω > π, the solution of a second-order elliptic equation
behaves like r^(kα) sin(kαθ) or cos(kαθ), α = π/ω, with r and θ polar coordinates about
the corner and θ from one edge (Laplace with zero data on both edges: ω = 3π/2 gives
r^(2/3) sin(2θ/3), whose gradient is infinite at the corner); where one edge is held and
the other insulated, k runs over the half-integers (r^(1/3) at an L's corner). Both
families are given, cos and sin, so that neither the conditions nor the edge θ starts
from need be read. A smooth network of (x, y) approximates such a cusp badly however long
it trains: the L-shaped Laplace problem of the zoo stopped at 5e-4 and a groundwater pit's
corner at 1.2e-2 after 5 minutes. These functions are added to the network's output with
trained coefficients (models/mlp.py), zero at the start, so the network only has to learn
the smooth rest (4.1e-9 and 5.7e-9 at 2 minutes, docs/geometry.md).

A corner is found without a mesh: the candidates are the vertices of the shape's polygons
and rectangles and the points where the edges and circles of different primitives cross;
one is a corner where a small circle about it is inside the shape along one arc of angle
ω, with ω at least π / MOST_ALPHA (α ≤ MOST_ALPHA). Numbers only (numpy, no torch): the
meaning digest reads the same corners as the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import sympy as sp

from .mixed import inlined
from .problem import Problem
from .shapes import Shape
from .symbols import Laplacian

MOST_ALPHA = 0.8   # corners whose exponent π/ω is at most this (ω ≥ 225°)
MODES = 2          # r^(kα) cos and sin(kαθ), k = 1/2, 1, ..., MODES, skipping whole powers
MOST_CORNERS = 8   # the sharpest corners first
RING = 720         # samples of the small circle about a candidate
RADIUS = 1e-5      # its radius, share of the domain's size (its box's diagonal)


@dataclass(frozen=True)
class Corner:
    """A re-entrant corner at ``point``: the shape is inside on the arc from angle ``start``
    counter-clockwise over ``angle`` (radians, > π)."""

    point: tuple[float, float]
    start: float
    angle: float

    @property
    def alpha(self) -> float:
        return math.pi / self.angle


@dataclass(frozen=True)
class CornerPlan:
    """The corner functions of a model: each corner's point, the angle of its interior bisector,
    its interior angle, and the exponents a = kα of its functions r^a cos/sin(aθ); r is taken
    in units of ``length`` (the diagonal of the coordinates' box). Where there are several,
    each corner's functions fade as exp(−r²/ρ²) beyond its ``reach`` ρ, half the distance
    to the nearest other corner and at most half the box's shorter side: global functions
    of eight corners a rib's width apart were near copies of one another (a cold plate:
    2.5e-2 before the rule, 0.11 with global functions, 2.6e-2 faded). A lone corner's do
    not fade (reach ∞): the zoo's L, whose solution is the corner's function everywhere,
    went from 4.1e-9 to 2.0e-4 when they did."""

    corners: tuple[Corner, ...]
    exponents: tuple[tuple[float, ...], ...]
    length: float
    why: str
    reach: tuple[float, ...] = ()


def corner_plan(problem: Problem) -> CornerPlan | None:
    """The corner functions of ``problem``'s model, None where it has none. An explicit
    ``model.corner_modes`` gives the modes per corner (0: none) whatever the equations;
    planned, MODES where every equation is of order two in space at most and one is of
    order two, no second derivative's coefficient holding a slope (a Laplacian's
    exponents: first-order transport has no such cusp, and a plate's or a p-Laplacian's
    exponents are others)."""
    s = problem.settings
    modes = None if "corner_modes" in s.training.planned else s.model.corner_modes
    cache = problem.__dict__   # a frozen dataclass: the cache sits beside its fields
    key = ("_corner_plan", modes)
    if key not in cache:
        cache[key] = _plan(problem, modes)
    return cache[key]


def _plan(problem: Problem, modes: int | None) -> CornerPlan | None:
    d = problem.domain
    if d.shape is None or len(d.space) != 2 or d.vector is not None or modes == 0:
        return None
    length = math.hypot(*(c.hi - c.lo for c in d.space))
    corners = reentrant_corners(d.shape, length)
    if not corners:
        return None
    if modes is None:
        if space_order(problem) != 2 or _slope_dependent(problem):
            return None
        modes = MODES
    exponents = tuple(tuple(k * c.alpha / 2 for k in range(1, 2 * modes + 1)
                            if abs(k * c.alpha / 2 - round(k * c.alpha / 2)) > 1e-6)
                      for c in corners)
    shown = ", ".join(f"({c.point[0]:.4g}, {c.point[1]:.4g}) of {math.degrees(c.angle):.0f}°"
                      for c in corners)
    why = (f"the shape has {len(corners)} re-entrant corner{'s' * (len(corners) > 1)} "
           f"({shown}), where the solution goes like r^(π/ω)")
    side = min(c.hi - c.lo for c in d.space)
    reach = tuple(math.inf if len(corners) == 1 else 0.5 * min(
        [side] + [math.dist(c.point, o.point) for o in corners if o is not c]) for c in corners)
    return CornerPlan(tuple(corners), exponents, length, why, reach)


def space_order(problem: Problem) -> int:
    """The highest order of a derivative along the space coordinates in the equations
    (nested derivatives add up: ∂x(k(u) ∂x u) is of order two)."""
    space = {c.symbol for c in problem.domain.space}

    def order(e: sp.Basic) -> int:
        if isinstance(e, Laplacian):
            return 2 + order(e.args[0])
        own = sum(n for v, n in e.variable_count if v in space) \
            if isinstance(e, sp.Derivative) else 0
        return own + max((order(a) for a in e.args), default=0)

    return max((order(e) for e in inlined(problem)), default=0)


def _slope_dependent(problem: Problem) -> bool:
    """Whether a second derivative's coefficient holds a first derivative of a field, as a
    p-Laplacian's |∇u|^(p−2) does: its corner exponents are not a Laplacian's, and the
    functions cost a T-shaped p-Laplace problem 6.9e-5 → 3.9e-2 (smooth solution)."""
    space = {c.symbol for c in problem.domain.space}

    def order(d: sp.Derivative) -> int:
        return sum(n for v, n in d.variable_count if v in space)

    for expr in inlined(problem):
        derivs = [d for d in expr.atoms(sp.Derivative) if order(d) == d.derivative_count]
        firsts = {d for d in derivs if order(d) == 1}
        for d in derivs:
            if order(d) == 2 and sp.diff(expr, d).atoms(sp.Derivative) & firsts:
                return True
    return False


# --------------------------------------------------------------------------- the geometry
def _frame(shape: Shape, rot: np.ndarray, shift: np.ndarray):
    """The node's frame: x = R y + t, the parent's motion after its own (geometry/csg.py)."""
    own = np.eye(2)
    if shape.rotate:
        c, s = math.cos(shape.rotate[0]), math.sin(shape.rotate[0])
        own = np.array([[c, -s], [s, c]])
    t = np.array(shape.translate or (0.0, 0.0), dtype=float)
    return rot @ own, rot @ t + shift


def _leaves(shape: Shape, rot=np.eye(2), shift=np.zeros(2)) -> list:
    """(primitive, rotation, shift) of every leaf."""
    rot, shift = _frame(shape, rot, shift)
    if not shape.children:
        return [(shape, rot, shift)]
    return [leaf for c in shape.children for leaf in _leaves(c, rot, shift)]


def _inside_leaf(shape: Shape, rot, shift, x: np.ndarray) -> np.ndarray:
    y = (x - shift) @ rot   # R orthonormal: y = Rᵀ (x − t)
    p = dict(shape.params)
    if shape.kind == "rectangle":
        return np.all((y > np.array(p["min"])) & (y < np.array(p["max"])), axis=1)
    if shape.kind == "disk":
        return np.linalg.norm(y - np.array(p["center"]), axis=1) < p["radius"]
    if shape.kind == "ellipse":
        return (((y - np.array(p["center"])) / np.array(p["radii"])) ** 2).sum(1) < 1
    v = np.array(p["points"], dtype=float)   # polygon: crossing number
    a, b = v, np.roll(v, -1, 0)
    up = (a[None, :, 1] <= y[:, 1:2]) != (b[None, :, 1] <= y[:, 1:2])
    dy = np.where(b[:, 1] == a[:, 1], 1.0, b[:, 1] - a[:, 1])
    xc = a[:, 0] + (y[:, 1:2] - a[:, 1]) / dy * (b[:, 0] - a[:, 0])
    return ((up & (xc > y[:, :1])).sum(1) % 2) == 1


def _inside(shape: Shape, x: np.ndarray, rot=np.eye(2), shift=np.zeros(2)) -> np.ndarray:
    """Whether each point (n, 2) is inside the shape (open sets: edges are outside)."""
    rot, shift = _frame(shape, rot, shift)
    if not shape.children:
        return _inside_leaf(shape, rot, shift, x)
    parts = [_inside(c, x, rot, shift) for c in shape.children]
    if shape.kind == "union":
        return np.any(parts, axis=0)
    if shape.kind == "intersection":
        return np.all(parts, axis=0)
    return parts[0] & ~np.any(parts[1:], axis=0)


def _outline(shape: Shape, rot, shift) -> tuple[list, list]:
    """A leaf's straight edges [(a, b)] and circles [(centre, radius)], placed."""
    p = dict(shape.params)
    place = lambda y: rot @ np.asarray(y, dtype=float) + shift   # noqa: E731
    if shape.kind == "rectangle":
        (x0, y0), (x1, y1) = p["min"], p["max"]
        v = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif shape.kind == "polygon":
        v = p["points"]
    elif shape.kind == "disk":
        return [], [(place(p["center"]), float(p["radius"]))]
    else:   # an ellipse: its crossings are left out (its vertices are no corners)
        return [], []
    v = [place(q) for q in v]
    return [(v[k], v[(k + 1) % len(v)]) for k in range(len(v))], []


def _crossings(edges: list, circles: list) -> list[np.ndarray]:
    """The vertices, and the points where two edges, an edge and a circle or two circles
    meet."""
    out = [a for a, _ in edges]
    for (a, b), (c, d) in combinations(edges, 2):
        r, s = b - a, d - c
        den = r[0] * s[1] - r[1] * s[0]
        if abs(den) < 1e-14 * (np.linalg.norm(r) * np.linalg.norm(s)):
            continue   # parallel: their shared stretch ends at vertices already listed
        q = c - a
        t = (q[0] * s[1] - q[1] * s[0]) / den
        u = (q[0] * r[1] - q[1] * r[0]) / den
        if -1e-12 <= t <= 1 + 1e-12 and -1e-12 <= u <= 1 + 1e-12:
            out.append(a + t * r)
    for (a, b) in edges:
        for c, rad in circles:
            r = b - a
            f = a - c
            A, B, C = r @ r, 2 * f @ r, f @ f - rad * rad
            disc = B * B - 4 * A * C
            if disc < 0:
                continue
            for t in ((-B - math.sqrt(disc)) / (2 * A), (-B + math.sqrt(disc)) / (2 * A)):
                if -1e-12 <= t <= 1 + 1e-12:
                    out.append(a + t * r)
    for (c1, r1), (c2, r2) in combinations(circles, 2):
        dist = float(np.linalg.norm(c2 - c1))
        if dist == 0 or dist > r1 + r2 or dist < abs(r1 - r2):
            continue
        a = (r1 * r1 - r2 * r2 + dist * dist) / (2 * dist)
        h = math.sqrt(max(r1 * r1 - a * a, 0.0))
        e = (c2 - c1) / dist
        m = c1 + a * e
        out += [m + h * np.array([-e[1], e[0]]), m - h * np.array([-e[1], e[0]])]
    return out


def reentrant_corners(shape: Shape, length: float) -> list[Corner]:
    """The re-entrant corners of a 2-D shape of size ``length``, sharpest first (at most
    MOST_CORNERS)."""
    leaves = _leaves(shape)
    edges, circles = [], []
    for leaf in leaves:
        e, c = _outline(*leaf)
        edges += e
        circles += c
    rho = RADIUS * length
    phi = (np.arange(RING) + 0.5) * (2 * math.pi / RING)
    ring = np.stack([np.cos(phi), np.sin(phi)], 1)
    found: list[Corner] = []
    for p in _crossings(edges, circles):
        if any(np.linalg.norm(p - np.array(c.point)) < 1e3 * rho for c in found):
            continue
        inside = _inside(shape, p + rho * ring)
        steps = np.flatnonzero(inside != np.roll(inside, 1))   # k: inside[k-1] != inside[k]
        if len(steps) != 2:
            continue   # inside nowhere, everywhere, or along several arcs: no corner
        start = next(k for k in steps if inside[k])
        end = next(k for k in steps if not inside[k])
        a0 = _edge_angle(shape, p, rho, phi[start - 1], phi[start])
        a1 = _edge_angle(shape, p, rho, phi[end - 1], phi[end])
        angle = (a1 - a0) % (2 * math.pi)
        if angle >= math.pi / MOST_ALPHA:
            found.append(Corner((float(p[0]), float(p[1])), float(a0 % (2 * math.pi)),
                                float(angle)))
    found.sort(key=lambda c: -c.angle)
    return found[:MOST_CORNERS]


def _edge_angle(shape: Shape, p: np.ndarray, rho: float, a: float, b: float) -> float:
    """The angle between a and b (one inside, the other not) where the circle crosses the
    boundary, by bisection."""
    if b < a:
        b += 2 * math.pi
    side = _inside(shape, (p + rho * np.array([math.cos(a), math.sin(a)]))[None])[0]
    for _ in range(40):
        m = (a + b) / 2
        if _inside(shape, (p + rho * np.array([math.cos(m), math.sin(m)]))[None])[0] == side:
            a = m
        else:
            b = m
    return (a + b) / 2
