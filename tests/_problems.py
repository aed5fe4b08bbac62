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
        if event == "log" and info["step"] == stop_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(problem, out=tmp_path / "b", callback=stop)
    interrupted = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=True)
    resumed = pinnsolve.solve(problem, out=tmp_path / "b")
    a, b = (torch.load(tmp_path / d / "checkpoints" / "last.pt", weights_only=True)
            for d in "ab")
    return straight, resumed, interrupted, a, b
