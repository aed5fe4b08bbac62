"""Interfaces where a coefficient of the equations jumps: the fields that kink or jump there.

Two media in contact (skin on steel, a coating on a metal sheet, a ferrite tube in air),
written in flux form as the loader asks (spec/jumps.py): q = −k ∇T with k jumping across a
surface g(x) = 0. The exact T is continuous with a kink there (its normal derivative
jumps by the ratio of the k's), and the flux's normal part is continuous while its
tangential part jumps. A smooth network of x has neither: a fingertip on a steel rail
(k 120× apart) stopped at 1.4e-2, a combustor liner's flux at 1.1e-2 and a ferrite shield
(µ 2000× apart) at 0.1 and 0.9 after 2 minutes (docs/zoo.md).

So, planned (``model.interfaces`` unset) or asked for (true), each field the interface
can kink gets |ĝ|·N added (ĝ = g / max |g| over the box, N more network outputs), and each
flux component that can jump gets χ·(P J) (χ = 1 where g > 0, P = I − n nᵀ with n = ∇g/|∇g|,
J more outputs, one per component), so that the flux's normal part stays continuous by
construction and only its tangential part jumps (models/interfaces.py). The equations
decide which fields: in an equation where a term multiplies a field's derivative by a
jumping coefficient, the fields differentiated there kink, and so do those differentiated
in its other terms (rc·T_t jumps, so q_x does: q kinks); a field standing alone
(undifferentiated) in an equation's other terms is a flux that jumps, along the one
coordinate the equations differentiate it by. A jumping source (no field in its term)
makes no interface, nor does one multiplying a field itself (n(x)²·E in a waveguide): the
solution's second derivatives jump there, not its first.

Numbers and SymPy only (no torch): the meaning digest reads the same plan as the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import sympy as sp

from .jumps import jump_in
from .problem import Problem

MOST_INTERFACES = 4   # level sets, the first by their text
PROBES = 4096         # points of the box where a level set is looked at


@dataclass(frozen=True)
class InterfacePlan:
    """Level sets g_k of the interfaces (in the space coordinates), each with its ``scale``
    (1 / max |g| over the box), the field columns that kink there and the (column, space
    coordinate index) of the flux components that jump."""

    levels: tuple[sp.Expr, ...]
    scales: tuple[float, ...]
    kinks: tuple[int, ...]
    jumps: tuple[tuple[int, int], ...]
    why: str

    @property
    def outputs(self) -> int:
        """The network outputs the interface terms use."""
        return len(self.levels) * (len(self.kinks) + len(self.jumps))


def interface_plan(problem: Problem) -> InterfacePlan | None:
    """The interface terms of ``problem``'s model, None where it has none."""
    s = problem.settings
    planned = "interfaces" in s.training.planned
    if not planned and not s.model.interfaces:
        return None
    cache = problem.__dict__   # a frozen dataclass: the cache sits beside its fields
    if "_interface_plan" not in cache:
        cache["_interface_plan"] = _plan(problem)
    return cache["_interface_plan"]


