"""SonarQube adapter: issues/hotspots search, bare lists, generic import, quality gate,
review states, pagination, merge_pages, strictness, corpus."""

from __future__ import annotations

import collections
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect, parse_document
from gatekeeper.adapters.sonarqube import SonarQubeAdapter, merge_pages
from gatekeeper.model import FixState, Kind, Severity, Suppression
from tests.conftest import REPORTS, corpus_params, require_shared

SRC = "sonar.json"


def issue(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "key": "AWKWIl8pZpu0CyehMfc4",
        "rule": "typescript:S1854",
        "severity": "MAJOR",
        "component": "proj:src/app/dir.ts",
        "project": "proj",
        "line": 242,
        "textRange": {"startLine": 242, "endLine": 243, "startOffset": 98, "endOffset": 110},
        "status": "OPEN",
        "message": 'Remove this useless assignment to local variable "currentValue".',
        "tags": ["cwe", "unused"],
        "creationDate": "2017-10-18T04:51:38-0400",
        "type": "CODE_SMELL",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def search(*issues: dict[str, Any], total: int | None = None, **extra: Any) -> dict[str, Any]:
    n = len(issues) if total is None else total
    return {"paging": {"pageIndex": 1, "pageSize": 100, "total": n}, "issues": list(issues), **extra}


def hotspot(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "key": "AXgm6Z-ophPPY0C1qhRq",
        "component": "proj:spec/support/user_fixture.rb",
        "project": "proj",
        "securityCategory": "auth",
        "vulnerabilityProbability": "HIGH",
        "status": "TO_REVIEW",
        "line": 9,
        "message": '"password" detected here, make sure this is not a hard-coded credential.',
        "ruleKey": "ruby:S2068",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def hotspots(*items: dict[str, Any]) -> dict[str, Any]:
    return {"paging": {"pageIndex": 1, "pageSize": 100, "total": len(items)}, "hotspots": list(items)}


def generic(*issues: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"issues": list(issues)}
    if rules is not None:
        doc["rules"] = rules
    return doc


def legacy_generic_issue(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "engineId": "eslint",
        "ruleId": "no-eval",
        "severity": "CRITICAL",
        "type": "VULNERABILITY",
        "primaryLocation": {"message": "eval is evil", "filePath": "web/app.js", "textRange": {"startLine": 3}},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


CCT_RULE = {
    "id": "r1",
    "name": "Do not use eval",
    "engineId": "eslint",
    "cleanCodeAttribute": "TRUSTWORTHY",
    "impacts": [{"softwareQuality": "MAINTAINABILITY", "severity": "LOW"}, {"softwareQuality": "SECURITY", "severity": "HIGH"}],
}


def gate(status: str, *conditions: dict[str, Any]) -> dict[str, Any]:
    return {"projectStatus": {"status": status, "conditions": list(conditions)}}


def cond(metric: str, status: str = "ERROR", **extra: Any) -> dict[str, Any]:
    return {"status": status, "metricKey": metric, "comparator": "GT", "errorThreshold": "0", "actualValue": "3", **extra}


def parse(doc: Any, source: str = SRC):
    return SonarQubeAdapter().parse(doc, source)


def only(doc: Any):
    report = parse(doc)
    assert len(report.findings) == 1
    return report.findings[0]


# --- (a) api/issues/search --------------------------------------------------------------


def test_legacy_issue_maps_every_field() -> None:
    report = parse(search(issue()))
    f = report.findings[0]
    assert (report.tool, report.format, report.tool_version, report.target) == ("sonarqube", "sonarqube", None, "proj")
    assert report.categories == frozenset({"sast"}) and report.warnings == ()
    assert f.kind is Kind.CODE_ISSUE and f.rule_id == "typescript:S1854"
    assert f.title == 'typescript:S1854: Remove this useless assignment to local variable "currentValue".'
    assert f.severity is Severity.MEDIUM and f.tool_severity == "MAJOR/CODE_SMELL"
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("src/app/dir.ts", 242, 243)
    assert f.status == "OPEN" and f.suppression is None and f.fix is FixState.NOT_APPLICABLE
    assert f.identifiers == () and f.links == () and f.raw["key"] == "AWKWIl8pZpu0CyehMfc4"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("BLOCKER", Severity.CRITICAL), ("CRITICAL", Severity.HIGH), ("MAJOR", Severity.MEDIUM),
     ("MINOR", Severity.LOW), ("INFO", Severity.INFO)],
)  # fmt: skip
def test_legacy_severity_table(word: str, expected: Severity) -> None:
    assert only(search(issue(severity=word))).severity is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("BLOCKER", Severity.CRITICAL), ("HIGH", Severity.HIGH), ("MEDIUM", Severity.MEDIUM),
     ("LOW", Severity.LOW), ("INFO", Severity.INFO)],
)  # fmt: skip
def test_impact_severity_table_when_only_impacts_exist(word: str, expected: Severity) -> None:
    doc = search(issue(severity=..., type=..., status=..., issueStatus="OPEN",
                       impacts=[{"softwareQuality": "SECURITY", "severity": word}]))  # fmt: skip
    f = only(doc)
    assert f.severity is expected and f.tool_severity == f"SECURITY:{word}" and f.status == "OPEN"


