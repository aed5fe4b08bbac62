"""Resuming a run directory: a changed problem is refused, more steps continue, a changed
optimizer starts fresh, every resume is announced, and Python calls without ``out`` never
share a directory (issues 18.1 and 19.3)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from _problems import HEAT_SOFT
from pinnsolve.cli import app
from pinnsolve.errors import RunError
from pinnsolve.spec import load_problem
from pinnsolve.spec.meaning import meaning_digest


def _heat(steps=(20,), **extra):
    raw = copy.deepcopy(HEAT_SOFT)
    raw.update({"model": {"width": 8, "depth": 2},
                "sampling": {"interior": 64, "boundary": 16, "initial": 16},
                "training": {"dtype": "float64", "log_every": 10,
                             "phases": [{"optimizer": "adam", "steps": s, "lr": 0.01}
                                        for s in steps]},
                "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]}})
    raw.update(extra)
    return raw


def _events(store):
    return lambda e, record: store.append((e, record))


def test_digest_ignores_training_settings_but_not_the_physics():
    base = load_problem(_heat())
    assert meaning_digest(base) == meaning_digest(load_problem(_heat(steps=(500, 20))))
    assert meaning_digest(base) == meaning_digest(load_problem(_heat(), ["sampling.interior=99"]))
    for change in (["parameters.alpha=0.5"], ["model.width=9"], ["derivatives.engine=taylor"],
                   ["conditions.0.dirichlet=2*sin(pi*x)"]):
        assert meaning_digest(load_problem(_heat(), change)) != meaning_digest(base), change


def test_settings_the_model_build_chooses_are_part_of_the_meaning():
    # A planned file gets its activation and output scale when the model is built; the
    # same file with them written out is another model, though its settings read the same.
    physics = {k: v for k, v in HEAT_SOFT.items() if k not in ("model", "training", "sampling")}
    planned = load_problem(physics)
    assert {"activation", "output_scale"} <= set(planned.settings.training.planned)
    for explicit in (["model.activation=tanh"], ["model.output_scale=1.0"]):
        other = load_problem(physics, explicit)
        assert other.settings.model == planned.settings.model
        assert meaning_digest(other) != meaning_digest(planned), explicit
    assert meaning_digest(load_problem(physics, ["training.budget=1m"])) == \
        meaning_digest(planned)


def test_a_changed_parameter_is_refused_and_nothing_is_overwritten(tmp_path):
    pinnsolve.solve(_heat(), out=tmp_path / "r")
    config = (tmp_path / "r" / "config.yaml").read_text()
    metrics = (tmp_path / "r" / "metrics.json").read_text()
    with pytest.raises(RunError, match=r"different problem.*--fresh") as err:
        pinnsolve.solve(_heat(), out=tmp_path / "r", overrides=["parameters.alpha=0.5"])
    # The message names what changed, old → new.
    assert "parameters.alpha 0.1 → 0.5" in str(err.value)
    # The old run is untouched: config, metrics and the checkpoint still describe it.
    assert (tmp_path / "r" / "config.yaml").read_text() == config
    assert (tmp_path / "r" / "metrics.json").read_text() == metrics
    # --fresh trains the new problem.
    run = pinnsolve.solve(_heat(), out=tmp_path / "r", overrides=["parameters.alpha=0.5"],
                          fresh=True)
    assert run.problem.parameter_values["alpha"] == 0.5 and run.metrics["steps"] == 20


def test_a_mismatch_with_the_same_text_says_so(tmp_path):
    """The same file can plan a different model (a data file it reads changed, or a newer
    planning rule): the message says the text is the same instead of naming nothing."""
    from pinnsolve.io.run import RunDir

    run = pinnsolve.solve(_heat(), out=tmp_path / "r")
    with pytest.raises(RunError, match="text is the same"):
        RunDir(tmp_path / "r", meaning="0" * 64, raw=run.problem.raw).resume_state()


def test_a_changed_problem_from_the_cli_is_a_clear_error(tmp_path):
    import yaml
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_heat()))
    runner = CliRunner()
    first = runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "r"), "-q"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["solve", str(path), "parameters.alpha=0.5",
                                 "--out", str(tmp_path / "r"), "-q"])
    assert second.exit_code != 0
    assert "different problem" in second.output and "Traceback" not in second.output


def test_more_steps_continue_a_finished_run(tmp_path):
    pinnsolve.solve(_heat(steps=(20,)), out=tmp_path / "r")
    events = []
    run = pinnsolve.solve(_heat(steps=(40,)), out=tmp_path / "r", callback=_events(events))
    assert run.metrics["steps"] == 40
    resumes = [r for e, r in events if e == "resume"]
    assert len(resumes) == 1 and "from step 20" in resumes[0].message
    assert "continues from step 20 to 40" in resumes[0].message
    rows = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [10, 20, 30, 40]


def test_a_new_phase_after_a_finished_run_is_trained(tmp_path):
    pinnsolve.solve(_heat(steps=(20,)), out=tmp_path / "r")
    raw = _heat(steps=(20,))
    raw["training"]["phases"].append({"optimizer": "lbfgs", "steps": 20})
    run = pinnsolve.solve(raw, out=tmp_path / "r")
    assert run.metrics["steps"] == 40


def test_an_interrupted_run_resumes_into_another_optimizer(tmp_path):
    # The checkpoint holds Adam moments; phase 1 is now L-BFGS: it starts with a fresh
    # optimizer state (this was a KeyError 'tolerance_grad').
    def stop(event, record):
        if event == "log" and record.step == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve(_heat(steps=(20,)), out=tmp_path / "r", callback=stop)
    raw = _heat(steps=(20,))
    raw["training"]["phases"] = [{"optimizer": "lbfgs", "steps": 20}]
    events = []
    run = pinnsolve.solve(raw, out=tmp_path / "r", callback=_events(events))
    assert run.metrics["steps"] == 20
    (resume,) = [r for e, r in events if e == "resume"]
    assert "is now lbfgs (was adam)" in resume.message


def test_python_calls_without_out_never_share_a_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = pinnsolve.solve(_heat())
    other = _heat()
    other["equations"] = ["diff(u, t) = 2*alpha*diff(u, x, 2)"]
    b = pinnsolve.solve(other)
    assert a.path != b.path and a.path.parent == b.path.parent == Path("runs")
    assert b.problem.equations[0].text != a.problem.equations[0].text
    # The same problem again finds its own directory and resumes it.
    events = []
    again = pinnsolve.solve(_heat(), callback=_events(events))
    assert again.path == a.path and any(e == "resume" for e, _ in events)


def test_checkpoints_record_the_digest(tmp_path):
    run = pinnsolve.solve(_heat(), out=tmp_path / "r")
    state = torch.load(run.path / "checkpoints" / "last.pt", weights_only=True)
    assert state["meaning"] == meaning_digest(run.problem)


def test_the_blend_rule_is_part_of_the_meaning_where_a_blend_is_built(monkeypatch):
    # A box whose faces of two coordinates carry different data gets a blended lift; a run
    # trained under an older rule for it is another model. A problem without a blend, or
    # one that imposes nothing, keeps its digest when the rule changes.
    import pinnsolve.spec.meaning as meaning
    raw = {"name": "blended", "domain": {"x": [0, 2], "y": [0, 1]}, "fields": ["u"],
           "equations": ["diff(u, x, 2) + diff(u, y, 2) = 0"],
           "conditions": [{"where": "x = 0", "dirichlet": "1"},
                          {"where": "x = 2", "dirichlet": "0"},
                          {"where": "y = 0", "dirichlet": "1 - x/2"},
                          {"where": "y = 1", "dirichlet": "(1 - x/2)**2"}]}
    problems = [load_problem(raw), load_problem(_heat()),
                load_problem(raw, ["model.hard_constraints=false"])]
    before = [meaning_digest(p) for p in problems]
    monkeypatch.setattr(meaning, "BLEND_RULE", meaning.BLEND_RULE + 1)
    after = [meaning_digest(p) for p in problems]
    assert after[0] != before[0]
    assert after[1:] == before[1:]
