"""The adapter interface: one parsed JSON document in, one ``Report`` out.

Adapters are pure: they never open files or talk to the network (``sources/`` does),
so each is a function of its input and trivially testable. They are strict: a document
that is not fully in their format raises ``ReportFormatError`` naming where it went
wrong, because a gate that half-reads a report can pass when it should fail.
"""

from __future__ import annotations

import abc
import datetime
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar

from gatekeeper.adapters import registry
from gatekeeper.model import Finding, Report


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?"
)


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
    json_lines: ClassVar[bool] = False
    """Reads JSON Lines (one object a line, TruffleHog's): the file source hands such a
    text only to an adapter that says so, and refuses it for every other format."""

    @classmethod
    def sniff(cls, doc: Any) -> bool:
        """True when ``doc`` is unmistakably in this format.

        Cheap (top-level keys and the first item only) and never true for another
        format's documents: detection refuses ambiguous matches. Ambiguous empty
        documents (``null``, ``[]``) are never sniffed; they are attributed by ``--format``
        or the file name (see ``gatekeeper.adapters.detect``). The test is this format's
        registry entry's (``adapters/registry.py``), which detection uses without importing
        the adapter.
        """
        return registry.by_name(cls.name).sniff(doc)

    @abc.abstractmethod
    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        """Adapt ``doc`` (already decoded JSON) read from ``source``.

        ``build`` makes each finding from ``Finding``'s keyword arguments (``Reader.finding``);
        by default it is ``Finding``. Raises ``ReportFormatError`` with a message that starts
        with ``source``.
        """


class Reader:
    """Strict, path-aware access to a decoded JSON document.

    ``r.need(item, "Target", str, "Results[3]")`` returns the value or raises
    ``ReportFormatError("<source>: Results[3].Target: expected a string, got null")``.

    Adapters make every finding with ``r.finding(...)`` (``Finding``'s keyword arguments),
    never ``Finding(...)``: the caller may give a builder that makes each finding right the
    first time (``sources.files`` replaces raw items it does not keep by references into the
    file), since a frozen ``Finding`` is never changed after it is made.
    """

    _TYPE_WORDS: ClassVar[dict[type, str]] = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "an object",
    }

    def __init__(self, source: str, build: Callable[..., Finding] | None = None) -> None:
        self.source = source
        self.warnings: list[str] = []
        self.finding: Callable[..., Finding] = Finding if build is None else build
        """Makes one finding from ``Finding``'s keyword arguments; by default ``Finding`` itself."""

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
            raise self.fail(where, f"expected {expected}, got {describe(value)}")
        return value

    def need(self, obj: Mapping[str, Any], key: str, types: type | tuple[type, ...], where: str = "") -> Any:
        """A required key of the given JSON type(s)."""
        value = obj.get(key, _MISSING)
        if type(value) is types:  # the usual case: exactly the JSON type asked for
            return value
        path = f"{where}.{key}" if where else key
        if value is _MISSING:
            raise self.fail(path, "missing")
        return self._check(value, types, path)

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
        if type(value) is types:  # the usual case; bool never passes for int (type(True) is bool)
            return value
        path = f"{where}.{key}" if where else key
        return self._check(value, types, path)

    def each(self, value: Any, where: str, types: type | tuple[type, ...] = dict) -> list[Any]:
        """Check that ``value`` is a list whose items are all of ``types``."""
        if type(value) is not list:
            self._check(value, list, where)
        for i, item in enumerate(value):
            if type(item) is not types:  # NOTE: paths are built only on the slow path (large reports)
                self._check(item, types, f"{where}[{i}]")
        return value  # type: ignore[no-any-return]

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if type(value) is dict:
            return value
        return self._check(value, dict, where)  # type: ignore[no-any-return]

    def score(self, value: float, where: str) -> float:
        """A CVSS-like score, refused unless a number from 0 to 10 (NaN and infinities too).

        A NaN compares false with every threshold, and -5 or 42 are no CVSS scores: each
        would decide a finding silently (or not at all).
        """
        if not 0.0 <= value <= 10.0:  # NOTE: false for NaN
            raise self.fail(where, f"a score is a number from 0 to 10, got {str(value)[:40]}; refused")
        return float(value)

    def time(self, obj: Mapping[str, Any], key: str, where: str = "") -> datetime.datetime | None:
        """An optional RFC 3339 time (``2024-01-15T08:58:29.82753744Z``), in UTC.

        A bare date is its midnight; a time without an offset is read as UTC (SARIF's ``*Utc`` properties). A time that
        does not parse is an error: a report's age may decide the gate.
        """
        text = self.opt(obj, key, str, where)
        if text is None:
            return None
        path = f"{where}.{key}" if where else key
        m = _RFC3339.fullmatch(text.strip())
        try:
            if m is None:
                raise ValueError
            date, clock, fraction, offset = m.groups()
            micro = (fraction or ".0")[1:7].ljust(6, "0")  # NOTE: Go writes nanoseconds
            stamp = datetime.datetime.fromisoformat(f"{date}T{clock or '00:00:00'}.{micro}")
            if offset and offset.upper() != "Z":
                sign = -1 if offset[0] == "-" else 1
                hours, minutes = int(offset[1:3]), int(offset[4:6])
                zone = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
            else:
                zone = datetime.timezone.utc
            return stamp.replace(tzinfo=zone).astimezone(datetime.timezone.utc)
        except (ValueError, OverflowError):
            raise self.fail(path, f"not an RFC 3339 time: {text[:40]!r}") from None


_MISSING: Any = object()


REDACTED = "[REDACTED]"
"""What replaces a secret value in a finding's raw item."""


def redacted(item: Mapping[str, Any], keys: Collection[str]) -> dict[str, Any]:
    """A copy of ``item`` with the values of ``keys`` replaced by ``REDACTED``."""
    return {k: (REDACTED if k in keys else v) for k, v in item.items()}


def describe(value: Any) -> str:
    """A JSON value's type in words, for messages: ``null``, ``a string``, ``a list`` ..."""
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
