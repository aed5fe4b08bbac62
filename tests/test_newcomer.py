"""Issue 18 (a newcomer's first day), items 3-6 and 8-11: each test reproduces a reported
problem and checks the fix. CLI cases run in-process through typer's CliRunner."""
from __future__ import annotations

import io
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from pinnsolve import load_problem
from pinnsolve.cli import EXIT_CODES, app, exit_code
from pinnsolve.errors import CompileError, RunError, SolveError, SpecError
from pinnsolve.io.metrics import field_errors, headline

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner(env={"COLUMNS": "120"})


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], prog_name="pinnsolve")


def base(**extra) -> dict:
    """A small steady problem as a mapping."""
    m = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 1"],
         "conditions": [{"where": "boundary", "dirichlet": 0}]}
    m.update(extra)
    return m


# -- item 3: a zero reference gets an RMS error, labelled ------------------------------------
def test_zero_reference_is_measured_by_rms_and_says_so():
    err = np.array([0.1, -0.2, 0.05, 0.0])
    e = field_errors(err, np.zeros(4))
    assert e["measure"] == "rms"
    assert e["rms"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-14)  # by definition
    assert "l1re" not in e                       # no "relative" number that is not relative
    assert headline(e).startswith("RMS error") and "reference is zero" in headline(e)


def test_nonzero_reference_keeps_relative_l2():
    ref = np.array([1.0, 2.0, -2.0])
    e = field_errors(ref + 0.1, ref)
    assert e["measure"] == "l2re"
    assert e["l2re"] == pytest.approx(np.sqrt(3 * 0.01) / 3.0, rel=1e-14)  # ‖ref‖ = 3
    assert headline(e).startswith("L2 rel. error")


# -- item 4: missing initial condition, unused parameters, keywords as names ---------------------
def test_time_dependent_problem_without_initial_condition_warns():
    m = base(domain={"x": [0, 1], "t": [0, 1]}, equations=["diff(u, t) = diff(u, x, 2)"])
    with pytest.warns(UserWarning, match=r"key 'conditions'.*no condition holds at t = 0"):
        load_problem(m)


def test_a_field_whose_sign_nothing_sets_warns():
    """T only as σT⁴ (a grey atmosphere): −T solves the problem too, and training found it
    (L2RE 2.0). Not warned once a condition gives T's value, or T is differentiated."""
    import warnings

    raw = {"domain": {"z": [0, 1]}, "fields": ["U", "T"],
           "equations": ["diff(U, z) = 5.67e-8*T**4 - U", "U = 400"],
           "conditions": [{"where": "z = 0", "dirichlet": {"U": 400}}]}
    with pytest.warns(UserWarning, match=r"key 'fields': T appears only through even "
                                         r"functions.*training may find -T"):
        load_problem(raw)
    for other in ({**raw, "conditions": raw["conditions"] + [
                      {"where": "z = 1", "dirichlet": {"T": 290}}]},
                  {**raw, "equations": ["diff(U, z) = 5.67e-8*T**4 - U", "diff(T, z) = 0"]}):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            load_problem(other)
        assert not [w for w in seen if "even functions" in str(w.message)]


