"""OSV-Scanner JSON reports (``osv-scanner --format json``), v1 and v2.

The shape::

    {"results": [{"source": {"path": "/src/requirements.txt", "type": "lockfile"},
                  "packages": [{"package": {"name": "django", "version": "3.2", "ecosystem": "PyPI"},
                                "vulnerabilities": [{"id": "GHSA-...", "aliases": ["CVE-..."],
                                                     "summary": "...", "affected": [...],
                                                     "database_specific": {"severity": "HIGH"}}, ...],
                                "groups": [{"ids": ["GHSA-...", "PYSEC-..."], "aliases": [...],
                                            "max_severity": "9.8"}],
                                "licenses": ["MIT"], "license_violations": ["MIT"]}]}],
     "experimental_config": {"licenses": {"summary": false, "allowlist": null}}}

Mapping: one ``Kind.VULNERABILITY`` finding per package and vulnerability group (OSV-Scanner
groups the records that are aliases of one another: ``GHSA-x`` and ``PYSEC-y`` of one flaw
are one finding). The rule is the group's first id; the identifiers are every id, the group's
aliases and each record's ``aliases``. Severity: the group's ``max_severity`` (a CVSS score,
since OSV-Scanner 1.4) as GitHub maps scores; without it, the highest
``database_specific.severity`` word of the group's records (``CRITICAL``, ``HIGH``,
``MODERATE``/``MEDIUM``, ``LOW``); else unknown. Fixed versions are the ``fixed`` events of
the records' ranges for this package. A record no group names is a group of its own.

Licence results (``--licenses``, v2): each entry of a package's ``license_violations`` (a
licence outside the allowlist the user gave OSV-Scanner) is a ``Kind.LICENSE`` finding at
``Severity.HIGH`` (the format rates nothing; OSV-Scanner itself fails the run on them).
The format carries no OSV-Scanner version and no scan time.
"""

from __future__ import annotations

from collections.abc import Callable
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
    dedupe,
    fingerprint,
)

TOOL = "osv-scanner"

# database_specific.severity as GitHub (GHSA), Ubuntu, Red Hat-style and other databases write it.
_WORDS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "IMPORTANT": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "NEGLIGIBLE": Severity.INFO,
}
# OSV ecosystems -> the purl-style names the other adapters use (Trivy's, pip-audit's).
_ECOSYSTEMS = {
    "pypi": "pypi", "npm": "npm", "go": "golang", "maven": "maven", "crates.io": "cargo",
    "rubygems": "gem", "packagist": "composer", "nuget": "nuget", "pub": "pub", "hex": "hex",
}
_CVSS_TYPES = {"CVSS_V2": "2", "CVSS_V3": "3", "CVSS_V4": "4"}


class OsvScannerAdapter(Adapter):
    """Reads OSV-Scanner's JSON output."""

    name = "osv-scanner"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        r = Reader(source, build)
        if not isinstance(doc, dict):
            raise r.fail("", f"expected an OSV-Scanner JSON report (an object with \"results\"), got {describe(doc)}")
        findings: list[Finding] = []
        for i, result in enumerate(r.each(r.need(doc, "results", list), "results")):
            where = f"results[{i}]"
            src = r.obj(result.get("source"), f"{where}.source")
            path = r.need(src, "path", str, f"{where}.source") or None
            for j, pkg in enumerate(r.each(r.opt(result, "packages", list, where, default=[]), f"{where}.packages")):
                findings.extend(_package(r, pkg, f"{where}.packages[{j}]", path))
        return Report(
            source=source,
            tool=TOOL,
            format=OsvScannerAdapter.name,
            findings=tuple(findings),
            warnings=tuple(r.warnings),
            categories=frozenset({"dependencies"}),
        )


