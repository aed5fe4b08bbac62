"""Problem-file fuzzer: hostile, random and mutated problem files through ``load_problem``
(+ ``compile_problem``, what ``pinnsolve check`` does) and through the CLI in-process.

The contract for every input: it ends in a valid problem or in a clean ``PinnsolveError``
whose message starts with the file name (and names the key where there is one) — never
another exception, a hang (each case runs under a hard ``SIGALRM`` stop) or a memory
blow-up (peak RSS growth per case is bounded).

Two generators feed :func:`run_case`:

* :func:`mutants` — a seeded mutation fuzzer over the bundled ``problems/*.yaml``: tree
  mutations (delete, retype, replace with hostile values, nest, swap, unknown keys, string
  edits with expression tokens) and byte-level mutations of the YAML text (truncation,
  flipped bytes, tags, anchors, invalid UTF-8);
* hypothesis strategies (:data:`yaml_values`, :data:`expressions`) used by
  ``tests/test_fuzz.py``.

Used by pytest (short campaign, a few seconds, fixed seeds) and by ``make fuzz``::

    python tests/fuzzing.py --cases 20000 --seed 1 [--cli-every 5]

which prints how many inputs were tried, how they ended, and every crash with its
reproducer file kept under ``--keep``.
"""
from __future__ import annotations

