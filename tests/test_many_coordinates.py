"""More than three scalar space coordinates: no grid (VTK cells stop at 3-D), so the fields
are written at sample points like a vector coordinate's, and export says why it writes no
VTU. Before, such a run trained to the end and then failed writing its grid."""
from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

import pinnsolve
from pinnsolve.cli import app

FOUR = {"name": "four", "domain": {f"x{i}": [0, 1] for i in range(1, 5)}, "fields": ["u"],
        "equations": ["diff(u, x1, 2) + diff(u, x2, 2) + diff(u, x3, 2) + diff(u, x4, 2) = 0"],
        "conditions": [{"where": "boundary", "dirichlet": "x1*x2 + x3*x4"}],
        "reference": {"exact": {"u": "x1*x2 + x3*x4"}},
        "sampling": {"interior": 64, "boundary": 64},
        "training": {"phases": [{"optimizer": "adam", "steps": 3}]}}


def test_fields_are_sampled_and_export_explains(tmp_path):
    run = pinnsolve.solve(FOUR, out=tmp_path / "r", fresh=True)
    fields = sorted(p.name for p in (tmp_path / "r" / "fields").iterdir())
    assert "samples.npz" in fields and not any(f.startswith("solution") for f in fields)
    with np.load(tmp_path / "r" / "fields" / "samples.npz") as z:
        assert z["x_first"].shape[1] == 3 and len(z["radius"]) == len(z["u"]) > 0
        assert np.isfinite(z["u_abs_error"]).all()
    assert run.metrics["errors"]["u"]["l2re"] < 1   # measured at sampled points
    out = CliRunner().invoke(app, ["export", str(tmp_path / "r"), "--vtk"]).output
    assert "more than 3 spatial coordinates has no grid" in " ".join(out.split())
    bad = CliRunner().invoke(app, ["export", str(tmp_path / "r"), "--npz", "--grid", "x1=5"])
    assert "no grid" in bad.output and "Traceback" not in bad.output
