"""grype adapter: matches, related vulnerabilities, fix states, old and new schemas, corpus.

``tests/adapters/data/grype-directory.json`` is a real grype 0.24 report (a directory scan)
copied from the corpus (``grype/dd_many_vulns4.json``, DefectDojo's unit tests, BSD-3-Clause):
grype does not run here.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.grype import GrypeAdapter
from gatekeeper.model import Cvss, FixState, Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, corpus_params, require_shared

SRC = "grype.json"
SAMPLE = Path(__file__).parent / "data" / "grype-directory.json"


def parse(doc: Any, source: str = SRC):
    return GrypeAdapter().parse(doc, source)


def match(**vuln_changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "vulnerability": {
            "id": "GHSA-36p3-wjmg-h94x",
            "dataSource": "https://github.com/advisories/GHSA-36p3-wjmg-h94x",
            "namespace": "github:language:java",
            "severity": "Critical",
            "urls": ["https://github.com/advisories/GHSA-36p3-wjmg-h94x"],
            "description": "Remote Code Execution in Spring Framework",
            "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                      "metrics": {"baseScore": 9.8}, "vendorMetadata": {}}],
            "fix": {"versions": ["5.3.18"], "state": "fixed"},
            "advisories": [],
            "epss": [{"cve": "CVE-2022-22965", "epss": 0.97, "percentile": 0.99, "date": "2025-06-18"}],
            "knownExploited": [{"cve": "CVE-2022-22965", "knownRansomwareCampaignUse": "Unknown"}],
            "risk": 93.5,
        },
        "relatedVulnerabilities": [{"id": "CVE-2022-22965", "dataSource": "https://nvd.nist.gov/vuln/detail/CVE-2022-22965",
                                    "namespace": "nvd:cpe", "severity": "Critical", "description": "NVD text"}],
        "matchDetails": [{"type": "exact-direct-match", "matcher": "java-matcher"}],
        "artifact": {
            "id": "4a3f",
            "name": "spring-beans",
            "version": "5.3.15",
            "type": "java-archive",
            "locations": [{"path": "/app/lib/spring-beans-5.3.15.jar", "layerID": "sha256:aa"},
                          {"path": "/app/other.jar"}],
            "purl": "pkg:maven/org.springframework/spring-beans@5.3.15",
        },
    }
    item["vulnerability"].update(vuln_changes)
    return item


def report(*matches: dict[str, Any], source: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "matches": list(matches),
        "source": source or {"type": "image", "target": {"userInput": "app:1.0", "imageID": "sha256:0a"}},
        "distro": {"name": "debian", "version": "12"},
        "descriptor": {"name": "grype", "version": "0.94.0", "timestamp": "2025-06-19T11:43:35.523947199+02:00"},
    }
    doc.update(top)
    return doc


def test_one_match_in_full():
    r = parse(report(match()))
    assert (r.tool, r.format, r.tool_version, r.target) == ("grype", "grype", "0.94.0", "app:1.0")
    assert r.generated_at == datetime(2025, 6, 19, 9, 43, 35, 523947, tzinfo=timezone.utc)
    assert r.categories == {"dependencies", "image"}
    (f,) = r.findings
    assert f.kind is Kind.VULNERABILITY and f.rule_id == "GHSA-36p3-wjmg-h94x"
    assert f.identifiers == ("GHSA-36p3-wjmg-h94x", "CVE-2022-22965")
    assert (f.severity, f.tool_severity, f.tool_version) == (Severity.CRITICAL, "Critical", "0.94.0")
    assert (f.fix, f.status) == (FixState.AVAILABLE, "fixed")
    assert f.package is not None
    assert (f.package.name, f.package.version, f.package.fixed_versions) == ("spring-beans", "5.3.15", ("5.3.18",))
    assert (f.package.ecosystem, f.package.purl) == ("maven", "pkg:maven/org.springframework/spring-beans@5.3.15")
    assert (f.location.path, f.location.target) == ("/app/lib/spring-beans-5.3.15.jar", "app:1.0")
    assert f.cvss == (Cvss(9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3", "github:language:java"),)
    assert f.links == ("https://github.com/advisories/GHSA-36p3-wjmg-h94x",)
    assert f.message == "Remote Code Execution in Spring Framework"
    assert f.title == "GHSA-36p3-wjmg-h94x in spring-beans 5.3.15"


def test_raw_is_the_whole_match_unredacted():
    item = match()
    (f,) = parse(report(item)).findings
    assert f.raw == item
    assert f.raw["vulnerability"]["risk"] == 93.5
    assert f.raw["vulnerability"]["knownExploited"][0]["cve"] == "CVE-2022-22965"
    assert f.raw["vulnerability"]["epss"][0]["epss"] == 0.97


@pytest.mark.parametrize(("word", "severity"), [
    ("Critical", Severity.CRITICAL), ("High", Severity.HIGH), ("Medium", Severity.MEDIUM),
    ("Low", Severity.LOW), ("Negligible", Severity.INFO), ("Unknown", Severity.UNKNOWN),
])
def test_severity_words(word, severity):
    (f,) = parse(report(match(severity=word))).findings
    assert (f.severity, f.tool_severity) == (severity, word)


def test_no_severity_is_unknown():
    item = match()
    del item["vulnerability"]["severity"]
    (f,) = parse(report(item)).findings
    assert (f.severity, f.tool_severity) == (Severity.UNKNOWN, None)


@pytest.mark.parametrize(("fix", "state", "status"), [
    ({"versions": ["1.2"], "state": "fixed"}, FixState.AVAILABLE, "fixed"),
    ({"versions": [], "state": "not-fixed"}, FixState.NONE, "not-fixed"),
    ({"versions": ["9.9"], "state": "wont-fix"}, FixState.NONE, "wont-fix"),
    ({"versions": [], "state": "unknown"}, FixState.NONE, "unknown"),
    ({"versions": [], "state": ""}, FixState.NONE, None),  # grype 0.94 prints an empty state
])
def test_fix_states(fix, state, status):
    (f,) = parse(report(match(fix=fix))).findings
    assert (f.fix, f.status) == (state, status)


def test_fixed_without_version_is_no_fix_with_a_warning():
    r = parse(report(match(fix={"versions": [], "state": "fixed"})))
    assert r.findings[0].fix is FixState.NONE
    assert any("no fix version" in w for w in r.warnings)


def test_old_schema_cvss_objects_links_and_fixed_in_version():
    item = match()
    vuln = {"id": "CVE-2021-24031", "severity": "Unknown", "links": ["https://security-tracker.debian.org/tracker/CVE-2021-24031"],
            "fixedInVersion": "1.3.8+dfsg-3+deb10u1", "cvssV2": {"baseScore": 4.3, "vector": "AV:N/AC:M/Au:N/C:P/I:N/A:N"},
            "cvssV3": {"baseScore": 5.5, "vector": "CVSS:3.1/AV:L"}}
    item["vulnerability"] = vuln
    del item["relatedVulnerabilities"]
    (f,) = parse(report(item)).findings
    assert f.package is not None and f.package.fixed_versions == ("1.3.8+dfsg-3+deb10u1",)
    assert (f.fix, f.status) == (FixState.AVAILABLE, None)
    assert f.cvss == (Cvss(5.5, "CVSS:3.1/AV:L", "3"), Cvss(4.3, "AV:N/AC:M/Au:N/C:P/I:N/A:N", "2"))
    assert f.links == ("https://security-tracker.debian.org/tracker/CVE-2021-24031",)


def test_same_cve_at_two_paths_is_two_findings():
    a, b = match(), match()
    b["artifact"] = {**b["artifact"], "locations": [{"path": "/lib/x.jar"}]}
    r = parse(report(a, b))
    assert len(r.findings) == 2
    assert r.findings[0].fingerprint != r.findings[1].fingerprint


def test_fingerprint_ignores_the_image_digest_and_a_directory_path():
    one = parse(report(match(), source={"type": "image", "target": {"userInput": "app@sha256:aa"}})).findings[0]
    two = parse(report(match(), source={"type": "image", "target": {"userInput": "app@sha256:bb"}})).findings[0]
    assert one.fingerprint == two.fingerprint
    here = parse(report(match(), source={"type": "directory", "target": "/tmp/checkout-1"})).findings[0]
    there = parse(report(match(), source={"type": "directory", "target": "/tmp/checkout-2"})).findings[0]
    assert here.fingerprint == there.fingerprint


def test_directory_source():
    r = parse(report(match(), source={"type": "directory", "target": "\".\""}))
    assert r.target == "." and r.categories == {"dependencies"}


def test_ecosystem_from_the_purl():
    def eco(purl, kind):
        item = match()
        item["artifact"] = {**item["artifact"], "purl": purl, "type": kind}
        return parse(report(item)).findings[0].package.ecosystem

    assert eco("pkg:deb/debian/bash@5.0-4?arch=amd64", "deb") == "debian"
    assert eco("pkg:apk/alpine/busybox@1.36", "apk") == "alpine"
    assert eco("pkg:pypi/django@2.2", "python") == "pypi"
    assert eco("pkg:generic/busybox@1.32.1", "binary") == "binary"
    assert eco("", "go-module") == "go-module"


def test_ignored_matches_are_kept_suppressed():
    ignored = {**match(), "appliedIgnoreRules": [{"vulnerability": "GHSA-36p3-wjmg-h94x", "reason": "not reachable"}]}
    r = parse(report(match(), ignoredMatches=[ignored]))
    assert [f.suppression is None for f in r.findings] == [True, False]
    s = r.findings[1].suppression
    assert s is not None and s.kind == "ignored" and "not reachable" in (s.justification or "")


def test_detection():
    assert detect(report(match()), SRC) == "grype"
    assert detect(report(), SRC) == "grype"  # no matches: the descriptor names the tool
    doc = report(match())
    del doc["descriptor"]
    assert detect(doc, SRC) == "grype"


BAD = [
    pytest.param([], r"expected a grype JSON report", id="list"),
    pytest.param({"source": {}}, r"matches: missing", id="no-matches"),
    pytest.param(report(match(severity="Severe")), r"matches\[0\]\.vulnerability\.severity: unknown grype severity 'Severe'", id="severity"),
    pytest.param(report({"artifact": match()["artifact"]}), r"matches\[0\]\.vulnerability: expected an object, got null", id="no-vuln"),
    pytest.param(report(match(id=None)), r"matches\[0\]\.vulnerability\.id: expected a string, got null", id="null-id"),
    pytest.param(report(match(cvss=[{"version": "3.1", "metrics": {"baseScore": 42}}])), r"a score is a number from 0 to 10", id="score"),
    pytest.param(report(match(), descriptor={"name": "grype", "timestamp": "yesterday"}), r"descriptor\.timestamp: not an RFC 3339 time", id="time"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


def test_sample_report():
    r = parse(json.loads(SAMPLE.read_bytes()), SAMPLE.name)
    assert (r.tool_version, r.target, len(r.findings)) == ("0.24.0", ".", 9)


# -- corpus conformance ----------------------------------------------------------------------

# Expected counts come from the files, not from the adapter: for each file
#   jq -c '.matches | map(.vulnerability.severity) | group_by(.) | map({(.[0]): length}) | add // {}'
# and the matches with a fix (fix.versions, or fixedInVersion before 0.20, and a state other
# than not-fixed / wont-fix):
#   jq '[.matches[] | select((.vulnerability.fix.versions // [.vulnerability.fixedInVersion // empty] | length) > 0
#        and (.vulnerability.fix.state // "") != "not-fixed" and (.vulnerability.fix.state // "") != "wont-fix")] | length'
EXPECTED: dict[str, tuple[dict[str, int], int]] = {
    "dd_fix_available.json": ({"High": 1}, 1),
    "dd_many_vulns3.json": ({"Critical": 5, "High": 24, "Low": 27, "Medium": 155, "Negligible": 106, "Unknown": 10}, 28),
    "dd_many_vulns4.json": ({"Critical": 2, "High": 2, "Medium": 5}, 0),
    "dd_many_vulns_with_epss_values.json": ({"Critical": 1, "High": 10, "Low": 2, "Medium": 2}, 1),
    "dd_no_vuln.json": ({}, 0),
    "dd_same_cve_different_paths.json": ({"Critical": 2}, 0),
    "klass_web_grype_empty_image.json": ({}, 0),
    "mojaloop_central_ledger_grype_empty_dir.json": ({}, 0),
}
# jq -r '.descriptor.version, (.source.target | if type == "object" then .userInput else . end)'
VERSIONS = {
    "dd_fix_available.json": ("0.75.0", "REDACTED"),
    "dd_many_vulns3.json": ("0.7.0", "defectdojo/defectdojo-django:1.13.1"),
    "dd_many_vulns4.json": ("0.24.0", "."),
    "dd_many_vulns_with_epss_values.json": ("0.94.0", "busybox:1.32.1"),
    "dd_no_vuln.json": ("0.7.0", "busybox:latest"),
    "dd_same_cve_different_paths.json": ("0.36.0", "test-image:latest"),
    "klass_web_grype_empty_image.json": ("0.114.0", "klass-web:latest"),
    "mojaloop_central_ledger_grype_empty_dir.json": ("0.107.1", "."),
}
REJECTED = {
    # 4 stderr lines before the JSON object and an ANSI-coloured ERROR line after it.
    "msn_weather_grype_stderr_mixed.json": r"invalid JSON at line 1 column 3",
}


def test_corpus_tables_cover_the_folder():
    require_shared()
    names = {p.name for p in (CORPUS / "grype").iterdir() if p.is_file()}
    assert names == set(EXPECTED) | set(REJECTED)


@pytest.mark.parametrize("path", corpus_params("grype"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    if path.name in REJECTED:
        with pytest.raises(Exception, match=REJECTED[path.name]):
            load_report(str(path))
        return
    r = load_report(str(path), keep_raw=True)
    severities, fixed = EXPECTED[path.name]
    assert r.format == "grype"
    assert dict(Counter(f.tool_severity for f in r.findings)) == severities
    assert sum(f.fix is FixState.AVAILABLE for f in r.findings) == fixed
    assert (r.tool_version, r.target) == VERSIONS[path.name]
    doc = json.loads(path.read_bytes())
    assert [f.raw for f in r.findings] == doc["matches"]


def test_corpus_epss_and_risk_stay_in_the_raw_item():
    require_shared()
    r = load_report(str(CORPUS / "grype" / "dd_many_vulns_with_epss_values.json"), keep_raw=True)
    assert all("risk" in f.raw["vulnerability"] and f.raw["vulnerability"]["epss"] for f in r.findings)


def test_corpus_related_vulnerabilities_are_identifiers():
    require_shared()
    r = load_report(str(CORPUS / "grype" / "dd_many_vulns4.json"))
    # jq -c '.matches[] | select(.relatedVulnerabilities | length > 0) | [.vulnerability.id, .relatedVulnerabilities[].id]'
    assert [f.identifiers for f in r.findings if len(f.identifiers) > 1] == [("GHSA-8v27-2fg9-7h62", "CVE-2021-23334")]
