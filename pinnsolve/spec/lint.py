"""Checks on a problem file that the grammar alone does not catch.

``flow_split`` is an error: YAML flow collections (``{...}``, ``[...]``) split at every comma,
so an unquoted ``{where: x = 1, equation: diff(u, x) = 0}`` arrives as the pieces
``diff(u`` and ``x) = 0``; the pieces have unbalanced brackets, which no expression has.
``warnings_for`` lists suspicious but legal choices (a time-dependent problem with nothing at
the initial time, a parameter no term uses); the loader issues them with ``warnings.warn``
so that library users can filter them and the CLI prints them on stderr.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import SpecError

_OPEN, _CLOSE = "([{", ")]}"


def balanced(text: str) -> bool:
    """Whether every bracket in ``text`` closes, in order."""
    stack: list[str] = []
    for ch in text:
        if ch in _OPEN:
            stack.append(_CLOSE[_OPEN.index(ch)])
        elif ch in _CLOSE:
            if not stack or stack.pop() != ch:
                return False
    return not stack


def _texts(value: Any, key: str) -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string key and string value under ``value``."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            child = f"{key}.{k}"
            if isinstance(k, str):
                yield child, k
            yield from _texts(v, child)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _texts(v, f"{key}.{i}")
    elif value is not None and not isinstance(value, (bool, int, float)):
        yield key, str(value)   # SymPy objects from Python: their printed form names symbols


def flow_split(raw: dict, file: str) -> None:
    """Raise if an equation or condition looks split at a comma by YAML.

    Raises:
        SpecError: at the first piece with unbalanced brackets, asking to quote it.
    """
    for section in ("equations", "conditions"):
        for key, text in _texts(raw.get(section), section):
            if not balanced(text):
                raise SpecError(
                    f"'{text}' has unbalanced brackets: YAML split this at a comma: quote the "
                    "expression, e.g. {where: x = 1, equation: \"diff(u, x) = 0\"} or "
                    "- \"diff(u, t) = nu*diff(u, x, 2)\"", file=file, key=key)


def warnings_for(problem, raw: dict) -> list[tuple[str, str]]:
    """(key, message) for each suspicious choice in a valid problem."""
    out = []
    d = problem.domain
    if d.time is not None and problem.operator is None and not problem.observations and \
            not any(c.region.kind in ("initial", "interior", "data") or c.kind == "data"
                    for c in problem.conditions):   # interior conditions are observations
        out.append(("conditions", f"the problem depends on time '{d.time.name}' but no "
                    f"condition holds at {d.time.name} = {d.time.lo:g} (where: initial) and no "
                    "data is given: the solution is not determined (fine for an inverse "
                    "problem with other information; otherwise add an initial condition)"))
    for p in problem.parameters:
        word = re.compile(rf"(?<![\w.]){re.escape(p.name)}(?!\w)")
        # Used anywhere outside its own declaration: equations, conditions, references,
        # domain bounds, other parameters, operator settings.
        rest = {k: v for k, v in raw.items() if k != "parameters"}
        rest["parameters"] = {k: v for k, v in (raw.get("parameters") or {}).items()
                              if k != p.name}
        if not any(word.search(text) for _, text in _texts(rest, "")):
            out.append((f"parameters.{p.name}", "declared but used by no equation, condition, "
                        "reference or other setting (a typo in a name or an override?)"))
    return out
