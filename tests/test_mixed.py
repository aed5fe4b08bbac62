"""The mixed form (spec/mixed.py): a defined stress or flux that the equations
differentiate becomes a field with its definition as an equation; the rest stays inlined."""
from __future__ import annotations

import sympy as sp
import torch

from pinnsolve.models.build import build_model
from pinnsolve.spec import load_problem
from pinnsolve.spec.meaning import meaning_digest


def plate(**extra):
    """Plane stress on the unit square, tractions through the defined stresses."""
    return {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v"],
            "parameters": {"E": 200.0, "nu": 0.3},
            "define": {"C": "E/(1 - nu**2)", "exx": "diff(u, x)",
                       "sxx": "C*(exx + nu*diff(v, y))", "syy": "C*(diff(v, y) + nu*exx)",
                       "sxy": "E/(2*(1 + nu))*(diff(u, y) + diff(v, x))",
                       "energy": "sxx*exx"},
            "equations": ["diff(sxx, x) + diff(sxy, y) = 0",
                          "diff(sxy, x) + diff(syy, y) = 0"],
            "conditions": [{"where": "x = 0", "dirichlet": {"u": 0}},
                           {"where": "y = 0", "dirichlet": {"v": 0}},
                           {"where": "x = 0", "equation": "sxy = 0"},
                           {"where": "y = 0", "equation": "sxy = 0"},
                           {"where": "x = 1", "equation": "sxx = 1"},
                           {"where": "x = 1", "equation": "sxy = 0"},
                           {"where": "y = 1", "equation": "syy = 0"},
                           {"where": "y = 1", "equation": "sxy = 0"}], **extra}


def test_differentiated_stresses_become_fields_with_their_laws():
    p = load_problem(plate())
    assert p.promoted == ("sxx", "syy", "sxy")
    assert p.fields == ("u", "v", "sxx", "syy", "sxy")
    x, y = sp.symbols("x y")
    u, v, sxx, sxy = (sp.Function(n)(x, y) for n in ("u", "v", "sxx", "sxy"))
    own, laws = p.equations[:2], {e.name: e for e in p.equations[2:]}
    assert set(laws) == {"sxx_law", "syy_law", "sxy_law"}
    # the law: the field minus its definition (the strain exx inlined in it)
    c = 200.0 / (1 - 0.09)
    expected = sxx - c * (sp.Derivative(u, x) + 0.3 * sp.Derivative(v, y))
    assert sp.simplify(laws["sxx_law"].expr.subs({sp.Symbol("E"): 200.0,
                                                   sp.Symbol("nu"): 0.3}) - expected) == 0
    # the equations and conditions read the fields: first order, tractions on values
    assert sp.expand(own[0].expr - sp.Derivative(sxx, x) - sp.Derivative(sxy, y)) == 0
    tractions = [c for c in p.conditions if c.kind == "equation"]
    assert len(tractions) == 6
    assert all(not c.expr.atoms(sp.Derivative) for c in tractions)
    # a definition not differentiated by the equations stays inlined (energy, exx)
    assert "energy" in p.definitions and "exx" in p.definitions
    assert "sxx" not in p.definitions


def test_tractions_on_the_stress_fields_are_imposed_exactly():
    net, imposed, notes = build_model(load_problem(plate()))
    assert len(imposed) == 8   # two displacements and six tractions: values now
    assert any(n.startswith("mixed form: sxx, syy, sxy") for n in notes)
    with torch.no_grad():
        out = net(torch.tensor([[1.0, 0.3], [0.4, 1.0], [0.0, 0.5]], dtype=torch.float64))
    assert out.shape == (3, 5)
    assert abs(float(out[0, 2]) - 1.0) < 1e-12   # sxx = 1 at x = 1
    assert abs(float(out[1, 3])) < 1e-12 and abs(float(out[2, 0])) < 1e-12


def test_off_by_setting_and_untouched_without_candidates():
    off = load_problem(plate(), ["model.mixed_form=false"])
    assert off.promoted == () and off.fields == ("u", "v")
    assert "sxx" in off.definitions
    heat = {"domain": {"x": [0, 1]}, "fields": ["u"],
            "define": {"k": "1 + x", "src": "diff(sin(x), x)"},
            "equations": ["diff(k*diff(u, x), x) = src"],
            "conditions": [{"where": "boundary", "dirichlet": 0}]}
    plain = load_problem(heat)
    assert plain.promoted == () and plain.fields == ("u",)
    # the rule changes nothing, digest included, where nothing is promoted
    assert meaning_digest(plain) == meaning_digest(load_problem(heat,
                                                                ["model.mixed_form=false"]))


