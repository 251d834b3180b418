"""``api/hotspots/search``: security hotspots, which a reviewer marks safe or fixed.

::

    {"paging": {"pageIndex": 1, "pageSize": 100, "total": 1},
     "hotspots": [{"key": "AX...", "component": "proj:src/app.py", "project": "proj",
                   "securityCategory": "weak-cryptography", "vulnerabilityProbability": "MEDIUM",
                   "status": "TO_REVIEW", "line": 12, "message": "Make sure this is safe here.",
                   "ruleKey": "python:S4790"}],
     "components": [{"key": "proj:src/app.py", "path": "src/app.py"}]}

``resolution`` (with status REVIEWED) and ``ruleKey`` may be absent.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.adapters.sonarqube.common import (
    TOOL,
    Context,
    component_path,
    finding_title,
    has_paging,
    line_range,
    read_components,
)
from gatekeeper.adapters.sonarqube.mapping import PROBABILITY, hotspot_review, rating, status_word
from gatekeeper.adapters.sonarqube.paging import check_complete
from gatekeeper.model import FixState, Finding, Kind, Location, fingerprint


def read_hotspot_search(ctx: Context, doc: dict[str, Any]) -> list[Finding]:
    hotspots = ctx.reader.each(ctx.reader.need(doc, "hotspots", list), "hotspots")
    if not has_paging(doc):
        raise ctx.reader.fail("paging", "missing (an api/hotspots/search response always has it)")
    check_complete(ctx, doc, "hotspots", len(hotspots))
    read_components(ctx, doc)
    return [f for i, h in enumerate(hotspots) if (f := read_hotspot(ctx, h, f"hotspots[{i}]"))]


def read_hotspot(ctx: Context, hotspot: dict[str, Any], where: str) -> Finding | None:
    r = ctx.reader
    r.need(hotspot, "key", str, where)
    component = r.need(hotspot, "component", str, where)
    probability = r.need(hotspot, "vulnerabilityProbability", str, where)
    status = r.need(hotspot, "status", str, where)
    resolution = r.opt(hotspot, "resolution", str, where)
    category = r.opt(hotspot, "securityCategory", str, where)
    project = r.opt(hotspot, "project", str, where)
    message = r.opt(hotspot, "message", str, where, "")
    current, suppression = hotspot_review(ctx, where, status, resolution)
    if not current:
        return None
    # NOTE: the WS example and older servers omit ruleKey; the category still groups them.
    rule = r.opt(hotspot, "ruleKey", str, where) or f"hotspot:{category or 'unknown'}"
    path = component_path(ctx, component, project)
    start, end = line_range(ctx, hotspot, where)
    if project:
        ctx.projects.add(project)
    return r.finding(
        tool=TOOL,
        kind=Kind.SECURITY_HOTSPOT,
        rule_id=rule,
        title=finding_title(rule, message),
        message=message,
        severity=rating(ctx, PROBABILITY, probability, f"{where}.vulnerabilityProbability"),
        tool_severity=probability,
        location=Location(path=path, start_line=start, end_line=end, target=None if path else project or component),
        fix=FixState.NOT_APPLICABLE,
        status=status_word(status, resolution, None),
        suppression=suppression,
        fingerprint=fingerprint(TOOL, Kind.SECURITY_HOTSPOT.value, rule, path or component, start, message),
        raw=hotspot,
    )
