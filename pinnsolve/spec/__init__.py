"""Problem specification: text → validated Problem (never imports torch)."""
from .load import build_problem, load_problem, parse_yaml, read_yaml, rebuild
from .problem import (Condition, Domain, Equation, Interval, Observations, Parameter, Problem,
                      Reference, Region, Unknown, VectorCoordinate)
from .schema import Settings

__all__ = ["build_problem", "load_problem", "rebuild", "parse_yaml", "read_yaml", "Condition", "Domain", "Equation",
           "Interval", "Observations", "Parameter", "Problem", "Reference", "Region", "Unknown",
           "VectorCoordinate", "Settings"]
