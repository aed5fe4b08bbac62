"""Calibrate and check the step-memory estimate of pinnsolve/training/limits.py.

For each configuration, a fresh process builds the PINN stepper, then takes training steps;
the growth of peak RSS over those steps is the measured memory of a step (model, points
and allocator pools are already there before). Printed next to the estimate.

    OMP_NUM_THREADS=1 python benchmarks/memory_estimate.py

Peak RSS includes allocator slack, so expect the measurement to be noisy (±20 %); the
machine is shared, which does not change memory figures.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[2])
import pinnsolve
from pinnsolve.training.loop import Position
from pinnsolve.training.pinn import pinn_loop
from pinnsolve.training import limits
cfg = json.loads(sys.argv[1])
p = pinnsolve.load_problem(cfg)
tr = pinn_loop(p, torch.device("cpu"), getattr(torch, p.settings.training.dtype)).stepper
phase = p.settings.training.phases[0]
tr.begin_phase(phase, None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
for k in range(3):
    tr.step(phase, Position(k, k, 1.0, 1))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"measured": after - before, "estimate": limits.estimate(p).step_bytes}))
"""


def problem(equation, domain, n, width, depth, dtype, conditions=()):
    return {"domain": domain, "fields": ["u"], "equations": [equation],
            "conditions": list(conditions),
            "model": {"width": width, "depth": depth, "hard_constraints": False},
            "sampling": {"interior": n, "boundary": 8, "initial": 8},
            "training": {"dtype": dtype, "phases": [{"optimizer": "adam", "steps": 3}]}}


CONFIGS = {
    "heat 1D+t, 64x4, 50k, f32": problem("diff(u, t) = 0.1*diff(u, x, 2)",
                                         {"x": [0, 1], "t": [0, 1]}, 50_000, 64, 4, "float32"),
    "heat 1D+t, 64x4, 50k, f64": problem("diff(u, t) = 0.1*diff(u, x, 2)",
                                         {"x": [0, 1], "t": [0, 1]}, 50_000, 64, 4, "float64"),
    "poisson 2D, 128x4, 30k, f32": problem("laplacian(u) = 1", {"x": [0, 1], "y": [0, 1]},
                                           30_000, 128, 4, "float32"),
    "poisson 3D, 64x6, 30k, f64": problem("laplacian(u) = 1",
                                          {"x": [0, 1], "y": [0, 1], "z": [0, 1]},
                                          30_000, 64, 6, "float64"),
    "beam 4th order, 64x4, 30k, f64": problem("diff(u, x, 4) = 1", {"x": [0, 1]}, 30_000,
                                              64, 4, "float64"),
    "first order, 256x3, 50k, f32": problem("diff(u, x) + diff(u, t) = 0",
                                            {"x": [0, 1], "t": [0, 1]}, 50_000, 256, 3,
                                            "float32"),
}


def main() -> None:
    print(f"{'configuration':36s} {'measured MiB':>12s} {'estimate MiB':>12s} {'ratio':>6s}")
    for name, cfg in CONFIGS.items():
        res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg), str(ROOT)],
                             capture_output=True, text=True, env={"OMP_NUM_THREADS": "1",
                                                                  "PATH": "/usr/bin:/bin"})
        if res.returncode:
            print(name, "failed:", res.stderr[-500:])
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        m, e = r["measured"] / 2**20, r["estimate"] / 2**20
        print(f"{name:36s} {m:12.1f} {e:12.1f} {e / max(m, 1e-9):6.2f}")


if __name__ == "__main__":
    main()
