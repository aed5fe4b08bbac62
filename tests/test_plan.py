"""The default plan (spec/plan.py): a file that leaves training to pinnsolve gets a budget,
float64, a compact network and Adam → quasi-Newton; an explicit setting always wins."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp
import torch

from _problems import assert_digest_follows_rule
import pinnsolve
from pinnsolve.spec import load_problem
from pinnsolve.spec.plan import describe
from pinnsolve.training.phases import make_optimizer
from pinnsolve.training.quasi_newton import DenseQuasiNewton

PHYSICS = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
           "equations": ["-laplacian(u) = 2*pi**2*sin(pi*x)*sin(pi*y)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}


def test_physics_only_gets_the_plan():
    s = load_problem(PHYSICS).settings
    tr = s.training
    assert tr.planned == ("phases", "budget", "dtype", "model", "output_scale", "fallback",
                          "one_way", "weights", "layers", "activation", "time_modes",
                          "initial_layer", "corner_modes", "hole_logs", "interfaces",
                          "mixed_form", "sampling")
    assert tr.fallback
    assert tr.budget == 300 and tr.dtype == "float64"
    assert [p.optimizer for p in tr.phases] == ["adam", "quasi_newton"]
    assert tr.phases[0].budget_share < 1 and tr.phases[0].patience > 0
    assert (s.model.width, s.model.depth) == (40, 4)
    text = " ".join(describe(s))
    assert "budget 300 s" in text and "4×40" in text and "float64" in text


def test_explicit_settings_win():
    raw = {**PHYSICS, "model": {"width": 16}, "training": {"dtype": "float32", "budget": "1m"}}
    s = load_problem(raw).settings
    assert s.training.planned == ("phases", "output_scale", "fallback", "one_way", "weights",
                                  "layers", "activation", "time_modes", "initial_layer",
                                  "corner_modes", "hole_logs", "interfaces", "mixed_form",
                                  "sampling")
    assert s.model.width == 16 and s.model.depth == 4   # the schema's depth, not the plan's
    assert s.training.dtype == "float32" and s.training.budget == 60


def test_a_file_with_phases_is_not_planned():
    raw = {**PHYSICS, "training": {"phases": [{"optimizer": "adam", "steps": 10}]}}
    s = load_problem(raw).settings
    assert s.training.planned == () and s.training.budget == 0
    assert s.training.dtype == "float32" and s.model.width == 64
    assert describe(s) == []


def test_overrides_reach_the_planned_phases_and_budget():
    s = load_problem(PHYSICS, ["training.phases.0.steps=50", "training.budget=20"]).settings
    assert s.training.phases[0].steps == 50 and s.training.budget == 20
    # Phases set by an override are the user's: nothing else is planned then.
    s = load_problem(PHYSICS, ["training.phases=[{optimizer: adam, steps: 5}]"]).settings
    assert s.training.planned == () and s.training.budget == 0


@pytest.mark.parametrize("width,dense", [(20, True), (128, False)])
def test_quasi_newton_is_dense_where_it_fits(width, dense):
    net = torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.Tanh(),
                              torch.nn.Linear(width, width), torch.nn.Tanh(),
                              torch.nn.Linear(width, 1)).double()
    phase = load_problem(PHYSICS).settings.training.phases[1]
    opt = make_optimizer(phase, net.parameters())
    assert isinstance(opt, DenseQuasiNewton) is dense
    assert dense or isinstance(opt, torch.optim.LBFGS)


# -- the output scale from the data (models/scale.py) ----------------------------------------
KELVIN = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
          "equations": ["-laplacian(u) = 10*pi**2*sin(pi*x)*sin(pi*y)"],
          "conditions": [{"where": f"{c} = {v}", "robin": {"a": 1, "b": 1, "value":
                          f"300 - 5*pi*sin(pi*{'y' if c == 'x' else 'x'})"}}
                         for c in ("x", "y") for v in (0, 1)]}


def _scale(raw):
    from pinnsolve.models import build_model
    model, _, notes = build_model(load_problem(raw))
    net = model.net if hasattr(model, "net") else model
    values = [float(v) for v in net.output_scale]   # one per output column (a buffer)
    return (values[0] if len(set(values)) == 1 else values), notes


def test_the_output_scale_follows_the_data_kept_in_the_loss():
    """Robin walls a u + b du/dn = g read as u ≈ g/a: RMS of 300 − 5π sin(·) over the
    walls is about 300 (290 measured: the sine's mean square lowers it)."""
    scale, notes = _scale(KELVIN)
    assert 280 <= scale <= 300 and any("output scale" in n for n in notes)
    small = {**KELVIN, "conditions": [{"where": "boundary", "dirichlet": "1e-4*x"}],
             "model": {"hard_constraints": False}}
    # RMS of 1e-4·x over the square's boundary: 1e-4·sqrt(5/12) (256 samples: within 5 %)
    assert _scale(small)[0] == pytest.approx(1e-4 * (5 / 12) ** 0.5, rel=0.05)


def test_a_kept_datum_is_read_less_the_lift_of_the_imposed_ones():
    """A film: c = 0.01 imposed at the interface (the lift is 0.01 everywhere), a Robin face
    to the bulk asking c ≈ 2.2e-4 kept in the loss. The network's part there is the datum
    less the lift, about 1e-2: the scale read from the datum alone, 2.2e-4, was 45 times
    small (a blind NO2 film, L2RE 1.09 at 2 minutes, stop 46)."""
    film = {"domain": {"x": [0, 20]}, "fields": ["c"],
            "equations": ["1400*diff(c, x, 2) = 7e4*c**2"],
            "conditions": [{"where": "x = 0", "dirichlet": 0.01},
                           {"where": "x = 20", "robin": {"a": 200, "b": 1400,
                                                         "value": 200 * 2.2e-4}}]}
    assert _scale(film)[0] == pytest.approx(0.01 - 2.2e-4, rel=1e-3)
    # a datum larger than its difference from the lift keeps its own size: a plate held at
    # 300 K on one face and cooled towards air at 293 K on the other is scaled 293, not 7
    plate = {"domain": {"x": [0, 1]}, "fields": ["T"], "equations": ["diff(T, x, 2) = 0"],
             "conditions": [{"where": "x = 0", "dirichlet": 300},
                            {"where": "x = 1", "robin": {"a": 10, "b": 1, "value": 2930}}]}
    assert _scale(plate)[0] == pytest.approx(293, rel=1e-3)


def test_order_one_exact_or_explicit_data_leave_the_scale_alone():
    assert _scale(PHYSICS)[0] == 1.0                                    # zero data
    one = {**KELVIN, "conditions": [{"where": "boundary", "dirichlet": "1 + x*y"}]}
    assert _scale({**one, "model": {"hard_constraints": False}})[0] == 1.0   # order one
    hot = {**KELVIN, "conditions": [{"where": "boundary", "dirichlet": 300}]}
    assert _scale(hot)[0] == 1.0                                        # imposed exactly
    assert _scale({**KELVIN, "model": {"output_scale": 2.0}})[0] == 2.0  # the file's own
    expert = {**KELVIN, "training": {"phases": [{"optimizer": "adam", "steps": 5}]}}
    assert _scale(expert)[0] == 1.0                                     # not planned


def test_observations_count_as_data():
    raw = {**PHYSICS, "conditions": [{"data": {"x": [0.2, 0.5], "y": [0.3, 0.5],
                                               "u": [40.0, 60.0]}}]}
    assert _scale(raw)[0] == pytest.approx((0.5 * (40**2 + 60**2)) ** 0.5, rel=1e-3)


def test_a_pin_at_one_point_tells_a_level_not_a_size():
    """A pressure pinned to its exact value at a far corner (1e-12) set the scale of a
    pressure of order one to 1e-12 (a decaying vortex, stop 43): a pin's datum that is
    round-off beside the other data (here 1e-2) tells no size. One that is not still does,
    and so does any datum of a problem of one coordinate."""
    stokes = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u", "v", "p"],
              "equations": ["diff(p, x) = laplacian(u) + sin(pi*y)",
                            "diff(p, y) = laplacian(v) + x",
                            "diff(u, x) + diff(v, y) = 0"],
              "conditions": [{"where": "boundary",
                              "dirichlet": {"u": "0.01*sin(pi*x)", "v": 0}},
                             {"where": {"point": [1, 1]}, "dirichlet": {"p": 1e-12}}]}

    def p_scale(raw):
        scale, notes = _scale(raw)
        return float(scale[2] if isinstance(scale, (list, torch.Tensor)) else scale)
    assert p_scale(stokes) > 1e-4   # before: 1e-12
    told = {**stokes, "conditions": stokes["conditions"][:1] + [
        {"where": {"point": [0.5, 0.5]}, "dirichlet": {"p": 0.012}}]}
    assert p_scale(told) == 0.012
    line = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 0"],
            "conditions": [{"where": "x = 0", "neumann": 0},
                           {"where": {"point": [0.5]}, "dirichlet": 300}],
            "model": {"hard_constraints": False}}
    assert _scale(line)[0] == 300.0
    no_pin = {**stokes, "conditions": stokes["conditions"][:1]}
    assert_digest_follows_rule("PINS", load_problem(stokes), load_problem(no_pin))


