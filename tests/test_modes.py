"""An ODE's own frequencies (spec/modes.py): read from the linear part's eigenvalues and the
forcing's sin/cos, fed to the network as cos/sin features, in the digest only where built."""
from __future__ import annotations

import math

import pytest
import torch

from _problems import assert_digest_follows_rule
from pinnsolve.derivatives.taylor import Jet
from pinnsolve.models.build import build_model
from pinnsolve.spec import load_problem
from pinnsolve.spec.meaning import meaning_digest
from pinnsolve.spec.modes import FROM, _eigen_frequencies, time_frequencies

# A series RLC branch on the mains: L i' + R i + v = V cos(ωt), C v' = i. It rings at
# ω_d = √(1/LC − (R/2L)²) = 3160.7 rad/s (100.6 half-periods over 0.1 s) on a 50 Hz
# response (10 half-periods).
RLC = {"domain": {"t": [0, 0.1]}, "fields": ["i", "v"],
       "parameters": {"R": 2.0, "L": 0.01, "C": 1e-5, "V": 325.0, "w": "100*pi"},
       "equations": ["L*diff(i, t) + R*i + v = V*cos(w*t)", "C*diff(v, t) = i"],
       "conditions": [{"where": "initial", "dirichlet": {"i": 0, "v": 0}}]}
OMEGA_D = math.sqrt(1 / (0.01 * 1e-5) - (2.0 / 0.02) ** 2)

# Two masses on springs with a damper, second order: m1 x1'' + ... (modes of the undamped
# pencil checked against numpy below).
TWO_MASS = {"domain": {"t": [0, 1]}, "fields": ["x1", "x2"],
            "parameters": {"m1": 20, "m2": 2, "k1": 8000, "k2": 40000, "c": 40},
            "equations": ["m1*diff(x1, t, 2) + (k1 + k2)*x1 - k2*x2 + c*diff(x1, t) = 0",
                          "m2*diff(x2, t, 2) + k2*(x2 - x1) = 0"],
            "conditions": [{"where": "initial", "dirichlet": {"x1": 0.002, "x2": 0.006}},
                           {"where": "initial", "equation": "diff(x1, t) = 0"},
                           {"where": "initial", "equation": "diff(x2, t) = 0"}]}


def test_a_first_order_circuit_rings_at_its_damped_frequency_and_its_drive():
    ks, why = time_frequencies(load_problem(RLC))
    assert ks[0] == pytest.approx(OMEGA_D * 0.1 / math.pi, rel=1e-6)
    assert ks[1] == pytest.approx(10.0, rel=1e-9)                   # 50 Hz over 0.1 s
    assert len(ks) == 2 and "mode" in why and "forcing" in why


def test_second_order_modes_match_the_companion_eigenvalues():
    import numpy as np

    m = np.diag([20.0, 2.0])
    c = np.array([[40.0, 0], [0, 0]])
    k = np.array([[48000.0, -40000], [-40000, 40000]])
    comp = np.block([[np.zeros((2, 2)), np.eye(2)],
                     [-np.linalg.solve(m, k), -np.linalg.solve(m, c)]])
    expected = sorted({round(abs(v.imag), 9) for v in np.linalg.eigvals(comp) if v.imag})
    assert _eigen_frequencies(m, c, k) == pytest.approx(expected, rel=1e-9)
    ks, _ = time_frequencies(load_problem(TWO_MASS))
    assert sorted(ks) == pytest.approx([w / math.pi for w in expected], rel=1e-5)


def test_mixed_orders_and_infinite_eigenvalues():
    import numpy as np

    # x'' + 4x = 0 beside a first-order y' + y = x (real mode, no frequency)
    m = np.array([[1.0, 0], [0, 0]])
    c = np.array([[0.0, 0], [0, 1]])
    k = np.array([[4.0, 0], [-1, 1]])
    assert _eigen_frequencies(m, c, k) == pytest.approx([2.0])