def test_a_face_without_a_condition_warns_where_the_order_needs_one():
    """Laplace with no condition at x = 1 is not determined: a warning names the face and
    the field. Not warned: a face held for another field (a pressure outlet), an outflow
    face of a first-order equation, an initial-value problem along a coordinate (y and y'
    at s = 0), a periodic coordinate."""
    def lint(**kw):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            load_problem(base(**kw))
        return [str(w.message) for w in seen if "no condition is given" in str(w.message)]

    square = {"x": [0, 1], "y": [0, 2]}
    found = lint(domain=square, equations=["laplacian(u) = 0"],
                 conditions=[{"where": "x = 0", "dirichlet": 0},
                             {"where": "y = 0 or y = 2", "dirichlet": 0}])
    assert len(found) == 1 and "key 'conditions': no condition is given at x = 1, though " \
        "the equations differentiate u 2 times in x" in found[0]
    stokes = dict(domain=square, fields=["u", "v", "p"],
                  equations=["laplacian(u) = diff(p, x)", "laplacian(v) = diff(p, y)",
                             "diff(u, x) + diff(v, y) = 0"])
    walls = [{"where": "x = 0 or y = 0 or y = 2", "dirichlet": {"u": 0, "v": 0}}]
    assert lint(**stokes, conditions=walls + [{"where": "x = 1", "dirichlet": {"p": 0}}]) == []
    assert len(lint(**stokes, conditions=walls)) == 1
    assert lint(domain={"x": [0, 1]}, equations=["diff(u, x) = u"],
                conditions=[{"where": "x = 0", "dirichlet": 1}]) == []
    assert lint(domain={"s": [0, 5]}, equations=["diff(u, s, 2) = -u"],
                conditions=[{"where": "s = 0", "dirichlet": 1},
                            {"where": "s = 0", "equation": "diff(u, s) = 0"}]) == []
    assert lint(domain={"s": [0, 5]}, equations=["diff(u, s, 2) = -u"],
                conditions=[{"where": "s = 0", "dirichlet": 1}]) != []
    assert lint(domain=square, equations=["laplacian(u) = sin(2*pi*x)"],
                conditions=[{"periodic": "x"}, {"where": "y = 0 or y = 2", "dirichlet": 0}]
                ) == []
    # both ends held, but a beam needs four conditions in all
    beam = dict(equations=["diff(u, x, 4) = 1"])
    found = lint(**beam, conditions=[{"where": "x = 0 or x = 1", "dirichlet": 0}])
    assert len(found) == 0   # the message below says "conditions are given", not "no ..."
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        load_problem(base(**beam, conditions=[{"where": "x = 0 or x = 1", "dirichlet": 0}]))
    said = [str(w.message) for w in seen]
    assert any("the equations differentiate u 4 times in x but 2 conditions are given at "
               "x = 0 and x = 1: an equation of order 4 needs 4" in m for m in said), said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_problem(base(**beam, conditions=[
            {"where": "x = 0 or x = 1", "dirichlet": 0},
            {"where": "x = 0 or x = 1", "equation": "diff(u, x, 2) = 0"}]))


