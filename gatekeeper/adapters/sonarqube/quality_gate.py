"""``api/qualitygates/project_status``: the project's quality gate and its conditions.

::

    {"projectStatus": {"status": "ERROR",
                       "conditions": [{"status": "ERROR", "metricKey": "new_security_rating",
                                       "comparator": "GT", "errorThreshold": "1",
                                       "actualValue": "3"}]}}

A failed quality gate gives one HIGH finding per failing condition (rule
``quality-gate``), or one for the gate when it lists none; WARN conditions are MEDIUM.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.adapters.sonarqube.common import TOOL, Context, finding_title
from gatekeeper.model import Finding, Kind, Location, Severity, fingerprint

_GATE_STATUSES = frozenset({"OK", "WARN", "ERROR", "NONE"})
_COMPARATORS = {"LT": "is less than", "GT": "is greater than", "EQ": "equals", "NE": "is not"}


def read_quality_gate(ctx: Context, doc: dict[str, Any]) -> list[Finding]:
    r = ctx.reader
    status_obj = r.need(doc, "projectStatus", dict)
    gate = r.need(status_obj, "status", str, "projectStatus")
    if gate not in _GATE_STATUSES:
        expected = ", ".join(sorted(_GATE_STATUSES))
        raise r.fail("projectStatus.status", f"unknown quality gate status {gate!r} (expected one of: {expected})")
    conditions = r.each(r.opt(status_obj, "conditions", list, "projectStatus", []), "projectStatus.conditions")
    findings = []
    for i, cond in enumerate(conditions):
        where = f"projectStatus.conditions[{i}]"
        if r.need(cond, "status", str, where) in ("ERROR", "WARN"):
            findings.append(_condition_finding(ctx, cond, where, gate))
    if gate == "NONE":
        r.warn("no quality gate is configured for the project (status NONE): it checked nothing")
    if gate in ("OK", "NONE"):
        # NOTE: the gate's own status is the verdict SonarQube gives (it may ignore
        # conditions on small changes); a failing condition under it is only named.
        if findings:
            r.warn(f"the quality gate is {gate} although {len(findings)} condition(s) failed; no finding made")
        return []
    return findings or [_gate_finding(ctx, gate, status_obj)]


def _condition_finding(ctx: Context, cond: dict[str, Any], where: str, gate: str) -> Finding:
    r = ctx.reader
    status = cond["status"]
    metric = r.need(cond, "metricKey", str, where)
    actual = r.opt(cond, "actualValue", str, where)
    comparator = r.opt(cond, "comparator", str, where)
    threshold = r.opt(cond, "errorThreshold" if status == "ERROR" else "warningThreshold", str, where)
    compares = _COMPARATORS.get(comparator or "", comparator or "?")
    rule_text = f"fails when it {compares} {threshold}" if threshold else "failed"
    message = f"{metric} = {actual if actual is not None else '(no value)'}; the condition {rule_text}"
    return r.finding(
        tool=TOOL,
        kind=Kind.CODE_ISSUE,
        rule_id="quality-gate",
        title=finding_title("quality-gate", f"{metric} {rule_text}"),
        message=message,
        severity=Severity.HIGH if status == "ERROR" else Severity.MEDIUM,
        tool_severity=status,
        location=Location(resource=metric),
        status=gate,
        fingerprint=fingerprint(TOOL, "quality-gate", metric),
        raw=cond,
    )


def _gate_finding(ctx: Context, gate: str, status_obj: dict[str, Any]) -> Finding:
    return ctx.reader.finding(
        tool=TOOL,
        kind=Kind.CODE_ISSUE,
        rule_id="quality-gate",
        title="quality-gate: the quality gate failed",
        message=f"The SonarQube quality gate status is {gate} (the response lists no failing condition).",
        severity=Severity.HIGH if gate == "ERROR" else Severity.MEDIUM,
        tool_severity=gate,
        status=gate,
        fingerprint=fingerprint(TOOL, "quality-gate"),
        raw=status_obj,
    )
