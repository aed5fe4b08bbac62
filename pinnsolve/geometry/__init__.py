"""Geometry: map unit-cube samples onto the regions of a problem's domain (boxes, balls,
CSG shapes, meshes)."""
from .csg import Solid
from .mesh import MeshDomain, MeshGeometry, mesh_of
from .regions import RegionGeometry
from .shaped import ShapeGeometry, solid_of
from .select import domain_mask, region_geometry

__all__ = ["MeshDomain", "MeshGeometry", "RegionGeometry", "ShapeGeometry", "Solid",
           "domain_mask", "mesh_of", "region_geometry", "solid_of"]
