"""Data-parallel operator (PINO) training: 2 gloo ranks on the CPU follow the
single-process loss trajectory for the same global batch of instances, only rank 0 writes,
a 2-rank run resumes in 1 process on the same trajectory, and a NaN on one rank rolls
both back together."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import pinnsolve
from _problems import logged_losses, run_two_ranks
from test_operator import BURGERS

# 6 training instances, global batch 3: the ranks take 2 and 1 instances (uneven shares).
PROBLEM = copy.deepcopy(BURGERS)
PROBLEM["operator"].update(train=6, batch=3)
HERE = Path(__file__).parent


@pytest.mark.slow   # two processes under torch.distributed.run
def test_two_gloo_ranks_match_one_process_and_resume_in_one(tmp_path):
    run_two_ranks(HERE / "_pino_ddp_worker.py", tmp_path)
    two = logged_losses(tmp_path / "full")
    one_run = pinnsolve.solve(PROBLEM, out=tmp_path / "one", fresh=True)
    one = logged_losses(tmp_path / "one")
    assert sorted(two) == sorted(one) == [1, 2, 3, 4, 5, 6]
    # Same instances, same seed, same global batches: every term's loss agrees to round-off
    # (the share means are reweighted 2/3 and 1/3 and summed by the all-reduce in another
    # order than one process sums them): relative 1e-9 in float64 after 6 Adam steps.
    for step in one:
        assert set(two[step]) == set(one[step]) == {"pde", "ic", "data"}
        for k, v in one[step].items():
            assert abs(two[step][k] - v) <= 1e-9 * abs(v), (step, k, two[step][k], v)
    full = pinnsolve.Run(tmp_path / "full")
    e2, e1 = full.metrics["test"]["l2re"], one_run.metrics["test"]["l2re"]
    np.testing.assert_allclose(e2, e1, rtol=1e-8)
    for name in ("operator.pt", "data.npz", "fields/test.npz", "checkpoints/last.pt"):
        assert (tmp_path / "full" / name).is_file(), name
    with np.load(tmp_path / "full" / "data.npz", allow_pickle=False) as a, \
            np.load(tmp_path / "one" / "data.npz", allow_pickle=False) as b:
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            assert np.array_equal(a[k], b[k]), k
    # The 2-rank run interrupted at step 3 resumes in one process, on the same trajectory
    # (the checkpoint holds the global batch order, nothing per rank).
    cut = torch.load(tmp_path / "cut" / "checkpoints" / "last.pt", weights_only=True)
    assert cut["step"] == 3 and cut["world_size"] == 2
    resumed = pinnsolve.solve(PROBLEM, out=tmp_path / "cut")
    assert resumed.metrics["steps"] == 6
    after = logged_losses(tmp_path / "cut")
    assert sorted(after) == [1, 2, 3, 4, 5, 6]
    for step in (4, 5, 6):
        for k, v in one[step].items():
            assert abs(after[step][k] - v) <= 1e-9 * abs(v), (step, k, after[step][k], v)
    # NaN on rank 1 alone (its 2nd step): both ranks rolled back at the same step and ended
    # with identical weights; the run finished its 6 steps.
    seen = [json.loads((tmp_path / f"nan_rank{r}.json").read_text())["rollbacks"]
            for r in (0, 1)]
    assert seen[0] == seen[1] == [1], seen
    w0, w1 = (torch.load(tmp_path / f"nan_rank{r}.pt", weights_only=True) for r in (0, 1))
    assert all(torch.equal(w0[k], w1[k]) for k in w0)
    assert pinnsolve.Run(tmp_path / "nan").metrics["steps"] == 6
