"""CompiledProblem: the problem's equations and conditions as torch residual functions."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Mapping

import numpy as np
import sympy as sp
import torch

from ..derivatives import ENGINES, make_engine
from ..derivatives.requests import Request
from ..errors import CompileError
from ..spec.problem import Problem, Region
from ..spec.symbols import Normal
from .collect import Columns, collect_requests
from .lower import Env, Program, lower
from .operators import recognise_operators


CHUNK_ENTRIES = 1 << 18   # rows × inputs per block when programs run on large inputs


def block_rows(x: torch.Tensor) -> int:
    """Rows per block for the pointwise programs on points ``x``.

    On the CPU, over a large vector coordinate, blocks of rows whose (rows, d) temporaries
    stay in cache: measured on the Poisson two-body source term, d = 10^5, N = 100, 2
    threads, 0.48 s unblocked, 0.08 s blocked. On a GPU never: there a block is a round of
    kernel launches (at d = 10^6 one row per block, 100 rounds per step: the launches, not
    the arithmetic, bounded the step on an H200)."""
    if x.device.type != "cpu" or x.numel() <= 4 * CHUNK_ENTRIES:
        return len(x)
    return max(1, CHUNK_ENTRIES // x.shape[1])


@dataclass(frozen=True, eq=False)
class Term:
    """One residual of the loss.

    Attributes:
        name: unique term name (``pde``, ``ic``, ``bc_x_min``, ``data``...).
        kind: "equation", "condition" or "data".
        region: where it is evaluated.
        program: residual function ``Env -> (n,)``.
        requests: derivative requests it reads.
        needs_normals: whether it reads outward normals (dn on a whole boundary).
        points: number of points asked for this term (None: the sampling default).
        data_points, data_values: fixed observation points (n, d) and values (n,).
    """

    name: str
    kind: str
    region: Region
    program: Program
    requests: frozenset
    text: str
    needs_normals: bool = False
    points: int | None = None
    data_points: np.ndarray | None = None
    data_values: np.ndarray | None = None
    field: str | None = None
    upstream: frozenset = frozenset()   # field columns this term takes as given (one-way)


def upstream_fields(terms, n_fields: int) -> dict[str, frozenset]:
    """Equation name → the field columns it reads but does not determine (one-way coupling).

    A set S of fields is upstream when as many equations read only fields of S as S has
    fields, and no condition reads a field of S together with one outside it: S is then
    solved by its own equations and conditions whatever the other fields do (a pipe's
    velocity, then the heat it carries). An equation that also reads fields outside S
    takes S's values as given. With them trained jointly, the heat equation's term
    ρ c_p w ∂T/∂z (3.7e6 w) moved the velocity rather than the temperature: a double-pipe
    annulus stopped at L2RE 0.90, 0.22 after 2 minutes, 9.7e-3, 2.0e-3 with w given during
    Adam (stop 47). In the quasi-Newton phase they train jointly: its line search needs the
    loss's own gradient (given throughout, a nanochannel's flow went 3e-4 → 0.49)."""
    if not 2 <= n_fields <= 12:
        return {}
    reads = {t.name: frozenset(r.field for r in t.requests) for t in terms}
    equations = [t for t in terms if t.kind == "equation"]
    conditions = [t for t in terms if t.kind != "equation"]
    closed = []
    for mask in range(1, (1 << n_fields) - 1):
        s = frozenset(i for i in range(n_fields) if mask >> i & 1)
        count = sum(1 for t in equations if reads[t.name] and reads[t.name] <= s)
        if count == len(s) and not any(reads[t.name] & s and reads[t.name] - s
                                     for t in conditions):
            closed.append(s)
    out = {}
    for t in equations:
        given = frozenset().union(*[s for s in closed if not reads[t.name] <= s]) & reads[t.name]
        # an equation beyond a closed system (a divergence beside three London equations,
        # each closing its field) would take every field it reads as given and train nothing:
        # it trains jointly (a Nb strip's div B crashed the gradient balance, stop 50)
        if given and given != reads[t.name]:
            out[t.name] = given
    return out


class CompiledProblem:
    """Residual functions for every term, and the engine that feeds them derivatives.

    Args:
        problem: the validated Problem.
        engine: name of a derivative engine (``autodiff``, ``taylor``, ``stde``) or an
            engine callable.
        seed: seeds a stochastic engine's generator.
    """

    def __init__(self, problem: Problem, engine: str | Callable = "autodiff", seed: int = 0):
        self.problem = problem
        if isinstance(engine, str):
            if engine not in ENGINES:
                raise CompileError(f"unknown derivative engine '{engine}'; expected one of "
                                   f"{', '.join(ENGINES)}")
            s = problem.settings.derivatives
            self.engine_name = engine
            # The problem's options belong to its own engine; another one asked for by
            # name runs with its defaults.
            self.engine = make_engine(engine, s.options if engine == s.engine else None,
                                      seed=seed)
        else:
            self.engine_name, self.engine = getattr(engine, "__name__", "custom"), engine
        self.columns = Columns(problem.domain, problem.fields)
        values = {sp.Symbol(p.name): p.value for p in problem.parameters}
        unknowns = {u.name for u in problem.unknowns}
        # Each unknown is trained as its scale times a parameter of order one (Unknown.scale);
        # unknown_values() gives the values themselves.
        self.unknown_scales = {u.name: u.scale for u in problem.unknowns}
        self.unknowns = torch.nn.ParameterDict({
            u.name: torch.nn.Parameter(torch.tensor(u.initial / u.scale, dtype=torch.float64))
            for u in problem.unknowns})
        terms: list[Term] = []
        # Engines that difference div(c grad u) in flux form (the grid engine) read the
        # equation with that structure kept; every other engine the product rule.
        flux = getattr(self.engine, "flux_form", False)
        for eq in problem.equations:
            expr = eq.flux if flux and getattr(eq, "flux", None) is not None else eq.expr
            terms.append(self._term(eq.name, "equation", Region("interior"), expr, values,
                                    unknowns, eq.text))
        for c in problem.conditions:
            terms.append(self._term(c.name, "condition", c.region, c.expr, values, unknowns,
                                    c.text, c.points))
        for obs in problem.observations:
            pts = np.asarray(obs.points, dtype=float)
            for fname, vals in obs.values.items():
                name = obs.name if len(obs.values) == 1 else f"{obs.name}_{fname}"
                expr = sp.Function(fname)(*problem.domain.coordinate_symbols) - sp.Symbol(
                    f"_data_{fname}")
                term = self._term(name, "data", Region("data"), expr, values, unknowns,
                                  f"{fname} = observed")
                terms.append(Term(term.name, "data", term.region, term.program, term.requests,
                                  term.text, data_points=pts,
                                  data_values=np.asarray(vals, dtype=float), field=fname))
        # switched on by the trainer during first-order phases (training/pinn.py)
        self.one_way = False
        if problem.settings.training.one_way and not problem.unknowns \
                and not problem.observations:
            given = upstream_fields(terms, len(problem.fields))
            terms = [replace(t, upstream=given.get(t.name, frozenset())) for t in terms]
        self.terms: tuple[Term, ...] = tuple(terms)
        self._check_layouts()
        self._data_cache: dict[tuple, torch.Tensor] = {}

    def _term(self, name, kind, region, expr, values, unknowns, text, points=None) -> Term:
        # Operators written out term by term are answered whole (one jet push, not one
        # per partial); the rewrite is exact or not made.
        expr = recognise_operators(expr.subs(values), self.columns)
        return Term(name, kind, region, lower(expr, self.columns, unknowns, name),
                    collect_requests(expr, self.columns, name), text,
                    needs_normals=expr.has(Normal), points=points)

    def _check_layouts(self) -> None:
        """Jet engines: every mixed partial must have a jet layout (found now, not mid-run)."""
        layout = getattr(self.engine, "layout", None)
        if layout is None:
            return
        for t in self.terms:
            for req in t.requests:
                if getattr(req, "orders", None) and len(req.orders) > 1:
                    try:
                        layout(req.orders)
                    except ValueError as exc:
                        raise CompileError(f"{exc}; use derivatives.engine: autodiff for this "
                                           "problem", equation=t.name) from None

    def one_way_note(self) -> str | None:
        """Which equations take which fields as given while Adam trains, or None."""
        given = [f"{t.name} takes {', '.join(self.problem.fields[i] for i in sorted(t.upstream))}"
                 for t in self.terms if t.upstream]
        if not given:
            return None
        return (f"one-way coupling: {'; '.join(given)} as given while Adam trains, the "
                "fields' own equations solving them (training.one_way=false turns it off)")

    # -- evaluation -------------------------------------------------------------------------
    @property
    def term_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    def term(self, name: str) -> Term:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)

    def evaluate(self, model: Callable[[torch.Tensor], torch.Tensor], terms: list[Term],
                 x: torch.Tensor, *, normals: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Residuals of ``terms`` that share the points ``x`` (one engine call).

        Args:
            model: (n, d) → (n, m) callable.
            terms: terms evaluated at the same points.
            x: (n, d) points.
            normals: (n, n_space) outward normals, for terms that read them.
        Returns:
            ``{term name: residual (n,)}``.
        """
        requests: set[Request] = set()
        for t in terms:
            requests |= t.requests
        derivs = self.engine(model, x, requests, generator=generator)
        return self._run_programs(terms, x, derivs, normals)

    def evaluate_many(self, model: Callable[[torch.Tensor], torch.Tensor],
                      batches: list[tuple[list[Term], torch.Tensor, torch.Tensor | None]], *,
                      generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """:meth:`evaluate` for several point sets, one engine call per distinct set of
        requests: batches asking the same derivatives (the four sides of a square, each
        ``u = g``) have their points concatenated and go through the model once.

        Args:
            batches: ``(terms, x (n_b, d), normals (n_b, n_space) or None)`` per region.
        Returns:
            ``{term name: residual (n_b,)}``, as :meth:`evaluate` would give per batch.
        """
        by_requests: dict[frozenset, list[int]] = defaultdict(list)
        for i, (terms, _, _) in enumerate(batches):
            by_requests[frozenset().union(*[t.requests for t in terms])].append(i)
        out: dict[str, torch.Tensor] = {}
        for requests, members in by_requests.items():
            if len(members) == 1:
                terms, x, normals = batches[members[0]]
                out.update(self.evaluate(model, terms, x, normals=normals, generator=generator))
                continue
            xs = [batches[i][1] for i in members]
            derivs = self.engine(model, torch.cat(xs), requests, generator=generator)
            start = 0
            for i, xb in zip(members, xs):
                terms, _, normals = batches[i]
                part = {k: v[start:start + len(xb)] for k, v in derivs.items()}
                out.update(self._run_programs(terms, xb, part, normals))
                start += len(xb)
        return out

    def unknown_values(self) -> dict[str, torch.Tensor]:
        """Name → the unknown's value (its trained parameter times its scale)."""
        return {k: v * self.unknown_scales[k] if self.unknown_scales[k] != 1.0 else v
                for k, v in self.unknowns.items()}

    def set_unknown(self, name: str, value: float) -> None:
        """Set an unknown to ``value`` (in its own units)."""
        with torch.no_grad():
            self.unknowns[name].fill_(value / self.unknown_scales[name])

    def _run_programs(self, terms: list[Term], x: torch.Tensor, derivs, normals
                      ) -> dict[str, torch.Tensor]:
        """Each term's program on points ``x`` with derivative values ``derivs``."""
        params = {k: v.to(x.dtype) for k, v in self.unknown_values().items()}
        out = {}
        rows = block_rows(x)
        for t in terms:
            if t.needs_normals and normals is None:
                raise CompileError("this condition needs outward normals at its points "
                                   "(pass normals=...)", equation=t.name)
            data = {t.field: self._data(t, x)} if t.kind == "data" else None
            own = derivs
            if t.upstream and self.one_way:
                own = {k: v.detach() if k.field in t.upstream else v for k, v in derivs.items()}
            if rows >= len(x):
                out[t.name] = t.program(Env(x, own, params, normals, data))
                continue
            parts = []
            for a in range(0, len(x), rows):
                b = a + rows
                parts.append(t.program(Env(
                    x[a:b], {k: v[a:b] for k, v in own.items()}, params,
                    None if normals is None else normals[a:b],
                    None if data is None else {k: v[a:b] for k, v in data.items()})))
            out[t.name] = torch.cat(parts)
        return out

    def _data(self, term: Term, x: torch.Tensor) -> torch.Tensor:
        """Observed values of a data term as a tensor, converted once per dtype/device."""
        key = (term.name, x.dtype, x.device)
        if key not in self._data_cache:
            self._data_cache[key] = torch.as_tensor(term.data_values, dtype=x.dtype,
                                                    device=x.device)
        return self._data_cache[key]

    def residuals(self, model: Callable[[torch.Tensor], torch.Tensor],
                  points: torch.Tensor | Mapping[str, torch.Tensor], *,
                  normals: Mapping[str, torch.Tensor] | None = None,
                  generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Residuals of the problem's terms for ``model``.

        Args:
            model: any callable mapping (n, n_inputs) to (n, n_fields).
            points: a tensor (n, n_inputs) — evaluates every interior term there (equations
                and interior observation conditions) — or a mapping
                from a term name or region key (``interior``, ``initial``, ``x_min``,
                ``boundary``, ``data``) to the points of those terms. Data terms use their
                own observation points when their key is ``data`` and no tensor is given.
            normals: outward normals per key, for conditions that read them.
        Returns:
            ``{term name: residual tensor (n,)}``.
        """
        if isinstance(points, torch.Tensor):
            points = {"interior": points}
        groups: dict[str, list[Term]] = defaultdict(list)
        for key in points:
            matched = [t for t in self.terms if key in (t.name, t.region.key)]
            if not matched:
                raise CompileError(f"no term or region named '{key}'; terms: "
                                   f"{', '.join(self.term_names)}")
            groups[key] += matched
        out: dict[str, torch.Tensor] = {}
        for key, terms in groups.items():
            x = points[key]
            if x is None and all(t.kind == "data" for t in terms):
                for t in terms:  # observations at their own points
                    xt = torch.as_tensor(t.data_points, dtype=torch.float64)
                    out.update(self.evaluate(model, [t], xt, generator=generator))
                continue
            n = normals.get(key) if normals else None
            out.update(self.evaluate(model, terms, x, normals=n, generator=generator))
        return out


def compile_problem(problem: Problem, derivatives: str | Callable | None = None, *,
                    seed: int = 0) -> CompiledProblem:
    """Compile a Problem to residual functions.

    Args:
        problem: from :func:`pinnsolve.load_problem`.
        derivatives: engine name (default: the problem's ``derivatives.engine``) or an engine
            callable ``engine(model, x, requests, *, generator=None)``.
        seed: seeds a stochastic engine.
    """
    if problem.operator is not None:   # the operator's input function is one more column
        from ..spec.operator import with_input_field

        problem = with_input_field(problem)
    return CompiledProblem(problem, derivatives or problem.settings.derivatives.engine, seed)
