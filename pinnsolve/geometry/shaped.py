"""Regions of a CSG domain: unit-cube samples → interior points or boundary points with
outward normals, by rejection.

Interior: u ∈ [0, 1)^d is scaled to the solid's bounding box and accepted where sdf < 0,
so accepted points are uniform in the solid. Boundary: u[:, 0] picks a primitive with
probability ∝ its perimeter (area in 3-D) and u[:, 1:] a point uniform on its boundary, so
points are uniform on the union of the primitives' boundaries; a point is accepted where
the solid changes from inside to outside across it (sdf < 0 at p − εn and > 0 at p + εn,
or the reverse, which flips the normal: a hole's boundary faces into the hole) and where no
earlier primitive's boundary also holds it (shared or overlapping edges count once). What
remains is uniform on the solid's boundary. Samplers draw until enough samples pass
:meth:`ShapeGeometry.accept`; the time coordinate, if any, is the last unit column.
"""
from __future__ import annotations

import torch

from ..errors import SpecError
from ..spec.problem import Problem, Region
from .predicate import describe, select_mask
from .csg import Solid
from .regions import check_extent

EDGE = 1e-7        # ε of the inside/outside test, share of the solid's diameter
ON_BOUNDARY = 1e-9  # |sdf| below this share of the diameter: on a primitive's boundary


def solid_of(problem: Problem) -> Solid:
    """The problem's solid, checked against the coordinate box.

    Raises:
        SpecError: the shape reaches outside the ranges of its coordinates.
    """
    d = problem.domain
    solid = Solid(d.shape, len(d.space), [c.name for c in d.space])
    check_extent(problem, solid.extent_lo, solid.extent_hi, "shape", 1e-5)
    return solid


