"""Recognise operators written out term by term: Δu and Δ²u as wholes.

A problem may spell the Laplacian as ``u_xx + u_yy`` or ``div(grad(u))`` and the
bilaplacian as ``diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4)`` (the parser
writes ``laplacian(laplacian(u))`` out that way too). Jet engines answer a whole operator
with one collapsed push, far cheaper than its partials one by one (a mixed 4th partial
alone needs a high-order jet), so the compiler puts the operator node back.

The rewrite is exact or not done: a group of terms becomes ``c·Δu`` only when every
partial the operator needs is present with exactly the coefficient it has in the
operator (c for u_cc; c for u_iiii and 2c for u_iijj in Δ²), over adjacent input
columns (what a Laplacian request covers). Anything else is left as it was.
"""
from __future__ import annotations

import itertools

import sympy as sp
from sympy.core.function import AppliedUndef

from ..spec.expressions import provably_zero
from ..spec.symbols import Laplacian as LaplacianNode
from .collect import DERIVATIVE_NODES, Columns


def _split(term: sp.Expr):
    """(coefficient, field, {symbol: count}) when ``term`` is c·∂^α u with c free of fields
    and derivatives; None otherwise."""
    factors = sp.Mul.make_args(term)
    derivs = [f for f in factors if isinstance(f, sp.Derivative)]
    if len(derivs) != 1 or not isinstance(derivs[0].expr, AppliedUndef):
        return None
    rest = [f for f in factors if f is not derivs[0]]
    coef = sp.Mul(*rest)
    if coef.has(*DERIVATIVE_NODES) or coef.atoms(AppliedUndef):
        return None
    counts: dict = {}
    for var, k in derivs[0].variable_count:
        counts[var] = counts.get(var, 0) + int(k)
    return coef, derivs[0].expr, counts


def _runs(symbols, columns: Columns):
    """Maximal runs (length ≥ 2) of adjacent input columns among ``symbols``."""
    cols = sorted((columns.inputs[s], s) for s in symbols if s in columns.inputs)
    runs, run = [], []
    for col, sym in cols:
        if run and col != columns.inputs[run[-1]] + 1:
            runs.append(run)
            run = []
        run.append(sym)
    runs.append(run)
    return [r for r in runs if len(r) >= 2]


def _rewrite_add(expr: sp.Add, columns: Columns) -> sp.Expr:
    terms = list(expr.args)
    parts = {i: _split(t) for i, t in enumerate(terms)}
    parts = {i: p for i, p in parts.items() if p is not None}
    # index: (field, sorted counts) -> (term index, coefficient)
    index = {}
    for i, (coef, field, counts) in parts.items():
        index.setdefault((field, tuple(sorted(counts.items(), key=str))), (i, coef))

    def find(field, counts, coef):
        hit = index.get((field, tuple(sorted(counts.items(), key=str))))
        if hit is None or hit[0] in used or not _same(hit[1], coef):
            return None
        return hit[0]

    used: set[int] = set()
    new: list[sp.Expr] = []
    # Bilaplacians first (their u_iiii terms are no Laplacian's), then Laplacians.
    for i, (coef, field, counts) in sorted(parts.items()):
        if i in used or len(counts) != 1 or set(counts.values()) != {4}:
            continue
        quartic = {next(iter(k)) for j, (c, f, k) in parts.items() if f == field and len(k) == 1
                   and set(k.values()) == {4} and _same(c, coef) and j not in used}
        for run in _runs(quartic, columns):
            hits = [find(field, {s: 4}, coef) for s in run]
            hits += [find(field, {a: 2, b: 2}, 2 * coef) for a, b in itertools.combinations(run, 2)]
            if None in hits or len(set(hits)) != len(hits):
                continue
            used.update(hits)
            new.append(coef * LaplacianNode(LaplacianNode(field, *run), *run))
    for i, (coef, field, counts) in sorted(parts.items()):
        if i in used or len(counts) != 1 or set(counts.values()) != {2}:
            continue
        second = {next(iter(k)) for j, (c, f, k) in parts.items() if f == field and len(k) == 1
                  and set(k.values()) == {2} and _same(c, coef) and j not in used}
        for run in _runs(second, columns):
            hits = [find(field, {s: 2}, coef) for s in run]
            if None in hits:
                continue
            used.update(hits)
            new.append(coef * LaplacianNode(field, *run))
    if not used:
        return expr
    return sp.Add(*new, *[t for i, t in enumerate(terms) if i not in used], evaluate=False)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether two coefficients are provably equal (SymPy's simplify, used before, ran for
    minutes on a coefficient of 24 exponentials of reciprocals: an attack file)."""
    return a == b or provably_zero(a - b)


def recognise_operators(expr: sp.Expr, columns: Columns) -> sp.Expr:
    """``expr`` with every exact term-by-term Laplacian or bilaplacian (over adjacent
    scalar input columns) replaced by its operator node; everything else unchanged.

    Problems over a vector coordinate already carry their operators as nodes.
    """
    if columns.domain.vector is not None or not expr.has(sp.Derivative):
        return expr

    def walk(e: sp.Expr) -> sp.Expr:
        if not e.args or isinstance(e, DERIVATIVE_NODES):
            return e
        args = [walk(a) for a in e.args]
        if any(a is not b for a, b in zip(args, e.args)):
            e = e.func(*args)
        return _rewrite_add(e, columns) if isinstance(e, sp.Add) else e

    return walk(expr)
