"""Run directories under attack and in odd states (issue 19.2, 19.4, 19.11, 19.12; 18.2,
18.7): writes never leave the directory through a link, one solve at a time, located errors
for every state a directory can be in, honest `show`, checked `export` grids and formats.

Cases are our own; one tiny run (3 Adam steps, ~2 s) is trained once per module and copied
for every test that needs a trained run.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time

import meshio
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app
from pinnsolve.errors import RunError, SpecError
from pinnsolve.io import atomic
from pinnsolve.io.atomic import append_text, atomic_write_text, clean_stale, safe_dir
from pinnsolve.io.output import write_outputs, write_point_cloud
from pinnsolve.io.run import MARKER, RunDir

from _problems import HEAT_SOFT

TINY = {**HEAT_SOFT, "model": {"width": 8, "depth": 2},
        "sampling": {"interior": 64, "boundary": 16},
        "training": {"phases": [{"optimizer": "adam", "steps": 3}], "dtype": "float64",
                     "log_every": 1, "seed": 0},
        "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]}}
STEADY = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
          "equations": ["diff(u, x, 2) + diff(u, y, 2) = 0"],
          "conditions": [{"where": "boundary", "dirichlet": "x"}],
          "reference": {"exact": {"u": "x"}}, "output": {"grid": {"x": 4, "y": 3}}}


def flat(result) -> str:
    """CLI output without panel borders and whitespace (the error panel folds lines)."""
    return re.sub(r"[\s│╭╮╰╯─]", "", result.output)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("trained") / "run"
    pinnsolve.solve(TINY, out=out)
    return out


@pytest.fixture
def run_copy(trained, tmp_path):
    """A private copy of the trained run."""
    dst = tmp_path / "run"
    shutil.copytree(trained, dst, symlinks=True)
    return dst


# ------------------------------------------------------------------ 19.2: no write through a link

LINKED = ["config.yaml", "settings.json", "env.json", "metrics.json", "metrics.jsonl",
          "checkpoints", "fields", "plots", "checkpoints/last.pt"]


@pytest.mark.parametrize("entry", LINKED)
def test_prepare_refuses_a_planted_link_before_training(tmp_path, entry):
    run, outside = tmp_path / "run", tmp_path / "outside"
    (run / "checkpoints").mkdir(parents=True)
    outside.mkdir()
    if (run / entry).exists():
        shutil.rmtree(run / entry)
    (run / entry).symlink_to(outside / "target")   # target does not exist yet
    with pytest.raises(RunError, match=f"{re.escape(str(run / entry))}: is a symbolic link"):
        RunDir(run).prepare()
    assert list(outside.iterdir()) == []


def test_metrics_log_append_never_creates_a_file_outside(tmp_path):
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.mkdir()
    (run / "metrics.jsonl").symlink_to(outside / "created.jsonl")
    with pytest.raises(RunError, match=r"metrics\.jsonl: is a symbolic link"):
        RunDir(run).append_log({"step": 1})
    assert not (outside / "created.jsonl").exists()


@pytest.mark.parametrize("write", ["metrics", "config", "checkpoint"])
def test_atomic_writes_refuse_links_and_keep_outside_intact(tmp_path, write):
    run, outside = tmp_path / "run", tmp_path / "outside"
    (run / "checkpoints").mkdir(parents=True)
    outside.mkdir()
    victim = outside / "victim"
    victim.write_text("precious")
    target = {"metrics": run / "metrics.json", "config": run / "config.yaml",
              "checkpoint": run / "checkpoints" / "last.pt"}[write]
    target.symlink_to(victim)
    rd = RunDir(run)
    with pytest.raises(RunError, match="is a symbolic link"):
        if write == "metrics":
            rd.write_metrics({"steps": 1})
        elif write == "config":
            atomic_write_text(target, "x")
        else:
            rd.save_checkpoint({"step": 1, "model": {}})
    assert victim.read_text() == "precious" and target.is_symlink()


@pytest.mark.parametrize("linked", ["checkpoints", "fields", "plots", "stages"])
def test_a_linked_directory_is_refused_for_every_write_below_it(tmp_path, linked):
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.mkdir()
    (run / linked).symlink_to(outside, target_is_directory=True)
    with pytest.raises(RunError, match=f"{re.escape(str(run / linked))}: is a symbolic link"):
        safe_dir(run, linked, "2")
    if linked == "checkpoints":
        with pytest.raises(RunError, match="is a symbolic link"):
            RunDir(run).save_checkpoint({"step": 1, "model": {}})
    if linked == "stages":   # a stage's run directory is checked from the top run's root
        with pytest.raises(RunError, match="is a symbolic link"):
            RunDir(run).child("stages", "2").append_log({"step": 1})
    assert list(outside.iterdir()) == []


def test_export_into_a_planted_link_is_refused(run_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (run_copy / "fields" / "solution.npz").unlink()
    (run_copy / "fields" / "solution.npz").symlink_to(outside / "leak.npz")
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert result.exit_code == 4 and "isasymboliclink" in flat(result)
    assert "Traceback" not in result.output and list(outside.iterdir()) == []


def test_a_fifo_as_metrics_log_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "metrics.jsonl")
    start = time.perf_counter()
    with pytest.raises(RunError, match="cannot open for appending|not a regular file"):
        RunDir(tmp_path).append_log({"step": 1})
    assert time.perf_counter() - start < 1.0   # no reader: O_NONBLOCK, not a hang


@pytest.mark.parametrize("name", ["config.yaml", "env.json", "metrics.json", "metrics.jsonl"])
def test_run_files_are_never_read_through_a_link(run_copy, tmp_path, name):
    """A run file linked to an outside file is refused on read too: show/export/predict
    must not parse (and echo) a file from elsewhere."""
    outside = tmp_path / "outside.txt"
    outside.write_text("secret: not yours\n")
    (run_copy / name).unlink()
    (run_copy / name).symlink_to(outside)
    run = pinnsolve.open_run(run_copy)
    with pytest.raises(RunError, match="is a symbolic link") as info:
        if name == "metrics.jsonl":
            run.progress()
        elif name == "metrics.json":
            run.metrics
        else:
            run.predict([[0.5, 0.1]])
    assert str(run_copy / name) in str(info.value) and "not yours" not in str(info.value)
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    if name != "metrics.json":   # export does not need the metrics of the finished run
        assert result.exit_code == 4 and "isasymboliclink" in flat(result)
    assert "Traceback" not in result.output and outside.read_text() == "secret: not yours\n"


def test_a_linked_checkpoint_is_not_loaded(run_copy, tmp_path):
    outside = tmp_path / "last.pt"
    shutil.copy(run_copy / "checkpoints" / "last.pt", outside)
    (run_copy / "checkpoints" / "last.pt").unlink()
    (run_copy / "checkpoints" / "last.pt").symlink_to(outside)
    with pytest.warns(UserWarning, match="symbolic link"), pytest.raises(RunError):
        pinnsolve.open_run(run_copy).predict([[0.5, 0.1]])


@pytest.mark.parametrize("name", ["metrics.jsonl", "metrics.json", "env.json"])
def test_a_run_file_that_is_a_directory_is_a_located_error(run_copy, name):
    (run_copy / name).unlink()
    (run_copy / name).mkdir()
    with pytest.raises(RunError, match="not a regular file \\(a directory"):
        pinnsolve.solve(dict(TINY, training={**TINY["training"], "phases": [
            {"optimizer": "adam", "steps": 5}]}), out=run_copy)


# ------------------------------------------------------------------ 19.4: the lock

def test_second_holder_gets_a_clear_error(tmp_path):
    first = RunDir(tmp_path / "run")
    with first.lock():
        # flock is per open file: a second open in this process conflicts like another process.
        with pytest.raises(RunError, match=rf"is in use by process {os.getpid()} since "
                                           r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"):
            with RunDir(tmp_path / "run").lock():
                pass
    with RunDir(tmp_path / "run").lock():   # released on exit
        pass


def test_lock_of_a_killed_process_never_blocks(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    holder = ("import fcntl, os, sys, time\n"
              f"fd = os.open({str(run / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\n"
              "os.write(fd, f'{os.getpid()} {time.time()} host'.encode())\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(RunError, match=f"in use by process {child.pid} since"):
            with RunDir(run).lock():
                pass
    finally:
        child.kill()
        child.wait()
    assert (run / ".lock").exists()   # the file stays; the kernel dropped the lock
    with RunDir(run).lock():
        pass


def test_show_and_export_do_not_need_the_lock(run_copy):
    with RunDir(run_copy).lock():
        shown = CliRunner().invoke(app, ["show", str(run_copy)])
        exported = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert shown.exit_code == 0 and "done" in shown.output
    assert exported.exit_code == 0, exported.output


def test_lock_removes_only_stale_temporaries(tmp_path):
    run = tmp_path / "run"
    for d in ("fields", "checkpoints", "plots", "stages/2/checkpoints"):
        (run / d).mkdir(parents=True)
    stale = [run / ".metrics.json.tmp-0badf00d", run / "fields" / ".solution.xdmf.tmp-01234567",
             run / "fields" / ".solution.vtu.tmp-89abcdef.vtu", run / "plots" / ".u.png.tmp-aaaa0000.png",
             run / "checkpoints" / ".previous.pt.staged-4242",
             run / "fields" / ".solution_vtu.old-deadbeef",
             run / "stages" / "2" / "checkpoints" / ".last.pt.tmp-12345678"]
    for p in stale:
        if p.name.endswith(("01234567", "deadbeef")):
            p.mkdir()
            (p / "solution.h5").write_bytes(b"half")
        else:
            p.write_bytes(b"half")
    kept = [run / "fields" / "notes.tmp-1", run / "fields" / ".hidden", run / "plots" / "u.png",
            run / ".x.tmp-NOTHEX00"]
    for p in kept:
        p.write_text("mine")
    with RunDir(run).lock():
        pass
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)


def test_export_cleans_what_an_interrupted_export_left(run_copy):
    debris = run_copy / "fields" / ".solution.xdmf.tmp-feedface"
    debris.mkdir()
    (debris / "solution.h5").write_bytes(b"cut")
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert result.exit_code == 0, result.output
    assert not debris.exists()


# ------------------------------------------------------------------ 18.2, 19.11: states

def test_out_that_is_a_file_is_a_located_error(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("not a directory")
    with pytest.raises(RunError, match=rf"{re.escape(str(target))}: is a file, not a directory"):
        RunDir(target).prepare()
    assert target.read_text() == "not a directory"


def test_out_below_an_unwritable_parent_is_a_located_error():
    # /proc refuses new entries even to root, unlike a chmod-ed folder.
    with pytest.raises(RunError, match=r"/proc/pinnsolve-no/run: cannot create the run directory"):
        RunDir("/proc/pinnsolve-no/run").prepare()


@pytest.mark.parametrize("name", ["fields", "plots", "checkpoints", "stages"])
def test_an_output_folder_that_is_a_file_fails_before_training(tmp_path, name):
    (tmp_path / name).write_text("oops")
    with pytest.raises(RunError, match=rf"{re.escape(str(tmp_path / name))}: is a file, but"):
        RunDir(tmp_path).prepare()


def test_marker_is_written_only_into_new_or_empty_directories(tmp_path):
    RunDir(tmp_path / "new").prepare()
    assert (tmp_path / "new" / MARKER).is_file()
    foreign = tmp_path / "project"
    (foreign / "fields").mkdir(parents=True)
    (foreign / "fields" / "survey.csv").write_text("data")
    RunDir(foreign).prepare()
    assert not (foreign / MARKER).exists()


def test_clear_refuses_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "fields").mkdir()
    (tmp_path / "fields" / "survey.csv").write_text("data")
    (tmp_path / "config.yaml").write_text("an unrelated project's config")
    with pytest.raises(RunError, match="is not a pinnsolve run directory"):
        RunDir(tmp_path).clear()
    assert (tmp_path / "fields" / "survey.csv").exists()


def test_clear_of_a_real_run_removes_outputs_only(run_copy, tmp_path):
    (run_copy / MARKER).unlink(missing_ok=True)       # a run made before the marker existed
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.png").write_text("x")
    shutil.rmtree(run_copy / "plots", ignore_errors=True)
    (run_copy / "plots").symlink_to(outside, target_is_directory=True)
    RunDir(run_copy).clear()
    left = sorted(p.name for p in run_copy.iterdir() if p.name != ".lock")
    assert left == ["config.yaml", "env.json", "settings.json"]
    assert (outside / "keep.png").exists()            # the link went, not its target


def test_clear_of_an_empty_or_missing_directory_is_fine(tmp_path):
    RunDir(tmp_path / "missing").clear()
    RunDir(tmp_path).clear()


def test_full_disk_on_the_log_append_is_a_located_error(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", full)
    with pytest.raises(RunError, match=r"metrics\.jsonl: cannot append: No space left on device"):
        RunDir(tmp_path).append_log({"step": 7})


def test_append_text_appends(tmp_path):
    append_text(tmp_path / "log", "a\n")
    append_text(tmp_path / "log", "b\n")
    assert (tmp_path / "log").read_text() == "a\nb\n"


def test_clean_stale_skips_missing_directories(tmp_path):
    assert clean_stale(tmp_path / "nope") == []


# ------------------------------------------------------------------ 18.7, 19.11, 19.12: show

def test_show_of_a_finished_run(trained):
    result = CliRunner().invoke(app, ["show", str(trained)])
    assert result.exit_code == 0 and "done in" in result.output and "3 steps" in result.output


def test_show_of_an_interrupted_run(tmp_path):
    def stop(event, info):
        if event == "log" and info.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pinnsolve.solve({**TINY, "training": {**TINY["training"], "phases": [
            {"optimizer": "adam", "steps": 10}]}}, out=tmp_path / "r", callback=stop)
    result = CliRunner().invoke(app, ["show", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "interrupted at step 2 of 10" in result.output and "done" not in result.output


def test_show_of_a_resumed_run_interrupted_again(run_copy):
    # Finished at 3 steps, resumed for 8 and stopped at 5: the log outruns metrics.json.
    with open(run_copy / "metrics.jsonl", "a") as f:
        for step in (4, 5):
            f.write(json.dumps({"step": step, "total_steps": 8}) + "\n")
    result = CliRunner().invoke(app, ["show", str(run_copy)])
    assert "interrupted at step 5 of 8" in result.output
    assert "earlier finish at step 3" in result.output


def test_show_of_a_never_trained_run(run_copy):
    for name in ("metrics.json", "metrics.jsonl"):
        (run_copy / name).unlink()
    shutil.rmtree(run_copy / "checkpoints")
    result = CliRunner().invoke(app, ["show", str(run_copy)])
    assert result.exit_code == 0 and "never trained" in result.output
    assert "0.0 s" not in result.output and "done" not in result.output


@pytest.mark.parametrize("content", ['{"steps": 3, "train_ti', "", "[1, 2]", "\xff\xfe"])
def test_show_of_a_malformed_metrics_file_is_located(run_copy, content):
    (run_copy / "metrics.json").write_bytes(content.encode("latin-1"))
    result = CliRunner().invoke(app, ["show", str(run_copy)])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert f"{run_copy}/metrics.json:".replace(" ", "") in flat(result)


@pytest.mark.parametrize("junk", ['[1, 2]\n{"step": 9}\n', '{"step": "x"}\n', '{"ste',
                                  "\xff\n"])
def test_show_and_export_read_a_damaged_log_up_to_the_damage(run_copy, junk):
    with open(run_copy / "metrics.jsonl", "ab") as f:
        f.write(junk.encode("latin-1"))
    shown = CliRunner().invoke(app, ["show", str(run_copy)])
    assert shown.exit_code == 0 and "done in" in shown.output, shown.output
    exported = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert exported.exit_code == 0, exported.output


def test_export_with_a_cut_config_is_located(run_copy):
    (run_copy / "config.yaml").write_text("domain: {x: [0, 1")
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert result.exit_code == 2 and "config.yaml" in flat(result)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name, command", [("metrics.json", ["show"]),
                                           ("env.json", ["export", "--npz"])])
def test_a_fifo_among_the_run_files_is_refused_not_read(run_copy, name, command):
    (run_copy / name).unlink()
    os.mkfifo(run_copy / name)
    start = time.perf_counter()
    result = CliRunner().invoke(app, [command[0], str(run_copy), *command[1:]])
    assert result.exit_code == 4 and f"{name}:isnotaregularfile" in flat(result)
    assert time.perf_counter() - start < 2.0


def test_show_with_odd_values_in_metrics_still_answers(run_copy):
    (run_copy / "metrics.json").write_text(json.dumps({"steps": 3, "train_time_s": "soon",
                                                       "errors": {"u": "big"}}))
    result = CliRunner().invoke(app, ["show", str(run_copy)])
    assert result.exit_code == 0 and "unexpected values" in result.output


# ------------------------------------------------------------------ export: inputs

@pytest.mark.parametrize("content", ["{", "[]", '{"source": 7}'])
def test_export_with_a_malformed_env_file_is_located(run_copy, content):
    (run_copy / "env.json").write_text(content)
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert f"{run_copy}/env.json:".replace(" ", "") in flat(result)


def test_export_does_not_read_settings_json(run_copy):
    # config.yaml is the run's source of truth; settings.json is a record for people.
    (run_copy / "settings.json").write_text("{ cut")
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("grid, message", [
    ("z=10", "nocoordinate'z'toputagridon;itsgridcoordinatesarex,t"),
    ("x=5,foo=7", "nocoordinate'foo'"),
    ("x=1", "count≥2"), ("t=0", "count≥2"),
    ("x=100000,t=100000", "10000000000points(x100000×t100000),abovelimits.max_grid_points"),
])
def test_export_grid_errors_name_the_coordinate(run_copy, grid, message):
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["export", str(run_copy), "--npz", "--grid", grid])
    assert result.exit_code == 2 and message in flat(result), result.output
    assert time.perf_counter() - start < 2.0   # refused before anything is allocated


def test_export_grid_cap_can_be_raised(run_copy):
    low = CliRunner().invoke(app, ["export", str(run_copy), "--npz", "--grid", "x=6,t=4",
                                   "--max-grid-points", "20"])
    assert low.exit_code == 2 and "--max-grid-pointsN" in flat(low)
    ok = CliRunner().invoke(app, ["export", str(run_copy), "--npz", "--grid", "x=6,t=4",
                                  "--max-grid-points", "24"])
    assert ok.exit_code == 0, ok.output
    assert np.load(run_copy / "fields" / "solution.npz")["u"].shape == (6, 4)


def test_python_export_checks_the_grid_too(run_copy):
    with pytest.raises(SpecError, match=r"key 'grid.y'.*grid coordinates are x, t"):
        pinnsolve.open_run(run_copy).export(formats=["npz"], grid={"y": 4})
    with pytest.raises(SpecError, match=r"key 'grid.x'.*at least 2 points"):
        pinnsolve.open_run(run_copy).export(formats=["npz"], grid={"x": 1})


def test_output_grid_of_one_point_fails_at_load():
    with pytest.raises(SpecError, match=r"key 'output.grid.t'.*at least 2 points, got 1"):
        pinnsolve.load_problem({**TINY, "output": {"grid": {"t": 1}}})


# ------------------------------------------------------------------ export: formats

def _model(n_in: int):
    torch.manual_seed(0)
    return torch.nn.Linear(n_in, 1).double()


@pytest.mark.parametrize("formats, expect, absent", [
    (["vtu"], {"solution.pvd", "solution_vtu"}, {"solution.xdmf", "solution.vtu"}),
    (["xdmf"], {"solution.xdmf", "solution.h5"}, {"solution.pvd", "solution_vtu"}),
])
def test_time_dependent_formats_do_what_was_asked(tmp_path, formats, expect, absent):
    problem = pinnsolve.load_problem(TINY)
    model = _model(2)
    write_outputs(problem, model, tmp_path, formats=formats, sizes={"x": 4, "t": 3})
    names = {p.name for p in (tmp_path / "fields").iterdir()}
    assert expect <= names and not (absent & names)
    if "vtu" in formats:
        pvd = (tmp_path / "fields" / "solution.pvd").read_text()
        times = [float(t) for t in re.findall(r'timestep="([^"]+)"', pvd)]
        np.testing.assert_allclose(times, [0, 0.25, 0.5])
        files = re.findall(r'file="([^"]+)"', pvd)
        last = meshio.read(tmp_path / "fields" / files[-1])
        assert last.points.shape == (4, 3)
        # The slice at t = 0.5 holds the model's values at (x, 0.5): time is not geometry.
        x = np.linspace(0, 1, 4)
        want = model(torch.tensor(np.column_stack([x, np.full(4, 0.5)]))).detach().numpy()[:, 0]
        np.testing.assert_allclose(last.point_data["u"], want, atol=1e-12)


def test_vtu_series_replaces_old_slices(tmp_path):
    problem = pinnsolve.load_problem(TINY)
    write_outputs(problem, _model(2), tmp_path, formats=["vtu"], sizes={"x": 4, "t": 5})
    write_outputs(problem, _model(2), tmp_path, formats=["vtu"], sizes={"x": 4, "t": 2})
    assert len(list((tmp_path / "fields" / "solution_vtu").iterdir())) == 2
    assert [p.name for p in (tmp_path / "fields").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("formats, expect, absent", [
    (["xdmf"], {"solution.xdmf", "solution.h5"}, {"solution.vtu"}),
    (["vtu"], {"solution.vtu"}, {"solution.xdmf"}),
])
def test_steady_formats_do_what_was_asked(tmp_path, formats, expect, absent):
    problem = pinnsolve.load_problem(STEADY)
    model = _model(2)
    write_outputs(problem, model, tmp_path, formats=formats)
    names = {p.name for p in (tmp_path / "fields").iterdir()}
    assert expect <= names and not (absent & names)
    mesh = meshio.read(tmp_path / "fields" / ("solution.xdmf" if "xdmf" in formats
                                              else "solution.vtu"))
    assert mesh.points.shape == (12, 3) and mesh.cells[0].type == "quad"
    want = model(torch.tensor(mesh.points[:, :2])).detach().numpy()[:, 0]
    np.testing.assert_allclose(np.asarray(mesh.point_data["u"]).reshape(-1), want, atol=1e-12)


def test_collocation_cloud_keeps_time_out_of_the_geometry_and_names_regions(tmp_path):
    pts = np.array([[0.1, 0.0], [0.2, 0.3], [0.0, 0.4], [1.0, 0.2]])
    values = {"residual": np.arange(4.0), "region": np.array([1, 1, 2, 0])}
    path = write_point_cloud(tmp_path / "fields" / "collocation.vtu", pts, values, time="t",
                             regions=("initial", "interior", "x=0"), run_path=tmp_path)
    cloud = meshio.read(path)
    np.testing.assert_array_equal(cloud.points[:, 0], pts[:, 0])
    assert (cloud.points[:, 1:] == 0).all()                       # t is not y
    np.testing.assert_array_equal(cloud.point_data["t"], pts[:, 1])
    table = {k: int(np.asarray(v).reshape(-1)[0]) for k, v in cloud.field_data.items()}
    assert table == {"region:initial": 0, "region:interior": 1, "region:x=0": 2}


def test_collocation_cloud_refuses_a_linked_fields_folder(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "fields").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(RunError, match="is a symbolic link"):
        write_point_cloud(tmp_path / "run" / "fields" / "collocation.vtu", np.zeros((2, 2)),
                          {}, run_path=tmp_path / "run")
    assert list((tmp_path / "outside").iterdir()) == []


def test_sigterm_during_export_leaves_no_temporaries(run_copy, monkeypatch):
    import signal

    from pinnsolve.io import vtk

    def killed(self, *args, **kwargs):   # SIGTERM arrives while the series is half written
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(vtk._SiblingH5Writer, "write_data", killed)
    before = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(app, ["export", str(run_copy), "--xdmf"])
    assert result.exit_code == 128 + signal.SIGTERM
    assert [p.name for p in (run_copy / "fields").iterdir() if ".tmp-" in p.name] == []
    assert signal.getsignal(signal.SIGTERM) == before   # the handler is the command's only


def test_show_of_a_directory_prepared_but_never_configured(tmp_path):
    RunDir(tmp_path / "r").prepare()
    result = CliRunner().invoke(app, ["show", str(tmp_path / "r")])
    assert result.exit_code == 4 and "nevertrained" in flat(result)


@pytest.mark.parametrize("plant", ["out-is-a-file", "fields-is-a-file"])
def test_cli_solve_into_a_bad_directory_is_a_located_error(tmp_path, plant):
    import yaml

    problem = tmp_path / "heat.yaml"
    problem.write_text(yaml.safe_dump(TINY))
    out = tmp_path / "out"
    if plant == "out-is-a-file":
        out.write_text("a file")
        bad, why = out, "isafile,notadirectory"
    else:
        out.mkdir()
        (out / "fields").write_text("a file")
        bad, why = out / "fields", "isafile,buttherundirectoryneedsadirectoryhere"
    result = CliRunner().invoke(app, ["solve", str(problem), "--out", str(out), "--quiet"])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert f"{bad}:{why}".replace(" ", "") in flat(result)


@pytest.mark.parametrize("shaped", [False, True])
def test_solve_writes_the_fields_it_measured_once(tmp_path, shaped, monkeypatch):
    """A solve evaluates the model and the reference once on the output grid, for the
    errors and the files; what it writes equals what a later export evaluates afresh
    (NaN outside a shaped domain in both)."""
    problem = {"domain": {"x": [-1, 1], "y": [-1, 1], "t": [0, 1]}, "fields": ["u"],
               "equations": ["diff(u, t) = 0.1*laplacian(u)"],
               "conditions": [{"where": "t = 0", "dirichlet": "x*y"},
                              {"where": "boundary", "dirichlet": "x*y"}],
               "reference": {"exact": {"u": "x*y"}},
               "model": {"width": 8, "depth": 2}, "sampling": {"interior": 64, "boundary": 16},
               "training": {"phases": [{"optimizer": "adam", "steps": 3}], "dtype": "float64",
                            "seed": 0},
               "output": {"grid": {"x": 9, "y": 7, "t": 3}, "formats": ["npz"]}}
    if shaped:
        problem["domain"]["shape"] = {"disk": {"center": [0, 0], "radius": 1}}
    from pinnsolve.io import output

    def again(*args, **kwargs):
        raise AssertionError("the solve evaluated the model on its grid a second time")
    with monkeypatch.context() as m:
        m.setattr(output, "evaluate", again)
        run = pinnsolve.solve(problem, out=tmp_path / "run")
    solved = dict(np.load(tmp_path / "run" / "fields" / "solution.npz"))
    run.export(formats=["npz"])
    exported = dict(np.load(tmp_path / "run" / "fields" / "solution.npz"))
    assert sorted(solved) == sorted(exported) and "u_ref" in solved
    for k in solved:
        np.testing.assert_array_equal(solved[k], exported[k])
    assert np.isnan(solved["u"]).any() == shaped
