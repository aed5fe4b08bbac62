"""Rich renderables: problem summaries, live training table, error panels.

With cli.py the only code that prints. Library code hands progress over through a Callback.
"""
from __future__ import annotations

import json
import math
import sys
import time

import sympy as sp
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sympy.core.function import AppliedUndef

from .derivatives.requests import Bilaplacian, DiagonalSum, Laplacian, Partial
from .spec.symbols import DiagonalSum as DiagonalNode
from .spec.symbols import Laplacian as LaplacianNode


def readable(expr: sp.Expr, input_names: tuple[str, ...] = ()) -> str:
    """``u_t + u*u_x - 0.003*u_xx`` style text for a residual."""
    try:
        mapping = {}
        for node in expr.atoms(sp.Derivative):
            if isinstance(node.expr, AppliedUndef):
                idx = "".join(str(v) * int(k) for v, k in node.variable_count)
                mapping[node] = sp.Symbol(f"{node.expr.func.__name__}_{idx}")
        for node in expr.atoms(LaplacianNode):
            inner = node.args[0]
            if isinstance(inner, LaplacianNode):
                mapping[node] = sp.Symbol(f"laplacian(laplacian({inner.args[0].func.__name__}))")
            elif node not in mapping:
                mapping[node] = sp.Symbol(f"laplacian({inner.func.__name__})")
        for node in expr.atoms(DiagonalNode):
            u, k, lo, hi = node.args
            mapping[node] = sp.Symbol(f"Sum(diff({u.func.__name__}, x[i], {k}), (i, {lo}, {hi}))")
        plain = expr.xreplace(mapping)
        plain = plain.xreplace({f: sp.Symbol(f.func.__name__) for f in plain.atoms(AppliedUndef)})
    except Exception:  # pragma: no cover - printing must never fail
        plain = expr
    return sp.sstr(plain)


def request_text(req, fields, inputs) -> str:
    name = fields[req.field]
    if isinstance(req, Laplacian):
        return f"Δ{name}"
    if isinstance(req, Bilaplacian):
        return f"Δ²{name}"
    if isinstance(req, DiagonalSum):
        return f"Σ ∂^{req.order}{name}/∂x_i^{req.order}"
    if isinstance(req, Partial) and req.orders:
        return f"{name}_" + "".join(inputs[c] * k for c, k in req.orders)
    return name


def problem_summary(problem, compiled) -> Group:
    """The parsed problem as rich renderables (``pinnsolve check``)."""
    d = problem.domain
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold cyan")
    head.add_column()
    coords = [f"{c.name} ∈ [{c.lo:g}, {c.hi:g}]" for c in d.space]
    if d.vector is not None:
        v = d.vector
        coords.append(f"{v.name} ∈ " + (f"ball(radius {v.radius:g}) ⊂ R^{v.dim}" if v.shape == "ball"
                                         else f"[{v.lo:g}, {v.hi:g}]^{v.dim}"))
    if d.time is not None:
        coords.append(f"{d.time.name} ∈ [{d.time.lo:g}, {d.time.hi:g}] (time)")
    head.add_row("problem", problem.name)
    head.add_row("domain", ", ".join(coords) + (
        f" ∩ shape ({d.shape.kind})" if d.shape is not None else
        f" ∩ mesh {d.mesh}" if d.mesh is not None else ""))
    head.add_row("fields", ", ".join(problem.fields))
    if problem.parameters:
        head.add_row("parameters", ", ".join(f"{p.name} = {p.expr} = {p.value:.6g}"
                                             for p in problem.parameters))
    if problem.unknowns:
        head.add_row("unknowns", ", ".join(f"{u.name} (initial {u.initial:g})"
                                           for u in problem.unknowns))
    if problem.periodic:
        head.add_row("periodic", ", ".join(problem.periodic))
    if problem.reference is not None:
        r = problem.reference
        # escape(): "x[i]" in an expression is not rich markup.
        head.add_row("reference", escape("exact: " + ", ".join(f"{k} = {v}" for k, v in
                                                               r.exact.items())
                                         if r.exact else (f"file {r.file}" if r.file
                                                          else f"{len(next(iter(r.data.values())))} "
                                                          "points given in the problem"
                                                          if r.data else f"solver {r.solver}")))
    s = problem.settings
    op = problem.operator
    if op is not None:
        m = op.model
        head.add_row("operator", f"input {op.input.name}({', '.join(op.input.over)}) ~ GRF"
                     f"{' thresholded' if op.distribution.threshold else ''}; {op.train} train / "
                     f"{op.test} test instances on grid {op.grid or 'default'}; loss {op.loss}; "
                     f"FNO {m.layers}×{m.width}, modes {m.modes or 'default'}; grid "
                     f"derivatives (spectral on periodic axes, FD order {op.fd_order} elsewhere)")
    head.add_row("model", f"{s.model.kind} {s.model.depth}×{s.model.width} {s.model.activation}")
    head.add_row("derivatives", s.derivatives.engine)
    sm = s.sampling
    every = "moved every step" if sm.strategy == "r3" else (
        f"redrawn every {sm.resample_every} steps" if sm.resample_every else "fixed")
    head.add_row("sampling", f"{sm.strategy}{' (causal)' if sm.causal and sm.strategy == 'r3' else ''}"
                 f", {sm.interior} interior points, {every}")
    head.add_row("training", " → ".join(f"{p.optimizer} {p.steps}" for p in s.training.phases)
                 + f" ({s.training.dtype}, seed {s.training.seed})"
                 + (f", weighting {s.training.weighting.scheme}"
                    if s.training.weighting.scheme != "fixed" else "")
                 + (f", causal weights over {s.training.causal.chunks} time chunks"
                    if s.training.causal.chunks else "")
                 + "".join(f"; stage {k + 2}: " + " → ".join(f"{p.optimizer} {p.steps}"
                                                            for p in st.phases)
                           for k, st in enumerate(s.training.stages)))

    terms = Table(title="terms", show_lines=False, expand=False)
    for col in ("name", "where", "residual (= 0)", "derivatives"):
        terms.add_column(col, overflow="fold")
    by_name = {e.name: e.expr for e in problem.equations}
    by_name.update({c.name: c.expr for c in problem.conditions})
    inputs = tuple(n.split("[")[0] for n in d.input_names)
    for t in compiled.terms:
        expr = by_name.get(t.name)
        reqs = sorted(t.requests, key=lambda r: (type(r).__name__, r))
        terms.add_row(t.name, _where(t.region),
                      escape(readable(expr) if expr is not None else t.text),
                      escape(", ".join(request_text(r, compiled.problem.fields, inputs)
                                        for r in reqs)))
    return Group(Panel(head, title="pinnsolve check", border_style="green"), terms)