def test_an_initial_rate_of_a_wave_reads_a_size_over_its_half_periods():
    """u_tt = c² u_xx from rest with u_t = V sin(πx): u = V/(cπ) sin(πx) sin(cπt), which
    turns back after 1/c, not after the span. The planned scale is within 3× of the
    network part's true RMS (the span's |V| T read it 8× too large)."""
    from pinnsolve.models import build_model
    from pinnsolve.models.constraints import _distance
    c, V = 8, 300.0
    raw = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
           "equations": [f"diff(u, t, 2) = {c**2}*diff(u, x, 2)"],
           "conditions": [{"where": "boundary", "dirichlet": 0},
                          {"where": "initial", "dirichlet": 0},
                          {"where": "initial", "equation": f"diff(u, t) = {V}*sin(pi*x)"}]}
    model, _, notes = build_model(load_problem(raw))
    x = torch.rand(4000, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    exact = V / (c * math.pi) * torch.sin(math.pi * x[:, 0]) * torch.sin(c * math.pi * x[:, 1])
    (constraint,) = model.constraints
    part = exact / (constraint.gain * _distance(x, constraint.factors))
    ideal = float(part[x[:, 1] > 0.01].pow(2).mean().sqrt())
    assert 1 / 3 <= model.net.output_scale / ideal <= 3, (model.net.output_scale, ideal)
    assert_digest_follows_rule("RATE_SIZE", load_problem(raw), load_problem(
        {**raw, "conditions": raw["conditions"][:2] + [{"where": "initial", "dirichlet": 0}]}))


def test_with_no_lift_a_small_residual_ratio_is_a_small_solution():
    """u'' = −0.002 with u = 0 at both ends: u = 0.001 x (1 − x), the network's part
    exactly 0.001 over the factor x (1 − x). No lift, so the equations' ratio (source over
    the operator's action) sets the scale downwards too; with data of 1 at the ends the
    lift may carry the solution, and the ratio rule reads 1, but the lone-field fit (stop
    48), a solve of the whole problem over the untrained features, reads the part 0.001 of
    u = 1 + 0.001 x (1 − x)."""
    raw = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = -0.002"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    scale, notes = _scale(raw)
    assert 0.001 / 3 <= scale <= 0.001 * 3, (scale, notes)
    lifted = {**raw, "conditions": [{"where": "boundary", "dirichlet": 1}]}
    scale, notes = _scale(lifted)
    assert 0.001 / 3 <= scale <= 0.001 * 3 and "least-squares" in notes[-1], (scale, notes)
    assert_digest_follows_rule("ZERO_LIFT", load_problem(raw), load_problem(lifted))


def test_a_resonant_field_read_far_below_keeps_its_scale():
    """A Foucault pendulum: yb (0.02 m) grows from zero by resonance with xb's swing (3 m,
    37 half-periods). The probe without the ODE's own frequencies read it 1.1e-4: the fit
    is not trusted there, and yb keeps 1 (solved at 2 minutes: 5.8e-5, 4.1e-3)."""
    from pinnsolve.models.scale import unresonant
    assert unresonant([1.0, 1e-4], [0.0, 0.0]) == [1.0, None]
    assert unresonant([22.8, 1760.0], [0.0, 0.0]) == [22.8, 1760.0]       # the quarter car's
    assert unresonant([None, 1e-5], [0.0, 0.0]) == [None, 1e-5]
    raw = {"domain": {"t": [0, 300]}, "fields": ["xb", "yb"],
           "parameters": {"w2": 0.1464, "Oz": 5.49e-5},
           "equations": ["diff(xb, t, 2) - 2*Oz*diff(yb, t) + w2*xb = 0",
                         "diff(yb, t, 2) + 2*Oz*diff(xb, t) + w2*yb = 0"],
           "conditions": [{"where": "initial", "dirichlet": {"xb": 3, "yb": 0}},
                          {"where": "initial", "equation": "diff(xb, t) = 0"},
                          {"where": "initial", "equation": "diff(yb, t) = 0"}]}
    scale, notes = _scale(raw)
    assert float(torch.as_tensor(scale).min()) > 1e-2, (scale, notes)
    assert any("yb 1 (kept: read far below the others, a resonance)" in n for n in notes), notes
    still = {**raw, "fields": ["xb", "yb"], "equations": ["diff(xb, t) = -0.01*xb",
                                                        "diff(yb, t) = 0.01*(xb - yb)"],
             "conditions": [{"where": "initial", "dirichlet": {"xb": 3, "yb": 0}}]}
    assert_digest_follows_rule("RESONANT", load_problem(raw), load_problem(still))


def test_a_field_read_far_below_the_others_in_its_own_units_keeps_the_read(monkeypatch):
    """A pulsating star: the displacement xi (km, initial data of RMS 170) is read 7810
    beside the pressure's 4.1e12 Pa, 2e-9 of it, by units, not by a resonance: the read
    is trusted because it is not below a tenth of xi's own data (the code before kept xi
    at 1: L2RE 0.67 at 2 minutes in stop 51; side by side under load 1.76 before, 0.23
    after). The pendulum's yb has no nonzero data: still kept."""
    from pinnsolve.models.scale import data_sizes, unresonant
    assert unresonant([7810.0, 4.08e12], [170.0, 0.0]) == [7810.0, 4.08e12]
    assert unresonant([1.0, 1e-4], [3.0, 0.0]) == [1.0, None]
    assert unresonant([1.0, 1e-4], [3.0, 0.01]) == [1.0, None]   # read 100x below its data
    assert unresonant([1.0, 1e-3], [3.0, 0.01]) == [1.0, 1e-3]   # a tenth of it: trusted
    star = HELDOUT / "homogeneous_star_radial_pulsation_two_modes_mm_h_km_pa_n52.yaml"
    monkeypatch.chdir(star.parent)
    problem = load_problem(star.name)
    assert data_sizes(problem)[0] == pytest.approx(170, rel=0.1)
    assert data_sizes(problem)[1] == 0
    scale, notes = _scale(star.name)
    assert 100 < scale[0] < 1e5 and 1e11 < scale[1] < 1e13, notes


def test_the_powers_of_ten_pass_moves_a_row_only_where_that_lowers_the_share():
    """Two outputs of 3 weights each; a share that is least with output 1's row at 1e-7
    of its value and output 0's row where it is: only row 1 moves, the input is kept."""
    from pinnsolve.models.scale import _scaled_down

    w = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=torch.float64)

    def left_at(v):
        return abs(math.log10(float(v[3]) / 4e-7)) + abs(math.log10(float(v[0])))
    scaled, share = _scaled_down(left_at, w, left_at(w), 2)
    assert torch.equal(w, torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=torch.float64))
    assert scaled[:3].tolist() == [1.0, 2.0, 3.0]
    assert torch.allclose(scaled[3:], torch.tensor([4e-7, 5e-7, 6e-7], dtype=torch.float64))
    assert share < 1e-9


