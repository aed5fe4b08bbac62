"""Data-parallel training: 2 gloo ranks on the CPU follow the single-process loss
trajectory for the same global batch (to round-off), draw rank-distinct points, only rank 0
writes, and a 2-rank run resumes in 1; ``--nproc`` launches torch.distributed.run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import pinnsolve
from pinnsolve.spec import load_problem
from pinnsolve.training.pinn import pinn_loop

from _problems import logged_losses, run_two_ranks

PROBLEM = {
    "domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
    "equations": ["laplacian(u) = -2*pi**2*sin(pi*x)*sin(pi*y)"],
    "conditions": [{"where": "boundary", "dirichlet": 0}],
    "model": {"width": 16, "depth": 2, "hard_constraints": False},
    "sampling": {"interior": 2000, "boundary": 800, "resample_every": 0},
    "training": {"dtype": "float64", "log_every": 5, "checkpoint_every": 5,
                 "phases": [{"optimizer": "adam", "steps": 20, "lr": 1e-2}]},
    "output": {"formats": ["npz"], "grid": {"x": 11, "y": 11}},
}
HERE = Path(__file__).parent


def losses(run_dir: Path) -> dict[int, float]:
    return {step: sum(terms.values()) for step, terms in logged_losses(run_dir).items()}


@pytest.mark.slow   # two processes under torch.distributed.run
def test_two_gloo_ranks_match_one_process_and_resume_in_one(tmp_path):
    run_two_ranks(HERE / "_ddp_worker.py", tmp_path)
    two = losses(tmp_path / "full")
    assert sorted(two) == [5, 10, 15, 20] and two[20] < 0.5 * two[5]
    # The same global batch in one process: the union of the ranks' (fixed) points. Same
    # model, same seed, so the trajectories agree to round-off (the all-reduce sums in
    # another order than one process does): relative 1e-9 in float64 after 20 steps.
    state = torch.load(tmp_path / "full" / "checkpoints" / "last.pt", weights_only=True)
    loop = pinn_loop(load_problem(PROBLEM), torch.device("cpu"), torch.float64,
                     lambda event, info: logged.append(info.row()) if event == "log" else None)
    logged: list[dict] = []
    for key, sampler in loop.stepper.samplers.items():
        parts = [r[key] for r in state["rank_samplers"]]
        sampler._points = torch.cat([p["points"] for p in parts])
        if "normals" in parts[0]:
            sampler._normals = torch.cat([p["normals"] for p in parts])
    loop.run(None)
    one = {row["step"]: sum(row["losses"].values()) for row in logged}
    for step in two:
        assert abs(two[step] - one[step]) / one[step] < 1e-9, (step, two[step], one[step])
    # Only rank 0 wrote: one log row per step, outputs once.
    assert (tmp_path / "full" / "fields" / "solution.npz").is_file()
    assert state["world_size"] == 2 and len(state["rank_samplers"]) == 2
    n = [s["interior"]["points"].shape[0] for s in state["rank_samplers"]]
    assert n == [1000, 1000]
    a, b = (s["interior"]["points"] for s in state["rank_samplers"])
    assert not torch.equal(a, b)                      # rank-distinct streams
    # The interrupted 2-rank run resumes in one process from step 10.
    cut = torch.load(tmp_path / "cut" / "checkpoints" / "last.pt", weights_only=True)
    assert cut["step"] == 10 and cut["world_size"] == 2
    resumed = pinnsolve.solve(PROBLEM, out=tmp_path / "cut")
    assert resumed.metrics["steps"] == 20
    after = losses(tmp_path / "cut")
    assert sorted(after) == [5, 10, 15, 20]
    # Resumed on other points (one rank draws afresh), the loss keeps falling from step 10.
    assert after[20] < after[10] and np.isfinite(list(after.values())).all()


def test_each_rank_takes_its_share_and_its_own_seed():
    # The fast part of the two-rank check: how points and seeds are split, without a group.
    from pinnsolve.training.distributed import Distributed

    for world, n in [(2, 2000), (3, 10), (4, 3)]:
        ranks = [Distributed(r, world, r, owns_group=False) for r in range(world)]
        shares = [d.share(n) for d in ranks]
        assert sum(shares) == n and max(shares) - min(shares) <= 1, shares
        assert shares == sorted(shares, reverse=True)      # the first n mod N take one more
        assert len({d.seed(7) for d in ranks}) == world    # rank-distinct streams
    assert Distributed(0, 2, 0, owns_group=False).seed(7) == 7   # rank 0 keeps the seed


def test_nproc_launches_torch_distributed_run(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from pinnsolve import cli
    from pinnsolve.training import distributed

    calls = []
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(distributed.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(PROBLEM))
    result = CliRunner().invoke(cli.app, ["solve", str(path), "training.seed=3", "--nproc", "2",
                                          "--out", str(tmp_path), "--fresh", "--json"])
    assert result.exit_code == 0, result.output
    (cmd,) = calls
    assert cmd[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    assert cmd[5:] == ["-m", "pinnsolve", "solve", str(path), "training.seed=3", "--out",
                       str(tmp_path), "--fresh", "--json"]


def test_more_cuda_ranks_than_gpus_is_a_clear_error_before_launching(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from pinnsolve import cli
    from pinnsolve.training import distributed

    calls = []
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(distributed.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(PROBLEM))
    result = CliRunner().invoke(cli.app, ["solve", str(path), "--nproc", "2", "--device", "cuda"])
    assert result.exit_code != 0 and not calls
    assert "one GPU per rank" in result.output and "--nproc 1" in result.output
    assert "Traceback" not in result.output
    # A broken problem is reported before any process starts, naming the key.
    path.write_text(yaml.safe_dump({**PROBLEM, "fields": 3}))
    result = CliRunner().invoke(cli.app, ["solve", str(path), "--nproc", "2"])
    assert result.exit_code != 0 and not calls and "fields" in result.output
