"""Parts of a shaped or meshed domain's boundary that no condition holds (a warning).

Where a field is differentiated twice or more in every spatial coordinate (a Laplacian,
a bilaplacian), every part of the boundary needs a condition (on some field: a pressure
outlet closes a flow there), or the solution is not determined there. On a box,
``spec/lint.py`` checks each face by name; on a CSG shape or a mesh the parts are not
faces, so this check samples: points of the whole boundary against points of every
condition's region. A boundary point farther from all of them than a few sample spacings
is uncovered; more than 1 % uncovered earns a warning naming a point there (an edge that
belongs to another primitive of a union, a misnamed part).
"""
from __future__ import annotations

import torch

from ..spec.lint import boundary_judged, spatial_orders
from ..spec.problem import Problem, Region

SAMPLES = 2048     # points per region (fixed seed)
SPACINGS = 4.0     # a boundary point within this many median spacings of a region's is held
UNCOVERED = 0.01   # share of the boundary's samples that earns the warning


def _points(geometry, n: int = SAMPLES) -> torch.Tensor:
    """About ``n`` points of ``geometry``'s region (spatial columns), from a fixed seed."""
    gen = torch.Generator().manual_seed(0)
    draw = n if not geometry.rejects else int(n / max(geometry.acceptance, 1e-3)) + 1
    u = torch.rand(min(draw, 50 * n), geometry.unit_dim, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        pts, _ = geometry.map(u)
        if geometry.rejects:
            pts = pts[geometry.accept(u)]
    return pts[:n, :geometry.n_space]


def uncovered(problem: Problem) -> list[str]:
    """A message (a list of at most one) when a part of the boundary has no condition."""
    from .select import region_geometry

    d = problem.domain
    if d.shape is None and d.mesh is None or not boundary_judged(problem):
        return []
    space = [c.name for c in d.space]
    needy = [f for f, orders in sorted(spatial_orders(problem).items())
             if all(orders.get(c, 0) >= 2 for c in space)]
    if not needy:
        return []
    whole = _points(region_geometry(problem, Region("boundary")))
    if len(whole) < 16:
        return []
    spacing = torch.cdist(whole, whole).fill_diagonal_(float("inf")).min(1).values.median()
    held = torch.zeros(len(whole), dtype=torch.bool)
    for region in {c.region for c in problem.conditions if c.region.kind == "boundary"}:
        pts = _points(region_geometry(problem, region))
        if len(pts):
            held |= torch.cdist(whole, pts).min(1).values <= SPACINGS * spacing
    share = float((~held).double().mean())
    if share <= UNCOVERED:
        return []
    at = ", ".join(f"{n} = {float(v):.3g}" for n, v in zip(space, whole[~held][0]))
    return [f"no condition is given on about {share:.0%} of the boundary (near {at}), "
            f"though the equations differentiate {needy[0]} twice or more in every "
            f"coordinate: the solution is not determined there (a part left out, or an "
            f"edge that belongs to another primitive?)"]
