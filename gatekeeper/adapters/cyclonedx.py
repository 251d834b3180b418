"""CycloneDX JSON SBOMs (spec 1.2 to 1.7), with their vulnerabilities (VDR, VEX).

The shape (1.6)::

    {"bomFormat": "CycloneDX", "specVersion": "1.6",
     "metadata": {"timestamp": "...", "component": {"bom-ref": "app", "name": "app", "type": "container"}},
     "components": [{"bom-ref": "pkg:pypi/django@2.2.1", "type": "library", "name": "django",
                     "version": "2.2.1", "purl": "pkg:pypi/django@2.2.1",
                     "licenses": [{"license": {"id": "BSD-3-Clause"}}, {"expression": "MIT OR Apache-2.0"}],
                     "components": [...nested...]}],
     "vulnerabilities": [{"id": "CVE-...", "source": {"name": "NVD", "url": "..."},
                          "ratings": [{"source": {"name": "NVD"}, "score": 9.8, "severity": "critical",
                                       "method": "CVSSv31", "vector": "..."}],
                          "cwes": [79], "references": [{"id": "GHSA-...", "source": {...}}],
                          "affects": [{"ref": "pkg:pypi/django@2.2.1", "versions": [...]}],
                          "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                                       "detail": "..."}}]}

Licences: each component (nested ones too; not ``metadata.component``, the BOM's own subject)
with a purl or a licence is one ``Kind.LICENSE`` finding at ``Severity.UNKNOWN`` (the licence
policy decides). The rule is the licence as written: an ``expression``, a ``license.id`` or a
``license.name``; several entries are joined with ``AND`` (each compound one in parentheses: a
component that lists two licences is under both, as far as a gate can tell). CycloneDX 1.7's
``acknowledgement``: the ``concluded`` entries when there are any, else all of them; the
declared ones stay in the message. A component without any licence is the rule
``NOASSERTION`` (SPDX's word for "unknown"). The identifiers are the rule and each entry.

Vulnerabilities: one ``Kind.VULNERABILITY`` finding per vulnerability and ``affects[].ref``
(the ref resolved to its component by ``bom-ref``; a purl that resolves to nothing still names
the package; any other unresolved ref, e.g. a BOM-Link ``urn:cdx:...``, is kept as the
location's ``resource``). Severity: the rating of the vulnerability's own source (as Trivy
chooses its vendor's), else the highest rating word, else the highest score (as GitHub maps
scores); ``none``/``info`` -> info. ``analysis.state`` is kept in ``status``; ``not_affected``,
``false_positive``, ``resolved`` and ``resolved_with_pedigree`` are the scanner's suppression
(kind = the state, with the justification and detail); ``in_triage``, ``exploitable`` or no
analysis are left to the policy.

Report categories: ``dependencies`` (and ``image`` for a container's BOM) only when the BOM
carries ``vulnerabilities``: an SBOM alone says nothing about vulnerabilities, so it must not
satisfy a policy that requires a dependency scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from gatekeeper.adapters.interface import Adapter, Reader, describe
from gatekeeper.model import (
    Cvss,
    Finding,
    FixState,
    Kind,
    Location,
    Package,
    Report,
    Severity,
    Suppression,
    dedupe,
    fingerprint,
)

TOOL = "cyclonedx"
UNKNOWN_LICENCE = "NOASSERTION"
"""The rule of a package whose licence the SBOM does not give (SPDX's word)."""

_SPEC_VERSIONS = frozenset({"1.2", "1.3", "1.4", "1.5", "1.6", "1.7"})
_SEVERITIES = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "none": Severity.INFO,
    "unknown": Severity.UNKNOWN,
}
_CVSS_METHODS = {"CVSSv2": "2", "CVSSv3": "3", "CVSSv31": "3", "CVSSv4": "4"}
_STATES = frozenset({"resolved", "resolved_with_pedigree", "exploitable", "in_triage", "false_positive", "not_affected"})
_SUPPRESSING_STATES = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})
_OS_PURL_TYPES = frozenset({"deb", "rpm", "apk", "alpm"})
_COMPOUND = re.compile(r"\s(?:OR|AND|or|and)\s")


