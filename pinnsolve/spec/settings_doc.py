"""The settings reference (``docs/settings.md``, ``pinnsolve settings``), generated from the
schema dataclasses so that it cannot drift from what the validator accepts.

Every field of :class:`~pinnsolve.spec.schema.Settings`, recursively: a field whose type is a
dataclass is its own section (``training.weighting``), a tuple of dataclasses a section of
list items (``training.phases[]``). Meaning comes from the comment on the field's line or the
comment lines right above it in ``schema.py``; the section text is the class docstring.
Works for any nesting, so reshaping a section (per-kind option blocks) needs no change here.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
import typing
from dataclasses import MISSING
from typing import Any, Literal

from .schema import Settings

HEADER = """# Settings reference

Generated from `pinnsolve/spec/schema.py` by `pinnsolve settings` (do not edit by hand:
run `python -m pinnsolve settings > docs/settings.md`; a test checks it is current).
Every key can be set in the problem file or overridden on the command line as
`section.key=value` (list items by index: `training.phases.0.steps=2000`).
Whole numbers accept `1e3`; ranges are inclusive.
"""

_FIELD = re.compile(r"^    (\w+)\s*:")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One key of a section: its name, type, default, allowed range or words, meaning."""

    key: str
    type: str
    default: str
    allowed: str
    meaning: str


@dataclasses.dataclass(frozen=True)
class Section:
    """A dataclass reached by the dotted ``path`` (``[]`` marks list items)."""

    path: str
    text: str
    entries: tuple[Entry, ...]


def _comments(cls: type) -> dict[str, str]:
    """Field name → its comment in the class source (trailing, or the lines above it)."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):  # pragma: no cover - source unavailable (zipped install)
        return {}
    out: dict[str, str] = {}
    above: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#") and line.startswith("    ") and not line.startswith("     "):
            above.append(stripped.lstrip("#").strip())
            continue
        m = _FIELD.match(line)
        if m:
            trailing = line.split("  # ", 1)[1].strip() if "  # " in line else ""
            out[m.group(1)] = " ".join(above + ([trailing] if trailing else []))
        above = []
    return out


def _item_class(tp: Any) -> type | None:
    """The dataclass of ``tuple[X, ...]`` or ``X | None``, or ``tp`` itself if a dataclass."""
    if dataclasses.is_dataclass(tp):
        return tp
    args = [a for a in typing.get_args(tp) if a is not type(None) and a is not Ellipsis]
    if typing.get_origin(tp) in (tuple, typing.Union) or str(typing.get_origin(tp)) == \
            "<class 'types.UnionType'>":
        for a in args:
            if dataclasses.is_dataclass(a):
                return a
    return None


def _type_name(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return "word"
    if origin is tuple:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if args and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return f"{_type_name(inner[0])} or null"
    if dataclasses.is_dataclass(tp):
        return "section"
    return {int: "whole number", float: "number", bool: "true/false", str: "text"}.get(
        tp, str(tp))


def _words(tp: Any) -> tuple:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return args
    for a in args:
        found = _words(a)
        if found:
            return found
    return ()


def _yaml(value: Any) -> str:
    """A default as it would be written in YAML flow style."""
    if dataclasses.is_dataclass(value):
        fresh = type(value)()
        changed = [f"{f.name}: {_yaml(getattr(value, f.name))}" for f in dataclasses.fields(value)
                   if getattr(value, f.name) != getattr(fresh, f.name)]
        return "{" + ", ".join(changed) + "}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _default(f: dataclasses.Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _allowed(f: dataclasses.Field, tp: Any) -> str:
    words = _words(tp)
    if words:
        return ", ".join(map(str, words))
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    if lo is None and hi is None:
        return ""
    fmt = (lambda v: f"{v:,}".replace(",", "_") if isinstance(v, int) else f"{v:g}")
    return f"{fmt(lo) if lo is not None else '−∞'} … {fmt(hi) if hi is not None else '∞'}"


def sections(cls: type = Settings, path: str = "") -> list[Section]:
    """Every settings section under ``cls``, depth first, in declaration order."""
    hints = typing.get_type_hints(cls)
    notes = _comments(cls)
    entries, nested = [], []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        sub = _item_class(tp)
        key = f"{path}.{f.name}" if path else f.name
        note = notes.get(f.name, "")
        if sub is not None and typing.get_origin(tp) is tuple:
            nested += sections(sub, key + "[]")
            note = (note + "; " if note else "") + f"each item: see `{key}[]`"
        elif sub is not None:
            nested += sections(sub, key)
            if path:   # a nested section is listed in its parent too, pointing to itself
                entries.append(Entry(f.name, "section", "", "", f"see `{key}`"))
            continue
        default = _default(f)
        entries.append(Entry(f.name, _type_name(tp), "" if default is MISSING else _yaml(default),
                             _allowed(f, tp), note))
    doc = inspect.getdoc(cls) or ""
    if cls is Settings or doc.startswith(cls.__name__ + "("):   # dataclass's generated doc
        doc = ""
    own = [Section(path, " ".join(doc.split()), tuple(entries))] if path else []
    return own + nested


def markdown(section: str | None = None) -> str:
    """The reference as Markdown; ``section`` keeps the sections at or under that path.

    Raises:
        KeyError: no section matches ``section``.
    """
    chosen = [s for s in sections() if section is None or s.path == section
              or s.path.startswith(section + ".") or s.path.startswith(section + "[]")]
    if not chosen:
        raise KeyError(section)
    out = [HEADER] if section is None else []
    for s in chosen:
        out.append(f"## `{s.path}`\n")
        if s.text:
            out.append(textwrap.fill(s.text, 95) + "\n")
        out.append("| key | type | default | allowed | meaning |")
        out.append("|---|---|---|---|---|")
        for e in s.entries:
            cells = [f"`{e.key}`", e.type, f"`{e.default}`" if e.default else "",
                     e.allowed, e.meaning]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def section_names() -> list[str]:
    """Paths of all sections (for the CLI's error message)."""
    return [s.path for s in sections()]
