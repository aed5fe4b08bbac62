"""float32 against float64 on three bundled problems with reduced steps (issue 18, item 10).

Run:  OMP_NUM_THREADS=1 python benchmarks/dtype_default.py   (one thread, ~10 min in all)
Prints one line per (problem, dtype): wall time of training and the L2 relative error.
"""
from __future__ import annotations

import sys
import tempfile

import torch

import pinnsolve

# Reduced schedules so each run stays under ~2 minutes on one CPU thread.
CASES = {
    "heat1d": ["training.phases.0.steps=500", "training.phases.1.steps=500"],
    "poisson2d": ["training.phases.0.steps=500", "training.phases.1.steps=500"],
    "burgers": ["training.phases.0.steps=500", "training.phases.1.steps=500",
                "training.phases.2.steps=0"],
}


def main(names: list[str]) -> None:
    torch.set_num_threads(1)
    for name in names or list(CASES):
        for dtype in ("float32", "float64"):
            with tempfile.TemporaryDirectory() as tmp:
                run = pinnsolve.solve(f"problems/{name}.yaml", out=tmp, fresh=True,
                                      overrides=CASES[name] + [f"training.dtype={dtype}"])
                m = run.metrics
                l2 = {f: e["l2re"] for f, e in m.get("errors", {}).items()}
                print(f"{name:10s} {dtype}  {m['train_time_s']:7.1f} s  "
                      + "  ".join(f"{f} L2RE {v:.3e}" for f, v in l2.items()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
