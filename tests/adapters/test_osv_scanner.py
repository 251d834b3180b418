"""OSV-Scanner adapter: groups of aliases, max_severity, fixed versions, licence violations, corpus.

``tests/adapters/data/osv-scanner-results-some.json`` is real OSV-Scanner output copied from
the corpus (``osv-scanner/google_ci_results_some.json``, google/osv-scanner's CI test data,
Apache-2.0): OSV-Scanner does not run here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect, sniff
from gatekeeper.adapters.osv_scanner import OsvScannerAdapter
from gatekeeper.model import Cvss, FixState, Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, corpus_params, require_shared

SRC = "osv-scanner.json"
SAMPLE = Path(__file__).parent / "data" / "osv-scanner-results-some.json"


def parse(doc: Any, source: str = SRC):
    return OsvScannerAdapter().parse(doc, source)


def record(vid: str, aliases: list[str], severity: str | None = None, fixed: str | None = "2.0.1") -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": vid,
        "aliases": aliases,
        "summary": f"summary of {vid}",
        "details": f"details of {vid}",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, *([{"fixed": fixed}] if fixed else [])]}]},
                     {"package": {"ecosystem": "PyPI", "name": "other"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}]}],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"}],
        "references": [{"type": "ADVISORY", "url": f"https://example.org/{vid}"}],
    }
    if severity:
        item["database_specific"] = {"severity": severity}
    return item


def package(vulns: list[dict[str, Any]], groups: list[dict[str, Any]] | None, **more: Any) -> dict[str, Any]:
    pkg: dict[str, Any] = {"package": {"name": "requests", "version": "2.19.1", "ecosystem": "PyPI"}, "vulnerabilities": vulns}
    if groups is not None:
        pkg["groups"] = groups
    pkg.update(more)
    return pkg


def report(*packages: dict[str, Any]) -> dict[str, Any]:
    return {"results": [{"source": {"path": "/src/requirements.txt", "type": "lockfile"}, "packages": list(packages)}],
            "experimental_config": {"licenses": {"summary": False, "allowlist": None}}}


GHSA = record("GHSA-j8r2-6x86-q33q", ["CVE-2023-32681"], "MODERATE")
PYSEC = record("PYSEC-2023-74", ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"], None, fixed="2.31.0")
GROUP = {"ids": ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"], "aliases": ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]}


def test_a_group_of_aliases_is_one_finding():
    r = parse(report(package([GHSA, PYSEC], [GROUP])))
    assert (r.tool, r.format, r.tool_version, r.categories) == ("osv-scanner", "osv-scanner", None, {"dependencies"})
    (f,) = r.findings
    assert f.kind is Kind.VULNERABILITY and f.rule_id == "GHSA-j8r2-6x86-q33q"
    assert f.identifiers == ("GHSA-j8r2-6x86-q33q", "PYSEC-2023-74", "CVE-2023-32681")
    assert (f.severity, f.tool_severity) == (Severity.MEDIUM, "MODERATE")
    assert f.package is not None
    assert (f.package.name, f.package.version, f.package.ecosystem) == ("requests", "2.19.1", "pypi")
    assert f.package.fixed_versions == ("2.0.1", "2.31.0")  # only this package's ranges
    assert f.fix is FixState.AVAILABLE
    assert f.location.path == "/src/requirements.txt"
    assert f.title == "summary of GHSA-j8r2-6x86-q33q" and f.message == "details of GHSA-j8r2-6x86-q33q"
    assert f.links[:2] == ("https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q", "https://example.org/GHSA-j8r2-6x86-q33q")
    assert f.cvss[0] == Cvss(None, "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", "3", "GHSA-j8r2-6x86-q33q")
    assert f.raw == {"package": {"name": "requests", "version": "2.19.1", "ecosystem": "PyPI"},
                     "group": GROUP, "vulnerabilities": [GHSA, PYSEC]}


@pytest.mark.parametrize(("score", "severity"), [("9.8", Severity.CRITICAL), ("7.5", Severity.HIGH),
                                                 ("5.3", Severity.MEDIUM), ("2.0", Severity.LOW), ("0", Severity.INFO)])
def test_max_severity_wins_over_the_database_word(score, severity):
    (f,) = parse(report(package([GHSA, PYSEC], [{**GROUP, "max_severity": score}]))).findings
    assert (f.severity, f.tool_severity) == (severity, score)
    assert f.cvss[0] == Cvss(float(score), None, None, "osv-scanner max_severity")
    assert f.cvss_score == float(score)


def test_empty_max_severity_falls_back_to_the_highest_word():
    high = record("PYSEC-2023-74", [], "HIGH")
    (f,) = parse(report(package([GHSA, high], [{**GROUP, "max_severity": ""}]))).findings
    assert (f.severity, f.tool_severity) == (Severity.HIGH, "HIGH")


@pytest.mark.parametrize(("word", "severity"), [("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH),
                                                ("MODERATE", Severity.MEDIUM), ("LOW", Severity.LOW)])
def test_database_words(word, severity):
    (f,) = parse(report(package([record("GHSA-x", [], word)], [{"ids": ["GHSA-x"]}]))).findings
    assert (f.severity, f.tool_severity) == (severity, word)


def test_no_severity_at_all_is_unknown():
    (f,) = parse(report(package([record("PYSEC-1", [])], [{"ids": ["PYSEC-1"], "aliases": None}]))).findings
    assert (f.severity, f.tool_severity) == (Severity.UNKNOWN, None)


def test_an_unknown_word_is_unknown_with_a_warning():
    r = parse(report(package([record("X-1", [], "SEVERE")], [{"ids": ["X-1"]}])))
    assert r.findings[0].severity is Severity.UNKNOWN and any("SEVERE" in w for w in r.warnings)


def test_records_without_groups_are_groups_of_their_own():
    r = parse(report(package([GHSA, PYSEC], None)))
    assert [f.rule_id for f in r.findings] == ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]


def test_no_fix_version():
    (f,) = parse(report(package([record("GHSA-x", [], "LOW", fixed=None)], [{"ids": ["GHSA-x"]}]))).findings
    assert f.fix is FixState.NONE and f.package is not None and f.package.fixed_versions == ()


def test_uncalled_group():
    group = {**GROUP, "experimentalAnalysis": {"GHSA-j8r2-6x86-q33q": {"called": False}, "PYSEC-2023-74": {"called": False}}}
    assert parse(report(package([GHSA, PYSEC], [group]))).findings[0].status == "uncalled"


def test_licence_violations_are_licence_findings():
    pkg = {"package": {"name": "human-signals", "version": "5.0.0", "ecosystem": "npm"},
           "licenses": ["Apache-2.0"], "license_violations": ["Apache-2.0"]}
    (f,) = parse(report(pkg)).findings
    assert (f.kind, f.rule_id, f.severity, f.fix) == (Kind.LICENSE, "Apache-2.0", Severity.HIGH, FixState.NOT_APPLICABLE)
    assert f.package is not None and (f.package.name, f.package.ecosystem) == ("human-signals", "npm")


def test_a_git_repository_found_by_commit():
    pkg = package([record("CVE-2023-50094", [])], [{"ids": ["CVE-2023-50094"]}])
    pkg["package"] = {"name": "", "version": "", "ecosystem": "", "commit": "f5f3c22f"}
    (f,) = parse(report(pkg)).findings
    assert f.package is not None and (f.package.name, f.package.version, f.package.ecosystem) == ("/src/requirements.txt", "f5f3c22f", None)


def test_detection():
    assert detect(report(package([GHSA], None)), SRC) == "osv-scanner"
    assert detect({"results": [], "experimental_config": {}}, SRC) == "osv-scanner"
    assert not sniff.osv_scanner({"results": [], "errors": []})  # semgrep's empty run


BAD = [
    pytest.param([], r"expected an OSV-Scanner JSON report", id="list"),
    pytest.param({"Results": 1}, r"results: missing", id="no-results"),
    pytest.param({"results": [{"packages": []}]}, r"results\[0\]\.source: expected an object, got null", id="no-source"),
    pytest.param(report(package([GHSA], [{"ids": ["GHSA-other"]}])), r"groups\[0\]\.ids: 'GHSA-other' is not among", id="stray-id"),
    pytest.param(report(package([GHSA], [{"ids": []}])), r"groups\[0\]\.ids: an empty vulnerability group", id="empty-group"),
    pytest.param(report(package([GHSA], [{"ids": ["GHSA-j8r2-6x86-q33q"], "max_severity": "high"}])),
                 r"max_severity: not a CVSS score: 'high'", id="word-score"),
    pytest.param(report(package([GHSA], [{"ids": ["GHSA-j8r2-6x86-q33q"], "max_severity": "11"}])),
                 r"max_severity: a score is a number from 0 to 10", id="big-score"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


def test_sample_report():
    r = parse(json.loads(SAMPLE.read_bytes()), SAMPLE.name)
    assert [f.rule_id for f in r.findings] == ["GO-2021-0053"]


# -- corpus conformance ----------------------------------------------------------------------

# Expected counts come from the files, not from the adapter. Findings per file: groups plus
# licence violations (every record of these files is in a group):
#   jq '[.results[].packages[] | ((.groups // []) | length) + ((.license_violations // []) | length)] | add // 0'
# Severity per group (no file has max_severity): the highest database_specific.severity of its records:
#   jq -c '[.results[].packages[] | ((.vulnerabilities // []) | map({(.id): (.database_specific.severity // "UNKNOWN")}) | add) as $s
#          | (.groups // [])[] | [.ids[] | $s[.]] | (if index("CRITICAL") then "CRITICAL" elif index("HIGH") then "HIGH"
#          elif index("MODERATE") then "MODERATE" elif index("LOW") then "LOW" else "UNKNOWN" end)] | group_by(.) | map({(.[0]): length}) | add'
EXPECTED: dict[str, dict[str, int]] = {
    "dd_many_findings.json": {"CRITICAL": 5, "HIGH": 16, "MODERATE": 14, "UNKNOWN": 2},
    "dd_some_findings.json": {"UNKNOWN": 1},
    "google_ci_results_empty.json": {},
    "google_ci_results_some.json": {"UNKNOWN": 1},
    "google_snapshot_license_violations.json": {"LICENSE": 1},
}
REJECTED = {
    "dd_no_findings_zero_bytes.json": r"the report is empty \(0 bytes of JSON\)",
    "qa_tools_osv_stderr_prefixed_empty.json": r"invalid JSON at line 1 column 1",
}


def test_corpus_tables_cover_the_folder():
    require_shared()
    names = {p.name for p in (CORPUS / "osv-scanner").iterdir() if p.is_file()}
    assert names == set(EXPECTED) | set(REJECTED)


@pytest.mark.parametrize("path", corpus_params("osv-scanner"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    if path.name in REJECTED:
        with pytest.raises(Exception, match=REJECTED[path.name]):
            load_report(str(path))
        return
    r = load_report(str(path))
    assert r.format == "osv-scanner"
    words = Counter("LICENSE" if f.kind is Kind.LICENSE else f.tool_severity or "UNKNOWN" for f in r.findings)
    assert dict(words) == EXPECTED[path.name]


def test_corpus_aliases_merged():
    require_shared()
    r = load_report(str(CORPUS / "osv-scanner" / "dd_many_findings.json"))
    # jq -c '.results[].packages[] | select(.package.name == "guzzlehttp/psr7") | .groups[0]'
    (f,) = [f for f in r.findings if f.package is not None and f.package.name == "guzzlehttp/psr7"]
    assert f.rule_id == "GHSA-q7rv-6hp3-vh96"
    assert set(f.identifiers) == {"BIT-drupal-2022-24775", "CVE-2022-24775", "CVE-2023-29197", "CVE-2023-29530",
                                  "GHSA-q7rv-6hp3-vh96", "GHSA-wxmh-65f7-jcvw", "GHSA-xv3h-4844-9h36"}