def test_a_field_seen_only_through_a_high_power_is_read_at_its_size(monkeypatch):
    """A grey atmosphere: T enters only as σT⁴ (σ = 5.7e-8, σT⁴ ≈ 240 W/m²), which has no
    slope at the untrained network's T ≈ 0. The first fit read T 1.2e17 and Newton steps
    shrink it by a quarter each: the code before took T's scale 1.16e17 for about 250.
    Each output scaled by the power of ten that leaves the least residual, then fitted
    again: T within 3x of 250, the fluxes U and Dn as before (199 and 105)."""
    grey = HELDOUT / "grey_atmosphere_two_stream_radiative_equilibrium_solar_km_s53.yaml"
    monkeypatch.chdir(grey.parent)
    scale, notes = _scale(grey.name)
    assert 80 < scale[2] < 750, notes
    assert 150 < scale[0] < 260 and 70 < scale[1] < 140, notes


def test_each_field_gets_the_scale_of_its_own_data():
    # a potential of order 0.02 beside a temperature near 300: the temperature's Robin data
    # set its scale only; a condition coupling two fields (an impedance) sets neither's
    raw = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["V", "T"],
           "equations": ["laplacian(V) = 0", "laplacian(T) = -diff(V, x)**2"],
           "conditions": [{"where": "x = 0", "dirichlet": {"V": 0.02}},
                          {"where": "x = 1", "dirichlet": {"V": 0}},
                          {"where": "x = 0 or x = 1", "robin": {"T": {"a": 1, "b": 1,
                                                                       "value": 300}}},
                          {"where": "y = 0 or y = 1", "neumann": {"V": 0, "T": 0}}]}
    scale, notes = _scale(raw)
    # V's lift, 0.02 (1 − x), solves its equation: the least-squares fit (below) reads only
    # a trace of V through its coupling to T (2.6e-6) and scales it to that; never T's 300
    assert scale[1] == 300.0 and 1e-7 <= scale[0] <= 1e-4
    assert any(n.startswith("output scales V ") and "T 300" in n for n in notes), notes
    assert _scale({**raw, "model": {"output_scale": 2.0}})[0] == 2.0   # one for all, set
    duct = {"domain": {"x": [0, 3], "y": [0, 1]}, "fields": ["pr", "pim"],
            "equations": ["laplacian(pr) + 36*pr = 0", "laplacian(pim) + 36*pim = 0"],
            "conditions": [{"where": "x = 0", "dirichlet": {"pr": 1, "pim": 0}},
                           {"where": "y = 0 or y = 1", "neumann": {"pr": 0, "pim": 0}},
                           {"where": "x = 3", "equation": "dn(pr) + 6*pim = 0.2*cos(pi*y)"},
                           {"where": "x = 3", "equation": "dn(pim) - 6*pr = 0.1*cos(pi*y)"}]}
    assert _scale(duct)[0] == 1.0


# u_t = 0.72 u_xx, u = 20 at both ends, u = 20 + 80 sin(πx) at t = 0: the lift is the
# initial data, whose residual 0.72 π² 80 sin(πx) the network's part must cancel near t = 0.
DECAY = {"domain": {"x": [0, 1], "t": [0, 1]}, "time": "t", "fields": ["T"],
         "equations": ["diff(T, t) = 0.72*diff(T, x, 2)"],
         "conditions": [{"where": "t = 0", "dirichlet": "20 + 80*sin(pi*x)"},
                        {"where": "boundary", "dirichlet": 20}],
         "reference": {"exact": {"T": "20 + 80*exp(-0.72*pi**2*t)*sin(pi*x)"}}}


def test_imposed_fields_get_the_output_scale_their_equations_need():
    scale, notes = _scale(DECAY)
    # the lift's residual (RMS 0.72 π² 80 / √2 ≈ 400) over the untrained network's change
    # per unit of output: a few hundred (279 measured; 300 set by hand solved it)
    assert 150 <= scale <= 500
    assert any("no condition in the loss gives a value" in n for n in notes)
    assert _scale({**DECAY, "training": {"seed": 7}})[0] == scale    # not the seed's
    assert _scale({**DECAY, "model": {"output_scale": 3.0}})[0] == 3.0    # the file's own
    # Dirichlet data given by the exact solution: the lift solves the equation already
    exact = {**DECAY, "conditions": [{"where": "t = 0", "dirichlet": "20 + 80*sin(pi*x)"},
                                     {"where": "boundary", "dirichlet":
                                      "20 + 80*exp(-0.72*pi**2*t)*sin(pi*x)"}]}
    assert _scale(exact)[0] == 1.0
    # a condition kept in the loss that gives a value: the data rule decides, less the
    # imposed initial value's lift (20 at the walls): the network makes T - 20 ≈ 1 - 20 there
    soft = {**DECAY, "conditions": DECAY["conditions"][:1] + [
        {"where": "boundary", "equation": "2*T + diff(T, x) = 2"}]}
    assert _scale(soft)[0] == pytest.approx(19.0, rel=1e-3)
    # one that gives no value (a derivative, or zero) says nothing of the size: the
    # equations decide, as when all are imposed (a wave's u_t = 0 at t = 0 kept in the loss
    # with u = 1000 sin(πx) imposed: L2RE 1.72 at 2 minutes with a scale of 1)
    flux = {**DECAY, "conditions": DECAY["conditions"][:1] + [
        {"where": "boundary", "equation": "diff(T, x) = 0"}]}
    assert _scale(flux)[0] >= 100   # the rule fires (GAIN_FROM); 161 measured, 279 all imposed
    wave = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
            "equations": ["diff(u, t, 2) = diff(u, x, 2)"],
            "conditions": [{"where": "t = 0", "dirichlet": "1000*sin(pi*x)"},
                           {"where": "t = 0", "equation": "diff(u, t) = 0"},
                           {"where": "boundary", "dirichlet": 0}]}
    assert _scale(wave)[0] >= 1000
    line = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = -1"],
            "conditions": [{"where": "boundary", "dirichlet": 0}]}
    assert _scale(line)[0] == 1.0                                       # below GAIN_FROM


# A crust in SI units: the surface held at 288 K, a heat flow of 0.03 K/m across 3 km at the
# base, insulated sides. The lift (288) solves Laplace's equation, so the equations ask for
# no scale; the flux says T rises by ~0.03 × 3000 = 90 K over the depth.
CRUST = {"domain": {"x": [0, 1.0e4], "z": [0, 3.0e3]}, "fields": ["T"],
         "equations": ["2.5*laplacian(T) = 0"],
         "conditions": [{"where": "z = 0", "dirichlet": 288},
                        {"where": "z = 3.0e3", "neumann": 0.03},
                        {"where": "x = 0 or x = 1.0e4", "neumann": 0}],
         "reference": {"exact": {"T": "288 + 0.03*z"}}}


