"""Thread count by measurement (training/threads.py): CPU discovery and the choice logic,
driven by fake cgroup files and fake clocks (the real timings are in
benchmarks/throughput.py: they depend on the machine's load)."""
from __future__ import annotations

import os

import pytest
import torch

from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem
from pinnsolve.training.threads import choose_threads, usable_cpus


def affinity():
    return len(os.sched_getaffinity(0))


@pytest.mark.parametrize("files, cap", [
    ({"cpu.max": "150000 100000\n"}, 2),                   # v2: 1.5 CPUs -> 2 threads
    ({"cpu.max": "100000 100000\n"}, 1),
    ({"cpu.max": "max 100000\n"}, None),                   # v2 unlimited
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),   # v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu.max": "garbage\n"}, None),                      # unreadable: affinity only
    ({}, None),
])
def test_usable_cpus_reads_affinity_and_cgroup_quota(tmp_path, files, cap):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    want = affinity() if cap is None else max(1, min(affinity(), cap))
    assert usable_cpus(tmp_path) == want


class FakeMachine:
    """A clock that advances by the step time of the current thread count."""

    def __init__(self, step_time):
        self.step_time, self.now, self.threads, self.steps = step_time, 0.0, None, 0

    def set_threads(self, n):
        self.threads = n

    def step(self):
        self.steps += 1
        self.now += self.step_time(self.threads, self.steps)

    def clock(self):
        return self.now


@pytest.mark.parametrize("one, many, want", [
    (1.0, 0.4, 4),      # a free machine: more threads win
    (1.0, 5.9, 1),      # the other core busy (issue 20: step 0 took 5.9 s with two threads)
    (1.0, 0.95, 1),     # within the margin: not worth the risk
])
def test_choose_threads_keeps_the_faster_and_never_a_slower_one(one, many, want):
    m = FakeMachine(lambda n, _: one if n == 1 else many)
    choice = choose_threads(m.step, 4, clock=m.clock, set_threads=m.set_threads)
    assert choice.threads == want and m.threads == want
    assert choice.timings == pytest.approx({1: one, 4: many}, rel=1e-12)   # float clock sums
    assert m.steps == 8     # (1 warm-up + 3 timed) per candidate


def test_choose_threads_ignores_a_slow_first_step_and_skips_timing_on_one_cpu():
    # The warm-up step of each candidate is not timed: a 100 s first step changes nothing.
    m = FakeMachine(lambda n, k: 100.0 if k in (1, 5) else (1.0 if n == 1 else 0.5))
    assert choose_threads(m.step, 2, clock=m.clock, set_threads=m.set_threads).threads == 2
    m = FakeMachine(lambda n, k: 1.0)
    choice = choose_threads(m.step, 1, clock=m.clock, set_threads=m.set_threads)
    assert (choice.threads, m.steps, m.threads) == (1, 0, 1)


def test_training_threads_accepts_auto_and_numbers_only():
    base = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 0"]}
    assert load_problem({**base, "training": {"threads": "auto"}}).settings.training.threads == "auto"
    assert load_problem({**base, "training": {"threads": 2}}).settings.training.threads == 2
    with pytest.raises(SpecError, match="training.threads.*whole number"):
        load_problem({**base, "training": {"threads": "many"}})


def test_auto_threads_in_a_solve_reports_its_choice_and_keeps_the_run_reproducible(
        tmp_path, monkeypatch):
    """``training.threads: auto`` times the real loss at 1 and at the usable CPU count,
    reports the choice, and leaves random streams as they were: the trained model equals
    the one of a run pinned to the chosen count."""
    import copy

    import torch

    import pinnsolve
    from _problems import HEAT_SOFT
    raw = copy.deepcopy(HEAT_SOFT)
    raw.update({"model": {"width": 8, "depth": 2},
                "sampling": {"interior": 64, "boundary": 16, "initial": 16},
                "training": {"dtype": "float64", "threads": "auto",
                             "phases": [{"optimizer": "adam", "steps": 60}]},
                "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]}})
    events = []
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):   # else auto keeps the user's count
        monkeypatch.delenv(var, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        auto = pinnsolve.solve(raw, out=tmp_path / "a",
                               callback=lambda e, r: events.append((e, r)))
    finally:
        torch.set_num_threads(before)
    (notice,) = [r for e, r in events if e == "threads"]
    chosen = notice.data["threads"]
    assert chosen >= 1 and "torch thread(s)" in notice.message
    raw["training"]["threads"] = chosen
    pinned = pinnsolve.solve(raw, out=tmp_path / "b")
    a, b = (torch.load(r.path / "checkpoints" / "last.pt", weights_only=True)["model"]
            for r in (auto, pinned))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_auto_is_the_default_and_keeps_the_users_own_choice(monkeypatch):
    from pinnsolve.training.threads import keep_reason

    base = {"domain": {"x": [0, 1]}, "fields": "u", "equations": "diff(u, x, 2) = 0"}
    assert load_problem(base).settings.training.threads == "auto"
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert keep_reason(None) is None and keep_reason(1000) is None   # timed
        assert keep_reason(10) == "a run of 10 steps"
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        assert keep_reason(None) == "OMP_NUM_THREADS is set"
        monkeypatch.delenv("OMP_NUM_THREADS")
        torch.set_num_threads(1)
        assert keep_reason(None) == "torch already runs one thread"
    finally:
        torch.set_num_threads(before)
