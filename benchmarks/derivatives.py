"""Derivative engines side by side: time per training step and peak memory.

A *step* evaluates the operator at N points for an MLP (3 hidden layers of 128, tanh,
float32; the STDE paper's network), forms mean(op²) and back-propagates to the weights.
Methods for the Laplacian:

  nested        exact, nested reverse-mode autodiff (pinnsolve's ``autodiff`` engine)
  hutchinson    16 Rademacher vectors, vᵀ(∇²u)v by Hessian-vector products with reverse
                mode (the paper's "randomised first-order AD" baseline)
  forward_lap   exact, collapsed Taylor mode = forward Laplacian (``taylor`` engine)
  stde_dense    16 Rademacher vectors through collapsed 2-jets (``stde``, sparse: false)
  stde_sparse   16 coordinates sampled without replacement, scaled d/16 (``stde``)

and for the bilaplacian Δ²u (d = 2, 5): nested autodiff, exact Taylor (polarised 4-jets)
and the stochastic Gaussian 4-jet estimator with 16 vectors.

All methods run in one process with torch threads pinned (``--threads``, default 1);
each time is the median over repetitions after a warm-up. A method is skipped at a
dimension when its time, extrapolated linearly in d from the previous dimension, would
exceed ``--limit`` seconds, or its estimated memory would exceed ``--max-gib``; the table
says so. Peak memory is measured in a fresh subprocess per (method, d): the growth of the
resident set size over the model's own footprint, for one step.

Usage:
    python benchmarks/derivatives.py                       # full table → docs/derivatives.md
    python benchmarks/derivatives.py --dims 2 10 100 --no-memory --out /tmp/quick.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pinnsolve.derivatives import Bilaplacian, Laplacian, TaylorEngine, autodiff  # noqa: E402
from pinnsolve.models import MLP, Embedding  # noqa: E402

LAPLACIAN_METHODS = ["nested", "hutchinson", "forward_lap", "stde_dense", "stde_sparse"]
BIHARMONIC_METHODS = ["nested", "taylor_exact", "stde_gaussian"]
DIRECTIONS = 16
DTYPE = torch.float32


def build(d: int, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return MLP(Embedding([-1.0] * d, [1.0] * d), 1, width=128, depth=3).to(DTYPE)


def points(d: int, n: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=DTYPE)
    return x / x.norm(dim=1, keepdim=True) * torch.rand(n, 1, generator=g, dtype=DTYPE)


def hutchinson(model, x, V, gen):
    """(1/V) Σ vᵀ∇²u v with reverse-mode Hessian-vector products."""
    x = x.detach().requires_grad_(True)
    u = model(x)[:, 0]
    (g,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    total = 0.0
    for _ in range(V):
        v = (2 * torch.randint(0, 2, (x.shape[1],), generator=gen) - 1).to(x.dtype)
        (hv,) = torch.autograd.grad((g * v).sum(), x, create_graph=True)
        total = total + (hv * v).sum(1)
    return total / V


def operator(method: str, d: int, kind: str = "laplacian"):
    """A function model, x -> (n,) operator values for one method and operator kind."""
    gen = torch.Generator().manual_seed(2)
    lap, bil = Laplacian(0, 0, d), Bilaplacian(0, 0, d)
    engines = {"forward_lap": TaylorEngine(), "taylor_exact": TaylorEngine(),
               "stde_dense": TaylorEngine(DIRECTIONS, sparse=False, seed=3),
               "stde_sparse": TaylorEngine(DIRECTIONS, sparse=True, seed=3),
               "stde_gaussian": TaylorEngine(DIRECTIONS, seed=3)}
    if method == "hutchinson":
        return lambda m, x: hutchinson(m, x, DIRECTIONS, gen)
    req = bil if kind == "biharmonic" else lap
    if method == "nested":
        return lambda m, x, req=req: autodiff(m, x, [req])[req]
    engine = engines[method]
    return lambda m, x, req=req: engine(m, x, [req])[req]


def step_fn(model, x, op):
    def step():
        model.zero_grad(set_to_none=True)
        value = op(model, x)
        (value ** 2).mean().backward()
    return step


def time_step(step, min_reps=3, budget_s=4.0) -> float:
    step()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < budget_s and len(times) < 30):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def batch_size(d: int, kind: str) -> int:
    return 256 if kind == "biharmonic" else (1000 if d <= 10 else 100)


def memory_estimate_gib(method: str, d: int, n: int) -> float:
    """Rough training-graph memory: activations × propagated vectors, float32."""
    h, layers = 128, 4
    vectors = {"forward_lap": d + 2, "nested": 3 * d, "hutchinson": 3 * DIRECTIONS,
               "stde_dense": DIRECTIONS + 2, "stde_sparse": DIRECTIONS + 2}.get(method, 1)
    return (n * h * layers * vectors * 4 * 3 + 4 * d * (h + 2 * n)) / 2**30


def measure_memory(method: str, d: int, n: int, kind: str) -> float | None:
    """Peak RSS growth (MiB) of one step, in a fresh process: the kernel's high-water mark
    is reset (/proc/self/clear_refs) after the model and points are built, so the figure is
    what the step itself adds (graph, jets, gradients)."""
    code = (f"import sys, re; sys.path.insert(0, {str(ROOT)!r}); import torch;"
            "torch.set_num_threads(1);"
            "from benchmarks.derivatives import build, points, operator, step_fn;"
            f"m = build({d}); x = points({d}, {n}); op = operator({method!r}, {d}, {kind!r});"
            "kb = lambda key: int(re.search(key + r':\\s+(\\d+)', "
            "open('/proc/self/status').read()).group(1));"
            "base = kb('VmRSS'); open('/proc/self/clear_refs', 'w').write('5');"
            "step_fn(m, x, op)();"
            "print((kb('VmHWM') - base) / 1024)")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
        return float(out.stdout.strip().splitlines()[-1])
    except Exception:  # noqa: BLE001 - a failed measurement is reported as missing
        return None


def run(kind: str, methods: list[str], dims: list[int], limit: float, max_gib: float,
        memory: bool) -> list[dict]:
    rows = []
    last: dict[str, tuple[int, float]] = {}
    for d in dims:
        n = batch_size(d, kind)
        model = build(d)
        x = points(d, n)
        for method in methods:
            row = {"kind": kind, "d": d, "n": n, "method": method}
            prev = last.get(method)
            est = prev[1] * d / prev[0] if prev else 0.0
            if prev is None and method in last:  # previously skipped
                est = float("inf")
            if est > limit:
                row["skipped"] = f"extrapolated step {est:.0f} s > {limit:.0f} s"
                last[method] = None  # type: ignore[assignment]
            elif memory_estimate_gib(method, d, n) > max_gib:
                row["skipped"] = f"estimated memory {memory_estimate_gib(method, d, n):.0f} GiB"
                last[method] = None  # type: ignore[assignment]
            else:
                t = time_step(step_fn(model, x, operator(method, d, kind)))
                row["ms"] = 1000 * t
                last[method] = (d, t)
                if memory:
                    row["mib"] = measure_memory(method, d, n, kind)
            rows.append(row)
            print(json.dumps(row), flush=True)
        del model, x
    return rows


def table(rows: list[dict], kind: str, methods: list[str], base: str) -> str:
    dims = sorted({r["d"] for r in rows if r["kind"] == kind})
    head = "| d | N | " + " | ".join(methods) + f" | {methods[-1]} / {base} |"
    lines = [head, "|" + "---|" * (len(methods) + 3)]
    for d in dims:
        cells, by = [], {r["method"]: r for r in rows if r["kind"] == kind and r["d"] == d}
        for m in methods:
            r = by[m]
            if "skipped" in r:
                cells.append("skipped")
            else:
                mem = f" / {r['mib']:.0f} MiB" if r.get("mib") is not None else ""
                cells.append(f"{r['ms']:.1f} ms{mem}")
        ratio = (f"{by[methods[-1]]['ms'] / by[base]['ms']:.3f}"
                 if "ms" in by[methods[-1]] and "ms" in by[base] else "–")
        n = next(iter(by.values()))["n"]
        lines.append(f"| {d:,} | {n} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for m in LAPLACIAN_METHODS:
        pts = [(r["d"], r["ms"]) for r in rows if r["kind"] == "laplacian" and r["method"] == m
               and "ms" in r]
        if pts:
            ax.loglog(*zip(*pts), marker="o", label=m)
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("ms per training step")
    ax.set_title("Laplacian: time per step (MLP 3×128 tanh, float32, 1 thread)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dims", type=int, nargs="+",
                   default=[2, 10, 100, 1000, 10_000, 100_000, 1_000_000])
    p.add_argument("--biharmonic-dims", type=int, nargs="+", default=[2, 5])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=float, default=60.0)
    p.add_argument("--max-gib", type=float, default=12.0)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "derivatives.md")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = run("laplacian", LAPLACIAN_METHODS, args.dims, args.limit, args.max_gib,
               not args.no_memory)
    rows += run("biharmonic", BIHARMONIC_METHODS, args.biharmonic_dims, args.limit,
                args.max_gib, not args.no_memory)
    (args.out.parent).mkdir(parents=True, exist_ok=True)
    (args.out.with_suffix(".json")).write_text(json.dumps(rows, indent=1))
    plot(rows, args.out.with_suffix(".png"))
    cmd = "python benchmarks/derivatives.py " + " ".join(sys.argv[1:])
    text = f"""# Derivative engines: time per training step

Measured by `{cmd.strip()}` on {platform.processor() or platform.machine()},
torch {torch.__version__}, {args.threads} thread(s), float32. A step = operator at N points +
mean(op²) backward to the weights, MLP 3×128 tanh; median over repetitions. Memory (when
shown) = peak RSS growth of one step in a fresh process (high-water mark reset after the
model and points are built). Raw rows: `{args.out.with_suffix('.json').name}`.

## Laplacian

{table(rows, "laplacian", LAPLACIAN_METHODS, "forward_lap")}

Last column: sparse STDE time over forward-Laplacian time.

![time per step](derivatives.png)

## Bilaplacian Δ²u

{table(rows, "biharmonic", BIHARMONIC_METHODS, "nested")}

Last column: stochastic Gaussian 4-jets (16 vectors) over nested autodiff.
"""
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
