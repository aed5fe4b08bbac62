"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state."""
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {"uniform": RegionSampler}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "FixedSampler", "RegionSampler", "UnitCube"]
