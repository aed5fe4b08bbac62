"""Lower a SymPy residual to a straight-line torch program.

The expression tree is walked once at compile time. Structurally equal subtrees share one
slot (SymPy expressions hash by structure), so shared subexpressions are computed once per
call. Evaluation is a loop over closures: no SymPy, no recursion on the hot path.

Indexed sums over a vector coordinate, ``Sum(f(x[i], x[i+1]), (i, a, b))``, become tensor
slices ``x[:, a:b+1]``, ``x[:, a+1:b+2]`` of shape (n, L) and one ``sum(-1)``: no Python
loop over the dimension.
"""
from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from ..derivatives.requests import Request
from ..errors import CompileError
from ..spec.datafields import DataField
from ..spec.expressions import constant_value, shown
from ..spec.symbols import DiagonalSum as DiagonalNode
from ..spec.symbols import FluxDiv, Normal, RandomNormal, randn_sequence
from ..spec.symbols import Laplacian as LaplacianNode

from .datafield import interpolate

if TYPE_CHECKING:   # collect.py imports this module at run time (flux coefficients)
    from .collect import Columns

# Nodes that stand for a derivative request (field values included): lowering looks them up
# in the engine's answers, collection lists them.
DERIVATIVE_NODES = (AppliedUndef, sp.Derivative, LaplacianNode, DiagonalNode, FluxDiv)


@dataclass
class Env:
    """What a compiled term reads: points, derivative values, parameters, normals, data.

    Shapes: ``x`` (n, d); each derivative value (n,); ``normals`` (n, n_space) or None;
    each ``data`` value (n,); parameters are 0-d tensors.
    """

    x: torch.Tensor
    derivs: Mapping[Request, torch.Tensor]
    params: Mapping[str, torch.Tensor]
    normals: torch.Tensor | None = None
    data: Mapping[str, torch.Tensor] | None = None


def _heaviside(a: torch.Tensor) -> torch.Tensor:
    return (a > 0).to(a.dtype) + 0.5 * (a == 0).to(a.dtype)


def _max2(a, b):
    if isinstance(a, float):
        a, b = b, a
    return torch.clamp(a, min=b) if isinstance(b, float) else torch.maximum(a, b)


def _min2(a, b):
    if isinstance(a, float):
        a, b = b, a
    return torch.clamp(a, max=b) if isinstance(b, float) else torch.minimum(a, b)


def _atan2(y, x):
    if isinstance(y, float):
        y = torch.full_like(x, y)
    if isinstance(x, float):
        x = torch.full_like(y, x)
    return torch.atan2(y, x)


