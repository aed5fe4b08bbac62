"""Geometry: map unit-cube samples onto the regions of a problem's domain."""
from .regions import RegionGeometry

__all__ = ["RegionGeometry"]
