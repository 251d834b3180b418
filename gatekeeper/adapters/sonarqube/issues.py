"""``api/issues/search``: SonarQube's issues, with the legacy words, the 10.x clean-code words, or both.

::

    {"paging": {"pageIndex": 1, "pageSize": 100, "total": 1},
     "issues": [{"key": "AY...", "rule": "python:S4830", "component": "proj:src/app.py",
                 "project": "proj", "line": 5, "textRange": {"startLine": 5, "endLine": 5},
                 "severity": "CRITICAL", "type": "VULNERABILITY", "status": "OPEN",
                 "impacts": [{"softwareQuality": "SECURITY", "severity": "HIGH"}],
                 "issueStatus": "OPEN", "message": "Enable server certificate validation",
                 "tags": ["cwe"]}],
     "components": [{"key": "proj:src/app.py", "path": "src/app.py"}]}

The fingerprint covers tool, kind, rule, path, start line and message, never the
server's issue key or dates.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.adapters.sonarqube.common import (
    TOOL,
    Context,
    component_path,
    finding_title,
    line_range,
    read_components,
)
from gatekeeper.adapters.sonarqube.mapping import identifiers, issue_kind, issue_review, item_severity, status_word
from gatekeeper.adapters.sonarqube.paging import check_complete
from gatekeeper.model import FixState, Finding, Location, fingerprint


def read_issue_search(ctx: Context, doc: dict[str, Any]) -> list[Finding]:
    issues = ctx.reader.each(ctx.reader.need(doc, "issues", list), "issues")
    check_complete(ctx, doc, "issues", len(issues))
    read_components(ctx, doc)
    for i, rule in enumerate(ctx.reader.each(ctx.reader.opt(doc, "rules", list, default=[]), "rules")):
        name = ctx.reader.opt(rule, "name", str, f"rules[{i}]")
        if name:
            ctx.rule_names[ctx.reader.need(rule, "key", str, f"rules[{i}]")] = name
    return [f for i, issue in enumerate(issues) if (f := read_issue(ctx, issue, f"issues[{i}]"))]


def read_issue(ctx: Context, issue: dict[str, Any], where: str) -> Finding | None:
    r = ctx.reader
    r.need(issue, "key", str, where)
    rule = r.need(issue, "rule", str, where)
    component = r.need(issue, "component", str, where)
    project = r.opt(issue, "project", str, where)
    message = r.opt(issue, "message", str, where, "")
    status = r.opt(issue, "status", str, where)
    resolution = r.opt(issue, "resolution", str, where)
    # NOTE: 10.4 pre-releases (and the 10.x WS example) call issueStatus "simpleStatus".
    issue_status = r.opt(issue, "issueStatus", str, where) or r.opt(issue, "simpleStatus", str, where)
    current, suppression = issue_review(ctx, where, status, resolution, issue_status)
    if not current:
        return None
    type_word = r.opt(issue, "type", str, where)
    severity, tool_severity = item_severity(ctx, issue, where, r.opt(issue, "severity", str, where), type_word)
    kind = issue_kind(ctx, rule, type_word, where)
    path = component_path(ctx, component, project)
    start, end = line_range(ctx, issue, where)
    if project:
        ctx.projects.add(project)
    name = ctx.rule_names.get(rule)
    return r.finding(
        tool=TOOL,
        kind=kind,
        rule_id=rule,
        title=finding_title(rule, name or message),
        message=message,
        severity=severity,
        tool_severity=tool_severity,
        location=Location(path=path, start_line=start, end_line=end, target=None if path else project or component),
        fix=FixState.NOT_APPLICABLE,
        status=status_word(status, resolution, issue_status),
        identifiers=identifiers(ctx, issue, where, rule, message),
        suppression=suppression,
        fingerprint=fingerprint(TOOL, kind.value, rule, path or component, start, message),
        raw=issue,
    )
