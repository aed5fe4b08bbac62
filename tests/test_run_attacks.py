"""Attacks on a finished run directory: crafted checkpoints and run files (review 46).

A checkpoint whose tensors are expanded views (16 KB on disk, gigabytes once hashed), one
copied in from another problem's run, deeply nested lists, a mangled optimizer entry or a
forged step count; run files holding JSON nested past the decoder's depth. Each must end in
a RunError naming the run directory and what was expected — never a traceback, never a
silent use of the wrong model — with memory bounded by the file's size.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import RunError
from pinnsolve.io import checkpoint

runner = CliRunner(env={"COLUMNS": "200"})


def _problem(rhs: str = "-1", steps: int = 2) -> dict:
    """A 1-D Poisson problem that trains in well under a second."""
    return {"domain": {"x": [0, 1]}, "fields": ["u"],
            "equations": [f"diff(u, x, 2) = {rhs}"],
            "conditions": [{"where": "boundary", "dirichlet": 0}],
            "model": {"width": 4, "depth": 1}, "sampling": {"interior": 16, "boundary": 2},
            "training": {"seed": 1, "phases": [{"optimizer": "adam", "steps": steps}]},
            "output": {"grid": {"x": 5}, "formats": ["npz"]}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two finished runs of different problems: A (u'' = -1) and B (u'' = -100)."""
    root = tmp_path_factory.mktemp("runs")
    return {"A": pinnsolve.solve(_problem("-1"), out=root / "A").path,
            "B": pinnsolve.solve(_problem("-100"), out=root / "B").path}


def _copy(runs, tmp_path: Path, name: str = "A") -> Path:
    run = tmp_path / "run"
    shutil.copytree(runs[name], run)
    (run / "checkpoints" / "previous.pt").unlink(missing_ok=True)   # no fallback to hide it
    return run


def _state(run: Path) -> dict:
    return torch.load(run / "checkpoints" / "last.pt", weights_only=True)


def _forge(run: Path, state: dict, digest: str | None = "recompute") -> None:
    """Write ``state`` as the run's last.pt: with its digest recomputed (an attacker who
    knows the format), a given one, or none (digests are optional for old checkpoints)."""
    state = {k: v for k, v in state.items() if k not in ("digest", "version")}
    if digest == "recompute":
        data = checkpoint.encode(state)
    else:
        buf = io.BytesIO()
        torch.save({"version": checkpoint.VERSION, **state,
                    **({} if digest is None else {"digest": digest})}, buf)
        data = buf.getvalue()
    (run / "checkpoints" / "last.pt").write_bytes(data)


