"""A point condition's region: one fixed spatial point (at every time, or at a fixed time).

``where: {point: [0, 0]}`` pins a value such as a pressure level. The region consumes one
unit coordinate that it ignores (samplers need at least one), plus one for time when the
problem has time and the point does not fix it.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import SpecError
from ..spec.problem import Problem, Region

INSIDE_TOL = 1e-9   # share of the domain's diameter: a point this close to the boundary is in


class PointGeometry:
    """Attributes as :class:`~pinnsolve.geometry.regions.RegionGeometry`; no normals."""

    rejects = False
    vector = None
    has_normals = False

    def __init__(self, problem: Problem, region: Region):
        d = problem.domain
        self.region = region
        self.n_space = d.n_space
        self.n_inputs = d.n_inputs
        self.time = d.time
        self.point = torch.tensor(region.point, dtype=torch.float64)
        self.fixed_time = len(region.point) == d.n_inputs    # the point gives t as well
        self.unit_dim = 1 + (1 if d.time is not None and not self.fixed_time else 0)
        _check_inside(problem, np.asarray(region.point[:self.n_space], dtype=np.float64))

    def accept(self, u: torch.Tensor) -> torch.Tensor:
        return torch.ones(len(u), dtype=torch.bool, device=u.device)

    def map(self, u: torch.Tensor) -> tuple[torch.Tensor, None]:
        pts = self.point.to(u).expand(len(u), -1)
        if self.time is not None and not self.fixed_time:
            t = self.time.lo + u[:, -1:] * (self.time.hi - self.time.lo)
            pts = torch.cat([pts, t], 1)
        return pts.clone(), None


def _check_inside(problem: Problem, x: np.ndarray) -> None:
    """Refuse a point outside a shaped or meshed domain (box ranges are checked on load)."""
    d = problem.domain
    if d.shape is not None:
        from .shaped import solid_of
        solid = solid_of(problem)
        dist = float(solid.sdf(torch.as_tensor(x[None], dtype=torch.float64))[0])
        if dist > INSIDE_TOL * solid.diameter:
            raise SpecError(f"the point {x.tolist()} lies outside the shape (distance "
                            f"{dist:.3g} from its boundary)", file=problem.source,
                            key="conditions")
    elif d.mesh is not None:
        from .mesh import mesh_of
        mesh = mesh_of(problem)
        if not _in_mesh(mesh.points, mesh.simplices, x):
            raise SpecError(f"the point {x.tolist()} lies in no cell of the mesh",
                            file=problem.source, key="conditions")


def _in_mesh(points: np.ndarray, simplices: np.ndarray, x: np.ndarray) -> bool:
    """Whether ``x`` lies in (or on) one of the simplices, by barycentric coordinates."""
    p = points[simplices]                                 # (S, d + 1, d)
    edges = np.swapaxes(p[:, 1:] - p[:, :1], 1, 2)        # (S, d, d)
    ok = np.abs(np.linalg.det(edges)) > 0
    lam = np.linalg.solve(edges[ok], (x - p[ok, 0])[..., None])[..., 0]
    lam = np.concatenate([1 - lam.sum(1, keepdims=True), lam], 1)
    return bool((lam >= -1e-9).all(1).any())
