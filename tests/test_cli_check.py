"""The command line (pinnsolve.cli) through typer's CliRunner: check, --version, --help.

The oracle for what ``check`` must list is the library itself on the same file (term names
from compile_problem); error cases assert the exit code (2), the file and dotted key in the
message, that the message goes to stderr, and that no traceback reaches the user.
Rich draws boxes and wraps long lines at spaces, so messages are compared after removing the
box characters and collapsing whitespace; error cases run in tmp_path with short relative
file names so that no path is folded mid-word.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pinnsolve import __version__
from pinnsolve.cli import app
from pinnsolve.compiler import compile_problem
from pinnsolve.spec import load_problem

ROOT = Path(__file__).resolve().parents[1]
PROBLEM_FILES = sorted((ROOT / "problems").glob("*.yaml"))
BOX = re.compile(r"[│╭╮╰╯─┃━┏┓┗┛┡┩└┘┌┐╇╈┳┻┼╴╶]")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # in case FORCE_COLOR is set where the tests run
# A fixed width keeps the wrapping the same in a terminal and in CI: typer's help console
# reads COLUMNS when it prints; pinnsolve's consoles are pinned by the fixture below.
runner = CliRunner(env={"COLUMNS": "120"})


pytestmark = pytest.mark.usefixtures("fixed_console_width")   # tests/conftest.py


def flat(text: str) -> str:
    return " ".join(BOX.sub(" ", ANSI.sub("", text)).split())


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], prog_name="pinnsolve")


def assert_clean_failure(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit)  # not an escaped Python exception
    assert "Traceback" not in result.output
    assert result.stdout == ""  # the message goes to stderr
    message = flat(result.stderr)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# -- check on the bundled problems ----------------------------------------------------------
def test_problem_files_are_discovered():
    assert len(PROBLEM_FILES) >= 7


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=[p.stem for p in PROBLEM_FILES])
def test_check_succeeds_and_lists_every_term(path):
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and result.stderr == ""
    out = result.stdout
    names = compile_problem(load_problem(path)).term_names
    assert names
    text = flat(out)
    for name in names:
        assert re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text), name
    assert load_problem(path).name in text
    assert out.rstrip().endswith("ok")


@pytest.mark.parametrize("name, row", [
    ("poisson2d", "pde interior -laplacian(u) - 2*pi**2*sin(pi*x)*sin(pi*y) Δu"),
    ("kovasznay", "momentum_y interior p_y + u*v_x + v*v_y - laplacian(v)/Re "
                  "Δv, u, v, v_x, v_y, p_y"),
])
def test_check_prints_laplacians_with_their_field(name, row):
    # The whole table row: the residual names the field inside laplacian(...) and the
    # derivative column lists Δ of that field (not a SymPy class repr, not another field).
    result = invoke("check", ROOT / "problems" / f"{name}.yaml")
    assert result.exit_code == 0, result.output
    rows = [flat(line) for line in result.stdout.splitlines()]
    assert row in rows, "\n".join(rows)
    assert "<class" not in result.stdout and "sympy.core" not in result.stdout


def test_check_accepts_a_neumann_condition_on_the_whole_boundary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("flux.yaml").write_text(
        "domain: {x: [0, 1], y: [0, 1]}\nfields: [u]\nequations: ['laplacian(u) = 0']\n"
        "conditions:\n  - {where: boundary, name: flux, neumann: x}\n")
    result = invoke("check", "flux.yaml")
    assert result.exit_code == 0, repr(result.exception)
    assert "flux" in flat(result.stdout)


def test_check_clips_a_long_expression_and_json_keeps_it(tmp_path, monkeypatch):
    """A condition written through long defined expressions expanded to 60 table lines
    (a plate's free-edge shear); the table shows its first CLIP characters."""
    import json
    from pinnsolve._render import CLIP
    monkeypatch.chdir(tmp_path)
    long = " + ".join(f"cos({k}*x)*sinh({k}*y)/{k + 1}" for k in range(1, 40))
    Path("long.yaml").write_text(
        "domain: {x: [0, 1], y: [0, 1]}\nfields: [u]\nequations: ['laplacian(u) = 0']\n"
        f"conditions:\n  - {{where: boundary, name: edge, equation: 'dn(u) = {long}'}}\n")
    result = invoke("check", "long.yaml")
    assert result.exit_code == 0, repr(result.exception)
    assert "characters; check --json shows all" in flat(result.stdout)
    assert "sinh(39*y)" not in flat(result.stdout).replace(" ", "")
    shown = invoke("check", "long.yaml", "--json")
    row = next(t for t in json.loads(shown.stdout.splitlines()[-1])["terms"]
               if t["name"] == "edge")
    assert "sinh(39*y)" in row["residual"].replace(" ", "") and len(row["residual"]) > CLIP


# -- check: clean failures ------------------------------------------------------------------
BAD_FILES = {
    "unknown_function": ("domain: {x: [0, 1]}\nfields: [u]\n"
                         "equations:\n  - diff(u, x) = floor(x)\n",
                         ["key 'equations.0'", "unknown function 'floor'"]),
    "invalid_yaml": ("domain: {x: [0, 1]\nfields: [u]\n", ["invalid YAML at line 2"]),
    "unknown_top_key": ("domain: {x: [0, 1]}\nfields: [u]\nequations: ['u = 0']\ncolour: red\n",
                        ["key 'colour'", "unknown key"]),
    "not_a_mapping": ("- a\n- b\n", ["expected a mapping at the top level"]),
    "missing_equations": ("domain: {x: [0, 1]}\nfields: [u]\n", ["key 'equations'", "missing"]),
    "where_not_an_end": ("domain: {x: [0, 1]}\nfields: [u]\nequations: ['diff(u, x) = 0']\n"
                         "conditions:\n  - {where: x = 2, dirichlet: 0}\n",
                         ["key 'conditions.0.where'", "is not an end of x's range"]),
    "python_in_expression": ("domain: {x: [0, 1]}\nfields: [u]\n"
                             "equations: [\"u = __import__('os').system('true')\"]\n",
                             ["key 'equations.0'", "only plain function names can be called"]),
    "empty": ("", ["the file is empty"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_check_bad_file_exits_2_naming_file_and_key(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, fragments = BAD_FILES[case]
    Path("bad.yaml").write_text(text)
    result = invoke("check", "bad.yaml")
    assert_clean_failure(result, "bad.yaml", *fragments)


@pytest.mark.parametrize("override, fragments", [
    ("training.phases.0.steps=abc", ["key 'training.phases.0.steps'", "expected a whole number"]),
    ("nonsense", ["key 'nonsense'", "must look like key.path=value"]),
    ("parameters.alpha=foo(", ["key 'parameters.alpha'", "not a valid expression"]),
    ("fields.5=v", ["key 'fields.5'", "is not an index of this list"]),
    ("x=[1, 0]", ["key 'domain.x'", "expected lo < hi"]),
])
def test_check_bad_override_exits_2_naming_file_and_key(override, fragments, tmp_path,
                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "problems" / "heat1d.yaml", "heat.yaml")
    assert invoke("check", "heat.yaml").exit_code == 0  # the file itself is fine
    result = invoke("check", "heat.yaml", override)
    assert_clean_failure(result, "heat.yaml", *fragments)


def test_check_good_override_is_applied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "problems" / "heat1d.yaml", "heat.yaml")
    result = invoke("check", "heat.yaml", "training.phases.0.steps=7", "parameters.alpha=0.25")
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "adam 7" in text and "alpha = 0.25" in text


@pytest.mark.parametrize("name, fragment", [
    ("missing.yaml", "cannot read the problem file"),
    ("adir", "not a regular file"),
])
def test_check_missing_file_exits_2(name, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("adir").mkdir()
    result = invoke("check", name)
    assert_clean_failure(result, name, fragment)


# -- --version and --help -------------------------------------------------------------------
def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"pinnsolve {__version__}"


@pytest.mark.parametrize("command, fragments", [
    ("check", ["Validate a problem file", "PROBLEM", "OVERRIDES"]),
    ("solve", ["Train a PINN", "--out", "--fresh", "--device", "--quiet", "--json"]),
    ("export", ["Re-export fields", "--vtk", "--xdmf", "--npz", "--png", "--grid", "--mesh"]),
    ("show", ["Show the metrics of a run directory", "RUN"]),
])
def test_command_help(command, fragments):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert f"Usage: pinnsolve {command}" in text
    for fragment in fragments:
        assert fragment.lower() in text.lower(), fragment
    assert "Traceback" not in result.output


def test_root_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    text = flat(result.stdout)
    for command in ("check", "solve", "export", "show", "--version"):
        assert command in text


def test_check_shows_vector_components_and_high_order_operators(tmp_path):
    # "x[i]" must not be swallowed as rich markup; Δ²u and diagonal sums are named.
    path = tmp_path / "vec.yaml"
    path.write_text("domain: {x: {dim: 3}}\nfields: [u]\nequations:\n"
                    "  - laplacian(laplacian(u)) + Sum(diff(u, x[i], 4), (i, 0, dim - 1))"
                    " = Sum(randn(i)*x[i]**2, (i, 0, dim - 1))\n")
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "x[i]**2" in text and "laplacian(laplacian(u))" in text
    assert "Sum(diff(u, x[i], 4), (i, 0, 2))" in text
    assert "Δ²u" in text and "Σ ∂^4u/∂x_i^4" in text


@pytest.mark.parametrize("name, words", [
    ("allen_cahn", "r3 (causal), 2048 interior points, moved every step"),
    ("poisson2d", "uniform, 2000 interior points, redrawn every 100 steps")])
def test_check_shows_the_sampling_strategy(name, words):
    result = invoke("check", ROOT / "problems" / f"{name}.yaml")
    assert words in flat(result.stdout)


@pytest.mark.parametrize("stem,name", [("2d heat (v2)", "p_2d_heat__v2_"), ("wärme", "wärme"),
                                       ("b" * 90, "b" * 64)])
def test_a_file_without_a_name_is_named_after_its_file(tmp_path, monkeypatch, stem, name):
    """A file without ``name`` takes its file name as a plain name (other characters as _,
    at most 64 characters), not an error at a 'name' key the file does not have."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"{stem}.yaml"
    path.write_text("domain: {x: [0, 1]}\nfields: [u]\nequations: ['diff(u, x, 2) = -1']\n"
                    "conditions: [{where: boundary, dirichlet: 0}]\n", encoding="utf-8")
    assert load_problem(path).name == name
    result = invoke("check", path.name)
    assert result.exit_code == 0, result.output
