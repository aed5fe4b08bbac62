"""The zoo benchmark: every problem of benchmarks/zoo/ (physics only, as a new user writes
it) solved with a named configuration of defaults; L2RE and time into docs/zoo.json and the
table docs/zoo.md.

Configurations (nothing is added to the files in either):
  old   the defaults before issue 17, as that code ran them: commit 1a09303 (MLP 4×64 tanh,
        float32, Adam 3000 steps then L-BFGS 1000, 2000 uniform interior points redrawn every
        100 steps, fixed weights). Its code is imported from a checkout given by --code.
  new   today's defaults.

Run (one torch thread per problem, one problem at a time, each in its own process):
  .venv/bin/python benchmarks/zoo.py [--only poisson_peak,wave_1d] [--timeout 1800]
  git worktree add /tmp/zoo-old 1a09303
  .venv/bin/python benchmarks/zoo.py --config old --code /tmp/zoo-old
  .venv/bin/python benchmarks/zoo.py --table        # rewrite docs/zoo.md from docs/zoo.json
Cells of separate invocations are merged into docs/zoo.json (a cell records its date, the
commit it ran and the machine's load at its start).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "benchmarks" / "zoo"
JSON = ROOT / "docs" / "zoo.json"
DOC = ROOT / "docs" / "zoo.md"

CONFIGS = {"old": "1a09303", "new": None}   # the commit a configuration's code must be at


CHILD = r"""
import json, sys, time
import torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[2])   # this checkout's benchmarks/ (plan_text)
sys.path.insert(0, sys.argv[1])   # the code that runs
import pinnsolve
from zoo import plan_text
path, out, overrides = sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
t0 = time.perf_counter()
run = pinnsolve.solve(path, out=out, fresh=True, overrides=overrides)
m = run.metrics
errs = {k: v.get("l2re") for k, v in m.get("errors", {}).items()}
print("RESULT " + json.dumps({"errors": errs, "train_time_s": m.get("train_time_s"),
                              "wall_s": time.perf_counter() - t0, "steps": m.get("steps"),
                              "unknowns": m.get("unknowns", {}),
                              "budget": m.get("budget"), "weights": m.get("weights"),
                              "plan": plan_text(run.problem)}))
"""


def plan_text(problem) -> str:
    """What ran, in a few words: network and activation (as built), dtype, engine,
    sampling strategy, output scale and distance-factor gains when not 1."""
    from pinnsolve.models.build import build_model

    model, _, _ = build_model(problem)
    net = getattr(model, "net", model)
    s = problem.settings
    text = (f"{s.model.depth}×{s.model.width} {getattr(net, 'activation', s.model.activation)}, "
            f"{s.training.dtype}, {s.derivatives.engine}, {s.sampling.strategy}")
    scale = getattr(net, "output_scale", 1.0)
    gains = sorted({g for c in getattr(model, "constraints", [])
                    if (g := getattr(c, "gain", 1.0)) != 1.0})   # older code has no gain
    return text + (f", scale {scale:g}" if scale != 1.0 else "") + \
        "".join(f", D ×{g:g}" for g in gains)


def solve_one(path: Path, config: str, timeout: float, code: Path = ROOT) -> dict:
    out = ROOT / "runs" / "zoo" / config / path.stem
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    load = os.getloadavg()[0]
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(code), str(ROOT / "benchmarks"),
                               str(path), str(out), "[]"], capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall_s": time.perf_counter() - t0, "load": load}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        return {"status": "failed", "message": tail[0][:300], "load": load,
                "wall_s": time.perf_counter() - t0}
    result = json.loads(lines[-1][len("RESULT "):])
    errs = [v for v in result["errors"].values() if v is not None]
    result.update(status="ok", l2re=max(errs) if errs else None, load=load)
    lifted = {k: w for k, w in (result.get("weights") or {}).items() if w != 1}
    if lifted:   # the plan's equation balance (known only once training starts)
        result["plan"] += ", weights " + " ".join(f"{k} ×{w:.2g}" for k, w in lifted.items())
    return result


# The same problem tuned by hand, where the project documents one (figure, where).
RECIPES = {
    "burgers": ("7.20e-04", "problems/burgers.yaml, 125 s, docs/accuracy.md"),
    "navier_stokes_kovasznay": ("1.08e-04", "problems/kovasznay.yaml, 303 s, docs/accuracy.md"),
    "allen_cahn": ("6.75e-04", "benchmarks/recipes, 733 s, docs/accuracy_recipes.md"),
    "convection_beta30": ("9.98e-03", "problems/convection.yaml beta=30, 725 s, "
                                      "docs/sampling.md"),
}
# Issue 17's own runs, with the defaults of stop 14, of problems of the same kind (written
# by the issue's author, not these files): indicative, not a side-by-side measurement.
ISSUE_OLD = {"helmholtz_k3": "2.6", "plate_clamped": "not finished in 20 min",
             "poisson_holes": "0.62", "heat_multiscale": "2.55", "heat_robin": "7e-5",
             "klein_gordon": "2.7e-4", "kdv_soliton": "2.7e-4"}


def table(cells: dict) -> str:
    names = sorted({c.split("/")[1] for c in cells})
    configs = [c for c in CONFIGS if any(k.startswith(c + "/") for k in cells)]
    lines = ["| problem | " + " | ".join(f"{c}: L2RE | {c}: time (s)" for c in configs)
             + " | new: plan | issue 17, old defaults | tuned recipe |",
             "|---|" + "---|---|" * len(configs) + "---|---|---|"]
    for n in names:
        row = [n]
        for c in configs:
            cell = cells.get(f"{c}/{n}")
            if cell is None:
                row += ["", ""]
            elif cell["status"] != "ok":
                row += [cell["status"], f"{cell.get('wall_s', 0):.0f}"]
            else:
                err = cell["l2re"]
                row += [f"{err:.2e}" if err is not None else "-", f"{cell['train_time_s']:.0f}"]
        recipe = RECIPES.get(n)
        new = cells.get(f"new/{n}") or {}
        row += [new.get("plan") or (planned(n) if new else ""), ISSUE_OLD.get(n, ""), f"{recipe[0]} ({recipe[1]})" if recipe else ""]
        lines.append("| " + " | ".join(row) + " |")
    summary = []
    for c in configs:
        errs = [cells[k]["l2re"] if cells[k]["status"] == "ok" and cells[k]["l2re"] is not None
                else float("inf") for k in cells if k.startswith(c + "/")]
        if errs:
            errs.sort()
            good = sum(e <= 1e-2 for e in errs)
            summary.append(f"- `{c}`: {len(errs)} problems, {good} at L2RE ≤ 1e-2 "
                           f"({100 * good / len(errs):.0f} %), median "
                           f"{errs[len(errs) // 2]:.2e}")
    return "\n".join(lines) + "\n\n" + "\n".join(summary) + "\n"


def planned(name: str) -> str:
    """The plan today's code makes for a zoo file (for cells that did not record it)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from pinnsolve.spec import load_problem

    return plan_text(load_problem(ZOO / f"{name}.yaml"))


def revision(code: Path = ROOT) -> str:
    """The commit the benchmark runs (with '+' when the tree has changes other than the
    benchmark's own output, docs/zoo.json and docs/zoo.md, which each cell rewrites)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=code, capture_output=True,
                              text=True).stdout.strip()
    own = {str(JSON.relative_to(ROOT)), str(DOC.relative_to(ROOT))}
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if line[3:] not in own]
    return git("rev-parse", "--short", "HEAD") + ("+" if changed else "")


def write_doc(cells: dict) -> None:
    DOC.write_text(
        "# The zoo: problems as users write them\n\n"
        "Each problem of `benchmarks/zoo/` gives only its physics (no `model`, `sampling` or "
        "`training` section) and an exact or independently computed reference. L2RE is the "
        "largest relative L2 error over the fields; time is training time on one torch "
        "thread. Configurations and how to reproduce: `benchmarks/zoo.py` (its docstring). "
        "Cells were measured on the 2-core development machine, sometimes beside other "
        "jobs (each cell records the load average at its start in docs/zoo.json).\n\n"
        + table(cells) + NOTES)


NOTES = """
**What the plan changed in this round (issue 17):**

- `sin` activations where the data oscillate (models/frequency.py: 4 or more half-periods
  of a source term or of boundary or initial data along a coordinate). Chosen for
  `poisson_high_frequency` (1.09e-2 with tanh → 7.1e-5), `heat_multiscale` (3.6e-4 →
  6.4e-5), `helmholtz_k3`, `klein_gordon` and `navier_stokes_kovasznay`; the last two were
  better with tanh (4.6e-8 and 1.9e-7 before, 1.5e-7 and 9.6e-7 now), still far below 1e-2.
- RAD redraws (residual-based points, 10 candidates per point) when the file sets no
  strategy: `burgers` 1.33e-2 → 6.2e-5, `allen_cahn` 3.2e-3 → 1.0e-3, `wave_1d` 1.2e-3 →
  2.3e-4. Two problems got
  worse within noise-to-4× (`helmholtz_k10` 7.2e-6 → 2.9e-5, `poisson_lshape` 7.9e-4 →
  1.6e-3); none crossed 1e-2.
- Clamped faces imposed exactly (u = 0 and ∂u/∂n = 0 through a squared face factor,
  models/constraints.py): `plate_clamped` has only its equation left in the loss and went
  7.1e-2 → 6.3e-7 (with RAD but before this rule: 4.0e-3).
