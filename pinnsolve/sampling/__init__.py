"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state."""
from .r3 import R3Sampler
from .rad import RADSampler
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {"uniform": RegionSampler, "rad": RADSampler, "r3": R3Sampler}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "FixedSampler", "R3Sampler", "RADSampler", "RegionSampler", "UnitCube"]