def test_a_flux_kept_in_the_loss_tells_the_output_scale():
    scale, notes = _scale(CRUST)
    # |q| L / RMS(D) = 0.03 · 3000 / (1/√3) = 156 (D = z / 3000)
    assert 140 <= scale <= 170
    assert any("a flux kept in the loss" in n for n in notes)
    # a shaped boundary's dn(T): the normal's components make the coefficient 1
    disk = {"domain": {"x": [-1, 1], "y": [-1, 1],
                       "shape": {"difference": [{"disk": {"center": [0, 0], "radius": 1},
                                                 "name": "rim"},
                                                {"disk": {"center": [0, 0], "radius": 0.5},
                                                 "name": "hole"}]}},
            "fields": ["u"], "equations": ["laplacian(u) = 0"],
            "conditions": [{"where": {"boundary": "hole"}, "dirichlet": 0},
                           {"where": {"boundary": "rim"}, "neumann": 200}]}
    assert _scale(disk)[0] >= 100
    # the same flux of order one: below GAIN_FROM, scale 1
    small = {**CRUST, "conditions": [{**CRUST["conditions"][0]},
                                     {"where": "z = 3.0e3", "neumann": 1e-4},
                                     CRUST["conditions"][2]]}
    assert _scale(small)[0] == 1.0


def test_check_shows_the_scale_the_build_chooses(tmp_path):
    import re

    import yaml
    from typer.testing import CliRunner

    from pinnsolve.cli import app

    path = tmp_path / "decay.yaml"
    path.write_text(yaml.safe_dump(DECAY))
    res = CliRunner().invoke(app, ["check", str(path)])
    assert res.exit_code == 0, res.output
    shown = re.search(r"output scale (\d+(\.\d+)?)", res.output)
    assert shown and float(shown.group(1)) == _scale(DECAY)[0]


def test_the_decay_problem_solves_with_its_planned_scale(tmp_path):
    """Measured at a 60 s budget: 0.59 with the scale 1, 1.7e-6 with 300 (and 2.5e-6 with
    30). Here 12 s of Adam and quasi-Newton, and the run says which scale it used."""
    run = pinnsolve.solve(DECAY, out=tmp_path / "r", overrides=["training.budget=12s"])
    assert any("no condition in the loss gives a value" in n for n in run.metrics["notes"])
    assert run.metrics["errors"]["T"]["l2re"] < 1e-2


def _gains(raw, overrides=()):
    from pinnsolve.models import build_model
    model, _, notes = build_model(load_problem(raw, overrides))
    return [c.gain for c in getattr(model, "constraints", [])], model, notes


def test_an_imposed_fields_distance_factor_is_scaled_to_order_one():
    """D = ∏ face factors; on the unit box x(1 - x) has RMS 1/√30 and t/T has 1/√3, so
    1/RMS(D) is 30^1.5 √3 = 285 on the cube with time (256 samples: within 10 %), and the
    gain is that. Below GAIN_FROM (√30 on an interval, 30 on the square) it stays 1."""
    line = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = -1"],
            "conditions": [{"where": "boundary", "dirichlet": 0}]}
    assert _gains(line)[0] == [1.0]
    square = {**line, "domain": {"x": [0, 1], "y": [0, 1]}, "equations": ["laplacian(u) = 1"]}
    assert _gains(square)[0] == [1.0]
    cube = {"domain": {"x": [0, 1], "y": [0, 1], "z": [0, 1], "t": [0, 1]}, "fields": ["u"],
            "equations": ["diff(u, t) = laplacian(u)/10"],
            "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)*sin(pi*y)*sin(pi*z)"},
                           {"where": "boundary", "dirichlet": 0}]}
    gains, model, notes = _gains(cube)
    assert gains[0] == pytest.approx(30 ** 1.5 * 3 ** 0.5, rel=0.1)
    assert any("distance factor of u ×" in n for n in notes)
    # the conditions still hold exactly, and the network's part is multiplied by the gain
    x = torch.rand(64, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    edge = x.clone()
    edge[:, 1] = 0.0
    assert model(edge).abs().max() < 1e-12
    start = x.clone()
    start[:, 3] = 0.0
    exact = torch.sin(torch.pi * start[:, :3]).prod(1)
    assert (model(start)[:, 0] - exact).abs().max() < 1e-12
    lifted = model(x)[:, 0]
    model.constraints = [replace(c, gain=1.0) for c in model.constraints]
    base = model(x)[:, 0]
    lift = torch.sin(torch.pi * x[:, :3]).prod(1)   # the initial data, constant in t
    torch.testing.assert_close(lifted - lift, gains[0] * (base - lift))
    slab = {**cube, "conditions": [cube["conditions"][0], {"where": "x = 0", "dirichlet": 0}]}
    assert _gains(slab)[0] == [1.0]   # one face and time: 1/RMS = √3 · √3 = 3
    # the file's own output scale, or its own phases, leave the factor alone
    assert _gains(cube, ["model.output_scale=1"])[0] == [1.0]
    expert = {**cube, "training": {"phases": [{"optimizer": "adam", "steps": 5}]}}
    assert _gains(expert)[0] == [1.0]


# -- the derivative engine for high-order equations -----------------------------------------
PLATE = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"],
         "equations": ["diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4) = 1"],
         "conditions": [{"where": "boundary", "dirichlet": 0}]}


def test_fourth_order_equations_get_the_taylor_engine_unless_the_file_chooses():
    from pinnsolve.spec.plan import derivative_order

    s = load_problem(PLATE).settings
    assert s.derivatives.engine == "taylor" and "derivatives" in s.training.planned
    assert "taylor derivative engine" in " ".join(describe(s))
    nested = {**PLATE, "equations": ["laplacian(laplacian(u)) = 1"]}
    assert load_problem(nested).settings.derivatives.engine == "taylor"
    assert load_problem(PLATE, ["derivatives.engine=autodiff"]).settings.derivatives.engine \
        == "autodiff"
    expert = {**PLATE, "training": {"phases": [{"optimizer": "adam", "steps": 5}]}}
    assert load_problem(expert).settings.derivatives.engine == "autodiff"
    # third order (KdV) stays on autodiff: measured slower per step with taylor
    kdv = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
           "equations": ["diff(u, t) + 6*u*diff(u, x) + diff(u, x, 3) = 0"],
           "conditions": [{"where": "initial", "dirichlet": "sin(x)"}]}
    assert load_problem(kdv).settings.derivatives.engine == "autodiff"
    assert load_problem(PHYSICS).settings.derivatives.engine == "autodiff"
    p = load_problem(nested)
    assert derivative_order(p.equations[0].expr) == 4


def _poisson(source: str, bc: str = "0") -> dict:
    return {"domain": {"x": [0, 1], "y": [0, 2]}, "fields": ["u"],
            "equations": [f"-laplacian(u) = {source}"],
            "conditions": [{"where": "boundary", "dirichlet": bc}]}


def test_half_periods_of_the_data_along_each_coordinate():
    from pinnsolve.models.frequency import half_periods

    # sin(4πx) on [0, 1]: 4 extrema; sin(3πy) on [0, 2]: 6
    assert half_periods(load_problem(_poisson("sin(4*pi*x)*sin(3*pi*y)"))) == {"x": 4, "y": 6}
    # a peak, a polynomial: at most one extremum
    peak = half_periods(load_problem(_poisson("exp(-50*((x - 0.5)**2 + (y - 1)**2))")))
    assert max(peak.values()) <= 1
    assert max(half_periods(load_problem(_poisson("x**2 + y"))).values()) <= 1
    # boundary data count too; time is a coordinate like the others
    heat = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
            "equations": ["diff(u, t) = diff(u, x, 2) + cos(10*pi*t)"],
            "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)"},
                           {"where": "boundary", "dirichlet": 0}]}
    assert half_periods(load_problem(heat)) == {"x": 1, "t": 9}   # interior extrema
    # the boundary datum alone: sin(5πx) on the wall, no source
    wall = _poisson("0", "sin(5*pi*x)")
    assert half_periods(load_problem(wall))["x"] == 5
    # unknown parameters and data fields are skipped, not guessed
    inverse = {**_poisson("a*sin(8*pi*x)"), "unknowns": {"a": 1.0}}
    assert half_periods(load_problem(inverse)) == {}


