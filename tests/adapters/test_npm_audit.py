"""npm audit adapter: npm 7+ via chains, npm 6 advisories, fix state, error objects refused, corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, UnrecognisedReportError, detect
from gatekeeper.adapters.npm_audit import NpmAuditAdapter
from gatekeeper.model import FixState, Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, FIXTURES, REPORTS, corpus_params, require_shared

SRC = "npm-audit.json"


def parse(doc: Any, source: str = SRC):
    return NpmAuditAdapter().parse(doc, source)


def advisory(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": 1094219,
        "name": "debug",
        "dependency": "debug",
        "title": "Regular Expression Denial of Service in debug",
        "url": "https://github.com/advisories/GHSA-gxpj-cx7g-858c",
        "severity": "moderate",
        "cwe": ["CWE-400"],
        "cvss": {"score": 5.3, "vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"},
        "range": ">=4.0.0 <4.3.1",
    }
    item.update(changes)
    return item


def package(name: str, via: list[Any], fix: Any = True, **changes: Any) -> dict[str, Any]:
    entry = {"name": name, "severity": "moderate", "isDirect": False, "via": via, "effects": [],
             "range": "4.0.0 - 4.3.0", "nodes": [f"node_modules/{name}"], "fixAvailable": fix}  # fmt: skip
    entry.update(changes)
    return entry


def v2(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"auditReportVersion": 2, "vulnerabilities": {e["name"]: e for e in entries}, "metadata": {}}


def test_an_advisory_is_a_vulnerability_of_its_package():
    (f,) = parse(v2(package("debug", [advisory()]))).findings
    assert (f.tool, f.kind, f.rule_id) == ("npm-audit", Kind.VULNERABILITY, "GHSA-gxpj-cx7g-858c")
    assert (f.severity, f.tool_severity) == (Severity.MEDIUM, "moderate")
    assert (f.package.name, f.package.version, f.package.ecosystem, f.package.purl) == ("debug", None, "npm", "pkg:npm/debug")
    assert f.identifiers == ("GHSA-gxpj-cx7g-858c", "CWE-400")
    assert (f.cvss[0].score, f.cvss[0].version) == (5.3, "3")
    assert f.links == ("https://github.com/advisories/GHSA-gxpj-cx7g-858c",)
    assert f.title == "GHSA-gxpj-cx7g-858c in debug"
    assert ">=4.0.0 <4.3.1" in f.message and "node_modules/debug" in f.message


def test_names_in_via_are_followed_to_their_advisories():
    doc = v2(
        package("app", ["middle"], isDirect=True),
        package("middle", ["debug", "semver"]),
        package("debug", [advisory()]),
        package("semver", [advisory(source=2, name="semver", url="https://github.com/advisories/GHSA-c2qf-rxjj-qqgw")]),
    )
    found = Counter((f.package.name, f.rule_id) for f in parse(doc).findings)
    assert found == {
        ("app", "GHSA-gxpj-cx7g-858c"): 1, ("app", "GHSA-c2qf-rxjj-qqgw"): 1,
        ("middle", "GHSA-gxpj-cx7g-858c"): 1, ("middle", "GHSA-c2qf-rxjj-qqgw"): 1,
        ("debug", "GHSA-gxpj-cx7g-858c"): 1, ("semver", "GHSA-c2qf-rxjj-qqgw"): 1,
    }  # fmt: skip
    titles = {f.title for f in parse(doc).findings}
    assert "GHSA-gxpj-cx7g-858c in app (through middle > debug)" in titles


def test_an_advisory_reached_twice_is_one_finding_and_cycles_end():
    doc = v2(package("a", ["b", "c", advisory()]), package("b", ["a", "c"]), package("c", [advisory()]))
    assert Counter(f.package.name for f in parse(doc).findings) == {"a": 1, "b": 1, "c": 1}


def test_a_name_that_leads_nowhere_is_refused():
    with pytest.raises(ReportFormatError, match=r"vulnerabilities\.a\.via\[0\]: names 'ghost'"):
        parse(v2(package("a", ["ghost"])))
    with pytest.raises(ReportFormatError, match=r"vulnerabilities\.a\.via: leads to no advisory"):
        parse(v2(package("a", ["b"]), package("b", ["a"])))


@pytest.mark.parametrize(
    ("fix", "state", "fixed", "said"),
    [
        (True, FixState.AVAILABLE, (), "npm audit fix"),
        ({"name": "app", "version": "32.3.0", "isSemVerMajor": True}, FixState.AVAILABLE, (), "update app to 32.3.0 (a SemVer-major"),
        ({"name": "debug", "version": "4.3.1", "isSemVerMajor": False}, FixState.AVAILABLE, ("4.3.1",), "update debug to 4.3.1."),
        (False, FixState.NONE, (), "No fix available"),
    ],
)
def test_fix_available(fix: Any, state: FixState, fixed: tuple[str, ...], said: str):
    (f,) = parse(v2(package("debug", [advisory()], fix=fix))).findings
    assert (f.fix, f.package.fixed_versions) == (state, fixed)
    assert said in f.message


@pytest.mark.parametrize(
    ("word", "severity"),
    [("critical", Severity.CRITICAL), ("high", Severity.HIGH), ("moderate", Severity.MEDIUM),
     ("low", Severity.LOW), ("info", Severity.INFO)],
)  # fmt: skip
def test_severities(word: str, severity: Severity):
    (f,) = parse(v2(package("debug", [advisory(severity=word)]))).findings
    assert (f.severity, f.tool_severity) == (severity, word)


def test_an_unrated_advisory_has_no_cvss_and_a_bad_score_is_refused():
    (f,) = parse(v2(package("debug", [advisory(cvss={"score": 0, "vectorString": None})]))).findings
    assert f.cvss == ()
    with pytest.raises(ReportFormatError, match=r"cvss\.score: a score is a number from 0 to 10"):
        parse(v2(package("debug", [advisory(cvss={"score": 42, "vectorString": "CVSS:3.1/AV:N"})])))


def test_npm6_one_finding_per_advisory_and_installed_version():
    doc = {
        "actions": [], "muted": [], "metadata": {},
        "advisories": {"146": {
            "id": 146, "module_name": "growl", "title": "Command Injection", "severity": "critical",
            "cves": ["CVE-2017-16042"], "cwe": "CWE-78", "patched_versions": ">=1.10.2",
            "url": "https://www.npmjs.com/advisories/146", "overview": "Growl runs a shell.",
            "recommendation": "Update to version 1.10.2 or later.",
            "findings": [{"version": "1.9.2", "paths": ["mocha>growl"]}, {"version": "1.8.0", "paths": ["a>growl", "b>growl"]}],
        }},
    }  # fmt: skip
    a, b = parse(doc).findings
    assert (a.rule_id, a.title, a.package.version, a.package.purl) == ("CVE-2017-16042", "CVE-2017-16042 in growl 1.9.2", "1.9.2", "pkg:npm/growl@1.9.2")
    assert a.identifiers == ("CVE-2017-16042", "CWE-78")
    assert (a.fix, a.package.fixed_versions) == (FixState.AVAILABLE, (">=1.10.2",))
    assert "a>growl, b>growl" in b.message and a.fingerprint != b.fingerprint
    doc["advisories"]["146"]["patched_versions"] = "<0.0.0"
    assert parse(doc).findings[0].fix is FixState.NONE


def test_scoped_names_in_purls():
    (f,) = parse(v2(package("@vercel/fun", [advisory(name="@vercel/fun")]))).findings
    assert f.package.purl == "pkg:npm/%40vercel/fun"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"error": {"code": "ENOAUDIT", "summary": "Your configured registry may not support audit requests", "detail": ""}},
         r"^npm-audit\.json: error: npm audit failed \(ENOAUDIT\): Your configured registry may not support audit requests; the audit did not run"),
        ({"error": {"code": "ENOLOCK", "summary": "x" * 5000, "detail": "y"}}, r"\(ENOLOCK\): x{100,197}\.\.\.;"),
        ({"message": "405 Method Not Allowed - POST https://registry.example.invalid/-/npm/v1/security/advisories/bulk",
          "statusCode": 405, "error": {"summary": "", "detail": ""}}, r"\(HTTP 405\): 405 Method Not Allowed"),
        ({"auditReportVersion": 2, "vulnerabilities": {}, "error": "registry unreachable"}, r"npm audit failed: registry unreachable"),
        ({"auditReportVersion": 3, "vulnerabilities": {}}, r"auditReportVersion: 3 is not a version"),
        ({"metadata": {}}, r"not an npm audit report"),
        (v2(package("debug", [advisory(severity="severe")])), r"via\[0\]\.severity: unknown severity 'severe'"),
        (v2(package("debug", [advisory()], fix="yes")), r"fixAvailable: expected a boolean or an object"),
    ],
)  # fmt: skip
def test_errors_and_malformed_reports_are_refused(doc: Any, message: str):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


def test_npm_error_objects_are_detected_as_npm_audit_then_refused():
    for name in ("npm-audit-enolock.json", "npm-audit-http-405.json"):
        path = FIXTURES / "refused" / name
        assert detect(json.loads(path.read_bytes()), "report.json") == "npm-audit"
        with pytest.raises(ReportFormatError, match=r"npm audit failed \((ENOLOCK|HTTP 405)\)"):
            load_report(str(path))


def test_an_unrelated_error_object_is_not_claimed():
    with pytest.raises(UnrecognisedReportError):
        detect({"error": "not found"}, "report.json")


def test_the_fixture_made_by_npm():
    r = load_report(str(REPORTS / "npm-audit-empty.json"))
    assert (r.format, r.findings, r.gaps) == ("npm-audit", (), ())


# -- corpus conformance ----------------------------------------------------------------------

# Expected counts come from the files, not from the adapter. npm 6: one per advisory and
# installed version:
#   jq '[.advisories // {} | .[] | .findings[]] | length'
# npm 7+: one per package and advisory its via chain reaches:
#   python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["vulnerabilities"]
#   def advs(n, seen):
#       out = set()
#       for x in v[n]["via"]:
#           if isinstance(x, dict): out.add(x["source"])
#           elif x not in seen: seen.add(x); out |= advs(x, seen)
#       return out
#   print(sum(len(advs(n, {n})) for n in v))' FILE
EXPECTED: dict[str, dict[str, int]] = {
    "npm6_dd_cwe_null.json": {"critical": 1},
    "npm6_dd_many_vuln.json": {"high": 3, "moderate": 1, "low": 1},
    "npm6_dd_no_vuln.json": {},
    "npm7_aws_cdk_sample_empty.json": {},
    "npm7_dd_many_vulns.json": {"moderate": 6, "low": 3},
}
REJECTED = {"npm6_dd_error_ENOAUDIT.json": r"npm audit failed \(ENOAUDIT\)"}


def test_corpus_table_covers_the_folder():
    require_shared()
    assert {p.name for p in (CORPUS / "npm-audit").iterdir() if p.is_file()} == set(EXPECTED) | set(REJECTED)


@pytest.mark.parametrize("path", corpus_params("npm-audit"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    doc = json.loads(path.read_bytes())
    assert detect(doc, str(path)) == "npm-audit"
    if path.name in REJECTED:
        with pytest.raises(ReportFormatError, match=REJECTED[path.name]):
            parse(doc, str(path))
        return
    r = parse(doc, str(path))
    assert Counter(f.tool_severity for f in r.findings) == Counter(EXPECTED[path.name])
    assert len({f.fingerprint for f in r.findings}) == len(r.findings)
