"""Models: coordinates → fields."""
from .build import MODELS, build_model, input_ranges
from .constraints import HardConstrained, plan_constraints
from .mlp import ACTIVATIONS, MLP, Embedding, ModifiedMLP

__all__ = ["MODELS", "ACTIVATIONS", "MLP", "ModifiedMLP", "Embedding", "HardConstrained",
           "build_model", "input_ranges", "plan_constraints"]
