"""Strict, path-aware reading of a VEX document's fields (every reader uses these).

Each error is a ``VexError`` whose message is ``FILE: $.path: what is wrong``: a VEX document
the gate cannot fully understand stops it (exit 2), it is never half-applied.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from gatekeeper.vex.interface import VexError

_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)


class Fields:
    """Typed access to one document's values; ``where`` is a JSON path (``$.statements[0]``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, why: str) -> VexError:
        return VexError(f"{self.source}: {where}: {why}")

    def get(self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in obj or obj[key] is None:
            raise self.fail(f"{where}.{key}", "missing")
        return self.check(obj[key], kind, f"{where}.{key}")

    def opt(self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = None) -> Any:
        if obj.get(key) is None:
            return default
        return self.check(obj[key], kind, f"{where}.{key}")

    def check(self, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(where, f"expected {_WORDS.get(names, names)}, got {_WORDS.get(type(value).__name__, type(value).__name__)}")
        return value

    def text(self, obj: dict[str, Any], key: str, where: str) -> str | None:
        """An optional string, stripped; empty is absent."""
        value = self.opt(obj, key, str, where)
        return value.strip() or None if value is not None else None

    def time(self, obj: dict[str, Any], key: str, where: str) -> datetime.datetime | None:
        """An optional RFC 3339 time (with its offset; fractions beyond microseconds cut)."""
        value = self.opt(obj, key, str, where)
        if value is None:
            return None
        m = _TIME.fullmatch(value.strip())
        if not m:
            raise self.fail(f"{where}.{key}", f"{value[:40]!r} is not an RFC 3339 time (e.g. 2024-01-31T12:00:00Z)")
        day, clock, fraction, zone = m.groups()
        text = f"{day}T{clock}.{(fraction or '0')[:6].ljust(6, '0')}{'+00:00' if zone in 'Zz' else zone}"
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(f"{where}.{key}", f"{value[:40]!r} is not a valid time") from None


_WORDS = {"dict": "an object", "list": "a list", "str": "a string", "int": "an integer", "float": "a number",
          "bool": "true or false", "NoneType": "null", "int or float": "a number", "str or dict": "a string or an object"}
