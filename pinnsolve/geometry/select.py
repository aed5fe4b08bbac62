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
    return (solid.sdf(x) <= INSIDE_TOL * solid.diameter).numpy()