class _BesselJ(torch.autograd.Function):
    """J0 / J1 with a backward pass (torch.special.bessel_j0/j1 have none):
    J0' = -J1, J1' = J0 - J1/x (1/2 at x = 0). Before stop 48 the backward pass was not
    itself differentiable: second derivatives at |x| ≥ 12 came out near zero."""

    @staticmethod
    def forward(ctx, x, order: int):
        ctx.save_for_backward(x)
        ctx.order = order
        return torch.special.bessel_j0(x) if order == 0 else torch.special.bessel_j1(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors   # through apply, so that higher derivatives follow too
        j1 = _BesselJ.apply(x, 1)
        if ctx.order == 0:
            return -grad * j1, None
        return grad * (_BesselJ.apply(x, 0) - j1 / x), None   # only used for |x| >= 12


_SERIES_TERMS = 60
# |x| below: power series (cancellation costs < 5 digits); above: torch's J0, J1 and the
# upward recurrence, stable for x > order. torch.special.bessel_j0/j1 are off by up to
# 4.7e-7 for 5 < x < 8 even in float64 (against scipy.special.j0), 1.4e-11 above 12.
_J_SERIES_BELOW = 12.0


class _BesselSeries(torch.autograd.Function):
    """Σ_k sign^k (x/2)^(2k+n) / (k! (k+n)!): J_n (sign −1) or I_n (sign +1), summed outside
    the graph, with the derivative (J_{n−1} − J_{n+1}) / 2 or (I_{n−1} + I_{n+1}) / 2 (J_0'
    = −J_1, I_0' = I_1), itself of this kind, so every order of derivative is a few nodes.
    Summed in the graph, the 60 terms made a disk's Laplacian of J_0(z r) thousands of
    operations per step: 222 steps in 2 minutes for a FRAP recovery (stop 48)."""

    @staticmethod
    def forward(ctx, x, n: int, sign: float):
        ctx.save_for_backward(x)
        ctx.n, ctx.sign = n, sign
        half = x / 2
        term = half ** n / math.factorial(n)
        total = term
        q = half * half
        for k in range(1, _SERIES_TERMS):
            term = term * (sign * q / (k * (k + n)))
            total = total + term
            if k % 4 == 0 and bool(term.abs().max() <= 1e-17 * total.abs().max()):
                break   # the rest is below round-off (about 30 terms for |x| < 12)
        return total

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        n, sign = ctx.n, ctx.sign
        up = _BesselSeries.apply(x, n + 1, sign)
        if n == 0:
            return grad * sign * up, None, None
        return grad * (_BesselSeries.apply(x, n - 1, sign) + sign * up) / 2, None, None


def _bessel_series(n: int, x: torch.Tensor, sign: float) -> torch.Tensor:
    """J_n (sign −1) or I_n (sign +1) by its power series (:class:`_BesselSeries`)."""
    return _BesselSeries.apply(x, n, sign)


def _bessel_j(n: int, x: torch.Tensor) -> torch.Tensor:
    small = x.abs() < _J_SERIES_BELOW
    safe = torch.where(small, _J_SERIES_BELOW, x)   # keeps 1/x finite in the unused branch
    prev, cur = _BesselJ.apply(safe, 0), _BesselJ.apply(safe, 1)
    for m in range(1, n):
        prev, cur = cur, 2 * m / safe * cur - prev
    large = prev if n == 0 else cur
    # the series branch sees a clamped x, so neither branch overflows where it is unused
    tame = torch.where(small, x, 0.0)
    return torch.where(small, _bessel_series(n, tame, -1.0), large)


def _bessel_i(n: int, x: torch.Tensor) -> torch.Tensor:
    if n == 0:
        return torch.special.i0(x)
    if n == 1:
        return torch.special.i1(x)
    return _bessel_series(n, x, 1.0)   # all terms positive: no cancellation


def _gamma(x: torch.Tensor) -> torch.Tensor:
    """Γ(x) = ±exp(lgamma(x)); negative for x in (-1, 0), (-3, -2), ..."""
    sign = torch.where((x < 0) & (torch.floor(-x) % 2 == 0), -1.0, 1.0).to(x.dtype)
    return sign * torch.exp(torch.special.gammaln(x))


def _sinc(x: torch.Tensor) -> torch.Tensor:
    """SymPy's sinc is sin(x)/x; torch.special.sinc is sin(πx)/(πx)."""
    return torch.special.sinc(x / math.pi)


_UNARY: dict[type, Callable] = {
    sp.erf: torch.special.erf, sp.erfc: torch.special.erfc, sp.loggamma: torch.special.gammaln,
    sp.gamma: _gamma, sp.sinc: _sinc,
    sp.sin: torch.sin, sp.cos: torch.cos, sp.tan: torch.tan, sp.exp: torch.exp,
    sp.log: torch.log, sp.tanh: torch.tanh, sp.sinh: torch.sinh, sp.cosh: torch.cosh,
    sp.atan: torch.atan, sp.asin: torch.asin, sp.acos: torch.acos, sp.Abs: torch.abs,
    sp.sign: torch.sign, sp.Heaviside: _heaviside,
    sp.asinh: torch.asinh, sp.acosh: torch.acosh, sp.atanh: torch.atanh,
    sp.sech: lambda a: torch.reciprocal(torch.cosh(a)),
    sp.csch: lambda a: torch.reciprocal(torch.sinh(a)),
    sp.coth: lambda a: torch.reciprocal(torch.tanh(a)),
    sp.sec: lambda a: torch.reciprocal(torch.cos(a)),
    sp.csc: lambda a: torch.reciprocal(torch.sin(a)),
    sp.cot: lambda a: torch.reciprocal(torch.tan(a)),
}
_RELATIONS = {sp.StrictLessThan: operator.lt, sp.StrictGreaterThan: operator.gt,
              sp.LessThan: operator.le, sp.GreaterThan: operator.ge,
              # sinc's derivative is Piecewise((..., Ne(x, 0)), (0, True))
              sp.Unequality: operator.ne, sp.Equality: operator.eq}


def _power(exponent: float) -> Callable:
    if exponent == 0.5:
        return torch.sqrt
    if exponent == -1:
        return torch.reciprocal
    if float(exponent).is_integer():
        n = int(exponent)
        return lambda a: a ** n
    return lambda a: a ** exponent


class Program:
    """A compiled scalar expression: ``program(env) -> (n,)`` tensor."""

    def __init__(self, ops: list[Callable], out: int | float, expr: sp.Expr):
        self.ops = ops
        self.out = out
        self.expr = expr

    @property
    def text(self) -> str:
        """The expression printed, on demand: a chain of definitions inlined is a tree far
        larger than its graph, and printing it took minutes (a column's 45 constants)."""
        return str(self.expr)

    def __call__(self, env: Env) -> torch.Tensor:
        vals: list = []
        for op in self.ops:
            vals.append(op(env, vals))
        if isinstance(self.out, float):
            return torch.full((env.x.shape[0],), self.out, dtype=env.x.dtype, device=env.x.device)
        result = vals[self.out]
        if result.dim() == 0:
            result = result.expand(env.x.shape[0])
        return result

    def __repr__(self) -> str:
        return f"Program({self.text!r}, {len(self.ops)} ops)"


class _Lowerer:
    def __init__(self, columns: Columns, unknowns: set[str], equation: str):
        self.columns = columns
        self.unknowns = unknowns
        self.equation = equation
        self.ops: list[Callable] = []
        self.indexed: list[bool] = []
        self.memo: dict = {}
        self.sum_ctx: tuple[sp.Symbol, int, int] | None = None
        self.scalars: set[int] = set()  # slots holding 0-d tensors (unknown parameters)

    def fail(self, message: str) -> CompileError:
        return CompileError(message, equation=self.equation)

    def emit(self, fn: Callable, indexed: bool) -> int:
        self.ops.append(fn)
        self.indexed.append(indexed)
        return len(self.ops) - 1

    def is_indexed(self, operand) -> bool:
        return isinstance(operand, int) and self.indexed[operand]

    def combine(self, fn: Callable, operands: list) -> int:
        """Emit ``fn(*operands)``, broadcasting (n,) operands against (n, L) ones."""
        any_indexed = any(self.is_indexed(o) for o in operands)
        getters = []
        for o in operands:
            if isinstance(o, float):
                getters.append(lambda vals, c=o: c)
            elif any_indexed and not self.indexed[o] and o not in self.scalars:
                # A per-point (n,) value meets (n, L) Sum slices: give it a trailing axis.
                # 0-d slots (unknown parameters) broadcast on their own.
                getters.append(lambda vals, s=o: vals[s][:, None])
            else:
                getters.append(lambda vals, s=o: vals[s])
        slot = self.emit(lambda env, vals: fn(*[g(vals) for g in getters]), any_indexed)
        if all(isinstance(o, float) or o in self.scalars for o in operands):
            self.scalars.add(slot)
        return slot

    def lower(self, e: sp.Expr):
        # Inside a Sum, a subtree that reads the index is keyed with the Sum's range: Sums
        # over the same range share it (sin(P_i) in two Sums is computed once), others don't.
        key = (e, self.sum_ctx) if self.sum_ctx is not None and e.has(self.sum_ctx[0]) else e
        if key in self.memo:
            return self.memo[key]
        result = self._lower(e)
        self.memo[key] = result
        return result

    def _lower(self, e: sp.Expr):
        if isinstance(e, Normal):  # SymPy counts Normal(k) as a number: test it first
            k = int(e.args[0])
            return self.emit(lambda env, vals: env.normals[:, k], False)
        if isinstance(e, RandomNormal):  # also "a number" to SymPy when its index is
            return self._randn(e)
        if e.is_number and not e.atoms(Normal, RandomNormal):   # n_x - n_y: not a number
            try:
                value = constant_value(e)
            except (OverflowError, ValueError, TypeError):
                raise self.fail(f"constant {shown(e)} is not a finite number in double "
                                "precision") from None
            if value.imag != 0:
                raise self.fail(f"constant {shown(e)} is not real")
            return float(value.real)
        if isinstance(e, FluxDiv):
            hidden = {str(s) for s in e.args[0].free_symbols} & self.unknowns
            if hidden:
                raise self.fail(f"the coefficient of {e} reads the unknown parameter(s) "
                                f"{', '.join(sorted(hidden))}; the flux form needs a known "
                                "coefficient (set operator.flux_form: false)")
        if isinstance(e, DERIVATIVE_NODES):
            req = self.columns.request_for(e, self.equation)
            return self.emit(lambda env, vals, r=req: env.derivs[r], False)
        if isinstance(e, sp.Symbol):
            return self._symbol(e)
        if isinstance(e, sp.Indexed):
            return self._indexed(e)
        if isinstance(e, sp.Add):
            return self.combine(lambda *a: functools.reduce(operator.add, a),
                                [self.lower(a) for a in e.args])
        if isinstance(e, sp.Mul):
            folded = _fold_extreme_coefficient(e)
            if folded is not None:
                return self.lower(folded)
            return self.combine(lambda *a: functools.reduce(operator.mul, a),
                                [self.lower(a) for a in e.args])
        if isinstance(e, sp.Pow):
            base, expo = e.args
            if expo.is_number:
                return self.combine(_power(float(expo)), [self.lower(base)])
            return self.combine(lambda a, b: a ** b, [self.lower(base), self.lower(expo)])
        if type(e) in _UNARY or e.func in _UNARY:
            return self.combine(_UNARY[e.func], [self.lower(e.args[0])])
        if isinstance(e, (sp.Max, sp.Min)):
            pair = _max2 if isinstance(e, sp.Max) else _min2
            return self.combine(lambda *a: functools.reduce(pair, a), [self.lower(a) for a in e.args])
        if isinstance(e, (sp.besselj, sp.besseli)):
            return self._bessel(e)
        if isinstance(e, sp.polygamma):
            n = e.args[0]
            if not (n.is_Integer and n >= 0):
                raise self.fail(f"polygamma order must be a non-negative integer in {e}")
            return self.combine(lambda a, n=int(n): torch.special.polygamma(n, a),
                                [self.lower(e.args[1])])
        if isinstance(e, sp.atan2):
            return self.combine(_atan2, [self.lower(a) for a in e.args])
        if isinstance(e, sp.Piecewise):
            return self._piecewise(e)
        if isinstance(e, sp.Sum):
            return self._sum(e)
        if isinstance(e, DataField):   # a gridded coefficient field (spec/datafields.py)
            return self.combine(lambda *cols, f=e.func: interpolate(
                f.grid, f.orders, torch.stack(torch.broadcast_tensors(*cols), 1)),
                [self.lower(a) for a in e.args])
        raise self.fail(f"cannot compile '{type(e).__name__}' ({e})")

    def _bessel(self, e):
        order = e.args[0]
        if not (order.is_Integer and 0 <= int(order) <= 16):
            raise self.fail(f"{e}: only integer orders 0..16 are supported")
        fn = _bessel_j if isinstance(e, sp.besselj) else _bessel_i
        return self.combine(lambda a, n=int(order): fn(n, a), [self.lower(e.args[1])])

    def _symbol(self, e: sp.Symbol):
        if e in self.columns.inputs:
            col = self.columns.inputs[e]
            return self.emit(lambda env, vals: env.x[:, col], False)
        if self.sum_ctx is not None and e == self.sum_ctx[0]:
            _, lo, hi = self.sum_ctx
            return self.emit(lambda env, vals: torch.arange(lo, hi + 1, dtype=env.x.dtype,
                                                            device=env.x.device), True)
        if e.name in self.unknowns:
            slot = self.emit(lambda env, vals, n=e.name: env.params[n], False)
            self.scalars.add(slot)
            return slot
        if e.name.startswith("_data_"):
            name = e.name[len("_data_"):]
            return self.emit(lambda env, vals: env.data[name], False)
        raise self.fail(f"unknown symbol '{e}'")

    def _indexed(self, e: sp.Indexed):
        if len(e.indices) != 1:
            raise self.fail("only one index is supported")
        index = e.indices[0]
        if index.is_number:
            col = int(index)
            return self.emit(lambda env, vals: env.x[:, col], False)
        if self.sum_ctx is None:
            raise self.fail(f"'{e}' outside a Sum")
        var, lo, hi = self.sum_ctx
        shift = int(index - var)
        a, b = lo + shift, hi + shift + 1
        dim = self.columns.domain.vector.dim
        if a < 0 or b > dim:
            raise self.fail(f"'{e}' reaches outside components 0..{dim - 1} for the Sum range")
        return self.emit(lambda env, vals: env.x[:, a:b], True)

    def _randn(self, e: RandomNormal):
        """Entries of the fixed normal sequence: a float, or a constant (L,) slice in a Sum."""
        index, seed = e.args[0], int(e.args[1])
        if index.is_number:
            return float(randn_sequence(seed, int(index) + 1)[int(index)])
        if self.sum_ctx is None:
            raise self.fail(f"'{e}' outside a Sum")
        var, lo, hi = self.sum_ctx
        shift = int(index - var)
        a, b = lo + shift, hi + shift + 1
        if a < 0:
            raise self.fail(f"'{e}' reaches a negative index over the Sum range")
        values = torch.tensor(randn_sequence(seed, b)[a:b])
        copies = {}   # one copy per device and dtype, not a host-to-GPU copy per evaluation

        def on(env, vals):
            key = (env.x.device, env.x.dtype)
            if key not in copies:
                copies[key] = values.to(device=env.x.device, dtype=env.x.dtype)
            return copies[key]

        return self.emit(on, True)

    def _sum(self, e: sp.Sum):
        if self.sum_ctx is not None:
            raise self.fail("nested sums are not supported")
        (var, lo, hi), = e.limits
        lo, hi = int(lo), int(hi)
        self.sum_ctx = (var, lo, hi)
        try:
            body = self.lower(e.function)
        finally:
            self.sum_ctx = None
        if isinstance(body, float):
            return body * (hi - lo + 1)
        if self.indexed[body]:
            return self.emit(lambda env, vals: vals[body].sum(-1), False)
        return self.combine(lambda a: a * float(hi - lo + 1), [body])

    def _relation(self, cond):
        if cond is sp.true:
            return None
        if isinstance(cond, (sp.And, sp.Or)):
            join = torch.logical_and if isinstance(cond, sp.And) else torch.logical_or
            parts = [self._relation(c) for c in cond.args]
            return self.combine(lambda *a: functools.reduce(join, a), parts)
        if type(cond) in _RELATIONS:
            fn = _RELATIONS[type(cond)]
            left, right = self.lower(cond.lhs), self.lower(cond.rhs)
            if isinstance(left, float) and isinstance(right, float):
                raise self.fail(f"condition '{cond}' is constant")
            return self.combine(fn, [left, right])
        raise self.fail(f"unsupported condition '{cond}'")

    def _value(self, value: sp.Expr):
        """A piece's value as a tensor slot (torch.where on two floats would give float32)."""
        out = self.lower(value)
        if isinstance(out, float):
            return self.emit(lambda env, vals, c=out: torch.full(
                (env.x.shape[0],), c, dtype=env.x.dtype, device=env.x.device), False)
        return out

    def _piecewise(self, e: sp.Piecewise):
        pieces = list(e.args)
        value, cond = pieces[-1]
        result = self._value(value)
        if cond is not sp.true:
            # No piece applies: SymPy leaves it undefined; NaN makes that visible.
            mask = self._relation(cond)
            result = self.combine(lambda m, v: torch.where(m, v, float("nan")), [mask, result])
        for value, cond in reversed(pieces[:-1]):
            mask = self._relation(cond)
            val = self._value(value)
            result = self.combine(lambda m, v, r: torch.where(m, v, r), [mask, val, result])
        return result


def lower(expr: sp.Expr, columns: Columns, unknowns: set[str], equation: str) -> Program:
    """Compile ``expr`` (known parameters already substituted) to a :class:`Program`."""
    low = _Lowerer(columns, unknowns, equation)
    out = low.lower(expr)
    if isinstance(out, int) and low.indexed[out]:
        raise CompileError("the expression still depends on a Sum index", equation=equation)
    return Program(low.ops, out, expr)


def _fold_extreme_coefficient(e: sp.Mul) -> sp.Expr | None:
    """``c·exp(a)·rest`` with c beyond float64's range, as ``sign(c)·exp(a + ln|c|)·rest``.

    SymPy pulls a number out of an exponential: with eps = 0.001 substituted,
    exp((x - 1)/eps) becomes 5.1e-435·exp(1000.0 x), which float64 evaluates as 0·inf = NaN
    near x = 1. Folding the coefficient back keeps the exponent in range. None when there
    is nothing to fold."""
    coeff, rest = e.as_coeff_Mul()   # coeff: a SymPy number
    if coeff == 0 or abs(float(sp.log(abs(coeff), 10))) < 290:
        return _fold_extreme_exponential(e)
    shift = sp.Float(sp.log(abs(coeff)).evalf(17), 17)
    factors = list(sp.Mul.make_args(rest))
    for k, f in enumerate(factors):
        if isinstance(f, sp.exp):
            with sp.evaluate(False):
                shifted = sp.exp(sp.Add(f.args[0], shift))
                others = factors[:k] + factors[k + 1:]
                return sp.Mul(sp.sign(coeff), shifted, *others)
    return None


def _beyond(c: sp.Expr, size: float) -> bool:
    """|c| > size for a real constant (True where it is beyond double precision)."""
    try:
        return abs(constant_value(c).real) > size
    except (OverflowError, ValueError):
        return True


def _fold_extreme_exponential(e: sp.Mul) -> sp.Expr | None:
    """``exp(c)·exp(a)·rest`` with exp(c) a number beyond float64's range, as
    ``exp(c + a)·rest`` (a user's exp(1000)·exp(-1000 x) is exp(1000 (1 - x))). None when
    there is nothing to fold."""
    factors = list(sp.Mul.make_args(e))
    big = [f for f in factors if isinstance(f, sp.exp) and f.args[0].is_number
           and f.args[0].is_real and _beyond(f.args[0], 700)]
    others = [f for f in factors if isinstance(f, sp.exp) and f not in big]
    if not big or not others:
        return None
    rest = [f for f in factors if not isinstance(f, sp.exp)]
    with sp.evaluate(False):
        return sp.Mul(*rest, sp.exp(sp.Add(*[f.args[0] for f in big + others])))
