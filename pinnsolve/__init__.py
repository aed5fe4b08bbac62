"""pinnsolve: physics-informed PDE solving from symbolic problem files."""
__version__ = "0.1.0"
