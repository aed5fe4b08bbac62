"""Checks on a problem file that the grammar alone does not catch.

``flow_split`` is an error: YAML flow collections (``{...}``, ``[...]``) split at every comma,
so an unquoted ``{where: x = 1, equation: diff(u, x) = 0}`` arrives as the pieces
``diff(u`` and ``x) = 0``; the pieces have unbalanced brackets, which no expression has.
``warnings_for`` lists suspicious but legal choices (a time-dependent problem with nothing at
the initial time, a face of a box that a second-order field has no condition on, data
that a periodic coordinate cannot repeat, a parameter no term uses); the loader issues
them with ``warnings.warn`` so that library users can filter them and the CLI prints them
on stderr.
"""
from __future__ import annotations

import math
import re
from typing import Any, Iterator

import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import SpecError
from .expressions import value_at
from .symbols import Laplacian, expand_flux, field_names_in

_OPEN, _CLOSE = "([{", ")]}"


def balanced(text: str) -> bool:
    """Whether every bracket in ``text`` closes, in order."""
    stack: list[str] = []
    for ch in text:
        if ch in _OPEN:
            stack.append(_CLOSE[_OPEN.index(ch)])
        elif ch in _CLOSE:
            if not stack or stack.pop() != ch:
                return False
    return not stack


def _texts(value: Any, key: str) -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string key and string value under ``value``."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            child = f"{key}.{k}"
            if isinstance(k, str):
                yield child, k
            yield from _texts(v, child)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _texts(v, f"{key}.{i}")
    elif value is not None and not isinstance(value, (bool, int, float)):
        yield key, str(value)   # SymPy objects from Python: their printed form names symbols


def flow_split(raw: dict, file: str) -> None:
    """Raise if an equation or condition looks split at a comma by YAML.

    Raises:
        SpecError: at the first piece with unbalanced brackets, asking to quote it.
    """
    for section in ("equations", "conditions"):
        for key, text in _texts(raw.get(section), section):
            if not balanced(text):
                raise SpecError(
                    f"'{text}' has unbalanced brackets: YAML split this at a comma: quote the "
                    "expression, e.g. {where: x = 1, equation: \"diff(u, x) = 0\"} or "
                    "- \"diff(u, t) = nu*diff(u, x, 2)\"", file=file, key=key)


def warnings_for(problem, raw: dict) -> list[tuple[str, str]]:
    """(key, message) for each suspicious choice in a valid problem."""
    out = []
    d = problem.domain
    if d.time is not None and problem.operator is None and not problem.observations and \
            not any(c.region.kind in ("initial", "interior", "data") or c.kind == "data"
                    for c in problem.conditions):   # interior conditions are observations
        out.append(("conditions", f"the problem depends on time '{d.time.name}' but no "
                    f"condition holds at {d.time.name} = {d.time.lo:g} (where: initial) and no "
                    "data is given: the solution is not determined (fine for an inverse "
                    "problem with other information; otherwise add an initial condition)"))
    out += _uncovered_faces(problem)
    out += _not_periodic(problem)
    out += _sign_free(problem)
    for p in problem.parameters:
        word = re.compile(rf"(?<![\w.]){re.escape(p.name)}(?!\w)")
        # Used anywhere outside its own declaration: equations, conditions, references,
        # domain bounds, other parameters, operator settings.
        rest = {k: v for k, v in raw.items() if k != "parameters"}
        rest["parameters"] = {k: v for k, v in (raw.get("parameters") or {}).items()
                              if k != p.name}
        if not any(word.search(text) for _, text in _texts(rest, "")):
            out.append((f"parameters.{p.name}", "declared but used by no equation, condition, "
                        "reference or other setting (a typo in a name or an override?)"))
    return out


