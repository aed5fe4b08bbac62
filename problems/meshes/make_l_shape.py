"""Writes l_shape.vtu: the L-shaped domain [-1, 1]² without [0, 1]² as a triangle mesh
(h = 0.05, each grid square split along its diagonal). Run: python problems/meshes/make_l_shape.py"""
from pathlib import Path

import meshio
import numpy as np

n = 41
xs = np.linspace(-1, 1, n)
index = -np.ones((n, n), dtype=np.int64)
points = []
for i, x in enumerate(xs):
    for j, y in enumerate(xs):
        if not (x > 1e-12 and y > 1e-12):
            index[i, j] = len(points)
            points.append((x, y, 0.0))
triangles = []
for i in range(n - 1):
    for j in range(n - 1):
        if xs[i] >= -1e-12 and xs[j] >= -1e-12:
            continue  # the square [0, 1]² is cut out
        a, b, c, d = index[i, j], index[i + 1, j], index[i + 1, j + 1], index[i, j + 1]
        triangles += [(a, b, c), (a, c, d)]
mesh = meshio.Mesh(np.array(points), [("triangle", np.array(triangles))])
meshio.write(Path(__file__).with_name("l_shape.vtu"), mesh)
