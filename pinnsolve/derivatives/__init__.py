"""Derivative engines: ``engine(model, x, requests, *, generator=None) -> {request: (n,)}``.

``ENGINES`` maps the YAML word to a factory taking the ``derivatives`` settings.
"""
from .autodiff import autodiff
from .requests import Bilaplacian, DiagonalSum, Laplacian, Partial, Request
from .stde import TaylorEngine, jet_terms, mixed_layout
from .taylor import Jet, Sparse, push


def _autodiff(**_):
    return autodiff


def _taylor(**_):
    return TaylorEngine()


def _stde(*, directions: int = 16, sparse: bool = True, distribution: str = "rademacher",
          seed: int = 0, **_):
    return TaylorEngine(directions, sparse, distribution, seed)


ENGINES = {"autodiff": _autodiff, "taylor": _taylor, "stde": _stde}


def make_engine(name: str, **settings):
    """The engine called ``name`` ∈ ENGINES, configured by ``settings`` (directions, sparse,
    distribution, seed; ignored by exact engines)."""
    return ENGINES[name](**settings)


__all__ = ["ENGINES", "make_engine", "autodiff", "TaylorEngine", "Jet", "Sparse",
           "push", "mixed_layout", "jet_terms", "Bilaplacian", "DiagonalSum", "Laplacian", "Partial", "Request"]
