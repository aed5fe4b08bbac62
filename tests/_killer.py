"""Kill-and-resume driver (run as a subprocess by tests/test_crash_safety.py).

    python tests/_killer.py PROBLEM.yaml WORKDIR KILLS SEED

One process imports pinnsolve once (single-threaded), then forks real training processes:

0. a warm-up solve in the driver itself (so children start warm);
1. ``straight``: the problem solved without interruption (the oracle), in a child too;
2. ``killed``: the same problem in another run directory, where each child is sent
   SIGKILL after a random delay (uniform over the straight run's duration, so kills land
   during start-up, training, checkpoint writes and output writing alike), then the next
   child resumes the directory, until one finishes: a *chain*. Chains repeat in fresh
   directories until KILLS kills were delivered; the last child of the last chain runs to
   the end unkilled.

Each child reports every step it reaches through a pipe (``log_every`` 1). Before each
resume the driver checks the directory: the checkpoint it would resume from loads (with
its digest) and the steps lost are the steps reached minus the checkpoint's step. At the
end it compares the two final checkpoints tensor by tensor. Prints one JSON object.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

import pinnsolve  # noqa: E402
from pinnsolve.io.run import RunDir  # noqa: E402

torch.set_num_threads(1)


def child(problem: str, out: Path, pipe_w: int) -> None:
    """Train (resuming ``out``), writing each step reached to the pipe; never returns."""
    code = 0
    try:
        def callback(event, info):
            if event in ("log", "start"):
                os.write(pipe_w, f"{info.step}\n".encode())

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pinnsolve.solve(problem, out=out, callback=callback)
    except BaseException as exc:  # noqa: BLE001 - reported through the exit code
        sys.stderr.write(f"child failed: {type(exc).__name__}: {exc}\n")
        code = 3
    finally:
        os._exit(code)


def spawn(problem: str, out: Path):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        child(problem, out, w)
    os.close(w)
    return pid, r


def read_steps(fd: int) -> list[int]:
    chunks = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    return [int(x) for x in b"".join(chunks).split()]


def final_state(out: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RunDir(out).load_checkpoint()


def main() -> None:
    problem, work, kills, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    straight, killed = work / "straight", work / "killed"
    # A first, cold run warms lazy imports, SymPy caches and torch's first-call kernels
    # (~1 s), so that children spend their time training and kills spread over it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pinnsolve.solve(problem, out=work / "warm-up")
    t0 = time.perf_counter()
    pid, fd = spawn(problem, straight)
    _, status = os.waitpid(pid, 0)
    read_steps(fd)
    duration = time.perf_counter() - t0
    assert os.waitstatus_to_exitcode(status) == 0, "the straight run failed"

    chains = []
    kills_done = 0
    while kills_done < kills:
        # One chain: a fresh run directory, killed and resumed until a child finishes.
        shutil.rmtree(killed, ignore_errors=True)
        trials = []
        resumed_from = 0
        while True:
            pid, fd = spawn(problem, killed)
            delay = None
            if kills_done < kills:
                delay = rng.uniform(0.0, duration)
                time.sleep(delay)
                os.kill(pid, signal.SIGKILL)  # no-op if it already finished (zombie)
            _, status = os.waitpid(pid, 0)
            steps = read_steps(fd)
            code = os.waitstatus_to_exitcode(status)
            kills_done += code == -signal.SIGKILL
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    state = RunDir(killed).load_checkpoint()
                    load = "ok"
                except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
                    state, load = None, f"{type(exc).__name__}: {exc}"
            reached = max(steps, default=resumed_from)
            ckpt = int(state["step"]) if state is not None else 0
            trials.append({"delay_s": delay, "exit": code, "started_at": resumed_from,
                           "reached": reached, "checkpoint_step": ckpt,
                           "lost": max(0, reached - ckpt), "load": load,
                           "warnings": [str(w.message)[:200] for w in caught]})
            resumed_from = ckpt
            if code == 0 or load != "ok" or len(trials) > 4 * kills + 10:
                break
        a, b = final_state(straight), final_state(killed)
        metrics = json.loads((killed / "metrics.json").read_text()) \
            if (killed / "metrics.json").exists() else {}
        chains.append({
            "trials": trials, "straight_step": a["step"], "killed_step": b["step"],
            "differing_tensors": [k for k in a["model"]
                                  if not torch.equal(a["model"][k], b["model"][k])],
            "metrics_steps": metrics.get("steps"),
            "log_steps": [r["step"] for r in RunDir(killed).read_log()]})
        if load != "ok":
            break
    print(json.dumps({"duration_s": duration, "kills": kills_done, "chains": chains}))


if __name__ == "__main__":
    main()
