"""SARIF adapter: variants, strictness, every SARIF log in the corpus, our fixtures."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.sarif import SarifAdapter
from gatekeeper.model import Kind, Severity, Suppression
from tests.conftest import CORPUS, REPORTS, corpus_files, require_shared

ADAPTER = SarifAdapter()
SECRET = "ghp_gjRCWHmxgYnVRuWFm6M0cDaSRXGAiaWR4Eld"


def result(**over: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": "py/sql-injection",
        "message": {"text": "Query built from user input."},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "app/db.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 12, "endLine": 14, "snippet": {"text": "cur.execute(q)"}}}}],
    }
    res.update(over)
    return res


def log(results: list[Any] | None, name: str = "CodeQL", rules: list[Any] | None = None,
        **run: Any) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": name, "semanticVersion": "2.15.0", "rules": rules or [
        {"id": "py/sql-injection", "shortDescription": {"text": "SQL injection"},
         "helpUri": "https://codeql.github.com/x",
         "defaultConfiguration": {"level": "error"},
         "properties": {"tags": ["security", "external/cwe/cwe-089"]}}]}
    body: dict[str, Any] = {"tool": {"driver": driver}, **run}
    if results is not None:
        body["results"] = results
    return {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [body]}


def one(doc: dict[str, Any]) -> Any:
    (f,) = ADAPTER.parse(doc, "x.sarif").findings
    return f


# -- (a) variants and edge cases ------------------------------------------------------------


def test_basic_result() -> None:
    report = ADAPTER.parse(log([result()]), "x.sarif")
    assert (report.tool, report.format, report.tool_version) == ("codeql", "sarif", "2.15.0")
    assert report.categories == {"sast"}
    (f,) = report.findings
    assert f.tool == "codeql" and f.kind is Kind.CODE_ISSUE
    assert f.rule_id == "py/sql-injection" and f.title == "SQL injection"
    assert f.message == "Query built from user input."
    # No result level: the rule's defaultConfiguration.level (error) -> HIGH.
    assert f.severity is Severity.HIGH and f.tool_severity == "error"
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("app/db.py", 12, 14)
    assert f.identifiers == ("CWE-89",)
    assert f.links == ("https://codeql.github.com/x",)


@pytest.mark.parametrize(("level", "expected"), [
    ("error", Severity.HIGH), ("warning", Severity.MEDIUM), ("note", Severity.LOW),
    ("none", Severity.INFO),
])
def test_level_mapping(level: str, expected: Severity) -> None:
    f = one(log([result(level=level)]))
    assert f.severity is expected and f.tool_severity == level


def test_level_defaults_to_warning() -> None:
    f = one(log([result()], rules=[{"id": "py/sql-injection"}]))
    assert f.severity is Severity.MEDIUM and f.tool_severity == "warning"


@pytest.mark.parametrize(("score", "expected"), [
    ("9.8", Severity.CRITICAL), ("7.5", Severity.HIGH), (5.3, Severity.MEDIUM),
    ("2.1", Severity.LOW), ("0.0", Severity.INFO),
])
def test_security_severity_wins_over_level(score: Any, expected: Severity) -> None:
    rules = [{"id": "py/sql-injection", "properties": {"security-severity": score}}]
    f = one(log([result(level="note")], rules=rules))
    assert f.severity is expected and f.tool_severity == str(score)


def test_result_security_severity_before_rule() -> None:
    rules = [{"id": "py/sql-injection", "properties": {"security-severity": "2.0"}}]
    f = one(log([result(properties={"security-severity": "9.1"})], rules=rules))
    assert f.severity is Severity.CRITICAL


def test_security_severity_word_is_accepted_with_warning() -> None:
    # Named deviation: Semgrep OSS 1.69 writes "MEDIUM" where a score belongs.
    rules = [{"id": "py/sql-injection", "properties": {"security-severity": "HIGH"}}]
    report = ADAPTER.parse(log([result()], rules=rules), "x.sarif")
    assert report.findings[0].severity is Severity.HIGH
    assert any("security-severity given as a word" in w for w in report.warnings)


def test_message_from_message_strings_with_arguments() -> None:
    rules = [{"id": "C2001", "messageStrings": {"default": {"text": "Variable \"{0}\" in {1}."}}}]
    res = result(ruleId="C2001", message={"id": "default", "arguments": ["count", "add"]})
    assert one(log([res], rules=rules)).message == 'Variable "count" in add.'


def test_message_markdown_fallback() -> None:
    assert one(log([result(message={"markdown": "use `x`"})])).message == "use `x`"


def test_result_without_message_is_accepted_with_warning() -> None:
    res = result()
    del res["message"]
    report = ADAPTER.parse(log([res]), "x.sarif")
    assert report.findings[0].message == ""
    assert any("without a message" in w for w in report.warnings)


def test_rule_resolution_by_index_extension_and_hierarchy() -> None:
    doc = log([result(ruleId="S0001", rule={"id": "S0001", "index": 0, "toolComponent": {"index": 0}}),
               result(ruleId="py/sql-injection/variant")])
    doc["runs"][0]["tool"]["extensions"] = [
        {"name": "security-pack", "rules": [{"id": "S0001", "shortDescription": {"text": "Weak crypto"}}]}]
    a, b = ADAPTER.parse(doc, "x.sarif").findings
    assert a.title == "Weak crypto"
    assert b.title == "SQL injection"  # hierarchical id falls back to its parent rule


def test_rule_index_out_of_range_fails() -> None:
    with pytest.raises(ReportFormatError, match=r"runs\[0\].results\[0\].ruleIndex: rule index 5"):
        ADAPTER.parse(log([result(ruleIndex=5)]), "x.sarif")


def test_uri_base_and_artifact_index() -> None:
    doc = log([result(locations=[{"physicalLocation": {"artifactLocation": {"index": 0}}}])],
              artifacts=[{"location": {"uri": "lib/a%20b.py", "uriBaseId": "SRC"}}],
              originalUriBaseIds={"SRC": {"uri": "src/", "uriBaseId": "ROOT"},
                                  "ROOT": {"uri": "file:///home/runner/_work/repo/"}})
    # Relative bases are applied; the absolute checkout root is not (repo-relative path).
    assert one(doc).location.path == "src/lib/a b.py"


def test_logical_location_and_no_location() -> None:
    res = result(locations=[{"logicalLocations": [{"fullyQualifiedName": "Example.Worker.DoWork"}]}])
    assert one(log([res])).location.resource == "Example.Worker.DoWork"
    bare = result()
    del bare["locations"]
    assert one(log([bare])).location.path is None


@pytest.mark.parametrize(("suppressions", "expected"), [
    ([{"kind": "inSource", "justification": "false positive"}], Suppression("inSource", "false positive")),
    ([{"kind": "external", "status": "accepted"}], Suppression("external")),
    ([{"kind": "external", "status": "underReview"}], None),
    ([{"kind": "external", "status": "rejected"}], None),
    ([], None),
])
def test_suppressions(suppressions: list[Any], expected: Suppression | None) -> None:
    assert one(log([result(suppressions=suppressions)])).suppression == expected


def test_pass_and_absent_results_are_not_findings() -> None:
    doc = log([result(kind="pass", message={}), result(kind="notApplicable"),
               result(baselineState="absent"), result(baselineState="new")])
    assert len(ADAPTER.parse(doc, "x.sarif").findings) == 1


def test_failed_execution_fails_closed() -> None:
    doc = log([result()], invocations=[{"executionSuccessful": False}])
    with pytest.raises(ReportFormatError, match=r"executionSuccessful: the scanner \(codeql\) "
                                                r"reported that it failed"):
        ADAPTER.parse(doc, "x.sarif")


def test_execution_error_notification_is_a_gap() -> None:
    inv = {"executionSuccessful": True, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": "Rule C2001 crashed"}}]}
    report = ADAPTER.parse(log([result()], invocations=[inv]), "x.sarif")
    assert [g.reason for g in report.gaps] == ["Rule C2001 crashed"]


def test_empty_runs_warn_and_are_a_gap_and_missing_results_are_refused() -> None:
    # Issue 21 (2): absent results are "not computed" (SARIF 3.14.23), never "none found".
    empty = ADAPTER.parse({"version": "2.1.0", "runs": []}, "x.sarif")
    assert empty.findings == () and any("no runs" in w for w in empty.warnings)
    assert [g.reason for g in empty.gaps] == ["the SARIF log has no runs: no tool reported any result"]
    assert empty.categories == frozenset()
    null = log([]) | {"runs": [{**log([])["runs"][0], "results": None}]}
    for missing in (log(None), null):
        with pytest.raises(ReportFormatError, match=r"^x\.sarif: runs\[0\]\.results: missing: the run \(codeql\) did not compute"):
            ADAPTER.parse(missing, "x.sarif")


def test_a_rule_index_must_name_the_rule_of_the_rule_id() -> None:
    # Issue 21 (5): ruleId R1 (9.8) with the index of R2 (0.1) took R2's severity.
    rules = [{"id": "R1", "properties": {"security-severity": "9.8"}},
             {"id": "R2", "properties": {"security-severity": "0.1"}}]
    with pytest.raises(ReportFormatError, match=r"^x\.sarif: runs\[0\]\.results\[0\]: ruleId 'R1' but its rule index 1"):
        ADAPTER.parse(log([result(ruleId="R1", ruleIndex=1)], rules=rules), "x.sarif")
    assert one(log([result(ruleId="R2", ruleIndex=1)], rules=rules)).severity is Severity.LOW
    assert one(log([result(ruleId="R1/x", ruleIndex=0)], rules=rules)).severity is Severity.CRITICAL


@pytest.mark.parametrize("score", ["NaN", "inf", "-0.5", "10.1", -5, 42, float("nan")])
def test_a_security_severity_outside_0_to_10_is_refused(score: object) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": score}}]
    with pytest.raises(ReportFormatError, match=r"security-severity: a score is a number from 0 to 10, got"):
        ADAPTER.parse(log([result(ruleId="R1")], rules=rules), "x.sarif")


def test_several_runs_keep_their_own_tool() -> None:
    doc = log([result()])
    doc["runs"].append({"tool": {"driver": {"name": "Hadolint", "version": "2.12.0"}},
                        "results": [result(ruleId="DL3007", level="warning")]})
    report = ADAPTER.parse(doc, "x.sarif")
    assert report.tool == "codeql"
    assert [(f.tool, f.kind) for f in report.findings] == [("codeql", Kind.CODE_ISSUE), ("hadolint", Kind.LINT)]
    assert report.categories == {"sast", "dockerfile"}


def test_vulnerability_kind_and_identifiers() -> None:
    rules = [{"id": "CVE-2023-1234", "properties": {"tags": ["vulnerability", "security"]}}]
    f = one(log([result(ruleId="CVE-2023-1234")], name="Trivy", rules=rules))
    assert f.tool == "trivy" and f.kind is Kind.VULNERABILITY and f.identifiers == ("CVE-2023-1234",)


def test_gitleaks_secret_is_redacted_and_high() -> None:
    res = result(ruleId="github-pat", message={"text": "github-pat has detected secret for file a.py"},
                 properties={"offender": SECRET},
                 locations=[{"physicalLocation": {"artifactLocation": {"uri": "a.py"},
                                                  "region": {"startLine": 1, "snippet": {"text": SECRET}}}}])
    report = ADAPTER.parse(log([res], name="gitleaks", rules=[{"id": "github-pat"}]), "x.sarif")
    (f,) = report.findings
    # gitleaks gives no level: a leaked secret is HIGH (the gitleaks default), not "warning".
    assert f.kind is Kind.SECRET and f.severity is Severity.HIGH and f.tool_severity is None
    assert report.categories == {"secrets"}
    assert SECRET not in repr(report.findings) + repr(f.raw)
    assert res["locations"][0]["physicalLocation"]["region"]["snippet"]["text"] == SECRET


def test_trivy_secret_match_line_is_dropped() -> None:
    rules = [{"id": "github-pat", "properties": {"tags": ["secret", "security"]}}]
    res = result(ruleId="github-pat", message={"text": f"Secret GitHub PAT\nMatch: TOKEN={SECRET}"})
    f = one(log([res], name="Trivy", rules=rules))
    assert f.kind is Kind.SECRET and f.message == "Secret GitHub PAT"
    assert SECRET not in repr(f) + repr(f.raw)


def test_snippets_are_redacted_for_every_result() -> None:
    f = one(log([result()]))
    assert f.raw is not None
    assert "cur.execute" not in json.dumps(f.raw)


def test_fingerprint_prefers_tool_fingerprints() -> None:
    a = one(log([result(partialFingerprints={"primaryLocationLineHash": "abc:1"})]))
    moved = result(partialFingerprints={"primaryLocationLineHash": "abc:1"})
    moved["locations"][0]["physicalLocation"]["region"]["startLine"] = 40
    assert one(log([moved])).fingerprint == a.fingerprint
    other = one(log([result(partialFingerprints={"primaryLocationLineHash": "def:1"})]))
    assert other.fingerprint != a.fingerprint


def test_fingerprint_fallback_is_stable_across_reports() -> None:
    a = one(log([result()]))
    b = one(log([result(guid="another-run")], semanticVersion="x"))
    c = one(log([result(locations=[{"physicalLocation": {"artifactLocation": {"uri": "other.py"},
                                                         "region": {"startLine": 12}}}])]))
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_non_string_fingerprints_warn() -> None:
    # Named deviation: Black Duck writes {"value": ...} objects.
    report = ADAPTER.parse(log([result(fingerprints={"csvRowSha256": {"value": "aa"}})]), "x.sarif")
    assert any("not strings" in w for w in report.warnings)


def test_result_without_rule_id_warns() -> None:
    # Named deviation: gitleaks 7 SARIF results have no ruleId.
    res = result()
    del res["ruleId"]
    report = ADAPTER.parse(log([res]), "x.sarif")
    assert report.findings[0].rule_id == "" and any("without a ruleId" in w for w in report.warnings)


# -- (b) bad documents --------------------------------------------------------------------------

def _mut(path: str, value: Any) -> dict[str, Any]:
    doc = log([result()])
    target: Any = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last: Any = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return doc


BAD: list[tuple[Any, str]] = [
    ([], r"^bad.sarif: \$: expected an object, got a list"),
    ("text", r"^bad.sarif: \$: expected an object"),
    (_mut("version", "2.0.0"), r"^bad.sarif: version: SARIF '2.0.0' is not supported"),
    (_mut("version", KeyError), r"^bad.sarif: version: missing"),
    (_mut("runs", {}), r"^bad.sarif: runs: expected a list"),
    (_mut("runs.0.tool", KeyError), r"^bad.sarif: runs\[0\].tool: missing"),
    (_mut("runs.0.tool.driver.name", 3), r"runs\[0\].tool.driver.name: expected a string"),
    (_mut("runs.0.results", {}), r"runs\[0\].results: expected a list"),
    (_mut("runs.0.results.0", "x"), r"runs\[0\].results\[0\]: expected an object"),
    (_mut("runs.0.results.0.level", "fatal"), r"results\[0\].level: unknown level 'fatal'"),
    (_mut("runs.0.results.0.locations", {}), r"results\[0\].locations: expected a list"),
    (_mut("runs.0.results.0.locations.0.physicalLocation.region.startLine", "12"),
     r"region.startLine: expected an integer"),
    (_mut("runs.0.results.0.suppressions", [{"status": "accepted"}]), r"suppressions\[0\].kind: missing"),
    (_mut("runs.0.results.0.properties", {"security-severity": "severe"}),
     r"properties.security-severity: expected a 0-10 score, got 'severe'"),
    (_mut("runs.0.invocations", [{"exitCode": 0}]), r"invocations\[0\].executionSuccessful: missing"),
    (_mut("runs.0.results.0.rule_id", "x"), r"results\[0\].rule_id: snake_case key is not SARIF"),
    # Another tool's report forced into this adapter.
    ({"SchemaVersion": 2, "Results": []}, r"^bad.sarif: version: missing"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents(doc: Any, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        ADAPTER.parse(copy.deepcopy(doc), "bad.sarif")


def test_sniff_is_strict() -> None:
    assert SarifAdapter.sniff({"version": "2.1.0", "runs": []})
    assert SarifAdapter.sniff({"$schema": "https://x/sarif-schema-2.0.0.json", "version": "2.0.0", "runs": []})
    assert not SarifAdapter.sniff({"version": "2.1.0"})
    assert not SarifAdapter.sniff({"check_type": "terraform", "results": {}, "summary": {}})
    assert not SarifAdapter.sniff([{"runs": []}])


# -- (c) corpus conformance: every SARIF log anywhere in the corpus -----------------------------

def sarif_corpus() -> list[Any]:
    files = [*corpus_files("sarif"), *corpus_files("trivy", "*.sarif"), *corpus_files("gitleaks", "*.sarif")]
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in files] or [pytest.param(None, id="corpus-missing")]


# Findings and tool-suppressed findings per file, derived with jq from the files:
#   findings:   jq '[.runs[]?.results[]? | select((.kind // "fail") as $k | $k != "pass" and
#                    $k != "notApplicable") | select(.baselineState != "absent")] | length'
#   suppressed: jq '[.runs[]?.results[]? | select(any(.suppressions[]?;
#                    .status == null or .status == "accepted"))] | length'
# (flawfinder: 54 results, one is kind "pass"; the suppression files use no "status".)
EXPECTED: dict[str, tuple[int, int]] = {
    "sarif/defectdojo-SuppressionTestCurrent.sarif": (4, 3),
    "sarif/defectdojo-appendix_k.sarif": (1, 1),
    "sarif/defectdojo-appendix_k1.sarif": (0, 0),
    "sarif/defectdojo-appendix_k1_double.sarif": (0, 0),
    "sarif/defectdojo-appendix_k2.sarif": (1, 0),
    "sarif/defectdojo-appendix_k3.sarif": (1, 0),
    "sarif/defectdojo-bash-report.sarif": (27, 0),
    "sarif/defectdojo-blackduck_nested_fingerprints.sarif": (5, 0),
    "sarif/defectdojo-codeQL-output.sarif": (72, 0),
    "sarif/defectdojo-cxf-3.4.6.sarif": (22, 0),
    "sarif/defectdojo-dependency_check.sarif": (13, 0),
    "sarif/defectdojo-dockle_0_3_15.sarif": (4, 0),
    "sarif/defectdojo-flawfinder.sarif": (53, 0),
    "sarif/defectdojo-gitleaks_7.5.0.sarif": (8, 0),
    "sarif/defectdojo-issue_10191.json": (77, 0),
    "sarif/defectdojo-mobsfscan.json": (9, 0),
    "sarif/defectdojo-no_runs.sarif": (0, 0),
    "sarif/defectdojo-suppression_test.sarif": (5, 3),
    "trivy/trivy-golden-alpine-310.sarif": (4, 0),
    "gitleaks/gitleaks-baseline-baseline.sarif": (0, 0),
    "gitleaks/gitleaks-expected-report-sarif_simple.sarif": (1, 0),
}
# Rejected, with the reason (PROVENANCE.md and the files themselves say why).
REJECTED: dict[str, str] = {
    # snake_case keys (semantic_version, rule_id, physical_location): not SARIF 2.1.0.
    "sarif/codemodder-semgrep-snake_case-nonconformant.sarif":
        r"tool.driver.semantic_version: snake_case key is not SARIF 2.1.0",
    # invocations[0].executionSuccessful is false (exitSignalName "ERROR,MISSING CLASS,...").
    "sarif/defectdojo-spotbugs.sarif": r"executionSuccessful: the scanner \(spotbugs\) reported that it failed",
}
# Severity counts where they test a mapping, derived by hand from the files:
SEVERITIES: dict[str, dict[str, int]] = {
    # jq '[.runs[0].tool.driver.rules[] | .properties."security-severity"]' -> ["5.3", "5.3"],
    # the two rules used by the 4 results: 5.3 is MEDIUM (4.0-6.9).
    "trivy/trivy-golden-alpine-310.sarif": {"MEDIUM": 4},
    # gitleaks gives no level: every secret is HIGH.
    "sarif/defectdojo-gitleaks_7.5.0.sarif": {"HIGH": 8},
    # jq '[.runs[0].results[].level]': error x1, note x3.
    "sarif/defectdojo-dockle_0_3_15.sarif": {"HIGH": 1, "LOW": 3},
    # jq '[.runs[0].results[].level]': error x3, warning x1, note x1 (no security-severity).
    "sarif/defectdojo-blackduck_nested_fingerprints.sarif": {"HIGH": 3, "MEDIUM": 1, "LOW": 1},
}


@pytest.mark.parametrize("path", sarif_corpus())
def test_corpus(path: Path | None) -> None:
    if path is None:
        require_shared()
    assert path is not None
    key = f"{path.parent.name}/{path.name}"
    doc = json.loads(path.read_text())
    assert SarifAdapter.sniff(doc)
    if key in REJECTED:
        with pytest.raises(ReportFormatError, match=REJECTED[key]):
            ADAPTER.parse(doc, str(path))
        return
    assert key in EXPECTED, f"new SARIF corpus file {key}: add its expected counts"
    count, suppressed = EXPECTED[key]
    report = ADAPTER.parse(doc, str(path))
    assert len(report.findings) == count
    assert sum(f.suppression is not None for f in report.findings) == suppressed
    if key in SEVERITIES:
        assert dict(Counter(f.severity.name for f in report.findings)) == SEVERITIES[key]
    if count:
        assert detect(doc, str(path)) == "sarif"


def test_corpus_table_covers_every_sarif_file() -> None:
    require_shared()
    found = {f"{p.parent.name}/{p.name}" for p in CORPUS.rglob("*")
             if p.suffix in {".sarif", ".json"} and _is_sarif(p)}
    assert found == set(EXPECTED) | set(REJECTED)


def _is_sarif(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text())
    except ValueError:
        return False  # e.g. JSON-lines trufflehog output
    return isinstance(doc, dict) and "runs" in doc


def test_corpus_gitleaks7_offender_redacted() -> None:
    require_shared()
    path = CORPUS / "sarif" / "defectdojo-gitleaks_7.5.0.sarif"
    report = ADAPTER.parse(json.loads(path.read_text()), str(path))
    # properties.offender and the snippet hold the (example) key itself.
    assert "AKIAIOSFODNN7EXAMPLE" not in repr(report.findings) + repr([f.raw for f in report.findings])


# -- (d) our own real-scanner fixtures ------------------------------------------------------------

# (findings, suppressed, tool, kind counts) from jq over fixtures/reports/*.sarif as above; kinds:
# checkov: 2 CKV_SECRET_* results (jq '[.runs[0].results[] | select(.ruleId|startswith("CKV_SECRET"))]');
# trivy-fs: rules tagged "secret" used by 7 results, the other 63 by rules tagged "misconfiguration".
FIXTURES: dict[str, tuple[int, int, str, dict[str, int]]] = {
    "checkov.sarif": (64, 2, "checkov", {"misconfiguration": 62, "secret": 2}),
    "gitleaks.sarif": (7, 0, "gitleaks", {"secret": 7}),
    "hadolint.sarif": (18, 0, "hadolint", {"lint": 18}),
    "trivy-fs.sarif": (70, 0, "trivy", {"misconfiguration": 63, "secret": 7}),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_reports(name: str) -> None:
    path = REPORTS / name
    assert path.is_file(), f"{path} missing: scripts/make_fixtures.sh makes it"
    doc = json.loads(path.read_text())
    count, suppressed, tool, kinds = FIXTURES[name]
    report = ADAPTER.parse(doc, str(path))
    assert len(report.findings) == count and report.tool == tool
    assert sum(f.suppression is not None for f in report.findings) == suppressed
    assert dict(Counter(f.kind.value for f in report.findings)) == kinds
    assert detect(doc, str(path)) == "sarif"
    planted = REPORTS.parent / "planted_secrets.txt"
    if planted.is_file():
        text = repr(report.findings) + repr([f.raw for f in report.findings])
        for secret in planted.read_text().split():
            assert secret not in text
            assert secret[-16:] not in text  # Trivy masks only a prefix of a secret
