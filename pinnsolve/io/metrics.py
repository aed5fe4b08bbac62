"""Error metrics against a reference."""
from __future__ import annotations

import numpy as np


def field_errors(pred: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """L2 relative error, L1 relative error, max abs error and MSE of pred vs ref (n,)."""
    err = pred - ref
    norm2 = float(np.linalg.norm(ref))
    norm1 = float(np.abs(ref).sum())
    return {
        "l2re": float(np.linalg.norm(err) / norm2) if norm2 > 0 else float(np.linalg.norm(err)),
        "l1re": float(np.abs(err).sum() / norm1) if norm1 > 0 else float(np.abs(err).sum()),
        "max_abs": float(np.abs(err).max()) if err.size else 0.0,
        "mse": float(np.mean(err ** 2)) if err.size else 0.0,
    }


def errors(fields: tuple[str, ...], pred: np.ndarray, ref: dict[str, np.ndarray]) -> dict:
    """Per-field errors for the fields the reference covers; pred is (n, n_fields)."""
    return {f: field_errors(pred[:, i], ref[f]) for i, f in enumerate(fields) if f in ref}
