"""load_problem: YAML text or a Python mapping → validated :class:`Problem`."""
from __future__ import annotations

import dataclasses
import keyword
import math
import os
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import SpecError
from .datafields import load_data_field
from .expressions import (RESERVED, Scope, constant_value, parse_equation,
                          parse_equation_parts, parse_expression, tree_size)
from .files import load_npz, read_yaml
from .lint import flow_split, warnings_for
from .mixed import SUFFIX, mixed_form
from .operator import operator_settings
from .overrides import apply_overrides
from .plan import MARK, engine_for, plan
from .safe_open import check_regular, inside
from .trusted import trusted_objects
from .problem import (Condition, Domain, Equation, Interval, Observations, Parameter, Problem,
                      Reference, Region, Unknown, VectorCoordinate, smooth_term, steady_term)
from .shapes import parse_shape
from .schema import (DerivativeSettings, LimitSettings, Loc, ModelSettings, OutputSettings,
                     SamplingSettings, Settings, TrainingSettings, build)
from .symbols import FluxDiv

MAX_VECTOR_DIM = 10_000_000
MAX_ITEMS = 256                # equations, conditions, fields, parameters
MAX_COORDINATES = 64           # scalar coordinates (a vector coordinate holds any dim)
MAX_DATA_VALUES = 20_000_000   # observation values held by a Problem (as Python floats)
MAX_NAME = 64                  # characters in a coordinate, field, parameter or term name
REFERENCE_SOLVERS = ("burgers_cole_hopf", "allen_cahn_spectral")

TOP_KEYS = ("name", "description", "domain", "time", "fields", "parameters", "unknowns",
            "define", "data_fields", "equations", "conditions", "reference", "model", "derivatives", "sampling",
            "training", "output", "limits", "operator")
_SECTIONS = {"model": ModelSettings, "derivatives": DerivativeSettings,
             "sampling": SamplingSettings, "training": TrainingSettings,
             "output": OutputSettings, "limits": LimitSettings}


def load_problem(source: str | os.PathLike | Mapping, overrides: Iterable[str] = ()) -> Problem:
    """Build a validated Problem from a YAML file path or a mapping.

    Args:
        source: path to a problem file, or a mapping with the same structure whose
            expressions may be strings or SymPy objects.
        overrides: dotted ``key=value`` strings applied before validation.
    Returns:
        The Problem.
    Raises:
        SpecError: naming the file, the dotted key and what was expected.
    """
    if isinstance(source, Mapping):
        _check_mapping(source, Loc("<mapping>"))
        table: dict = {}
        raw = _plain(dict(source), Loc("<mapping>"), table)
        with trusted_objects(table):
            problem = build_problem(raw, overrides=overrides)
        return dataclasses.replace(problem, trusted=table) if table else problem
    raw, overrides = read_yaml(source), list(overrides)
    _file_limits(raw, str(source), overrides)
    return build_problem(raw, source=str(source), overrides=overrides)


def _name_from(file: str) -> str:
    """A problem's name when the file gives none: its file name made a plain name (letters,
    digits, _ or -; other characters become _, a leading digit gets 'p_'), at most
    MAX_NAME characters: '2d heat (v2).yaml' runs as 'p_2d_heat__v2_', never refused at a
    'name' key the file does not have."""
    if file == "<mapping>":
        return "problem"
    stem = "".join(c if c == "-" or f"a{c}".isidentifier() else "_"
                   for c in Path(file).stem)[:MAX_NAME] or "problem"
    if not stem[0].isidentifier():
        stem = "p_" + stem
    return stem[:MAX_NAME]


def _file_limits(raw: dict, file: str, overrides: list[str]) -> None:
    """A problem file is untrusted: its ``limits`` may lower the caps, never raise them (a
    downloaded file asking for 10^12 points would otherwise pass the guard). Raising one is
    the user's own decision, made by an override on the command line or in Python."""
    limits = raw.get("limits")
    if not isinstance(limits, Mapping):
        return   # the schema names what is wrong with it
    for name in ("max_points", "max_grid_points", "max_parameters"):
        value, default = limits.get(name), getattr(LimitSettings(), name)
        written = value
        if any(o.startswith(f"limits.{name}=") for o in overrides):
            continue   # the user's own setting replaces the file's
        if isinstance(value, str):   # YAML reads 1e12 as text; the schema takes it
            try:
                value = float(value)
            except ValueError:
                continue   # the schema names what is wrong with it
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > default:
            raise SpecError(f"a problem file may lower this limit, not raise it above its "
                            f"default {default}; raise it for one run with the override "
                            f"limits.{name}={written} (command line or overrides=[...])",
                            file=file, key=f"limits.{name}")


MAX_DEPTH = 64            # nesting of a Python mapping (YAML files have their own limit)
MAX_PATH = 1024          # characters of a file path in a problem
MAX_DEFINE_PARTS = 50_000   # a definition written out (the largest of 330 files: 4378)
FOLD_CONSTANT_PARTS = 200   # a constant definition of more parts is folded to its value
MAX_INT_DIGITS = 30       # as the expression parser's integer literals


