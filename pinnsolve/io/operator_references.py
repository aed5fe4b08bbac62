"""Reference solutions of operator problems: ``REFERENCES[name](problem, inputs, fine,
grid) -> (count, *grid.shape)`` binds the project's solvers (``pinnsolve.reference``) to a
problem file — checking that the solver applies (a SpecError naming
``operator.reference`` otherwise) — solves on the solver grid ``fine`` with the inputs drawn
there, and subsamples to ``grid``. Grids are read through their axes (``n``, ``lo``,
``hi``, ``periodic``, ``nodes()``), the layout of ``training.operator.instances.OperatorGrid``.
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError
from ..reference.burgers_spectral import burgers_spectral
from ..reference.darcy import darcy_fd
from ..spec import Problem


def stride(fine, coarse, name: str, problem: Problem) -> int:
    """How many solver-grid intervals one interval of ``coarse`` spans (axes with ``n``,
    ``periodic``); a SpecError when it does not divide."""
    steps_f = fine.n if fine.periodic else fine.n - 1
    steps_c = coarse.n if coarse.periodic else coarse.n - 1
    if steps_f % steps_c:
        raise SpecError(f"{name}={coarse.n} nodes do not divide the solver grid ({fine.n} "
                        f"nodes); instances exist at resolutions that subsample it",
                        file=problem.source, key=f"operator.grid.{name}")
    return steps_f // steps_c


def _burgers(problem: Problem, inputs: np.ndarray, fine, grid) -> np.ndarray:
    d = problem.domain
    nu = problem.parameter_values.get("nu")
    if len(d.space) != 1 or d.time is None or d.space[0].name not in problem.periodic \
            or nu is None:
        raise SpecError("burgers_spectral needs one periodic space coordinate, a time "
                        "coordinate, a parameter nu and the initial condition u = <input>",
                        file=problem.source, key="operator.reference")
    x = fine.axes[0]
    t = grid.axes[grid.time_axis].nodes() - d.time.lo
    # Explicit part's step limit: 0.2 / (max |u| κ_max) (5e-4 at 256 nodes, |u| = 0.6).
    kmax = np.pi * x.n / (x.hi - x.lo)
    dt = min(1e-3, 0.2 / (float(np.abs(inputs).max()) * kmax + 1e-12))
    u = burgers_spectral(inputs, nu, lo=x.lo, hi=x.hi, times=t, dt=dt)
    step = stride(x, grid.axes[0], grid.names[0], problem)
    return np.ascontiguousarray(u[:, :, ::step].transpose(0, 2, 1))   # (B, x, t)


def _darcy(problem: Problem, inputs: np.ndarray, fine, grid) -> np.ndarray:
    d = problem.domain
    f = problem.parameter_values.get("f")
    if len(d.space) != 2 or d.time is not None or problem.periodic or f is None or any(
            (c.lo, c.hi) != (0.0, 1.0) for c in d.space) or grid.input_axes != (0, 1):
        raise SpecError("darcy_fd needs the unit square (x, y in [0, 1], not periodic, no "
                        "time), a constant parameter f (-div(k grad u) = f, u = 0 on the "
                        "boundary) and the coefficient over both coordinates",
                        file=problem.source, key="operator.reference")
    if inputs.min() <= 0:
        raise SpecError("the Darcy coefficient must be positive (threshold low/high > 0)",
                        file=problem.source, key="operator.distribution")
    strides = [stride(fine.axes[k], grid.axes[k], grid.names[k], problem) for k in (0, 1)]
    return np.stack([darcy_fd(a, f)[::strides[0], ::strides[1]] for a in inputs])


REFERENCES = {"burgers_spectral": _burgers, "darcy_fd": _darcy}
