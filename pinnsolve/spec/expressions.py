"""Safe parser: expression text → SymPy, without ever evaluating Python.

Problem files are untrusted, and ``eval``, ``sympify`` and ``parse_expr`` all run Python.
Here the text is parsed with ``ast.parse(mode="eval")``, every node is checked against a
whitelist, and SymPy objects are built by hand. Anything else — attribute access, lambdas,
comprehensions, strings, unknown names, keyword arguments, absurd sizes — is a
:class:`~pinnsolve.errors.SpecError` naming the file, the key and the offending token.
"""
from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ..errors import SpecError
from .jumps import jump_in, jump_message
from .trusted import from_sympy, lookup
from .symbols import (DiagonalPartial, DiagonalSum, FluxDiv, Laplacian, Normal, RandomNormal,
                      VectorSymbol, expand_flux)

MAX_TEXT = 4000          # characters in one expression
MAX_NODES = 2000         # AST nodes in one expression
MAX_DEPTH = 60           # bracket / AST nesting
MAX_INT_DIGITS = 30      # integer literals
MAX_POWER = 64           # |exponent| of a numeric exponent
MAX_DIFF_ORDER = 8       # total order of one derivative
MAX_PIECES = 32          # Piecewise branches
# Other tools' spellings of whitelisted functions, named in the error.
_SPELLINGS = {"ln": "log(...)", "arctan": "atan(...)", "arcsin": "asin(...)",
              "arccos": "acos(...)", "arctan2": "atan2(y, x)", "power": "a**b",
              "pow": "a**b", "fabs": "Abs(...)", "heaviside": "Heaviside(...)",
              "lap": "laplacian(...)", "Laplacian": "laplacian(...)",
              "grad2": "laplacian(...)", "d": "diff(u, x)", "D": "diff(u, x)"}
# Product-rule blow-up: SymPy nodes of one derivative's result, and all derivatives of one
# expression together. Most bundled problems need at most ~100 nodes; the manufactured
# forcing of problems/channel_obstacle.yaml (third derivatives of a stream function with an
# exponential bump) needs 756, hence 1000. The worst attack in tests/test_security.py then
# takes ~0.5 s to refuse.
MAX_RESULT = 1500   # nodes of one derivative (two erfc point sources': about 1200)
MAX_DIFF_WORK = 4000   # nodes of all derivatives taken in one expression

_UNARY = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "atan": sp.atan,
    "asin": sp.asin, "acos": sp.acos, "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign,
    "Heaviside": sp.Heaviside, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "sec": sp.sec, "csc": sp.csc,
    "cot": sp.cot,
    # Special functions torch evaluates (torch.special); SymPy differentiates them.
    "erf": sp.erf, "erfc": sp.erfc, "gamma": sp.gamma, "loggamma": sp.loggamma,
    "lgamma": sp.loggamma, "sinc": sp.sinc,
    "j0": lambda a: sp.besselj(0, a), "j1": lambda a: sp.besselj(1, a),
    "i0": lambda a: sp.besseli(0, a), "i1": lambda a: sp.besseli(1, a),
}
MAX_BESSEL_ORDER = 8   # besselj(n, x) / besseli(n, x): 0 <= n <= this
_NARY = {"Max": sp.Max, "Min": sp.Min}
_CONSTANTS = {"pi": sp.pi, "E": sp.E}
_OPERATORS = ("diff", "Derivative", "laplacian", "grad", "div", "curl", "dot", "dn", "Sum",
              "Piecewise", "atan2", "Eq", "randn", "besselj", "besseli")
MAX_VECTOR = 3           # entries of a [a, b, c] vector literal
MAX_RANDN_INDEX = 10_000_000
MAX_RANDN_SEED = 2**32 - 1
# Names a file cannot declare. Euler's number E is not among them: engineers write E for
# Young's modulus, and a declared name is looked up before the constants (``_Name``), so
# in a file that declares E, E is theirs (exp(1) still writes Euler's number).
RESERVED = (frozenset(_UNARY) | frozenset(_NARY) | frozenset(_CONSTANTS) | frozenset(_OPERATORS)
            | {"dim"}) - {"E"}

_NODE_WORDS = {
    ast.Attribute: "attribute access ('.')", ast.Lambda: "lambda", ast.ListComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.Dict: "dict literals", ast.Set: "set literals",
    ast.Starred: "'*' unpacking", ast.IfExp: "'if ... else'",
    ast.NamedExpr: "':=' assignment", ast.JoinedStr: "strings", ast.Await: "await",
    ast.Yield: "yield", ast.Slice: "slices",
}


@dataclass(frozen=True)
class Scope:
    """The names an expression may use.

    Args:
        coords: scalar spatial coordinates in input order.
        time: the time symbol, or None.
        vector: a vector coordinate ``(symbol, indexed_base, dim)``, or None.
        fields: field name → applied function ``u(x, y, t)``.
        params: parameter name → symbol (known and unknown parameters).
        normal: how ``dn(u)`` resolves: None (not allowed), ``("face", coord, sign)``
            or ``("boundary",)`` for the whole boundary of a box.
    """

    coords: tuple[sp.Symbol, ...] = ()
    time: sp.Symbol | None = None
    vector: tuple[VectorSymbol, sp.IndexedBase, int] | None = None
    fields: dict[str, sp.Expr] = field(default_factory=dict)
    params: dict[str, sp.Symbol] = field(default_factory=dict)
    normal: tuple | None = None

    def with_normal(self, normal: tuple | None) -> "Scope":
        return Scope(self.coords, self.time, self.vector, self.fields, self.params, normal)


