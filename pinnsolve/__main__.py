"""python -m pinnsolve → the command line."""
from .cli import main

main()