def test_a_system_without_first_time_derivatives_is_no_first_order_system():
    from pinnsolve.models.frequency import half_periods

    # an undamped Timoshenko beam: w_tt and psi_tt only, so A of A f_t + B f_x = 0 is zero
    # (torch.linalg.solve raised "singular" in `pinnsolve check` before)
    beam = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["w", "psi"],
            "equations": ["diff(w, t, 2) = diff(w, x, 2) - diff(psi, x)",
                          "diff(psi, t, 2) = diff(psi, x, 2) + diff(w, x) - psi"],
            "conditions": [{"where": "initial", "dirichlet": {"w": "sin(pi*x)", "psi": 0}},
                           {"where": "initial", "equation": "diff(w, t) = 0"},
                           {"where": "initial", "equation": "diff(psi, t) = 0"},
                           {"where": "boundary", "dirichlet": {"w": 0, "psi": 0}}]}
    assert half_periods(load_problem(beam))["x"] == 1


def _activation(raw, overrides=()):
    from pinnsolve.models.build import build_model

    problem = raw if hasattr(raw, "settings") else load_problem(raw, overrides)
    net, _, notes = build_model(problem)
    net = getattr(net, "net", net)
    return net.activation, notes


def test_oscillating_data_get_sin_unless_the_file_chooses():
    fast = _poisson("32*pi**2*sin(4*pi*x)*sin(4*pi*y)")
    s = load_problem(fast).settings
    assert "activation" in s.training.planned
    assert "tanh or sin" in " ".join(describe(s))
    act, notes = _activation(fast)
    assert act == "sin" and any("8 half-periods along y" in n for n in notes)
    assert _activation({**fast, "model": {"activation": "tanh"}})[0] == "tanh"
    assert _activation(fast, ["model.activation=gelu"])[0] == "gelu"
    expert = {**fast, "training": {"phases": [{"optimizer": "adam", "steps": 5}]}}
    assert _activation(expert)[0] == "tanh"
    act, notes = _activation(_poisson("sin(pi*x)*sin(pi*y)"))   # 1 and 2 half-periods
    assert act == "tanh" and not any("activation" in n for n in notes)
    # the choice is made again, the same, on a rebuild (resume, overrides on top)
    from pinnsolve.spec.load import rebuild
    again = rebuild(load_problem(fast), ["training.budget=1m"])
    assert _activation(again)[0] == "sin"


