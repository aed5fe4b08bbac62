"""Boundary layers read from the equations (spec/layers.py) and the model term that
carries them (models/constraints.py)."""
import torch

from pinnsolve import load_problem
from pinnsolve.models import build_model
from pinnsolve.spec.layers import boundary_layers

SQUARE = {"x": [0, 1], "y": [0, 1]}
WALLS = [{"where": "boundary", "dirichlet": 0}]


def _problem(equation, domain=SQUARE, conditions=WALLS, **extra):
    return load_problem({"domain": domain, "fields": ["u"], "equations": [equation],
                         "conditions": conditions, **extra})


def test_small_diffusion_next_to_transport_is_a_layer_at_the_outflow_face():
    p = _problem("-0.01*laplacian(u) + diff(u, x) = 1")
    assert boundary_layers(p) == {("u", "x", "hi"): 0.01}
    p = _problem("-0.01*laplacian(u) - 2*diff(u, y) = 1")     # transport towards y = 0
    assert boundary_layers(p) == {("u", "y", "lo"): 0.005}
    long = {"x": [0, 4], "t": [0, 1]}                          # δ / L on a longer box
    p = _problem("diff(u, t) + diff(u, x) = nu*diff(u, x, 2)", domain=long,
                 conditions=[{"where": "t = 0", "dirichlet": 0}],
                 parameters={"nu": 0.02}, time="t")
    assert boundary_layers(p) == {("u", "x", "hi"): 0.005}


def test_no_layer_without_a_small_leading_coefficient():
    assert boundary_layers(_problem("-laplacian(u) + diff(u, x) = 1")) == {}
    assert boundary_layers(_problem("-0.05*laplacian(u) + diff(u, x) = 1")) == {}   # δ 5 %
    assert boundary_layers(_problem("-0.01*laplacian(u) = 1")) == {}          # no transport
    assert boundary_layers(_problem("-0.01*laplacian(u) + u = 1")) == {}      # reaction only
    assert boundary_layers(_problem("-0.01*laplacian(u) + u*diff(u, x) = 1")) == {}  # Burgers
    assert boundary_layers(_problem("-0.01*laplacian(u) + x*diff(u, x) = 1")) == {}  # variable


def test_a_stagnation_layer_where_the_transport_vanishes_at_a_wall():
    """A jet on the wall y = 0 (Hiemenz flow u = x, v = -y): the transport -y u_y vanishes
    at the wall and points to it, so a layer of width √(2ε/β) forms there, of profile
    erf(s/δ). Flow leaving a face (x u_x at x = 0), a zero inside the box, or a wide layer
    make none."""
    import math

    from pinnsolve.spec.layers import Stagnation
    p = _problem("x*diff(u, x) - y*diff(u, y) = 0.0005*laplacian(u)")
    layers = boundary_layers(p)
    assert list(layers) == [("u", "y", "lo")]
    width = layers[("u", "y", "lo")]
    assert isinstance(width, Stagnation) and math.isclose(width, math.sqrt(2 * 0.0005))
    top = _problem("x*diff(u, x) + (1 - y)*diff(u, y) = 0.0005*laplacian(u)")   # onto y = 1
    assert list(boundary_layers(top)) == [("u", "y", "hi")]
    inside = _problem("x*diff(u, x) - (y - 0.5)*diff(u, y) = 0.0005*laplacian(u)")
    assert boundary_layers(inside) == {}
    assert boundary_layers(_problem("x*diff(u, x) - y*diff(u, y) = 0.05*laplacian(u)")) == {}
    net, _, notes = build_model(p)
    assert any("stagnation layer" in n and "erf(s/δ)" in n for n in notes), notes
    x = torch.tensor([[0.3, 0.0], [0.3, 0.5]], dtype=torch.float64)
    with torch.no_grad():
        assert abs(float(net(x)[0, 0])) < 1e-14   # the wall stays exact


def test_the_layer_term_keeps_the_walls_exact_and_only_where_planned():
    p = _problem("-0.01*laplacian(u) + diff(u, x) = 1")
    model, imposed, notes = build_model(p)
    assert imposed == {"bc"} and any("boundary layer" in n for n in notes)
    assert model.net.out.out_features == 2                 # u's network part and the layer's
    x = torch.rand(32, 2, dtype=torch.float64)
    with torch.no_grad():
        for w in model.parameters():
            w.add_(0.5)
        for col in (0, 1):
            for side in (0.0, 1.0):
                wall = x.clone()
                wall[:, col] = side
                assert model(wall).abs().max() == 0
        inside = model(x)
    assert inside.shape == (32, 1) and inside.abs().min() > 0
    expert = _problem("-0.01*laplacian(u) + diff(u, x) = 1",
                      training={"phases": [{"optimizer": "adam", "steps": 10}]})
    plain, _, notes = build_model(expert)
    assert plain.net.out.out_features == 1 and not any("boundary layer" in n for n in notes)


def test_the_layer_term_on_taylor_jets_matches_autodiff():
    import pinnsolve

    x = torch.rand(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    residuals = []
    for engine in ("autodiff", "taylor"):
        p = _problem("-0.01*laplacian(u) + diff(u, x) = 1", derivatives={"engine": engine})
        model, _, _ = build_model(p)
        with torch.no_grad():
            for w in model.parameters():
                w.add_(0.3 * torch.sin(torch.arange(w.numel(), dtype=w.dtype)).reshape(w.shape))
        compiled = pinnsolve.compile_problem(p)
        terms = [t for t in compiled.terms if t.kind == "equation"]
        residuals.append(compiled.evaluate(model, terms, x)["pde"].detach())
    assert torch.allclose(residuals[0], residuals[1], rtol=1e-10, atol=1e-10)
