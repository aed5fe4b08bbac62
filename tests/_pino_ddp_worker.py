"""Run under torch.distributed.run by tests/test_operator_distributed.py: a full 2-rank
operator solve into <out>/full, one interrupted at step 3 into <out>/cut (the test resumes
it in 1 rank), and one whose loss turns NaN on rank 1 only into <out>/nan."""
import sys
from pathlib import Path

import pinnsolve

sys.path.insert(0, str(Path(__file__).parent))
from _problems import solve_full_and_cut  # noqa: E402
from test_operator_distributed import PROBLEM  # noqa: E402

out = Path(sys.argv[1])
solve_full_and_cut(PROBLEM, out, stop_at=3)


# NaN on rank 1 only (its 2nd batch): the averaged loss is NaN on both ranks, so both roll
# back at the same step and end with the same parameters. Each rank records what it saw.
import json  # noqa: E402
import os  # noqa: E402

import torch  # noqa: E402

from pinnsolve.training.loop import Loop  # noqa: E402
from pinnsolve.training.operator import stepper as op_mod  # noqa: E402

rank = int(os.environ["RANK"])
real = op_mod.OperatorStepper.losses
calls = {"n": 0}


def flaky(self, idx):
    calls["n"] += 1
    total, parts = real(self, idx)
    if rank == 1 and calls["n"] == 2:
        return total * float("nan"), {**parts, "pde": parts["pde"] * float("nan")}
    return total, parts


real_run = Loop.run
trained = {}


def train(self, run):
    real_run(self, run)
    trained["model"] = self.stepper.model


op_mod.OperatorStepper.losses, Loop.run = flaky, train
events = []
pinnsolve.solve(PROBLEM, out=out / "nan", fresh=True,
                callback=lambda e, i: events.append(i.step) if e == "rollback" else None)
(out / f"nan_rank{rank}.json").write_text(json.dumps({"rollbacks": events}))
torch.save({k: v.detach().clone() for k, v in trained["model"].state_dict().items()},
           out / f"nan_rank{rank}.pt")
