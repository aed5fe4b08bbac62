"""Problem specification: text → validated Problem (never imports torch)."""
from .files import load_npz, parse_yaml, read_yaml
from .load import build_problem, load_problem, rebuild
from .problem import (Condition, Domain, Equation, Interval, Observations, Parameter, Problem,
                      Reference, Region, Unknown, VectorCoordinate)
from .schema import Settings

__all__ = ["build_problem", "load_problem", "rebuild", "parse_yaml", "read_yaml", "load_npz",
           "Condition", "Domain", "Equation", "Interval", "Observations", "Parameter", "Problem", "Reference", "Region", "Unknown",
           "VectorCoordinate", "Settings"]
