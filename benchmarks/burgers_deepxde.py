"""Burgers (ν = 0.01/π) with DeepXDE's documented recipe, timed and scored exactly as
pinnsolve is: relative L2 error against pinnsolve's Cole–Hopf reference on a 256 × 101 grid.

DeepXDE is not a pinnsolve dependency: run this in a separate environment, e.g.

    python3 -m venv /tmp/dde && /tmp/dde/bin/pip install torch==2.13.0 deepxde
    DDE_BACKEND=pytorch /tmp/dde/bin/python benchmarks/burgers_deepxde.py --threads 2

The recipe follows DeepXDE's Burgers example: FNN 2 → 3×20 tanh → 1 (Glorot normal),
2540 interior / 80 boundary / 160 initial points on t ∈ [0, 0.99], Adam 1e-3 for 15 000
iterations, then L-BFGS with DeepXDE's defaults. Only this script's own timing and scoring
code is ours.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _reference():
    """pinnsolve's Cole–Hopf solver, loaded from its file: it needs only numpy, so this
    environment does not need pinnsolve's other dependencies."""
    import importlib.util

    path = ROOT / "pinnsolve" / "reference" / "burgers.py"
    spec = importlib.util.spec_from_file_location("cole_hopf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.burgers_cole_hopf


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--adam", type=int, default=15000)
    args = ap.parse_args()
    import deepxde as dde
    import torch

    torch.set_num_threads(args.threads)
    burgers_cole_hopf = _reference()

    nu = 0.01 / np.pi
    geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1),
                                      dde.geometry.TimeDomain(0, 0.99))

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - nu * dy_xx

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geom, lambda x: -np.sin(np.pi * x[:, 0:1]),
                     lambda _, on_initial: on_initial)
    data = dde.data.TimePDE(geom, pde, [bc, ic], num_domain=2540, num_boundary=80,
                            num_initial=160)
    net = dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    t0 = time.perf_counter()
    model.compile("adam", lr=1e-3)
    model.train(iterations=args.adam, display_every=5000)
    model.compile("L-BFGS")
    model.train(display_every=5000)
    elapsed = time.perf_counter() - t0

    x = np.linspace(-1, 1, 256)
    t = np.linspace(0, 0.99, 101)
    X, T = np.meshgrid(x, t, indexing="ij")
    ref = burgers_cole_hopf(X, T, nu)
    pred = model.predict(np.stack([X.ravel(), T.ravel()], 1)).reshape(X.shape)
    l2re = float(np.linalg.norm(pred - ref) / np.linalg.norm(ref))
    print(json.dumps({"tool": "deepxde", "version": dde.__version__, "l2re": l2re,
                      "train_s": round(elapsed, 1), "threads": args.threads}))


if __name__ == "__main__":
    main()