class ShapeGeometry:
    """One region (interior, boundary or a named part of it, initial slice) of a CSG domain.

    Attributes (as :class:`~pinnsolve.geometry.regions.RegionGeometry`): ``unit_dim``,
    ``has_normals``, ``time``, ``n_space``, ``n_inputs``, ``vector`` (None); and
    ``rejects = True``: only unit samples passing :meth:`accept` are valid.
    """

    rejects = True
    vector = None

    def __init__(self, problem: Problem, region: Region, solid: Solid | None = None):
        d = problem.domain
        self.region = region
        self.solid = solid if solid is not None else solid_of(problem)
        self.n_space = len(d.space)
        self.n_inputs = d.n_inputs
        self.time = d.time
        self.names = [c.name for c in d.space]
        kind = region.kind
        if kind not in ("interior", "boundary", "initial"):
            raise ValueError(f"region {kind} has no geometry on a shaped domain")
        time_dims = 1 if (d.time is not None and kind != "initial") else 0
        self.has_normals = kind == "boundary"
        if kind == "boundary":
            leaves = self.solid.leaves
            # leaf → the sides it may use (None: all of them); "name.side" picks one side
            self.sides: dict[int, torch.Tensor | None] = {
                i: None for i, leaf in enumerate(leaves)
                if region.piece is None or leaf.tag in region.piece}
            picked: dict[int, list[int]] = {}
            for label in region.piece or ():
                if "." in str(label):
                    i, k = self.solid.side(label)
                    picked.setdefault(i, []).append(k)
            for i, ks in picked.items():
                if i not in self.sides:   # unless the whole primitive is chosen too
                    self.sides[i] = torch.tensor(ks)
            self.chosen = sorted(self.sides)
            m = torch.tensor([leaves[i].prim.measure for i in self.chosen], dtype=torch.float64)
            self.cum = torch.cumsum(m / m.sum(), 0)
            space_dims = 1 + max(leaves[i].prim.boundary_dims for i in self.chosen)
        else:
            space_dims = self.n_space
        self.unit_dim = space_dims + time_dims
        if self.acceptance == 0:
            what = ("the boundary part(s) " + ", ".join(map(str, region.piece))
                    if region.piece else "the shape") + " received none of 4096 test samples"
            if region.select:
                what = (f"no boundary point of the shape has {describe(region.select)} "
                        "(none of 4096 test samples)")
            raise SpecError(f"{what}: is it empty, or inside another part of the shape?",
                            file=problem.source, key="domain.shape")

    @property
    def acceptance(self) -> float:
        """Share of unit samples accepted, from 4096 fixed-seed samples (it sizes the
        samplers' batches; being fixed, a resumed run draws the same batches)."""
        if not hasattr(self, "_acceptance"):
            gen = torch.Generator().manual_seed(0)
            u = torch.rand(4096, self.unit_dim, generator=gen, dtype=torch.float64)
            self._acceptance = float(self.accept(u).double().mean())
        return self._acceptance

    # -- mapping ----------------------------------------------------------------------------
    def map(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(n, unit_dim) unit samples → (points (n, n_inputs), normals (n, n_space) or None).
        Rows that :meth:`accept` rejects map to points that are not in the region."""
        space, normals, _ = self._space(u)
        return self._with_time(u, space), normals

    def accept(self, u: torch.Tensor) -> torch.Tensor:
        """(n,) bool: which unit samples map into the region."""
        with torch.no_grad():
            return self._space(u)[2]

    def _with_time(self, u, space):
        if self.time is None:
            return space
        if self.region.kind == "initial":
            t = torch.full((len(u), 1), self.time.lo, dtype=u.dtype, device=u.device)
        else:
            t = self.time.lo + u[:, -1:] * (self.time.hi - self.time.lo)
        return torch.cat([space, t], 1)

    def _space(self, u):
        s = self.solid
        if self.region.kind != "boundary":
            lo, hi = s.lo.to(u), s.hi.to(u)
            pts = lo + u[:, :self.n_space] * (hi - lo)
            with torch.no_grad():
                ok = s.sdf(pts.detach().to(torch.float64)) < 0
            return pts, None, ok
        which = torch.searchsorted(self.cum.to(u.device), u[:, 0].detach().to(torch.float64)
                                   .contiguous(), right=True).clamp(max=len(self.chosen) - 1)
        pts = torch.zeros(len(u), self.n_space, dtype=u.dtype, device=u.device)
        normals = torch.zeros_like(pts)
        ok = torch.zeros(len(u), dtype=torch.bool, device=u.device)
        for slot, i in enumerate(self.chosen):
            rows = (which == slot).nonzero()[:, 0]
            if len(rows) == 0:
                continue
            leaf = s.leaves[i]
            p, n = leaf.boundary(u[rows, 1:1 + leaf.prim.boundary_dims])
            with torch.no_grad():
                sign, valid = self._orient(p.detach().to(torch.float64),
                                           n.detach().to(torch.float64), i)
                if self.sides[i] is not None:   # only the named sides of this primitive
                    side = leaf.side_index(p.detach().to(torch.float64))
                    valid &= torch.isin(side, self.sides[i].to(side.device))
            pts = pts.index_put((rows,), p)
            normals = normals.index_put((rows,), n * sign.to(n)[:, None])
            ok[rows] = valid
        if self.region.select:
            with torch.no_grad():
                ok &= select_mask(self.region.select, self.names, pts.detach()
                                  .to(torch.float64), float(s.diameter))
        return pts, normals, ok

    def _orient(self, p, n, index):
        """Outward sign of n at p (±1) and whether p is on the solid's boundary and not
        already held by an earlier primitive's boundary."""
        s = self.solid
        eps = EDGE * s.diameter
        plus, minus = s.sdf(p + eps * n), s.sdf(p - eps * n)
        outward = (plus > 0) & (minus < 0)
        inward = (plus < 0) & (minus > 0)
        valid = outward | inward
        tol = ON_BOUNDARY * s.diameter
        for j in range(index):
            valid &= s.leaves[j].sdf(p).abs() > tol
        return torch.where(inward, -1.0, 1.0).to(torch.float64), valid
