"""SymPy objects from Python: validated by walking their tree, never printed and re-parsed.

A problem given as a Python mapping is trusted code, so its SymPy expressions are taken as
they are: their symbols and functions are matched *by name* to the problem's coordinates,
fields and parameters, and every node must be one the compiler can lower. Text (problem
files, strings in a mapping, overrides) still goes through the whitelist parser in
:mod:`.expressions`, which stays the gate for untrusted input.

The loader keeps each object's printed text in ``Problem.raw`` (for ``config.yaml`` and
overrides) and a table text → object, consulted while the problem is built
(:func:`trusted_objects`): a text that an override did not change is read from its object.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import SpecError
from .jumps import jump_in, jump_message

_TABLE: contextvars.ContextVar[Mapping[str, sp.Basic]] = contextvars.ContextVar(
    "pinnsolve_trusted", default={})

# Node types the compiler lowers (see compiler/lower.py); anything else is refused here,
# with the file parser's vocabulary, instead of failing later in the compiler.
_FUNCTIONS = (sp.sin, sp.cos, sp.tan, sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.atan,
              sp.asin, sp.acos, sp.Abs, sp.sign, sp.Heaviside, sp.erf, sp.erfc, sp.gamma,
              sp.loggamma, sp.sinc, sp.besselj, sp.besseli, sp.polygamma, sp.Max, sp.Min,
              sp.atan2, sp.Piecewise, sp.asinh, sp.acosh, sp.atanh, sp.sech, sp.csch, sp.coth,
              sp.sec, sp.csc, sp.cot)
_STRUCTURE = (sp.Add, sp.Mul, sp.Pow, sp.Number, sp.NumberSymbol, sp.Derivative, sp.Tuple,
              sp.core.containers.Tuple, sp.logic.boolalg.BooleanAtom, sp.And, sp.Or,
              sp.StrictLessThan, sp.StrictGreaterThan, sp.LessThan, sp.GreaterThan,
              sp.Unequality)


@contextlib.contextmanager
def trusted_objects(table: Mapping[str, sp.Basic]) -> Iterator[None]:
    """Within the block, :func:`lookup` finds the objects of ``table`` by their text."""
    token = _TABLE.set(table)
    try:
        yield
    finally:
        _TABLE.reset(token)


def lookup(value) -> sp.Basic | None:
    """The trusted SymPy object a text stands for, or None."""
    if isinstance(value, str):
        return _TABLE.get().get(value)
    return None


def from_sympy(obj: sp.Basic, scope, *, file: str | None, key: str | None) -> sp.Expr:
    """``obj`` with its names bound to ``scope`` (an :class:`~.expressions.Scope`), checked.

    Symbols named after a coordinate, time or parameter become the scope's symbols; a
    symbol or an applied function named after a field becomes that field. ``Eq(a, b)`` is
    ``a - b``. Derivatives of anything but a field are carried out.

    Raises:
        SpecError: an unknown name, a field applied to other arguments than its
            coordinates, or a node type the compiler cannot lower.
    """
    def fail(message: str) -> SpecError:
        return SpecError(f"in SymPy expression '{_clip(obj)}': {message}", file=file, key=key)

    if isinstance(obj, sp.Equality):
        obj = obj.lhs - obj.rhs
    if not isinstance(obj, sp.Expr):
        raise fail(f"expected a scalar expression, got {type(obj).__name__}")
    names: dict[str, sp.Expr] = {c.name: c for c in scope.coords}
    if scope.time is not None:
        names[scope.time.name] = scope.time
    names.update(scope.params)
    known = list(names) + list(scope.fields)
    swap: dict = {}
    for s in obj.free_symbols:
        if s.name in names:
            swap[s] = names[s.name]
        elif s.name in scope.fields:
            swap[s] = scope.fields[s.name]
        else:
            raise fail(f"unknown symbol '{s.name}'; expected one of: {', '.join(known)}")
    for f in obj.atoms(AppliedUndef):
        name = f.func.__name__
        if name not in scope.fields:
            raise fail(f"unknown function '{name}'; fields are: {', '.join(scope.fields)}")
        target = scope.fields[name]
        args = tuple(a.xreplace(swap) if isinstance(a, sp.Basic) else a for a in f.args)
        if args != target.args:
            raise fail(f"field {name} can only be written {target} (its own coordinates)")
        swap[f] = target
    # Applied functions first (their arguments are the old symbols), then the symbols.
    expr = obj.xreplace({k: v for k, v in swap.items() if isinstance(k, AppliedUndef)})
    expr = expr.xreplace({k: v for k, v in swap.items() if not isinstance(k, AppliedUndef)})
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Symbol, AppliedUndef)) or isinstance(node, _STRUCTURE):
            continue
        if isinstance(node, _FUNCTIONS):
            continue
        if isinstance(node, sp.DiracDelta):
            raise fail(f"'{_clip(node, 40)}' is the derivative of a jump (Heaviside, sign), "
                       "which a residual at points cannot hold; differentiate a flux field "
                       "instead (q = k*diff(u, x), -diff(q, x) = f)")
        raise fail(f"'{type(node).__name__}' ({_clip(node, 40)}) cannot be compiled; "
                   "allowed: arithmetic, derivatives, Piecewise, Max/Min and the functions "
                   "of the problem-file whitelist")
    fields = set(scope.fields.values())
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative) and node.expr not in fields:
            for var in node.variables:
                jump = jump_in(node.expr, var)
                if jump is not None:
                    raise fail(jump_message(jump, var))
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative) and e.expr not in fields,
                        lambda e: e.doit())
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise fail("division by zero or an infinite value")
    return expr


def _clip(obj, n: int = 80) -> str:
    text = " ".join(sp.sstr(obj).split())
    return text if len(text) <= n else text[: n - 3] + "..."
