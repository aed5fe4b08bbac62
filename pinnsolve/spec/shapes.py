"""Domain shapes declared in a problem file: CSG trees and mesh files (plain data, no torch).

A shape node is a mapping with exactly one shape word and optional ``name``, ``rotate`` and
``translate``::

    shape:
      difference:
        - rectangle: {min: [-1, -1], max: [1, 1]}
          name: outer
        - disk: {center: [0, 0], radius: 0.3}
          name: hole

Primitives (2-D): ``rectangle {min, max}``, ``disk {center, radius}``, ``ellipse {center,
radii}``, ``polygon {points}``; (3-D): ``box {min, max}``, ``ball {center, radius}``,
``cylinder {center, radius, height}`` (axis along the third coordinate). Operations:
``union``, ``intersection``, ``difference`` (the first minus all the others) over a list of
nodes. ``rotate`` is an angle in radians about the origin (2-D) or ``[ax, ay, az]`` angles
about the coordinate axes applied x, then y, then z (3-D); ``translate`` is a vector applied
after the rotation. ``name`` tags the boundary of a node (and of the nodes below it that
have no name of their own), so conditions can select it: ``where: {boundary: hole}``;
``where: {boundary: outer.x_min}`` selects one side of a named primitive (:func:`side_names`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import SpecError

PRIMITIVES = {2: ("rectangle", "disk", "ellipse", "polygon"), 3: ("box", "ball", "cylinder")}
OPERATIONS = ("union", "intersection", "difference")
_PARAMS = {"rectangle": ("min", "max"), "box": ("min", "max"), "disk": ("center", "radius"),
           "ball": ("center", "radius"), "ellipse": ("center", "radii"), "polygon": ("points",),
           "cylinder": ("center", "radius", "height")}
_VECTORS = {"min", "max", "center", "radii"}
MAX_NODES = 256
MAX_VERTICES = 10_000


@dataclass(frozen=True)
class Shape:
    """One CSG node. ``params`` holds (key, value) pairs: floats, vectors (tuples) or, for a
    polygon, a tuple of vertices. ``rotate`` is () or (angle,) in 2-D, (ax, ay, az) in 3-D."""

    kind: str
    params: tuple[tuple[str, Any], ...] = ()
    children: tuple["Shape", ...] = ()
    name: str | None = None
    rotate: tuple[float, ...] = ()
    translate: tuple[float, ...] = ()

    def param(self, key: str):
        return dict(self.params)[key]

    def names(self) -> set[str]:
        """Every boundary name used in the tree."""
        out = {self.name} if self.name else set()
        for c in self.children:
            out |= c.names()
        return out

    def leaves(self, tag: str | None = None) -> list[tuple[str | None, "Shape"]]:
        """(boundary tag, primitive) of every leaf, depth first, in the order the geometry
        builds them: a primitive's tag is its own name or its nearest named ancestor's."""
        tag = self.name or tag
        if not self.children:
            return [(tag, self)]
        return [leaf for c in self.children for leaf in c.leaves(tag)]

    def sides(self, coords: list[str]) -> dict[str, tuple[str, ...]]:
        """Names whose sides can be selected (``{boundary: outer.x_min}``) → side names: a
        name carried by exactly one primitive that has sides (rectangle, box, polygon,
        cylinder)."""
        leaves = self.leaves()
        out = {}
        for tag in {t for t, _ in leaves if t}:
            mine = [s for t, s in leaves if t == tag]
            if len(mine) == 1 and side_names(mine[0], coords):
                out[tag] = side_names(mine[0], coords)
        return out


def side_names(shape: Shape, coords: list[str]) -> tuple[str, ...]:
    """The sides of a primitive, in the order the geometry numbers them: a rectangle or box
    has ``x_min, y_min[, z_min], x_max, ...`` (its own axes, before any rotation), a polygon
    ``edge0`` (from vertex 0 to vertex 1), ``edge1``, ..., a cylinder ``side, bottom, top``
    (along its axis, the third coordinate); disks, ellipses and balls have none."""
    if shape.kind in ("rectangle", "box"):
        return tuple(f"{c}_min" for c in coords) + tuple(f"{c}_max" for c in coords)
    if shape.kind == "polygon":
        return tuple(f"edge{k}" for k in range(len(shape.param("points"))))
    if shape.kind == "cylinder":
        return ("side", "bottom", "top")
    return ()


def parse_shape(raw: Any, dim: int, key: str, file: str, const: Callable[[Any, str], float]
                ) -> Shape:
    """Validate a shape declaration of a ``dim``-dimensional domain.

    Args:
        raw: the mapping under ``domain.shape``.
        dim: number of spatial coordinates (2 or 3).
        key: dotted key of ``raw`` for error messages.
        file: problem file name.
        const: evaluates a constant expression (number or text such as ``pi/4``).
    Raises:
        SpecError: naming the file and the dotted key of the first problem.
    """
    if dim not in PRIMITIVES:
        raise SpecError(f"shapes need 2 or 3 spatial coordinates, the domain has {dim}",
                        file=file, key=key)
    count = [0]
    return _node(raw, dim, key, file, const, count)


def _node(raw, dim, key, file, const, count) -> Shape:
    def err(k, msg):
        return SpecError(msg, file=file, key=k)

    count[0] += 1
    if count[0] > MAX_NODES:
        raise err(key, f"the shape has more than {MAX_NODES} nodes")
    words = PRIMITIVES[dim] + OPERATIONS
    if not isinstance(raw, dict):
        raise err(key, f"expected a mapping with one of: {', '.join(words)}")
    kinds = [k for k in raw if k in words]
    extra = [k for k in raw if k not in words and k not in ("name", "rotate", "translate")]
    if extra:
        other = PRIMITIVES[5 - dim]
        hint = f" ({extra[0]} is a {5 - dim}-D shape)" if extra[0] in other else ""
        raise err(f"{key}.{extra[0]}", f"unknown key{hint}; expected one of: "
                                       f"{', '.join(words)}, name, rotate, translate")
    if len(kinds) != 1:
        raise err(key, f"needs exactly one of: {', '.join(words)}; got {sorted(raw) or 'none'}")
    kind = kinds[0]
    k = f"{key}.{kind}"
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.isidentifier()):
        raise err(f"{key}.name", f"expected a plain name (letters, digits, _), got {name!r}")
    rotate: tuple[float, ...] = ()
    if "rotate" in raw:
        if dim == 2:
            rotate = (const(raw["rotate"], f"{key}.rotate"),)
        else:
            rotate = _vector(raw["rotate"], 3, f"{key}.rotate", err, const)
    translate = _vector(raw["translate"], dim, f"{key}.translate", err, const) \
        if "translate" in raw else ()
    body = raw[kind]
    if kind in OPERATIONS:
        if not isinstance(body, list) or len(body) < 2:
            raise err(k, f"{kind} needs a list of at least two shapes")
        children = tuple(_node(c, dim, f"{k}.{i}", file, const, count) for i, c in enumerate(body))
        return Shape(kind, (), children, name, rotate, translate)
    if not isinstance(body, dict):
        raise err(k, f"expected {{{', '.join(_PARAMS[kind])}}}")
    for p in body:
        if p not in _PARAMS[kind]:
            raise err(f"{k}.{p}", f"unknown key; a {kind} has {', '.join(_PARAMS[kind])}")
    for p in _PARAMS[kind]:
        if p not in body:
            raise err(f"{k}.{p}", f"missing; a {kind} needs {', '.join(_PARAMS[kind])}")
    params = []
    for p in _PARAMS[kind]:
        pk = f"{k}.{p}"
        if p in _VECTORS:
            value = _vector(body[p], dim, pk, err, const)
        elif p == "points":
            value = _vertices(body[p], pk, err, const)
        else:
            value = const(body[p], pk)
            if value <= 0:
                raise err(pk, f"must be positive, got {value}")
        params.append((p, value))
    values = dict(params)
    if kind in ("rectangle", "box") and not all(a < b for a, b in zip(values["min"], values["max"])):
        raise err(k, f"expected min < max in every coordinate, got min {list(values['min'])} "
                     f"and max {list(values['max'])}")
    if kind == "ellipse" and min(values["radii"]) <= 0:
        raise err(f"{k}.radii", "radii must be positive")
    return Shape(kind, tuple(params), (), name, rotate, translate)


def rotation(angles: tuple[float, ...], dim: int) -> list[list[float]]:
    """The matrix R of a node's ``rotate`` (x = R y): about the origin in 2-D; in 3-D
    R = Rz Ry Rx, right-handed about each axis, x first."""
    out = [[float(i == j) for j in range(dim)] for i in range(dim)]
    if not angles:
        return out
    if dim == 2:
        c, s = math.cos(angles[0]), math.sin(angles[0])
        return [[c, -s], [s, c]]
    for axis, a in enumerate(angles):
        c, s = math.cos(a), math.sin(a)
        i, j = [k for k in range(3) if k != axis]
        r = [[float(p == q) for q in range(3)] for p in range(3)]
        r[i][i], r[i][j], r[j][i], r[j][j] = c, -s, s, c
        if axis == 1:
            r[i][j], r[j][i] = s, -s           # right-handed about y: z → x
        out = [[sum(r[p][k] * out[k][q] for k in range(3)) for q in range(3)] for p in range(3)]
    return out


def _vector(raw, dim, key, err, const) -> tuple[float, ...]:
    if not isinstance(raw, (list, tuple)) or len(raw) != dim:
        raise err(key, f"expected a list of {dim} numbers, got {raw!r}")
    return tuple(const(v, f"{key}.{i}") for i, v in enumerate(raw))


def _vertices(raw, key, err, const) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_VERTICES:
        raise err(key, f"expected a list of 3 to {MAX_VERTICES} vertices [x, y]")
    pts = tuple(_vector(p, 2, f"{key}.{i}", err, const) for i, p in enumerate(raw))
    n = len(pts)
    area2 = sum(pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1]
                for i in range(n))
    if abs(area2) < 1e-14:
        raise err(key, "the polygon has zero area")
    # A simple polygon: no two non-adjacent edges meet.
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % n]
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            c, d = pts[j], pts[(j + 1) % n]
            if _segments_meet(a, b, c, d):
                raise err(key, f"the polygon crosses itself (edges {i} and {j}); list the "
                               "vertices in order around the boundary")
    return pts


def _segments_meet(a, b, c, d) -> bool:
    def orient(p, q, r):
        v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return 0 if abs(v) < 1e-14 else (1 if v > 0 else -1)

    def on(p, q, r):
        return min(p[0], q[0]) - 1e-14 <= r[0] <= max(p[0], q[0]) + 1e-14 and \
            min(p[1], q[1]) - 1e-14 <= r[1] <= max(p[1], q[1]) + 1e-14

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if o1 != o2 and o3 != o4:
        return True
    return any(o == 0 and on(p, q, r) for o, p, q, r in
               ((o1, a, b, c), (o2, a, b, d), (o3, c, d, a), (o4, c, d, b)))
