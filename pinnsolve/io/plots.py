"""PNG quick-looks with matplotlib (optional extra, imported lazily)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def _save(fig, path: Path) -> Path:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def plot_all(problem, axes: dict[str, np.ndarray], data: dict[str, np.ndarray],
             log: list[dict], out: Path) -> list[Path]:
    """Solution (and error) per field, and the loss history. Returns the files written;
    nothing when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    names = list(axes)
    for f in problem.fields:
        panels = [(f, data[f])]
        if f"{f}_abs_error" in data:
            panels += [(f"{f} reference", data[f"{f}_ref"]), (f"|{f} − ref|", data[f"{f}_abs_error"])]
        fig, axs = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.6), squeeze=False)
        for ax, (title, values) in zip(axs[0], panels):
            if len(names) == 1:
                ax.plot(axes[names[0]], values)
                ax.set_xlabel(names[0])
            elif len(names) == 2:
                a, b = names
                im = ax.pcolormesh(axes[b], axes[a], values, shading="auto", cmap="viridis")
                ax.set_xlabel(b)
                ax.set_ylabel(a)
                fig.colorbar(im, ax=ax)
            else:  # 3-D grids: middle slice of the last axis
                a, b = names[0], names[1]
                im = ax.pcolormesh(axes[b], axes[a], values[..., values.shape[-1] // 2],
                                   shading="auto", cmap="viridis")
                ax.set_xlabel(b)
                ax.set_ylabel(a)
                fig.colorbar(im, ax=ax)
            ax.set_title(title)
        written.append(_save(fig, out / f"{f}.png"))
        plt.close(fig)
    rows = [r for r in log if "losses" in r]
    if rows:
        fig, ax = plt.subplots(figsize=(6, 3.8))
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
