"""Where a training step's time goes: torch.profiler over the steps of a real solve.

The problem trains through ``pinnsolve.solve`` with a log at every step; the profiler
skips ``--wait`` steps (start-up, first-use costs), then records ``--active`` steps and
prints the operators by their own time on the GPU (when there is one) and on the CPU,
and the wall time per step without the profiler's overhead is the solve's own log.

Usage:
    python benchmarks/step_profile.py problems/poisson_twobody.yaml x.dim=1000000 \\
        training.device=cuda [--wait 5] [--active 5] [--rows 25]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile, schedule

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pinnsolve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problem")
    ap.add_argument("overrides", nargs="*", help="dotted key=value overrides")
    ap.add_argument("--wait", type=int, default=5)
    ap.add_argument("--active", type=int, default=5)
    ap.add_argument("--rows", type=int, default=25)
    args = ap.parse_args()
    gpu = torch.cuda.is_available()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])
    steps = args.wait + 1 + args.active + 1
    times = []
    with profile(activities=activities,
                 schedule=schedule(wait=args.wait, warmup=1, active=args.active)) as prof:
        def callback(event, record):
            if event == "log":
                times.append(record.elapsed_s)
                prof.step()

        with tempfile.TemporaryDirectory() as out:
            pinnsolve.solve(args.problem, out=out, fresh=True, callback=callback, overrides=[
                *args.overrides, f"training.phases.0.steps={steps}", "training.log_every=1",
                "training.eval_every=1000000", "training.checkpoint_every=1000000"])
    per = [b - a for a, b in zip(times, times[1:])]
    print("seconds per step (profiled from step", args.wait + 2, "):",
          " ".join(f"{t:.3f}" for t in per))
    for key in (["self_cuda_time_total"] if gpu else []) + ["self_cpu_time_total"]:
        print(prof.key_averages().table(sort_by=key, row_limit=args.rows))


if __name__ == "__main__":
    main()