def _clean_cli(args: list[str]):
    """Run the CLI in-process; it must end with its exit code, not an exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # export's "cannot read checkpoint" notice
        result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result


def _export(run: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the "cannot read checkpoint" notice
        return pinnsolve.open_run(run).export(formats=["npz"])


def _resume(run: Path, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pinnsolve.solve(_problem(), out=run, **settings)


# -- 1. an expanded view: a few kilobytes on disk, gigabytes once hashed -------------------
def _bomb(run: Path, n: int, digest: str | None = "0" * 64) -> None:
    state = _state(run)
    model = dict(state["model"])
    key = next(iter(model))
    model[key] = torch.zeros(1, dtype=torch.float64).expand(n)   # stride 0: one element stored
    # A digest is present, so a loader that hashed before checking would materialise it.
    _forge(run, {**state, "model": model}, digest=digest)


def test_an_expanded_tensor_is_refused_before_it_is_hashed(runs, tmp_path, monkeypatch):
    run = _copy(runs, tmp_path)
    _bomb(run, 500_000_000)   # 4 GB of float64 as a contiguous tensor
    assert (run / "checkpoints" / "last.pt").stat().st_size < 64_000

    def hashed(state):
        raise AssertionError("the digest was computed before the tensors were checked")

    monkeypatch.setattr(checkpoint, "digest", hashed)
    for action in (_export, _resume):
        with pytest.raises(RunError, match=r"(?s)last\.pt: model\..*expanded or overlapping "
                                           r"view.*--fresh") as err:
            action(run)
        assert str(run) in str(err.value)
    result = _clean_cli(["export", str(run), "--npz"])
    assert result.exit_code != 0 and "expanded" in result.output


def test_the_expanded_tensor_costs_no_memory(runs, tmp_path):
    """Measured in a fresh process: the peak resident size grows by far less than the
    800 MB the view would take as a contiguous tensor (bound: 100 MB, the import and
    load noise of torch being a few tens of MB)."""
    run = _copy(runs, tmp_path)
    _bomb(run, 100_000_000)
    code = ("import resource, sys\n"
            "from pinnsolve.io import checkpoint\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n"
            "    checkpoint.decode(sys.argv[1])\n"
            "except checkpoint.CorruptCheckpoint as exc:\n"
            "    print('refused:', exc)\n"
            "print('grew_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    out = subprocess.run([sys.executable, "-c", code, str(run / "checkpoints" / "last.pt")],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert "refused:" in out.stdout and "expanded" in out.stdout, out.stdout + out.stderr
    grew_kb = int(out.stdout.split("grew_kb")[1])
    assert grew_kb < 100_000, out.stdout


def test_many_views_of_one_storage_are_refused(tmp_path):
    """Dense views that each fit their storage but read it thousands of times when hashed."""
    data = torch.zeros(1 << 18)   # 1 MiB
    state = {"step": 0, "model": {f"w{i}": data for i in range(200)}}   # one storage, 200 views
    path = tmp_path / "last.pt"
    torch.save({"version": checkpoint.VERSION, **state, "digest": "0" * 64}, path)
    assert path.stat().st_size < 2 << 20
    with pytest.raises(checkpoint.CorruptCheckpoint, match="many views of the same data"):
        checkpoint.decode(path)


def test_a_compressed_archive_is_refused_before_it_is_inflated(tmp_path):
    """torch.load inflates deflated entries: a few kilobytes could hold gigabytes of zeros
    (here 10 MB of them in about 10 KB)."""
    buf = io.BytesIO()
    torch.save({"version": checkpoint.VERSION, "step": 0,
                "model": {"w": torch.zeros(2_500_000)}}, buf)
    source = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        for info in source.infolist():
            packed.writestr(info.filename, source.read(info.filename))
    path = tmp_path / "last.pt"
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(checkpoint.CorruptCheckpoint, match="inflate to .* bytes from a file"):
        checkpoint.decode(path)


def test_an_honest_checkpoint_still_loads_and_its_digest_is_unchanged(runs, tmp_path):
    """The checks refuse nothing pinnsolve writes; the digest reads the same bytes as
    before (hashing the tensor's buffer instead of a copy of it)."""
    run = _copy(runs, tmp_path)
    state = checkpoint.decode(run / "checkpoints" / "last.pt")
    assert state["digest"] == checkpoint.digest(state)
    w = torch.arange(6.0).reshape(2, 3).t()   # a non-contiguous view
    h = hashlib.sha256()
    h.update(b"{'w':" + f"T{w.dtype}{tuple(w.shape)}".encode()
             + w.contiguous().numpy().tobytes() + b"}")
    assert checkpoint.digest({"w": w}) == h.hexdigest()
    assert _export(run)


# -- 2. a checkpoint of another problem ----------------------------------------------------
def test_a_checkpoint_of_another_problem_is_refused_by_export_and_predict(runs, tmp_path):
    run = _copy(runs, tmp_path)
    shutil.copy(runs["B"] / "checkpoints" / "last.pt", run / "checkpoints" / "last.pt")
    solution = (run / "fields" / "solution.npz").read_bytes()
    message = r"(?s)different problem than this run's config\.yaml.*copied in from another run"
    with pytest.raises(RunError, match=message) as err:
        _export(run)
    assert str(run) in str(err.value)
    with pytest.raises(RunError, match=message):
        pinnsolve.open_run(run).predict(x=[0.25, 0.5])
    with pytest.raises(RunError, match=message):
        pinnsolve.open_run(run).model()
    result = _clean_cli(["export", str(run), "--npz"])
    assert result.exit_code != 0 and "config.yaml" in result.output
    # Nothing was written: A's solution is still A's.
    assert (run / "fields" / "solution.npz").read_bytes() == solution


def test_resuming_a_swapped_checkpoint_names_the_swap_not_the_steps(runs, tmp_path):
    """The refusal used to blame ``training.phases.0.steps 3 → 6``, a setting a resumed run
    may change; the cause is that the checkpoint is not the config's."""
    run = _copy(runs, tmp_path)
    shutil.copy(runs["B"] / "checkpoints" / "last.pt", run / "checkpoints" / "last.pt")
    with pytest.raises(RunError, match=r"(?s)different problem than this run's config\.yaml.*"
                                       r"copied in from another run.*--fresh") as err:
        pinnsolve.solve(_problem(steps=6), out=run)
    assert "training" not in str(err.value)


def test_a_changed_problem_names_the_physics_and_not_the_settings(runs, tmp_path):
    run = _copy(runs, tmp_path)
    with pytest.raises(RunError, match="different problem") as err:
        pinnsolve.solve(_problem("-2", steps=6), out=run)
    assert "equations.0 'diff(u, x, 2) = -1' → 'diff(u, x, 2) = -2'" in str(err.value)
    assert "training" not in str(err.value)


# -- 3. nesting, a mangled optimizer, JSON past the decoder's depth ------------------------
def test_deeply_nested_lists_in_a_checkpoint_are_a_clear_error(runs, tmp_path):
    run = _copy(runs, tmp_path)
    nested: list = []
    for _ in range(20_000):
        nested = [nested]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)   # torch.save's pickler recurses once per level
    try:
        # Any digest: the loader recursed over the lists hashing them (RecursionError).
        _forge(run, {**_state(run), "trace": nested}, digest="0" * 64)
    finally:
        sys.setrecursionlimit(limit)
    for action in (_export, _resume):
        with pytest.raises(RunError, match=r"last\.pt: trace\.0\.0.* nests more than 32 levels"):
            action(run)
    assert _clean_cli(["export", str(run), "--npz"]).exit_code != 0