def _plan(problem: Problem) -> InterfacePlan | None:
    d = problem.domain
    if d.vector is not None or problem.operator is not None or not 1 <= len(d.space) <= 3:
        return None
    space = [c.symbol for c in d.space]
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    fields = problem.field_functions
    column = {f: k for k, f in enumerate(problem.fields)}
    levels: list[sp.Expr] = []
    kinks: set[int] = set()
    standing: set[int] = set()
    for eq in problem.equations:
        expr = eq.expr.subs(params)
        terms = sp.Add.make_args(expr)
        jumping = [t for t in terms if _differentiated(t, fields) and _jumps(t, space)]
        if not jumping:
            continue
        for t in jumping:
            levels += [g for g in _levels(t, space) if not any(_same(g, h) for h in levels)]
        for t in terms:
            kinks |= {column[n] for n in _differentiated(t, fields)}
            if t not in jumping:
                standing |= {column[n] for n in _alone(t, fields)}
    # sorted by their text: atoms() is a set, whose order changes between processes
    probes = {g: _probe(problem, g) for g in levels}
    levels = sorted((g for g in levels if _crosses(probes[g])), key=sp.srepr)[:MOST_INTERFACES]
    if not levels:
        return None
    jumps = []
    for col in sorted(standing):
        axis = _direction(problem, problem.fields[col], space)
        if axis is None or len(space) == 1:
            continue
        # a component along the normal of every (plane) interface cannot jump
        if not all(g.free_symbols == {space[axis]} for g in levels):
            jumps.append((col, axis))
    if not kinks and not jumps:
        return None
    scales = tuple(1.0 / _largest(probes[g]) for g in levels)
    names = ", ".join(f"{sp.sstr(g)} = 0" for g in levels)
    kinked = ", ".join(problem.fields[c] for c in sorted(kinks)) or "none"
    jumped = ", ".join(problem.fields[c] for c, _ in jumps) or "none"
    why = (f"a coefficient jumps across {names}: kinks there in {kinked}, tangential jumps "
           f"in {jumped}")
    return InterfacePlan(tuple(levels), scales, tuple(sorted(kinks)), tuple(jumps), why)


def _jumps(term: sp.Expr, space: list) -> bool:
    return any(jump_in(term, v) is not None for v in space)


def _levels(term: sp.Expr, space: list) -> list[sp.Expr]:
    """The level sets g (g = 0 the interface) of the jumping atoms of ``term`` that depend
    on the space coordinates only."""
    out = []
    allowed = set(space)
    for atom in term.atoms(sp.Piecewise, sp.Heaviside, sp.sign):
        if not any(jump_in(atom, v) is not None for v in space):
            continue
        if isinstance(atom, sp.Piecewise):
            found = [r.lhs - r.rhs for _, c in atom.args
                     for r in c.atoms(sp.core.relational.Relational)]
        else:
            found = [atom.args[0]]
        for g in found:
            g = sp.expand(g)
            if g.free_symbols and g.free_symbols <= allowed \
                    and not any(_same(g, h) for h in out):
                out.append(g)
    return out


def _same(g: sp.Expr, h: sp.Expr) -> bool:
    return sp.expand(g - h) == 0 or sp.expand(g + h) == 0


def _differentiated(term: sp.Expr, fields: dict) -> set[str]:
    return {n for d in term.atoms(sp.Derivative) for n, f in fields.items() if d.expr == f}


def _alone(term: sp.Expr, fields: dict) -> set[str]:
    """Fields of ``term`` outside any derivative."""
    bare = term.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(0))
    return {n for n, f in fields.items() if bare.has(f)}


def _direction(problem: Problem, name: str, space: list) -> int | None:
    """The one space coordinate the equations differentiate field ``name`` by (a flux
    component: div q reads q_x by x), else None."""
    f = problem.field_functions[name]
    axes = set()
    for eq in problem.equations:
        for dv in eq.expr.atoms(sp.Derivative):
            if dv.expr == f:
                axes |= {space.index(v) for v, _ in dv.variable_count if v in space}
    return axes.pop() if len(axes) == 1 else None


def _probe(problem: Problem, g: sp.Expr) -> np.ndarray:
    """g at the corners and PROBES fixed points of the box of the space coordinates."""
    space = problem.domain.space
    rng = np.random.default_rng(7)
    corners = np.array(list(product(*[(float(c.lo), float(c.hi)) for c in space])))
    pts = [np.concatenate([corners[:, k], rng.uniform(float(c.lo), float(c.hi), PROBES)])
           for k, c in enumerate(space)]
    fn = sp.lambdify([c.symbol for c in space], g, "numpy")
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(fn(*pts), dtype=float), (len(pts[0]),))


def _crosses(v: np.ndarray) -> bool:
    """Whether a level set's probed values change sign in the box."""
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool((v > 0).any() and (v < 0).any())


def _largest(v: np.ndarray) -> float:
    v = np.abs(v[np.isfinite(v)])
    return float(v.max()) if len(v) and v.max() > 0 else 1.0
