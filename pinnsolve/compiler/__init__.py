"""Problem → CompiledProblem: SymPy residuals lowered to torch programs."""
from .lower import Env, Program
from .residual import CompiledProblem, Term, compile_problem

__all__ = ["CompiledProblem", "Env", "Program", "Term", "compile_problem"]
