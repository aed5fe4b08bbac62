"""PNG quick-looks with matplotlib (optional extra, imported lazily)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import SpecError
from .atomic import atomic_write_with

PLOT_HINT = "PNG plots need matplotlib, which is not installed: install pinnsolve[plot]"


def _pyplot():
    """matplotlib.pyplot on the Agg backend, or None (with a warning saying how to get it)
    when matplotlib is not installed: a training run must not fail over its quick-looks."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        warnings.warn(PLOT_HINT + "; no plots written", UserWarning, stacklevel=3)
        return None
    return plt


def require_matplotlib(file: str = "<command line>", key: str = "--png") -> None:
    """Raise when PNGs were asked for explicitly (``export --png``) and cannot be drawn.

    Raises:
        SpecError: naming ``key``, with the install hint.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SpecError(PLOT_HINT, file=file, key=key) from None


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_with(path, ".png",
                             lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight"))


def _panel(fig, ax, axes: dict[str, np.ndarray], title: str, values: np.ndarray,
           time: str | None = None) -> None:
    """A line (1-D grid) or a colour map of the first two grid axes, the first horizontal
    (x across, y or t up). Further axes (z, or t of a 2-D+t problem) are cut at their middle
    value and the title says where. Two spatial axes share units: equal aspect."""
    names = list(axes)
    if len(names) == 1:
        ax.plot(axes[names[0]], values)
        ax.set_xlabel(names[0])
    else:
        a, b = names[0], names[1]
        cuts = []
        for name in reversed(names[2:]):   # slice the trailing axes, last first
            k = values.shape[-1] // 2
            values = values[..., k]
            cuts.insert(0, f"{name} = {axes[name][k]:.3g}")
        if cuts:
            title = f"{title} at {', '.join(cuts)}"
        # values is indexed [a, b]; pcolormesh wants rows along its vertical axis: transpose
        im = ax.pcolormesh(axes[a], axes[b], values.T, shading="auto", cmap="viridis")
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        if time not in (a, b):
            ax.set_aspect("equal")
        fig.colorbar(im, ax=ax)
    ax.set_title(title)


def plot_all(problem, axes: dict[str, np.ndarray], data: dict[str, np.ndarray],
             log: list[dict], out: Path) -> list[Path]:
    """Solution (and reference and error) per field, and the loss history.

    Returns:
        The files written; nothing when matplotlib is not installed.
    """
    plt = _pyplot()
    if plt is None:
        return []
    written = []
    for f in problem.fields:
        panels = [(f, data[f])]
        if f"{f}_abs_error" in data:
            panels += [(f"{f} reference", data[f"{f}_ref"]), (f"|{f} − ref|", data[f"{f}_abs_error"])]
        fig, axs = plt.subplots(1, len(panels), figsize=(4.8 * len(panels), 3.6), squeeze=False,
                                layout="constrained")
        time = problem.domain.time.name if problem.domain.time is not None else None
        for ax, (title, values) in zip(axs[0], panels):
            _panel(fig, ax, axes, title, values, time)
        written.append(_save(fig, out / f"{f}.png"))
        plt.close(fig)
    return written + _history(plt, log, out)


def plot_samples(problem, radius: np.ndarray, data: dict[str, np.ndarray], log: list[dict],
                 out: Path) -> list[Path]:
    """Vector coordinates (no grid): per field, prediction against reference and the error
    against |x|, at the sample points; and the loss history."""
    plt = _pyplot()
    if plt is None:
        return []
    written = []
    for f in problem.fields:
        if f"{f}_ref" not in data:
            continue
        fig, (a, b) = plt.subplots(1, 2, figsize=(9.6, 3.8), layout="constrained")
        ref, pred = data[f"{f}_ref"], data[f]
        a.scatter(ref, pred, s=4, alpha=0.5)
        lo, hi = float(min(ref.min(), pred.min())), float(max(ref.max(), pred.max()))
        a.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        a.set_xlabel(f"{f} reference")
        a.set_ylabel(f"{f} predicted")
        b.scatter(radius, data[f"{f}_abs_error"], s=4, alpha=0.5)
        b.set_xlabel("|x|")
        b.set_ylabel(f"|{f} − ref|")
        written.append(_save(fig, out / f"{f}.png"))
        plt.close(fig)
    return written + _history(plt, log, out)


def _history(plt, log: list[dict], out: Path) -> list[Path]:
    """Loss terms and the L2 error against the step."""
    written = []
    rows = [r for r in log if "losses" in r]
    if rows:
        fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
        steps = [r["step"] for r in rows]
        for name in rows[-1]["losses"]:
            ax.semilogy(steps, [r["losses"].get(name, np.nan) for r in rows], label=name)
        errs = [(r["step"], r["error"]) for r in rows if "error" in r]
        if errs:
            ax.semilogy(*zip(*errs), "k--", label="L2 rel. error")
        ax.set_xlabel("step")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
        written.append(_save(fig, out / "history.png"))
        plt.close(fig)
    return written
