"""Where points live: map unit-cube samples onto a region of the problem's domain.

Box domains (scalar coordinates, optional time) and ball or box vector coordinates. Each
region maps samples u ∈ [0, 1)^k to points (n, d) and, on boundaries, outward normals
(n, n_space).
"""
from __future__ import annotations

import math

import torch

from ..errors import SpecError
from ..spec.problem import Problem, Region


class RegionGeometry:
    """One region of a problem's domain.

    Attributes:
        unit_dim: dimension k of the unit-cube samples it consumes.
        has_normals: whether :meth:`map` returns outward normals.
    """

    def __init__(self, problem: Problem, region: Region):
        d = problem.domain
        self.region = region
        self.n_inputs = d.n_inputs
        self.n_space = d.n_space
        self.time = d.time
        self.vector = d.vector
        lo, hi = [], []
        for c in d.space:
            lo.append(c.lo)
            hi.append(c.hi)
        if d.vector is not None and d.vector.shape == "box":
            lo += [d.vector.lo] * d.vector.dim
            hi += [d.vector.hi] * d.vector.dim
        self.box_lo = torch.tensor(lo, dtype=torch.float64)
        self.box_hi = torch.tensor(hi, dtype=torch.float64)
        self.ball = d.vector is not None and d.vector.shape == "ball"
        kind = region.kind
        time_dims = 1 if (d.time is not None and kind != "initial") else 0
        if kind == "interior":
            space_dims = self.n_space + (1 if self.ball else 0)
        elif kind == "face":
            space_dims = self.n_space - 1
            self.face_col = d.column(region.coord)
            iv = d.interval(region.coord)
            self.face_value = iv.lo if region.side == "lo" else iv.hi
        elif kind == "boundary":
            space_dims = self.n_space + (0 if self.ball else 1)
            widths = (self.box_hi - self.box_lo)
            # Each face is picked with probability proportional to its area.
            areas = torch.stack([torch.prod(torch.cat([widths[:k], widths[k + 1:]]))
                                 for k in range(len(widths))]) if not self.ball else None
            self.face_probs = None if areas is None else torch.cat([areas, areas]) / (2 * areas.sum())
        elif kind == "initial":
            space_dims = self.n_space + (1 if self.ball else 0)
        else:
            raise ValueError(f"region {kind} has no geometry")
        self.unit_dim = space_dims + time_dims
        self.has_normals = kind == "boundary"

    def map(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Map (n, unit_dim) unit samples to (points (n, n_inputs), normals or None)."""
        kind = self.region.kind
        n = u.shape[0]
        normals = None
        if self.time is not None and kind != "initial":
            t = self.time.lo + u[:, -1] * (self.time.hi - self.time.lo)
            u = u[:, :-1]
        elif self.time is not None:
            t = torch.full((n,), self.time.lo, dtype=u.dtype, device=u.device)
        if kind in ("interior", "initial"):
            space = self._ball(u, on_sphere=False) if self.ball else self._scale(u)
        elif kind == "face":
            inner = self._scale_without(u, self.face_col)
            value = torch.full((n, 1), self.face_value, dtype=u.dtype, device=u.device)
            space = torch.cat([inner[:, :self.face_col], value, inner[:, self.face_col:]], 1)
        else:  # boundary
            if self.ball:
                space = self._ball(u, on_sphere=True)
                normals = space / self.vector.radius
            else:
                space, normals = self._box_boundary(u)
        if self.time is not None:
            space = torch.cat([space, t[:, None]], 1)
        return space, normals

    def _scale(self, u: torch.Tensor) -> torch.Tensor:
        lo, hi = self.box_lo.to(u), self.box_hi.to(u)
        return lo + u * (hi - lo)

    def _scale_without(self, u: torch.Tensor, col: int) -> torch.Tensor:
        keep = [k for k in range(self.n_space) if k != col]
        lo, hi = self.box_lo[keep].to(u), self.box_hi[keep].to(u)
        return lo + u * (hi - lo)

    def _box_boundary(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, m = u.shape[0], self.n_space
        cum = torch.cumsum(self.face_probs.to(u), 0)
        face = torch.searchsorted(cum, u[:, 0].contiguous(), right=True).clamp(max=2 * m - 1)
        pts = self._scale(u[:, 1:])
        col = face % m
        hi_side = face >= m
        lo, hi = self.box_lo.to(u), self.box_hi.to(u)
        rows = torch.arange(n, device=u.device)
        pts[rows, col] = torch.where(hi_side, hi[col], lo[col])
        normals = torch.zeros(n, m, dtype=u.dtype, device=u.device)
        normals[rows, col] = torch.where(hi_side, 1.0, -1.0).to(u.dtype)
        return pts, normals

    def _ball(self, u: torch.Tensor, on_sphere: bool) -> torch.Tensor:
        """Direction uniform on the sphere (Gaussian via the inverse CDF, so QMC samples
        stay QMC); radius uniform in [0, R] in the interior, as in the STDE benchmarks."""
        eps = torch.finfo(u.dtype).eps
        g = math.sqrt(2) * torch.erfinv((2 * u[:, :self.n_space] - 1).clamp(-1 + eps, 1 - eps))
        direction = g / g.norm(dim=1, keepdim=True).clamp_min(1e-300)
        radius = self.vector.radius
        if on_sphere:
            return direction * radius
        return direction * (u[:, self.n_space:self.n_space + 1] * radius)


def check_extent(problem: Problem, lo, hi, what: str, rel_slack: float) -> None:
    """Refuse a shape or mesh (``what``: "shape" | "mesh") whose extent ``lo``..``hi`` per
    space coordinate leaves the coordinate ranges by more than ``rel_slack`` of a range.

    Raises:
        SpecError: at ``domain.<what>``, naming the coordinate and both extents.
    """
    for k, c in enumerate(problem.domain.space):
        a, b = float(lo[k]), float(hi[k])
        slack = rel_slack * (c.hi - c.lo)
        if a < c.lo - slack or b > c.hi + slack:
            raise SpecError(f"the {what} spans {c.name} ∈ [{a:.6g}, {b:.6g}], outside the "
                            f"range [{c.lo:g}, {c.hi:g}] of domain.{c.name}; widen the range",
                            file=problem.source, key=f"domain.{what}")
