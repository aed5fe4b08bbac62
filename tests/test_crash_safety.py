"""Crash safety: SIGKILL at random moments, checkpoint corruption, atomic rotation.

The kill test runs tests/_killer.py in a subprocess: real training processes killed with
SIGKILL at random moments (uniform over an uninterrupted run's duration, seeded), each
followed by a resume of the same run directory. Claims checked for every trial: the
directory loads (the checkpoint it resumes from reads back and matches its digest), at most
``checkpoint_every`` steps are lost, and the run finally ends with a model bit-identical to
the uninterrupted run (CPU, one thread, same process image).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import yaml

import pinnsolve
from pinnsolve.errors import RunError
from pinnsolve.io import checkpoint
from pinnsolve.io.run import RunDir

from _problems import HEAT_SOFT

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT_EVERY = 5
KILL_PROBLEM = {
    "name": "killme",
    **HEAT_SOFT,
    "model": {"width": 16, "depth": 2, "hard_constraints": False},
    "sampling": {"interior": 128, "boundary": 32, "initial": 32, "strategy": "r3"},
    "training": {"dtype": "float64", "seed": 7, "log_every": 1,
                 "checkpoint_every": CHECKPOINT_EVERY, "eval_every": 20,
                 "phases": [{"optimizer": "adam", "steps": 60, "lr": 0.01},
                            {"optimizer": "lbfgs", "steps": 20}]},
    "output": {"grid": {"x": 9, "t": 5}, "formats": ["npz"]},
}


def kill_and_resume(tmp_path: Path, kills: int, seed: int) -> dict:
    problem = tmp_path / "killme.yaml"
    problem.write_text(yaml.safe_dump(KILL_PROBLEM, sort_keys=False))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, str(ROOT / "tests" / "_killer.py"), str(problem),
                          str(tmp_path), str(kills), str(seed)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def check_report(report: dict, kills: int) -> dict:
    """Assert the claims for every chain; returns totals for the report."""
    assert report["kills"] == kills
    totals = {"kills": 0, "resumes": 0, "max_lost": 0, "chains": len(report["chains"])}
    for chain in report["chains"]:
        trials = chain["trials"]
        for t in trials[:-1]:
            assert t["exit"] == -9, t                # really SIGKILLed mid-run
        for t in trials:
            assert t["load"] == "ok", t              # the directory always resumes
            assert t["lost"] <= CHECKPOINT_EVERY, t  # at most one checkpoint interval
            totals["max_lost"] = max(totals["max_lost"], t["lost"])
        assert trials[-1]["exit"] == 0, trials[-1]
        totals["kills"] += len(trials) - 1
        totals["resumes"] += len(trials) - 1
        assert chain["killed_step"] == chain["straight_step"] == 80
        assert chain["metrics_steps"] == 80
        assert chain["differing_tensors"] == []      # bit-identical continuation
        steps = chain["log_steps"]
        assert steps == sorted(set(steps))           # no duplicated or reordered log rows
    assert totals["kills"] == kills
    # Kills landed inside training, not only at start-up: some killed child made progress
    # and lost steps.
    killed = [t for c in report["chains"] for t in c["trials"][:-1]]
    assert any(0 < t["reached"] for t in killed) and totals["max_lost"] > 0
    return totals


@pytest.mark.slow   # spawns and kills training processes; fast: test_death_at_every_step_of_a_checkpoint_save
def test_sigkill_at_random_moments_always_resumes(tmp_path):
    report = kill_and_resume(tmp_path, kills=8, seed=2024)
    print("kill-and-resume:", check_report(report, 8))  # figures for docs (pytest -s)


def test_death_at_every_step_of_a_checkpoint_save(tmp_path):
    """A forked process saves checkpoint 10 over checkpoint 5 and dies abruptly (os._exit,
    no cleanup) at its k-th file-system call (write, fsync, link, rename), for every k:
    last.pt is always a complete checkpoint, 5 or 10, and never needs the fallback."""
    names = ("write", "fsync", "link", "replace", "rename", "unlink")
    outcomes = []
    for k in range(60):
        run = RunDir(tmp_path / f"k{k}")
        run.save_checkpoint(_state(5))
        run.save_checkpoint(_state(5))     # previous.pt exists too
        pid = os.fork()
        if pid == 0:
            calls = {"n": 0}

            def dying(fn):
                def wrapper(*a, **kw):
                    if calls["n"] == k:
                        os._exit(17)
                    calls["n"] += 1
                    return fn(*a, **kw)
                return wrapper

            for name in names:
                setattr(os, name, dying(getattr(os, name)))
            run.save_checkpoint(_state(10))
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        with warnings.catch_warnings():
            warnings.simplefilter("error")     # a fallback would warn: none is needed
            step = run.load_checkpoint()["step"]
        outcomes.append((code, step))
        if code == 0:
            break
    assert outcomes[-1] == (0, 10), outcomes          # the save completes eventually
    assert len(outcomes) >= 5                         # and had several points to die at
    assert all(step in (5, 10) for _, step in outcomes)
    assert all(code == 17 for code, _ in outcomes[:-1])


@pytest.mark.slow
def test_sigkill_campaign_long(tmp_path):
    totals = {"kills": 0, "resumes": 0, "max_lost": 0, "chains": 0}
    for seed in range(4):
        (tmp_path / f"s{seed}").mkdir()
        report = kill_and_resume(tmp_path / f"s{seed}", kills=25, seed=seed)
        got = check_report(report, 25)
        totals = {k: max(v, got[k]) if k == "max_lost" else v + got[k]
                  for k, v in totals.items()}
    print("kill-and-resume (slow):", totals)


# -- checkpoint verification ---------------------------------------------------------------
def _state(step: int) -> dict:
    g = torch.Generator().manual_seed(step)
    return {"step": step, "phase": 0, "phase_step": step, "lr_scale": 1.0, "elapsed": 0.0,
            "model": {"w": torch.randn(4, 3, generator=g, dtype=torch.float64)},
            "optimizer": {"state": {0: {"exp_avg": torch.zeros(3)}}, "param_groups": [{"lr": 0.1}]},
            "samplers": {}, "rng": torch.get_rng_state()}


def test_rotation_keeps_previous_and_round_trips(tmp_path):
    run = RunDir(tmp_path)
    run.save_checkpoint(_state(5))
    run.save_checkpoint(_state(10))
    last = checkpoint.decode(run.checkpoint_path)
    prev = checkpoint.decode(run.checkpoint_path.with_name("previous.pt"))
    assert last["step"] == 10 and prev["step"] == 5
    assert torch.equal(last["model"]["w"], _state(10)["model"]["w"])
    assert sorted(p.name for p in run.checkpoint_path.parent.iterdir()) == ["last.pt",
                                                                           "previous.pt"]


@pytest.mark.parametrize("damage", ["truncate", "flip-tensor-byte", "zero-fill", "empty",
                                    "garbage"])
def test_damaged_last_checkpoint_falls_back_with_a_warning(tmp_path, damage):
    run = RunDir(tmp_path)
    run.save_checkpoint(_state(5))
    run.save_checkpoint(_state(10))
    path = run.checkpoint_path
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip-tensor-byte":
        # The tensor payload of "w" is stored uncompressed: flip one of its bytes, which
        # torch.load does not notice; the digest does.
        w = _state(10)["model"]["w"].numpy().tobytes()
        at = bytes(data).find(w)
        assert at > 0
        data[at + 3] ^= 0x40
    elif damage == "zero-fill":
        data = bytearray(len(data))
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(os.urandom(len(data)))
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="cannot read checkpoint") as caught:
        state = run.load_checkpoint()
    assert state["step"] == 5
    assert any("resuming from" in str(w.message) for w in caught)
    if damage == "flip-tensor-byte":
        assert any("digest" in str(w.message) for w in caught)


def test_both_checkpoints_damaged_is_a_clean_error(tmp_path):
    run = RunDir(tmp_path)
    run.save_checkpoint(_state(5))
    run.save_checkpoint(_state(10))
    for name in ("last.pt", "previous.pt"):
        (run.checkpoint_path.parent / name).write_bytes(b"PK\x03\x04broken")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RunError, match="no readable checkpoint"):
            run.load_checkpoint()


def test_last_missing_resumes_from_previous(tmp_path):
    run = RunDir(tmp_path)
    run.save_checkpoint(_state(5))
    run.save_checkpoint(_state(10))
    run.checkpoint_path.unlink()
    with pytest.warns(UserWarning, match="resuming from"):
        assert run.load_checkpoint()["step"] == 5


def test_checkpoint_of_another_model_is_a_clean_error(tmp_path):
    """Resuming a directory after the model changed: RunError naming --fresh, no traceback."""
    small = dict(KILL_PROBLEM, training=dict(KILL_PROBLEM["training"], phases=[
        {"optimizer": "adam", "steps": 3}]), output={"formats": ["npz"], "grid": {"x": 3, "t": 2}})
    pinnsolve.solve(small, out=tmp_path / "r")
    wider = dict(small, model=dict(small["model"], width=8))
    with pytest.raises(RunError, match="(?s)different problem.*--fresh"):
        pinnsolve.solve(wider, out=tmp_path / "r")
    # A checkpoint without a problem digest (written before digests existed) whose network
    # no longer fits still gets the located error of the loader.
    state = torch.load(tmp_path / "r" / "checkpoints" / "last.pt", weights_only=True)
    state.pop("meaning")
    state.pop("digest")
    from pinnsolve.io import checkpoint
    (tmp_path / "r" / "checkpoints" / "last.pt").write_bytes(checkpoint.encode(state))
    (tmp_path / "r" / "checkpoints" / "previous.pt").unlink(missing_ok=True)
    with pytest.warns(UserWarning, match="predates problem digests"):
        with pytest.raises(RunError, match="(?s)does not fit this problem.*--fresh"):
            pinnsolve.solve(wider, out=tmp_path / "r")


def test_digest_covers_every_part_of_the_state():
    base = _state(3)
    ref = checkpoint.digest(base)
    assert ref == checkpoint.digest(_state(3))
    changed = [dict(base, step=4), dict(base, lr_scale=0.5),
               dict(base, model={"w": base["model"]["w"].clone().mul_(1 + 1e-16 * 4)}),
               dict(base, rng=torch.zeros_like(base["rng"])),
               dict(base, optimizer={"state": {0: {"exp_avg": torch.ones(3)}},
                                     "param_groups": [{"lr": 0.1}]})]
    assert changed[2]["model"]["w"].ne(base["model"]["w"]).any()
    for c in changed:
        assert checkpoint.digest(c) != ref


def test_cli_resume_shows_the_fallback_warning(tmp_path):
    """A damaged last.pt: `pinnsolve solve` warns, resumes from previous.pt and finishes."""
    from typer.testing import CliRunner

    from pinnsolve.cli import app

    small = dict(KILL_PROBLEM, training=dict(KILL_PROBLEM["training"], log_every=1,
                                              checkpoint_every=2,
                                              phases=[{"optimizer": "adam", "steps": 4}]))
    path = tmp_path / "p.json"
    path.write_text(json.dumps(small))
    pinnsolve.solve(small, out=tmp_path / "r")
    last = tmp_path / "r" / "checkpoints" / "last.pt"
    last.write_bytes(last.read_bytes()[:100])
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "resuming from" in res.output
    assert "Traceback" not in res.output


@pytest.mark.slow   # two L-BFGS runs
def test_lbfgs_chunks_end_on_checkpoints_without_changing_the_iterates(tmp_path):
    """Found by the kill test: one L-BFGS chunk (20 iterations) crossed several checkpoint
    steps, so a kill could lose 20 > checkpoint_every steps. Chunks now end on checkpoint
    steps; the iterates are bit-identical to unsplit chunks."""
    a = json.loads(json.dumps(KILL_PROBLEM))
    a["training"]["phases"][0]["steps"] = 60   # (as in the kill test)
    a["training"]["log_every"] = 100
    a["output"]["formats"] = []
    b = json.loads(json.dumps(a))
    a["training"]["checkpoint_every"] = 1000
    b["training"]["checkpoint_every"] = 3
    saved = []
    original = RunDir.save_checkpoint

    def spy(self, state):
        saved.append(state["step"])
        return original(self, state)

    pinnsolve.solve(a, out=tmp_path / "a")
    RunDir.save_checkpoint = spy
    try:
        pinnsolve.solve(b, out=tmp_path / "b")
    finally:
        RunDir.save_checkpoint = original
    lbfgs = [s for s in saved if s > 60]
    assert lbfgs and all(y - x <= 3 for x, y in zip([60] + lbfgs, lbfgs)), saved
    sa, sb = (torch.load(tmp_path / r / "checkpoints" / "last.pt", weights_only=True)["model"]
              for r in "ab")
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_kill_before_the_first_checkpoint_leaves_no_duplicate_log_rows(tmp_path):
    """Found by the long kill campaign: a child killed after logging steps 1-4 but before
    the checkpoint at step 5 left those rows; the next run (from scratch) appended 1, 2, ...
    again."""
    small = json.loads(json.dumps(KILL_PROBLEM))
    small["training"]["phases"] = [{"optimizer": "adam", "steps": 8}]
    small["output"]["formats"] = []
    out = tmp_path / "r"
    out.mkdir()
    (out / "metrics.jsonl").write_text("".join(json.dumps({"step": s}) + "\n"
                                               for s in (1, 2, 3, 4)) + '{"step": 5, "lo')
    pinnsolve.solve(small, out=out)
    steps = [r["step"] for r in RunDir(out).read_log()]
    assert steps == list(range(1, 9))
