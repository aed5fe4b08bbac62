"""Hostile and malformed problem files: every one must end in a SpecError, fast, harmlessly.

Problem files are untrusted input. Each case below is written to a temporary YAML file (or
passed as a mapping / override where that is the natural route) and handed to
``load_problem``. The contract checked for every case:

* the only exception is :class:`pinnsolve.errors.SpecError` (no TypeError, ValueError,
  RecursionError, ... leaking from SymPy, PyYAML or NumPy);
* its message starts with the file name and, where the problem sits at a key, names that key;
  ``match`` is a regex on the part of the message that says what was wrong;
* it finishes well within ``TIME_LIMIT_S``;
* nothing happens on the side: a ``sys.addaudithook`` hook (gated by a module-level flag,
  because hooks cannot be removed) records process creation, sockets, writes, deletions,
  ``exec``/``compile`` of anything but module imports and ``ast.parse``, unpickling, and
  first-time imports of dangerous modules (lazy imports of SymPy modules and
  ``typing.get_type_hints`` evaluating the settings dataclasses' own annotation strings are
  recognised as benign). Attack strings that would run a command ``touch``
  a unique sentinel path, which must never exist.

Cases marked ``bug=...`` are real defects of the loader/parser found while writing this
corpus; they are strict xfails so that a fix shows up as XPASS and the mark can be removed.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import re
import signal
import sys
import tempfile
import threading
import time
import types
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import sympy as sp
import yaml

import pinnsolve
from _problems import BURGERS
from pinnsolve.errors import SpecError
from pinnsolve.spec import load_problem, schema

TIME_LIMIT_S = 5.0
SENTINEL = Path(tempfile.gettempdir()) / f"pinnsolve-pwned-{os.getpid()}-{uuid.uuid4().hex}"
TOUCH = f"touch {SENTINEL}"

# --------------------------------------------------------------------------------------------
# Side-effect audit
# --------------------------------------------------------------------------------------------
_AUDIT_ON = False                      # the hook below does nothing unless this is True
_AUDIT_LOG: list[str] = []
_READ_OK: tuple[str, ...] = ()         # directories whose files may be read (the case's tmp dir)


def _roots(*paths) -> tuple[str, ...]:
    out = set()
    for p in paths:
        if p:
            out.add(os.path.abspath(p).rstrip(os.sep) + os.sep)
            out.add(os.path.realpath(p).rstrip(os.sep) + os.sep)
    return tuple(sorted(out))


# Where installed code lives: reading, compiling and executing module files from here is the
# import machinery loading a module lazily (SymPy does that on first use of some features).
_CODE_ROOTS = _roots(sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                     os.path.dirname(pinnsolve.__file__))

_FORBIDDEN_EVENTS = frozenset({
    "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "os.putenv", "os.unsetenv",
    "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.symlink",
    "os.link", "os.utime", "os.startfile", "shutil.rmtree", "shutil.copyfile", "shutil.move",
    "shutil.copytree", "shutil.make_archive", "shutil.unpack_archive", "ctypes.dlopen",
    "ctypes.dlsym", "ctypes.call_function", "pickle.find_class", "urllib.Request",
    "http.client.connect", "webbrowser.open", "builtins.input", "tempfile.mkstemp",
    "tempfile.mkdtemp", "ftplib.connect", "smtplib.connect", "sqlite3.connect", "os.rename",
})
_DENY_IMPORTS = frozenset({
    "os", "posix", "subprocess", "socket", "pty", "ctypes", "multiprocessing", "shutil",
    "webbrowser", "http", "urllib", "ftplib", "smtplib", "telnetlib", "pickle", "shelve",
    "code", "codeop", "pdb", "runpy", "ssl",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _under(path: Any, roots: tuple[str, ...]) -> bool:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return False
    path = os.path.abspath(path)
    return any(path.startswith(r) for r in roots)


def _annotation_sources() -> tuple[frozenset, frozenset]:
    """The annotation strings of the settings dataclasses and fingerprints of their code.

    ``schema.build`` calls ``typing.get_type_hints``, which compiles and evaluates these
    strings (``from __future__ import annotations``). They come from pinnsolve's source, not
    from the problem file, so exactly these are allowed.
    """
    texts = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            for klass in obj.__mro__:
                texts.update(v for v in vars(klass).get("__annotations__", {}).values()
                             if isinstance(v, str))
    codes = set()
    for text in texts:
        code = compile(text, "<string>", "eval")
        codes.add((code.co_code, code.co_names, code.co_consts))
    return frozenset(texts), frozenset(codes)


_ANNOTATION_TEXTS, _ANNOTATION_CODES = _annotation_sources()


def _is_bytecode_cache(*paths) -> bool:
    """The import machinery writing ``__pycache__/*.pyc`` (atomically: temp file + rename)."""
    return all(isinstance(p, (str, bytes)) and "__pycache__" in os.fsdecode(p) for p in paths)


def _classify(event: str, args: tuple) -> str | None:
    """Describe a harmful event, or None for a benign one."""
    if event == "os.rename" and _is_bytecode_cache(*args[:2]):
        return None
    if event in _FORBIDDEN_EVENTS or event.startswith(("socket.", "subprocess.")):
        return f"{event}{args!r}"[:300]
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(path, int):
            return None  # os.fdopen of a descriptor: its os.open was audited already
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writes:
            return None if _is_bytecode_cache(path) else f"open for writing: {path!r} {mode!r}"
        if _under(path, _READ_OK) or _under(path, _CODE_ROOTS):
            return None  # the problem file, its npz, or a module file being imported
        return f"read outside the problem directory: {path!r}"
    if event == "exec":
        code = args[0] if args else None
        if (isinstance(code, types.CodeType) and code.co_name == "<module>"
                and _under(code.co_filename, _CODE_ROOTS)):
            return None  # a module body run by a (lazy) import
        if (isinstance(code, types.CodeType) and code.co_filename == "<string>"
                and (code.co_code, code.co_names, code.co_consts) in _ANNOTATION_CODES):
            return None  # typing.get_type_hints evaluating a settings annotation
        return f"exec of {code!r}"[:300]
    if event == "compile":
        source, filename = (tuple(args) + (None, None))[:2]
        text = os.fsdecode(source) if isinstance(source, bytes) else source
        if filename == "<unknown>" or _under(filename, _CODE_ROOTS):
            return None  # ast.parse (tree only, never run) or a module being imported
        if filename == "<string>" and text in _ANNOTATION_TEXTS:
            return None  # typing.get_type_hints on the settings dataclasses
        return f"compile of {text!r:.120} as {filename!r}"
    if event == "import":
        module = args[0] if args else ""
        if isinstance(module, str) and module not in sys.modules and (
                module in _DENY_IMPORTS or module.split(".")[0] in _DENY_IMPORTS):
            return f"import of {module}"
    return None


def _audit_hook(event: str, args: tuple) -> None:
    if not _AUDIT_ON or threading.current_thread() is not threading.main_thread():
        return
    try:
        problem = _classify(event, args)
    except Exception as exc:  # never let the hook itself break the code under test
        problem = f"audit hook failed on {event}: {exc!r}"
    if problem:
        _AUDIT_LOG.append(problem)


sys.addaudithook(_audit_hook)


@contextmanager
def audited(read_ok: tuple[Path, ...] = ()):
    """Record harmful events while the body runs; yields the list of records."""
    global _AUDIT_ON, _READ_OK
    log: list[str] = []
    _READ_OK = _roots(*read_ok)
    _AUDIT_LOG.clear()
    _AUDIT_ON = True
    try:
        yield log
    finally:
        _AUDIT_ON = False
        log.extend(_AUDIT_LOG)
        _AUDIT_LOG.clear()
        _READ_OK = ()


class _Stopped(BaseException):
    """Raised by the alarm when a case runs past its hard stop (BaseException, so that no
    ``except Exception`` in the code under test swallows it)."""


@contextmanager
def hard_stop(seconds: float):
    """Interrupt a runaway case (main thread only; elsewhere only the elapsed time is checked)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def ring(signum, frame):
        raise _Stopped()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------------
# Building the inputs
# --------------------------------------------------------------------------------------------
BASE = BURGERS
VECTOR = {
    "domain": {"x": {"dim": 10, "shape": "ball"}},
    "fields": ["u"],
    "equations": ["laplacian(u) = 0"],
    "conditions": [{"where": "boundary", "dirichlet": 0}],
}
PLANE = {
    "domain": {"x": [0, 1], "y": [0, 1]},
    "fields": ["u"],
    "equations": ["laplacian(u) = 0"],
    "conditions": [{"where": "boundary", "dirichlet": 0}],
}


def problem(base: dict = BASE, **changes) -> dict:
    """A deep copy of ``base`` with top-level keys replaced (a value of None removes the key)."""
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def nested_set(mapping: dict, dotted: str, value) -> dict:
    node = mapping
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return mapping


def write_yaml(tmp: Path, data: dict, name: str = "problem.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, width=1 << 30, sort_keys=False), encoding="utf-8")
    return path


def write_raw(tmp: Path, content: str | bytes, name: str = "problem.yaml") -> Path:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def balanced_product(leaf: str, n: int) -> str:
    """``leaf`` multiplied n times as a balanced tree (shallow, so no nesting limit trips)."""
    if n == 1:
        return leaf
    return f"({balanced_product(leaf, n // 2)}*{balanced_product(leaf, n - n // 2)})"


class _Touch:
    """Unpickling this runs ``touch SENTINEL``; pickling it (done here) runs nothing."""

    def __reduce__(self):
        return (os.system, (TOUCH,))


def npz_with_pickled_object(tmp: Path) -> dict:
    arr = np.array([_Touch(), 1.0, 2.0], dtype=object)
    np.savez(tmp / "evil.npz", x=arr, t=np.zeros(3), u=np.zeros(3), allow_pickle=True)
    return write_yaml(tmp, problem(conditions=BASE["conditions"] + [{"data": "evil.npz"}]))


def raw_pickle_named_npz(tmp: Path) -> Path:
    (tmp / "evil.npz").write_bytes(pickle.dumps({"x": _Touch()}))
    return write_yaml(tmp, problem(conditions=BASE["conditions"] + [{"data": "evil.npz"}]))


def npz_complex(tmp: Path) -> Path:
    np.savez(tmp / "c.npz", x=np.zeros(3), t=np.zeros(3), u=np.zeros(3) * 1j)
    return write_yaml(tmp, problem(conditions=BASE["conditions"] + [{"data": "c.npz"}]))


def plain_npy(tmp: Path) -> Path:
    np.save(tmp / "obs.npy", np.zeros(3))
    return write_yaml(tmp, problem(conditions=BASE["conditions"] + [{"data": "obs.npy"}]))


def billion_laughs() -> str:
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 10):
        lines.append(f"lol{k}: &lol{k} [" + ", ".join([f"*lol{k - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep_block_yaml(levels: int) -> str:
    return "".join("  " * k + f"k{k}:\n" for k in range(levels)) + "  " * levels + "v\n"


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attack:
    id: str
    make: Callable[[Path], Any]     # tmp dir -> path of a problem file, or a mapping
    match: str                      # regex that must occur in str(SpecError)
    key: str | None = None          # the dotted key the error must name ("" = whole file)
    overrides: tuple[str, ...] = ()
    bug: str | None = None          # strict-xfail reason for a known defect
    stop_after: float = TIME_LIMIT_S


def at(where: str, text: Any, base: dict = BASE):
    """A problem file with ``text`` placed at dotted key ``where``."""
    return lambda tmp: write_yaml(tmp, nested_set(copy.deepcopy(base), where, text))


def as_mapping(where: str, value: Any, base: dict = BASE):
    return lambda tmp: nested_set(copy.deepcopy(base), where, value)


def equation(case_id: str, text: str, match: str, **kw) -> Attack:
    """``text`` as the whole (only) PDE: key equations.0."""
    return Attack(case_id, at("equations.0", text), match, "equations.0", **kw)


def parameter(case_id: str, text: str, match: str, **kw) -> Attack:
    """``text`` as a second parameter after nu: key parameters.a."""
    return Attack(case_id, at("parameters.a", text), match, "parameters.a", **kw)


def dirichlet(case_id: str, text: str, match: str, **kw) -> Attack:
    """``text`` as the value of the Dirichlet condition at x = -1."""
    return Attack(case_id, at("conditions.1.dirichlet", text), match,
                  "conditions.1.dirichlet.u", **kw)


def raw_file(case_id: str, content: str | bytes, match: str, **kw) -> Attack:
    return Attack(case_id, lambda tmp: write_raw(tmp, content), match, "", **kw)


def setting(case_id: str, dotted: str, value: Any, match: str, key: str | None = None,
            **kw) -> Attack:
    return Attack(case_id, at(dotted, value), match, key or dotted, **kw)


def override(case_id: str, items: tuple[str, ...], match: str, key: str, base: dict = BASE,
             **kw) -> Attack:
    return Attack(case_id, lambda tmp: write_yaml(tmp, copy.deepcopy(base)), match, key,
                  overrides=items, **kw)


PLAIN_CALLS = "only plain function names can be called"
DEEP = r"nest(s|ed)? (too )?deep"

CORPUS: list[Attack] = [
    # -- Python eval escapes -----------------------------------------------------------------
    equation("import-os-system", f"__import__('os').system('{TOUCH}')", PLAIN_CALLS),
    equation("import-call", "__import__('os')", r"unknown function '__import__'"),
    equation("subclasses-walk", "().__class__.__bases__[0].__subclasses__()", PLAIN_CALLS),
    equation("open-passwd-read", "open('/etc/passwd').read()", PLAIN_CALLS),
    equation("open-passwd", "open('/etc/passwd')", r"unknown function 'open'"),
    equation("exec", f"exec(\"import os; os.system('{TOUCH}')\")", r"unknown function 'exec'"),
    equation("eval", f"eval(\"__import__('os').system('{TOUCH}')\")", r"unknown function 'eval'"),
    equation("getattr", "getattr(u, '__globals__')", r"unknown function 'getattr'"),
    equation("globals", "globals()", r"unknown function 'globals'"),
    equation("builtins-name", "__builtins__", r"unknown name '__builtins__'"),
    equation("fullwidth-exec", "\uff45\uff58\uff45\uff43('1')", r"unknown function 'exec'"),
    equation("lambda", "lambda: 0", r"lambda (is|are) not allowed"),
    equation("lambda-called", "(lambda: 0)()", PLAIN_CALLS),
    equation("list-comprehension", "[i for i in range(10)]", r"comprehensions (is|are) not allowed"),
    equation("dict-comprehension", "{i: i for i in range(3)}", r"comprehensions (is|are) not allowed"),
    equation("set-comprehension", "{i for i in range(3)}", r"comprehensions (is|are) not allowed"),
    equation("generator-expression", "(i for i in range(3))", r"generator expressions"),
    # [a, b] is a vector (vector equations, div([u, v])): bounded in length and refused
    # where a scalar is needed
    equation("list-literal", "[u, u, u, u]", r"a vector \[a, b, \.\.\.\] has 1 to 3 components"),
    equation("list-in-scalar", "sin([u, x])", r"gives a vector here"),
    parameter("walrus", "(y := 1)", r"':=' assignment is not allowed"),
    equation("f-string", "f'{u}'", r"strings? (is|are) not allowed"),
    equation("string", "'rm -rf /'", r"strings (is|are) not allowed"),
    equation("bytes", "b'\\x00'", r"literal of type bytes"),
    equation("complex-literal", "u + 1j", r"literal of type complex"),
    equation("ellipsis", "u + ...", r"literal of type ellipsis"),
    equation("attribute-field", "u.func", r"attribute access"),
    equation("attribute-dunder", "sin.__globals__", r"attribute access"),
    equation("subscript-field", "u[0]", r"indexing is only allowed on a vector coordinate"),
    equation("subscript-coordinate", "x[0]", r"indexing is only allowed on a vector coordinate"),
    equation("sympy-Function", "Function('f')(x)", PLAIN_CALLS),
    equation("sympy-Function-name", "Function('f')", r"unknown function 'Function'"),
    equation("sympy-Symbol", "Symbol('x')", r"unknown function 'Symbol'"),
    equation("sympify", f"sympify(\"__import__('os').system('{TOUCH}')\")",
             r"unknown function 'sympify'"),
    equation("sympy-S", "S('x')", r"unknown function 'S'"),
    equation("sympy-Integer", "Integer(10)", r"unknown function 'Integer'"),
    dirichlet("keyword-argument", "diff(t**2, t, evaluate=False)",
              r"keyword arguments (is|are) not allowed"),
    equation("starred-argument", "u = Max(*[x, t])", r"'\*' unpacking is not allowed"),
    equation("if-expression", "u if x else 0", r"'if \.\.\. else'"),
    equation("not-operator", "u + (not x)", r"operator 'Not' is not allowed"),
    equation("matmul", "u @ x", r"operator 'MatMult' is not allowed"),
    equation("modulo", "u % 2", r"operator 'Mod' is not allowed"),
    equation("bool-literal", "u + True", r"True/False can only end a Piecewise"),
    equation("comparison-outside-piecewise", "u < 1", r"comparisons are only allowed"),
    equation("double-equals", "u == 0", r"single '='"),
    equation("two-equals", "u = 0 = x", r"more than one '='"),
    Attack("null-byte", as_mapping("equations.0", "u\x00 = 0"), r"(null|not a valid|cannot be parsed)",
           "equations.0"),
    Attack("sympy-symbol-with-code",
           as_mapping("equations.0", sp.Symbol(f"__import__('os').system('{TOUCH}')")),
           PLAIN_CALLS, "equations.0"),
    Attack("sympy-undefined-function", as_mapping("equations.0", sp.Function("f")(sp.Symbol("x"))),
           r"unknown function 'f'", "equations.0"),
    Attack("python-object", as_mapping("equations.0", object()),
           r"expected an expression \(text or SymPy\), got object", "equations.0"),

    equation("sympy-Lambda", "Lambda(x, x)(1)", PLAIN_CALLS),
    equation("sympy-lambdify", "lambdify(x, x)", r"unknown function 'lambdify'"),
    equation("sympy-Integral", "Integral(u, x)", r"unknown function 'Integral'"),
    equation("sympy-UndefinedFunction", "UndefinedFunction('f')", r"unknown function"),
    equation("mro-walk", "[].__class__.__mro__[1].__subclasses__()", PLAIN_CALLS),
    equation("dict-class", "{}.__class__", r"attribute access"),
    equation("breakpoint", "breakpoint()", r"unknown function 'breakpoint'"),
    equation("compile-call", "compile('1', 'f', 'eval')", r"strings are not allowed|unknown function"),
    equation("vars-call", "vars()", r"unknown function 'vars'"),
    equation("dunder-name-call", "__loader__.load_module('os')", PLAIN_CALLS),
    equation("semicolon-statement", "u; __import__('os')", r"not a valid expression"),
    equation("newline-statement", "u\nimport os", r"not a valid expression"),
    Attack("sympy-srepr-payload", as_mapping("equations.0", sp.Function("__import__")(sp.Symbol("x"))),
           r"unknown function '__import__'", "equations.0"),

    # -- sizes: numbers, nesting, length, derivative order ------------------------------------
    parameter("power-tower-9", "9**9**9", r"exponent must be a real number of magnitude at most"),
    parameter("power-tower-negative", "(-9)**9**9", r"exponent must be a real number"),
    parameter("power-float-exponent", "2.0**1e9", r"exponent must be a real number"),
    parameter("factorial-like", "Max(9**64, 9**64)**64", r"overflow|too large"),
    parameter("power-tower", "10**10**10", r"exponent must be a real number of magnitude at most"),
    parameter("big-exponent", "2**99999", r"exponent must be a real number of magnitude at most"),
    parameter("big-power-result", "(10**30)**60", r"number overflows"),
    parameter("integer-1000-digits", "1" * 1000, r"integer literal longer than 30 digits"),
    parameter("float-overflow", "1e999", r"overflows to infinity"),
    equation("parentheses-5000", "(" * 5000 + "u" + ")" * 5000,
             r"(\d+ characters long|nest deeper)"),
    equation("parentheses-1999", "(" * 1999 + "u" + ")" * 1999, r"brackets nest deeper than"),
    equation("sin-nested-500", "sin(" * 500 + "u" + ")" * 500, r"brackets nest deeper than"),
    equation("unary-minus-1900", "-" * 1900 + "u", r"(nest|more than \d+ parts)"),
    equation("wide-sum-nodes", "u" + "+u" * 1500, r"more than \d+ parts"),
    Attack("expression-1MB", as_mapping("equations.0", "u" + "+x" * 500_000),
           r"expression is 1000001 characters long", "equations.0"),
    equation("derivative-order-1000", "diff(u, x, 1000)",
             r"derivative order must be an integer from 1 to 8"),
    equation("derivative-order-total", "diff(u, x, 5, t, 5)", r"total derivative order above"),
    equation("derivative-by-field", "diff(u, u)", r"can only differentiate with respect to"),
    equation("piecewise-too-many",
             "u = Piecewise(" + ", ".join(f"({k}, x < {k})" for k in range(40)) + ")",
             r"Piecewise takes 1 to 32"),

    # -- names -------------------------------------------------------------------------------
    equation("unknown-function", "u = foo(x)", r"unknown function 'foo'"),
    equation("unknown-name", "u = y", r"unknown name 'y'"),
    equation("caret-power", "u = x ^ 2", r"'\^' is not a power; write a\*\*b"),
    equation("sum-without-vector", "u = Sum(x, (i, 0, 3))", r"Sum\(\) needs a vector coordinate"),
    equation("field-elsewhere", "u(0, t) = 0", r"field u can only be written u\(x, t\)"),
    Attack("vector-name-bare", at("equations.0", "laplacian(u) = x", VECTOR),
           r"'x' is a vector coordinate", "equations.0"),
    Attack("vector-index-outside-range", at("equations.0", "laplacian(u) = x[10]", VECTOR),
           r"index must be an integer in \[0, 9\]", "equations.0"),
    Attack("vector-index-nonlinear",
           at("equations.0", "laplacian(u) = Sum(x[i*i], (i, 0, dim - 1))", VECTOR),
           r"an index must be a Sum index plus or minus an integer", "equations.0"),
    Attack("field-named-dunder", at("fields", ["__class__"]), r"expected a plain name", "fields.0"),
    Attack("field-named-builtin", at("fields", ["sin"]), r"reserved", "fields.0"),
    Attack("parameter-named-eval-code", at("parameters", {"nu": "0.01", "os.system": "1"}),
           r"expected a plain name", "parameters.os.system"),
    Attack("where-code", at("conditions.0.where", f"__import__('os').system('{TOUCH}') = 0"),
           r"is not a scalar coordinate", "conditions.0.where"),
    Attack("dn-in-pde", at("equations.0", "dn(u) = 0", PLANE),
           r"dn\(\.\.\.\) \(outward normal derivative\) is only allowed in a boundary",
           "equations.0"),

    # -- YAML --------------------------------------------------------------------------------
    raw_file("yaml-python-apply", f'name: !!python/object/apply:os.system ["{TOUCH}"]\n',
             r"python/object/apply:os\.system"),
    raw_file("yaml-python-name", "name: !!python/name:os.system\n", r"python/name:os\.system"),
    raw_file("yaml-python-new", f'name: !!python/object/new:subprocess.Popen [["touch", "{SENTINEL}"]]\n',
             r"python/object/new:subprocess\.Popen"),
    raw_file("yaml-python-module", "name: !!python/module:os\n", r"python/module:os"),
    # Found by tests/fuzzing.py: these escaped as ReaderError / AttributeError / KeyError.
    raw_file("yaml-control-character", "name: a\x0fb\n", r"invalid YAML"),
    raw_file("yaml-bad-timestamp-tag", "name: !!timestamp '0'\n", r"!!timestamp .* not allowed"),
    raw_file("yaml-implicit-date", "name: 2001-12-14\n", r"quote dates"),
    raw_file("yaml-bad-bool-tag", "name: !!bool maybe\n", r"invalid YAML value"),
    raw_file("yaml-binary-tag", "name: !!binary AAAA\n", r"!!binary .* not allowed"),
    raw_file("yaml-billion-laughs", billion_laughs(), r"expands to more than \d+ nodes"),
    raw_file("yaml-recursive-alias", "a: &a [*a, *a]\n", r"expands to more than \d+ nodes"),
    raw_file("yaml-deep-flow", "a: " + "[" * 700 + "]" * 700 + "\n", DEEP),
    raw_file("yaml-deep-block", deep_block_yaml(80), r"nests deeper than 50 levels"),
    raw_file("yaml-over-1MiB", "name: " + "a" * (1 << 20) + "\n", r"bytes; problem files are limited"),
    raw_file("yaml-not-utf8", b"fields: [\xff\xfe\xfa]\n", r"UTF-8"),
    raw_file("yaml-top-list", "- domain\n- fields\n", r"expected a mapping at the top level, got list"),
    raw_file("yaml-top-scalar", "just a string\n", r"expected a mapping at the top level, got str"),
    raw_file("yaml-empty", "", r"the file is empty"),
    raw_file("yaml-two-documents", "a: 1\n---\nb: 2\n", r"invalid YAML"),
    raw_file("yaml-syntax", "domain: {x: [-1, 1]\n", r"invalid YAML at line"),
    raw_file("yaml-unhashable-key", "? [a, b]\n: 1\n", r"invalid YAML"),
    Attack("yaml-directory", lambda tmp: tmp, r"not a regular file", ""),
    Attack("yaml-missing", lambda tmp: tmp / "nope.yaml", r"cannot read the problem file", ""),
    Attack("yaml-big-int-5000-digits", lambda tmp: write_raw(
        tmp, yaml.safe_dump(problem(parameters=None))[:-1] + "\nparameters: {a: " + "7" * 5000 + "}\n"),
        r"(integer|too long|digits)", ""),
    Attack("yaml-big-hex-int", (lambda tmp: write_raw(
        tmp, yaml.safe_dump(problem(parameters=None))[:-1] + "\nparameters: {a: 0x" + "f" * 4000 + "}\n")),
        r"(integer|digits)", "parameters.a"),

    # -- settings ----------------------------------------------------------------------------
    setting("steps-not-a-number", "training.phases", [{"steps": "many"}],
            r"expected a whole number, got 'many'", key="training.phases.0.steps"),
    setting("width-negative", "model.width", -3, r"must be at least 1, got -3"),
    setting("model-kind-unknown", "model.kind", "transformer",
            r"expected one of mlp, modified_mlp; got 'transformer'"),
    setting("seed-bool", "training.seed", True, r"expected a whole number, got True"),
    setting("lr-nan", "training.phases", [{"lr": float("nan")}], r"expected a finite number",
            key="training.phases.0.lr"),
    setting("model-not-mapping", "model", "mlp", r"expected a mapping of settings"),
    setting("settings-unknown-key", "model.widht", 3, r"unknown key; expected one of: kind, width"),
    setting("formats-unknown", "output.formats", ["exe"], r"expected one of vtu, xdmf, npz, png",
            key="output.formats.0"),
    Attack("top-level-unknown-key", at("__class__", "x"), r"unknown key; expected one of: name",
           "__class__"),
    Attack("name-not-identifier", at("name", "../../etc/passwd"), r"expected a simple name", "name"),
    Attack("vector-dim-huge", at("domain.x.dim", 10**12, VECTOR), r"expected a whole number from 1",
           "domain.x.dim"),
    Attack("vector-dim-text", at("domain.x.dim", "10", VECTOR), r"expected a whole number from 1",
           "domain.x.dim"),
    Attack("reference-solver-unknown", at("reference", {"solver": "os.system"}),
           r"unknown solver 'os.system'", "reference.solver"),
    Attack("float-setting-huge-int", at("model.fourier_scale", 10**400),
           r"must be at most", "model.fourier_scale"),
    Attack("time-key-list", at("time", ["t"]), r"time", "time"),

    # -- data files --------------------------------------------------------------------------
    Attack("npz-pickled-object-array", npz_with_pickled_object,
           r"Object arrays cannot be loaded|not numeric|pickled arrays are refused", "conditions.3.data"),
    Attack("npz-is-a-raw-pickle", raw_pickle_named_npz, r"pickled", "conditions.3.data"),
    Attack("npz-complex-array", npz_complex, r"array 'u' is not numeric", "conditions.3.data"),
    Attack("npz-missing", at("conditions", BASE["conditions"] + [{"data": "nothing.npz"}]),
           r"cannot read .*nothing\.npz", "conditions.3.data"),
    Attack("npz-path-not-text", at("conditions", BASE["conditions"] + [{"data": ["a.npz"]}]),
           r"expected the path of an \.npz file", "conditions.3.data"),
    Attack("data-is-plain-npy", plain_npy, r"\.npz", "conditions.3.data"),

    # -- overrides ---------------------------------------------------------------------------
    override("override-no-equals", ("training.phases.0.steps",), r"must look like key\.path=value",
             "training.phases.0.steps"),
    override("override-empty-part", ("training..steps=1",), r"has an empty key part",
             "training..steps"),
    override("override-index-out-of-range", ("equations.5=u = 0",),
             r"'5' is not an index of this list \(length 1\)", "equations.5"),
    override("override-negative-index", ("equations.-1=u = 0",), r"is not an index of this list",
             "equations.-1"),
    override("override-into-plain-value", ("name.x=1",), r"cannot set a key inside a plain value",
             "name", base=problem(name="burgers")),
    override("override-into-interval", ("domain.x.dim=3",), r"'dim' is not an index of this list",
             "domain.x.dim"),
    override("override-unknown-section", ("evil.cmd=1",), r"unknown key", "evil"),
    override("override-yaml-tag", (f"name=!!python/object/apply:os.system ['{TOUCH}']",),
             r"expected a simple name", "name"),
    override("override-bad-type", ("model.width=wide",), r"expected a whole number, got 'wide'",
             "model.width"),
    override("override-too-long", ("name=" + "a" * 3000,), r"value too long", "name"),
    override("override-deep-brackets", ("name=" + "[" * 900 + "]" * 900,), r"name", "name"),

    # -- known defects in the expression parser ----------------------------------------------
    equation("hex-literal-4000-digits", "u = 0x" + "f" * 3990, r"integer literal longer"),
    parameter("constant-product-blowup", balanced_product("9**64", 80),
              r"(overflow|too large|digits)"),
    parameter("exp-tower", "exp(exp(exp(exp(10))))", r"not finite|overflow"),
    equation("piecewise-complex-comparison", "u = Piecewise((1, x < sqrt(-1)), (0, True))",
             r"real|comparison"),
    equation("piecewise-non-boolean-condition", "u = Piecewise((1, x), (0, True))",
             r"condition"),
    equation("division-by-zero-constant", "u = 1/0", r"infinit|zero|finite"),
    Attack("vector-index-function-of-i",
           at("equations.0", "laplacian(u) = Sum(x[sin(i)], (i, 0, dim - 1))", VECTOR),
           r"an index must be", "equations.0"),
    Attack("vector-index-past-end",
           at("equations.0", "laplacian(u) = Sum(x[i + dim], (i, 0, dim - 1))", VECTOR),
           r"index", "equations.0"),
    equation("nested-diff-order-bypass", "diff(diff(diff(u, x, 8), x, 8), x, 8) = 0",
             r"derivative order"),
    equation("diff-of-long-product",
             "diff(u*" + "*".join(f"sin({k}*x)" for k in range(1, 9)) + ", x, 8) = 0",
             r"too (large|complex|many)",
             # Was a denial of service (C(n+7, 8) product-rule terms: 8 factors took over 6 s,
             # 20 never finished); derivatives are now built one order at a time under a
             # size budget. 1.5 s leaves room for a loaded machine (measured ~0.15 s).
             stop_after=1.5),
    # -- stop 45's attack review ---------------------------------------------------------
    parameter("exp-tower-20", "exp(exp(exp(exp(20))))", r"finite"),
    override("override-superscript-index", ("training.phases.².steps=1",), r"not an index",
             "training.phases.²"),
    override("negative-weight", ("training.weights.pde=-1000000",), r"zero or positive",
             "training.weights.pde"),
    setting("reference-path-with-nul", "reference", {"file": "ref\x00.npz"},
            r"not a usable file path", key="reference.file"),
    setting("output-mesh-outside", "output", {"mesh": "../outside.vtu"},
            r"resolves outside the problem's folder", key="output.mesh"),
    Attack("define-chain-doubling", at("define", {"a0": "sin(x) + t", **{
        f"a{k}": f"sin(a{k - 1}) + cos(a{k - 1})" for k in range(1, 19)}}),
        r"grows past", "define.a13"),
    equation("diff-of-long-sum-of-products",
             " + ".join(f"diff(u*sin({k}*x)*cos(x)*exp(x), x, 8)" for k in range(30)) + " = 0",
             r"too large"),
]


def _param(case: Attack):
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


@dataclass
class Outcome:
    error: BaseException | None
    elapsed: float
    events: list[str]
    file: str


def attempt(case: Attack, tmp: Path) -> Outcome:
    source = case.make(tmp)
    file = "<mapping>" if isinstance(source, dict) else str(source)
    error: BaseException | None = None
    with hard_stop(case.stop_after):
        start = time.perf_counter()
        try:
            with audited(read_ok=(tmp,)) as events:
                load_problem(source, case.overrides)
        except (Exception, _Stopped) as exc:
            error = exc
        elapsed = time.perf_counter() - start
    return Outcome(error, elapsed, events, file)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------
def test_corpus_is_large_and_ids_are_unique():
    ids = [c.id for c in CORPUS]
    assert len(ids) == len(set(ids))
    assert len([c for c in CORPUS if not c.bug]) >= 40


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS])
def test_attack_is_rejected_with_spec_error(case: Attack, tmp_path: Path):
    out = attempt(case, tmp_path)
    assert not isinstance(out.error, _Stopped), (
        f"still running after {case.stop_after} s (stopped)")
    assert out.elapsed < TIME_LIMIT_S, f"took {out.elapsed:.2f} s"
    assert out.error is not None, "the input was accepted"
    assert isinstance(out.error, SpecError), (
        f"{type(out.error).__name__} leaked instead of SpecError: {str(out.error)[:300]}")
    err = out.error
    message = str(err)
    assert err.file == out.file
    assert message.startswith(out.file)
    if case.key is not None:
        assert err.key == case.key, message[:300]
        if case.key:
            assert f"key '{case.key}'" in message
    assert err.reason and len(message) < 2000
    assert re.search(case.match, message), message[:400]
    assert out.events == [], out.events
    assert not SENTINEL.exists()


def test_whole_corpus_has_no_side_effects(tmp_path: Path):
    """Run every case, known defects included, in one audited sweep."""
    recorded: dict[str, list[str]] = {}
    for k, case in enumerate(CORPUS):
        tmp = tmp_path / f"case{k}"
        tmp.mkdir()
        out = attempt(case, tmp)
        if out.events:
            recorded[case.id] = out.events
    assert recorded == {}
    assert not SENTINEL.exists()


def test_audit_hook_sees_what_it_should(tmp_path: Path):
    """The audit is live: code execution, writes, foreign reads and new imports are caught,
    while reads inside the allowed directory and ast.parse are not."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "problem.yaml").write_text("a: 1")
    (tmp_path / "foreign.txt").write_text("secret")
    saved = sys.modules.pop("smtplib", None)
    try:
        with audited(read_ok=(allowed,)) as events:
            (allowed / "problem.yaml").read_text()
            __import__("ast").parse("u + 1", mode="eval")
            eval(compile("1 + 1", "<string>", "eval"))
            with open(allowed / "written.txt", "w") as fh:
                fh.write("x")
            (tmp_path / "foreign.txt").read_text()
            __import__("smtplib")
    finally:
        if saved is not None:
            sys.modules["smtplib"] = saved
    text = "\n".join(events)
    assert "compile of '1 + 1' as '<string>'" in text
    assert "exec of <code object <module>" in text
    assert "open for writing" in text and "written.txt" in text
    assert "read outside the problem directory" in text and "foreign.txt" in text
    assert "import of smtplib" in text
    assert "problem.yaml" not in text and "u + 1" not in text


def test_audit_hook_is_off_outside_the_window(tmp_path: Path):
    (tmp_path / "outside.txt").write_text("x")  # not recorded: the flag is off
    assert _AUDIT_LOG == []
    assert not _AUDIT_ON


def test_valid_problem_passes_the_same_checks(tmp_path: Path):
    """Control: the base problem loads quietly, reading only its own file and npz."""
    np.savez(tmp_path / "obs.npz", x=np.array([0.0, 0.5]), t=np.array([0.1, 0.2]),
             u=np.array([1.0, 2.0]))
    path = write_yaml(tmp_path, problem(conditions=BASE["conditions"] + [{"data": "obs.npz"}]))
    with audited(read_ok=(tmp_path,)) as events:
        start = time.perf_counter()
        prob = load_problem(path, ["training.seed=3"])
        elapsed = time.perf_counter() - start
    assert events == []
    assert elapsed < TIME_LIMIT_S
    assert prob.fields == ("u",) and len(prob.observations) == 1
    assert prob.settings.training.seed == 3


def test_reference_file_is_checked_at_load_time_without_unpickling(tmp_path: Path):
    """reference.file is read when the problem loads (a bad one fails before training,
    issue 19 class 11), through the header checks: a pickled member is refused unread."""
    arr = np.array([_Touch()], dtype=object)
    np.savez(tmp_path / "ref.npz", u=arr, allow_pickle=True)
    path = write_yaml(tmp_path, problem(reference={"file": "ref.npz"}))
    with audited(read_ok=(tmp_path,)) as events:
        with pytest.raises(SpecError, match="reference.file.*pickled arrays are refused"):
            load_problem(path)
    assert events == []
    assert not SENTINEL.exists()