class _Vec(tuple):
    """A vector of SymPy expressions, only produced by grad() and consumed by div()/dot()."""

    def _check(self, other):
        if not isinstance(other, _Vec) or len(other) != len(self):
            raise TypeError("vector shapes differ")

    def __add__(self, other):
        self._check(other)
        return _Vec(a + b for a, b in zip(self, other))

    def __sub__(self, other):
        self._check(other)
        return _Vec(a - b for a, b in zip(self, other))

    def scale(self, s):
        return _Vec(s * a for a in self)


class _Jacobian(tuple):
    """``grad([u, v])``: one gradient row per component; only ``dot(w, grad([u, v]))``
    (the convective derivative (w·∇)[u, v]) consumes it."""


class _Grad(_Vec):
    """``coef * grad(field)``: what ``div`` keeps whole as a :class:`FluxDiv` in flux mode.
    Scaling keeps the structure; any other vector arithmetic gives a plain :class:`_Vec`."""

    field: sp.Expr
    coef: sp.Expr

    @staticmethod
    def of(components, field, coef) -> "_Grad":
        g = _Grad(components)
        g.field, g.coef = field, coef
        return g

    def scale(self, s):
        return _Grad.of((s * a for a in self), self.field, s * self.coef)


class _Parser:
    def __init__(self, text: str, scope: Scope, file: str | None, key: str | None,
                 flux: bool = False):
        self.text = text
        self.flux = flux   # keep div(c*grad(u)) whole as a FluxDiv node
        self.scope = scope
        self.file = file
        self.key = key
        self.index_vars: dict[str, sp.Symbol] = {}
        self.in_condition = 0
        self.diff_work = 0   # SymPy nodes produced by differentiation so far

    # -- errors ---------------------------------------------------------------------------
    def fail(self, message: str, node: ast.AST | None = None) -> SpecError:
        token = ""
        if node is not None and hasattr(node, "col_offset"):
            seg = ast.get_source_segment(self.text, node) or ""
            if seg:
                token = f" (at '{seg[:60]}')"
        return SpecError(f"in expression '{_clip(self.text)}': {message}{token}",
                         file=self.file, key=self.key)

    # -- entry ----------------------------------------------------------------------------
    def parse(self) -> sp.Expr | _Vec:
        # Line breaks (YAML block scalars) never carry meaning in an expression.
        self.text = text = " ".join(self.text.split())
        if len(text) > MAX_TEXT:
            raise self.fail(f"expression is {len(text)} characters long; the limit is {MAX_TEXT}")
        depth = 0
        for ch in text:
            depth += ch in "([{"
            depth -= ch in ")]}"
            if depth > MAX_DEPTH:
                raise self.fail(f"brackets nest deeper than {MAX_DEPTH} levels")
        try:
            with warnings.catch_warnings():
                # "invalid decimal literal" and the like would reach the user's terminal as
                # a stray compiler warning; errors are reported below instead.
                warnings.simplefilter("ignore", SyntaxWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise self.fail(f"not a valid expression ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise self.fail(f"cannot be parsed ({type(exc).__name__})") from None
        count = 0
        for _ in ast.walk(tree):
            count += 1
            if count > MAX_NODES:
                raise self.fail(f"expression has more than {MAX_NODES} parts")
        try:
            return self.build(tree.body, 0)
        except RecursionError:
            raise self.fail("expression nests too deeply") from None

    # -- tree walk ------------------------------------------------------------------------
    def build(self, node: ast.AST, depth: int):
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nests deeper than {MAX_DEPTH} levels", node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            value = method(node, depth + 1)
            self._check_value(value, node)
            return value
        if method is None:
            word = _NODE_WORDS.get(type(node), f"'{type(node).__name__}' syntax")
            verb = "are" if word.split(" (")[0].endswith("s") else "is"
            raise self.fail(f"{word} {verb} not allowed", node)
        return method(node, depth + 1)  # pragma: no cover

    def _check_value(self, value, node) -> None:
        """Refuse numbers that are huge, infinite or undefined (1/0, 9**64 * 9**64 * ...)."""
        if not isinstance(value, sp.Basic):
            return
        if isinstance(value, sp.Rational) and (abs(value.p) > 10 ** 300 or value.q > 10 ** 300):
            raise self.fail("number too large (more than 1e300)", node)
        if isinstance(value, sp.Float) and not math.isfinite(float(value)):
            raise self.fail("number overflows to infinity", node)
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise self.fail("division by zero or an infinite value", node)
        derivs = value.atoms(sp.Derivative) if value.has(sp.Derivative) else ()
        for d in derivs:
            if sum(int(k) for _, k in d.variable_count) > MAX_DIFF_ORDER:
                raise self.fail(f"total derivative order above {MAX_DIFF_ORDER}", node)

    def scalar(self, node: ast.AST, depth: int) -> sp.Expr:
        return self.as_scalar(self.build(node, depth), node)

    def as_scalar(self, value, node: ast.AST) -> sp.Expr:
        if isinstance(value, _Jacobian):
            raise self.fail("grad([u, v]) is a matrix; use it as dot(w, grad([u, v]))", node)
        if isinstance(value, _Vec):
            raise self.fail("grad(...) gives a vector here (as does [a, b]); use it inside "
                            "div(...), dot(...), curl(...) or as a whole vector equation", node)
        if isinstance(value, sp.logic.boolalg.Boolean) and not isinstance(value, sp.Expr):
            raise self.fail("a comparison can only be a Piecewise condition", node)
        return value

    def _Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool):
            if self.in_condition and value:
                return sp.true
            raise self.fail("True/False can only end a Piecewise as its last condition", node)
        if isinstance(value, int):
            if abs(value) >= 10 ** MAX_INT_DIGITS:
                raise self.fail(f"integer literal longer than {MAX_INT_DIGITS} digits", node)
            return sp.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.fail("number overflows to infinity", node)
            return sp.Float(value)
        if isinstance(value, str):
            raise self.fail("strings are not allowed", node)
        raise self.fail(f"literal of type {type(value).__name__} is not allowed", node)

    def _Name(self, node, depth):
        name = node.id
        s = self.scope
        if name in self.index_vars:
            return self.index_vars[name]
        for c in s.coords:
            if c.name == name:
                return c
        if s.time is not None and s.time.name == name:
            return s.time
        if s.vector is not None and s.vector[0].name == name:
            raise self.fail(f"'{name}' is a vector coordinate; use its components {name}[i] "
                            f"inside Sum(..., (i, 0, dim - 1)) or laplacian(u)", node)
        if name in s.fields:
            return s.fields[name]
        if name in s.params:
            return s.params[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name == "dim" and s.vector is not None:
            return sp.Integer(s.vector[2])
        normal = self._normal_component(name, node)
        if normal is not None:
            return normal
        if name in _UNARY or name in _NARY or name in _OPERATORS:
            raise self.fail(f"'{name}' is a function; call it as {name}(...)", node)
        raise self.fail(f"unknown name '{name}'{self._subscript_hint(name)}"
                        f"{self._normal_hint(name)}; expected one of: "
                        f"{', '.join(self.known_names())}", node)

    def _normal_component(self, name: str, node) -> sp.Expr | None:
        """``n_x``: the outward unit normal's component along coordinate x (a traction
        σ·n = t on a curved edge), in boundary conditions as ``dn`` is; None when ``name``
        is not ``n_`` and a spatial coordinate's name."""
        coords = [c.name for c in self.scope.coords]
        if not name.startswith("n_") or name[2:] not in coords:
            return None
        if self.scope.normal is None:
            raise self.fail(f"'{name}' (a component of the outward normal) is only allowed in "
                            "a boundary condition's equation, neumann or robin data, as "
                            "dn(...) is (not in dirichlet values, which are extended inside "
                            "the domain, nor in define)", node)
        return self._normal(node)[coords.index(name[2:])]

    def _normal(self, node) -> list[sp.Expr]:
        """The outward unit normal, one component per spatial coordinate: ±1 and zeros on a
        box's face, Normal(k) (filled in at the points) on a whole boundary."""
        normal = self.scope.normal
        coords = self._spatial(node)
        if normal[0] == "face":
            _, coord, sign = normal
            return [sp.Integer(sign if c == coord else 0) for c in coords]
        return [Normal(k) for k in range(len(coords))]

    def _normal_hint(self, name: str) -> str:
        """``nx``, ``ny``: the outward normal's components, as some books write them."""
        coords = [c.name for c in self.scope.coords]
        if len(name) > 1 and name[0] == "n" and name[1:].lstrip("_") in coords:
            return f" (for the outward normal's component write n_{name[1:].lstrip('_')})"
        return ""

    def _subscript_hint(self, name: str) -> str:
        """``u_xx``, ``u_xt``: a field with derivative subscripts, as in books."""
        field, _, marks = name.partition("_")
        coords = [c.name for c in self.scope.coords] + \
            ([self.scope.time.name] if self.scope.time is not None else [])
        if field not in self.scope.fields or not marks or not all(m in coords for m in marks):
            return ""
        counts = [(c, marks.count(c)) for c in dict.fromkeys(marks)]
        spec = ", ".join(f"{c}, {n}" if n > 1 else c for c, n in counts)
        return f" (for a derivative write diff({field}, {spec}))"

    def known_names(self) -> list[str]:
        s = self.scope
        names = [c.name for c in s.coords]
        names += [s.time.name] if s.time is not None else []
        names += [s.vector[0].name + "[i]"] if s.vector is not None else []
        names += list(s.fields) + list(s.params) + list(_CONSTANTS)
        return names

    def _UnaryOp(self, node, depth):
        if isinstance(node.op, ast.USub):
            value = self.build(node.operand, depth)
            if isinstance(value, _Jacobian):
                self.as_scalar(value, node)
            return value.scale(-1) if isinstance(value, _Vec) else -value
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand, depth)
        raise self.fail(f"operator '{type(node.op).__name__}' is not allowed", node)

    def _BinOp(self, node, depth):
        op = node.op
        if isinstance(op, ast.BitXor):
            raise self.fail("'^' is not a power; write a**b", node)
        if isinstance(op, ast.Pow):
            return self._power(node, depth)
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        for side, part in ((left, node.left), (right, node.right)):
            if isinstance(side, _Jacobian):
                self.as_scalar(side, part)   # raises: a matrix only goes into dot()
        try:
            if isinstance(op, ast.Add):
                return left + right
            if isinstance(op, ast.Sub):
                return left - right
            if isinstance(op, ast.Mult):
                if isinstance(left, _Vec) and isinstance(right, _Vec):
                    raise self.fail("vector * vector is ambiguous; use dot(a, b)", node)
                if isinstance(left, _Vec):
                    return left.scale(right)
                if isinstance(right, _Vec):
                    return right.scale(left)
                return left * right
            if isinstance(op, ast.Div):
                if isinstance(right, _Vec):
                    raise self.fail("cannot divide by a vector", node)
                if isinstance(left, _Vec):
                    return left.scale(1 / right)
                return left / right
        except TypeError:
            raise self.fail("cannot combine a vector and a scalar with '+' or '-'", node) from None
        raise self.fail(f"operator '{type(op).__name__}' is not allowed", node)

    def _power(self, node, depth):
        base = self.scalar(node.left, depth)
        expo = self.scalar(node.right, depth)
        if expo.is_number:
            if not expo.is_real or abs(float(expo)) > MAX_POWER:
                raise self.fail(f"exponent must be a real number of magnitude at most {MAX_POWER}",
                                node)
            if base.is_number and base != 0:
                # a normal's n_x is known only at the points; |n_x| <= 1 bounds it
                bound = base.replace(lambda e: isinstance(e, Normal), lambda e: sp.Integer(1))
                try:
                    size = float(expo) * math.log10(max(abs(complex(bound)), 1e-300))
                except TypeError:   # another number known only at the points
                    size = 0.0
                if size > 300:
                    raise self.fail("number overflows (more than 1e300)", node)
        return base ** expo

    def _Compare(self, node, depth):
        if not self.in_condition:
            raise self.fail("comparisons are only allowed as Piecewise conditions", node)
        if len(node.ops) != 1:
            raise self.fail("chained comparisons are not allowed; use And", node)
        ops = {ast.Lt: sp.Lt, ast.Gt: sp.Gt, ast.LtE: sp.Le, ast.GtE: sp.Ge}
        kind = ops.get(type(node.ops[0]))
        if kind is None:
            raise self.fail("only <, >, <=, >= are allowed in conditions", node)
        try:
            return kind(self.scalar(node.left, depth), self.scalar(node.comparators[0], depth))
        except TypeError as exc:
            raise self.fail(f"invalid comparison ({exc})", node) from None

    def _BoolOp(self, node, depth):
        if not self.in_condition:
            raise self.fail("'and'/'or' are only allowed in Piecewise conditions", node)
        parts = [self.build(v, depth) for v in node.values]
        return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)

    def _Subscript(self, node, depth):
        target = node.value
        s = self.scope
        if not (isinstance(target, ast.Name) and s.vector is not None
                and target.id == s.vector[0].name):
            raise self.fail("indexing is only allowed on a vector coordinate", node)
        index = self.scalar(node.slice, depth)
        free = index.free_symbols
        if not free <= set(self.index_vars.values()):
            raise self.fail("an index must be a Sum index plus or minus an integer", node)
        if not free:
            if not (index.is_integer and 0 <= int(index) < s.vector[2]):
                raise self.fail(f"index must be an integer in [0, {s.vector[2] - 1}]", node)
        elif len(free) != 1 or not all((index - v).is_number and (index - v).is_integer for v in free):
            raise self.fail("an index must be a Sum index plus or minus an integer", node)
        return s.vector[1][index]

    def _List(self, node, depth):
        if not 1 <= len(node.elts) <= MAX_VECTOR:
            raise self.fail(f"a vector [a, b, ...] has 1 to {MAX_VECTOR} components", node)
        return _Vec(self.scalar(e, depth) for e in node.elts)

    def _Tuple(self, node, depth):
        raise self.fail("tuples are only allowed as Sum limits, Piecewise pieces or "
                        "derivative orders", node)

    # -- calls ----------------------------------------------------------------------------
    def _Call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            raise self.fail("only plain function names can be called", node)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("'*' unpacking is not allowed", node)
        name = node.func.id
        args = node.args
        if name in self.scope.fields:
            return self._field_call(name, node, depth)
        if name in _UNARY:
            if len(args) != 1:
                raise self.fail(f"{name}() takes exactly one argument", node)
            return _UNARY[name](self.scalar(args[0], depth))
        if name in _NARY:
            if len(args) < 2:
                raise self.fail(f"{name}() takes at least two arguments", node)
            return _NARY[name](*[self.scalar(a, depth) for a in args])
        handler: Callable | None = getattr(self, "_call_" + name, None)
        if name in _OPERATORS and handler is not None:
            return handler(node, args, depth)
        if name in _SPELLINGS:
            raise self.fail(f"unknown function '{name}'; write {_SPELLINGS[name]}", node)
        raise self.fail(f"unknown function '{name}'; allowed: "
                        f"{', '.join(sorted(set(_UNARY) | set(_NARY) | set(_OPERATORS)))}", node)

    def _field_call(self, name, node, depth):
        fld = self.scope.fields[name]
        got = [self.build(a, depth) if not self._is_vector_name(a) else self.scope.vector[0]
               for a in node.args]
        if tuple(got) != tuple(fld.args):
            raise self.fail(f"field {name} can only be written {fld} (its own coordinates); "
                            f"evaluate it elsewhere with a condition's 'where'", node)
        return fld

    def _is_vector_name(self, a) -> bool:
        return (isinstance(a, ast.Name) and self.scope.vector is not None
                and a.id == self.scope.vector[0].name)

    def _call_atan2(self, node, args, depth):
        if len(args) != 2:
            raise self.fail("atan2() takes two arguments", node)
        return sp.atan2(self.scalar(args[0], depth), self.scalar(args[1], depth))

    def _call_randn(self, node, args, depth):
        if len(args) not in (1, 2):
            raise self.fail("randn() takes an index and an optional seed: randn(i) or "
                            "randn(i, 7)", node)
        index = self.scalar(args[0], depth)
        free = index.free_symbols
        if free:
            shift = index - next(iter(free))
            if len(free) != 1 or not free <= set(self.index_vars.values()) or \
                    not (shift.is_number and shift.is_integer):
                raise self.fail("randn() index must be a Sum index plus or minus an integer",
                                node)
        elif not (index.is_integer and 0 <= int(index) <= MAX_RANDN_INDEX):
            raise self.fail(f"randn() index must be an integer from 0 to {MAX_RANDN_INDEX}", node)
        seed = self.scalar(args[1], depth) if len(args) == 2 else sp.Integer(0)
        if not (seed.is_Integer and 0 <= int(seed) <= MAX_RANDN_SEED):
            raise self.fail(f"randn() seed must be an integer from 0 to {MAX_RANDN_SEED}", node)
        return RandomNormal(index, seed)

    def _bessel(self, node, args, depth, fn):
        if len(args) != 2:
            raise self.fail(f"{fn.__name__}() takes an order and an argument: "
                            f"{fn.__name__}(0, x)", node)
        order = self.scalar(args[0], depth)
        if not (order.is_Integer and 0 <= int(order) <= MAX_BESSEL_ORDER):
            raise self.fail(f"{fn.__name__}() order must be an integer from 0 to "
                            f"{MAX_BESSEL_ORDER}", node)
        return fn(order, self.scalar(args[1], depth))

    def _call_besselj(self, node, args, depth):
        return self._bessel(node, args, depth, sp.besselj)

    def _call_besseli(self, node, args, depth):
        return self._bessel(node, args, depth, sp.besseli)

    def _call_Eq(self, node, args, depth):
        raise self.fail("Eq(...) is only allowed as a whole equation", node)

    def _variable(self, node, depth) -> sp.Symbol:
        if self._is_vector_name(node):
            raise self.fail("cannot differentiate by a whole vector coordinate; use laplacian(u)",
                            node)
        var = self.build(node, depth)
        allowed = list(self.scope.coords) + ([self.scope.time] if self.scope.time else [])
        if var not in allowed:
            raise self.fail(f"can only differentiate with respect to {', '.join(map(str, allowed))}",
                            node)
        return var

    def _order(self, node, depth) -> int:
        value = self.build(node, depth)
        if not (isinstance(value, sp.Integer) and 1 <= int(value) <= MAX_DIFF_ORDER):
            raise self.fail(f"derivative order must be an integer from 1 to {MAX_DIFF_ORDER}", node)
        return int(value)

    def _component_derivative(self, node, args, depth):
        """``diff(u, x[i], k)`` with i a Sum index: a DiagonalPartial marker, or None when
        the variable is not a vector component."""
        if len(args) < 2 or not (isinstance(args[1], ast.Subscript) and
                                 self._is_vector_name(args[1].value)):
            return None
        expr = self.scalar(args[0], depth)
        index = self.scalar(args[1].slice, depth)
        if expr not in self.scope.fields.values() or len(args) > 3 or \
                index not in self.index_vars.values():
            raise self.fail("a derivative by a vector component is written "
                            "Sum(diff(u, x[i], k), (i, first, last)) with u a field", node)
        order = self._order(args[2], depth) if len(args) == 3 else 1
        return DiagonalPartial(expr, index, order)

    def _call_diff(self, node, args, depth):
        if len(args) < 2:
            raise self.fail("diff() needs an expression and at least one variable", node)
        marker = self._component_derivative(node, args, depth)
        if marker is not None:
            return marker
        expr = self.scalar(args[0], depth)
        spec: list[tuple[sp.Symbol, int]] = []
        rest = list(args[1:])
        while rest:
            item = rest.pop(0)
            if isinstance(item, ast.Tuple):
                if len(item.elts) != 2:
                    raise self.fail("a derivative tuple is (variable, order)", item)
                spec.append((self._variable(item.elts[0], depth), self._order(item.elts[1], depth)))
                continue
            var = self._variable(item, depth)
            order = 1
            if rest and isinstance(rest[0], ast.Constant):
                order = self._order(rest.pop(0), depth)
            spec.append((var, order))
        if sum(o for _, o in spec) > MAX_DIFF_ORDER:
            raise self.fail(f"total derivative order above {MAX_DIFF_ORDER}", node)
        return self._differentiate(self._expand_operators(expr, node), spec, node)

    _call_Derivative = _call_diff

    def _differentiate(self, expr, spec, node):
        """``diff(expr, *spec)`` one order at a time, refusing results above MAX_RESULT
        nodes (MAX_DIFF_WORK over the expression): the product rule turns n factors differentiated k times into C(n+k-1, k)
        terms, which would otherwise hang the loader on a line of text."""
        for var, order in spec:
            for _ in range(order):
                jump = jump_in(expr, var)
                if jump is not None:
                    raise self.fail(jump_message(jump, var), node)
                expr = sp.diff(expr, var)
                size = tree_size(expr, MAX_RESULT)
                self.diff_work += size
                if size > MAX_RESULT or self.diff_work > MAX_DIFF_WORK:
                    raise self.fail(f"the derivative grows past {MAX_RESULT} parts (too "
                                    "large); simplify the expression, write the derivative "
                                    "out by hand, or introduce an auxiliary field", node)
        return expr

    def _expand_operators(self, expr, node):
        """Write Laplacian nodes as sums of second derivatives before differentiating them."""
        if expr.has(Normal):
            raise self.fail("dn(...) cannot be differentiated further", node)
        expr = expand_flux(expr)
        if not expr.has(Laplacian):
            return expr
        if self.scope.vector is not None:
            raise self.fail("cannot differentiate laplacian(u) over a vector coordinate", node)
        return expr.replace(lambda e: isinstance(e, Laplacian), lambda e: e.doit())

    def _spatial(self, node) -> tuple[sp.Symbol, ...]:
        if not self.scope.coords:
            raise self.fail("this operator needs scalar spatial coordinates", node)
        return self.scope.coords

    def _call_laplacian(self, node, args, depth):
        if len(args) != 1:
            raise self.fail("laplacian() takes one argument", node)
        value = self.build(args[0], depth)
        if isinstance(value, _Vec) and not isinstance(value, _Grad):
            # the vector Laplacian, component by component
            return _Vec(self._laplacian(node, v) for v in value)
        return self._laplacian(node, self.as_scalar(value, args[0]))

    def _laplacian(self, node, expr):
        if expr in self.scope.fields.values():
            if self.scope.vector is not None:
                return Laplacian(expr, self.scope.vector[0])
            return Laplacian(expr, *self._spatial(node))
        if self.scope.vector is not None:
            if isinstance(expr, Laplacian) and expr.args[0] in self.scope.fields.values():
                return Laplacian(expr, self.scope.vector[0])   # the bilaplacian Δ²u
            raise self.fail("over a vector coordinate, laplacian() applies to a field (or to "
                            "laplacian(field)) only", node)
        expr = self._expand_operators(expr, node)
        return sp.Add(*[self._differentiate(expr, [(c, 2)], node) for c in self._spatial(node)])

    def _call_grad(self, node, args, depth):
        if len(args) != 1:
            raise self.fail("grad() takes one argument", node)
        if self.scope.vector is not None:
            raise self.fail("grad() over a vector coordinate is not supported", node)
        value = self.build(args[0], depth)
        if isinstance(value, _Vec):
            return _Jacobian(self._gradient(node, v) for v in value)
        expr = self._expand_operators(self.as_scalar(value, args[0]), node)
        parts = self._gradient(node, expr)
        if self.flux and expr in self.scope.fields.values():
            return _Grad.of(parts, expr, sp.Integer(1))
        return _Vec(parts)

    def _gradient(self, node, expr) -> list:
        expr = self._expand_operators(expr, node)
        return [self._differentiate(expr, [(c, 1)], node) for c in self._spatial(node)]

    def _vector_arg(self, node, arg, depth) -> _Vec:
        value = self.build(arg, depth)
        if not isinstance(value, _Vec):
            raise self.fail("expected a vector such as grad(u)", node)
        return value

    def _call_div(self, node, args, depth):
        if len(args) != 1:
            raise self.fail("div() takes one argument", node)
        vec = self._vector_arg(node, args[0], depth)
        coords = self._spatial(node)
        if len(vec) != len(coords):
            raise self.fail(f"div() of a {len(vec)}-component vector in {len(coords)} "
                            "dimensions", node)
        if isinstance(vec, _Grad):
            return FluxDiv(vec.coef, vec.field, *coords)
        return sp.Add(*[self._differentiate(self._expand_operators(v, node), [(c, 1)], node)
                        for v, c in zip(vec, coords)])

    def _call_curl(self, node, args, depth):
        if len(args) != 1:
            raise self.fail("curl() takes one argument", node)
        vec = self._vector_arg(node, args[0], depth)
        coords = self._spatial(node)
        if len(vec) != len(coords) or len(coords) not in (2, 3):
            raise self.fail("curl() takes a 2-component vector in 2-D (giving the scalar "
                            "∂v/∂x - ∂u/∂y) or a 3-component vector in 3-D", node)
        d = lambda k, j: self._differentiate(self._expand_operators(vec[k], node),  # noqa: E731
                                             [(coords[j], 1)], node)
        if len(coords) == 2:
            return d(1, 0) - d(0, 1)
        return _Vec((d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)))

    def _call_dot(self, node, args, depth):
        if len(args) != 2:
            raise self.fail("dot() takes two arguments", node)
        a = self._vector_arg(node, args[0], depth)
        b = self.build(args[1], depth)
        if isinstance(b, _Jacobian):   # dot(w, grad([u, v])): (w·∇) of each component
            if any(len(row) != len(a) for row in b):
                raise self.fail("dot(): the vectors have different lengths", node)
            return _Vec(sp.Add(*[x * y for x, y in zip(a, row)]) for row in b)
        if not isinstance(b, _Vec):
            raise self.fail("expected a vector such as grad(u)", node)
        if len(a) != len(b):
            raise self.fail("dot(): the vectors have different lengths", node)
        return sp.Add(*[x * y for x, y in zip(a, b)])

    def _call_dn(self, node, args, depth):
        if len(args) != 1:
            raise self.fail("dn() takes one argument", node)
        if self.scope.normal is None:
            raise self.fail("dn(...) (outward normal derivative) is only allowed in a boundary "
                            "condition on a face or on the whole boundary of a box", node)
        expr = self._expand_operators(self.scalar(args[0], depth), node)
        return sp.Add(*[n * self._differentiate(expr, [(c, 1)], node)
                        for n, c in zip(self._normal(node), self._spatial(node)) if n != 0])

    def _call_Sum(self, node, args, depth):
        if self.scope.vector is None:
            raise self.fail("Sum() needs a vector coordinate (declare x: {dim: ...})", node)
        if len(args) != 2 or not isinstance(args[1], ast.Tuple) or len(args[1].elts) != 3:
            raise self.fail("write Sum(expression, (i, first, last))", node)
        var_node, lo_node, hi_node = args[1].elts
        if not isinstance(var_node, ast.Name):
            raise self.fail("the Sum index must be a plain name", node)
        name = var_node.id
        if name in self.index_vars or name in RESERVED or name in self.known_names():
            raise self.fail(f"Sum index '{name}' clashes with another name", node)
        if self.index_vars:
            raise self.fail("nested Sums are not supported", node)
        lo, hi = (self.scalar(n, depth) for n in (lo_node, hi_node))
        dim = self.scope.vector[2]
        if not (lo.is_integer and hi.is_integer and 0 <= int(lo) <= int(hi) < dim):
            raise self.fail(f"Sum limits must be integers with 0 <= first <= last <= {dim - 1}",
                            node)
        index = sp.Symbol(name, integer=True)
        self.index_vars[name] = index
        try:
            body = self.scalar(args[0], depth)
        finally:
            del self.index_vars[name]
        if body.has(DiagonalPartial):
            if not isinstance(body, DiagonalPartial) or body.args[1] != index:
                raise self.fail("inside a Sum, diff(u, x[i], k) must be the whole body: "
                                "Sum(diff(u, x[i], k), (i, first, last))", node)
            return DiagonalSum(body.args[0], body.args[2], lo, hi)
        if body.has(Laplacian) or body.has(sp.Derivative):
            raise self.fail("derivatives inside Sum are not supported", node)
        for item in body.atoms(sp.Indexed):
            if index not in item.indices[0].free_symbols:
                continue  # constant components were range-checked where they were written
            shift = item.indices[0] - index
            if shift.free_symbols or not (0 <= int(lo) + int(shift) and int(hi) + int(shift) < dim):
                raise self.fail(f"the index of '{item}' reaches outside components "
                                f"0..{dim - 1} over the Sum range", node)
        return sp.Sum(body, (index, lo, hi))

    def _call_Piecewise(self, node, args, depth):
        if not args or len(args) > MAX_PIECES:
            raise self.fail(f"Piecewise takes 1 to {MAX_PIECES} (value, condition) pairs", node)
        pieces = []
        for arg in args:
            if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
                raise self.fail("each Piecewise piece is a pair (value, condition)", arg)
            value = self.scalar(arg.elts[0], depth)
            self.in_condition += 1
            try:
                cond = self.build(arg.elts[1], depth)
            finally:
                self.in_condition -= 1
            if not isinstance(cond, sp.logic.boolalg.Boolean) or isinstance(cond, sp.Expr):
                raise self.fail("a Piecewise condition must be a comparison such as x < 0 "
                                "(or True last)", arg)
            pieces.append((value, cond))
        return sp.Piecewise(*pieces)