class CycloneDxAdapter(Adapter):
    """Reads CycloneDX JSON SBOMs, VDRs and VEX documents."""

    name = "cyclonedx"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        r = Reader(source, build)
        if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
            raise r.fail("", f"expected a CycloneDX JSON document (\"bomFormat\": \"CycloneDX\"), got {describe(doc)}")
        spec = r.need(doc, "specVersion", str)
        if spec not in _SPEC_VERSIONS:
            if spec in ("1.0", "1.1"):
                raise r.fail("specVersion", f"CycloneDX {spec} has no JSON form; refused")
            r.warn(f"specVersion: CycloneDX {spec[:20]!r} is newer than 1.7; read as 1.7")
        metadata = r.opt(doc, "metadata", dict, default={})
        subject = r.opt(metadata, "component", dict, "metadata")
        target = None
        if subject is not None:
            target = r.need(subject, "name", str, "metadata.component")
            version = r.opt(subject, "version", str, "metadata.component")
            target = f"{target}@{version}" if version else target
        components = _components(r, doc)
        by_ref: dict[str, dict[str, Any]] = {}
        for component, _ in components:
            ref = component.get("bom-ref")
            if isinstance(ref, str):
                by_ref.setdefault(ref, component)
        if subject is not None and isinstance(subject.get("bom-ref"), str):
            by_ref.setdefault(subject["bom-ref"], subject)
        findings = [f for component, where in components
                    if (f := _component_licence(r, component, where, target)) is not None]
        vulns = r.opt(doc, "vulnerabilities", list)
        for i, vuln in enumerate(r.each(vulns or [], "vulnerabilities")):
            findings.extend(_vulnerability(r, vuln, f"vulnerabilities[{i}]", by_ref, target))
        categories: frozenset[str] = frozenset()
        if vulns is not None:
            image = subject is not None and subject.get("type") == "container"
            categories = frozenset({"dependencies", "image"} if image else {"dependencies"})
        return Report(
            source=source,
            tool=TOOL,
            format=CycloneDxAdapter.name,
            findings=tuple(findings),
            target=target,
            warnings=tuple(r.warnings),
            categories=categories,
            generated_at=r.time(metadata, "timestamp", "metadata"),
        )


