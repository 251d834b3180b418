"""Trivy JSON reports (``trivy image|fs|repo|config|vm|sbom|k8s --format json``).

Schema 2 (Trivy >= 0.20), the usual shape::

    {"SchemaVersion": 2, "Trivy": {"Version": "0.58.1"},
     "ArtifactName": "alpine:3.10", "ArtifactType": "container_image",
     "Results": [{"Target": "alpine:3.10 (alpine 3.10.2)", "Class": "os-pkgs", "Type": "alpine",
                  "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl",
                                       "InstalledVersion": "1.1.1c-r0", "FixedVersion": "1.1.1d-r0",
                                       "Status": "fixed", "Severity": "MEDIUM",
                                       "CVSS": {"nvd": {"V3Score": 5.3, "V3Vector": "..."}}}]}]}

Results may also hold ``Misconfigurations`` (Class ``config``), ``Secrets`` (``secret``),
``Licenses`` (``license``/``license-file``) and ``ExperimentalModifiedFindings`` (findings
suppressed by ``.trivyignore`` or VEX, printed with ``--show-suppressed`` / ``trivy convert``).
Also read: the legacy list ``[{"Target": ..., "Type": ..., "Vulnerabilities": [...]}]`` and
``null`` (Trivy < 0.20), the short-lived ``TRIVY_NEW_JSON_SCHEMA`` object (``ImageID``,
``RepoTags``, ``Results``; accepted with a warning), and both ``trivy k8s`` shapes:
``{"ClusterName": ..., "Vulnerabilities"|"Misconfigurations": [{"Namespace", "Kind", "Name",
"Results"}]}`` (old) and ``{"ClusterName": ..., "Resources": [...]}`` (new).

Severity: Trivy's own words map 1:1 (CRITICAL, HIGH, MEDIUM, LOW); ``UNKNOWN`` ->
``Severity.UNKNOWN`` (the policy treats unrated as high by default). Any other word is an error.

Decisions:

- Misconfigurations: only ``FAIL`` is a finding; ``PASS`` (``--include-non-failures``) is
  skipped; ``EXCEPTION`` is kept, suppressed (kind ``exception``).
- Vulnerability ``Status`` is kept in ``status``; fix is AVAILABLE iff ``FixedVersion`` is
  non-empty. ``not_affected`` is the data source saying the package is not affected on this
  platform: kept, suppressed (kind ``not-affected``). Modified findings are suppressed with
  kind ``ignored`` (``.trivyignore``) or ``vex``.
- Secrets: ``Match`` and ``Code`` are redacted from ``raw`` (context lines are not masked
  by Trivy) and never copied anywhere else.
- Fingerprints use the result Target with ``@sha256:...`` stripped, never ``ArtifactName``
  (a filesystem scan's ArtifactName may be a temporary checkout path).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from hashlib import sha256
from dataclasses import dataclass, replace
from functools import cached_property
from datetime import datetime
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader, describe, redacted
from gatekeeper.model import (
    Cvss,
    Finding,
    FixState,
    Gap,
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

TOOL = "trivy"
SCHEMA_VERSION = 2

_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNKNOWN": Severity.UNKNOWN,
}
_VULN_STATUSES = frozenset(
    {"unknown", "not_affected", "affected", "fixed", "under_investigation",
     "will_not_fix", "fix_deferred", "end_of_life"}
)
_CLASSES = frozenset({"os-pkgs", "lang-pkgs", "config", "secret", "license", "license-file", "custom"})
# Trivy language types -> purl-style ecosystem names; OS types (alpine, debian ...) stay as is.
_ECOSYSTEMS = {
    **dict.fromkeys(("pip", "pipenv", "poetry", "uv", "python-pkg"), "pypi"),
    **dict.fromkeys(("npm", "yarn", "pnpm", "bun", "node-pkg"), "npm"),
    **dict.fromkeys(("jar", "pom", "gradle", "sbt"), "maven"),
    **dict.fromkeys(("gomod", "gobinary"), "golang"),
    **dict.fromkeys(("cargo", "rust-binary"), "cargo"),
    **dict.fromkeys(("bundler", "gemspec"), "gem"),
    **dict.fromkeys(("composer", "composer-vendor"), "composer"),
    **dict.fromkeys(("nuget", "dotnet-core", "packages-props"), "nuget"),
}
# (CVSS object key suffix, model version), newest first.
_CVSS_VERSIONS = (("V40", "4"), ("V3", "3"), ("V2", "2"))
_CVSS_KEYS = tuple((f"{prefix}Score", f"{prefix}Vector", version) for prefix, version in _CVSS_VERSIONS)
# Required and optional string properties of a vulnerability, in the order _vulnerability reads them.
_VULN_NEEDED = ("VulnerabilityID", "Severity", "PkgName")
_VULN_TEXTS = ("InstalledVersion", "FixedVersion", "Status", "PkgPath", "Title", "Description", "PrimaryURL")
_STR_OR_NULL = frozenset({str, type(None)})
_INT_OR_NULL = frozenset({int, type(None)})
# String properties of a misconfiguration and the lines of its CauseMetadata, for the usual item's single check.
_MISCONF_TEXTS = ("ID", "Status", "Severity", "Title", "Message", "Description", "AVDID", "PrimaryURL")
_MISCONF_STATUSES = frozenset({"FAIL", "PASS", "EXCEPTION"})
_CAUSE_KEYS = ("StartLine", "EndLine", "Resource")
_ONLY_STR = frozenset({str})


def _scan_root(kind: str | None, name: str | None) -> str | None:
    """The scanned folder, when paths should be joined to it (see ``_Scope.root``)."""
    # NOTE: `trivy fs fixtures/targets` reports `Dockerfile`, while its own SARIF writer
    # says `fixtures/targets/Dockerfile`; absolute names (a temporary checkout) stay out.
    if kind not in ("filesystem", "repository") or not name or name.startswith("/") or "://" in name:
        return None
    root = posixpath.normpath(name.replace("\\", "/"))
    return None if root in (".", "") or root.startswith("..") else root


@dataclass(frozen=True)
class _Scope:
    """Where a result sits: the artefact, and for ``trivy k8s`` the cluster and object."""

    target: str | None = None
    k8s_resource: str | None = None
    root: str | None = None
    """For a filesystem or repository scan of a relative folder: that folder, so that file
    paths (relative to it in the report) become relative to where Trivy ran."""
    result_target: str = ""
    result_class: str | None = None
    result_type: str | None = None

    # NOTE: computed once per result, not per finding: a result may list 50k findings.
    @cached_property
    def stripped_target(self) -> str:
        """The result Target without image digests (for fingerprints)."""
        return strip_digest(self.result_target) or ""

    @cached_property
    def fingerprint_scope(self) -> str:
        """What identifies the result in a fingerprint, its parts joined as ``fingerprint``
        joins them (the cluster name identifies a k8s object; an ArtifactName may be a
        temporary checkout path, so it is never part of it)."""
        cluster = self.target if self.k8s_resource else None
        return "\x1f".join(["" if p is None else p for p in (cluster, self.k8s_resource, self.stripped_target)])

    @cached_property
    def ecosystem(self) -> str | None:
        return _ECOSYSTEMS.get(self.result_type or "", self.result_type)

    @cached_property
    def location_target(self) -> str | None:
        """The ``Location.target`` of this result's findings (see ``_Parser._location``)."""
        if self.k8s_resource:  # the cluster is the target, even when it has no name
            return self.target
        # legacy reports name no artefact: the result Target is all there is
        return self.target or self.stripped_target or None

    @cached_property
    def is_lang(self) -> bool:
        if self.result_class is not None:
            return self.result_class == "lang-pkgs"
        return self.result_type in _ECOSYSTEMS  # legacy results have no Class


