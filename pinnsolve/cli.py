"""Command line: parse arguments → one library call → render. Only here and in _render.py
does anything print or set an exit code."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import PinnsolveError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="pinnsolve: physics-informed PDE solver driven by symbolic problem files.")
console = Console(stderr=False)
err_console = Console(stderr=True)


def _fail(exc: BaseException, code: int = 2) -> None:
    from ._render import error_panel

    err_console.print(error_panel(str(exc)))
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        console.print(f"pinnsolve {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """pinnsolve: physics-informed PDE solver driven by symbolic problem files."""


@app.command()
def check(problem: Path = typer.Argument(..., help="Problem file (YAML)."),
          overrides: Optional[List[str]] = typer.Argument(None, help="key.path=value overrides.")
          ) -> None:
    """Validate a problem file and show the parsed problem and derivative requests."""
    from ._render import problem_summary
    from .compiler import compile_problem
    from .spec import load_problem
    from .training.limits import check as check_limits

    try:
        prob = load_problem(problem, overrides or ())
        compiled = compile_problem(prob)
        check_limits(prob, memory=False)
    except PinnsolveError as exc:
        _fail(exc)
    console.print(problem_summary(prob, compiled))
    if prob.operator is None and prob.settings.model.hard_constraints:
        from .models.constraints import plan_constraints
        try:
            _, imposed, notes = plan_constraints(prob)
        except PinnsolveError as exc:
            _fail(exc)
        console.print("imposed exactly: " + (", ".join(sorted(imposed)) or "none"),
                      markup=False)
        for note in notes:
            console.print(f"note: {note}", markup=False)
    console.print("[green]ok[/green]")


@app.command()
def solve(problem: Path = typer.Argument(..., help="Problem file (YAML)."),
          overrides: Optional[List[str]] = typer.Argument(
              None, help="Dotted overrides, e.g. training.phases.0.steps=2000."),
          out: Optional[Path] = typer.Option(None, "--out", "-o",
                                             help="Run directory (default runs/<problem name>)."),
          fresh: bool = typer.Option(False, "--fresh", help="Start over even if the run "
                                     "directory holds a checkpoint."),
          device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="No live table."),
          json_lines: bool = typer.Option(False, "--json", help="Progress as JSON lines."),
          nproc: int = typer.Option(1, "--nproc", min=1, help="Train on N local ranks "
                                    "(runs torch.distributed.run; gloo on CPU, NCCL on CUDA)."),
          ) -> None:
    """Train a PINN for a problem, write fields, plots and metrics. Resumes a run directory."""
    import os

    from ._render import ProgressView
    from .spec import load_problem
    from .training.solve import solve as run_solve

    opts = list(overrides or ())
    if nproc > 1 and "WORLD_SIZE" not in os.environ:
        from .training.distributed import launch

        args = ["solve", str(problem), *opts] + (["--out", str(out)] if out else []) + \
            (["--fresh"] if fresh else []) + (["--device", device] if device else []) + \
            (["--quiet"] if quiet else []) + (["--json"] if json_lines else [])
        raise typer.Exit(launch(nproc, args))
    if device:
        opts.append(f"training.device={device}")
    main_rank = os.environ.get("RANK", "0") == "0"   # under torchrun only rank 0 reports
    view = ProgressView(console, json_lines=json_lines and main_rank, quiet=quiet or not main_rank)
    try:
        prob = load_problem(problem, opts)
        run = run_solve(prob, out=out, fresh=fresh, callback=view)
    except PinnsolveError as exc:
        view("end", {})
        _fail(exc)
    except KeyboardInterrupt:  # the trainer already saved a checkpoint
        view("end", {})
        err_console.print("[yellow]interrupted; checkpoint saved, run again to resume[/yellow]")
        raise typer.Exit(130)
    if main_rank:
        _print_result(run, json_lines)


def _print_result(run, json_lines: bool) -> None:
    import json

    if json_lines:
        print(json.dumps({"event": "result", "run": str(run.path), "metrics": run.metrics}))
        return
    m = run.metrics
    console.print(f"[bold green]done[/] in {m.get('train_time_s', 0):.1f} s, "
                  f"{m.get('steps', 0)} steps → {run.path}")
    if m.get("test"):   # operator runs: errors over the held-out instances
        console.print(f"  test instances: rel. L2 mean {m['test']['l2re_mean']:.3e}, worst "
                      f"{m['test']['l2re_worst']:.3e}")
    for field, err in m.get("errors", {}).items():
        console.print(f"  {field}: L2 rel. error {err['l2re']:.3e}, max abs {err['max_abs']:.3e}")
    for name, value in m.get("unknowns", {}).items():
        console.print(f"  unknown {name} = {value:.6g}")
    for path in m.get("files", []):
        console.print(f"  wrote {path}")


@app.command()
def export(run: Path = typer.Argument(..., help="Run directory."),
           vtk: bool = typer.Option(False, "--vtk", help="VTU (steady) file."),
           xdmf: bool = typer.Option(False, "--xdmf", help="XDMF+HDF5 time series."),
           npz: bool = typer.Option(False, "--npz", help="NumPy arrays."),
           png: bool = typer.Option(False, "--png", help="Plots."),
           grid: Optional[str] = typer.Option(None, "--grid", help="Grid sizes, e.g. x=256,t=101."),
           mesh: Optional[Path] = typer.Option(None, "--mesh", help="Evaluate on this mesh file."),
           ) -> None:
    """Re-export fields from a run directory."""
    from .io.run import open_run

    formats = [f for f, on in (("vtu", vtk), ("xdmf", xdmf), ("npz", npz), ("png", png)) if on]
    try:
        sizes = _grid_option(grid)
        paths = open_run(run).export(formats=formats or None, grid=sizes, mesh=mesh)
    except PinnsolveError as exc:
        _fail(exc)
    for p in paths:
        console.print(f"wrote {p}")
    if not paths:
        console.print("nothing written (a vector coordinate has no grid for VTU/XDMF: ask for "
                      "--npz or --png; PNG needs matplotlib)")


def _grid_option(text: Optional[str]) -> dict[str, int] | None:
    from .errors import SpecError

    if not text:
        return None
    sizes = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if not value.strip().isdigit() or int(value) < 2:
            raise SpecError(f"--grid expects name=count pairs (count ≥ 2), got '{part}'",
                            file="<command line>", key="--grid")
        sizes[name.strip()] = int(value)
    return sizes


@app.command()
def predict(run: Path = typer.Argument(..., help="Operator run directory."),
            input: Optional[Path] = typer.Option(None, "--input", "-i", help="NPZ holding the "
                                                 "input function on a grid (array named after it)."),
            grid: Optional[str] = typer.Option(None, "--grid", help="Grid sizes, e.g. t=65 "
                                               "(without --input: evaluate the test set there)."),
            out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output directory."),
            ) -> None:
    """Apply a trained neural operator to a new input function (or, without --input,
    measure its test error on another grid: zero-shot super-resolution)."""
    from .training.operator_run import evaluate_operator, predict_operator

    try:
        sizes = _grid_option(grid)
        if input is None:
            result = evaluate_operator(run, sizes)
            console.print(f"test set on grid {result['grid']}: rel. L2 mean "
                          f"{result['l2re_mean']:.3e}, worst {result['l2re_worst']:.3e}")
            return
        result = predict_operator(run, input, grid=sizes, out=out)
    except PinnsolveError as exc:
        _fail(exc)
    console.print(f"predicted {result['prediction'].shape[0]} instance(s) on grid {result['grid']}")
    for p in result["files"]:
        console.print(f"  wrote {p}")


@app.command()
def finetune(run: Path = typer.Argument(..., help="Operator run directory."),
             instance: int = typer.Option(0, "--instance", help="Test instance to solve."),
             steps: int = typer.Option(500, "--steps", help="Adam steps."),
             lr: float = typer.Option(1e-3, "--lr", help="Learning rate (cosine schedule)."),
             out: Optional[Path] = typer.Option(None, "--out", "-o",
                                                help="Run directory (default RUN/finetune/instance_N)."),
             fresh: bool = typer.Option(False, "--fresh", help="Start over."),
             quiet: bool = typer.Option(False, "--quiet", "-q", help="No live table."),
             ) -> None:
    """Fine-tune a trained operator on one test instance with the physics loss alone."""
    from ._render import ProgressView
    from .training.operator_run import finetune as run_finetune

    view = ProgressView(console, quiet=quiet)
    try:
        m = run_finetune(run, instance, steps=steps, lr=lr, out=out, fresh=fresh, callback=view)
    except PinnsolveError as exc:
        view("end", {})
        _fail(exc)
    if "l2re_after" in m:
        console.print(f"instance {instance}: rel. L2 {m['l2re_before']:.3e} → {m['l2re_after']:.3e} "
                      f"in {m['steps']} steps ({m['train_time_s']:.1f} s)")


@app.command()
def show(run: Path = typer.Argument(..., help="Run directory.")) -> None:
    """Show the metrics of a run directory."""
    from .io.run import open_run

    try:
        r = open_run(run)
    except PinnsolveError as exc:
        _fail(exc)
    _print_result(r, False)


def main() -> None:
    """Console-script entry point."""
    app()
