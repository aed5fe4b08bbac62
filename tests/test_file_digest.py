"""The problem digest reads the files a problem refers to by content: a mesh or a data
field's grid replaced under the same name must not resume the old model (spec/meaning.py)."""
from __future__ import annotations

import meshio
import numpy as np

from pinnsolve.spec import load_problem
from pinnsolve.spec.meaning import meaning_digest


def _square(path, corner=1.0):
    pts = np.array([[0, 0, 0], [1, 0, 0], [1, corner, 0], [0, 1, 0]], dtype=float)
    meshio.write(path, meshio.Mesh(pts, [("triangle", np.array([[0, 1, 2], [0, 2, 3]]))]))


def _grid(path, k):
    x = np.linspace(0, 1, 5)
    np.savez(path, x=x, values=k(x))


def test_a_mesh_replaced_under_its_name_changes_the_digest(tmp_path):
    mesh = tmp_path / "dom.vtu"
    problem = {"domain": {"x": [0, 1], "y": [0, 1], "mesh": str(mesh)}, "fields": ["u"],
               "equations": ["laplacian(u) = 1"],
               "conditions": [{"where": "boundary", "dirichlet": 0}]}
    _square(mesh)
    before = meaning_digest(load_problem(problem))
    _square(mesh)
    assert meaning_digest(load_problem(problem)) == before   # same bytes, same digest
    _square(mesh, corner=0.9)
    assert meaning_digest(load_problem(problem)) != before


def test_a_data_field_replaced_under_its_name_changes_the_digest(tmp_path):
    grid = tmp_path / "k.npz"
    problem = {"domain": {"x": [0, 1]}, "fields": ["u"],
               "data_fields": {"k": {"file": str(grid)}},
               "equations": ["diff(k*diff(u, x), x) = 1"],
               "conditions": [{"where": "boundary", "dirichlet": 0}]}
    _grid(grid, lambda x: 1 + 0 * x)
    before = meaning_digest(load_problem(problem))
    _grid(grid, lambda x: 1 + 0 * x)
    assert meaning_digest(load_problem(problem)) == before
    _grid(grid, lambda x: 100 + x)
    assert meaning_digest(load_problem(problem)) != before
