"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state."""
from .adversarial import AdversarialSampler
from .flow import FlowSampler
from .r3 import R3Sampler
from .rad import RADSampler, RARSampler
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {"uniform": RegionSampler, "rad": RADSampler, "rar": RARSampler,
              "r3": R3Sampler, "adversarial": AdversarialSampler,
              "adversarial_flow": FlowSampler}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "AdversarialSampler", "FixedSampler", "FlowSampler", "R3Sampler",
           "RADSampler", "RARSampler", "RegionSampler", "UnitCube"]