def constant_value(expr: sp.Expr) -> complex:
    """The value of a constant expression in double precision, from the leaves up, each
    distinct subexpression once.

    SymPy's own evaluation walks the tree, not the graph (a chain of 45 constant
    definitions, each read twice by the next, took minutes), and works in arbitrary
    precision, where a tower exp(exp(exp(exp(20)))) never finishes. Here each node is
    evaluated to 17 digits from its arguments' values (SymPy floats: 5e-435 inside a sign
    does not underflow on the way), and one beyond double precision stops the walk. Raises
    OverflowError (not finite in double precision) or ValueError (not a number)."""
    memo: dict = {}

    def value(e) -> sp.Expr:
        got = memo.get(e)
        if got is not None:
            return got
        if not e.args or isinstance(e, sp.Piecewise) or \
                not all(isinstance(a, sp.Expr) and a.is_number for a in e.args):
            v = sp.N(e, 17)   # a leaf (an integer, pi), or a node read whole
        else:
            v = sp.N(e.func(*[value(a) for a in e.args]), 17)
        if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not v.is_number:
            raise ValueError(f"{shown(e)} is not a number")
        if sp.Abs(v) > LARGEST:
            raise OverflowError(f"{shown(e)} is not finite in double precision")
        memo[e] = v
        return v

    try:
        return complex(value(expr))
    except (TypeError, AttributeError) as err:
        raise ValueError(f"{shown(expr)} is not a number") from err


