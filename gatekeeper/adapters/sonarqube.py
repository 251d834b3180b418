"""SonarQube / SonarCloud JSON: Web API responses and the generic issue import format.

Variants read (all one format, ``sonarqube``):

``api/issues/search`` (legacy words, the 10.x clean-code words, or both)::

    {"paging": {"pageIndex": 1, "pageSize": 100, "total": 1},
     "issues": [{"key": "AY...", "rule": "python:S4830", "component": "proj:src/app.py",
                 "project": "proj", "line": 5, "textRange": {"startLine": 5, "endLine": 5},
                 "severity": "CRITICAL", "type": "VULNERABILITY", "status": "OPEN",
                 "impacts": [{"softwareQuality": "SECURITY", "severity": "HIGH"}],
                 "issueStatus": "OPEN", "message": "Enable server certificate validation",
                 "tags": ["cwe"]}],
     "components": [{"key": "proj:src/app.py", "path": "src/app.py"}]}

``api/hotspots/search``: ``{"paging": ..., "hotspots": [{"key", "component",
"securityCategory", "vulnerabilityProbability", "status", "resolution"?, "line",
"message", "ruleKey"?}], "components": [...]}``.

A bare list of issue or hotspot objects (what API clients such as DefectDojo's return).

The generic issue import format, legacy ``{"issues": [{"engineId", "ruleId", "severity",
"type", "primaryLocation": {"message", "filePath", "textRange"?}}]}`` and 10.3+
``{"rules": [{"id", "name", "engineId", "impacts"...}], "issues": [{"ruleId",
"primaryLocation"}]}``, validated as SonarQube's scanner validates it.

``api/qualitygates/project_status``: ``{"projectStatus": {"status": "ERROR",
"conditions": [{"status", "metricKey", "comparator", "errorThreshold", "actualValue"}]}}``.

Severity (the highest of every rating the item carries, so a 10.x issue rated MAJOR
but SECURITY:HIGH is HIGH):

=====================  ==========================  ===========
legacy ``severity``     impact ``severity``         normalised
=====================  ==========================  ===========
BLOCKER                 BLOCKER                     CRITICAL
CRITICAL                HIGH                        HIGH
MAJOR                   MEDIUM                      MEDIUM
MINOR                   LOW                         LOW
INFO                    INFO                        INFO
=====================  ==========================  ===========

Hotspot ``vulnerabilityProbability`` HIGH/MEDIUM/LOW -> HIGH/MEDIUM/LOW. An unknown word,
or an issue with no rating at all, is ``UNKNOWN`` with a warning. ``tool_severity`` keeps
every word: ``"MAJOR/VULNERABILITY, SECURITY:HIGH"`` (legacy severity/type, then impacts).

Kind: issues are ``CODE_ISSUE`` whatever their type (a SAST vulnerability is not a
package vulnerability), except type ``SECURITY_HOTSPOT`` (SonarQube 7.x-8.x listed
hotspots as issues) and hotspots -> ``SECURITY_HOTSPOT``, and rules of SonarQube's
``secrets`` repository -> ``SECRET`` (their messages never hold the secret value).
A failed quality gate gives one HIGH finding per failing condition (rule
``quality-gate``), or one for the gate when it lists none; WARN conditions are MEDIUM.

Review state: closed or fixed items (status CLOSED, resolution FIXED/REMOVED,
issueStatus FIXED, hotspot REVIEWED+FIXED) are no longer in the code and are skipped.
Items accepted by a reviewer (FALSE-POSITIVE, WONTFIX, issueStatus ACCEPTED /
FALSE_POSITIVE, hotspot SAFE/ACKNOWLEDGED) are kept with ``Suppression("external")``.

Location: a component key ``project:path`` -> the ``components[].path`` the response
gives, else the key minus its project prefix, else the part after the first ``:``; the
project itself (a dependency-check finding, say) has no path and becomes the target.
Identifiers: CWE ids from ``cwe-NNN`` tags, and CVE/GHSA/CWE ids named in the messages of
the dependency-check plugin's ``OWASP:`` rules. The fingerprint covers tool, kind, rule,
path, start line and message, never the server's issue key or dates.

Completeness: a response whose declared totals all exceed the items it holds is one page
of a larger result and is rejected (fail closed); ``merge_pages`` joins fetched pages.
Responses carry no SonarQube version.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader
from gatekeeper.model import FixState, Finding, Kind, Location, Report, Severity, Suppression, fingerprint

TOOL = "sonarqube"

_LEGACY_SEVERITY: dict[str, Severity] = {
    "BLOCKER": Severity.CRITICAL,
    "CRITICAL": Severity.HIGH,
    "MAJOR": Severity.MEDIUM,
    "MINOR": Severity.LOW,
    "INFO": Severity.INFO,
}
_IMPACT_SEVERITY: dict[str, Severity] = {
    "BLOCKER": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INFO": Severity.INFO,
}
_PROBABILITY: dict[str, Severity] = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
_TYPES = frozenset({"BUG", "VULNERABILITY", "CODE_SMELL", "SECURITY_HOTSPOT"})

_OPEN_STATUSES = frozenset({"OPEN", "CONFIRMED", "REOPENED", "TO_REVIEW", "IN_REVIEW"})
_FIXED_RESOLUTIONS = frozenset({"FIXED", "REMOVED"})
_ACCEPTED_RESOLUTIONS = frozenset({"FALSE-POSITIVE", "WONTFIX", "SAFE", "ACKNOWLEDGED"})
# NOTE: issueStatus (10.4+) replaces status/resolution; IN_SANDBOX (2025.x) marks issues
# held back from the main list, which are still in the code, so they count as open.
_OPEN_ISSUE_STATUSES = frozenset({"OPEN", "CONFIRMED", "IN_SANDBOX"})
_ACCEPTED_ISSUE_STATUSES = frozenset({"ACCEPTED", "FALSE_POSITIVE"})

_CWE_TAG = re.compile(r"cwe-(\d+)", re.IGNORECASE)
_ADVISORY_ID = re.compile(r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3}|CWE-\d+)\b", re.IGNORECASE)
_TITLE_MAX = 120


class SonarQubeAdapter(Adapter):
    """Reads SonarQube Web API responses and generic issue import reports."""

    name = "sonarqube"

    @classmethod
    def sniff(cls, doc: Any) -> bool:
        if isinstance(doc, list):
            return bool(doc) and isinstance(doc[0], dict) and _item_shape(doc[0]) is not None
        if not isinstance(doc, dict):
            return False
        if isinstance(doc.get("projectStatus"), dict):
            return "status" in doc["projectStatus"]
        if isinstance(doc.get("hotspots"), list) and _has_paging(doc):
            first = _first(doc["hotspots"])
            return first is None or _item_shape(first) == "hotspot"
        issues = doc.get("issues")
        if not isinstance(issues, list):
            return False
        first = _first(issues)
        if _has_paging(doc):
            return first is None or _item_shape(first) == "issue"
        return first is not None and _is_generic_issue(first)

    def parse(self, doc: Any, source: str) -> Report:
        reader = Reader(source)
        ctx = _Context(reader)
        if isinstance(doc, list):
            findings = _read_bare_list(ctx, doc)
        elif not isinstance(doc, dict):
            raise reader.fail("$", f"expected a SonarQube JSON object or list, got {_describe(doc)}")
        elif _is_sonar_report_exporter(doc):
            raise reader.fail("$", _not_a_report(doc))
        elif "projectStatus" in doc:
            findings = _read_quality_gate(ctx, doc)
        elif "hotspots" in doc:
            findings = _read_hotspot_search(ctx, doc)
        elif "issues" in doc and _has_paging(doc):
            findings = _read_issue_search(ctx, doc)
        elif "issues" in doc:
            findings = _read_generic(ctx, doc)
        else:
            raise reader.fail("$", _not_a_report(doc))
        return Report(
            source=source,
            tool=TOOL,
            format=self.name,
            findings=tuple(findings),
            target=next(iter(ctx.projects)) if len(ctx.projects) == 1 else None,
            warnings=tuple(reader.warnings),
            categories=frozenset({"sast"}),
        )


def merge_pages(pages: Sequence[Mapping[str, Any]], source: str = "SonarQube API") -> dict[str, Any]:
    """Join the pages of one ``api/issues/search`` (or ``api/hotspots/search``) query.

    Returns one complete response (``paging.total`` equal to the items it holds) that
    ``SonarQubeAdapter`` reads. Items are de-duplicated by key; raises
    ``ReportFormatError`` when the pages disagree on the total or do not add up to it
    (an issue moved between pages while they were fetched), so a caller never gates on
    a partial result. NOTE: the server refuses to page past 10,000 results; larger
    results must be split by query (e.g. per rule type) before they reach here.
    """
    reader = Reader(source)
    if not pages:
        raise reader.fail("", "no pages to merge")
    key = "issues" if "issues" in reader.obj(pages[0], "pages[0]") else "hotspots"
    items: dict[str, dict[str, Any]] = {}
    extras: dict[str, dict[str, dict[str, Any]]] = {"components": {}, "rules": {}}
    totals: set[int] = set()
    for n, page in enumerate(pages):
        where = f"pages[{n}]"
        reader.obj(page, where)
        for i, item in enumerate(reader.each(reader.need(page, key, list, where), f"{where}.{key}")):
            items.setdefault(reader.need(item, "key", str, f"{where}.{key}[{i}]"), item)
        for name, seen in extras.items():
            for i, entry in enumerate(reader.each(reader.opt(page, name, list, where, []), f"{where}.{name}")):
                seen.setdefault(reader.need(entry, "key", str, f"{where}.{name}[{i}]"), entry)
        paging = reader.need(page, "paging", dict, where)
        totals.add(reader.need(paging, "total", int, f"{where}.paging"))
    if len(totals) > 1:
        raise reader.fail("", f"the pages disagree on the total ({sorted(totals)}): the project changed while fetched")
    total = totals.pop()
    if total != len(items):
        raise reader.fail("", f"the pages hold {len(items)} distinct {key} but the server counts {total}")
    merged: dict[str, Any] = {
        "paging": {"pageIndex": 1, "pageSize": total, "total": total},
        key: list(items.values()),
        "components": list(extras["components"].values()),
    }
    if extras["rules"]:
        merged["rules"] = list(extras["rules"].values())
    return merged


# ---------------------------------------------------------------- shared helpers


@dataclass
class _Context:
    """Per-document lookups: component key -> path, rule key -> name."""

    reader: Reader
    paths: dict[str, str | None] = field(default_factory=dict)
    rule_names: dict[str, str] = field(default_factory=dict)
    projects: set[str] = field(default_factory=set)


def _first(items: list[Any]) -> Any:
    return items[0] if items else None


def _has_paging(doc: dict[str, Any]) -> bool:
    # NOTE: SonarQube < 6.x printed only the top-level total/p/ps; later both.
    return isinstance(doc.get("paging"), dict) or ("total" in doc and "p" in doc)


def _item_shape(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if {"key", "rule", "component"} <= item.keys():
        return "issue"
    if {"key", "component", "vulnerabilityProbability", "securityCategory"} <= item.keys():
        return "hotspot"
    return None


def _is_generic_issue(item: Any) -> bool:
    return isinstance(item, dict) and "ruleId" in item and isinstance(item.get("primaryLocation"), dict)


def _describe(doc: Any) -> str:
    if doc is None:
        return "null"
    return "a string" if isinstance(doc, str) else "a boolean" if isinstance(doc, bool) else "a number"


def _is_sonar_report_exporter(doc: dict[str, Any]) -> bool:
    # NOTE: soprasteria/sonar-report writes its own JSON ({"sonarBaseURL", "issues": [...]})
    # beside its HTML; its issues look like API issues but are filtered and re-worded.
    return "sonarBaseURL" in doc or "sonarComponent" in doc


def _not_a_report(doc: dict[str, Any]) -> str:
    keys = ", ".join(sorted(doc)[:8]) or "none"
    if _is_sonar_report_exporter(doc):
        hint = "the sonar-report (soprasteria) exporter's JSON, which gatekeeper does not read"
    elif {"key", "name"} <= doc.keys():
        hint = "a SonarQube rule or project object, not a list of findings"
    else:
        hint = "not a SonarQube findings document"
    return (
        f"{hint} (top-level keys: {keys}); expected an api/issues/search, api/hotspots/search "
        "or api/qualitygates/project_status response, or a generic issue import report"
    )


def _title(rule: str, message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    if len(first) > _TITLE_MAX:
        first = first[: _TITLE_MAX - 3] + "..."
    return f"{rule}: {first}"


def _check_complete(ctx: _Context, doc: dict[str, Any], key: str, count: int) -> None:
    """Reject one page of a larger result: its missing findings would pass the gate."""
    reader = ctx.reader
    paging = reader.opt(doc, "paging", dict, default={})
    totals = (reader.opt(paging, "total", int, "paging"), reader.opt(doc, "total", int))
    declared = [t for t in totals if t is not None]
    index = reader.opt(paging, "pageIndex", int, "paging", reader.opt(doc, "p", int, default=1))
    size = reader.opt(paging, "pageSize", int, "paging", reader.opt(doc, "ps", int, default=0))
    if declared and (min(declared) > count or index > 1):
        total = min(declared)
        pages = math.ceil(total / size) if size > 0 else "?"
        raise reader.fail(
            "paging",
            f"page {index} of {pages}: the report holds {count} of {total} {key}; fetch all pages "
            "(or use gatekeeper's SonarQube source, which does) so that no finding is missed",
        )
    # NOTE: hand-edited samples (codemodder's, DefectDojo's) disagree on their totals;
    # the items are all there, so they are read with a warning.
    if len(set(declared)) > 1:
        shown = " vs ".join(map(str, declared))
        reader.warn(f"the response's totals disagree ({shown}); read the {count} {key} it holds")
    elif declared and declared[0] < count:
        reader.warn(f"the response holds {count} {key} but its total says {declared[0]}; all were read")


def _read_components(ctx: _Context, doc: dict[str, Any]) -> None:
    components = ctx.reader.each(ctx.reader.opt(doc, "components", list, default=[]), "components")
    for i, comp in enumerate(components):
        where = f"components[{i}]"
        key = ctx.reader.need(comp, "key", str, where)
        ctx.paths[key] = ctx.reader.opt(comp, "path", str, where)


def _path(ctx: _Context, component: str, project: str | None) -> str | None:
    """The file path of a component key (``project:path``); None for the project itself."""
    if component in ctx.paths:
        return ctx.paths[component]
    if component == project:
        return None
    # NOTE: project keys may hold ":" themselves (Maven "group:artifact"), so the
    # project prefix is stripped before falling back to "after the first colon".
    if project and component.startswith(project + ":"):
        return component[len(project) + 1 :]
    if ":" in component:
        return component.split(":", 1)[1]
    if project:
        ctx.reader.warn(f"component {component!r} does not start with its project key {project!r}; read as a path")
    return component


def _lines(ctx: _Context, item: dict[str, Any], where: str) -> tuple[int | None, int | None]:
    start = ctx.reader.opt(item, "line", int, where)
    text_range = ctx.reader.opt(item, "textRange", dict, where)
    end = start
    if text_range is not None:
        start = ctx.reader.opt(text_range, "startLine", int, f"{where}.textRange", start)
        end = ctx.reader.opt(text_range, "endLine", int, f"{where}.textRange", start)
    return start, end


def _rating(ctx: _Context, table: dict[str, Severity], word: str, where: str) -> Severity:
    if word in table:
        return table[word]
    ctx.reader.warn(f"{where}: unknown severity {word!r} read as unknown")
    return Severity.UNKNOWN


def _impacts(ctx: _Context, item: dict[str, Any], where: str) -> tuple[list[Severity], list[str]]:
    ratings: list[Severity] = []
    words: list[str] = []
    impacts = ctx.reader.each(ctx.reader.opt(item, "impacts", list, where, []), f"{where}.impacts")
    for i, impact in enumerate(impacts):
        at = f"{where}.impacts[{i}]"
        quality = ctx.reader.need(impact, "softwareQuality", str, at)
        word = ctx.reader.need(impact, "severity", str, at)
        ratings.append(_rating(ctx, _IMPACT_SEVERITY, word, f"{at}.severity"))
        words.append(f"{quality}:{word}")
    return ratings, words


def _severity(
    ctx: _Context, item: dict[str, Any], where: str, legacy: str | None, kind_word: str | None
) -> tuple[Severity, str | None]:
    """The highest of the legacy severity and the impacts, and all their words."""
    ratings, words = _impacts(ctx, item, where)
    if legacy is not None:
        ratings.append(_rating(ctx, _LEGACY_SEVERITY, legacy, f"{where}.severity"))
        words.insert(0, f"{legacy}/{kind_word}" if kind_word else legacy)
    if not ratings:
        ctx.reader.warn(f"{where}: no severity and no impacts; read as unknown")
        return Severity.UNKNOWN, None
    return max(ratings), ", ".join(words)


def _kind(ctx: _Context, rule: str, type_word: str | None, where: str) -> Kind:
    if type_word is not None and type_word not in _TYPES:
        ctx.reader.warn(f"{where}.type: unknown issue type {type_word!r} read as a code issue")
    if type_word == "SECURITY_HOTSPOT":
        return Kind.SECURITY_HOTSPOT
    if rule.partition(":")[0] == "secrets":
        return Kind.SECRET
    return Kind.CODE_ISSUE


def _identifiers(ctx: _Context, item: dict[str, Any], where: str, rule: str, message: str) -> tuple[str, ...]:
    tags = ctx.reader.each(ctx.reader.opt(item, "tags", list, where, []), f"{where}.tags", str)
    ids = [f"CWE-{m.group(1)}" for tag in tags if (m := _CWE_TAG.fullmatch(tag))]
    # NOTE: the dependency-check plugin (rules "OWASP:...") reports package CVEs as
    # issues and names them only in the message ("Reference: CVE-2024-2529 | ...").
    if rule.startswith("OWASP:"):
        ids += [_advisory_id(m) for m in _ADVISORY_ID.findall(message)]
    return tuple(dict.fromkeys(ids))


def _advisory_id(text: str) -> str:
    # GHSA ids are written "GHSA-" plus lowercase groups; CVE and CWE ids in upper case.
    return "GHSA" + text[4:].lower() if text.upper().startswith("GHSA") else text.upper()


_Review = tuple[bool, Suppression | None]
"""(still in the code?, the reviewer's suppression when accepted)."""
_FIXED: _Review = (False, None)
_OPEN: _Review = (True, None)


def _review(ctx: _Context, where: str, status: str | None, resolution: str | None, issue_status: str | None) -> _Review:
    """An issue's review state; issueStatus (10.4+) when present, else status/resolution."""
    if issue_status is not None:
        if issue_status == "FIXED":
            return _FIXED
        if issue_status in _ACCEPTED_ISSUE_STATUSES:
            return True, Suppression("external", justification=resolution or issue_status)
        if issue_status not in _OPEN_ISSUE_STATUSES:
            ctx.reader.warn(f"{where}: unknown issueStatus {issue_status!r} read as open")
        return _OPEN
    if status == "CLOSED" or resolution in _FIXED_RESOLUTIONS:
        return _FIXED
    if resolution in _ACCEPTED_RESOLUTIONS:
        return True, Suppression("external", justification=resolution)
    if status is not None and status not in _OPEN_STATUSES:
        ctx.reader.warn(f"{where}: status {status!r} with resolution {resolution!r} read as open")
    return _OPEN


def _hotspot_review(ctx: _Context, where: str, status: str, resolution: str | None) -> _Review:
    """A hotspot's review state: TO_REVIEW, or REVIEWED with a resolution."""
    if status == "REVIEWED":
        if resolution == "FIXED":
            return _FIXED
        if resolution in ("SAFE", "ACKNOWLEDGED"):
            return True, Suppression("external", justification=resolution)
        ctx.reader.warn(f"{where}: REVIEWED with resolution {resolution!r} read as still to review")
    elif status != "TO_REVIEW":
        ctx.reader.warn(f"{where}: unknown hotspot status {status!r} read as to review")
    return _OPEN


def _status_word(status: str | None, resolution: str | None, issue_status: str | None) -> str | None:
    if issue_status is not None:
        return issue_status
    if status is not None and resolution is not None:
        return f"{status}/{resolution}"
    return status


# ---------------------------------------------------------------- issues


def _read_issue_search(ctx: _Context, doc: dict[str, Any]) -> list[Finding]:
    issues = ctx.reader.each(ctx.reader.need(doc, "issues", list), "issues")
    _check_complete(ctx, doc, "issues", len(issues))
    _read_components(ctx, doc)
    for i, rule in enumerate(ctx.reader.each(ctx.reader.opt(doc, "rules", list, default=[]), "rules")):
        name = ctx.reader.opt(rule, "name", str, f"rules[{i}]")
        if name:
            ctx.rule_names[ctx.reader.need(rule, "key", str, f"rules[{i}]")] = name
    return [f for i, issue in enumerate(issues) if (f := _read_issue(ctx, issue, f"issues[{i}]"))]


def _read_bare_list(ctx: _Context, items: list[Any]) -> list[Finding]:
    ctx.reader.each(items, "$")
    if not items:
        return []
    shape = _item_shape(items[0])
    if shape is None:
        raise ctx.reader.fail(
            "$[0]",
            "neither a SonarQube issue (keys key, rule, component) nor a hotspot "
            "(keys key, component, securityCategory, vulnerabilityProbability)",
        )
    ctx.reader.warn(f"a bare list of {shape}s carries no paging, so it cannot be checked for completeness")
    read = _read_issue if shape == "issue" else _read_hotspot
    return [f for i, item in enumerate(items) if (f := read(ctx, item, f"$[{i}]"))]


def _read_issue(ctx: _Context, issue: dict[str, Any], where: str) -> Finding | None:
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
    current, suppression = _review(ctx, where, status, resolution, issue_status)
    if not current:
        return None
    type_word = r.opt(issue, "type", str, where)
    severity, tool_severity = _severity(ctx, issue, where, r.opt(issue, "severity", str, where), type_word)
    kind = _kind(ctx, rule, type_word, where)
    path = _path(ctx, component, project)
    start, end = _lines(ctx, issue, where)
    if project:
        ctx.projects.add(project)
    name = ctx.rule_names.get(rule)
    return Finding(
        tool=TOOL,
        kind=kind,
        rule_id=rule,
        title=_title(rule, name or message),
        message=message,
        severity=severity,
        tool_severity=tool_severity,
        location=Location(path=path, start_line=start, end_line=end, target=None if path else project or component),
        fix=FixState.NOT_APPLICABLE,
        status=_status_word(status, resolution, issue_status),
        identifiers=_identifiers(ctx, issue, where, rule, message),
        suppression=suppression,
        fingerprint=fingerprint(TOOL, kind.value, rule, path or component, start, message),
        raw=issue,
    )


# ---------------------------------------------------------------- hotspots


def _read_hotspot_search(ctx: _Context, doc: dict[str, Any]) -> list[Finding]:
    hotspots = ctx.reader.each(ctx.reader.need(doc, "hotspots", list), "hotspots")
    if not _has_paging(doc):
        raise ctx.reader.fail("paging", "missing (an api/hotspots/search response always has it)")
    _check_complete(ctx, doc, "hotspots", len(hotspots))
    _read_components(ctx, doc)
    return [f for i, h in enumerate(hotspots) if (f := _read_hotspot(ctx, h, f"hotspots[{i}]"))]


def _read_hotspot(ctx: _Context, hotspot: dict[str, Any], where: str) -> Finding | None:
    r = ctx.reader
    r.need(hotspot, "key", str, where)
    component = r.need(hotspot, "component", str, where)
    probability = r.need(hotspot, "vulnerabilityProbability", str, where)
    status = r.need(hotspot, "status", str, where)
    resolution = r.opt(hotspot, "resolution", str, where)
    category = r.opt(hotspot, "securityCategory", str, where)
    project = r.opt(hotspot, "project", str, where)
    message = r.opt(hotspot, "message", str, where, "")
    current, suppression = _hotspot_review(ctx, where, status, resolution)
    if not current:
        return None
    # NOTE: the WS example and older servers omit ruleKey; the category still groups them.
    rule = r.opt(hotspot, "ruleKey", str, where) or f"hotspot:{category or 'unknown'}"
    path = _path(ctx, component, project)
    start, end = _lines(ctx, hotspot, where)
    if project:
        ctx.projects.add(project)
    return Finding(
        tool=TOOL,
        kind=Kind.SECURITY_HOTSPOT,
        rule_id=rule,
        title=_title(rule, message),
        message=message,
        severity=_rating(ctx, _PROBABILITY, probability, f"{where}.vulnerabilityProbability"),
        tool_severity=probability,
        location=Location(path=path, start_line=start, end_line=end, target=None if path else project or component),
        fix=FixState.NOT_APPLICABLE,
        status=_status_word(status, resolution, None),
        suppression=suppression,
        fingerprint=fingerprint(TOOL, Kind.SECURITY_HOTSPOT.value, rule, path or component, start, message),
        raw=hotspot,
    )


# ---------------------------------------------------------------- generic issue import


def _read_generic(ctx: _Context, doc: dict[str, Any]) -> list[Finding]:
    r = ctx.reader
    issues = r.each(r.need(doc, "issues", list), "issues")
    if issues and not _is_generic_issue(issues[0]):
        if _item_shape(issues[0]) == "issue":
            raise r.fail(
                "paging", "missing: an api/issues/search response without paging cannot be checked for completeness"
            )
        raise r.fail("$", _not_a_report(doc))
    rules = _generic_rules(ctx, doc) if doc.get("rules") is not None else None
    return [_read_generic_issue(ctx, issue, f"issues[{i}]", rules) for i, issue in enumerate(issues)]


def _generic_rules(ctx: _Context, doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
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
        _impacts(ctx, rule, where)  # checked even when no issue uses the rule
        if has_type != (r.opt(rule, "severity", str, where) is not None):
            raise r.fail(where, "type and severity must be given together")
        if rule_id in rules:
            raise r.fail(f"{where}.id", f"duplicate rule id {rule_id!r}")
        rules[rule_id] = (where, rule)
    return rules


def _read_generic_issue(
    ctx: _Context, issue: dict[str, Any], where: str, rules: dict[str, tuple[str, dict[str, Any]]] | None
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
    severity, tool_severity = _severity(ctx, rated, rated_at, r.opt(rated, "severity", str, rated_at), type_word)
    loc = r.need(issue, "primaryLocation", dict, where)
    message = r.need(loc, "message", str, f"{where}.primaryLocation")
    path = r.need(loc, "filePath", str, f"{where}.primaryLocation")
    text_range = r.opt(loc, "textRange", dict, f"{where}.primaryLocation")
    start = end = None
    if text_range is not None:
        start = r.need(text_range, "startLine", int, f"{where}.primaryLocation.textRange")
        end = r.opt(text_range, "endLine", int, f"{where}.primaryLocation.textRange", start)
    rule = f"{engine}:{rule_id}"
    kind = _kind(ctx, rule, type_word, rated_at)
    return Finding(
        tool=TOOL,
        kind=kind,
        rule_id=rule,
        title=_title(rule, name or message),
        message=message,
        severity=severity,
        tool_severity=tool_severity,
        location=Location(path=path, start_line=start, end_line=end),
        fix=FixState.NOT_APPLICABLE,
        fingerprint=fingerprint(TOOL, kind.value, rule, path, start, message),
        raw=issue,
    )


# ---------------------------------------------------------------- quality gate

_GATE_STATUSES = frozenset({"OK", "WARN", "ERROR", "NONE"})
_COMPARATORS = {"LT": "is less than", "GT": "is greater than", "EQ": "equals", "NE": "is not"}


def _read_quality_gate(ctx: _Context, doc: dict[str, Any]) -> list[Finding]:
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
    return findings or [_gate_finding(gate, status_obj)]


def _condition_finding(ctx: _Context, cond: dict[str, Any], where: str, gate: str) -> Finding:
    r = ctx.reader
    status = cond["status"]
    metric = r.need(cond, "metricKey", str, where)
    actual = r.opt(cond, "actualValue", str, where)
    comparator = r.opt(cond, "comparator", str, where)
    threshold = r.opt(cond, "errorThreshold" if status == "ERROR" else "warningThreshold", str, where)
    compares = _COMPARATORS.get(comparator or "", comparator or "?")
    rule_text = f"fails when it {compares} {threshold}" if threshold else "failed"
    message = f"{metric} = {actual if actual is not None else '(no value)'}; the condition {rule_text}"
    return Finding(
        tool=TOOL,
        kind=Kind.CODE_ISSUE,
        rule_id="quality-gate",
        title=_title("quality-gate", f"{metric} {rule_text}"),
        message=message,
        severity=Severity.HIGH if status == "ERROR" else Severity.MEDIUM,
        tool_severity=status,
        location=Location(resource=metric),
        status=gate,
        fingerprint=fingerprint(TOOL, "quality-gate", metric),
        raw=cond,
    )


def _gate_finding(gate: str, status_obj: dict[str, Any]) -> Finding:
    return Finding(
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

