"""CycloneDX and CSAF VEX, container images and subcomponents, through ``gatekeeper check --vex``.

The VEX fixtures (``fixtures/vex``) target the shipped pip-audit report (django 2.2.1 and
pyyaml 5.3, read with their CVE aliases) and Trivy's own alpine-3.10 image report in the
corpus; each statement kind appears once with each status, so "exactly the matching finding
and nothing else" is checked against the report read without VEX.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, ROOT, require_shared
from tests.vex.helpers import PIP_AUDIT, VEX, gate_json, openvex, statement

SYFT_SBOM = ROOT / "fixtures" / "sboms" / "syft-targets.cdx.json"
ALPINE = CORPUS / "trivy" / "trivy-golden-alpine-310.json"


def changed(capsys: pytest.CaptureFixture[str], report: Path, *args: object) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(rule id, package) of each finding whose decision --vex changed, and the JSON with VEX."""
    _, before = gate_json(capsys, report)
    _, after = gate_json(capsys, report, *args)
    was = {(f["fingerprint"], f["ruleId"]): f["decision"] for f in before["findings"]}
    out = [
        (f["ruleId"], f["package"]["name"])
        for f in after["findings"]
        if was[(f["fingerprint"], f["ruleId"])]["outcome"] != f["decision"]["outcome"]
    ]
    return sorted(out), after


def vex_of(doc: dict[str, Any], rule: str) -> dict[str, Any]:
    (f,) = [f for f in doc["findings"] if f["ruleId"] == rule]
    return f["decision"]["vex"]


def test_a_cyclonedx_not_affected_suppresses_exactly_its_finding(capsys: pytest.CaptureFixture[str]) -> None:
    # Also in the document: exploitable (CVE-2019-19118), in_triage (pyyaml's CVE-2020-1747) and a
    # not_affected narrowed to django 2.2.2 (CVE-2019-14234): none of them changes anything.
    diff, after = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.cdx-vex.json")
    assert diff == [("PYSEC-2019-11", "django")]
    vex = vex_of(after, "PYSEC-2019-11")
    assert vex == {
        "document": str(VEX / "django.cdx-vex.json"), "statement": "vulnerabilities[0]", "vulnerability": "CVE-2019-14232",
        "status": "not_affected", "justification": "code_not_reachable",
        "impact": "The application never calls django.utils.text.Truncator with html=True.",
    }
    stale = [u for u in after["vex"] if not u["matched"]]
    assert [u["vulnerability"] for u in stale] == ["CVE-2019-14234"]


def test_a_cyclonedx_bom_link_is_resolved_in_the_bom_given_beside(capsys: pytest.CaptureFixture[str]) -> None:
    # The VEX names django by a BOM-Link into syft's SBOM of fixtures/targets; its bom-ref is a
    # purl with syft's package-id qualifier, which pip-audit's finding does not have.
    diff, after = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.bomlink-vex.json")
    assert diff == []
    diff, after = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.bomlink-vex.json", "--vex", SYFT_SBOM)
    assert diff == [("PYSEC-2019-14", "django")]
    assert any("syft-targets.cdx.json: no statements (a BOM" in n for n in after["verdict"]["notices"])


def test_a_csaf_known_not_affected_suppresses_exactly_its_finding(capsys: pytest.CaptureFixture[str]) -> None:
    # Also in the document: known_affected (CVE-2019-14234), under_investigation (pyyaml).
    diff, after = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.csaf.json")
    assert diff == [("PYSEC-2019-12", "django")]
    vex = vex_of(after, "PYSEC-2019-12")
    assert vex["statement"] == "vulnerabilities[0].product_status.known_not_affected[0]"
    assert vex["state"] == "known_not_affected" and vex["status"] == "not_affected"
    assert vex["justification"] == "vulnerable_code_not_in_execute_path" and vex["impact"] == "strip_tags is never called."


def test_three_formats_together_each_suppress_their_own(capsys: pytest.CaptureFixture[str]) -> None:
    docs = ["django.openvex.json", "django.cdx-vex.json", "django.csaf.json"]
    diff, after = changed(capsys, PIP_AUDIT, *[a for d in docs for a in ("--vex", VEX / d)])
    assert diff == [("PYSEC-2019-10", "django"), ("PYSEC-2019-11", "django"), ("PYSEC-2019-12", "django")]
    assert [d["kind"] for d in after["data"]] == ["vex", "vex", "vex"]
    assert {d["path"] for d in after["data"]} == {str(VEX / d) for d in docs}


def test_a_later_statement_in_another_document_overrules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    later = openvex(tmp_path, statement("CVE-2019-14233", "pkg:pypi/django", "affected", timestamp="2026-12-01T00:00:00Z"))
    diff, _ = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.csaf.json", "--vex", later)
    assert diff == []
    earlier = openvex(tmp_path, statement("CVE-2019-14233", "pkg:pypi/django", "affected", timestamp="2026-11-01T00:00:00Z"))
    diff, _ = changed(capsys, PIP_AUDIT, "--vex", VEX / "django.csaf.json", "--vex", earlier)
    assert diff == [("PYSEC-2019-12", "django")]


def test_an_image_statement_and_a_subcomponent_statement(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require_shared()
    # Trivy scanned ghcr.io/aquasecurity/trivy-test-images:alpine-310: CVE-2019-1549 and
    # CVE-2019-1551 in libcrypto1.1 and libssl1.1. The VEX says CVE-2019-1549 does not affect
    # libssl1.1 in that image (an OCI purl with repository_url and tag, a subcomponent), and
    # CVE-2019-1551 is fixed in the image as a whole (an image reference).
    diff, after = changed(capsys, ALPINE, "--vex", VEX / "alpine-310.openvex.json")
    assert diff == [("CVE-2019-1549", "libssl1.1"), ("CVE-2019-1551", "libcrypto1.1"), ("CVE-2019-1551", "libssl1.1")]
    # The same statements about another tag of the image cover nothing.
    doc = json.loads((VEX / "alpine-310.openvex.json").read_text())
    doc["statements"][0]["products"][0]["@id"] = doc["statements"][0]["products"][0]["@id"].replace("alpine-310", "alpine-311")
    doc["statements"][1]["products"][0]["@id"] = "ghcr.io/aquasecurity/trivy-test-images:alpine-311"
    other = tmp_path / "other-tag.json"
    other.write_text(json.dumps(doc))
    diff, after = changed(capsys, ALPINE, "--vex", other)
    assert diff == []
    assert all(u["matched"] == 0 for u in after["vex"])
