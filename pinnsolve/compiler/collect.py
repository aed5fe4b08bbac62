"""Walk a SymPy residual once and list the derivative requests it needs."""
from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from ..derivatives.requests import (Bilaplacian, DiagonalSum, FluxDivergence, Laplacian, Partial,
                                    Request)
from ..errors import CompileError
from ..spec.problem import Domain
from ..spec.symbols import DiagonalSum as DiagonalNode
from ..spec.symbols import FluxDiv
from ..spec.symbols import Laplacian as LaplacianNode
from .lower import DERIVATIVE_NODES, Env, lower


class Columns:
    """Maps a problem's symbols to model input/output columns."""

    def __init__(self, domain: Domain, fields: tuple[str, ...]):
        self.domain = domain
        self.fields = {name: i for i, name in enumerate(fields)}
        self.inputs = {c.symbol: k for k, c in enumerate(domain.space)}
        if domain.time is not None:
            self.inputs[domain.time.symbol] = domain.n_inputs - 1
        self._flux: dict[tuple, FluxDivergence] = {}

    def field(self, node: sp.Expr, equation: str) -> int:
        name = node.func.__name__
        if name not in self.fields:
            raise CompileError(f"unknown field '{name}'", equation=equation)
        return self.fields[name]

    def request_for(self, node: sp.Expr, equation: str) -> Request:
        """The request a field, Derivative or Laplacian node stands for."""
        if isinstance(node, AppliedUndef):
            return Partial(self.field(node, equation))
        if isinstance(node, sp.Derivative):
            if not isinstance(node.expr, AppliedUndef):
                raise CompileError(f"cannot differentiate '{node.expr}' (only fields)",
                                   equation=equation)
            counts: dict[int, int] = {}
            for var, k in node.variable_count:
                if var not in self.inputs:
                    raise CompileError(f"derivative with respect to '{var}', which is not an "
                                       "input coordinate", equation=equation)
                counts[self.inputs[var]] = counts.get(self.inputs[var], 0) + int(k)
            return Partial(self.field(node.expr, equation), tuple(sorted(counts.items())))
        if isinstance(node, FluxDiv):
            return self.flux_request(node, equation)
        if isinstance(node, DiagonalNode):
            field, k, lo, hi = node.args
            return DiagonalSum(self.field(field, equation), int(lo), int(hi) + 1, int(k))
        if isinstance(node, LaplacianNode):
            field, *coords = node.args
            bilaplacian = isinstance(field, LaplacianNode)
            if bilaplacian:                  # Δ²u = Laplacian(Laplacian(u, ...), ...)
                field = field.args[0]
            if self.domain.vector is not None:
                start, stop = 0, self.domain.vector.dim
            else:
                cols = sorted(self.inputs[c] for c in coords)
                if cols != list(range(cols[0], cols[-1] + 1)):
                    raise CompileError("laplacian over non-adjacent columns", equation=equation)
                start, stop = cols[0], cols[-1] + 1
            kind = Bilaplacian if bilaplacian else Laplacian
            return kind(self.field(field, equation), start, stop)
        raise CompileError(f"not a derivative node: {node}", equation=equation)

    def flux_request(self, node: FluxDiv, equation: str) -> FluxDivergence:
        """The request of ``div(c grad u)``; the coefficient ``c`` is lowered to a program of
        its own that the engine runs on every grid node (one per distinct ``c``)."""
        coef, u, *coords = node.args
        key = (sp.srepr(coef), u, equation)
        if key not in self._flux:
            cols = sorted(self.inputs[c] for c in coords)
            program = lower(coef, self, set(), equation)
            needs = collect_requests(coef, self, equation)
            self._flux[key] = FluxDivergence(
                self.field(u, equation), cols[0], cols[-1] + 1, sp.srepr(coef),
                lambda x, derivs: program(Env(x, derivs, {})), needs)
        return self._flux[key]


def collect_requests(expr: sp.Expr, columns: Columns, equation: str) -> frozenset[Request]:
    """Every derivative request in ``expr`` (field values included).

    Derivatives are not descended into: ``u_xx`` requests u_xx only, the engine decides
    what lower orders it needs.
    """
    found: set[Request] = set()

    def walk(node: sp.Basic) -> None:
        if isinstance(node, DERIVATIVE_NODES):
            found.add(columns.request_for(node, equation))
            return
        for arg in node.args:
            walk(arg)

    walk(expr)
    return frozenset(found)
