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

from .derivatives.requests import Bilaplacian, DiagonalSum, Laplacian, Partial
from .io.metrics import headline
from .sampling import STRATEGIES
from .spec.symbols import readable


CLIP = 400   # characters of an expression shown in the check table

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
    solved = [f for f in problem.fields if f not in problem.unknown_fields]
    head.add_row("fields", ", ".join(solved) + (
        f"; unknown fields (inverse): {', '.join(problem.unknown_fields)}"
        if problem.unknown_fields else ""))
    if problem.parameters:
        head.add_row("parameters", ", ".join(parameter_text(p) for p in problem.parameters))
    if problem.unknowns:
        head.add_row("unknowns", ", ".join(f"{u.name} (initial {u.initial:g})"
                                           for u in problem.unknowns))
    if problem.periodic:
        head.add_row("periodic", ", ".join(problem.periodic))
    if problem.reference is not None:
        r = problem.reference
        # escape(): "x[i]" in an expression is not rich markup.
        head.add_row("reference", escape("exact: " + ", ".join(f"{k} = {clipped(str(v))}"
                                                               for k, v in r.exact.items())
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
    activation, why = s.model.activation, ""
    if op is None and "activation" in s.training.planned:   # chosen from the data
        from .models.frequency import planned_activation
        activation, why = planned_activation(problem)
    head.add_row("model", f"{s.model.kind} {s.model.depth}×{s.model.width} {activation}"
                 + (f" ({why})" if why else ""))
    head.add_row("derivatives", s.derivatives.engine)
    sm = s.sampling
    strategy = STRATEGIES[sm.strategy]
    every = "moved every step" if strategy.moves_every_step else (
        f"redrawn every {sm.resample_every} steps" if sm.resample_every else "fixed")
    causal = strategy.time_gate and getattr(sm.options, "causal", False)
    head.add_row("sampling", f"{sm.strategy}{' (causal)' if causal else ''}"
                 f", {sm.interior} interior points, {every}")
    head.add_row("training", " → ".join(f"{p.optimizer} {p.steps}" for p in s.training.phases)
                 + f" ({s.training.dtype}, seed {s.training.seed}"
                 + (f", budget {s.training.budget:g} s)" if s.training.budget else ")")
                 + (f", weighting {s.training.weighting.scheme}"
                    if s.training.weighting.scheme != "fixed" else "")
                 + (f", causal weights over {s.training.causal.chunks} time chunks"
                    if s.training.causal.chunks else "")
                 + "".join(f"; stage {k + 2}: " + " → ".join(f"{p.optimizer} {p.steps}"
                                                            for p in st.phases)
                           for k, st in enumerate(s.training.stages)))

    from .spec.plan import describe
    for k, line in enumerate(describe(s)):
        head.add_row("plan" if k == 0 else "", line)

    terms = Table(title="terms", show_lines=False, expand=False)
    for col in ("name", "where", "residual (= 0)", "derivatives", "imposed"):
        terms.add_column(col, overflow="fold")
    how = imposition(problem)
    by_name = {e.name: e.expr for e in problem.equations}
    by_name.update({c.name: c.expr for c in problem.conditions})
    inputs = tuple(n.split("[")[0] for n in d.input_names)
    for t in compiled.terms:
        expr = by_name.get(t.name)
        reqs = sorted(t.requests, key=lambda r: (type(r).__name__, r))
        terms.add_row(t.name, _where(t.region, d),
                      escape(clipped(readable(expr)) if expr is not None else t.text),
                      escape(", ".join(request_text(r, compiled.problem.fields, inputs)
                                        for r in reqs)),
                      escape(how.get(t.name, "")))
    return Group(Panel(head, title="pinnsolve check", border_style="green"), terms)


def clipped(text: str, limit: int = CLIP) -> str:
    """``text`` cut to ``limit`` characters for the display: a free edge's shear written
    through defined stresses expands to thousands (60 table lines; the full text is in
    ``check --json``)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … ({len(text)} characters; check --json shows all)"


def parameter_text(p) -> str:
    """``alpha = 0.1``; ``nu = 0.01/pi = 0.00318`` when it was written as an expression."""
    if p.expr.is_Number:
        return f"{p.name} = {p.value:.6g}"
    return f"{p.name} = {sp.sstr(p.expr)} = {p.value:.6g}"


def imposition(problem) -> dict[str, str]:
    """How each condition is enforced: ``"exactly"`` (the model's hard constraint) or
    ``"loss: <why not exactly>"``. Plans the constraints without building a network."""
    conditions = [c.name for c in problem.conditions]
    if problem.operator is not None:
        return {n: "loss (operator models impose nothing)" for n in conditions}
    if not problem.settings.model.hard_constraints:
        return {n: "loss (model.hard_constraints is off)" for n in conditions}
    from .models.constraints import plan_constraints

    _, imposed, notes = plan_constraints(problem)
    out = {}
    added = problem.unknown_field_terms()
    for c in problem.conditions:
        if c.name in imposed:
            out[c.name] = "exactly"
        elif c.name in added:
            out[c.name] = f"loss ({added[c.name]})"
        elif c.kind == "data" or c.points is not None or c.region.kind == "interior":
            out[c.name] = "loss (observations)"
        elif c.kind in ("neumann", "robin"):
            out[c.name] = f"loss ({c.kind}: a derivative, not a value)"
        elif c.region.kind == "face" and c.region.coord in problem.periodic:
            out[c.name] = (f"loss ({c.region.coord} is periodic: the model repeats along "
                           f"it, so a face of {c.region.coord} is not a boundary it can "
                           f"impose a value on)")
        else:
            note = next((n for n in notes if n.startswith(f"{c.field}:")), None) if c.field \
                else None
            out[c.name] = "loss" + (f" ({note.split(': ', 1)[1]})" if note else
                                    " (not a Dirichlet value the geometry can impose)")
    return out


def _where(region, domain) -> str:
    if region.kind == "face":
        iv = next((c for c in domain.space if c.name == region.coord), None)
        if iv is None:
            return f"{region.coord} = {'min' if region.side == 'lo' else 'max'}"
        return f"{region.coord} = {iv.lo if region.side == 'lo' else iv.hi:g}"
    if getattr(region, "piece", None):
        return "boundary: " + ", ".join(region.piece)
    return region.kind


def result_lines(m: dict) -> list[str]:
    """The figures of a metrics.json as lines of rich markup: test-set errors, per-field
    errors, unknowns and the files written."""
    lines = []
    if m.get("test"):   # operator runs: errors over the held-out instances
        lines.append(f"  test instances: rel. L2 mean {m['test']['l2re_mean']:.3e}, worst "
                     f"{m['test']['l2re_worst']:.3e}")
    fallback = m.get("fallback")
    if fallback:   # training/fallback.py: which configurations ran and which model is kept
        for k, a in enumerate(fallback["attempts"], start=1):
            error = "" if not a.get("l2re") else \
                f", L2RE {max(float(v) for v in a['l2re'].values()):.3e}"
            kept = " [bold](kept)[/]" if k == fallback["chosen"] else ""
            lines.append(f"  attempt {k}, {escape(str(a['config']))}: {a['steps']} steps, "
                         f"residual {float(a['residual']):.3e}{error}"
                         f"{', stalled' if a.get('stopped') == 'stalled' else ''}{kept}")
    for field, err in m.get("errors", {}).items():
        lines.append(f"  {escape(str(field))}: {headline(err)}, max abs {err['max_abs']:.3e}")
    for name, value in m.get("unknowns", {}).items():
        lines.append(f"  unknown {escape(str(name))} = {value:.6g}")
    for path in m.get("files", []):
        lines.append(f"  wrote {escape(str(path))}")
    return lines


def run_summary(path, metrics: dict, progress: dict) -> str:
    """``pinnsolve show``: the run's state (done, interrupted at step N of M, never
    trained) and, when a finish was recorded, its figures."""
    where = escape(str(path))
    state, step, total = progress["state"], progress.get("step"), progress.get("total_steps")
    if state == "untrained":
        return (f"[yellow]never trained[/]: {where} has no checkpoint and no log yet; "
                f"`pinnsolve solve PROBLEM --out {where}` trains it")
    lines = []
    if state == "interrupted":
        at = ("before its first log row (a checkpoint exists)" if step is None else
              f"at step {step}" + (f" of {total}" if total else ""))
        lines.append(f"[yellow]interrupted[/] {at} → {where}; run `pinnsolve solve` again "
                     "with the same --out to resume")
        if metrics:
            lines.append(f"  figures below are from the earlier finish at step "
                         f"{metrics.get('steps', '?')}")
    else:
        try:
            seconds = f"{float(metrics.get('train_time_s', 0)):.1f} s, "
        except (TypeError, ValueError):
            seconds = ""
        lines.append(f"[bold green]done[/] in {seconds}{metrics.get('steps', '?')} steps → "
                     f"{where}")
    if metrics:
        try:
            lines += result_lines(metrics)
        except (TypeError, KeyError, ValueError, AttributeError):
            lines.append("  [yellow]metrics.json holds unexpected values; its figures are not "
                         "shown[/]")
    return "\n".join(lines)


def error_panel(message: str, title: str = "error") -> Panel:
    # fold, not crop: a long path is one word and must stay readable in full
    return Panel(Text(message, overflow="fold"), title=title, border_style="red", expand=False)


def error_event(exc: BaseException) -> dict:
    """A pinnsolve error as a JSON-ready ``{"event": "error", "file", "key", "message"}``:
    ``file`` is the problem file or run directory, ``key`` the dotted key, equation or term
    (null when the error has none), ``message`` the full text."""
    file = getattr(exc, "file", None) or getattr(exc, "path", None)
    key = getattr(exc, "key", None) or getattr(exc, "equation", None) or \
        getattr(exc, "term", None)
    return {"event": "error", "kind": type(exc).__name__, "file": file, "key": key or None,
            "message": str(exc)}


def check_event(problem, compiled) -> dict:
    """``pinnsolve check --json``: the parsed problem as one JSON-ready mapping."""
    d = problem.domain
    by_name = {e.name: e.expr for e in problem.equations}
    by_name.update({c.name: c.expr for c in problem.conditions})
    how = imposition(problem)
    inputs = tuple(n.split("[")[0] for n in d.input_names)
    return {"event": "check", "ok": True, "problem": problem.name, "file": problem.source,
            "inputs": list(d.input_names), "time": d.time.name if d.time is not None else None,
            "fields": list(problem.fields), "unknown_fields": list(problem.unknown_fields),
            "parameters": {p.name: p.value for p in problem.parameters},
            "terms": [{"name": t.name, "where": _where(t.region, d),
                       "residual": readable(by_name[t.name]) if t.name in by_name else t.text,
                       "derivatives": [request_text(r, compiled.problem.fields, inputs)
                                       for r in sorted(t.requests,
                                                       key=lambda r: (type(r).__name__, r))],
                       "imposed": how.get(t.name)}
                      for t in compiled.terms]}


class ProgressView:
    """Training progress fed by the training Callback, in one of four forms:

    - a live table when stdout is a terminal;
    - plain timestamped lines when it is not (``solve p.yaml > log``): a line at the start,
      then whenever 5 % of the steps or 30 s have passed, and at the end, like a logger;
    - one JSON object per event with ``json_lines``;
    - nothing but warnings with ``quiet``.

    Warnings and rollbacks always go to ``err_console`` (JSON lines: stdout).
    """

    LINE_FRACTION = 0.05   # a progress line per 5 % of the steps ...
    LINE_SECONDS = 30.0    # ... or per 30 s, whichever comes first

    def __init__(self, console: Console, err_console: Console | None = None,
                 json_lines: bool = False, quiet: bool = False):
        self.console = console
        self.err_console = err_console or Console(stderr=True)
        self.json_lines = json_lines
        self.quiet = quiet
        self.lines = not console.is_terminal
        self.live: Live | None = None
        self.last_refresh = 0.0
        self._last_line = (-1, 0.0)   # (step, wall time) of the last progress line
        self._pending: dict | None = None

    def __call__(self, event: str, record) -> None:
        # Progress and Notice records (training/progress.py) are read through their row().
        info = record.row() if hasattr(record, "row") else dict(record)
        if self.json_lines:
            print(json.dumps({"event": event, **_jsonable(info)}), file=sys.stdout, flush=True)
            return
        if event in ("warning", "rollback"):
            # escape(): messages quote paths and user text, which is not rich markup
            self.err_console.print(f"[yellow]{event}:[/] {escape(str(info.get('message', '')))}")
            return
        if self.quiet:
            return
        if event in ("resume", "switch", "threads", "weights", "fallback", "scales"):   # once
            if self.lines:
                self._emit(f"{event}: {info.get('message', '')}")
            else:
                target = self.live.console if self.live else self.console
                target.print(f"[cyan]{event}:[/] {escape(str(info.get('message', '')))}")
            return
        if self.lines:
            self._line(event, info)
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

    def _line(self, event: str, info: dict) -> None:
        """Logger-style output for files and pipes: no markup, no cursor movement."""
        now = time.monotonic()
        if event == "start":
            self._emit(f"start {info.get('problem', '')}, {info.get('total_steps', 0)} steps")
            self._last_line = (0, now)
        elif event == "log":
            step, total = info.get("step", 0), info.get("total_steps", 0) or 1
            last_step, last_time = self._last_line
            self._pending = info
            if step - last_step >= self.LINE_FRACTION * total or \
                    now - last_time >= self.LINE_SECONDS or step >= total:
                self._emit(progress_line(info))
                self._last_line, self._pending = (step, now), None
        elif event == "stage":
            self._emit(f"stage {info['stage']}: eps {info['eps']:.3e}, f_d {info['f_d']:.3g}")
        elif event in ("end", "interrupted"):
            if self._pending is not None:   # the last logged step, if not yet shown
                self._emit(progress_line(self._pending))
                self._pending = None
            if event == "interrupted":
                self._emit("interrupted")

    def _emit(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        # print(), not the rich console: no wrapping to 80 columns, no markup in a log file
        print(f"{stamp} {text}", file=self.console.file, flush=True)

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


def progress_line(info: dict) -> str:
    """``step 500/4000 adam loss 1.2e-03 (pde 1.0e-03, bc 2.0e-04) lr 1.0e-03 err 3.1e-02
    ETA 00:01:10`` for one log event."""
    losses = info.get("losses", {})
    parts = [f"step {info.get('step', 0)}/{info.get('total_steps', 0)}"]
    if info.get("phase"):
        parts.append(str(info["phase"]))
    if losses:
        parts.append(f"loss {sum(losses.values()):.3e} ("
                     + ", ".join(f"{k} {v:.2e}" for k, v in losses.items()) + ")")
    if info.get("lr") is not None:
        parts.append(f"lr {info['lr']:.2e}")
    if "error" in info:
        parts.append(f"err {info['error']:.3e}")
    parts.append(f"ETA {_eta(info.get('eta_s'))}")
    return " ".join(parts)


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
