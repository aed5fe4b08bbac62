"""Command line: parse arguments → one library call → render. Only here and in _render.py
does anything print or set an exit code."""
from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import CompileError, PinnsolveError, RunError, SolveError, SpecError

# Exit codes, one per kind of failure, so that scripts can tell a bad problem file (fix the
# file) from a training failure (change settings) from a damaged run directory.
EXIT_CODES = {SpecError: 2, CompileError: 2, SolveError: 3, RunError: 4}
EXIT_OTHER = 1         # any other PinnsolveError
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it

# One line per paragraph: typer's rich help keeps line breaks as written.
HELP = ("pinnsolve: physics-informed PDE solver driven by symbolic problem files.\n\n"
        "Exit codes: 0 success; 2 bad problem file, override or option (the message names "
        "the file and key); 3 training failed; 4 run directory missing, damaged or unusable; "
        "130 interrupted (a checkpoint was saved: run again to resume); 1 any other error.\n\n"
        "Output: a live table in a terminal; plain timestamped progress lines when stdout is "
        "not a terminal; one JSON object per line with --json. Warnings and errors go to "
        "stderr (with --json, everything is a JSON line on stdout).")

app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP)
console = Console(stderr=False)
err_console = Console(stderr=True)


def exit_code(exc: BaseException) -> int:
    """The documented exit code for a pinnsolve error (see HELP)."""
    return next((code for cls, code in EXIT_CODES.items() if isinstance(exc, cls)), EXIT_OTHER)


def _fail(exc: BaseException, json_lines: bool = False) -> None:
    from ._render import error_event, error_panel

    code = exit_code(exc)
    if json_lines:
        print(json.dumps({**error_event(exc), "exit_code": code}), flush=True)
    else:
        err_console.print(error_panel(str(exc)))
    raise typer.Exit(code)


PACKAGE = str(Path(__file__).resolve().parent)


@contextlib.contextmanager
def _show_warnings(json_lines: bool):
    """Route Python warnings (problem-file lint, fallbacks) to stderr, or to JSON lines on
    stdout with --json, as they happen; never to stdout among the results."""
    from rich.markup import escape

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)) \
                and not str(filename).startswith(PACKAGE):
            return   # a library's notice to its own callers (torch.compile's internals)
        if json_lines:
            print(json.dumps({"event": "warning", "message": str(message)}), flush=True)
        else:
            err_console.print(f"[yellow]warning:[/] {escape(str(message))}")

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        yield