def _check_mapping(value: Any, loc: Loc, depth: int = 0, seen: set | None = None) -> None:
    """A problem mapping from Python is trusted code but may still be malformed: refuse a
    mapping or list that contains itself, nesting deeper than MAX_DEPTH, one-shot iterables
    (generators), and integers too long to print, each at its key, before anything copies
    or prints it."""
    seen = set() if seen is None else seen
    if depth > MAX_DEPTH:
        raise loc.error(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in seen:
            raise loc.error("this mapping or list contains itself")
        seen.add(id(value))
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            _check_mapping(item, loc.child(key if isinstance(key, (str, int)) else str(key)),
                           depth + 1, seen)
        seen.discard(id(value))
    elif isinstance(value, (bool, float, str, type(None), np.ndarray, np.generic,
                            sp.Basic, sp.FunctionClass)):
        if isinstance(value, sp.Integer) and abs(int(value)).bit_length() > 100:
            raise loc.error(f"integer with more than {MAX_INT_DIGITS} digits")
    elif isinstance(value, int):
        if value.bit_length() > 100:
            raise loc.error(f"integer with more than {MAX_INT_DIGITS} digits")
    elif isinstance(value, (set, frozenset)):
        raise loc.error("expected a list, got a set (sets have no order)")
    elif isinstance(value, (bytes, bytearray)):
        raise loc.error("expected text, got bytes")
    elif hasattr(value, "__iter__") or hasattr(value, "__next__"):
        raise loc.error(f"expected a list, got a {type(value).__name__} (a one-shot "
                        "iterable: write list(...))")


def build_problem(raw: dict, *, source: str = "<mapping>", overrides: Iterable[str] = ()
                  ) -> Problem:
    """Validate a raw problem mapping (as read from YAML) into a Problem.

    Args:
        raw: the mapping; expressions as text.
        source: the file it came from; relative data paths are read next to it
            ("<mapping>": relative to the working directory).
        overrides: dotted ``key=value`` strings applied first.
    """
    base = Path(source).resolve().parent if source != "<mapping>" else Path.cwd()
    overrides = list(overrides)
    if any(o.startswith("training.phases.") for o in overrides):
        raw = _with_default_phases(plan(raw))   # the override edits the planned phases
    raw = plan(apply_overrides(raw, overrides, file=source))
    flow_split(raw, source)   # before the key checks, which would blame a fragment
    first = _Builder(raw, source, base, lenient=True)
    problem = first.problem()
    problem = mixed_form(problem, lambda names: _Builder(raw, source, base, names).problem())
    for name in first.deferred:   # a reference for a definition: only if it is learnt
        if name not in problem.fields:
            raise SpecError(f"'{name}' is a definition, not a field: its reference is "
                            "compared only where the plan learns it as a field (a stress "
                            "the equations differentiate, model.mixed_form); remove it or "
                            "make it a field", file=source, key=f"reference.exact.{name}")
    engine = engine_for(problem, raw)
    if engine is not None:   # high-order equations: the plan's engine (spec/plan.py)
        problem = _with_engine(problem, engine)
    for key, message in warnings_for(problem, raw):
        # stacklevel 2: the caller of build_problem, not this line
        warnings.warn(f"{source}, key '{key}': {message}", UserWarning, stacklevel=2)
    return problem


def _with_engine(problem: Problem, engine: str) -> Problem:
    """``problem`` with the derivative engine the plan chose, in its settings and in its raw
    mapping (config.yaml shows it, a rebuild keeps it), marked as planned."""
    s = problem.settings
    planned = s.training.planned + ("derivatives",)
    settings = dataclasses.replace(
        s, derivatives=DerivativeSettings(engine=engine),
        training=dataclasses.replace(s.training, planned=planned))
    raw = {**problem.raw, "derivatives": {"engine": engine},
           "training": {**problem.raw["training"], MARK: list(planned)}}
    return dataclasses.replace(problem, settings=settings, raw=raw)


def rebuild(problem: Problem, overrides: Iterable[str] = ()) -> Problem:
    """``problem`` with more overrides on top of the ones it was loaded with."""
    with trusted_objects(problem.trusted):
        out = build_problem(problem.raw, source=problem.source, overrides=overrides)
    return dataclasses.replace(out, trusted=problem.trusted) if problem.trusted else out


def _with_default_phases(raw: dict) -> dict:
    """Spell out the default phases so ``training.phases.0.steps=...`` can address them."""
    training = raw.get("training")
    if training is None or (isinstance(training, dict) and "phases" not in training):
        # Phases are written flat: the optimizer's options stand beside it.
        defaults = [{**{k: v for k, v in dataclasses.asdict(p).items() if k != "options"},
                     **dataclasses.asdict(p.options)} for p in TrainingSettings().phases]
        raw = {**raw, "training": {**(training or {}), "phases": defaults}}
    return raw


def _plain(value: Any, loc: Loc, table: dict):
    """A Python mapping as YAML-like data: each SymPy object becomes its printed text (for
    ``config.yaml`` and overrides) and is recorded in ``table`` (text → object) so the
    builder validates the object itself (:mod:`.trusted`), not a re-parse of its text.
    A Matrix becomes the list of its entries (a vector equation); numpy arrays stay."""
    if isinstance(value, sp.MatrixBase):
        return [_plain(v, loc.child(i), table) for i, v in enumerate(value)]
    if isinstance(value, sp.Basic):
        if isinstance(value, sp.Symbol):
            return value.name
        text = (f"{sp.sstr(value.lhs)} = {sp.sstr(value.rhs)}"
                if isinstance(value, sp.Equality) else sp.sstr(value))
        table[text] = value
        return text
    if isinstance(value, sp.FunctionClass):
        return str(value)
    if isinstance(value, np.ndarray) or type(value).__module__ == "torch":
        # data arrays become lists of numbers: config.yaml can hold them, the loader
        # validates them like the arrays of an .npz
        try:
            return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value,
                              dtype=float).tolist()
        except (TypeError, ValueError):
            return value   # the builder reports what is wrong with it
    if isinstance(value, dict):
        if isinstance(value.get("fields"), (list, tuple)):   # fields: [u(x, t)] names u
            value = {**value, "fields": [f.func.__name__ if isinstance(f, AppliedUndef) else f
                                         for f in value["fields"]]}
        return {(k.func.__name__ if isinstance(k, AppliedUndef) else
                 _plain(k, loc, table) if isinstance(k, (sp.Basic, sp.FunctionClass)) else k):
                _plain(v, loc.child(str(k)), table) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, loc.child(i), table) for i, v in enumerate(value)]
    return value