def test_nothing_is_planned_below_the_threshold_or_where_nothing_is_read():
    slow = {**RLC, "parameters": {**RLC["parameters"], "L": 10.0, "C": 1.0, "w": 1}}
    assert time_frequencies(load_problem(slow)) == ((), "")        # < FROM half-periods
    assert FROM == 8
    unknown = {**TWO_MASS, "parameters": {k: v for k, v in TWO_MASS["parameters"].items()
                                          if k != "k2"},
               "unknowns": {"k2": {"initial": 1000}},
               "conditions": TWO_MASS["conditions"] + [
                   {"where": {"point": [0.5]}, "name": "seen", "equation": "x1 = 0.001"}]}
    assert time_frequencies(load_problem(unknown)) == ((), "")     # an unknown stiffness
    wave = {"domain": {"x": [0, 1], "t": [0, 1]}, "fields": ["u"],
            "equations": ["diff(u, t, 2) + 10000*u = diff(u, x, 2)"],
            "conditions": [{"where": "initial", "dirichlet": "sin(pi*x)"},
                           {"where": "initial", "equation": "diff(u, t) = 0"},
                           {"where": "boundary", "dirichlet": 0}]}
    assert time_frequencies(load_problem(wave)) == ((), "")        # not one coordinate


def test_the_model_gets_the_features_and_the_digest_changes_only_where_built():
    problem = load_problem(RLC)
    net, _, notes = build_model(problem)
    emb = getattr(net, "net", net).embedding
    assert emb.time_harmonics.tolist() == pytest.approx(list(time_frequencies(problem)[0]))
    assert any("cos and sin of t at 2 frequencies" in n for n in notes)
    off = load_problem(RLC, ["model.time_modes=0"])
    assert len(getattr(build_model(off)[0], "net").embedding.time_harmonics) == 0
    assert meaning_digest(off) != meaning_digest(problem)
    # a problem without features keeps its digest whatever FREQUENCIES says
    slow = load_problem({**RLC, "parameters": {**RLC["parameters"], "L": 10.0, "C": 1.0,
                                                "w": 1}})
    assert_digest_follows_rule("FREQUENCIES", problem, slow)


def test_features_at_any_frequency_have_exact_taylor_jets():
    problem = load_problem(RLC)
    emb = getattr(build_model(problem)[0], "net", None).embedding
    t = torch.tensor([[0.013], [0.071]], dtype=torch.float64, requires_grad=True)
    z = emb(t)
    d1 = torch.stack([torch.autograd.grad(z[:, k].sum(), t, create_graph=True)[0][:, 0]
                      for k in range(z.shape[1])], 1)
    d2 = torch.stack([torch.autograd.grad(d1[:, k].sum(), t, retain_graph=True)[0][:, 0]
                      for k in range(z.shape[1])], 1)
    jet = emb.jet(Jet.input(t.detach(), [torch.ones(1, 1, 1, dtype=torch.float64), None]))
    scale = d2.abs().max()
    assert torch.allclose(jet.coefs[0][0], d1.detach(), rtol=1e-10, atol=1e-10 * scale)
    assert torch.allclose(jet.coefs[1][0], d2, rtol=1e-9, atol=1e-10 * scale)


def test_a_pdes_forcing_in_time_is_read_from_its_data():
    # an annual surface cycle over 10 years: 20 half-periods, which harmonics of the span
    # (at most 16) cannot make
    borehole = {"domain": {"z": [0, 1], "t": [0, 10]}, "fields": ["T"],
                "equations": ["diff(T, t) = diff(T, z, 2)"],
                "conditions": [{"where": "initial", "dirichlet": 0},
                               {"where": "z = 0", "dirichlet": "sin(2*pi*t)"},
                               {"where": "z = 1", "neumann": 0}]}
    problem = load_problem(borehole)
    assert time_frequencies(problem)[0] == pytest.approx((20.0,))
    net, _, notes = build_model(problem)
    emb = getattr(net, "net", net).embedding
    assert 20.0 in emb.time_harmonics.tolist() and emb.time_column == 1
    assert any("cos and sin of t at 1 frequencies" in n for n in notes)
    slow = {**borehole, "conditions": borehole["conditions"][:1] + [
        {"where": "z = 0", "dirichlet": "sin(pi*t/10)"}, borehole["conditions"][2]]}
    assert time_frequencies(load_problem(slow)) == ((), "")       # one half-period
