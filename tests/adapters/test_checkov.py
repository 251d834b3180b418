"""Checkov adapter: variants, strictness, the external corpus and our own fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.checkov import CheckovAdapter
from gatekeeper.model import FixState, Kind, Severity, Suppression
from tests.conftest import CORPUS, REPORTS, corpus_params, require_shared

ADAPTER = CheckovAdapter()


def check(**over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "check_id": "CKV_AWS_20",
        "bc_check_id": "BC_AWS_S3_1",
        "check_name": "S3 Bucket has an ACL defined which allows public READ access.",
        "check_result": {"result": "FAILED"},
        "code_block": [[1, 'resource "aws_s3_bucket" "b" {\n']],
        "file_path": "/main.tf",
        "file_abs_path": "/tmp/ci-1234/main.tf",
        "repo_file_path": "/infra/main.tf",
        "file_line_range": [1, 9],
        "resource": "aws_s3_bucket.b",
        "guideline": "https://docs.prismacloud.io/x",
        "severity": None,
    }
    item.update(over)
    return item


def framework(failed: list[Any], skipped: list[Any] | None = None, check_type: str = "terraform",
              summary_failed: int | None = None, **results: Any) -> dict[str, Any]:
    return {
        "check_type": check_type,
        "results": {"passed_checks": [], "failed_checks": failed,
                    "skipped_checks": skipped or [], "parsing_errors": [], **results},
        "summary": {"passed": 0, "failed": len(failed) if summary_failed is None else summary_failed,
                    "skipped": len(skipped or []), "parsing_errors": 0, "resource_count": 1,
                    "checkov_version": "3.2.1"},
    }


# -- (a) variants and edge cases ---------------------------------------------------------


def test_failed_check_maps_to_finding() -> None:
    report = ADAPTER.parse(framework([check()]), "ck.json")
    assert (report.tool, report.format, report.tool_version) == ("checkov", "checkov", "3.2.1")
    assert report.categories == {"iac"}
    (f,) = report.findings
    assert f.kind is Kind.MISCONFIGURATION
    assert f.rule_id == "CKV_AWS_20"
    assert f.title.startswith("S3 Bucket has an ACL")
    # No platform key -> severity null -> UNKNOWN (documented default), tool word None.
    assert f.severity is Severity.UNKNOWN and f.tool_severity is None
    # repo_file_path wins over file_path, leading "/" stripped.
    assert f.location.path == "infra/main.tf"
    assert (f.location.start_line, f.location.end_line) == (1, 9)
    assert f.location.resource == "aws_s3_bucket.b"
    assert f.links == ("https://docs.prismacloud.io/x",)
    assert "BC_AWS_S3_1" in f.identifiers
    assert f.fix is FixState.NOT_APPLICABLE and f.suppression is None
    assert f.raw is not None and f.raw["code_block"]  # kept for non-secret checks


def test_file_path_used_without_repo_file_path() -> None:
    item = check()
    del item["repo_file_path"]
    (f,) = ADAPTER.parse(framework([item]), "ck.json").findings
    assert f.location.path == "main.tf"


@pytest.mark.parametrize(("word", "expected"), [
    ("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH), ("MEDIUM", Severity.MEDIUM),
    ("LOW", Severity.LOW), ("INFO", Severity.INFO),
])
def test_platform_severity(word: str, expected: Severity) -> None:
    (f,) = ADAPTER.parse(framework([check(severity=word)]), "ck.json").findings
    assert f.severity is expected and f.tool_severity == word


def test_skipped_checks_are_suppressed_findings() -> None:
    skipped = check(check_result={"result": "SKIPPED", "suppress_comment": "handled centrally"})
    report = ADAPTER.parse(framework([check()], [skipped]), "ck.json")
    assert len(report.findings) == 2
    assert report.findings[0].suppression is None
    assert report.findings[1].suppression == Suppression("skipped", "handled centrally")


def test_whole_file_check_has_no_line() -> None:
    # Dockerfile checks report [0, 0]; lines are 1-based.
    item = check(check_id="CKV_DOCKER_3", file_line_range=[0, 0], resource="/Dockerfile.")
    report = ADAPTER.parse(framework([item], check_type="dockerfile"), "ck.json")
    assert report.findings[0].location.start_line is None
    assert report.categories == {"iac", "dockerfile"}


def test_list_of_frameworks() -> None:
    doc = [framework([check()]), framework([check(check_id="CKV_DOCKER_2")], check_type="dockerfile")]
    report = ADAPTER.parse(doc, "ck.json")
    assert [f.rule_id for f in report.findings] == ["CKV_AWS_20", "CKV_DOCKER_2"]
    assert report.categories == {"iac", "dockerfile"}


@pytest.mark.parametrize("summary", [
    {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0,
     "checkov_version": "3.3.30"},
    {"passed": 0, "failed": 0, "skipped": 0, "parsingerrors": 0, "resourcecount": 0,
     "checkov_version": "2.1.269"},
])
def test_summary_only_nothing_matched(summary: dict[str, Any]) -> None:
    assert CheckovAdapter.sniff(summary)
    report = ADAPTER.parse(summary, "ck.json")
    assert report.findings == () and report.tool_version == summary["checkov_version"]
    assert [g.subject for g in report.gaps] == ["checkov"]  # nothing scanned is not clean


def test_summary_only_with_failures_fails_closed() -> None:
    doc = {"passed": 3, "failed": 2, "skipped": 0, "parsing_errors": 0, "resource_count": 2,
           "checkov_version": "3.3.30"}
    with pytest.raises(ReportFormatError, match=r"^ck.json: failed: the summary reports 2 failed"):
        ADAPTER.parse(doc, "ck.json")


def test_summary_count_mismatch_warns() -> None:
    # Named deviation: DefectDojo's many-vuln sample says failed=2 but lists three checks.
    report = ADAPTER.parse(framework([check(), check(check_id="CKV_AWS_21")], summary_failed=1),
                           "ck.json")
    assert len(report.findings) == 2
    assert any("summary.failed says 1 but failed_checks lists 2" in w for w in report.warnings)


def test_summary_failed_but_no_failed_checks_fails_closed() -> None:
    with pytest.raises(ReportFormatError, match=r"summary.failed: the summary reports 4 failed "
                                                r"checks but failed_checks is empty"):
        ADAPTER.parse(framework([], summary_failed=4), "ck.json")


def test_quiet_output_without_passed_and_skipped() -> None:
    doc = framework([check()])
    del doc["results"]["passed_checks"], doc["results"]["skipped_checks"]
    assert len(ADAPTER.parse(doc, "ck.json").findings) == 1


def test_parsing_errors_become_gaps() -> None:
    doc = framework([], parsing_errors=["/broken.tf"])
    report = ADAPTER.parse(doc, "ck.json")
    assert [g.subject for g in report.gaps] == ["/broken.tf"]


def test_parsing_errors_counted_but_not_listed_are_a_gap() -> None:
    # Issue 21 (7): summary.parsing_errors 5 and no list was a plain pass.
    doc = framework([])
    doc["summary"]["parsing_errors"] = 5
    assert [(g.subject, g.reason) for g in ADAPTER.parse(doc, "ck.json").gaps] == [
        ("checkov (terraform)", "checkov could not parse 5 files (summary.parsing_errors)")]
    doc = framework([], parsing_errors=["/broken.tf"])
    doc["summary"]["parsing_errors"] = 3
    assert [g.reason for g in ADAPTER.parse(doc, "ck.json").gaps][1:] == [
        "checkov could not parse 3 files (summary.parsing_errors), of which 2 are not listed"]
    bare = {"passed": 4, "failed": 0, "skipped": 0, "parsing_errors": 2, "checkov_version": "3.2.0"}
    assert [g.subject for g in ADAPTER.parse(bare, "ck.json").gaps] == ["checkov"]


def test_secret_check_is_redacted() -> None:
    secret = "AKIAQWRR5IRGGAWJLI2L"
    item = check(check_id="CKV_SECRET_2", check_name="AWS Access Key",
                 code_block=[[3, f"aws_access_key_id = {secret}\n"]], resource="25910f98",
                 file_path="/config/app.ini", repo_file_path="/config/app.ini")
    report = ADAPTER.parse(framework([item], check_type="secrets"), "ck.json")
    (f,) = report.findings
    assert f.kind is Kind.SECRET and report.categories == {"secrets"}
    assert f.raw is not None and f.raw["code_block"] == "[REDACTED]"
    assert secret not in repr(report.findings) + repr(f.raw)
    assert item["code_block"] != "[REDACTED]"  # the input is not mutated


def test_sca_item_is_a_vulnerability() -> None:
    item = check(check_id="CKV_CVE_2021_1234", check_name="CVE-2021-1234", severity="HIGH",
                 resource="requirements.txt.requests",
                 vulnerability_details={"id": "CVE-2021-1234", "package_name": "requests",
                                        "package_version": "2.0.0", "fixed_versions": ["2.31.0"]})
    report = ADAPTER.parse(framework([item], check_type="sca_package"), "ck.json")
    (f,) = report.findings
    assert f.kind is Kind.VULNERABILITY and f.fix is FixState.AVAILABLE
    assert f.package is not None and (f.package.name, f.package.version) == ("requests", "2.0.0")
    assert "CVE-2021-1234" in f.identifiers and report.categories == {"dependencies"}


def test_fingerprint_ignores_lines_and_temp_paths() -> None:
    a = ADAPTER.parse(framework([check()]), "one.json").findings[0]
    b = ADAPTER.parse(framework([check(file_line_range=[4, 12], file_abs_path="/tmp/other/main.tf")]),
                      "two.json").findings[0]
    c = ADAPTER.parse(framework([check(resource="aws_s3_bucket.other")]), "one.json").findings[0]
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


# -- (b) bad documents -----------------------------------------------------------------------

def _bad(path: str, value: Any) -> dict[str, Any]:
    doc = framework([check()])
    target: Any = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return doc


BAD: list[tuple[Any, str]] = [
    ("a string", r"^bad.json: not a checkov report: expected an object or a list of objects, got a string$"),
    ([], r"^bad.json: not a checkov report: .*an empty list"),
    (None, r"^bad.json: not a checkov report: .*got null$"),
    ([framework([check()]), 3], r"^bad.json: \$\[1\]: expected an object, got a number"),
    (_bad("check_type", 7), r"^bad.json: check_type: expected a string"),
    (_bad("results", KeyError), r"^bad.json: results: missing"),
    (_bad("results.failed_checks", {}), r"^bad.json: results.failed_checks: expected a list"),
    (_bad("results.failed_checks.0.check_id", None), r"results.failed_checks\[0\].check_id: expected a string, got null"),
    (_bad("results.failed_checks.0.check_result", KeyError), r"failed_checks\[0\].check_result: missing"),
    (_bad("results.failed_checks.0.file_line_range", [1]), r"file_line_range: expected \[start, end\]"),
    (_bad("results.failed_checks.0.file_line_range", ["1", "2"]), r"file_line_range\[0\]: expected an integer"),
    (_bad("results.failed_checks.0.severity", "SEVERE"), r"failed_checks\[0\].severity: unknown severity 'SEVERE'"),
    (_bad("summary.failed", "1"), r"^bad.json: summary.failed: expected an integer"),
    (_bad("results.parsing_errors", [1]), r"parsing_errors\[0\]: expected a string"),
    # Another tool's report forced into this adapter.
    ({"SchemaVersion": 2, "ArtifactName": ".", "Results": []}, r"^bad.json: check_type: missing"),
    ([{"file": "Dockerfile", "line": 1, "code": "DL3006", "level": "warning"}],
     r"^bad.json: \[0\].check_type: missing"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents(doc: Any, message: str) -> None:
    with pytest.raises(ReportFormatError, match=message):
        ADAPTER.parse(copy.deepcopy(doc), "bad.json")


def test_sniff_is_strict() -> None:
    assert not CheckovAdapter.sniff({"passed": 0, "failed": 0})  # no checkov_version
    assert not CheckovAdapter.sniff({"checkov_version": "1", "Results": []})
    assert not CheckovAdapter.sniff({"version": "2.1.0", "runs": []})
    assert not CheckovAdapter.sniff([{"code": "DL3006"}])


# -- (c) corpus conformance -----------------------------------------------------------------

# Expected (findings, UNKNOWN-severity findings, warnings?) per corpus file, derived from the
# files with jq, independently of the adapter:
#   findings: jq '[if type=="array" then .[] else . end
#                  | (.results.failed_checks // []) + (.results.skipped_checks // []) | .[]] | length'
#   unknown:  the same, filtered with `select(.severity == null)`
# many-vuln lists 3 failed checks under summary.failed == 2 (hence the warning).
CORPUS_EXPECTED: dict[str, tuple[int, int, bool]] = {
    "defectdojo-checkov-report-0-vuln.json": (0, 0, False),
    "defectdojo-checkov-report-1-vuln.json": (1, 1, False),
    "defectdojo-checkov-report-many-vuln.json": (3, 3, True),
    "defectdojo-checkov-report-multiple-check_type.json": (13, 13, False),
    "defectdojo-checkov-report-severity.json": (4, 0, False),
    "defectdojo-checkov2-report-0-vuln.json": (0, 0, False),
}


def _walk_count(doc: Any) -> int:
    """Independent count: failed + skipped checks over every framework object."""
    frames = doc if isinstance(doc, list) else [doc]
    return sum(len((f.get("results") or {}).get(k) or []) for f in frames
               for k in ("failed_checks", "skipped_checks"))


@pytest.mark.parametrize("path", corpus_params("checkov"))
def test_corpus(path: Path | None) -> None:
    if path is None:
        require_shared()
    assert path is not None
    assert path.name in CORPUS_EXPECTED, f"new corpus file {path.name}: add its expected counts"
    doc = json.loads(path.read_text())
    count, unknown, warns = CORPUS_EXPECTED[path.name]
    report = ADAPTER.parse(doc, str(path))
    assert len(report.findings) == count == _walk_count(doc)
    assert sum(f.severity is Severity.UNKNOWN for f in report.findings) == unknown
    assert bool(report.warnings) is warns
    assert CheckovAdapter.sniff(doc)
    assert detect(doc, str(path)) == "checkov"


def test_corpus_severity_file() -> None:
    # jq '.results.failed_checks | map(.severity)' -> MEDIUM, MEDIUM, LOW, HIGH
    require_shared()
    path = CORPUS / "checkov" / "defectdojo-checkov-report-severity.json"
    report = ADAPTER.parse(json.loads(path.read_text()), str(path))
    assert [f.severity.name for f in report.findings] == ["MEDIUM", "MEDIUM", "LOW", "HIGH"]
    assert report.findings[0].location.path == "gcs.tf"


# -- (d) our own real-scanner fixtures --------------------------------------------------------

# jq as above over fixtures/reports/checkov*.json: findings, skipped, CKV_SECRET_* checks.
FIXTURES_EXPECTED: dict[str, tuple[int, int, int]] = {
    "checkov-empty.json": (0, 0, 0),
    "checkov-terraform.json": (30, 2, 0),
    "checkov.json": (64, 2, 2),
}


@pytest.mark.parametrize("name", sorted(FIXTURES_EXPECTED))
def test_fixture_reports(name: str) -> None:
    path = REPORTS / name
    assert path.is_file(), f"{path} missing: scripts/make_fixtures.sh makes it"
    doc = json.loads(path.read_text())
    count, skipped, secrets = FIXTURES_EXPECTED[name]
    report = ADAPTER.parse(doc, str(path))
    assert len(report.findings) == count == _walk_count(doc)
    assert sum(f.suppression is not None for f in report.findings) == skipped
    assert sum(f.kind is Kind.SECRET for f in report.findings) == secrets
    assert report.warnings == ()
    assert detect(doc, str(path)) == "checkov"
    planted = REPORTS.parent / "planted_secrets.txt"
    if planted.is_file():
        text = repr(report.findings) + repr([f.raw for f in report.findings if f.kind is Kind.SECRET])
        for secret in planted.read_text().split():
            assert secret not in text
