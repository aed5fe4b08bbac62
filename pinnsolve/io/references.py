"""Reference solvers bound to problems: ``SOLVERS[name](problem, points) -> {field: values}``
reads the problem's domain, parameters and initial condition, checks that the solver
applies (a SpecError naming ``reference.solver`` otherwise) and evaluates the project's own
numerics (``pinnsolve.reference``) at (n, d) points."""
from __future__ import annotations

import numpy as np
import sympy as sp
import torch

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..errors import SpecError
from ..reference import allen_cahn_etdrk4, burgers_cole_hopf


def _burgers(problem, points: np.ndarray) -> dict[str, np.ndarray]:
    d = problem.domain
    values = problem.parameter_values
    if "nu" not in values or len(d.space) != 1 or d.time is None or (d.space[0].lo, d.space[0].hi) != (-1, 1):
        raise SpecError("the burgers_cole_hopf reference needs x in [-1, 1], a time coordinate "
                        "and a parameter nu (u(x,0) = -sin(pi x), u(±1,t) = 0)",
                        file=problem.source, key="reference.solver")
    field = problem.fields[0]
    return {field: burgers_cole_hopf(points[:, 0], points[:, -1], values["nu"])}


def _allen_cahn(problem, points: np.ndarray) -> dict[str, np.ndarray]:
    d = problem.domain
    need = ("the allen_cahn_spectral reference needs one periodic space coordinate "
            "({periodic: x}), a time coordinate, one field, one equation of the form "
            "u_t = D u_xx + k (u - u^3) with constant D > 0 and k (any arrangement, e.g. "
            "diff(u, t) = 1e-4*diff(u, x, 2) - 5*u**3 + 5*u) and one condition at the "
            "initial time giving u (u = expr or dirichlet: expr)")
    wrong = []
    if len(d.space) != 1 or d.vector is not None or d.time is None:
        wrong.append(f"got inputs {list(d.input_names)} (time: "
                     f"{d.time.name if d.time else 'none'})")
    elif d.space[0].name not in problem.periodic:
        wrong.append(f"'{d.space[0].name}' is not periodic")
    if len(problem.fields) != 1:
        wrong.append(f"got fields {list(problem.fields)}")
    if wrong:
        raise SpecError(f"{need}; " + "; ".join(wrong), file=problem.source,
                        key="reference.solver")
    D, k = _allen_cahn_coefficients(problem, need)
    u0 = _initial_value(problem, need)
    space, time = d.space[0], d.time
    field = problem.fields[0]
    return {field: allen_cahn_etdrk4(points[:, 0], points[:, -1], D=D, k=k,
                                     lo=space.lo, hi=space.hi, u0=u0, t0=time.lo,
                                     t_end=time.hi)}


def _allen_cahn_coefficients(problem, need: str) -> tuple[float, float]:
    """(D, k) read from the problem's one equation, which must be a constant multiple of
    u_t − D u_xx − k (u − u³); a located SpecError otherwise."""
    def fail(why: str) -> SpecError:
        return SpecError(f"{need}; {why}", file=problem.source, key="reference.solver")
    if len(problem.equations) != 1:
        raise fail(f"found {len(problem.equations)} equations")
    eq = problem.equations[0]
    u = problem.field_functions[problem.fields[0]]
    x, t = problem.domain.space[0].symbol, problem.domain.time.symbol
    ut, uxx, s = sp.Dummy("ut"), sp.Dummy("uxx"), sp.Dummy("u")
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    expr = eq.expr.subs(params).subs({sp.Derivative(u, t): ut, sp.Derivative(u, (x, 2)): uxx})
    expr = sp.expand(expr.subs(u, s))
    try:
        poly = sp.Poly(expr, ut, uxx, s)
    except sp.PolynomialError:
        poly = None
    allowed = {(1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 3)}
    if poly is None or not set(poly.monoms()) <= allowed or any(
            not c.is_number for c in poly.coeffs()):
        raise fail(f"the equation '{eq.text}' has other terms")
    coef = {m: complex(c) for m, c in zip(poly.monoms(), poly.coeffs())}
    a = coef.get((1, 0, 0), 0).real
    if a == 0 or any(abs(c.imag) > 0 for c in coef.values()):
        raise fail(f"the equation '{eq.text}' has no u_t term")
    D = -coef.get((0, 1, 0), 0).real / a
    k = -coef.get((0, 0, 1), 0).real / a
    cubic = coef.get((0, 0, 3), 0).real / a
    if not D > 0 or abs(cubic - k) > 1e-12 * max(1.0, abs(k)):
        raise fail(f"the equation '{eq.text}' reads u_t = {D:g} u_xx + {k:g} u - {cubic:g} "
                   "u^3 (D must be positive and the u and u^3 coefficients opposite)")
    return D, k


def _initial_value(problem, need: str):
    """numpy ``x -> u(x, t0)`` from the problem's single initial condition on its one field.

    The value expression is lowered by the same compiler as residuals and exact references
    (no ``eval``); ``u = g`` written as an equation must be linear in ``u`` with no
    derivatives.
    """
    initial = [c for c in problem.conditions if c.region.kind == "initial"]
    if len(initial) != 1:
        raise SpecError(f"{need}; found {len(initial)} initial conditions",
                        file=problem.source, key="reference.solver")
    cond = initial[0]
    u = problem.field_functions[problem.fields[0]]
    value = cond.value if cond.kind == "dirichlet" else None
    if cond.kind == "equation" and not cond.expr.has(sp.Derivative):
        s = sp.Dummy("u")
        residual = cond.expr.subs(u, s)
        slope = sp.diff(residual, s)
        if not slope.has(s) and slope != 0 and not residual.has(sp.core.function.AppliedUndef):
            value = -residual.subs(s, 0) / slope
    if value is None:
        raise SpecError(f"{need}; the initial condition '{cond.text}' is not of the form "
                        f"u = expr", file=problem.source, key="reference.solver")
    params = {sp.Symbol(p.name): p.value for p in problem.parameters}
    program = lower(value.subs(params), Columns(problem.domain, problem.fields), set(),
                    f"initial condition {cond.name}")
    t0 = problem.domain.time.lo

    def u0(x: np.ndarray) -> np.ndarray:
        pts = torch.as_tensor(np.stack([x, np.full_like(x, t0)], axis=1), dtype=torch.float64)
        return program(Env(pts, {}, {})).numpy()

    return u0


SOLVERS = {"burgers_cole_hopf": _burgers, "allen_cahn_spectral": _allen_cahn}
