"""A domain read from a mesh file (meshio): sampling from its cells and boundary facets.

The cells of the domain's dimension are split into simplices (quads into two triangles,
hexahedra into six tetrahedra). Interior points: u[:, 0] picks a simplex with probability
∝ its volume, u[:, 1:] a point uniform in it (barycentric coordinates from the spacings of
the sorted samples, uniform on the simplex). Boundary facets are the cell faces (edges in
2-D, triangles or quads in 3-D) that belong to exactly one cell; boundary points pick a facet
∝ its area and a point uniform on it, and the outward normal is the facet's normal pointing
away from its cell's centroid.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import meshio
import numpy as np
import torch

from ..errors import SpecError
from ..spec.problem import Problem, Region
from ..spec.mesh_files import (CELL_DIM, FACES, SIMPLICES, check_cells, checked_points,
                                read_mesh_file)
from .predicate import describe, select_mask
from .regions import check_extent



class MeshDomain:
    """Points, simplices and boundary facets of a mesh, in float64.

    Attributes:
        points: (P, d) node coordinates; ``mesh``: the meshio mesh as read.
        simplices: (S, d + 1) node indices; ``volumes`` (S,).
        facets: (F, d) boundary simplices (quads split in two); ``areas`` (F,),
        ``normals`` (F, d) outward unit normals.
    """

    def __init__(self, path: str | Path, dim: int, *, file: str = "<mapping>"):
        def fail(message: str) -> SpecError:
            return SpecError(f"cannot read mesh {path}: {message}", file=file, key="domain.mesh")

        self.mesh = read_mesh_file(path, fail)
        blocks = [(c.type, np.asarray(c.data)) for c in self.mesh.cells if CELL_DIM.get(c.type) == dim]
        if not blocks:
            kinds = sorted({c.type for c in self.mesh.cells})
            want = [k for k, v in CELL_DIM.items() if v == dim]
            raise SpecError(f"the mesh {path} has no {dim}-D cells ({', '.join(want)}); it "
                            f"has {', '.join(kinds) or 'none'}", file=file, key="domain.mesh")
        self.dim = dim
        self.points = checked_points(self.mesh.points, dim, fail)
        for kind, conn in blocks:
            check_cells(kind, conn, len(self.points), fail)
        simplices, faces, owners = [], [], []
        for kind, conn in blocks:
            simplices.append(np.concatenate([conn[:, list(s)] for s in SIMPLICES[kind]]))
            for f in FACES[kind]:
                faces.append(conn[:, list(f)])
                owners.append(conn)
        self.simplices = np.concatenate(simplices).astype(np.int64)
        self.volumes = _volumes(self.points, self.simplices)
        _check_volumes(self.volumes, self.simplices, fail)
        self.facets, self.areas, self.normals = self._boundary(faces, owners)
        if len(self.facets) == 0:
            raise fail("no boundary: every face is shared by two cells (duplicated or "
                       "overlapping cells?)")

    @cached_property
    def parts(self) -> dict[str, np.ndarray]:
        """Named boundary parts: name → (F,) bool over the boundary facets (worked out on
        first use: only conditions that name parts need them).

        Names come from the mesh's lower-dimensional cells (lines of a 2-D mesh, triangles
        and quads of a 3-D one) tagged by gmsh physical groups (``gmsh:physical`` cell data
        named through ``field_data``) or listed in meshio ``cell_sets``. A boundary facet
        belongs to a part when its nodes are those of one of the part's cells (a quad face
        is split into triangles the way the facets were)."""
        m, dim = self.mesh, self.dim
        faces = {1: ("line",), 2: ("triangle", "quad")}.get(dim - 1, ())
        groups: dict[str, list[np.ndarray]] = {}
        names = {int(v[0]): k for k, v in (m.field_data or {}).items()
                 if len(np.atleast_1d(v)) >= 2 and int(np.atleast_1d(v)[1]) == dim - 1}
        tags = (m.cell_data or {}).get("gmsh:physical")
        for b, block in enumerate(m.cells):
            if block.type not in faces:
                continue
            conn = np.asarray(block.data)
            if tags is not None and b < len(tags):
                phys = np.asarray(tags[b]).reshape(-1)
                for tag in np.unique(phys):
                    name = names.get(int(tag), f"physical{int(tag)}")
                    groups.setdefault(name, []).append(conn[phys == tag])
            for name, sets in (m.cell_sets or {}).items():
                if b < len(sets) and sets[b] is not None and len(sets[b]):
                    groups.setdefault(str(name), []).append(conn[np.asarray(sets[b], int)])
        parts = {}
        facet_keys = {tuple(f): i for i, f in enumerate(np.sort(self.facets, 1).tolist())}
        for name, blocks in groups.items():
            mask = np.zeros(len(self.facets), dtype=bool)
            for conn in blocks:
                split = [conn] if conn.shape[1] <= dim else [conn[:, list(t)]
                                                             for t in SIMPLICES["quad"]]
                for tri in split:
                    for key in np.sort(tri, 1).tolist():
                        i = facet_keys.get(tuple(key))
                        if i is not None:
                            mask[i] = True
            if mask.any():
                parts[name] = mask
        return parts

    def part_mask(self, piece, problem: Problem) -> np.ndarray:
        """(F,) bool: the boundary facets of the named parts ``piece``.

        Raises:
            SpecError: a name that is not a part of the mesh (the parts are listed).
        """
        missing = [n for n in piece if n not in self.parts]
        if missing:
            have = ", ".join(sorted(self.parts)) or (
                "none: name boundary parts with gmsh physical groups or cell sets on its "
                "boundary lines/faces")
            raise SpecError(f"the mesh {problem.domain.mesh} has no boundary part named "
                            f"{missing[0]!r}; its parts: {have}", file=problem.source,
                            key="conditions")
        return np.any([self.parts[n] for n in piece], axis=0)

    def _boundary(self, faces, owners):
        """Faces used by one cell only, as simplices with outward normals."""
        out_f, out_c = [], []
        for f, cells in zip(faces, owners):
            out_f.append(f)
            out_c.append(self.points[cells].mean(1))
        # Group faces by their node set; a face with its set seen once is on the boundary.
        nodes = max(f.shape[1] for f in out_f)
        keys = np.concatenate([np.pad(np.sort(f, 1), ((0, 0), (0, nodes - f.shape[1])),
                                      constant_values=-1) for f in out_f])
        _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        single = counts[inverse.reshape(-1)] == 1
        tris, centres = [], []
        start = 0
        for f, c in zip(out_f, out_c):
            sel = single[start:start + len(f)]
            start += len(f)
            f, c = f[sel], c[sel]
            if f.shape[1] == 4:              # a quad face: two triangles
                f, c = np.concatenate([f[:, [0, 1, 2]], f[:, [0, 2, 3]]]), np.concatenate([c, c])
            tris.append(f)
            centres.append(c)
        facets = np.concatenate(tris).astype(np.int64)
        centres = np.concatenate(centres)
        p = self.points[facets]
        if self.dim == 2:
            e = p[:, 1] - p[:, 0]
            normals = np.stack([e[:, 1], -e[:, 0]], 1)
        else:
            normals = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
        areas = np.linalg.norm(normals, axis=1) / (1 if self.dim == 2 else 2)
        keep = areas > 0
        facets, normals, areas, centres, p = facets[keep], normals[keep], areas[keep], \
            centres[keep], p[keep]
        normals = normals / np.linalg.norm(normals, axis=1, keepdims=True)
        away = ((p.mean(1) - centres) * normals).sum(1) < 0
        normals[away] *= -1
        return facets, areas, normals


def _check_volumes(volumes: np.ndarray, simplices: np.ndarray, fail) -> None:
    """Every simplex must have positive volume: a flat cell has no interior to sample and
    no outward normal. Orientation does not matter (volumes are absolute values)."""
    flat = ~(volumes > 1e-14 * max(float(volumes.max(initial=0.0)), 1e-300))
    if flat.any():
        k = int(np.argmax(flat))
        raise fail(f"{int(flat.sum())} cells (split into simplices) have zero volume (first: "
                   f"nodes {simplices[k].tolist()}); remove degenerate cells")


def _volumes(points: np.ndarray, simplices: np.ndarray) -> np.ndarray:
    p = points[simplices]
    edges = p[:, 1:] - p[:, :1]
    return np.abs(np.linalg.det(edges)) / (2 if points.shape[1] == 2 else 6)


def _barycentric(u: torch.Tensor) -> torch.Tensor:
    """(n, k) unit samples → (n, k + 1) barycentric weights, uniform on the simplex
    (spacings of k sorted uniforms)."""
    s = torch.sort(u, dim=1).values
    zero = torch.zeros_like(s[:, :1])
    one = torch.ones_like(s[:, :1])
    return torch.diff(torch.cat([zero, s, one], 1), dim=1)


def mesh_of(problem: Problem) -> MeshDomain:
    """The problem's mesh, checked against the coordinate box.

    Raises:
        SpecError: unreadable mesh, no cells of the domain's dimension, or nodes outside
            the coordinate ranges.
    """
    d = problem.domain
    mesh = MeshDomain(d.mesh, len(d.space), file=problem.source)
    check_extent(problem, mesh.points.min(0), mesh.points.max(0), "mesh", 1e-9)
    return mesh


class MeshGeometry:
    """One region (interior, boundary, initial slice) of a mesh domain; no rejection."""

    rejects = False
    vector = None

    def __init__(self, problem: Problem, region: Region, mesh: MeshDomain | None = None):
        d = problem.domain
        self.region = region
        self.n_space = len(d.space)
        self.n_inputs = d.n_inputs
        self.time = d.time
        self.mesh = mesh if mesh is not None else mesh_of(problem)
        kind = region.kind
        if kind not in ("interior", "boundary", "initial"):
            raise ValueError(f"region {kind} has no geometry on a mesh domain")
        self.has_normals = kind == "boundary"
        m = self.mesh
        weights = m.areas if kind == "boundary" else m.volumes
        self.cum = torch.cumsum(torch.as_tensor(weights / weights.sum()), 0)
        self.points = torch.as_tensor(m.points)
        self.cells = torch.as_tensor(m.facets if kind == "boundary" else m.simplices)
        self.cell_normals = torch.as_tensor(m.normals)
        if kind == "boundary" and region.piece:
            self._keep(m.part_mask(region.piece, problem), weights)
        if kind == "boundary" and region.select:
            self._select(problem, weights)
        k = self.cells.shape[1] - 1
        self.unit_dim = 1 + k + (1 if (d.time is not None and kind != "initial") else 0)

    def _keep(self, keep, areas: np.ndarray) -> None:
        """Sample only the facets ``keep`` (bool over the current facets), by area."""
        keep = torch.as_tensor(keep)
        self.cells, self.cell_normals = self.cells[keep], self.cell_normals[keep]
        w = torch.as_tensor(areas)[keep]
        self.cum = torch.cumsum(w / w.sum(), 0)

    def _select(self, problem: Problem, areas: np.ndarray) -> None:
        """Keep the boundary facets whose every node meets the region's clauses."""
        names = [c.name for c in problem.domain.space]
        span = self.points.max(0).values - self.points.min(0).values
        node_ok = select_mask(self.region.select, names, self.points, float(span.norm()))
        keep = node_ok[self.cells].all(1)
        if not bool(keep.any()):
            raise SpecError(f"no boundary facet of the mesh has all its nodes with "
                            f"{describe(self.region.select)}", file=problem.source,
                            key="conditions")
        self._keep(keep, areas)

    def accept(self, u: torch.Tensor) -> torch.Tensor:
        return torch.ones(len(u), dtype=torch.bool, device=u.device)

    def map(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        k = self.cells.shape[1] - 1
        cell = torch.searchsorted(self.cum, u[:, 0].detach().to(torch.float64).cpu().contiguous(),
                                  right=True).clamp(max=len(self.cells) - 1)
        w = _barycentric(u[:, 1:1 + k])
        corners = self.points[self.cells[cell]].to(u)          # (n, k + 1, d)
        space = (w[:, :, None] * corners).sum(1)
        normals = self.cell_normals[cell].to(u) if self.has_normals else None
        if self.time is not None:
            if self.region.kind == "initial":
                t = torch.full((len(u), 1), self.time.lo, dtype=u.dtype, device=u.device)
            else:
                t = self.time.lo + u[:, -1:] * (self.time.hi - self.time.lo)
            space = torch.cat([space, t], 1)
        return space, normals


def in_mesh_many(points: np.ndarray, simplices: np.ndarray, x: np.ndarray,
                  work: int = 50_000_000) -> np.ndarray:
    """(N,) bool: :func:`~pinnsolve.geometry.point._in_mesh` for many points, vectorised in chunks. Beyond ``work``
    point-cell pairs only an evenly spaced subset is tested (the rest count as inside):
    a units slip moves every point, so a subset finds it."""
    p = points[simplices]
    edges = np.swapaxes(p[:, 1:] - p[:, :1], 1, 2)
    ok = np.abs(np.linalg.det(edges)) > 0
    inv, origin = np.linalg.inv(edges[ok]), p[ok, 0]        # (S, d, d), (S, d)
    inside = np.ones(len(x), dtype=bool)
    test = np.arange(len(x))
    if len(x) * len(inv) > work:
        test = np.linspace(0, len(x) - 1, max(1, work // len(inv))).astype(int)
    chunk = max(1, 2_000_000 // max(1, len(inv) * x.shape[1]))
    for s in range(0, len(test), chunk):
        idx = test[s:s + chunk]
        lam = np.einsum("sij,nsj->nsi", inv, x[idx, None, :] - origin[None])   # (n, S, d)
        lam = np.concatenate([1 - lam.sum(-1, keepdims=True), lam], -1)
        inside[idx] = (lam >= -1e-9).all(-1).any(-1)
    return inside
