"""The adapter interface: one parsed JSON document in, one ``Report`` out.

Adapters are pure: they never open files or talk to the network (``sources/`` does),
so each is a function of its input and trivially testable. They are strict: a document
that is not fully in their format raises ``ReportFormatError`` naming where it went
wrong, because a gate that half-reads a report can pass when it should fail.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from gatekeeper.model import Report


class AdapterError(Exception):
    """Base error of the adapters layer; its message starts with the source name."""


class ReportFormatError(AdapterError):
    """The document is not (fully) in the format the adapter reads."""


class UnrecognisedReportError(AdapterError):
    """No adapter recognises the document, or several do."""


class Adapter(abc.ABC):
    """Reads one scanner's report format."""

    name: ClassVar[str]
    """Format name, as given to ``--format``."""

    @classmethod
    @abc.abstractmethod
    def sniff(cls, doc: Any) -> bool:
        """True when ``doc`` is unmistakably in this format.

        Must be cheap (look at top-level keys and the first item only) and must not
        match another adapter's documents: detection refuses ambiguous matches.
        Ambiguous empty documents (``null``, ``[]``) are never sniffed; they are
        attributed by ``--format`` or the file name (see ``gatekeeper.adapters.detect``).
        """

    @abc.abstractmethod
    def parse(self, doc: Any, source: str) -> Report:
        """Adapt ``doc`` (already decoded JSON) read from ``source``.

        Raises ``ReportFormatError`` with a message that starts with ``source``.
        """


class Reader:
    """Strict, path-aware access to a decoded JSON document.

    ``r.need(item, "Target", str, "Results[3]")`` returns the value or raises
    ``ReportFormatError("<source>: Results[3].Target: expected a string, got null")``.
    """

    _TYPE_WORDS: ClassVar[dict[type, str]] = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "an object",
    }

    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def fail(self, where: str, message: str) -> ReportFormatError:
        prefix = f"{self.source}: {where}: " if where else f"{self.source}: "
        return ReportFormatError(prefix + message)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _check(self, value: Any, types: type | tuple[type, ...], where: str) -> Any:
        types_t = types if isinstance(types, tuple) else (types,)
        # NOTE: bool is an int subclass in Python; a JSON true is never a line number.
        ok = isinstance(value, types_t) and not (isinstance(value, bool) and bool not in types_t)
        if not ok and float in types_t and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            expected = " or ".join(self._TYPE_WORDS.get(t, t.__name__) for t in types_t)
            raise self.fail(where, f"expected {expected}, got {_describe(value)}")
        return value

    def need(self, obj: Mapping[str, Any], key: str, types: type | tuple[type, ...], where: str = "") -> Any:
        """A required key of the given JSON type(s)."""
        path = f"{where}.{key}" if where else key
        if key not in obj:
            raise self.fail(path, "missing")
        return self._check(obj[key], types, path)

    def opt(
        self,
        obj: Mapping[str, Any],
        key: str,
        types: type | tuple[type, ...],
        where: str = "",
        default: Any = None,
    ) -> Any:
        """An optional key; ``null`` counts as absent."""
        value = obj.get(key)
        if value is None:
            return default
        path = f"{where}.{key}" if where else key
        return self._check(value, types, path)

    def each(self, value: Any, where: str, types: type | tuple[type, ...] = dict) -> list[Any]:
        """Check that ``value`` is a list whose items are all of ``types``."""
        self._check(value, list, where)
        for i, item in enumerate(value):
            self._check(item, types, f"{where}[{i}]")
        return value  # type: ignore[no-any-return]

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        return self._check(value, dict, where)  # type: ignore[no-any-return]


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
