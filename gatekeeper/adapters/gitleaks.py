"""gitleaks JSON reports (``gitleaks detect --report-format json``), v8 and v7.

v8 (PascalCase keys; ``[]`` when clean)::

    [{"RuleID": "aws-access-token", "Description": "AWS", "File": "conf/aws.tf",
      "StartLine": 2, "EndLine": 2, "StartColumn": 24, "EndColumn": 43,
      "Match": "key = AKIA...", "Secret": "AKIA...", "Commit": "74d5...",
      "Entropy": 3.2, "Author": "...", "Email": "...", "Date": "...", "Message": "...",
      "Tags": [], "Fingerprint": "74d5...:conf/aws.tf:aws-access-token:2"}]

v7 (lowercase keys; ``null`` when clean)::

    [{"rule": "AWS Access Key", "file": ".bashrc", "lineNumber": 13,
      "line": "export KEY=AKIA...", "offender": "AKIA...", "commit": "d54c...",
      "repo": ".", "commitMessage": "...", "author": "...", "email": "...",
      "date": "...", "tags": "key, AWS", "leakURL": ""}]

Mapping: every item is one ``Kind.SECRET`` finding at ``Severity.HIGH`` (gitleaks rates
nothing; a leaked secret is never low), ``tool_severity`` None, fix not applicable.
The report carries no gitleaks version.

Secret values (v8 ``Secret``, ``Match``, ``Line``, ``Fragment``; v7 ``offender``,
``line``) never reach a title, message or fingerprint, and ``raw`` is a shallow copy
with them replaced by ``[REDACTED]``, even when gitleaks already ran with ``--redact``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatekeeper.adapters import sniff
from gatekeeper.adapters.interface import Adapter, Reader, redacted
from gatekeeper.model import FixState, Finding, Kind, Location, Report, Severity, fingerprint


_V8_SECRET_KEYS = frozenset({"Secret", "Match", "Line", "Fragment"})
# NOTE: keys of report.Finding that the JSON reporter prints (Link and Fragment only
# when set, SymlinkFile since 8.x, Fingerprint since ~8.4). "Line" is `json:"-"` and
# appears only in --report-template output (testdata/expected/report/template_jsonextra).
_V8_KNOWN_KEYS = frozenset(
    {
        "RuleID", "Description", "StartLine", "EndLine", "StartColumn", "EndColumn",
        "Match", "Secret", "File", "SymlinkFile", "Commit", "Link", "Entropy",
        "Author", "Email", "Date", "Message", "Tags", "Fingerprint", "Fragment",
    }
)  # fmt: skip
_V7_SECRET_KEYS = frozenset({"offender", "line"})


class GitleaksAdapter(Adapter):
    """Reads gitleaks v8 and v7 JSON reports."""

    name = "gitleaks"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        # NOTE: v7 prints `null` and v8 prints `[]` when nothing leaked.
        items = [] if doc is None else reader.each(_not_sarif(reader, doc), "$")
        findings: list[Finding] = []
        if items:
            v8 = sniff.gitleaks_v8(items[0])
            if not v8 and not sniff.gitleaks_v7(items[0]):
                raise reader.fail(
                    "$[0]",
                    "not a gitleaks finding (expected v8 keys RuleID and Secret/Match, "
                    "or v7 keys rule and offender)",
                )
            read = _read_v8 if v8 else _read_v7
            findings = [read(reader, item, f"$[{i}]") for i, item in enumerate(items)]
        return Report(
            source=source,
            tool="gitleaks",
            format=self.name,
            findings=tuple(findings),
            warnings=tuple(reader.warnings),
            categories=frozenset({"secrets"}),
        )


def _not_sarif(reader: Reader, doc: Any) -> Any:
    if isinstance(doc, dict) and "runs" in doc:
        raise reader.fail("$", "a SARIF log, not gitleaks JSON: read it with --format sarif")
    return doc


def _read_v8(reader: Reader, item: dict[str, Any], where: str) -> Finding:
    if "offender" in item or "rule" in item:
        raise reader.fail(where, "mixes gitleaks v7 keys into a v8 report")
    rule = reader.need(item, "RuleID", str, where)
    path = reader.need(item, "File", str, where)
    start = reader.need(item, "StartLine", int, where)
    end = reader.need(item, "EndLine", int, where)
    reader.need(item, "StartColumn", int, where)
    reader.need(item, "EndColumn", int, where)
    reader.need(item, "Secret", str, where)
    reader.need(item, "Match", str, where)
    description = reader.opt(item, "Description", str, where, "")
    commit = reader.opt(item, "Commit", str, where, "")
    link = reader.opt(item, "Link", str, where, "")
    for key in ("SymlinkFile", "Author", "Email", "Date", "Message"):
        reader.opt(item, key, str, where)
    reader.opt(item, "Entropy", float, where)
    reader.each(reader.opt(item, "Tags", list, where, []), f"{where}.Tags", str)
    # NOTE: gitleaks 8.0-8.3 print no Fingerprint and its own golden prints "" : compose
    # it exactly as gitleaks does, so both spellings of one leak fingerprint the same.
    own = reader.opt(item, "Fingerprint", str, where, "") or _gitleaks_fingerprint(
        commit, path, rule, start
    )
    unknown = sorted(set(item) - _V8_KNOWN_KEYS)
    if unknown:
        reader.warn(
            f"items carry keys the gitleaks JSON reporter never prints ({', '.join(unknown)}): "
            "read as a gitleaks v8 report made with a custom --report-template; "
            "those keys are redacted"
        )
    # NOTE: an unknown key may carry the matched line (as "Line" does): redact it too.
    redact = _V8_SECRET_KEYS | set(unknown)
    return _finding(
        reader,
        rule=rule,
        name=description or rule,
        path=path,
        lines=(start, end),
        commit=commit,
        own_fingerprint=own,
        link=link,
        raw=redacted(item, redact),
    )


def _read_v7(reader: Reader, item: dict[str, Any], where: str) -> Finding:
    if "RuleID" in item:
        raise reader.fail(where, "mixes gitleaks v8 keys into a v7 report")
    rule = reader.need(item, "rule", str, where)
    path = reader.need(item, "file", str, where)
    reader.need(item, "offender", str, where)
    reader.need(item, "line", str, where)
    commit = reader.opt(item, "commit", str, where, "")
    # NOTE: lineNumber appeared during 7.x; earlier v7 reports have no line number.
    line = reader.opt(item, "lineNumber", int, where)
    link = reader.opt(item, "leakURL", str, where, "")
    for key in ("repo", "repoURL", "commitMessage", "author", "email", "date", "tags"):
        reader.opt(item, key, str, where)
    return _finding(
        reader,
        rule=rule,
        name=rule,
        path=path,
        lines=(line, line),
        commit=commit,
        # NOTE: without lineNumber, two leaks of one rule in one file and commit share a
        # fingerprint; the secret itself is never used to tell them apart.
        own_fingerprint=_gitleaks_fingerprint(commit, path, rule, line),
        link=link,
        raw=redacted(item, _V7_SECRET_KEYS),
    )


def _gitleaks_fingerprint(commit: str, path: str, rule: str, line: int | None) -> str:
    """gitleaks v8's own recipe: ``commit:file:rule:line``, ``file:rule:line`` without git."""
    tail = f"{path}:{rule}:{'' if line is None else line}"
    return f"{commit}:{tail}" if commit else tail


def _finding(
    reader: Reader,
    *,
    rule: str,
    name: str,
    path: str,
    lines: tuple[int | None, int | None],
    commit: str,
    own_fingerprint: str,
    link: str,
    raw: dict[str, Any],
) -> Finding:
    location = Location(path=path, start_line=lines[0], end_line=lines[1])
    where = location.display()
    message = f"gitleaks rule {rule} matched at {where}"
    if commit:
        message += f" in commit {commit}"
    return reader.finding(
        tool="gitleaks",
        kind=Kind.SECRET,
        rule_id=rule,
        title=f"{name} secret in {path}",
        message=message + "; rotate the credential and remove it from the history.",
        severity=Severity.HIGH,
        location=location,
        fix=FixState.NOT_APPLICABLE,
        links=(link,) if link else (),
        fingerprint=fingerprint("gitleaks", own_fingerprint),
        raw=raw,
    )