class TrivyAdapter(Adapter):
    """Reads Trivy's JSON output."""

    name = "trivy"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        return _Parser(source, build).parse(doc)


class _Parser:
    """One parse of one document; collects findings, categories and gaps."""

    def __init__(self, source: str, build: Callable[..., Finding] | None = None) -> None:
        self.source = source
        self.r = Reader(source, build)
        self.findings: list[Finding] = []
        self.categories: set[str] = set()
        self.images: list[str] = []
        self.gaps: list[Gap] = []
        self.tool_version: str | None = None
        self.generated_at: datetime | None = None
        # NOTE: equal frozen values are shared, not rebuilt per finding (50k findings repeat
        # the same locations and CVSS entries); each constructor call costs about 1 µs.
        self._locations: dict[tuple[Any, ...], Location] = {}
        self._ratings_of: dict[tuple[Any, ...], tuple[Cvss, ...]] = {}
        # NOTE: and one Package per distinct (name, version, fixes, ecosystem, purl), each
        # FixedVersion text split once: the real-shaped 50k report's 30k vulnerabilities name
        # 62 packages (bench/README.md, issue 20).
        self._packages: dict[tuple[Any, ...], Package] = {}
        self._fixed: dict[str, tuple[str, ...]] = {}

    def parse(self, doc: Any) -> Report:
        target: str | None = None
        if doc is None:
            pass  # NOTE: Trivy < 0.20 printed `null` for a clean scan.
        elif isinstance(doc, list):
            self._results(doc, "", _Scope())
        elif isinstance(doc, dict):
            target = self._object(doc)
        else:
            raise self.r.fail("", f"expected a Trivy JSON report (an object or a list), got {describe(doc)}")
        return Report(
            source=self.source,
            tool=TOOL,
            format=TrivyAdapter.name,
            findings=tuple(self.findings),
            tool_version=self.tool_version,
            target=target,
            gaps=tuple(self.gaps),
            warnings=tuple(self.r.warnings),
            categories=frozenset(self.categories),
            generated_at=self.generated_at,
            images=tuple(self.images),
        )

    # -- document shapes ---------------------------------------------------------------

    def _object(self, doc: dict[str, Any]) -> str | None:
        r = self.r
        if "SchemaVersion" in doc:
            version = r.need(doc, "SchemaVersion", int)
            if version != SCHEMA_VERSION:
                raise r.fail(
                    "SchemaVersion",
                    f"unsupported Trivy SchemaVersion {version} (this adapter reads {SCHEMA_VERSION})",
                )
        elif "ClusterName" not in doc:
            if "Results" not in doc:
                raise r.fail("", "not a Trivy JSON report: expected SchemaVersion, ClusterName or Results")
            r.warn("pre-SchemaVersion Trivy report object (TRIVY_NEW_JSON_SCHEMA, Trivy 0.17-0.19)")
        self.generated_at = r.time(doc, "CreatedAt")  # NOTE: since Trivy 0.47
        trivy = r.opt(doc, "Trivy", dict)
        if trivy is not None:
            self.tool_version = r.opt(trivy, "Version", str, "Trivy")
        if "ClusterName" in doc:
            return self._cluster(doc)
        return self._artifact(doc)

    def _artifact(self, doc: dict[str, Any]) -> str | None:
        r = self.r
        name = r.opt(doc, "ArtifactName", str)
        if name is None:  # TRIVY_NEW_JSON_SCHEMA reports named the image this way
            tags = r.opt(doc, "RepoTags", list, default=[])
            name = tags[0] if tags and isinstance(tags[0], str) else r.opt(doc, "ImageID", str)
        kind = r.opt(doc, "ArtifactType", str)
        if kind == "container_image":
            self.categories.add("image")
            self.images = _image_refs(r, doc, name)
        results = r.opt(doc, "Results", list, default=[])
        self._results(results, "Results", _Scope(target=strip_digest(name) or None, root=_scan_root(kind, name)))
        return name or None

    def _cluster(self, doc: dict[str, Any]) -> str | None:
        r = self.r
        cluster = r.need(doc, "ClusterName", str) or None  # NOTE: may be "" (issue_10991)
        for key in ("Resources", "Vulnerabilities", "Misconfigurations"):
            resources = r.each(doc[key], key) if doc.get(key) is not None else []
            for i, resource in enumerate(resources):
                self._k8s_resource(resource, f"{key}[{i}]", cluster)
        return cluster

    def _k8s_resource(self, resource: dict[str, Any], where: str, cluster: str | None) -> None:
        r = self.r
        namespace = r.opt(resource, "Namespace", str, where)
        kind = r.need(resource, "Kind", str, where)
        name = r.need(resource, "Name", str, where)
        ident = f"{namespace}/{kind}/{name}" if namespace else f"{kind}/{name}"
        error = r.opt(resource, "Error", str, where)
        if error:
            self.gaps.append(Gap(subject=f"{cluster or 'cluster'} {ident}", reason=error))
        results = r.opt(resource, "Results", list, where, default=[])
        self._results(results, f"{where}.Results", _Scope(target=cluster, k8s_resource=ident))

    # -- results -----------------------------------------------------------------------

    def _results(self, results: list[Any], where: str, scope: _Scope) -> None:
        for i, result in enumerate(self.r.each(results, where or "(top level)")):
            self._result(result, f"{where}[{i}]", scope)

    def _result(self, result: dict[str, Any], where: str, scope: _Scope) -> None:
        r = self.r
        target = r.need(result, "Target", str, where)
        klass = r.opt(result, "Class", str, where)
        rtype = r.opt(result, "Type", str, where)
        if klass is not None and klass not in _CLASSES:
            r.warn(f"{where}.Class: unknown Trivy result class {klass!r}; read its findings lists only")
        scope = replace(scope, result_target=target, result_class=klass, result_type=rtype)
        self._note_categories(klass, rtype, result)
        for key, parse in (
            ("Vulnerabilities", self._vulnerability),
            ("Misconfigurations", self._misconfiguration),
            ("Secrets", self._secret),
            ("Licenses", self._license),
        ):
            items = r.opt(result, key, list, where, default=[])
            at = f"{where}.{key}"
            append = self.findings.append  # NOTE: no method call per finding (50k findings)
            for i, item in enumerate(r.each(items, at)):
                finding = parse(item, f"{at}[{i}]", scope, None)
                if finding is not None:
                    append(finding)
        modified = r.opt(result, "ExperimentalModifiedFindings", list, where, default=[])
        for i, item in enumerate(r.each(modified, f"{where}.ExperimentalModifiedFindings")):
            self._add(self._modified(item, f"{where}.ExperimentalModifiedFindings[{i}]", scope))
        if r.opt(result, "CustomResources", list, where):
            # NOTE: custom resources are data from Trivy modules (e.g. spring4shell), not findings.
            r.warn(f"{where}.CustomResources: module output is not a finding and was not read")

    def _note_categories(self, klass: str | None, rtype: str | None, result: dict[str, Any]) -> None:
        if klass in ("os-pkgs", "lang-pkgs") or (klass is None and "Vulnerabilities" in result):
            self.categories.add("dependencies")
        elif klass == "secret":
            self.categories.add("secrets")
        elif klass == "config":
            self.categories.add("iac")
            if rtype == "dockerfile":
                self.categories.add("dockerfile")

    def _add(self, finding: Finding | None) -> None:
        if finding is not None:
            self.findings.append(finding)

    def _modified(self, item: dict[str, Any], where: str, scope: _Scope) -> Finding | None:
        """A finding Trivy suppressed (``.trivyignore`` -> ``ignored``, or a VEX statement)."""
        r = self.r
        ftype = r.need(item, "Type", str, where)
        status = r.need(item, "Status", str, where)
        statement = r.opt(item, "Statement", str, where)
        origin = r.opt(item, "Source", str, where)
        parse = {
            "vulnerability": self._vulnerability,
            "misconfiguration": self._misconfiguration,
            "secret": self._secret,
            "license": self._license,
        }.get(ftype)
        if parse is None:
            raise r.fail(f"{where}.Type", f"unknown modified finding type {ftype!r}")
        why = ", ".join(p for p in (status, statement, f"source: {origin}" if origin else None) if p)
        kind = "ignored" if status == "ignored" else "vex"
        inner = r.obj(item.get("Finding"), f"{where}.Finding")
        return parse(inner, f"{where}.Finding", scope, Suppression(kind, why))

    # -- findings ----------------------------------------------------------------------

    def _severity(self, item: dict[str, Any], where: str) -> tuple[Severity, str]:
        word = self.r.need(item, "Severity", str, where)
        if word not in _SEVERITIES:
            expected = ", ".join(_SEVERITIES)
            raise self.r.fail(f"{where}.Severity", f"unknown Trivy severity {word!r} (expected one of: {expected})")
        return _SEVERITIES[word], word

    def _strings(self, item: dict[str, Any], key: str, where: str) -> list[str]:
        value = item.get(key)
        if value is None:
            return []
        if type(value) is list and _ONLY_STR.issuperset(map(type, value)):
            return value  # NOTE: the usual case, checked in C without building a path (large reports)
        return self.r.each(self.r.opt(item, key, list, where, default=[]), f"{where}.{key}", str)

    def _location(self, scope: _Scope, path: str | None, start: int | None = None,
                  end: int | None = None, resource: str | None = None, layer: str | None = None) -> Location:
        if scope.k8s_resource:
            resource = f"{scope.k8s_resource} {resource}" if resource else scope.k8s_resource
        if path and scope.root and not path.startswith("/"):
            # NOTE: posixpath.join's result here (the root is normalised, never ending in "/"),
            # without its general case (1 µs, 31k findings of the real-shaped 50k report).
            path = f"{scope.root}/{path}"
        key = (path or None, start, end, scope.location_target, resource, layer)
        location = self._locations.get(key)
        if location is None:
            location = self._locations[key] = Location(*key)
        return location

    def _vulnerability(self, item: dict[str, Any], where: str, scope: _Scope,
                       suppression: Suppression | None) -> Finding:
        r = self.r
        # NOTE: the usual item is read with one type check for all its strings (50k findings);
        # otherwise the Reader reads them one by one, and names the first wrong one.
        vid, word, pkg_name = needed = list(map(item.get, _VULN_NEEDED))
        severity = _SEVERITIES.get(word) if _ONLY_STR.issuperset(map(type, needed)) else None
        if severity is None:
            vid = r.need(item, "VulnerabilityID", str, where)
            severity, word = self._severity(item, where)
            pkg_name = r.need(item, "PkgName", str, where)
        texts = list(map(item.get, _VULN_TEXTS))
        if not _STR_OR_NULL.issuperset(map(type, texts)):
            self._wrong_vulnerability(item, where)
        installed, fixed_text, status, pkg_path, title, description, primary_url = texts
        fixed = self._fixed.get(fixed_text) if fixed_text else ()
        if fixed is None:
            fixed = self._fixed[fixed_text] = tuple(v for v in (v.strip() for v in fixed_text.split(",")) if v)
        if status is not None and status not in _VULN_STATUSES:
            r.warn(f"{where}.Status: unknown vulnerability status {status!r}, kept as is")
        if status == "fixed" and not fixed:
            r.warn("vulnerability with Status 'fixed' but no FixedVersion: read as no fix available")
        if status == "not_affected" and suppression is None:
            suppression = Suppression(
                "not-affected",
                "the vulnerability data source says this package is not affected (Status not_affected)",
            )
        identifier = item.get("PkgIdentifier")
        if type(identifier) is not dict:  # NOTE: the Reader only for null or a wrong type (50k findings)
            identifier = r.opt(item, "PkgIdentifier", dict, where, default={})
        purl = identifier.get("PURL")
        if purl is not None and type(purl) is not str:
            r.opt(identifier, "PURL", str, f"{where}.PkgIdentifier")  # raises, naming it
        title = title or f"{vid} in {pkg_name}"
        return self.r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.VULNERABILITY,
            rule_id=vid,
            title=_one_line(title),
            message="" if description is None else description,
            severity=severity,
            tool_severity=word,
            location=self._location(scope, pkg_path or (scope.result_target if scope.is_lang else None), layer=_created_by(item)),
            package=self._package(pkg_name, installed, fixed, scope.ecosystem, purl),
            fix=FixState.AVAILABLE if fixed else FixState.NONE,
            status=status,
            identifiers=_unique([vid, *self._strings(item, "VendorIDs", where), *self._strings(item, "CweIDs", where)]),
            cvss=self._cvss(item, where),
            links=_unique([primary_url, *self._strings(item, "References", where)]),
            suppression=suppression,
            fingerprint=_vulnerability_fingerprint(vid, scope, pkg_path, pkg_name, installed),
            raw=item,
        )

    def _package(self, *fields: Any) -> Package:
        """``Package(name, version, fixed_versions, ecosystem, purl)``, one object per distinct value."""
        package = self._packages.get(fields)
        if package is None:
            package = self._packages[fields] = Package(*fields)
        return package

    def _wrong_vulnerability(self, item: dict[str, Any], where: str) -> None:
        """Raise the error reading a vulnerability property by property names first."""
        r = self.r
        for key in _VULN_TEXTS[:3]:  # InstalledVersion, FixedVersion, Status
            r.opt(item, key, str, where)
        r.opt(item, "PkgIdentifier", dict, where)
        for key in _VULN_TEXTS[3:6]:  # PkgPath, Title, Description
            r.opt(item, key, str, where)
        self._strings(item, "VendorIDs", where)
        self._strings(item, "CweIDs", where)
        self._cvss(item, where)
        r.opt(item, "PrimaryURL", str, where)
        raise AssertionError("unreachable: one of the properties above has the wrong type")

    def _cvss(self, item: dict[str, Any], where: str) -> tuple[Cvss, ...]:
        r = self.r
        by_source = item.get("CVSS")
        if type(by_source) is not dict:  # NOTE: the Reader only for null or a wrong type (50k findings)
            by_source = r.opt(item, "CVSS", dict, where, default={})
        preferred = item.get("SeveritySource")
        if preferred is not None and type(preferred) is not str:
            r.opt(item, "SeveritySource", str, where)  # raises, naming it
        # The source Trivy took the severity from is the most authoritative for this finding.
        order: Any = by_source
        if preferred in by_source and next(iter(by_source)) != preferred:
            order = sorted(by_source, key=lambda s: s != preferred)
        ratings: list[Cvss] = []
        for src in order:
            entry = by_source[src]
            if type(entry) is dict:
                # NOTE: one source's ratings are read once per distinct entry, not per finding:
                # 50k findings share a few thousand (source, scores, vectors) entries.
                try:
                    # The value types too: a JSON true equals 1.0 as a key but is an error.
                    key = (src, *entry.items(), *map(type, entry.values()))
                    ratings.extend(self._ratings_of[key])
                    continue
                except KeyError:
                    start = len(ratings)
                    self._source_ratings(entry, src, where, ratings)
                    self._ratings_of[key] = tuple(ratings[start:])
                    continue
                except TypeError:  # a list or an object among the values: read it and fail there
                    pass
            self._source_ratings(r.obj(entry, f"{where}.CVSS.{src}"), src, where, ratings)
        return tuple(ratings)

    def _source_ratings(self, entry: dict[str, Any], src: str, where: str, ratings: list[Cvss]) -> None:
        """Append one source's ratings (``{"V3Score": 7.5, "V3Vector": ...}``) to ``ratings``."""
        r = self.r
        for score_key, vector_key, version in _CVSS_KEYS:
            score = entry.get(score_key)
            vector = entry.get(vector_key)
            if score is None and vector is None:
                continue  # NOTE: most sources rate one or two CVSS versions of three
            if not ((score is None or type(score) is float) and (vector is None or type(vector) is str)):
                at = f"{where}.CVSS.{src}"  # an integer score, or an error to name
                score = r.opt(entry, score_key, float, at)
                vector = r.opt(entry, vector_key, str, at)
            if score is not None:
                score = r.score(score, f"{where}.CVSS.{src}.{score_key}")
            if score is not None or vector:
                ratings.append(Cvss(score, vector or None, version, src))

    def _misconfiguration(self, item: dict[str, Any], where: str, scope: _Scope,
                          suppression: Suppression | None) -> Finding | None:
        # NOTE: the usual item (strings, a CauseMetadata object with integer lines) is read
        # with one type check per group instead of a Reader call per property: 19.7k
        # misconfigurations of the real-shaped 50k report (bench/README.md, issue 20). Any
        # other item is read property by property (``_read_misconfiguration``), in the old
        # order, so what is warned about or refused, and its words, are unchanged.
        texts = list(map(item.get, _MISCONF_TEXTS))
        cause = item.get("CauseMetadata")
        if cause is None:
            cause = {}
        rule, status, word, title, message, description, avdid, primary_url = texts
        if not (
            type(rule) is str
            and _STR_OR_NULL.issuperset(map(type, texts))
            and status in _MISCONF_STATUSES
            and word in _SEVERITIES
            and type(cause) is dict
        ):
            return self._read_misconfiguration(item, where, scope, suppression)
        start, end, resource = lines = list(map(cause.get, _CAUSE_KEYS))
        if not (_INT_OR_NULL.issuperset(map(type, lines[:2])) and type(resource) in _STR_OR_NULL):
            return self._read_misconfiguration(item, where, scope, suppression)
        if status == "PASS":
            return None  # NOTE: listed only with --include-non-failures; a passed check.
        if status == "EXCEPTION" and suppression is None:
            suppression = Suppression("exception", "excepted by a Trivy policy exception (Status EXCEPTION)")
        resource = resource or None
        path = None if scope.k8s_resource else scope.result_target  # k8s Targets are "Kind/name"
        return self.r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.MISCONFIGURATION,
            rule_id=rule,
            title=_one_line(title or rule),
            message=message or description or "",
            severity=_SEVERITIES[word],
            tool_severity=word,
            location=self._location(scope, path, start, end, resource),
            status=status,
            identifiers=_unique([rule, avdid]),
            links=_unique([primary_url, *self._strings(item, "References", where)]),
            suppression=suppression,
            fingerprint=_misconfiguration_fingerprint(rule, scope, start),
            raw=item,
        )

    def _read_misconfiguration(self, item: dict[str, Any], where: str, scope: _Scope,
                               suppression: Suppression | None) -> Finding | None:
        r = self.r
        rule = r.need(item, "ID", str, where)
        status = r.opt(item, "Status", str, where)
        if status is None:
            r.warn("misconfiguration without Status: read as FAIL")
            status = "FAIL"
        if status == "PASS":
            return None  # NOTE: listed only with --include-non-failures; a passed check.
        if status == "EXCEPTION" and suppression is None:
            suppression = Suppression("exception", "excepted by a Trivy policy exception (Status EXCEPTION)")
        elif status not in ("FAIL", "EXCEPTION"):
            raise r.fail(
                f"{where}.Status", f"unknown misconfiguration status {status!r} (expected FAIL, PASS or EXCEPTION)"
            )
        severity, word = self._severity(item, where)
        cause = r.opt(item, "CauseMetadata", dict, where, default={})
        at = f"{where}.CauseMetadata"
        start = r.opt(cause, "StartLine", int, at)
        resource = r.opt(cause, "Resource", str, at) or None
        path = None if scope.k8s_resource else scope.result_target  # k8s Targets are "Kind/name"
        return self.r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.MISCONFIGURATION,
            rule_id=rule,
            title=_one_line(r.opt(item, "Title", str, where) or rule),
            message=r.opt(item, "Message", str, where) or r.opt(item, "Description", str, where) or "",
            severity=severity,
            tool_severity=word,
            location=self._location(scope, path, start, r.opt(cause, "EndLine", int, at), resource),
            status=status,
            identifiers=dedupe([rule, r.opt(item, "AVDID", str, where)]),
            links=dedupe([r.opt(item, "PrimaryURL", str, where), *self._strings(item, "References", where)]),
            suppression=suppression,
            fingerprint=_fingerprint(Kind.MISCONFIGURATION, rule, scope, None, start),
            raw=item,
        )

    def _secret(self, item: dict[str, Any], where: str, scope: _Scope,
                suppression: Suppression | None) -> Finding:
        r = self.r
        rule = r.need(item, "RuleID", str, where)
        severity, word = self._severity(item, where)
        title = _one_line(r.opt(item, "Title", str, where) or rule)
        category = r.opt(item, "Category", str, where)
        start = r.opt(item, "StartLine", int, where)
        # Type-checked only: the values are secrets and leave this function redacted.
        r.opt(item, "Match", str, where)
        r.opt(item, "Code", dict, where)
        place = f"{scope.result_target}:{start}" if start else scope.result_target
        return self.r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.SECRET,
            rule_id=rule,
            title=title,
            message=f"{title} ({category or 'secret'}) found in {place}",
            severity=severity,
            tool_severity=word,
            location=self._location(scope, scope.result_target, start, r.opt(item, "EndLine", int, where)),
            suppression=suppression,
            fingerprint=_fingerprint(Kind.SECRET, rule, scope, start),
            raw=redacted(item, ("Match", "Code")),
        )

    def _license(self, item: dict[str, Any], where: str, scope: _Scope,
                 suppression: Suppression | None) -> Finding:
        r = self.r
        name = r.need(item, "Name", str, where)
        severity, word = self._severity(item, where)
        category = r.opt(item, "Category", str, where)
        pkg_name = r.opt(item, "PkgName", str, where) or None
        file_path = r.opt(item, "FilePath", str, where) or None
        confidence = r.opt(item, "Confidence", float, where)
        subject = pkg_name or file_path or scope.result_target
        detail = f", confidence {confidence}" if confidence is not None else ""
        return self.r.finding(
            tool=TOOL,
            tool_version=self.tool_version,
            kind=Kind.LICENSE,
            rule_id=name,
            title=_one_line(f"License {name}" + (f" ({category})" if category else "")),
            message=f"{subject} is licensed {name} (category {category or 'unknown'}{detail})",
            severity=severity,
            tool_severity=word,
            location=self._location(scope, file_path),
            package=Package(name=pkg_name, ecosystem=_ecosystem(scope)) if pkg_name else None,
            links=dedupe([r.opt(item, "Link", str, where)]),
            suppression=suppression,
            fingerprint=_fingerprint(Kind.LICENSE, name, scope, pkg_name, file_path),
            raw=item,
        )


