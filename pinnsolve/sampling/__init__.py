"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state."""
from .adversarial import AdversarialSampler
from .r3 import R3Sampler
from .rad import RADSampler, RARSampler
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {"uniform": RegionSampler, "rad": RADSampler, "rar": RARSampler,
              "r3": R3Sampler, "adversarial": AdversarialSampler}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "AdversarialSampler", "FixedSampler", "R3Sampler",
           "RADSampler", "RARSampler", "RegionSampler", "UnitCube"]
