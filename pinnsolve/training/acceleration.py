"""Optional speed settings of the training step: ``torch.compile`` of the loss, TF32
matrix products and bf16 autocast on CUDA.

* ``training.compile: true`` compiles the loss evaluation (all regions' residuals and the
  weighted sum) with ``torch.compile``. torch's compiled graphs cannot be differentiated
  twice (AOTAutograd has no double backward), and the ``autodiff`` engine differentiates
  the network's input graph again for every second derivative, so compiling needs a
  forward-derivative engine (``taylor`` or ``stde``), whose residuals need one backward.
  Measured on the CPU (benchmarks/scaling.py): no gain for small MLPs, so it is off by
  default.
* ``training.matmul_precision: high`` allows TF32 matrix products on CUDA (about 10 mantissa
  bits for products, float32 accumulation); ``highest`` (default) keeps full float32.
* ``training.autocast: bf16`` runs the loss under ``torch.autocast`` in bfloat16 on CUDA
  (8 mantissa bits: second derivatives of a tanh network lose most digits; for large
  networks where the relative error targets are ~1e-2).
Both precision options are refused on the CPU and in float64, where they do nothing useful.
"""
from __future__ import annotations

import contextlib
from typing import Callable

import torch

from ..derivatives import ENGINES
from ..errors import SolveError


def check(compile_: bool, matmul_precision: str, autocast: str, engine: str,
          device: torch.device, dtype: torch.dtype) -> None:
    """Raise SolveError for combinations that cannot work (see the module docstring)."""
    if compile_ and engine in ENGINES and not ENGINES[engine].compilable:
        able = ", ".join(k for k, e in ENGINES.items() if e.compilable)
        raise SolveError(f"training.compile needs a derivatives.engine that can be compiled "
                         f"({able}); torch.compile graphs cannot be differentiated twice, "
                         f"which the {engine} engine needs for second derivatives")
    if (matmul_precision != "highest" or autocast != "none") and (
            device.type != "cuda" or dtype != torch.float32):
        raise SolveError("training.matmul_precision and training.autocast are CUDA float32 "
                         f"options; this run uses {device.type} {str(dtype)[6:]}")


def loss_function(losses: Callable, compile_: bool, autocast: str, device: torch.device,
                  warn: Callable[[str], None] | None = None, engine=None) -> Callable:
    """The trainer's loss callable, compiled and/or autocast as configured; a compilation
    that fails (no C++ compiler for inductor's CPU kernels, an op it cannot lower) is
    reported through ``warn`` and the loss runs eagerly. ``engine``: the derivative engine,
    whose random tangents (STDE) a compiled loss takes drawn ahead of it."""
    fn = _compiled_or_eager(losses, warn, engine) if compile_ else losses
    if autocast == "none":
        return fn

    def run():
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            total, mse, residuals = fn()
        return total.float(), {k: v.float() for k, v in mse.items()}, \
            {k: v.float() for k, v in residuals.items()}

    return run


def _compiled_or_eager(losses: Callable, warn: Callable[[str], None] | None,
                       engine=None) -> Callable:
    """``torch.compile(losses)``, or ``losses`` itself from the first call on which the
    compilation fails (compiling happens at the first call, and again when a guard fails).

    With an engine that draws random tangents (STDE), the first call runs eagerly and lists
    its draws; every later call draws them ahead and the compiled loss reads them, so no
    random generator enters (and breaks) the compiled graph."""
    compiled = torch.compile(losses)
    ahead = getattr(engine, "directions", None) is not None and hasattr(engine, "draws_ahead")
    state = {"fn": compiled, "recorded": None}

    def call():
        if state["fn"] is losses:
            return losses()
        if ahead and state["recorded"] is None:
            with engine.recording() as recorded:
                out = losses()
            state["recorded"] = list(recorded)
            return out
        try:
            if ahead and state["recorded"]:
                with engine.draws_ahead(state["recorded"]):
                    return compiled()
            return compiled()
        except Exception as exc:   # noqa: BLE001 - torch raises many kinds here
            if not _compile_failure(exc):
                raise
            state["fn"] = losses
            if warn is not None:
                warn(f"training.compile: torch.compile failed ({type(exc).__name__}: "
                     f"{str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ''}); "
                     "the loss runs uncompiled")
            return losses()

    return call


def _compile_failure(exc: BaseException) -> bool:
    """Whether ``exc`` comes from torch's compiler stack (dynamo, AOTAutograd, inductor and
    the C++ toolchain it calls), not from the loss itself."""
    for e in (exc, exc.__cause__, exc.__context__):
        module = type(e).__module__ if e is not None else ""
        if module.startswith(("torch._dynamo", "torch._inductor", "torch._functorch")) or \
                (isinstance(e, OSError) and "compile" in str(e).lower()):
            return True
    return False


@contextlib.contextmanager
def matmul_precision(word: str):
    """Set torch's float32 matmul precision for the block, then restore it (it is global)."""
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision(word)
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(before)