def test_highest_of_legacy_and_impacts_wins() -> None:
    impacts = [{"softwareQuality": "MAINTAINABILITY", "severity": "LOW"}, {"softwareQuality": "SECURITY", "severity": "HIGH"}]
    f = only(search(issue(severity="MINOR", impacts=impacts)))
    assert f.severity is Severity.HIGH
    assert f.tool_severity == "MINOR/CODE_SMELL, MAINTAINABILITY:LOW, SECURITY:HIGH"
    f = only(search(issue(severity="BLOCKER", impacts=impacts)))
    assert f.severity is Severity.CRITICAL


def test_no_rating_and_unknown_words_are_unknown_with_warnings() -> None:
    report = parse(search(issue(severity=..., type=...)))
    assert report.findings[0].severity is Severity.UNKNOWN and report.findings[0].tool_severity is None
    assert report.warnings == ("issues[0]: no severity and no impacts; read as unknown",)
    report = parse(search(issue(severity="SEVERE")))
    assert report.findings[0].severity is Severity.UNKNOWN
    assert report.warnings == ("issues[0].severity: unknown severity 'SEVERE' read as unknown",)


def test_type_vulnerability_is_a_code_issue_hotspot_type_and_secrets_are_not() -> None:
    assert only(search(issue(type="VULNERABILITY"))).kind is Kind.CODE_ISSUE
    assert only(search(issue(type="BUG"))).kind is Kind.CODE_ISSUE
    assert only(search(issue(type="SECURITY_HOTSPOT", status="TO_REVIEW"))).kind is Kind.SECURITY_HOTSPOT
    assert only(search(issue(rule="secrets:S6687", type="VULNERABILITY"))).kind is Kind.SECRET
    report = parse(search(issue(type="STYLE")))
    assert report.findings[0].kind is Kind.CODE_ISSUE and "unknown issue type 'STYLE'" in report.warnings[0]


@pytest.mark.parametrize(
    ("changes", "justification", "status"),
    [
        ({"status": "RESOLVED", "resolution": "FALSE-POSITIVE"}, "FALSE-POSITIVE", "RESOLVED/FALSE-POSITIVE"),
        ({"status": "RESOLVED", "resolution": "WONTFIX"}, "WONTFIX", "RESOLVED/WONTFIX"),
        ({"status": ..., "issueStatus": "ACCEPTED"}, "ACCEPTED", "ACCEPTED"),
        ({"status": ..., "issueStatus": "FALSE_POSITIVE"}, "FALSE_POSITIVE", "FALSE_POSITIVE"),
        ({"status": "RESOLVED", "resolution": "WONTFIX", "simpleStatus": "ACCEPTED"}, "WONTFIX", "ACCEPTED"),
    ],
)
def test_accepted_issues_are_kept_as_suppressed(changes: dict[str, Any], justification: str, status: str) -> None:
    f = only(search(issue(**changes)))
    assert f.suppression == Suppression("external", justification=justification) and f.status == status


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "CLOSED", "resolution": "FIXED"},
        {"status": "CLOSED", "resolution": "REMOVED"},
        {"status": "RESOLVED", "resolution": "FIXED"},
        {"status": ..., "issueStatus": "FIXED"},
    ],
)
def test_fixed_and_closed_issues_are_skipped(changes: dict[str, Any]) -> None:
    report = parse(search(issue(key="a"), issue(key="b", **changes)))
    assert [f.raw["key"] for f in report.findings] == ["a"] and report.warnings == ()


@pytest.mark.parametrize("changes", [{"status": "CONFIRMED"}, {"status": "REOPENED"}, {"issueStatus": "IN_SANDBOX"}])
def test_open_states(changes: dict[str, Any]) -> None:
    report = parse(search(issue(**changes)))
    assert report.findings[0].suppression is None and report.warnings == ()


def test_unknown_states_count_as_open_with_a_warning() -> None:
    report = parse(search(issue(status="RESOLVED")))
    assert report.findings[0].suppression is None
    assert report.warnings == ("issues[0]: status 'RESOLVED' with resolution None read as open",)
    report = parse(search(issue(issueStatus="PARKED")))
    assert report.findings[0].suppression is None
    assert report.warnings == ("issues[0]: unknown issueStatus 'PARKED' read as open",)


def test_paths_from_components_project_prefix_and_first_colon() -> None:
    doc = search(
        issue(key="a", component="K1", project="p"),
        issue(key="b", component="org.acme:app:src/Main.java", project="org.acme:app"),
        issue(key="c", component="legacy:lib/x.py", project=...),
        issue(key="d", component="p", project="p", line=..., textRange=...),
        components=[{"key": "K1", "path": "src/from/components.py"}, {"key": "p", "qualifier": "TRK"}],
    )
    report = parse(doc)
    paths = [(f.location.path, f.location.target) for f in report.findings]
    assert paths == [("src/from/components.py", None), ("src/Main.java", None), ("lib/x.py", None), (None, "p")]
    assert report.findings[3].location.start_line is None and report.target is None  # two projects
    assert report.warnings == ()


def test_component_without_project_prefix_is_read_as_a_path_with_a_warning() -> None:
    report = parse(search(issue(component="break_or_continue_out_of_loop.py")))
    assert report.findings[0].location.path == "break_or_continue_out_of_loop.py"
    assert "does not start with its project key 'proj'" in report.warnings[0]


