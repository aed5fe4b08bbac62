"""Equal-wall-time comparison of optimizer phases and loss-weighting schemes on one problem.

The 1-D heat equation with *soft* initial and boundary conditions (three loss terms, so the
weighting has something to balance), float64, 3 × 20 tanh, 2000 interior / 200 boundary /
200 initial points, seed 0. Every row trains from the same initial network for the same wall
time (``--seconds``, via the phase's ``seconds`` limit) and reports the relative L2 error on
the 101 × 51 output grid.

Run (one thread, through the machine's job slots):
    heavy .venv/bin/python benchmarks/optimizers.py --seconds 40 --doc docs/optimizers_table.md
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pinnsolve  # noqa: E402

HEAT = {
    "name": "heat1d_soft",
    "domain": {"x": [0, 1], "t": [0, 1]},
    "fields": ["u"],
    "parameters": {"alpha": 0.1},
    "equations": ["diff(u, t) = alpha*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                   {"where": "boundary", "dirichlet": 0}],
    "reference": {"exact": {"u": "exp(-alpha*pi**2*t)*sin(pi*x)"}},
    "model": {"width": 20, "depth": 3, "hard_constraints": False},
    "sampling": {"interior": 2000, "boundary": 200, "initial": 200, "resample_every": 0},
    "training": {"dtype": "float64", "seed": 0, "threads": 1, "log_every": 100,
                 "eval_every": 100000},
    "output": {"grid": {"x": 101, "t": 51}, "formats": ["npz"]},
}

OPTIMIZER_ROWS = [
    ("adam", {"optimizer": "adam", "lr": 1e-3}),
    ("adam, lr 3e-3 ×0.9 per 1000 steps", {"optimizer": "adam", "lr": 3e-3,
                                            "schedule": "exponential", "decay": 0.9,
                                            "decay_steps": 1000}),
    ("adamw (weight decay 1e-4)", {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 1e-4}),
    ("multiadam", {"optimizer": "multiadam", "lr": 1e-3}),
    ("lbfgs", {"optimizer": "lbfgs"}),
    ("bfgs (dense)", {"optimizer": "bfgs"}),
    ("ssbfgs", {"optimizer": "ssbfgs"}),
    ("ssbroyden", {"optimizer": "ssbroyden"}),
    ("gauss_newton (LM, matrix-free CG, 50 iterations)", {"optimizer": "gauss_newton"}),
]
WEIGHTING_ROWS = [(s, {"scheme": s, "every": 100}) for s in
                  ("fixed", "lra", "grad_norm", "ntk", "sa", "relobralo")]


def solve(phase: dict, weighting: dict | None, seconds: float, out: Path) -> tuple[float, int]:
    problem = {**HEAT, "training": {**HEAT["training"],
                                    "phases": [{**phase, "steps": 10_000_000,
                                                "seconds": seconds}]}}
    if weighting:
        problem["training"]["weighting"] = weighting
    run = pinnsolve.solve(problem, out=out, fresh=True)
    return run.metrics["errors"]["u"]["l2re"], run.metrics["steps"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--out", default=str(ROOT / "runs" / "bench_optimizers"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "optimizers_table.md"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    lines = []
    table = ["| optimizer (fixed weights 1) | L2 rel. error | steps in the budget |",
             "|---|---|---|"]
    for label, phase in OPTIMIZER_ROWS:
        err, steps = solve(phase, None, args.seconds, Path(args.out) / phase["optimizer"])
        table.append(f"| {label} | {err:.2e} | {steps} |")
        print(table[-1], flush=True)
    table += ["", "| weighting (Adam, lr 1e-3) | L2 rel. error | steps in the budget |",
              "|---|---|---|"]
    for label, weighting in WEIGHTING_ROWS:
        err, steps = solve({"optimizer": "adam", "lr": 1e-3}, weighting, args.seconds,
                           Path(args.out) / f"w_{label}")
        table.append(f"| {label} | {err:.2e} | {steps} |")
        print(table[-1], flush=True)
    lines.append(f"Measured {datetime.date.today()} on {platform.machine()}, 1 torch thread "
                 f"(run through `heavy` on a shared 2-core machine), torch {torch.__version__}, "
                 f"{args.seconds:g} s of training per row.\n"
                 f"Reproduce: `heavy .venv/bin/python benchmarks/optimizers.py --seconds "
                 f"{args.seconds:g}`.\n")
    text = "\n".join(lines + table) + "\n"
    doc = Path(args.doc)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