import argparse
import copy
import os
import random
import re
import resource
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python tests/fuzzing.py` from the repository root
    sys.path.insert(0, str(ROOT))

from pinnsolve.errors import PinnsolveError, SpecError  # noqa: E402

PROBLEM_FILES = sorted((ROOT / "problems").glob("*.yaml"))
TIME_LIMIT_S = 3.0               # hard stop per case; a valid check takes ~10 ms
MEMORY_LIMIT_MB = 300            # growth of peak RSS allowed in one case


# ------------------------------------------------------------------------------------------
# Running one case
# ------------------------------------------------------------------------------------------
class Hang(BaseException):
    """The hard stop fired (BaseException: no ``except Exception`` swallows it)."""


@contextmanager
def hard_stop(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, ring)
    # Repeats until disarmed: an alarm landing in a callback that swallows exceptions
    # (a gc callback, a __del__) must not leave the case running unbounded.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


@dataclass
class Outcome:
    kind: str                     # "ok", "error" (clean PinnsolveError), "crash", "hang", "memory"
    detail: str = ""
    elapsed: float = 0.0

    @property
    def bad(self) -> bool:
        return self.kind not in ("ok", "error")


def crashed(exc: BaseException, where: str = "") -> Outcome:
    """The outcome of an exception that is not a located pinnsolve error: a crash, with
    the line that raised it."""
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    return Outcome("crash", f"{type(exc).__name__}: {str(exc)[:200]}{where} "
                            f"(at {Path(tb.filename).name}:{tb.lineno})")


def _check_error(exc: PinnsolveError, file: str) -> str | None:
    """Why a PinnsolveError is not clean, or None."""
    text = str(exc)
    if isinstance(exc, SpecError):
        if exc.file != file or not text.startswith(file):
            return f"SpecError names file {exc.file!r}, expected {file!r}: {text[:200]}"
        if not exc.reason:
            return "SpecError without a reason"
    if not text.strip() or len(text) > 2000:
        return f"error message empty or {len(text)} characters long"
    return None


def check_library(path: Path, overrides: tuple[str, ...] = ()) -> Outcome:
    """``load_problem`` + ``compile_problem`` (what ``pinnsolve check`` runs)."""
    from pinnsolve.compiler import compile_problem
    from pinnsolve.spec import load_problem

    rss = _max_rss_mb()
    start = time.perf_counter()
    try:
        with hard_stop(TIME_LIMIT_S):
            compile_problem(load_problem(path, overrides))
        out = Outcome("ok")
    except Hang:
        out = Outcome("hang", f"still running after {TIME_LIMIT_S} s")
    except PinnsolveError as exc:
        why = _check_error(exc, str(path))
        out = Outcome("crash", why) if why else Outcome("error", str(exc)[:300])
    except Exception as exc:  # noqa: BLE001 - the point: anything else is a crash
        out = crashed(exc)
    out.elapsed = time.perf_counter() - start
    if out.kind in ("ok", "error") and _max_rss_mb() - rss > MEMORY_LIMIT_MB:
        out = Outcome("memory", f"peak RSS grew by {_max_rss_mb() - rss:.0f} MB", out.elapsed)
    return out


_RUNNER = None


def check_cli(path: Path, overrides: tuple[str, ...] = ()) -> Outcome:
    """``pinnsolve check FILE`` in-process: exit code 0 or 2, no traceback in the output."""
    global _RUNNER
    from typer.testing import CliRunner

    from pinnsolve.cli import app

    if _RUNNER is None:
        _RUNNER = CliRunner(env={"COLUMNS": "120"})
    start = time.perf_counter()
    try:
        with hard_stop(TIME_LIMIT_S * 2):
            res = _RUNNER.invoke(app, ["check", str(path), *overrides])
    except Hang:
        return Outcome("hang", "pinnsolve check still running", time.perf_counter() - start)
    elapsed = time.perf_counter() - start
    text = res.output + (res.stderr if res.stderr_bytes is not None else "")
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        return Outcome("crash", f"check raised {type(res.exception).__name__}: "
                                f"{str(res.exception)[:200]}", elapsed)
    if res.exit_code not in (0, 2):
        return Outcome("crash", f"exit code {res.exit_code}", elapsed)
    if "Traceback" in text:
        return Outcome("crash", "traceback in the output", elapsed)
    return Outcome("ok" if res.exit_code == 0 else "error", "", elapsed)


def write_case(directory: Path, content: Any, name: str = "case.yaml") -> Path:
    """Write a mapping (as YAML), text or bytes as a problem file."""
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    else:
        path.write_text(dump(content), encoding="utf-8")
    return path


def dump(data: Any) -> str:
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1 << 20)
    except (yaml.YAMLError, RecursionError, ValueError):
        return repr(data)  # not representable: the repr is as good a fuzz input as any


# ------------------------------------------------------------------------------------------
# Vocabulary
# ------------------------------------------------------------------------------------------
NAMES = ["u", "v", "p", "x", "y", "z", "t", "nu", "alpha", "pi", "E", "i", "dim", "k",
         "__import__", "__builtins__", "os", "self", "lambda", "None", "True", "Function"]
FUNCTIONS = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "atan",
             "asin", "acos", "Abs", "abs", "sign", "Heaviside", "Max", "Min", "diff",
             "Derivative", "laplacian", "grad", "div", "dot", "dn", "Sum", "Piecewise",
             "atan2", "Eq", "randn", "eval", "exec", "open", "getattr", "sympify",
             "Function", "Symbol", "Integral", "integrate", "u", "v", "x"]
TOKENS = ["+", "-", "*", "/", "**", "^", "%", "@", "(", ")", ",", "=", "==", "<", ">",
          "<=", "[", "]", ".", ":", "'", '"', "\\", " ", "0", "1", "2", "1e308", "-1",
          "9**9**9", "1/0", "0**-1", "x", "u", "t", "i", "(i, 0, dim - 1)", "diff(u, x, 8)",
          "__class__", "lambda: 0", "\x00", "\u200b", "\u202e", "\uff45", "é", "∂", "😀",
          "\ud800", "Sum(", "Piecewise((", "laplacian(", "randn(", ", True))", "x[", "x[i]"]
HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2**31, 2**63, 2**64 + 1, 10**30, -(10**30), 10**400,
    0.0, -0.0, 1e-320, 1e308, -1e308, float("inf"), float("-inf"), float("nan"),
    "", " ", "nan", "inf", "-inf", "1e999", "0x" + "f" * 40, "1" * 40, "NaN", "yes", "~",
    "u", "x", "t = 0", "x = 1", "boundary", "initial", "interior", "diff(u, x, 2)",
    "9**9**9", "10**10**10", "exp(exp(exp(10)))", "1/0", "sqrt(-1)", "log(0)",
    "__import__('os').system('true')", "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0", "!!python/object/apply:os.system ['true']", "u" * 5000, "(" * 100 + "u",
    "é∂😀", "\u202eu = 0", "\x00", [], {}, [[]], {"": None}, [None] * 3, [1, 2, 3],
    [0, 1, 2], [1, 0], [-1, 1], [0, 1e308], [0, "pi"], [0, "nan"], ["a", "b"],
    {"dim": 3}, {"dim": 10**9}, {"dim": 0, "shape": "box"}, {"dim": 4, "shape": "torus"},
    {"x": 1}, {"u": "0"}, {"steps": -1}, {"optimizer": "sgd"}, [{"optimizer": "lbfgs"}],
    {"kind": "fno"}, {"exact": {"u": "x"}}, {"file": "../../../../etc/passwd"},
    {"file": "/dev/zero"}, {"solver": "burgers_cole_hopf"}, {"data": "/dev/zero"},
    {"periodic": "x"}, {"periodic": ["x", "q"]}, {"where": "boundary", "neumann": 0},
    {"where": "x = 0", "robin": {"a": 1, "b": "1e308", "value": 0}},
]
KEYS = ["name", "description", "domain", "time", "fields", "parameters", "unknowns",
        "equations", "conditions", "reference", "model", "derivatives", "sampling",
        "training", "output", "where", "equation", "dirichlet", "neumann", "robin",
        "periodic", "data", "points", "kind", "width", "depth", "steps", "phases", "grid",
        "dim", "shape", "exact", "file", "solver", "__class__", "", "é", 0, None, True]


# ------------------------------------------------------------------------------------------
# Mutation fuzzer
# ------------------------------------------------------------------------------------------
def bases() -> list[tuple[str, dict]]:
    """The bundled problems as raw mappings (name, mapping). Mutants are written elsewhere,
    so a mesh file named relative to the problem gets its absolute path."""
    out = []
    for p in PROBLEM_FILES:
        raw = yaml.safe_load(p.read_text())
        domain = raw.get("domain")
        if isinstance(domain, dict) and isinstance(domain.get("mesh"), str):
            domain["mesh"] = str((p.parent / domain["mesh"]).resolve())
        out.append((p.stem, raw))
    return out


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def _set(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _edit_text(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.4:
            text = text[:pos] + rng.choice(TOKENS) + text[pos:]
        elif op < 0.6:
            text = text[:pos] + text[pos + rng.randint(1, 5):]
        elif op < 0.8:
            text = text[:pos] + rng.choice(FUNCTIONS) + "(" + text[pos:] + ")"
        else:
            text = text[:pos] + rng.choice(TOKENS) + text[pos + 1:]
    return text


def _mutate_tree(rng: random.Random, root: Any) -> Any:
    paths = list(_paths(root))
    path = rng.choice(paths)
    value = _get(root, path)
    op = rng.randrange(11)
    if op == 0 and path:                                    # delete
        parent = _get(root, path[:-1])
        del parent[path[-1]]
        return root
    if op == 1:                                             # hostile value
        return _set(root, path, copy.deepcopy(rng.choice(HOSTILE_VALUES)))
    if op == 2 and isinstance(value, str):                  # edit the text
        return _set(root, path, _edit_text(rng, value))
    if op == 3:                                             # retype
        retyped = {str: lambda v: [v], list: lambda v: {str(i): x for i, x in enumerate(v)},
                   dict: lambda v: list(v.values()), int: lambda v: str(v),
                   float: lambda v: int(v) if v == v and abs(v) < 1e300 else str(v),
                   bool: lambda v: int(v), type(None): lambda v: {}}
        return _set(root, path, retyped.get(type(value), lambda v: None)(value))
    if op == 4:                                             # nest deeply
        depth = rng.choice([5, 30, 60, 200])
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {"k": value}
        return _set(root, path, value)
    if op == 5 and isinstance(value, dict):                 # unknown or repeated key
        value[rng.choice(KEYS)] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
        return root
    if op == 6:                                             # swap with another node
        other = rng.choice(paths)
        if other[: len(path)] != path and path[: len(other)] != other:
            a, b = copy.deepcopy(_get(root, other)), copy.deepcopy(value)
            root = _set(root, path, a)
            return _set(root, other, b)
        return root
    if op == 7 and isinstance(value, list) and value:      # duplicate or grow a list
        value.extend(copy.deepcopy(value) * rng.choice([1, 3, 100]))
        return root
    if op == 8 and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _set(root, path, rng.choice([value * 10**rng.randint(3, 400), -value, 0,
                                            value + 0.5, float("nan")]))
    if op == 9:                                             # huge string
        return _set(root, path, rng.choice(["u + " * 20000, "é" * 300000, "x" * 5000]))
    if op == 10 and isinstance(value, str):                 # unicode confusables
        trans = str.maketrans({"e": "е", "x": "х", "(": "（", "=": "＝", "u": "ս"})
        return _set(root, path, value.translate(trans))
    return _set(root, path, copy.deepcopy(rng.choice(HOSTILE_VALUES)))


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    op = rng.randrange(7)
    pos = rng.randint(0, max(len(data) - 1, 0))
    if op == 0:
        return data[:pos]                                   # truncated (a crashed writer)
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == 2:
        tag = rng.choice([b"!!python/object/apply:os.system ['true'] ", b"!!binary AAAA ",
                          b"&a ", b"*a ", b"!!set ", b"!!omap ", b"!!timestamp ", b"!!float ",
                          b"!<tag:yaml.org,2002:python/name:os.system> ", b"%YAML 1.1\n",
                          b"? ", b"<<: *a\n", b"{", b"[", b"\t", b"\xef\xbb\xbf"])
        return data[:pos] + tag + data[pos:]
    if op == 3:
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        lines.insert(i, lines[rng.randrange(len(lines))])   # duplicated line / key
        return b"\n".join(lines)
    if op == 4:
        return data[:pos] + b"\xff\xfe" + data[pos:]         # invalid UTF-8
    if op == 5:
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        lines[i] = b" " * rng.randint(1, 5) + lines[i]      # broken indentation
        return b"\n".join(lines)
    return data + data                                       # two copies: duplicate keys


def mutants(seed: int, count: int) -> Iterator[tuple[str, Any]]:
    """``count`` mutated problem files (label, mapping | bytes), reproducible from ``seed``."""
    rng = random.Random(seed)
    pool = bases()
    for k in range(count):
        name, base = rng.choice(pool)
        tree = copy.deepcopy(base)
        for _ in range(rng.choice([1, 1, 2, 3, 5])):
            try:
                tree = _mutate_tree(rng, tree)
            except (KeyError, IndexError, TypeError, OverflowError, ValueError):
                pass  # a path invalidated by an earlier mutation
        if rng.random() < 0.3:
            data = dump(tree).encode("utf-8", "surrogatepass")
            for _ in range(rng.randint(1, 3)):
                data = _mutate_bytes(rng, data)
            yield f"{name}#{k}(bytes)", data
        else:
            yield f"{name}#{k}", tree


def random_overrides(rng: random.Random) -> tuple[str, ...]:
    """Dotted command-line overrides, mostly hostile."""
    keys = ["training.phases.0.steps", "training.phases.9.lr", "model.width", "x.dim",
            "domain.x", "equations.0", "conditions.0.where", "sampling.interior",
            "output.grid.x", "name", "training..seed", "a.b.c.d.e", "training.dtype",
            "parameters.nu", "reference.exact.u", "fields"]
    out = []
    for _ in range(rng.randint(1, 3)):
        value = rng.choice(HOSTILE_VALUES)
        text = value if isinstance(value, str) else dump(value).strip().replace("\n", " ")
        out.append(rng.choice(keys) + rng.choice(["=", "=", ""]) + text[:3000])
    return tuple(out)


# ------------------------------------------------------------------------------------------
# Campaign
# ------------------------------------------------------------------------------------------
@dataclass
class Campaign:
    tried: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    crashes: list[tuple[str, str, Path | None]] = field(default_factory=list)
    slowest: float = 0.0

    def record(self, label: str, out: Outcome, path: Path | None) -> None:
        self.tried += 1
        self.counts[out.kind] = self.counts.get(out.kind, 0) + 1
        self.slowest = max(self.slowest, out.elapsed)
        if out.bad:
            self.crashes.append((label, f"{out.kind}: {out.detail}", path))

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return (f"{self.tried} inputs tried ({parts}); {len(self.crashes)} crashes; "
                f"slowest case {self.slowest * 1000:.0f} ms")


def run_mutation_campaign(directory: Path, seed: int, count: int, cli_every: int = 0,
                          keep: Path | None = None, campaign: Campaign | None = None,
                          overrides_every: int = 7) -> Campaign:
    """Run ``count`` mutants through the library (and every ``cli_every``-th through the
    CLI); crashing inputs are copied to ``keep``."""
    campaign = campaign or Campaign()
    rng = random.Random(seed + 7919)
    for k, (label, content) in enumerate(mutants(seed, count)):
        path = write_case(directory, content)
        overrides = random_overrides(rng) if overrides_every and k % overrides_every == 0 else ()
        out = check_library(path, overrides)
        saved = None
        if out.bad and keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            saved = keep / f"crash-{seed}-{k}.yaml"
            saved.write_bytes(path.read_bytes())
        campaign.record(label + (f" {list(overrides)}" if overrides else ""), out, saved)
        if cli_every and k % cli_every == 0:
            campaign.record(label + " (cli)", check_cli(path, overrides), saved)
    return campaign


# ------------------------------------------------------------------------------------------
# Referenced files: meshes, NPZ archives, FIFOs, links (issue 19)
# ------------------------------------------------------------------------------------------
# Every case is a problem folder whose problem references a mesh (one accepted format), a
# data .npz and a reference .npz; one of them is mutated or forged, then `pinnsolve check`'s
# library path runs (load, compile, read the meshes). An audit hook records every open
# outside the allowed places: the case folder, pinnsolve's private mesh copies, code.
MESH_KINDS = ("vtu-zlib", "vtu-lzma", "vtu-ascii", "vtu-raw", "vtk", "vtk-ascii", "msh",
              "xdmf-xml", "xdmf-binary", "xdmf-hdf")
_AUDIT = {"on": False, "allowed": (), "events": []}


def _audit_hook(event: str, args: tuple) -> None:
    if not _AUDIT["on"] or event != "open":
        return
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    if isinstance(path, int) or path is None:
        return  # os.fdopen of a descriptor whose os.open was audited
    text = os.path.realpath(os.fsdecode(path))
    writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    allowed = _AUDIT["allowed"][1:] if writes else _AUDIT["allowed"]
    if not text.startswith(allowed) and "__pycache__" not in text:
        _AUDIT["events"].append(("write" if writes else "read", text))


def _square_mesh(n: int = 5):
    import meshio
    import numpy as np

    g = np.linspace(0, 1, n)
    x, y = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([x.ravel(), y.ravel(), 0 * x.ravel()], 1)
    i = np.arange(n * n).reshape(n, n)
    a, b, c, d = (i[:-1, :-1].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel(),
                  i[:-1, 1:].ravel())
    return meshio.Mesh(pts, [("triangle", np.concatenate([np.stack([a, b, c], 1),
                                                          np.stack([a, c, d], 1)]))])


def _write_mesh(folder: Path, kind: str) -> Path:
    import meshio

    m = _square_mesh()
    if kind.startswith("vtu"):
        path = folder / "m.vtu"
        comp = {"vtu-zlib": "zlib", "vtu-lzma": "lzma"}.get(kind)
        meshio.write(path, m, binary=kind != "vtu-ascii", compression=comp)
    elif kind.startswith("vtk"):
        path = folder / "m.vtk"
        meshio.write(path, m, binary=kind == "vtk")
    elif kind == "msh":
        path = folder / "m.msh"
        meshio.write(path, m, file_format="gmsh22", binary=False)
    else:
        path = folder / "m.xdmf"
        meshio.xdmf.write(path, m, data_format={"xdmf-xml": "XML", "xdmf-binary": "Binary",
                                                 "xdmf-hdf": "HDF"}[kind])
    return path


def _npy(descr: str, shape: Any, payload: bytes) -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode() + payload


def _forge_npz(rng: random.Random, path: Path) -> str:
    import io as _io
    import zipfile

    import numpy as np

    members = {"x": np.linspace(0, 1, 4), "y": np.linspace(0, 1, 4), "u": np.zeros(4)}
    victim = rng.choice(list(members))
    op = rng.randrange(6)
    forged = {
        0: _npy("<f8", (rng.choice([10**11, 2**62, 10**6]),), bytes(8 * rng.randint(0, 4))),
        1: _npy(rng.choice(["|O", "<c16", "<U4", "|V8", "<M8[s]", "|b1"]), (4,), bytes(64)),
        2: _npy("<f8", rng.choice(["(((", "(4,", "'x'", "(-1,)", "(4, -4)"]), bytes(32)),
        3: _npy("<f8", (0,), b""),
        4: _npy("<f8", (4,), struct_nan()),
    }.get(op)
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])) as z:
        for name, arr in members.items():
            if name == victim and forged is not None:
                z.writestr(f"{name}.npy", forged)
            else:
                out = _io.BytesIO()
                np.save(out, arr)
                z.writestr(f"{name}.npy", out.getvalue())
    data = buf.getvalue()
    if op == 5:  # a zip whose directory claims a huge member
        data = data.replace(b"PK\x01\x02", b"PK\x01\x02", 1)
        k = data.rfind(b"PK\x01\x02")
        data = data[:k + 24] + (2**32 - 1).to_bytes(4, "little") + data[k + 28:]
    path.write_bytes(data)
    return f"npz-forge{op}-{victim}"


def struct_nan() -> bytes:
    import numpy as np

    return np.array([np.nan, np.inf, 0, 1]).tobytes()


def _mutate_mesh(rng: random.Random, folder: Path, mesh: Path, secret: Path) -> str:
    data = mesh.read_bytes()
    op = rng.randrange(8)
    refs = sorted(p for p in folder.iterdir() if p.suffix in (".bin", ".h5"))
    if op == 0:
        mesh.write_bytes(_mutate_bytes(rng, data))
    elif op == 1:
        mesh.write_bytes(data[:rng.randrange(max(1, len(data)))])
    elif op == 2:  # declared sizes and numbers made hostile
        numbers = [m.span() for m in re.finditer(rb"\d+", data[:20000])]
        if numbers:
            a, b = rng.choice(numbers)
            data = data[:a] + rng.choice([b"0", b"-1", b"999999999999", b"4294967295",
                                          b"nan", b"1e308"]) + data[b:]
        mesh.write_bytes(data)
    elif op == 3 and refs:  # a reference leaving the folder
        ref = rng.choice(refs)
        target = rng.choice([str(secret), "../" + secret.name, "/etc/passwd", "/dev/zero",
                             "/proc/self/environ", "sub/../../" + secret.name])
        text = data.replace(str(ref).encode(), target.encode()).replace(
            ref.name.encode(), target.encode())
        mesh.write_bytes(text)
    elif op == 4 and refs:  # the referenced file becomes a FIFO or a link out
        ref = rng.choice(refs)
        ref.unlink()
        if rng.random() < 0.5:
            os.mkfifo(ref)
        else:
            os.symlink(secret, ref)
    elif op == 5:  # the mesh itself is a FIFO or a link out
        mesh.unlink()
        if rng.random() < 0.5:
            os.mkfifo(mesh)
        else:
            os.symlink(secret, mesh)
    elif op == 6:  # many small compressed blocks or a DOCTYPE with entities
        mesh.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "' + b"x" * 1000
                         + b'">]>' + data.split(b"?>", 1)[-1])
    else:
        chunk = data[rng.randrange(len(data)):][:2000]
        mesh.write_bytes(data + chunk * rng.randint(1, 50))
    return f"mesh-op{op}"


def file_case(rng: random.Random, root: Path, k: int) -> tuple[Path, str]:
    """A fresh problem folder under ``root`` with one referenced file mutated or forged."""
    import numpy as np

    folder = root / f"case{k}"
    folder.mkdir()
    kind = rng.choice(MESH_KINDS)
    mesh = _write_mesh(folder, kind)
    pts = np.linspace(0.1, 0.9, 4)
    np.savez(folder / "d.npz", x=pts, y=pts, u=0 * pts)
    np.savez(folder / "ref.npz", x=pts, y=pts, u=0 * pts)
    raw = {"domain": {"x": [0, 1], "y": [0, 1], "mesh": mesh.name}, "fields": ["u"],
           "equations": ["laplacian(u) = 0"],
           "conditions": [{"where": "boundary", "dirichlet": 0}, {"data": "d.npz"}],
           "reference": {"file": "ref.npz"}}
    secret = root / "secret.bin"
    target = rng.random()
    if target < 0.6:
        label = _mutate_mesh(rng, folder, mesh, secret)
    else:
        npz = folder / rng.choice(["d.npz", "ref.npz"])
        if rng.random() < 0.15:
            npz.unlink()
            if rng.random() < 0.5:
                os.mkfifo(npz)
            else:
                os.symlink(secret, npz)
            label = "npz-fifo-or-link"
        elif rng.random() < 0.3:
            npz.write_bytes(_mutate_bytes(rng, npz.read_bytes()))
            label = "npz-bytes"
        else:
            label = _forge_npz(rng, npz)
    path = folder / "p.yaml"
    path.write_text(dump(raw))
    return path, f"{kind}/{label}"


def check_files_case(path: Path) -> Outcome:
    """What ``pinnsolve check`` runs, including reading the referenced files."""
    from pinnsolve.compiler import compile_problem
    from pinnsolve.geometry.checks import check_files
    from pinnsolve.spec import load_problem

    def run() -> None:
        problem = load_problem(path)
        compile_problem(problem)
        check_files(problem)

    start = time.perf_counter()
    try:
        with hard_stop(TIME_LIMIT_S):
            run()
        out = Outcome("ok")
    except Hang:
        out = Outcome("hang", f"still running after {TIME_LIMIT_S} s")
    except PinnsolveError as exc:
        why = _check_error(exc, str(path))
        out = Outcome("crash", why) if why else Outcome("error", str(exc)[:300])
    except Exception as exc:  # noqa: BLE001 - anything else is a crash
        out = crashed(exc)
    out.elapsed = time.perf_counter() - start
    return out


def run_file_campaign(directory: Path, seed: int, count: int) -> tuple[Campaign, list]:
    """``count`` referenced-file cases; returns the campaign and the foreign opens seen."""
    import tempfile

    sys.addaudithook(_audit_hook)
    campaign = Campaign()
    rng = random.Random(seed)
    (directory / "secret.bin").write_bytes(b"SECRET" * 100)
    code = tuple(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                       str(ROOT / "pinnsolve"))}))
    foreign: list = []
    for k in range(count):
        path, label = file_case(rng, directory, k)
        mesh_tmp = os.path.join(os.path.realpath(tempfile.gettempdir()), "pinnsolve-mesh-")
        # [0] may be read only (the case folder), the rest may be written too.
        _AUDIT["allowed"] = (str(path.parent.resolve()) + os.sep, mesh_tmp, *code, "/proc/",
                             "/sys/", "/dev/null", "/dev/urandom")
        _AUDIT["events"] = []
        _AUDIT["on"] = True
        try:
            out = check_files_case(path)
        finally:
            _AUDIT["on"] = False
        if _AUDIT["events"]:
            foreign.append((label, _AUDIT["events"][:3]))
            out = Outcome("foreign", f"{_AUDIT['events'][:2]}", out.elapsed)
        campaign.record(f"case{k} {label}", out, path)
    return campaign, foreign


# -- run-directory states and Python mappings (issue 19) -------------------------------------
RUN_FILES = ("metrics.json", "env.json", "config.yaml", "metrics.jsonl", "settings.json",
             "checkpoints/last.pt", "checkpoints/previous.pt", "fields/solution.npz",
             ".lock", ".pinnsolve-run")
STATE_ACTIONS = ("show", "export", "predict", "resume")
TINY_RUN = {"domain": {"x": [0, 1], "t": [0, 0.5]}, "fields": ["u"],
            "parameters": {"alpha": 0.1}, "equations": ["diff(u, t) = alpha*diff(u, x, 2)"],
            "conditions": [{"where": "t = 0", "dirichlet": "sin(pi*x)"},
                           {"where": "boundary", "dirichlet": 0}],
            "model": {"width": 4, "depth": 1},
            "sampling": {"interior": 16, "boundary": 4, "initial": 4},
            "training": {"phases": [{"optimizer": "adam", "steps": 2}], "log_every": 1},
            "output": {"grid": {"x": 3, "t": 2}, "formats": ["npz"]}}


def _damage_run(rng: random.Random, run: Path, outside: Path) -> str:
    """One or two random damages to a copy of a finished run directory."""
    labels = []
    for _ in range(rng.choice((1, 1, 2))):
        name = rng.choice(RUN_FILES)
        target = run / name
        how = rng.choice(("truncate", "garble", "empty", "delete", "fifo", "link-out",
                          "directory", "dangling-link"))
        labels.append(f"{name}:{how}")
        if target.is_dir() and not target.is_symlink():
            import shutil
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            data = target.read_bytes() if how in ("truncate", "garble") and target.is_file() \
                else b""
            target.unlink()
            if how == "truncate":
                target.write_bytes(data[: rng.randrange(max(len(data), 1))])
                continue
            if how == "garble":
                target.write_bytes(_mutate_bytes(rng, data))
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if how == "empty":
            target.write_bytes(b"")
        elif how == "fifo":
            os.mkfifo(target)
        elif how == "link-out":
            target.symlink_to(outside)
        elif how == "dangling-link":
            target.symlink_to(outside.parent / "nowhere" / name.replace("/", "_"))
        elif how == "directory":
            target.mkdir()
    return ", ".join(labels)


def state_case(run: Path, action: str) -> Outcome:
    """``action`` on a damaged run directory: a located error or success, in time."""
    import pinnsolve

    def go() -> None:
        if action == "show":
            r = pinnsolve.open_run(run)
            r.metrics, r.progress()
        elif action == "export":
            pinnsolve.export(run, formats=["npz"])
        elif action == "predict":
            pinnsolve.open_run(run).predict([[0.5, 0.1]])
        else:   # resume the same problem for one more step
            problem = dict(TINY_RUN, training={**TINY_RUN["training"],
                                               "phases": [{"optimizer": "adam", "steps": 3}]})
            pinnsolve.solve(problem, out=run)

    start = time.perf_counter()
    try:
        with hard_stop(4 * TIME_LIMIT_S):
            go()
        out = Outcome("ok")
    except Hang:
        out = Outcome("hang", f"still running after {4 * TIME_LIMIT_S} s")
    except PinnsolveError as exc:
        text = str(exc)
        out = Outcome("error", text[:300]) if text.strip() else Outcome("crash", "empty message")
    except Exception as exc:  # noqa: BLE001 - anything else is a crash
        out = crashed(exc)
    out.elapsed = time.perf_counter() - start
    return out


def run_state_campaign(directory: Path, seed: int, count: int) -> tuple[Campaign, list]:
    """``count`` damaged run directories, each shown, exported, predicted or resumed; writes
    outside the run directory are recorded by the audit hook."""
    import shutil
    import tempfile

    import pinnsolve

    sys.addaudithook(_audit_hook)
    rng = random.Random(seed)
    clean = directory / "clean"
    pinnsolve.solve(TINY_RUN, out=clean)
    outside = directory / "outside.txt"
    outside.write_text("not yours")
    code = tuple(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                       str(ROOT / "pinnsolve"))}))
    campaign, foreign = Campaign(), []
    for k in range(count):
        run = directory / f"run{k}"
        shutil.copytree(clean, run, symlinks=True)
        label = _damage_run(rng, run, outside)
        action = rng.choice(STATE_ACTIONS)
        # The run directory may be read and written, the temp dir written (private copies).
        _AUDIT["allowed"] = (str(run.resolve()) + os.sep, str(run.resolve()) + os.sep,
                             os.path.realpath(tempfile.gettempdir()) + os.sep + "pinnsolve",
                             *code, "/proc/", "/sys/", "/dev/null", "/dev/urandom")
        _AUDIT["events"] = []
        _AUDIT["on"] = True
        try:
            out = state_case(run, action)
        finally:
            _AUDIT["on"] = False
        writes = [e for e in _AUDIT["events"] if "write" in str(e) or "outside" in str(e)]
        if outside.read_text() != "not yours" or writes:
            foreign.append((label, writes[:3]))
            out = Outcome("foreign", f"{writes[:2]}", out.elapsed)
            outside.write_text("not yours")
        campaign.record(f"case{k} {action} {label}", out, run)
        shutil.rmtree(run, ignore_errors=True)
    return campaign, foreign


def _odd_value(rng: random.Random, root: dict):
    """A value a Python caller might put in a problem mapping by mistake."""
    import numpy as np
    import sympy as sp

    kind = rng.randrange(12)
    if kind == 0:
        return root                                   # the mapping itself
    if kind == 1:
        deep = cur = {}
        for _ in range(rng.choice((50, 70, 500, 3000))):
            cur["a"] = {}
            cur = cur["a"]
        return deep
    if kind == 2:
        return (x for x in range(3))
    if kind == 3:
        return {1, 2}
    if kind == 4:
        return sp.Integer(10) ** rng.choice((29, 31, 500, 5000))
    if kind == 5:
        return np.array([np.nan, 1.0, np.inf])
    if kind == 6:
        return b"\xff\x00bytes"
    if kind == 7:
        return object()
    if kind == 8:
        return sp.Symbol(rng.choice(("u", "zz", "__import__", "x")))
    if kind == 9:
        return sp.Function("f")(sp.Symbol("x"))
    if kind == 10:
        return rng.choice((float("nan"), float("inf"), -0.0, 10 ** 40, True))
    return [root, 1]


def mapping_case(rng: random.Random) -> Outcome:
    """``load_problem`` of a Python mapping with an odd value planted at a random key."""
    import copy as _copy

    from pinnsolve.spec import load_problem

    root = _copy.deepcopy(TINY_RUN)
    paths = [p for p in _paths(root) if p]
    path = rng.choice(paths)
    parent = _get(root, path[:-1])
    parent[path[-1]] = _odd_value(rng, root)
    start = time.perf_counter()
    try:
        with hard_stop(TIME_LIMIT_S):
            load_problem(root)
        out = Outcome("ok")
    except Hang:
        out = Outcome("hang", f"still running after {TIME_LIMIT_S} s")
    except PinnsolveError as exc:
        out = Outcome("error", str(exc)[:300]) if str(exc).strip() else Outcome("crash", "empty")
    except Exception as exc:  # noqa: BLE001 - anything else is a crash
        out = crashed(exc, f" at {'.'.join(map(str, path))}")
    out.elapsed = time.perf_counter() - start
    return out


def run_mapping_campaign(seed: int, count: int) -> Campaign:
    rng = random.Random(seed)
    campaign = Campaign()
    for k in range(count):
        campaign.record(f"mapping{k}", mapping_case(rng), None)
    return campaign


def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=None, help="default: time-based, printed")
    ap.add_argument("--cli-every", type=int, default=5, help="also run every k-th via the CLI")
    ap.add_argument("--keep", type=Path, default=Path("runs/fuzz-crashes"))
    ap.add_argument("--files", type=int, default=0,
                    help="also run this many referenced-file cases (meshes, NPZ, FIFOs)")
    ap.add_argument("--states", type=int, default=0,
                    help="also run this many damaged run-directory cases (show, export, "
                         "predict, resume)")
    ap.add_argument("--mappings", type=int, default=0,
                    help="also run this many Python-mapping cases")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    print(f"mutation fuzzer: seed {seed}, {args.cases} cases over {len(PROBLEM_FILES)} "
          "bundled problems", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        camp = run_mutation_campaign(Path(tmp), seed, args.cases, args.cli_every, args.keep)
    print(camp.summary() + f"; {time.perf_counter() - start:.1f} s")
    for label, why, path in camp.crashes[:50]:
        print(f"  CRASH {label}: {why}" + (f" -> {path}" if path else ""))
    bad = bool(camp.crashes)
    if args.files:
        start = time.perf_counter()
        keep = args.keep / f"files-{seed}"
        with tempfile.TemporaryDirectory() as tmp:
            files, foreign = run_file_campaign(Path(tmp), seed, args.files)
            for label, why, path in files.crashes[:50]:
                print(f"  CRASH {label}: {why}")
                if path is not None and path.parent.exists():
                    import shutil

                    shutil.copytree(path.parent, keep / path.parent.name, symlinks=True,
                                    ignore_dangling_symlinks=True, dirs_exist_ok=True)
        hangs = files.counts.get("hang", 0)
        crashes = files.counts.get("crash", 0) + files.counts.get("memory", 0)
        print(f"referenced files: {files.tried} cases ({', '.join(f'{k} {v}' for k, v in sorted(files.counts.items()))}); "
              f"crashes {crashes}, hangs {hangs}, foreign reads/writes {len(foreign)}; "
              f"slowest {files.slowest * 1000:.0f} ms; {time.perf_counter() - start:.1f} s")
        bad = bad or bool(files.crashes)
    if args.states:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            states, foreign = run_state_campaign(Path(tmp), seed, args.states)
        for label, why, _ in states.crashes[:50]:
            print(f"  CRASH {label}: {why}")
        print(f"run directories: {states.summary()}; foreign writes {len(foreign)}; "
              f"{time.perf_counter() - start:.1f} s; peak RSS {_max_rss_mb():.0f} MiB")
        bad = bad or bool(states.crashes)
    if args.mappings:
        start = time.perf_counter()
        maps = run_mapping_campaign(seed, args.mappings)
        for label, why, _ in maps.crashes[:50]:
            print(f"  CRASH {label}: {why}")
        print(f"Python mappings: {maps.summary()}; {time.perf_counter() - start:.1f} s")
        bad = bad or bool(maps.crashes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
