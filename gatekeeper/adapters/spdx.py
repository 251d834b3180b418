"""SPDX JSON SBOMs, SPDX 2.2 and 2.3 (``syft -o spdx-json``, ``trivy --format spdx-json``).

The shape (2.3)::

    {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
     "creationInfo": {"created": "2024-01-15T08:58:29Z", "creators": ["Tool: syft-0.90.0"]},
     "packages": [{"SPDXID": "SPDXRef-Package-python-django", "name": "django", "versionInfo": "2.2.1",
                   "licenseConcluded": "NOASSERTION", "licenseDeclared": "BSD-3-Clause",
                   "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                     "referenceLocator": "pkg:pypi/django@2.2.1"}]}],
     "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                        "relatedSpdxElement": "SPDXRef-DocumentRoot-Directory-app"}]}

Mapping, as for CycloneDX (``adapters/cyclonedx.py``): each package with a purl or a licence,
but the ones the document describes (its own subject: ``documentDescribes`` and ``DESCRIBES``
relationships), is one ``Kind.LICENSE`` finding at ``Severity.UNKNOWN`` (the licence policy
decides). The rule is ``licenseConcluded`` when it is an expression, else ``licenseDeclared``,
as written (``LicenseRef-...`` kept; its extracted name goes in the message); ``NONE`` when
the SBOM says there is no licence, else ``NOASSERTION``. SPDX has no vulnerabilities, so the
report covers no category.

Refused, with a message naming what they are: SPDX 3.0 (JSON-LD: ``@context``, ``@graph``),
other ``spdxVersion`` values, and JSON with the legacy field names (``packageName``,
``packageLicenseConcluded``: written before SPDX 2.2's JSON schema), which a reader of the
current names would take for packages without names or licences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.cyclonedx import UNKNOWN_LICENCE, licence_finding
from gatekeeper.adapters.interface import Adapter, Reader, describe
from gatekeeper.model import Finding, Location, Report

TOOL = "spdx"

_VERSIONS = frozenset({"SPDX-2.2", "SPDX-2.3"})
_NO_LICENCE = frozenset({"NOASSERTION", "NONE", ""})
_LEGACY_KEYS = ("packageName", "packageLicenseConcluded", "packageLicenseDeclared", "packageVersion")


class SpdxAdapter(Adapter):
    """Reads SPDX 2.2 and 2.3 JSON documents."""

    name = "spdx"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        r = Reader(source, build)
        if not isinstance(doc, dict):
            raise r.fail("", f"expected an SPDX JSON document (an object with \"spdxVersion\"), got {describe(doc)}")
        version = doc.get("spdxVersion")
        if "@context" in doc or "@graph" in doc or (isinstance(version, str) and version.startswith("SPDX-3")):
            raise r.fail("", "an SPDX 3 JSON-LD document (\"@context\"/\"@graph\"); gatekeeper reads SPDX 2.2 "
                             "and 2.3 JSON: produce one of those (e.g. syft -o spdx-json@2.3); refused")
        version = r.need(doc, "spdxVersion", str)
        if version not in _VERSIONS:
            raise r.fail("spdxVersion", f"{version[:40]!r}: gatekeeper reads SPDX-2.2 and SPDX-2.3 JSON; refused")
        packages = r.each(r.opt(doc, "packages", list, default=[]), "packages")
        for i, package in enumerate(packages):
            legacy = [k for k in _LEGACY_KEYS if k in package]
            if legacy:
                raise r.fail(f"packages[{i}]", f"legacy SPDX field names ({', '.join(legacy)}) from before the "
                                               "SPDX 2.2 JSON schema, whose packages would read as nameless and "
                                               "unlicensed; regenerate the SBOM with a current tool; refused")
        described = _described(r, doc)
        extracted = _extracted_names(r, doc)
        target = r.opt(doc, "name", str) or None
        findings = []
        for i, package in enumerate(packages):
            where = f"packages[{i}]"
            if r.opt(package, "SPDXID", str, where) in described:
                continue
            finding = _package(r, package, where, target, extracted)
            if finding is not None:
                findings.append(finding)
        creation = r.opt(doc, "creationInfo", dict, default={})
        return Report(
            source=source,
            tool=TOOL,
            format=SpdxAdapter.name,
            findings=tuple(findings),
            target=target,
            warnings=tuple(r.warnings),
            generated_at=r.time(creation, "created", "creationInfo"),
        )


def _described(r: Reader, doc: dict[str, Any]) -> set[str]:
    """The SPDX ids the document describes: its own subject, not one of its dependencies."""
    out = set(r.each(r.opt(doc, "documentDescribes", list, default=[]), "documentDescribes", str))
    document = r.opt(doc, "SPDXID", str) or "SPDXRef-DOCUMENT"
    for i, rel in enumerate(r.each(r.opt(doc, "relationships", list, default=[]), "relationships")):
        kind = rel.get("relationshipType")
        if kind == "DESCRIBES" and rel.get("spdxElementId") == document:
            out.add(r.need(rel, "relatedSpdxElement", str, f"relationships[{i}]"))
        elif kind == "DESCRIBED_BY" and rel.get("relatedSpdxElement") == document:
            out.add(r.need(rel, "spdxElementId", str, f"relationships[{i}]"))
    return out


def _extracted_names(r: Reader, doc: dict[str, Any]) -> dict[str, str]:
    """``LicenseRef-...`` -> its name (else the start of its text) in ``hasExtractedLicensingInfos``."""
    out = {}
    infos = r.each(r.opt(doc, "hasExtractedLicensingInfos", list, default=[]), "hasExtractedLicensingInfos")
    for i, info in enumerate(infos):
        where = f"hasExtractedLicensingInfos[{i}]"
        licence_id = r.opt(info, "licenseId", str, where)
        name = r.opt(info, "name", str, where) or " ".join((r.opt(info, "extractedText", str, where) or "").split())[:80]
        if licence_id and name:
            out[licence_id] = name
    return out


def _package(r: Reader, package: dict[str, Any], where: str, target: str | None,
             extracted: dict[str, str]) -> Finding | None:
    concluded = (r.opt(package, "licenseConcluded", str, where) or "").strip()
    declared = (r.opt(package, "licenseDeclared", str, where) or "").strip()
    purl = None
    for i, ref in enumerate(r.each(r.opt(package, "externalRefs", list, where, default=[]), f"{where}.externalRefs")):
        if ref.get("referenceType") == "purl":
            purl = r.need(ref, "referenceLocator", str, f"{where}.externalRefs[{i}]") or None
            break
    licence = next((t for t in (concluded, declared) if t not in _NO_LICENCE), None)
    if licence is None:
        # NOTE: NONE is the SBOM saying the package has no licence; the policy's "unknown".
        licence = "NONE" if "NONE" in (concluded, declared) else UNKNOWN_LICENCE
        if purl is None:
            return None  # NOTE: a file, an operating system: not a package to license
    name = r.need(package, "name", str, where)
    version = r.opt(package, "versionInfo", str, where) or None
    tokens = set(licence.replace("(", " ").replace(")", " ").split())
    notes = [f"declared {declared}" if declared not in _NO_LICENCE and declared != licence else "",
             *(f"{ref} is {extracted[ref]!r}" for ref in extracted if ref in tokens)]
    return licence_finding(
        r, TOOL, [] if licence == UNKNOWN_LICENCE else [licence], name, version, purl, Location(target=target),
        package, note="; ".join(n for n in notes if n),
    )
