"""Training-step throughput against the machine's measured matmul peak (a roofline table).

For each bundled PINN problem (burgers, poisson2d, heat1d) and derivative engine
(autodiff, taylor, stde) one Adam step (loss over every region, backward, update; no
sampler update) is timed, its floating-point operations counted with
``torch.utils.flop_counter``'s formulas (matmuls and convolutions: what it counts;
elementwise work is not counted), and
reported as points·steps/s, GFLOP/s and the fraction of the peak of a large matmul
measured in the same run, in the step's dtype. Torch threads are pinned to 1.

Also, side by side in the same process:

* the clamped plate Δ²u = f written term by term (2000 interior points, default 4×64
  tanh network): autodiff as the file is written (the compiler's operator recognition
  off, i.e. nested autodiff of u_xxxx, u_xxyy, u_yyyy) against the recognised
  bilaplacian with each engine;
* Burgers (problems/burgers.yaml) with the code of ``--baseline REV`` (default: the commit
  this branch started from), extracted with ``git archive`` into a temporary package
  ``pinnsolve_base`` and imported next to the current one;
* per request, nested autodiff against the Taylor engine on jets only (the table
  ``pinnsolve/derivatives/choice.py`` holds; ``--choice`` measures only that);
* hard constraints on shaped domains (channel_obstacle with exact imposition, plate_holes,
  the zoo's poisson_holes): the distance and blended lifts evaluated at every step against
  tabulated with their derivatives once per point set (models/tabulated.py);
* dense quasi-Newton iterations (the plan's second phase, 4×40 float64 networks) of the
  code at ``--qn-baseline`` (the inverse Hessian updated in the matrix at every
  iteration) against this code's (updates kept as rank-one terms, folded once per
  ``optimizer.step`` call), from the same parameters after 100 Adam steps
  (``--quasi-newton`` measures only that);
* threads with one core kept busy by another process (``python -c "while 1: pass"``
  pinned to the last usable CPU): heat1d steps at 1 thread, at all usable CPUs, and at
  what ``training/threads.choose_threads`` picks.

Timings interleave the configurations repetition by repetition and report medians, so a
load change on a shared machine hits all of them alike.

Usage:
    python benchmarks/throughput.py                  # writes docs/throughput.md
    python benchmarks/throughput.py --reps 3 --out /tmp/t.md
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBLEMS = ["burgers", "poisson2d", "heat1d"]
DEVICE = torch.device("cpu")   # --device cuda: the roofline, plate and per-request tables
ENGINES = ["autodiff", "taylor", "stde"]
PLATE = {
    "name": "clamped_plate",
    "domain": {"x": [0, 1], "y": [0, 1]},
    "fields": ["u"],
    "equations": ["diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4) = 4*pi**4*sin(pi*x)*sin(pi*y)"],
    "conditions": [{"where": "boundary", "dirichlet": 0}],
    "sampling": {"interior": 2000},
    "training": {"dtype": "float32"},
}


def matmul_peak(dtype: torch.dtype, n: int = 1024, reps: int = 5) -> float:
    """GFLOP/s of an (n × n) @ (n × n) product, median of ``reps``."""
    a, b = (torch.randn(n, n, dtype=dtype, device=DEVICE) for _ in range(2))
    a @ b
    times = []
    for _ in range(reps):
        sync()
        t0 = time.perf_counter()
        a @ b
        sync()
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def trainer_step(pkg: str, source, overrides=(), tables: bool = True):
    """(step function, points per step, dtype) for a Trainer of package ``pkg``; with
    ``tables=False`` hard constraints are evaluated directly (models/tabulated.py)."""
    spec = importlib.import_module(f"{pkg}.spec")
    problem = spec.load_problem(source, list(overrides))
    dtype = torch.float32 if problem.settings.training.dtype == "float32" else torch.float64
    if importlib.util.find_spec(f"{pkg}.training.parts") is not None:   # since issue 16
        parts = importlib.import_module(f"{pkg}.training.parts")
        pinn = importlib.import_module(f"{pkg}.training.pinn")
        tr = pinn.PinnStepper(parts.assemble(problem, DEVICE, dtype),
                              problem.settings.training)
    else:                                                              # older baselines
        trainer = importlib.import_module(f"{pkg}.training.trainer")
        tr = trainer.Trainer(problem, DEVICE, dtype)
    if not tables:
        from pinnsolve.models.tabulated import Untabulated
        tr.model.__dict__["_static_values"] = Untabulated()
    opt = torch.optim.Adam(tr.params, lr=1e-4)

    loss = getattr(tr, "_loss", tr.losses)   # the compiled loss with training.compile

    def step():
        opt.zero_grad(set_to_none=True)
        total, _, _ = loss()
        total.backward()
        opt.step()

    points = sum(len(s.points()) for s in tr.samplers.values())
    return step, points, dtype


class _Flops(TorchDispatchMode):
    """FlopCounterMode's formulas (``flop_registry``) without its module tracker, whose
    backward hooks refuse nested ``autograd.grad`` (the autodiff engine)."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def count_flops(step) -> float:
    with _Flops() as counter:
        step()
    return counter.total


