"""Boundary selections by coordinate clauses: ``x = 0 and y > 0.5`` on shapes and meshes."""
from __future__ import annotations

import torch

PLANE_TOL = 1e-7   # share of the domain's diameter: |x − value| below it counts as x = value


def select_mask(select, names: list[str], pts: torch.Tensor, diameter: float) -> torch.Tensor:
    """(n,) bool: rows of ``pts`` (n, ≥ len(names)) meeting every clause of ``select``
    (``(coord, op, value)`` tuples; ``=`` holds within PLANE_TOL · diameter, and the
    inequalities are widened by the same amount so a plane's edge is kept)."""
    tol = PLANE_TOL * diameter
    ok = torch.ones(len(pts), dtype=torch.bool, device=pts.device)
    for coord, op, value in select:
        x = pts[:, names.index(coord)]
        if op == "=":
            ok &= (x - value).abs() <= tol
        elif op in ("<", "<="):
            ok &= x <= value + (tol if op == "<=" else 0.0)
        else:
            ok &= x >= value - (tol if op == ">=" else 0.0)
    return ok


def describe(select) -> str:
    return " and ".join(f"{c} {op} {v:g}" for c, op, v in select)