def _sign_free(problem) -> list[tuple[str, str]]:
    """A field whose sign no equation, condition or observation sets: every expression is
    unchanged when the field is replaced by its negative (it appears only as T**4, T**2 or
    |T|, never differentiated) and nothing observes it. A grey atmosphere's temperature,
    seen only through σT⁴, was learnt as −T (L2RE 2.0, its fluxes solved; stop 52)."""
    from .mixed import differentiated

    observed = {n for o in problem.observations for n in o.values}
    values = {sp.Symbol(k): v for k, v in problem.parameter_values.items()}
    exprs = [e.expr.subs(values) for e in problem.equations] + \
        [c.expr.subs(values) for c in problem.conditions]   # sigma*T**n, n a parameter
    out = []
    for name, f in problem.field_functions.items():
        if name in observed or not any(e.has(f) for e in exprs):
            continue
        if any(differentiated(e, f) for e in exprs):
            continue
        if all(e.xreplace({f: -f}) == e for e in exprs):
            out.append(("fields", f"{name} appears only through even functions of it "
                        f"({name}**2, {name}**4, |{name}|) and no condition gives its value: "
                        f"the problem does not set its sign, and training may find "
                        f"-{name}; give {name}'s value somewhere (a condition or data), or "
                        f"learn a positive {name} as exp of a new field"))
    return out


def spatial_orders(problem) -> dict[str, dict[str, int]]:
    """{field: {spatial coordinate: highest order of derivative}} over the equations
    (a Laplacian counts 2 in each of its coordinates).

    In a term that multiplies two derivatives of fields an order counts at most 2: the
    inviscid vorticity equation's Jacobian psi_x (lap psi)_y - psi_y (lap psi)_x
    differentiates psi three times in y, yet is transport, and the equation needs one
    condition on each wall, psi, like its second-order part; a nonlinear diffusion
    (u_x³)_x = 3 u_x² u_xx still needs two. Products are distributed first (small terms
    only: a crafted product of many sums is read as written)."""
    space = {c.name for c in problem.domain.space}
    orders: dict[str, dict[str, int]] = {}
    for eq in problem.equations:
        e = expand_flux(eq.expr)
        e = e.replace(lambda a: isinstance(a, Laplacian), lambda a: a.doit())
        for term in _terms(e):
            product = sum(any(isinstance(d.expr, AppliedUndef) for d in f.atoms(sp.Derivative))
                          for f in sp.Mul.make_args(term)) >= 2
            for der in term.atoms(sp.Derivative):
                if not isinstance(der.expr, AppliedUndef):
                    continue
                mine = orders.setdefault(der.expr.func.__name__, {})
                for var, count in der.variable_count:
                    if var.name in space:
                        count = min(int(count), 2) if product else int(count)
                        mine[var.name] = max(mine.get(var.name, 0), count)
    return orders


def _terms(expr: sp.Expr) -> list[sp.Expr]:
    """The additive terms of ``expr``, a product of sums distributed where that makes at
    most 64 terms: (1 + u_x) u_yyy holds the linear u_yyy."""
    out = []
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Add)]
        if sums and math.prod(len(f.args) for f in sums) <= 64:
            out.extend(sp.Add.make_args(sp.expand_mul(term, deep=False)))
        else:
            out.append(term)
    return out


def boundary_judged(problem) -> bool:
    """Whether a missing boundary condition may be called one: not for an operator problem,
    nor where observations or interior conditions may determine the solution instead."""
    return problem.operator is None and not problem.observations and not any(
        c.region.kind in ("interior", "data") or c.kind == "data" for c in problem.conditions)


