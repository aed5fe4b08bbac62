"""Collocation strategies at equal budgets: L2 relative error and wall time per problem,
and R3's per-step overhead over uniform resampling, into docs/sampling_table.md and
docs/sampling.json (docs/sampling.md discusses them).

Every strategy of a problem runs the same network, optimizer phases, step count and number
of points (the problem file's); only ``sampling.strategy`` (and its options) changes.
"fixed" keeps its first uniform draw; "uniform" redraws every step (the paper's
PINN-dynamic), "uniform_100" every 100 steps (pinnsolve's default); causal R3 is run only
on time-dependent problems.

Run: .venv/bin/python benchmarks/sampling.py [--problems convection50,poisson_peak]
     [--strategies fixed,r3] [--steps N] [--threads 1] [--overhead-only]
Results accumulate in docs/sampling.json (a rerun of a cell replaces it), so the table can
be built over several invocations. One run at a time; nothing else should use the CPU.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pinnsolve  # noqa: E402
from pinnsolve.spec import load_problem  # noqa: E402
from pinnsolve.training.pinn import pinn_loop  # noqa: E402

# Each benchmark row: problem file and its overrides (the budget every strategy shares).
# Budgets are cut to keep the whole table near 45 minutes on one core: 10k Adam steps for
# convection (the R3 paper's setup), 3000 for Allen-Cahn (the full recipes are longer;
# docs/sampling.md). The convection50_* rows are not in the default set (DEFAULT_PROBLEMS).
PROBLEMS = {
    "convection50": ("convection_paper.yaml", ["training.phases.0.steps=10000"]),
    "convection30": ("convection_paper.yaml", ["parameters.beta=30",
                                               "training.phases.0.steps=10000"]),
    # The network with time harmonics on 4000 points, 20k Adam + 2000 L-BFGS (~6 minutes
    # a cell): enough points that fixed ones succeed too.
    "convection50_4000": ("convection.yaml", [
        "sampling.interior=4000", "training.eval_every=2000",
        "training.phases=[{optimizer: adam, steps: 20000, lr: 1.0e-3, schedule: exponential, "
        "decay: 0.9, decay_steps: 5000}, {optimizer: lbfgs, steps: 2000, resample_every: 250}]"]),
    # The same network on the R3 paper's 1000 points, Adam only, 100k steps (~12 minutes a
    # cell): the budget where fixed points overfit and fail.
    "convection50_1000": ("convection.yaml", [
        "sampling.interior=1000", "training.eval_every=10000",
        "training.phases=[{optimizer: adam, steps: 100000, lr: 1.0e-3, "
        "schedule: exponential, decay: 0.9, decay_steps: 5000}]"]),
    "allen_cahn": ("allen_cahn.yaml", [
        "training.phases=[{optimizer: adam, steps: 3000, lr: 1.0e-3}]"]),
    "poisson_peak": ("poisson_peak.yaml", []),
}
DEFAULT_PROBLEMS = [p for p in PROBLEMS if not p.startswith("convection50_")]
# Strategy name → sampling overrides (each replaces the file's strategy and its options).
STRATEGIES = {
    "fixed": ["sampling.strategy=uniform", "sampling.resample_every=0"],
    "uniform": ["sampling.strategy=uniform", "sampling.resample_every=1"],
    "uniform_100": ["sampling.strategy=uniform", "sampling.resample_every=100"],  # the default
    "rad": ["sampling.strategy=rad"],
    "rar": ["sampling.strategy=rar"],
    "r3": ["sampling.strategy=r3"],
    "causal_r3": ["sampling.strategy={r3: {causal: true}}"],
    "adversarial": ["sampling.strategy=adversarial"],
    "adversarial_flow": ["sampling.strategy=adversarial_flow"],
}
# The causal gate's parameters per problem (the causal_r3 cells; the rest keep r3's defaults).
CAUSAL = {"convection50_4000": "alpha: 20, start: 0, eps: 1",
          "convection50_1000": "alpha: 20, start: 0, eps: 1", "allen_cahn": "eps: 500"}


def strategy_overrides(problem: str, strategy: str) -> list[str]:
    if strategy == "causal_r3" and problem in CAUSAL:
        return [f"sampling.strategy={{r3: {{causal: true, {CAUSAL[problem]}}}}}"]
    return STRATEGIES[strategy]
DOC = ROOT / "docs" / "sampling_table.md"
RESULTS = ROOT / "docs" / "sampling.json"


def run_cell(problem: str, strategy: str, steps: int | None, out: Path) -> dict:
    file, extra = PROBLEMS[problem]
    overrides = extra + strategy_overrides(problem, strategy) + ["training.threads=0"]
    if strategy == "fixed":   # L-BFGS phases keep the points too
        phases = load_problem(ROOT / "problems" / file, extra).settings.training.phases
        overrides += [f"training.phases.{i}.resample_every=0" for i, p in enumerate(phases)
                      if p.optimizer == "lbfgs"]
    if steps:
        overrides.append(f"training.phases.0.steps={steps}")
    t0 = time.perf_counter()
    run = pinnsolve.solve(ROOT / "problems" / file, out=out / f"{problem}_{strategy}",
                          overrides=overrides, fresh=True)
    wall = time.perf_counter() - t0
    m = run.metrics
    err = statistics.mean(e["l2re"] for e in m["errors"].values())
    interior = m["sampling"].get("interior", {})
    return {"problem": problem, "strategy": strategy, "l2re": err, "steps": m["steps"],
            "train_time_s": m["train_time_s"], "wall_s": wall,
            "imbalance": interior.get("imbalance"), "causal_front": interior.get("causal_front"),
            "overrides": overrides}


def overhead(repeats: int = 5, steps: int = 300) -> dict:
    """Per-step time of R3 against uniform resampling every step on convection (same
    network and points), interleaved repeats, median."""
    times: dict[str, list[float]] = {"uniform": [], "r3": []}
    for _ in range(repeats):
        for name in times:
            problem = load_problem(ROOT / "problems" / "convection_paper.yaml",
                                   STRATEGIES[name] + ["training.threads=0",
                                                       f"training.phases.0.steps={steps}",
                                                       f"training.log_every={steps}"])
            loop = pinn_loop(problem, torch.device("cpu"), torch.float32)
            loop.run(None)
            times[name].append(loop.elapsed / steps)
    u, r = statistics.median(times["uniform"]), statistics.median(times["r3"])
    return {"uniform_ms": 1e3 * u, "r3_ms": 1e3 * r, "overhead": r / u - 1,
            "repeats": repeats, "steps": steps}


def table(results: dict) -> str:
    cells = results["cells"]
    problems = [p for p in PROBLEMS if any(c["problem"] == p for c in cells.values())]
    strategies = [s for s in STRATEGIES if any(c["strategy"] == s for c in cells.values())]
    lines = ["| problem | " + " | ".join(strategies) + " |",
             "|---|" + "---|" * len(strategies)]
    for p in problems:
        row = []
        for s in strategies:
            c = cells.get(f"{p}/{s}")
            row.append("–" if c is None else f"{c['l2re']:.2e} ({c['train_time_s']:.0f} s)")
        lines.append(f"| {p} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def write_doc(results: dict) -> None:
    text = ["# Collocation strategies at equal budgets\n",
            "L2 relative error against the exact or reference solution (training time in "
            "brackets); every strategy of a row runs the problem file's network, optimizer "
            "phases, steps and number of points. Reproduce: `.venv/bin/python "
            "benchmarks/sampling.py` (cells: `--problems P --strategies S`).\n",
            f"Last updated {results.get('date', '?')} (cells from several sessions) on "
            f"{results.get('machine', '?')}, "
            f"{results.get('threads', '?')} torch thread(s), torch {torch.__version__}.\n",
            table(results)]
    if "overhead" in results:
        o = results["overhead"]
        text.append(f"\nR3 per-step overhead over uniform resampling every step (convection, "
                    f"1000 points, median of {o['repeats']} interleaved runs of {o['steps']} "
                    f"steps): uniform {o['uniform_ms']:.2f} ms, R3 {o['r3_ms']:.2f} ms, "
                    f"overhead {100 * o['overhead']:+.1f} %. Reproduce: "
                    "`.venv/bin/python benchmarks/sampling.py --overhead-only`.\n")
    DOC.write_text("\n".join(text))


def saved_cells() -> dict:
    return json.loads(RESULTS.read_text())["cells"] if RESULTS.exists() else {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", default=",".join(DEFAULT_PROBLEMS))
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--steps", type=int, default=0, help="override the Adam steps")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_sampling")
    ap.add_argument("--overhead-only", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true",
                    help="only the cells, not the R3 overhead measurement")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"cells": {}}
    results.update(date=str(datetime.date.today()), threads=args.threads,
                   machine=platform.processor() or platform.machine())
    if not args.overhead_only:
        for p in args.problems.split(","):
            for s in args.strategies.split(","):
                if s == "causal_r3" and p == "poisson_peak":
                    continue  # no time coordinate
                cell = run_cell(p, s, args.steps or None, args.out)
                # Re-read before writing: two invocations may fill cells side by side.
                results["cells"] = {**saved_cells(), f"{p}/{s}": cell}
                print(json.dumps(cell), flush=True)
                RESULTS.write_text(json.dumps(results, indent=1))
                write_doc(results)
    if args.overhead_only or not args.skip_overhead:
        results["overhead"] = overhead()
        print(json.dumps(results["overhead"]), flush=True)
    results["cells"] = saved_cells()   # with the cells of side-by-side invocations
    RESULTS.write_text(json.dumps(results, indent=1))
    write_doc(results)
    print(table(results))


if __name__ == "__main__":
    main()
