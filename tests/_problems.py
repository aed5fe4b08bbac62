"""Problem mappings shared by several test modules."""

BURGERS = {
    "domain": {"x": [-1, 1], "t": [0, 1]},
    "fields": ["u"],
    "parameters": {"nu": "0.01/pi"},
    "equations": ["diff(u, t) + u*diff(u, x) = nu*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "equation": "u = -sin(pi*x)"},
                   {"where": "x = -1", "dirichlet": 0},
                   {"where": "x = 1", "dirichlet": 0}],
}

# 1-D heat with its exact solution and every condition soft (checked in the loss): a small,
# fast problem for the crash, fault and resume tests, which add model/sampling/training.
HEAT_SOFT = {
    "domain": {"x": [0, 1], "t": [0, 0.5]},
    "fields": ["u"],
    "parameters": {"alpha": 0.1},
    "equations": ["diff(u, t) = alpha*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                   {"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0}],
    "reference": {"exact": {"u": "exp(-alpha*pi**2*t)*sin(pi*x)"}},
}


def straight_and_resumed(problem, tmp_path, stop_at: int = 20):
    """Solve ``problem`` in one go (tmp_path/a) and with a KeyboardInterrupt at step
    ``stop_at`` followed by a resume (tmp_path/b). Returns (straight run, resumed run,
    checkpoint saved at the interrupt, final checkpoint of a, final checkpoint of b)."""
    import pytest
    import torch

    import pinnsolve
    straight = pinnsolve.solve(problem, out=tmp_path / "a")

    def stop(event, info):
        if event == "log" and info.step == stop_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(problem, out=tmp_path / "b", callback=stop)
    interrupted = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=True)
    resumed = pinnsolve.solve(problem, out=tmp_path / "b")
    a, b = (torch.load(tmp_path / d / "checkpoints" / "last.pt", weights_only=True)
            for d in "ab")
    return straight, resumed, interrupted, a, b


def logged_losses(run_dir) -> dict:
    """{step: {term: unweighted loss}} from a run's metrics.jsonl; fails if a step was
    logged twice (only rank 0 may write)."""
    import json
    from pathlib import Path
    rows = [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if r.get("losses")]
    assert len(steps) == len(set(steps)), "a step was logged twice (a rank other than 0 wrote)"
    return {r["step"]: r["losses"] for r in rows if r.get("losses")}


def run_two_ranks(worker, out):
    """Run the script ``worker`` (a path) with 2 gloo ranks under torch.distributed.run, one
    thread each, with ``out`` as its argument; returns the finished process."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    here = Path(__file__).parent
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(here.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc-per-node=2", str(worker), str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def solve_full_and_cut(problem, out, stop_at: int) -> None:
    """For the distributed workers: solve ``problem`` into out/full, and again into out/cut
    with a KeyboardInterrupt at step ``stop_at`` (the test resumes it in one process)."""
    import pytest

    import pinnsolve
    pinnsolve.solve(problem, out=out / "full", fresh=True)

    def stop(event, info):
        if event == "log" and info.step == stop_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(problem, out=out / "cut", fresh=True, callback=stop)


def assert_digest_follows_rule(rule: str, built, unbuilt) -> None:
    """Bumping the rule's version in spec/meaning.py (``rule``: FREQUENCIES, CORNERS, ...)
    changes the digest of the problem that builds it and leaves the other's alone."""
    import pinnsolve.spec.meaning as meaning
    from pinnsolve.spec.meaning import meaning_digest

    before, mine = meaning_digest(unbuilt), meaning_digest(built)
    setattr(meaning, rule, getattr(meaning, rule) + 1)
    try:
        assert meaning_digest(unbuilt) == before
        assert meaning_digest(built) != mine
    finally:
        setattr(meaning, rule, getattr(meaning, rule) - 1)


def assert_jet_along_x_matches_autodiff(mlp, x) -> None:
    """The network's Taylor jet along the first input, to second order, matches nested
    autodiff at the points ``x`` (float64, requiring grad; first output)."""
    import torch

    from pinnsolve.derivatives.taylor import Jet

    z = mlp(x)
    d1 = torch.autograd.grad(z.sum(), x, create_graph=True)[0][:, 0]
    d2 = torch.autograd.grad(d1.sum(), x)[0][:, 0]
    tangent = torch.zeros(1, 1, x.shape[1], dtype=torch.float64)
    tangent[..., 0] = 1.0
    jet = mlp.jet(Jet.input(x.detach(), [tangent, None]))
    assert torch.allclose(jet.value[:, 0], z.detach()[:, 0], rtol=1e-12)
    assert torch.allclose(jet.coefs[0][0][:, 0], d1.detach(), rtol=1e-9, atol=1e-9)
    assert torch.allclose(jet.coefs[1][0][:, 0], d2, rtol=1e-8, atol=1e-8)