def _uncovered_faces(problem) -> list[tuple[str, str]]:
    """A face of a box domain that no condition holds, in a coordinate some field is
    differentiated twice or more in, while the opposite face has fewer conditions than
    that order: the solution is not determined there (a missing or misnamed face).

    Also both ends held, but by fewer conditions in all than that order (a beam with u = 0
    at each end only). A condition on any field counts (a pressure outlet closes a flow's u
    and v there).
    Shaped, meshed and vector domains (geometry/coverage.py), operator problems and
    problems with observations (the data may determine it) are not judged here."""
    d = problem.domain
    if d.shape is not None or d.mesh is not None or d.vector is not None or \
            not boundary_judged(problem):
        return []
    orders = spatial_orders(problem)
    out = []
    for coord in d.space:
        need = max((o.get(coord.name, 0) for o in orders.values()), default=0)
        if need < 2 or coord.name in problem.periodic:
            continue
        field = min(f for f, o in orders.items() if o.get(coord.name, 0) == need)

        def at_face(side):
            return [c for c in problem.conditions
                    if c.region.kind == "boundary" and not c.region.piece and
                    not c.region.select or c.region.kind == "face" and
                    c.region.coord == coord.name and c.region.side == side]
        before = len(out)
        for side, other, at in (("lo", "hi", coord.lo), ("hi", "lo", coord.hi)):
            # An initial-value problem along the coordinate gives all its conditions at
            # one end (y and y' at t = 0): the other end needs none.
            if at_face(side) or sum(c.field == field or field in field_names_in(c.expr)
                                    for c in at_face(other)) >= need:
                continue
            out.append(("conditions", f"no condition is given at {coord.name} = {at:g}, "
                        f"though the equations differentiate {field} {need} times in "
                        f"{coord.name}: the solution is not determined there (a missing or "
                        f"misnamed face?)"))
        given = len(at_face("lo")) + len(at_face("hi"))
        if len(out) == before and given < need:
            # Both ends held, but too few in all: a beam (fourth order) with u = 0 at each end.
            out.append(("conditions", f"the equations differentiate {field} {need} times in "
                        f"{coord.name} but {given} conditions are given at {coord.name} = "
                        f"{coord.lo:g} and {coord.name} = {coord.hi:g}: an equation of order "
                        f"{need} needs {need} there (the solution is not determined)"))
    return out


def _not_periodic(problem) -> list[tuple[str, str]]:
    """Dirichlet data and exact references that differ at the two ends of a periodic
    coordinate: the model repeats along it, so it cannot match them (a non-periodic
    initial value: a drift term, a half period too many)."""
    d = problem.domain
    space = {c.name: c for c in d.space}
    inputs = list(d.space) + ([d.time] if d.time is not None else [])
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    out = []
    for name in problem.periodic:
        coord = space.get(name)
        if coord is None:
            continue
        checks = [("conditions", f"the value of {c.field} in condition '{c.name}'", c.value)
                  for c in problem.conditions if c.value is not None and
                  not (c.region.kind == "face" and c.region.coord == name)]
        if problem.reference is not None:
            checks += [(f"reference.exact.{f}", f"the exact {f}", e)
                       for f, e in problem.reference.exact.items()]
        for key, what, expr in checks:
            gap = _end_gap(expr.subs(values), coord, inputs)
            if gap is not None:
                out.append((key, f"{what} is not periodic in {name}: {gap}, but "
                                 f"{{periodic: {name}}} makes the model repeat along {name} "
                                 f"(make the data periodic, or give conditions at "
                                 f"{name} = {coord.lo:g} and {name} = {coord.hi:g} instead)"))
    return out


def _end_gap(expr, coord, inputs) -> str | None:
    """Where ``expr`` differs at the two ends of ``coord`` (by more than 1e-6 of its size
    along the coordinate, and 1e-12)
    at a few fixed values of the other inputs, as text; None where it agrees or cannot be
    evaluated."""
    if expr.free_symbols - {c.symbol for c in inputs}:
        return None   # unknowns or fields: nothing to evaluate
    for frac in (0.31, 0.57, 0.83):
        at = {c.symbol: c.lo + frac * (c.hi - c.lo) for c in inputs if c is not coord}
        try:
            vals = [value_at(expr, {**at, coord.symbol: coord.lo + f *
                                   (coord.hi - coord.lo)})
                    for f in (0, 0.13, 0.29, 0.44, 0.61, 0.78, 0.92, 1)]
        except (TypeError, ValueError, OverflowError):
            return None
        lo, hi = vals[0], vals[-1]
        if abs(lo - hi) > 1e-6 * max(map(abs, vals)) + 1e-12:
            where = ", ".join(f"{s} = {float(v):.3g}" for s, v in at.items())
            return (f"{lo.real:.6g} at {coord.name} = {coord.lo:g} against {hi.real:.6g} at "
                    f"{coord.name} = {coord.hi:g}" + (f" ({where})" if where else ""))
    return None
