"""hadolint JSON reports (``hadolint --format json Dockerfile``).

A flat list, ``[]`` when clean::

    [{"file": "Dockerfile", "line": 9, "column": 1, "level": "warning",
      "code": "DL3008", "message": "Pin versions in apt get install. ..."}]

Mapping: every item is one ``Kind.LINT`` finding, titled by its message's first line
(``MAINTAINER is deprecated``: the code is the rule id, not part of the title, as in
hadolint's SARIF); ``DLxxxx`` codes are hadolint's own rules, ``SCxxxx`` are ShellCheck's
(run on ``RUN`` lines), both linted the same way.

=========  ===============
level      severity
=========  ===============
error      HIGH
warning    MEDIUM
info       LOW
style      INFO
=========  ===============

Any other level word is a ``ReportFormatError`` (hadolint drops ``ignore``d rules before
printing). ``DL1000`` is hadolint's "the Dockerfile does not parse" result, printed at
level error: it stays a HIGH finding, because a Dockerfile that could not be linted
must not pass a gate as if it were clean. The format carries no hadolint version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader
from gatekeeper.model import FixState, Finding, Kind, Location, Report, Severity, fingerprint

_LEVELS: dict[str, Severity] = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.LOW,
    "style": Severity.INFO,
}

_HADOLINT_CODE = re.compile(r"DL\d+")
_SHELLCHECK_CODE = re.compile(r"SC\d+")
_TITLE_MAX = 120


class HadolintAdapter(Adapter):
    """Reads hadolint's JSON output."""

    name = "hadolint"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        if isinstance(doc, dict) and "runs" in doc:
            raise reader.fail("$", "a SARIF log, not hadolint JSON: read it with --format sarif")
        items = reader.each(doc, "$")
        findings = tuple(_read_item(reader, item, f"$[{i}]") for i, item in enumerate(items))
        return Report(
            source=source,
            tool="hadolint",
            format=self.name,
            findings=findings,
            warnings=tuple(reader.warnings),
            categories=frozenset({"dockerfile"}),
        )


def _read_item(reader: Reader, item: dict[str, Any], where: str) -> Finding:
    path = reader.need(item, "file", str, where)
    line = reader.need(item, "line", int, where)
    reader.need(item, "column", int, where)
    level = reader.need(item, "level", str, where)
    code = reader.need(item, "code", str, where)
    message = reader.need(item, "message", str, where)
    if level not in _LEVELS:
        expected = ", ".join(_LEVELS)
        raise reader.fail(f"{where}.level", f"unknown level {level!r} (expected one of: {expected})")
    # NOTE: hadolint keeps the path as given on its command line, so Windows runs print
    # backslashes ("dir\\Dockerfile"); kept as printed, not guessed into a POSIX path.
    return reader.finding(
        tool="hadolint",
        kind=Kind.LINT,
        rule_id=code,
        title=title(message),
        message=message,
        severity=_LEVELS[level],
        tool_severity=level,
        location=Location(path=path, start_line=line, end_line=line),
        fix=FixState.NOT_APPLICABLE,
        links=_links(reader, code),
        fingerprint=fingerprint("hadolint", code, path, line),
        raw=item,
    )


def title(message: str) -> str:
    """A finding's title: the message's first line, shortened. The rule code is not repeated
    (reporters show it beside the title); hadolint's SARIF results read the same way."""
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    if len(first) > _TITLE_MAX:
        first = first[: _TITLE_MAX - 3] + "..."
    return first


def _links(reader: Reader, code: str) -> tuple[str, ...]:
    if _HADOLINT_CODE.fullmatch(code):
        return (f"https://github.com/hadolint/hadolint/wiki/{code}",)
    if _SHELLCHECK_CODE.fullmatch(code):
        return (f"https://www.shellcheck.net/wiki/{code}",)
    reader.warn(f"rule code {code!r} is neither a hadolint DLxxxx nor a ShellCheck SCxxxx code")
    return ()
