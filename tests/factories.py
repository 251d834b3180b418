"""Small builders of findings and reports for tests of evaluation and reporters."""

from __future__ import annotations

from typing import Any

from gatekeeper.model import FixState, Finding, Kind, Location, Package, Report, Severity, Suppression, fingerprint


def finding(
    tool: str = "trivy",
    kind: Kind = Kind.VULNERABILITY,
    rule_id: str = "CVE-2024-0001",
    severity: Severity = Severity.HIGH,
    fix: FixState = FixState.AVAILABLE,
    path: str | None = "requirements.txt",
    line: int | None = 3,
    title: str | None = None,
    suppression: Suppression | None = None,
    **extra: Any,
) -> Finding:
    return Finding(
        tool=tool,
        kind=kind,
        rule_id=rule_id,
        title=title or f"{rule_id} title",
        severity=severity,
        tool_severity=severity.name,
        location=Location(path=path, start_line=line, end_line=line),
        package=Package("pkg", "1.0", ("1.1",), "pypi") if kind is Kind.VULNERABILITY else None,
        fix=fix,
        suppression=suppression,
        fingerprint=fingerprint(tool, rule_id, path, line),
        **extra,
    )


def report(*findings: Finding, tool: str = "trivy", source: str = "r.json", **extra: Any) -> Report:
    return Report(source=source, tool=tool, format=tool, findings=tuple(findings), **extra)
