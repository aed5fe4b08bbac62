"""The package version, in a module of its own so that submodules (io/run.py records it in
every run directory) read it without importing the package root, and setuptools reads it
statically (pyproject: ``version = {attr = "pinnsolve._version.__version__"}``)."""
__version__ = "0.1.0"
