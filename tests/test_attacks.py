"""No code execution: attack inputs through the CLI, checkpoints, reference and data files.

tests/test_security.py proves the loader harmless on its corpus; here the same corpus goes
through ``pinnsolve check`` in-process, and the files that are read *after* loading —
checkpoints (``torch.load``), reference and observation archives (``np.load``) — are
replaced by malicious ones. Every case must end in a clean error (or a fallback with a
warning), with nothing spawned, no socket opened and nothing written outside the run
directory (``tests/_audit.py``), and the sentinel that the payloads would create absent.
"""
from __future__ import annotations

import io
import os
import pickle
import re
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pinnsolve
from _audit import audited
from pinnsolve.cli import app
from pinnsolve.errors import RunError, SpecError
from pinnsolve.io.run import RunDir
from test_security import CORPUS, SENTINEL, TOUCH, _Touch

runner = CliRunner(env={"COLUMNS": "120"})

TINY = {
    "name": "tiny",
    "domain": {"x": [0, 1], "t": [0, 0.5]},
    "fields": ["u"],
    "equations": ["diff(u, t) = 0.1*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                   {"where": "boundary", "dirichlet": 0}],
    "model": {"width": 8, "depth": 2},
    "sampling": {"interior": 64},
    "training": {"dtype": "float64", "seed": 1, "log_every": 2, "checkpoint_every": 2,
                 "phases": [{"optimizer": "adam", "steps": 4, "lr": 0.01}]},
    "output": {"grid": {"x": 5, "t": 3}, "formats": ["npz"]},
}


class _ExecPayload:
    """Unpickling runs ``exec`` of a command; only ever pickled here."""

    def __reduce__(self):
        return (exec, (f"import os; os.system({TOUCH!r})",))


def _file_cases():
    return [c for c in CORPUS if not c.bug]


def test_cli_check_rejects_the_whole_attack_corpus(tmp_path):
    """Every corpus case that is a file (the CLI reads files) exits 2 with a clean panel."""
    tried = 0
    for k, case in enumerate(_file_cases()):
        tmp = tmp_path / f"c{k}"
        tmp.mkdir()
        source = case.make(tmp)
        if isinstance(source, dict):
            continue
        start = time.perf_counter()
        with audited() as events:
            res = runner.invoke(app, ["check", str(source), *case.overrides])
        tried += 1
        assert time.perf_counter() - start < 10, case.id
        assert res.exit_code == 2, (case.id, res.output[-500:])
        assert res.exception is None or isinstance(res.exception, SystemExit), case.id
        assert "Traceback" not in res.output, case.id
        assert "error" in res.output, case.id
        assert events == [], (case.id, events)
    assert tried >= 100  # the corpus minus the Python-mapping cases
    assert not SENTINEL.exists()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished tiny run with last.pt (step 4) and previous.pt (step 4 before the final
    save, or step 2)."""
    out = tmp_path_factory.mktemp("attacks") / "run"
    pinnsolve.solve(TINY, out=out)
    return out


def _copy_run(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _evil_checkpoints() -> dict[str, bytes]:
    raw = pickle.dumps({"version": 1, "model": _Touch()})
    buf = io.BytesIO()
    torch.save({"version": 1, "model": _ExecPayload(), "step": 0}, buf)
    return {"raw-pickle": raw, "torch-zip-with-reduce": buf.getvalue(),
            "pickle-exec": pickle.dumps(_ExecPayload())}


@pytest.mark.parametrize("kind", list(_evil_checkpoints()))
def test_malicious_checkpoint_is_not_unpickled(trained, tmp_path, kind):
    """A planted last.pt is refused by weights_only=True; the run falls back to previous.pt
    with a warning (and with both planted, a clean RunError)."""
    run = _copy_run(trained, tmp_path / "run")
    evil = _evil_checkpoints()[kind]
    (run / "checkpoints" / "last.pt").write_bytes(evil)
    with audited(run) as events, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = pinnsolve.open_run(run).model()
        resumed = pinnsolve.solve(TINY, out=run)   # resume also falls back
    assert isinstance(model, torch.nn.Module)
    assert resumed.metrics["steps"] == 4
    assert any("cannot read checkpoint" in str(w.message) for w in caught)
    assert events == [] and not SENTINEL.exists()
    for name in ("last.pt", "previous.pt"):
        (run / "checkpoints" / name).write_bytes(evil)
    with audited(run) as events, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RunError, match="no readable checkpoint"):
            pinnsolve.open_run(run).model()
    assert events == [] and not SENTINEL.exists()


def test_reference_file_with_pickle_is_refused_at_training(tmp_path):
    np.savez(tmp_path / "ref.npz", x=np.zeros(2), t=np.zeros(2),
             u=np.array([_Touch(), 1.0], dtype=object), allow_pickle=True)
    raw = dict(TINY, reference={"file": "ref.npz"})
    path = tmp_path / "p.yaml"
    import yaml

    path.write_text(yaml.safe_dump(raw))
    # Both solves may create their own run directory (its lock and marker): nothing else.
    with audited(tmp_path) as events:
        with pytest.raises(SpecError, match=r"reference\.file.*(Object arrays|pickled)"):
            pinnsolve.solve(path, out=tmp_path / "run")
        res = runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "run2"), "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert events == [] and not SENTINEL.exists()


def _yaml_with_data(tmp: Path, data: str) -> Path:
    import yaml

    raw = dict(TINY, conditions=TINY["conditions"] + [{"data": data}])
    path = tmp / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_zip_bomb_npz_is_refused_before_unpacking(tmp_path):
    """An archive whose member declares 4 GiB (as a deflated run of zeros would, from a few
    MB): refused from its headers, in well under a second, before anything is unpacked."""
    bomb = tmp_path / "bomb.npz"
    np.savez_compressed(bomb, x=np.zeros(4), t=np.zeros(4), u=np.zeros(4))
    data = bytearray(bomb.read_bytes())
    # Declared uncompressed size: offset 24 of each central-directory record (PK\1\2).
    for m in re.finditer(rb"PK\x01\x02", bytes(data)):
        data[m.start() + 24:m.start() + 28] = (0xFFFF0000).to_bytes(4, "little")
    bomb.write_bytes(bytes(data))
    assert sum(i.file_size for i in zipfile.ZipFile(bomb).infolist()) > 3 << 30
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"unpacks to \d+ bytes"):
        pinnsolve.load_problem(_yaml_with_data(tmp_path, "bomb.npz"))
    assert time.perf_counter() - start < 1.0


def test_fifo_as_data_file_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.npz")
    with pytest.raises(SpecError, match="not a regular file"):
        pinnsolve.load_problem(_yaml_with_data(tmp_path, "pipe.npz"))


def test_reference_arrays_of_different_lengths_are_a_clean_error(tmp_path):
    np.savez(tmp_path / "ref.npz", x=np.zeros(3), t=np.zeros(2), u=np.zeros(3))
    from pinnsolve.io.fields import reference_data

    import yaml
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(dict(TINY, reference={"file": "ref.npz"})))
    with pytest.raises(SpecError, match=re.escape("reference arrays differ in length")):
        reference_data(pinnsolve.load_problem(path))
    np.savez(tmp_path / "ref.npz", x=np.zeros(3), t=np.zeros(3), u=np.array([0, np.nan, 1]))
    with pytest.raises(SpecError, match="NaN or inf"):
        reference_data(pinnsolve.load_problem(path))


def test_an_exact_reference_undefined_at_a_grid_point_is_measured_without_it(tmp_path):
    """sin(πx)/x at x = 0 (a grid point) is 0/0: the point is left out, not a NaN error;
    an expression undefined over much of the grid is a clear error naming the key."""
    import yaml
    from pinnsolve.io.fields import reference_data
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(dict(TINY, domain={"x": [-1, 1], "t": [0, 0.5]},
                                        output={"grid": {"x": 201, "t": 3}},
                                        reference={"exact": {"u": "sin(pi*x)/x"}})))
    pts, ref = reference_data(pinnsolve.load_problem(path))
    assert np.isfinite(ref["u"]).all() and len(ref["u"]) == len(pts)
    assert not (pts[:, 0] == 0).any() and (np.abs(pts[:, 0]) < 0.05).any()
    path.write_text(yaml.safe_dump(dict(TINY, reference={"exact": {"u": "log(x - 0.5)"}})))
    with pytest.raises(SpecError, match=r"reference\.exact.*NaN or infinite at \d+ of"):
        reference_data(pinnsolve.load_problem(path))


def test_every_loader_in_the_package_is_safe():
    """Source audit: every np.load passes allow_pickle=False, every torch.load passes
    weights_only=True, and YAML is only read by safe loaders."""
    root = Path(pinnsolve.__file__).parent
    found = {"np.load": 0, "torch.load": 0, "yaml": 0}
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            code = line.split("#")[0]
            if "np.load(" in code or "numpy.load(" in code:
                found["np.load"] += 1
                assert "allow_pickle=False" in code, f"{path}: {line.strip()}"
            if "torch.load(" in code:
                found["torch.load"] += 1
                assert "weights_only=True" in code, f"{path}: {line.strip()}"
            if re.search(r"yaml\.(load|full_load|unsafe_load|load_all)\(|yaml\.(Unsafe|Full)?Loader\b", code):
                raise AssertionError(f"unsafe YAML loader in {path}: {line.strip()}")
            if re.search(r"(?<![.\w])(eval|exec|sympify|parse_expr)\(", code) and "def " not in code:
                raise AssertionError(f"{path}: {line.strip()}")
            if "pickle.load" in code:
                raise AssertionError(f"{path}: {line.strip()}")
            if "yaml." in code and ("safe_load" in code or "SafeLoader" in code):
                found["yaml"] += 1
    assert found["np.load"] >= 1 and found["torch.load"] >= 1 and found["yaml"] >= 1
