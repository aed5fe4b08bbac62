"""Training throughput (collocation points × steps per second) for 1 and 2 data-parallel
ranks, compiled and eager losses, box and CSG domains; into docs/scaling.json and the table
in docs/scaling.md.

Every configuration trains the same network (MLP 64 × 4, tanh, float32) with Adam for
``--steps`` steps on the same global batch (``--points`` interior + a quarter as many
boundary points), launched through the CLI (``pinnsolve solve --nproc N``, which runs
torch.distributed.run with gloo on the CPU, or NCCL on CUDA with ``--device cuda``). The
time is the trainer's own (``train_time_s`` in metrics.json: the steps, not process start,
compilation is included for compiled runs), and a steady-state rate from the first log row
(a third of the steps) to the last. Every rank is pinned to one thread.

Run: .venv/bin/python benchmarks/scaling.py [--steps 300] [--points 8192] [--device cpu]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]

BOX = {"x": [0, 1], "y": [0, 1]}
PLATE = {"x": [-1, 1], "y": [-1, 1], "shape": {"difference": [
    {"rectangle": {"min": [-1, -1], "max": [1, 1]}}, {"disk": {"center": [0, 0], "radius": 0.4}}]}}
# name → (domain, ranks, derivative engine, compile)
CONFIGS = {
    "box, autodiff, 1 rank": (BOX, 1, "autodiff", False),
    "box, autodiff, 2 ranks": (BOX, 2, "autodiff", False),
    "plate with hole, autodiff, 1 rank": (PLATE, 1, "autodiff", False),
    "plate with hole, autodiff, 2 ranks": (PLATE, 2, "autodiff", False),
    "box, taylor, 1 rank, eager": (BOX, 1, "taylor", False),
    "box, taylor, 1 rank, torch.compile": (BOX, 1, "taylor", True),
}


def problem(domain: dict, engine: str, compile_: bool, steps: int, points: int) -> dict:
    return {"name": "scaling", "domain": domain, "fields": ["u"],
            "equations": ["laplacian(u) = -2*pi**2*sin(pi*x)*sin(pi*y)"],
            "conditions": [{"where": "boundary", "dirichlet": 0}],
            "model": {"width": 64, "depth": 4, "hard_constraints": False},
            "derivatives": {"engine": engine},
            "sampling": {"interior": points, "boundary": points // 4, "resample_every": 100},
            "training": {"dtype": "float32", "compile": compile_, "log_every": steps // 3,
                         "checkpoint_every": 10 * steps, "eval_every": 10 * steps,
                         "phases": [{"optimizer": "adam", "steps": steps, "lr": 1e-3}]},
            "output": {"formats": ["npz"], "grid": {"x": 11, "y": 11}}}


def run(name: str, spec: tuple, steps: int, points: int, device: str, work: Path) -> dict:
    domain, ranks, engine, compile_ = spec
    path = work / f"{list(CONFIGS).index(name)}.yaml"
    path.write_text(yaml.safe_dump(problem(domain, engine, compile_, steps, points)))
    out = work / f"run{list(CONFIGS).index(name)}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pinnsolve", "solve", str(path), "--out", str(out), "--fresh",
           "--quiet", "--device", device, "--nproc", str(ranks), "training.threads=1"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-2000:]}")
    m = json.loads((out / "metrics.json").read_text())
    total_points = points + points // 4
    # Steady state: from the first log row (a third of the steps, compilation and warm-up
    # behind) to the last.
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    first, last = log[0], log[-1]
    steady = total_points * (last["step"] - first["step"]) / (last["elapsed_s"] - first["elapsed_s"])
    return {"config": name, "ranks": ranks, "engine": engine, "compile": compile_,
            "domain": "plate" if "shape" in domain else "box", "steps": m["steps"],
            "global_points": total_points, "train_time_s": m["train_time_s"],
            "throughput": total_points * m["steps"] / m["train_time_s"],
            "steady_throughput": steady, "device": m["device"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--points", type=int, default=8192)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--configs", default=";".join(CONFIGS), help="names separated by ;")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs.split(";"):
            rows.append(run(name, CONFIGS[name], args.steps, args.points, args.device, Path(tmp)))
            print(json.dumps(rows[-1]), flush=True)
    device = torch.cuda.get_device_name(0) if args.device == "cuda" else platform.processor() \
        or platform.machine()
    record = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "device": device, "cpu_count": os.cpu_count(), "torch": torch.__version__,
              "steps": args.steps, "points": args.points, "rows": rows}
    (ROOT / "docs" / "scaling.json").write_text(json.dumps(record, indent=1) + "\n")
    base = {r["domain"] + r["engine"]: r["throughput"] for r in rows if r["ranks"] == 1
            and not r["compile"]}
    steady_base = {r["domain"] + r["engine"]: r["steady_throughput"] for r in rows
                   if r["ranks"] == 1 and not r["compile"]}
    lines = ["| configuration | ranks | time (s) | points·steps/s | vs 1 rank eager | "
             "steady points·steps/s | vs 1 rank eager |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        ref = base.get(r["domain"] + r["engine"])
        sref = steady_base.get(r["domain"] + r["engine"])
        ratio = f"{r['throughput'] / ref:.2f}×" if ref else "–"
        sratio = f"{r['steady_throughput'] / sref:.2f}×" if sref else "–"
        lines.append(f"| {r['config']} | {r['ranks']} | {r['train_time_s']:.1f} | "
                     f"{r['throughput']:.3g} | {ratio} | {r['steady_throughput']:.3g} | {sratio} |")
    print("\n".join(lines))
    (ROOT / "docs" / "scaling_table.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
