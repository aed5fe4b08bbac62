"""Training: the loop, optimizer phases, checkpoints."""
from .phases import OPTIMIZERS, make_optimizer, schedule_factor
from .solve import solve
from .trainer import Trainer

__all__ = ["OPTIMIZERS", "Trainer", "make_optimizer", "schedule_factor", "solve"]