def _components(r: Reader, doc: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every component with its path, each followed by its nested ones (no recursion, no copies)."""
    out: list[tuple[dict[str, Any], str]] = []
    stack: list[tuple[dict[str, Any], str]] = []

    def push(items: Any, where: str) -> None:
        r.each(items, where)
        stack.extend((items[i], f"{where}[{i}]") for i in range(len(items) - 1, -1, -1))

    push(r.opt(doc, "components", list, default=[]), "components")
    while stack:
        component, at = stack.pop()
        out.append((component, at))
        children = component.get("components")
        if children:
            push(children, f"{at}.components")
    return out


def _component_licence(r: Reader, component: dict[str, Any], where: str, target: str | None) -> Finding | None:
    entries = r.each(r.opt(component, "licenses", list, where, default=[]), f"{where}.licenses")
    purl = r.opt(component, "purl", str, where) or None
    if not entries and purl is None:
        return None  # NOTE: a file, an operating system, a container: not a package to license
    name, version = _component_name(r, component, where)
    chosen: list[str] = []
    declared: list[str] = []
    links: list[str] = []
    for i, entry in enumerate(entries):
        text, acknowledgement, url = _licence_entry(r, entry, f"{where}.licenses[{i}]")
        links.append(url)
        (chosen if acknowledgement == "concluded" else declared).append(text)
    if not chosen:  # NOTE: 1.7: the concluded licences when there are any, else every one given
        chosen, declared = declared, []
    return licence_finding(
        r, TOOL, chosen, name, version, purl, Location(target=target), component,
        note=f"declared: {', '.join(dedupe(declared))}" if declared else "", links=links,
    )


def _component_name(r: Reader, component: dict[str, Any], where: str) -> tuple[str, str | None]:
    name = r.need(component, "name", str, where)
    group = r.opt(component, "group", str, where)
    if group:  # maven's groupId, npm's scope
        name = f"{group}/{name}" if group.startswith("@") else f"{group}:{name}"
    return name, r.opt(component, "version", str, where) or None


def _licence_entry(r: Reader, entry: dict[str, Any], where: str) -> tuple[str, str | None, str | None]:
    """(the licence as written, its 1.7 acknowledgement, its URL) of one ``licenses[]`` entry."""
    expression = r.opt(entry, "expression", str, where)
    if expression:
        return expression.strip(), r.opt(entry, "acknowledgement", str, where), None
    licence = r.opt(entry, "license", dict, where)
    if licence is None:
        raise r.fail(where, "a licence entry with neither \"license\" nor \"expression\"")
    at = f"{where}.license"
    text = r.opt(licence, "id", str, at) or r.opt(licence, "name", str, at)
    if not text or not text.strip():
        raise r.fail(at, "a licence with neither \"id\" nor \"name\"")
    return text.strip(), r.opt(licence, "acknowledgement", str, at), r.opt(licence, "url", str, at)


def licence_finding(r: Reader, tool: str, licences: list[str], name: str, version: str | None,
                    purl: str | None, location: Location, raw: dict[str, Any], note: str = "",
                    links: list[str | None] | None = None) -> Finding:
    """One package's ``Kind.LICENSE`` finding (CycloneDX and SPDX alike).

    The rule is the licence as written (several joined with ``AND``), or ``NOASSERTION``.
    """
    written = dedupe(licences)
    if not written:
        rule = UNKNOWN_LICENCE
    elif len(written) == 1:
        rule = written[0]
    else:
        rule = " AND ".join(f"({t})" if _COMPOUND.search(t) and not t.startswith("(") else t for t in written)
    shown = f"{name} {version}" if version else name
    ecosystem = purl_ecosystem(purl)
    unknown = rule in (UNKNOWN_LICENCE, "NONE")
    title = f"Unknown license ({rule}) of {shown}" if unknown else f"License {rule} of {shown}"
    message = (f"the SBOM gives no license for {shown} ({rule})" if unknown
               else f"{shown} is licensed {rule} (as the SBOM says)")
    return r.finding(
        tool=tool,
        kind=Kind.LICENSE,
        rule_id=rule,
        title=" ".join(title.split()),
        message=f"{message}; {note}" if note else message,
        severity=Severity.UNKNOWN,
        location=location,
        package=Package(name=name, version=version, ecosystem=ecosystem, purl=purl),
        identifiers=dedupe([rule, *written]),
        links=dedupe(links or []),
        fingerprint=fingerprint(tool, Kind.LICENSE.value, rule, ecosystem, name, version),
        raw=raw,
    )


def _vulnerability(r: Reader, vuln: dict[str, Any], where: str, by_ref: dict[str, dict[str, Any]],
                   target: str | None) -> list[Finding]:
    vid = r.need(vuln, "id", str, where)
    severity, word, ratings = _ratings(r, vuln, where)
    source = r.opt(vuln, "source", dict, where, default={})
    identifiers = [vid]
    links = [r.opt(source, "url", str, f"{where}.source")]
    for i, ref in enumerate(r.each(r.opt(vuln, "references", list, where, default=[]), f"{where}.references")):
        identifiers.append(r.opt(ref, "id", str, f"{where}.references[{i}]"))
        links.append(r.opt(r.opt(ref, "source", dict, f"{where}.references[{i}]", default={}), "url", str))
    identifiers += [f"CWE-{c}" for c in r.each(r.opt(vuln, "cwes", list, where, default=[]), f"{where}.cwes", int)]
    for i, advisory in enumerate(r.each(r.opt(vuln, "advisories", list, where, default=[]), f"{where}.advisories")):
        links.append(r.opt(advisory, "url", str, f"{where}.advisories[{i}]"))
    state, suppression, responses = _analysis(r, vuln, where)
    recommendation = r.opt(vuln, "recommendation", str, where)
    message = r.opt(vuln, "description", str, where) or r.opt(vuln, "detail", str, where) or ""
    affects = r.each(r.opt(vuln, "affects", list, where, default=[]), f"{where}.affects")
    findings = []
    # NOTE: a vulnerability that names nothing it affects is still one finding (never dropped).
    for i, affected in enumerate(affects or [None]):
        at = f"{where}.affects[{i}]"
        ref = r.need(affected, "ref", str, at) if affected is not None else None
        package, resource = _affected_package(r, ref, by_ref, at)
        fixed = _unaffected_versions(r, affected, at) if affected is not None else []
        fix = FixState.AVAILABLE if fixed or recommendation or "update" in responses else FixState.NONE
        if package is not None and fixed:
            package = Package(package.name, package.version, tuple(fixed), package.ecosystem, package.purl)
        subject = f"{package.name} {package.version or ''}".strip() if package is not None else (ref or "the BOM's subject")
        findings.append(r.finding(
            tool=TOOL,
            kind=Kind.VULNERABILITY,
            rule_id=vid,
            title=f"{vid} in {subject}",
            message=message,
            severity=severity,
            tool_severity=word,
            location=Location(target=target, resource=resource),
            package=package,
            fix=fix,
            status=state,
            identifiers=dedupe(identifiers),
            cvss=ratings,
            links=dedupe(links),
            suppression=suppression,
            fingerprint=fingerprint(TOOL, Kind.VULNERABILITY.value, vid, resource,
                                    *((package.ecosystem, package.name, package.version) if package else ())),
            raw=vuln,
        ))
    return findings


def _affected_package(r: Reader, ref: str | None, by_ref: dict[str, dict[str, Any]],
                      where: str) -> tuple[Package | None, str | None]:
    """The package a ref names, and the ref itself when it resolves to no component."""
    if ref is None:
        return None, None
    component = by_ref.get(ref)
    if component is not None:
        name, version = _component_name(r, component, where)
        purl = r.opt(component, "purl", str, where) or None
        return Package(name=name, version=version, ecosystem=purl_ecosystem(purl), purl=purl), None
    if ref.startswith("pkg:"):  # NOTE: Trivy 0.48 refers by purl to a package it left out
        name, version = purl_name(ref)
        return Package(name=name, version=version, ecosystem=purl_ecosystem(ref), purl=ref), ref
    return None, ref  # a BOM-Link (urn:cdx:serial/version#ref) into another BOM


def _unaffected_versions(r: Reader, affected: dict[str, Any], where: str) -> list[str]:
    versions = r.each(r.opt(affected, "versions", list, where, default=[]), f"{where}.versions")
    return list(dedupe([v.get("version") or v.get("range") for v in versions if v.get("status") == "unaffected"]))


def _ratings(r: Reader, vuln: dict[str, Any], where: str) -> tuple[Severity, str | None, tuple[Cvss, ...]]:
    """(severity, the word it came from, the CVSS scores) of one vulnerability."""
    own = r.opt(r.opt(vuln, "source", dict, where, default={}), "name", str, f"{where}.source")
    words: list[tuple[Severity, str, bool]] = []
    scores: list[Cvss] = []
    for i, rating in enumerate(r.each(r.opt(vuln, "ratings", list, where, default=[]), f"{where}.ratings")):
        at = f"{where}.ratings[{i}]"
        rater = r.opt(r.opt(rating, "source", dict, at, default={}), "name", str, f"{at}.source")
        word = r.opt(rating, "severity", str, at)
        if word:
            severity = _SEVERITIES.get(word.lower())
            if severity is None:
                raise r.fail(f"{at}.severity", f"unknown CycloneDX severity {word[:40]!r} (expected one of: {', '.join(_SEVERITIES)})")
            if severity is not Severity.UNKNOWN:
                words.append((severity, word, bool(own) and rater == own))
        score = r.opt(rating, "score", float, at)
        method = r.opt(rating, "method", str, at)
        if score is not None and (method is None or method in _CVSS_METHODS):
            scores.append(Cvss(r.score(score, f"{at}.score"), r.opt(rating, "vector", str, at) or None,
                               _CVSS_METHODS.get(method or ""), rater))
    vendor = [w for w in words if w[2]]
    if vendor:
        return vendor[0][0], vendor[0][1], tuple(scores)
    if words:
        best = max(words, key=lambda w: w[0])
        return best[0], best[1], tuple(scores)
    rated = [c.score for c in scores if c.score is not None]
    if rated:
        return Severity.from_score(max(rated)), None, tuple(scores)
    return Severity.UNKNOWN, None, tuple(scores)


def _analysis(r: Reader, vuln: dict[str, Any], where: str) -> tuple[str | None, Suppression | None, list[str]]:
    """(state, the suppression a VEX state makes, the responses) of ``analysis``."""
    analysis = r.opt(vuln, "analysis", dict, where, default={})
    at = f"{where}.analysis"
    state = r.opt(analysis, "state", str, at) or None
    responses = r.each(r.opt(analysis, "response", list, at, default=[]), f"{at}.response", str)
    if state is None:
        return None, None, responses
    if state not in _STATES:
        r.warn(f"{at}.state: unknown CycloneDX analysis state {state[:40]!r}: not a suppression")
        return state, None, responses
    if state not in _SUPPRESSING_STATES:
        return state, None, responses
    why = [r.opt(analysis, "justification", str, at), r.opt(analysis, "detail", str, at)]
    shown = ": ".join(w.strip() for w in why if w and w.strip())
    return state, Suppression(state, shown or None), responses


def purl_name(purl: str) -> tuple[str, str | None]:
    """``pkg:deb/debian/tar@1.30%2Bdfsg-6?arch=amd64`` -> (``tar``, ``1.30+dfsg-6``)."""
    path = purl[4:].split("#", 1)[0].split("?", 1)[0]
    path, _, version = path.partition("@")
    return unquote(path.rsplit("/", 1)[-1]), unquote(version) or None


def purl_ecosystem(purl: str | None) -> str | None:
    """``pkg:deb/debian/bash@5.0`` -> ``debian``, ``pkg:pypi/x@1`` -> ``pypi`` (as grype's adapter reads them)."""
    if not purl or not purl.startswith("pkg:"):
        return None
    kind, _, rest = purl[4:].lstrip("/").partition("/")
    kind = kind.lower()
    if kind in _OS_PURL_TYPES and "/" in rest:
        return rest.partition("/")[0].lower() or kind
    return kind if kind and kind != "generic" else None
