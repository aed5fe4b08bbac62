"""Darcy flow ``-div(a grad u) = f`` on the unit square, ``u = 0`` on its boundary, by
second-order finite differences (the PINO/FNO Darcy benchmark, Li et al. 2021).

Nodes ``(i h, j h)``, ``h = 1/(s - 1)``; the unknowns are the ``(s - 2)²`` interior values.
Flux form with the coefficient on the cell faces as the harmonic mean of its two nodes,

    -[a_{i+½,j}(u_{i+1,j} - u_{i,j}) - a_{i-½,j}(u_{i,j} - u_{i-1,j})
      + a_{i,j+½}(u_{i,j+1} - u_{i,j}) - a_{i,j-½}(u_{i,j} - u_{i,j-1})] / h² = f_{i,j},

which keeps the flux continuous across jumps of a piecewise-constant ``a`` and is
second-order accurate for smooth ``a`` (tests/test_reference_operator.py). The sparse
system is solved by ``scipy.sparse.linalg.spsolve``.
"""
from __future__ import annotations

import numpy as np


def darcy_fd(a: np.ndarray, f: float | np.ndarray = 1.0) -> np.ndarray:
    """Solve one Darcy problem.

    Args:
        a: (s, s) positive coefficient at the nodes, ``a[i, j] = a(x_i, y_j)``.
        f: forcing, a number or (s, s) nodal values.
    Returns:
        (s, s) solution at the nodes (zero on the boundary).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    a = np.asarray(a, dtype=np.float64)
    s = a.shape[0]
    if a.shape != (s, s) or s < 3:
        raise ValueError(f"a must be square with at least 3 nodes per side, got {a.shape}")
    if not (np.isfinite(a).all() and a.min() > 0):
        raise ValueError("a must be finite and positive")
    h = 1.0 / (s - 1)
    f_nodes = np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s))
    ax = 2 * a[1:] * a[:-1] / (a[1:] + a[:-1])      # faces between i and i+1: (s-1, s)
    ay = 2 * a[:, 1:] * a[:, :-1] / (a[:, 1:] + a[:, :-1])   # (s, s-1)
    n = s - 2
    idx = np.arange(n * n).reshape(n, n)             # interior node (i, j) -> unknown
    ii, jj = np.meshgrid(np.arange(1, s - 1), np.arange(1, s - 1), indexing="ij")
    west, east = ax[ii - 1, jj], ax[ii, jj]
    south, north = ay[ii, jj - 1], ay[ii, jj]
    rows = [idx.ravel()]
    cols = [idx.ravel()]
    vals = [(west + east + south + north).ravel()]
    for di, dj, coef in ((-1, 0, west), (1, 0, east), (0, -1, south), (0, 1, north)):
        ni, nj = ii + di, jj + dj
        inside = (ni >= 1) & (ni <= s - 2) & (nj >= 1) & (nj <= s - 2)
        rows.append(idx[inside])
        cols.append(idx[ni[inside] - 1, nj[inside] - 1])
        vals.append(-coef[inside])
    matrix = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(n * n, n * n)).tocsr()
    rhs = (h * h * f_nodes[1:-1, 1:-1]).ravel()
    u = np.zeros((s, s))
    u[1:-1, 1:-1] = spsolve(matrix, rhs).reshape(n, n)
    return u
