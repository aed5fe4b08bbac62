"""Whole solves of the bundled Burgers problem (problems/burgers.yaml), side by side: the
file as written against the same file with other overrides (default: the Taylor engine with
``training.compile``), for several seeds. Steps per second of the whole run (Adam and L-BFGS
iterations over the training time, compilation included) and the L2RE against the
Cole-Hopf reference. Each compiled run gets an empty inductor cache, so its compile time is
the cold one a new user pays.

    .venv/bin/python benchmarks/burgers_run.py --seeds 0 1 2

One torch thread; run nothing else beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "problems" / "burgers.yaml"
OTHER = ["derivatives.engine=taylor", "training.compile=true"]

ONE = """
import json, sys, torch
torch.set_num_threads(1)
import pinnsolve
run = pinnsolve.solve(sys.argv[1], out=sys.argv[2], fresh=True, overrides=sys.argv[3:])
m = run.metrics
print(json.dumps({"steps": m["steps"], "train_time_s": m["train_time_s"],
                  "l2re": m["errors"]["u"]["l2re"]}))
"""


def solve(seed: int, overrides: list[str], out: Path, cache: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", TORCHINDUCTOR_CACHE_DIR=str(cache))
    cmd = [sys.executable, "-c", ONE, str(FILE), str(out), "training.threads=1",
           f"training.seed={seed}", *overrides]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--other", nargs="*", default=OTHER, help="overrides of the compared run")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for label, over in (("as written", []), (" ".join(args.other), args.other)):
                r = solve(seed, over, Path(tmp) / f"{seed}-{len(over)}",
                          Path(tmp) / f"cache-{seed}-{len(over)}")
                r.update(seed=seed, label=label, steps_per_s=r["steps"] / r["train_time_s"])
                rows.append(r)
                print(json.dumps(r), flush=True)
    print("\n| run | seed | train time (s) | steps/s | L2RE |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['seed']} | {r['train_time_s']:.1f} | "
              f"{r['steps_per_s']:.1f} | {r['l2re']:.2e} |")
    for label in dict.fromkeys(r["label"] for r in rows):
        mine = [r for r in rows if r["label"] == label]
        print(f"{label}: median {statistics.median(r['steps_per_s'] for r in mine):.1f} "
              f"steps/s, L2RE median {statistics.median(r['l2re'] for r in mine):.2e}")


if __name__ == "__main__":
    main()
