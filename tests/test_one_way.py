"""One-way coupling (compiler/residual.py: upstream_fields): a field its own equations and
conditions solve is taken as given in the other fields' equations while the trainer runs
a first-order phase, and trained jointly otherwise."""
from __future__ import annotations

import torch

from pinnsolve.compiler import compile_problem
from pinnsolve.spec import load_problem

# A duct's velocity w (its own Poisson problem), then the heat it carries
PIPE = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["w", "T"],
        "equations": ["laplacian(w) = -1", "1000*w*diff(T, x) = laplacian(T)"],
        "conditions": [{"where": "boundary", "dirichlet": {"w": 0, "T": 0}}]}


class TwoNets(torch.nn.Module):
    """w from one parameter, T from another: a gradient shows which field a term moves."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))

    def forward(self, x):
        bump = torch.sin(torch.pi * x[:, :1]) * torch.sin(torch.pi * x[:, 1:])
        return torch.cat([self.a * bump, self.b * bump * x[:, :1]], 1)


def test_the_upstream_field_is_found_and_given_only_in_first_order_phases():
    compiled = compile_problem(load_problem(PIPE))
    assert "pde2 takes w as given while Adam trains" in compiled.one_way_note()
    given = {t.name: t.upstream for t in compiled.terms}
    assert given["pde1"] == frozenset() and given["pde2"] == frozenset({0})
    model = TwoNets()
    x = torch.rand(32, 2, dtype=torch.float64, requires_grad=True)
    heat = compiled.term("pde2")
    for one_way, moves_w in ((False, True), (True, False)):
        compiled.one_way = one_way
        r = compiled.evaluate(model, [heat], x)["pde2"]
        ga, gb = torch.autograd.grad(r.pow(2).mean(), [model.a, model.b])
        assert (float(ga.abs()) > 1e-6) is moves_w and float(gb.abs()) > 1e-6
        # the residual's value is the same either way
        assert torch.allclose(r, compiled.evaluate(model, [heat], x)["pde2"])


def test_two_way_coupling_inverse_problems_and_the_setting_leave_it_off():
    both = {**PIPE, "equations": ["laplacian(w) = -1 + T", "1000*w*diff(T, x) = laplacian(T)"]}
    assert all(not t.upstream for t in compile_problem(load_problem(both)).terms)
    coupled_face = {**PIPE, "conditions": [{"where": "boundary", "dirichlet": {"T": 0}},
                                           {"where": "boundary", "equation": "w = T"}]}
    assert all(not t.upstream for t in compile_problem(load_problem(coupled_face)).terms)
    # an unknown of w's equation, seen through T: the T equation must move w
    inverse = {**PIPE, "unknowns": {"k": 2.0},
               "equations": ["laplacian(w) = -k", "1000*w*diff(T, x) = laplacian(T)"],
               "conditions": PIPE["conditions"] + [
                   {"where": "interior", "name": "obs", "points": 20, "equation": "T = 0.01"}]}
    assert all(not t.upstream for t in compile_problem(load_problem(inverse)).terms)
    off = load_problem(PIPE, ["training.one_way=false"])
    assert all(not t.upstream for t in compile_problem(off).terms)
    assert compile_problem(off).one_way_note() is None
    assert load_problem(PIPE).settings.training.one_way


def test_check_shows_the_one_way_coupling(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from pinnsolve.cli import app
    path = tmp_path / "pipe.yaml"
    path.write_text(yaml.safe_dump(PIPE))
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "one-way coupling: pde2 takes w" in " ".join(result.output.split())


def test_an_equation_beyond_a_closed_system_trains_jointly():
    """London screening: each component has its own equation (a closed set each), and
    div B = 0 reads all three. Taking all three as given, it trained nothing, and the
    gradient balance crashed on its constant loss (stop 50)."""
    london = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["bx", "by"],
              "equations": ["laplacian(bx) = bx", "laplacian(by) = by",
                            "diff(bx, x) + diff(by, y) = 0"],
              "conditions": [{"where": "boundary", "dirichlet": {"bx": "x", "by": "-y"}}]}
    compiled = compile_problem(load_problem(london))
    assert all(not t.upstream for t in compiled.terms)
    assert compiled.one_way_note() is None


def test_the_gradient_of_a_loss_no_parameter_moves_is_zero():
    from pinnsolve.training.weights import _grads
    p = torch.nn.Parameter(torch.ones(3))
    assert torch.equal(_grads(torch.tensor(2.0), [p]), torch.zeros(3))
    assert torch.equal(_grads((2 * p).sum(), [p]), torch.full((3,), 2.0))