def test_an_optimizer_entry_without_param_groups_is_a_clear_error(runs, tmp_path):
    run = _copy(runs, tmp_path)
    _forge(run, {**_state(run), "optimizer": {"bogus": torch.zeros(3)}})
    with pytest.raises(RunError, match=r"'optimizer' should be an optimizer's state_dict.*"
                                       r"found a dict with keys 'bogus'"):
        _resume(run, training__phases__0__steps=4)


def test_an_optimizer_state_of_other_parameters_is_refused_before_training(runs, tmp_path):
    """Well-formed, digest recomputed, but two groups: torch would raise a ValueError when
    the phase starts, mid-training."""
    run = _copy(runs, tmp_path)
    groups = [{"params": [0], "lr": 1e-3}, {"params": [1], "lr": 1e-3}]
    _forge(run, {**_state(run), "optimizer": {"state": {}, "param_groups": groups}})
    with pytest.raises(RunError, match=r"optimizer state has parameter groups of \[1, 1\] "
                                       r"parameters.*one group of \d+"):
        _resume(run, training__phases__0__steps=4)


DEEP_JSON = "[" * 200_000 + "]" * 200_000


def test_deep_json_in_metrics_json_is_a_clear_error(runs, tmp_path):
    run = _copy(runs, tmp_path)
    (run / "metrics.json").write_text(DEEP_JSON)
    with pytest.raises(RunError, match=r"metrics\.json: is not JSON pinnsolve wrote: .*nested"):
        pinnsolve.open_run(run).metrics
    for args in (["show", str(run)], ["show", str(run), "--json"]):
        result = _clean_cli(args)
        assert result.exit_code != 0 and "nested too deep" in result.output


def test_deep_json_in_env_json_is_a_clear_error(runs, tmp_path):
    run = _copy(runs, tmp_path)
    (run / "env.json").write_text(DEEP_JSON)
    with pytest.raises(RunError, match=r"env\.json: is not JSON pinnsolve wrote"):
        _export(run)
    result = _clean_cli(["export", str(run), "--npz"])
    assert result.exit_code != 0 and "env.json" in result.output


def test_a_deep_or_foreign_line_ends_the_metrics_log_like_a_cut_one(runs, tmp_path):
    """metrics.jsonl is read up to its first line pinnsolve did not write (as for a line cut
    by a crash): ``show`` reports, a resume truncates and trains on."""
    run = _copy(runs, tmp_path)
    log = run / "metrics.jsonl"
    rows = log.read_text()
    log.write_text(rows + DEEP_JSON + "\n")
    assert _clean_cli(["show", str(run)]).exit_code == 0
    assert pinnsolve.open_run(run).progress()["state"] == "done"
    log.write_text(rows + json.dumps({"step": "x"}) + "\n")   # a step that is no number
    resumed = _resume(run, training__phases__0__steps=4)
    assert resumed.metrics["steps"] == 4


# -- 4. a forged step count ----------------------------------------------------------------
@pytest.mark.parametrize("step, found", [(-10**6, "found -1000000"),
                                         (10**30, "integer of 100 bits"),
                                         ("3", "found '3'"), (True, "found True"),
                                         (2.5, "found 2.5")])
def test_a_forged_step_count_is_refused_on_load(runs, tmp_path, step, found):
    run = _copy(runs, tmp_path)
    _forge(run, {**_state(run), "step": step})
    for action in (_resume, _export):
        with pytest.raises(RunError, match=r"last\.pt: .*step") as err:
            action(run)
        assert found in str(err.value)