def test_transport_terms_do_not_raise_the_order_the_conditions_need():
    """Inviscid vorticity: the Jacobian differentiates psi three times in y, but as a
    product of two derivatives it is transport; psi on each wall is enough (no warning).
    The same equation's linear third derivative still asks for three conditions."""
    channel = dict(domain={"x": [0, 2], "y": [0, 1], "t": [0, 1]}, fields=["psi"],
                   conditions=[{"periodic": "x"}, {"where": "y = 0 or y = 1", "dirichlet": 0},
                               {"where": "t = 0", "dirichlet": "sin(pi*x)*sin(pi*y)"}])
    jac = ("diff(laplacian(psi), t) + diff(psi, x)*diff(laplacian(psi), y) "
           "- diff(psi, y)*diff(laplacian(psi), x) + diff(psi, x) = 0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_problem(base(**channel, equations=[jac]))
    with pytest.warns(UserWarning, match="differentiate psi 3 times in y but 2 conditions"):
        load_problem(base(**channel, equations=["diff(laplacian(psi), t) + diff(psi, y, 3) = 0"]))
    # a nonlinear diffusion, (u_x³)_x = 3 u_x² u_xx, still asks for a condition at each end
    with pytest.warns(UserWarning, match="no condition is given at x = 1"):
        load_problem(base(domain={"x": [0, 1]}, equations=["diff(diff(u, x)**3, x) = 1"],
                          conditions=[{"where": "x = 0", "dirichlet": 0}]))


def test_a_part_of_a_shapes_boundary_without_a_condition_warns(tmp_path):
    """On a union the edge x = 0, 0 < y < 1 belongs to the first rectangle: naming only
    the second's x_min leaves it bare, and check says where (about 1/8 of the boundary)."""
    shape = {"union": [{"rectangle": {"min": [0, 0], "max": [2, 1]}, "name": "wing"},
                       {"rectangle": {"min": [0, 0], "max": [1, 2]}, "name": "tower"}]}
    raw = base(domain={"x": [0, 2], "y": [0, 2], "shape": shape},
               equations=["laplacian(u) = 1"],
               conditions=[{"where": {"boundary": ["wing.y_min", "wing.y_max", "wing.x_max",
                                                   "tower.x_min", "tower.x_max",
                                                   "tower.y_max"]}, "dirichlet": 0}])
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = invoke("check", str(path))
    said = " ".join(result.stderr.split())
    assert result.exit_code == 0 and "no condition is given on about 12% of the boundary " \
        "(near x = 0, y = 0." in said, said
    raw["conditions"][0]["where"]["boundary"].append("wing.x_min")
    path.write_text(yaml.safe_dump(raw))
    result = invoke("check", str(path))
    assert result.exit_code == 0 and "no condition is given" not in result.stderr


def test_unused_parameter_from_an_override_typo_warns():
    with pytest.warns(UserWarning, match=r"heat1d.yaml, key 'parameters.alhpa': declared but "
                                         r"used by no equation"):
        load_problem(ROOT / "problems" / "heat1d.yaml", ["parameters.alhpa=0.5"])


@pytest.mark.parametrize("name", ["heat1d", "heat_inverse", "poisson2d", "burgers"])
def test_bundled_problems_load_without_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        load_problem(ROOT / "problems" / f"{name}.yaml")


@pytest.mark.parametrize("mapping, key", [
    (base(parameters={"lambda": 0.5}, equations=["diff(u, x, 2) = 1"]), "parameters.lambda"),
    (base(fields=["u", "if"]), "fields.1"),
    (base(domain={"x": [0, 1], "class": [0, 1]}), "domain.class"),
])
def test_python_keyword_as_a_name_is_rejected_at_its_key(mapping, key):
    with pytest.raises(SpecError, match=rf"key '{re.escape(key)}'.*Python keyword"):
        load_problem(mapping)


# -- item 9: YAML flow collections split at commas -------------------------------------------------
@pytest.mark.parametrize("text, key", [
    ("domain: {x: [0, 1]}\nfields: [u]\nequations: [diff(u, x, 2) = 1]\n"
     "conditions: [{where: boundary, dirichlet: 0}]\n", "equations.0"),
    ("domain: {x: [0, 1]}\nfields: [u]\nequations: ['diff(u, x, 2) = 1']\nconditions:\n"
     "  - {where: x = 1, equation: diff(u, x) = 0}\n", "conditions.0.equation"),
])
def test_comma_split_by_yaml_is_explained(text, key):
    with pytest.raises(SpecError, match=rf"key '{re.escape(key)}'.*YAML split this at a comma: "
                                        "quote the expression"):
        load_problem(yaml.safe_load(text))


def test_a_comma_split_that_repeats_a_key_is_explained(tmp_path):
    """{i1: diff(q1e, t), i2: diff(q2e, t)} gives YAML the key 't)' twice: the error says
    the expression was split at its comma and asks to quote it."""
    path = tmp_path / "p.yaml"
    path.write_text("domain: {t: [0, 1]}\nfields: [q, i]\nequations: ['diff(q, t) = i', "
                    "'diff(i, t) = -q']\nconditions: [{where: t = 0, dirichlet: {q: 1, i: 0}}]\n"
                    "reference: {exact: {q: cos(t), i: diff(cos(t), t), j: diff(sin(t), t)}}\n")
    with pytest.raises(SpecError, match=r"key 't\)' appears twice .*split at a comma inside "
                                        r"\{\.\.\.\}: quote the expression"):
        load_problem(path)


# -- item 10: integer keys accept 1e3 ----------------------------------------------------------------
def test_steps_accept_exponent_notation():
    raw = yaml.safe_load("training: {phases: [{optimizer: adam, steps: 1e3}]}")
    assert raw["training"]["phases"][0]["steps"] == "1e3"   # YAML 1.1 reads it as text
    p = load_problem(base(**raw))
    assert p.settings.training.phases[0].steps == 1000
    with pytest.raises(SpecError, match=r"training.phases.0.steps'.*whole number, got 2.5"):
        load_problem(base(training={"phases": [{"steps": "2.5e0"}]}))


# -- item 5: exit codes, JSON errors, non-terminal progress ---------------------------------------
def test_exit_codes_are_distinct_and_documented():
    assert exit_code(SpecError("x")) == exit_code(CompileError("x")) == 2
    assert exit_code(SolveError("x")) == 3 and exit_code(RunError("x")) == 4
    assert len(set(EXIT_CODES.values())) == 3
    text = " ".join(invoke("--help").stdout.split())
    for fragment in ("2 bad problem file", "3 training failed", "4 run directory", "130 interrupted"):
        assert fragment in text


def test_check_json_error_is_one_line_with_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: {x: [0, 1]}\nfields: [u]\nequations: ['diff(u, x, 2) = 1']\n"
                   "model: {width: 0}\n")
    result = invoke("check", bad, "--json")
    assert result.exit_code == 2
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "error" and event["key"] == "model.width"
    assert event["file"] == str(bad) and "at least 1" in event["message"]


def test_check_json_lists_terms_and_imposition():
    result = invoke("check", ROOT / "problems" / "heat1d.yaml", "--json")
    assert result.exit_code == 0, result.output
    event = json.loads(result.stdout)
    assert event["parameters"] == {"alpha": 0.1}
    imposed = {t["name"]: t["imposed"] for t in event["terms"]}
    assert imposed["ic"] == "exactly" and imposed["pde"] is None


