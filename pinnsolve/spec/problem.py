"""The Problem: a plain, immutable, validated description of a PDE problem.

Everything here is data: coordinates and their ranges, fields, parameters, equations and
conditions as SymPy expressions (``lhs - rhs``, zero when satisfied), the reference and the
solver settings. No torch.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from .operator import OperatorSettings
from .schema import Settings
from .shapes import Shape
from .symbols import VectorSymbol


@dataclass(frozen=True)
class Interval:
    """A scalar coordinate ``name`` ranging over ``[lo, hi]``."""

    name: str
    lo: float
    hi: float

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name)


@dataclass(frozen=True)
class VectorCoordinate:
    """A vector coordinate ``name`` of dimension ``dim`` on a box or a ball.

    The box is ``[lo, hi]^dim``; the ball is centred at the origin with ``radius``.
    """

    name: str
    dim: int
    shape: Literal["box", "ball"] = "ball"
    lo: float = -1.0
    hi: float = 1.0
    radius: float = 1.0

    @property
    def symbol(self) -> VectorSymbol:
        return VectorSymbol(self.name)

    @property
    def base(self) -> sp.IndexedBase:
        return sp.IndexedBase(self.name)


@dataclass(frozen=True)
class Domain:
    """Spatial coordinates (scalars, or one vector coordinate) and an optional time.

    ``shape`` (a CSG tree) or ``mesh`` (path of a mesh file) restricts the box of the
    scalar coordinates to a region; the box still bounds it (input scaling, output grid).
    """

    space: tuple[Interval, ...] = ()
    vector: VectorCoordinate | None = None
    time: Interval | None = None
    shape: Shape | None = None
    mesh: str | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        """Names of the model's input columns, in order (vector components as ``x[k]``)."""
        names = [c.name for c in self.space]
        if self.vector is not None:
            names += [f"{self.vector.name}[{k}]" for k in range(self.vector.dim)]
        if self.time is not None:
            names.append(self.time.name)
        return tuple(names)

    @property
    def n_inputs(self) -> int:
        return len(self.space) + (self.vector.dim if self.vector else 0) + (self.time is not None)

    @property
    def n_space(self) -> int:
        return len(self.space) + (self.vector.dim if self.vector else 0)

    @property
    def coordinate_symbols(self) -> tuple[sp.Symbol, ...]:
        """Arguments of every field function, e.g. ``(x, y, t)`` or ``(x_vec, t)``."""
        syms: list[sp.Symbol] = [c.symbol for c in self.space]
        if self.vector is not None:
            syms.append(self.vector.symbol)
        if self.time is not None:
            syms.append(self.time.symbol)
        return tuple(syms)

    def column(self, name: str) -> int:
        """Input column of scalar coordinate or time ``name``."""
        for k, c in enumerate(self.space):
            if c.name == name:
                return k
        if self.time is not None and self.time.name == name:
            return self.n_inputs - 1
        raise KeyError(name)

    def interval(self, name: str) -> Interval:
        for c in self.space + ((self.time,) if self.time else ()):
            if c.name == name:
                return c
        raise KeyError(name)


RegionKind = Literal["interior", "boundary", "face", "initial", "data", "point"]


@dataclass(frozen=True)
class Region:
    """Where a term is evaluated.

    ``face``: coordinate ``coord`` held at its ``side`` ("lo" or "hi") end;
    ``boundary``: the whole spatial boundary; ``initial``: the slice t = t0;
    ``interior``: the whole space-time domain; ``data``: given observation points.
    On a shaped domain ``piece`` names the parts of the boundary a condition holds on.
    ``select``: on a shape or mesh, only the boundary points meeting every clause
    ``(coord, op, value)`` (op one of = < > <= >=; ``=`` within a tolerance).
    ``point``: one spatial point (``point`` its coordinates; with time at every time,
    unless it has one more entry, the time).
    """

    kind: RegionKind
    coord: str | None = None
    side: Literal["lo", "hi"] | None = None
    piece: tuple[str, ...] | None = None
    point: tuple[float, ...] | None = None
    select: tuple[tuple[str, str, float], ...] | None = None

    @property
    def key(self) -> str:
        if self.select:
            words = {"=": "eq", "<": "lt", ">": "gt", "<=": "le", ">=": "ge"}
            return "boundary_" + "_".join(
                f"{c}_{words[op]}_{v:g}".replace("-", "m").replace(".", "p").replace("+", "")
                for c, op, v in self.select)
        if self.kind == "point":
            return "point_" + "_".join(f"{v:g}" for v in self.point).replace("-", "m") \
                .replace(".", "p").replace("+", "")
        if self.piece:
            return re.sub(r"\W", "_", "boundary_" + "_".join(self.piece))
        if self.kind == "face":
            return f"{self.coord}_{'min' if self.side == 'lo' else 'max'}"
        return self.kind


@dataclass(frozen=True)
class Equation:
    """A PDE residual ``expr`` (``lhs - rhs``) that must vanish in the interior.

    ``flux``: the same residual with each ``div(c*grad(u))`` kept whole as a ``FluxDiv``
    node (None when it has none), for derivative engines that difference it in flux form.
    """

    name: str
    expr: sp.Expr
    text: str
    flux: sp.Expr | None = None


