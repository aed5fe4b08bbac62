"""Checks of what a problem refers to, run by ``pinnsolve check`` and before a solve: the
meshes it names, its observations against the domain's shape or mesh, and the parts of
the boundary no condition holds (a warning)."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ..errors import SpecError
from ..spec.mesh_files import read_mesh_file
from ..spec.problem import Problem
from .coverage import uncovered
from .mesh import in_mesh_many, mesh_of
from .shaped import solid_of


def check_files(problem) -> None:
    """Read every mesh a problem names, as training and export will (``pinnsolve check``):
    the domain mesh with its validation (:func:`~pinnsolve.geometry.mesh.mesh_of`) and
    ``output.mesh``; refuse observations outside a shape or mesh; warn of boundary parts
    no condition holds (:mod:`.coverage`). Data and reference archives are read by
    ``load_problem`` already.

    Raises:
        SpecError: naming ``domain.mesh``, ``output.mesh`` or ``conditions``.
    """
    check_observations(problem)
    for message in uncovered(problem):
        warnings.warn(f"{problem.source}, key 'conditions': {message}", UserWarning,
                      stacklevel=2)
    if problem.domain.mesh is not None:
        mesh = mesh_of(problem)
        for c in problem.conditions:   # named boundary parts exist in the mesh
            if c.region.kind == "boundary" and c.region.piece:
                mesh.part_mask(c.region.piece, problem)
    out = problem.settings.output.mesh
    if out is not None:
        read_mesh_file(out, lambda m: SpecError(f"cannot read mesh {out}: {m}",
                                                file=problem.source, key="output.mesh"))


def check_observations(problem: Problem) -> None:
    """Refuse observations outside a shaped or meshed domain (the coordinates' ranges are
    checked on load): a hole's data, or a units slip that the box still contains."""
    d = problem.domain
    if d.shape is None and d.mesh is None:
        return
    for obs in problem.observations:
        x = np.asarray(obs.points, dtype=np.float64)[:, :d.n_space]
        if d.shape is not None:
            solid = solid_of(problem)
            dist = solid.sdf(torch.as_tensor(x)).numpy()
            out = dist > 1e-6 * solid.diameter
            where = "outside the shape"
        else:
            mesh = mesh_of(problem)
            out = ~in_mesh_many(mesh.points, mesh.simplices, x)
            where = "in no cell of the mesh"
        if out.any():
            raise SpecError(f"{int(out.sum())} of {len(x)} observations of '{obs.name}' lie "
                            f"{where}, the first at {x[out][0].tolist()}",
                            file=problem.source, key="conditions")