def _fingerprint(kind: Kind, rule: str, scope: _Scope, *parts: object) -> str:
    return fingerprint(TOOL, kind.value, rule, scope.fingerprint_scope, *parts)


def _vulnerability_fingerprint(vid: str, scope: _Scope, pkg_path: str | None, pkg_name: str, installed: str | None) -> str:
    """``_fingerprint(Kind.VULNERABILITY, vid, scope, pkg_path, pkg_name, installed)``.

    NOTE: the same text hashed without ``fingerprint``'s general case (1 µs of a
    vulnerability's 14: 50k findings); tests/adapters/test_trivy.py checks they agree.
    """
    text = f"{TOOL}\x1fvulnerability\x1f{vid}\x1f{scope.fingerprint_scope}\x1f{pkg_path or ''}\x1f{pkg_name}\x1f{installed or ''}"
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _misconfiguration_fingerprint(rule: str, scope: _Scope, start: int | None) -> str:
    """``_fingerprint(Kind.MISCONFIGURATION, rule, scope, None, start)``, hashed directly as
    ``_vulnerability_fingerprint`` is (tests/adapters/test_trivy.py checks they agree).

    NOTE: not the resource (``CauseMetadata.Resource``): Trivy's SARIF does not carry it, and
    a baseline made from a scan's JSON must apply to the same scan's SARIF (issue 15; the
    rule, the result's target and the line already tell two resources apart)."""
    line = "" if start is None else start
    text = f"{TOOL}\x1fmisconfiguration\x1f{rule}\x1f{scope.fingerprint_scope}\x1f\x1f{line}"
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _unique(items: list[str | None]) -> tuple[str, ...]:
    """``dedupe`` for values already checked to be strings or ``None``."""
    out = dict.fromkeys(items)
    out.pop("", None)
    out.pop(None, None)
    return tuple(out)  # type: ignore[arg-type]