def value_at(expr: sp.Expr, point: dict) -> complex:
    """``expr`` at ``point`` (symbol → number) by :func:`constant_value`: substituted
    without SymPy's evaluation, which would carry an exponential tower through in arbitrary
    precision on its way."""
    with sp.evaluate(False):
        at = expr.xreplace({k: sp.Float(v, 17) if isinstance(v, float) else v
                            for k, v in point.items()})
    return constant_value(at)


LARGEST = sp.Float(1.7e308)   # beyond it a constant is not a double
ZERO_PARTS = 400   # differences tested by expansion up to this size (larger: not proven)


def provably_zero(d: sp.Expr) -> bool:
    """Whether ``d`` expands to zero, tried only where that is cheap (at most ZERO_PARTS
    parts, integer powers up to 8): False means not proven, never "nonzero". SymPy's
    simplify, used before for this, ran for minutes on a user's coefficient."""
    if d == 0:
        return True
    if tree_size(d, ZERO_PARTS) > ZERO_PARTS or any(
            p.exp.is_Integer and abs(int(p.exp)) > 8 for p in d.atoms(sp.Pow)):
        return False
    return sp.expand(d) == 0


def shown(expr: sp.Expr, limit: int = 200) -> str:
    """``expr`` quoted for a message, or its size where printing it would be long."""
    if tree_size(expr, limit) > limit:
        return f"a constant expression of more than {limit} parts"
    return f"'{expr}'"


