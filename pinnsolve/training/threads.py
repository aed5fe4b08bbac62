"""Torch's thread count chosen by measurement (``training.threads: auto``).

Torch starts one intra-op worker per core it sees. On a shared node, in a CPU-limited
container, or with another process busy on a core, the workers of every small op wait
on a descheduled sibling: a PINN step made of hundreds of small kernels can run many
times slower with two threads than with one (issue 20: one core busy, held-out heat
problem, 11 s with one thread, > 60 s for 100 steps with two). So the count is

1. at most the CPUs this process may actually use (:func:`usable_cpus`: its affinity
   mask and its cgroup's CPU quota, not the machine's core count), and
2. kept above one only when a short timing of real steps says it is faster
   (:func:`choose_threads`): never slower than one thread.
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..cpus import usable_cpus

ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
TINY_RUN = 50   # steps: shorter runs are not worth the timing (about 8 loss evaluations)


def keep_reason(total_steps: int | None) -> str | None:
    """Why ``auto`` keeps torch's current count without timing (None: time it).

    The user's own choice wins: ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` in the
    environment, or ``torch.set_num_threads(1)`` before the call (a count of one is never
    the slow choice). A tiny run would spend more on the timing than it could save."""
    for var in ENV_VARS:
        if os.environ.get(var):
            return f"{var} is set"
    if torch.get_num_threads() == 1:
        return "torch already runs one thread"
    if total_steps is not None and total_steps < TINY_RUN:
        return f"a run of {total_steps} steps"
    return None


@dataclass(frozen=True)
class ThreadChoice:
    """The chosen count and the median step time measured at each candidate (seconds)."""

    threads: int
    timings: dict[int, float]


def choose_threads(step_fn: Callable[[], object], max_threads: int | None = None, *,
                   trials: int = 3, margin: float = 0.9,
                   clock: Callable[[], float] = time.perf_counter,
                   set_threads: Callable[[int], None] = torch.set_num_threads) -> ThreadChoice:
    """Time ``step_fn`` (one training step; these steps count as training) at one thread
    and at ``max_threads`` (default :func:`usable_cpus`), and leave torch at the faster.

    Each candidate runs one untimed warm-up step, then ``trials`` timed ones; the median
    is compared. More threads are kept only when their median is below ``margin`` × the
    one-thread median: timing noise never buys a setting that may be slower.

    Returns:
        The choice (already applied through ``set_threads``).
    """
    top = max(1, usable_cpus() if max_threads is None else max_threads)
    if top == 1:
        set_threads(1)
        return ThreadChoice(1, {})
    timings = {}
    for count in (1, top):
        set_threads(count)
        step_fn()   # warm-up: first-call allocations, thread pool start-up
        times = []
        for _ in range(trials):
            start = clock()
            step_fn()
            times.append(clock() - start)
        timings[count] = statistics.median(times)
    best = top if timings[top] < margin * timings[1] else 1
    set_threads(best)
    return ThreadChoice(best, timings)