class _Builder:
    def __init__(self, raw: dict, file: str, base: Path, promote: tuple[str, ...] = (),
                 lenient: bool = False):
        self.raw = raw
        self.promote = promote   # definitions learnt as fields (spec/mixed.py)
        # lenient: a reference for a definition is left for the mixed form to decide
        self.lenient, self.deferred = lenient, []
        self.file = file
        self.base = base
        self.loc = Loc(file)
        self.chosen_names: set[str] = set()
        self.ode: str | None = None   # an ODE's one coordinate (a domain of time alone)

    def err(self, key: str, message: str) -> SpecError:
        return SpecError(message, file=self.file, key=key)

    def problem(self) -> Problem:
        raw = self.raw
        for key in raw:
            if key not in TOP_KEYS:
                raise self.err(str(key), f"unknown key; expected one of: {', '.join(TOP_KEYS)}")
        for key in ("domain", "fields", "equations"):
            if key not in raw:
                raise self.err(key, "missing; a problem needs domain, fields, equations "
                                    "(and usually conditions)")
        name = raw["name"] if "name" in raw else _name_from(self.file)
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise self.err("name", f"expected a simple name (letters, digits, _ or -), got {name!r}")
        if len(name) > MAX_NAME:
            raise self.err("name", f"name is {len(name)} characters long; the limit is {MAX_NAME}")
        self.const_scope = Scope()
        self.parameters = self._parameters()
        self.domain = self._domain()
        self.fields = self._fields() + list(self.promote)
        self.unknown_fields: dict[str, float] = {}   # name → smoothness weight
        self.unknowns = self._unknowns()
        self.fields += list(self.unknown_fields)   # a field unknown is an output of the model
        names = [c.name for c in self.domain.space] + list(self.fields)
        names += [p.name for p in self.parameters] + [u.name for u in self.unknowns]
        names += [self.domain.vector.name] if self.domain.vector else []
        names += [self.domain.time.name] if self.domain.time else []
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise self.err("", f"name(s) {', '.join(sorted(dup))} declared more than once "
                               "(coordinates, fields, parameters and unknowns share one namespace)")
        problem_fields = {n: sp.Function(n)(*self.domain.coordinate_symbols) for n in self.fields}
        op_input = _operator_input(raw)   # an operator's input function reads like a field
        if op_input is not None:
            if op_input in names:
                raise self.err("operator.input.name", f"'{op_input}' is already a coordinate, "
                                                      "field or parameter name")
            problem_fields[op_input] = sp.Function(op_input)(*self.domain.coordinate_symbols)
        params = {p.name: sp.Symbol(p.name) for p in self.parameters}
        params.update({u.name: sp.Symbol(u.name) for u in self.unknowns})
        vector = None
        if self.domain.vector is not None:
            v = self.domain.vector
            vector = (v.symbol, v.base, v.dim)
        self.scope = Scope(tuple(c.symbol for c in self.domain.space),
                           self.domain.time.symbol if self.domain.time else None,
                           vector, problem_fields, params)
        data = self._data_fields(names)
        params.update(data)
        names += list(data)
        self.value_scope = Scope(self.scope.coords, self.scope.time, vector, {}, params)
        self._defines(names)
        equations = self._equations()
        conditions, periodic, observations = self._conditions()
        conditions += self._smoothing_terms()
        reference = self._reference()
        settings = self._settings()
        operator = None
        if "operator" in raw:
            operator = operator_settings(raw["operator"], self.loc.child("operator"),
                                         self.domain, periodic, names)
        term_names = [e.name for e in equations] + [c.name for c in conditions]
        term_names += [o.name for o in observations]
        clash = sorted({n for n in term_names if term_names.count(n) > 1})
        if clash:
            raise self.err("", f"term name(s) {', '.join(clash)} used more than once (equations, "
                               "conditions and data share one namespace); give each a distinct "
                               "'name'")
        for key, weight in settings.training.weights.items():
            if key not in term_names:
                raise self.err(f"training.weights.{key}",
                               f"no term named '{key}'; terms are: {', '.join(term_names)}")
            if not weight >= 0:   # a negative weight maximises the term's residual
                raise self.err(f"training.weights.{key}", f"a weight is zero or positive, "
                                                          f"got {weight:g}")
        for key in settings.output.grid:
            if key not in [c.name for c in self.domain.space] + (
                    [self.domain.time.name] if self.domain.time else []):
                raise self.err(f"output.grid.{key}", "not a scalar coordinate of the domain")
            if settings.output.grid[key] < 2:   # one point has no spacing: no cells, no plot
                raise self.err(f"output.grid.{key}", "a grid axis needs at least 2 points, got "
                               f"{settings.output.grid[key]}")
        return Problem(name=name, domain=self.domain, fields=tuple(self.fields),
                       parameters=tuple(self.parameters), unknowns=tuple(self.unknowns),
                       equations=tuple(equations), conditions=tuple(conditions),
                       periodic=tuple(periodic), observations=tuple(observations),
                       reference=reference, settings=settings, source=self.file, raw=self.raw,
                       operator=operator, definitions=self.definitions,
                       unknown_fields=tuple(self.unknown_fields), promoted=self.promote)

    # -- names ------------------------------------------------------------------------------
    def _check_name(self, name: Any, key: str) -> str:
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise self.err(key, f"expected a plain name (letters, digits, _), got {name!r}")
        folded = unicodedata.normalize("NFKC", name)
        if folded != name:
            # Python's parser folds identifiers to NFKC, so inside expressions 'ｕ' *is* 'u':
            # a declared name must already be folded, or two "different" names would meet.
            raise self.err(key, f"the name {name!r} is written with compatibility characters "
                                f"that Unicode NFKC folds to {folded!r} (as expressions do); "
                                f"write {folded!r}")
        if len(name) > MAX_NAME:
            raise self.err(key, f"name is {len(name)} characters long; the limit is {MAX_NAME}")
        if name in RESERVED:
            raise self.err(key, f"'{name}' is a reserved function or constant name")
        if keyword.iskeyword(name):   # expressions are Python syntax: 'lambda' cannot be a name
            raise self.err(key, f"'{name}' is a Python keyword and cannot name anything in an "
                                f"expression; rename it (e.g. '{name}_')")
        return name

    def _number(self, value: Any, key: str, scope: Scope | None = None) -> tuple[sp.Expr, float]:
        expr = parse_expression(value, scope or self.const_scope, file=self.file, key=key)
        return expr, self._evaluate(expr, key)

    def _evaluate(self, expr: sp.Expr, key: str) -> float:
        """The float of a constant expression (already parsed: never printed and parsed
        again, so 10**30 stays a value, not a 31-digit literal)."""
        if expr.free_symbols:
            raise self.err(key, f"expected a constant, but '{expr}' depends on "
                                f"{', '.join(sorted(map(str, expr.free_symbols)))}")
        try:
            value = constant_value(expr)
            if value.imag != 0:
                raise ValueError("not real")
            number = value.real
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            raise self.err(key, f"'{expr}' does not evaluate to a finite real number "
                                "(not real, or overflow)") from None
        if not math.isfinite(number):
            raise self.err(key, f"'{expr}' is not finite")
        return number

    def _parameters(self) -> list[Parameter]:
        raw = self.raw.get("parameters") or {}
        if not isinstance(raw, dict):
            raise self.err("parameters", "expected a mapping name: value")
        if len(raw) > MAX_ITEMS:
            raise self.err("parameters", f"more than {MAX_ITEMS} parameters")
        out: list[Parameter] = []
        for name, value in raw.items():
            key = f"parameters.{name}"
            self._check_name(name, key)
            # Parameters may use the ones declared before them.
            scope = Scope(params={p.name: sp.Symbol(p.name) for p in out})
            expr = parse_expression(value, scope, file=self.file, key=key)
            number = self._evaluate(expr.subs({sp.Symbol(p.name): p.value for p in out}), key)
            out.append(Parameter(name, expr, number))
        self.const_scope = Scope(params={p.name: sp.Symbol(p.name) for p in out})
        self._param_values = {sp.Symbol(p.name): p.value for p in out}
        return out

    def _const(self, value: Any, key: str) -> float:
        expr = parse_expression(value, self.const_scope, file=self.file, key=key)
        return self._evaluate(expr.subs(self._param_values), key)

    def _domain(self) -> Domain:
        raw = self.raw["domain"]
        if not isinstance(raw, dict) or not raw:
            raise self.err("domain", "expected a mapping of coordinates, e.g. {x: [-1, 1], t: [0, 1]}")
        if len(raw) > MAX_COORDINATES:
            raise self.err("domain", f"{len(raw)} coordinates; the limit is {MAX_COORDINATES} "
                                     "(for many dimensions use a vector coordinate "
                                     "x: {dim: n})")
        time_name = self.raw.get("time", "t" if "t" in raw else None)
        if time_name is not None and (not isinstance(time_name, str) or time_name not in raw):
            raise self.err("time", f"'{time_name}' is not a coordinate of the domain")
        space: list[Interval] = []
        vector = None
        time = None
        for name, spec in raw.items():
            if name in ("shape", "mesh"):
                continue  # read below, once the coordinates are known
            key = f"domain.{name}"
            self._check_name(name, key)
            if isinstance(spec, dict):
                if name == time_name:
                    raise self.err(key, "time must be an interval [t0, t1]")
                vector = self._vector(name, spec, key)
                continue
            if not isinstance(spec, (list, tuple)) or len(spec) != 2:
                raise self.err(key, f"expected an interval [lo, hi], got {spec!r}")
            lo, hi = (self._const(v, f"{key}.{i}") for i, v in enumerate(spec))
            if not lo < hi:
                raise self.err(key, f"expected lo < hi, got [{lo}, {hi}]")
            if name == time_name:
                time = Interval(name, lo, hi)
            else:
                space.append(Interval(name, lo, hi))
        if vector is not None and space:
            raise self.err("domain", "a vector coordinate cannot be combined with scalar "
                                     "spatial coordinates")
        if not space and vector is None:
            if time is None or "shape" in raw or "mesh" in raw:
                raise self.err("domain", "needs at least one spatial coordinate")
            # An ODE: time is the one coordinate, sampled like a spatial one, so values
            # may be given at either end ('where: initial' is its start).
            self.ode = time.name
            space, time = [time], None
        shape, mesh = self._shape(raw, space, vector)
        return Domain(tuple(space), vector, time, shape, mesh)

    def _shape(self, raw: dict, space: list, vector) -> tuple:
        """``domain.shape`` (CSG tree) and ``domain.mesh`` (mesh file), both optional."""
        if "shape" in raw and "mesh" in raw:
            raise self.err("domain", "give either shape or mesh, not both")
        if ("shape" in raw or "mesh" in raw) and (vector is not None or len(space) not in (2, 3)):
            raise self.err("domain.shape" if "shape" in raw else "domain.mesh",
                           "shapes and meshes need 2 or 3 scalar spatial coordinates")
        shape = mesh = None
        if "shape" in raw:
            shape = parse_shape(raw["shape"], len(space), "domain.shape", self.file, self._const)
        if "mesh" in raw:
            if not isinstance(raw["mesh"], str):
                raise self.err("domain.mesh", "expected the path of a mesh file (.vtu, .msh, ...)")
            path = self._file(raw["mesh"], "domain.mesh")
            if not path.exists():
                raise self.err("domain.mesh", f"no mesh file at {path}")
            # Regular file under the cap, checked without opening it; the contents are
            # checked when the mesh is read (pinnsolve check reads it too).
            check_regular(path, "mesh", lambda m: self.err("domain.mesh", m))
            mesh = str(path)
        return shape, mesh

    def _vector(self, name: str, spec: dict, key: str) -> VectorCoordinate:
        allowed = {"dim", "shape", "range", "radius"}
        for k in spec:
            if k not in allowed:
                raise self.err(f"{key}.{k}", f"unknown key; expected one of: {', '.join(sorted(allowed))}")
        dim = spec.get("dim")
        if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= MAX_VECTOR_DIM:
            raise self.err(f"{key}.dim", f"expected a whole number from 1 to {MAX_VECTOR_DIM}, "
                                         f"got {dim!r}")
        shape = spec.get("shape", "ball")
        if shape not in ("ball", "box"):
            raise self.err(f"{key}.shape", f"expected ball or box, got {shape!r}")
        lo, hi = -1.0, 1.0
        if "range" in spec:
            rng = spec["range"]
            if shape != "box" or not isinstance(rng, (list, tuple)) or len(rng) != 2:
                raise self.err(f"{key}.range", "expected [lo, hi] for a box")
            lo, hi = (self._const(v, f"{key}.range.{i}") for i, v in enumerate(rng))
            if not lo < hi:
                raise self.err(f"{key}.range", "expected lo < hi")
        radius = self._const(spec.get("radius", 1.0), f"{key}.radius")
        if radius <= 0:
            raise self.err(f"{key}.radius", "must be positive")
        return VectorCoordinate(name, dim, shape, lo, hi, radius)

    def _fields(self) -> list[str]:
        raw = self.raw["fields"]
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw or len(raw) > MAX_ITEMS:
            raise self.err("fields", "expected a field name or a list of names, e.g. [u, v, p]")
        return [self._check_name(n, f"fields.{i}") for i, n in enumerate(raw)]

    def _unknowns(self) -> list[Unknown]:
        raw = self.raw.get("unknowns") or {}
        if not isinstance(raw, dict) or len(raw) > MAX_ITEMS:
            raise self.err("unknowns", "expected a mapping name: initial guess "
                                       "(or name: {initial: ..., exact: ...})")
        out = []
        for name, spec in raw.items():
            key = f"unknowns.{name}"
            self._check_name(name, key)
            true = None
            if isinstance(spec, dict) and "field" in spec:
                self.unknown_fields[name] = self._unknown_field(name, spec, key)
                continue
            if isinstance(spec, dict):
                # 'exact', not 'true': YAML reads a bare `true:` key as a boolean.
                extra = set(spec) - {"initial", "exact"}
                if extra or "initial" not in spec:
                    raise self.err(key, "expected {initial: number, exact: number (optional)}")
                if "exact" in spec:
                    true = self._const(spec["exact"], f"{key}.exact")
                spec = spec["initial"]
            out.append(Unknown(name, self._const(spec, f"{key}.initial" if true is not None else key),
                               true))
        return out

    def _unknown_field(self, name: str, spec: dict, key: str) -> float:
        """``{field: true, smooth: weight}``: an unknown coefficient field a(x, y); returns
        the weight of its smoothness term (0: none)."""
        extra = set(spec) - {"field", "smooth"}
        if extra:
            raise self.err(f"{key}.{sorted(map(str, extra))[0]}",
                           "unknown key; a field unknown is {field: true, smooth: weight "
                           "(optional)}; give its exact values under reference.exact")
        if spec["field"] is not True:
            raise self.err(f"{key}.field", "expected true (a scalar unknown is written "
                                           "{initial: number})")
        if name in self.fields:
            raise self.err(key, f"'{name}' is already a field")
        if self.domain.vector is not None:
            raise self.err(key, "field unknowns need scalar spatial coordinates")
        smooth = self._const(spec.get("smooth", 0), f"{key}.smooth")
        if not 0 <= smooth < 1e6:
            raise self.err(f"{key}.smooth", f"expected a weight >= 0, got {smooth:g}")
        return smooth

    def _smoothing_terms(self) -> list[Condition]:
        """For each field unknown with ``smooth: w``: the interior terms √w·∂a/∂x_i = 0, so
        the loss adds w·mean|∇a|² (spatial gradient) — the smoothest field the data allow;
        with time, also ∂a/∂t = 0 (the network sees t, the coefficient must not vary in it)."""
        out = []
        for name, weight in self.unknown_fields.items():
            key = f"unknowns.{name}"
            region = self._region("interior", key)
            a = self.scope.fields[name]
            t = self.domain.time
            if t is not None:   # a coefficient field does not change in time: ∂a/∂t = 0
                out.append(Condition(steady_term(name), region, sp.Derivative(a, t.symbol),
                                     f"diff({name}, {t.name}) = 0", "equation"))
            if weight <= 0:
                continue
            for c in self.domain.space:
                term = sp.sqrt(sp.nsimplify(weight)) * sp.Derivative(a, c.symbol)
                out.append(Condition(smooth_term(name, c.name), region, term,
                                     f"sqrt({weight:g})*diff({name}, {c.name}) = 0", "equation"))
        return out

    def _data_fields(self, taken: list[str]) -> dict[str, sp.Expr]:
        """``data_fields: {k: {file: k.npz}}``: name → k(x, y) read from a grid."""
        raw = self.raw.get("data_fields") or {}
        if not isinstance(raw, dict) or len(raw) > MAX_ITEMS:
            raise self.err("data_fields", "expected a mapping name: {file: grid.npz}")
        if raw and (self.domain.vector is not None):
            raise self.err("data_fields", "data fields need scalar spatial coordinates")
        out = {}
        coords = [c.name for c in self.domain.space]
        for name, spec in raw.items():
            key = f"data_fields.{name}"
            self._check_name(name, key)
            if name in taken:
                raise self.err(key, f"'{name}' is already a coordinate, field, parameter or "
                                    "unknown")
            cls = load_data_field(name, spec, coords, self._file, self.file, key)
            out[name] = cls(*[c.symbol for c in self.domain.space])
        return out

    # -- named sub-expressions --------------------------------------------------------------
    def _defines(self, taken: list[str]) -> None:
        """``define: {r: "sqrt(x**2 + y**2)", f: "r**2"}``: names inlined where they are used.

        A definition may use coordinates, time, fields, parameters and other definitions
        (in any order, but not in a cycle). Each parsed expression goes into the parameter
        slot of the scopes, so the parser substitutes it wherever the name appears; the
        ones free of fields also enter the value scope (Dirichlet data, references).
        """
        raw = self.raw.get("define") or {}
        if not isinstance(raw, dict) or len(raw) > MAX_ITEMS:
            raise self.err("define", "expected a mapping name: expression "
                                     f"(at most {MAX_ITEMS} items)")
        for name in raw:
            self._check_name(name, f"define.{name}")
            if name in taken and name not in self.promote:
                raise self.err(f"define.{name}", f"'{name}' is already a coordinate, field, "
                                                 "parameter or unknown")
        order = _define_order({n: _identifiers(v) & set(raw) for n, v in raw.items()},
                              self.err)
        defined: dict[str, sp.Expr] = {}
        fields = tuple(self.scope.fields.values())
        for name in (n for n in order if n not in self.promote):
            scope = Scope(self.scope.coords, self.scope.time, self.scope.vector,
                          self.scope.fields, {**self.scope.params, **defined})
            expr = parse_expression(raw[name], scope, file=self.file, key=f"define.{name}")
            defined[name] = self._sized(expr, f"define.{name}")
        self.definitions = {n: defined[n] for n in raw if n in defined}
        plain = {n: e for n, e in defined.items() if not (fields and e.has(*fields))}
        self.scope = Scope(self.scope.coords, self.scope.time, self.scope.vector,
                           self.scope.fields, {**self.scope.params, **defined})
        self.value_scope = Scope(self.value_scope.coords, self.value_scope.time,
                                 self.value_scope.vector, {}, {**self.value_scope.params, **plain})

    def _sized(self, expr: sp.Expr, key: str) -> sp.Expr:
        """A definition as it is inlined: refused past MAX_DEFINE_PARTS parts (each name in
        it stands for its whole expression, so a chain of definitions that each read the
        last twice doubles at every link), and a large constant of parameters alone folded
        to its value (a column's 45 derived constants made trees every later step walked
        for minutes)."""
        size = tree_size(expr, MAX_DEFINE_PARTS)
        if size > MAX_DEFINE_PARTS:
            raise self.err(key, f"written out where it is used, the definition grows past "
                                f"{MAX_DEFINE_PARTS} parts (each name in it stands for its "
                                "whole expression); simplify it, or give constants as "
                                "parameters")
        if size <= FOLD_CONSTANT_PARTS:
            return expr
        values = {sp.Symbol(p.name): p.value for p in self.parameters}
        if not expr.free_symbols <= set(values):   # coordinates (fields, data), unknowns
            return expr
        return sp.Float(self._evaluate(expr.xreplace(values), key), 17)

    # -- equations and conditions -----------------------------------------------------------
    def _equations(self) -> list[Equation]:
        raw = self.raw["equations"]
        if isinstance(raw, (str, dict)):
            raw = [raw]
        if not isinstance(raw, list) or not raw or len(raw) > MAX_ITEMS:
            raise self.err("equations", "expected a list of equations such as 'diff(u, t) = diff(u, x, 2)'")
        out = []
        for i, item in enumerate(raw):
            key = f"equations.{i}"
            name = "pde" if len(raw) == 1 else f"pde{i + 1}"
            if isinstance(item, dict):
                extra = set(item) - {"name", "equation"}
                if extra or "equation" not in item:
                    raise self.err(key, "expected {name: ..., equation: ...} or a plain equation")
                name = self._check_name(item.get("name", name), f"{key}.name")
                item = item["equation"]
            out += self._equation(name, item, key)
        for name in self.promote:   # a definition learnt as a field: its law (spec/mixed.py)
            value = self.raw["define"][name]
            expr = parse_expression(value, self.scope, file=self.file, key=f"define.{name}")
            law = self._fresh_name(name + SUFFIX, [e.name for e in out])
            out.append(Equation(law, self.scope.fields[name] - expr, f"{name} = {_text(value)}"))
        return out

    def _fresh_name(self, name: str, taken: list[str]) -> str:
        """``name``, or with a number added where the file uses it for another term."""
        raw = self.raw.get("conditions") or []   # built after the equations
        taken = taken + [c.get("name") for c in raw if isinstance(c, dict)]
        out, k = name, 2
        while out in taken:
            out, k = f"{name}{k}", k + 1
        return out

    def _equation(self, name: str, item: Any, key: str) -> list[Equation]:
        """One equation, or one per component of a vector equation (``[a, b] = 0`` in text,
        a list or Matrix from Python) named ``name_x``, ``name_y``, ... after the spatial
        coordinates (``name_1``, ... when the length differs)."""
        if isinstance(item, (list, tuple)):
            if not 1 <= len(item) <= 3:
                raise self.err(key, "a vector equation has 1 to 3 components")
            parts = [parse_equation(v, self.scope, file=self.file, key=f"{key}.{j}")
                     for j, v in enumerate(item)]
            texts = [_text(v) for v in item]
            fluxes = [None] * len(parts)
        else:
            parts = parse_equation_parts(item, self.scope, file=self.file, key=key)
            texts = [_text(item)] * len(parts)
            fluxes = [None] * len(parts)
            if "div" in _text(item):   # div(c*grad(u)) kept whole for the grid engine
                fluxes = parse_equation_parts(item, self.scope, file=self.file, key=key,
                                              flux=True)
        if len(parts) == 1:
            suffixes = [""]
        elif len(parts) == len(self.domain.space):
            suffixes = [f"_{c.name}" for c in self.domain.space]
        else:
            suffixes = [f"_{j + 1}" for j in range(len(parts))]
        out = []
        for expr, text, flux, suffix in zip(parts, texts, fluxes, suffixes):
            if not expr.has(*self.scope.fields.values()):
                raise self.err(key, f"the equation{' component ' + suffix[1:] if suffix else ''}"
                                    " does not involve any field")
            flux = flux if flux is not None and flux.has(FluxDiv) else None
            out.append(Equation(name + suffix, expr, text, flux))
        return out

    def _region(self, where: Any, key: str) -> Region:
        if isinstance(where, dict) and "point" in where:
            return self._point(where, key)
        if isinstance(where, dict):
            return self._piece(where, key)
        if not isinstance(where, str):
            raise self.err(key, "expected 'boundary', 'initial', 'interior', 'coord = value' or "
                                "{boundary: NAME}")
        word = where.strip()
        if word in ("boundary", "initial", "interior"):
            if word == "initial" and self.ode is not None:
                return Region("face", self.ode, "lo")
            if word == "initial" and self.domain.time is None:
                raise self.err(key, "the problem has no time coordinate")
            return Region(word)
        name, eq, value = word.partition("=")
        name = name.strip()
        shaped = self.domain.shape is not None or self.domain.mesh is not None
        if shaped and not (eq and self.domain.time is not None and name == self.domain.time.name):
            return self._selection(word, key)
        if re.search(r"\band\b|<|>", word):
            raise self.err(key, f"{where!r}: clauses joined by 'and', and inequalities, select "
                                "part of a shape's or mesh's boundary; on a box a condition "
                                "holds on a whole face ('x = 0'), and at one point it is "
                                "written where: {point: [x0, y0, ...]}")
        if not eq:
            raise self.err(key, f"expected 'boundary', 'initial', 'interior' or 'coord = value', "
                                f"got {where!r}")
        try:
            interval = self.domain.interval(name)
        except KeyError:
            raise self.err(key, f"'{name}' is not a scalar coordinate of the domain") from None
        number = self._const(value, key)
        tol = 1e-12 * max(1.0, abs(interval.lo), abs(interval.hi))
        side = "lo" if abs(number - interval.lo) <= tol else (
            "hi" if abs(number - interval.hi) <= tol else None)
        if side is None:
            raise self.err(key, f"{name} = {number} is not an end of {name}'s range "
                                f"[{interval.lo}, {interval.hi}]")
        if self.domain.time is not None and name == self.domain.time.name:
            if side == "hi":
                raise self.err(key, "conditions at the final time are not supported; write "
                                    "the problem in the time left, τ = T − t: a terminal "
                                    "value becomes an initial one and each time derivative "
                                    "changes sign")
            return Region("initial")
        return Region("face", name, side)

    def _selection(self, text: str, key: str) -> Region:
        """``x = 0`` or ``x = 0 and y > 0.5`` on a shape or mesh: the part of the boundary
        meeting every clause (a coordinate, one of = < > <= >=, a constant)."""
        clauses = []
        coords = [c.name for c in self.domain.space]
        for part in re.split(r"\band\b", text):
            m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(<=|>=|=|<|>)\s*(\S.*?)\s*", part)
            if m is None:
                raise self.err(key, f"expected clauses such as 'x = 0' or 'y > 0.5' joined by "
                                    f"'and', got {part.strip()!r}")
            name, op, value = m.groups()
            if name not in coords:
                raise self.err(key, f"'{name}' is not a spatial coordinate ({', '.join(coords)})")
            clauses.append((name, op, self._const(value, key)))
        return Region("boundary", select=tuple(clauses))

    def _point(self, where: dict, key: str) -> Region:
        """``{point: [x0, y0]}`` (or ``[x0, y0, t0]`` to fix the time too): one point,
        inside the coordinate ranges (inside a shape or mesh is checked by its geometry)."""
        if set(where) != {"point"}:
            raise self.err(key, "a point condition is written where: {point: [x0, y0, ...]}")
        d = self.domain
        if d.vector is not None:
            raise self.err(f"{key}.point", "point conditions need scalar coordinates")
        value = where["point"]
        n = len(d.space)
        if not isinstance(value, (list, tuple)) or len(value) not in (
                (n, n + 1) if d.time is not None else (n,)):
            want = f"{n} numbers ({', '.join(c.name for c in d.space)})" + (
                f", or {n + 1} with {d.time.name} last" if d.time is not None else "")
            raise self.err(f"{key}.point", f"expected {want}, got {value!r}")
        coords = [self._const(v, f"{key}.point.{i}") for i, v in enumerate(value)]
        for c, v in zip(d.space + ((d.time,) if d.time else ()), coords):
            tol = 1e-12 * max(1.0, abs(c.lo), abs(c.hi))
            if not c.lo - tol <= v <= c.hi + tol:
                raise self.err(f"{key}.point", f"{c.name} = {v:g} is outside its range "
                                               f"[{c.lo:g}, {c.hi:g}]")
        return Region("point", point=tuple(coords))

    def _piece(self, where: dict, key: str) -> Region:
        """``{boundary: name}`` or ``{boundary: [names]}``: named parts of a shape's boundary."""
        shape = self.domain.shape
        if set(where) != {"boundary"}:
            raise self.err(key, "expected {boundary: NAME} or {boundary: [NAME, ...]}")
        if shape is None and self.domain.mesh is None:
            raise self.err(key, "named boundary parts need a domain shape (domain.shape) or "
                                "a mesh with named parts (domain.mesh)")
        names = where["boundary"]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names:
            raise self.err(f"{key}.boundary", "expected a name or a list of names")
        if shape is None:   # a mesh's parts are checked when the mesh is read (check, solve)
            for n in names:
                if not isinstance(n, str) or not n or len(n) > MAX_NAME:
                    raise self.err(f"{key}.boundary", f"expected a part name, got {n!r}")
            return Region("boundary", piece=tuple(sorted(set(names))))
        known = shape.names()
        sides = shape.sides([c.name for c in self.domain.space])
        for n in names:
            if not isinstance(n, str):
                raise self.err(f"{key}.boundary", f"expected a name, got {n!r}")
            base, dot, side = n.partition(".")
            if base not in known:
                raise self.err(f"{key}.boundary", f"no part of the shape is named {base!r}; "
                               f"names: {', '.join(sorted(known)) or 'none (add name: ...)'}")
            if dot and base not in sides:
                raise self.err(f"{key}.boundary", f"'{base}' has no named sides: only a name "
                               "carried by exactly one rectangle, box, polygon or cylinder has "
                               "(a disk, ellipse or ball has one side; a name on a group names "
                               "several primitives)")
            if dot and side not in sides[base]:
                raise self.err(f"{key}.boundary", f"'{base}' has no side {side!r}; its sides: "
                               f"{', '.join(sides[base])}")
        return Region("boundary", piece=tuple(sorted(set(names))))

    def _scope_for(self, region: Region) -> Scope:
        if region.kind == "face":
            sign = -1 if region.side == "lo" else 1
            return self.scope.with_normal(("face", sp.Symbol(region.coord), sign))
        if region.kind == "boundary" and self.domain.vector is None:
            return self.scope.with_normal(("boundary",))
        return self.scope

    def _conditions(self):
        raw = self.raw.get("conditions") or []
        if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
            raise self.err("conditions", f"expected a list (at most {MAX_ITEMS} items)")
        conditions: list[Condition] = []
        periodic: list[str] = []
        observations: list[Observations] = []
        for i, item in enumerate(raw):
            key = f"conditions.{i}"
            if not isinstance(item, dict):
                raise self.err(key, "expected a mapping such as {where: x = 0, equation: u = 0}")
            if "periodic" in item:
                periodic += self._periodic(item, key)
                continue
            if "data" in item:
                observations.append(self._observations(item, key, len(observations)))
                continue
            conditions += self._condition(item, key)
        # Automatic names that repeat (two 'ic' conditions, say) get a counter; names the
        # user chose are kept, and a clash among them is reported by problem().
        names = [c.name for c in conditions]
        seen: dict[str, int] = {}
        renamed = []
        for c in conditions:
            if names.count(c.name) > 1 and c.name not in self.chosen_names:
                seen[c.name] = seen.get(c.name, 0) + 1
                c = dataclasses.replace(c, name=f"{c.name}_{seen[c.name]}")
            renamed.append(c)
        return renamed, periodic, observations

    def _periodic(self, item: dict, key: str) -> list[str]:
        if set(item) != {"periodic"}:
            raise self.err(key, "a periodic condition is written {periodic: x} alone")
        coords = item["periodic"]
        coords = [coords] if isinstance(coords, str) else coords
        if not isinstance(coords, list):
            raise self.err(f"{key}.periodic", "expected a coordinate name or a list of names")
        for c in coords:
            if c not in [s.name for s in self.domain.space]:
                raise self.err(f"{key}.periodic", f"'{c}' is not a scalar spatial coordinate")
        return list(coords)

    def _normal_in_time(self, region, key: str, field: str, kind: str, value) -> None:
        """Refuse a Neumann or Robin condition at a time face (an ODE's start included): the
        outward normal there points to earlier times (dn(u) = -u_t), so `neumann: v0`
        meant as an initial velocity would impose -v0."""
        time = self.domain.time if self.domain.time is not None else \
            next((c for c in self.domain.space if c.name == self.ode), None)   # an ODE's
        if time is None or not (region.kind == "initial" or (
                region.kind == "face" and region.coord == time.name)):
            return
        t = time.name
        rate = _text(value) if kind == "neumann" else "..."
        raise self.err(key, f"{kind} conditions hold on space boundaries; at a time face the "
                            f"outward normal would be -diff({field}, {t}) at the start: write "
                            f"the rate you mean, equation: diff({field}, {t}) = {rate}")

    def _condition(self, item: dict, key: str) -> list[Condition]:
        kinds = [k for k in ("equation", "dirichlet", "neumann", "robin") if k in item]
        extra = set(item) - {"where", "name", "points", "equation", "dirichlet", "neumann", "robin"}
        if extra:
            raise self.err(f"{key}.{sorted(extra)[0]}",
                           "unknown key; expected where, name, points and one of equation, "
                           "dirichlet, neumann, robin (or periodic, data)")
        if len(kinds) != 1:
            raise self.err(key, "needs exactly one of: equation, dirichlet, neumann, robin")
        if "where" not in item:
            raise self.err(key, "missing 'where' (boundary, initial, interior or 'x = value')")
        if isinstance(item["where"], str) and re.search(r"\bor\b", item["where"]):
            # 'x = 0 or x = 1': one condition per alternative ('and' binds tighter), each
            # with its own name (a chosen name gets _1, _2, ...)
            parts = [p.strip() for p in re.split(r"\bor\b", item["where"])]
            if not all(parts):
                raise self.err(f"{key}.where", f"expected alternatives such as 'x = 0 or x = 1', "
                                               f"got {item['where']!r}")
            out = []
            for i, part in enumerate(parts, 1):
                one = {**item, "where": part}
                if "name" in item and isinstance(item["name"], str):
                    one["name"] = f"{item['name']}_{i}"
                out += self._condition(one, key)
            return out
        region = self._region(item["where"], f"{key}.where")
        kind = kinds[0]
        points = item.get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, int)
                                   or not 1 <= points <= 10_000_000):
            raise self.err(f"{key}.points", "expected a whole number of points")
        if region.kind == "point" and points is None and (
                self.domain.time is None or len(region.point) == self.domain.n_inputs):
            points = 1   # one fixed point: more samples would repeat it
        scope = self._scope_for(region)
        base = item.get("name")
        if base is not None:
            base = self._check_name(base, f"{key}.name")
            self.chosen_names.add(base)
        auto = {"initial": "ic", "boundary": "bc", "interior": "obs"}.get(
            region.kind, f"bc_{region.key}") if not (region.piece or region.select) \
            else f"bc_{region.key[9:]}"
        if self.ode is not None and (region.kind, region.side) == ("face", "lo"):
            auto = "ic"   # an ODE's start
        if kind == "equation":
            expr = parse_equation(item["equation"], scope, file=self.file, key=f"{key}.equation")
            if not expr.has(*self.scope.fields.values()):
                raise self.err(f"{key}.equation", "the condition does not involve any field")
            return [Condition(base or auto, region, expr, _text(item["equation"]), "equation",
                              points=points)]
        spec = item[kind]
        own = [f for f in self.fields if f not in self.promote]   # the file's fields
        if kind == "robin" and isinstance(spec, dict) and spec and set(spec) <= {"a", "b", "value"}:
            spec = {own[0]: spec} if len(own) == 1 else spec
        if not isinstance(spec, dict):
            if len(own) != 1:
                raise self.err(f"{key}.{kind}", "with several fields write {field: value}")
            spec = {own[0]: spec}
        out = []
        for fname, value in spec.items():
            k2 = f"{key}.{kind}.{fname}"
            if fname not in self.fields:
                raise self.err(k2, f"'{fname}' is not a field; fields: {', '.join(self.fields)}")
            u = self.scope.fields[fname]
            name = (base or auto) + (f"_{fname}" if len(spec) > 1 else "")
            if kind == "dirichlet":
                val = parse_expression(value, self.value_scope, file=self.file, key=k2)
                out.append(Condition(name, region, u - val, f"{fname} = {_text(value)}",
                                     "dirichlet", fname, val, points))
                continue
            self._normal_in_time(region, k2, fname, kind, value)
            if scope.normal is None:
                raise self.err(k2, f"{kind} conditions need a face or the boundary of a box")
            flux_scope = self.value_scope.with_normal(scope.normal)   # data may hold n_x
            if kind == "neumann":
                val = parse_expression(value, flux_scope, file=self.file, key=k2)
                dn = parse_expression(f"dn({fname})", scope, file=self.file, key=k2)
                out.append(Condition(name, region, dn - val, f"dn({fname}) = {_text(value)}",
                                     "neumann", fname, None, points))
                continue
            if not isinstance(value, dict) or set(value) - {"a", "b", "value"}:
                raise self.err(k2, "a Robin condition is {a: ..., b: ..., value: ...} meaning "
                                   "a*u + b*dn(u) = value")
            a, b, g = (parse_expression(value.get(n, d), flux_scope, file=self.file,
                                        key=f"{k2}.{n}") for n, d in (("a", 1), ("b", 1), ("value", 0)))
            dn = parse_expression(f"dn({fname})", scope, file=self.file, key=k2)
            out.append(Condition(name, region, a * u + b * dn - g,
                                 f"{a}*{fname} + {b}*dn({fname}) = {g}", "robin", fname, None,
                                 points))
        return out

    def _observations(self, item: dict, key: str, index: int) -> Observations:
        extra = set(item) - {"data", "name"}
        if extra:
            raise self.err(key, "a data condition is {data: file.npz, name: ...}")
        path = item["data"]
        if isinstance(path, dict):
            arrays = self._arrays(path, f"{key}.data")
        elif isinstance(path, str):
            arrays = load_npz(self._file(path, f"{key}.data"), self.file, f"{key}.data")
        else:
            raise self.err(f"{key}.data", "expected the path of an .npz file or a mapping "
                                          "{coordinate or field: 1-D array}")
        inputs = [c.name for c in self.domain.space] + (
            [self.domain.time.name] if self.domain.time else [])
        if self.domain.vector is not None:
            raise self.err(f"{key}.data", "data conditions on vector coordinates are not supported")
        missing = [n for n in inputs if n not in arrays]
        if missing:
            raise self.err(f"{key}.data", f"the file lacks arrays for coordinates {missing}")
        fields = {f: arrays[f] for f in self.fields if f in arrays}
        if not fields:
            raise self.err(f"{key}.data", f"the file has no array named after a field ({self.fields})")
        unknown = sorted(set(arrays) - set(inputs) - set(self.fields))
        if unknown:   # a misspelt field's array would otherwise be dropped without a word
            raise self.err(f"{key}.data", f"{path}: array(s) {', '.join(map(repr, unknown))} "
                                          f"name no coordinate or field; expected "
                                          f"{', '.join(inputs + list(self.fields))}")
        n = arrays[inputs[0]].size
        if n * (len(inputs) + len(fields)) > MAX_DATA_VALUES:
            raise self.err(f"{key}.data", f"{n} observations are more than this loader keeps "
                                          f"({MAX_DATA_VALUES} values in all); subsample them")
        for name, arr in list(fields.items()) + [(i, arrays[i]) for i in inputs]:
            if arr.size != n or arr.ndim != 1:
                raise self.err(f"{key}.data", f"array '{name}' must be 1-D with {n} entries")
        pts = np.stack([arrays[i].astype(float) for i in inputs], axis=1)
        if not np.isfinite(pts).all() or not all(np.isfinite(v).all() for v in fields.values()):
            raise self.err(f"{key}.data", "arrays contain NaN or inf")
        self._inside_ranges(pts, inputs, f"{key}.data")
        name = self._check_name(item.get("name", "data" if index == 0 else f"data{index + 1}"),
                                f"{key}.name")
        return Observations(name, tuple(map(tuple, pts.tolist())),
                            {f: tuple(v.astype(float).tolist()) for f, v in fields.items()})

    def _inside_ranges(self, pts: np.ndarray, inputs: list[str], key: str) -> None:
        """Refuse observations outside the coordinates' ranges (a units slip: hours against
        seconds, mm against m); within a millionth of a range counts as on its edge."""
        d = self.domain
        for j, c in enumerate(d.space + ((d.time,) if d.time else ())):
            tol = 1e-6 * (c.hi - c.lo)
            out = (pts[:, j] < c.lo - tol) | (pts[:, j] > c.hi + tol)
            if out.any():
                raise self.err(key, f"{int(out.sum())} of {len(pts)} observations lie outside "
                                    f"{inputs[j]} ∈ [{c.lo:g}, {c.hi:g}] (the data's "
                                    f"{inputs[j]} spans [{pts[:, j].min():g}, "
                                    f"{pts[:, j].max():g}]); check the units")

    def _arrays(self, value: dict, key: str) -> dict[str, np.ndarray]:
        """Arrays given in the mapping itself (numpy arrays from Python, lists in YAML):
        named after an input coordinate or a field, numeric, 1-D, finite, one length."""
        known = list(self.domain.input_names) + list(self.fields)
        out = {}
        total = 0
        for name, arr in value.items():
            if name not in known:
                raise self.err(f"{key}.{name}", f"unknown name; expected coordinates and "
                                                f"fields: {', '.join(known)}")
            try:
                a = np.asarray(arr, dtype=float)
            except (TypeError, ValueError):
                raise self.err(f"{key}.{name}", "expected a 1-D array of numbers") from None
            total += a.size
            if a.ndim != 1 or total > MAX_DATA_VALUES:
                raise self.err(f"{key}.{name}", "expected a 1-D array of numbers"
                               if a.ndim != 1 else f"more than {MAX_DATA_VALUES} values in all")
            if not np.isfinite(a).all():
                raise self.err(f"{key}.{name}", "contains NaN or inf")
            out[name] = a
        lengths = {n: a.size for n, a in out.items()}
        if len(set(lengths.values())) > 1:
            raise self.err(key, f"arrays differ in length: {lengths}")
        return out

    # -- reference and settings -------------------------------------------------------------
    def _reference(self) -> Reference | None:
        raw = self.raw.get("reference")
        if raw is None:
            return None
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in (
                "exact", "file", "solver", "data"):
            raise self.err("reference", "expected one of {exact: {u: expr}}, {file: ref.npz}, "
                                        "{data: {x: array, u: array}} or {solver: name}")
        kind, value = next(iter(raw.items()))
        if kind == "data":
            if not isinstance(value, dict):
                raise self.err("reference.data", "expected {coordinate or field: 1-D array}")
            arrays = self._arrays(value, "reference.data")
            missing = [n for n in self.domain.input_names if n not in arrays]
            if missing or not set(arrays) & set(self.fields):
                raise self.err("reference.data", f"needs an array per coordinate "
                               f"({', '.join(self.domain.input_names)}) and at least one field "
                               f"({', '.join(self.fields)})" +
                               (f"; missing {', '.join(missing)}" if missing else ""))
            return Reference(data={n: tuple(a.tolist()) for n, a in arrays.items()})
        if kind == "exact":
            if not isinstance(value, dict):
                raise self.err("reference.exact", "expected {field: expression}")
            exact = {}
            for fname, expr in value.items():
                if fname not in self.fields and self.lenient and \
                        fname in (self.raw.get("define") or {}):
                    self.deferred.append(fname)
                    continue
                if fname not in self.fields:
                    raise self.err(f"reference.exact.{fname}", "not a field")
                exact[fname] = parse_expression(expr, self.value_scope, file=self.file,
                                                key=f"reference.exact.{fname}")
            return Reference(exact=exact)
        if kind == "file":
            if not isinstance(value, str):
                raise self.err("reference.file", "expected a path to an .npz file")
            path = self._file(value, "reference.file")
            self._check_reference_file(path)
            return Reference(file=str(path))
        if value not in REFERENCE_SOLVERS:
            raise self.err("reference.solver",
                           f"unknown solver {value!r}; expected one of {', '.join(REFERENCE_SOLVERS)}")
        return Reference(solver=value)

    def _file(self, value: str, key: str) -> Path:
        """A file the problem names: relative paths resolve against the problem's folder
        and must stay inside it (no '..', no symbolic link out), so a folder that is shared
        cannot point quietly at files elsewhere; an absolute path says so openly."""
        if "\0" in value or len(value) > MAX_PATH:
            raise self.err(key, f"not a usable file path (a NUL character, or longer than "
                                f"{MAX_PATH} characters)")
        path = Path(value)
        if path.is_absolute():
            return path
        target = self.base / path
        try:
            within = inside(self.base, target)
        except (OSError, ValueError) as err:
            raise self.err(key, f"cannot resolve '{value[:200]}': {err}") from None
        if not within:
            raise self.err(key, f"'{value[:200]}' resolves outside the problem's folder "
                                f"({self.base}); a relative path must stay inside it (no '..', "
                                "no links out); write an absolute path to use a file elsewhere")
        return target

    def _check_reference_file(self, path: Path) -> None:
        """Read a reference .npz now, so a bad one fails before training, not after it:
        one 1-D array per input coordinate, at least one per field, equal lengths, finite."""
        key = "reference.file"
        arrays = load_npz(path, self.file, key)
        inputs = list(self.domain.input_names)
        missing = [n for n in inputs if n not in arrays]
        if missing:
            raise self.err(key, f"reference file lacks coordinate arrays {missing}")
        fields = [f for f in self.fields if f in arrays]
        if not fields:
            raise self.err(key, f"the reference file has no array named after a field "
                                f"({self.fields})")
        sizes = {n: arrays[n].size for n in inputs + fields}
        if len(set(sizes.values())) > 1:
            raise self.err(key, f"reference arrays differ in length: {sizes}")
        if not all(np.isfinite(arrays[n]).all() for n in inputs + fields):
            raise self.err(key, "reference arrays contain NaN or inf")

    def _settings(self) -> Settings:
        parts = {name: build(cls, self.raw.get(name), self.loc.child(name))
                 for name, cls in _SECTIONS.items()}
        if parts["output"].mesh is not None:   # resolved and checked like domain.mesh
            path = self._file(parts["output"].mesh, "output.mesh")
            check_regular(path, "mesh", lambda m: self.err("output.mesh", m))
            parts["output"] = dataclasses.replace(parts["output"], mesh=str(path))
        phases = parts["training"].phases
        if not phases:
            raise self.err("training.phases", "needs at least one phase")
        for i, stage in enumerate(parts["training"].stages):
            if not stage.phases:
                raise self.err(f"training.stages.{i}.phases", "needs at least one phase")
        return Settings(**parts)


def _operator_input(raw: dict) -> str | None:
    """The input function's name of an ``operator`` section (validated later), if any."""
    op = raw.get("operator")
    if not isinstance(op, dict):
        return None
    spec = op.get("input")
    name = spec.get("name", "a") if isinstance(spec, dict) else "a"
    return name if isinstance(name, str) and name.isidentifier() else None


def _identifiers(value: Any) -> set[str]:
    """Names a definition's text mentions (a superset of those it uses: good for ordering)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", value)) if isinstance(value, str) else set()


def _define_order(deps: dict[str, set[str]], err) -> list[str]:
    """Definitions ordered so each comes after those it uses; a cycle is a SpecError."""
    order: list[str] = []
    state: dict[str, int] = {}          # 1: being visited, 2: done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name):] + [name]
            raise err(f"define.{name}", "definitions refer to each other in a cycle: "
                                        + " -> ".join(cycle))
        state[name] = 1
        for dep in sorted(deps[name]):
            visit(dep, path + [name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order


def _text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    return str(value)
