"""Dotted command-line overrides (``training.phases.0.steps=2000``) applied to a raw mapping."""
from __future__ import annotations

import copy
from typing import Iterable

import yaml

from ..errors import SpecError

MAX_OVERRIDE = 2000
# Top-level words an override may start with that are never read as a coordinate's name.
SECTIONS = frozenset({"name", "description", "domain", "time", "fields", "parameters",
                      "unknowns", "define", "data_fields", "equations", "conditions",
                      "reference", "model", "derivatives", "sampling", "training", "output",
                      "limits", "operator"})


def parse_value(text: str):
    """Read an override's value as a YAML scalar or flow collection (safe loader only)."""
    if len(text) > MAX_OVERRIDE:
        raise ValueError("value too long")
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    except (RecursionError, ValueError, OverflowError):
        raise ValueError("value cannot be read (too deeply nested or too large)") from None


def apply_overrides(raw: dict, overrides: Iterable[str], *, file: str) -> dict:
    """Return a copy of ``raw`` with each ``dotted.key=value`` applied.

    A first part that names a domain coordinate is read under ``domain`` so that
    ``x.dim=1000`` works. A path through a chosen word reaches its options
    (``sampling.strategy.adversarial.steps=10`` on ``strategy: adversarial``). List items are addressed by index; new mapping keys are created.

    Raises:
        SpecError: an override without '=', or a path through something that is not a
            mapping or list.
    """
    out = copy.deepcopy(raw)
    for item in overrides:
        if "=" not in item:
            raise SpecError(f"override '{item}' must look like key.path=value", file=file,
                            key=item)
        path, _, text = item.partition("=")
        parts = [p for p in path.strip().split(".")]
        if not all(parts):
            raise SpecError(f"override '{item}' has an empty key part", file=file, key=path)
        try:
            value = parse_value(text)
        except ValueError as exc:
            raise SpecError(f"override value: {exc}", file=file, key=path) from None
        domain = out.get("domain")
        # A section word (limits.max_points) always means the section, even when a
        # coordinate has the same name; the coordinate is then reached as domain.<name>.
        if isinstance(domain, dict) and parts[0] in domain and parts[0] not in out \
                and parts[0] not in SECTIONS:
            parts = ["domain"] + parts
        node = out
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            key_here = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                if not (part.isascii() and part.isdigit()) or int(part) >= len(node):
                    raise SpecError(f"'{part}' is not an index of this list (length {len(node)})",
                                    file=file, key=key_here)
                part = int(part)
            elif not isinstance(node, dict):
                raise SpecError("cannot set a key inside a value that is not a mapping",
                                file=file, key=key_here)
            if last:
                node[part] = value
            else:
                if isinstance(node, dict) and node.get(part) is None:
                    node[part] = {}
                if isinstance(node[part], str) and node[part] == parts[depth + 1]:
                    # A chosen word gets options: sampling.strategy.adversarial.steps=10
                    # on `strategy: adversarial` reads as `strategy: {adversarial: {}}`.
                    node[part] = {node[part]: {}}
                if isinstance(node[part], (str, int, float, bool)):
                    # e.g. domain.x was [-1, 1] shorthand; turning it into a mapping is an error
                    raise SpecError("cannot set a key inside a plain value", file=file,
                                    key=key_here)
                node = node[part]
    return out