def test_line_without_text_range_and_title_from_rule_name() -> None:
    doc = search(issue(textRange=..., line=7), rules=[{"key": "typescript:S1854", "name": "Dead stores should be removed"}])
    f = only(doc)
    assert (f.location.start_line, f.location.end_line) == (7, 7)
    assert f.title == "typescript:S1854: Dead stores should be removed"


def test_cwe_tags_and_dependency_check_ids() -> None:
    assert only(search(issue(tags=["cwe", "cwe-937", "CWE-79", "owasp-a9"]))).identifiers == ("CWE-937", "CWE-79")
    message = "Filename: pkg:1.1.2 | Reference: CVE-2024-2529 | Reference: GHSA-FRR2-c345-p7c2 | Category: CWE-120"
    f = only(search(issue(rule="OWASP:UsingComponentWithKnownVulnerability", message=message, tags=["cwe-937"])))
    assert f.identifiers == ("CWE-937", "CVE-2024-2529", "GHSA-frr2-c345-p7c2", "CWE-120")
    # The message of any other rule is not mined for ids.
    assert only(search(issue(message="see CVE-2024-2529"))).identifiers == ()


def test_fingerprint_is_stable_across_scans_and_tells_problems_apart() -> None:
    first = only(search(issue()))
    later = issue(key="other", creationDate="2024-01-01", updateDate="2024-02-02", hash="x", author="someone")
    second = only(search(later, components=[{"key": "proj", "qualifier": "TRK"}]))
    assert first.fingerprint == second.fingerprint and len(first.fingerprint) == 32
    assert only(search(issue(line=243, textRange=...))).fingerprint != first.fingerprint
    assert only(search(issue(component="proj:src/other.ts"))).fingerprint != first.fingerprint
    assert only(search(issue(rule="typescript:S1481"))).fingerprint != first.fingerprint
    # The same file reached through the components list fingerprints the same.
    via_components = only(search(issue(component="K"), components=[{"key": "K", "path": "src/app/dir.ts"}]))
    assert via_components.fingerprint == first.fingerprint


# --- (a) pagination ---------------------------------------------------------------------


def test_one_page_of_a_larger_result_is_rejected() -> None:
    with pytest.raises(ReportFormatError, match=r"^sonar\.json: paging: page 1 of 3: the report holds 1 of 250 issues; fetch all pages"):
        parse(search(issue(), total=250))
    doc = search(issue(), total=250)
    doc["paging"]["pageIndex"] = 3
    with pytest.raises(ReportFormatError, match=r"page 3 of 3: the report holds 1 of 250 issues"):
        parse(doc)


def test_a_later_page_is_rejected_even_when_its_total_was_edited() -> None:
    doc = search(issue())
    doc["paging"]["pageIndex"] = 2
    with pytest.raises(ReportFormatError, match="page 2 of 1"):
        parse(doc)


def test_an_empty_response_whose_totals_count_issues_is_rejected() -> None:
    # Issue 21 (6): paging.total 5, total 0 and no issues passed with a note.
    doc = {"total": 0, "paging": {"pageIndex": 1, "pageSize": 100, "total": 5}, "issues": []}
    with pytest.raises(ReportFormatError, match=r"^sonar\.json: paging: page 1 of 1: the report holds 0 of 5 issues"):
        parse(doc)
    assert parse({"total": 0, "paging": {"pageIndex": 1, "pageSize": 100, "total": 0}, "issues": []}).findings == ()


def test_pre_6x_top_level_paging_is_checked_too() -> None:
    assert len(parse({"total": 1, "p": 1, "ps": 100, "issues": [issue()]}).findings) == 1
    with pytest.raises(ReportFormatError, match="holds 1 of 2 issues"):
        parse({"total": 2, "p": 1, "ps": 1, "issues": [issue()]})


def test_disagreeing_or_short_totals_are_warnings() -> None:
    doc = search(issue(key="a"), issue(key="b"), total=5)
    doc["total"] = 2  # hand-edited samples: the deprecated total matches, paging does not
    report = parse(doc)
    assert len(report.findings) == 2
    assert report.warnings == ("the response's totals disagree (5 vs 2); read the 2 issues it holds",)
    report = parse(search(issue(key="a"), issue(key="b"), total=1))
    assert report.warnings == ("the response holds 2 issues but its total says 1; all were read",)


def test_closed_issues_count_toward_completeness() -> None:
    report = parse(search(issue(key="a"), issue(key="b", status="CLOSED", resolution="FIXED")))
    assert len(report.findings) == 1 and report.warnings == ()


# --- (a) merge_pages --------------------------------------------------------------------


def test_merge_pages_joins_a_complete_result() -> None:
    page1 = {"paging": {"pageIndex": 1, "pageSize": 2, "total": 3}, "issues": [issue(key="a"), issue(key="b")],
             "components": [{"key": "K", "path": "x.py"}], "rules": [{"key": "r", "name": "R"}]}  # fmt: skip
    page2 = {"paging": {"pageIndex": 2, "pageSize": 2, "total": 3}, "issues": [issue(key="c", component="K")],
             "components": [{"key": "K", "path": "x.py"}, {"key": "proj", "qualifier": "TRK"}]}  # fmt: skip
    before = copy.deepcopy([page1, page2])
    merged = merge_pages([page1, page2])
    assert [i["key"] for i in merged["issues"]] == ["a", "b", "c"]
    assert merged["paging"] == {"pageIndex": 1, "pageSize": 3, "total": 3}
    assert [c["key"] for c in merged["components"]] == ["K", "proj"] and merged["rules"] == [{"key": "r", "name": "R"}]
    assert [page1, page2] == before  # pure: the pages are not changed
    report = parse(merged)
    assert [f.location.path for f in report.findings] == ["src/app/dir.ts", "src/app/dir.ts", "x.py"]
    with pytest.raises(ReportFormatError, match="page 1 of 2: the report holds 2 of 3 issues"):
        parse(page1)


