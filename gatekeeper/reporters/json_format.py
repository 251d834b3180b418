"""JSON: every finding and its decision, and the verdict, in a documented versioned schema.

The schema is package data (``reporters/json_schema.json``, described in
``docs/json-output.md``). ``schemaVersion`` follows semver: a new optional field is a minor
change, anything that can break a consumer is a major one. Sample::

    {
      "schemaVersion": "1.1.0",
      "gatekeeper": {"version": "0.1.0"},
      "verdict": {"status": "failed", "summary": "FAILED: 1 finding violates the policy.",
                  "enforce": true, "policy": "built-in default", "environment": null,
                  "problems": [], "notices": []},
      "counts": {"findings": 2, "byOutcome": {"fail": 1, "pass": 1, ...},
                 "bySeverity": {"critical": 1, ...}, "byTool": {"trivy": {"critical": 1, ...}}},
      "reports": [{"source": "trivy.json", "tool": "trivy", "format": "trivy", "findings": 2, ...}],
      "exceptions": [{"id": "CVE-2024-0001-base-image", "state": "expiring", ...}],
      "findings": [{"tool": "trivy", "kind": "vulnerability", "ruleId": "CVE-2024-0001",
                    "title": "...", "severity": "critical", "location": {"path": "..."},
                    "decision": {"outcome": "fail", "reason": "...", "decidedBy": "fail_on",
                                 "severity": "critical"}, ...}]
    }

A finding's ``raw`` item (which may hold a secret) is never written. Text fields are
bounded (a megabyte-long message is cut, ending with an ellipsis).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from gatekeeper import __version__
from gatekeeper.model import Finding, Severity
from gatekeeper.reporters.console import summary_line
from gatekeeper.reporters.escape import bounded
from gatekeeper.reporters.interface import StreamReporter
from gatekeeper.reporters.jsonstream import Streamed, pieces as json_pieces
from gatekeeper.verdict import ChangeScope, Evaluated, Outcome, Verdict, VexUse

SCHEMA_VERSION = "1.1.0"
SCHEMA_ID = "https://github.com/gatekeeper/gatekeeper/schemas/report-1.json"

_TEXT = 16_000
_SHORT = 2_000
_SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN]


class JsonFormat(StreamReporter):
    """The whole verdict as JSON for other tools."""

    def pieces(self, verdict: Verdict) -> Iterator[bytes]:
        """The document piece by piece (see ``reporters.jsonstream``)."""
        return json_pieces(self.data(verdict))

    def data(self, verdict: Verdict) -> dict[str, Any]:
        """The document as plain data, its findings a ``Streamed`` list."""
        by_tool = verdict.by_tool_and_severity()
        for r in verdict.reports:
            by_tool.setdefault(r.tool, Counter())
        severities: Counter[Severity] = Counter()
        for counts in by_tool.values():
            severities.update(counts)
        doc: dict[str, Any] = {
            "$schema": SCHEMA_ID,
            "schemaVersion": SCHEMA_VERSION,
            "gatekeeper": {"version": __version__},
            "verdict": {
                "status": verdict.status.value,
                "summary": summary_line(verdict),
                "enforce": verdict.enforce,
                "policy": bounded(verdict.policy_name, _SHORT),
                "environment": verdict.environment,
                "problems": [bounded(p, _SHORT) for p in verdict.problems],
                "notices": [bounded(n, _SHORT) for n in verdict.notices],
            },
            "counts": {
                "findings": len(verdict.results),
                "byOutcome": {o.value: verdict.count(o) for o in Outcome},
                "bySeverity": {s.label: severities[s] for s in _SEVERITIES},
                "byTool": {t: {s.label: c[s] for s in _SEVERITIES} for t, c in sorted(by_tool.items())},
            },
            "reports": [
                {
                    "source": bounded(r.source, _SHORT),
                    "tool": r.tool,
                    "format": r.format,
                    "toolVersion": r.tool_version,
                    "target": bounded(r.target, _SHORT) or None,
                    "categories": sorted(r.categories),
                    "findings": len(r.findings),
                    "gaps": [{"subject": bounded(g.subject, _SHORT), "reason": bounded(g.reason, _SHORT)} for g in r.gaps],
                    "warnings": [bounded(w, _SHORT) for w in r.warnings],
                }
                for r in verdict.reports
            ],
            "exceptions": [
                {
                    "id": x.id,
                    "state": x.state.value,
                    "reason": bounded(x.reason, _SHORT),
                    "owner": x.owner,
                    "expires": x.expires.isoformat(),
                    "matched": x.matched,
                }
                for x in verdict.exceptions
            ],
            # The only floats in the document: CVSS scores (and EPSS scores, with --epss).
            "findings": Streamed(verdict.results, finding_data, floats=_scores)
            if not verdict.data_dates
            else Streamed(verdict.results, _with_exploitation({k for k, _, _ in verdict.data_dates}), floats=_all_scores),
            **({"change": change_data(verdict.change)} if verdict.change is not None else {}),
            # Only with VEX documents (--vex): a report without them is as before.
            **({"vex": [vex_data(u, matched=True) for u in verdict.vex]} if verdict.vex or _has_vex(verdict) else {}),
        }
        if verdict.data_files:
            dates = {kind: (version, released) for kind, version, released in verdict.data_dates}
            doc["data"] = [
                {
                    "kind": kind,
                    "path": bounded(path, _SHORT),
                    "sha256": digest,
                    "version": dates.get(kind, (None, None))[0],
                    "released": dates.get(kind, (None, None))[1],
                }
                for kind, path, digest in verdict.data_files
            ]
        return doc


def _has_vex(verdict: Verdict) -> bool:
    return any(kind == "vex" for kind, _, _ in verdict.data_files)


def change_data(change: ChangeScope) -> dict[str, Any]:
    """The change the gate judged (only with ``check --diff``/``--diff-base``)."""
    return {
        "against": bounded(change.against, _SHORT),
        "diffFile": bounded(change.diff_file, _SHORT) or None,
        "baseRef": bounded(change.base_ref, _SHORT) or None,
        "mergeBase": change.merge_base,
        "filter": change.filter,
        "files": change.files,
        "outside": change.outside,
        "excused": change.excused,
        "unplaced": change.unplaced,
    }


def vex_data(u: VexUse, matched: bool = False) -> dict[str, Any]:
    """A VEX statement as the JSON report shows it (in a decision, and in the top-level list)."""
    out: dict[str, Any] = {
        "document": bounded(u.document, _SHORT),
        "statement": u.statement,
        "vulnerability": bounded(u.vulnerability, _SHORT),
        "status": u.status,
        "justification": u.justification,
        "impact": bounded(u.impact, _SHORT) or None,
    }
    if u.state:
        out["state"] = u.state
    if matched:
        out["matched"] = u.matched
    return out


def _scores(e: Evaluated) -> list[float | None]:
    return [c.score for f in (e.finding, *e.also) for c in f.cvss]


def _all_scores(e: Evaluated) -> list[float | None]:
    x = e.exploitation
    epss = [x.epss.score, x.epss.percentile] if x is not None and x.epss is not None else []
    return _scores(e) + epss


def _with_exploitation(kinds: set[str]) -> Callable[[Evaluated], dict[str, Any]]:
    """``finding_data`` plus ``kev`` and/or ``epss`` (``null`` when the data does not list the finding)."""

    def convert(e: Evaluated) -> dict[str, Any]:
        data = finding_data(e)
        x = e.exploitation
        if "kev" in kinds:
            k = x.kev if x is not None else None
            data["kev"] = None if k is None else {
                "cveID": k.cve,
                "vulnerabilityName": bounded(k.name, _SHORT),
                "dateAdded": k.date_added.isoformat(),
                "dueDate": k.due_date.isoformat(),
                "knownRansomwareCampaignUse": "Known" if k.ransomware else "Unknown",
            }
        if "epss" in kinds:
            s = x.epss if x is not None else None
            data["epss"] = None if s is None else {"cve": s.cve, "score": s.score, "percentile": s.percentile}
        return data

    return convert


def finding_data(e: Evaluated) -> dict[str, Any]:
    """One finding with its decision; never its ``raw`` item."""
    f: Finding = e.finding
    d = e.decision
    loc = f.location
    pkg = f.package
    data = {
        "tool": f.tool,
        "toolVersion": f.tool_version,
        "kind": f.kind.value,
        "ruleId": bounded(f.rule_id, _SHORT),
        "title": bounded(f.title, _SHORT),
        "message": bounded(f.message, _TEXT),
        "severity": f.severity.label,
        "toolSeverity": f.tool_severity,
        "location": {
            "path": bounded(loc.path, _SHORT) or None,
            "startLine": loc.start_line,
            "endLine": loc.end_line,
            "target": bounded(loc.target, _SHORT) or None,
            "resource": bounded(loc.resource, _SHORT) or None,
        },
        "package": None
        if pkg is None
        else {
            "name": pkg.name,
            "version": pkg.version,
            "fixedVersions": list(pkg.fixed_versions),
            "ecosystem": pkg.ecosystem,
            "purl": pkg.purl,
        },
        "fix": f.fix.value,
        "status": f.status,
        "identifiers": list(f.identifiers),
        "cvss": [{"score": c.score, "vector": c.vector, "version": c.version, "source": c.source} for c in f.cvss],
        "links": [bounded(link, _SHORT) for link in f.links],
        "suppression": None
        if f.suppression is None
        else {"kind": f.suppression.kind, "justification": bounded(f.suppression.justification, _SHORT) or None},
        "fingerprint": f.fingerprint,
        "seenBy": list(e.seen_by),
        "alsoReported": [
            {
                "tool": a.tool,
                "ruleId": bounded(a.rule_id, _SHORT),
                "fingerprint": a.fingerprint,
                "location": {"path": bounded(a.location.path, _SHORT) or None, "startLine": a.location.start_line},
            }
            for a in e.also
        ],
        "known": e.known,
        "decision": {
            "outcome": d.outcome.value,
            "reason": bounded(d.reason, _SHORT),
            "decidedBy": bounded(d.decided_by, _SHORT),
            "severity": d.severity.label,
            **({"vex": vex_data(d.vex)} if d.vex is not None else {}),
        },
    }
    if e.placed is not None:
        data["change"] = {"placed": e.placed[0], "why": bounded(e.placed[1], _SHORT)}
    return data