def sync() -> None:
    """Wait for the GPU's queued work (a no-op on the CPU), so a timer sees it done."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def interleaved(steps: dict, reps: int, warm: int = 2) -> dict[str, float]:
    """Median seconds per step of each named step function, repetitions interleaved."""
    for fn in steps.values():
        for _ in range(warm):
            fn()
    times = {k: [] for k in steps}
    for _ in range(reps):
        for k, fn in steps.items():
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


@contextlib.contextmanager
def operators_off():
    """Compile problems as written: no operator recognition (today's main)."""
    from pinnsolve.compiler import residual
    keep = residual.recognise_operators
    residual.recognise_operators = lambda expr, columns: expr
    try:
        yield
    finally:
        residual.recognise_operators = keep


def baseline_package(rev: str) -> str:
    """Extract ``pinnsolve/`` at ``rev`` as the importable package ``pinnsolve_base``."""
    tmp = Path(tempfile.mkdtemp(prefix="pinnsolve_base_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pinnsolve"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    (tmp / "pinnsolve").rename(tmp / "pinnsolve_base")
    sys.path.insert(0, str(tmp))
    return "pinnsolve_base"


@contextlib.contextmanager
def busy_core():
    """One process spinning on the last usable CPU for the block (ended by its pid)."""
    cpus = sorted(os.sched_getaffinity(0))
    proc = subprocess.Popen([sys.executable, "-c", "while 1: pass"],
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpus[-1]}))
    try:
        time.sleep(0.5)
        yield
    finally:
        proc.kill()
        proc.wait()


def choice_requests() -> dict[tuple, object]:
    """One request per key of derivatives/choice.py, orders 2-4 over 1-3 columns."""
    from pinnsolve.derivatives import Bilaplacian, DiagonalSum, Laplacian, Partial
    reqs = {}
    for k in (2, 3, 4):
        reqs[("partial", k, 1)] = Partial(0, ((0, k),))
        for cols in (2, 3):
            if cols <= k:   # u_xy, u_xxy, u_xyz, u_xxxy, u_xxyz: the first columns get the rest
                orders = tuple((c, k - cols + 1 if c == 0 else 1) for c in range(cols))
                reqs[("partial", k, cols)] = Partial(0, orders)
    for cols in (1, 2, 3):
        reqs[("laplacian", 2, cols)] = Laplacian(0, 0, cols)
    for cols in (2, 3):
        reqs[("bilaplacian", 4, cols)] = Bilaplacian(0, 0, cols)
        for k in (3, 4):
            reqs[("diagonal", k, cols)] = DiagonalSum(0, 0, cols, k)
    return reqs


def choice_table(reps: int) -> tuple[list[str], set]:
    """Nested autodiff vs the Taylor engine (jets forced) per request: one step (forward,
    backward) of a 4×64 tanh MLP, 2000 points in d = 3, float32."""
    from pinnsolve.derivatives import TaylorEngine, autodiff
    from pinnsolve.models import MLP, Embedding
    torch.manual_seed(0)
    model = MLP(Embedding([0.0] * 3, [1.0] * 3), 1, width=64, depth=4).float().to(DEVICE)
    x = torch.rand(2000, 3, device=DEVICE)
    jets = TaylorEngine(nested=frozenset())
    steps = {}
    for key, req in choice_requests().items():
        for name, engine in (("nested", autodiff), ("taylor", jets)):
            def step(req=req, engine=engine):
                model.zero_grad(set_to_none=True)
                (engine(model, x, [req])[req] ** 2).mean().backward()
            steps[(key, name)] = step
    t = interleaved(steps, reps, warm=1)
    lines = ["| request (kind, order, columns) | nested ms | taylor ms | faster |",
             "|---|---|---|---|"]
    nested = set()
    for key in choice_requests():
        a, b = t[(key, "nested")], t[(key, "taylor")]
        if a < 0.95 * b:    # nested only beyond the timing noise (5 %)
            nested.add(key)
        lines.append(f"| {key} | {1e3 * a:.1f} | {1e3 * b:.1f} | "
                     f"{'nested' if a < b else 'taylor'} ({max(a, b) / min(a, b):.2f}×) |")
    return lines, nested


QN_PROBLEMS = ["benchmarks/zoo/heat_robin.yaml", "benchmarks/heldout/poisson_long_1d.yaml",
               "benchmarks/heldout/taylor_green.yaml"]


def quasi_newton_table(reps: int, baseline: str) -> list[str]:
    """ms per dense quasi-Newton iteration, ``baseline``'s optimizer against this one's."""
    from pinnsolve.spec import load_problem
    from pinnsolve.training import parts as parts_mod, pinn
    from pinnsolve.training.quasi_newton import DenseQuasiNewton

    old = importlib.import_module(f"{baseline_package(baseline)}.training.quasi_newton")
    rows = []
    for path in QN_PROBLEMS:
        problem = load_problem(str(ROOT / path), ["training.budget=1m"])   # the plan's network
        runs = {}
        for label, cls in ((f"{baseline}", old.DenseQuasiNewton), ("this code", DenseQuasiNewton)):
            tr = pinn.PinnStepper(parts_mod.assemble(problem, torch.device("cpu"), torch.float64),
                                  problem.settings.training)
            adam = torch.optim.Adam(tr.params, lr=1e-3)
            for _ in range(100):
                adam.zero_grad(set_to_none=True)
                tr.losses()[0].backward()
                adam.step()
            opt = cls(tr.params, variant="ssbfgs", max_iter=20)

            def closure(tr=tr, opt=opt):
                opt.zero_grad(set_to_none=True)
                total = tr.losses()[0]
                total.backward()
                return total

            runs[label] = (opt, closure, tr)
        times = {k: [] for k in runs}
        for _ in range(reps):
            for k, (opt, closure, _) in runs.items():
                state = opt.state[opt.param_groups[0]["params"][0]]
                before = state.get("n_iter", 0)
                t0 = time.perf_counter()
                opt.step(closure)
                times[k].append((time.perf_counter() - t0) / max(state["n_iter"] - before, 1))
        n = sum(p.numel() for p in runs["this code"][2].params)
        med = {k: statistics.median(v) for k, v in times.items()}
        loss = {k: float(r[0].state[r[0].param_groups[0]["params"][0]]["loss"])
                for k, r in runs.items()}
        rows.append(f"| {Path(path).stem} | {n} | {1e3 * med[baseline]:.1f} | "
                    f"{1e3 * med['this code']:.1f} | {med[baseline] / med['this code']:.2f}× | "
                    f"{loss[baseline]:.3g} / {loss['this code']:.3g} |")
        print(rows[-1], flush=True)
    return ["", f"Dense quasi-Newton (ssbfgs, the plan's network and points, float64), ms per "
            f"iteration, medians of {reps} calls of 20 iterations from the same parameters "
            f"after 100 Adam steps; before = commit {baseline} imported side by side:", "",
            "| problem | parameters | before ms/iter | now ms/iter | speed-up | loss after, "
            "before / now |", "|---|---|---|---|---|---|"] + rows


def roofline_and_plate(reps: int, peak_size: str) -> list[str]:
    """The matmul peak, the roofline table (bundled problems × engines) and the clamped
    plate (as written against the recognised bilaplacian), on DEVICE."""
    n = 8192 if DEVICE.type == "cuda" else 1024
    peak = {dt: matmul_peak(dt, n) for dt in (torch.float32, torch.float64)}
    lines = [f"Matmul peak ({peak_size}): float32 {peak[torch.float32]:.1f} GFLOP/s, "
             f"float64 {peak[torch.float64]:.1f} GFLOP/s.", ""]
    print(lines[0], flush=True)
    steps, info = {}, {}
    for name in PROBLEMS:
        for eng in ENGINES:
            fn, pts, dtype = trainer_step("pinnsolve", ROOT / "problems" / f"{name}.yaml",
                                          [f"derivatives.engine={eng}"])
            steps[(name, eng)] = fn
            info[(name, eng)] = (pts, dtype, count_flops(fn))
    times = interleaved(steps, reps)
    lines += ["| problem | engine | dtype | points/step | ms/step | points·steps/s | "
              "GFLOP/step | GFLOP/s | % of peak |", "|---|---|---|---|---|---|---|---|---|"]
    for (name, eng), t in times.items():
        pts, dtype, flops = info[(name, eng)]
        lines.append(f"| {name} | {eng} | {str(dtype)[6:]} | {pts} | {1e3 * t:.1f} | "
                     f"{pts / t:,.0f} | {flops / 1e9:.3f} | {flops / t / 1e9:.2f} | "
                     f"{100 * flops / t / 1e9 / peak[dtype]:.1f} |")
        print(lines[-1], flush=True)

    with operators_off():
        written, _, _ = trainer_step("pinnsolve", PLATE, ["derivatives.engine=autodiff"])
    plate = {"autodiff, as written (before)": written}
    for eng in ("autodiff", "taylor"):
        plate[f"{eng}, bilaplacian recognised"] = trainer_step(
            "pinnsolve", PLATE, [f"derivatives.engine={eng}"])[0]
    t = interleaved(plate, max(3, reps // 2), warm=1)
    before = t["autodiff, as written (before)"]
    lines += ["", "Clamped plate, Δ²u written term by term, 2000 interior points, 4×64 tanh, "
              "float32:", "", "| configuration | s/step | speed-up |", "|---|---|---|"]
    lines += [f"| {k} | {v:.4f} | {before / v:.1f}× |" for k, v in t.items()]
    print("\n".join(lines[-len(t) - 2:]), flush=True)
    return lines


def gpu_report(reps: int) -> list[str]:
    """The tables that a GPU changes: roofline, plate and nested vs Taylor per request."""
    props = torch.cuda.get_device_properties(0)
    lines = [f"GPU: {props.name} ({props.total_memory / 2**30:.0f} GiB, "
             f"{props.multi_processor_count} multiprocessors), torch {torch.__version__}, "
             f"CUDA {torch.version.cuda}; medians of {reps} repetitions, the GPU synchronised "
             "around every timed step.", ""]
    lines += roofline_and_plate(reps, "8192², on the GPU")
    table, nested = choice_table(reps)
    lines += ["", "Nested autodiff vs the Taylor engine on jets only, per request (one step "
              "of a 4×64 tanh MLP, 2000 points, d = 3, float32):", ""] + table + \
        ["", f"Nested faster: {sorted(nested)}"]
    print("\n".join(table), flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--baseline", default="b709670",
                    help="git revision for Burgers 'before' (default: this branch's start)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "throughput.md"))
    ap.add_argument("--choice", action="store_true",
                    help="only measure nested vs Taylor per request (derivatives/choice.py)")
    ap.add_argument("--qn-baseline", default="fafe085",
                    help="git revision for the dense quasi-Newton 'before'")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="cuda: only the tables a GPU changes (roofline, plate, per request), "
                         "written to --out")
    ap.add_argument("--quasi-newton", action="store_true",
                    help="only measure dense quasi-Newton iterations against --qn-baseline")
    ap.add_argument("--burgers", action="store_true",
                    help="only the Burgers table (before/after, and the compiled Taylor loss)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.device == "cuda":
        global DEVICE
        DEVICE = torch.device("cuda")
        Path(args.out).write_text("\n".join(gpu_report(args.reps)) + "\n")
        print(f"wrote {args.out}")
        return
    if args.quasi_newton:
        print("\n".join(quasi_newton_table(args.reps, args.qn_baseline)))
        return
    if args.choice:
        lines, nested = choice_table(args.reps)
        print("\n".join(lines))
        print("NESTED_FASTER =", sorted(nested))
        return
    lines = [f"Machine: {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
             f"torch {torch.__version__}, 1 torch thread unless stated. Shared machine: "
             "other jobs ran at the same time; configurations interleaved, medians of "
             f"{args.reps} repetitions.", ""]

    if not args.burgers:
        lines += roofline_and_plate(args.reps, "1024², 1 thread")

    # -- Burgers before/after ---------------------------------------------------------------
    base = baseline_package(args.baseline)
    burgers = ROOT / "problems" / "burgers.yaml"
    pair = {}
    for eng in ("autodiff", "taylor"):
        # The timed step never redraws points; uniform, because the baseline cannot read the
        # file's newer strategy spelling ({rad: {candidates: ...}}).
        over = [f"derivatives.engine={eng}", "sampling.strategy=uniform"]
        pair[f"{args.baseline} {eng}"] = trainer_step(base, burgers, over)[0]
        pair[f"this branch {eng}"] = trainer_step("pinnsolve", burgers, over)[0]
    compiled = trainer_step("pinnsolve", burgers, ["derivatives.engine=taylor",
                                                   "sampling.strategy=uniform",
                                                   "training.compile=true"])[0]
    compiled()   # compiles (seconds); the timed steps reuse the graph
    pair["this branch taylor, training.compile"] = compiled
    t = interleaved(pair, args.reps)
    ref = t[f"{args.baseline} autodiff"]
    lines += ["", f"Burgers (problems/burgers.yaml, float32, 4000 points), before = commit "
              f"{args.baseline} imported side by side:", "",
              "| code, engine | steps/s | vs before autodiff |", "|---|---|---|"]
    lines += [f"| {k} | {1 / v:.1f} | {ref / v:.2f}× |" for k, v in t.items()]
    print("\n".join(lines[-len(t) - 2:]), flush=True)
    if args.burgers:
        return

    # -- hard constraints: tabulated or evaluated at every step ---------------------------
    shaped = {"channel_obstacle (exact)": (ROOT / "problems" / "channel_obstacle.yaml",
                                           ["model.hard_constraints=true"]),
              "plate_holes": (ROOT / "problems" / "plate_holes.yaml", []),
              "poisson_holes (zoo)": (ROOT / "benchmarks" / "zoo" / "poisson_holes.yaml", [])}
    pair = {}
    for name, (path, ov) in shaped.items():
        for tab in (False, True):
            pair[(name, tab)] = trainer_step("pinnsolve", path, ov, tables=tab)[0]
    t = interleaved(pair, args.reps)
    lines += ["", "Hard constraints on shaped domains, autodiff engine, the files' own settings: "
              "the distance and blended lifts evaluated and differentiated at every step "
              "against tabulated once per point set (models/tabulated.py):", "",
              "| problem | direct ms/step | tabulated ms/step | speed-up |", "|---|---|---|---|"]
    lines += [f"| {name} | {1e3 * t[(name, False)]:.1f} | {1e3 * t[(name, True)]:.1f} | "
              f"{t[(name, False)] / t[(name, True)]:.2f}× |" for name in shaped]
    print("\n".join(lines[-len(shaped) - 2:]), flush=True)

    # -- threads with a busy core -----------------------------------------------------------
    from pinnsolve.training.threads import choose_threads, usable_cpus
    heat = ROOT / "problems" / "heat1d.yaml"
    fn = trainer_step("pinnsolve", heat)[0]
    usable = usable_cpus()
    rows = []
    with busy_core():
        for n in sorted({1, usable}):
            torch.set_num_threads(n)
            rows.append((f"{n} thread(s)", interleaved({"s": fn}, args.reps, warm=1)["s"]))
        choice = choose_threads(fn, usable)
        rows.append((f"auto (chose {choice.threads})",
                     interleaved({"s": fn}, args.reps, warm=1)["s"]))
    torch.set_num_threads(1)
    one = rows[0][1]
    lines += ["", f"heat1d with one core kept busy by `python -c \"while 1: pass\"` pinned to "
              f"the last usable CPU ({usable} usable):", "",
              "| threads | s/step | vs 1 thread |", "|---|---|---|"]
    lines += [f"| {k} | {v:.4f} | {v / one:.2f}× |" for k, v in rows]
    print("\n".join(lines[-len(rows) - 2:]), flush=True)

    # -- nested vs Taylor per request (the table in derivatives/choice.py) ---------------
    lines += quasi_newton_table(args.reps, args.qn_baseline)
    table, nested = choice_table(args.reps)
    lines += ["", "Nested autodiff vs the Taylor engine on jets only, per request (one step of "
              "a 4×64 tanh MLP, 2000 points, d = 3, float32; nested is chosen where it wins "
              "by more than 5 %):", ""] + table + ["", f"Nested faster: {sorted(nested)}"]
    print("\n".join(table), flush=True)

    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
