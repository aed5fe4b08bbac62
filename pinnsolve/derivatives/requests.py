"""Derivative requests: hashable keys a compiled term reads its inputs from.

A derivative engine receives a set of requests and returns ``{request: tensor (n,)}``.
Input columns are the model's input columns (spatial coordinates, then time).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Callable


@dataclass(frozen=True, order=True)
class Partial:
    """∂^|α| u_field / ∏ ∂x_c^k for ``orders = ((c, k), ...)`` sorted by column.

    ``orders == ()`` is the field value itself.
    """

    field: int
    orders: tuple[tuple[int, int], ...] = ()

    def __post_init__(self):
        if any(k < 1 for _, k in self.orders):
            raise ValueError(f"derivative counts must be >= 1, got {self.orders}")

    @property
    def order(self) -> int:
        return sum(k for _, k in self.orders)

    def parent(self) -> "Partial":
        """The request one order lower (one count removed from the last column)."""
        *head, (col, k) = self.orders
        tail = [(col, k - 1)] if k > 1 else []
        return Partial(self.field, tuple(head) + tuple(tail))

    @property
    def last_column(self) -> int:
        return self.orders[-1][0]


@dataclass(frozen=True, order=True)
class Laplacian:
    """Σ_{c in [start, stop)} ∂²u_field/∂x_c² over a block of spatial input columns."""

    field: int
    start: int
    stop: int



@dataclass(frozen=True, order=True)
class Bilaplacian:
    """Δ²u_field = Σ_{i, j in [start, stop)} ∂⁴u/∂x_i²∂x_j² over a block of input columns."""

    field: int
    start: int
    stop: int


@dataclass(frozen=True, order=True)
class DiagonalSum:
    """Σ_{c in [start, stop)} ∂ᵏu_field/∂x_cᵏ (k = ``order``) over a block of input columns."""

    field: int
    start: int
    stop: int
    order: int


@dataclass(frozen=True)
class FluxDivergence:
    """div(c grad u_field) = Σ_{col in [start, stop)} ∂_col(c ∂_col u) over spatial columns,
    for engines that difference it in conservative flux form (the grid engine).

    ``key`` names the coefficient expression (equal keys: equal requests). ``coefficient``
    evaluates it at flat points: ``coefficient(x (n, d), derivs) -> (n,)``, with ``derivs``
    answering the requests in ``needs``.
    """

    field: int
    start: int
    stop: int
    key: str
    coefficient: Callable = _field(compare=False, repr=False)
    needs: frozenset = _field(compare=False, repr=False, default=frozenset())


Request = Partial | Laplacian | Bilaplacian | DiagonalSum | FluxDivergence


def expand(req: Request) -> tuple[tuple[int, Partial], ...]:
    """A composite request as a sum of partials, ``((coefficient, Partial), ...)``; a
    Partial is itself with coefficient 1.

    The one place the operators are written out (engines that build them from partials,
    nested autodiff and the grid, read it here): Δu = Σ_c u_cc, Σ_c ∂ᵏ_c u, and
    Δ²u = Σ_i u_iiii + 2 Σ_{i<j} u_iijj.

    Raises:
        TypeError: for a FluxDivergence (its coefficient is not a constant).
    """
    if isinstance(req, Partial):
        return ((1, req),)
    cols = range(req.start, req.stop)
    if isinstance(req, Laplacian):
        return tuple((1, Partial(req.field, ((c, 2),))) for c in cols)
    if isinstance(req, DiagonalSum):
        return tuple((1, Partial(req.field, ((c, req.order),))) for c in cols)
    if isinstance(req, Bilaplacian):
        return tuple((1, Partial(req.field, ((i, 4),))) if i == j else
                     (2, Partial(req.field, ((i, 2), (j, 2))))
                     for i in cols for j in cols if i <= j)
    raise TypeError(f"{type(req).__name__} is not a sum of partials")


def combine(terms: tuple[tuple[int, Partial], ...], value: Callable):
    """Σ coefficient · value(partial) over ``terms`` from :func:`expand`."""
    total = None
    for coef, part in terms:
        v = value(part)
        v = v if coef == 1 else coef * v
        total = v if total is None else total + v
    return total