def _package(r: Reader, pkg: dict[str, Any], where: str, path: str | None) -> list[Finding]:
    info = r.obj(pkg.get("package"), f"{where}.package")
    at = f"{where}.package"
    name = r.opt(info, "name", str, at) or ""
    version = r.opt(info, "version", str, at) or None
    commit = r.opt(info, "commit", str, at) or None
    osv_ecosystem = r.opt(info, "ecosystem", str, at) or ""
    if not name:  # NOTE: a git repository found by its commit (source type "git") has no name
        if not commit:
            raise r.fail(f"{at}.name", "missing: a package without a name or a commit")
        name, version = path or "git repository", version or commit
    vulns = r.each(r.opt(pkg, "vulnerabilities", list, where, default=[]), f"{where}.vulnerabilities")
    by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for k, vuln in enumerate(vulns):
        by_id.setdefault(r.need(vuln, "id", str, f"{where}.vulnerabilities[{k}]"), (k, vuln))
    groups = r.each(r.opt(pkg, "groups", list, where, default=[]), f"{where}.groups")
    grouped: list[tuple[list[str], dict[str, Any] | None, str]] = []
    for k, group in enumerate(groups):
        gat = f"{where}.groups[{k}]"
        ids = r.each(r.need(group, "ids", list, gat), f"{gat}.ids", str)
        if not ids:
            raise r.fail(f"{gat}.ids", "an empty vulnerability group")
        for vid in ids:
            if vid not in by_id:
                raise r.fail(f"{gat}.ids", f"{vid!r} is not among the package's vulnerabilities")
        grouped.append((ids, group, gat))
    named = {vid for ids, _, _ in grouped for vid in ids}
    # NOTE: OSV-Scanner before 1.2 printed no groups: each record is then a group of its own.
    grouped += [([vid], None, where) for vid in by_id if vid not in named]
    ecosystem = _ecosystem(osv_ecosystem)
    findings = [_group(r, ids, group, gat, by_id, name, version, osv_ecosystem, ecosystem, path, pkg)
                for ids, group, gat in grouped]
    violations = r.each(r.opt(pkg, "license_violations", list, where, default=[]), f"{where}.license_violations", str)
    findings += [_licence(r, licence, name, version, ecosystem, path, pkg) for licence in dedupe(violations)]
    return findings


def _group(r: Reader, ids: list[str], group: dict[str, Any] | None, where: str,
           by_id: dict[str, tuple[int, dict[str, Any]]], name: str, version: str | None,
           osv_ecosystem: str, ecosystem: str | None, path: str | None, pkg: dict[str, Any]) -> Finding:
    records = [by_id[vid] for vid in ids]
    aliases: list[str] = list(ids)
    if group is not None:
        aliases += r.each(r.opt(group, "aliases", list, where, default=[]), f"{where}.aliases", str)
    links: list[str] = []
    fixed: list[str] = []
    ratings: list[Cvss] = []
    for k, vuln in records:
        vat = f"{where.partition('.groups')[0]}.vulnerabilities[{k}]"
        aliases += r.each(r.opt(vuln, "aliases", list, vat, default=[]), f"{vat}.aliases", str)
        links.append(f"https://osv.dev/vulnerability/{vuln['id']}")
        for m, ref in enumerate(r.each(r.opt(vuln, "references", list, vat, default=[]), f"{vat}.references")):
            links.append(r.opt(ref, "url", str, f"{vat}.references[{m}]"))
        fixed += _fixed_versions(r, vuln, vat, name, osv_ecosystem)
        ratings += _vectors(r, vuln, vat)
    severity, word, score = _severity(r, group, where, [v for _, v in records])
    if score is not None:
        ratings.insert(0, Cvss(score, None, None, "osv-scanner max_severity"))
    first_index, first = records[0]
    first_at = f"{where.partition('.groups')[0]}.vulnerabilities[{first_index}]"
    rule = ids[0]
    shown_version = f" {version}" if version else ""
    summary = r.opt(first, "summary", str, first_at) or f"{rule} in {name}{shown_version}"
    return r.finding(
        tool=TOOL,
        kind=Kind.VULNERABILITY,
        rule_id=rule,
        title=" ".join(summary.split()),
        message=r.opt(first, "details", str, first_at) or "",
        severity=severity,
        tool_severity=word,
        location=Location(path=path),
        package=Package(name=name, version=version, fixed_versions=dedupe(fixed), ecosystem=ecosystem),
        fix=FixState.AVAILABLE if fixed else FixState.NONE,
        status=_analysis(r, group, where),
        identifiers=dedupe(aliases),
        cvss=tuple(ratings),
        links=dedupe(links),
        fingerprint=fingerprint(TOOL, Kind.VULNERABILITY.value, rule, path, ecosystem, name, version),
        raw={"package": pkg.get("package"), "group": group, "vulnerabilities": [v for _, v in records]},
    )


