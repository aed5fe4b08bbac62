"""UnitCube: scrambled Halton and LHS from scipy.stats.qmc, resumable bit for bit."""
import warnings

import numpy as np
import pytest
import torch

from pinnsolve.sampling import UnitCube


@pytest.mark.parametrize("method", ["halton", "lhs", "sobol", "uniform"])
def test_resume_repeats_the_stream_bit_identically(method):
    a = UnitCube(3, method, seed=7)
    a.draw(10)
    state = a.state_dict()
    expected = a.draw(16)
    b = UnitCube(3, method, seed=7)
    b.load_state_dict(state)
    assert torch.equal(b.draw(16), expected)


def test_halton_has_no_30_dimension_cap():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no fallback warning
        cube = UnitCube(40, "halton", seed=1)
        u = cube.draw(64)
    assert cube.method == "halton" and u.shape == (64, 40)
    assert float(u.min()) >= 0.0 and float(u.max()) < 1.0
    # Halton's first bases stratify: 64 points put 32 in each half of coordinate 0 (base 2)
    assert int((u[:, 0] < 0.5).sum()) == 32


def test_halton_is_scrambled_by_seed():
    assert not torch.equal(UnitCube(2, "halton", 0).draw(8), UnitCube(2, "halton", 1).draw(8))


def test_lhs_puts_one_point_in_each_stratum():
    u = UnitCube(5, "lhs", seed=3).draw(50).numpy()
    for j in range(5):
        assert sorted(np.floor(u[:, j] * 50).astype(int)) == list(range(50))


def test_sobol_above_its_limit_falls_back_with_a_warning():
    with pytest.warns(UserWarning, match="exceed the Sobol limit of 1000; using uniform"):
        cube = UnitCube(1001, "sobol", seed=0)
    assert cube.method == "uniform"
