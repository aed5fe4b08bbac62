"""Boundary layers the equations make, read from their coefficients.

A small coefficient on a field's second derivative next to an O(1) first derivative along
the same coordinate (a singular perturbation: ``-ε Δu + b·∇u = f``, ``u_t + b u_x = ν u_xx``)
makes the solution jump, near the face the transport ``b`` points to (the outflow face),
from the inviscid solution to the Dirichlet value there, across a layer of width
δ = |ε / b|. Inside it the equation reduces to ε u'' + b u' ≈ 0, whose solution is
exp(-s / δ) in the distance s to the face, whatever the source and the data are.

A network sees such a layer as a jump it must learn between its collocation points (1 %
of them lie in a layer of width 0.01 on the unit square), and with the face imposed
exactly, u = A + D N, its part N = (u − A) / D even has a peak of height 1/δ there. So
when the model imposes Dirichlet data on an outflow face exactly, it gets a second term
that carries the layer (models/constraints.py)::

    u = A + D N₁ + (D / s) (1 − exp(−s / δ)) N₂

(s the normalised distance to the face, D / s the other faces' factors; N₂ one more output
of the same network): both terms vanish on the face, so the condition stays exact. A
solution U₀ + exp(−s/δ) U₁ with smooth U₀, U₁ and U₀ + U₁ = 0 on the face (the Dirichlet
data) is then made of smooth parts: N₂ = −U₁ and N₁ = (U₀ + U₁) / s, times the other
faces' factors; where no layer forms (outflow data that agree with the transport) N₂ can
stay near zero and the model is the usual one. This is the corrector of singular-layer
PINNs, placed inside the hard constraint.

Read, per equation, field and spatial coordinate c (not periodic): a the coefficient of
∂²u/∂c², b that of ∂u/∂c, both constant (no field, coordinate or unknown: variable and
nonlinear coefficients are not read); a layer when |a / b| is at most LAYER_WIDTH of the
coordinate's length, at the ``hi`` face where −b / a > 0 (the inner solution grows towards
it), else at the ``lo`` face. Also b = β (c − c_face), zero at a face and carrying towards
it (a jet on a wall, Hiemenz flow): a stagnation layer of width √(2 |a / β|) and profile
erf(s / δ) (:class:`Stagnation`), where that is at most STAGNATION_WIDTH.
"""
from __future__ import annotations

import math

import sympy as sp

from .coefficients import expanded, number
from .problem import Problem

LAYER_WIDTH = 0.02   # δ / L from which a layer is planned (Péclet number |b| L / ε ≥ 50)


# δ / L from which a stagnation layer is planned: a jet's thermal layer on a chip of 5.4 %
# (Pe 700 with the strain rate) went 0.60 -> 1.3e-5 with its term (2 minutes, stop 46).
STAGNATION_WIDTH = 0.1


class Stagnation(float):
    """The width δ / L of a layer where the transport vanishes at the face itself, b = β s
    (a jet on a wall: v = −a y): inside, ε u'' + β s u' ≈ 0 makes u' ∝ exp(−s²/δ²) with
    δ = √(2 |ε / β|), so the layer's profile is erf(s / δ), not 1 − exp(−s / δ)."""

    def __repr__(self) -> str:
        return f"Stagnation({float(self)!r})"


def boundary_layers(problem: Problem) -> dict[tuple[str, str, str], float]:
    """(field, coordinate, side) → the layer's width δ / L (normalised to the coordinate's
    length), for every outflow face where the equations make a thin layer; empty when none
    (or the domain has a vector coordinate, or is not a box)."""
    domain = problem.domain
    if domain.vector is not None or domain.shape is not None or domain.mesh is not None:
        return {}
    out: dict[tuple[str, str, str], float] = {}
    for eq in problem.equations:
        expr = expanded(problem, eq.expr)
        for name, u in problem.field_functions.items():
            for axis in domain.space:
                if axis.name in problem.periodic:
                    continue
                a = number(sp.diff(expr, sp.Derivative(u, (axis.symbol, 2))))
                slope = sp.diff(expr, sp.Derivative(u, axis.symbol))
                b = number(slope)
                length = axis.hi - axis.lo
                if a is None or not length > 0:
                    continue
                if b is None:
                    found = _stagnation(slope, a, axis)
                    if found is not None:
                        key = (name, axis.name, found[0])
                        out[key] = min(found[1], out.get(key, math.inf))
                    continue
                width = abs(a / b) / length
                if width > LAYER_WIDTH:
                    continue
                key = (name, axis.name, "hi" if -b / a > 0 else "lo")
                out[key] = min(width, out.get(key, math.inf))
    return out


def _stagnation(slope: sp.Expr, a: float, axis) -> tuple[str, Stagnation] | None:
    """(side, width) where the first derivative's coefficient is β (c − c_face), linear in
    the coordinate c alone and zero at one of its faces, with the transport towards that
    face (β / a > 0: the stagnation layer of a jet on a wall, Hiemenz flow), of width
    δ = √(2 |a / β|) at most STAGNATION_WIDTH of the coordinate's length; else None."""
    c = axis.symbol
    if slope.free_symbols != {c}:
        return None
    try:
        poly = sp.Poly(slope, c)
    except sp.PolynomialError:
        return None
    if poly.degree() != 1:
        return None
    beta, rest = (number(k) for k in poly.all_coeffs())
    if beta is None or not beta / a > 0:
        return None
    root = -(rest or 0.0) / beta
    length = axis.hi - axis.lo
    side = next((s for s, at in (("lo", axis.lo), ("hi", axis.hi))
                 if abs(root - at) <= 1e-9 * length), None)
    width = math.sqrt(2 * abs(a / beta)) / length
    return (side, Stagnation(width)) if side and width <= STAGNATION_WIDTH else None