def _version(value: bool) -> None:
    if value:
        console.print(f"pinnsolve {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


_root.__doc__ = HELP


@app.command()
def check(problem: Path = typer.Argument(..., help="Problem file (YAML)."),
          overrides: Optional[List[str]] = typer.Argument(None, help="key.path=value overrides."),
          json_lines: bool = typer.Option(False, "--json", help="The parsed problem as one "
                                          "JSON line (or an error line)."),
          ) -> None:
    """Validate a problem file and show the parsed problem, derivative requests and which
    conditions the model imposes exactly."""
    from ._render import check_event, problem_summary
    from .compiler import compile_problem
    from .geometry.checks import check_files
    from .spec import load_problem
    from .training.limits import check as check_limits

    with _show_warnings(json_lines):
        try:
            prob = load_problem(problem, overrides or ())
            compiled = compile_problem(prob)
            check_limits(prob, memory=False)
            check_files(prob)
        except PinnsolveError as exc:
            _fail(exc, json_lines)
    notes: list[str] = []
    imposed: set[str] = set()
    if prob.operator is None:
        # the model as the run builds it: what is imposed, and the planned scales and
        # activation with their values
        from .models import build_model
        try:
            _, imposed, notes = build_model(prob, seed=prob.settings.training.seed)
        except PinnsolveError as exc:
            _fail(exc, json_lines)
        if (one_way := compiled.one_way_note()) is not None:
            notes = notes + [one_way]
    if json_lines:
        print(json.dumps({**check_event(prob, compiled), "notes": list(notes)}), flush=True)
        return
    console.print(problem_summary(prob, compiled))
    if prob.operator is None:
        if prob.settings.model.hard_constraints:
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
        from .training.distributed import check_ranks, launch
        from .training.parts import resolve_device

        try:   # the problem's errors and a rank count the GPUs cannot hold, before launching
            prob = load_problem(problem, opts + ([f"training.device={device}"] if device else []))
            check_ranks(nproc, resolve_device(prob.settings.training.device))
        except PinnsolveError as exc:
            _fail(exc, json_lines)

        args = ["solve", str(problem), *opts] + (["--out", str(out)] if out else []) + \
            (["--fresh"] if fresh else []) + (["--device", device] if device else []) + \
            (["--quiet"] if quiet else []) + (["--json"] if json_lines else [])
        raise typer.Exit(launch(nproc, args))
    if device:
        opts.append(f"training.device={device}")
    main_rank = os.environ.get("RANK", "0") == "0"   # under torchrun only rank 0 reports
    view = ProgressView(console, err_console, json_lines=json_lines and main_rank,
                        quiet=quiet or not main_rank)
    with _show_warnings(json_lines):
        try:
            prob = load_problem(problem, opts)
            run = run_solve(prob, out=out, fresh=fresh, callback=view)
        except PinnsolveError as exc:
            view("end", {})
            _fail(exc, json_lines)
        except KeyboardInterrupt:  # the trainer already saved a checkpoint
            view("end", {})
            message = "interrupted; checkpoint saved, run again to resume"
            if json_lines:
                print(json.dumps({"event": "interrupted", "message": message,
                                  "exit_code": EXIT_INTERRUPTED}), flush=True)
            else:
                err_console.print(f"[yellow]{message}[/yellow]")
            raise typer.Exit(EXIT_INTERRUPTED)
    if main_rank:
        _print_result(run, json_lines)


def _print_result(run, json_lines: bool) -> None:
    if json_lines:
        print(json.dumps({"event": "result", "run": str(run.path), "metrics": run.metrics}))
        return
    from ._render import result_lines

    m = run.metrics
    console.print(f"[bold green]done[/] in {m.get('train_time_s', 0):.1f} s, "
                  f"{m.get('steps', 0)} steps → {run.path}")
    for line in result_lines(m):
        console.print(line)


@app.command()
def export(run: Path = typer.Argument(..., help="Run directory."),
           vtk: bool = typer.Option(False, "--vtk", help="VTU: solution.vtu (steady) or "
                                    "solution.pvd + one .vtu per time (time-dependent)."),
           xdmf: bool = typer.Option(False, "--xdmf", help="XDMF+HDF5 (a time series when "
                                     "time-dependent)."),
           npz: bool = typer.Option(False, "--npz", help="NumPy arrays."),
           png: bool = typer.Option(False, "--png", help="Plots."),
           grid: Optional[str] = typer.Option(None, "--grid", help="Grid sizes, e.g. x=256,t=101."),
           mesh: Optional[Path] = typer.Option(None, "--mesh", help="Evaluate on this mesh file."),
           max_grid_points: Optional[int] = typer.Option(
               None, "--max-grid-points", min=1, help="Cap on the grid's points (default: the "
               "run's limits.max_grid_points)."),
           ) -> None:
    """Re-export fields from a run directory."""
    import signal

    from .io.fields import check_grid
    from .io.run import open_run

    formats = [f for f, on in (("vtu", vtk), ("xdmf", xdmf), ("npz", npz), ("png", png)) if on]

    def terminate(signum, frame):   # SIGTERM unwinds like Ctrl-C: temp files are removed
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        # A damaged checkpoint's notice is printed as solve prints it, not as a
        # Python warning line.
        with _show_warnings(False):
            sizes = _grid_option(grid)
            if png:
                from .io.plots import require_matplotlib

                require_matplotlib()
            r = open_run(run)
            if sizes:   # named after the option here; Run.export checks again for Python calls
                check_grid(r.problem, sizes, file="<command line>", key="--grid",
                           max_points=max_grid_points)
            paths = r.export(formats=formats or None, grid=sizes, mesh=mesh,
                             max_grid_points=max_grid_points)
    except PinnsolveError as exc:
        _fail(exc)
    finally:
        signal.signal(signal.SIGTERM, previous)
    for p in paths:
        console.print(f"wrote {p}")
    if not paths:
        console.print("nothing written: a problem with a vector coordinate or more than 3 "
                      "spatial coordinates has no grid for --vtk/--xdmf; ask for --npz or "
                      "--png")


def _grid_option(text: Optional[str]) -> dict[str, int] | None:
    from .errors import SpecError

    if not text:
        return None
    sizes = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 2:
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
    from .training.operator import evaluate_operator, predict_operator

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
    from .training.operator import finetune as run_finetune

    view = ProgressView(console, err_console, quiet=quiet)
    try:
        m = run_finetune(run, instance, steps=steps, lr=lr, out=out, fresh=fresh, callback=view)
    except PinnsolveError as exc:
        view("end", {})
        _fail(exc)
    if "l2re_after" in m:
        console.print(f"instance {instance}: rel. L2 {m['l2re_before']:.3e} → {m['l2re_after']:.3e} "
                      f"in {m['steps']} steps ({m['train_time_s']:.1f} s)")


@app.command()
def show(run: Path = typer.Argument(..., help="Run directory."),
         json_lines: bool = typer.Option(False, "--json", help="The metrics as one JSON line "
                                         "(or an error line)."),
         ) -> None:
    """Show the metrics of a run directory and its state (done, interrupted at step N of M,
    never trained). Read-only: it works while a solve holds the run."""
    from ._render import run_summary
    from .io.run import open_run

    try:
        r = open_run(run)
        summary = run_summary(r.path, r.metrics, r.progress())
    except PinnsolveError as exc:
        _fail(exc, json_lines)
    if json_lines:
        _print_result(r, json_lines)
        return
    console.print(summary)


@app.command()
def settings(section: Optional[str] = typer.Argument(
        None, help="A section such as training, training.phases[] or sampling (all when "
                   "omitted).")) -> None:
    """Print the settings reference: every key, its default, range or allowed words, and
    meaning (the same text as docs/settings.md)."""
    from .spec.settings_doc import markdown, section_names

    try:
        text = markdown(section)
    except KeyError:
        _fail(SpecError(f"no settings section '{section}'; sections are: "
                        f"{', '.join(section_names())}", file="<command line>", key="SECTION"))
    print(text, end="")   # plain Markdown: the page itself, pipeable


def main() -> None:
    """Console-script entry point."""
    app()
