"""Data-parallel training over torch.distributed (gloo on CPU, NCCL on CUDA).

Started by ``torchrun --nproc-per-node N -m pinnsolve solve p.yaml`` (or ``pinnsolve solve
p.yaml --nproc N``, which runs torch.distributed.run), every rank builds the same model from
the same seed and samples its own share n/N of every region's collocation points from a
rank-distinct seed (adaptive samplers included: each moves its own points by its own
residuals). After each backward pass the ranks average their gradients and losses in one
all-reduce, so every rank takes the same optimizer step, and the update is that of one
process holding all N shares: the loss is a mean over points, and the mean of equal-sized
shares' means is the mean of their union.

This is DistributedDataParallel's algorithm (gradient all-reduce after backward) done
explicitly: torch's ``DistributedDataParallel`` wrapper expects one forward and one backward
per step and marks each parameter's gradient ready once, while a PINN loss runs the model
several times per step (one batch per region) and differentiates the inputs' graph again
(``create_graph`` for second derivatives), and Taylor-mode engines call ``model.jet``,
which the wrapper does not forward. One flat all-reduce per step also avoids the
wrapper's bucket bookkeeping for these small networks.

Only rank 0 writes the run directory; checkpoints hold every rank's sampler state
(gathered), and a run resumes on any number of ranks: with the same number each rank gets
its own points back, with a different number the model, optimizer, step and phase carry
over and the collocation points are drawn afresh.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

from ..errors import SolveError

RANK_SEED_STRIDE = 1_000_003   # seeds of rank r: base + r * stride (streams never overlap)


class Distributed:
    """This process's place in the group and the few collectives training needs."""

    def __init__(self, rank: int, world: int, local_rank: int, owns_group: bool):
        self.rank, self.world, self.local_rank = rank, world, local_rank
        self.owns_group = owns_group

    @classmethod
    def from_env(cls, device: torch.device) -> "Distributed | None":
        """Join the group torchrun describes (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR...),
        or None in a single process."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return None
        owns = not dist.is_initialized()
        if owns:
            # Joined once per process and kept: a later solve() in the same process reuses
            # the group (re-joining torchrun's rendezvous store after a destroy can hang).
            backend = "nccl" if device.type == "cuda" else "gloo"
            if device.type == "cuda":
                check_ranks(int(os.environ.get("LOCAL_WORLD_SIZE", world)), device)   # NCCL maps ranks to GPUs by the current device
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
            dist.init_process_group(backend, timeout=timedelta(minutes=10))
            atexit.register(_leave)
        return cls(dist.get_rank(), dist.get_world_size(),
                   int(os.environ.get("LOCAL_RANK", "0")), owns)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, device: torch.device) -> torch.device:
        """One GPU per local rank on CUDA; the CPU stays the CPU."""
        if device.type != "cuda":
            return device
        torch.cuda.set_device(self.local_rank)
        return torch.device("cuda", self.local_rank)

    def share(self, n: int) -> int:
        """This rank's part of n points (the first n mod N ranks take one more)."""
        return n // self.world + (1 if self.rank < n % self.world else 0)

    def seed(self, seed: int) -> int:
        return seed + self.rank * RANK_SEED_STRIDE

    def average(self, params: list[torch.Tensor], loss: torch.Tensor) -> torch.Tensor:
        """Average the gradients of ``params`` (in place) and ``loss`` over the ranks, in one
        all-reduce. Returns the mean loss. A non-finite value anywhere reaches every rank,
        so all of them roll back together."""
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads] + [loss.detach().reshape(1).to(grads[0])])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for p, g in zip(params, grads):
            k = g.numel()
            p.grad = flat[offset:offset + k].view_as(p).clone()
            offset += k
        return flat[-1]

    def mean_values(self, values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Means over the ranks of named scalars (same names on every rank)."""
        if not values:
            return {}
        names = sorted(values)
        flat = torch.stack([values[k].detach().to(torch.float64).reshape(()) for k in names])
        dist.all_reduce(flat)
        return dict(zip(names, flat / self.world))

    def broadcast(self, params: list[torch.Tensor]) -> None:
        """Rank 0's parameters everywhere (they agree by seed; this makes it certain)."""
        for p in params:
            dist.broadcast(p.data, 0)

    def gather(self, obj) -> list:
        """Every rank's ``obj`` (picklable), on every rank."""
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        dist.barrier()



def _leave() -> None:
    """At exit: meet the other ranks, then leave the group. Tearing gloo down while a peer
    has already closed its connections can abort the process ("terminate called without
    an active exception"), so the ranks leave together; if one is gone, skip the teardown."""
    if not dist.is_initialized():
        return
    try:
        if dist.get_backend() == "gloo":
            dist.monitored_barrier(timeout=timedelta(seconds=60))
        else:
            dist.barrier()
    except Exception:  # a peer died: nothing to shake hands with
        return
    dist.destroy_process_group()


class ReadOnlyRun:
    """Stands in for the run directory on ranks other than 0: reads pass through, writes are
    dropped (only rank 0 writes checkpoints, logs and outputs)."""

    def __init__(self, run):
        self._run = run

    def save_checkpoint(self, state: dict) -> None:
        return None

    def append_log(self, row: dict) -> None:
        return None

    def __getattr__(self, name):
        return getattr(self._run, name)


def check_ranks(nproc: int, device: torch.device) -> None:
    """NCCL gives each rank a GPU of its own: ``nproc`` local ranks need that many.

    Raises:
        SolveError: more ranks than GPUs on CUDA.
    """
    gpus = torch.cuda.device_count() if device.type == "cuda" else 0
    if device.type == "cuda" and nproc > gpus:
        raise SolveError(f"--nproc {nproc} on CUDA needs one GPU per rank (NCCL cannot share "
                         f"a GPU between processes), and this machine has {gpus}; use "
                         f"--nproc {max(gpus, 1)} or --device cpu")


def launch(nproc: int, args: list[str]) -> int:
    """Run ``pinnsolve <args>`` on ``nproc`` local ranks with torch.distributed.run.

    Returns:
        The launcher's exit status.
    """
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc-per-node={nproc}", "-m", "pinnsolve", *args]
    return subprocess.call(cmd)
