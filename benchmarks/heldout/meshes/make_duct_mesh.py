"""Quarter of a refractory-lined duct: a = 0.3 m <= r <= b = 0.45 m, 0 <= theta <= pi/2,
0 <= z <= 1 m, as tetrahedra (each (r, theta, z) brick split into six), gmsh 2.2 with physical
boundary groups bore, outer, sym_x (x = 0), sym_y (y = 0), inlet (z = 0), outlet (z = 1)."""
import numpy as np, meshio
a, b, H = 0.3, 0.45, 1.0
nr, nt, nz = 6, 17, 16          # nodes per direction
R = np.linspace(a, b, nr); Th = np.linspace(0, np.pi/2, nt); Z = np.linspace(0, H, nz)
idx = np.arange(nr*nt*nz).reshape(nr, nt, nz)
I, J, K = np.meshgrid(np.arange(nr), np.arange(nt), np.arange(nz), indexing='ij')
pts = np.stack([(R[I]*np.cos(Th[J])).ravel(), (R[I]*np.sin(Th[J])).ravel(), Z[K].ravel()], 1)
# exact zeros on the symmetry planes
pts[np.isclose(pts[:, 0], 0, atol=1e-12), 0] = 0.0
# Kuhn split: six tets along the main diagonal of each brick
perms = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
tets = []
for i in range(nr-1):
    for j in range(nt-1):
        for k in range(nz-1):
            for p in perms:
                c = [0, 0, 0]; path = [idx[i, j, k]]
                for ax in p:
                    c[ax] += 1; path.append(idx[i+c[0], j+c[1], k+c[2]])
                tets.append(path)
tets = np.array(tets)
# orient positively
v = pts[tets]
vol = np.einsum('ij,ij->i', np.cross(v[:, 1]-v[:, 0], v[:, 2]-v[:, 0]), v[:, 3]-v[:, 0])
tets[vol < 0] = tets[vol < 0][:, [0, 2, 1, 3]]
# boundary faces: used by one tet
from collections import Counter
faces = np.concatenate([tets[:, [0, 1, 2]], tets[:, [0, 1, 3]], tets[:, [0, 2, 3]], tets[:, [1, 2, 3]]])
key = np.sort(faces, 1); cnt = Counter(map(tuple, key))
bf = np.array([f for f in key if cnt[tuple(f)] == 1])
ii, jj, kk = np.unravel_index(bf, (nr, nt, nz))
groups = {"bore": (ii == 0).all(1), "outer": (ii == nr-1).all(1), "sym_y": (jj == 0).all(1),
          "sym_x": (jj == nt-1).all(1), "inlet": (kk == 0).all(1), "outlet": (kk == nz-1).all(1)}
tag = np.zeros(len(bf), int)
field_data = {}
for n, (name, m) in enumerate(groups.items(), 1):
    assert not (tag[m] != 0).any()
    tag[m] = n; field_data[name] = np.array([n, 2])
assert (tag > 0).all(), "untagged boundary face"
field_data["lining"] = np.array([7, 3])
mesh = meshio.Mesh(pts, [("triangle", bf), ("tetra", tets)],
                   cell_data={"gmsh:physical": [tag, np.full(len(tets), 7)],
                              "gmsh:geometrical": [tag, np.full(len(tets), 7)]},
                   field_data=field_data)
meshio.write("/tmp/s39/blind2/meshes/duct_quarter.msh", mesh, file_format="gmsh22", binary=False)
print(len(pts), "nodes", len(tets), "tets", len(bf), "boundary triangles",
      {k: int(m.sum()) for k, m in groups.items()}, "volume", np.abs(vol).sum()/6, "exact", np.pi/4*(b*b-a*a)*H)
