"""Derivative engines: ``engine(model, x, requests, *, generator=None) -> {request: (n,)}``.

``ENGINES`` maps the YAML word of ``derivatives.engine`` to its entry (engine.py): factory,
options dataclass and abilities. A new engine is its module plus one line here.
"""
from .autodiff import autodiff
from .engine import Engine, NoOptions, StdeOptions
from .requests import Bilaplacian, DiagonalSum, Laplacian, Partial, Request
from .stde import TaylorEngine, jet_terms, mixed_layout
from .taylor import Jet, Sparse, push


def _autodiff(*, seed: int = 0):
    return autodiff


def _taylor(*, seed: int = 0):
    return TaylorEngine()


def _stde(*, directions: int = 16, sparse: bool = True, distribution: str = "rademacher",
          unbiased: bool = False, seed: int = 0):
    # ``unbiased`` shapes the loss (two independent estimates), not the engine: the loop
    # reads it from the options.
    return TaylorEngine(directions, sparse, distribution, seed)


ENGINES = {
    "autodiff": Engine(_autodiff),
    "taylor": Engine(_taylor, compilable=True, jets=True),
    "stde": Engine(_stde, StdeOptions, exact=False, stochastic=True, compilable=True,
                   jets=True),
}


def make_engine(name: str, options=None, seed: int = 0):
    """The engine called ``name`` ∈ ENGINES, configured by its ``options`` (the entry's
    options dataclass; default: its defaults) and ``seed`` (stochastic engines)."""
    return ENGINES[name].make(options, seed)


__all__ = ["ENGINES", "Engine", "NoOptions", "StdeOptions", "make_engine", "autodiff",
           "TaylorEngine", "Jet", "Sparse", "push", "mixed_layout", "jet_terms", "Bilaplacian",
           "DiagonalSum", "Laplacian", "Partial", "Request"]