def tree_size(expr, limit: int) -> int:
    """Nodes of a SymPy tree, counting stops once past ``limit``."""
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > limit:
            break
    return count


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _as_text(value, file, key) -> str:
    if isinstance(value, bool) or value is None:
        raise SpecError(f"expected an expression, got {value!r}", file=file, key=key)
    if isinstance(value, int) and abs(value) >= 10 ** MAX_INT_DIGITS:
        raise SpecError(f"integer with more than {MAX_INT_DIGITS} digits", file=file, key=key)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, sp.Basic):
        # SymPy objects from Python take the same whitelist path as text, so a Python-built
        # problem is validated exactly like a file.
        if isinstance(value, sp.Equality):
            return f"({sp.sstr(value.lhs)}) - ({sp.sstr(value.rhs)})"
        return sp.sstr(value)
    raise SpecError(f"expected an expression (text or SymPy), got {type(value).__name__}",
                    file=file, key=key)


def parse_expression(value, scope: Scope, *, file: str | None = None,
                     key: str | None = None, flux: bool = False) -> sp.Expr:
    """Parse one scalar expression.

    Args:
        value: text, a number or a SymPy expression.
        scope: the names it may use.
        file, key: where it came from, for error messages.
        flux: keep each ``div(c*grad(u))`` (u a field) whole as a :class:`FluxDiv` node,
            for engines that differentiate it in flux form; otherwise it is expanded by the
            product rule.
    Returns:
        The SymPy expression.
    Raises:
        SpecError: on any disallowed construct, naming file, key and token.
    """
    trusted = lookup(value) if not isinstance(value, sp.Basic) else value
    if trusted is not None:
        return from_sympy(trusted, scope, file=file, key=key)
    text = _as_text(value, file, key)
    parser = _Parser(text, scope, file, key, flux)
    result = parser.parse()
    if isinstance(result, _Vec):
        raise parser.fail("the expression is a vector; expected a scalar")
    if not isinstance(result, sp.Expr):
        raise parser.fail("expected a scalar expression, not a condition")
    return result


