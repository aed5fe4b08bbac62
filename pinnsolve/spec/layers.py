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
it), else at the ``lo`` face.
"""
from __future__ import annotations

import math

import sympy as sp

from .coefficients import expanded, number
from .problem import Problem

LAYER_WIDTH = 0.02   # δ / L from which a layer is planned (Péclet number |b| L / ε ≥ 50)


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
                b = number(sp.diff(expr, sp.Derivative(u, axis.symbol)))
                length = axis.hi - axis.lo
                if a is None or b is None or not length > 0:
                    continue
                width = abs(a / b) / length
                if width > LAYER_WIDTH:
                    continue
                key = (name, axis.name, "hi" if -b / a > 0 else "lo")
                out[key] = min(width, out.get(key, math.inf))
    return out

