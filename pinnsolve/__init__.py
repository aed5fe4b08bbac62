"""pinnsolve: physics-informed PDE solving from symbolic problem files.

The whole public API::

    problem  = pinnsolve.load_problem("problems/burgers.yaml", ["training.dtype=float64"])
    compiled = pinnsolve.compile_problem(problem)          # residuals(model, points)
    run      = pinnsolve.solve(problem, out="runs/burgers")
    run.metrics, run.predict(points), run.export(formats=["vtu"])
    run      = pinnsolve.open_run("runs/burgers")

Operator (PINO) runs, made by ``solve`` of a problem with an ``operator:`` section::

    pinnsolve.predict("runs/bo", inputs)            # new input functions → solution files
    pinnsolve.evaluate("runs/bo", grid={"x": 128})  # test error on another grid
    pinnsolve.finetune("runs/bo", instance=3)       # one instance, physics loss only
"""
from ._version import __version__
from .compiler import CompiledProblem, compile_problem
from .errors import PinnsolveError
from .io.run import Run, open_run
from .spec import Problem, load_problem
from .training import solve
from .training.operator import evaluate_operator as evaluate
from .training.operator import finetune
from .training.operator import predict_operator as predict


def export(run, formats=None, grid=None, mesh=None):
    """Re-export a run directory's fields; returns the paths written."""
    return open_run(run).export(formats=formats, grid=grid, mesh=mesh)


__all__ = ["load_problem", "compile_problem", "solve", "export", "open_run", "predict",
           "evaluate", "finetune", "Problem",
           "CompiledProblem", "Run", "PinnsolveError", "__version__"]
