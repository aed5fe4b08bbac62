"""The SymPy vocabulary of a problem: coordinate symbols, fields and operator nodes.

Fields are applied undefined functions ``u(x, y, t)`` so SymPy differentiates them
natively. Two operator nodes stay unevaluated because derivative engines answer them
directly: :class:`Laplacian` (exact, forward-Laplacian or STDE estimators) and
:class:`Normal` (a component of the outward unit normal on a boundary, filled in by the
sampler). This module never imports torch.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp


class Laplacian(sp.Function):
    """Δu over the listed spatial coordinates: ``Laplacian(u(x, y, t), x, y)``.

    For a vector coordinate the single coordinate argument is the vector's symbol and the
    Laplacian runs over all of its components; ``Laplacian(Laplacian(u, x), x)`` is then
    the bilaplacian Δ²u.
    """

    nargs = None

    def doit(self, **hints):
        field, *coords = self.args
        if any(getattr(c, "is_vector_coordinate", False) for c in coords):
            return self
        return sp.Add(*[sp.diff(field, c, 2) for c in coords])

    def _sympystr(self, printer):
        inner = self.args[0]
        return f"laplacian({printer._print(inner if isinstance(inner, Laplacian) else inner.func)})"

    def _latex(self, printer):
        inner = self.args[0]
        return r"\Delta " + printer._print(inner if isinstance(inner, Laplacian) else inner.func)


class FluxDiv(sp.Function):
    """``div(c grad u)`` kept whole: ``FluxDiv(c, u(x, y, t), x, y)`` (coefficient, field,
    spatial coordinates).

    Only equations parsed for a grid engine carry it (``Equation.flux``): that engine
    differentiates it in conservative flux form, which stays meaningful where ``c`` jumps.
    :meth:`doit` is the product rule ``Σ_i ∂_i(c ∂_i u)`` every pointwise engine evaluates.
    """

    nargs = None

    def doit(self, **hints):
        c, u, *coords = self.args
        return sp.Add(*[sp.diff(c * sp.diff(u, x), x) for x in coords])

    def _sympystr(self, printer):
        from sympy.core.function import AppliedUndef
        from sympy.printing.precedence import PRECEDENCE

        c, u = self.args[:2]
        c = c.xreplace({f: sp.Symbol(f.func.__name__) for f in c.atoms(AppliedUndef)})
        grad = f"grad({u.func.__name__})"
        return f"div({grad})" if c == 1 else \
            f"div({printer.parenthesize(c, PRECEDENCE['Mul'], strict=True)}*{grad})"


def expand_flux(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`FluxDiv` written out by the product rule."""
    if not expr.has(FluxDiv):
        return expr
    return expr.replace(lambda e: isinstance(e, FluxDiv), lambda e: e.doit())


class DiagonalPartial(sp.Function):
    """``diff(u, x[i], k)`` inside a Sum over i (args: field, index, k); only ever the whole
    body of that Sum, which becomes a :class:`DiagonalSum`."""

    nargs = 3


class DiagonalSum(sp.Function):
    """Σ_{i=lo}^{hi} ∂ᵏu/∂x_iᵏ over components of a vector coordinate (args: field, k, lo,
    hi): a diagonal k-th order operator that engines answer directly (STDE: sparse jets)."""

    nargs = 4

    def _sympystr(self, printer):
        u, k, lo, hi = self.args
        name = u.func.__name__ if isinstance(u, sp.core.function.AppliedUndef) else printer._print(u)
        return f"Sum(diff({name}, x[i], {k}), (i, {lo}, {hi}))"


class RandomNormal(sp.Function):
    """``randn(k, seed)``: entry k of a fixed sequence of standard-normal numbers.

    The sequence is numpy's ``default_rng(seed).standard_normal`` (entries do not depend on
    how many are drawn). It gives problem files reproducible random coefficients, e.g. the
    c_i ~ N(0, 1) of the STDE benchmarks: ``Sum(randn(i)*sin(x[i]), (i, 0, dim - 1))``.
    """

    nargs = 2

    def _eval_evalf(self, prec):
        k, seed = self.args
        if k.is_Integer and seed.is_Integer:
            return sp.Float(float(randn_sequence(int(seed), int(k) + 1)[int(k)]), prec)
        return None

    def _sympystr(self, printer):
        k, seed = self.args
        return f"randn({printer._print(k)})" if seed == 0 else \
            f"randn({printer._print(k)}, {printer._print(seed)})"


@functools.lru_cache(maxsize=16)
def randn_sequence(seed: int, n: int) -> np.ndarray:
    """The first n entries of ``randn(·, seed)`` (numpy PCG64 standard normals), read-only."""
    values = np.random.default_rng(seed).standard_normal(n)
    values.setflags(write=False)
    return values


class Normal(sp.Function):
    """Component ``k`` of the outward unit normal at a boundary point: ``Normal(k)``."""

    nargs = 1

    def _sympystr(self, printer):
        return f"n[{self.args[0]}]"


class VectorSymbol(sp.Symbol):
    """The symbol standing for a whole vector coordinate ``x`` in ``u(x, t)``."""

    is_vector_coordinate = True


def field_names_in(expr: sp.Expr) -> set[str]:
    """Names of the fields an expression reads (values or derivatives)."""
    from sympy.core.function import AppliedUndef

    return {f.func.__name__ for f in expr.atoms(AppliedUndef)}


def readable(expr: sp.Expr) -> str:
    """``u_t + u*u_x - 0.003*u_xx`` style text for a residual (the check table, error
    messages)."""
    from sympy.core.function import AppliedUndef

    try:
        mapping = {}
        for node in expr.atoms(sp.Derivative):
            if isinstance(node.expr, AppliedUndef):
                idx = "".join(str(v) * int(k) for v, k in node.variable_count)
                mapping[node] = sp.Symbol(f"{node.expr.func.__name__}_{idx}")
        for node in expr.atoms(Laplacian):
            inner = node.args[0]
            if isinstance(inner, Laplacian):
                mapping[node] = sp.Symbol(f"laplacian(laplacian({inner.args[0].func.__name__}))")
            elif node not in mapping:
                mapping[node] = sp.Symbol(f"laplacian({inner.func.__name__})")
        for node in expr.atoms(DiagonalSum):
            u, k, lo, hi = node.args
            mapping[node] = sp.Symbol(f"Sum(diff({u.func.__name__}, x[i], {k}), (i, {lo}, {hi}))")
        plain = expr.xreplace(mapping)
        plain = plain.xreplace({f: sp.Symbol(f.func.__name__) for f in plain.atoms(AppliedUndef)})
    except Exception:  # pragma: no cover - printing must never fail
        plain = expr
    return sp.sstr(plain)
