"""Sharp-coefficient Darcy (problems/darcy_sharp.yaml): how consistent the grid physics loss
is with the reference data, flux form against product rule (docs/operators.md).

    /work/main/.venv/bin/python benchmarks/darcy_flux.py [--count 8]

For each training grid (33², 65²): the relative residual ‖r‖/‖f‖ (rms over the interior
nodes, mean over instances) of the reference through the compiled equation, with the
reference solved on the training grid itself (refine 1) or 4× finer and subsampled
(refine 4, the shipped setting), for operator.flux_form true and false; and the relative L2
distance between the flux-form root on the training grid (darcy_fd on the subsampled
coefficient) and the 4× finer reference: the floor of physics-only training. Seconds on
one thread.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from pinnsolve import load_problem
from pinnsolve.reference.darcy import darcy_fd
from pinnsolve.training.operator.instances import instances, operator_grid
from pinnsolve.training.operator.stepper import OperatorStepper, assemble_operator

ROOT = Path(__file__).resolve().parents[1]


def residual(n: int, refine: int, flux: bool, count: int) -> float:
    problem = load_problem(ROOT / "problems" / "darcy_sharp.yaml", [
        f"operator.grid.x={n}", f"operator.grid.y={n}", f"operator.refine={refine}",
        f"operator.flux_form={'true' if flux else 'false'}"])
    grid = operator_grid(problem)
    a, u = instances(problem, "test", count, grid)
    data = {"train_a": a, "test_a": a, "train_u": u, "test_u": u}
    tr = OperatorStepper(assemble_operator(problem, torch.device("cpu"), torch.float64, data))
    return float(tr.physics(torch.as_tensor(u)[:, None], torch.as_tensor(a))["pde"])


def floor(n: int, count: int) -> tuple[float, float]:
    """Mean and worst relative L2 distance, coarse flux-form root vs 4× finer reference."""
    problem = load_problem(ROOT / "problems" / "darcy_sharp.yaml", [
        f"operator.grid.x={n}", f"operator.grid.y={n}", "operator.refine=4"])
    a, u = instances(problem, "test", count, operator_grid(problem))
    errs = [np.linalg.norm(darcy_fd(ai) - ui) / np.linalg.norm(ui) for ai, ui in zip(a, u)]
    return float(np.mean(errs)), float(np.max(errs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8, help="test instances")
    args = ap.parse_args()
    torch.set_num_threads(1)
    print("| grid | reference | flux form ‖r‖/‖f‖ | product rule ‖r‖/‖f‖ |")
    print("|---|---|---|---|")
    for n in (33, 65):
        for refine in (1, 4):
            print(f"| {n}² | refine {refine} | {residual(n, refine, True, args.count):.3g} | "
                  f"{residual(n, refine, False, args.count):.3g} |")
    print("\n| grid | flux-form root vs 4× finer reference: mean | worst |")
    print("|---|---|---|")
    for n in (33, 65):
        mean, worst = floor(n, args.count)
        print(f"| {n}² | {mean:.2%} | {worst:.2%} |")


if __name__ == "__main__":
    main()
