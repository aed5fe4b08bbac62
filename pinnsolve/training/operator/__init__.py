"""PINO training: instances (instances.py), the operator stepper for the shared loop
(stepper.py) and the run-level API: solve, fine-tune, predict, evaluate (run.py)."""
from .run import evaluate_operator, finetune, predict_operator, solve_operator
from .stepper import OperatorStepper, assemble_operator

__all__ = ["OperatorStepper", "assemble_operator", "evaluate_operator", "finetune",
           "predict_operator", "solve_operator"]
