"""Coefficients that jump inside a derivative.

SymPy differentiates a Piecewise piece by piece and drops the Dirac delta at its
breakpoints, so ``-diff(k*diff(u, x), x)`` with a layered ``k`` silently loses the flux
continuity across the interface and gives a wrong solution; a Heaviside's delta cannot be
evaluated at points at all. Both loaders (problem text and SymPy objects) refuse such a
derivative with :func:`jump_message`, which names the flux form that solves it.
"""
from __future__ import annotations

import sympy as sp


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def jump_message(jump, var) -> str:
    """Why differentiating ``jump`` along ``var`` is refused, and the flux form to write."""
    return (f"this differentiates {_clip(str(jump))}, which jumps along {var}: the "
            "derivative of a jump is a Dirac delta (for -diff(k*diff(u, x), x) with k "
            "jumping: k*u_x continuous across the interface), which a residual at points "
            "cannot hold, so the solution would be wrong. Make the flux a field: fields "
            "[u, q], equations q = k*diff(u, x) and -diff(q, x) = f (a flux field per "
            "coordinate in 2-D and 3-D)")


_JUMPS = (sp.Heaviside, sp.sign, sp.floor, sp.ceiling)
_JUMP_PROBES = (0.37, -1.21, 2.03)   # values tried for the other symbols at a breakpoint
MAX_DEGREE = 16   # breakpoints placed by polynomial roots up to this degree (x**4096: minutes)


def jump_in(expr: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """A part of ``expr`` that is discontinuous along ``var`` (a Heaviside, sign, floor or
    ceiling of it; a Piecewise whose pieces disagree at a breakpoint in ``var``), or None.

    A Piecewise is continuous when, at each breakpoint where a condition's two sides meet
    (a polynomial in ``var``), the pieces in force just below and just above take the same
    value there, for a few values of the other symbols. Pieces holding fields count as a
    jump unless all equal; a breakpoint it cannot place or evaluate is never refused."""
    for f in expr.atoms(*_JUMPS):
        if var in f.args[0].free_symbols:
            return f
    for p in expr.atoms(sp.Piecewise):
        if any(var in c.free_symbols for _, c in p.args) and not _continuous(p, var):
            return p
    return None


def _continuous(p: sp.Piecewise, var: sp.Symbol) -> bool:
    values = [v for v, _ in p.args]
    if all(v == values[0] for v in values):
        return True
    if any(v.has(sp.Derivative, sp.core.function.AppliedUndef) for v in values):
        return False   # fields in the pieces: their values at the breakpoint are unknown
    others = sorted(p.free_symbols - {var}, key=str)
    try:
        for _, cond in p.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                gap = rel.lhs - rel.rhs
                if var not in gap.free_symbols:
                    continue
                for probe in _JUMP_PROBES:
                    at = {s: probe + 0.1 * i for i, s in enumerate(others)}
                    g = gap.subs(at)
                    if not g.is_polynomial(var) or sp.degree(g, var) > MAX_DEGREE:
                        continue   # a breakpoint it cannot place (or not cheaply)
                    for root in sp.Poly(g, var).nroots():
                        if abs(sp.im(root)) > 1e-9:
                            continue
                        r = float(sp.re(root))
                        eps = 1e-7 * (1 + abs(r))
                        # The pieces in force just below and just above, compared at the
                        # breakpoint itself (a steep continuous ramp is no jump).
                        below, above = (_piece(p, {**at, var: r + d}) for d in (-eps, eps))
                        if below is None or above is None or below == above:
                            continue
                        a, b = (complex(values[i].subs({**at, var: r})) for i in (below, above))
                        if abs(a - b) > 1e-8 * (1 + abs(a) + abs(b)):
                            return False
    except (TypeError, ValueError, sp.PolynomialError):
        return True   # not evaluable here (sums over a vector coordinate): not refused
    return True


def _piece(p: sp.Piecewise, at: dict) -> int | None:
    """Index of the piece of ``p`` in force at the point ``at`` (None if undecided)."""
    for i, (_, cond) in enumerate(p.args):
        truth = cond.subs(at)
        if truth == sp.true:
            return i
        if truth != sp.false:
            return None
    return None