def test_a_flux_no_condition_holds_stays_inlined_unless_asked_for():
    raw = {"domain": {"x": [0, 1]}, "fields": ["u"],
           "define": {"k": "1 + u**2", "flux": "k*diff(u, x)"},
           "equations": ["-diff(flux, x) = 1"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    assert load_problem(raw).promoted == ()
    forced = load_problem(raw, ["model.mixed_form=true"])
    assert forced.promoted == ("flux",) and forced.fields == ("u", "flux")


def test_a_power_law_viscosity_stays_inlined_unless_asked_for():
    """Glen's ice: eta = 1/(2 A^(1/3) edot^(2/3)), infinite where the flow is at rest, and
    a sliding law eta du/dn + Cs u = 0 that holds it. Planned, the file stays inlined (a
    valley glacier: 4.4 in the mixed form, 3.1e-4 inlined at 2 minutes); asked for, eta
    is promoted as before; a stress, finite at rest, still is (test above)."""
    raw = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "define": {"edot": "sqrt(diff(u, x)**2 + diff(u, y)**2)/2",
                      "eta": "1/(2*edot**(2/3))"},
           "equations": ["diff(eta*diff(u, x), x) + diff(eta*diff(u, y), y) = -1"],
           "conditions": [{"where": "y = 1", "neumann": 0},
                          {"where": "y = 0", "equation": "eta*dn(u) + u = 0"},
                          {"where": "x = 0", "dirichlet": 0},
                          {"where": "x = 1", "dirichlet": 0}]}
    assert load_problem(raw).promoted == ()
    assert load_problem(raw, ["model.mixed_form=true"]).promoted == ("eta",)
    assert load_problem(plate()).promoted == ("sxx", "syy", "sxy")


def test_a_stress_with_a_power_law_viscosity_stays_inlined():
    """Norton creep, n = 5: the stress 2 eta exx ∝ exx^(1/5) is finite at rest but its slope
    is not (the viscosity, a parameter's power of the strain rate, is written inline, with
    its exponent a parameter). Planned, the file stays inlined, where the old test (the
    value at rest alone, parameters left as symbols) promoted the stresses; a Newtonian
    stress, the same file with n = 1, is still promoted."""
    def creep(n):
        return {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v", "p"],
                "parameters": {"A": 3.0e-16, "nn": n},
                "define": {"exx": "diff(u, x)", "eyy": "diff(v, y)",
                           "exy": "(diff(u, y) + diff(v, x))/2",
                           "ede": "sqrt(2*(exx**2 + eyy**2 + 2*exy**2)/3)",
                           "sxx": "-p + 2*A**(-1/nn)*ede**((1 - nn)/nn)*exx/3",
                           "syy": "-p + 2*A**(-1/nn)*ede**((1 - nn)/nn)*eyy/3",
                           "sxy": "2*A**(-1/nn)*ede**((1 - nn)/nn)*exy/3"},
                "equations": ["diff(sxx, x) + diff(sxy, y) = 0",
                              "diff(sxy, x) + diff(syy, y) = 0",
                              "diff(u, x) + diff(v, y) = 0"],
                "conditions": [{"where": "x = 0", "dirichlet": {"u": 0, "v": 0}},
                               {"where": "x = 1", "equation": "sxx = -1"},
                               {"where": "x = 1", "equation": "sxy = 0"},
                               {"where": "y = 0", "dirichlet": {"v": 0}},
                               {"where": "y = 0", "equation": "sxy = 0"},
                               {"where": "y = 1", "equation": "syy = 0"},
                               {"where": "y = 1", "equation": "sxy = 0"}]}
    assert load_problem(creep(5)).promoted == ()
    assert "sxx" in load_problem(creep(5), ["model.mixed_form=true"]).promoted
    assert load_problem(creep(1)).promoted == ("sxx", "syy", "sxy")


def test_a_flux_used_only_in_a_condition_stays_inlined():
    raw = {"domain": {"x": [0, 1]}, "fields": ["u"], "define": {"q": "-2*diff(u, x)"},
           "equations": ["diff(u, x, 2) = 1"],
           "conditions": [{"where": "x = 0", "dirichlet": 0},
                          {"where": "x = 1", "equation": "q = 1"}]}
    assert load_problem(raw).promoted == ()
    forced = load_problem(raw, ["model.mixed_form=true"])
    assert forced.promoted == ()   # true: wherever it applies; here it does not


def test_asked_for_in_a_file_that_sets_its_own_training():
    raw = plate(training={"phases": [{"optimizer": "adam", "steps": 1}]})
    assert load_problem(raw).promoted == ()   # not planned
    assert load_problem(raw, ["model.mixed_form=true"]).promoted == ("sxx", "syy", "sxy")


def test_the_rules_that_read_the_order_see_the_inlined_equations():
    from pinnsolve.spec.corners import space_order
    from pinnsolve.spec.holes import hole_plan
    from pinnsolve.spec.mixed import inlined

    p, off = load_problem(plate()), load_problem(plate(), ["model.mixed_form=false"])
    assert max(len(e.atoms(sp.Derivative)) for e in inlined(p)) > 0
    for mine, theirs in zip(inlined(p), inlined(off)):
        assert sp.simplify(mine - theirs) == 0   # the same equations as the file wrote
    assert space_order(p) == space_order(off) == 2
    holed = plate()
    holed["domain"]["shape"] = {"difference": [
        {"rectangle": {"min": [0, 0], "max": [1, 1]}},
        {"disk": {"center": [0.5, 0.5], "radius": 0.05}}]}
    mixed = load_problem(holed)
    assert mixed.promoted and len(hole_plan(mixed)) == 1


BAR = {"domain": {"x": [0, 1]}, "fields": ["u"], "parameters": {"EA": 2.0, "p": 1.0},
       "define": {"N": "EA*diff(u, x)"},
       "equations": ["diff(N, x) + p = 0"],
       "conditions": [{"where": "x = 0", "dirichlet": 0},
                      {"where": "x = 1", "name": "end_force", "equation": "N = 1"}],
       "reference": {"exact": {"u": "(2*x - x**2/2)/2", "N": "2 - x"}},
       "model": {"width": 16, "depth": 2, "mixed_form": True}, "sampling": {"interior": 100},
       "training": {"dtype": "float64", "seed": 0, "phases": [
           {"optimizer": "adam", "steps": 200, "lr": 3e-3}, {"optimizer": "lbfgs", "steps": 100}]},
       "output": {"grid": {"x": 51}, "formats": ["npz"]}}


def test_a_bar_in_the_mixed_form_end_to_end(tmp_path):
    """From the CLI: the check lists the law and the promoted field, the solve reports
    both fields' errors and writes the axial force beside the displacement."""
    import json

    import numpy as np
    import yaml
    from typer.testing import CliRunner

    from pinnsolve.cli import app

    path = tmp_path / "bar.yaml"
    path.write_text(yaml.safe_dump(BAR))
    result = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    event = json.loads(result.output.strip().splitlines()[-1])
    assert event["fields"] == ["u", "N"]
    how = {t["name"]: t["imposed"] for t in event["terms"]}
    assert "N_law" in how and how["end_force"] == "exactly"
    result = CliRunner().invoke(app, ["solve", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    errors = metrics["errors"]   # measured: u 2e-7, N 3e-8
    assert errors["u"]["l2re"] < 1e-4 and errors["N"]["l2re"] < 1e-4, errors
    fields = np.load(tmp_path / "run" / "fields" / "solution.npz")
    assert np.abs(fields["N"].reshape(-1) - (2 - fields["axis_x"])).max() < 1e-3


def test_a_reference_for_a_definition_that_stays_inlined_is_refused_by_key():
    import pytest

    from pinnsolve.errors import SpecError

    for overrides in ([], ["model.mixed_form=false"]):
        bar = {**BAR, "define": {**BAR["define"], "strain": "diff(u, x)"},
               "reference": {"exact": {"u": "x", "strain": "1"}}}
        if overrides:
            bar["reference"] = {"exact": {"u": "x", "N": "2 - x"}}
        with pytest.raises(SpecError, match="is a definition, not a field") as err:
            load_problem(bar, overrides)
        assert err.value.key.startswith("reference.exact.")


def test_a_stress_the_fit_lets_fall_takes_its_laws_size():
    """The rock footing (SI: E = 5e10 Pa, stresses of 1e4-4e5 Pa): sxy, zero on all four
    sides, was fitted at 0.04 (the least-squares fit satisfies its laws with any stress
    and its ridge picks the smallest; L2RE 0.20 at 2 minutes). Its law at the fitted
    displacements sizes it: the network output of a true part of 9.8e3 Pa over a distance
    factor of RMS ~0.05 (L2RE 6.2e-5 at 2 minutes, docs/zoo.md)."""
    import re
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout" / \
        "rock_block_footing_plane_strain_si.yaml"
    _, _, notes = build_model(load_problem(path))
    scales = next(n for n in notes if n.startswith("output scales"))
    sxy = float(re.search(r"sxy ([0-9.e+-]+)", scales).group(1))
    assert 3e4 < sxy < 3e6, scales
