"""The fallback of a planned run (issue 17, item 5): the stall rule, the portfolio, the
model kept by residual, resume and the CLI."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import pinnsolve
from _problems import HEAT_SOFT
from pinnsolve.cli import app
from pinnsolve.errors import RunError
from pinnsolve.spec import load_problem
from pinnsolve.training import fallback
from pinnsolve.training.fallback import portfolio, stall_reason


# -- the rule ------------------------------------------------------------------------------
def _trace(losses, budget=100.0, phases=None):
    """A log step every 5 % of the budget (in phase 0 unless ``phases`` says)."""
    phases = phases or [0] * len(losses)
    return [(budget * 0.05 * (i + 1), v, p) for i, (v, p) in enumerate(zip(losses, phases))]


def test_a_flat_loss_stalls_after_forty_percent_of_the_budget():
    flat = [1.0] * 3 + [0.5] * 17
    assert stall_reason(_trace(flat[:7]), 100.0) is None       # 35 %: too early
    why = stall_reason(_trace(flat[:9]), 100.0)                 # 45 %
    assert why and "stalled high" in why and "0.5" in why


def test_a_falling_or_a_low_loss_does_not_stall():
    falling = [10.0 ** -k for k in range(20)]                   # 10× per log step
    assert stall_reason(_trace(falling), 100.0) is None
    low = [1.0] * 3 + [1e-3] * 17                               # flat, but 1e-3 of its start
    assert stall_reason(_trace(low), 100.0) is None
    assert stall_reason(_trace([1.0] * 20), 0.0) is None        # no budget: never
    assert stall_reason(_trace([1.0] * 3 + [math.nan] * 17), 100.0) is None


def test_a_steady_fall_is_not_a_stall():
    # The L-shape's quasi-Newton start (stop 31): 6× in 10 % of the budget, still at 3e-2
    # of its start; halving at every log (4× per window) is progress, not a stall.
    halving = [1.0] * 3 + [0.5 ** k for k in range(1, 15)]
    assert stall_reason(_trace(halving), 100.0) is None


def test_no_stall_is_called_when_the_next_attempt_would_get_too_little():
    flat = _trace([1.0] * 3 + [0.5] * 9)                         # a stall at 60 %
    assert fallback.watcher(100.0, 0.0)(flat, 100.0)
    # the same trace in an attempt that began at 20 s: 100 - 20 - 60 < 25 % left
    assert fallback.watcher(100.0, 20.0)(flat, 80.0) is None


def test_the_rule_reads_the_window_not_the_whole_run():
    # A fast start, then 20 % of the budget without a 10× gain: stalled.
    losses = [1.0, 1.0, 1.0, 0.1, 0.08] + [0.06] * 10
    assert stall_reason(_trace(losses), 100.0)


def test_a_phase_that_has_just_begun_is_not_judged_by_the_one_before():
    # Adam flat at 0.5 to 40 %, then the next phase: its first 10 % are not a stall ...
    losses = [1.0] * 3 + [0.5] * 7 + [0.4, 0.35]
    phases = [0] * 10 + [1, 1]
    assert stall_reason(_trace(losses, phases=phases), 100.0) is None
    # ... but once it has run a window without a 10× gain, it is
    assert stall_reason(_trace(losses + [0.3, 0.3], phases=phases + [1, 1]), 100.0)


# -- the portfolio -------------------------------------------------------------------------
def _planned(**extra):
    raw = copy.deepcopy(HEAT_SOFT)
    raw.update(extra)
    return raw


def test_the_portfolio_changes_only_what_the_plan_chose():
    p = load_problem(_planned())
    assert p.settings.training.fallback and "fallback" in p.settings.training.planned
    labels = [label for label, _, _ in portfolio(p)]
    assert labels == ["sin activation", "a wider network (4×80)"]   # heat: tanh planned
    p = load_problem(_planned(model={"activation": "sin"}))
    assert [label for label, _, _ in portfolio(p)] == ["a wider network (4×80)"]
    p = load_problem(_planned(model={"width": 30}))
    assert [label for label, _, _ in portfolio(p)] == ["sin activation"]
    off = load_problem(_planned(training={"fallback": False}))
    assert not fallback.enabled(off, distributed=False)
    assert fallback.enabled(load_problem(_planned()), distributed=False)
    assert not fallback.enabled(load_problem(_planned()), distributed=True)


def test_balancing_comes_first_when_conditions_are_in_the_loss():
    """Balancing by gradient norms is tried first when the planned loss holds conditions or
    data beside the equations (the trivial solution outweighing them), never when the file
    set weights or a scheme, and not for a loss of equations alone."""
    p = load_problem(_planned())
    both = {"pde": "equation", "bc_x_max": "condition"}
    label, overrides, replaces = portfolio(p, both)[0]
    assert (label, overrides, replaces) == ("gradient-norm balancing",
                                            {"training.weighting.scheme": "grad_norm"},
                                            "weights")
    q = fallback.attempt_problem(p, overrides, replaces, 42.0)
    assert q.settings.training.weighting.scheme == "grad_norm"
    assert "weights" not in q.settings.training.planned
    assert [lab for lab, _, _ in portfolio(p, {"pde": "equation"})] == \
        ["sin activation", "a wider network (4×80)"]
    mine = load_problem(_planned(training={"weights": {"bc_x_max": 10}}))
    assert "gradient-norm balancing" not in [lab for lab, _, _ in portfolio(mine, both)]
    mine = load_problem(_planned(training={"weighting": {"scheme": "lra"}}))
    assert "gradient-norm balancing" not in [lab for lab, _, _ in portfolio(mine, both)]


def test_an_attempt_problem_keeps_the_physics_and_sets_what_it_replaces():
    p = load_problem(_planned())
    label, overrides, replaces = portfolio(p)[0]
    q = fallback.attempt_problem(p, overrides, replaces, 42.0)
    assert q.settings.model.activation == "sin" and "activation" not in q.settings.training.planned
    assert q.settings.training.budget == 42.0 and not q.settings.training.fallback
    assert q.equations == p.equations and q.conditions == p.conditions


def test_pinnsolve_check_shows_the_fallback(tmp_path):
    import yaml
    f = tmp_path / "heat.yaml"
    f.write_text(yaml.safe_dump(_planned()))
    out = CliRunner().invoke(app, ["check", str(f)])
    assert out.exit_code == 0, out.output
    assert "fallback when the loss stalls high" in " ".join(out.output.split())


# -- a whole run ---------------------------------------------------------------------------
def _small(budget="6"):
    return _planned(sampling={"interior": 64, "boundary": 16, "initial": 16},
                    training={"budget": budget, "log_every": 5, "threads": 1},
                    output={"grid": {"x": 5, "t": 3}, "formats": ["npz"]})


@pytest.fixture
def eager_stall(monkeypatch):
    """A rule that calls every run stalled at 20 % of its budget."""
    monkeypatch.setattr(fallback, "STALL_AFTER", 0.2)
    monkeypatch.setattr(fallback, "STALL_WINDOW", 0.1)
    monkeypatch.setattr(fallback, "STALL_GAIN", 1e300)
    monkeypatch.setattr(fallback, "STALL_LEVEL", 0.0)


def test_a_stalled_run_tries_the_portfolio_and_keeps_the_lowest_residual(tmp_path, eager_stall):
    events = []
    run = pinnsolve.solve(_small(), out=tmp_path / "r",
                          callback=lambda e, r: events.append((e, r)))
    report = run.metrics["fallback"]
    attempts = report["attempts"]
    assert [a["config"] for a in attempts] == ["planned", "sin activation",
                                               "a wider network (4×80)"]
    assert [a["stopped"] for a in attempts[:2]] == ["stalled", "stalled"]
    assert attempts[2]["stopped"] != "stalled"      # the last one trains to the end
    assert all(a["steps"] > 0 for a in attempts)
    scores = [a["residual"] for a in attempts]
    assert report["chosen"] == 1 + int(np.argmin(scores))
    # The budget is shared: all attempts together within 10 % of it (plus a step).
    assert sum(a["train_time_s"] for a in attempts) <= 1.1 * 6 + 0.5
    assert run.metrics["budget"]["used_s"] == pytest.approx(
        sum(a["train_time_s"] for a in attempts))
    notices = [r.message for e, r in events if e == "fallback"]
    assert len(notices) == 2 and notices[0].startswith("attempt 2: sin activation")
    # The run's model, errors and fields are the kept attempt's.
    chosen = attempts[report["chosen"] - 1]
    assert run.metrics["errors"]["u"]["l2re"] == pytest.approx(chosen["l2re"]["u"], rel=1e-9)
    opened = pinnsolve.open_run(tmp_path / "r")
    assert opened.chosen_attempt() == report["chosen"]
    x = np.linspace(0.1, 0.9, 7)
    exact = np.exp(-0.1 * np.pi ** 2 * 0.25) * np.sin(np.pi * x)
    pred = opened.predict(x=x, t=0.25)["u"]
    assert np.linalg.norm(pred - exact) / np.linalg.norm(exact) < 10 * chosen["l2re"]["u"] + 1e-3

    # Solving again resumes every attempt where it ended: no attempt trains again.
    again = pinnsolve.solve(_small(), out=tmp_path / "r")
    assert [a["steps"] for a in again.metrics["fallback"]["attempts"]] == \
        [a["steps"] for a in attempts]
    assert again.metrics["fallback"]["chosen"] == report["chosen"]


def test_an_attempt_interrupted_resumes_from_its_own_checkpoint(tmp_path, eager_stall):
    seen = {"fallback": False}

    def stop(event, record):
        if event == "fallback":
            seen["fallback"] = True
        elif event == "log" and seen["fallback"] and record.step >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(_small(), out=tmp_path / "r", callback=stop)
    assert (tmp_path / "r" / "attempts" / "2" / "checkpoints" / "last.pt").exists()
    events = []
    run = pinnsolve.solve(_small(), out=tmp_path / "r",
                          callback=lambda e, r: events.append((e, r)))
    attempts = run.metrics["fallback"]["attempts"]
    assert len(attempts) == 3 and attempts[1]["steps"] >= 20
    # The first attempt is not trained again after its stall.
    first = next(i for i, (e, _) in enumerate(events) if e == "fallback")
    assert not [e for e, _ in events[:first] if e == "log"]
    # --fresh clears the attempts too.
    pinnsolve.solve(_small(), out=tmp_path / "r", fresh=True,
                    overrides=["training.fallback=false"])
    assert not (tmp_path / "r" / "attempts").exists()


def test_fallback_off_trains_one_configuration(tmp_path, eager_stall):
    run = pinnsolve.solve(_small(budget="2"), out=tmp_path / "r",
                          overrides=["training.fallback=false"])
    assert "fallback" not in run.metrics and run.metrics["budget"]["stopped"] == "budget"
    assert not (tmp_path / "r" / "attempts").exists()


def test_a_bad_chosen_file_is_a_clear_error(tmp_path, eager_stall):
    # 6 s, as the tests above: in 2 s a first step slowed by one-time costs (a fresh
    # process) could spend the Adam share before the stall rule looked, and no attempt ran
    pinnsolve.solve(_small(), out=tmp_path / "r")
    (tmp_path / "r" / "attempts" / "chosen.json").write_text('{"attempt": 9}')
    with pytest.raises(RunError, match="attempt 9, which has no config.yaml"):
        pinnsolve.open_run(tmp_path / "r").model()
    (tmp_path / "r" / "attempts" / "chosen.json").write_text('{"attempt": "x"}')
    with pytest.raises(RunError, match="key 'attempt'"):
        pinnsolve.open_run(tmp_path / "r").model()


def test_the_cli_says_when_it_falls_back(tmp_path, eager_stall):
    import yaml
    f = tmp_path / "heat.yaml"
    f.write_text(yaml.safe_dump(_small(budget="6")))
    out = CliRunner().invoke(app, ["solve", str(f), "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "fallback: attempt 2: sin activation" in text
    assert "(kept)" in text and "attempt 3, a wider network (4×80):" in text
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "r")])
    assert shown.exit_code == 0 and "(kept)" in shown.output, shown.output


def test_an_attempt_too_big_for_the_memory_is_skipped_with_a_warning(tmp_path, eager_stall,
                                                                     monkeypatch):
    from pinnsolve.errors import SpecError

    def check(problem, step_bytes, device="cpu"):
        if problem.settings.model.width == fallback.WIDER:
            raise SpecError("one training step needs about 99 GB", key="sampling.interior")

    monkeypatch.setattr(fallback.limits, "check_measured", check)
    events = []
    run = pinnsolve.solve(_small(), out=tmp_path / "r", callback=lambda e, r: events.append((e, r)))
    assert [a["config"] for a in run.metrics["fallback"]["attempts"]] == ["planned",
                                                                         "sin activation"]
    assert any(e == "warning" and "attempt 3 (a wider network (4×80)) skipped" in r.message
               for e, r in events)


def test_resumed_without_the_fallback_the_stalled_run_trains_on_and_is_the_model(tmp_path,
                                                                                eager_stall):
    first = pinnsolve.solve(_small(), out=tmp_path / "r")
    steps = first.metrics["fallback"]["attempts"][0]["steps"]
    (tmp_path / "r" / "attempts" / "chosen.json").write_text('{"attempt": 2}')
    again = pinnsolve.solve(_small(budget="8"), out=tmp_path / "r",
                            overrides=["training.fallback=false"])
    assert "fallback" not in again.metrics and again.metrics["steps"] > steps
    assert pinnsolve.open_run(tmp_path / "r").chosen_attempt() == 1
