"""Error metrics against a reference."""
from __future__ import annotations

import numpy as np

# A reference whose largest magnitude is below this is "zero everywhere" (v = 0 in a channel,
# an exact 0*x): dividing by its norm would blow up or, with the old fallback, silently turn
# a "relative" error into an absolute one. Such a field is measured by its RMS error instead.
ZERO_REFERENCE = 1e-12


def field_errors(pred: np.ndarray, ref: np.ndarray) -> dict:
    """Errors of pred vs ref, both (n,).

    Returns:
        ``measure`` names the headline error: ``"l2re"`` (relative L2, ‖e‖/‖ref‖) normally,
        ``"rms"`` (root-mean-square error, √mean e²) when the reference is zero everywhere
        (max |ref| < ``ZERO_REFERENCE``). Relative errors (``l2re``, ``l1re``) are reported
        only with measure ``l2re``; for measure ``rms`` the keys ``rms`` and ``mean_abs`` carry
        the absolute errors, and ``l2re`` repeats ``rms`` so averages over fields (the
        training log's error column) stay defined. ``max_abs`` and ``mse`` always.
    """
    err = pred - ref
    mse = float(np.mean(err ** 2)) if err.size else 0.0
    out = {"max_abs": float(np.abs(err).max()) if err.size else 0.0, "mse": mse}
    if ref.size == 0 or float(np.abs(ref).max()) < ZERO_REFERENCE:
        rms = float(np.sqrt(mse))
        return {"measure": "rms", "rms": rms, "l2re": rms,
                "mean_abs": float(np.abs(err).mean()) if err.size else 0.0, **out}
    return {"measure": "l2re",
            "l2re": float(np.linalg.norm(err) / np.linalg.norm(ref)),
            "l1re": float(np.abs(err).sum() / np.abs(ref).sum()), **out}


def headline(err: dict) -> str:
    """``L2 rel. error 1.2e-03`` or ``RMS error 5.3e-02 (reference is zero)`` for a field."""
    if err.get("measure") == "rms":
        return f"RMS error {err['rms']:.3e} (reference is zero)"
    return f"L2 rel. error {err['l2re']:.3e}"


def errors(fields: tuple[str, ...], pred: np.ndarray, ref: dict[str, np.ndarray]) -> dict:
    """Per-field errors for the fields the reference covers; pred is (n, n_fields)."""
    return {f: field_errors(pred[:, i], ref[f]) for i, f in enumerate(fields) if f in ref}
