"""The real VEX documents of the corpus: each is read, or refused naming the file and why;
and what their statements cover, on findings shaped as the scanners report them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from gatekeeper.model import Finding, Kind, Location, Package, Report, Severity, fingerprint
from gatekeeper.vex import VexError, VexStatus, load_vex, read_vex
from tests.conftest import CORPUS, corpus_files, require_shared

# Corpus files refused, and why; every other OpenVEX, CSAF and CycloneDX file must be read.
REFUSED = {
    "openvex/dd_openvex_NEGATIVE_json_array.json": r"not a VEX document gatekeeper reads \(a JSON list",
    "csaf/dd_csaf_NEGATIVE_version_1_2_FABRICATED.json": r"\$\.document\.csaf_version: CSAF '1\.2' is not a version",
}
# Statements read from some of them (every product_status entry of a CSAF file is one).
STATEMENTS = {
    "openvex/govex_testdata_v0_2_0.json": 5,
    "openvex/govex_testdata_v0_0_1.json": 1,
    "openvex/govex_testdata_v001_prerelease_format_key.json": 1,
    "openvex/rancher_vexhub_neuvector_controller.json": 10,
    "openvex/santander_asvs_vexctl_v67.json": 67,
    "openvex/dd_openvex_empty_statements.json": 0,
    "csaf/redhat_vex_cve-2023-0044.json": 12,
    "csaf/redhat_vex_rhsa-2020_1358_large.json": 1474,
    "csaf/oasis_example_2022-evd-uc-03-ms-001.json": 19,
    "cyclonedx/bom_examples_cisa_case3_vex.json": 19,
    "cyclonedx/dependencytrack_vex_issue2549.json": 3,
    "cyclonedx/depscan_sbom_universal_vex.json": 0,  # "analysis": {} is no statement
}


def vex_files() -> list[object]:
    files = [p for tool in ("openvex", "csaf", "cyclonedx") for p in corpus_files(tool, "*.json")]
    if not files:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(p, id=p.relative_to(CORPUS).as_posix()) for p in files]


@pytest.mark.parametrize("path", vex_files())
def test_every_corpus_vex_document_is_read_or_refused_clearly(path: Path | None) -> None:
    if path is None:
        require_shared()
        return
    key = path.relative_to(CORPUS).as_posix()
    if key in REFUSED:
        with pytest.raises(VexError, match=REFUSED[key]) as info:
            read_vex(str(path))
        assert str(info.value).startswith(f"{path}: ")
        return
    doc = read_vex(str(path))
    assert doc.source == str(path) and len(doc.sha256) == 64
    if key in STATEMENTS:
        assert len(doc.statements) == STATEMENTS[key]
    for s in doc.statements:
        assert s.products and s.vulnerability
        assert s.timestamp is None or s.timestamp.tzinfo is not None


def test_refusal_table_names_only_existing_files() -> None:
    require_shared()
    assert [k for k in [*REFUSED, *STATEMENTS] if not (CORPUS / k).is_file()] == []


def vuln(rule: str, purl: str, ids: tuple[str, ...] = ()) -> Finding:
    name, version = purl.split("/")[-1].split("?")[0].split("@")
    return Finding(
        tool="trivy", kind=Kind.VULNERABILITY, rule_id=rule, title=rule, severity=Severity.HIGH,
        location=Location(target="image"), package=Package(name, version, (), None, purl), identifiers=ids,
        fingerprint=fingerprint(rule, purl),
    )


def image_report(*refs: str) -> Report:
    return Report(source="trivy.json", tool="trivy", format="trivy", findings=(), images=refs)


def decided(paths: list[Path], f: Finding, report: Report | None) -> VexStatus | None:
    s = load_vex([str(p) for p in paths]).index.decide(f, report)
    return s.status if s is not None else None


def test_rancher_versionless_oci_purl_covers_every_digest_of_that_repository() -> None:
    require_shared()
    doc = [CORPUS / "openvex" / "rancher_vexhub_neuvector_controller.json"]
    tar = vuln("SUSE-SU-2026:2714-1", "pkg:rpm/suse/tar@1.34-150000.3.34.1?arch=x86_64&distro=sles-15.6")
    neuvector = image_report("neuvector/controller:5.4.6", "neuvector/controller@sha256:" + "ab" * 32)
    assert decided(doc, tar, neuvector) is VexStatus.NOT_AFFECTED
    assert decided(doc, tar, image_report("neuvector/enforcer:5.4.6")) is None  # another image
    assert decided(doc, tar, None) is None  # a subcomponent is covered in its product only
    other = vuln("SUSE-SU-2026:2714-1", "pkg:rpm/suse/gzip@1.12?arch=x86_64")
    assert decided(doc, other, neuvector) is None  # another package of the image


def test_govex_digest_pinned_image_with_subcomponents() -> None:
    require_shared()
    doc = [CORPUS / "openvex" / "govex_testdata_v0_2_0.json"]
    digest = "sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"
    libssl = vuln("CVE-2023-3446", "pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64&distro=3.18.2")
    assert decided(doc, libssl, image_report("alpine:3.18", f"alpine@{digest}")) is VexStatus.NOT_AFFECTED
    assert decided(doc, libssl, image_report("alpine:3.18", "alpine@sha256:" + "00" * 32)) is None  # another digest
    older = vuln("CVE-2023-3446", "pkg:apk/alpine/libssl3@3.0.8-r2?arch=x86_64")
    assert decided(doc, older, image_report(f"alpine@{digest}")) is None  # another version of the subcomponent


def test_trivy_openvex_latest_statement_wins_and_aliases_count() -> None:
    require_shared()
    doc = [CORPUS / "openvex" / "trivy_testdata_openvex_multiple.json"]
    # affected at 2023-01-15, then not_affected without a time: it has the document's, 2023-01-16.
    boot = vuln("GHSA-jfh8-c2jp-5v3q", "pkg:maven/org.springframework.boot/spring-boot@2.6.0", ("CVE-2021-44228",))
    assert decided(doc, boot, None) is VexStatus.NOT_AFFECTED
    # vexctl's history: a statement repeated, its alias found from the SNYK id.
    history = [CORPUS / "openvex" / "vexctl_example_sample_history.json"]
    nginx = vuln("SNYK-DEBIAN12-LIBDE265-3361563", "pkg:deb/debian/libde265@1.0.11-1")
    digest = "sha256:13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0"
    assert decided(history, nginx, image_report(f"nginx@{digest}")) is VexStatus.NOT_AFFECTED


def test_csaf_relationship_is_a_component_inside_its_product() -> None:
    require_shared()
    doc = [CORPUS / "csaf" / "trivy_testdata_bitnami_csaf_relationships.json"]
    transitive = vuln("CVE-2024-0001", "pkg:golang/github.com/aquasecurity/go-transitive@v4.0.0")
    direct = vuln("CVE-2024-0002", "pkg:golang/github.com/aquasecurity/go-direct1@v2.0.0")
    with_product = Report(source="r.json", tool="trivy", format="trivy", findings=(transitive, direct))
    assert decided(doc, transitive, with_product) is VexStatus.NOT_AFFECTED
    alone = Report(source="r.json", tool="trivy", format="trivy", findings=(transitive,))
    assert decided(doc, transitive, alone) is None  # the product it is a component of is not in the report


def test_cyclonedx_bom_link_versions_narrow_the_statement() -> None:
    require_shared()
    # CISA's case 8: product-ABC is exploitable in 2.4, 2.6, 2.9-4.1; not affected in 1.0-2.3 and
    # 2.5. Its BOM-Links name a BOM not given, so they resolve to nothing (and a notice says so).
    vex = load_vex([str(CORPUS / "cyclonedx" / "bom_examples_cisa_case8_vex_bomlink.json")])
    assert any("BOM-Links name a BOM not given with --vex" in n for n in vex.notices)
    statuses = {s.status for s in vex.documents[0].statements}
    assert VexStatus.AFFECTED in statuses and VexStatus.NOT_AFFECTED in statuses


def test_a_large_csaf_document_is_one_index_look_up_per_finding_id() -> None:
    require_shared()
    vex = load_vex([str(CORPUS / "csaf" / "redhat_vex_rhsa-2020_1358_large.json")])
    assert sum(len(v) for v in vex.index.by_id.values()) >= 1474
    start = datetime.datetime.now()
    f = vuln("CVE-0000-0000", "pkg:rpm/redhat/kernel@1.0")
    for _ in range(50_000):
        vex.index.decide(f, None)
    # NOTE: not a timing test: a scan of the statements would take minutes, a look-up is instant.
    assert (datetime.datetime.now() - start).total_seconds() < 30
