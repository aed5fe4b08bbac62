"""Interfaces where a coefficient jumps (spec/interfaces.py, models/interfaces.py): which
fields kink or jump is read from the equations, the model's potential stays continuous,
its flux's normal part stays continuous and only the tangential part jumps."""
from __future__ import annotations

import math

import torch

from _problems import assert_digest_follows_rule
from pinnsolve.models.build import build_model
from pinnsolve.spec import load_problem
from pinnsolve.spec.interfaces import interface_plan

# A ring of permeability 50 between radii 0.3 and 0.6 in a field along x, flux form
SHIELD = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["psi", "Bx", "By"],
          "define": {"mu": "Piecewise((1, x**2 + y**2 < 0.09), "
                           "(Piecewise((50, x**2 + y**2 < 0.36), (1, True)), True))"},
          "equations": ["Bx = -mu*diff(psi, x)", "By = -mu*diff(psi, y)",
                        "diff(Bx, x) + diff(By, y) = 0"],
          "conditions": [{"where": "x = 0", "dirichlet": {"psi": 0}},
                         {"where": "x = 1", "dirichlet": {"psi": "-x"}},
                         {"where": "y = 0 or y = 1", "dirichlet": {"By": 0}}]}
# Two media in a rod, heat in flux form: rc T_t = -q_x, q = -k T_x, both k and rc jump
ROD = {"domain": {"x": [-1, 1], "t": [0, 1]}, "fields": ["T", "q"],
       "define": {"k": "1 + 99*Heaviside(x - 0.2)", "rc": "Piecewise((1, x < 0.2), (3, True))"},
       "equations": ["q = -k*diff(T, x)", "rc*diff(T, t) = -diff(q, x)"],
       "conditions": [{"where": "t = 0", "dirichlet": {"T": 1}},
                      {"where": "x = -1 or x = 1", "dirichlet": {"T": 0}}]}


def test_the_equations_say_which_fields_kink_and_which_jump():
    plan = interface_plan(load_problem(SHIELD))
    assert plan is not None and len(plan.levels) == 2
    assert plan.kinks == (0,)                      # psi
    assert set(plan.jumps) == {(1, 0), (2, 1)}     # Bx along x, By along y
    assert plan.outputs == 2 * 3
    for g, s in zip(plan.levels, plan.scales):
        assert abs(float(g.subs({"x": 1, "y": 1})) * s) <= 1 + 1e-12
    rod = interface_plan(load_problem(ROD))
    # T kinks (q = -k T_x), q kinks too (q_x = -rc T_t jumps); in 1-D no flux jumps
    assert rod.kinks == (0, 1) and rod.jumps == () and len(rod.levels) == 1


def test_no_interface_where_no_derivative_has_a_jumping_coefficient():
    source = {**SHIELD, "fields": ["u"], "equations": ["laplacian(u) = mu"],
              "conditions": [{"where": "boundary", "dirichlet": 0}]}
    assert interface_plan(load_problem(source)) is None       # a jumping source
    guide = {"domain": {"x": [0, 2]}, "fields": ["E"],
             "equations": ["diff(E, x, 2) + (4 + 5*Heaviside(x - 1))*E = 0"],
             "conditions": [{"where": "x = 0", "dirichlet": 1},
                            {"where": "x = 2", "dirichlet": 0}]}
    assert interface_plan(load_problem(guide)) is None        # n(x)² E: E is C¹
    outside = {**ROD, "define": {"k": "1 + Heaviside(x - 5)", "rc": 1}}
    assert interface_plan(load_problem(outside)) is None      # the jump is off the domain


def test_an_explicit_setting_wins():
    assert interface_plan(load_problem(SHIELD, ["model.interfaces=false"])) is None
    assert interface_plan(load_problem(SHIELD, ["model.interfaces=true"])) is not None
    net, _, notes = build_model(load_problem(SHIELD, ["model.interfaces=false"]))
    assert not any("interface" in n for n in notes)


def test_the_potential_is_continuous_and_the_flux_jumps_only_along_the_interface():
    torch.manual_seed(0)
    net, _, notes = build_model(load_problem(SHIELD))
    assert any("interface terms" in n and "model.interfaces=false" in n for n in notes)
    with torch.no_grad():   # the interface outputs start at the network's own size
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    angles = torch.linspace(0.1, 1.4, 7, dtype=torch.float64)
    n = torch.stack([torch.cos(angles), torch.sin(angles)], 1)
    t = torch.stack([-n[:, 1], n[:, 0]], 1)
    for radius in (0.3, 0.6):
        eps = 1e-7
        inner, outer = net((radius - eps) * n), net((radius + eps) * n)
        jump = (outer - inner).detach()
        assert jump[:, 0].abs().max() < 1e-5                          # psi continuous
        normal = (jump[:, 1:] * n).sum(1)
        tangential = (jump[:, 1:] * t).sum(1)
        assert normal.abs().max() < 1e-5                              # B·n continuous
        assert tangential.abs().max() > 1e-3                          # B·t jumps
    # and psi can kink: its radial slope differs on the two sides
    x = torch.stack([torch.tensor([0.6 - 1e-3, 0.6 + 1e-3], dtype=torch.float64),
                     torch.zeros(2, dtype=torch.float64)], 1).requires_grad_(True)
    slope = torch.autograd.grad(net(x)[:, 0].sum(), x)[0][:, 0]
    assert not math.isclose(float(slope[0]), float(slope[1]), rel_tol=1e-3)


def test_the_digest_follows_the_rule():
    assert_digest_follows_rule("INTERFACES", load_problem(SHIELD),
                               load_problem(SHIELD, ["model.interfaces=false"]))


def test_the_plan_is_the_same_in_every_process():
    """Level sets come from SymPy atoms (a set, whose order follows Python's string hash):
    the plan, so the model and the digest, must not change with PYTHONHASHSEED."""
    import json
    import os
    import subprocess
    import sys
    code = ("import json, sys; from pinnsolve.spec import load_problem; "
            "from pinnsolve.spec.interfaces import interface_plan; "
            "from pinnsolve.spec.meaning import meaning_digest; "
            "p = load_problem(json.loads(sys.argv[1])); "
            "print([str(g) for g in interface_plan(p).levels], meaning_digest(p))")
    seen = {subprocess.run([sys.executable, "-c", code, json.dumps(SHIELD)], check=True,
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in (1, 2, 3)}
    assert len(seen) == 1, seen