def _where(region) -> str:
    if region.kind == "face":
        return f"{region.coord} = {'min' if region.side == 'lo' else 'max'}"
    if getattr(region, "piece", None):
        return "boundary: " + ", ".join(region.piece)
    return region.kind


def error_panel(message: str, title: str = "error") -> Panel:
    # fold, not crop: a long path is one word and must stay readable in full
    return Panel(Text(message, overflow="fold"), title=title, border_style="red", expand=False)


class ProgressView:
    """Live table of training progress fed by the training Callback."""

    def __init__(self, console: Console, json_lines: bool = False, quiet: bool = False):
        self.console = console
        self.json_lines = json_lines
        self.quiet = quiet
        self.live: Live | None = None
        self.last_refresh = 0.0

    def __call__(self, event: str, info: dict) -> None:
        if self.json_lines:
            print(json.dumps({"event": event, **_jsonable(info)}), file=sys.stdout, flush=True)
            return
        if self.quiet:
            return
        if event == "start":
            self.live = Live(self._table(info), console=self.console, refresh_per_second=4,
                             transient=False)
            self.live.start()
        elif event == "log" and self.live is not None:
            self.live.update(self._table(info))
        elif event in ("end", "interrupted") and self.live is not None:
            self.live.stop()
            self.live = None
        elif event == "stage":
            self.console.print(f"[cyan]stage {info['stage']}:[/] ε = {info['eps']:.3e} "
                               f"(residual RMS {info['eps_r']:.3e}), f_d = {info['f_d']:.3g}, "
                               f"κ = {info['kappa']:.3g}")
        elif event in ("warning", "rollback"):
            target = self.live.console if self.live else self.console
            # escape(): messages quote paths and user text, which is not rich markup
            target.print(f"[yellow]{event}:[/] {escape(str(info.get('message', '')))}")

    def _table(self, info: dict) -> Table:
        title = f"training {info.get('problem', '')}"
        if "stage" in info:  # multi-stage refinement (training/stages.py)
            title += f", stage {info['stage']} (ε {info['eps']:.2e}, f_d {info['f_d']:.3g})"
        table = Table(title=title, expand=False)
        table.add_column("step", justify="right")
        table.add_column("phase")
        for name in info.get("losses", {}):
            table.add_column(name, justify="right")
        table.add_column("lr", justify="right")
        table.add_column("points/s", justify="right")
        table.add_column("ETA", justify="right")
        if "error" in info:
            table.add_column("L2 rel. err", justify="right")
        # The equation's residual imbalance and causal front (interior region).
        interior = info.get("sampling", {}).get("interior", {})
        extra = {label: interior[k] for k, label in
                 (("imbalance", "max/mean |r|"), ("causal_front", "causal front"),
                  ("points", "points")) if k in interior}
        for label in extra:
            table.add_column(label, justify="right")
        row = [f"{info.get('step', 0)}/{info.get('total_steps', 0)}", str(info.get("phase", ""))]
        row += [f"{v:.3e}" for v in info.get("losses", {}).values()]
        lr = info.get("lr")
        row += [f"{lr:.2e}" if lr is not None else "-", f"{info.get('points_per_s', 0):.3g}",
                _eta(info.get("eta_s"))]
        if "error" in info:
            row.append(f"{info['error']:.3e}")
        row += [f"{v:.3g}" for v in extra.values()]
        table.add_row(*row)
        return table


def _eta(seconds) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    return time.strftime("%H:%M:%S", time.gmtime(max(0, seconds)))


def _jsonable(info: dict) -> dict:
    out = {}
    for k, v in info.items():
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = str(v)
        elif isinstance(v, dict):
            out[k] = _jsonable(v)
        else:
            out[k] = v
    return out
