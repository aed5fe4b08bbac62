"""Training: assemble the parts of a run (parts.py), then one loop (loop.py) with a PINN
(pinn.py) or PINO (operator/) stepper; optimizers, weighting, stages and guards around it."""
from .loop import Loop
from .parts import Parts, assemble
from .phases import OPTIMIZERS, make_optimizer, schedule_factor
from .pinn import PinnStepper
from .progress import Notice, Progress
from .solve import solve

__all__ = ["Loop", "Notice", "OPTIMIZERS", "Parts", "PinnStepper", "Progress", "assemble",
           "make_optimizer", "schedule_factor", "solve"]
