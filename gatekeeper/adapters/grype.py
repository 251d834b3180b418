"""grype JSON reports (``grype IMAGE|dir:PATH|sbom:FILE -o json``), grype 0.7 to 0.114.

The shape (0.94)::

    {"matches": [{"vulnerability": {"id": "GHSA-...", "severity": "High", "namespace": "github:language:npm",
                                    "urls": [...], "description": "...",
                                    "cvss": [{"source": "nvd@nist.gov", "version": "3.1", "vector": "CVSS:3.1/...",
                                              "metrics": {"baseScore": 8.8}}],
                                    "fix": {"versions": ["1.2.3"], "state": "fixed"},
                                    "epss": [...], "knownExploited": [...], "risk": 5.6},
                  "relatedVulnerabilities": [{"id": "CVE-...", ...}],
                  "matchDetails": [...],
                  "artifact": {"name": "busybox", "version": "1.32.1", "type": "binary",
                               "locations": [{"path": "/bin/busybox", "layerID": "sha256:..."}],
                               "purl": "pkg:generic/busybox@1.32.1"}}],
     "ignoredMatches": [{...a match..., "appliedIgnoreRules": [{"vulnerability": "CVE-..."}]}],
     "source": {"type": "image", "target": {"userInput": "busybox:1.32.1", ...}},
     "descriptor": {"name": "grype", "version": "0.94.0", "timestamp": "2025-06-19T11:43:35Z"}}

Before about 0.20 a vulnerability had ``links`` instead of ``urls``, ``cvssV2``/``cvssV3``
objects instead of the ``cvss`` list and ``fixedInVersion`` instead of ``fix``; both are read.

Mapping: one ``Kind.VULNERABILITY`` finding per match (the same CVE at two locations is two
findings); ``vulnerability.id`` is the rule, the related vulnerabilities' ids are its
identifiers. Severity: ``Critical``/``High``/``Medium``/``Low`` one to one, ``Negligible`` ->
info, ``Unknown`` (or none) -> unknown; any other word is an error. Fix AVAILABLE when
``fix.versions`` lists a version and the state is not ``not-fixed``/``wont-fix``; the state
word is kept in ``status``. The raw item is the whole match, so ``risk``, ``epss`` and
``knownExploited`` stay readable. Ignored matches (``ignoredMatches``, grype's ignore rules)
are kept, suppressed (kind ``ignored``).

Output mixed with log lines (grype's stderr redirected into the report) is not JSON and is
refused by the decoder before this adapter sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

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
    strip_digest,
)

TOOL = "grype"

_SEVERITIES = {
    "Critical": Severity.CRITICAL,
    "High": Severity.HIGH,
    "Medium": Severity.MEDIUM,
    "Low": Severity.LOW,
    "Negligible": Severity.INFO,
    "Unknown": Severity.UNKNOWN,
}
_FIX_STATES = frozenset({"fixed", "not-fixed", "wont-fix", "unknown"})
_NO_FIX_STATES = frozenset({"not-fixed", "wont-fix"})
# NOTE: the purl's namespace names the distribution (pkg:deb/debian/bash), as Trivy's result
# Type does; for language packages the purl type is the ecosystem Trivy's adapter uses too.
_OS_PURL_TYPES = frozenset({"deb", "rpm", "apk", "alpm"})


class GrypeAdapter(Adapter):
    """Reads grype's JSON output."""

    name = "grype"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        return _Parser(source, build).parse(doc)


