"""PINO benchmark: physics-only, data-only and hybrid operator training at equal budgets,
instance-wise fine-tuning and zero-shot evaluation on a finer grid; writes docs/pino.md
and docs/pino.json.

    heavy /work/main/.venv/bin/python benchmarks/pino.py [--steps 1500] [--only burgers|darcy|darcy_sharp|darcy_sharp_product]

One torch thread (pinned); the machine is shared with other jobs, so times are indicative.
Every run is an ordinary run directory (``pinnsolve show RUN``); results are written after
each run, so an interrupted benchmark keeps what it measured.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from pinnsolve import load_problem, solve
from pinnsolve.training.operator import evaluate_operator, finetune

ROOT = Path(__file__).resolve().parents[1]
# group -> (problem file, training modes, extra overrides)
GROUPS = {
    "burgers": ("burgers_operator.yaml", ("physics", "data", "hybrid"), ()),
    "darcy": ("darcy.yaml", ("physics", "data", "hybrid"), ()),
    # Li et al.'s exact coefficients: a sharp step on a rougher field (Matérn-1 in 2-D); the
    # physics loss differences div(k grad u) in flux form (operator.flux_form, the default).
    "darcy_sharp": ("darcy_sharp.yaml", ("physics", "data", "hybrid"), ()),
    # The same with the product rule on the grid (the behaviour before flux_form), side by side.
    "darcy_sharp_product": ("darcy_sharp.yaml", ("physics", "hybrid"),
                            ("operator.flux_form=false",)),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500, help="Adam steps per training run")
    ap.add_argument("--finetune-steps", type=int, default=500)
    ap.add_argument("--out", default="runs/bench_pino")
    ap.add_argument("--only", default="burgers,darcy,darcy_sharp,darcy_sharp_product")
    ap.add_argument("--losses", default="", help="subset of physics,data,hybrid (rows of "
                    "other losses already in the group's JSON are kept)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    results: dict = {"steps": args.steps, "threads": 1, "runs": {}}
    # One JSON per problem set, so `--only burgers` and `--only darcy` can run side by side;
    # the table is rendered from all of them.
    json_path = ROOT / "docs" / f"pino_{args.only.replace(',', '_')}.json"
    if args.losses and json_path.exists():
        results["runs"] = json.loads(json_path.read_text())["runs"]

    def save():
        json_path.write_text(json.dumps(results, indent=2))
        merged = {"steps": args.steps, "runs": {}}
        for p in sorted((ROOT / "docs").glob("pino_*.json")):
            merged["runs"].update(json.loads(p.read_text())["runs"])
        (ROOT / "docs" / "pino.md").write_text(render(merged))

    for name in args.only.split(","):
        path, losses, extra = GROUPS[name]
        for loss in losses:
            if args.losses and loss not in args.losses.split(","):
                continue
            problem = load_problem(ROOT / "problems" / path, [
                f"operator.loss={loss}", f"training.phases.0.steps={args.steps}",
                "training.threads=1", *extra])
            t0 = time.perf_counter()
            run = solve(problem, out=out / f"{name}_{loss}", fresh=True)
            wall = time.perf_counter() - t0
            m = run.metrics
            entry = {"problem": name, "loss": loss, "steps": m["steps"],
                     "train_time_s": m["train_time_s"], "wall_s": wall,
                     "l2re_mean": m["test"]["l2re_mean"], "l2re_worst": m["test"]["l2re_worst"],
                     "train": m["train_instances"], "test": m["test_instances"],
                     "grid": m["grid"], "final_losses": m["final_losses"], "run": str(run.path)}
            g = m["grid"]
            # Twice the spatial resolution, zero-shot (Burgers: same times).
            fine = ({"x": 2 * g["x"], "t": g["t"]} if "t" in g
                    else {k: 2 * v - 1 for k, v in g.items()})
            entry["finer"] = evaluate_operator(run.path, fine)
            entry["finer"].pop("l2re", None)
            results["runs"][f"{name}_{loss}"] = entry
            save()
            if name == "burgers" and loss in ("physics", "hybrid"):
                # Fine-tune the test instance this operator gets worst (physics loss only).
                worst = int(np.argmax(m["test"]["l2re"]))
                ft = finetune(run.path, worst, steps=args.finetune_steps, lr=1e-3, fresh=True)
                entry["finetune"] = {"instance": worst, "steps": ft["steps"],
                                     "time_s": ft["train_time_s"],
                                     "before": ft["l2re_before"], "after": ft["l2re_after"]}
                save()
    save()


def render(results: dict) -> str:
    rows = ["| problem (grid, train/test) | loss | steps | train time (s) | test rel. L2 mean | "
            "worst | finer grid mean | fine-tuned worst instance (before → after, steps, s) |",
            "|---|---|---|---|---|---|---|---|"]
    for entry in results["runs"].values():
        ft = entry.get("finetune")
        ft_text = (f"#{ft['instance']}: {ft['before']:.2e} → {ft['after']:.2e} ({ft['steps']}, "
                   f"{ft['time_s']:.0f})"
                   if ft else "–")
        finer = entry.get("finer", {})
        grid = "×".join(str(v) for v in finer.get("grid", {}).values())
        rows.append(f"| {entry['problem']} ({'×'.join(map(str, entry['grid'].values()))}, "
                    f"{entry['train']}/{entry['test']}) | {entry['loss']} | {entry['steps']} | "
                    f"{entry['train_time_s']:.0f} | {entry['l2re_mean']:.2e} | "
                    f"{entry['l2re_worst']:.2e} | {finer.get('l2re_mean', float('nan')):.2e} "
                    f"({grid}) | {ft_text} |")
    return ("# PINO benchmark (generated by benchmarks/pino.py)\n\n"
            "Reproduce: `heavy /work/main/.venv/bin/python benchmarks/pino.py --only burgers` "
            "and `... --only darcy` (run side by side; `--only darcy_sharp` adds Li et al.'s "
            "sharp coefficients, problems/darcy_sharp.yaml, with the flux-form physics loss, and "
            "`--only darcy_sharp_product` the same with `operator.flux_form=false`), "
            f"{results['steps']} Adam steps each. One torch thread on a 2-core machine shared with other "
            "jobs: times are indicative only. Errors are relative L2 over the whole grid, "
            "averaged (mean) or maximised (worst) over the held-out test instances. "
            "'finer grid' evaluates the same trained operator, zero-shot, on the test "
            "instances at twice the spatial resolution (references recomputed there). "
            "Discussion and what limits each figure: docs/operators.md.\n\n"
            + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