def test_merge_pages_of_hotspots_and_of_an_empty_result() -> None:
    pages = [{"paging": {"pageIndex": 1, "pageSize": 1, "total": 2}, "hotspots": [hotspot(key="a")]},
             {"paging": {"pageIndex": 2, "pageSize": 1, "total": 2}, "hotspots": [hotspot(key="b")]}]  # fmt: skip
    assert len(parse(merge_pages(pages)).findings) == 2
    empty = merge_pages([{"paging": {"pageIndex": 1, "pageSize": 100, "total": 0}, "issues": []}])
    assert empty["issues"] == [] and parse(empty).findings == ()


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([], "SonarQube API: no pages to merge"),
        ([search(issue(key="a"), total=2), search(issue(key="b"), total=3)], r"disagree on the total \(\[2, 3\]\)"),
        ([search(issue(key="a"), total=3), search(issue(key="b"), total=3)], "hold 2 distinct issues but the server counts 3"),
        ([search(issue(key="a"), total=2), search(issue(key="a"), total=2)], "hold 1 distinct issues but the server counts 2"),
        ([{"issues": [issue()]}], r"pages\[0\]\.paging: missing"),
        ([search(issue(key=...))], r"pages\[0\]\.issues\[0\]\.key: missing"),
        (["x"], r"pages\[0\]: expected an object, got a string"),
    ],
)
def test_merge_pages_refuses_partial_or_inconsistent_pages(pages: list[Any], message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        merge_pages(pages)


# --- (a) api/hotspots/search and bare lists ----------------------------------------------


def test_hotspot_maps_every_field() -> None:
    f = only(hotspots(hotspot()))
    assert f.kind is Kind.SECURITY_HOTSPOT and f.rule_id == "ruby:S2068"
    assert f.severity is Severity.HIGH and f.tool_severity == "HIGH" and f.status == "TO_REVIEW"
    assert (f.location.path, f.location.start_line) == ("spec/support/user_fixture.rb", 9)
    assert f.suppression is None and f.title.startswith('ruby:S2068: "password" detected')


@pytest.mark.parametrize(("word", "expected"), [("HIGH", Severity.HIGH), ("MEDIUM", Severity.MEDIUM), ("LOW", Severity.LOW)])
def test_hotspot_probability_table(word: str, expected: Severity) -> None:
    assert only(hotspots(hotspot(vulnerabilityProbability=word))).severity is expected


def test_hotspot_review_states() -> None:
    doc = hotspots(
        hotspot(key="open"),
        hotspot(key="safe", status="REVIEWED", resolution="SAFE"),
        hotspot(key="ack", status="REVIEWED", resolution="ACKNOWLEDGED"),
        hotspot(key="fixed", status="REVIEWED", resolution="FIXED"),
        hotspot(key="odd", status="REVIEWED"),
    )
    report = parse(doc)
    states = {f.raw["key"]: f.suppression for f in report.findings}
    assert states == {"open": None, "safe": Suppression("external", "SAFE"),
                      "ack": Suppression("external", "ACKNOWLEDGED"), "odd": None}  # fmt: skip
    assert report.warnings == ("hotspots[4]: REVIEWED with resolution None read as still to review",)


def test_hotspot_without_rule_key_and_unknown_probability() -> None:
    report = parse(hotspots(hotspot(ruleKey=..., vulnerabilityProbability="CERTAIN")))
    f = report.findings[0]
    assert f.rule_id == "hotspot:auth" and f.severity is Severity.UNKNOWN
    assert report.warnings == ("hotspots[0].vulnerabilityProbability: unknown severity 'CERTAIN' read as unknown",)
    assert only(hotspots(hotspot(ruleKey=..., securityCategory=...))).rule_id == "hotspot:unknown"


def test_bare_lists_of_issues_and_hotspots() -> None:
    report = parse([issue(key="a"), issue(key="b", status="CLOSED")])
    assert len(report.findings) == 1 and report.findings[0].kind is Kind.CODE_ISSUE
    assert report.warnings == ("a bare list of issues carries no paging, so it cannot be checked for completeness",)
    report = parse([hotspot()])
    assert report.findings[0].kind is Kind.SECURITY_HOTSPOT
    assert report.warnings == ("a bare list of hotspots carries no paging, so it cannot be checked for completeness",)


def test_empty_list_is_accepted_when_forced_or_named() -> None:
    assert parse([]).findings == ()
    assert detect([], "sonarqube-hotspots.json") == "sonarqube"
    assert parse_document([], "x.json", "sonarqube").findings == ()


# --- (a) generic issue import -----------------------------------------------------------


def test_generic_legacy_issue() -> None:
    f = only(generic(legacy_generic_issue()))
    assert f.rule_id == "eslint:no-eval" and f.kind is Kind.CODE_ISSUE
    assert f.severity is Severity.HIGH and f.tool_severity == "CRITICAL/VULNERABILITY"
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("web/app.js", 3, 3)
    assert f.title == "eslint:no-eval: eval is evil" and f.message == "eval is evil" and f.suppression is None
    no_range = legacy_generic_issue(primaryLocation={"message": "m", "filePath": "a.js"})
    assert only(generic(no_range)).location.start_line is None


def test_generic_clean_code_rules() -> None:
    doc = generic({"ruleId": "r1", "primaryLocation": {"message": "eval here", "filePath": "a.js"}}, rules=[CCT_RULE])
    f = only(doc)
    assert f.rule_id == "eslint:r1" and f.title == "eslint:r1: Do not use eval" and f.message == "eval here"
    assert f.severity is Severity.HIGH and f.tool_severity == "MAINTAINABILITY:LOW, SECURITY:HIGH"
    typed = dict(CCT_RULE, impacts=None, type="SECURITY_HOTSPOT", severity="MAJOR")
    f = only(generic({"ruleId": "r1", "primaryLocation": {"message": "m", "filePath": "a.js"}}, rules=[typed]))
    assert f.kind is Kind.SECURITY_HOTSPOT and f.severity is Severity.MEDIUM


def test_generic_fingerprint_matches_across_reports() -> None:
    a = only(generic(legacy_generic_issue(effortMinutes=5)))
    b = parse(generic(legacy_generic_issue(ruleId="other"), legacy_generic_issue())).findings[1]
    assert a.fingerprint == b.fingerprint
    assert parse(generic(legacy_generic_issue(ruleId="other"))).findings[0].fingerprint != a.fingerprint


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (generic(legacy_generic_issue(), legacy_generic_issue(severity=...)),
         r"^sonar\.json: issues\[1\]\.severity: missing \(a generic issue report without rules needs engineId, severity and type"),
        (generic(legacy_generic_issue(type=None)), r"issues\[0\]\.type: missing"),
        (generic(legacy_generic_issue(engineId=...)), r"issues\[0\]\.engineId: missing"),
        (generic(legacy_generic_issue(primaryLocation={"filePath": "a.js"})), r"issues\[0\]\.primaryLocation\.message: missing"),
        (generic(legacy_generic_issue(primaryLocation={"message": "m"})), r"issues\[0\]\.primaryLocation\.filePath: missing"),
        (generic(legacy_generic_issue(primaryLocation={"message": "m", "filePath": "a", "textRange": {}})),
         r"primaryLocation\.textRange\.startLine: missing"),
        (generic({"ruleId": "nope", "primaryLocation": {"message": "m", "filePath": "a"}}, rules=[CCT_RULE]),
         r"issues\[0\]\.ruleId: rule 'nope' is not defined in rules"),
        (generic(legacy_generic_issue(ruleId="r1"), rules=[CCT_RULE]), r"issues\[0\]\.severity: not allowed on an issue when the report defines rules"),
        (generic(rules=[CCT_RULE, CCT_RULE]), r"rules\[1\]\.id: duplicate rule id 'r1'"),
        (generic(rules=[dict(CCT_RULE, impacts=None)]), r"rules\[0\]: needs impacts, type or both"),
        (generic(rules=[dict(CCT_RULE, impacts=[])]), r"rules\[0\]\.impacts: empty"),
        (generic(rules=[dict(CCT_RULE, type="BUG")]), r"rules\[0\]: type and severity must be given together"),
        (generic(rules=[dict(CCT_RULE, name=None)]), r"rules\[0\]\.name: expected a string, got null"),
        (generic(rules=[dict(CCT_RULE, impacts=[{"severity": "HIGH"}])]), r"rules\[0\]\.impacts\[0\]\.softwareQuality: missing"),
    ],
)  # fmt: skip
def test_invalid_generic_reports_are_rejected(doc: Any, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# --- (a) quality gate -------------------------------------------------------------------


def test_failed_gate_gives_one_finding_per_failing_condition() -> None:
    doc = gate("ERROR", cond("new_coverage", comparator="LT", errorThreshold="85", actualValue="82.5"),
               cond("open_issues", errorThreshold=..., actualValue="17"), cond("reopened_issues", status="OK"))  # fmt: skip
    doc["projectStatus"]["conditions"][1].pop("errorThreshold")
    report = parse(doc)
    assert [f.location.resource for f in report.findings] == ["new_coverage", "open_issues"]
    first = report.findings[0]
    assert first.rule_id == "quality-gate" and first.kind is Kind.CODE_ISSUE
    assert first.severity is Severity.HIGH and first.tool_severity == "ERROR" and first.status == "ERROR"
    assert first.title == "quality-gate: new_coverage fails when it is less than 85"
    assert first.message == "new_coverage = 82.5; the condition fails when it is less than 85"
    assert report.findings[1].message == "open_issues = 17; the condition failed"
    assert first.fingerprint != report.findings[1].fingerprint
    assert first.fingerprint == only(gate("ERROR", cond("new_coverage", actualValue="60"))).fingerprint


def test_failed_gate_without_conditions_still_fails() -> None:
    for doc in (gate("ERROR"), {"projectStatus": {"status": "ERROR"}}, gate("ERROR", cond("x", status="OK"))):
        f = only(doc)
        assert f.severity is Severity.HIGH and f.rule_id == "quality-gate" and "ERROR" in f.message


def test_warn_gate_gives_medium_findings() -> None:
    f = only(gate("WARN", cond("coverage", status="WARN", warningThreshold="80", comparator="LT", actualValue="70")))
    assert f.severity is Severity.MEDIUM and f.title == "quality-gate: coverage fails when it is less than 80"
    assert only(gate("WARN")).severity is Severity.MEDIUM


def test_passed_or_missing_gate_gives_no_findings() -> None:
    assert parse(gate("OK", cond("x", status="OK"))).findings == ()
    report = parse(gate("OK", cond("x")))
    assert report.findings == ()
    assert report.warnings == ("the quality gate is OK although 1 condition(s) failed; no finding made",)
    report = parse(gate("NONE"))
    assert report.findings == ()
    assert report.warnings == ("no quality gate is configured for the project (status NONE): it checked nothing",)


# --- (a) detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        search(issue()),
        search(),
        {"total": 1, "p": 1, "ps": 100, "issues": [issue()]},
        hotspots(hotspot()),
        hotspots(),
        [issue()],
        [hotspot()],
        generic(legacy_generic_issue()),
        generic({"ruleId": "r1", "primaryLocation": {"message": "m", "filePath": "a"}}, rules=[CCT_RULE]),
        gate("ERROR"),
    ],
)
def test_detection_picks_sonarqube(doc: Any) -> None:
    assert SonarQubeAdapter.sniff(doc)
    assert detect(doc, "report.json") == "sonarqube"


