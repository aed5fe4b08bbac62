"""Reference solutions computed by pinnsolve's own classical numerics (no downloads).

``SOLVERS[name](problem, points) -> {field: values}`` evaluates a reference at (n, d) points.
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .burgers import burgers_cole_hopf


def _burgers(problem, points: np.ndarray) -> dict[str, np.ndarray]:
    d = problem.domain
    values = problem.parameter_values
    if "nu" not in values or len(d.space) != 1 or d.time is None or (d.space[0].lo, d.space[0].hi) != (-1, 1):
        raise SpecError("the burgers_cole_hopf reference needs x in [-1, 1], a time coordinate "
                        "and a parameter nu (u(x,0) = -sin(pi x), u(±1,t) = 0)",
                        file=problem.source, key="reference.solver")
    field = problem.fields[0]
    return {field: burgers_cole_hopf(points[:, 0], points[:, -1], values["nu"])}


SOLVERS = {"burgers_cole_hopf": _burgers}

__all__ = ["SOLVERS", "burgers_cole_hopf"]
