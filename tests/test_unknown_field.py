"""The model side of field-valued unknowns: a small network, its regularisation, errors."""
import math

import pytest
import torch

from pinnsolve.models.unknown_field import UnknownFields


def test_unknown_field_fits_a_target_and_regularization_behaves():
    torch.manual_seed(0)
    f = UnknownFields(["a"], [0, 0], [1, 1], initial=1.0, regularization="smooth",
                      weight=1.0).double()
    x = torch.rand(256, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    target = lambda x: 1 + 0.5 * torch.sin(math.pi * x[:, 0])    # noqa: E731
    opt = torch.optim.Adam(f.parameters(), lr=1e-2)
    for _ in range(300):
        opt.zero_grad()
        loss = ((f("a", x) - target(x)) ** 2).mean()
        loss.backward()
        opt.step()
    assert f.errors(x, {"a": target})["a"] < 2e-2
    # The smoothness term is ∫|∇a|² ≈ (π/2)² / 2 ≈ 1.23 for the fitted field; zero for a
    # constant (a fresh network with its output weights zeroed).
    assert 0.9 < float(f.regularization(x).detach()) < 1.6
    with torch.no_grad():
        for p in f.nets["a"].parameters():
            p.zero_()
    assert float(f.regularization(x).detach()) == 0.0
    with pytest.raises(ValueError, match="regularization must be one of"):
        UnknownFields(["a"], [0], [1], regularization="tv")
