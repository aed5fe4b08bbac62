"""Training-step time of the STDE benchmark problem (problems/poisson_twobody.yaml, sparse
random tangents) eager and with ``training.compile``, side by side in one process:

* ``eager``: the loss as the engine runs it uncompiled;
* ``compiled, draws inside``: ``torch.compile`` of the loss with the tangents drawn inside
  it, as before stop 32 (a ``torch.Generator`` breaks the graph at each draw and dynamo
  runs the frame around it eagerly);
* ``compiled, drawn ahead``: the tangents drawn just before the compiled loss (one graph).

A step is the loss, its backward pass and an Adam update; medians over ``--reps``
interleaved rounds of ``--steps`` steps, after ``--warmup`` steps (compilation).

    .venv/bin/python benchmarks/stde_compile.py --dims 100 1000

One torch thread; run nothing else beside it.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

import pinnsolve
from pinnsolve.training import acceleration
from pinnsolve.training.pinn import pinn_loop

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "problems" / "poisson_twobody.yaml"
KINDS = ("eager", "compiled, draws inside", "compiled, drawn ahead")


def stepper(dim: int, kind: str):
    s = pinn_loop(pinnsolve.load_problem(FILE, [f"x.dim={dim}"]), torch.device("cpu"),
                  torch.float32).stepper
    if kind != "eager":   # the loss as the trainer builds it with training.compile
        s._loss = acceleration._compiled_or_eager(
            s.losses, None, s.compiled.engine if kind.endswith("ahead") else None)
    opt = torch.optim.Adam(s.params, lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        total = s._loss()[0]
        total.backward()
        opt.step()
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print("| d | run | ms per step | vs eager |\n|---|---|---|---|")
    for dim in args.dims:
        steps = {k: stepper(dim, k) for k in KINDS}
        for k in KINDS:
            for _ in range(args.warmup):
                steps[k]()
        times = {k: [] for k in KINDS}
        for _ in range(args.reps):
            for k in KINDS:
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    steps[k]()
                times[k].append((time.perf_counter() - t0) / args.steps * 1e3)
        base = statistics.median(times["eager"])
        for k in KINDS:
            ms = statistics.median(times[k])
            print(f"| {dim} | {k} | {ms:.2f} | {base / ms:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
