"""Derivative engines: ``engine(model, x, requests, *, generator=None) -> {request: (n,)}``."""
from .autodiff import autodiff
from .requests import Laplacian, Partial, Request

ENGINES = {"autodiff": autodiff}

__all__ = ["ENGINES", "autodiff", "Laplacian", "Partial", "Request"]