def test_check_shows_the_planned_activation(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from pinnsolve.cli import app

    path = tmp_path / "fast.yaml"
    path.write_text(yaml.safe_dump(_poisson("sin(4*pi*x)*sin(4*pi*y)")))
    out = CliRunner().invoke(app, ["check", str(path)]).output
    assert "4×40 sin (the data have 8 half-periods along y" in out


def test_planned_runs_redraw_where_the_residual_is_large():
    s = load_problem(PHYSICS).settings.sampling
    assert s.strategy == "rad" and s.options.candidates == 20_000
    s = load_problem({**PHYSICS, "sampling": {"interior": "500"}}).settings.sampling
    assert s.strategy == "rad" and s.options.candidates == 5_000 and s.interior == 500
    # the file's or an override's strategy wins, and experts get the schema's uniform
    assert load_problem({**PHYSICS, "sampling": {"strategy": "r3"}}).settings.sampling.strategy \
        == "r3"
    assert load_problem(PHYSICS, ["sampling.strategy=uniform"]).settings.sampling.strategy \
        == "uniform"
    expert = {**PHYSICS, "training": {"phases": [{"optimizer": "adam", "steps": 5}]}}
    assert load_problem(expert).settings.sampling.strategy == "uniform"
    assert "RAD over 20000 candidates" in " ".join(describe(load_problem(PHYSICS).settings))


def test_transport_turns_spatial_half_periods_into_temporal_ones():
    from pinnsolve.models.frequency import half_periods

    def advection(speed, periods="sin(x)"):
        return {"domain": {"x": [0, "2*pi"], "t": [0, 1]}, "fields": ["u"],
                "parameters": {"c": speed},
                "equations": ["diff(u, t) + c*diff(u, x) = 0"],
                "conditions": [{"periodic": "x"}, {"where": "initial", "dirichlet": periods}]}

    # sin(x) over [0, 2π] has 2 half-periods; at speed 30 they pass a point 2·30/(2π) ≈ 9.5
    # times in t ∈ [0, 1]: sin is planned though no datum oscillates in t
    assert half_periods(load_problem(advection(30))) == {"x": 2, "t": 9}
    assert _activation(advection(30))[0] == "sin"
    # slow transport stays on tanh; a nonlinear speed (Burgers' u u_x) is not read as one
    assert half_periods(load_problem(advection(1)))["t"] == 0
    burgers = {**advection(1), "equations": ["diff(u, t) + 30*u*diff(u, x) = 0"]}
    assert half_periods(load_problem(burgers))["t"] == 0


def test_schrodinger_in_real_and_imaginary_parts_rings_at_its_dispersion():
    """a_t = −c b_xx, b_t = c a_xx: the pair rings at ω = c κ². From sin(2πx) on [0, 1]
    with c = 0.05 over t ∈ [0, 10]: ω = 0.05 (2π)² ≈ 1.97, 6.3 half-periods; no datum
    oscillates in t. The same signs twice (a_t = c b_xx, b_t = c a_xx) grow and decay:
    not a wave (stop 50)."""
    from pinnsolve.models.frequency import half_periods

    def pair(first, second):
        return {"domain": {"x": [0, 1], "t": [0, 10]}, "fields": ["a", "b"],
                "parameters": {"c": 0.05}, "equations": [first, second],
                "conditions": [{"where": "initial", "dirichlet": {"a": "sin(2*pi*x)", "b": 0}},
                               {"where": "x = 0 or x = 1", "dirichlet": {"a": 0, "b": 0}}]}
    wave = pair("diff(a, t) = -c*diff(b, x, 2)", "diff(b, t) = c*diff(a, x, 2)")
    assert half_periods(load_problem(wave)) == {"x": 2, "t": 6}
    growing = pair("diff(a, t) = c*diff(b, x, 2)", "diff(b, t) = c*diff(a, x, 2)")
    assert half_periods(load_problem(growing))["t"] == 0


def test_dispersion_of_a_beam_and_the_speeds_of_a_first_order_system():
    from pinnsolve.models.frequency import half_periods

    # w_tt + a² w_xxxx = 0 from sin(2πx): ω = a (2π)², a = 0.1 over t ∈ [0, 4]:
    # 0.4 (2π)² / π ≈ 5 half-periods in t, which no datum shows (blind problem, stop 35)
    def beam(a):
        return {"domain": {"x": [0, 1], "t": [0, 4]}, "fields": ["w"],
                "parameters": {"a": a},
                "equations": ["diff(w, t, 2) + a**2*diff(w, x, 4) = 0"],
                "conditions": [{"where": "initial", "dirichlet": "sin(2*pi*x)"},
                               {"where": "initial", "equation": "diff(w, t) = 0"},
                               {"where": "x = 0 or x = 1", "dirichlet": 0},
                               {"where": "x = 0 or x = 1", "equation": "diff(w, x, 2) = 0"}]}
    assert half_periods(load_problem(beam(0.1))) == {"x": 2, "t": 5}
    assert _activation(beam(0.1))[0] == "sin"
    assert half_periods(load_problem(beam(0.01)))["t"] == 0
    # a wave whose data have no interior extremum still rings at its fundamental: a surge
    # of sin(πx/2L) (a quarter wave) in a 600 m pipe at 1200 m/s over 8 s, 8 half-periods
    # (truncated to 7); before, 0 along x gave 0 along t (water hammer, stop 40)
    surge = {"domain": {"x": [0, 600], "t": [0, 8]}, "fields": ["p"],
             "equations": ["diff(p, t, 2) = 1200**2*diff(p, x, 2)"],
             "conditions": [{"where": "initial", "dirichlet": "400*sin(pi*x/1200)"},
                            {"where": "initial", "equation": "diff(p, t) = 0"},
                            {"where": "x = 0", "dirichlet": 0},
                            {"where": "x = 600", "neumann": 0}]}
    assert half_periods(load_problem(surge)) == {"x": 0, "t": 7}
    assert _activation(surge)[0] == "sin"
    # the wrong sign, w_tt = a² w_xxxx, grows instead of turning: not a wave
    unstable = {**beam(0.1), "equations": ["diff(w, t, 2) = a**2*diff(w, x, 4)"]}
    assert half_periods(load_problem(unstable))["t"] == 0

    # shallow water, eta_t + H u_x = 0, u_t + g eta_x = 0: speed √(gH) = 9.9 m/s; a tilt of
    # 2 half-periods over 2 km passes a point 2 · 9.9 · 1200 / 2000 ≈ 11.9 times in 20 min
    def basin(depth):
        return {"domain": {"x": [0, 2000], "t": [0, 1200]}, "fields": ["eta", "u"],
                "parameters": {"g": 9.81, "H": depth},
                "equations": ["diff(eta, t) + H*diff(u, x) = 0",
                              "diff(u, t) + g*diff(eta, x) = 0"],
                "conditions": [{"where": "initial",
                                "dirichlet": {"eta": "0.3*sin(2*pi*x/2000)", "u": 0}},
                               {"where": "x = 0 or x = 2000", "dirichlet": {"u": 0}}]}
    assert half_periods(load_problem(basin(10))) == {"x": 2, "t": 11}
    assert _activation(basin(10))[0] == "sin"
    assert half_periods(load_problem(basin(0.01)))["t"] == 0   # 0.31 m/s: under one pass
    # eta_t = H u_x, u_t = g eta_x with opposite signs: A⁻¹B has imaginary eigenvalues
    elliptic = {**basin(10), "equations": ["diff(eta, t) + H*diff(u, x) = 0",
                                           "diff(u, t) - g*diff(eta, x) = 0"]}
    assert half_periods(load_problem(elliptic))["t"] == 0


def test_a_speed_that_varies_with_the_coordinates_counts_with_its_mean():
    from pinnsolve.models.frequency import half_periods

    def advection(speed):
        return {"domain": {"x": [0, "2*pi"], "t": [0, 1]}, "fields": ["u"],
                "equations": [f"diff(u, t) + ({speed})*diff(u, x) = 0"],
                "conditions": [{"periodic": "x"}, {"where": "initial", "dirichlet": "sin(x)"}]}

    # 20 (1 + t) has mean 30 over t ∈ [0, 1]: the same count as the constant speed 30
    assert half_periods(load_problem(advection("20*(1 + t)"))) == {"x": 2, "t": 9}
    assert _activation(advection("20*(1 + t)"))[0] == "sin"
    # a speed varying in x, 10 (2 + sin(x)), mean 20: 2·20/(2π) ≈ 6 passes
    assert half_periods(load_problem(advection("10*(2 + sin(x))")))["t"] == 6
    # a speed that changes sign in the box is not read (no one direction to sweep)
    assert half_periods(load_problem(advection("30*(x - 3)")))["t"] == 0


def test_waves_the_equations_make_count_like_data():
    from pinnsolve.models.frequency import half_periods

    # u'' + k² u = 0 from u(0) = 0, u(1) = sin(20): the data do not oscillate, the solution
    # sin(20 x) has 20/π ≈ 6.4 half-periods; k = 3 makes none worth a sin network
    def helmholtz(k):
        return {"domain": {"x": [0, 1]}, "fields": ["u"], "parameters": {"k": k},
                "equations": ["diff(u, x, 2) + k**2*u = 0"],
                "conditions": [{"where": "x = 0", "dirichlet": 0},
                               {"where": "x = 1", "dirichlet": "sin(20)"}]}
    assert half_periods(load_problem(helmholtz(20))) == {"x": 6}
    assert _activation(helmholtz(20))[0] == "sin"
    assert half_periods(load_problem(helmholtz(3))) == {}
    # the same sign as a reaction (Δu - k² u, decaying) makes no waves; the Laplacian counts
    decay = _poisson("0", "1")
    decay["equations"] = ["laplacian(u) - 400*u = 0"]
    assert half_periods(load_problem(decay)) == {}
    decay["equations"] = ["laplacian(u) + 400*u = 0"]
    assert half_periods(load_problem(decay)) == {"x": 6, "y": 12}
    # a parabolic equation with growth (u_t = u_xx + 400 u) makes no spatial waves
    growth = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
              "equations": ["diff(u, t) = diff(u, x, 2) + 400*u"],
              "conditions": [{"where": "initial", "dirichlet": "x*(1 - x)"},
                             {"where": "boundary", "dirichlet": 0}]}
    assert half_periods(load_problem(growth))["x"] <= 1
    # an oscillator in time alone: u'' + 0.2 u' + 64 u = 0 on [0, 4], ω T / π ≈ 10
    oscillator = {"time": None, "domain": {"t": [0, 4]}, "fields": ["u"],
                  "equations": ["diff(u, t, 2) + 0.2*diff(u, t) + 64*u = 0"],
                  "conditions": [{"where": "t = 0", "dirichlet": 1},
                                 {"where": "t = 0", "equation": "diff(u, t) = 0"}]}
    assert half_periods(load_problem(oscillator)) == {"t": 10}
    # a wave at speed 4 from sin(2πx): 2 half-periods along x pass 2·4 = 8 times in t ∈ [0, 1];
    # the nonlinear Klein-Gordon mass u³ is not read as an oscillator
    wave = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"], "parameters": {"c": 4},
            "equations": ["diff(u, t, 2) = c**2*diff(u, x, 2)"],
            "conditions": [{"where": "initial", "dirichlet": "sin(2*pi*x)"},
                           {"where": "initial", "equation": "diff(u, t) = 0"},
                           {"where": "boundary", "dirichlet": 0}]}
    assert half_periods(load_problem(wave)) == {"x": 2, "t": 8}
    assert _activation(wave)[0] == "sin"
    kg = {**wave, "parameters": {}, "equations": ["diff(u, t, 2) - diff(u, x, 2) + u**3 = 0"]}
    assert half_periods(load_problem(kg)) == {"x": 2, "t": 2}


# A three-mode beam, w_tt + a² w_xxxx = 0: mode 3 turns at a (3π)² = 8.9 rad per unit time,
# 11 half-periods over t ∈ [0, 4].
BEAM = {"domain": {"x": [0, 1], "t": [0, 4]}, "fields": ["w"], "parameters": {"a": 0.1},
        "equations": ["diff(w, t, 2) + a**2*diff(w, x, 4) = 0"],
        "conditions": [{"where": "initial", "dirichlet": "sin(pi*x) + 0.2*sin(3*pi*x)"},
                       {"where": "initial", "equation": "diff(w, t) = 0"},
                       {"where": "x = 0 or x = 1", "dirichlet": 0},
                       {"where": "x = 0 or x = 1", "equation": "diff(w, x, 2) = 0"}]}