- Transport counts along time: u_t + c u_x = … with constant c sweeps the data's
  half-periods along x past a point |c| T / L times. `convection_beta30` (u_t + 30 u_x = 0
  from sin(x): 2 half-periods along x, 9 along t) failed at 0.74 with tanh and uniform
  or RAD points; with the planned sin it reaches the figure in the table. No other zoo
  problem changes plan (advection_periodic's speed 0.5 gives 2; wave_first_order couples
  two fields; Burgers' speed is u, not a constant). Measured with sin anyway, the two
  linear ones were slightly worse (advection_periodic 2.6e-6 → 5.8e-6, wave_first_order
  5.0e-6 → 7.7e-6), so the rule's threshold is kept.

**Stop 29: every cell rerun** at 356ef10, two single-thread jobs side by side, with two
changes: the dense quasi-Newton iteration keeps its inverse-Hessian updates as rank-one
terms (1.3-1.9× faster per iteration, docs/throughput.md), so every file ran 1.3-2× more
steps in its 5 minutes; and the output scale read from the equations when every condition
is imposed, which of the zoo changes only poisson_high_frequency's plan (scale 117). 27 of
the 29 cells improved, most by 4-10× (inverse_heat_diffusivity 3.2e-5 → 1.4e-6,
elliptic_variable_coefficient 1.1e-7 → 6.4e-9, convection_beta30 8.4e-5 → 7.4e-6).
burgers went 6.2e-5 → 1.4e-4 (its plan is unchanged; a chaotic run-to-run difference
below 1e-2). poisson_lshape went 1.6e-3 → 2.4e-2: its error was 7.5e-4 at step 5000, and
a RAD redraw of the quasi-Newton phase 20 iterations before the budget ended moved the
network to fit the new points near the re-entrant corner. The phase now skips a redraw
when less of the budget is left than the last redraw interval took (training/pinn.py);
rerun alone at 115f58f with it: 5.2e-4 (6000 steps), the cell in the table.

**What the plan changed at stop 27:**

- Waves the equations make count for the activation (models/frequency.py): besides
  transport, a second-order wave u_tt = c² u_xx sweeps the data's half-periods past a point
  c T / L times, and a Helmholtz term u_xx + k² u or an oscillator u_tt + ω² u oscillates at
  its own wave number. Of the zoo only `wave_1d` changes plan (sin(3πx) at c = 2: 6
  half-periods along t, so sin): 2.3e-4 with tanh, the figure in the table with sin.
- An exactly imposed field's distance factor D gets the gain 1 / RMS(D) where that is 100
  or more (models/scale.py): boxes of three dimensions and more, where D is of order 1e-3 in
  the bulk and the network would have to produce hundreds. `poisson_3d` (gain 156): 6.9e-2
  → 9.5e-6 in a 2-minute budget; at 5 minutes 2.5e-7 without the gain, 1.1e-6 with it.
  `plate_clamped` (597, D twice): 6.3e-7 → 4.4e-7. Measured on the square the gain (29 to
  49) did not help at 5 minutes (`navier_stokes_kovasznay` 9.7e-7 → 9.6e-6, `darcy_mixed`
  1.2e-5 → 2.4e-5, `poisson_high_frequency` 7.1e-5 → 3.5e-5, `heat_multiscale` 6.4e-5 →
  1.6e-4), hence the threshold; those problems keep their cells.

The table holds the cells of stop 29 (above). Before them, the cells of stop 27 were: `wave_1d` at be51e53; `poisson_3d` and `plate_clamped` at f92aa39 (the
gain applied from any size, giving them the same gains as be51e53's threshold); the others
are unchanged by this stop's rules (their plans were compared file by file) and keep the
cells below.

Cells before stop 27: all but `convection_beta30` and `plate_clamped` from a clone snapshot at 8714225
(sin rule and RAD planned), run as two single-thread jobs side by side on the 2-core
machine; `convection_beta30` again at the commit in its `code` with the transport rule,
alone on the machine; `plate_clamped` again at
the commit in its `code` with the clamped rule (the only zoo problem it changes: checked
by planning every file), beside one other job. Each cell's `code` in docs/zoo.json says
which.

**Held-out problems** (`benchmarks/heldout/`, written at stop 27 after the rules above, the
last six after this stop's changes, as
a check of problems nobody tuned for; `tests/test_zoo.py` checks their exact solutions):
defaults with `training.budget=2m` (5m where marked, the default), one torch thread, two
runs side by side. Reproduce one with
`.venv/bin/pinnsolve solve benchmarks/heldout/NAME.yaml training.budget=2m training.threads=1`.
Figures before this stop's rules are marked "before"; the rules change only the problems
where two figures are given.

| problem | what it tries | L2RE |
|---|---|---|
| convdiff_2d | steady convection-diffusion, ε = 0.05 | 1.4e-7 |
| elasticity | 2-D Navier-Cauchy, λ = 10, μ = 1, two fields | 1.0e-5 |
| fisher_kpp | travelling front on x ∈ [-20, 20], t ∈ [0, 5] | 1.2e-4; 5m: 4.1e-6 |
| heat_2d_big | source of size 2000, solution 100 e^-t sin sin + 20 t | 3.0e-5 |
| heat_neumann_slow | D = 0.01, Neumann ends (in the loss), t ∈ [0, 10] | 1.7e-6 |
| helmholtz_hidden_1d | u'' + 400 u = 0: only the operator oscillates | before 3.1e-5 (tanh); 9.7e-8 (sin) |
| poisson_long_1d | x ∈ [0, 100] | 2.7e-7 |
| poisson_robin_offset | u ≈ 50 + 20 x² y, Robin on every side of [0, 2] × [0, 1] | 2.3e-5 |
| taylor_green | unsteady Navier-Stokes, ν = 0.1, three fields | 2.6e-4 (p); 5m: 5.7e-5 (p) |
| wave_2d | u_tt = Δu on the square | 5.1e-5 |
| growth | u_t = 0.01 u_xx + u (growth e^3) | 5.0e-7 |
| convection_beta50 | u_t + 50 u_x = 0, periodic | 0.65; 5m: 2.1e-3; 16 harmonics of time (stop 37): 2m 5.7e-4, 5m 2.1e-4 (stop 31's 5m with its fallback: 1.4e-4) |
| heat_mixed_2d | Neumann fluxes on two sides (in the loss), 2-D + time | 2.6e-5 |
| heat_3d | 3-D + time, four inputs | before 0.28; 1.6e-4 (D ×276); 5m: 1.4e-5 before, 8.4e-6 |
| nls_soliton | nonlinear Schrödinger as two real fields, `sech` data | 6.0e-6 |
| oscillator | u'' + 0.2 u' + 64 u = 0 alone in t (`time: null`) | before 1.0e-5 (tanh); 4.0e-5 (sin); stop 41, its own frequency as a feature (10.2 half-periods), side by side at 2 minutes: 1.2e-6 → 3.3e-6 |
| poisson_annulus | Dirichlet on both circles of an annulus | 3.6e-10 |
| wave_fast | u_tt = 16 u_xx from sin(2πx) | before 5.7e-3 (tanh); 5.9e-3 (sin); 5m: 2.9e-4 |
| burgers_2d | 2-D Burgers at Re = 80, two fields, exact Cole-Hopf front | 3.0e-8 |
| burgers_front | viscous front of width 0.04 moving at speed 1/2 | 8.9e-5 |
| heat_time_oscillation | u = sin(πx) cos(10πt): the source oscillates in time | 7.4e-5 |
| poisson_5d | five scalar coordinates | 1.8e-7 (D ×4860) |
| stokes | Stokes flow, three fields, pressure fixed at one point | 0.92 (p; u 8.8e-3); 5m: 6.9e-2 (p; u 5.5e-4); stop 28 (equations balanced): 3.8e-2 (p; u 1.6e-4), 5m: 1.9e-3 (p; u 1.1e-5) |
| wave_neumann | u_tt = 4 u_xx, Neumann ends in the loss | 2.0e-3 |
| ode_rotation (stop 28) | u' = v, v' = -4u on t ∈ [0, 5], a domain of time alone | 1.4e-6 |
| stokes_viscous (stop 28) | Stokes at ν = 1/20: the pressure carries the momentum balance | 2.8e-3 (p) |
| coupled_scales (stop 28) | -Δu + v = f, -Δv/100 + 100u = g: v of size 3 set through Δu | 5.8e-2 (v; 9.9e-2 without the balance); 5m: 1.5e-2; stop 39, side by side at 2 minutes: u 3.5e-4, v 1.05e-2 → **6.2e-6, 1.8e-4** (fitted sizes u 19, v 50, both above 5) |
| boundary_layer_1d (stop 29) | -ε u'' + u' = 1, ε = 0.01: a layer of width 0.01 at x = 1 | 7.5e-9; stop 30 (layer term): 3.2e-10 |
| beam_cantilever (stop 29) | w'''' = 1, clamped at x = 0, w'' = w''' = 0 at the free end | 8.0e-9 |
| advection_diffusion_pulse (stop 29) | u_t + u_x = 0.005 u_xx, a Gaussian pulse of width 0.1 | 3.9e-4; stop 30 (layer term, no layer forms): 9.5e-5 |
| allen_cahn_2d_forced (stop 29) | u_t = 0.01 Δu + u − u³ + f, 2-D + time | 4.3e-7 |
| poisson_neumann_three (stop 29) | Neumann data on three sides (in the loss), Dirichlet on one | 4.4e-7 |
| heat_moving_boundary_data (stop 29) | time-dependent Dirichlet data at both ends and a source | 1.5e-7 |
| sine_gordon_kink (stop 29) | u_tt − u_xx + sin u = 0, a kink moving at 1/2 on x ∈ [-8, 8] | 1.5e-6 |
| poisson_large_rect (stop 29) | [0, 5] × [0, 2], u up to 250, zero walls | 3.9e-14; with the new scale (1610) 9.4e-11 |
| heat_physical_units (stop 29) | SI units: a rod of 0.1 m, α = 1.2e-5 m²/s, 600 s, T from 20 to 100 | **0.66**; with the new scale (279) 6.1e-8 |
| convdiff_layer_2d (stop 29) | -0.01 Δu + u_x = f: the 1-D layer times sin(πy) | **0.88**; stop 30 (layer term): 2.8e-7 and 2.4e-7 (two runs), 5m: 2.1e-8 |
| layer_1d_left (stop 30, written with the rule) | -ε u'' − 2u' = 2 on [0, 2]: the layer at the low face | 1.8e-11 |
| layer_2d_corner (stop 30, written with the rule) | -ε Δu + u_x + u_y = f: layers on two faces | 2.4e-5 |
| layer_2d_eps1e-3 (stop 30, written with the rule) | -0.001 Δu + u_x = f: a layer of width 0.001 | 4.0e-7 |
| layer_transient_1d (stop 30, written with the rule) | u_t + u_x = 0.01 u_xx with a layer at x = 1 | 6.1e-8 |
| anisotropic_poisson (stop 30, blind) | -(100 u_xx + u_yy) = f | 4.2e-7 |
| quasilinear_poisson (stop 30, blind) | -∇·((1 + u²)∇u) = f, u = x y on the walls | 2.1e-8 |
| advected_gaussian_2d (stop 30, blind) | u_t + u_x/2 + u_y/4 = 0.01 Δu, a Gaussian on [-1, 1]² | 1.9e-7 |
| variable_k_1d (stop 30, blind) | -((1 + 100x²) u')' = f | 1.5e-9 |
| poisson_disk_robin (stop 30, blind) | Δu = 4 on the unit disk, Robin u + ∂u/∂n = g | 1.5e-7 |
| poisson_chirp_1d (stop 31, blind) | -u'' = f with u = sin(8πx²): a chirp | 5.7e-6 |
| damped_wave_1d (stop 31, blind) | u_tt + 2u_t = u_xx, t ∈ [0, 2] | 5.3e-7 |
| heat_source_moving (stop 31, blind) | a Gaussian of width 0.14 swept by sin(2πt), u_t = u_xx/20 + f | 6.5e-5 |
| transport_accelerating (stop 31, blind, then a rule) | u_t + 20(1 + t) u_x = 0, periodic | tanh **0.73** (fallback: 0.63); with the speed's mean read (sin): 3.1e-4 |
| burgers_forced_periodic (stop 31, blind, final code) | forced Burgers, ν = 0.05, periodic, t ∈ [0, 2] | 1.5e-7 |
| advection_reaction_inflow (stop 31, blind, final code) | u_x + 2u_y + u = f, data on the inflow faces only | 5.7e-7 |
| plate_simply_supported (stop 31, blind, final code) | Δ²u = f, u = 0 and Δu = 0 (in the loss) on the walls | 2.0e-5 |
| heat_nonlinear_k (stop 31, blind, final code) | u_t = ((1 + u²) u_x)_x + f | 4.9e-9 |
| heat_periodic_hf (stop 32, blind) | u_t = 0.01 u_xx, periodic, sin(6πx) + sin(2πx)/2 | 3.4e-6 |
| rotating_gaussian (stop 32, blind) | u_t − y u_x + x u_y = 0: a Gaussian turned 1.5 rad | 1.8e-10 |
| cahn_hilliard_1d (stop 32, blind) | u_t = (u³ − u − 0.01 u_xx)_xx + f, u = u_xx = 0 at the ends | 1.2e-5 |
| reaction_pair_1d (stop 32, blind) | two species, u_t = 0.05 u_xx − uv² + f, v_t = 0.02 v_xx + uv² − v + g | 7.3e-8 (u), 7.7e-7 (v) |
| heat_disk_plane (stop 32, blind) | u_t = 0.2 Δu on the unit disk, u = e^(−t) cos(2x + y) | 9.1e-10 |
| poisson_triangle (stop 32, blind) | −Δu = f on a triangle (polygon), u of size 0.05 | 3.1e-5 |
| duffing_forced (stop 32, blind) | u'' + u + u³ = f on t ∈ [0, 10] | 3.6e-6; stop 41, the forcing's frequencies as features (9.5, 3.2 half-periods), side by side at 2 minutes: 2.3e-5 → **3.5e-7** |
| laplace_offset_box (stop 32, blind) | Δu = 0 on [10, 12] × [0, 1], Neumann data on top | 8.6e-6 |
| wave_variable_speed (stop 32, blind) | u_tt = ((1 + x)² u_x)_x + f | 2.3e-6 |
| helmholtz_disk_plane (stop 32, blind) | Δu + 64u = 0 on the unit disk, a plane wave | 2.5e-10 |
| steel_plate_si (stop 32, blind) | 45 ΔT + 2e5 = 0 in SI units, Robin (h = 500) and insulated sides, T 300-481 K | 2.6e-7 |
| robin_ball_3d (stop 32, blind) | Δu = f in the unit ball, u + ∂u/∂n = g on its sphere (in the loss) | 7.2e-6 |
| kuramoto_sivashinsky_mms (stop 32, blind) | u_t + u u_x + u_xx + u_xxxx = f, periodic | 1.5e-5 |
| inverse_reaction_npz (stop 32, blind) | u'' − c u = f, c from 60 observations in an .npz file | **crashed**; fixed: 2.1e-10, c = 4.000000001 |
| advdiff_robin_outflow (stop 32, blind) | 0.02 u'' − u' = 0, Robin outflow on the layer | 1.2e-9 |
| big_amplitude_wave (stop 32, blind, then a rule) | u_tt = u_xx from 1000 sin(πx), u_t = 0 in the loss | **1.72** (fallback tried, no rescue); with the scale rule (3690): 5.7e-7 |
| heat_neumann_big (stop 32, written for the rule) | u_t = 0.5 u_xx from 300 + 500 cos(πx), insulated ends | 6.0e-5; with the rule (354): 7.2e-8 |
| wave_plucked_big (stop 32, written for the rule) | u_tt = 9 u_xx from 250 sin(πx/2) + 50 sin(3πx/2) on [0, 2] | **1.40**; with the rule (2070): 1.6e-3 |
| bratu_1d (stop 33, blind) | u'' + eᵘ = 0, u(0) = u(1) = 0 (Bratu, λ = 1) | 2.0e-12 |
| poisson_micro (stop 33, blind) | Δu = f on [0, 1e-3]², a source of 2e7 | 2.0e-8 |
| plate_clamped_disk (stop 33, blind) | Δ²w = 1 on the unit disk, w = ∂w/∂n = 0 | 1.9e-4 |
| stiff_relaxation (stop 33, blind) | y' = −50 (y − cos t), y(0) = 0, t ∈ [0, 2] | 1.0e-9 |
| advection_inflow_wave (stop 33, blind) | u_t + 2u_x = 0, a wave entering at x = 0 | 1.5e-5 |
| heat_t_offset (stop 33, blind) | u_t = 0.05 u_xx on t ∈ [1, 3] | 4.0e-9 |
| heat_moving_dirichlet (stop 33, blind) | u_t = 0.1 u_xx + f with u(1, t) = sin(2πt) | 1.3e-9 |
| inverse_two_rates (stop 33, blind) | u_t = a u_xx − b u, a and b from 80 observations in an .npz | 2.3e-5; a = 0.099996, b = 0.50004 |
| laplace_spherical_shell (stop 33, blind) | Δu = 0 between the spheres r = 0.5 and r = 1, u = 1/r | 3.2e-10 |
| ns_steady_tg_forced (stop 33, blind) | steady forced Navier-Stokes, ν = 0.05, a Taylor-Green cell, p fixed at a point | u 1.5e-5, v 1.1e-5, p 3.9e-5 |
| timoshenko_beam (stop 33, blind) | Timoshenko beam (w, θ), EI = 1, kGA = 100, clamped | w 7.1e-8, θ 1.2e-7; fitted sizes (stop 38, side by side): 6.0e-8, 9.6e-8 → **5.8e-9, 7.6e-9** |
| maxwell_te_cavity (stop 33, blind) | a square cavity's TE mode, Ez, Hx, Hy first order in time | Ez 2.4e-4, Hx 6.6e-4, Hy 5.2e-4 |
| heat_polar_annulus (stop 33, blind) | u_t = u_rr + u_r/r + f on r ∈ [0.5, 1], Neumann at r = 1 | 5.4e-9 |
| composite_wall_mixed (stop 33, blind, the flux form) | −(k u')' = 1 with k = 1, then 10 beyond x = 0.5, as q = k u', −q' = 1 | u 1.4e-3, q 5.5e-4; written as −(k u')' = 1: **1.01** (now refused); stop 47 (2 minutes, side by side): 4.1e-4, 8.8e-5 → **1.5e-6, 1.1e-7** with the interface kink |
| rod_si_hour (stop 33, blind, third batch) | a steel rod in SI for an hour: T_t = 1.2e-5 T_xx, T 20-120 °C | 5.9e-4 with a `pinnsolve check` loop running beside it; alone: 5.1e-9; stop 48, side by side (the lone-field fit reads 150 where the residual rule's 64 is below 100): 1.1e-8 → 9.8e-10 |
| reaction_stiff_relax (stop 33, blind, third batch) | u_t = 0.01 u_xx − 100 (u − sin πx) + f | 2.0e-7 |
| poisson_disk_dn (stop 33, blind, third batch) | Δu = 2y on the unit disk, `dn(u) = g` on its circle, u fixed at the centre | 1.5e-7 |
| laplace_box_hot_face (stop 33, blind, third batch) | Δu = 0 in the unit cube, one face at sin πx sin πy | 1.4e-3 beside the same loop; alone: 9.9e-4; transfinite lift (stop 36): 1.4e-6 |
| oscillator_long (stop 33, blind, third batch) | y'' + 0.2 y' + 4y = sin t on t ∈ [0, 30] | 8.9e-6 (written first with `neumann:` for y'(0): refused now); stop 41, its mode and forcing as features (19, 9.5 half-periods), side by side at 2 minutes: 1.2e-5 → **8.2e-7** |
| poisson_cubic_big (stop 33, blind, third batch) | −Δu + u³ = f, u = 10 sin πx sin πy | 6.3e-8 |
| heat_periodic_drive (stop 33, blind, third batch) | u_t = 0.1 u_xx + f on x ∈ [0, 3], t ∈ [0, 20], u(0, t) = sin t | 5.4e-6 |
| robin_equation_1d (stop 33, blind, third batch) | u'' + 4u = 4x, u' + 2u = g at x = 2 as an `equation:` | 4.9e-11 |
| bateman_chain (stop 33, blind, fourth batch) | a → b → c decay, rates 10 and 0.1, t ∈ [0, 20] | a 1.4e-5, b 3.7e-5, c 5.5e-6 |
| aniso_heat_2d (stop 33, blind, fourth batch) | u_t = ∇·(K∇u) + f, K = [[2, 1], [1, 2]] written out | 2.7e-7 |
| poisson_negative_box (stop 33, blind, fourth batch) | Δu = f on [−5, −3] × [−2, −1] | 8.9e-12 |
| mixed_plate (stop 33, blind, fourth batch) | Δ²u = f as w = Δu, Δw = f (two fields) | u 2.2e-6, w 2.4e-7; fitted sizes (stop 38, side by side): 6.0e-7, 2.0e-7 → 2.3e-7, 2.5e-7 |
| advection_conservative (stop 33, blind, fourth batch) | u_t + ((1 + x) u)_x = f, inflow at x = 0 | 5.7e-10 |
| heat_robin_ambient (stop 33, blind, fourth batch) | u_t = u_xx + f, Robin to an ambient T(t) | 4.7e-9 |
| define_chain (stop 33, blind, fourth batch) | −(k u')' = f with `define` k = 1 + u², flux = k u' | 1.2e-13 (ended at round-off, 56 s) |
| plate_offset_hole_robin (stop 34, blind) | Laplace on a 2 × 1 plate minus an off-centre disk, Robin on the hole | 4.5e-11 |
| helmholtz_k10_lshape (stop 34, blind) | Δp + 100p = 0 on an L-shaped union, walls in the loss, Neumann on one | **1.00** (stalled; the fallback's attempts did not rescue it); with balancing in the fallback: 2 minutes 0.79, **5 minutes 1.9e-3**; balanced from step 0 (stop 36): 2 minutes 4.6e-3 |
| klein_gordon_periodic (stop 34, blind) | u_tt − u_xx + u = 0, periodic x, two modes | 1.8e-5 |
| kdv_soliton (stop 34, blind) | u_t + 6uu_x + u_xxx = 0, a soliton on [−10, 10] × [0, 5] | 1.4e-5 |
| advdiff_channel_far (stop 34, blind) | U c_x = DΔc, Pe 20, on [1000, 1020] × [500, 501] | **2.1e-2**; lift in the box's own length: 1.3e-4 (at stop 36: 0.49, 2.7e-2); transfinite lift: 3.0e-7 |
| heat2d_flux_face (stop 34, blind) | 2-D heat, a time-dependent Neumann face | 1.5e-4; all faces imposed by the transfinite lift (stop 36): 1.9e-6 |
| inverse_plate_diffusivity (stop 34, blind) | κ of a 2-D heat problem from 100 thermocouple readings (npz) | 2.5e-6 (κ = 0.0499999990); stop 39 (later), observations lifted to the equations, side by side at 2 minutes: 2.8e-5, 3.1e-5 → 1.2e-4, 1.2e-4 (κ to 2e-5) |
| ode_two_mass_spring (stop 34, blind) | two masses and three springs, t ∈ [0, 12] | q1 2.8e-6, q2 3.1e-6; stop 39, side by side at 2 minutes: 4.9e-7, 5.2e-7 → 1.5e-6, 1.1e-6 (fitted sizes 5.2, 5.03 for 1) |
| fin_offset_100 (stop 34, blind) | T'' = m²(T − 100), T(0) = 101: variation under 1 % | 3.0e-14 |
| membrane_ellipse_tiny (stop 34, blind) | −TΔw = p on an ellipse, SI units, w ≈ 8e-5 | 1.4e-7 |
| consolidation_terzaghi_long (stop 34, blind) | u_t = 2e-3 u_zz over 1000 days | 1.6e-5 |
| stokes_layer_water (stop 34, blind) | Stokes' second problem for water (ρ 1000, μ 1e-3) as Navier-Stokes, p pinned | u 1.6e-5, v 1.4e-7, **p 3.3e-2**; pin balanced: u 5.1e-5, p 4.1e-4; stop 39, side by side at 2 minutes: u 3.1e-5, v 1.8e-7, p 2.9e-4 → **2.5e-6, 1.6e-8, 1.8e-5** (fitted sizes 0.069, 0.066, 0.046 for 1) |
| laplace_block_channel_3d (stop 34, blind) | 3-D Laplace, a cube minus a cylinder, Neumann on the channel | 3.0e-8 |
| advdiff_doubly_periodic (stop 34, blind) | 2-D advection-diffusion, periodic in x and y | 8.9e-5 |
| gray_scott_forced_periodic (stop 34, blind, second batch) | forced Gray-Scott pair, periodic in x, walls at (1, 0) | u 7.5e-7, v 2.4e-6 |
| heat3d_mixed_faces (stop 34, blind, second batch) | 3-D heat in the unit cube, three faces held, three with a flux | 5.2e-9 |
| heat_ring_robin (stop 34, blind, second batch) | heat in a ring, Robin on the hole's rim | 6.1e-10 |
| inverse_advdiff_velocity (stop 34, blind, second batch) | the wind (vx, vy) of steady advection-diffusion from 60 readings (npz) | 1.5e-12; vx = 0.99999999999903, vy = 0.49999999999260; stop 39 (later), observations lifted to the equations, side by side at 2 minutes: 1.75e-11 → 1.1e-10 |
| lshape_mesh_reaction (stop 34, blind, second batch) | −Δu + u = f on the bundled L-shaped triangle mesh, flux on the re-entrant edges | 2.1e-7 |
| minimal_surface_ellipse (stop 34, blind, second batch) | the minimal-surface operator on an ellipse | 9.4e-11 |
| sixth_order_bvp (stop 34, blind, second batch) | −u⁽⁶⁾ + u = f, value, slope and curvature at each end | 6.7e-4 |
| heat_vector4_box (stop 34, blind, second batch) | heat on the 4-cube written with a vector coordinate (test_zoo now expands it) | 1.9e-6 (stop 35) |
| advdiff_reaction_ball6 (stop 35, blind) | −Δu + Σ∂ᵢu + u = f on the unit ball in 6 dimensions | 6.1e-8 |
| beam_vibration_three_modes (stop 35, blind) | w_tt + a² w_xxxx = 0, three modes, t ∈ [0, 4] | **0.58** (362 steps); dispersion read and static jets kept per region: 0.21 (1120 steps); 5 minutes: 0.13 (still converging); 12 harmonics of time (stop 37): 2 minutes 4.5e-3, **5 minutes 4.7e-4** |
| busbar_joule_heating_si (stop 35, blind) | a copper bar's potential (0.02 V) and temperature (300 K), Joule heating, SI | **V 0.24, T 4.3e-2**; one scale per field: V 0.11, T 3.2e-2; 5 minutes: V 0.22, T 7.8e-3; balanced by gradient norms (stop 36, 2 minutes): V 5.1e-3, T 8.4e-3; stop 38, 2 minutes side by side: V 3.1e-2, T 1.6e-2 with the balance capped at 1e6, **1.5e-3, 1.8e-3** at 1e12; again with the final code: 6.2e-3, 6.2e-3 |
| duct_helmholtz_impedance (stop 35, blind) | Helmholtz at k = 6 in a 3 × 1 duct, real and imaginary parts coupled by an impedance | **0.56, 1.00**; no scale read from the coupling: 0.29, 0.66; 5 minutes: **1.0e-3, 8.4e-4** |
| eigen_equilateral_triangle (stop 35, blind) | the first eigenvalue of an equilateral triangle as an unknown | 1.0e-5; λ = 52.63811 (true 16π²/3 = 52.63789) |
| heatsink_block_channel_3d (stop 35, blind) | 3-D block minus a channel, Robin on its wall | 3.1e-6 |
| inverse_convection_coefficient (stop 35, blind) | h of a steel plate's Robin face from 14 thermocouples (npz), SI | **T 2.1e-2, h = 23.0** (true 80); data lifted at step 0: T 1.2e-3, h = 65.2; stop 39 (later), observations lifted to the equations, side by side at 2 minutes: T 4.0e-7 → 2.2e-7 (h = 79.9990) |
| inverse_string_tension (stop 35, blind) | a string's tension from 90 pickup readings of 2 mm (npz), SI | **1.38, T = 1.46 N** (true 73.5); data lifted at step 0: 1.2e-3, T = 73.493 N; stop 39, four runs at 2 minutes (two of 0b4d913, two of this stop's code): **bimodal**: the planned attempt fails in all four (u 1.05-1.10: with the tension in units of its guess, Adam carries it from 40 to about 2 N, where the equation is nearly trivial) and the fallback's gradient-norm balancing rescues two (u 6.6e-3 and 1.9e-2, T = 73.496 and 73.491) but not the others (u 1.13 and 2.07, T = 0.25 and 0.03 N). Holding the tension at its guess for the first 600 Adam steps did not help (the data were not fitted meanwhile: their loss stayed at 1.75e-6, the network's part near zero; T 40 → 2.2 once released; fallback 2.2e-3); stop 39 (later), observations lifted to the equations (not 10× below them), side by side at 2 minutes, before → after: u 1.28, 1.30 (T = 2.26, 2.29 N; the fallback did not rescue either) → **7.1e-5, 7.4e-5** (T = 73.4996, 73.5014 N): solved |
| nonlinear_diffusion_keyhole (stop 35, blind) | u_t = ∇·(D₀e^(βu)∇u) + s on a disk-plus-stem union | 1.2e-6 |
| p_laplace_tshape (stop 35, blind) | the p-Laplacian (p = 3) on a T-shaped union | 4.8e-5 |
| plate_bore_pressfit_mesh (stop 35, blind) | plane strain in N-mm-MPa on a gmsh mesh with a bore, Lamé's solution | **ux 4.1e-2, uy 5.7e-2**; 5 minutes: 1.4e-2, 1.2e-2; balanced by gradient norms (stop 36, 2 minutes): 1.4e-5, 1.3e-5 |
| plate_levy_free_edge (stop 35, blind) | a Kirchhoff plate with a free edge (third derivatives) | 2.4e-6 |
| reaction_layer_ellipse (stop 35, blind) | −ε²Δu + u = f on an ellipse, ε = 0.03 | 1.7e-3 |
| seiche_shallow_water_si (stop 35, blind) | linear shallow water in a 2 km basin over 20 minutes, SI | **0.70** (tanh; part of the run beside another job); with the system's speed read (sin): 0.75; 5 minutes: 3.1e-2 |
| heat_hexagon_mixed (stop 37, blind) | heat on a regular hexagon, Dirichlet, Neumann and Robin edges, a source | 6.4e-9 |
| darcy_mixed_three_fields (stop 37, blind) | mixed Darcy (p, qx, qy), K = 1 + xy/2, p on two faces, qy on two | p 9.6e-7, qx 9.7e-6, qy 6.7e-6 |
| helmholtz_k15_two_waves (stop 37, blind) | Δu + 225u = 0, two plane waves, impedance (Robin) on two sides | 6.3e-10 |
| geotherm_crust_si (stop 37, blind) | a 100 km × 30 km crust in SI: k ΔT + A₀e^(−z/h) = 0, surface held, basal heat flow (0.013 K/m) in the loss, T 288-720 K | **7.0e-2** (scale 1); with the flux's size as the scale (638): 2 minutes 1.2e-2 (the fallback cut the planned run at 9.2e-3) and 2.7e-6 (a second run), **5 minutes 7.4e-8** (the old code at 5 minutes: 5.6e-3) |
| poisson_boltzmann_double_layer (stop 37, blind) | φ'' = 625 sinh φ, φ(0) = 5: Gouy-Chapman, steep at the wall | 8.1e-8 |
| telegraph_half_disk (stop 37, blind) | u_tt + u_t = Δu on a half disk, Neumann on the diameter, initial velocity in the loss | 2.5e-3 |
| steel_bar_quench_robin_si (stop 37, blind) | a 40 × 20 mm steel bar over 60 s in SI, Robin (h 50 to 2000) on all faces, a source | 8.7e-7 |
| inclusion_diffusion_100x (stop 37, blind) | −∇·(k∇u) = f, k from 1 to 100 in a Gaussian inclusion | 6.0e-11 |
| laplace_cube_corner_charge (stop 37, blind) | 3-D Laplace, u = 1/r with the charge just outside a corner, three faces Neumann | 3.0e-9 |
| inverse_burgers_viscosity (stop 37, blind) | ν of a Cole-Hopf Burgers flow from 60 readings (npz) | 8.3e-7; ν = 0.0200000003; stop 39 (later), observations lifted to the equations, side by side at 2 minutes: 1.3e-6, 1.4e-6 → 2.2e-6, 2.5e-6 |
| cantilever_timoshenko_plane_stress (stop 37, blind) | a plane-stress cantilever in inch-pound units (E = 3e7), stresses through `define`, tractions as equations | ux 3.4e-3, uy 2.8e-3; stop 45, the mixed form: 1.9e-4, 1.4e-4 → **1.4e-6, 5.6e-8** |
| vorticity_streamfunction_periodic (stop 37, blind) | vorticity-stream function Navier-Stokes, doubly periodic, forced, ψ pinned at a point | w 2.5e-5, ψ 7.1e-5 |
| catalyst_slab_thiele_robin (stop 37, blind, second batch) | reaction-diffusion in a catalyst slab, SI, Thiele modulus 15, film condition at Biot 50 | 5.0e-10 |
| dielectric_two_layer_flux (stop 37, blind, second batch) | electrostatics in SI (a mm strip at 1 kV), ε_r 2 → 10, flux form (φ, D_y) | φ 0.26, D_y 0.83; the same in mm, kV and ε₀ = 1: 1.0e-4, 5.2e-4; fitted sizes (stop 38): **6.3e-5, 2.8e-4**; again with the final code (balance cap 1e12): 1.6e-4, 4.1e-4; stop 47 (2 minutes, side by side): 1.5e-4, 3.8e-4 → **2.5e-5, 9.0e-5** with the interface kink |
| aquifer_recharge_days (stop 37, blind, second batch) | groundwater head in m and days, 2 km × 1 km × 60 d, recharge | 3.1e-8 |
| room_acoustics_impedance_wall (stop 37, blind, second batch) | 100 Hz in a 6 × 4 m room, real and imaginary parts, an absorbing wall | 2.4e-4, 1.6e-4 |
| elastic_bar_3d_mpa (stop 37, blind, second batch) | 3-D bar in N-mm-MPa, body force, 15 traction conditions, three fields | ux 0.11, uy 18.5, uz 7.4e-2 (823 steps; uy is 500× smaller than uz); stop 38 side by side: 0.10, 14.9, 7.3e-2 → fitted sizes **ux 3.1e-2, uy 1.9, uz 4.9e-3** (909 steps): better, not solved |
| heat_kT_radiation_si (stop 37, blind, second batch) | transient heat with k(T), convection and T⁴ radiation, SI | 9.2e-9 |
| river_pollutant_long (stop 37, blind, second batch) | river transport in km and hours, Pe ≈ 2000, 48 h, ~22 load cycles | 4.2e-5 (with 44 harmonics of time); none: 1.2e-11; 16 (the cap since): 1.3e-8 |
| pendulum_driven_long (stop 37, blind, second batch) | a driven pendulum to ~80° over 30 s, (θ, ω), a domain of time alone | **θ 0.89, ω 0.90**; without the fallback 1.13. **Since stop 41 solved**: the drive's frequencies as features (28.6 and 4.8 half-periods; the pendulum's sin θ leaves its modes unread): **2.9e-4, 2.6e-4** at 2 minutes (the code before, side by side: 0.92, 0.93). With the sizes read by a network that has the features, θ 56 for 0.85: 10.4, 1.7, so sizes are read without them |
| brusselator_1d_noflux (stop 37, blind, second batch) | Brusselator past its Hopf point, no-flux ends, t ∈ [0, 10] | u 1.6e-3, v 9.4e-4 |
| poisson_site_heptagon_far (stop 37, blind, second batch) | Poisson on a tilted non-convex heptagon in survey coordinates (x ≈ 1200 m) | 1.1e-6 |
| tshape_fin_robin_mm (stop 37, blind, second batch) | a T-shaped fin in mm, W and K, Robin on six faces | 4.1e-10 |
| inverse_battery_source_npz (stop 37, blind, second batch) | a heat source's amplitude (5e4 W/m³, started at 1e4) from 40 readings, SI | **q = 10000.9** (not moved; T 6.7e-3 is 4.9 K on a 6 K rise); q in units of 1e4: T 7.4e-9, q = 4.999999; stop 39 (later), observations lifted to the equations, side by side at 2 minutes: 1.35e-8 → 1.28e-8 |
| aquifer_darcy_block_3d_si (stop 38, blind) | 3-D Darcy flow in a 200 × 100 × 20 m block, SI: p ~ 1e5 Pa, fluxes 2e-8 to 4e-7 m/s, four fields | old: p 0.26, ux 0.90, uy 0.29, uz 0.73; fitted sizes: **p 5.0e-7, ux 1.4e-5, uy 3.8e-4, uz 1.7e-4** |
| catalyst_slab_byproduct_2d_si (stop 38, blind) | a reactant (~32 mol/m³) and a trace by-product (~4e-4) in a catalyst slab, Robin film | old: A 2.6e-5, B 5.6e-3; fitted: 9.8e-6, 1.9e-5; and the balance capped at 1e12: **4.4e-6, 8.0e-6** (capped at 1e6 beside it: 9.7e-6, 2.8e-5) |
| fuel_plate_flux_robin_si (stop 38, blind) | 1-D conduction in flux form (T ~ 1600 K, q ~ 1e6 W/m²), convection at the coolant | old: 9.0e-8, 3.0e-9; fitted: **5.9e-10, 1.0e-10** |
| microchannel_stokes_slip_si (stop 38, blind) | Stokes in a 200 × 50 µm channel, a slip wall, outlet tractions, SI | 3.1e-4, 1.5e-3, 3.3e-4 (old); 2.3e-4, 1.2e-3, 2.5e-4 (the same plan: no field outside the fit's band) |
| mindlin_plate_ss_si (stop 38, blind) | Reissner-Mindlin steel plate in SI, w ~ 5e-6 m, rotations ~ 2e-5, moment conditions | **fails**: old w 4.0e-2, θx 5.5e-2, θy 5.0e-2; fitted 5.8e-2, 7.1e-2, 6.2e-2 (942 steps; the fit reads the rotations 10× small); stop 39: the true sizes set by hand 1.5e-2, 1.8e-2, 1.7e-2; its moment conditions (zero, 3e8-9e8 below) balanced by gradient norms: **0.98** (6.1e-2 with the true sizes); stop 45, the mixed form: 0.88 → **4.7e-3**, 2.9e-2, 1.1e-2 |
| pn_junction_flux_si (stop 38, blind) | a silicon p-n junction in flux form (φ ~ 0.5 V, D ~ 4e-5 C/m²), 4 µm | old: φ 1.6e-2, D 1.1e-4; fitted: 7.6e-6, 4.6e-6; and the balance capped at 1e12: **2.0e-8, 1.2e-8** |
| rock_block_footing_plane_strain_si (stop 38, blind) | plane-strain granite block under its weight and a footing, µm displacements, tractions only | old: 1.3e-4, 8.1e-5; fitted: **6.6e-5, 3.6e-5**; stop 45, the mixed form: 0.20, 3.5e-2 at 2 minutes (sxy fitted 0.04); stop 46, its law's size: **6.2e-5, 2.1e-5** |
| thermoelastic_plate_rollers_si (stop 38, blind) | transient thermoelastic steel plate (T ~ 340 K, u ~ 3e-6 m), rollers, 120 s | old T 4.5e-3, ux 54, uy 9.0; fitted 2.2e-3, 0.97, 0.88; stop 39, its no-shear condition (zero, 5.5e20 below the equations) balanced by gradient norms: **T 2.0e-6, ux 9.7e-4, uy 4.3e-4** (a rerun of the final code: 3.1e-6, 1.3e-3, 5.8e-4; beside it with the cap 1e17 instead: 1.9e-3, 0.73, 0.14) |
| thermoelastic_rod_coupled_si (stop 38, blind) | coupled thermoelastic steel rod over 600 s (T ~ 400 K, u ~ 6e-5 m) | old: T 8.4e-2, u 117; fitted: **T 4.4e-9, u 7.6e-6** |
| transmission_line_pulse_si (stop 38, blind) | telegrapher's equations over 3 ns, a 10 V pulse, matched ends | 1.5e-4, 1.5e-4 (old); 1.6e-4, 1.6e-4 (the same plan) |
| coax_eccentric_electrostatics_si (stop 39, blind) | a coax with its core 0.4 mm off centre (a disk minus a disk), ε ~ 2e-11 in the equation, core at 1 kV | 7.4e-6 |
| fuel_pellet_conductivity_kT_3d_si (stop 39, blind) | a UO₂ pellet (a cylinder, 4 × 10 mm), k(T) = 1/(A + BT), 4e8 W/m³, a nonlinear gap Robin on top | 2.5e-9 (the cylinder's caps were sampled in float32 before this stop: 1e-10 m off) |
| groundwater_mound_boussinesq_days (stop 39, blind) | nonlinear Boussinesq h_t = K∇·(h∇h) on a quarter disk of 150 m over 100 days, only fluxes | 3.2e-6 |
| inverse_pipe_viscometer_decay (stop 39, blind) | ν of decaying pipe flow (J₀ modes) from 124 probe readings, guessed 1e-5 for 4e-5 | 1.9e-4; ν = 3.99999618e-5 |
| magnetostatic_vector_potential_3d_si (stop 39, blind) | curl curl A = μ₀J with the gauge, a 2 cm box, A ~ 1e-4, three fields | 2.4e-5, 4.4e-5, 1.6e-5 (the rule below fires: without it 4.5e-5, 5.0e-5, 2.0e-5) |
| pk_two_compartment_oral_hours (stop 39, blind) | an oral dose into two compartments over 48 h, a domain of time alone, fields of 400, 1e4 and 120 | 7.2e-4, 1.6e-3, 1.2e-3 |
| rail_winkler_foundation_si (stop 39, blind) | a rail on a Winkler foundation (EI w'''' + k w = 0), a 100 kN wheel, w from 2e-3 m to 2e-6 m | 1.9e-9 |
| torsion_triangle_prandtl_mm (stop 39, blind) | Prandtl's stress function of a triangular prism in mm and MPa, as a first-order system of three fields | 1.6e-5, 1.1e-4, 9.3e-5 |
| tritium_sphere_decay_years (stop 39, blind) | radial diffusion with decay in a sphere, years, c from 1.2e11 to 2e8 Bq/m³, a time-dependent Robin | 1.0e-4 |
| tubular_reactor_series_danckwerts (stop 39, blind) | A → B → C in a tubular reactor, Danckwerts inlet (Robin), cA ~ 2e3 mol/m³ | 9.0e-8, 1.1e-7 |
| aluminium_bracket_3d_traction_si (stop 39, blind, second batch) | 3-D elasticity in SI (E = 7e10 Pa, µm displacements), one face fixed, 15 traction conditions, a body force | 4.9e-3, 2.5e-3, 7.0e-3 (424 steps) |
| bistable_front_riverbank_si (stop 39, blind, second batch) | a Nagumo (Allee) front 10 m thick on a 1 km bank over 1.7 days, n ~ 0.05 per m² | 3.9e-8 |
| duct_acoustics_air_ms (stop 39, blind, second batch) | sound in a 1 m air duct (c = 343 m/s) over 8 ms, three quarter-wave modes to 1115 Hz, rigid and open ends | **0.67** (16 harmonics of time, sin; the output scale read from the lift's residual is 157 against a part of about 4: its high modes' curvature; with 4 set by hand: 0.58); 5 minutes: 1.01 (3814 steps, beside another run); since stop 43 (an initial rate's size over T/√n: scale 39 for 157): 0.35 at 2 minutes (1.02 at stop 42) |
| film_two_species_robin_si (stop 39, blind, second batch) | two species in a 1 mm film, D 1e-9 and 1e-5 m²/s, Robin films on both faces | 1.3e-5, 1.1e-5 |
| inverse_slab_conductivity_htc_npz (stop 39, blind, second batch) | k and h of a steel slab (guessed 5 and 50 for 15 and 150) from 60 thermocouple readings | 1.6e-5; k = 14.9988, h = 149.965; stop 39 (later), observations lifted to the equations, side by side at 2 minutes: 6.7e-7 → 2.5e-7 (k = 14.99996, h = 149.9989) |
| kinetics_reversible_stiff_long (stop 39, blind, second batch) | A ⇌ B → C at rates 1e3, 1 and 1e-2 per s over 600 s, a domain of time alone | stop 39 **failed**: A 1.7e-2, B 0.95, C 0.40. The initial layer (1 ms) is 1.7e-6 of the interval: no collocation point falls in it (20 000 RAD candidates hold 0.03 on average). A layer term set by hand on A and B (1 − e^(−t/1 ms)): losses 1.7e-5 and A 4.0e-3, but B and C 1.0: away from the layer B = C = 0 satisfies the equations. **Since stop 40 solved** (the initial-layer rule, below): at the default 5 minutes A 5.5e-3, B 0.84, C 0.33 → **1.6e-5, 3.9e-3, 3.6e-3** (1.2e-6, 3.1e-4, 4.7e-5 with the residuals weighted by ε + t̂, side by side with the code before) |
| lshape_plate_heat_ramp_celsius (stop 39, blind, second batch) | transient conduction in an L-shaped steel plate in °C, a convective edge to a ramping furnace, a heater's flux | 2.0e-5 |
| plate_hole_kirsch_plane_stress_mm (stop 39, blind, second batch) | Kirsch's plate with a hole in N, mm and MPa, a traction-free hole, symmetry, Kirsch tractions outside | **fails**: 0.81, 0.76 (560 steps: 0.2 s a step, ten terms on a shaped domain). The fit reads ux 0.015 and uy 0.0032 against 0.075 and 0.025; with those set by hand: 0.71, 0.68 (233 steps, beside two other runs); the default 5 minutes, side by side: 0.85, 0.81, and with the fallback off 0.39, 0.71 (about 2000 steps; at 2 minutes with the fallback off the far edge's traction loss still falls 3.7e3 → 8.1e2 to the end: short of steps); stop 45, the mixed form (side by side): 0.46, 0.84 → **1.8e-3, 2.8e-3** |
| refractory_duct_kT_mesh (stop 39, blind, second batch) | nonlinear conduction k(T) in a duct's lining on a tetrahedral mesh (7200 cells), °C | 2.3e-3 |
| taylor_green_water_drift_si (stop 39, blind, second batch) | Taylor-Green vortices in water (ρ 1000, μ 1e-3) drifting at 5 mm/s, a 1 cm cell, Re 100, p pinned at a point | **fails**: 1.02, 1.08, 1.54 (a first run beside two others: 1.6, 2.2, 3.3). u and v keep the scale 1 (no datum tells their size: their initial data are imposed) against parts of about 0.01; the fit reads 0.045 and 0.036, inside its band (1e-2 to 1e2), so it does not set them. With `model.output_scale=0.03`: 0.12, 0.17, 0.16; 5 minutes with the defaults: 0.23, 0.38, 0.92. With the fitted sizes set when all are below 0.2 (the final code): **4.2e-2, 6.0e-2, 8.0e-2** at 2 minutes, better, still failing; at the default 5 minutes (3371 steps): **1.1e-3, 1.6e-3, 6.8e-3, solved** |
| beam_aluminium_shaker_forced_si (stop 39, blind, third batch) | an aluminium strip on a shaker, ρA w_tt + EI w_xxxx = q at 12 Hz from rest (first mode 17.9 Hz), SI, w ~ 7 mm | **fails**: 0.76 (903 steps; sin, taylor engine, scale 1); with the equations' ratio 0.045 as the scale (set by hand, side by side with another run): 0.61 |
| flywheel_disc_rotating_plane_stress_mm (stop 39, blind, third batch) | a steel flywheel disc at 6000 rpm, plane stress in N, mm, MPa and tonnes, a quarter ring, free bore and rim | 1.2e-4, 6.1e-5 |
| house_two_node_rc_thermal_hours (stop 39, blind, third batch) | a two-node RC thermal model of a house over 72 h (time constants 1.3 h and 105 h), °C and kW | 1.2e-7, 2.4e-8 |
| hyperthermia_pennes_bioheat_3d_si (stop 39, blind, third batch) | steady Pennes bioheat in a 100 × 100 × 40 mm block of muscle in SI, a microwave source, a convective skin | 2.2e-7 |
| inverse_biofilm_oxygen_michaelis_menten_um (stop 39, blind, third batch) | the Michaelis constant of a biofilm's oxygen uptake (guessed 50 for 15 µM) from 25 readings, µm and µM | 6.0e-11; Km = 15.00000004 |
| quantum_well_gaas_two_level_nm_fs (stop 39, blind, third batch) | the Schrödinger equation as two real fields, an electron in a 12 nm GaAs well in two states, nm, fs and eV, 7 half-periods of the second state in time | **fails**: 0.58, 0.57 (1756 steps; sin, no harmonics of time: they start at 8 half-periods) |
| radial_permeameter_stress_sensitive_k_mm_mpa (stop 39, blind, third batch) | nonlinear Darcy flow div(k(p) ∇p) = 0 with k = k₀e^(−γ(p_c − p)) in a ring, mm and MPa, the bore held at 2 MPa, a pumped inflow kept in the loss | **fails**: 0.62. p rises from 2 to 26 MPa and no value in the loss tells it: the lift (2) solves the equation, and the pumped flux k(p) ∂p/∂n = q is not read as a size because its coefficient holds p (the flux rule reads only linear coefficients; at the lift's p it would read about 58, below the rule's 100); **since stop 44 solved** (a hole's log radius): the code before again 0.62, after **3.3e-7** at 2 minutes; stop 48, side by side (the lone-field fit: p 135): 1.1e-6 → 9.3e-7 |
| sausage_poaching_radial_bessel_mm_min (stop 39, blind, third batch) | radial conduction in a cylinder of 11 mm in 90 °C water (the 1/r term, Biot 6.1), mm, minutes and °C | 1.8e-5 |
| dc_motor_fan_startup_b40 (stop 40, blind) | a DC motor and fan from rest on 24 V, SI, τ 2.5 ms electrical and 0.43 s mechanical over 2.5 s, (i, ω) | 3.0e-5, 9.9e-6 before the initial-layer rule → **1.2e-7, 4.1e-8** (2 minutes; 1.3e-7, 2.6e-8 weighted, side by side; its layer is read at exactly 1000, the threshold) |
| furnace_wall_firebrick_startup_kT_b40 (stop 40, blind) | a firebrick wall heating up over 6 h, k(T), a ramped hot face and a convective casing, K | 7.7e-7 |
| gravity_dam_levy_plane_strain_si_b40 (stop 40, blind) | Lévy's triangular gravity dam in plane strain, SI, its weight and a full reservoir, a traction-free face | 1.4e-6, 6.5e-7 |
| harbour_basin_gyre_outfall_b40 (stop 40, blind) | steady advection-diffusion of an outfall plume in a 2 km basin with a gyre, Péclet 20, mg/L | 1.3e-10 |
| initiator_radical_qssa_b40 (stop 40, blind) | A → R → P with a side path A → S, a radical relaxing at 80 per s fed by a decay at 0.025 per s over 300 s, mol/m³ | before the rule A 1.0e-2, R 2.4e-2, P 8.1e-3, S 5.2e-3 (fails on R) → **3.2e-4, 1.8e-3, 4.1e-4, 5.7e-4** (2 minutes; 6.3e-6, 1.9e-4, 1.1e-4, 5.7e-6 weighted, side by side). A first version of the layer's sizes (how far each field moves across the layer) gave S 0.05 for a size of 160 and failed: 0.11, 0.11, 0.12, 1.0; hence the sizes of the final rule |
| inverse_soil_diffusivity_diurnal_b40 (stop 40, blind) | soil's thermal diffusivity (guessed 2e-7 for 5.236e-7 m²/s) from 300 readings of the daily wave, in-file points | 1.4e-7; α = 5.23598e-7 |
| nitric_oxide_tissue_bolus_2d_b40 (stop 40, blind) | a nitric-oxide bolus scavenged at 100 per s in a 100 µm square of tissue over 0.5 s, nM | 9.2e-12 (no layer read: 50 over the span, below 1000) |
| water_hammer_surge_damped_kpa_b40 (stop 40, blind) | a damped surge in a 600 m penstock (a = 1200 m/s) over 8 s, kPa, a quarter-wave and a three-quarter-wave mode | **fails**: 0.585 (tanh: the data have no interior extremum along x, so the wave rule read no oscillation in time though the fundamental alone makes 8 half-periods). **Since stop 40 solved**: a wave now rings at least at its fundamental (half a half-period along x at the least, models/frequency.py), 7 half-periods along t (8, truncated), sin: **1.5e-3** at 2 minutes; with 9 harmonics of time set by hand as well, 0.15 (the harmonics start at 8: one more half-period read would have cost it) |
| bridge_pier_potential_flow_si_c40 (stop 40, blind, second batch) | potential flow past a round bridge pier (a rectangle with a hole), SI, no flow through the pier, mixed outer edges | 4.7e-10 |
| chloride_ingress_rising_surface_years_c40 (stop 40, blind, second batch) | chloride into concrete over 60 years, a surface value ramping up, mm and years | 4.1e-8 |
| couette_annulus_glycerol_si_c40 (stop 40, blind, second batch) | steady Navier-Stokes between a spinning and a fixed cylinder (glycerol-water, Re 50), SI, p pinned at a point | 4.3e-4, 3.7e-4, 3.0e-3 |
| inverse_footbridge_free_decay_stiffness_damping_c40 (stop 40, blind, second batch) | a footbridge's stiffness and damping (guessed 3e6 and 5e3 for 3.95e6 N/m and 1.26e4 N s/m) from 240 readings of a free decay over 4 s | 4.7e-6; k = 3947839.0 (3947841.8), c = 12566.30 (12566.37) |
| potting_block_cold_plate_3d_si_c40 (stop 40, blind, second batch) | steady heat in a 60 × 40 × 20 mm epoxy block, SI, a cold plate, a convective top, a flux face | 5.0e-7 |
| power_line_catenary_hillside_si_c40 (stop 40, blind, second batch) | a power line's sag H z'' = w √(1 + z'²) over a 300 m span between towers at 20 and 35 m | 7.1e-14 |
| sir_lockdown_transmission_days_c40 (stop 40, blind, second batch) | an SIR epidemic in a town of 1e6 over 180 days with a falling transmission rate, people | 2.8e-7, 1.1e-6, 1.0e-6 |
| strontium_yttrium_clay_liner_years_c40 (stop 40, blind, second batch) | Sr-90 decaying into Y-90 while both diffuse through a 1 m clay liner over 30 years, Y 4000× below Sr | 1.6e-6, 1.2e-5 |
| aldehyde_hydrate_preequilibrium_hours_d40 (stop 40, blind, third batch) | A → B, a fast hydration B ⇌ C (800 and 200 per s) and a slow oxidation B → D over 2 h, mol/m³ | **fails**: A 1.0, B 0.51, C 0.52, D 0.99 (2 minutes, its layer read, 5.8e6). The code before the layer rule: A 1.0e-3, B 0.71, C 0.72, D 0.84, also failing; the layer with the equations balanced (the step-0 rule of other systems): 0.89, 0.53, 0.53, 1.13 (the three side by side, beside other jobs). A's own slow decay is lost once the layer is planned: A rises 1200 → 1303 for 284, its equation's residual (0.24 mol/m³/s) nothing beside the fast pair's (~2e5) with the equations left unbalanced. Lifting a stiff system's weaker equations by the square root of their gap, measured and not adopted: 0.87, 0.88, 0.89, 1.16, and initiator_radical_qssa_b40's S 1.0e-2. Stop 41, 2 minutes, each by hand: A's equation ×1e10: A 9.1e-3, B 0.62, C 0.63, D 0.57; the slow combination (B + C)' = k1 A − k3 B added as a fifth equation: 0.94, 0.50, 0.51, 1.24, and with it, A's and D's equations ×1e8, 1e10, 1e12: (0.11, 0.12, 0.12, 0.31), (4.4e-2, 4.3e-2, 4.1e-2, 0.51), (4.0e-2, 6.7e-2, 7.5e-2, 0.26) — the fast pair's residual then goes unfitted (RMS ~1e4); the residuals weighted by ε + t̂ again (the layer's first version): 0.58, 0.28, 0.29, 1.01. At weight 1 the fast pair's residual (RMS 3.7, from layer points at rates of 2e5) buries the slow rates (~0.1) that set B + C over the 2 hours: the open case is a persistent fast equilibrium between two large fields, not the layer |
| epoxy_slab_microwave_switch_on_si_d40 (stop 40, blind, third batch) | a 20 mm epoxy slab over 1200 s, a heat source switched on at 60 s within 12 s, SI | 9.5e-6 |
| iodate_arsenous_front_capillary_mm_d40 (stop 40, blind, third batch) | a cubic autocatalytic front 0.32 mm wide moving at 6.3 µm/s for 600 s along 6 mm | 5.8e-11 |
| machine_motor_bracket_two_mode_si_d40 (stop 40, blind, third batch) | two masses (20 and 2 kg) on springs with proportional dampers, a 3 Hz and a 24 Hz mode over 1 s, from rest at a displacement, SI | **fails**: 0.87, 0.81 with a layer read by mistake (the damper puts the other mass's u_t into each oscillator's equation, read as a first-order rate of 1e3: fixed, equations with a second time derivative are skipped); without it, the final code, 0.24, 0.23: still failing (48 half-periods of the fast mode along t, beyond the 16 harmonics). **Since stop 41**: its two modes as features (47.1, 6.1 half-periods): **1.0e-2, 9.7e-3** at 2 minutes in two runs of the first version (its sizes read with the features: 0.0088, 0.017), 0.72, 0.67 in one run of the final code (sizes read without them: 0.0098, 0.011); **1.5e-4, 1.4e-4** at the default 5 minutes with the final code. 16 harmonics of the span by hand instead: 2.1e-2; 49: 1.49; the features and 16 harmonics: 1.31 |
| steel_lug_offset_hole_biaxial_pressure_mm_d40 (stop 40, blind, third batch) | a steel lug in plane stress with an offset 24 mm bore under 40 MPa pin pressure, pulled at 60 and 25 MPa, mm and MPa | 1.7e-6, 5.4e-5 (680 steps) |
| steel_plate_cycled_edge_2d_si_d40 (stop 40, blind, third batch) | a 0.2 × 0.1 m steel plate over 3000 s, one edge cycled with a 600 s period, SI | 3.9e-5 |
| minichannel_bump_navier_stokes_mm_d40 (stop 40, blind, third batch) | steady Navier-Stokes of water in a minichannel with a semicircular rib, mm, mm/s and Pa, a manufactured body force | **fails** on v: u 9.3e-3, v 7.2e-2, p 2.0e-2 (1085 steps, beside the test suite and two other runs); stop 44, the code before again 9.7e-3, 7.1e-2, 8.0e-3 (its plan took 6 minutes of SymPy expanding the body force; now 2 s), with a hole's log radius about the rib 0.11, 0.63, 0.12 |
| river_ammonium_overflow_pulses_km_h_d40 (stop 40, blind, third batch) | ammonium in a 12 km reach over 8 h, Péclet 60, decay, two overflow pulses at the inflow, km and h | 2.4e-10 |
| copper_bar_eddy_skin_effect_complex_mm_e41 (stop 41, blind) | 400 Hz eddy currents in a copper bar as two real fields (Ar, Ai), mm, a quarter section, the potential's magnitude falling 4500-fold over 9 skin depths | 4.0e-8, 3.3e-8 |
| dna_counterion_cell_poisson_boltzmann_nm_mv_e41 (stop 41, blind) | nonlinear Poisson-Boltzmann around DNA in a cell, r from 1 to 10 nm with the 1/r term, mV, Gauss's law at the rod | 1.4e-8 (b/a = 10: no log radius) |
| grey_squirrel_oblique_fisher_front_km_years_e41 (stop 41, blind) | a Fisher-KPP invasion front at 30° crossing 160 × 100 km in 15 years | 7.4e-12 |
| inverse_pumping_well_transmissivity_recharge_m_days_e41 (stop 41, blind) | a pumped well's transmissivity and recharge (guessed 60 and 3e-4 for 150 m²/day and 1e-3 m/day) from 11 heads, r from 0.25 to 800 m | **failed**: h 1.1e-3, T = 138.7, N = −1.1e-4 (the wrong sign). **Since stop 41 solved** (a log radius): h **1.4e-7**, T = 149.999995, N = 1.00023e-3 (planned); 1.5e-8, T = 149.99999, N = 1.00003e-3 with the same width set by hand |
| keyway_shaft_torsion_prandtl_mm_e41 (stop 41, blind) | torsion of a grooved shaft (a disk minus a disk), Prandtl's stress function, mm and MPa | 1.7e-5 |
| laser_pulse_steel_axisymmetric_rz_mm_ms_e41 (stop 41, blind) | a laser spot cooling on steel in (r, z, t), the 1/r term down to the axis, mm and ms | 4.8e-10 |
| rlc_mains_switch_on_ringing_si_e41 (stop 41, blind) | a series RLC branch switched onto 230 V mains: 503 Hz ringing (100 half-periods) on the 50 Hz response over 0.1 s, (i, vC) | **failed**: 0.76, 0.18 (the code before, twice: 0.80, 0.19); 16 harmonics by hand 0.80, 0.19, 101 harmonics 0.99, 0.23. **Since stop 41 solved** (its own frequencies, 100.6 and 10 half-periods): **4.6e-3, 1.1e-3** at 2 minutes (1.0e-2, 2.4e-3 in a second run, the final code), **5.7e-4, 1.4e-4** at 5 minutes |
| water_tank_wall_shell_bending_si_e41 (stop 41, blind) | a steel tank wall's bending, 4th order, a 0.27 m layer at the clamped base of a 12 m wall, SI | 2.4e-6 |
| dewatering_pit_corner_lshape_groundwater_m_days_f41 (stop 41, blind, second batch) | groundwater around a dewatered pit's re-entrant corner (r^(2/3)), an L-shape by difference, heads and flows, m and days | **fails**: 7.5e-2 at 2 minutes, 1.2e-2 at 5 (the corner's singular mode carries most of the head). **Since stop 42 solved** (the corner's functions added to the output, the walls reaching it in the loss): **5.7e-9** at 2 minutes; the functions as inputs of the network with the walls imposed 5.0e-3, as inputs with the walls in the loss 2.8e-6, added with k = 1, 2 only 4.5e-7 |
| drumhead_struck_centre_damped_membrane_disk_si_f41 (stop 41, blind, second batch) | a damped drumhead (a disk) struck at its centre, 11.5 and 26 half-periods over 40 ms, mm | **fails**: 0.88. The wave rule reads 7 half-periods along t (below the harmonics' 8): the fundamental of the box's width, not the disk's Bessel zero (2.405 against π/2 per radius), and lines that miss the centre. Since stop 41 a wave's terms over both axes add up (ω² = c²(κx² + κy²)): read at 10, 11 harmonics of time planned: **0.57** at 2 minutes, **0.12** at the default 5 (the code before, 5 minutes, side by side with another run: 0.195; 12 and 16 harmonics set by hand: 0.17, 0.16 at 2 minutes): better, still failing. Since stop 43 (an initial rate's size over T/√n: scale 185 for 585, its part 56): **0.13** at 2 minutes, 0.117 at the default 5 (0.12 before: the scale speeds it up, the waves still fail it) |
| inverse_coastal_aquifer_tidal_transmissivity_leakage_m_h_f41 (stop 41, blind, second batch) | a coastal aquifer's transmissivity and leakage from 72 h of two tides at four piezometers | 8.8e-6; T = 24.99984 (25), N = 1.49998e-4 (1.5e-4) |
| laser_track_steel_sheet_chill_plate_robin_mm_s_f41 (stop 41, blind, second batch) | a laser track scanned over a steel sheet on a chill plate, a switch-on 36× shorter than the window, convective edges, °C, mm and s | 1.7e-2 at 2 minutes (fails there); **4.0e-3** at the default 5 minutes |
| quarter_car_washboard_undulating_road_mm_t_s_f41 (stop 41, blind, second batch) | a quarter car over washboard (10.7 Hz, by the 11.9 Hz wheel hop) on an undulation, 3 s, mm | the code before this stop 7.8e-2, 0.44 → **7.5e-3, 2.1e-3**; 1.7e-3, 6.9e-4 at the default 5 minutes (its frequencies read: 66 and 7.3 half-periods of its modes, 64 and 4 of the road) |
| richards_gardner_irrigated_column_dry_layer_m_h_f41 (stop 41, blind, second batch) | Richards' equation with Gardner's soil wetting a dry layer of a 1.5 m column, m and h | 5.0e-6 |
| river_outfall_bod_oxygen_sag_mixing_zone_2d_si_f41 (stop 41, blind, second batch) | a Streeter-Phelps oxygen sag below an outfall, 4 km × 25 m, Péclet ~670, (BOD, deficit) mg/L | 5.1e-4, 5.7e-4 |
| steam_header_thick_wall_thermoelastic_3d_mm_mpa_f41 (stop 41, blind, second batch) | a 3-D segment of a thick-walled steam header, 40 MPa inside and 60 K across the wall, (T, ux, uy, uz), mm and MPa | the errors of T, ux and uy were NaN: the grid mask kept the bore's axis (distance 0 on a subtracted cylinder's caps, where the exact log r is −∞); fixed (geometry/select.py): T 1.0e-2, ux 6.8e-2, uy 6.0e-2, uz 1.6e-4 at 2 minutes (260 steps); **fails** at the default 5 minutes too: 1.05e-2, 5.9e-2, 5.4e-2, 1.2e-4 (592 steps, 0.5 s a step: 21 terms, four fields' second derivatives in 3-D; its tractions start 1e12 above the symmetry conditions, balanced by gradient norms) |
| caisson_groundwater_flow_heat_plumes_potential_m_days_g42 (stop 42, blind) | groundwater round a caisson (a rectangle minus a disk) carrying heat plumes, (h, T), the transport's velocity −K∇h | 2.5e-9, 7.2e-7 |
| curved_snap_ring_pure_bending_plane_stress_mm_g42 (stop 42, blind) | plane-stress bending of a quarter ring (two disks and a rectangle), (ux, uy) of 1e-3 mm under stresses of 10 MPa | 2.7e-3, 9.2e-3; stop 45, the mixed form: 1.3e-2, 5.6e-2 (stresses fitted 7e-9); stop 46, their laws' size: **6.0e-5, 1.3e-4** |
| dc_gis_graded_post_insulator_notched_flank_kv_si_g42 (stop 42, blind) | a graded insulator's potential, ε ~ 1e-10 F/m and V ~ 1e5, a notched polygon with two re-entrant corners (its solution smooth there) | the code before 1.7e-7; with the corner rule's versions 3.8e-7, 1.1e-6, and the final one 9.7e-7 |
| inverse_drainage_ditch_seepage_anisotropy_piezometers_m_days_g42 (stop 42, blind) | the anisotropy kx/kz (5, guessed 1) of a ditch's seepage from 24 piezometer heads, a non-convex polygon | **fails**: h 7.6e-3 with kx/kz = 0.36 |
| packed_bed_square_duct_wall_cooled_long_3d_si_g42 (stop 42, blind) | a 2 m packed-bed duct 80 times longer than wide, dispersion and Robin walls, 3-D SI | 7.8e-8 |
| polymer_melt_converging_die_entry_stokes_wedge_si_g42 (stop 42, blind) | creeping Jeffery-Hamel flow in a die's converging wedge, (u, v, p), p to 1e5 Pa, no pressure pin | **fails** at 2 minutes: u 2.9e-3, v 2.8e-2, p 3.4e-3; at the default 5 minutes 8.6e-4, 3.9e-3, 6.2e-4 |
| ribbed_cold_plate_four_ribs_jet_cooled_robin_mm_g42 (stop 42, blind) | a cold plate's base and four ribs (eight re-entrant corners), only flux and Robin conditions on 16 sides, mm | **fails**: the code before 2.5e-2; with the corner rule 3.1e-2 (its solution smooth at the corners; 468 steps when its 32 corner functions were computed one corner at a time, 1020 since); with the half exponents too, 48 functions, 0.11; faded beyond half the distance to the next corner (final): 2.6e-2 |
| silicon_optical_bench_fibre_hole_kT_3d_mm_g42 (stop 42, blind) | a 3-D box minus a fibre bore, k(T) = k0 (T/T0)^-1.3, flux data | **fails** at 2 minutes: 1.7e-2; at the default 5 minutes it crashed in torch's line search after 4 minutes (an IndexError on an empty bracket; now a failed search: training/quasi_newton.py), and with that fix reaches **9.6e-3** at 5 minutes (beside a CI run); stop 48, side by side at 2 minutes (the lone-field fit: T 515, scale 1 before): 8.8e-2 → **6.5e-6** |
| baroclinic_inertia_gravity_waves_f_plane_periodic_si_h42 (stop 42, blind) | inertia-gravity waves on an f-plane, (u, v, η), periodic in x over 3 days, SI | **fails**: 1.0, 1.1, 1.4; with its waves' frequencies as features (17.7, 10 half-periods) the same. Its residuals are of order 1e-5 in SI (rates of 1e-4 per second on fields of 0.1-8) |
| bbm_solitary_wave_canal_regularized_long_wave_si_h42 (stop 42, blind) | a BBM solitary wave carried 46 widths along a canal, η_xxt | 5.3e-9 |
| clohessy_wiltshire_iss_phasing_approach_m_s_h42 (stop 42, blind) | a cargo ship's drift towards the station over three orbits (Clohessy-Wiltshire), (x, y, z) | **fails** at 2 minutes: x 3.5e-2, y 5.6e-3, z 1.8e-3 (6 half-periods of its mean motion: no frequencies planned); at the default 5 minutes 1.2e-3, 1.8e-4, 2.0e-4 |
| induction_scan_hardening_moving_coil_wire_mm_s_h42 (stop 42, blind) | a coil moving along a wire, a 3.9 mm warm-up ahead and a 154 mm tail behind, mm and s | 1.8e-14 |
| inverse_bromide_tracer_column_dispersion_cm_min_h42 (stop 42, blind) | a column's dispersion (0.025, guessed 0.01) from 123 port readings, Péclet 240 | 7.5e-10, D = 0.0249999999992 |
| permafrost_borehole_warming_trend_seasonal_m_years_h42 (stop 42, blind) | a 60 m borehole over 25 years: an annual surface cycle (50 half-periods), a warming trend, geothermal flux | **fails**: 0.16 (16 harmonics of the span cannot make the annual cycle); the code before, again: 0.30; with the cycle's frequency as a feature (stop 42) 0.11, still failing; at the default 5 minutes 1.01e-2, just above the mark |
| steel_billet_furnace_ramp_bessel_modes_disk_si_h42 (stop 42, blind) | a round billet heated in a ramping furnace for 3 h, modes that fade in 122 s and 23 s, SI | 4.4e-5 |
| tumour_gompertz_implant_chemo_mm3_days_h42 (stop 42, blind) | an implant's drug, its plasma level and a Gompertz tumour (V log(K/V)) over 150 days, values from 6e-5 to 1.3e5 | **fails**: stops at step 314 with a clear message (the loss became non-finite: the network's V went below zero inside log(K/V)); taking the log of \|V\| instead (tried, not kept) trains on to V ≈ 0, L2RE 1.0, a wrong answer where the stop was honest |
| laplace_lshape_mixed_corner (stop 42, written for the corner rule) | Laplace on an L whose corner joins a held edge and an insulated one: r^(1/3) sin(θ/3) + y/2 | the code before **4.0e-2** → **1.8e-9** (2 minutes) |
| column_canopy_annular_slab_free_edge_kirchhoff_si_i43 (stop 43, blind) | a concrete canopy on one column: a Kirchhoff plate on an annulus (a/b = 1/12), clamped at the column, a free edge (moment and Kirchhoff shear, third derivatives), w ~ 1e-3 m | **fails**: 0.998 (260 steps in 2 minutes; no datum tells w's size: the planned scale 1 for a part of 7.7e-4); with the zero-lift ratio (stop 43, scale 3.6e-4) 1.11; **since stop 44 solved** (a hole's log radius): **2.8e-4** at 2 minutes |
| decaying_taylor_vortex_water_tank_navier_stokes_si_i43 (stop 43, blind) | a decaying Taylor vortex in water, unsteady Navier-Stokes (u, v, p) in SI, a 7 mm eddy in an 8 cm window over 50 s, p pinned at a corner to its exact 1e-12 Pa | **fails**: 1.07, 0.93, 1.00 (the pin's 1e-12 set p's output scale to 6e-13); with a pin read as a level, not a size (stop 43): 7.5e-2, 5.8e-2, 0.15 (600 steps: 0.1 s per Adam step for 3 fields' second derivatives in float64); stop 52, side by side at 2 minutes (the fit read again by powers of ten: u 0.0296, v 0.030, p 2.6e-3 where none was set): 4.9e-2, 4.8e-2, 4.4e-2 → **1.3e-3, 1.0e-3, 1.2e-2** |
| exponential_horn_webster_travelling_wave_anechoic_mouth_si_i43 (stop 43, blind) | 200 Hz sound along an exponential horn (Webster), a first-order non-reflecting mouth, 6 half-periods in time | **fails**: 2.1e-2 (alone: 6.0e-2); with an initial rate's size over T/√n (stop 43), side by side: 6.0e-2 → **3.8e-3** |
| inverse_rhodamine_dye_patch_bay_eddy_diffusivity_decay_si_i43 (stop 43, blind) | a dye patch drifting 890 m across a bay: its eddy diffusivity (1.0, guessed 0.3) and decay rate (2e-5, guessed 5e-5) from 152 mooring readings | 5.9e-6, D = 0.999999, kd = 2.000005e-5 |
| krogh_capillary_tissue_cylinder_oxygen_3d_um_i43 (stop 43, blind) | oxygen around a capillary (Krogh): a 3-D cylinder minus a 10× thinner one, 600 µm long, µM and µm, a log profile on 40-80 µM | **fails**: 0.125 (planned scale 293 for a part of 131); at the default 5 minutes 0.125 again; the field stays near the lift (its error grows with r to the log profile); weights fixed by hand instead of the planned grad_norm 0.127; **since stop 44 solved** (a hole's log radius and linear distance, docs/geometry.md): **5.7e-6** at 2 minutes (the log alone 0.106, the linear distance alone 0.126) |
| reactor_rod_withdrawal_point_kinetics_fuel_heatup_si_i43 (stop 43, blind) | point kinetics after a rod step with fuel heat-up, (P, C, Tf), a 0.2 s prompt jump, a 5 s lag and a 51 s period | 2.5e-7, 3.8e-8, 1.7e-7 |
| steam_line_insulation_condensate_half_annulus_robin_si_i43 (stop 43, blind) | a steam pipe's insulation, a half ring (CSG), 453 K ± 15 K sin θ inside, Robin (Bi = 19) outside | 3.0e-6 |
| wrinkled_methane_flame_front_huygens_markstein_periodic_si_i43 (stop 43, blind) | a wrinkled flame front h_t = S_L(1 + h_x²/2) + D h_xx, periodic, a cusped start (Cole-Hopf) | 9.5e-5; stop 48, side by side (the lone-field fit: h 0.0051): 5.5e-5 → 9.8e-7 |
| carotid_artery_wall_pulse_pressure_plane_strain_si_j43 (stop 43, blind) | a carotid wall under pulse pressure, plane strain with ν = 0.49 (λ/μ = 49), a quarter ring, u ~ 6e-5 m on 3 mm, tractions written with the normal by hand | **fails**: 0.93, 1.07 (the fit read sizes 3.5e-7, 1.0e-6 for parts of 8.3e-5; with 3.7e-5 set by hand 0.98, 1.03: not the scale; nearly incompressible); stop 45, the mixed form: 0.93, 1.07 → 6.4e-2, 4.4e-2 (still failing) |
| equity_call_option_black_scholes_dividend_usd_years_j43 (stop 43, blind) | a European call with a dividend (Black-Scholes in time to expiry), S from 40 to 250 USD | 6.7e-13: the exact solution's one expression is the data on every face and at τ = 0, so the lift is the solution (1e-16 before training) |
| ice_sheet_dome_thinning_halfar_glen_flow_m_yr_j43 (stop 43, blind) | Halfar's dome thinning under Glen's law (h⁵ h_r³ flux), 5000 years, m | 1.6e-14 (as above: the lift is the solution) |
| inverse_carbon_fibre_lithium_diffusivity_gitt_surface_um_s_j43 (stop 43, blind) | lithium's diffusivity in a carbon fibre (5e-3 µm²/s) from 61 surface readings of a current pulse, c ~ 1e4 | c 3.9e-3, D = 4.93e-3 (1.4 % off); at the default 5 minutes c 6.1e-5, D = 4.998e-3 |
| light_sheet_microscope_gaussian_focus_paraxial_um_j43 (stop 43, blind) | a light sheet's paraxial wave equation marched along z, (Ar, Ai), 11 rad of phase, a 3× focus | 3.8e-8, 5.1e-8 |
| power_station_stack_so2_plume_ground_reflection_3d_si_j43 (stop 43, blind) | a stack's SO₂ plume, steady 3-D advection-diffusion with a reflecting ground | 3.8e-11 (as above: the lift is the solution) |
| protoplanetary_disk_viscous_spreading_lynden_bell_pringle_au_yr_j43 (stop 43, blind) | a gas disk's viscous spreading (Lynden-Bell & Pringle), 1-100 AU over 1 Myr, Σ over six decades | 6.6e-8 |
| window_pane_sonic_boom_free_vibration_kirchhoff_plate_si_j43 (stop 43, blind) | a glass pane set ringing by a sonic boom, a damped Kirchhoff plate (w_tt and ∇⁴w), modes (1,1) and (3,1), w ~ 1e-4 m | **fails**: 0.46; with an initial rate's size over T/√n (stop 43; scale 0.033 for 0.14, its part 0.015): 0.27; at the default 5 minutes 0.14 |
| bare_cylindrical_reactor_core_critical_flux_bessel_rz_cm_k43 (stop 43, blind) | a just-critical cylindrical core's neutron flux in (r, z), J0 × cos, its level set by a point at a corner, φ ~ 1e13, cm | 9.8e-6 |
| boulder_aquifer_seepage_impermeable_sphere_octant_3d_si_k43 (stop 43, blind) | groundwater round a buried boulder, a box's octant minus a ball, no-flux on the ball written with n_x, n_y, n_z | 3.4e-8 |
| fingertip_cold_steel_handrail_contact_erf_two_media_mm_s_k43 (stop 43, blind) | a fingertip on a cold steel rail, two media in contact (k jumps 120×, Heaviside and Piecewise), (T, q) in flux form, erf | **fails**: T 1.35e-2, q 7.3e-2; stop 47 (2 minutes, side by side): 7.1e-3, 3.2e-2 → 1.4e-2, 5.6e-2 with the interface kink (worse; its layers in the skin, not the kink, bound it) |
| foucault_pendulum_pantheon_coriolis_precession_si_k43 (stop 43, blind) | the Pantheon's Foucault pendulum over 300 s, (xb, yb), 37 half-periods of swing, yb 3 % of xb | **fails**: 1.01, 1.00 (the fit read yb's size 1.1e-4 for 0.02: a resonant response the linearised features do not grow); with `model.output_scale=1` set by hand 5.8e-5, 4.1e-3; with a resonant size not trusted (stop 43, the same plan) 1.6e-4, 1.03e-2 beside a CI run (946 steps for 1381) |
| inverse_ocean_ekman_spiral_eddy_viscosity_adcp_si_k43 (stop 43, blind) | the ocean's eddy viscosity (0.02, guessed 0.05) from an Ekman spiral's 17 current readings, (u, v) | 6.7e-8, 3.9e-8, A = 0.0199999992 |
| oil_cooler_counterflow_double_pipe_wall_temperature_si_k43 (stop 43, blind) | a counterflow oil cooler as a two-point problem, (Toil, Twall, Twat), inlets at opposite ends, the wall algebraic | 1.4e-11, 3.8e-10, 1.0e-10 |
| transformer_core_leg_laminated_anisotropic_conduction_robin_si_k43 (stop 43, blind) | a laminated core leg (17× anisotropy), a quarter disk, oil-cooled Robin on the arc written with n_x, n_y | 7.7e-7 |
| underfloor_heating_screed_pipe_ripple_periodic_robin_si_k43 (stop 43, blind) | underfloor heating pipes' surface ripple, periodic in x, flux below and Robin above, no Dirichlet | 2.1e-6 |
| catalytic_wall_tube_reactor_startup_laminar_rz_mms_cm_s_l44 (stop 44, blind) | a laminar tube reactor's start-up in (r, z, t), Robin catalytic wall, Danckwerts ends, 40:1, axial Péclet 400, manufactured source | 3.1e-4 |
| hollow_elliptical_tube_torsion_warping_shear_flow_mm_mpa_l44 (stop 44, blind) | Saint-Venant torsion of a hollow elliptical tube, warping and two shear stresses, traction-free surfaces written with n_x, n_y | 1.2e-4, 2.0e-5, 1.3e-5 |
| inverse_journal_bearing_eccentricity_viscosity_taps_mm_mpa_l44 (stop 44, blind) | a journal bearing's eccentricity (inside h³) and oil viscosity from 12 pressure taps, Reynolds equation periodic in θ | 9.7e-10; ε = 0.5999999994, μ = 2.799999997e-8 |
| mezzanine_floor_frahm_absorber_pump_startup_mm_t_s_l44 (stop 44, blind) | a floor and its tuned absorber after a pump's start-up, two modes beating with the drive, mm-tonne-s | **failed**: 0.99, 0.94 (the fit over the untrained features left 0.99 of the residual and read 0.002 for parts of 0.19 and 1.04); a fit leaving more than 0.9 no longer sets sizes (stop 44): **3.9e-3, 2.0e-3** |
| plate_girder_uniform_load_airy_plane_stress_mm_mpa_l44 (stop 44, blind) | a deep steel flat-bar beam in plane stress (Airy's degree-5 solution), tractions on every edge, a pin, mm and MPa | **fails**: 0.975, 0.975 (sizes fitted 0.011, 0.003 for parts of 0.18 and 1.1); with `model.output_scale=1` 0.70: not the scale alone; stop 45, the mixed form: 1.00, 1.00 → **9.9e-5, 3.4e-5** |
| silica_nanochannel_electroosmotic_flow_back_pressure_debye_um_mv_l44 (stop 44, blind) | electroosmotic flow against back-pressure, Debye-Hückel potential and Stokes velocity, a wall layer in 2 % of the slit | 9.6e-5, 1.6e-5 |
| sonar_pulsating_sphere_tone_burst_spherical_radiation_m_ms_kpa_l44 (stop 44, blind) | a spherical projector's 5 kHz burst from rest, a wave front crossing the domain, driven by its surface acceleration, radiation condition | **fails**: 2.71 (scale 588, read from the drive's flux over the span, for a part of 10.9) |
| tig_weld_pass_rosenthal_moving_point_source_thick_plate_3d_mm_s_l44 (stop 44, blind) | Rosenthal's moving point source in 3-D (a box minus a quarter ball), Péclet 32, 100-1370 °C | 3.3e-4 |
| gaas_dot_two_electron_harmonium_4d_cusp_robin_nm_mev_m44 (stop 44, blind) | two electrons in a GaAs dot, 4-D Schrödinger, a Coulomb cusp inside, Robin data on every face | **fails**: 0.998 (the Robin data read as values give the scale 0.0043 for a part of 0.33: the Gaussian's tail on the faces) |
| hydrogen_2pz_orbital_coulomb_half_ball_robin_angstrom_ev_m44 (stop 44, blind) | hydrogen's 2p_z orbital on a half ball, Coulomb potential, nodal plane, Robin far field, a point fixing the amplitude, Å and eV | **fails**: 2.6e-2 |
| inverse_lobster_axon_cable_membrane_resistance_um_ms_mv_m44 (stop 44, blind) | a lobster axon's membrane resistance from 96 electrode readings after a current step, cable equation, erfc | 2.8e-9; Rm = 2.299999999 |
| josephson_junction_sine_gordon_breather_kicked_um_ps_m44 (stop 44, blind) | a sine-Gordon breather in a long Josephson junction started by a current kick, an edge field | **fails**: 0.97; with `model.output_scale=10` by hand (its part 11.8, planned 1) 2.29: not the scale |
| ostriker_isothermal_filament_liouville_quarter_disk_pc_kms_m44 (stop 44, blind) | an isothermal filament's potential (Liouville's equation) on a quarter disk, Neumann data only | **fails**: 0.147 |
| ppln_second_harmonic_generation_pump_depletion_complex_mm_mvm_m44 (stop 44, blind) | second-harmonic generation with pump depletion, four real fields, 99 % conversion | 6.2e-9, 1.4e-8, 1.1e-8, 2.1e-8 |
| seismic_first_arrival_eikonal_linear_gradient_vsp_km_s_m44 (stop 44, blind) | first-arrival traveltimes in a linear velocity gradient, the eikonal equation, two faces left free | 8.7e-12 |
| stommel_subtropical_gyre_western_boundary_current_sverdrup_si_m44 (stop 44, blind) | Stommel's gyre, a western boundary layer of 50 km in a 6000 km basin | 3.0e-6 |
| baseplate_saddle_heating_insulated_bore_distortion_mm_mpa_n46 (stop 45, blind) | steady heat and plane-stress distortion of an aluminium baseplate (a union minus a bore), traction-free edges written with the normal, re-entrant corners, mm and MPa | T 5.1e-4, ux 5.7e-3, uy 2.6e-3 |
| combustor_liner_tbc_hot_streak_two_layer_flux_form_mm_n46 (stop 45, blind) | conduction through a combustor liner and its ceramic coating (k jumps 23×) in flux form, hot streaks, Robin faces, 19:1 | **fails** on its flux: T 3.9e-4, qy 1.1e-2; stop 47 (2 minutes, side by side): 9.9e-4, 2.3e-3 → **1.7e-5, 8.1e-5** with the interface kink |
| drill_string_torsional_surge_bha_inertia_3km_si_n46 (stop 45, blind) | a 3 km drill string's damped torsional waves over 60 s, the bottom assembly's inertia as a θ_tt condition, driven at the top | 7.9e-5 |
| falling_ball_viscometer_glycerol_stokes_drag_quarter_3d_si_n46 (stop 45, blind) | 3-D Stokes flow past a falling ball in glycerol (Stokes 1851), a quarter box minus a ball, symmetry planes, a traction outlet | **fails**: u 0.37, v 0.27, w 3.1e-2, p 6.1e-3 (240 steps) |
| floating_pontoon_pier_head_swell_free_edges_winkler_plate_si_n46 (stop 45, blind) | a floating pontoon as a Kirchhoff plate on a Winkler foundation under swell, periodic in x, two free edges (moment and Kirchhoff shear) | **fails**: 3.3e-2 |
| gac_column_dioxane_diurnal_feed_ldf_danckwerts_m_h_n46 (stop 45, blind) | an activated-carbon column's liquid and adsorbed 1,4-dioxane over 4 days, a daily feed cycle, Danckwerts inlet, linear driving force | 5.4e-4, 3.8e-4 |
| inverse_heatsink_fin_local_htc_ir_thermography_si_n46 (stop 45, blind) | a fin's local heat-transfer coefficient h(x) (a field unknown) from 40 infrared pixels | **fails** on h: T 1.7e-4, h 2.8e-2 |
| pbli_blanket_duct_hartmann_flow_coated_and_bare_walls_si_n46 (stop 45, blind) | Hartmann flow of lead-lithium in a fusion blanket duct (Ha = 329, 30 µm layers at both walls), velocity and induced field, a Robin wall | **fails**: 0.93, 0.56 |
| calcium_nanodomain_two_channels_egta_buffer_3d_nm_us_o46 (stop 45, blind) | Ca²⁺ nanodomains of two channels with an EGTA buffer, a 3-D half ball minus two 3 nm pores over 200 µs, erfc point sources, nm and µs | **fails**: 8.4 (the plan reads the output scale 3.4e6 for a field of 0.1-390 µM) |
| galactic_disk_potential_miyamoto_nagai_rotation_curve_3d_kpc_o46 (stop 45, blind) | a Miyamoto-Nagai disk's potential in a 3-D cylinder, a source layer 180× thinner than the domain, Neumann data only and one pinned value | **fails**: 0.11 |
| grin_rod_lens_breathing_gaussian_beam_paraxial_complex_um_o46 (stop 45, blind) | a Gaussian beam refocusing 4.2 times in a GRIN rod lens, the paraxial equation as two real fields, 333:1 | 1.7e-4, 1.6e-4 |
| inverse_cir_bond_calibration_fichera_30y_usd_o46 (stop 45, blind) | the CIR short-rate model's κ and σ from 120 bond quotes over 30 years, a degenerate diffusion with its Fichera condition | 2.8e-8; κ = 0.30000003, σ = 0.0799999 |
| klausmeier_vegetation_bands_uphill_migration_m_years_o46 (stop 45, blind) | Klausmeier's water and plant bands migrating uphill over 100 years, periodic, stiffness ratio 4e4 | **fails**: 2.9e-2, 1.6e-2 |
| photoinitiator_bleaching_front_laser_cure_depth_mm_s_o46 (stop 45, blind) | a photobleaching front under a Gaussian laser (Beer-Lambert and photolysis), a first-order system, irradiance over 5 decades | 2.1e-3, 1.2e-3 |
| rossby_waves_zonal_jet_beta_channel_barotropic_km_days_o46 (stop 45, blind) | two Rossby waves on a jet, the nonlinear barotropic vorticity equation (third order), ψ ~ 1e7, a 24 000 km channel over 40 days | **fails**: 0.18 (111 steps) |
| tokamak_solovev_equilibrium_magnetic_probes_half_ellipse_m_wb_o46 (stop 45, blind) | an ITER-size tokamak's Solov'ev equilibrium (Grad-Shafranov), Neumann probe data on a half ellipse pinned by one flux loop | 7.3e-5 |
| buried_district_heating_pipe_winter_soil_image_source_si_p47 (stop 46, blind) | a buried insulated district-heating pipe in frozen soil (a rectangle minus a disk, the method of images), SI | 5.1e-5 |
| double_pipe_annulus_laminar_water_velocity_temperature_si_p47 (stop 46, blind) | laminar flow and heat in a double-pipe exchanger's annulus (a disk minus a disk), velocity 2000× below the temperature, one-way coupled | **fails**: w 0.79, T 0.19 (492 steps; the fit, leaving 0.72, reads w 0.38 for a part of 0.04 and is not used); stop 47, w given in the heat equation while Adam trains (one-way coupling), side by side: 0.90, 0.22 → **9.7e-3, 2.0e-3**; four runs of it: w 9.7e-3, 7.5e-2, 3.4e-3 (the final code, quiet machine) and 0.33 (beside a scan on the second core), against 0.82-0.90 in three runs without |
| gold_film_femtosecond_two_temperature_model_nm_ps_p47 (stop 46, blind) | femtosecond laser heating of a gold film, the two-temperature model with C(Te) and k(Te, Tl), nm, ps, K | 1.2e-4, 6.3e-6; stop 48, side by side (the fit linearised again: Te 3160 → 2120, Tl 114 → 60.4): 4.3e-4, 3.9e-5 → 1.6e-4, 8.8e-6; stop 52, a first version of the fit read again by powers of ten (Te read 212 for 2120), side by side: 2.2e-4, 2.0e-5 → 1.1e-3, 9.1e-5; not kept (the final rule leaves its plan as before) |
| granite_rayleigh_ground_roll_surface_wave_periodic_si_p47 (stop 46, blind) | a 46 Hz Rayleigh wave in granite, plane-strain elastodynamics, periodic, a traction-free surface | 5.0e-4, 7.1e-5 |
| inverse_cfrp_orthotropic_conductivity_thermocouples_si_p47 (stop 46, blind) | a carbon-fibre plate's two conductivities (8× apart) from 6 thermocouples × 15 readings | 2.9e-4; kx = 5.1992 (5.2), ky = 0.64976 (0.65) |
| kovasznay_wake_rod_grid_water_tunnel_navier_stokes_si_p47 (stop 46, blind) | Kovasznay flow behind a grid of rods in water, SI (velocities 1e-3 m/s, pressures 1e-7 Pa) | 1.4e-6, 5.1e-5, 8.7e-6; stop 48, side by side (the fit linearised again: v 2.8e-5 → 1.35e-5): 1.1e-6, 6.8e-5, 1.3e-5 → 1.6e-6, 3.1e-5, 1.9e-5 |
| rock_bed_store_fluid_rock_nonequilibrium_2d_hours_p47 (stop 46, blind) | a gravel thermal store, water and rock temperatures apart, equalising in 1 % of a 48 h record | **fails**: 0.23, 0.25; at the default 5 minutes 0.11, 0.10 (the equalisation, 100 times faster than the record, is below the initial layer's 1000; forced, 6.6e-2 at 2 minutes) |
| wireless_charger_coupled_resonators_switch_on_beats_us_p47 (stop 46, blind) | two coupled resonant circuits of a wireless charger switched onto a 100 kHz drive, beats over 30 half-periods, µs | 7.8e-4, 4.5e-4, 8.0e-4, 4.8e-4 |
| basalt_sill_cooling_sedimentary_host_quarter_section_m_years_r47 (stop 46, blind) | a basalt sill cooling into its host rock, a quarter section, a sharp 1000 °C contact front, m and years | 4.8e-11 |
| estuary_dye_line_release_vertical_current_shear_2d_m_s_r47 (stop 46, blind) | a dye patch carried by a sheared estuary current (Pe 1400), 240 m × 10 m | 7.7e-9 |
| exhaust_tailpipe_convected_acoustics_mean_flow_open_end_si_r47 (stop 46, blind) | a 300 Hz tone in a hot exhaust pipe with mean flow, linearised Euler (p, u), an open end | 3.2e-3, 3.3e-3 |
| muskrat_invasion_central_europe_skellam_anisotropic_km_years_r47 (stop 46, blind) | Skellam's muskrat spread (diffusion and growth, 600-fold) on an elliptical survey area, km and years | 1.8e-8 (its rim data stay an exact lift: the singular-lift rule at 1e6, not 1000) |
| nmc_cathode_particle_galvanostatic_lithiation_spherical_um_s_r47 (stop 46, blind) | lithium into a spherical cathode particle at constant flux, r² c_t = D (r² c_r)_r, µm and s | 7.4e-3 |
| no2_absorption_liquid_film_second_order_reaction_um_r47 (stop 46, blind) | NO₂ absorbed into a liquid film with a second-order reaction, a 1.4 µm layer, a Robin face to the bulk | **fails**: 1.09 (the output scale 8.8e-5 is read from the Robin datum, but the network part there is that datum less the interface value's lift, 1e-2); stop 47, the larger of the datum and the datum less the lift: 1.72 → **1.2e-9** |
| piano_treble_string_stiff_inharmonic_damped_two_modes_si_mm_r47 (stop 46, blind) | a stiff, damped piano string (fourth order), two modes, 25 half-periods in 2 ms | **fails**: 0.16 (738 steps) |
| toth_basin_hummocky_water_table_anisotropic_darcy_m_d_r47 (stop 46, blind) | Tóth's groundwater basin, anisotropic Darcy as a first-order system (h, qx, qz), m and days | 1.1e-5, 2.8e-3, 4.3e-3 |
| fibre_bragg_grating_apodized_coupled_modes_reflector_mm_s48 (stop 47, blind) | forward and backward coupled modes of an apodised fibre grating, 99.98 % reflecting, a two-point problem | 5.1e-8, 1.1e-7 |
| ferrite_tube_magnetic_shield_transverse_field_quarter_mm_ut_s48 (stop 47, blind) | a ferrite tube (µr 2000) shielding 50 µT, (ψ, Bx, By) in flux form, two circular interfaces | **fails**: 0.12, 0.61, 0.92; with the interface terms (stop 47) 8.9e-2, 0.60, 0.96 |
| hv_conductor_right_angle_edge_field_polygon_mm_kv_s48 (stop 47, blind) | a 100 kV conductor's edge field, r^(2/3) at a convex 135° corner with mixed conditions (no re-entrant corner) | 7.9e-3 |
| insb_hall_bar_current_crowding_oblique_edges_um_mv_s48 (stop 47, blind) | an InSb Hall bar at Hall factor 3, oblique-derivative edges, µm and mV | 3.1e-7 |
| inverse_slab_waveguide_effective_index_nsom_scan_um_s48 (stop 47, blind) | a slab waveguide's propagation constant from a near-field scan, index step inside the domain | 2.8e-4, β 5.99590 |
| langmuir_probe_debye_shielding_octant_3d_mm_s48 (stop 47, blind) | the Debye-screened potential about a spherical probe, an octant minus a ball, Robin face, mm and V | 4.4e-4 |
| photoacoustic_cell_azimuthal_modes_ringdown_disk_mm_ms_s48 (stop 47, blind) | two beating Bessel modes ringing down in a disk-shaped acoustic cell, 16 half-periods | **fails**: 1.27 (540 steps); its error was NaN at first: the exact J₁(kr)·x/r is 0/0 at the centre, a grid point (stop 47: such points are left out) |
| silicon_wafer_trpl_surface_recombination_bias_light_um_us_s48 (stop 47, blind) | excess carriers in a Si wafer decaying with surface recombination on both faces, µm, µs, cm⁻³ | 6.1e-7 |
| dredged_clay_2d_anisotropic_consolidation_trench_drains_m_d_t48 (stop 47, blind) | 2-D consolidation of dredged clay between trench drains, 1000 days, anisotropic | 6.9e-3; stop 48, side by side (the lone-field fit: u 110, scale 1 before): 4.6e-3 → **5.4e-6** |
| ecoli_chemotactic_aggregate_keller_segel_microwell_um_s_t48 (stop 47, blind) | a Keller-Segel aggregate on a disk, cell density falling 65 000× from a 25 µm core, a point condition | **fails**: 3.9, 0.35 (c scaled 1 for a size of 13; the core holds ~8 of 2000 points) |
| inverse_plga_microsphere_protein_release_diffusivity_um_h_t48 (stop 47, blind) | protein release from a microsphere, the diffusivity from confocal readings, Robin surface | 9.7e-8, D 3.6000003 |
| maize_root_phosphate_uptake_mass_flow_fertiliser_band_mm_d_t48 (stop 47, blind) | phosphate uptake by a root, an annulus with inflow as 1/r and a Robin uptake face | 1.3e-5 |
| potato_slab_drying_moisture_dependent_diffusivity_mm_h_t48 (stop 47, blind) | drying of a slab with D0 exp(βX), a nonlinear flux face | 1.6e-9 |
| retort_pouch_come_up_heating_lethality_coupled_mm_min_t48 (stop 47, blind) | a retort pouch's temperature and its lethality F = ∫10^((T−121.1)/10) dt, one-way, 8 decades | **fails**: 0.28, 1.00 (F's fitted size 3.5e-6 against 0.21: the fit reads the lethal rate at the untrained network's 40 °C); stop 48, side by side (the fit linearised again at its own weights: F read 0.08, scale 1): 0.95, 1.00 → **8.9e-7, 1.8e-5** |
| sand_dune_bed_hyporheic_pumping_anisotropic_seepage_m_t48 (stop 47, blind) | hyporheic pumping under a dune bed, a non-convex polygon, heads of millimetres | 2.7e-5 |
| tumour_spheroid_oxygen_anoxic_core_medium_gradient_3d_um_s_t48 (stop 47, blind) | oxygen in a tumour spheroid shell (3-D), Robin outer face with a vertical gradient | 3.3e-5 |
| airliner_wake_vortex_decay_lidar_disk_vorticity_si_u48 (stop 47, blind) | a Lamb-Oseen wake vortex off centre in a disk, velocity-vorticity Navier-Stokes | 1.4e-3, 1.6e-3, 1.2e-3 |
| g2pp_two_factor_zero_coupon_bond_correlated_rates_years_u48 (stop 47, blind) | a two-factor rate model's bond price, mixed derivative, Robin faces, a 0.08-wide box over 10 years | 2.3e-7 |
| inverse_estuary_tidal_friction_tide_gauges_si_u48 (stop 47, blind) | an estuary's friction rate from tide gauges, damped tidal wave in raw SI | 1.5e-3, 1.6e-3, r 2.496e-4 (true 2.5e-4) |
| isostatic_press_thick_sphere_oil_pressure_octant_3d_mm_mpa_u48 (stop 47, blind) | Lamé's thick sphere under 300 MPa, displacements on an octant of a shell, tractions | 4.8e-4, 5.7e-4, 6.7e-4 |
| neutron_star_polytrope_n1_mass_density_km_msun_u48 (stop 47, blind) | an n = 1 polytrope, mass and density 18 orders of magnitude apart | **fails**: 0.99, 1.00 (the fit read no size for ρ: a unit weight's change was round-off); with the fit's autodiff columns (stop 47) 0.14, 0.84; with the balance cap at 1e24 (stop 47, side by side) 0.14, 0.80 → **7.9e-3, 3.5e-2** |
| outer_rise_lithosphere_flexure_trench_compression_km_m_u48 (stop 47, blind) | a plate bending into a trench (fourth order), moment and shear given at the trench, km and m | **fails**: 0.87 (no value in the loss: the deflection of ~600 m is trained at scale 1); stop 48, side by side (the lone-field fit: w 4730): 0.93 → **2.9e-6** |
| shelf_sea_m2_kelvin_waves_amphidromes_rotating_channel_km_h_u48 (stop 47, blind) | two Kelvin waves in a rotating channel, amphidromes, (η, u, v) | 2.9e-5, 9.1e-5, 4.5e-5 |
| steam_turbine_disc_hyperbolic_profile_shrink_fit_mm_mpa_u48 (stop 47, blind) | a rotating turbine disc of hyperbolic profile, shrink fit and blade pull as tractions | 2.1e-4, 2.0e-4 |
| cheddar_block_cold_store_chilling_octant_3d_cm_h_v49 (stop 48, blind) | a cheese block chilling in a cold store, octant, three Robin faces of different Biot numbers, 3-D + time | 2.9e-5 |
| impinging_jet_mixer_hot_cold_stagnation_layer_mm_s_v49 (stop 48, blind) | opposed hot and cold jets, Hiemenz flow with a 0.24 mm thermal mixing layer, (u, v, p, T) | 3.9e-5, 2.8e-5, 8.1e-5, 1.4e-4 |
| inverse_pipe_pile_lateral_subgrade_modulus_inclinometer_v49 (stop 48, blind) | a pile's subgrade modulus from inclinometer readings, beam on an elastic foundation, free ends | 1.3e-6; k 20000 |
| mass_concrete_wall_late_hydration_heat_formwork_robin_m_h_v49 (stop 48, blind) | a 0.8 m concrete wall cooling for a week, decaying hydration source, Robin formwork face | 9.1e-9 |
| pellet_silo_self_heating_frank_kamenetskii_disk_m_v49 (stop 48, blind) | Frank-Kamenetskii self-heating of a pellet silo (exponential source, two steady branches), disk | 1.5e-9 |
| pem_cathode_catalyst_layer_tafel_proton_current_um_v49 (stop 48, blind) | a PEM cathode catalyst layer, Ohm's law and Tafel kinetics (e^(η/b) over 1e6), (η, j) | 1.2e-9, 1.4e-8 |
| pm_motor_airgap_scalar_potential_half_pole_flat_magnets_mm_v49 (stop 48, blind) | a surface-magnet motor's air gap, a thin curved half-pole sector, the magnets' flux on the rotor arc, 12th harmonic | 1.1e-4 |
| soil_deposit_site_response_harmonic_bedrock_kelvin_voigt_v49 (stop 48, blind) | a clay deposit's Kelvin-Voigt shear response to bedrock shaking near resonance, u_xxt terms | 6.4e-4 |
| atoll_island_freshwater_lens_ghyben_herzberg_dupuit_m_d_w49 (stop 48, blind) | an atoll's freshwater lens, nonlinear Dupuit diffusion on a rotated ellipse | 2.8e-6 |
| equatorial_kelvin_wave_el_nino_thermocline_beta_plane_km_d_w49 (stop 48, blind) | an equatorial Kelvin wave on the β-plane, 7100 km, (u, v, η) | 2.3e-6, 1.5e-8, 4.7e-6 |
| frap_nucleus_transcription_factor_binding_recovery_um_s_w49 (stop 48, blind) | FRAP recovery with binding in a nucleus, (free, bound), two Bessel modes, fast and slow phases | **fails**: 6.5e-2, 8.0e-2 (222 steps: the lift's J₀ series, 60 terms, sat in the autograd graph); with the series outside it (stop 48) 580 steps, 2.0e-2, 2.4e-2 (the code before: 200 steps, 6.9e-2, 7.7e-2); stopping the series at round-off, 736 steps, 3.5e-2, 3.1e-2 (the code before, beside it: 219 steps, 6.3e-2, 6.3e-2); at the default 5 minutes 2000 steps, 1.0e-2, 5.4e-3 (the code before, beside it: 680 steps, 2.1e-2, 2.1e-2); stop 49, side by side (its free protein moved ×0.05 at step 250): 5.4e-2, 3.9e-2 → 1.2e-2, 9.3e-3 |
| inverse_csf_lumbar_infusion_test_elastance_outflow_mmhg_min_w49 (stop 48, blind) | a CSF infusion test: elastance and outflow resistance from a pressure record, logistic ODE | 3.4e-11; E 0.2, Rout 14 |
| inverse_ice_dome_borehole_geothermal_flux_frozen_bed_m_yr_w49 (stop 48, blind) | the geothermal flux under an ice divide from borehole temperatures, advection-conduction over 3.2 km | 1.3e-12; G 0.048 |
| propofol_induction_bolus_infusion_effect_site_bis_mg_min_w49 (stop 48, blind) | propofol compartments, effect site and the BIS Hill curve, four time scales, 4 fields | 2.1e-8, 9.2e-9, 7.4e-8, 5.3e-7 |
| subsurface_drip_emitter_gardner_soil_philip_bulb_3d_m_d_w49 (stop 48, blind) | steady Richards flow (Gardner soil) from a buried emitter, a box minus a ball, nonlinear flux condition | 4.3e-8 |
| valley_glacier_glen_flow_nye_semicircular_bed_sliding_m_yr_w49 (stop 48, blind) | Glen's-law flow in a semicircular valley glacier, viscosity infinite at the surface centre, sliding bed | **fails** as first run: 6.4 (the mixed form learnt η, infinite at the surface's centre, as a field; again 4.4); as planned since stop 48 (a coefficient infinite at rest stays inlined): **3.4e-5** |
| copper_fuse_bend_joule_heating_kohlrausch_quarter_annulus_mm_x49 (stop 48, blind) | a copper fuse bend, Joule heating with σ ∝ 1/T both ways coupled, quarter annulus, (φ, T) | **fails**: φ 8.6e-2, T 0.40 (782 steps; the fit leaves 0.46 of the residual and reads T's part 0.11 for a rise of up to 266 K) |
| globular_cluster_plummer_n5_polytrope_potential_3d_pc_kms_x49 (stop 48, blind) | a Plummer cluster's potential, Lane-Emden n = 5 nonlinearity, 3-D cube | 3.6e-10 |
| inverse_haynes_shockley_germanium_mobility_probes_cm_us_x49 (stop 48, blind) | the Haynes-Shockley experiment: mobility and diffusivity from two probe traces | 2.2e-10; Dp 49.1188, mu 1900 |
| inverse_insitu_absorber_admittance_mic_array_oblique_si_x49 (stop 48, blind) | an absorber's admittance from a microphone array, Helmholtz at 500 Hz, (P, Q) | 4.4e-4, 1.3e-4; beta 0.399967 |
| langmuir_wave_bohm_gross_warm_electron_fluid_mm_ns_x49 (stop 48, blind) | a Langmuir wave in a warm electron fluid, (n, u, E) of sizes 1e8, 0.02, 600 | **fails**: 0.95, 0.99, 0.96 (4.5 plasma periods in 5 ns, a frequency the coupling sets and no rule reads; the fit leaves 0.89, reads n 3.4e6 for an amplitude of 1e8) |
| lithium_bec_bright_soliton_gross_pitaevskii_um_ms_x49 (stop 48, blind) | a moving bright soliton of ⁷Li atoms, Gross-Pitaevskii, (Re ψ, Im ψ) | 1.8e-9, 1.8e-9 |
| margrabe_exchange_option_two_correlated_stocks_usd_years_x49 (stop 48, blind) | Margrabe's exchange option on two correlated stocks, mixed derivative, one week to expiry | 1.3e-11 |
| tissue_photon_density_wave_fdot_octant_shell_3d_mm_x49 (stop 48, blind) | a photon density wave in tissue, complex Robin radiation condition, octant of a shell, (U, W) | **fails**: 0.11, 0.11 (720 steps; fitted scales 0.017, 0.020 for fields of RMS 0.030, 0.012); **solved** by the code at the end of stop 48 (run at stop 49, side by side, no scale moved): 6.9e-5, 6.8e-5 and 3.6e-5, 4.9e-5 |
| elliptical_bulkhead_hatch_hydrostatic_clamped_plate_mm_n_a50 (stop 49, blind) | a clamped elliptical steel hatch under hydrostatic pressure, Kirchhoff plate (∇⁴w), mm and N, w ~ 0.05 mm | 3.8e-5 (with the scales moved while training: 4.1e-5, none moved) |
| excavation_floor_heave_biot_two_modes_m_days_kpa_a50 (stop 49, blind) | Biot consolidation of an excavation floor, (u, v, p), two pressure modes decaying 10× apart, m, days, kPa | **fails**: 6.6, 0.51, 0.63 (the fit reads u 0.00166 for a field of 3e-4); scales moved (p ×0.09, syy ×0.016): 2.9, 0.53, 0.64 |
| inverse_open_hole_coupon_dic_elastic_constants_kirsch_mm_mpa_a50 (stop 49, blind) | E and ν of an open-hole coupon from image-correlation displacements (Kirsch), plane stress, mixed form | **fails**: 0.42, 0.20, E −1786 (the stresses' scale 1 for 100-300 MPa); scales moved (sxx ×12, sxy ×11 at step 250): **2.0e-2, 3.7e-2, E 69 940, ν 0.302** (true 72 000, 0.33); side by side: 6.2e-2, 6.6e-2, E 53 600 → 1.6e-2, 3.1e-2, E 70 200 |
| outrigger_pad_boussinesq_quarter_space_cavity_3d_m_kpa_mm_a50 (stop 49, blind) | Boussinesq's point load on a quarter half-space minus a ball, 3-D, six stresses as fields, m, kPa, mm | **fails**: 0.81, 0.80, 0.49 (the fit matches one traction exactly and reads ux 38 for 1.6); scales moved: 0.71, 0.77, 0.44 |
| press_crosshead_timoshenko_beam_ringing_two_modes_si_a50 (stop 49, blind) | a press crosshead ringing, damped Timoshenko beam (w, ψ), two modes, 24 half-periods, SI | **fails**: 0.58, 0.59; again, no scale moved: 0.24, 0.27 |
| repository_thermoelastic_uplift_periodic_m_years_k_mpa_mm_a50 (stop 49, blind) | a repository's decaying heat lifting granite, (T, ux, uz) periodic in x, 100 years | **fails**: 2.7e-2, 7.0e-2, 1.8e-2; again, no scale moved: 1.2e-2, 4.0e-2, 5.9e-3 |
| steam_header_norton_creep_thick_quarter_annulus_mm_h_mpa_a50 (stop 49, blind) | Norton creep (n = 5) of a thick steam header, velocities 5e-6 mm/h, viscosity infinite at rest, mixed form | **fails**: 1.1, 1.1, 0.91; scales moved (vx, vy ×0.02): 3.9, 16, 1.1; inlined (stop 49's rule: the stress's slope is singular at rest), scales moved: 1.3, 1.4, 0.99 |
| steel_pin_saint_venant_flexure_round_bar_3d_mm_mpa_a50 (stop 49, blind) | Saint-Venant flexure of a round steel pin, 3-D elasticity, six stresses as fields, mm and MPa | 1.4e-9, 4.3e-6, 7.0e-8; scales moved (all stresses ×0.004-0.009): 1.6e-9, 9.0e-7, 3.1e-8 |
| brain_white_matter_drug_bolus_anisotropic_ball_3d_mm_h_b50 (stop 49, blind) | a drug bolus in white matter, a tilted diffusion tensor and clearance, a ball, 3-D + time, 500-fold decay | 6.2e-9 (none moved: 2.8e-9) |
| haemodialyser_counterflow_urea_session_cm_min_mgdl_b50 (stop 49, blind) | a counter-current dialyser over a 4 h session, pure transport both ways, time scales 900 apart | 2.7e-7, 3.1e-7 (none moved: 1.7e-8, 2.0e-8) |
| hcl_gel_liquid_junction_nernst_planck_potential_mm_s_mv_b50 (stop 49, blind) | HCl relaxing in a gel, Nernst-Planck for both ions, a diffusion potential with no time derivative, a point reference | **fails** on φ: c 1.8e-3, φ 8.2e-2; none moved: 3.8e-4, 9.0e-2 |
| inverse_egs_fracture_lauwerier_flow_diffusivity_m_years_b50 (stop 49, blind) | a geothermal fracture's flow and the rock's diffusivity from well temperatures (Lauwerier), 30 years | 3.5e-8; α 35.999996, q 1.00000005e-5 (T moved ×0.08: 1.7e-8) |
| lean_premixed_flame_oblique_zfk_front_mm_ms_b50 (stop 49, blind) | an oblique premixed flame front, second-order ZFK reaction, (T, Y) 300-1900 K and 0-0.05 | 5.0e-7, 3.3e-7 (Y moved ×0.003: 4.3e-7, 3.6e-7) |
| li_ion_18650_cell_discharge_heating_robin_cylinder_3d_mm_s_b50 (stop 49, blind) | an 18650 cell heating in a 2C discharge, k 150× larger along the axis, Robin side, cylinder, 3-D + time | 3.6e-5 (none moved: 4.4e-5) |
| myocardium_passive_bidomain_shock_relaxation_mm_ms_mv_b50 (stop 49, blind) | passive anisotropic bidomain tissue after a shock, only φi − φe in time, a point reference | 8.9e-5, 2.2e-3 (none moved: 5.7e-5, 1.6e-3) |
| vanadium_flow_felt_maldistributed_feed_danckwerts_mm_s_b50 (stop 49, blind) | a vanadium flow battery's felt electrode, Danckwerts conditions only, Péclet 100 | 5.3e-5 (none moved: 3.8e-5) |
| chirped_dml_pulse_smf28_dispersion_compression_loss_km_ps_c50 (stop 49, blind) | a chirped pulse compressing and spreading in fibre, (Re A, Im A), km and ps | 5.2e-7, 6.0e-7 (none moved: 3.0e-7, 2.1e-7) |
| down_and_out_barrier_call_image_solution_usd_years_c50 (stop 49, blind) | a down-and-out barrier call (image solution), one month to expiry, USD | 4.6e-7 (V moved ×17: 1.0e-7) |
| ethier_steinman_beltrami_flow_water_sphere_3d_mm_s_pa_c50 (stop 49, blind) | Ethier-Steinman Beltrami flow of water in a sphere, unsteady Navier-Stokes 3-D + time, p pinned | 9.5e-5, 1.4e-4, 8.8e-5, 5.0e-3 (u, v, w moved ×0.05-0.08 before the quasi-Newton phase: 2.6e-4, 2.3e-4, 2.4e-4, 2.6e-3; side by side: 1.8e-4, 1.4e-4, 1.8e-4, 2.2e-3 → 3.2e-4, 2.0e-4, 3.3e-4, 1.9e-3) |
| gaas_quantum_dot_coherent_state_lissajous_schrodinger_nm_ps_c50 (stop 49, blind) | a coherent electron packet on a Lissajous path in a GaAs dot, Schrödinger as two real fields | 5.0e-4, 5.0e-4 (both moved ×0.03-0.04: 2.0e-4, 1.9e-4) |
| inverse_magnetotelluric_station_halfspace_conductivity_km_s_c50 (stop 49, blind) | a magnetotelluric sounding: the ground's conductivity from one station's (By, Ex), first-order system | 2.2e-4, 7.2e-4; σ 0.0099988 (none moved: 2.4e-4, 6.9e-4) |
| molecular_clump_jeans_instability_periodic_box_pc_myr_c50 (stop 49, blind) | linear Jeans instability in a periodic clump, (ρ₁, ux, uy, φ), a growing mode beside a sound wave | **fails**: 0.79, 0.83, 1.0, 1.4 (ux, uy moved ×0.01: the same) |
| pillbox_cavity_tm010_tm020_ringdown_maxwell_disk_mm_ns_kv_c50 (stop 49, blind) | a pillbox cavity ringing in TM010 and TM020, (Ez, Hx, Hy) on a disk, 2.3 and 5.3 periods | **fails**: 0.66, 0.70, 0.70 (the data's extrema read 2 half-periods in time for 10); again: 0.21, 0.22, 0.22 |
| spheromak_taylor_relaxed_state_flux_conserver_3d_m_tesla_c50 (stop 49, blind) | a Taylor-relaxed spheromak (curl B = λB) in a cylinder, B·n = 0, one probe point fixes the amplitude | **fails**: 0.15, 0.13, 0.13; again: 7.2e-2, 7.2e-2, 6.9e-2 |
| chlorine_railcar_puff_photolysis_ground_3d_m_s_mgm3_h51 (stop 50, blind) | a 500 kg chlorine puff in a 3 m/s wind, anisotropic mixing, photolysis, a reflecting ground (image puff), 3-D + t over 4.4 km | 8.3e-8 |
| ates_doublet_unconfined_aquifer_dupuit_recharge_wells_m_d_h51 (stop 50, blind) | a well doublet in an unconfined aquifer (Dupuit, nonlinear in h), regional flow and recharge, two 0.2 m wells in 300 m | 2.9e-9 |
| inverse_estuary_sediment_denitrification_peepers_cm_yr_h51 (stop 50, blind) | inverse: Ds and k of seasonal nitrate in sediment (burial, denitrification) from 96 peeper samples | 4.6e-5 (Ds 199.98 for 200, k 19.998 for 20) |
| disposal_well_forchheimer_non_darcy_near_well_m_s_kpa_h51 (stop 50, blind) | brine injection with Forchheimer losses, (u, v, p) on a disk less a 0.1 m well | **fails**: u 12, v 8.2, p 7.6e-6 (no fit, no hole log: a first-order system); with the stop-50 hole log: 2.9, 6.6 and 1.7, 3.4 |
| perfusion_bioreactor_scaffold_brinkman_feed_ports_mm_s_pa_h51 (stop 50, blind) | Brinkman flow through a scaffold fed unevenly, periodic in x, a 0.1 mm boundary layer | 1.3e-3 |
| porous_electrode_de_levie_double_layer_relaxation_cm_s_v_h51 (stop 50, blind) | a porous electrode's double layer relaxing: only φs − φe has a time derivative, conductivities 100× apart | 2.3e-4 |
| sprat_stock_mckendrick_age_structure_fishing_pulses_years_h51 (stop 50, blind) | McKendrick–von Foerster age structure with fishing from age 1.5 and yearly spawning pulses | **fails**: 0.18 |
| stent_sirolimus_arterial_wall_binding_redistribution_mm_s_h51 (stop 50, blind) | drug from a stent in the artery wall, reversible binding (an ODE at every point), time scales 265× apart | 6.5e-3, 6.6e-3 |
| wr90_probe_launcher_te10_evanescent_te30_load_mm_ns_g51 (stop 50, blind) | WR-90 at 10 GHz, TE10 plus an evanescent TE30 at the feed, a matched load, (Ey, Hx, Hz) in x, z, t | **fails**: 0.27, 0.33, 0.36; again 0.29, 0.34, 0.38. The plan reads 11 half-periods along t for 6 (the evanescent TE30 read as a wave), yet its 12 harmonics of time help: with none, 0.82, 0.87, 1.0 and 0.80, 0.84, 0.91 |
| magnetized_plasma_warm_upper_hybrid_waves_mm_ns_g51 (stop 50, blind) | warm magnetized electrons carrying two upper-hybrid waves, (vx, vy, Ex), periodic, ~7 periods | **fails**: 0.18, 0.17, 0.17 |
| nd_yag_vortex_beam_offaxis_core_paraxial_focus_3d_um_g51 (stop 50, blind) | a vortex beam with 30 % of the fundamental through a focus, the paraxial equation split in two, a 3-D cylinder of aspect 37:1 | 2.1e-11, 1.6e-11 |
| dc_current_sensor_ring_core_frohlich_saturation_mm_t_g51 (stop 50, blind) | saturating magnetostatics, ν = a/(Bs − abs(∇Az)), a ring core about a busbar | **fails**: 1.0; its magnetostatics, a product of the fields A and ν (mixed form), left out of the equation balance (stop 51), side by side: 1.0 → **1.3e-5** |
| inverse_loaded_cavity_ringdown_permittivity_loss_mm_ns_g51 (stop 50, blind) | inverse: ε_r and σ of a lossy cavity's TM110 ring-down from three wall probes, 7.8 periods | **fails**: 0.76, 1.0, 0.97 (ε_r 0.002 for 3, σ 0.0068 for 0.02) |
| fan_rig_spinning_duct_mode_m2_rigid_intake_3d_m_ms_pa_g51 (stop 50, blind) | a spinning (2, 1) duct mode at 2.5 kHz, 3-D + t, a rigid wall and a modal anechoic end | 8.1e-4 |
| lapd_shear_alfven_wave_resistive_viscous_decay_m_us_t_g51 (stop 50, blind) | a damped shear Alfvén wave, (vy, by) 7 orders apart, aspect 80:1 | 1.3e-5, 9.5e-4 |
| nb_microstrip_london_screening_stripe_domain_field_3d_nm_mt_g51 (stop 50, blind) | London screening in a Nb strip with div B = 0, 3 fields in 3-D, 35-55 nm layers | **crashed** (one-way coupling left div B training nothing; fixed, see below); then **fails**: 0.11, 0.12, 5.2e-8 (271 steps) |
| spiral_poiseuille_rotating_shaft_annulus_3d_mm_s_pa_k51 (stop 50, blind) | steady Navier-Stokes in a 3-D annular gap, Taylor-Couette plus axial Poiseuille | **fails**: 4.1e-2, 4.2e-2, 5.6e-2, 6.1e-2 (352 steps) |
| piezoviscous_squeeze_film_thrust_washer_annulus_mm_s_mpa_k51 (stop 50, blind) | Reynolds squeeze film with Barus viscosity on an annular washer, the gap closing 5 → 1.84 µm | 3.3e-4 |
| quantum_corral_cu111_surface_state_rotating_beat_disk_nm_fs_k51 (stop 50, blind) | time-dependent Schrödinger (real and imaginary parts) in a quantum corral, two Bessel states beating | **fails**: 0.60, 0.58 (366 steps); with its Bessel lift tabulated (stop 50) 661 steps, 0.61, 0.60; with the pair's dispersion read (stop 50, 10 harmonics of time) 0.099 and 0.040 |
| inverse_optical_tweezer_trap_stiffness_fokker_planck_nm_ms_k51 (stop 50, blind) | inverse: the trap stiffnesses of a 2-D Smoluchowski equation from density histograms | 4.7e-8 (kx, ky exact to 1e-9) |
| sodium_channel_steel_wall_conjugate_entrance_folded_mm_s_k51 (stop 50, blind) | conjugate heat: sodium slug flow over a steel wall, folded onto one box, Péclet 78 | 2.8e-11, 8.4e-11 |
| nahme_viscous_heating_polymer_couette_gap_mm_s_mpa_k51 (stop 50, blind) | Nahme-Griffith viscous heating, viscosity exponential in T | 1.4e-9, 1.3e-10 |
| recrystallisation_front_allen_cahn_tilted_well_ball_3d_um_s_k51 (stop 50, blind) | a tilted-well Allen-Cahn front 0.8 µm wide crossing a 3-D ball obliquely | 1.6e-8 |
| ligand_capture_cell_receptors_collins_kimball_shell_3d_um_s_k51 (stop 50, blind) | Collins-Kimball capture: diffusion in a 3-D spherical shell with a Robin cell wall | 6.9e-9 |
| cold_front_deformation_frontogenesis_collapse_km_h_k_n52 (stop 51, blind) | a cold front tightening in a deformation field with eddy diffusion, 300 → 55 km over 48 h, θ about 288 K | 8.5e-10 |
| homogeneous_star_radial_pulsation_two_modes_mm_h_km_pa_n52 (stop 51, blind) | a uniform-density star pulsating in its fundamental and first overtone, (ξ, δp) 9 orders apart, an initial velocity | **fails**: 0.67, 0.70; stop 52, side by side under load (ξ read 7810 and kept, not taken for a resonance): 1.76, 1.44 → 0.23, 0.35 |
| inverse_active_region_force_free_alpha_magnetograms_3d_mm_g_n52 (stop 51, blind) | inverse: the twist α of a linear force-free field in a 3-D periodic box from vector magnetograms on two layers | 8.0e-3, 8.8e-3, 4.1e-3 (α 0.08003 for 0.08) |
| p_wave_free_surface_sv_conversion_plane_strain_km_s_mm_n52 (stop 51, blind) | a P wave reflecting at a free surface as P and SV, plane-strain elastodynamics, an initial velocity | 3.9e-3, 4.3e-3 (189 steps) |
| paraboloid_lake_thacker_rotating_sloshing_swe_disk_m_s_n52 (stop 51, blind) | Thacker's rotating sloshing in a paraboloid lake, nonlinear shallow water on a 12 km disk, three periods | 2.4e-7, 4.7e-6, 3.8e-6 |
| solar_flux_sheets_magnetohydrostatic_bessel_mm_g_pa_n52 (stop 51, blind) | magnetohydrostatic flux sheets in the solar atmosphere (J₂ profile), p and ρ over 6.7 scale heights | 2.1e-9, 1.3e-7, 1.8e-4 |
| spring_discharge_zone_seasonal_ground_heat_robin_3d_m_d_c_n52 (stop 51, blind) | seasonal ground heat over two years, 3-D + t, upwelling groundwater, a Robin surface with a land-cover checkerboard | **fails**: 4.3e-2 (500 steps) |
| geometric_basket_call_three_correlated_stocks_4d_usd_years_p52 (stop 51, blind) | Black-Scholes in three correlated stocks (3-D + τ), a geometric-basket call | 4.4e-8 |
| merton_retirement_portfolio_consumption_hjb_crra_kusd_years_p52 (stop 51, blind) | Merton's consumption-investment HJB (V_w²/V_ww and V_w^(2/3)), 30 years | **stops before training**: V_w^(2/3) of the untrained network is undefined at 507 of 2000 points; the error now names V_w and how to keep a field positive (stop 51) |
| levitated_nanosphere_kramers_phase_space_ringdown_nm_us_p52 (stop 51, blind) | Kramers' equation (x, v, t) of a levitated nanosphere after a kick, diffusion along v only | 3.6e-4 |
| canal_two_soliton_overtaking_kdv_moving_frame_m_s_p52 (stop 51, blind) | KdV in SI, two solitary waves in a canal, the tall one overtaking | 2.2e-9 |
| inverse_regime_switching_intensities_power_note_usd_years_p52 (stop 51, blind) | inverse: the two switching rates of a regime-switching Black-Scholes pair from 120 prices | 2.4e-8, 1.8e-8 (0.4999996 for 0.5, 1.9999993 for 2) |
| dispersion_shifted_fibre_gray_soliton_cw_background_km_ps_p52 (stop 51, blind) | a gray soliton on a continuous-wave background, NLS in real and imaginary parts | 1.1e-6, 9.5e-7 |
| ev_fleet_charging_mean_field_game_congestion_kwh_h_eur_p52 (stop 51, blind) | a mean-field game (HJB backward, Fokker-Planck forward) with congestion λ ln m, m down to 1e-22 | **stops before training**: ln m of the untrained network is undefined at 587 of 2000 points. Written as the new error says (m = exp(lm), the data as logs): u 3.2e-10, lm 4.0e-9 at 2 minutes |
| inverse_rail_winkler_track_modulus_levelling_mm_n_mpa_m52 (stop 51, blind) | inverse: a track's foundation modulus from 14 levelling readings of a rail on a Winkler bed (fourth order) | 1.4e-12 (k exact to 5e-14) |
| cfrp_panel_orthotropic_precompressed_pressure_ss_mm_n_mpa_m52 (stop 51, blind) | an orthotropic CFRP plate at 70 % of its buckling load under pressure (fourth order, near singular) | **fails**: 0.11 |
| pmma_strip_kelvin_voigt_p_and_s_standing_waves_mm_us_nm_m52 (stop 51, blind) | Kelvin-Voigt P and S standing waves in a PMMA strip, stresses as fields, initial velocities | **fails**: 2.1, 1.5 (u read at 1160 nm for 63: the rate data through t·N); inlined 2.1, 2.6 |
| autoclave_thick_sphere_lame_octant_3d_mm_mpa_um_m52 (stop 51, blind) | Lamé's thick sphere under 30 MPa, one octant, 3-D, six stresses as fields | 4.3e-3, 6.2e-3, 7.3e-3 |
| aluminium_panel_von_karman_large_deflection_airy_mm_n_mpa_m52 (stop 51, blind) | a Föppl-von Kármán panel, deflection and Airy function, both fourth order, quadratic coupling | 7.7e-6, 3.9e-6 |
| tapered_shaft_foppl_cone_torsion_meridian_mm_mrad_m52 (stop 51, blind) | Föppl's twisted cone in its meridian plane, a 3/r coefficient degenerate on the axis | 1.6e-7 |
| shale_core_sealed_sleeve_biot_pulse_decay_3d_mm_s_mpa_m52 (stop 51, blind) | Biot poroelasticity of a sealed shale core, 4 fields in 3-D + t, two J₀ modes | **fails**: 1.0, 1.0, 20, 0.85 (500 steps) |
| bearing_ball_oil_quench_thermal_stress_octant_3d_mm_s_mpa_m52 (stop 51, blind) | a steel ball quenched in oil, heat and thermal stress in 3-D + t, one octant | **fails**: 0.31, 0.27, 0.28, T 0.13 (387 steps) |
| mica_cacl2_double_layer_2to1_pnp_blocking_wall_nm_mv_r53 (stop 52, blind) | steady Poisson-Nernst-Planck of a 2:1 electrolyte at a charged, ion-blocking mica wall (Grahame's exact profile), nm and mV | 7.6e-10, 1.9e-9, 5.2e-9 |
| hemispherical_ume_chronoamperometry_ferrocene_octant_3d_um_s_r53 (stop 52, blind) | a potential step at a hemispherical microelectrode, 3-D octant + t, an erfc depletion layer widening 16-fold | **fails narrowly**: 1.2e-2 (580 steps); at the default 5 minutes 1.9e-2 (1813 steps) |
| nmc_particle_one_sided_contact_lithiation_ball_3d_um_s_r53 (stop 52, blind) | an NMC particle lithiated through a crowded contact side, a 3-D ball + t, flux conditions only | 1.6e-4 |
| sige_hbt_graded_base_electron_transit_drift_diffusion_nm_ps_r53 (stop 52, blind) | electron transit across a graded transistor base (n and Jn, 1e16 against 1e3), a saturated-velocity exit | 1.8e-6, 4.4e-6 |
| argon_ion_acoustic_standing_waves_debye_dispersion_mm_us_r53 (stop 52, blind) | ion-acoustic standing waves with Poisson's equation (n, u, φ; 1e13 against 0.1), two dispersive modes | **fails**: 0.40, 0.31, 0.24 (822 steps) |
| steel_thin_film_galvanic_cell_double_layer_charging_mm_ms_r53 (stop 52, blind) | Laplace in a 0.3 mm electrolyte film on steel driven by a double layer charging on one face (time only there) | **fails narrowly**: 1.9e-2; at the default 5 minutes **3.1e-4**: solved |
| li_symmetric_cell_separator_biased_eis_warburg_um_s_mv_r53 (stop 52, blind) | a Li‖Li separator under a DC plus 2 Hz current, salt and potential, antiphase 5.5 µm layers | 3.0e-4, 3.8e-3 |
| inverse_pem_membrane_water_drag_back_diffusion_neutron_um_mv_r53 (stop 52, blind) | inverse: a Nafion membrane's drag coefficient and water diffusivity from 24 water contents and the net flux | 9.1e-10, 2.2e-10 (ξ = 2.5, D = 350.0, exact to the digits shown) |
| gentle_slope_diurnal_katabatic_anabatic_wind_prandtl_si_s53 (stop 52, blind) | Prandtl's slope winds under a daily cycle near resonance, SI seconds over 2 days | **fails narrowly**: 3.2e-2, 2.0e-2; at the default 5 minutes **7.7e-3, 4.2e-3**: solved |
| infragravity_edge_waves_plane_beach_eckart_modes_swe_m_s_s53 (stop 52, blind) | two edge-wave modes on a plane beach, linear shallow water with a depth vanishing at the shore, 3 fields in 2-D + t | **fails**: 0.63, 1.36, 1.88 |
| reservoir_internal_seiche_three_modes_boussinesq_si_s53 (stop 52, blind) | three internal seiche modes in a stratified reservoir, linear Boussinesq (u, w, T, p) over a day | **fails**: 1.41, 1.11, 1.12, 1.5 (the fit reads u, w, T within its band, so all keep the scale 1 for sizes 0.03, 4e-4, 0.5) |
| bare_soil_diurnal_heat_moisture_philip_de_vries_m_h_s53 (stop 52, blind) | coupled heat and moisture in the top 0.5 m of soil over 3 days, a 2.3 cm moisture skin | 1.3e-7, 4.0e-10 |
| grey_atmosphere_two_stream_radiative_equilibrium_solar_km_s53 (stop 52, blind) | a grey atmosphere's two-stream fluxes and temperature, T seen only through σT⁴ | **fails**: U 0.43, Dn 2.05, T 1.7e13 (T's scale read 1.16e17 for 250); stop 52, side by side (T read again by powers of ten: 116): U **7.4e-9**, Dn **3.7e-8**, T 2.0 (learnt as −T: σT⁴ does not set its sign, now a warning at load) |
| fuel_tank_benzene_plume_biodegradation_aquifer_3d_m_d_s53 (stop 52, blind) | a steady 3-D benzene plume with anisotropic dispersion and decay, half a box less a half ball | 4.6e-6 |
| highway_nox_line_source_stable_night_power_law_wind_m_s_s53 (stop 52, blind) | NOx from a road at night, wind and mixing growing as √z (Roberts), marched 2 km downwind | 7.1e-11 |
| inverse_snowpack_conductivity_solar_extinction_thermistors_s53 (stop 52, blind) | inverse: a snowpack's conductivity and light extinction from 192 thermistor readings | 3.6e-5 (ks = 0.199995 for 0.2, ke = 39.994 for 40) |
| cubic_cell_two_gaussian_space_charges_poisson_3d_q53 (stop 52, blind) | 3-D Poisson in the unit cube, two peaked charge clouds of opposite sign, mixed faces | 7.8e-9 |
| hexagon_helmholtz_k16_impedance_walls_surface_wave_q53 (stop 52, blind) | Helmholtz at k = 16 in a hexagon, impedance walls only (real and imaginary parts coupled there) | **fails**: 1.0, 1.0 (872 steps); with `training.weighting.scheme=grad_norm` set by hand 0.58, 0.58 (1000 steps); at the default 5 minutes, side by side: 0.97, 0.96 (1240 steps), with grad_norm 0.64, 0.65 (1531 steps) |
| inverse_angstrom_brass_plate_diffusivity_loss_mm_s_q53 (stop 52, blind) | inverse: Ångström's method on a brass plate, diffusivity and face loss from 150 camera samples | 1.2e-3 (α = 33.79 for 34, loss 4.87e-3 for 5e-3) |
| adhesion_three_stream_viscous_burgers_junction_disk_q53 (stop 52, blind) | 2-D viscous Burgers on a disk, three streams meeting in a moving Y-junction of shocks (Cole-Hopf) | 4.7e-8, 7.2e-8 |
| bistable_tube_two_fronts_coalescing_nagumo_q53 (stop 52, blind) | Nagumo's equation, two fronts colliding and merging (Kawahara-Tanaka), an 80 × 30 window | 1.3e-10 |
| regularized_lid_cavity_shih_exact_navier_stokes_re1000_q53 (stop 52, blind) | steady Navier-Stokes in the Shih-Tan-Hwang regularised cavity at Re 1000, p pinned at the centre | 1.9e-3, 2.0e-3, 2.7e-3 |
| triangular_glass_skylight_snow_sun_gradient_ss_plate_si_q53 (stop 52, blind) | a Kirchhoff plate on an equilateral triangle in SI, simply supported with a thermal moment on the edges | failed: 0.994 (421 steps); with the planned grad_norm weighting off (by hand) 0.92 at 360 steps; at the default 5 minutes 0.78 (1020 steps); stop 53, the triangle's distance without kinks at its corners, side by side under load: 0.97 → **5.6e-4** (214 steps); with the review's mends (factors multiplied one by one), beside a CI run, **1.2e-5** (767 steps) |
| facade_ground_corner_pulse_echoes_first_order_acoustics_q53 (stop 52, blind) | first-order acoustics (p, u, v) in a facade-ground corner, pulses and their echoes, incoming-wave conditions | **fails**: 0.72, 0.89, 0.99 |
| hall_column_wind_sway_p_delta_beam_column_footing_spring_kn_y54 (stop 53, blind) | a hall column's second-order (P-delta) sway, fourth order, a footing's rotation spring, kN and mm | 2.4e-6 |
| etics_concrete_wall_diurnal_sol_air_two_layer_flux_si_h_y54 (stop 53, blind) | an insulated concrete wall under two sol-air harmonics, flux form (T, q), jumps of 83× and 57× at the interface | **fails narrowly**: 2.5e-3, 2.1e-2 (825 steps); at the default 5 minutes **1.5e-4, 2.1e-3** (5386 steps) |
| hydraulic_cylinder_end_cap_thick_plate_3d_elasticity_mm_um_y54 (stop 53, blind) | 3-D elasticity of a thick end cap under 25 MPa on a cylinder, six stresses as fields, µm against MPa | **fails**: 1.0, 1.0, 0.82 (363 steps) |
| inverse_vault_tie_rod_tension_stiffness_vibrometer_kn_m_s_y54 (stop 53, blind) | inverse: a tie rod's tension and bending stiffness from 240 vibrometer readings (fourth order in space, second in time) | **fails**: 4.2e-2 (EI 5.56 for 9.78, T 36.8 for 40) |
| soft_clay_embankment_davis_raymond_consolidation_m_yr_kpa_y54 (stop 53, blind) | Davis-Raymond nonlinear consolidation under an embankment, m, years, kPa | 6.0e-5 |
| tunnel_lining_ring_ovalisation_k0_quarter_plane_strain_m_mm_y54 (stop 53, blind) | a thin tunnel lining ovalised by K0 ground pressure, quarter ring, plane strain, tractions on both faces | **fails**: 1.07, 0.93 (the fallback ran; 739 steps) |
| turbine_disc_cold_start_thermal_stress_rotating_quarter_mm_y54 (stop 53, blind) | a rotating turbine disc's cold start, heat and thermoelasticity on a quarter disk, five Bessel modes | **fails narrowly**: 7.4e-3, 8.0e-3, 1.4e-2 (329 steps); at the default 5 minutes **9.3e-5, 7.7e-4, 6.2e-4** (1902 steps) |
| vibratory_pile_driving_tube_pile_shaft_toe_dashpots_kn_mm_s_y54 (stop 53, blind) | a vibratory hammer starting on a tube pile, a mass at the head and a spring-dashpot at the toe | 9.9e-3 |
| ball_and_stick_neuron_sine_current_clamp_dendritic_filtering_z54 (stop 53, blind) | a passive neuron (soma and dendrite) under a 40 Hz current, the soma's condition holds a time derivative | 2.9e-3 |
| cardiac_strip_oblique_fibres_tilted_front_bidomain_mm_ms_mv_z54 (stop 53, blind) | a bidomain excitation front in a parallelogram strip at 10° to the fibres, cubic membrane current | 1.8e-8, 1.2e-7 |
| inverse_hiv_viral_decay_protease_inhibitor_perelson_days_z54 (stop 53, blind) | inverse: HIV clearance and infected-cell death (Perelson) from 15 viral loads of the total only | **fails**: 4.2, 1.0, 0.10 (c 0.13 for 3.1, δ ≈ 0 for 0.49); with the field fit also where there are observations (tried, not kept): 1.3, 0.83, 1.8e-2 (c 0.78, δ 49) |
| inverse_liver_mre_voigt_shear_modulus_viscosity_ellipse_roi_z54 (stop 53, blind) | inverse: a liver's shear modulus and viscosity from a 60 Hz elastography wave image on an ellipse | 1.5e-7, 7.9e-8 (μ, η exact to 5e-8) |
| primaquine_g6pd_haemolysis_rbc_age_structure_days_z54 (stop 53, blind) | red cells by age under primaquine (first-order transport, 150 × 60 days), values from 1e5 to 1e-234 | **fails**: 0.26 |
| round_window_gentamicin_scala_tympani_gradient_mm_min_z54 (stop 53, blind) | gentamicin along the cochlea from the round window, clearance and a decaying source | 2.4e-5 |
| traction_force_microscopy_gel_layer_cell_array_3d_um_pa_z54 (stop 53, blind) | a gel layer on glass pulled by cells' tractions, 3-D, periodic, ν = 0.48, stresses as fields | **fails**: 0.81, 1.4, 3.1 (499 steps, under load) |
| tumour_ifp_necrotic_core_baxter_jain_ball_octant_3d_mm_mmhg_z54 (stop 53, blind) | a tumour's interstitial pressure and flow (Baxter-Jain), ball octant with a necrotic core cut out, jumps at the rim | **fails narrowly**: 4.1e-3, 5.9e-2, 4.9e-2, 4.3e-2 (600 steps, under load); at the default 5 minutes **1.5e-4, 9.2e-3, 5.0e-3, 4.4e-3** (3720 steps) |
| cos_theta_dipole_coil_iron_yoke_quarter_disk_mm_tesla_d54 (stop 53, blind) | an accelerator dipole's vector potential, cos θ + cos 3θ coil, iron yoke, quarter disk, T·mm | 3.0e-3 |
| eddy_current_brake_aluminium_plate_halbach_track_mm_d54 (stop 53, blind) | an eddy-current brake under a Halbach track, Péclet 38, A and J, Robin faces | 7.4e-4, 3.2e-3 |
| inverse_expansion_chamber_muffler_gas_thermometry_si_d54 (stop 53, blind) | inverse: exhaust-gas temperature from 12 microphones in an expansion-chamber muffler, area jumps of 9× | **fails**: 3.1e-2, 3.4e-2, 0.22, 0.14 (Tg 761 K for 600) |
| gold_water_surface_plasmon_polariton_spr_tm_flux_form_um_d54 (stop 53, blind) | a surface plasmon at a gold/water interface, first-order form, permittivity changing sign | **fails**: 1.2, 1.0, 0.97, 0.97 |
| laser_interference_fringes_silicon_layer_kirchhoff_kT_um_d54 (stop 53, blind) | laser fringes heating a silicon layer, k ∝ T^−1.3 (Kirchhoff transform), µm | 4.2e-4 |
| plant_room_vibrating_floor_slab_absorptive_ceiling_3d_si_d54 (stop 53, blind) | a plant room's 63 Hz pressure in 3-D, vibrating floor and absorbing ceiling (real and imaginary parts) | **fails narrowly**: 3.2e-3, 1.1e-2 (950 steps); at the default 5 minutes **8.5e-4, 5.0e-4** (2560 steps) |
| rexolite_slab_loaded_wr90_phase_shifter_mismatched_load_mm_d54 (stop 53, blind) | a slab-loaded WR-90 guide at 9.41 GHz, complex port and mismatched load, ε jumping inside | **fails**: 0.15, 9.2e-2 (the fallback ran) |
| uwb_dipole_pulse_near_to_far_field_axisymmetric_maxwell_m_ns_d54 (stop 53, blind) | a UWB dipole's pulse in time-domain Maxwell (Eρ, Ez, Hφ) on a half-annulus, a front with zero field ahead | **fails**: 0.70, 0.62, 0.53 |
| culvert_roof_slab_sine_wheel_load_plane_strain_mm_mpa_q47 (stop 46, blind) | a thick culvert slab under a sine load, plane strain, stresses through `define`, mixed support faces, mm and MPa | 1.9e-3, 1.2e-3 |
| curved_bar_end_shear_crane_hook_plane_stress_mm_q47 (stop 46, blind) | a crane hook's curved bar under end shear (Timoshenko and Goodier), tractions on its curved edges through the normal, mm and MPa | **fails**: 0.98, 0.97 (its end shear's expression grows to 4e13 inside the ring, now kept in the loss; 0.90 with each field's fitted size) |
| dc_busbar_pair_magnetic_vector_potential_quarter_si_q47 (stop 46, blind) | the vector potential of a ±4 kA busbar pair in copper and air, a Piecewise current density, SI | **fails**: 4.5e-2; 6.2e-2 at the default 5 minutes; stop 48, side by side (the lone-field fit: A 0.00228): 6.3e-2 → **6.7e-3** |
| impinging_jet_stagnation_thermal_layer_graded_wall_si_q47 (stop 46, blind) | a jet's thermal layer of 0.11 mm on a graded chip wall (stagnation flow, Pe 700), SI | 0.60 → **1.3e-5** with the stagnation layer (stop 46) |
| kovasznay_wake_grid_of_rods_silicone_oil_si_q47 (stop 46, blind) | Kovasznay flow at Re 40 in silicone oil, SI, periodic, a traction outlet | 2.9e-6, 2.6e-5, 6.2e-6; stop 48, side by side (the fit linearised again: p 5.11 → 1): 1.1e-6, 1.2e-5, 4.1e-6 → 5.2e-7, 5.6e-6, 1.6e-6 |
| lh2_sphere_foam_insulation_sun_heating_spherical_r_theta_si_q47 (stop 46, blind) | foam on a liquid-hydrogen sphere, (r, θ) as coordinates, 20 K inside, sun and convection outside | 3.1e-6 |
| piezo_pump_oscillatory_slot_flow_plane_womersley_si_q47 (stop 46, blind) | plane Womersley flow at 20 Hz in a piezo pump's slot, thin Stokes layers, SI | 1.3e-3 |
| tilting_pad_thrust_bearing_reynolds_film_pressure_si_q47 (stop 46, blind) | the Reynolds equation of a tilting-pad bearing, h³ ~ 1e-14, p to 9 MPa | 2.1e-10 |
| buried_sphere_heat_radial_si (stop 41, written for the log-radius rule) | a 5 cm heater sphere at 60 °C in ground at 10 °C 10 m away, (2/r), SI | the code before **3.0** → **1.3e-11** (2 minutes, stopped at its tolerance after 84 s) |
| relax_cos (stop 40, written for the initial-layer rule) | a first-order lag u' = −k (u − cos t) at k = 1e4 from u(0) = 2 over 10 (a layer of 1e-5 of the span) | 4.2e-3 before the rule → **2.8e-8** (2 minutes; 2.0e-7 with the residuals weighted by ε + t̂, side by side with the code before) |
| rc_charge_si (stop 40, written for the rule) | an RC low-pass in SI (τ = 10 µs) driven at 50 Hz from a capacitor at 5 V, over 20 ms | 7.9e-3 → **2.7e-8** (2 minutes; 5.9e-8 weighted) |
| reaction_fast_1d (stop 40, written for the rule) | u_t = 0.1 u_xx − 2000 (u − e^(−t) sin πx) + f from sin 2πx: a layer in time at every x | 1.7e-4 → **2.1e-6** (2 minutes; 7.0e-6 weighted) |
| logistic_fast_ignition (stop 40, written for the rule) | autocatalysis u' = 1000 u (1 − u) from 1 % over 10 s: the jump sits in the first 1e-3 of the span | 1.0 before the rule → **1.2e-5** (2 minutes). With the residuals weighted by ε + t̂ (the rule's first version) 1.0: the network left 0.01 for the unstable equilibrium u = 0 within the first millisecond, where the weights made the drop cheap; without the log time, and with causal R3, 1.0 too |

At 2 minutes all but convection_beta50 and stokes are at L2RE ≤ 1e-2 (the worst of the
others: wave_fast, 5.9e-3); of the six run again at the default 5 minutes (convection_beta50,
fisher_kpp, heat_3d, taylor_green, wave_fast, stokes) all but stokes are at 2.1e-3 or better.
The three problems written at stop 28, after its changes: the ODE system and the viscous
Stokes flow are solved at 2 minutes; **coupled_scales still fails** (v 1.5e-2 at 5 minutes,
u 4.9e-4). Its v enters the first equation bare, so v's error is the error of Δu: u is
found to 5e-4, and Δu, 25 times larger than u, carries that error into v. The balance
weights the first equation ×4 (2 minutes: 9.9e-2 → 5.8e-2); no rule here reads that a field
is fixed by another's derivatives.

The ten problems written at stop 29, before its changes (2 minutes, code of fafe085): eight
are solved. **heat_physical_units failed** (0.66): every condition is imposed exactly, so
the network's part N of T = A + D N must cancel the lift's residual, 0.72 π² · 80 sin(πx)
in units of the domain, near t = 0: N of order 10³ with an output scale of 1 (the same
problem in units of 1 failed alike, 0.59 at 1 minute; with the scale set by hand to 300,
1.7e-6, to 30, 2.5e-6). The plan now reads that size from the equations when every
condition is imposed (models/scale.py `residual_scale`: 279 here), and with it and this
stop's faster quasi-Newton iterations the file reaches 6.1e-8 at 2 minutes. Of the other
held-out and zoo files, four get such a scale (100 or more): poisson_high_frequency (117;
2 minutes 4.5e-4 → 8.3e-5), heat_2d_big (733; 3.0e-5 → 6.2e-7), poisson_long_1d (192;
2.7e-7 → 6.3e-9) and poisson_large_rect (1610; 3.9e-14 → 9.4e-11, still round-off level).
**convdiff_layer_2d still fails** (0.88 at 2 minutes): the 1-D layer is solved (7.5e-9),
but in 2-D the layer strip [0.99, 1] × [0, 1] holds 1 % of the points. The residual fell
to 5.6e-4 with the error at 7.2e-2; then the quasi-Newton phase's redraw (RAD) put points
in the layer and the loss jumped to 0.46: the network fits the points it has and not the
layer between them. More points, or a layer-adapted coordinate, would be needed; no rule
reads a boundary layer yet.
**Since stop 30 convdiff_layer_2d is solved** (2.8e-7 at 2 minutes, 2.1e-8 at 5; without
the rule 4.1e-2 and 1.04 in the same session's runs). The exactly imposed wall made it
worse than sampling: u = A + D N needs N = u / D, a peak of height 1/δ = 100 at x = 1. The
plan now reads the layer from the equation (spec/layers.py: a constant coefficient ε on
u_cc next to b on u_c, |ε/b| ≤ 2 % of the coordinate's length, at the face the transport
points to) and gives the model a second output carried by (D/s)(1 − e^(−s/δ)), which
vanishes on every wall. The four layer_* files were written while building that rule,
so they test it but are not blind; without it they gave 0.61 (layer_1d_left), 1.06
(layer_2d_corner) and 1.24 (layer_2d_eps1e-3). The rule fires on no zoo file and, of the
held-out ones, on convdiff_layer_2d, boundary_layer_1d and advection_diffusion_pulse
(where no layer forms: 1.2e-4 → 9.5e-5); every other file's model and digest is unchanged.
(Of the files written since, it also fires on the four layer_* files and on the blind
advected_gaussian_2d, which was run with it.)
**What failed at stop 27: stokes' pressure** (6.9e-2 at 5 minutes; velocities 5.5e-4; since stop 28 1.9e-3, below). The
pressure appears only through its gradient and is pinned at one point; its error sits at the
corners of the no-slip box (largest at (1, 1)), where few points fall and the momentum
residuals, 1e5 times the continuity residual at step 0, dominate. Weights set by hand to 1 /
each term's mean square at step 0 (a per-term normalisation) gave p 2.0e-2, u 1.6e-4 at 5
minutes: 3.5× better, and the pressure still above 1e-2. The `lra` scheme stopped at step 1:
the point term's residual is exactly zero at step 0 (a zero-bias network outputs 0 at the
box's centre), and lra divided by its zero gradient; fixed (such a term keeps its weight). Before this stop, `poisson_5d` trained and then
failed writing a 5-D VTK grid; more than three scalar coordinates are now sampled like a
vector coordinate. The problems written to probe the new rules (the ODE, the Helmholtz
operator, the fast wave) were solved by tanh too; sin helped the Helmholtz operator (300×)
and cost the ODE 4×. A file that was refused when first written: the ODE (a domain with
time alone was refused; since stop 28 it is solved as an ODE, tests/test_ode.py), and the soliton's `sech`
(now in the whitelist with csc, sec, cot, csch, coth, asinh, acosh, atanh).

**Stop 31: a fallback when the loss stalls high** (`training/fallback.py`, planned as
`training.fallback: true`). The loop watches the loss of a budgeted run; after 40 % of the
budget, within the current phase, when the best loss of the last 10 % of the budget is not
3× below the phase's best before it and is still above 1e-2 of its start, training stops
there and the other activation, then a 4×80 network, train from scratch in the budget left
(`RUN/attempts/<k>/`); the model kept is the one with the lowest residual on fixed uniform
points (the geometric mean over terms of the mean squared residual), never by the reference.
The rule was fitted to the loss logs of the 128 budgeted runs kept from stops 27-31 (no new
training): it marks 8 of the 23 that ended above L2RE 1e-2 and none of the 105 below (10 of
the 23 without the quarter-of-the-budget condition, which turns away stalls seen after 75 %).
Two earlier versions were measured at 2 minutes and rejected: one without the phase
condition and with 10× and 1e-3 stopped coupled_scales 60 s into its run (the sin attempt
then gave v 2.7e-2 where the full tanh run gives 5.3e-2: a lucky rescue of a run whose loss
was still falling 10⁵×) and cut poisson_lshape at 52 s (1.8e-2 kept, by residual, over the
attempts' 4.6e-2 and 4.4e-2; the zoo's 5-minute figure is 5.2e-4); 10× within the phase still
cut poisson_lshape, whose quasi-Newton phase was falling 6× per window. With the final rule
none of the runs of this stop stalled (nor did the four blind problems run last, on the
final code, all solved at 2 minutes): convection_beta50 at 5 minutes 1.4e-4 (2.1e-3
before), transport_accelerating, coupled_scales (v 5.3e-2), damped_wave_1d,
heat_source_moving, poisson_chirp_1d at 2 minutes. Where the earlier rule did fall back,
the attempts did not rescue convection_beta50 or transport_accelerating at 2 minutes
(0.84 → 0.75 and 0.73 → 0.63, kept by residual). So the fallback is a safety net that no
measured problem has needed yet; what its portfolio rescues is not measured.

**Stop 32: sixteen problems written blind** (2 minutes, one thread, the code of 03fab3e;
the last five on a copy with `where: ... or ...`, needed by steel_plate_si). Fourteen
solved at once (the worst, poisson_triangle, 3.1e-5); none stalled into the fallback.
**inverse_reaction_npz crashed before training**: the memory probe, which evaluates a
slice of each group's points, sliced the observations' points but not their data (a size
mismatch). Every physics-only file with `data:` observations crashed so under the planned
defaults; the zoo's inverse problems write their observations as interior equations and
missed it. Observations are now measured whole (`tests/test_limits.py`), and the file
solves (2.1e-10). One problem is left out: the steady viscous shock
0.05 u'' = u u' on [-1, 1] with u(±1) = ∓tanh(10). Like the Allen-Cahn front below, the
shock's place is fixed only by data 4e-9 from ±1; the run found a shifted shock with a
residual of 2e-17 (L2RE 9.6e-2).
**A defaults failure found by a sixteen-file feature sweep** (meshes, data fields, unknown
fields, npz observations, vector coordinates, ODE systems, point conditions, 2-D periodic,
3-D with time, `define`, Piecewise, Heaviside: all ran, none crashed):
big_amplitude_wave, u_tt = u_xx with u = 1000 sin(πx) at t = 0 imposed and u_t = 0 kept in
the loss, ended at **1.72** with the pde loss at 3e7; the fallback fired and its attempts
did not help. The output-scale rule read the lift's residual only when every condition was
imposed; u_t = 0 in the loss gives no value, so no datum told the size and the scale
stayed 1. The rule now reads the equations whenever the conditions left in the loss give
no value (zero or derivative data): 5.7e-7. Two files written afterwards to test it:
heat_neumann_big 6.0e-5 → 7.2e-8, wave_plucked_big 1.40 → 1.6e-3 (old → new code, same
session, 2 minutes). Of the 169 zoo, held-out, bundled and scratch files checked, only
these three plan a different scale (meaning digest: output_scale rule 4).

**Stop 33: thirty problems written blind** (2 minutes, one thread, the code of 955254e;
the last twenty, written after the first ten ran, on the same code and its fixes).
Twenty-nine solved at once (the worst: laplace_box_hot_face 9.9e-4 run alone,
maxwell_te_cavity Hx 6.6e-4); none fell back. **One solved the wrong problem
silently**: a two-layer wall, `-diff(k*diff(u, x), x) = 1` with
`k = Piecewise((1, x < 0.5), (10, True))`, ended at L2RE **1.01**. SymPy differentiates a
Piecewise piece by piece and drops the Dirac delta at x = 0.5, so the flux k u' was free to
jump and the residual held everywhere. Such a derivative is now refused with the flux form
to write (`spec/jumps.py`, tests/test_define.py), which the defaults solve: u 1.4e-3,
q 5.5e-4 (composite_wall_mixed). Two runs, stiff_relaxation and bratu_1d, ended their
quasi-Newton phase at round-off and reported 10 004 185 steps: the phase's ten million
nominal steps were counted as taken. They are not any more (tests/test_budget.py).
Writing a third batch found one more silent trap before any training: an ODE's initial
velocity written `neumann: 75/226` at t = 0 was imposed as y'(0) = −75/226, the outward
normal at the start pointing back in time (the exact-solution check of tests/test_zoo.py
caught it). A Neumann or Robin condition at a time face is now refused with the equation
to write (tests/test_ode.py).

**Stop 34: fourteen problems written blind** (by a helper that saw only the README and the
file format; 2 minutes, one thread, the code of 6899afa). Eleven solved at once (the worst,
heat2d_flux_face, 1.5e-4); three did not, and each led to a change of the defaults,
measured side by side in one session, 2 minutes unless said:

- **helmholtz_k10_lshape, 1.00**: Δp + 100p = 0 on an L-shaped union, whose walls stay in
  the loss (no smooth distance for that shape and data). The network sat at p ≈ 0, the
  trivial solution: the equation's residual small, the walls' loss stuck. The fallback
  fired (its first measured need) but neither the other activation nor a wider network
  rescues that. Balancing by gradient norms does (`training.weighting.scheme=grad_norm`
  alone: 3.2e-3; `lra` 0.25; the equation weighted 1e-4 by hand: 4.8e-2), so the fallback's
  portfolio now tries it first when conditions or data are in the loss
  (training/fallback.py). At the default 5 minutes the planned run stalls (0.88) and the
  balanced attempt reaches **1.9e-3**, kept by its residual (1.7e-6 against 1.0e-2): the
  fallback's first measured rescue. At 2 minutes the attempt has too little time (0.79).
- **advdiff_channel_far, 2.1e-2**: advection-diffusion at Péclet 20 in a 20 × 1 channel far
  from the origin. Not the far origin (the same file at the origin: 1.4e-2), and not the
  network (the conditions in the loss: 2.7e-6), but the exactly imposed lift: the blend of
  the inlet's data with the walls' zero weighed each face's distance in units of its own
  coordinate, so halfway down the channel the inlet's data still made a third of the lift,
  for the network to cancel where the solution had decayed by e^-5. Distances are now in
  the domain's own length (models/constraints.py `_face_blend`): **1.3e-4**. The two other
  files with a blended lift on an unequal box improved too (advection_reaction_inflow
  7.6e-7 → 2.7e-7, laplace_offset_box 1.5e-5 → 8.2e-6).
- **stokes_layer_water, p 3.3e-2**: water (ρ = 1000) written in SI units, the pressure pinned
  at one point. u was right (1.6e-5); p was off by a level: the pin pulled 4e5 times less
  than the momentum equations at step 0. The plan's step-0 balance now lifts a condition at
  one point like an equation: **p 4.1e-4** (u 5.1e-5). The other files with a pin: stokes
  p 2.0e-2 → 1.3e-2, stokes_viscous 7.9e-4 → 9.1e-4, ns_steady_tg_forced 9.7e-5 → 1.2e-4
  and 4.9e-5 in two runs (noise), poisson_disk_dn unchanged (1.6e-7).

Writing them found four gaps in what a problem refers to, now closed (README, tests):
observations outside the domain (t in hours against a domain in days) and an npz array
that names no coordinate or field (a misspelt field, dropped silently) are refused; a face
of a box, or a part of a shape's boundary (an L-shape's edge that a union gives to the
other rectangle), left without a condition where the equations differentiate twice across
it gets a warning saying where; data or a reference that a periodic coordinate cannot
repeat get a warning with the two end values. Naming every part of that L-shape's boundary
broke `check` (an empty part in the hard constraint's distance): fixed.

**Stop 35: fourteen more problems written blind** (a helper that saw the README, the file
format and the existing problem names; 2 minutes, one thread, the code of 3de3a03). Seven
solved at once; seven did not. What they found, each change general and measured side by
side in this session (2 minutes unless said):

- **Two bugs.** The Taylor engine kept the jets of a hard constraint's lift (pushed by
  nested jvp, the slow path) for one point set only, and a step evaluates every region of
  the loss in turn, so with conditions in the loss it pushed them again at every region of
  every step: beam_vibration_three_modes ran 0.27 s a step (59 steps in 25 s, now 200).
  A blended lift compares the initial value with time-dependent face data at later times
  too, not at t0 alone, so heat2d_flux_face imposes none of its faces. Checked at t0 alone
  all four were imposed, and it went from 1.5e-4 to 9.7e-2 at 2 minutes: taken back, not
  yet understood.
- **One output scale per field** (models/scale.py). busbar_joule_heating_si's potential
  (0.02 V) had the temperature's scale (300): V 0.24 → 0.11. A condition coupling two
  fields (duct_helmholtz_impedance's impedance, dn(p) + k q = g) no longer gives a value:
  its mismatch g gave the scale 0.036 to pressures of order one (0.56, 1.00 → 0.29, 0.66).
  No other file's scale changed.
- **Waves the equations make, read wider** (models/frequency.py): dispersion of any order
  (a beam, ω = a κ²) and the speeds of a first-order system (eigenvalues of A⁻¹B: shallow
  water). The beam and the seiche now get sin; no other file's activation changed.
- **Observations in small units** (training/weights.py): the step-0 balance lifts data
  that pull more than 10× less than the equations to 10× below them. A string's pickups
  (2 mm, in metres) pulled 1e6 times less than its wave equation and the tension fell to
  1.46 N (true 73.5, L2RE 1.38); now 73.493 N (1.2e-3). inverse_convection_coefficient: h
  23 → 65 (true 80), T 2.1e-2 → 1.2e-3. Lifting them all the way to the equations was
  measured too: string 1.9e-4 (73.4994 N), h 46.8, and inverse_plate_diffusivity 6.2e-5
  against 1.4e-5 with the gentler rule (2.5e-6 without either), inverse_advdiff_velocity
  1.5e-12 → 3.9e-11 (with the full lift; not rerun with the gentler one). The two other
  files whose data are lifted stay far below 1e-2.
- **Not fixed: conditions in other units than the equations.** plate_bore_pressfit_mesh
  (N-mm-MPa, its Dirichlet conditions in the loss on a mesh) and the bus bar (a Robin
  condition in W/m²) fail for the same reason as the inverse problems did: at step 0 the
  bore's displacement conditions pull 1.6e3 times less than the equations and the traction
  conditions 2e3 times more. Lifting conditions with nonzero data like observations would
  change the weights of 18 solved files (heat_mixed_2d, poisson_holes,
  plate_simply_supported, sixth_order_bvp, …; `python benchmarks/step0_norms.py
  benchmarks/*/*.yaml` lists every term's pull at step 0), which needs its own measured
  round. The user's way today: `training.weights` or
  `training.weighting.scheme: grad_norm`, which the step-0 warning names.

At the default 5 minutes, with all of the above: duct_helmholtz_impedance is solved (1.0e-3,
8.4e-4); plate_bore_pressfit_mesh 1.4e-2, seiche_shallow_water_si 3.1e-2 and the bus bar's
T 7.8e-3 are close; the beam (0.13, still converging: its dense quasi-Newton update of
5081 parameters costs most of a 0.14 s step) and the bus bar's V (0.22: a layer 3 mm wide
at the clamp of a 200 × 10 mm bar, each coordinate stretched to [-1, 1] on its own by the
input embedding) are not.

Also from this batch: a file may declare `E` (Young's modulus; Euler's number otherwise),
`check --json` carries the model's notes, and the README lists the condition kinds with
their per-field forms.

**Stop 36: conditions in other units, and a smooth lift on boxes.** Two general changes,
measured side by side in one session (2 minutes, one thread, the defaults; one run each;
"before" is 7823047):

- **Conditions in other units than the equations** (`training/weights.py`, `units_gap`):
  a condition pulling more than 1000× harder than the strongest equation at step 0, or
  one with nonzero data pulling 1000× less, switches the planned weights to gradient-norm
  balancing through the first-order phase. It fires on 11 of the 188 files
  (`benchmarks/step0_norms.py`): plate_bore_pressfit_mesh 4.6e-2, 5.6e-2 → **1.4e-5,
  1.3e-5**; busbar_joule_heating_si V 0.11, T 2.7e-2 → **5.1e-3, 8.4e-3**;
  helmholtz_k10_lshape 0.27 → **4.6e-3**; sixth_order_bvp 5.7e-3 → 4.6e-7;
  plate_simply_supported 8.8e-6 → 2.0e-7; consolidation_terzaghi_long 3.8e-6 → 9.9e-8;
  oscillator 1.7e-6 → 6.6e-7; heat_mixed_2d 1.9e-6 → 2.0e-6; laplace_block_channel_3d
  1.8e-8 → 1.1e-7 (worse, far below 1e-2); the zoo's kdv_soliton 2.6e-5 (not rerun before).
- **The transfinite (Coons) lift** where a box's face data agree where faces meet
  (`models/constraints.py`, `_transfinite`). The blend is only continuous at a corner: its
  Laplacian grows like 1/distance there even for agreeing data, no D·N cancels it, and the
  residual-based redraws gathered points there. advdiff_channel_far had reached 2.8e-3 and
  ended at 0.49 (a rerun: 2.7e-2) → **3.0e-7** (the units rule fires on it too; the two
  were not separated); laplace_box_hot_face 1.7e-3 → 1.4e-6 (its spread between runs at
  stop 35); heat2d_flux_face, whose data agree at t0 and which now imposes all its faces,
  1.2e-4 → 1.9e-6 (stop 35's 9.7e-2 through the blend is explained); laplace_offset_box
  1.1e-5 → 1.4e-7; advection_reaction_inflow 3.4e-7 → 1.0e-8. Only these five files build
  a box lift over several coordinates; data that disagree keep the blend. Shaped domains'
  part blends have the same kind of junction and are unchanged (channel_obstacle's
  all-exact run was worse than its loss run at stop 27; no longer at stop 37, below).

A problem written at stop 31 and left out: a steady Allen-Cahn front,
0.001 u'' + u − u³ = 0 on [-1, 1] with tanh((x − 0.3)/√0.002) at the ends. The front's
place is fixed only by data differing from ±1 by 1e-13, so fronts elsewhere solve it to
round-off: the run found one at x ≈ 0 with a residual of 6e-19 (L2RE 0.73). That is the
problem's fault, not the defaults'.

**Stop 37: twelve problems written blind** (by a helper that saw the README, the file
format and the list of existing files; 2 minutes, one thread; the code of 305fa90 for the
first four, then the working tree as the change below was made). Eleven solved at once;
none crashed and none was wrongly refused. **geotherm_crust_si failed (7.0e-2)**: the
surface temperature is imposed, the basal heat flow (0.013 K/m across 30 km) and the
insulated sides stay in the loss, so no condition gives a value, and the equations' own
residual ratio (the lift, 288 K plus a ripple, nearly solves them) asked for no scale. The
network's part had to produce the ~440 K rise with depth from an output of order one. A
flux kept in the loss now tells a size (models/scale.py `_flux_size`): |q| times the
length of the coordinates it differentiates along, over the RMS of the field's distance
factor (638 here); the larger of that and the equations' ratio is the scale, from 100 up as
before. 5 minutes, one thread: 5.6e-3 (old) → **7.4e-8**; at 2 minutes 1.2e-2 and 2.7e-6
in two runs (in the first the fallback cut the planned run at 9.2e-3 at 54 s and kept a
worse attempt by its residual). Planning all 203 zoo, held-out and bundled files before and
after, only this file's scale changes (meaning digest: output_scale rule 6).
Also found: a constant beyond double precision (`exp(exp(1000))`) compiled to inf, and
`exp(exp(exp(1000)))` crashed with a traceback; both are refused by name now, and a huge
exp(c) next to another exponential is folded into it (tests/test_compiler.py). And
problems/channel_obstacle.yaml no longer keeps its conditions in the loss: the exact
imposition is now the better of the two (2 minutes side by side: u 2.3e-3, v 5.6e-3,
p 5.0e-3 against 1.1e-2, 2.6e-2, 0.15; docs/geometry.md), which corrects the stop-36
note above that its part blend made it worse; writing the inlet's data on the walls too
(so that only the obstacle's part is blended) changed nothing measurable.

**Stop 37, two more rules, measured at 2 minutes, one thread** (the rule's runs and the
comparison runs of this session side by side, two single-thread jobs on the 2-core machine,
unless marked "docs": a figure of an earlier stop's code from the table above).
- *Harmonics of time* (models/frequency.py `planned_time_modes`): when the data and the
  waves the equations make have n ≥ 8 half-periods along time (the count the activation
  rule reads), the network's inputs get n + 1 harmonics cos/sin(πk t̂). With them:
  beam_vibration_three_modes 0.18 (docs) → **4.5e-3**, at the default 5 minutes 0.13 (docs) → **4.7e-4** (final code; 3.3e-3 with 12
  harmonics and the old scale 142, **1.35 with 22**: harmonics beyond the solution's own
  hurt, hence n + 1 rather than 2n); convection_beta50 0.65 (docs) → **5.7e-4**; wave_fast
  5.9e-3 (docs) → 3.1e-4; transport_accelerating 3.1e-4 (docs) → 1.1e-4;
  heat_time_oscillation 7.4e-5 (docs) → 6.1e-6; wave_plucked_big 1.6e-3 (docs) → 3.3e-4;
  zoo convection_beta30 1.9e-3 → 2.8e-4 and 3.2e-4 (two runs), side by side. The threshold
  was first 5: then klein_gordon (5 half-periods) went 1.7e-7 → 2.9e-4 (and 7.4e-4 in a
  run beside two others), wave_1d (6) 3.4e-4 → 3.6e-4, heat_periodic_drive (6) 5.4e-6
  (docs) → 5.6e-6, heat_source_moving (6) 6.5e-5 (docs) → 2.6e-5 and
  seiche_shallow_water_si (5) 0.70 (docs) → 0.15 (with 10 or 20 harmonics 3.0e-2 and
  3.5e-2: its count is low, the data's dominant cosine having one interior extremum for two
  half-periods and the system's third mode not being read). From 8, the seiche keeps its
  failure. The rule fires on 8 of the 215 files (the bundled convection files set their
  own training): the seven above and river_pollutant_long (43 half-periods of a fading
  inflow signal), which it costs: 1.2e-11 without harmonics, 4.2e-5 with 44, 1.3e-8 with
  16, hence at most 16 (MAX_TIME_MODES); still far below 1e-2, but worse. **pendulum_driven_long** (written blind this
  stop, below) is a domain of time alone, an ODE, which the rule does not reach (its t is
  the network's only input): 0.89 planned, 0.93 without harmonics; not solved.
- *Small fluxes scale the output down* (models/scale.py): the flux rule above also gives
  sizes below 0.2 (when it exceeds the equations' ratio), and reads fluxes of several fields
  (a shear traction). cantilever_timoshenko_plane_stress (inch-pound units, deflections of
  1e-2 from tractions of 100 psi) 3.4e-3 → **2.2e-6** (scale 4.85e-4; 0.01 set by hand:
  3.1e-5). Planned on all 215 files, the scale changes on this one, on the blind
  elastic_bar_3d_mpa (0.033; it fails either way, a 3-D bar of three fields that gets 823 steps: ux 0.11, uy 18.5, uz 7.4e-2 planned, 0.21, 17.4, 0.17 with the scale 1 in a run beside the test suite, 500 steps), and, through the harmonics' change to the untrained
  network that the equations' ratio divides by, on beam_vibration_three_modes (142 → 1)
  and wave_plucked_big (2070 → 800), whose figures above are of the final code.

**Stop 37: unknowns trained in units of their guess** (spec/problem.py `Unknown.scale`):
an unknown whose initial guess is below 0.2 or above 5 in size is the guess times a
parameter of order one (UNKNOWN_KEEP, as the output scale's KEEP). Written blind,
inverse_battery_source_npz's heat source (5e4 W/m³, guessed 1e4) had moved by 0.86 in 2
minutes. 2 minutes, one thread, two runs side by side, the code before → after:
inverse_battery_source_npz q = 10000.9 (T 6.7e-3) → **q = 50000.02 (T 7.1e-9)**;
inverse_convection_coefficient (h guessed 20, true 80) h = 65.2 (stop 35; T 1.2e-3) →
**h = 80.0003 (T 2.2e-7)**; eigen_equilateral_triangle (λ guessed 40) λ = 52.63811 (stop 35)
→ 52.63777 (true 52.63789; u 6.0e-6); inverse_burgers_viscosity (ν guessed 0.1) ν =
0.0200000003 → 0.01999994 (u 8.3e-7 → 7.6e-7). **It costs inverse_string_tension** (tension guessed 40, true 73.5): two pairs of runs, T = 73.497 and 73.474 (u 1.0e-3, 2.7e-3) → T = 73.527 and 73.506 (**u 1.1e-2, 1.3e-2**): the tension as close, the string's motion 5-10× worse, not understood. The other inverse files start
within 0.2-5 (or at 0) and are untouched; the meaning digest marks the scaled ones.

**Stop 38: each field's size from a least-squares fit** (models/scale.py `fitted_sizes`).
A system's fields can need sizes one number cannot give: an electrostatic strip in SI with
φ ~ 1 kV beside D ~ 3e-5 C/m², a 3-D bar whose uy is a five-hundredth of uz. Where no
datum tells a field's size, the residuals of the loss (equations and the conditions kept in
it, 64 fixed points per region) are solved in the least-squares sense for the untrained
network's output layer (linear in it for a linear problem; linearised otherwise), and each
field's fitted RMS is its size. All unit weights go through the network in one pass, each
block of rows carrying one (`_UnitWeights`); rows are scaled per term, columns per weight.
On 36 files of two or more fields with exact solutions, the fitted sizes were within 2-3×
of the network parts' true sizes for most, and 10-30× off for a few (a time-only chain of
ODEs, a pressure seen only through its gradient). So the fit sets the scales only when some
field's fitted size is outside 1e-2 to 1e2 (FIT_BAND): 4 of the 215 files before this stop
change. With a band of 0.2-5 instead, 20 change, and in side-by-side runs at 2 minutes
coupled_scales went u 2.2e-4, v 6.5e-3 → 4.5e-6, 1.4e-4 and maxwell_te_cavity 2.0e-4 →
9.6e-5, but stokes (u 8.6e-5 → 1.7e-4), elasticity (1.7e-7 → 9.1e-7), brusselator_1d_noflux
(1.6e-3 → 3.2e-3) and duct_helmholtz_impedance (0.28 → 0.49) lost, hence the wide band.
Measured at 2 minutes, one thread, side by side with the code before (commit 2f1d599):
dielectric_two_layer_flux φ 0.26, D 0.83 → **6.3e-5, 2.8e-4**; timoshenko_beam 6.0e-8 →
5.8e-9; mixed_plate u 6.0e-7 → 2.3e-7 (w 2.0e-7 → 2.5e-7); elastic_bar_3d_mpa better but
not solved. Ten more problems written blind for this stop (systems in SI units, by a helper
that saw the README and the format): the old code solved 6 at 2 minutes, the fit 8, and it
gained on 7 (rows above). A first version left a field at scale 1 when its fitted part
was below 1e-3 of its lift: the aquifer's uz (2e-8 m/s) then had 2.6 (0.73 before the fit);
with its fitted size 4.3e-8, 1.7e-4. Now only a round-off part (below 1e-9 of the lift)
means that the lift solves the field, and such a field keeps its scale, at most the lift's
own size (a test: a Darcy flux of 1e-4 m/s gets 5.4e-4, not 1). Still failing: the Mindlin
plate and the thermoelastic plate, both three-field problems in SI that get about 1000 steps
in 2 minutes. The meaning digest feeds `field_fit 1` for planned problems of several fields.
The plan's balance of a system's equations (stop 28) was capped at 1e6; systems in SI sit
further apart (the p-n junction's equations 5.9e10 at step 0, the thermoelastic plate's
4e15), so the cap is 1e12 (training/weights.py `BALANCE_CAP`). It changes 7 of 222 files;
side by side at 2 minutes, 1e12 against 1e6: busbar_joule_heating_si V 3.1e-2, T 1.6e-2 →
**1.5e-3, 1.8e-3** (solved), pn_junction_flux_si 7.6e-6 → 2.0e-8, catalyst_slab_byproduct_2d_si
B 2.8e-5 → 8.0e-6; the thermoelastic rod (9.1e-6 → 1.6e-5 in u, noise at that level), the
thermoelastic plate (still failing: ux 0.99, uy 0.18) and the aquifer unchanged.

**Stop 39: a condition asking for zero, in other units** (training/weights.py `units_gap`,
`ZERO_GAP`). Stop 36's rule switches the planned weights to gradient-norm balancing when a
condition pulls 1000× harder than the equations at step 0, or, asking for nonzero data,
1000× less; a condition asking for zero was not counted, as an untrained network pulls
little on it whatever its units (wave_1d's u_t(x, 0) = 0 sits 3.8e4 below its equation and
is solved at weight 1). From 10⁶ below it is counted too: the thermoelastic plate's
no-shear condition on displacements of 3e-6 m sat 5.5e20 below its heat equation, weight 1
left it 20 % unmet, and ux failed (0.93 at 2 minutes); balanced, the plate is solved (rows
above). Over the 222 files before this stop (`benchmarks/step0_norms.py`) the count of
conditions asking for zero 10³-10⁶ below the strongest equation is 26, and the rule
changes two files: the thermoelastic plate and the Mindlin plate, which it costs (5.8e-2 →
0.98: its moment conditions get weights of 1e11 and the equations stall; it fails either
way, and with its true sizes set by hand it is 1.5e-2 without the rule and 6.1e-2 with
it). Raising the balance cap instead (1e17 against 1e12, side by side): 0.73 against 0.93,
still failing; lifting such conditions once to 1000× below the equations: 0.35. Of the ten
problems written blind for this stop (a helper that saw the README and the format; rows
above), all ten are solved at 2 minutes with this code; the rule fires on one more,
magnetostatic_vector_potential_3d_si (a gauge condition at the flux wall 4.8e7 below),
equal within noise with and without it. The pellet found a sampling bug: a cylinder's caps
were placed in float32 (torch.where of two Python numbers), 1e-10 to 1e-8 off their plane
in float64 runs, a residual of 2e-8 on a flux condition there; fixed, with a test.
A second batch of ten, written blind to be harder (systems in SI, a stiff kinetics ODE,
water in SI, a plate with a hole, a mesh, two unknowns at once): six are solved at 2 minutes
and four fail, each for a reason of its own (rows above): duct_acoustics_air_ms (a wave of
16 half-periods in time at c = 343 m/s: 0.67, 1.01 at 5 minutes), kinetics_reversible_stiff_long
(an initial layer of 1.7e-6 of the interval that no collocation point reaches),
plate_hole_kirsch_plane_stress_mm (0.2 s a step, sizes fitted 5-8× low; the true sizes do
not rescue it at 2 minutes) and taylor_green_water_drift_si (velocities of 0.01 m/s left at
the scale 1).

So the fit now also sets the sizes when two or more fields are fitted, all on the same
side of KEEP (all below 0.2 or all above 5; models/scale.py `fitted_sizes`): a scale of 1
is then wrong for all of them alike, where stop 38's band (1e-2 to 1e2) only caught fields
far apart. (A lone fitted field beside fields sized by their data is left to the rules
before: the first version counted it and changed a lid-driven cavity test's u to 5.56.)
Planned over all 245 files before and after, it changes four: side by side at 2 minutes,
one thread, before → after, coupled_scales u 3.5e-4, v 1.05e-2 → **6.2e-6, 1.8e-4** (it
failed on v at 2 minutes; solved), stokes_layer_water p 2.9e-4 → **1.8e-5** (u, v 10×
better too), taylor_green_water_drift_si 1.02 → 4.2e-2 (still failing at 2 minutes;
at the default 5 minutes 1.1e-3, 1.6e-3, 6.8e-3: solved), and
ode_two_mass_spring 4.9e-7 → 1.5e-6 (fitted 5.2 and 5.03 where 1 served, far below 1e-2).
The meaning digest's `field_fit` is 2, so a run of the older plan does not resume into it.

**Stop 39 (later): observations lifted to the equations.** The step-0 balance lifted observations
that pull more than 10× less than the equations to 10× below them (stop 35). Since unknowns
far from one are trained in units of their guess (stop 37), Adam moves them fast, and the
string's tension went from its guess of 40 N to about 2 N, where the wave equation is nearly
trivial, before the pickups were fitted (u 1.28 and 1.30 in two runs at 2 minutes; the
fallback rescued two of four at stop 39). Lifted to the equations' own pull, the data hold
the network to the motion: **7.1e-5 and 7.4e-5, T = 73.4996 and 73.5014 N** (traced with
that weight set by hand, 1.1e7, the tension still dipped to 21 N under Adam and L-BFGS
brought it back to 73.5). Side by side at 2 minutes over the ten
files whose observations are a data term (before → after): the seven lifted ones are
inverse_string_tension (above), inverse_convection_coefficient 4.0e-7 → 2.2e-7,
inverse_slab_conductivity_htc_npz 6.7e-7 → 2.5e-7, inverse_battery_source_npz 1.35e-8 →
1.28e-8, inverse_plate_diffusivity 2.8e-5, 3.1e-5 → 1.2e-4, 1.2e-4,
inverse_burgers_viscosity 1.3e-6, 1.4e-6 → 2.2e-6, 2.5e-6 and inverse_advdiff_velocity
1.75e-11 → 1.1e-10: worse on three, all far below 1e-2. Data within 10× of the equations
stay at weight 1: lifting those too (inverse_pipe_viscometer_decay ×4.2, inverse_reaction_npz
×3.9, inverse_two_rates ×2) cost the pipe viscometer 4.7e-4 → 8.8e-2 (ν 3.28e-5 for 4e-5, 520
steps). Observations written as a condition on a field (problems/heat_inverse.yaml, the
zoo's two inverse files) are not a data term and do not change.

A third batch of eight, written blind as a user's first attempt (realistic units, no
settings): five are solved at 2 minutes (flywheel_disc_rotating_plane_stress_mm 1.2e-4,
sausage_poaching_radial_bessel_mm_min 1.8e-5, inverse_biofilm_oxygen_michaelis_menten_um
6.0e-11, house_two_node_rc_thermal_hours 1.2e-7, hyperthermia_pennes_bioheat_3d_si 2.2e-7)
and three fail (rows above): a beam driven from rest on a shaker (0.76; its size, 7 mm, is
the source's over the stiffness and no condition tells it, but the equations' ratio as the
scale only brings it to 0.61), the Schrödinger equation in a quantum well (0.58; 7
half-periods in time, one below the harmonics' threshold) and a stress-sensitive permeameter
(0.62; a pumped flux whose coefficient holds the pressure is not read as a size).
Letting the equations' ratio set scales below 0.2 as well (above 1e-6) was measured and not
adopted: it changes 10 of 253 planned files, and side by side at 2 minutes it fixes none
(the beam 0.78 → 0.62) and gains on four (membrane_ellipse_tiny 5.9e-7 → 3.6e-10,
laplace_box_hot_face 4.7e-6 → 1.5e-6, bratu_1d, microchannel_stokes_slip_si p 4.2e-4 →
1.6e-4) while it costs three (transmission_line_pulse_si 5.0e-4 → 1.9e-3,
composite_wall_mixed q 4.6e-6 → 4.0e-5, beam_cantilever 3.3e-9 → 1.2e-8).

**Stop 40: a fast initial layer** (spec/initial_layer.py, planned unless the file sets
`model.initial_layer`). kinetics_reversible_stiff_long (A ⇌ B → C at 1e3, 1 and 1e-2 per s
over 600 s) leaves its initial data within about 1 ms, 1.7e-6 of the span, where no
collocation point falls. The plan now reads the layer from the problem: each field's initial
data put into its equation a u_t + f = 0 give the initial rate −f/a, and where that rate
would change the data STIFF_FROM = 1000 or more times their size over the span, and the
field's own rate ∂f/∂u is that fast too (a relaxation: a pendulum's small initial speed,
pushed by its angle, is not one), the layer is ε = 1/ratio of the span. Then the network
gets log(1 + t̂/ε) / log(1 + 1/ε) as one more input, an imposed initial value enters
through t̂/(t̂ + ε) instead of t̂, half the interior points (and RAD's candidates) are drawn
uniformly in that log time, half uniformly in t. Two more changes only where a layer is planned: a
system's fields take their output scales from the initial rates (each field's initial rate
for as long as its own relaxation lets it grow, rate / |∂f/∂u| at most the span, or its
data if larger, at most the largest initial data; a field with neither: the largest data.
The least-squares fit, linearised at the untrained network, read B 3 and C 8 for parts of
about 1500, and a first version, how far each field moves across the layer, read a slow
side product at 0.05 for 160), and the equations are not
balanced against each other at step 0 (their pulls differ by the square of their rates'
ratio: C's equation pulled 4.7e10 times less than A's even at the true scales, and lifted
to it, B and C stayed at zero).

Traced on the kinetics at 2 minutes (the first version, which also weighted the
equations' residuals by (ε + t̂)/(1 + ε), the equations written in log time): the log time
alone gave A 4.0e-3, B and C 1.0 (the fit's sizes, C's equation ×1e12); with one scale of
1500 set by hand, B 1.0, C 1.02; with weights 1 set by hand as well, B 0.83, C 0.78 (60 s),
and at 5 minutes 1.0e-6, 2.5e-4, 9.3e-5. That version, side by side with the code before
at the default 5 minutes: A 5.5e-3, B 0.84, C 0.33 → 1.2e-6, 3.1e-4, 4.7e-5. But the
weights made the start cheap: logistic_fast_ignition (u' = 1000 u (1 − u) from 0.01) left
0.01 for the unstable equilibrium u = 0 within a millisecond (1.0; 1.0 too before the rule,
without the log time and with causal R3). Without the weights it is solved, **1.2e-5**, and
every other layer problem stays solved, at 2 minutes (5 for the kinetics), weighted →
unweighted: kinetics 1.2e-6, 3.1e-4, 4.7e-5 → **1.6e-5, 3.9e-3, 3.6e-3**; relax_cos 2.0e-7 →
**2.8e-8**; rc_charge_si 5.9e-8 → **2.7e-8**; reaction_fast_1d 7.0e-6 → **2.1e-6**;
initiator_radical_qssa_b40 6.3e-6, 1.9e-4, 1.1e-4, 5.7e-6 → **3.2e-4, 1.8e-3, 4.1e-4,
5.7e-4**; dc_motor_fan_startup_b40 1.3e-7, 2.6e-8 → **1.2e-7, 4.1e-8**. A failure weighs more
than factors far below 1e-2, so the final rule does not weight. Before the rule (the code
of bc793e1, side by side): relax_cos 4.2e-3, rc_charge_si 7.9e-3, reaction_fast_1d 1.7e-4.
Over the other 241 files (zoo, held-out, problems/) no initial layer is read (the
largest ratio is bateman_chain's 200, then pk_two_compartment_oral_hours' 96), and every
change is gated on one, so their plans and digests are unchanged.

**Stop 40: eight problems written blind** (a helper that saw the README and the list of
files, `benchmarks/heldout/*_b40.yaml`, rows above), at 2 minutes with the code after the
initial-layer rule (its weighted first version): six solved at once (dc_motor_fan_startup 1.3e-7, 2.6e-8;
furnace_wall_firebrick_startup_kT 7.7e-7; gravity_dam_levy_plane_strain_si 1.4e-6,
6.5e-7; harbour_basin_gyre_outfall 1.3e-10; inverse_soil_diffusivity_diurnal 1.4e-7 with
α = 5.23598e-7; nitric_oxide_tissue_bolus_2d 9.2e-12), and two failed, each fixed by a
general change measured on every file: initiator_radical_qssa (a slow side product sized
by how far it moves across the layer, 0.05 for 160: the layer's sizes now follow each
field's rate for as long as its own relaxation lets it grow, capped at the largest data;
1.0 → 5.7e-6 for S, the other fields 0.11-0.12 → 6.3e-6-1.9e-4, and unweighted, the final
rule, 3.2e-4, 1.8e-3, 4.1e-4, 5.7e-4; the code before the layer rule, side by side: 1.0e-2,
2.4e-2, 8.1e-3, 5.2e-3) and water_hammer_surge_damped_kpa (a
wave whose data have no interior extremum along x was read as not oscillating in time; a
wave now rings at least at its fundamental: 0.585 → 1.5e-3). Planned over all 265 files
before and after, the wave floor changes one, the water hammer; the layer's sizes change
only the layer problems.

A second blind batch of eight (`*_c40.yaml`, written after the changes above, by a helper
that saw the README and the list of files): **all eight solved at 2 minutes** (rows above;
the worst, couette_annulus_glycerol_si's pressure, 3.0e-3). None of them reads a layer.

A third blind batch (`*_d40.yaml`, asked to be harder: stiff kinetics, periodic heating,
fronts, two-mode vibration, a channel with a rib, a lug with an offset hole), 2 minutes,
the final code, several runs beside the test suite or other jobs: five solved
(epoxy_slab_microwave_switch_on 9.5e-6, iodate_arsenous_front_capillary 5.8e-11,
river_ammonium_overflow_pulses 2.4e-10, steel_plate_cycled_edge_2d_si 3.9e-5,
steel_lug_offset_hole_biaxial_pressure_mm 1.7e-6, 5.4e-5); aldehyde_hydrate_preequilibrium (stiff kinetics with a slow decoupled decay: A is
lost once the layer is planned, the fast pair fails either way), machine_motor_bracket
(a layer read by mistake, fixed: 0.87 → 0.24, still failing) and
minichannel_bump_navier_stokes (v 7.2e-2) fail.

**Stop 41: an ODE's own frequencies** (spec/modes.py, planned with `time_modes`; a
problem of one coordinate had no harmonics at all before, its coordinate not being time).
The eigenvalues of the linear constant-coefficient part, det(λ²M + λC + K) = 0 over the
fields' u'', u' and u in their equations, give the modes' ω = |Im λ|; sin and cos in the
equations whose argument is linear in the coordinate give the forcing's. Where one makes 8
or more half-periods over the span, each of at least one half-period (at most 8) enters as
cos(ωt), sin(ωt), and nothing else: the network learns slow envelopes. All at 2 minutes,
one thread, two jobs side by side unless marked. rlc_mains_switch_on_ringing_si_e41 (100.6
and 10 half-periods): 0.76, 0.18 → 4.6e-3, 1.1e-3 (5 minutes: 5.7e-4, 1.4e-4); 16 integer
harmonics of the span by hand 0.80, 0.19, all 101 of them 0.99, 0.23.
machine_motor_bracket_two_mode_si_d40 (47.1 and 6.1): 0.24 → 1.0e-2 in two runs of a first
version, 0.72 in one of the final code (5 minutes, the final code: 1.5e-4); 16 harmonics 2.1e-2, 49 harmonics 1.49, harmonics and the
features together 1.31. pendulum_driven_long (the drive's 28.6 and 4.8; sin θ leaves the
modes unread): 0.92 → 2.9e-4. quarter_car_washboard_undulating_road_f41: 7.8e-2, 0.44 →
7.5e-3, 2.1e-3. The solved ones it also reads: duffing_forced 2.3e-5 → 3.5e-7,
oscillator_long 1.2e-5 → 8.2e-7, oscillator 1.2e-6 → 3.3e-6 (noise to 3×). Over all 298
files it plans features for these seven only (an unknown coefficient, as in the footbridge,
leaves the modes unread). The output sizes are read by a network without the features: with
them the least-squares fit read the pendulum's angle 56 for 0.85 (a drive near its linear
resonance) and the run ended at 10.4.

**Stop 41: a log radius** (spec/initial_layer.py `_radial`, planned with `initial_layer`
where no initial layer is read). An equation with u_rr and u_r in the ratio r : m (m > 0;
u_rr + u_r/r, a sphere's 2/r, r u_rr + u_r) on r from a > 0 to b ≥ 20a: the solution goes
like ln r or 1/r, as fast near a as r is small. The initial layer's machinery with
ε = a/(b − a) gives the network log(r/a)/log(b/a) as an input and draws half the interior
points uniformly in it; the equations keep their step-0 balance (not a stiffness).
inverse_pumping_well_e41 (r from 0.25 to 800 m): h 1.1e-3, T = 138.7 for 150, N of the
wrong sign → 1.4e-7, T = 149.999995, N = 1.00023e-3; buried_sphere_heat_radial_si (written
for the rule, 5 cm to 10 m): 3.0 → 1.3e-11. No other of the 298 files reads one (the next
widest, dna_counterion_cell, b/a = 10, is solved to 1.4e-8 without).

**Stop 41: sixteen problems written blind** (two helpers that saw the README, the docs of
the file format and the list of files; `*_e41.yaml`, `*_f41.yaml`, rows above), 2 minutes:
the first eight with the code before this stop: six solved at once, the RLC branch and the
pumped well failed and are solved by the two rules above. The second eight with those
rules: the quarter car (its frequencies read), the inverse coastal aquifer, Richards'
column and the river's oxygen sag solved; the steam header's errors were NaN (the grid mask
kept a subtracted cylinder's caps: fixed, then T 1.0e-2, ux 6.8e-2 in 260 steps), the
laser track at 1.7e-2 (4.0e-3 at the default 5 minutes), the drumhead (0.88: its waves read too slow, one axis at a time; read over both axes since, 0.57 and at 5 minutes 0.12, the only one of 293 files whose plan that changes) and the
dewatering pit's corner singularity (7.5e-2; 1.2e-2 at 5 minutes) fail.

**Stop 42: re-entrant corners** (spec/corners.py, planned with `corner_modes`; docs/geometry.md).
About each corner of 225° or more of a 2-D shape, where the equations are of second order in
space and no second derivative's coefficient holds a slope, r^(kπ/ω) cos and sin(kπθ/ω),
k = 1/2, 1, 3/2, 2, are added to the output with trained coefficients (zero at the start),
faded as exp(−r²/ρ²) beyond half the distance to the nearest other corner where there are
several, and Dirichlet parts reaching a corner stay in the loss. 2 minutes, one thread,
code before (7741c5e) → after: poisson_lshape 4.6e-3 → **4.1e-9**; dewatering_pit_f41
7.5e-2 → **5.7e-9**; laplace_lshape_mixed_corner (written for the rule, r^(1/3)) 4.0e-2 →
**1.8e-9**. Tried and not kept: the functions as inputs of the network (poisson_lshape
6.3e-7, dewatering 2.8e-6 with its walls in the loss and 5.0e-3 with them imposed, but
dc_gis_g42 8.5e-5 for 1.7e-7: a smooth solution had to cancel them inside the network);
k = 1, 2 only (dewatering 4.5e-7, poisson_lshape 3.5e-9, and no r^(1/3) for a mixed
corner); every corner's functions faded (poisson_lshape 2.0e-4, its solution being the
corner's function everywhere); no fading with eight corners (ribbed_cold_plate_g42 0.11:
global functions of corners a rib's width apart are near copies). Ten of the 315 files
have such corners; the eight whose exact solutions are smooth there (manufactured) stay
where they were against 1e-2, and most lose digits, chiefly where a Dirichlet part reaching
a corner left the exact imposition (before → after, 2 minutes; some runs beside a test
run): dc_gis_g42 1.7e-7 → 9.7e-7; tshape_fin_robin_mm 2.7e-9 → 1.1e-8;
nonlinear_diffusion_keyhole 1.7e-6 → 7.3e-6 (alone on the machine); lshape_plate_heat_ramp_celsius 1.0e-5 →
4.7e-5; poisson_site_heptagon_far 3.0e-6 → 1.7e-5; ribbed_cold_plate_g42 2.5e-2 → 2.6e-2
(failing either way); p_laplace_tshape is left out by the slope rule (with the functions:
9.2e-4 global, 3.9e-2 faded, for 6.9e-5). helmholtz_k10_lshape varies with the seed at 2
minutes: seed 0 3.3e-3 → 0.66, seed 1 6.7e-2 → 2.9e-2; at the default 5 minutes, seed 0,
6.1e-4 → 1.8e-3 (19 % fewer steps: the functions and their derivatives cost that much on
2000 points).

**Stop 42: a PDE's forcing in time** (spec/modes.py): a problem in time gets cos/sin of time
at the frequencies of the sines of time in its equations and its conditions' data, as an ODE
gets its own since stop 41, when one makes 8 or more half-periods over the span. Seven of the
315 files read one; 2 minutes, side by side, code before → after: permafrost_borehole_h42 0.30 → **0.11** (the blind run
before: 0.16; still failing: the annual wave dies within 3 m of the 60 m column);
duct_acoustics_air_ms 2.05 → 1.02 and baroclinic_inertia_gravity_waves_h42 1.0, 1.1, 1.4 →
1.0, 1.1, 1.4 (both failing either way); river_pollutant_long 6.8e-8 → 3.1e-8;
heat_time_oscillation 9.7e-6 → 2.2e-5; inverse_coastal_aquifer_f41 1.1e-5 → 1.3e-5 (T
24.9995 → 25.0002, N 1.49999e-4 → 1.50004e-4); steel_plate_cycled_edge_2d_d40 8.6e-5 →
1.6e-4. Kept for the forced problems it is meant for (a clear gain where the span holds 50
half-periods, within noise-to-2× elsewhere).

**Stop 42: sixteen problems written blind** (two helpers that saw the README, the docs of
the file format and the list of files; `*_g42.yaml` steady shaped domains in units,
`*_h42.yaml` transient systems; rows above), 2 minutes, with the corner rule: eight solved
at once (caisson, snap ring, insulator, packed bed, BBM wave, induction coil, bromide
column, billet); the others fail, diagnosed in their rows: the ditch's anisotropy (h
7.6e-3 with kx/kz = 0.36 for 5), the die's Stokes wedge (v 2.8e-2), the ribbed cold plate
(3.1e-2), the silicon bench (3-D, 1.7e-2), the Clohessy-Wiltshire drift (x 3.5e-2), the
inertia-gravity waves (1.0), the permafrost borehole (0.16) and the Gompertz tumour (a
clear stop at a non-finite loss).

**Stop 43: sixteen more problems written blind** (`*_i43.yaml`, `*_j43.yaml`; two helpers
as before; rows above), 2 minutes, the code at the start of the stop (194aa36): ten
solved, three of them trivially (the exact solution's one expression is the data on every
face and at t0, so the exact lift is the solution before training: the call option, the
ice dome, the stack's plume). Six failed; two rules came out of them:
- *A round-off pin tells no size* (models/scale.py, `_data_values`): a datum at one point
  of a domain of two or more inputs is left out of the output scale where it is below 1e-6
  of the problem's largest datum. The vortex's pressure pinned to its exact 1e-12 Pa at a
  far corner had set p's scale to 6e-13: its fields 1.07, 0.93, 1.00 → 7.5e-2, 5.8e-2,
  0.15 (still failing). Twelve files have a pin; only the vortex's plan changes. Tried
  first: every pin left out, which also dropped the Taylor-Green water cell's pressure
  scale 0.0119 (its pin is of the pressure's size), and its fit then set no sizes.
- *An initial rate's size over the half-periods* (models/scale.py, `_flux_size`): a rate
  u_t = v at t0 read its size as |v| T, right for a drift and 10× too large for a wave
  that turns back after T/n (n half-periods along t); it now reads |v| T/√n where n ≥ 4.
  It changes 4 of the 97 files with initial conditions and time derivatives; 2 minutes,
  the code before → after: exponential_horn_i43 6.0e-2 → **3.8e-3** (side by side);
  drumhead_f41 0.88 → 0.13, duct_acoustics_air_ms 1.02 → 0.35, window_pane_j43 0.46 →
  0.27 (better, all three still failing; the first figures are earlier runs of the same
  code). At the default 5 minutes the drumhead reaches 0.117 (0.12 before) and the pane
  0.14: the scale makes the first minutes count, not the waves' failure go. The planned scale against the exact network part's RMS (drumhead 185 for 56,
  pane 0.033 for 0.015, duct 39 for 41, horn 4000 for 7300) is within 3.3× for all four;
  with T/n the drumhead within 1.1×, the pane 2× low, the duct and the horn 4-5× low.
- *With no lift, a small residual ratio is a small solution* (models/scale.py,
  `residual_scale`): the equations' ratio (the residual with the network's part zeroed
  over the change the network makes) counted only upwards, as a lift that solves the
  equations makes it near 0; where every imposed value is zero there is no lift, and a
  ratio below 0.1 now sets the scale (it reads the part 1.2-5× low, so a ratio just
  below KEEP's 0.2 may be a solution of order one: u'' = −1 is read 0.175 for 0.5). It
  changes 4 of the 331 files; 2 minutes, side by side, code before → after:
  membrane_ellipse_tiny 2.0e-6 → **1.9e-9** (scale 3.0e-4, its part 7.2e-4);
  beam_cantilever 3.6e-9 → 3.0e-9; beam_aluminium_shaker 0.94 → 0.69 and the canopy plate
  1.00 → 1.11 (both failing either way: read 0.045 for 0.038 and 3.6e-4 for 7.7e-4, so
  their scale is not what fails them). With the bound at 0.2 it also changed
  composite_wall_mixed (u 1.6e-4 → 2.5e-5, q 3.4e-5 → 1.3e-5) and bratu_1d (2.7e-13 →
  6.8e-13), both read about 0.17 for parts of 0.17-0.56; not kept, for the u'' = −1 case.
A third batch (`*_k43.yaml`, one helper, asked for the format's less common features:
n_x in conditions, Heaviside and Piecewise data, point conditions, periodic, 3-D shapes,
an inverse problem; written after the rules above), 2 minutes: six of eight solved,
none trivially (the reactor core, the boulder, the Ekman spiral's eddy viscosity, the oil
cooler, the transformer core, the underfloor heating); the fingertip on a steel rail
(T 1.35e-2) and the Foucault pendulum (1.0) fail.
- *A resonant size read far below is not trusted* (models/scale.py, `unresonant`): for an
  ODE system whose own frequencies are planned, the least-squares fit reads sizes with a
  probe that lacks them (stop 41); a field read more than 1000× below the largest is then
  a response growing by resonance that the probe's smooth features cannot make, and it
  keeps its scale. The Foucault pendulum's yb (0.02 m) was read 1.1e-4: 1.01, 1.00 →
  1.6e-4, 1.03e-2 at 2 minutes beside a CI run (the same plan set by hand, beside one
  other run: 5.8e-5, 4.1e-3). Of the 25 files of several fields on one coordinate, only
  its plan changes (the quarter car, the RLC ringing, the bracket read within 1/80).
Left failing, diagnosed in the rows: the canopy plate (a free edge's third derivatives on an annulus; its scale, read since, is not the cause),
Krogh's 3-D cylinder (0.125), the carotid wall (nearly incompressible; not its scale) and
the vortex. The fibre's diffusivity is found 1.4 % off with c at 3.9e-3 (at the default 5
minutes 0.04 % off, c 6.1e-5).

**Stop 44: sixteen more problems written blind** (`*_l44.yaml`, `*_m44.yaml`; two helpers,
asked for engineering practice and for the natural sciences, with realistic units and some
hard cases; rows above), 2 minutes, the code with this stop's hole rule: ten solved, none
trivially. Six failed: the floor's tuned absorber, the deep girder, the sonar burst, the
4-D quantum dot, the hydrogen orbital (2.6e-2), the Josephson breather and the filament
(0.15); one rule came out of them, and one of the older failures gave another:
- *A fit that cannot make the solution tells no size* (models/scale.py, `FIT_TRUST`): the
  least-squares fit over the untrained network's features sets a system's sizes only where
  it leaves at most 0.9 of the residual. The absorber's fit left 0.99 and read 0.002 for
  parts of 0.19 and 1.04: 0.99, 0.94 → **3.9e-3, 2.0e-3**. The fits that set sizes in the
  files before left 5e-4 to 0.56. Of 80 of the 81 files of several fields (the
  minichannel's plan took 6 minutes with the old code, and was not compared), three plans
  change: the absorber, pn_junction_flux_si (side by side, before → after: 5.2e-8, 3.9e-8 →
  1.1e-5, 8.4e-6, solved either way) and rlc_mains_switch_on_ringing_si_e41 (2.2e-2,
  5.3e-3 → 9.1e-3, 2.2e-3).
- *Round holes* (spec/holes.py; docs/geometry.md has the table): log(r/a) an input about
  each disk, ball or cylinder cut from the shape whose far distance is 4 or more radii,
  and its Dirichlet data imposed through the exact distance r − a. Krogh's tissue cylinder
  0.125 → **5.7e-6**, the radial permeameter 0.62 → **3.3e-7**, the canopy slab 1.11 →
  **2.8e-4**; no solved problem of the 22 measured crossed 1e-2, some lost digits far
  below it, and the minichannel's rib (failing) went 7.1e-2 → 0.63 on v.
Fixed on the way, from the helpers' reports: `n_x - n_y` grouped in a condition was taken
for a constant (SymPy counts the normal's components as numbers); a Robin condition with
n_x in its data crashed the plan's size reading (no normals at its points); neumann and
robin data may now hold n_x; six scalar coordinates counted a 21⁶ output grid that is never
written (fields are sampled there); tests/test_zoo.py knows asin, acos, asinh, acosh,
atanh. And the plan of a problem with a manufactured source of a hundred nested factors
took 6 minutes of SymPy expanding it (the minichannel); only the terms that hold a field
are expanded now (2 s).

**Stop 45: the mixed form** (spec/mixed.py, planned with `model.mixed_form`). A `define`
that holds a field's derivative, that the equations differentiate and that a condition
holds (a stress of elasticity with tractions on it, a plate's moments) is learnt as a
field with its definition as an equation (`<name>_law`); the tractions become conditions
on values, imposed exactly where the geometry can. 13 of the 371 files get it, all
elasticity or plates. Side by side at 2 minutes, one thread, before → after (rows above;
"loaded": beside helpers' work, fewer steps for both): Kirsch's plate 0.46, 0.84 →
**1.8e-3, 2.8e-3**; the plate girder 1.00, 1.00 → **9.9e-5, 3.4e-5**; the timoshenko
cantilever 1.9e-4, 1.4e-4 → **1.4e-6, 5.6e-8**; the gravity dam 5.1e-4, 2.2e-4 → 2.0e-5,
6.1e-6 (loaded); the Mindlin plate 0.88 (all three) → 4.7e-3, 2.9e-2, 1.1e-2; the
aluminium bracket 1.6e-2, 5.9e-2, 2.2e-2 → **1.1e-3, 7.3e-3, 6.8e-4**; the carotid wall
0.93, 1.07 → 6.4e-2, 4.4e-2; the steel lug 6.1e-4, 1.1e-2 → 4.9e-4, 9.8e-3; the snap
ring 1.1e-2, 3.9e-2 → 9.8e-3, 3.5e-2; the steam header (four fields, 3-D) about the same
(2-3e-2); the 3-D bar fails either way. Worse: the flywheel 2.8e-3, 9.8e-4 → 5.9e-3, 1.5e-3
(solved either way) and the rock footing 7.7e-2, 3.2e-2 → 0.21, 3.7e-2 (failing either
way at 2 minutes; 6.6e-5 at stop 38). Without a condition on the definition
the inlined form trains better, so the plan leaves it: a heat problem with a variable
conductivity written through its flux, Dirichlet data all round, 1.6e-6 inlined, 1.1e-4
mixed; the elliptic one 1.3e-5, 4.3e-5; define_chain 6.6e-12, 6.4e-8 (2 minutes). The rules
that read the equations' order (round holes, corners) read the inlined equations.

**Stop 45: sixteen more problems written blind** (`*_n46.yaml`, `*_o46.yaml`; two helpers,
engineering practice and the natural sciences, realistic units, some deliberately hard;
rows above), 2 minutes, one thread: seven solved (the baseplate's distortion, the drill
string, the adsorber column, the GRIN lens, the CIR calibration, the photobleaching front,
the tokamak). Failing: the coated liner's flux (1.1e-2), the fin's h field (2.8e-2), the
falling ball's 3-D Stokes flow, the pontoon plate (3.3e-2), Hartmann layers of 30 µm, the
calcium nanodomain (its scale read 3.4e6), the galactic disk, Klausmeier's bands (2.9e-2)
and the Rossby waves. Fixed from the helpers' reports: a derivative of two erfc point
sources in Neumann data was refused as too large (the limit is 1500 parts a derivative and
4000 an expression now); a chain of 45 constant definitions took minutes in `check` (the
compiled programs printed their expressions; large constant definitions are folded to
their value now, 15 minutes → 9 s). The attack review's findings and what was fixed: the
closing note of stop 45.

**Stop 46: stresses sized by their laws, stagnation layers, singular lifts.** Measured at
2 minutes, one thread, side by side (rows above). (1) The least-squares fit that sizes a
system's fields read a mixed-form stress near zero where its tractions' lift is zero (the
rock footing's sxy: 0.04 for a network part of 1.9e5; the snap ring's stresses 7e-9): its
laws hold for any stress once the displacements follow it, and the ridge picks the
smallest. A stress fitted 1e4 times below the size its law gives at the fitted
displacements now takes the law's size (`models/scale.py::_law_sizes`): the rock footing
0.20, 3.5e-2 → **6.2e-5, 2.1e-5**, the snap ring 1.3e-2, 5.6e-2 → **6.0e-5, 1.3e-4**; the
3-D bar fails either way (0.99 → 0.94) and the aluminium bracket is about the same (4.5e-3,
3.6e-2, 3.1e-3 → 4.8e-3, 3.7e-2, 7.4e-3, loaded). At 100 times (tried first) the plate
girder's stresses, which its tractions' lift already makes, were raised too and it went
7.3e-5 → 6.7e-4; at 1e4 it is unchanged. (2) A first derivative's coefficient that
vanishes at a face and carries towards it (b = β s: a jet on a wall) makes a stagnation
layer of width √(2ε/β) and profile erf(s/δ) (`spec/layers.py`): the blind jet on a chip
0.60 → **1.3e-5**. Of the 395 problem files only that one gets it. (3) A shape's Dirichlet datum
whose expression grows 1e6 times inside the domain beyond its largest value where it is
given (a crane hook's end shear with a 1/x³ term, 4e13 times near x → 0) is kept in the
loss instead of a lift the network must cancel (at 1000 times, tried first, a blind
growing Gaussian population, 3e5 times its rim value, lost its exact lift); only the hook gets it, and it still fails
(0.98; 0.90 with each field's fitted size, not adopted). Tried and not adopted: with the
initial layer forced, the rock-bed store 0.23 → 6.6e-2 (its equalisation is 100 times
faster than its record, the rule asks 1000); sizing every mixed-form field by the fit when
they span 100 times changed the hook only (above).

**Stop 46: sixteen more problems written blind** (`*_p47.yaml`, `*_q47.yaml`; rows above),
2 minutes, one thread, beside a size scan on the other core: eleven solved at first
(the heating pipe, the gold film, the Rayleigh wave, the CFRP inverse problem, both
Kovasznay wakes in SI, the wireless charger, the culvert slab, the hydrogen sphere in
(r, θ), the Womersley slot, the Reynolds bearing) and the jet with the stagnation layer.
Failing: the double-pipe annulus (w 0.79), the rock-bed store (0.23), the crane hook and
the busbar pair (4.5e-2). Eight more (`*_r47`, on a quiet machine): six solved (the basalt
sill, the estuary dye, the exhaust tone, the muskrats, the cathode particle, Tóth's basin);
failing: the NO₂ film (1.09: its scale read from a Robin datum without the interface's
lift) and the stiff piano string (0.16). In all, 18 of 24 blind problems solved at 2
minutes.

**Stop 46: a kept datum read less the lift, measured and reverted.** Reading a condition
kept in the loss as its datum less the lift of the field's imposed data (the part the
network makes there) solved the NO₂ film (1.27 → 8.3e-10 at 2 minutes) and helped seven
files side by side (steel_plate_si 9.2e-7 → 5.7e-9, fuel_pellet 6.3e-9 → 9.0e-12, the
others the same or better), and changed the planned scale of at least 24 of the 395 files.
It lost busbar_joule_heating_si (V 4.7e-3 → 0.22: T's datum less its lift read near zero,
so T kept the scale 1 for a part of several kelvin; loaded), so it is not the default; a
rule that only raises the scale where the lift says so (the NO₂ film) is the next thing to
measure.

**Stop 47: a kept datum's size counts less the lift too.** Where a field is also imposed
exactly (u = A + D·N), a datum g kept in the loss is now read as the larger of |g| and
|g − A| (`models/scale.py::data_scale`), so the scale can only rise where the lift says
the network makes more than the datum. It changed the planned scale of 8 of the ~400
files (a scan of benchmarks/heldout, benchmarks/zoo and problems); side by side at 2
minutes, one thread, quiet machine: the NO₂ film 1.72 → **1.2e-9**, the furnace wall
1.6e-7 → 5.7e-8, the footbridge (inverse) 8.3e-5 → 2.3e-5, the steel bar quench 1.7e-6 →
1.6e-6, the T-shaped fin 5.2e-8 → 4.1e-8, the protoplanetary disk 1.0e-7 → 9.7e-7 (its
scale 392 → 946 for a field of RMS 149; solved either way). The two others (laser track
1400 → 1410, packed bed 300 → 301) barely move; busbar_joule_heating_si, lost by reading
|g − A| alone (stop 46), keeps its scales. One-way coupling: see below.

**Stop 47: interfaces where a coefficient jumps** (`spec/interfaces.py`,
`models/interfaces.py`). Two media in flux form (q = −k ∇T, k jumping across g = 0): the
exact T kinks there and the flux's tangential part jumps, which a smooth network cannot
make. The fields the equations differentiate under a jumping coefficient (and those that
balance them in the same equation) now get |ĝ|·N added (ĝ = g over its largest value in
the box, N one more output per field and interface), and a flux component standing alone
in a law gets χ·(P J) (χ = 1 where g > 0, P = I − n nᵀ), so its normal part stays
continuous by construction. 5 of the ~400 files get it (a scan of all). Side by side at 2
minutes, one thread, two jobs at a time: the composite wall 4.1e-4, 8.8e-5 → **1.5e-6,
1.1e-7**, the combustor liner 9.9e-4, 2.3e-3 → **1.7e-5, 8.1e-5**, the two-layer
dielectric 1.5e-4, 3.8e-4 → **2.5e-5, 9.0e-5**; the fingertip on a steel rail 7.1e-3,
3.2e-2 → 1.4e-2, 5.6e-2 (worse; it failed before too) and a blind ferrite shield (µ 2000
times the air's) fails either way (psi 0.12 → 8.9e-2, B 0.6 and 0.9: its ferrite's law
asks the potential's gradient 2000 times finer than the air's). A jumping source, or a
jumping coefficient of a field itself (n(x)²·E in a waveguide), makes no interface.

**Stop 47: one-way coupling.** Fields that their own equations and conditions solve
alone (a pipe's velocity; a potential that drives Joule heat; a temperature that loads an
elastic plate) are now taken as given in the other fields' equations while Adam trains,
their derivatives detached there (`compiler/residual.py::upstream_fields`,
`training.one_way`, planned); the quasi-Newton phase trains everything jointly. 21 of the
~400 files have such a structure and no unknowns. Side by side at 2 minutes, one thread,
two jobs at a time (before → after): the double-pipe annulus 0.90, 0.22 → **9.7e-3,
2.0e-3** (w 3.4e-3 to 0.33 over four runs, 0.82 to 0.90 over three without); the catalyst slab 5.7e-5, 5.6e-5 → 3.1e-5, 3.4e-5; the reactor rod
2.9e-7, 1.1e-7, 1.0e-7 → 2.6e-7, 2.7e-8, 4.5e-8; the river outfall 8.4e-4, 1.6e-3 →
7.8e-4, 6.1e-4; the thermoelastic plate 7.2e-6, 3.7e-3, 1.6e-3 → 5.8e-6, 3.0e-3, 1.2e-3;
the caisson plumes 1.3e-8, 6.6e-7 → 6.5e-9, 1.2e-6; the tubular reactors 1.0e-7, 1.3e-7 →
2.3e-7, 2.1e-7; the electro-osmotic nanochannel 1.0e-4, 2.1e-5 → 5.0e-4, 9.1e-5;
busbar_joule_heating_si 6.1e-3, 3.7e-2 → 4.4e-2, 2.5e-2 (it moves between 1.5e-3 and 0.23
from run to run, rows above); the blind retort pouch fails either way (T 0.26 → 0.77).
Detached in every phase (tried first) the quasi-Newton line search met a direction that
is not the loss's gradient: the nanochannel went 3.1e-4 → 0.49 and the caisson 1.5e-8 →
8.4e-7.

**Stop 47: the fit's Jacobian where differences are round-off.** The least-squares fit
that sizes a system's fields (`models/scale.py::fitted_sizes`) took each output weight's
column as r(unit weight) − r(0). A blind neutron star's density (1e18 kg/m³) enters its
mass equation times 6e-21 beside a mass of order one and its pressure equation times 6e-3
beside a gravity term of 1e17: the change was below float64's round-off of r(0) in both,
the column came out zero and no size was read (scale 1, L2RE 0.99, 1.00). Such columns
(at most 1e-12 of |r(0)|) are now the derivative by autograd
(`_exact_where_lost`): the fit reads ρ 9.5e17 (true RMS 8.5e17) and the star goes to
0.14, 0.84 at 2 minutes, side by side (still failing). A scan of the multi-field files
(as far as it went, see the note) found no other file whose scales change.

**Stop 47: the equation balance's cap 1e12 → 1e24** (`training/weights.py`). With its
density read (above), the neutron star's two equations pulled 1e24 apart at step 0, and
the capped balance left its mass equation at 30 %. Side by side at 2 minutes, 1e24
against 1e12: the star 0.14, 0.80 → **7.9e-3, 3.5e-2**; the thermoelastic plate (4e15) ux,
uy 2.6e-3, 1.1e-3 → 1.2e-3, 4.6e-4 (T 6.6e-6 → 6.7e-6); the thermoelastic rod u 7.3e-5
→ 2.6e-5; the 3-D steam header, failing either way, 2.0e-2 → 2.0e-2 (ux). Problems whose
equations pull less than 1e12 apart are untouched.

**Stop 48: the fit is linearised again where the problem is strongly nonlinear**
(`models/scale.py::_relinearised`). The least-squares fit that sizes a system's fields
linearises the residuals at the untrained network. Where the fit's actual residual at its
own weights is 10 (`NONLINEAR`) or more times the share its linearisation predicted, it
now takes up to three Gauss-Newton steps from there, each kept only where it lowers the
residual. Whether the fit is trusted still follows its first share (letting the actual
share decide dropped the fits of a gold film, a Stokes layer and a channel flow, 10-40×
worse at 2 minutes; fitting again at ratios of 2-3 read a forced steady Navier-Stokes 4×
worse: both tried, not kept). Over the 122 multi-field files with planned scales (a scan
of benchmarks/heldout, benchmarks/zoo and problems), the sizes of 4 change; side by side
at 2 minutes, one thread: the retort pouch (lethality rate 10^((T − 121)/10) read at 40 °C:
F 3.45e-6 → 0.08, scale 1) 0.95, 1.00 → **8.9e-7, 1.8e-5**; the gold film 4.3e-4, 3.9e-5
→ 1.6e-4, 8.8e-6; the silicone-oil wake 1.1e-6, 1.2e-5, 4.1e-6 → 5.2e-7, 5.6e-6, 1.6e-6;
the water-tunnel wake 1.1e-6, 6.8e-5, 1.3e-5 → 1.6e-6, 3.1e-5, 1.9e-5. A linear problem
pays one extra evaluation of its residuals.

**Stop 48: a lone field with no size read is sized by the fit** (`models/build.py`). A
problem of one field whose loss holds no value (all imposed, or only derivatives kept)
and for which the residual rule reads 1 is now fitted as systems are, and takes the fitted
size where it is outside 1e-2 to 1e2 and the fit leaves at most half the residual
(`ONE_FIELD_TRUST`; a clamped disk plate's fit leaves 0.82 and reads 0.0058: 2.2e-5 with
scale 1, 2.3e-4 with the fit; an advected pulse's leaves 0.57 and reads 1100: 1.2e-4 and
1.1e-2; so neither is read). 7 of the 289 single-field files change;
side by side at 2 minutes: the trench flexure 0.93 → **2.9e-6** (w 4730), the silicon
optical bench 8.8e-2 → **6.5e-6** (T 515), the dredged clay 4.6e-3 → **5.4e-6** (u 110),
the bus bar pair 6.3e-2 → **6.7e-3** (A 0.00228), the flame front 5.5e-5 → 9.8e-7, the
steel rod 1.1e-8 → 9.8e-10, the radial permeameter 1.1e-6 → 9.3e-7. The fit adds about
0.04 s to building such a model (PHYSICS in tests/test_plan.py, one thread, quiet machine,
mean of 5 builds: 0.021 → 0.062 s).

**Stop 48: Bessel series outside the autograd graph** (`compiler/lower.py`). J_n below
|x| = 12 and I_n (n ≥ 2) are power series of 60 terms; summed in the graph, a disk's lift
built from J₀(z r) took thousands of operations per step for its Laplacian. The series is
now one node whose derivative is the same kind of node ((J_{n−1} − J_{n+1})/2), so a blind
FRAP recovery runs 580 steps in 2 minutes instead of 200 (6.9e-2, 7.7e-2 → 2.0e-2,
2.4e-2, still failing at 2 minutes); with the series stopped once a term is below
round-off of the sum (about 30 terms below 12), 736 steps against 219 side by side (6.3e-2,
6.3e-2 → 3.5e-2, 3.1e-2). The branch above 12 had a backward pass that was not
itself differentiable: its second derivatives came out near zero; tests/test_vector_special.py
now checks three orders of derivative against scipy on both branches.

**Stop 48: a coefficient infinite at rest stays inlined** (`spec/mixed.py`). Glen's ice
viscosity η = 1/(2 A^(1/3) ε̇^(2/3)), held by a sliding condition, was promoted to a field
by the mixed form, though it has no finite size where the flow is at rest: the blind valley
glacier 6.4 and 4.4. Planned, a file with such a definition now stays inlined: **3.4e-5** at 2 minutes
(3.1e-4 with `model.mixed_form=false` on the code before); of all ~440 files only this
one changes.

**Stop 49: output scales moved while training** (`training/rescale.py`). The plan reads
each field's size before training, and where it reads 10× or more off, the network must
make outputs far from one: Adam, whose steps are of a fixed size in the weights, takes
thousands of steps to grow them, or, scaled too large, moves a small field by large
relative jumps. Now every 250 Adam steps, and before the quasi-Newton phase, an output
whose RMS over the points has left 0.1-10 takes that RMS into its scale and its
output-layer row is divided by it: the function is unchanged, Adam's moments are carried
into the new units, and the scale is saved with the weights (checkpoints from before keep
the built scale). An explicit `model.output_scale` is never moved. Of the 48 blind files
of stops 48 and 49 run with it at 2 minutes, 23 of the 46 that recorded it moved a scale;
none newly failed.
Side by side (same batch, two jobs at a time): the open-hole coupon's inverse E and ν
(stresses read 12× small) 0.062, 0.066, E 53 600 → **1.6e-2, 3.1e-2, E 70 200** (true
72 000; its first run had gone to E −1786); the Beltrami flow (velocities read 14× large,
moved before the quasi-Newton phase) 1.8e-4, 1.4e-4, 1.8e-4, 2.2e-3 → 3.2e-4, 2.0e-4,
3.3e-4, 1.9e-3 (within the runs' spread); FRAP (its free protein read 20× large) 5.4e-2,
3.9e-2 → 1.2e-2, 9.3e-3; a barrier option (V 17× small) 3.4e-8 → 3.1e-8; the equatorial
Kelvin wave (u, η 100-1000× large) 2.9e-8 → 2.4e-8; the GaAs dot (both parts 25-30× large) 1.7e-4,
1.6e-4 → 1.7e-4, 1.4e-4. Where no column leaves the band, training is as before.

**Stop 49: a stress not smooth at rest stays inlined too** (`spec/mixed.py`). Stop 48's
rule set every field derivative to zero with the parameters left as symbols, so Norton
creep's stress 2η ε̇ ∝ ε̇^(1/5) read 0 there (a product with a zero strain rate), and the
blind steam header's stresses were promoted: 1.1, 1.1, 0.91. The rule now sets the
derivatives to s times fixed numbers, with the parameters at their values, and keeps a
file inlined where a candidate's value or slope in s is not finite at s = 1e-12, or the
slope there is 10⁴ times its slope at 1. Of ~440 files only the creep file changes.
It still fails at 2 minutes either way: mixed 1.1, 1.1, 0.91 (first run), inlined 1.3,
1.4, 0.99. Its velocities of 5e-6 mm/h start at the scale 1 that the zero symmetry data
leave, and the moves (×0.03 at each check) do not get there in 777 steps; the rule is kept
because it reads the power law as stop 48 meant (a number, not a symbol, for the exponent).

**Stop 49: a system with no first time derivatives** (`models/frequency.py`). The speed
rule of first-order systems solved A⁻¹B with A the coefficients of the first time
derivatives; an undamped Timoshenko beam (w_tt and ψ_tt only) has A = 0, and
`pinnsolve check` crashed on a singular solve. Such a system is no first-order system
now; a test holds it.

**Stop 50: an equation beyond a closed system trains jointly** (`compiler/residual.py`,
`upstream_fields`). A Nb strip's London screening has one equation per field (each field
a closed set of its own) and div B = 0 reading all three. The one-way rule made div B take
all three as given: it trained nothing, and the gradient balance crashed on its constant
loss (`element 0 of tensors does not require grad`) before step 1. An equation that would
take every field it reads as given now trains jointly, and a loss no parameter moves has a
zero gradient instead of a crash. The strip then runs (0.11, 0.12, 5.2e-8 at 271 steps:
3-D, slow; still failing). Scan of the ~490 files: no other file's coupling changes.

**Stop 50: large data agree to their own round-off** (`models/constraints.py`). Whether an
initial value and the boundary data agree at t0 was read against an absolute 1e-9: a fish
stock's recruitment pulse of 1.5e10 per year of age and its initial age profile, equal at
a = t = 0 up to 4e-9 of round-off, were read as disagreeing, and the boundary data went to
the loss. Now the tolerance is 1e-9 of the data's own size (and of 1). Of ~490 files only
that one changes; side by side at 2 minutes its L2RE is the same within the spread (0.19,
0.26 before; 0.26, 0.21 after): the failure is elsewhere (four sharp spawning pulses
along the diagonal).

**Stop 50: a round hole's log in a first-order system** (`spec/holes.py`). The log-radius
input was planned only where the equations are of second order or more in space, to leave
first-order transport out. A second-order problem written as a first-order system (a flux
beside its potential: Darcy's u = −k∇p with ∇·u = q; a Forchheimer well) has the
potential's log profile too: a system of two or more fields with an equation that has no
time derivative now gets it (hyperbolic systems have a time derivative in every equation).
The brine well (a 0.1 m well in a 10 m disk) went u, v 20, 15 and 29, 11 → 2.9, 6.6 and
1.7, 3.4 (two pairs at 2 minutes; p 1e-5 → 3-8e-6): better, still failing. Only that file
of ~490 changes plan. Its fit still tells no size (left 0.94): u, v start at scale 1 for a
flow of 1e-4 m/s, the step-0 balance then weights continuity 4e24 against Forchheimer's
law, read at a velocity 1e4 times too large (its inertial term βρ abs(u) u), and the law is
left at about 10 % when the scales have been moved at step 250.

**Stop 50: lifts with Bessel functions tabulated** (`models/constraints.py`, `_series`). A
lift made of one expression was evaluated and differentiated afresh at every step, on the
grounds that this costs less than a table lookup. That fails for Bessel functions: each
derivative of their series is another series. A quantum corral's initial state, J0(k r)
and J1(k r), ran 455 series per step (366 steps in 2 minutes). Such lifts now come from
tables, like blended lifts (models/tabulated.py), with the same derivatives to round-off
(tests/test_tabulated.py). The 10 files whose lifts hold Bessel functions, side by side
at 2 minutes (code before: 3cff5ee), steps and L2RE before → after: corral 312 → 661
(0.62 → 0.61), fan-rig duct mode 364 → 620 (1.0e-3 → 6.5e-4), FRAP 929 → 1301 (1.2e-2 →
9.3e-3), carbon-fibre GITT 1680 → 2304 (9.8e-5 → 2.8e-5), pipe viscometer 1423 → 1816
(3.2e-5 → 2.9e-5), 18650 cell 1180 → 1300 (5.4e-5 → 1.1e-4), steel billet 1357 → 1657
(1.8e-5 → 1.6e-5), sausage 1640 → 2040 (1.8e-6 → 1.2e-5), pillbox cavity 2338 → 2969
(0.61 → 0.21, failing), photoacoustic cell 921 → 1060 (0.32 → 0.57, failing). Every file
took more steps. The errors moved both ways, within the spread of runs that stop on the
clock. None crossed 1e-2 for the worse.

**Stop 50: Schrödinger's dispersion read** (`models/frequency.py`, `_system_dispersion`).
A system A f_t + C ∂ₓᵐ f = 0 with m even rings where A⁻¹C has imaginary eigenvalues λ, at
ω = κᵐ abs(Im λ): Schrödinger's equation in its real and imaginary parts (ħ a_t = −c Δb,
ħ b_t = c Δa, λ = ±i c/ħ), which neither the one-field dispersion rule nor the
first-order speed rule (the real eigenvalues of A⁻¹B, the same coefficient matrices)
read. The quantum corral was read at 7 half-periods along t (no harmonics of time) and is
now read at 9 (10 harmonics): side by side at 2 minutes (code before: c45718f), 0.62, 0.60
→ **0.099, 0.040** (two pairs): better, still above 1e-2. Of ~490 files only the corral
changes plan (half-periods and harmonics of every file read before and after; the first
version of the rule, two fields at a time, planned the same for all of them).

**Stop 50, tried: causal weighting for the ringing failures.** Six failing files whose
solutions ring in time (the warm-plasma upper-hybrid waves, the Jeans clump, the pillbox
cavity, the Timoshenko crosshead, the quantum corral, the WR-90 guide) were run with
`training.causal.chunks=32` (2 minutes): 0.31 for 0.18, 0.79 for 0.79, 0.23 for
0.66/0.21, 1.5 for 0.58/0.24, 0.60 for 0.60, 0.88 for 0.27: no gain anywhere, worse on
three. Not planned.

**Stop 50, tried and dropped: the fit's columns as tangents for nonlinear terms.** The fit
reads each term's columns as secants over a unit output weight; for the well's Forchheimer
law that step is 1e4 times the flow, so the inertial term read 2000 times the viscous one.
Tangent columns (a secant over a step of 1e-6 where a term is found not affine along a
random direction) changed the fitted sizes of 12 files of ~490; side by side at 2 minutes
they were worse or equal: a channel past an obstacle 1.8e-2 → 0.22, the femtosecond gold
film 1.0e-4 → 4.2e-3, a PEM cathode's Tafel rate overflowed at its new sizes (non-finite
residual before training), the two Kovasznay wakes 2-7× worse, forced steady Navier-Stokes
the same. Not kept. Also tried: each term's rows divided by the larger of its sensitivity
and its residual at zero (a term with a large residual at zero dominated the Boussinesq
cavity's fit, sizes 24× off): it cost the trust of fits that were right (a gravity dam's
and a carotid artery's shares left went 0.0 → 0.999 and 0.55 → 1.0). Not kept.

**Stop 51: an equation of products of fields is left out of the equation balance**
(`training/weights.py`, `of_products`). The balance reads each equation's units from its
pull on the untrained network, whose outputs start at a small share ε of their scale. A
term linear in the fields pulls like ε and a source like 1, but a product of two fields
pulls like ε³. A saturating ring core (ν = a/(Bs − |∇A|), learnt in the mixed form as a
field beside A) has magnetostatics div(ν ∇A), every term a product of ν and A: it pulled
1.2e9 times less than ν's definition at step 0, was lifted by that, and the network held A
at zero (L2RE 1.0). Such an equation is now neither lifted nor the pull others are lifted
to. Side by side at 2 minutes: 1.0 → **1.3e-5** (weights of 1 set by hand had given the
same, 1.3e-5). A scan of the ~510 files (`load_problem`, every equation with the fields
scaled by s: residual and slope zero at s = 0) finds no other file with such an equation,
so no other plan changes.

**Stop 51: a residual undefined before training says whether the network is at fault**
(`training/faults.py`). A log, fractional power or inverse function of a field is
undefined where the untrained network gives the field a value of the wrong sign. The
error blamed the equation ("fix the equation, condition or domain") though the equation
was right. It now names those arguments and says how to keep a positive field positive:
learn it as the exp of a new field. A mean-field game with a congestion cost λ ln m (m
down to 1e-22) stopped that way; written as the error says (fields u, lm; m = exp(lm);
the data of m as logs) it is solved at 2 minutes: u 3.2e-10, lm 4.0e-9. Merton's HJB
stops on diff(V, w)^(2/3) and is left failing (a slope's sign cannot be kept by an exp of
the field). Doing the exp form automatically (the field under a log learnt as its log, its
lifts in logs, its outputs back) is the next step this points to.

**Stop 51, tried and reverted: the initial rate imposed exactly.** Of 32 files with a
rate u_t = v at t0, each first-order or second-order wave, a lift u0 + slope · τ sin((t −
t0)/τ) with the time factor ((t − t0)/(t − t0 + τ))², τ one radian of the fastest wave the
plan reads, imposed the rate exactly (a lift slope · t grows nπ times the wave it starts;
a factor t̂² asks the network for ü T²/2). A PMMA strip's u was read at 1160 nm for 63
with the rate in the loss, 19 nm with it imposed. Side by side at 2 minutes, old → new, it
won on six: the fan rig 3.8e-3 → 2.6e-7, the P-wave at a free surface 4.9e-4 → 8.0e-6, the
beam on a shaker 0.58 → 0.17, the piano string 0.16 → 9.1e-2, wave_fast 6.0e-4 → 3.1e-4,
wave_1d 5.7e-4 → 1.8e-4. It lost on nine: the soil column 7.9e-4 → 1.0e-2, the drill
string 1.1e-5 → 1.9e-4, duct acoustics 0.41 → 2.1, the pulsating star 0.66 → 1.5, the press
crosshead 0.48 → 1.2, the window pane 0.24 → 0.73, the photoacoustic cell 0.60 → 0.97,
wave_neumann 5.7e-5 → 2.3e-4, klein_gordon 3.4e-7 → 1.0e-6. The others moved within the
spread. It is not a safe default, so it was reverted; the PMMA strip still fails (2.0 both
ways). A variant whose slope part dies out after τ, slope · (t − t0) e^(−(t − t0)/τ), run
on four of the losers after the sweep, lost too: the star 0.75, the press crosshead 1.6,
the soil column 3.6e-3, duct acoustics 1.7 (old code 0.66, 0.48, 7.9e-4, 0.41). Both
variants share the time factor at τ, which so points to it as the cause.

**Stop 52: a field read far below the others in its own units keeps the read**
(`models/scale.py`, `unresonant`). Where an ODE's own frequencies are features, the sizes
are read by a probe without them, and a field read 1000 times below the largest was taken
for a resonance the probe cannot make and kept at the scale 1 (a Foucault pendulum's yb,
stop 43). A pulsating star's displacement (km) beside its pressure (Pa) is read 1e-9 of
it by its units. A read not below a tenth of the field's own data (imposed ones included)
is now kept. Of the ~510 files two have a read dropped (the pendulum, the star); only the
star changes (the pendulum's yb has no nonzero data). Side by side at 2 minutes, under
load (helpers writing files beside it): the star 1.76, 1.44 → **0.23, 0.35**, better, not
solved.

**Stop 52: the fit read again by powers of ten where Newton steps cannot reach it**
(`models/scale.py`, `_relinearised`). A grey atmosphere's temperature enters only as σT⁴,
which has no slope at the untrained network's T ≈ 0: the fit read T at 1.2e17 K for about
250, and the Gauss-Newton passes shrink such a read by a quarter each. Where the passes
still leave more than the residual of no network part, each output's weights are now
scaled by the power of ten that leaves the least; where that at least halves the share,
the passes run again from there and the result is kept. 18 of the ~510 files get there;
three change
their sizes. Side by side at 2 minutes (code before → after): the decaying vortex in a
water tank 4.9e-2, 4.8e-2, 4.4e-2 → **1.3e-3, 1.0e-3, 1.2e-2**; the grey atmosphere's
fluxes 0.43, 2.05 → **7.4e-9, 3.7e-8**; the Richards column 9.9e-6 → 2.1e-5 (within the
spread). A first version took any gain: the gold film's Te was read 212 for 2120 (share
1.145 → 0.994) and its L2RE went 2.2e-4, 2.0e-5 → 1.1e-3, 9.1e-5; with the halving rule
its plan is the one before, as are those of a tumour model and the 13 others. The grey
atmosphere's T is then learnt as −T (L2RE 2.0): σT⁴ does not set its sign. That is now a
warning at load (`spec/lint.py`), which no other file of the ~540 raises.

**Stop 52, tried and dropped: the initial rate carried by the lift only.** After stop 51's
revert, the lift slope · τ sin((t − t0)/τ) was kept with the time factor unchanged (the
rate stays in the loss; the network's part need not make v0 · T at t0). Side by side at
2 minutes, on ten of the sixteen files that moved in stop 51's sweep, under load (200-500
steps each): no win (fan rig 3.4e-3 both ways, wave_fast 8.1e-3 → 6.5e-3), two losses
(wave_1d 4.3e-2 → 8.6e-2, the soil column 2.5e-2 → 7.6e-2). Stopped there, not kept.

**Stop 53: no kink at a shape's corners** (`geometry/csg.py`, `smooth_adf`; docs/geometry.md,
"No kink at a corner either"). Exact Dirichlet data multiply the network by the shape's
distance D, which was the R-conjunction of the faces' distances: like r at a corner, with
a bilaplacian like 1/r³ that a fourth-order equation must cancel. A box, rectangle,
convex polygon or cylinder that bounds the solid from outside now gives the product of
its faces' distances (a polynomial). 13 files' plans change. Side by side at 2 minutes
(under load): a simply supported triangular skylight **0.97 → 5.6e-4**, poisson_triangle
6.6e-4 → 4.1e-7, the triangular torsion bar 3.2e-4 → 2.4e-5 (φ), a hydrogen orbital 0.87 →
0.46 (fails either way); two boxes lost 4-5× near 1e-5 (laplace_lshape_mixed_corner 8.0e-6
→ 3.8e-5, the drip emitter 2.8e-6 → 1.1e-5), the bundled heat3d_csg 1.13e-4 → 1.33e-4 at
its fixed steps, plate_hole 4.3e-4 → 9.0e-5. Named sides joined to each other keep the
R-function: the product there would change 33 files' plans, not measured this stop.

**Stop 53: twenty-four problems written blind** (`*_y54.yaml` mechanical and civil
engineering, `*_z54.yaml` biology and medicine, `*_d54.yaml` optics, electromagnetics and
acoustics; three helpers that saw the README, the tutorial, the geometry docs and a few
files, never the solver). At 2 minutes, one thread, two at a time (the rows above), 10 of
24 reach 1e-2, fewer than stop 52's 14; four more fail narrowly (1.1e-2 to 5.9e-2) in
329-950 steps, and all four are solved at the default 5 minutes (run alone, two at a time:
1.5e-4 to 9.2e-3), so 14 of 24 at the default budget. What fails: 3-D elasticity with stresses as fields (an end cap, a gel under
cells' tractions), a thin ring bending in plane strain, guided and free waves with complex
conditions (a plasmon, a loaded waveguide, a UWB pulse), and three inverse problems: two
observe some of their fields only (HIV loads of the total, a muffler's pressures), and a
tie rod's stiffness shows only in thin end layers and a 17 % frequency shift. For
the HIV model the fit of each field's size, which skips problems with observations, was
tried with them (VI read 3.3e5, P 1.1e5, where the scale was 1): the fields moved (V 0.10
→ 1.8e-2), the unknowns did not (c 0.78 for 3.1, δ 49 for 0.49), so it was not kept. A
helper found `n_x**2` in a boundary equation crashing the parser's overflow check (a
traceback); it is parsed now, and tested.

**Loss balancing** stays fixed (weights 1) by default, unless a condition is in other
units than the equations (stop 36, below). Measured against the `lra` scheme
(learning-rate annealing) on the problems whose conditions stay in the loss, 2 minutes each:
heat_mixed_2d 2.6e-5 fixed, 2.6e-4 lra; poisson_robin_offset 2.3e-5, 6.8e-6; darcy_mixed
7.7e-5, 8.2e-5; heat_kelvin_robin 1.9e-7, 1.1e-5. No problem here fails with fixed weights; the
mixed-condition failures issue 17 reported are now solved by exact imposition (zoo table).

**Stop 28: the equations of a system balanced at step 0** (`training/weights.py`,
`equation_balance`). When a file sets no weights, each equation term of a system is weighted
so that its gradient norm at step 0 matches the strongest equation's; conditions and a lone
equation keep weight 1, so 23 of the 29 zoo problems are untouched. Measured first at 2
minutes (one thread, beside one other run), against the defaults of stop 27 and two other
rules computed the same way from step 0:

| problem | stop 27 | gradient norms (landed) | 1 / mean square, equations only | 1 / mean square, all terms |
|---|---|---|---|---|
| stokes (held-out): u, p | 4.1e-3, 0.40 | **1.6e-4, 3.8e-2** | 0.21, 1.5 | 7.4e-2, 3.7 |
| darcy_mixed | 4.6e-5 | 2.1e-5 | 7.5e-5 | |
| navier_stokes_kovasznay | 3.8e-6 | 1.1e-5 (a run disturbed by tests) | 1.4e-5 | |
| wave_first_order | 2.1e-5 | 4.0e-5 | | |
| taylor_green (held-out) | 2.4e-4 | 1.9e-4 | | |
| nls_soliton (held-out) | 2.0e-6 | 2.5e-6 | | |
| elasticity (held-out) | 2.7e-6 | 2.9e-6 | | |
| burgers_2d (held-out) | 1.1e-8 | 1.8e-8 | | |

Mean squares at step 0 measure the source terms against an untrained network's tiny
divergence (Stokes: 5.7e3 against 1.1e-3), and weighting by them made Stokes fail at 2
minutes; gradient norms measure how hard each equation pulls on the parameters. The rule
fixes the one failing system (the pressure 10× better) and moves the well-posed ones by at
most 2-3×, both ways, far below 1e-2. At the default 5 minutes all three zoo systems
improved (darcy_mixed 1.2e-5 → 2.8e-6, navier_stokes_kovasznay 9.7e-7 → 2.6e-7,
wave_first_order 5.0e-6 → 4.1e-6; table), and so did Stokes: p 6.9e-2 → 1.9e-3, u 5.5e-4
→ 1.1e-5. The weights are said once at the start (a `weights` notice), written to
metrics.json and kept in the checkpoint, so a resumed run keeps them.

**Old defaults, measured** (column `old`): the code of commit 1a09303, the last before issue
17's work, run on the same files with nothing added (4×64 tanh, float32, Adam 3000 then
L-BFGS 1000 steps, uniform points). Its step counts are fixed, so its time is what those
steps took (most under 3 minutes; the clamped plate 13.5 minutes). That code's reference
solver cannot read allen_cahn's reference, so its cell is the file without the reference
solved by that code, its model evaluated at the reference points of today's code. New is
better than old on every problem.

The poisson_holes figure was checked independently (at an earlier commit): a 120-second
solve of the same file, then the relative L2 error on 50 000 points rejection-sampled in
the domain (not the run's own grid) against the exact solution gave 1.0e-9 (the run's own
report: 1.0e-9). The solution is smooth and the outer Dirichlet data is imposed exactly,
so float64 L-BFGS reaches near machine-level error there.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=list(CONFIGS), default="new")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--table", action="store_true", help="only rewrite docs/zoo.md")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="a checkout whose pinnsolve runs (--config old: one at "
                         f"{CONFIGS['old']})")
    args = ap.parse_args()
    cells = json.loads(JSON.read_text()) if JSON.exists() else {}
    code = args.code.resolve()
    want = CONFIGS[args.config]
    if not args.table and want is not None and not revision(code).startswith(want):
        ap.error(f"--config {args.config} runs the code of commit {want}; give a checkout of it "
                 f"with --code (this one is at {revision(code)})")
    if not args.table:
        names = [n for n in args.only.split(",") if n]
        files = [p for p in sorted(ZOO.glob("*.yaml")) if not names or p.stem in names]
        for path in files:
            cell = solve_one(path, args.config, args.timeout, code)
            cell["date"] = datetime.date.today().isoformat()
            cell["code"] = revision(code)
            cells[f"{args.config}/{path.stem}"] = cell
            print(args.config, path.stem, {k: cell.get(k) for k in
                                           ("status", "l2re", "train_time_s", "steps")},
                  flush=True)
            JSON.write_text(json.dumps(cells, indent=1, sort_keys=True))
    write_doc(cells)


if __name__ == "__main__":
    main()
