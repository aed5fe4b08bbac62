"""Which geometry a domain uses, and which output points lie in it."""
from __future__ import annotations

import numpy as np
import torch

from ..spec.problem import Problem, Region
from .mesh import MeshGeometry
from .point import PointGeometry
from .regions import RegionGeometry
from .shaped import ShapeGeometry, solid_of

INSIDE_TOL = 1e-9   # share of the solid's diameter: grid points on the boundary count as inside


def region_geometry(problem: Problem, region: Region):
    """The geometry of ``region``: CSG shape, mesh, or box/ball domain."""
    d = problem.domain
    if region.kind == "point":
        return PointGeometry(problem, region)
    if d.shape is not None:
        return ShapeGeometry(problem, region)
    if d.mesh is not None:
        return MeshGeometry(problem, region)
    return RegionGeometry(problem, region)


def domain_mask(problem: Problem, points: np.ndarray) -> np.ndarray | None:
    """(N,) bool: which points (N, ≥ n_space; extra columns such as time ignored) are in a
    shaped domain (closed: boundary points included); None for other domains."""
    if problem.domain.shape is None:
        return None
    solid = solid_of(problem)
    x = torch.as_tensor(np.asarray(points)[:, :solid.dim], dtype=torch.float64)
    tol = INSIDE_TOL * solid.diameter
    sdf = solid.sdf(x)
    inside = sdf <= tol
    # A point on the boundary counts only where the solid is on some side of it: the
    # distance bound of a CSG difference is 0 all over a subtracted part's face that lies
    # in another face's plane (a bore cut through a segment's end faces), though no solid
    # is near the face's inner part (a thick-walled pipe's grid kept its axis, where the
    # exact temperature's log r is -inf: NaN errors). Tested at the 2^d diagonal
    # neighbours a millionth of the diameter away (a box's edges and corners have one).
    edge = inside & (sdf > -tol)
    if bool(edge.any()):
        step = 1e-6 * solid.diameter
        signs = torch.cartesian_prod(*[torch.tensor([-1.0, 1.0], dtype=torch.float64)] *
                                     solid.dim).reshape(-1, solid.dim)
        near = x[edge][:, None, :] + step * signs
        solid_near = (solid.sdf(near.reshape(-1, solid.dim)).reshape(near.shape[:2]) < 0).any(1)
        inside[edge] = solid_near
    return inside.numpy()
