"""Run under torch.distributed.run by tests/test_weights.py: the plan's equation balance in
2 ranks (the step-0 gradient norms are averaged over the ranks) into <out>/run."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pinnsolve  # noqa: E402
from test_weights import STOKES  # noqa: E402

pinnsolve.solve(STOKES, out=Path(sys.argv[1]) / "run", fresh=True)