@pytest.mark.parametrize(
    "doc",
    [
        None, [], {}, "text", 3, [1], [{}], {"issues": []}, {"issues": "x", "paging": {}},
        {"issues": [{"rule": "r"}], "paging": {}},
        {"hotspots": [hotspot()]},
        {"projectStatus": {}},
        [{"RuleID": "aws", "Secret": "x", "File": "f"}],
        [{"code": "DL3008", "level": "warning", "file": "Dockerfile", "line": 1}],
        {"SchemaVersion": 2, "Results": []},
        {"version": "2.1.0", "runs": []},
        {"sonarBaseURL": "http://x", "issues": [{"rule": "r", "component": "c", "key": "k"}]},
        {"key": "typescript:S1854", "name": "Dead stores should be removed", "htmlDesc": "<p/>"},
    ],
)  # fmt: skip
def test_sniff_refuses_other_documents(doc: Any) -> None:
    assert not SonarQubeAdapter.sniff(doc)


# --- (b) bad documents ------------------------------------------------------------------

BAD: list[tuple[Any, str]] = [
    ("text", r"^sonar\.json: \$: expected a SonarQube JSON object or list, got a string"),
    (None, r"\$: expected a SonarQube JSON object or list, got null"),
    (7, r"got a number"),
    ({}, r"\$: not a SonarQube findings document \(top-level keys: none\)"),
    ({"key": "ruby:S2068", "name": "Hard-coded credentials", "vulnerabilityProbability": "HIGH"},
     r"a SonarQube rule or project object, not a list of findings"),
    ({"sonarBaseURL": "http://x", "sonarComponent": "c", "issues": []},
     r"the sonar-report \(soprasteria\) exporter's JSON, which gatekeeper does not read"),
    ({"issues": [issue()]}, r"paging: missing: an api/issues/search response without paging cannot be checked"),
    ({"issues": [{"foo": 1}]}, r"not a SonarQube findings document"),
    ({"issues": {}, "paging": {}}, r"issues: expected a list, got an object"),
    (search("x"), r"issues\[0\]: expected an object, got a string"),
    (search(issue(key=...)), r"issues\[0\]\.key: missing"),
    (search(issue(rule=None)), r"issues\[0\]\.rule: expected a string, got null"),
    (search(issue(component=...)), r"issues\[0\]\.component: missing"),
    (search(issue(line="12")), r"issues\[0\]\.line: expected an integer, got a string"),
    (search(issue(line=True)), r"issues\[0\]\.line: expected an integer, got a boolean"),
    (search(issue(textRange={"startLine": "1"})), r"issues\[0\]\.textRange\.startLine: expected an integer"),
    (search(issue(severity=3)), r"issues\[0\]\.severity: expected a string, got a number"),
    (search(issue(impacts={})), r"issues\[0\]\.impacts: expected a list, got an object"),
    (search(issue(impacts=[{"softwareQuality": "SECURITY"}])), r"issues\[0\]\.impacts\[0\]\.severity: missing"),
    (search(issue(tags=[1])), r"issues\[0\]\.tags\[0\]: expected a string, got a number"),
    (search(issue(), components=[{"path": "x"}]), r"components\[0\]\.key: missing"),
    ({"paging": {"total": "3"}, "issues": []}, r"paging\.total: expected an integer, got a string"),
    ({"hotspots": []}, r"paging: missing \(an api/hotspots/search response always has it\)"),
    (hotspots(hotspot(status=...)), r"hotspots\[0\]\.status: missing"),
    (hotspots(hotspot(vulnerabilityProbability=None)), r"hotspots\[0\]\.vulnerabilityProbability: expected a string, got null"),
    ([issue(), "x"], r"\$\[1\]: expected an object, got a string"),
    ([{"key": "k"}], r"\$\[0\]: neither a SonarQube issue \(keys key, rule, component\) nor a hotspot"),
    ([issue(), hotspot()], r"\$\[1\]\.rule: missing"),
    ({"projectStatus": "ERROR"}, r"projectStatus: expected an object, got a string"),
    ({"projectStatus": {}}, r"projectStatus\.status: missing"),
    (gate("FAILED"), r"projectStatus\.status: unknown quality gate status 'FAILED'"),
    (gate("ERROR", {"status": "ERROR"}), r"projectStatus\.conditions\[0\]\.metricKey: missing"),
    (gate("ERROR", {"metricKey": "m"}), r"projectStatus\.conditions\[0\]\.status: missing"),
    ({"projectStatus": {"status": "ERROR", "conditions": {}}}, r"projectStatus\.conditions: expected a list"),
]  # fmt: skip


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents_are_rejected(doc: Any, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# --- (c) corpus conformance -------------------------------------------------------------

# Expected values, derived from each file with jq, not from the adapter:
#   n:   findings = items minus fixed/closed ones; every corpus item is OPEN / TO_REVIEW except
#        the two WS examples (RESOLVED+WONTFIX / issueStatus ACCEPTED -> kept, suppressed) and
#        one FALSE-POSITIVE in defectdojo-api_sonarqube-issues.json (kept, suppressed):
#        `jq '[.issues[]|[.status,.resolution,.issueStatus]]|unique'`, `jq 'length'` for lists,
#        `jq '.hotspots|length'`, `jq '[.issues[]]|length'` (generic import);
#        quality gate: `jq '[.projectStatus.conditions[]|select(.status=="ERROR")]|length'` = 4.
#   sev: the documented table over `jq -c '[.issues[].severity]|group_by(.)|map({(.[0]):length})|add'`,
#        raised to the highest impact where impacts exist: for the 44-issue SonarCloud file
#        `jq -r '.issues[]|[(.severity|{BLOCKER:5,CRITICAL:4,MAJOR:3,MINOR:2,INFO:1}[.]),
#        (.impacts[].severity|{BLOCKER:5,HIGH:4,MEDIUM:3,LOW:2,INFO:1}[.])]|max'|sort|uniq -c`
#        gives 9x5, 17x4, 16x3, 2x2 (one MAJOR bug carries RELIABILITY:HIGH); hotspots from
#        `jq -r '.hotspots[].vulnerabilityProbability'|sort|uniq -c`.
#   sup: `jq '[.issues[]|select(.resolution=="FALSE-POSITIVE" or .resolution=="WONTFIX" or .issueStatus=="ACCEPTED")]|length'`.
C, H, M, L = "critical", "high", "medium", "low"
ACCEPTED: dict[str, tuple[int, dict[str, int], int]] = {
    "codemodder-sonarcloud-api-hotspots-search.json": (7, {H: 2, M: 2, L: 3}, 0),
    "codemodder-sonarcloud-api-issues-search-sql_parameterization.json": (2, {C: 1, M: 1}, 0),
    "codemodder-sonarcloud-api-issues-search.json": (44, {C: 9, H: 17, M: 16, L: 2}, 0),
    "defectdojo-api_sonarqube-hotspots-many_vulns.json": (2, {H: 1, M: 1}, 0),
    "defectdojo-api_sonarqube-hotspots-no_vuln.json": (0, {}, 0),
    "defectdojo-api_sonarqube-hotspots-one_vuln.json": (1, {H: 1}, 0),
    "defectdojo-api_sonarqube-issues.json": (3, {H: 1, M: 2}, 1),
    "defectdojo-findings_over_api.json": (5, {H: 1, M: 2, L: 2}, 0),
    "defectdojo-findings_over_api_empty.json": (0, {}, 0),
    "defectdojo-findings_over_api_hotspots.json": (4, {H: 1, L: 3}, 0),
    "defectdojo-findings_over_api_multi_cwe_fabricated.json": (3, {M: 1, L: 2}, 0),
    "sonarqube-generic-issue-import-cct-report.json": (8, {H: 4, L: 4}, 0),  # rule1 max HIGH x4, rule2 LOW x4
    "sonarqube-generic-issue-import-report.json": (3, {M: 3}, 0),
    "sonarqube-ws-hotspots-search-example.json": (3, {L: 3}, 0),
    "sonarqube-ws-issues-search-example-10x.json": (1, {H: 1}, 1),  # MAJOR, but SECURITY:HIGH
    "sonarqube-ws-issues-search-example-2025.json": (1, {H: 1}, 1),
    "sonarqube-ws-qualitygates-project_status-example.json": (4, {H: 4}, 0),
}
# Warnings each accepted file must carry (the named deviations), derived from the files:
# codemodder issues: `jq '{total, paging}'` -> 44 vs 171, and one component without the
# project prefix (`jq '[.issues[].component]-[.components[].key]'`); DefectDojo's fabricated
# files: total 42 vs paging.total 3; codemodder hotspots: 7 hotspots, paging.total 4.
WARNED: dict[str, tuple[str, ...]] = {
    "codemodder-sonarcloud-api-hotspots-search.json": ("holds 7 hotspots but its total says 4",),
    "codemodder-sonarcloud-api-issues-search.json": ("totals disagree (171 vs 44)", "'break_or_continue_out_of_loop.py' does not start"),
    "defectdojo-findings_over_api.json": ("totals disagree (3 vs 42)",),
    "defectdojo-findings_over_api_multi_cwe_fabricated.json": ("totals disagree (3 vs 42)",),
    "defectdojo-api_sonarqube-hotspots-many_vulns.json": ("bare list of hotspots",),
    "defectdojo-api_sonarqube-hotspots-one_vuln.json": ("bare list of hotspots",),
    "defectdojo-api_sonarqube-issues.json": ("bare list of issues",),
}
REJECTED: dict[str, str] = {
    "defectdojo-api_sonarqube-hotspots-rule.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-hotspots-rule_wo_risk_description.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-product.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-rule.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-rule_md_desc_only.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-rule_multi_cwe_fabricated.json": "a SonarQube rule or project object",
    "defectdojo-api_sonarqube-rule_wo_html_desc.json": "a SonarQube rule or project object",
    "defectdojo-issue_10150.json": r"sonar-report \(soprasteria\) exporter",
    "defectdojo-sonar-6-findings.json": r"sonar-report \(soprasteria\) exporter",
    "defectdojo-sonar-no-finding.json": r"sonar-report \(soprasteria\) exporter",
    "defectdojo-sonar-single-finding.json": r"sonar-report \(soprasteria\) exporter",
    "defectdojo-sonar.json": r"sonar-report \(soprasteria\) exporter",
    "sonarqube-generic-issue-import-missing_severity.json": r"issues\[1\]\.severity: missing",
}
NOT_JSON = {"defectdojo-empty_zip.zip", "defectdojo-findings_over_api.zip"}


def test_corpus_tables_cover_the_folder_exactly() -> None:
    names = {p.values[0].name for p in corpus_params("sonarqube") if p.values[0] is not None}
    if not names:
        require_shared()
    assert names == set(ACCEPTED) | set(REJECTED) | NOT_JSON


@pytest.mark.parametrize("path", corpus_params("sonarqube"))
def test_corpus(path: Path | None) -> None:
    if path is None:
        require_shared()
    assert path is not None
    name = path.name
    if name in NOT_JSON:
        from gatekeeper.sources.files import SourceError, read_document

        assert path.read_bytes()[:4] == b"PK\x03\x04"  # a zip archive, never a JSON report
        with pytest.raises(SourceError, match=rf"^{path}: a ZIP archive, not a JSON report"):
            read_document(str(path))
        return
    doc = json.loads(path.read_text(encoding="utf-8"))
    if name in REJECTED:
        with pytest.raises(ReportFormatError, match=REJECTED[name]):
            parse(doc, name)
        if "missing_severity" not in name:
            assert not SonarQubeAdapter.sniff(doc)
        return
    count, severities, suppressed = ACCEPTED[name]
    report = parse(doc, name)
    assert len(report.findings) == count
    assert dict(collections.Counter(f.severity.label for f in report.findings)) == severities
    assert sum(f.suppression is not None for f in report.findings) == suppressed
    for fragment in WARNED.get(name, ()):
        assert any(fragment in w for w in report.warnings), (fragment, report.warnings)
    assert len(report.warnings) == len(WARNED.get(name, ()))
    assert all(f.tool == "sonarqube" and f.fingerprint for f in report.findings)
    assert detect(doc, str(path)) == "sonarqube"


def test_corpus_details() -> None:
    """Spot checks on real files, each value read off the file by eye or jq."""
    require_shared()
    folder = Path(corpus_params("sonarqube")[0].values[0]).parent

    def load(name: str):
        return parse(json.loads((folder / name).read_text(encoding="utf-8")), name)

    # `jq '.issues[1]'`: RESOLVED / FALSE-POSITIVE at line 237, tags cert/cwe/unused (no CWE number).
    f = load("defectdojo-api_sonarqube-issues.json").findings[1]
    assert f.suppression == Suppression("external", "FALSE-POSITIVE") and f.location.start_line == 237
    assert f.location.path == "src/main/javascript/TranslateDirective.ts" and f.identifiers == ()
    # `jq '.issues[0]'`: component == project (no file); CVE and CWE named in the message, tag cwe-937.
    f = load("defectdojo-findings_over_api_multi_cwe_fabricated.json").findings[0]
    assert f.location.path is None and f.location.target == "testapplication"
    assert f.identifiers == ("CWE-937", "CVE-2024-2529", "CWE-120", "CWE-79")
    # `jq '.hotspots[1]'`: component key "keyfoot.htmlfjoes" resolved through components[].path.
    f = load("defectdojo-findings_over_api_hotspots.json").findings[1]
    assert f.location.path == "src/app/2389479284379021-footer.component.html" and f.rule_id == "Web:1222"
    # `jq '.issues[0]'` of the 2025 example: impacts only, issueStatus ACCEPTED.
    f = load("sonarqube-ws-issues-search-example-2025.json").findings[0]
    assert f.tool_severity == "SECURITY:HIGH" and f.suppression == Suppression("external", "ACCEPTED")
    # The one `secrets:` rule in the SonarCloud file (`jq '[.issues[]|select(.rule|startswith("secrets:"))]|length'`).
    kinds = collections.Counter(f.kind for f in load("codemodder-sonarcloud-api-issues-search.json").findings)
    assert kinds == {Kind.CODE_ISSUE: 43, Kind.SECRET: 1}
    # WS hotspots example has no ruleKey; securityCategory "others".
    assert {f.rule_id for f in load("sonarqube-ws-hotspots-search-example.json").findings} == {"hotspot:others"}

# NOTE: no SonarQube report among fixtures/: SonarQube needs a server that cannot run
# here; the recorded real API responses in ../shared/corpus/sonarqube stand in for it.
