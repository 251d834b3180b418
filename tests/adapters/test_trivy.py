"""Trivy adapter: schema 2, legacy list/null, k8s shapes, statuses, CVSS, secrets, corpus."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, UnrecognisedReportError, detect
from gatekeeper.adapters.trivy import TrivyAdapter
from gatekeeper.model import Cvss, FixState, Kind, Severity, Suppression
from tests.conftest import CORPUS, REPORTS, corpus_params, require_shared

SRC = "trivy.json"
SECRET = "ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse(doc: Any, source: str = SRC):
    return TrivyAdapter().parse(doc, source)


def vuln(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "VulnerabilityID": "CVE-2022-22965",
        "VendorIDs": ["GHSA-36p3-wjmg-h94x"],
        "PkgName": "org.springframework:spring-beans",
        "PkgIdentifier": {"PURL": "pkg:maven/org.springframework/spring-beans@5.3.15", "UID": "5939"},
        "InstalledVersion": "5.3.15",
        "FixedVersion": "5.3.18, 5.2.20",
        "Status": "fixed",
        "SeveritySource": "ghsa",
        "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2022-22965",
        "Title": "spring-framework: RCE via Data Binding on JDK 9+",
        "Description": "A Spring MVC application may be vulnerable to RCE.",
        "Severity": "CRITICAL",
        "CweIDs": ["CWE-94"],
        "CVSS": {
            "nvd": {"V2Vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "V3Vector": "CVSS:3.1/AV:N/AC:L", "V2Score": 7.5, "V3Score": 9.8},
            "ghsa": {"V3Vector": "CVSS:3.1/AV:N/AC:L", "V3Score": 9.8, "V40Vector": "CVSS:4.0/AV:N", "V40Score": 9.3},
        },
        "References": ["https://github.com/advisories/GHSA-36p3-wjmg-h94x", "https://avd.aquasec.com/nvd/cve-2022-22965"],
    }
    item.update(changes)
    return item


def misconf(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "Type": "Terraform Security Check",
        "ID": "AWS-0089",
        "AVDID": "AVD-AWS-0089",
        "Title": "S3 Bucket Logging",
        "Description": "Ensures S3 bucket logging is enabled",
        "Message": "Bucket has logging disabled",
        "Resolution": "Add a logging block",
        "Severity": "LOW",
        "PrimaryURL": "https://avd.aquasec.com/misconfig/aws-0089",
        "References": ["https://avd.aquasec.com/misconfig/aws-0089"],
        "Status": "FAIL",
        "CauseMetadata": {"Resource": "aws_s3_bucket.this", "Provider": "AWS", "Service": "s3",
                          "StartLine": 25, "EndLine": 36, "Code": {"Lines": None}},
    }
    item.update(changes)
    return item


def secret(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "RuleID": "github-pat",
        "Category": "GitHub",
        "Severity": "CRITICAL",
        "Title": "GitHub Personal Access Token",
        "StartLine": 7,
        "EndLine": 7,
        # NOTE: Trivy masks the cause line but not the context lines around it.
        "Code": {"Lines": [{"Number": 6, "Content": f"export OTHER={SECRET}", "IsCause": False},
                           {"Number": 7, "Content": "export GITHUB_PAT=****", "IsCause": True}]},
        "Match": f"export GITHUB_PAT={SECRET}",
        "Offset": 123,
    }
    item.update(changes)
    return item


def lic(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"Severity": "HIGH", "Category": "restricted", "PkgName": "alpine-baselayout",
                            "FilePath": "", "Name": "GPL-2.0", "Confidence": 1, "Link": ""}
    item.update(changes)
    return item


def v2(*results: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"SchemaVersion": 2, "Trivy": {"Version": "0.58.1"},
                           "ArtifactName": "registry.example/app:1.0", "ArtifactType": "container_image",
                           "Results": list(results)}
    doc.update(top)
    return doc


def result(target: str = "requirements.txt", klass: str = "lang-pkgs", rtype: str | None = "pip", **lists: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Target": target, "Class": klass}
    if rtype is not None:
        out["Type"] = rtype
    out.update(lists)
    return out


# -- vulnerabilities -------------------------------------------------------------------------


def test_vulnerability_fields():
    report = parse(v2(result("Java", "lang-pkgs", "jar", Vulnerabilities=[vuln(PkgPath="app/lib/spring-beans.jar")])))
    (f,) = report.findings
    assert (f.tool, f.kind, f.rule_id, f.tool_version) == ("trivy", Kind.VULNERABILITY, "CVE-2022-22965", "0.58.1")
    assert f.title == "spring-framework: RCE via Data Binding on JDK 9+"
    assert f.message.startswith("A Spring MVC")
    assert (f.severity, f.tool_severity) == (Severity.CRITICAL, "CRITICAL")
    assert f.package.name == "org.springframework:spring-beans"
    assert f.package.version == "5.3.15"
    assert f.package.fixed_versions == ("5.3.18", "5.2.20")
    assert f.package.ecosystem == "maven"
    assert f.package.purl == "pkg:maven/org.springframework/spring-beans@5.3.15"
    assert (f.fix, f.status) == (FixState.AVAILABLE, "fixed")
    assert f.identifiers == ("CVE-2022-22965", "GHSA-36p3-wjmg-h94x", "CWE-94")
    assert f.links == ("https://avd.aquasec.com/nvd/cve-2022-22965", "https://github.com/advisories/GHSA-36p3-wjmg-h94x")
    assert f.location.path == "app/lib/spring-beans.jar"
    assert f.location.target == "registry.example/app:1.0"
    assert f.suppression is None
    assert f.raw["VulnerabilityID"] == "CVE-2022-22965"
    assert report.tool_version == "0.58.1"
    assert report.target == "registry.example/app:1.0"
    assert report.categories == {"image", "dependencies"}
    assert report.warnings == ()


def test_cvss_v2_v3_v4_with_severity_source_first():
    (f,) = parse(v2(result(Vulnerabilities=[vuln()]))).findings
    # SeveritySource "ghsa" comes first although "nvd" is listed first; newest version first per source.
    assert f.cvss == (
        Cvss(9.3, "CVSS:4.0/AV:N", "4", "ghsa"),
        Cvss(9.8, "CVSS:3.1/AV:N/AC:L", "3", "ghsa"),
        Cvss(9.8, "CVSS:3.1/AV:N/AC:L", "3", "nvd"),
        Cvss(7.5, "AV:N/AC:L/Au:N/C:P/I:P/A:P", "2", "nvd"),
    )
    assert f.cvss_score == 9.8


def test_cvss_vector_without_score_and_no_cvss():
    item = vuln(CVSS={"redhat": {"V3Vector": "CVSS:3.1/AV:L"}}, SeveritySource=None)
    (f,) = parse(v2(result(Vulnerabilities=[item]))).findings
    assert f.cvss == (Cvss(None, "CVSS:3.1/AV:L", "3", "redhat"),)
    (g,) = parse(v2(result(Vulnerabilities=[vuln(CVSS=None)]))).findings
    assert g.cvss == ()


def test_the_layer_instruction_is_kept_in_the_location():
    # Judging a change places an image's finding by the instruction that built its layer
    # (change/place.py); it is read into the finding, for reports that keep no raw item.
    items = [
        vuln(Layer={"Digest": "sha256:ab", "CreatedBy": "/bin/sh -c apk add curl"}),
        vuln(VulnerabilityID="CVE-2", Layer={"Digest": "sha256:ab"}),
        vuln(VulnerabilityID="CVE-3", Layer={"CreatedBy": 7}),
        vuln(VulnerabilityID="CVE-4", Layer=None),
    ]
    f, g, h, i = parse(v2(result(Vulnerabilities=items))).findings
    assert f.location.layer == "/bin/sh -c apk add curl"
    assert g.location.layer is h.location.layer is i.location.layer is None
    assert f.location.display() == g.location.display()


def test_equal_cvss_objects_share_ratings_but_only_when_truly_equal():
    # Ratings are remembered per source entry (50k findings share a few): the same object
    # under another SeveritySource is ordered anew, and an entry equal in Python but not in
    # JSON (true == 1.0) is read, and refused, not served from memory.
    cvss = {"nvd": {"V3Score": 1.0, "V3Vector": "CVSS:3.1/AV:N"}, "ghsa": {"V3Score": 5.0}}
    items = [
        vuln(CVSS=cvss, SeveritySource="nvd"),
        vuln(VulnerabilityID="CVE-2", CVSS=copy.deepcopy(cvss), SeveritySource="ghsa"),
        vuln(VulnerabilityID="CVE-3", CVSS=copy.deepcopy(cvss), SeveritySource="nvd"),
    ]
    f, g, h = parse(v2(result(Vulnerabilities=items))).findings
    assert [c.source for c in f.cvss] == ["nvd", "ghsa"] == [c.source for c in h.cvss]
    assert [c.source for c in g.cvss] == ["ghsa", "nvd"]
    bad = vuln(VulnerabilityID="CVE-4", CVSS={"nvd": {"V3Score": True, "V3Vector": "CVSS:3.1/AV:N"}, "ghsa": {"V3Score": 5.0}})
    with pytest.raises(ReportFormatError, match=r"CVSS\.nvd.*V3Score"):
        parse(v2(result(Vulnerabilities=[*items, dict(bad, SeveritySource="nvd")])))
    # A value orjson will not write (a lone surrogate, read from an escape) is read the long way.
    (s,) = parse(v2(result(Vulnerabilities=[vuln(CVSS={"nvd": {"V3Vector": "CVSS:3.1/\ud800"}})]))).findings
    assert s.cvss == (Cvss(None, "CVSS:3.1/\ud800", "3", "nvd"),)


@pytest.mark.parametrize(
    ("status", "fixed_version", "fix"),
    [
        ("fixed", "1.26.5", FixState.AVAILABLE),
        ("affected", "", FixState.NONE),
        ("will_not_fix", None, FixState.NONE),
        ("fix_deferred", "", FixState.NONE),
        ("end_of_life", "", FixState.NONE),
        ("under_investigation", "", FixState.NONE),
        ("unknown", "", FixState.NONE),
        ("not_affected", "", FixState.NONE),
        (None, "2.0", FixState.AVAILABLE),  # reports before Trivy 0.38 have no Status
    ],
)
def test_status_and_fix_state(status, fixed_version, fix):
    item = vuln(Status=status, FixedVersion=fixed_version)
    if status is None:
        del item["Status"]
    report = parse(v2(result(Vulnerabilities=[item])))
    (f,) = report.findings
    assert (f.status, f.fix) == (status, fix)
    assert (f.suppression is not None) == (status == "not_affected")
    assert report.warnings == ()


def test_not_affected_is_kept_but_suppressed():
    (f,) = parse(v2(result(Vulnerabilities=[vuln(Status="not_affected", FixedVersion="")]))).findings
    assert f.suppression.kind == "not-affected"
    assert "not_affected" in f.suppression.justification


def test_fixed_status_without_fixed_version_is_named():
    report = parse(v2(result(Vulnerabilities=[vuln(Status="fixed", FixedVersion=None)])))
    assert report.findings[0].fix is FixState.NONE
    assert any("no FixedVersion" in w for w in report.warnings)


def test_unknown_vulnerability_status_is_kept_with_warning():
    report = parse(v2(result(Vulnerabilities=[vuln(Status="disputed")])))
    assert report.findings[0].status == "disputed"
    assert any("'disputed'" in w for w in report.warnings)


@pytest.mark.parametrize(("word", "severity"), [("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH),
                                                ("MEDIUM", Severity.MEDIUM), ("LOW", Severity.LOW),
                                                ("UNKNOWN", Severity.UNKNOWN)])
def test_severity_table(word, severity):
    (f,) = parse(v2(result(Vulnerabilities=[vuln(Severity=word)]))).findings
    assert (f.severity, f.tool_severity) == (severity, word)


def test_optional_fields_may_be_null_or_absent():
    item = {"VulnerabilityID": "TEMP-0841856-B18BAF", "PkgName": "bash", "Severity": "LOW",
            "InstalledVersion": None, "FixedVersion": None, "Title": None, "References": None,
            "CweIDs": None, "VendorIDs": None, "CVSS": None, "PkgIdentifier": None, "PrimaryURL": None}
    (f,) = parse(v2(result("img (debian 10)", "os-pkgs", "debian", Vulnerabilities=[item]))).findings
    assert f.title == "TEMP-0841856-B18BAF in bash"
    assert (f.package.version, f.package.fixed_versions, f.package.ecosystem) == (None, (), "debian")
    assert (f.identifiers, f.links, f.cvss, f.message) == (("TEMP-0841856-B18BAF",), (), (), "")
    assert f.location.path is None  # OS packages have no file path


def test_lang_result_target_is_the_path_when_no_pkgpath():
    (f,) = parse(v2(result("app/requirements.txt", Vulnerabilities=[vuln()]))).findings
    assert f.location.path == "app/requirements.txt"
    assert f.package.ecosystem == "pypi"


def test_fingerprint_ignores_digests_and_report_metadata():
    a = v2(result("registry.example/app@sha256:" + "a" * 64 + " (alpine 3.18)", "os-pkgs", "alpine",
                  Vulnerabilities=[vuln()]), ArtifactName="registry.example/app@sha256:" + "a" * 64)
    b = v2(result("registry.example/app@sha256:" + "b" * 64 + " (alpine 3.18)", "os-pkgs", "alpine",
                  Vulnerabilities=[vuln(Description="changed", CVSS=None, References=[])]),
           ArtifactName="registry.example/app@sha256:" + "b" * 64, CreatedAt="2025-01-01", Trivy={"Version": "0.60.0"})
    fa, fb = parse(a, "one.json").findings[0], parse(b, "two.json").findings[0]
    assert fa.fingerprint == fb.fingerprint
    assert "sha256" not in (fa.location.target or "")
    # ... but another package version or another CVE is another problem.
    c = copy.deepcopy(a)
    c["Results"][0]["Vulnerabilities"][0]["InstalledVersion"] = "5.3.16"
    assert parse(c).findings[0].fingerprint != fa.fingerprint


def test_filesystem_artifact_path_is_not_in_fingerprint():
    one = v2(result(Vulnerabilities=[vuln()]), ArtifactName="/tmp/tmp.x1/repo", ArtifactType="filesystem")
    two = v2(result(Vulnerabilities=[vuln()]), ArtifactName="/tmp/tmp.y2/repo", ArtifactType="filesystem")
    assert parse(one).findings[0].fingerprint == parse(two).findings[0].fingerprint


@pytest.mark.parametrize(
    ("name", "kind", "path"),
    [
        ("fixtures/targets", "filesystem", "fixtures/targets/infra/main.tf"),
        ("./app/", "repository", "app/infra/main.tf"),
        (".", "filesystem", "infra/main.tf"),
        ("/tmp/tmp.x1/repo", "filesystem", "infra/main.tf"),
        ("../elsewhere", "filesystem", "infra/main.tf"),
        ("app", "container_image", "infra/main.tf"),
    ],
)
def test_paths_of_a_relative_folder_scan_are_joined_to_it(name: str, kind: str, path: str) -> None:
    doc = v2(result("infra/main.tf", "config", "terraform", Misconfigurations=[misconf()]), ArtifactName=name, ArtifactType=kind)
    finding = parse(doc).findings[0]
    assert finding.location.path == path
    # The fingerprint stays tied to the path inside the scanned folder.
    same = v2(result("infra/main.tf", "config", "terraform", Misconfigurations=[misconf()]), ArtifactName=".", ArtifactType="filesystem")
    assert finding.fingerprint == parse(same).findings[0].fingerprint


# -- misconfigurations, secrets, licenses ----------------------------------------------------


def test_misconfiguration_fields_and_statuses():
    items = [misconf(), misconf(ID="AWS-0090", Status="PASS"), misconf(ID="AWS-0091", Status="EXCEPTION")]
    report = parse(v2(result("main.tf", "config", "terraform", Misconfigurations=items), ArtifactName=".", ArtifactType="filesystem"))
    assert [f.rule_id for f in report.findings] == ["AWS-0089", "AWS-0091"]  # PASS is no finding
    f, exc = report.findings
    assert (f.kind, f.title, f.message, f.status) == (Kind.MISCONFIGURATION, "S3 Bucket Logging", "Bucket has logging disabled", "FAIL")
    assert (f.severity, f.tool_severity, f.fix) == (Severity.LOW, "LOW", FixState.NOT_APPLICABLE)
    assert (f.location.path, f.location.start_line, f.location.end_line, f.location.resource) == ("main.tf", 25, 36, "aws_s3_bucket.this")
    assert f.identifiers == ("AWS-0089", "AVD-AWS-0089")
    assert f.suppression is None
    assert exc.suppression.kind == "exception"
    assert report.categories == {"iac"}


def test_misconfiguration_line_is_part_of_fingerprint():
    a = parse(v2(result("main.tf", "config", "terraform", Misconfigurations=[misconf()]))).findings[0]
    moved = misconf(CauseMetadata={"Resource": "aws_s3_bucket.this", "StartLine": 40, "EndLine": 51})
    b = parse(v2(result("main.tf", "config", "terraform", Misconfigurations=[moved]))).findings[0]
    assert a.fingerprint != b.fingerprint


def test_dockerfile_category_and_missing_status_warning():
    item = misconf(ID="DS002", CauseMetadata={"Provider": "Dockerfile", "Service": "general"})
    del item["Status"]
    report = parse(v2(result("Dockerfile", "config", "dockerfile", Misconfigurations=[item])))
    assert report.categories == {"image", "iac", "dockerfile"}
    assert report.findings[0].status == "FAIL"
    assert report.findings[0].location.start_line is None
    assert any("without Status" in w for w in report.warnings)


def test_secret_is_redacted_everywhere():
    report = parse(v2(result("deploy.sh", "secret", None, Secrets=[secret()])))
    (f,) = report.findings
    assert (f.kind, f.rule_id, f.title, f.severity) == (Kind.SECRET, "github-pat", "GitHub Personal Access Token", Severity.CRITICAL)
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("deploy.sh", 7, 7)
    assert f.fix is FixState.NOT_APPLICABLE
    assert f.raw["Match"] == "[REDACTED]" and f.raw["Code"] == "[REDACTED]"
    assert f.raw["RuleID"] == "github-pat"
    assert SECRET not in repr(report.findings) + repr([x.raw for x in report.findings]) + repr(report)
    assert report.categories == {"image", "secrets"}


def test_secret_fingerprint_ignores_the_value():
    a = parse(v2(result("deploy.sh", "secret", None, Secrets=[secret()]))).findings[0]
    b = parse(v2(result("deploy.sh", "secret", None, Secrets=[secret(Match="x=****", Code=None)]))).findings[0]
    assert a.fingerprint == b.fingerprint


def test_licenses():
    items = [lic(), lic(PkgName="", FilePath="/etc/ssl/misc/CA.pl", Name="OpenSSL", Severity="LOW",
                        Category="notice", Link="https://spdx.org/licenses/OpenSSL.html")]
    report = parse(v2(result("OS Packages", "license", None, Licenses=items[:1]),
                      result("Loose File License(s)", "license-file", None, Licenses=items[1:])))
    pkg, loose = report.findings
    assert (pkg.kind, pkg.rule_id, pkg.severity, pkg.tool_severity) == (Kind.LICENSE, "GPL-2.0", Severity.HIGH, "HIGH")
    assert pkg.package.name == "alpine-baselayout" and pkg.location.path is None
    assert "restricted" in pkg.title
    assert loose.package is None and loose.location.path == "/etc/ssl/misc/CA.pl"
    assert loose.links == ("https://spdx.org/licenses/OpenSSL.html",)
    assert report.categories == {"image"}  # licence scanning is no gate category


def test_modified_findings_are_kept_suppressed():
    modified = [
        {"Type": "vulnerability", "Status": "not_affected", "Statement": "vulnerable_code_not_in_execute_path",
         "Source": "./vex.json", "Finding": vuln(VulnerabilityID="CVE-2017-16137")},
        {"Type": "secret", "Status": "ignored", "Source": ".trivyignore", "Finding": secret()},
    ]
    report = parse(v2(result(Vulnerabilities=[vuln()], ExperimentalModifiedFindings=modified)))
    active, vexed, ignored = report.findings
    assert active.suppression is None
    assert vexed.rule_id == "CVE-2017-16137"
    assert vexed.suppression == Suppression("vex", "not_affected, vulnerable_code_not_in_execute_path, source: ./vex.json")
    assert ignored.kind is Kind.SECRET and ignored.suppression.kind == "ignored"
    assert SECRET not in repr(report.findings) + repr([x.raw for x in report.findings])


# -- document shapes -------------------------------------------------------------------------


def test_missing_results_is_a_clean_report():
    doc = v2()
    del doc["Results"]
    report = parse(doc)
    assert report.findings == () and report.target == "registry.example/app:1.0"


def test_null_results_and_null_lists():
    assert parse(v2(Results=None)).findings == ()
    assert parse(v2(result(Vulnerabilities=None, Secrets=None))).findings == ()


@pytest.mark.parametrize("doc", [None, []])
def test_legacy_empty_documents(doc):
    report = parse(doc)
    assert (report.findings, report.tool_version, report.target, report.warnings) == ((), None, None, ())


def test_legacy_list():
    doc = [
        {"Target": "php-app/composer.lock", "Type": "composer", "Vulnerabilities": None},
        {"Target": "alpine (alpine 3.7.1)", "Type": "alpine",
         "Vulnerabilities": [{"VulnerabilityID": "CVE-2018-16840", "PkgName": "curl", "InstalledVersion": "7.61.0-r0",
                              "FixedVersion": "7.61.1-r1", "Title": "curl: use-after-free", "Severity": "HIGH"}]},
    ]
    report = parse(doc)
    (f,) = report.findings
    assert (f.rule_id, f.severity, f.fix, f.tool_version) == ("CVE-2018-16840", Severity.HIGH, FixState.AVAILABLE, None)
    assert f.location.target == "alpine (alpine 3.7.1)"
    assert report.categories == {"dependencies"}


def test_pre_schema_object_is_accepted_with_warning():
    doc = {"ImageID": "sha256:5c53", "RepoTags": ["test:latest"], "RepoDigests": ["test@sha256:0bd0"],
           "Results": [{"Target": "foojson", "Vulnerabilities": [vuln()]}]}
    report = parse(doc)
    assert len(report.findings) == 1 and report.target == "test:latest"
    assert any("TRIVY_NEW_JSON_SCHEMA" in w for w in report.warnings)


def k8s_results() -> list[dict[str, Any]]:
    return [result("Deployment/web", "config", "kubernetes",
                   Misconfigurations=[misconf(ID="KSV001", CauseMetadata={"Provider": "Kubernetes", "StartLine": 3})])]


def test_k8s_old_cluster_shape():
    doc = {"ClusterName": "prod",
           "Vulnerabilities": [{"Namespace": "default", "Kind": "Deployment", "Name": "web",
                                "Results": [result("redis:6.0.5 (debian 10.4)", "os-pkgs", "debian", Vulnerabilities=[vuln()])]}],
           "Misconfigurations": [{"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": k8s_results()},
                                 {"Namespace": "default", "Kind": "Service", "Name": "web", "Results": None}]}
    report = parse(doc)
    v, m = report.findings
    assert (v.location.target, v.location.resource) == ("prod", "default/Deployment/web")
    assert (m.location.target, m.location.resource, m.location.path) == ("prod", "default/Deployment/web", None)
    assert report.target == "prod"
    assert report.categories == {"dependencies", "iac"}


def test_k8s_new_resources_shape_with_empty_cluster_name_and_errors():
    doc = {"ClusterName": "",
           "Resources": [{"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": k8s_results()},
                         {"Kind": "ClusterRole", "Name": "admin", "Results": k8s_results()},
                         {"Namespace": "kube-system", "Kind": "Pod", "Name": "etcd", "Error": "unable to pull image"}]}
    report = parse(doc)
    assert [f.location.resource for f in report.findings] == ["default/Deployment/web", "ClusterRole/admin"]
    assert report.findings[0].location.target is None and report.target is None
    assert report.findings[0].fingerprint != report.findings[1].fingerprint
    (gap,) = report.gaps
    assert "kube-system/Pod/etcd" in gap.subject and gap.reason == "unable to pull image"


def test_custom_resources_and_unknown_class_are_named():
    report = parse(v2({"Target": "", "Class": "custom", "CustomResources": [{"Type": "spring4shell/x", "Data": "11"}]},
                      result("x", "weird-class", None, Vulnerabilities=[vuln()])))
    assert len(report.findings) == 1
    assert any("CustomResources" in w for w in report.warnings)
    assert any("'weird-class'" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (v2(result(Vulnerabilities=[vuln()])), True),
        ({"SchemaVersion": 2, "ArtifactName": "x"}, True),
        ({"ClusterName": "", "Resources": []}, True),
        ({"ClusterName": "c", "Vulnerabilities": [], "Misconfigurations": []}, True),
        ([{"Target": "a", "Vulnerabilities": None}], True),
        ([{"Target": "a", "Type": "npm"}], True),
        ({"ImageID": "sha256:1", "Results": [{"Target": "x"}]}, True),
        (None, False),
        ([], False),
        ({}, False),
        ({"version": "2.1.0", "runs": []}, False),  # SARIF
        ([{"RuleID": "aws", "File": "a", "Secret": "x", "StartLine": 1}], False),  # gitleaks
        ([{"code": "DL3008", "file": "Dockerfile", "level": "warning", "line": 1}], False),  # hadolint
        ({"check_type": "terraform", "results": {"failed_checks": []}}, False),  # checkov
        ({"dependencies": [], "fixes": []}, False),  # pip-audit
        ({"ClusterName": "c"}, False),
    ],
)
def test_sniff(doc, expected):
    assert TrivyAdapter.sniff(doc) is expected


# -- bad documents ---------------------------------------------------------------------------


def _bad(mutate) -> Any:
    doc = v2(result(Vulnerabilities=[vuln()]), result("main.tf", "config", "terraform", Misconfigurations=[misconf()]),
             result("a.sh", "secret", None, Secrets=[secret()]), result("OS", "license", None, Licenses=[lic()]))
    mutate(doc)
    return doc


def _set(path: str, value: Any):
    def mutate(doc: Any) -> None:
        *parents, last = path.split("/")
        node = doc
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is KeyError:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return mutate


BAD = [
    pytest.param("a string", r"^trivy\.json: expected a Trivy JSON report \(an object or a list\), got a string", id="top-string"),
    pytest.param(42, r"got a number", id="top-number"),
    pytest.param({"SchemaVersion": 3, "ArtifactName": "x", "Results": []}, r"^trivy\.json: SchemaVersion: unsupported Trivy SchemaVersion 3", id="schema-3"),
    pytest.param({"SchemaVersion": "2", "Results": []}, r"SchemaVersion: expected an integer, got a string", id="schema-string"),
    pytest.param({"foo": 1}, r"not a Trivy JSON report", id="other-object"),
    pytest.param({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}, r"not a Trivy JSON report", id="sarif-forced"),
    pytest.param([{"RuleID": "aws", "File": "a", "Secret": "x"}], r"\[0\]\.Target: missing", id="gitleaks-forced"),
    pytest.param([{"code": "DL3008", "file": "Dockerfile", "level": "warning", "line": 1}], r"\[0\]\.Target: missing", id="hadolint-forced"),
    pytest.param({"check_type": "terraform", "results": {}}, r"not a Trivy JSON report", id="checkov-forced"),
    pytest.param([1, 2], r"\(top level\)\[0\]: expected an object, got a number", id="legacy-items-not-objects"),
    pytest.param(_bad(_set("Results", {})), r"Results: expected a list, got an object", id="results-object"),
    pytest.param(_bad(_set("Trivy", "0.50")), r"Trivy: expected an object", id="trivy-string"),
    pytest.param(_bad(_set("Results/0/Target", KeyError)), r"Results\[0\]\.Target: missing", id="no-target"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities", {"a": 1})), r"Results\[0\]\.Vulnerabilities: expected a list", id="vulns-object"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/VulnerabilityID", KeyError)), r"Results\[0\]\.Vulnerabilities\[0\]\.VulnerabilityID: missing", id="no-vuln-id"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/PkgName", None)), r"Vulnerabilities\[0\]\.PkgName: expected a string, got null", id="null-pkgname"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/Severity", KeyError)), r"Vulnerabilities\[0\]\.Severity: missing", id="no-severity"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/Severity", "NEGLIGIBLE")), r"Severity: unknown Trivy severity 'NEGLIGIBLE'", id="bad-severity"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/Severity", "high")), r"unknown Trivy severity 'high'", id="lowercase-severity"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/FixedVersion", 1.2)), r"FixedVersion: expected a string, got a number", id="fixed-number"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/CVSS/nvd/V3Score", "9.8")), r"CVSS\.nvd\.V3Score: expected a number, got a string", id="score-string"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/CVSS/nvd", [])), r"CVSS\.nvd: expected an object, got a list", id="cvss-list"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/References", "https://x")), r"References: expected a list", id="refs-string"),
    pytest.param(_bad(_set("Results/0/Vulnerabilities/0/CweIDs", [94])), r"CweIDs\[0\]: expected a string, got a number", id="cwe-number"),
    pytest.param(_bad(_set("Results/1/Misconfigurations/0/ID", KeyError)), r"Misconfigurations\[0\]\.ID: missing", id="no-misconf-id"),
    pytest.param(_bad(_set("Results/1/Misconfigurations/0/Status", "WARN")), r"Status: unknown misconfiguration status 'WARN'", id="misconf-status"),
    pytest.param(_bad(_set("Results/1/Misconfigurations/0/CauseMetadata/StartLine", True)), r"CauseMetadata\.StartLine: expected an integer, got a boolean", id="line-bool"),
    pytest.param(_bad(_set("Results/2/Secrets/0/RuleID", KeyError)), r"Secrets\[0\]\.RuleID: missing", id="no-rule-id"),
    pytest.param(_bad(_set("Results/2/Secrets/0/StartLine", "7")), r"Secrets\[0\]\.StartLine: expected an integer", id="secret-line-string"),
    pytest.param(_bad(_set("Results/3/Licenses/0/Name", KeyError)), r"Licenses\[0\]\.Name: missing", id="no-license-name"),
    pytest.param(_bad(_set("Results/0/ExperimentalModifiedFindings", [{"Type": "sbom", "Status": "ignored", "Finding": {}}])),
                 r"ExperimentalModifiedFindings\[0\]\.Type: unknown modified finding type 'sbom'", id="modified-type"),
    pytest.param(_bad(_set("Results/0/ExperimentalModifiedFindings", [{"Type": "vulnerability", "Status": "ignored"}])),
                 r"ExperimentalModifiedFindings\[0\]\.Finding: expected an object, got null", id="modified-no-finding"),
    pytest.param({"ClusterName": "c", "Resources": [{"Namespace": "d", "Name": "x", "Results": []}]}, r"Resources\[0\]\.Kind: missing", id="k8s-no-kind"),
    pytest.param({"ClusterName": "c", "Resources": {}}, r"Resources: expected a list", id="k8s-resources-object"),
    pytest.param({"ClusterName": 1, "Resources": []}, r"ClusterName: expected a string", id="k8s-cluster-number"),
    pytest.param({"ClusterName": "c", "Vulnerabilities": [{"Namespace": "d", "Kind": "Pod", "Name": "p",
                  "Results": [{"Target": "img", "Vulnerabilities": [{"PkgName": "x"}]}]}]},
                 r"Vulnerabilities\[0\]\.Results\[0\]\.Vulnerabilities\[0\]\.VulnerabilityID: missing", id="k8s-deep-path"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# -- corpus conformance ----------------------------------------------------------------------

# Expected counts come from the files, not from the adapter: for each file
#   jq '[.. | objects | ((.Vulnerabilities? // empty | arrays | .[] | select(has("VulnerabilityID"))),
#        (.Misconfigurations? // empty | arrays | .[] | select(.Status? == "FAIL" or .Status? == "EXCEPTION")),
#        (.Secrets? // empty | .[]), (.Licenses? // empty | .[]),
#        (.ExperimentalModifiedFindings? // empty | .[] | .Finding)) | .Severity] | group_by(.) | ...'
# (the `has("VulnerabilityID")` / `.Status?` guards skip the k8s resource wrappers, which live in
# top-level lists of the same names). Suppressed = vulnerabilities with Status "not_affected" plus
# ExperimentalModifiedFindings entries, counted with grep.
EXPECTED: dict[str, dict[str, int]] = {
    "defectdojo-all_statuses.json": {"LOW": 8},
    "defectdojo-cvss_severity_source.json": {"HIGH": 1, "MEDIUM": 1},
    "defectdojo-cvssv4_severity_source.json": {"LOW": 2, "MEDIUM": 1},
    "defectdojo-issue_10991.json": {"HIGH": 1, "LOW": 31, "MEDIUM": 5},
    "defectdojo-issue_14136.json": {"LOW": 1},
    "defectdojo-issue_9092.json": {"HIGH": 1},
    "defectdojo-issue_9170.json": {"HIGH": 1, "LOW": 31, "MEDIUM": 5},
    "defectdojo-issue_9263.json": {"HIGH": 1},
    "defectdojo-issue_9333.json": {"LOW": 12, "MEDIUM": 1},
    "defectdojo-kubernetes.json": {"LOW": 14, "MEDIUM": 6},
    "defectdojo-kubernetes_fabricated_internal_duplicates.json": {"LOW": 8, "MEDIUM": 5},
    "defectdojo-kubernetes_fabricated_internal_duplicates_subset.json": {"LOW": 3, "MEDIUM": 2},
    "defectdojo-kubernetes_fabricated_subset.json": {"LOW": 8, "MEDIUM": 5},
    "defectdojo-legacy_many_vulns.json": {"HIGH": 18, "LOW": 65, "MEDIUM": 9, "UNKNOWN": 1},
    "defectdojo-legacy_no_vuln.json": {},
    "defectdojo-license_scheme.json": {"HIGH": 7, "LOW": 11, "MEDIUM": 1},
    "defectdojo-misconfigurations_and_secrets.json": {"CRITICAL": 2, "HIGH": 2, "MEDIUM": 1},
    "defectdojo-scheme_2_many_vulns.json": {"CRITICAL": 1, "HIGH": 1, "MEDIUM": 3},
    "defectdojo-scheme_2_no_vuln.json": {},
    "defectdojo-severity_prio.json": {"CRITICAL": 1, "LOW": 1},
    "trivy-golden-alpine-310.json": {"MEDIUM": 4},
    "trivy-golden-alpine-39-skip.json": {},
    "trivy-golden-cargo.lock.json": {},
    "trivy-golden-centos-7.json": {"LOW": 2, "MEDIUM": 1},
    "trivy-golden-convert-npm-with-suppressed.json": {"HIGH": 1, "LOW": 1},
    "trivy-golden-dockerfile.json": {"HIGH": 1},
    "trivy-golden-fluentd-gems.json": {"CRITICAL": 1, "HIGH": 1},
    "trivy-golden-gomod-vex.json": {"UNKNOWN": 4},
    "trivy-golden-helm.json": {"HIGH": 3, "LOW": 11, "MEDIUM": 4},
    "trivy-golden-license-cyclonedx.json": {"LOW": 2, "MEDIUM": 1},
    "trivy-golden-npm-ubuntu-severity.json": {"LOW": 1},
    "trivy-golden-pip.json": {"HIGH": 1, "MEDIUM": 1},
    "trivy-golden-secrets.json": {"CRITICAL": 1, "HIGH": 1},
    "trivy-golden-spring4shell-jre11.json": {"CRITICAL": 1},
    "trivy-golden-terraform-exclude-misconfs-remote-module.json": {},
    "trivy-golden-terraform-remote-module.json": {"HIGH": 1, "LOW": 1, "MEDIUM": 1},
    "trivy-golden-ubuntu-gp2-x86-vm.json": {"HIGH": 1},
    "trivy-pkgreport-new.json": {"HIGH": 1},
    "trivy-pkgreport-old.json": {"HIGH": 1},
}
SUPPRESSED = {"defectdojo-all_statuses.json": 1, "trivy-golden-convert-npm-with-suppressed.json": 1}
# Documents in the folder that are rejected, with why.
REJECTED = {
    # Trivy's SARIF output: read by the SARIF adapter, not this one.
    "trivy-golden-alpine-310.sarif": r"not a Trivy JSON report",
    # DefectDojo-edited legacy list: its first vulnerability is {"PkgName": ...} only, with no
    # VulnerabilityID and no Severity, which Trivy never prints; an unidentifiable item fails closed.
    "defectdojo-legacy_trivy_mix.json": r"\[0\]\.Vulnerabilities\[0\]\.VulnerabilityID: missing",
}


def test_corpus_tables_cover_the_folder():
    require_shared()
    names = {p.name for p in (CORPUS / "trivy").iterdir() if p.is_file()}
    assert names == set(EXPECTED) | set(REJECTED)


@pytest.mark.parametrize("path", corpus_params("trivy"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
    doc = json.loads(path.read_text(encoding="utf-8"))
    if path.name in REJECTED:
        with pytest.raises(ReportFormatError, match=REJECTED[path.name]):
            parse(doc, str(path))
        return
    report = parse(doc, str(path))
    expected = EXPECTED[path.name]
    assert len(report.findings) == sum(expected.values())
    assert Counter(f.tool_severity for f in report.findings) == Counter(expected)
    assert sum(f.suppression is not None for f in report.findings) == SUPPRESSED.get(path.name, 0)
    assert all(f.tool == "trivy" and f.fingerprint for f in report.findings)
    if doc in (None, []):
        # NOTE: an empty document is attributed by --format or file name, never sniffed.
        with pytest.raises(UnrecognisedReportError):
            detect(doc, path.name)
        assert detect(doc, "trivy-" + path.name) == "trivy"
    else:
        assert detect(doc, str(path)) == "trivy"


def test_corpus_details():
    require_shared()
    folder = CORPUS / "trivy"

    def load(name: str):
        return parse(json.loads((folder / name).read_text(encoding="utf-8")), name)

    statuses = load("defectdojo-all_statuses.json")
    assert sorted(f.status for f in statuses.findings) == sorted(
        ["unknown", "not_affected", "affected", "fixed", "under_investigation", "will_not_fix", "fix_deferred", "end_of_life"])
    v4 = load("defectdojo-cvssv4_severity_source.json").findings[0]
    assert v4.cvss[0] == Cvss(6.3, "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", "4", "ghsa")
    assert v4.tool_version == "0.69.1"
    assert v4.package.fixed_versions == ("11.0.14", "10.1.49", "9.0.112")
    assert v4.identifiers == ("CVE-2025-66614", "GHSA-fpj8-gq4v-p354", "CWE-20")
    secrets = load("trivy-golden-secrets.json")
    # The golden's context line holds an unmasked token; it must not survive anywhere.
    assert "ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" not in repr(secrets) + repr([f.raw for f in secrets.findings])
    k8s = load("defectdojo-issue_10991.json")
    assert k8s.target is None and k8s.findings[0].location.resource == "default/Service/kubernetes"
    assert load("trivy-golden-spring4shell-jre11.json").warnings


# -- reports generated from the bundled fixtures ---------------------------------------------


def _count_by_severity(doc: Any) -> Counter[str]:
    """Independent walk: every listed vulnerability, FAIL misconfiguration and secret."""
    counts: Counter[str] = Counter()
    for res in doc.get("Results") or []:
        items = [*(res.get("Vulnerabilities") or []), *(res.get("Secrets") or []), *(res.get("Licenses") or []),
                 *(m for m in res.get("Misconfigurations") or [] if m.get("Status") == "FAIL")]
        counts.update(i["Severity"] for i in items)
    return counts


def _fixture_params() -> list[object]:
    files = sorted(REPORTS.glob("trivy*.json")) if REPORTS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-fixture-reports")]


@pytest.mark.parametrize("path", _fixture_params())
def test_fixture_reports(path: Path | None):
    assert path is not None, "no Trivy reports generated under fixtures/reports yet"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, path.name)
    assert Counter(f.tool_severity for f in report.findings) == _count_by_severity(doc)
    assert detect(doc, path.name) == "trivy"
    planted = (REPORTS.parent / "planted_secrets.txt")
    if planted.is_file():
        text = repr(report.findings) + repr([f.raw for f in report.findings])
        for value in filter(None, (line.strip() for line in planted.read_text().splitlines())):
            assert value not in text


@pytest.mark.parametrize("path", [*sorted(REPORTS.glob("trivy*.json")), *corpus_params("trivy")])
def test_fast_vulnerability_fingerprint_is_the_general_one(path: Path | None) -> None:
    # The adapter hashes a vulnerability's fingerprint text itself (a large report's hot
    # path); it must be what model.fingerprint makes of the same parts.
    from gatekeeper.adapters.trivy import _Scope, _vulnerability_fingerprint
    from gatekeeper.model import fingerprint

    if path is None:
        require_shared()
        return
    try:
        report = TrivyAdapter().parse(json.loads(path.read_bytes()), str(path))
    except ReportFormatError:
        return  # refused files are the corpus test's business
    checked = 0
    for f in report.findings:
        if f.kind is not Kind.VULNERABILITY or f.raw is None or "Finding" in f.raw:
            continue
        raw = f.raw
        scope = _Scope(result_target="x", target=f.location.target)
        parts = (raw.get("VulnerabilityID"), raw.get("PkgPath"), raw.get("PkgName"), raw.get("InstalledVersion"))
        assert _vulnerability_fingerprint(parts[0], scope, *parts[1:]) == fingerprint(
            "trivy", "vulnerability", parts[0], scope.fingerprint_scope, *parts[1:])
        checked += 1
    assert checked or not any(f.kind is Kind.VULNERABILITY for f in report.findings)


def test_fast_vulnerability_fingerprint_with_missing_parts() -> None:
    from gatekeeper.adapters.trivy import _Scope, _vulnerability_fingerprint
    from gatekeeper.model import fingerprint

    scope = _Scope(target="c", k8s_resource="ns/Pod/p", result_target="img@sha256:ab (alpine)")
    for parts in [("CVE-1", None, "pkg", None), ("CVE-1", "", "pkg", ""), ("CVE-1", "/a\x1fb", "p\u00e9", "1.0")]:
        assert _vulnerability_fingerprint(parts[0], scope, *parts[1:]) == fingerprint(
            "trivy", "vulnerability", parts[0], scope.fingerprint_scope, *parts[1:])


def test_fast_misconfiguration_fingerprint_is_the_general_one() -> None:
    # Issue 20: the usual misconfiguration's fingerprint is hashed directly (a large report's hot path).
    from gatekeeper.adapters.trivy import _misconfiguration_fingerprint, _Scope
    from gatekeeper.model import fingerprint

    scopes = [_Scope(result_target="Dockerfile"), _Scope(target="c", k8s_resource="ns/Pod/p", result_target="img@sha256:ab (x)")]
    for scope in scopes:
        for rule, start in [("AVD-DS-0002", None), ("AVD-DS-0002", 0), ("r\u00e9", 12)]:
            assert _misconfiguration_fingerprint(rule, scope, start) == fingerprint(
                "trivy", "misconfiguration", rule, scope.fingerprint_scope, None, start)


_ODD_VALUES = [None, "", "x", "PASS", "EXCEPTION", "FAIL", "HIGH", 0, 3, True, 1.5, [], ["x"], {}, {"a": 1}]


def _misconfiguration_outcome(read: str, item: dict[str, Any]) -> tuple[Any, ...]:
    from gatekeeper.adapters.trivy import _Parser, _Scope

    parser = _Parser(SRC)
    scope = _Scope(target="t", result_target="Dockerfile")
    try:
        finding = getattr(parser, read)(copy.deepcopy(item), "Results[0].Misconfigurations[0]", scope, None)
    except ReportFormatError as e:
        return ("error", str(e), parser.r.warnings)
    return ("finding", finding, parser.r.warnings)


@pytest.mark.parametrize("key", ["ID", "Status", "Severity", "Title", "Message", "Description", "AVDID",
                                 "PrimaryURL", "References", "CauseMetadata", "StartLine", "EndLine", "Resource"])
def test_usual_misconfiguration_path_reads_as_the_reader_does(key: str) -> None:
    # Issue 20: the usual misconfiguration is read with one type check per group; every other
    # item goes through the Reader property by property. Both must give the same finding,
    # the same warnings and the same error, whatever type a property has.
    doc = json.loads((REPORTS / "trivy-config.json").read_text())
    item = next(m for r in doc["Results"] for m in r.get("Misconfigurations") or [] if m.get("CauseMetadata"))
    for value in _ODD_VALUES:
        changed = copy.deepcopy(item)
        target = changed["CauseMetadata"] if key in ("StartLine", "EndLine", "Resource") else changed
        target[key] = value
        assert _misconfiguration_outcome("_misconfiguration", changed) == _misconfiguration_outcome(
            "_read_misconfiguration", changed), (key, value)