ConditionKind = Literal["dirichlet", "neumann", "robin", "equation", "data"]


@dataclass(frozen=True)
class Condition:
    """A residual ``expr`` that must vanish on ``region``.

    ``kind`` records how it was written; ``field`` and ``value`` are set for Dirichlet
    conditions (``field = value``), which models may impose exactly.
    """

    name: str
    region: Region
    expr: sp.Expr
    text: str
    kind: ConditionKind = "equation"
    field: str | None = None
    value: sp.Expr | None = None
    points: int | None = None


@dataclass(frozen=True)
class Observations:
    """Measured field values at given points (inverse problems).

    ``points`` has shape (n, n_inputs); ``values`` maps a field name to shape (n,).
    """

    name: str
    points: tuple[tuple[float, ...], ...]
    values: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Parameter:
    """A named constant: ``value`` is its float, ``expr`` how it was written."""

    name: str
    expr: sp.Expr
    value: float


@dataclass(frozen=True)
class Unknown:
    """A learnable scalar parameter with an initial guess (inverse problems)."""

    name: str
    initial: float
    true_value: float | None = None

    @property
    def scale(self) -> float:
        """The size the optimiser works in: the unknown is trained as ``scale`` times a
        variable of order one. |initial| where that is outside UNKNOWN_KEEP, else 1 (so that
        unknowns started near one train exactly as before). A heat source of 5e4 W/m³
        started at 1e4 moved by 0.86 in 2 minutes in W/m³; in units of 1e4 it was found to
        1e-6 (benchmarks/heldout/inverse_battery_source_npz, docs/zoo.md, stop 37)."""
        size = abs(self.initial)
        return size if size and not UNKNOWN_KEEP[0] <= size <= UNKNOWN_KEEP[1] else 1.0


UNKNOWN_KEEP = (0.2, 5.0)   # initial sizes of an unknown that leave its scale at 1


@dataclass(frozen=True)
class Reference:
    """Where the reference solution comes from: exact expressions, a file, arrays, or a
    solver."""

    exact: dict[str, sp.Expr] = field(default_factory=dict)
    file: str | None = None
    solver: str | None = None
    # arrays given in the problem itself (Python or YAML lists), name → values; inputs
    # and fields, all one length, validated by the loader
    data: dict[str, tuple[float, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """A validated PDE problem. Build it with :func:`pinnsolve.load_problem`."""

    name: str
    domain: Domain
    fields: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    unknowns: tuple[Unknown, ...]
    equations: tuple[Equation, ...]
    conditions: tuple[Condition, ...]
    periodic: tuple[str, ...]
    observations: tuple[Observations, ...]
    reference: Reference | None
    settings: Settings
    source: str = "<mapping>"
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    # text in ``raw`` → the SymPy object it was printed from (problems built in Python):
    # a rebuild validates the objects again instead of re-parsing their text
    trusted: dict = field(default_factory=dict, compare=False, repr=False)
    operator: OperatorSettings | None = None   # set for neural-operator (PINO) problems
    # ``define:`` names and their expressions (already inlined where used; kept for display)
    definitions: dict[str, sp.Expr] = field(default_factory=dict, compare=False)
    # unknowns that are fields (``unknowns: {a: {field: true}}``): extra outputs of the
    # network, listed in ``fields`` too, determined by the equations and data alone
    unknown_fields: tuple[str, ...] = ()
    # definitions learnt as fields, listed in ``fields`` too, each with its law among the
    # equations (spec/mixed.py)
    promoted: tuple[str, ...] = ()

    def unknown_field_terms(self) -> dict[str, str]:
        """The terms the loader adds for field unknowns (name → what it is for): the
        smoothness terms ``smooth_<a>_<x>`` and, with time, ``steady_<a>``."""
        out = {}
        for a in self.unknown_fields:
            out[steady_term(a)] = "an unknown field is constant in time"
            out.update({smooth_term(a, c.name): "smoothness of an unknown field"
                        for c in self.domain.space})
        return out

    @property
    def field_functions(self) -> dict[str, sp.Expr]:
        args = self.domain.coordinate_symbols
        return {name: sp.Function(name)(*args) for name in self.fields}

    @property
    def parameter_values(self) -> dict[str, float]:
        return {p.name: p.value for p in self.parameters}

    def carries_data(self, condition: Condition) -> bool:
        """Whether ``condition`` asks for something other than zero: its residual with every
        field and derivative set to 0 is not 0 (u = g, dn(u) = q, a u + b dn(u) = g with g
        nonzero somewhere; unknown parameters count as data)."""
        data = condition.expr.replace(lambda e: isinstance(e, sp.Derivative),
                                      lambda e: sp.Integer(0))
        values = {sp.Symbol(p.name): p.value for p in self.parameters}
        return data.subs({f: 0 for f in self.field_functions.values()}).subs(values) != 0


def smooth_term(field: str, coord: str) -> str:
    """Name of the smoothness term of field unknown ``field`` along ``coord``."""
    return f"smooth_{field}_{coord}"


def steady_term(field: str) -> str:
    """Name of the term that holds field unknown ``field`` constant in time."""
    return f"steady_{field}"