def _severity(r: Reader, group: dict[str, Any] | None, where: str,
              vulns: list[dict[str, Any]]) -> tuple[Severity, str | None, float | None]:
    """(severity, the tool's word or score, the score) of one group."""
    text = r.opt(group, "max_severity", str, where) if group is not None else None
    if text:
        try:
            score = float(text)
        except ValueError:
            raise r.fail(f"{where}.max_severity", f"not a CVSS score: {text[:40]!r}") from None
        score = r.score(score, f"{where}.max_severity")
        return Severity.from_score(score), text, score
    best: tuple[Severity, str | None] = (Severity.UNKNOWN, None)
    for vuln in vulns:
        specific = vuln.get("database_specific")
        word = specific.get("severity") if isinstance(specific, dict) else None
        if not isinstance(word, str) or not word:
            continue
        severity = _WORDS.get(word.strip().upper())
        if severity is None:
            r.warn(f"{vuln.get('id')}: unknown database_specific.severity {word[:40]!r}, read as unknown")
        elif best[1] is None or severity > best[0]:
            best = (severity, word)
    return best[0], best[1], None


def _vectors(r: Reader, vuln: dict[str, Any], where: str) -> list[Cvss]:
    """The record's CVSS vectors (OSV gives vectors, not scores)."""
    out = []
    for k, entry in enumerate(r.each(r.opt(vuln, "severity", list, where, default=[]), f"{where}.severity")):
        kind = r.opt(entry, "type", str, f"{where}.severity[{k}]")
        vector = r.opt(entry, "score", str, f"{where}.severity[{k}]")
        if kind in _CVSS_TYPES and vector:
            out.append(Cvss(None, vector, _CVSS_TYPES[kind], vuln.get("id")))
    return out


def _fixed_versions(r: Reader, vuln: dict[str, Any], where: str, name: str, osv_ecosystem: str) -> list[str]:
    """The ``fixed`` events of the record's ranges for this package (its name and ecosystem)."""
    out: list[str] = []
    base = osv_ecosystem.partition(":")[0]
    for k, affected in enumerate(r.each(r.opt(vuln, "affected", list, where, default=[]), f"{where}.affected")):
        at = f"{where}.affected[{k}]"
        target = r.opt(affected, "package", dict, at, default={})
        if r.opt(target, "name", str, f"{at}.package") != name:
            continue
        if (r.opt(target, "ecosystem", str, f"{at}.package") or "").partition(":")[0] != base:
            continue
        for m, span in enumerate(r.each(r.opt(affected, "ranges", list, at, default=[]), f"{at}.ranges")):
            events = r.each(r.opt(span, "events", list, f"{at}.ranges[{m}]", default=[]), f"{at}.ranges[{m}].events")
            out += [e["fixed"] for e in events if isinstance(e.get("fixed"), str) and e["fixed"]]
    return out


def _analysis(r: Reader, group: dict[str, Any] | None, where: str) -> str | None:
    """``uncalled`` when call analysis (``--call-analysis``) found none of the group's code called."""
    analysis = r.opt(group, "experimentalAnalysis", dict, where, default={}) if group is not None else {}
    if analysis and all(isinstance(a, dict) and a.get("called") is False for a in analysis.values()):
        return "uncalled"
    return None


def _licence(r: Reader, licence: str, name: str, version: str | None, ecosystem: str | None,
             path: str | None, pkg: dict[str, Any]) -> Finding:
    shown_version = f" {version}" if version else ""
    return r.finding(
        tool=TOOL,
        kind=Kind.LICENSE,
        rule_id=licence,
        title=f"License {licence} of {name}{shown_version} is not in the allowlist",
        message=f"{name}{shown_version} is licensed {licence}, which is outside the licence allowlist OSV-Scanner was given",
        severity=Severity.HIGH,
        location=Location(path=path),
        package=Package(name=name, version=version, ecosystem=ecosystem),
        fingerprint=fingerprint(TOOL, Kind.LICENSE.value, licence, path, ecosystem, name, version),
        raw={"package": pkg.get("package"), "licenses": pkg.get("licenses"), "license_violations": pkg.get("license_violations")},
    )


def _ecosystem(osv: str) -> str | None:
    """``PyPI`` -> ``pypi``, ``Go`` -> ``golang``, ``Debian:11`` -> ``debian``."""
    base = osv.partition(":")[0].strip().lower()
    return _ECOSYSTEMS.get(base, base) or None