def test_check_json_carries_the_model_builds_notes(tmp_path):
    # The planned output scale (a temperature near 300) is in the JSON as on the screen.
    path = tmp_path / "hot.yaml"
    path.write_text("domain: {x: [0, 1]}\nfields: [T]\nequations: [\"diff(T, x, 2) = 0\"]\n"
                    "conditions:\n  - {where: x = 0, robin: {a: 1, b: 1, value: 300}}\n"
                    "  - {where: x = 1, neumann: 1}\n")
    result = invoke("check", path, "--json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert any(n.startswith("output scale 3") for n in notes), notes


def test_show_json_on_a_missing_run_is_a_run_error(tmp_path):
    result = invoke("show", tmp_path / "nothing", "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["event"] == "error"


def test_progress_off_a_terminal_is_timestamped_lines_and_warnings_go_to_stderr():
    from pinnsolve._render import ProgressView

    out, err = io.StringIO(), io.StringIO()
    view = ProgressView(Console(file=out, force_terminal=False, width=80),
                        Console(file=err, force_terminal=False, width=80))
    view("start", {"problem": "p", "total_steps": 1000})
    for step in range(10, 1001, 10):
        view("log", {"step": step, "total_steps": 1000, "phase": "adam",
                     "losses": {"pde": 1e-3, "bc": 2e-4}, "lr": 1e-3, "eta_s": 5.0})
    view("warning", {"message": "careful"})
    view("end", {})
    lines = out.getvalue().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
    assert all(re.match(stamp, line) for line in lines)
    # start + one line per 5 % (50 steps) of 1000; the 30 s clock never fires in this test
    assert len(lines) == 1 + 20
    assert "step 1000/1000 adam loss 1.200e-03" in lines[-1]
    assert not re.search(r"[│┃━┏]", out.getvalue())           # no table borders in a log
    assert "careful" in err.getvalue() and "careful" not in out.getvalue()


# -- item 8: check shows exact imposition and simplified parameters ----------------------------------
def test_check_shows_imposed_conditions_and_plain_parameters():
    text = " ".join(invoke("check", ROOT / "problems" / "heat1d.yaml").stdout.split())
    assert "alpha = 0.1" in text and "0.100000" not in text
    assert "exactly" in text and "imposed" in text


def test_imposition_reasons():
    from pinnsolve._render import imposition

    how = imposition(load_problem(ROOT / "problems" / "robin2d.yaml",
                                  ["model.hard_constraints=true"]))
    assert any(v.startswith("loss (neumann") for v in how.values())
    off = imposition(load_problem(ROOT / "problems" / "heat1d.yaml",
                                  ["model.hard_constraints=false"]))
    assert set(off.values()) == {"loss (model.hard_constraints is off)"}
    ring = load_problem(base(domain={"x": [0, 1], "t": [0, 1]},
                             equations=["diff(u, t) + diff(u, x) = 0"],
                             conditions=[{"periodic": "x"},
                                         {"where": "x = 0", "dirichlet": 0},
                                         {"where": "initial", "dirichlet": "sin(2*pi*x)"}]))
    assert imposition(ring)["bc_x_min"].startswith("loss (x is periodic: the model repeats")


def test_data_a_periodic_coordinate_cannot_repeat_warns():
    """An initial value with a drift 0.1 x and a reference with it, under {periodic: x}:
    both warned, with the two end values; sin and cos over whole periods are not (their
    end values differ by round-off)."""
    def lint(ic, exact):
        m = base(domain={"x": [0, "2*pi"], "t": [0, 1]},
                 equations=["diff(u, t) + diff(u, x) = 0"],
                 conditions=[{"periodic": "x"}, {"where": "initial", "dirichlet": ic}],
                 reference={"exact": {"u": exact}})
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            load_problem(m)
        return [str(w.message) for w in seen if "not periodic" in str(w.message)]

    assert lint("sin(x) + cos(3*x)", "sin(x - t) + cos(3*(x - t))") == []
    found = lint("0.1*x + sin(x)", "0.1*(x - t) + sin(x - t)")
    assert len(found) == 2
    assert "key 'conditions': the value of u in condition 'ic' is not periodic in x: 0 at " \
        "x = 0 against 0.628319 at x = 6.28319" in found[0]
    assert found[1].split("key ")[1].startswith("'reference.exact.u': the exact u is not "
                                                "periodic in x")


# -- item 6: plot orientation, aspect, slice labels, missing matplotlib ---------------------------------
def _drawn(axes, values, time=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pinnsolve.io.plots import _panel

    fig, ax = plt.subplots()
    _panel(fig, ax, axes, "u", values, time)
    mesh = ax.collections[0]
    info = (ax.get_xlabel(), ax.get_ylabel(), ax.get_aspect(), ax.get_title(),
            ax.get_xlim(), ax.get_ylim(), mesh.get_array().shape)
    plt.close(fig)
    return info


def test_steady_2d_field_draws_x_across_with_equal_aspect():
    pytest.importorskip("matplotlib")
    x, y = np.linspace(0, 2, 5), np.linspace(0, 1, 3)
    xl, yl, aspect, title, xlim, ylim, _ = _drawn({"x": x, "y": y}, np.zeros((5, 3)))
    assert (xl, yl) == ("x", "y") and aspect == 1.0
    assert xlim[1] > 1.9 and ylim[1] < 1.3            # x spans 2 horizontally, y 1 vertically
    _, _, aspect, _, _, _, _ = _drawn({"x": x, "t": y}, np.zeros((5, 3)), time="t")
    assert aspect == "auto"                            # x and t do not share units


def test_slices_of_3d_grids_are_labelled():
    pytest.importorskip("matplotlib")
    axes = {"x": np.linspace(0, 1, 4), "y": np.linspace(0, 1, 4), "t": np.linspace(0, 2, 5)}
    *_, title, _, _, shape = _drawn(axes, np.zeros((4, 4, 5)), time="t")
    assert title == "u at t = 1"                       # the middle of t ∈ [0, 2]
    assert int(np.prod(shape)) == 16                   # a 4 × 4 slice, not the 3-D block


def test_without_matplotlib_export_png_says_how_to_install(monkeypatch, tmp_path):
    from pinnsolve.io import plots

    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib → ImportError
    with pytest.raises(SpecError, match=r"install pinnsolve\[plot\]"):
        plots.require_matplotlib()
    with pytest.warns(UserWarning, match=r"install pinnsolve\[plot\]"):
        assert plots._pyplot() is None
    result = invoke("export", tmp_path, "--png")
    assert result.exit_code == 2 and "install pinnsolve[plot]" in " ".join(result.stderr.split())


# -- item 11: the settings reference ------------------------------------------------------------------
def test_committed_settings_page_is_current():
    from pinnsolve.spec.settings_doc import markdown

    assert (ROOT / "docs" / "settings.md").read_text() == markdown(), \
        "regenerate: python -m pinnsolve settings > docs/settings.md"


def test_settings_reference_covers_every_key_recursively():
    import dataclasses

    from pinnsolve.spec.schema import Settings
    from pinnsolve.spec.settings_doc import sections

    found = {(s.path, e.key) for s in sections() for e in s.entries}
    for sec in dataclasses.fields(Settings):
        for f in dataclasses.fields(sec.type if not isinstance(sec.type, str)
                                    else getattr(Settings(), sec.name).__class__):
            assert (sec.name, f.name) in found, (sec.name, f.name)
    assert ("training.phases[]", "steps") in found
    assert ("training.stages[].phases[]", "lr") in found


def test_settings_command_prints_one_section_and_rejects_unknown_ones():
    result = invoke("settings", "training.phases[]")
    assert result.exit_code == 0
    assert "| `steps` | whole number | `1000` | 0 … 100_000_000 |" in result.stdout
    assert "## `sampling`" not in result.stdout
    bad = invoke("settings", "trainig")
    assert bad.exit_code == 2 and "sections are: model" in " ".join(bad.stderr.split())


def test_a_librarys_deprecation_notices_are_not_shown_to_the_user(capsys):
    """torch.compile's internals warn that torch.jit.script is deprecated: a notice to
    torch's callers, not to a pinnsolve user; pinnsolve's own warnings still show."""
    import warnings

    from pinnsolve import cli

    with cli._show_warnings(json_lines=True):
        warnings.warn_explicit("`torch.jit.script` is deprecated", DeprecationWarning,
                               "/site-packages/torch/jit/_script.py", 1)
        warnings.warn_explicit("key 'parameters.k': declared but used by nothing",
                               UserWarning, "/site-packages/torch/whatever.py", 2)
        warnings.warn_explicit("pinnsolve's own deprecation", DeprecationWarning,
                               f"{cli.PACKAGE}/spec/load.py", 3)
    out = capsys.readouterr().out
    assert "declared but used" in out and "pinnsolve's own deprecation" in out
    assert "torch.jit.script" not in out