def _time_modes(raw, overrides=()):
    from pinnsolve.models.build import build_model

    net, _, notes = build_model(load_problem(raw, overrides))
    net = getattr(net, "net", net)
    return len(net.embedding.time_harmonics), notes


def test_time_harmonics_follow_the_half_periods_along_time():
    from pinnsolve.models.frequency import planned_time_modes

    assert planned_time_modes(load_problem(BEAM))[0] == 12            # 11 half-periods + 1
    n, notes = _time_modes(BEAM)
    assert n == 12 and any("12 harmonics of time" in m for m in notes)
    assert "harmonics of time" in " ".join(describe(load_problem(BEAM).settings))
    assert _time_modes({**BEAM, "model": {"time_modes": 3}})[0] == 3   # the file's own
    assert _time_modes(BEAM, ["model.time_modes=0"])[0] == 0
    slow = {**BEAM, "domain": {"x": [0, 1], "t": [0, 0.5]}}          # 1 half-period
    assert _time_modes(slow)[0] == 0
    # 7 half-periods: below TIME_HARMONICS_FROM (8; at 5 they cost klein_gordon 1.7e-7 →
    # 2.9e-4), though sin is planned
    mid = load_problem({**BEAM, "domain": {"x": [0, 1], "t": [0, 2.5]}})
    from pinnsolve.models.frequency import half_periods
    assert half_periods(mid)["t"] == 7 and planned_time_modes(mid)[0] == 0
    assert _time_modes(DECAY)[0] == 0                                  # nothing oscillates
    assert planned_time_modes(load_problem(_poisson("sin(8*pi*x)")))[0] == 0   # no time


def test_a_membrane_rings_at_its_wave_number_over_both_axes():
    # u_tt = Δu on the unit square from sin(πx) sin(πy): ω = π√2, 11.3 half-periods over 8
    # (one axis at a time read π: 8)
    from pinnsolve.models.frequency import half_periods

    membrane = {"domain": {"x": [0, 1], "y": [0, 1], "t": [0, 8]}, "fields": ["u"],
                "equations": ["diff(u, t, 2) = diff(u, x, 2) + diff(u, y, 2)"],
                "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)*sin(pi*y)"},
                               {"where": "initial", "equation": "diff(u, t) = 0"},
                               {"where": "boundary", "dirichlet": 0}]}
    assert half_periods(load_problem(membrane))["t"] == 11


# A bar in inch-pound units, E u'' = 0 on [0, 48], u(0) = 0 imposed, a traction E u' = 1000
# at the free end: u = 1000 x / E, at most 1.6e-3.
BAR = {"domain": {"x": [0, 48]}, "fields": ["u"], "parameters": {"E": 3.0e7},
       "equations": ["E*diff(u, x, 2) = 0"],
       "conditions": [{"where": "x = 0", "dirichlet": 0},
                      {"where": "x = 48", "equation": "E*diff(u, x) = 1000"}],
       "reference": {"exact": {"u": "1000*x/E"}}}


def test_a_small_flux_scales_the_output_down():
    scale, notes = _scale(BAR)
    # |q| L / RMS(D) = (1000 / 3e7) 48 √3 = 2.77e-3 (D = x / 48)
    assert 2.5e-3 <= scale <= 3.0e-3
    assert any("a flux kept in the loss" in n for n in notes)
    # a traction on two fields (a shear, ux_y + uy_x): the coefficients' norm divides it
    from pinnsolve.models.scale import _flux_of
    p = load_problem({"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["ux", "uy"],
                      "equations": ["laplacian(ux) = 0", "laplacian(uy) = 0"],
                      "conditions": [{"where": "y = 1",
                                      "equation": "3*(diff(ux, y) + diff(uy, x)) = 6*x"}]})
    names, q, along = _flux_of(p.conditions[0].expr, p.field_functions,
                               set(p.domain.coordinate_symbols))
    x = sp.Symbol("x")
    assert sorted(names) == ["ux", "uy"] and {str(a) for a in along} == {"x", "y"}
    assert sp.simplify(abs(q) - 6 * x / (3 * sp.sqrt(2))).subs(x, 0.5) == 0
    # no flux datum and a lift that solves the equations: the network stays free (scale 1)
    assert _scale({**BAR, "conditions": [BAR["conditions"][0],
                                         {"where": "x = 48", "equation": "diff(u, x) = 0"}]}
                  )[0] == 1.0


# A source amplitude in SI-like units: -u'' = q sin(πx)·π² / 1e4 with u = sin(πx) at 100
# interior points, q = 1e4 · 5 to be found from a guess of 1e4.
SOURCE = {"domain": {"x": [0, 1]}, "fields": ["u"],
          "unknowns": {"q": {"initial": 1.0e4, "exact": 5.0e4}},
          "equations": ["-diff(u, x, 2) = q*pi**2*sin(pi*x)/5.0e4"],
          "conditions": [{"where": "boundary", "dirichlet": 0},
                         {"where": "interior", "name": "obs", "points": 100,
                          "equation": "u = sin(pi*x)"}],
          "reference": {"exact": {"u": "sin(pi*x)"}}}


def test_an_unknown_far_from_one_is_trained_in_units_of_its_guess(tmp_path):
    from pinnsolve.compiler import compile_problem

    problem = load_problem(SOURCE)
    assert problem.unknowns[0].scale == 1.0e4
    compiled = compile_problem(problem)
    assert float(compiled.unknowns["q"]) == 1.0                 # the trained parameter
    assert float(compiled.unknown_values()["q"]) == 1.0e4       # the value the equations read
    near = load_problem({**SOURCE, "unknowns": {"q": {"initial": 2.0, "exact": 5.0}}})
    assert near.unknowns[0].scale == 1.0                         # near one: as before
    run = pinnsolve.solve(SOURCE, out=tmp_path / "r", overrides=["training.budget=10s"])
    assert run.metrics["unknowns"]["q"] == pytest.approx(5.0e4, rel=1e-3)


# A capacitor gap in SI units, 1 mm across: φ = 0 and 1000 V at its plates (imposed), a
# space charge making φ = V0 (y/H)², and the flux D = -ε φ_y as a second field with no
# condition. φ's network part is (φ − V0 y/H) / (s(1 − s)) = −V0 (s = y/H); D has RMS
# 2 ε V0 / (√3 H) = 1.02e-5.
GAP = {"domain": {"y": [0, 1.0e-3]}, "fields": ["phi", "D"],
       "parameters": {"eps": 8.854e-12, "V0": 1000, "H": 1.0e-3},
       "equations": ["D = -eps*diff(phi, y)", "diff(D, y) = -2*eps*V0/H**2"],
       "conditions": [{"where": "y = 0", "dirichlet": {"phi": 0}},
                      {"where": "y = 1.0e-3", "dirichlet": {"phi": "V0"}}],
       "reference": {"exact": {"phi": "V0*(y/H)**2", "D": "-2*eps*V0*y/H**2"}}}


