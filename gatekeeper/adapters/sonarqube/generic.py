"""The generic issue import format (``sonar.externalIssuesReportPaths``), legacy and 10.3+.

Legacy, every issue rated itself::

    {"issues": [{"engineId": "bandit", "ruleId": "B105", "severity": "MAJOR",
                 "type": "VULNERABILITY",
                 "primaryLocation": {"message": "Possible hardcoded password",
                                     "filePath": "src/app.py",
                                     "textRange": {"startLine": 3}}}]}

10.3+, the rules rated once and the issues naming them::

    {"rules": [{"id": "B105", "name": "hardcoded_password_string", "engineId": "bandit",
                "impacts": [{"softwareQuality": "SECURITY", "severity": "HIGH"}]}],
     "issues": [{"ruleId": "B105", "primaryLocation": {...}}]}

Validated as SonarQube's scanner validates it.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.adapters.sonarqube.common import (
    TOOL,
    Context,
    finding_title,
    is_generic_issue,
    item_shape,
    not_a_report,
)
from gatekeeper.adapters.sonarqube.mapping import impact_ratings, issue_kind, item_severity
from gatekeeper.model import FixState, Finding, Location, fingerprint


def read_generic(ctx: Context, doc: dict[str, Any]) -> list[Finding]:
    r = ctx.reader
    issues = r.each(r.need(doc, "issues", list), "issues")
    if issues and not is_generic_issue(issues[0]):
        if item_shape(issues[0]) == "issue":
            raise r.fail(
                "paging", "missing: an api/issues/search response without paging cannot be checked for completeness"
            )
        raise r.fail("$", not_a_report(doc))
    rules = _generic_rules(ctx, doc) if doc.get("rules") is not None else None
    return [_read_generic_issue(ctx, issue, f"issues[{i}]", rules) for i, issue in enumerate(issues)]


def _generic_rules(ctx: Context, doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Rule id -> (its JSON path, the rule), checked as SonarQube's scanner checks them."""
    r = ctx.reader
    rules: dict[str, tuple[str, dict[str, Any]]] = {}
    for i, rule in enumerate(r.each(r.need(doc, "rules", list), "rules")):
        where = f"rules[{i}]"
        rule_id = r.need(rule, "id", str, where)
        r.need(rule, "name", str, where)
        r.need(rule, "engineId", str, where)
        has_type = r.opt(rule, "type", str, where) is not None
        if rule.get("impacts") is None and not has_type:
            raise r.fail(where, "needs impacts, type or both (SonarQube rejects the report otherwise)")
        if rule.get("impacts") is not None and not r.each(r.need(rule, "impacts", list, where), f"{where}.impacts"):
            raise r.fail(f"{where}.impacts", "empty (SonarQube requires at least one impact)")
        impact_ratings(ctx, rule, where)  # checked even when no issue uses the rule
        if has_type != (r.opt(rule, "severity", str, where) is not None):
            raise r.fail(where, "type and severity must be given together")
        if rule_id in rules:
            raise r.fail(f"{where}.id", f"duplicate rule id {rule_id!r}")
        rules[rule_id] = (where, rule)
    return rules


def _read_generic_issue(
    ctx: Context, issue: dict[str, Any], where: str, rules: dict[str, tuple[str, dict[str, Any]]] | None
) -> Finding:
    r = ctx.reader
    rule_id = r.need(issue, "ruleId", str, where)
    if rules is None:
        for key in ("engineId", "severity", "type"):
            if key not in issue or issue[key] is None:
                raise r.fail(
                    f"{where}.{key}",
                    "missing (a generic issue report without rules needs engineId, severity and type on every issue)",
                )
        rated_at, rated, engine, name = where, issue, r.need(issue, "engineId", str, where), None
    else:
        if rule_id not in rules:
            raise r.fail(f"{where}.ruleId", f"rule {rule_id!r} is not defined in rules")
        for key in ("severity", "type"):
            if issue.get(key) is not None:
                raise r.fail(f"{where}.{key}", "not allowed on an issue when the report defines rules (SonarQube)")
        rated_at, rated = rules[rule_id]
        engine, name = rated["engineId"], rated["name"]
    type_word = r.opt(rated, "type", str, rated_at)
    severity, tool_severity = item_severity(ctx, rated, rated_at, r.opt(rated, "severity", str, rated_at), type_word)
    loc = r.need(issue, "primaryLocation", dict, where)
    message = r.need(loc, "message", str, f"{where}.primaryLocation")
    path = r.need(loc, "filePath", str, f"{where}.primaryLocation")
    text_range = r.opt(loc, "textRange", dict, f"{where}.primaryLocation")
    start = end = None
    if text_range is not None:
        start = r.need(text_range, "startLine", int, f"{where}.primaryLocation.textRange")
        end = r.opt(text_range, "endLine", int, f"{where}.primaryLocation.textRange", start)
    rule = f"{engine}:{rule_id}"
    kind = issue_kind(ctx, rule, type_word, rated_at)
    return r.finding(
        tool=TOOL,
        kind=kind,
        rule_id=rule,
        title=finding_title(rule, name or message),
        message=message,
        severity=severity,
        tool_severity=tool_severity,
        location=Location(path=path, start_line=start, end_line=end),
        fix=FixState.NOT_APPLICABLE,
        fingerprint=fingerprint(TOOL, kind.value, rule, path, start, message),
        raw=issue,
    )