def split_equation(text: str) -> tuple[str, str | None]:
    """Split ``lhs = rhs`` at its single '=' (not part of ==, <=, >=, !=)."""
    cuts = [i for i, ch in enumerate(text) if ch == "="
            and (i == 0 or text[i - 1] not in "=<>!") and (i + 1 == len(text) or text[i + 1] != "=")]
    if len(cuts) > 1:
        raise ValueError("more than one '='")
    if not cuts:
        return text, None
    return text[: cuts[0]], text[cuts[0] + 1:]


def parse_equation(value, scope: Scope, *, file: str | None = None,
                   key: str | None = None, flux: bool = False) -> sp.Expr:
    """Parse ``lhs = rhs`` (or an expression meaning ``expr = 0``) into ``lhs - rhs``
    (``flux``: as in :func:`parse_expression`)."""
    parts = parse_equation_parts(value, scope, file=file, key=key, flux=flux)
    if len(parts) != 1:
        raise SpecError(f"in equation '{_clip(_as_text(value, file, key))}': the equation is a "
                        f"vector of {len(parts)} components; expected a scalar equation here",
                        file=file, key=key)
    return parts[0]


def parse_equation_parts(value, scope: Scope, *, file: str | None = None,
                         key: str | None = None, flux: bool = False) -> list[sp.Expr]:
    """Parse an equation whose sides may be vectors (``[a, b] = 0``,
    ``dot([u, v], grad([u, v])) + grad(p) = laplacian([u, v])/Re``): one ``lhs - rhs``
    per component (a single item for a scalar equation). A scalar 0 on one side matches
    a vector on the other."""
    if isinstance(value, sp.Basic) or lookup(value) is not None:
        return [parse_expression(value, scope, file=file, key=key, flux=flux)]
    text = _as_text(value, file, key)
    if "==" in text:
        raise SpecError(f"in equation '{_clip(text)}': write a single '=' between the two sides",
                        file=file, key=key)
    stripped = text.strip()
    if stripped.startswith("Eq(") and stripped.endswith(")"):
        try:
            inner = ast.parse(stripped, mode="eval").body if len(stripped) < MAX_TEXT else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            inner = None  # the full parse below reports the problem
        if isinstance(inner, ast.Call) and len(inner.args) == 2 and not inner.keywords:
            lhs = ast.get_source_segment(stripped, inner.args[0])
            rhs = ast.get_source_segment(stripped, inner.args[1])
            text = f"{lhs} = {rhs}"
    try:
        lhs, rhs = split_equation(text)
    except ValueError:
        raise SpecError(f"in equation '{_clip(text)}': more than one '='; write lhs = rhs",
                        file=file, key=key) from None
    left = _side(lhs, scope, file, key, flux)
    right = _side(rhs, scope, file, key, flux) if rhs is not None else sp.Integer(0)
    if isinstance(left, _Vec) or isinstance(right, _Vec):
        n = len(left) if isinstance(left, _Vec) else len(right)
        left, right = (side if isinstance(side, _Vec) else
                       _Vec([side] * n) if side == 0 else None for side in (left, right))
        if left is None or right is None or len(left) != len(right):
            raise SpecError(f"in equation '{_clip(text)}': one side is a vector, the other is "
                            "not a vector of the same length (or 0)", file=file, key=key)
        return [a - b for a, b in zip(left, right)]
    return [left - right]


def _side(text: str, scope: Scope, file, key, flux):
    """One side of an equation: a scalar expression or a vector of them."""
    parser = _Parser(text, scope, file, key, flux)
    result = parser.parse()
    if isinstance(result, _Jacobian):
        raise parser.fail("grad([u, v]) is a matrix; use it as dot(w, grad([u, v]))")
    if isinstance(result, _Vec):
        return _Vec(parser.as_scalar(v, None) for v in result)
    if not isinstance(result, sp.Expr):
        raise parser.fail("expected a scalar expression, not a condition")
    return result
