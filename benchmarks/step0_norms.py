"""Each loss term's gradient norm at step 0 (what the plan's balance reads), for problem files.

    .venv/bin/python benchmarks/step0_norms.py benchmarks/heldout/*.yaml > norms.json

For every file: the terms' kinds and gradient norms on the untrained model, and whether
each condition has nonzero data. Each run stops right after the step-0 measurement (no
training, nothing written but a scratch run directory). Used at stop 35 to count the files
a rule lifting conditions would change (docs/zoo.md).
"""
from __future__ import annotations

import json
import sys
import tempfile
import warnings

import torch

import pinnsolve
import pinnsolve.training.pinn as pinn


class _Measured(Exception):
    pass


def main(paths: list[str]) -> None:
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    seen: dict = {}
    measure = pinn.faults.step_zero

    def spy(trainer):
        measured = measure(trainer)
        kinds = {t.name: "point" if t.region.kind == "point" else t.kind
                 for t in trainer.parts.terms}
        seen["norms"] = {k: [kinds.get(k), float(f"{v:.3g}")] for k, v in measured[1].items()}
        raise _Measured

    pinn.faults.step_zero = spy
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            problem = pinnsolve.load_problem(path)
            if problem.operator is not None:
                continue
            nonzero = {c.name: bool(problem.carries_data(c)) for c in problem.conditions}
            seen.clear()
            try:
                pinnsolve.solve(problem, out=f"{tmp}/run", fresh=True,
                                overrides=["training.fallback=false"])
            except _Measured:
                pass
            out[path] = {"norms": seen.get("norms"), "nonzero_data": nonzero}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
