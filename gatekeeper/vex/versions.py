"""Versions and ``vers:`` ranges (https://github.com/package-url/purl-spec, VERSION-RANGE-SPEC),
as CycloneDX ``affects[].versions`` give them.

A range is ``vers:SCHEME/C1|C2|...`` where each constraint is ``*``, a version (equal), or one
of ``>=``, ``<=``, ``>``, ``<``, ``!=`` before a version. As the spec's algorithm reads them:
equal and not-equal constraints first, then the others in version order, each lower bound
paired with the upper bound after it (an unpaired one is open-ended). PyPI versions compare
as PEP 440 (``packaging``); every other scheme by its numeric and text parts.
"""

from __future__ import annotations

import re
from typing import Any

_PART = re.compile(r"(\d+)|([A-Za-z]+)")


def _key(version: str, scheme: str) -> Any:
    if scheme == "pypi":
        from packaging.version import InvalidVersion, Version

        try:
            return (0, Version(version))
        except InvalidVersion:
            pass
    parts = [(0, int(n), "") if n else (1, 0, t.lower()) for n, t in _PART.findall(version.lstrip("vV"))]
    return (1, tuple(parts))


class RangeError(ValueError):
    """A ``vers:`` range gatekeeper cannot read."""


def parse_range(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(scheme, [(operator, version)]) of a ``vers:`` range; raises ``RangeError``."""
    head, _, body = text.partition("/")
    if not head.startswith("vers:") or not body.strip():
        raise RangeError(f"{text[:60]!r} is not a vers: range (vers:SCHEME/CONSTRAINTS)")
    scheme = head[5:].lower()
    out = []
    for c in body.replace(" ", "").split("|"):
        if c == "*":
            out.append(("*", ""))
            continue
        m = re.fullmatch(r"(>=|<=|!=|<|>|=)?(.+)", c)
        if not m:
            raise RangeError(f"{text[:60]!r}: empty constraint")
        out.append((m.group(1) or "=", m.group(2)))
    return scheme, out


def version_in(version: str, spec: str) -> bool:
    """Whether ``version`` is ``spec`` (a version, or a ``vers:`` range that contains it)."""
    if not spec.startswith("vers:"):
        return version.strip() == spec.strip()
    scheme, constraints = parse_range(spec)
    if any(op == "*" for op, _ in constraints):
        return True
    key = _key(version, scheme)
    ranges = []
    for op, v in constraints:
        k = _key(v, scheme)
        if op == "=" and k == key:
            return True
        if op == "!=" and k == key:
            return False
        if op not in ("=", "!="):
            ranges.append((k, op))
    ranges.sort(key=lambda r: r[0])
    lower: tuple[Any, str] | None = None
    for k, op in ranges:
        if op in (">", ">="):
            lower = (k, op)
            continue
        inside_upper = key < k or (op == "<=" and key == k)
        inside_lower = lower is None or key > lower[0] or (lower[1] == ">=" and key == lower[0])
        if inside_upper and inside_lower:
            return True
        lower = None
    if lower is not None:
        return key > lower[0] or (lower[1] == ">=" and key == lower[0])
    return not ranges and any(op == "!=" for op, _ in constraints)
