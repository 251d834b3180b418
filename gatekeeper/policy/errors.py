"""Policy errors, and the positions that let every message say ``file:line:col: $.path: ...``."""

from __future__ import annotations

from collections import namedtuple
from typing import Any


class PolicyError(Exception):
    """The policy cannot be used; the message lists every problem."""


# NOTE: a named tuple and a plain class, not dataclasses: the policy package imports this
# module on every gate, and each dataclass costs about 0.5 ms of start-up to create.
Mark = namedtuple("Mark", "line column")
"""A position in a policy file: line and column, 1-based."""


KEY = object()
"""Marks the position of a mapping key (rather than its value) in the marks table."""

Marks = dict[tuple[Any, ...], Mark]


def json_path(path: tuple[Any, ...]) -> str:
    """``("rules", 0, "id")`` -> ``$.rules[0].id``."""
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def position(marks: Marks, path: tuple[Any, ...], key: bool = False) -> Mark:
    """Where a value (or, with ``key``, its key) starts; the nearest enclosing one if unknown."""
    lookup: tuple[Any, ...] = (*path, KEY) if key and path else path
    while lookup not in marks and lookup:
        lookup = lookup[:-1]
        if lookup and lookup[-1] is KEY:
            lookup = lookup[:-1]
    return marks.get(lookup, Mark(1, 1))


class Problems:
    """Collects every problem in one file so they are all reported at once."""

    def __init__(self, source: str, marks: Marks) -> None:
        self.source = source
        self.marks = marks
        self.found: list[tuple[int, int, str]] = []

    def add(self, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        m = position(self.marks, path, key)
        self.found.append((m.line, m.column, f"{self.source}:{m.line}:{m.column}: {json_path(path)}: {message}"))

    def where(self, path: tuple[Any, ...]) -> str:
        """``file:line`` of a value, for origins and cross-references."""
        return f"{self.source}:{position(self.marks, path).line}"

    def messages(self) -> list[str]:
        return [text for _, _, text in sorted(self.found)]

    def raise_if_any(self) -> None:
        raise_all(self.source, self.messages())


def raise_all(source: str, errors: list[str]) -> None:
    """Raise one ``PolicyError`` listing every error, if there are any."""
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        raise PolicyError(f"{source}: invalid policy ({count}):\n" + "\n".join(f"  {e}" for e in errors))
