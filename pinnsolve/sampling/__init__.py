"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state."""
from .rad import RADSampler
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {"uniform": RegionSampler, "rad": RADSampler}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "FixedSampler", "RADSampler", "RegionSampler", "UnitCube"]
