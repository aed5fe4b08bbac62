"""Reference solutions computed by pinnsolve's own classical numerics (no downloads).

Pure numerics on arrays; ``pinnsolve.io.references`` binds them to problem files.
"""
from .allen_cahn import allen_cahn_etdrk4, allen_cahn_levels, evaluate_levels
from .burgers import burgers_cole_hopf

__all__ = ["allen_cahn_etdrk4", "allen_cahn_levels", "burgers_cole_hopf", "evaluate_levels"]
