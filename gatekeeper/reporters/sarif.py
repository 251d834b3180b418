"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, built with sarif-om.

One run per tool, each with ``automationDetails.id`` ``gatekeeper/<tool>/`` so uploads of
different tools don't overwrite each other; every finding (not only failing ones) with
its verdict in ``properties.gatekeeper``; the gate's verdict in the invocation. Sample::

    {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "trivy", "rules": [
      {"id": "CVE-2019-1549", "shortDescription": {"text": "openssl: ..."},
       "properties": {"security-severity": "5.5", "tags": ["security", "vulnerability"]}}]}},
      "automationDetails": {"id": "gatekeeper/trivy/"},
      "results": [{"ruleId": "CVE-2019-1549", "ruleIndex": 0, "level": "note", ...,
                   "partialFingerprints": {"gatekeeper/v1": "..."},
                   "properties": {"gatekeeper": {"outcome": "pass", ...}}}]}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from gatekeeper import __version__
from gatekeeper.model import Finding, Severity
from gatekeeper.verdict import Evaluated, Outcome, Verdict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "gatekeeper/v1"

# NOTE: GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium
# (4.0-6.9) and low (0.1-3.9); one representative score per normalised severity.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
    Severity.UNKNOWN: "0.0",
}
LEVEL = {
    Outcome.FAIL: "error",
    Outcome.WARN: "warning",
    Outcome.PASS: "note",
    Outcome.IGNORE: "note",
    Outcome.SUPPRESSED: "note",
}


def to_json_data(obj: Any) -> Any:
    """Serialise sarif-om (attrs) objects to plain data with the schema's property names,
    leaving out every value equal to its default (sarif-om defaults are the spec's)."""
    import attr

    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        for a in attr.fields(type(obj)):
            value = getattr(obj, a.name)
            if value is None or (a.default is not attr.NOTHING and value == a.default):
                continue
            out[a.metadata.get("schema_property_name", a.name)] = to_json_data(value)
        return out
    if isinstance(obj, dict):
        return {k: to_json_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json_data(v) for v in obj]
    return obj


def _uri(path: str) -> str:
    # NOTE: SARIF URIs are RFC 3986; GitHub wants repository-relative paths, so strip a
    # leading "./" or "/" and percent-encode what isn't allowed in a path.
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return quote(path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")


class SarifFormat:
    """SARIF 2.1.0 log of every finding with its verdict."""

    def format(self, verdict: Verdict) -> str:
        return json.dumps(self.log_data(verdict), indent=2, ensure_ascii=False) + "\n"

    def log_data(self, verdict: Verdict) -> dict[str, Any]:
        import sarif_om as om

        by_tool: dict[str, list[Evaluated]] = {}
        for r in verdict.reports:
            by_tool.setdefault(r.tool, [])
        for e in verdict.results:
            by_tool.setdefault(e.finding.tool, []).append(e)
        versions = {r.tool: r.tool_version for r in verdict.reports if r.tool_version}
        runs = [self._run(om, tool, items, versions.get(tool), verdict) for tool, items in sorted(by_tool.items())]
        log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=runs)
        return to_json_data(log)  # type: ignore[no-any-return]

    def _run(self, om: Any, tool: str, items: list[Evaluated], version: str | None, verdict: Verdict) -> Any:
        rules: list[Any] = []
        index: dict[str, int] = {}
        worst: dict[str, Severity] = {}
        for e in items:
            rid = e.finding.rule_id
            worst[rid] = max(worst.get(rid, Severity.UNKNOWN), e.decision.severity)
        results = []
        for e in items:
            f = e.finding
            if f.rule_id not in index:
                index[f.rule_id] = len(rules)
                rules.append(self._rule(om, f, worst[f.rule_id]))
            results.append(self._result(om, e, index[f.rule_id]))
        driver = om.ToolComponent(name=tool, version=version, rules=rules or None)
        invocation = om.Invocation(
            execution_successful=True,
            properties={"gatekeeper": {"verdict": verdict.status.value, "policy": verdict.policy_name}},
        )
        return om.Run(
            tool=om.Tool(driver=driver),
            automation_details=om.RunAutomationDetails(id=f"gatekeeper/{tool}/"),
            conversion=om.Conversion(tool=om.Tool(driver=om.ToolComponent(name="gatekeeper", version=__version__))),
            invocations=[invocation],
            results=results,
            column_kind="unicodeCodePoints",
        )

    def _rule(self, om: Any, f: Finding, severity: Severity) -> Any:
        help_text = f.message or f.title
        if f.links:
            help_text += "\n\n" + "\n".join(f.links[:10])
        return om.ReportingDescriptor(
            id=f.rule_id,
            short_description=om.MultiformatMessageString(text=f.title or f.rule_id),
            full_description=om.MultiformatMessageString(text=f.message or f.title or f.rule_id),
            help=om.MultiformatMessageString(text=help_text or f.rule_id),
            help_uri=f.links[0] if f.links and f.links[0].startswith(("http://", "https://")) else None,
            properties={
                "security-severity": SECURITY_SEVERITY[severity],
                "tags": ["security", f.kind.value],
            },
        )

    def _result(self, om: Any, e: Evaluated, rule_index: int) -> Any:
        f, d = e.finding, e.decision
        text = f.title if not f.message or f.message == f.title else f"{f.title}\n\n{f.message}"
        props: dict[str, Any] = {
            "gatekeeper": {
                "outcome": d.outcome.value,
                "reason": d.reason,
                "decidedBy": d.decided_by,
                "severity": d.severity.label,
                "toolSeverity": f.tool_severity,
                "kind": f.kind.value,
                "fix": f.fix.value,
            }
        }
        if f.identifiers:
            props["gatekeeper"]["identifiers"] = list(f.identifiers)
        if f.package is not None:
            props["gatekeeper"]["package"] = {
                "name": f.package.name,
                "version": f.package.version,
                "fixedVersions": list(f.package.fixed_versions),
            }
        if f.cvss_score is not None:
            props["gatekeeper"]["cvss"] = f.cvss_score
        suppressions = None
        if d.outcome is Outcome.SUPPRESSED:
            suppressions = [
                om.Suppression(
                    kind="external" if f.suppression is None or f.suppression.kind != "inSource" else "inSource",
                    justification=d.reason,
                )
            ]
        return om.Result(
            rule_id=f.rule_id,
            rule_index=rule_index,
            level=LEVEL[d.outcome],
            message=om.Message(text=text or f.rule_id),
            locations=self._locations(om, f) or None,
            partial_fingerprints={FINGERPRINT_KEY: f.fingerprint},
            suppressions=suppressions,
            properties=props,
        )

    def _locations(self, om: Any, f: Finding) -> list[Any]:
        loc = f.location
        uri = loc.path or loc.target
        if not uri:
            return []
        region = None
        if loc.start_line:
            region = om.Region(start_line=loc.start_line, end_line=max(loc.end_line or loc.start_line, loc.start_line))
        logical = [om.LogicalLocation(fully_qualified_name=loc.resource)] if loc.resource else None
        return [
            om.Location(
                physical_location=om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=_uri(uri)), region=region),
                logical_locations=logical,
            )
        ]


def runs_of(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The runs of a SARIF log (helper for tests and consumers)."""
    return data.get("runs", [])  # type: ignore[no-any-return]