def _created_by(item: dict[str, Any]) -> str | None:
    """``Layer.CreatedBy`` of an image's vulnerability (the Dockerfile instruction behind the
    layer), kept in the finding's location so that judging a change needs no raw item.

    NOTE: the layer only places a finding in a change (``change/place.py``); a layer of
    another shape is no instruction known, and that finding is then decided as usual."""
    layer = item.get("Layer")
    if type(layer) is not dict:
        return None
    text = layer.get("CreatedBy")
    return text if type(text) is str and text.strip() else None


def _ecosystem(scope: _Scope) -> str | None:
    return scope.ecosystem


def _one_line(text: str) -> str:
    if text.isprintable():  # NOTE: no line break of any kind (the usual title, checked in C)
        return text.strip()
    first = text.strip().splitlines()[0] if text.strip() else text
    return first.strip()


def _image_refs(r: Reader, doc: dict[str, Any], name: str | None) -> list[str]:
    """Every reference a container scan gives its image: ArtifactName, ``Metadata``'s
    RepoTags, RepoDigests and ImageID (for VEX statements that name the image)."""
    meta = r.opt(doc, "Metadata", dict, default={})
    refs = [name or ""]
    for key in ("RepoTags", "RepoDigests"):
        refs.extend(v for v in r.opt(meta, key, list, "Metadata", default=[]) if isinstance(v, str))
    refs.append(r.opt(meta, "ImageID", str, "Metadata") or "")
    return list(dict.fromkeys(v for v in refs if v))
