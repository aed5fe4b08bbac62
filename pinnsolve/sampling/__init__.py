"""Collocation samplers, one per region: ``points()``, ``update(residual, step)``, state.

``STRATEGIES`` maps the YAML word of ``sampling.strategy`` to its entry (strategy.py): the
sampler class, its options dataclass and its abilities. A new strategy is its module plus
one line here.
"""
from .adversarial import AdversarialOptions, AdversarialSampler
from .flow import FlowOptions, FlowSampler
from .r3 import R3Options, R3Sampler
from .rad import RADOptions, RADSampler, RAROptions, RARSampler
from .strategy import NoOptions, Strategy
from .uniform import FixedSampler, RegionSampler, UnitCube

STRATEGIES = {
    "uniform": Strategy(RegionSampler),
    "rad": Strategy(RADSampler, RADOptions, adaptive=True),
    "rar": Strategy(RARSampler, RAROptions, adaptive=True),
    "r3": Strategy(R3Sampler, R3Options, adaptive=True, moves_every_step=True, time_gate=True),
    "adversarial": Strategy(AdversarialSampler, AdversarialOptions, adaptive=True),
    "adversarial_flow": Strategy(FlowSampler, FlowOptions, adaptive=True),
}
METHODS = ("uniform", "sobol", "halton", "lhs")

__all__ = ["STRATEGIES", "METHODS", "Strategy", "NoOptions", "AdversarialOptions",
           "AdversarialSampler", "FixedSampler", "FlowOptions", "FlowSampler", "R3Options",
           "R3Sampler", "RADOptions", "RADSampler", "RAROptions", "RARSampler",
           "RegionSampler", "UnitCube"]
