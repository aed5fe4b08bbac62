"""Run under torch.distributed.run by tests/test_distributed.py: a full 2-rank solve into
<out>/full and one interrupted at step 10 into <out>/cut (the test resumes it in 1 rank)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _problems import solve_full_and_cut  # noqa: E402
from test_distributed import PROBLEM  # noqa: E402

out = Path(sys.argv[1])
solve_full_and_cut(PROBLEM, out, stop_at=10)
