"""One error hierarchy for the whole package.

Every message says where (file, dotted key, equation or term), what was expected and what
was received, so the CLI can show it as-is without a traceback.
"""
from __future__ import annotations

import unicodedata


MAX_MESSAGE = 600   # characters of a reason shown; hostile input must not flood the terminal
MAX_KEY = 160


class PinnsolveError(Exception):
    """Base of every error pinnsolve raises on purpose."""

    def __str__(self) -> str:
        return printable(super().__str__())


def printable(text: str) -> str:
    """``text`` with control and format characters (an escape sequence that retitles the
    terminal or clears it, a bidirectional override) written as escapes: messages quote
    untrusted files."""
    return "".join(f"\\u{ord(c):04x}" if c not in "\n\t" and
                   unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def clip(text: str, limit: int) -> str:
    """``text`` shortened to about ``limit`` characters, keeping its start and end."""
    if len(text) <= limit:
        return text
    tail = limit // 5
    return f"{text[:limit - tail]} ... [{len(text) - limit} characters omitted] ... {text[-tail:]}"


class SpecError(PinnsolveError):
    """A problem file or mapping is invalid.

    Args:
        message: what was expected and what was found.
        file: the problem file (or "<mapping>" for Python input).
        key: dotted key inside the file, e.g. ``equations.0``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file or "<mapping>"
        # A value or key quoted from a hostile file can be a megabyte long: clip both.
        self.key = clip(key or "", MAX_KEY)
        self.reason = message = clip(message, MAX_MESSAGE)
        where = self.file + (f", key '{self.key}'" if self.key else "")
        super().__init__(f"{where}: {message}")


class CompileError(PinnsolveError):
    """An equation or condition cannot be turned into a residual function."""

    def __init__(self, message: str, *, equation: str | None = None):
        self.equation = equation
        super().__init__(f"{equation}: {message}" if equation else message)


class SolveError(PinnsolveError):
    """Training failed (NaN that could not be rolled back, bad settings at run time)."""

    def __init__(self, message: str, *, term: str | None = None, step: int | None = None):
        self.term = term
        self.step = step
        where = []
        if step is not None:
            where.append(f"step {step}")
        if term is not None:
            where.append(f"term '{term}'")
        super().__init__((", ".join(where) + ": " if where else "") + message)


class RunError(PinnsolveError):
    """A run directory is missing, incomplete or corrupted."""

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
