"""docs/tutorial.md runs: its YAML block is written to heat.yaml, its `pinnsolve ...` shell
lines go through the CLI in-process (CliRunner), its Python block is executed."""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pinnsolve.cli import app

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S)


def test_the_tutorial_has_its_parts():
    assert len(blocks("yaml")) == 1 and len(blocks("bash")) == 2 and len(blocks("python")) == 1
    assert "div(" in blocks("python")[0] and "grad(" in blocks("python")[0]


@pytest.mark.slow
def test_tutorial_commands_run(tmp_path, monkeypatch, capsys):
    """About 60 s on one thread: every command of the tutorial, in order."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "heat.yaml").write_text(blocks("yaml")[0], encoding="utf-8")
    runner = CliRunner()
    for block in blocks("bash"):
        for line in block.strip().splitlines():
            args = shlex.split(line)
            assert args[0] == "pinnsolve"
            result = runner.invoke(app, args[1:])
            assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "runs" / "heat_a02" / "metrics.json").exists()
    exec(compile(blocks("python")[0], str(TUTORIAL), "exec"), {})
    out = capsys.readouterr().out
    assert "['momentum_x', 'momentum_y', 'continuity']" in out
    assert "(5, 3)" in out
