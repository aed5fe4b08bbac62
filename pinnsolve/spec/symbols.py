"""The SymPy vocabulary of a problem: coordinate symbols, fields and operator nodes.

Fields are applied undefined functions ``u(x, y, t)`` so SymPy differentiates them
natively. Two operator nodes stay unevaluated because derivative engines answer them
directly: :class:`Laplacian` (exact, forward-Laplacian or STDE estimators) and
:class:`Normal` (a component of the outward unit normal on a boundary, filled in by the
sampler). This module never imports torch.
"""
from __future__ import annotations

import sympy as sp


class Laplacian(sp.Function):
    """Δu over the listed spatial coordinates: ``Laplacian(u(x, y, t), x, y)``.

    For a vector coordinate the single coordinate argument is the vector's symbol and the
    Laplacian runs over all of its components.
    """

    nargs = None

    def doit(self, **hints):
        field, *coords = self.args
        if any(getattr(c, "is_vector_coordinate", False) for c in coords):
            return self
        return sp.Add(*[sp.diff(field, c, 2) for c in coords])

    def _sympystr(self, printer):
        return f"laplacian({printer._print(self.args[0].func)})"

    def _latex(self, printer):
        return r"\Delta " + printer._print(self.args[0].func)


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