def test_fields_far_apart_get_the_sizes_of_a_least_squares_fit():
    scale, notes = _scale(GAP)
    phi, d = scale
    assert phi == pytest.approx(1000, rel=0.05)     # 1-D: the features fit it closely
    assert d == pytest.approx(1.02e-5, rel=0.05)
    assert any("least-squares" in n for n in notes), notes
    # the gap in units of one: fields of order one keep the scale 1 (no fit); fields all
    # above KEEP (φ's part 20, D 23 at V0 = 20) take their fitted sizes, as 1 is wrong for
    # both alike
    def unit_gap(v0):
        return {**GAP, "parameters": {"eps": 1.0, "V0": v0, "H": 1.0}, "domain": {"y": [0, 1]},
                "conditions": [{"where": "y = 0", "dirichlet": {"phi": 0}},
                               {"where": "y = 1", "dirichlet": {"phi": "V0"}}]}
    assert _scale(unit_gap(2)) == (1.0, [])
    scale = _scale(unit_gap(20))[0]
    assert scale == pytest.approx([20, 2 * 20 / math.sqrt(3)], rel=0.05)
    assert _scale({**GAP, "model": {"output_scale": 1.0}})[0] == 1.0   # the file's own


def test_one_pass_gives_the_residual_of_every_unit_output_weight():
    """The fit's Jacobian, read from rows that each carry one unit weight, equals the
    residuals of networks whose output layer holds that weight alone."""
    from pinnsolve.compiler import compile_problem
    from pinnsolve.models import build_model
    from pinnsolve.models.scale import _UnitWeights

    problem = load_problem(GAP)
    model, _, _ = build_model(problem)
    net = model.net
    compiled = compile_problem(problem, "autodiff")
    terms = [t for t in compiled.terms if t.kind == "equation"]
    x = torch.linspace(1e-4, 9e-4, 5, dtype=torch.float64)[:, None]
    out = net.out
    n_out, width = out.weight.shape
    net.out = _UnitWeights(n_out, width, len(x))
    rows = compiled.evaluate(model, terms, x.repeat(n_out * (width + 1) + 1, 1))
    net.out = out
    for k in (0, 3, width, width + 1, 2 * width + 1):   # weights, a bias, the second output
        with torch.no_grad():
            out.weight.zero_()
            out.bias.zero_()
            if k % (width + 1) == width:
                out.bias[k // (width + 1)] = 1.0
            else:
                out.weight[k // (width + 1), k % (width + 1)] = 1.0
        want = compiled.evaluate(model, terms, x)
        for t in terms:
            got = rows[t.name].reshape(-1, len(x))[k + 1]
            assert torch.allclose(got, want[t.name], rtol=1e-10, atol=1e-20), (k, t.name)


def test_a_field_its_lift_solves_takes_at_most_the_lifts_size():
    """Darcy in SI along a 1 m column: p = 1e5 (1 − x) + 4e4 x (1 − x) Pa (its network part
    4e4 over x (1 − x)), u = −(k/μ) p_x of order 1e-4 m/s, imposed at both ends with its
    exact (linear) values, so that u's lift solves it. A scale of 1 would let the network's
    noise swamp u; it takes the lift's size over the distance factor's RMS instead."""
    raw = {"domain": {"x": [0, 1]}, "fields": ["p", "u"],
           "parameters": {"kp": 1.0e-12, "mu": 1.0e-3},
           "equations": ["u = -kp/mu*diff(p, x)", "diff(u, x) = 8.0e-5"],
           "conditions": [{"where": "x = 0", "dirichlet": {"p": 1.0e5, "u": 6.0e-5}},
                          {"where": "x = 1", "dirichlet": {"p": 0, "u": 1.4e-4}}],
           "reference": {"exact": {"p": "1e5*(1 - x) + 4e4*x*(1 - x)",
                                   "u": "1e-4 - 4e-5*(1 - 2*x)"}}}
    scale, notes = _scale(raw)
    p, u = scale
    assert p == pytest.approx(4e4, rel=0.05)
    # u's lift has RMS ~1.06e-4 over x; x (1 − x) has RMS 1/√30: u ≈ 5.8e-4
    assert 3e-4 <= u <= 1e-3


def test_the_fit_reads_a_field_whose_unit_change_is_round_off():
    """An n = 1 polytrope in km and solar masses: the density (~1e18) enters the mass
    equation times 6e-21 beside a mass of order one, the pressure equation times 6e-3
    beside 1.3e17 m. A unit output weight changes either residual by less than its
    round-off, so differences read a zero column and no size; the autodiff column reads
    the density's size (true RMS 8.5e17)."""
    star = {"domain": {"r": [0, 12]}, "fields": ["m", "rho"],
            "equations": ["diff(m, r) = 6.32e-21*r**2*rho",
                          "1.22e-2*r**2*diff(rho, r) + 1.327e17*m = 0"],
            "conditions": [{"where": "r = 0", "dirichlet": {"m": 0}},
                           {"where": "r = 12", "dirichlet": {"m": 1.4}}]}
    scale, notes = _scale(star)
    assert 1e17 < float(scale[1]) < 1e19, notes


HELDOUT = Path(__file__).resolve().parent.parent / "benchmarks" / "heldout"


def _fit(raw, monkeypatch):
    """The sizes fitted_sizes reads for a problem (a file of benchmarks/heldout, or a dict),
    whatever the band that decides their use, and how many least-squares solves it took."""
    from pinnsolve.models import build, scale as rules

    seen = {"solves": 0}
    fitted, solve = rules.fitted_sizes, rules._solve_fit

    def counted(*a):
        seen["solves"] += 1
        return solve(*a)

    def spy(*a, **k):
        seen["sizes"] = fitted(*a, **k)
        return seen["sizes"]
    monkeypatch.setattr(rules, "FIT_BAND", (math.inf, -math.inf))   # every read size shown
    monkeypatch.setattr(rules, "_solve_fit", counted)
    monkeypatch.setattr(build, "fitted_sizes", spy)
    if isinstance(raw, Path):
        monkeypatch.chdir(raw.parent)
        raw = raw.name
    build.build_model(load_problem(raw))
    return seen


def test_the_fit_is_linearised_again_where_a_rate_depends_steeply_on_a_field(monkeypatch):
    """A retort pouch: F' = 10^((T − 121.1)/10), read at the untrained network's 40 °C,
    is 1e-8, and the first fit gave F the size 3.45e-6 (its network part ~0.2). Linearised
    again at the fitted T, it reads 0.08, and F's scale stays 1: L2RE T 0.95, F 1.00 →
    8.9e-7, 1.8e-5 at 2 minutes (stop 48). A linear problem keeps its single solve."""
    seen = _fit(next(HELDOUT.glob("retort_pouch_*_t48.yaml")), monkeypatch)
    assert seen["solves"] >= 2
    assert 0.02 < seen["sizes"][1] < 1.0, seen
    seen = _fit(GAP, monkeypatch)                  # linear: the first fit stands
    assert seen["solves"] == 1
    assert seen["sizes"][0] == pytest.approx(1000, rel=0.05)


def test_a_lone_field_with_no_value_in_the_loss_is_sized_by_the_fit(monkeypatch):
    """Lithosphere flexure at a trench, 800 km in km and metres: D w'''' + N w'' + k w = 0,
    with the moment and shear at the trench in the loss and the far end's centimetres
    imposed. No rule read a size (scale 1; L2RE 0.87 at 2 minutes); the fit over the
    untrained features leaves 1 % of the residual and reads ~4700 for a deflection of 2.5
    km at the trench: L2RE 2.4e-6 (stop 48)."""
    path = next(HELDOUT.glob("outer_rise_*_u48.yaml"))
    monkeypatch.chdir(path.parent)
    scale, notes = _scale(path.name)
    assert 1e3 < float(scale) < 1e4
    assert any("least-squares solve" in n for n in notes), notes
    # a lone field the residual rule sizes keeps that rule's scale (the decay: ~280)
    assert 150 <= _scale(DECAY)[0] <= 500
