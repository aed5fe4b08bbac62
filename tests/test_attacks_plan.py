"""Small files that made ``pinnsolve check`` run for minutes after the loader had accepted
them (attack review, stop 45): the plan's and the compiler's SymPy work is bounded, and
constants are evaluated in double precision over the expression's graph."""
from __future__ import annotations

import time

import pytest
import yaml
from typer.testing import CliRunner

from pinnsolve.cli import app
from test_security import hard_stop

runner = CliRunner(env={"COLUMNS": "120"})
HEAT = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
        "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                       {"where": "x = 0 or x = 1", "dirichlet": 0}]}
SLOW = 60.0   # seconds: each took minutes or never finished; each now takes a few


def _heat(equation: str) -> dict:
    return {**HEAT, "equations": [equation]}


RECIPROCALS = " + ".join(f"1/(x + {k}*y + t**{k})" for k in range(1, 25))
CASES = {
    # the plan expanded the power (frequency and layer rules read coefficients)
    "power-of-a-sum": _heat("diff(u, t) = diff(u, x, 2) + (u + x + t + 1)**64"),
    "power-of-a-power": _heat("diff(u, t) = diff(u, x, 2) + ((u + x + t)**64)**64"),
    # the jump rule placed breakpoints with the roots of x**4096 - 0.5
    "breakpoint-of-degree-4096": _heat(
        "diff(u, t) = diff(Piecewise((1, (x**64)**64 > 0.5), (2, True))*diff(u, x), x)"),
    # the compiler's operator rewrite compared coefficients with sympy.simplify
    "coefficients-simplified": {
        "domain": {"x": [0, 1], "y": [0, 1], "t": [0, 1]}, "fields": ["u"],
        "equations": [f"diff(u, t) = exp({RECIPROCALS})*diff(u, x, 2) + "
                      f"exp({RECIPROCALS} + 1/(x + 25*y))*diff(u, y, 2)"],
        "conditions": [{"where": "t = 0", "dirichlet": 0},
                       {"where": "boundary", "dirichlet": 0}]},
    # an exponential tower in Dirichlet data: evaluated in arbitrary precision before
    "tower-in-data": {
        "domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
        "equations": ["laplacian(u) = 0"],
        "conditions": [{"where": "x = 0", "dirichlet": "exp(exp(exp(exp(exp(1 + y)))))"},
                       {"where": "x = 1 or y = 0 or y = 1", "dirichlet": 0}]},
    # 30 constants defined from each other, each read twice by the next: a tree of 2**30
    # leaves that printing and substituting walked (an engineer's adsorber column)
    "constant-chain": {**_heat("diff(u, t) = diff(u, x, 2) + c29*u"),
                       "parameters": {"a": 0.9},
                       "define": {"c0": "a", **{f"c{k}": f"(c{k - 1} + c{k - 1}**2)/2"
                                                for k in range(1, 30)}}},
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_ends_quickly_without_a_traceback(name, tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(CASES[name]))
    start = time.perf_counter()
    with hard_stop(SLOW):
        result = runner.invoke(app, ["check", str(path)])
    assert time.perf_counter() - start < SLOW
    assert result.exit_code in (0, 2), result.output[-2000:]
    assert "Traceback" not in result.output


def test_a_terminal_escape_in_a_file_is_shown_escaped(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(_heat("diff(u, x, 2) = \x1b]0;TITLE\x07\x1b[2J")))
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\u001b" in result.output
