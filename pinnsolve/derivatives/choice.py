"""Which exact method answers each request fastest: Taylor jets or nested autodiff.

The exact ``taylor`` engine hands a request to nested reverse-mode autodiff when that was
measured faster for its kind, order and number of columns (:data:`NESTED_FASTER`), so
it is never slower than ``autodiff`` on any operator. The table comes from
``python benchmarks/throughput.py --choice`` (one training step, forward and backward,
of a 4×64 tanh MLP at 2000 points, float32, one thread, medians of interleaved
repetitions on a shared machine; nested only where it wins by more than 5 %); rerun
it to refresh the table on another machine.
"""
from __future__ import annotations

from .requests import Bilaplacian, DiagonalSum, Laplacian, Partial, Request

# (kind, order, columns) where nested autodiff measured faster than the Taylor engine by
# more than the 5 % timing noise of the shared machine (2026-12-03, docs/throughput.md):
# mixed partials, 1.2-3.6× (the interpolation jet carries C(D+k-1, k) directions, nested
# autodiff one gradient per lower partial). Pure partials, Δ, Δ² and diagonal sums:
# Taylor 1.05-5.4× faster. Two runs agree on every key; ("partial", 4, 2) won by 1.18×
# in one and 1.04× in the other, and stays nested.
NESTED_FASTER: frozenset[tuple[str, int, int]] = frozenset({
    ("partial", 2, 2), ("partial", 3, 2), ("partial", 3, 3), ("partial", 4, 2),
    ("partial", 4, 3)})


def choice_key(req: Request) -> tuple[str, int, int] | None:
    """(kind, order, number of columns) of a request; None for field values and first
    derivatives (one pass either way) and requests only jets answer."""
    if isinstance(req, Partial):
        return ("partial", req.order, len(req.orders)) if req.order >= 2 else None
    if isinstance(req, Laplacian):
        return ("laplacian", 2, req.stop - req.start)
    if isinstance(req, Bilaplacian):
        return ("bilaplacian", 4, req.stop - req.start)
    if isinstance(req, DiagonalSum):
        return ("diagonal", req.order, req.stop - req.start)
    return None


def nested_faster(req: Request, table: frozenset = NESTED_FASTER) -> bool:
    """Whether ``req`` is answered faster by nested autodiff (per ``table``)."""
    return choice_key(req) in table