class _Parser:
    """One parse of one document."""

    def __init__(self, source: str, build: Callable[..., Finding] | None) -> None:
        self.source = source
        self.r = Reader(source, build)
        self.tool_version: str | None = None
        self.target: str | None = None
        self.image = False
        self.images: tuple[str, ...] = ()

    def parse(self, doc: Any) -> Report:
        r = self.r
        if not isinstance(doc, dict):
            raise r.fail("", f"expected a grype JSON report (an object with \"matches\"), got {describe(doc)}")
        matches = r.each(r.need(doc, "matches", list), "matches")
        descriptor = r.opt(doc, "descriptor", dict, default={})
        self.tool_version = r.opt(descriptor, "version", str, "descriptor")
        generated_at: datetime | None = r.time(descriptor, "timestamp", "descriptor")  # NOTE: since about 0.40
        self._source(r.opt(doc, "source", dict, default={}))
        self._database(descriptor)
        findings = [self._match(m, f"matches[{i}]", None) for i, m in enumerate(matches)]
        ignored = r.each(r.opt(doc, "ignoredMatches", list, default=[]), "ignoredMatches")
        for i, item in enumerate(ignored):
            where = f"ignoredMatches[{i}]"
            findings.append(self._match(item, where, self._ignore_rules(item, where)))
        return Report(
            source=self.source,
            tool=TOOL,
            format=GrypeAdapter.name,
            findings=tuple(findings),
            tool_version=self.tool_version,
            target=self.target,
            warnings=tuple(r.warnings),
            categories=frozenset({"dependencies", "image"} if self.image else {"dependencies"}),
            generated_at=generated_at,
            images=self.images,
        )

    def _source(self, source: dict[str, Any]) -> None:
        r = self.r
        kind = r.opt(source, "type", str, "source")
        target = source.get("target")
        if isinstance(target, dict):  # an image: what the user asked for, else its id
            name = r.opt(target, "userInput", str, "source.target") or r.opt(target, "imageID", str, "source.target")
        elif target is None or isinstance(target, str):
            name = target
        else:
            raise r.fail("source.target", f"expected a string or an object, got {describe(target)}")
        # NOTE: grype 0.24 quoted a directory target (`"\".\""`).
        self.target = (name.strip('"') or None) if name else None
        self.image = kind == "image"
        if self.image and isinstance(target, dict):
            # Every reference of the image, for VEX statements that name it.
            refs = [name or "", *(v for key in ("tags", "repoDigests") for v in r.opt(target, key, list, "source.target", default=[]))]
            refs += [r.opt(target, "imageID", str, "source.target") or "", r.opt(target, "manifestDigest", str, "source.target") or ""]
            self.images = tuple(dict.fromkeys(v for v in refs if isinstance(v, str) and v))

    def _database(self, descriptor: dict[str, Any]) -> None:
        db = self.r.opt(descriptor, "db", dict, "descriptor", default={})
        error = db.get("error")
        if error:
            self.r.warn(f"descriptor.db.error: grype reported a vulnerability database error: {str(error)[:200]}")

    def _ignore_rules(self, item: dict[str, Any], where: str) -> Suppression:
        rules = self.r.each(self.r.opt(item, "appliedIgnoreRules", list, where, default=[]), f"{where}.appliedIgnoreRules")
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in rule.items() if v not in ("", None, False, [], {}))
                          for rule in rules)
        return Suppression("ignored", f"ignored by a grype ignore rule ({shown})" if shown else "ignored by a grype ignore rule")

    def _match(self, match: dict[str, Any], where: str, suppression: Suppression | None) -> Finding:
        r = self.r
        vuln = r.obj(match.get("vulnerability"), f"{where}.vulnerability")
        at = f"{where}.vulnerability"
        vid = r.need(vuln, "id", str, at)
        severity, word = self._severity(vuln, at)
        artifact = r.obj(match.get("artifact"), f"{where}.artifact")
        art = f"{where}.artifact"
        name = r.need(artifact, "name", str, art)
        version = r.opt(artifact, "version", str, art)
        purl = r.opt(artifact, "purl", str, art) or None
        ptype = r.opt(artifact, "type", str, art)
        locations = r.each(r.opt(artifact, "locations", list, art, default=[]), f"{art}.locations")
        path = r.opt(locations[0], "path", str, f"{art}.locations[0]") if locations else None
        related = r.each(r.opt(match, "relatedVulnerabilities", list, where, default=[]), f"{where}.relatedVulnerabilities")
        related_ids = [r.need(v, "id", str, f"{where}.relatedVulnerabilities[{i}]") for i, v in enumerate(related)]
        state, fixed = self._fix(vuln, at)
        available = bool(fixed) and state not in _NO_FIX_STATES
        if state == "fixed" and not fixed:
            r.warn("match with fix state 'fixed' but no fix version: read as no fix available")
        description = r.opt(vuln, "description", str, at) or next(
            (d for d in (v.get("description") for v in related) if isinstance(d, str) and d), "")
        urls = r.each(r.opt(vuln, "urls", list, at, default=None) or r.opt(vuln, "links", list, at, default=[]),
                      f"{at}.urls", str)
        shown_version = f" {version}" if version else ""
        return r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.VULNERABILITY,
            rule_id=vid,
            title=f"{vid} in {name}{shown_version}",
            message=description,
            severity=severity,
            tool_severity=word,
            location=Location(path=path or None, target=self.target),
            package=Package(
                name=name,
                version=version,
                fixed_versions=tuple(fixed),
                ecosystem=_ecosystem(purl, ptype),
                purl=purl,
            ),
            fix=FixState.AVAILABLE if available else FixState.NONE,
            status=state,
            identifiers=dedupe([vid, *related_ids]),
            cvss=self._cvss(vuln, at),
            links=dedupe([r.opt(vuln, "dataSource", str, at), *urls]),
            suppression=suppression,
            fingerprint=fingerprint(TOOL, Kind.VULNERABILITY.value, vid,
                                    strip_digest(self.target) if self.image else None, path, name, version),
            raw=match,
        )

    def _severity(self, vuln: dict[str, Any], where: str) -> tuple[Severity, str | None]:
        word = self.r.opt(vuln, "severity", str, where)
        if not word:  # NOTE: omitted when grype has no metadata for the vulnerability
            return Severity.UNKNOWN, None
        if word not in _SEVERITIES:
            expected = ", ".join(_SEVERITIES)
            raise self.r.fail(f"{where}.severity", f"unknown grype severity {word!r} (expected one of: {expected})")
        return _SEVERITIES[word], word

    def _fix(self, vuln: dict[str, Any], where: str) -> tuple[str | None, list[str]]:
        r = self.r
        if "fix" not in vuln:  # NOTE: grype before about 0.20: one version, no state
            fixed = r.opt(vuln, "fixedInVersion", str, where)
            return None, [fixed] if fixed else []
        fix = r.obj(vuln["fix"], f"{where}.fix")
        state = r.opt(fix, "state", str, f"{where}.fix") or None
        if state is not None and state not in _FIX_STATES:
            r.warn(f"{where}.fix.state: unknown grype fix state {state!r}, kept as is")
        versions = r.each(r.opt(fix, "versions", list, f"{where}.fix", default=[]), f"{where}.fix.versions", str)
        return state, [v for v in versions if v]

    def _cvss(self, vuln: dict[str, Any], where: str) -> tuple[Cvss, ...]:
        r = self.r
        ratings: list[Cvss] = []
        entries = r.each(r.opt(vuln, "cvss", list, where, default=[]), f"{where}.cvss")
        for i, entry in enumerate(entries):
            at = f"{where}.cvss[{i}]"
            metrics = r.opt(entry, "metrics", dict, at, default={})
            score = r.opt(metrics, "baseScore", float, f"{at}.metrics")
            version = r.opt(entry, "version", str, at)
            ratings.append(Cvss(
                None if score is None else r.score(score, f"{at}.metrics.baseScore"),
                r.opt(entry, "vector", str, at) or None,
                version.partition(".")[0] if version else None,
                r.opt(entry, "source", str, at) or r.opt(vuln, "namespace", str, where),
            ))
        for key, version in (("cvssV3", "3"), ("cvssV2", "2")):  # NOTE: grype before about 0.20
            old = r.opt(vuln, key, dict, where)
            if old is not None:
                score = r.opt(old, "baseScore", float, f"{where}.{key}")
                ratings.append(Cvss(
                    None if score is None else r.score(score, f"{where}.{key}.baseScore"),
                    r.opt(old, "vector", str, f"{where}.{key}") or None,
                    version,
                ))
        return tuple(ratings)


def _ecosystem(purl: str | None, artifact_type: str | None) -> str | None:
    """``pkg:deb/debian/bash@5.0`` -> ``debian``, ``pkg:pypi/x@1`` -> ``pypi``; else grype's type."""
    if purl and purl.startswith("pkg:"):
        kind, _, rest = purl[4:].partition("/")
        if kind in _OS_PURL_TYPES and "/" in rest:
            return rest.partition("/")[0].lower() or kind
        if kind and kind != "generic":
            return kind.lower()
    return artifact_type or None
