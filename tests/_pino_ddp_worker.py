"""Run under torch.distributed.run by tests/test_operator_distributed.py: a full 2-rank
operator solve into <out>/full and one interrupted at step 3 into <out>/cut (the test
resumes it in 1 rank)."""
import sys
from pathlib import Path

import pytest

import pinnsolve

sys.path.insert(0, str(Path(__file__).parent))
from test_operator_distributed import PROBLEM  # noqa: E402

out = Path(sys.argv[1])
pinnsolve.solve(PROBLEM, out=out / "full", fresh=True)


def stop(event, info):
    if event == "log" and info["step"] == 3:
        raise KeyboardInterrupt


with pytest.raises(KeyboardInterrupt):
    pinnsolve.solve(PROBLEM, out=out / "cut", fresh=True, callback=stop)
