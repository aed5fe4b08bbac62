"""Constructive solid geometry in 2-D and 3-D: primitives, Boolean operations, rigid motions.

A :class:`Solid` is built from a :class:`~pinnsolve.spec.shapes.Shape` tree. It offers

* ``sdf(x)``: a signed distance, negative inside. Exact for rectangles, boxes, disks,
  balls, polygons and cylinders; for an ellipse the first-order estimate
  k0 (k0 − 1) / k1 (k0 = |x/a|, k1 = |x/a²|), which vanishes exactly on the ellipse and
  has its gradient along the normal there. Operations combine by min (union), max
  (intersection) and max(a, −b) (difference), which keeps the zero set and the sign exact.
* ``adf(x)``: a smooth approximate distance, positive inside and zero on the boundary, for
  hard constraints (Sukumar & Srivastava, "Exact imposition of boundary conditions with
  distance functions in PINNs", CMAME 2022): R-functions a ∧ b = a + b − √(a² + b²) and
  a ∨ b = a + b + √(a² + b²) over smooth primitive functions (half-planes for rectangle
  faces and convex polygon edges, (r² − |x − c|²)/(2r) for disks and balls). Unlike the
  min/max sdf it has no kinks inside the domain, so its second derivatives are bounded
  away from corners. At a corner a ∧ b goes like r and its k-th derivatives like r^(1−k),
  which a fourth-order equation cannot live with (a simply supported triangular plate
  stayed at L2RE 0.99, stop 53). So a primitive that bounds the solid from outside (not a
  hole or cut out of one, no union above it) uses ``smooth_adf``: the product of its
  faces' distances, each over its largest value in the primitive, a polynomial with no
  kink anywhere (boxes, cylinders, convex polygons of at most SMOOTH_EDGES lines; disks
  and balls have no corner). Asked with ``holes``
  (where the model plans a hole's log radius, spec/holes.py), a disk, ball or cylinder
  cut out of the solid has the exact r − |x − c| instead (from the axis for a cylinder's
  side), smooth there because its centre is outside the solid: the quadratic form grows
  like |x − c|² / 2r away from a small hole, and a network part times it must fall like
  1/r² to make a hole's profile.
* ``leaves``: the primitives with their rigid motion and boundary tag, whose boundaries
  (sampled uniformly by arc length or area, with outward normals) cover the solid's
  boundary; :mod:`pinnsolve.geometry.shaped` keeps the parts that are on it.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import torch

from ..spec.shapes import Shape, rotation

TINY = 1e-30   # keeps √(a² + b²) differentiable where both vanish (corners only)
# A convex polygon of more supporting lines keeps the R-function: the product's slope at an
# edge's midpoint falls like the other factors (a regular 12-gon 9.5e-3, a 24-gon 5e-6)
SMOOTH_EDGES = 8


def r_and(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """R-conjunction: positive where both are, zero on the boundary of the intersection."""
    return a + b - torch.sqrt(a * a + b * b + TINY)


def r_or(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """R-disjunction: positive where either is."""
    return a + b + torch.sqrt(a * a + b * b + TINY)


def _product(gaps: torch.Tensor, heights: torch.Tensor, gain: float) -> torch.Tensor:
    """gain · Π_i gaps_i / heights_i over the columns of ``gaps`` (n, k): a polynomial of the
    faces' signed distances, smooth everywhere, zero on the faces' whole lines or planes:
    positive inside the primitive, and outside it wherever an even number of them is
    negative (so only for a primitive the solid lies in). Multiplied one by one: the
    backward of ``Tensor.prod`` divides by each factor, and its repeated derivatives lose
    digits near a face (a triangle's bilaplacian off by 1.6 at 1e-5 from an edge)."""
    return _fold(torch.mul, list((gaps / heights.to(gaps)).unbind(1))) * gain


def _fold(f, items):
    out = items[0]
    for it in items[1:]:
        out = f(out, it)
    return out


# ----------------------------------------------------------------------------- primitives
class Primitive:
    """A primitive in its own frame. ``boundary(u)`` maps (n, boundary_dims) unit samples to
    points on its boundary, uniform by arc length or area, with outward unit normals."""

    dim: int
    boundary_dims: int
    measure: float          # perimeter (2-D) or surface area (3-D)

    def sdf(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def adf(self, x: torch.Tensor) -> torch.Tensor | None:
        return None

    def hole_adf(self, x: torch.Tensor) -> torch.Tensor | None:
        """:meth:`adf` for a primitive cut out of the solid (module docstring); the same by
        default."""
        return self.adf(x)

    def smooth_adf(self, x: torch.Tensor) -> torch.Tensor | None:
        """:meth:`adf` without kinks at the primitive's own corners and edges, for a
        primitive that bounds the solid from outside (module docstring); the same by
        default (a disk or ball has none)."""
        return self.adf(x)

    def boundary(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    # Named sides (spec/shapes.py::side_names gives their names in this numbering).
    def side_index(self, x: torch.Tensor) -> torch.Tensor:
        """(n,) index of the side nearest to each boundary point x (own frame)."""
        raise NotImplementedError(f"{type(self).__name__} has no named sides")

    def side_adf(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """A smooth function vanishing on side k's supporting line or surface, positive on
        the primitive's side of it (own frame)."""
        raise NotImplementedError(f"{type(self).__name__} has no named sides")

    def hole_side_adf(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """:meth:`side_adf` for a primitive cut out of the solid; the same by default."""
        return self.side_adf(k, x)


def _t(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


class Box(Primitive):
    """Axis-aligned rectangle (2-D) or box (3-D) [lo, hi]."""

    def __init__(self, lo, hi):
        self.lo, self.hi = tuple(lo), tuple(hi)
        self.dim = len(lo)
        self.boundary_dims = self.dim + 1
        w = [b - a for a, b in zip(lo, hi)]
        self._widths = torch.tensor(w * 2, dtype=torch.float64)   # smooth_adf: heights and
        self._gain = min(w) / 2 * 2 ** (2 * self.dim)   # the half-width at the centre
        self.face_areas = [math.prod(w[:k] + w[k + 1:]) for k in range(self.dim)]
        self.measure = 2 * sum(self.face_areas)

    def sdf(self, x):
        lo, hi = _t(self.lo, x), _t(self.hi, x)
        q = (x - (lo + hi) / 2).abs() - (hi - lo) / 2
        return q.clamp_min(0).norm(dim=1) + q.max(dim=1).values.clamp_max(0)

    def adf(self, x):
        lo, hi = _t(self.lo, x), _t(self.hi, x)
        return _fold(r_and, [x[:, k] - lo[k] for k in range(self.dim)]
                     + [hi[k] - x[:, k] for k in range(self.dim)])

    def smooth_adf(self, x):
        return _product(self._face_gaps(x), self._widths, self._gain)

    def boundary(self, u):
        # u[:, 0] picks a face by area; u[:, 1:] is a point of the box whose face
        # coordinate is then overwritten (so it stays uniform on the face).
        d = self.dim
        areas = _t(self.face_areas + self.face_areas, u)
        cum = torch.cumsum(areas / areas.sum(), 0)
        face = torch.searchsorted(cum, u[:, 0].detach().contiguous(), right=True).clamp(max=2 * d - 1)
        lo, hi = _t(self.lo, u), _t(self.hi, u)
        col, high = face % d, face >= d
        pts = lo + u[:, 1:] * (hi - lo)
        onehot = torch.nn.functional.one_hot(col, d).to(u.dtype)
        side = torch.where(high[:, None], hi, lo)
        pts = pts * (1 - onehot) + side * onehot
        sign = torch.where(high, 1.0, -1.0).to(u.dtype)
        return pts, onehot * sign[:, None]

    def _face_gaps(self, x):
        lo, hi = _t(self.lo, x), _t(self.hi, x)
        return torch.cat([x - lo, hi - x], 1)          # (n, 2d): faces lo_0.., hi_0..

    def side_index(self, x):
        return self._face_gaps(x).abs().argmin(1)

    def side_adf(self, k, x):
        return self._face_gaps(x)[:, k]


class Sphere(Primitive):
    """Disk (2-D) or ball (3-D) of radius r about c."""

    def __init__(self, center, radius):
        self.c, self.r = tuple(center), float(radius)
        self.dim = len(center)
        self.boundary_dims = self.dim - 1
        self.measure = 2 * math.pi * self.r if self.dim == 2 else 4 * math.pi * self.r ** 2

    def sdf(self, x):
        return (x - _t(self.c, x)).norm(dim=1) - self.r

    def adf(self, x):
        return (self.r ** 2 - ((x - _t(self.c, x)) ** 2).sum(1)) / (2 * self.r)

    def hole_adf(self, x):
        return self.r - (x - _t(self.c, x)).norm(dim=1)

    def boundary(self, u):
        if self.dim == 2:
            th = 2 * math.pi * u[:, 0]
            n = torch.stack([torch.cos(th), torch.sin(th)], 1)
        else:
            # Archimedes: z uniform in [-1, 1] and the angle uniform give uniform area.
            z = 1 - 2 * u[:, 0]
            rho = torch.sqrt((1 - z * z).clamp_min(0))
            ph = 2 * math.pi * u[:, 1]
            n = torch.stack([rho * torch.cos(ph), rho * torch.sin(ph), z], 1)
        return _t(self.c, u) + self.r * n, n


class Ellipse(Primitive):
    """Ellipse with semi-axes (a, b) about c; boundary by arc length from a tabulated
    inverse of s(θ) = ∫ √(a² sin² + b² cos²) dθ (4097 nodes, trapezoid rule)."""

    TABLE = 4097

    def __init__(self, center, radii):
        self.c, (self.a, self.b) = tuple(center), (float(radii[0]), float(radii[1]))
        self.dim, self.boundary_dims = 2, 1
        th = torch.linspace(0, 2 * math.pi, self.TABLE, dtype=torch.float64)
        speed = torch.sqrt((self.a * torch.sin(th)) ** 2 + (self.b * torch.cos(th)) ** 2)
        s = torch.cat([torch.zeros(1, dtype=torch.float64),
                       torch.cumsum((speed[1:] + speed[:-1]) / 2 * (th[1] - th[0]), 0)])
        self.theta, self.s = th, s
        self.measure = float(s[-1])

    def sdf(self, x):
        ab = _t([self.a, self.b], x)
        y = x - _t(self.c, x)
        k0 = (y / ab).norm(dim=1)
        k1 = (y / ab ** 2).norm(dim=1)
        near_centre = k1 < 1e-12 / min(self.a, self.b)
        return torch.where(near_centre, -min(self.a, self.b) * torch.ones_like(k0),
                           k0 * (k0 - 1) / k1.clamp_min(1e-300))

    def adf(self, x):
        y = x - _t(self.c, x)
        return (1 - (y[:, 0] / self.a) ** 2 - (y[:, 1] / self.b) ** 2) * min(self.a, self.b) / 2

    def boundary(self, u):
        s_tab, th_tab = self.s.to(u.dtype).to(u.device), self.theta.to(u.dtype).to(u.device)
        s = u[:, 0] * self.measure
        i = torch.searchsorted(s_tab, s.detach().contiguous()).clamp(1, self.TABLE - 1)
        w = (s - s_tab[i - 1]) / (s_tab[i] - s_tab[i - 1])
        th = th_tab[i - 1] + w * (th_tab[i] - th_tab[i - 1])
        pts = _t(self.c, u) + torch.stack([self.a * torch.cos(th), self.b * torch.sin(th)], 1)
        n = torch.stack([torch.cos(th) / self.a, torch.sin(th) / self.b], 1)
        return pts, n / n.norm(dim=1, keepdim=True)


class Polygon(Primitive):
    """Simple polygon (vertices in order, either orientation); boundary by arc length."""

    def __init__(self, vertices):
        v = [tuple(p) for p in vertices]
        area2 = sum(v[i][0] * v[(i + 1) % len(v)][1] - v[(i + 1) % len(v)][0] * v[i][1]
                    for i in range(len(v)))
        n = len(v)
        # edge j of the stored vertices is the user's edge self.user_edge[j]
        self.user_edge = list(range(n))
        if area2 < 0:
            v = v[::-1]        # counter-clockwise: the inside is on the left of each edge
            self.user_edge = [(n - 2 - j) % n for j in range(n)]
        self.v = torch.tensor(v, dtype=torch.float64)
        self.dim, self.boundary_dims = 2, 1
        e = torch.roll(self.v, -1, 0) - self.v
        self.lengths = e.norm(dim=1)
        self.measure = float(self.lengths.sum())
        cross = e[:, 0] * torch.roll(e, -1, 0)[:, 1] - e[:, 1] * torch.roll(e, -1, 0)[:, 0]
        self.convex = bool((cross >= -1e-14).all())
        self._normal_in = torch.stack([-e[:, 1], e[:, 0]], 1) / self.lengths[:, None]
        self._lines = None   # smooth_adf: one factor per supporting line (collinear edges
        if self.convex:      # once), each over its farthest vertex, times the gain that
            gaps = self._gaps(self.v)   # makes the product the R-function's at the centroid
            nrm = self._normal_in
            lines = [k for k in range(n)
                     if not any(float((nrm[k] - nrm[j]).norm()) < 1e-9 for j in range(k))]
            if len(lines) <= SMOOTH_EDGES:
                self._lines = lines
                self._heights = gaps[:, lines].max(0).values
                c = self.v.mean(0, keepdim=True)
                self._gain = float(self.adf(c) / _product(self._gaps(c)[:, lines],
                                                          self._heights, 1.0))

    def _edges(self, x):
        a = self.v.to(x.dtype).to(x.device)
        return a, torch.roll(a, -1, 0) - a

    def sdf(self, x):
        a, e = self._edges(x)
        w = x[:, None, :] - a[None]                                 # (n, E, 2)
        t = ((w * e).sum(2) / (e * e).sum(1)).clamp(0, 1)
        dist = (w - t[..., None] * e).norm(dim=2).min(dim=1).values
        # Crossing number: edges straddling the horizontal line through x, left of x.
        y0, y1 = a[:, 1], a[:, 1] + e[:, 1]
        up = (y0[None] <= x[:, 1:2]) != (y1[None] <= x[:, 1:2])
        xc = a[:, 0] + (x[:, 1:2] - y0) / torch.where(e[:, 1] == 0, 1.0, e[:, 1]) * e[:, 0]
        inside = ((up & (xc > x[:, :1])).sum(1) % 2) == 1
        return torch.where(inside, -dist, dist)

    def adf(self, x):
        if not self.convex:
            return None
        return _fold(r_and, list(self._gaps(x).unbind(1)))

    def smooth_adf(self, x):
        if self._lines is None:   # non-convex (None), or many edges: the product's slope
            return self.adf(x)    # at a face collapses
        return _product(self._gaps(x)[:, self._lines], self._heights, self._gain)

    def _gaps(self, x):
        """Each edge's signed distance, positive on the inside (n, E)."""
        a = self.v.to(x)
        return ((x[:, None, :] - a[None]) * self._normal_in.to(x)[None]).sum(2)

    def boundary(self, u):
        a, e = self._edges(u)
        lengths = self.lengths.to(u.dtype).to(u.device)
        cum = torch.cumsum(lengths, 0)
        s = u[:, 0] * self.measure
        k = torch.searchsorted(cum, s.detach().contiguous(), right=True).clamp(max=len(cum) - 1)
        t = (s - (cum[k] - lengths[k])) / lengths[k]
        pts = a[k] + t[:, None] * e[k]
        n = torch.stack([e[k, 1], -e[k, 0]], 1) / lengths[k, None]
        return pts, n

    def side_index(self, x):
        a, e = self._edges(x)
        w = x[:, None, :] - a[None]
        t = ((w * e).sum(2) / (e * e).sum(1)).clamp(0, 1)
        nearest = (w - t[..., None] * e).norm(dim=2).argmin(1)
        return torch.as_tensor(self.user_edge, device=x.device)[nearest]

    def side_adf(self, k, x):
        j = self.user_edge.index(k)
        a, e = self._edges(x)
        normal_in = torch.stack([-e[j, 1], e[j, 0]]) / e[j].norm()
        return ((x - a[j]) * normal_in).sum(1)


class Cylinder(Primitive):
    """Circular cylinder of radius r and height h about c, axis along the third coordinate."""

    def __init__(self, center, radius, height):
        self.c, self.r, self.h = tuple(center), float(radius), float(height)
        self.dim, self.boundary_dims = 3, 3
        self.side = 2 * math.pi * self.r * self.h
        self.cap = math.pi * self.r ** 2
        self.measure = self.side + 2 * self.cap
        self._heights = torch.tensor([self.r / 2, self.h, self.h], dtype=torch.float64)

    def sdf(self, x):
        y = x - _t(self.c, x)
        q = torch.stack([y[:, :2].norm(dim=1) - self.r, y[:, 2].abs() - self.h / 2], 1)
        return q.clamp_min(0).norm(dim=1) + q.max(dim=1).values.clamp_max(0)

    def adf(self, x):
        g = self._gaps(x)
        return _fold(r_and, [g[:, 0], g[:, 2], g[:, 1]])

    def hole_adf(self, x):
        g = self._gaps(x, hole=True)
        return _fold(r_and, [g[:, 0], g[:, 2], g[:, 1]])

    def smooth_adf(self, x):
        return _product(self._gaps(x), self._heights, min(self.r, self.h / 2) * 2)

    def boundary(self, u):
        p_side = self.side / self.measure
        on_side = u[:, 0] < p_side
        top = u[:, 0] >= p_side + (1 - p_side) / 2
        th = 2 * math.pi * u[:, 2]
        rho = torch.where(on_side, torch.full_like(th, self.r), self.r * torch.sqrt(u[:, 1]))
        # the caps' heights as tensors of u's dtype: torch.where of two Python floats is of
        # the default dtype (float32), which put float64 points 1e-8 off a cap
        half = torch.full_like(th, self.h / 2)
        z = torch.where(on_side, (u[:, 1] - 0.5) * self.h, torch.where(top, half, -half))
        pts = _t(self.c, u) + torch.stack([rho * torch.cos(th), rho * torch.sin(th), z], 1)
        zero = torch.zeros_like(th)
        n_side = torch.stack([torch.cos(th), torch.sin(th), zero], 1)
        n_cap = torch.stack([zero, zero, torch.where(top, 1.0, -1.0).to(u.dtype)], 1)
        return pts, torch.where(on_side[:, None], n_side, n_cap)

    def _gaps(self, x, hole: bool = False):
        """Side, bottom, top distances (n, 3); the side's exact r − |y| for a hole."""
        y = x - _t(self.c, x)
        side = self.r - y[:, :2].norm(dim=1) if hole else \
            (self.r ** 2 - (y[:, :2] ** 2).sum(1)) / (2 * self.r)
        return torch.stack([side, self.h / 2 + y[:, 2], self.h / 2 - y[:, 2]], 1)

    def side_index(self, x):
        return self._gaps(x).abs().argmin(1)

    def side_adf(self, k, x):
        return self._gaps(x)[:, k]

    def hole_side_adf(self, k, x):
        return self._gaps(x, hole=True)[:, k]


def _primitive(s: Shape) -> Primitive:
    p = dict(s.params)
    if s.kind in ("rectangle", "box"):
        return Box(p["min"], p["max"])
    if s.kind in ("disk", "ball"):
        return Sphere(p["center"], p["radius"])
    if s.kind == "ellipse":
        return Ellipse(p["center"], p["radii"])
    if s.kind == "polygon":
        return Polygon(p["points"])
    return Cylinder(p["center"], p["radius"], p["height"])


# ----------------------------------------------------------------------------- motions
def _rotation(angles: tuple[float, ...], dim: int) -> torch.Tensor:
    return torch.tensor(rotation(angles, dim), dtype=torch.float64)


class Leaf:
    """A primitive placed by x = R y + t, with the boundary tag of its nearest named node."""

    def __init__(self, prim: Primitive, rot: torch.Tensor, shift: torch.Tensor, tag: str | None):
        self.prim, self.rot, self.shift, self.tag = prim, rot, shift, tag
        self.moved = not (torch.equal(rot, torch.eye(len(rot), dtype=rot.dtype))
                          and not shift.any())

    def local(self, x):
        if not self.moved:
            return x
        return (x - self.shift.to(x)) @ self.rot.to(x)

    def sdf(self, x):
        return self.prim.sdf(self.local(x))

    def adf(self, x):
        return self.prim.adf(self.local(x))

    def hole_adf(self, x):
        return self.prim.hole_adf(self.local(x))

    def smooth_adf(self, x):
        return self.prim.smooth_adf(self.local(x))

    def boundary(self, u):
        p, n = self.prim.boundary(u)
        if not self.moved:
            return p, n
        r = self.rot.to(p)
        return p @ r.T + self.shift.to(p), n @ r.T

    def side_index(self, x):
        return self.prim.side_index(self.local(x))

    def side_adf(self, k, x):
        return self.prim.side_adf(k, self.local(x))

    def hole_side_adf(self, k, x):
        return self.prim.hole_side_adf(k, self.local(x))


class Solid:
    """A CSG tree of :class:`Leaf` primitives (module docstring)."""

    def __init__(self, shape: Shape, dim: int, coords: list[str] | None = None):
        self.dim = dim
        self.coords = list(coords or "xyz"[:dim])
        self.shape = shape
        self.leaves: list[Leaf] = []
        self.signs: list[float] = []   # +1: the leaf's inside is the solid's side, −1: a hole
        self.outer: list[bool] = []    # the solid lies inside the leaf (no union above it)
        self.tree = self._build(shape, torch.eye(dim, dtype=torch.float64),
                                torch.zeros(dim, dtype=torch.float64), None, 1.0, True)
        self.extent_lo, self.extent_hi = self._bounds()
        pad = 0.01 * (self.extent_hi - self.extent_lo)
        self.lo, self.hi = self.extent_lo - pad, self.extent_hi + pad

    def _build(self, s: Shape, rot, shift, tag, sign, outer):
        own_rot = _rotation(s.rotate, self.dim)
        own_shift = torch.tensor(s.translate or [0.0] * self.dim, dtype=torch.float64)
        # parent ∘ own: x = R_p (R_o y + t_o) + t_p
        rot, shift = rot @ own_rot, rot @ own_shift + shift
        tag = s.name or tag
        if not s.children:
            self.leaves.append(Leaf(_primitive(s), rot, shift, tag))
            self.signs.append(sign)
            self.outer.append(outer and sign > 0)
            return ("leaf", len(self.leaves) - 1)
        return (s.kind, [self._build(c, rot, shift, tag,
                                     -sign if s.kind == "difference" and i else sign,
                                     outer and s.kind != "union"
                                     and not (s.kind == "difference" and i))
                         for i, c in enumerate(s.children)])

    def _bounds(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Extent of the solid from 4000 boundary points per primitive (every boundary point
        of a CSG solid is a boundary point of one of its primitives). Between samples a
        curved boundary can bulge by about 1e-4 of its radius; :attr:`lo`, :attr:`hi` (the
        box that interior samples are drawn from) add 1 % on each side."""
        gen = torch.Generator().manual_seed(0)
        pts = []
        for leaf in self.leaves:
            u = torch.rand(4000, leaf.prim.boundary_dims, generator=gen, dtype=torch.float64)
            pts.append(leaf.boundary(u)[0])
        pts = torch.cat(pts)
        size = float((pts.max(0).values - pts.min(0).values).max())
        on = self.sdf(pts).abs() < 1e-9 * size
        pts = pts[on] if on.any() else pts
        return pts.min(0).values, pts.max(0).values

    @property
    def diameter(self) -> float:
        return float((self.extent_hi - self.extent_lo).norm())

    def sdf(self, x: torch.Tensor) -> torch.Tensor:
        """Signed distance (n,), negative inside, at points (n, dim)."""
        return self._eval(self.tree, x, "sdf")

    def adf(self, x: torch.Tensor, holes: bool = False) -> torch.Tensor | None:
        """Smooth approximate distance (n,), positive inside; None if a primitive has none
        (non-convex polygons). ``holes``: round holes' distances linear (module docstring)."""
        if any(leaf.prim.adf(torch.zeros(1, self.dim, dtype=torch.float64)) is None
               for leaf in self.leaves):
            return None
        return self._eval(self.tree, x, "hole_adf" if holes else "adf")

    def side(self, label: str) -> tuple[int, int]:
        """(leaf index, side number) of a side label ``name.side`` (validated by the spec:
        exactly one primitive carries the name)."""
        from ..spec.shapes import side_names

        tag, _, side = label.partition(".")
        ((i, leaf_shape),) = [(i, s) for i, (t, s) in enumerate(self.shape.leaves()) if t == tag]
        return i, side_names(leaf_shape, self.coords).index(side)

    def sides_of(self, tag: str) -> tuple[str, ...]:
        """Side labels ``tag.side`` of the primitive named ``tag``."""
        return tuple(f"{tag}.{s}" for s in self.shape.sides(self.coords).get(tag, ()))

    def adf_of(self, tags: set, holes: bool = False
               ) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """A smooth function vanishing on the boundary parts of the primitives tagged
        ``tags`` (and on the sides ``name.side`` among them): the R-conjunction of their
        distances (kink-free ones for primitives that bound the solid from outside), each
        signed to be positive on the solid's side (a hole's distance is negated). Positive
        in the solid only if those primitives' boundaries do not pass through it; callers
        check that. None if a primitive has no smooth distance.
        ``holes``: round holes' distances linear (module docstring)."""
        chosen = [(leaf.hole_adf if holes and sign < 0 else
                   leaf.smooth_adf if outer else leaf.adf, sign)
                  for leaf, sign, outer in zip(self.leaves, self.signs, self.outer)
                  if leaf.tag in tags]
        if any(f(torch.zeros(1, self.dim, dtype=torch.float64)) is None for f, _ in chosen):
            return None
        for label in sorted(t for t in tags if isinstance(t, str) and "." in t):
            i, k = self.side(label)
            leaf = self.leaves[i]
            side = leaf.hole_side_adf if holes and self.signs[i] < 0 else leaf.side_adf
            chosen.append((partial(side, k), self.signs[i]))
        if not chosen:
            return None
        return lambda x: _fold(r_and, [sign * f(x) for f, sign in chosen])

    def _eval(self, node, x, what):
        kind, arg = node
        if kind == "leaf":
            leaf = self.leaves[arg]
            if what == "sdf":
                return leaf.sdf(x)
            if what == "hole_adf" and self.signs[arg] < 0:
                return leaf.hole_adf(x)
            return leaf.smooth_adf(x) if self.outer[arg] else leaf.adf(x)
        vals = [self._eval(c, x, what) for c in arg]
        if what == "sdf":
            if kind == "union":
                return torch.stack(vals).min(0).values
            if kind == "intersection":
                return torch.stack(vals).max(0).values
            return torch.stack([vals[0]] + [-v for v in vals[1:]]).max(0).values
        if kind == "union":
            return _fold(r_or, vals)
        if kind == "intersection":
            return _fold(r_and, vals)
        return _fold(r_and, [vals[0]] + [-v for v in vals[1:]])
