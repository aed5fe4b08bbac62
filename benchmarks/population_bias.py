"""How biased is a trained run's collocation population? Mean squared residual of the
equations over the run's own interior points against fresh uniform points of the same
region, for the same network (the checkpoint in RUN/checkpoints). docs/sampling.md uses it for
R3 against PGD and uniform redraws on convection.

Run: .venv/bin/python benchmarks/population_bias.py RUN [RUN ...] [--points 20000]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pinnsolve.geometry import region_geometry  # noqa: E402
from pinnsolve.io.run import RunDir  # noqa: E402
from pinnsolve.sampling import STRATEGIES  # noqa: E402
from pinnsolve.spec import load_problem  # noqa: E402
from pinnsolve.training.pinn import pinn_loop  # noqa: E402


def bias(run: Path, points: int) -> dict:
    problem = load_problem(run / "config.yaml")
    loop = pinn_loop(problem, torch.device("cpu"), torch.float32)
    loop.load_state_dict(RunDir(run).load_checkpoint())
    trainer = loop.stepper
    equations = [t for t in trainer.compiled.terms if t.kind == "equation"]
    fn = trainer._residual_fn(equations)
    own = trainer.samplers["interior"].points()
    uniform = STRATEGIES["uniform"].build(region_geometry(problem, equations[0].region), points,
                                          problem.settings.sampling, resample_every=0, seed=1,
                                          dtype=own.dtype, device=own.device)
    fresh = uniform.points()
    r_own, r_fresh = fn(own), fn(fresh)
    return {"run": str(run), "step": loop.step, "own_points": own.shape[0],
            "own_mean_r2": float((r_own ** 2).mean()),
            "fresh_mean_r2": float((r_fresh ** 2).mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--points", type=int, default=20000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for run in args.runs:
        b = bias(run, args.points)
        print(f"{b['run']}: step {b['step']}, mean r² on its {b['own_points']} points "
              f"{b['own_mean_r2']:.4g}, on {args.points} fresh uniform points "
              f"{b['fresh_mean_r2']:.4g} (ratio {b['own_mean_r2'] / b['fresh_mean_r2']:.2f})")


if __name__ == "__main__":
    main()
