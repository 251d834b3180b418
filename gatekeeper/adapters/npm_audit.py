"""npm audit JSON reports (``npm audit --json``): npm 6 and npm 7+ (``auditReportVersion: 2``).

npm 7+ lists vulnerable packages; each ``via`` entry is an advisory or the name of another
vulnerable package it depends on::

    {"auditReportVersion": 2,
     "vulnerabilities": {
       "debug": {"name": "debug", "severity": "moderate", "isDirect": false,
                 "via": [{"source": 1094219, "name": "debug", "dependency": "debug",
                          "title": "Regular Expression Denial of Service in debug",
                          "url": "https://github.com/advisories/GHSA-gxpj-cx7g-858c",
                          "severity": "moderate", "cwe": ["CWE-400"],
                          "cvss": {"score": 5.3, "vectorString": "CVSS:3.0/AV:N/..."},
                          "range": ">=4.0.0 <4.3.1"}],
                 "effects": ["@vercel/fun"], "range": "4.0.0 - 4.3.0",
                 "nodes": ["node_modules/@vercel/fun/node_modules/debug"],
                 "fixAvailable": {"name": "vercel", "version": "32.3.0", "isSemVerMajor": true}},
       "@vercel/fun": {"name": "@vercel/fun", "via": ["debug", "semver"], ...}},
     "metadata": {"vulnerabilities": {...}, "dependencies": {...}}}

npm 6 lists advisories by id, each with the installed versions and their dependency paths::

    {"actions": [...], "advisories": {"146": {"id": 146, "module_name": "growl",
       "severity": "critical", "title": "Command Injection", "cves": ["CVE-2017-16042"],
       "cwe": "CWE-400", "patched_versions": ">=1.10.2", "url": "https://www.npmjs.com/advisories/146",
       "findings": [{"version": "1.9.2", "paths": ["mocha>growl"]}], ...}},
     "muted": [], "metadata": {...}}

Mapping: ``Kind.VULNERABILITY`` findings, ecosystem ``npm``. npm 7+: one per (package,
advisory), names in ``via`` followed to the advisories they lead to (cycles stop), so a
direct dependency has a finding for each advisory beneath it, its title naming the chain;
npm 7+ gives no installed version (only ``range``). npm 6: one per (advisory, installed
version). Severity ``critical``/``high``/``moderate``/``low``/``info`` -> critical, high,
medium, low, info (kept as ``tool_severity``). Rule id: the GHSA id (from ``url`` or
``github_advisory_id``), else the first CVE, else ``NPM-<id>``. Fix: npm 7+ ``fixAvailable``
``true`` or an object (the package to update, named in the message) is available, ``false``
none; npm 6 ``patched_versions`` other than ``<0.0.0`` is available.

An npm error object (``{"error": {"code": "ENOAUDIT", "summary": ...}}``: the registry did
not answer, no lockfile ...) and any document with a top-level ``error`` is refused: the
audit did not run, so it is never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader
from gatekeeper.model import (
    Cvss,
    FixState,
    Finding,
    Kind,
    Location,
    Package,
    Report,
    Severity,
    dedupe,
    fingerprint,
)

_SEVERITIES = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
}
_GHSA = re.compile(r"GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}")
_CWE = re.compile(r"CWE-\d+")
_CVSS_VERSION = re.compile(r"CVSS:(\d)")
_ERROR_TEXT_MAX = 200
_PATHS_SHOWN = 5


class NpmAuditAdapter(Adapter):
    """Reads ``npm audit --json`` output of npm 6 and npm 7+."""

    name = "npm-audit"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        if not isinstance(doc, dict):
            raise reader.fail("$", 'expected an npm audit report (an object with "vulnerabilities" or "advisories")')
        if "error" in doc:
            raise reader.fail("error", _error_text(doc))
        if "auditReportVersion" in doc:
            version = doc["auditReportVersion"]
            if version != 2 or isinstance(version, bool):
                raise reader.fail("auditReportVersion", f"{str(version)[:20]} is not a version gatekeeper reads (2)")
            findings = _read_v2(reader, reader.need(doc, "vulnerabilities", dict))
        elif "advisories" in doc:
            findings = _read_v1(reader, reader.need(doc, "advisories", dict))
        else:
            raise reader.fail("$", 'neither "vulnerabilities" (npm 7+) nor "advisories" (npm 6): not an npm audit report')
        return Report(
            source=source,
            tool="npm-audit",
            format=self.name,
            findings=tuple(findings),
            warnings=tuple(reader.warnings),
            categories=frozenset({"dependencies"}),
        )


def _bounded(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _ERROR_TEXT_MAX else text[: _ERROR_TEXT_MAX - 3] + "..."


def _error_text(doc: dict[str, Any]) -> str:
    error = doc["error"]
    if isinstance(error, dict):
        # NOTE: an HTTP error from the registry has no code but the response's status and message.
        status = doc.get("statusCode")
        code = _bounded(error.get("code") or (f"HTTP {status}" if status else "no code"))
        summary = _bounded(error.get("summary") or doc.get("message") or "no summary")
        said = f"npm audit failed ({code}): {summary}"
    else:
        said = f"npm audit failed: {_bounded(error)}"
    return f"{said}; the audit did not run, so this is not a clean report"


def _severity(reader: Reader, obj: dict[str, Any], where: str) -> tuple[Severity, str]:
    word = reader.need(obj, "severity", str, where)
    if word not in _SEVERITIES:
        raise reader.fail(f"{where}.severity", f"unknown severity {word[:40]!r} (expected one of: {', '.join(_SEVERITIES)})")
    return _SEVERITIES[word], word


def _cwes(value: Any) -> list[str]:
    texts = value if isinstance(value, list) else [value]
    return [m.group(0) for t in texts if isinstance(t, str) for m in [_CWE.fullmatch(t.strip())] if m]


def _cvss(reader: Reader, advisory: dict[str, Any], where: str) -> tuple[Cvss, ...]:
    cvss = reader.opt(advisory, "cvss", dict, where)
    if cvss is None:
        return ()
    score = reader.opt(cvss, "score", (int, float), f"{where}.cvss")
    vector = reader.opt(cvss, "vectorString", str, f"{where}.cvss")
    # NOTE: npm prints {"score": 0, "vectorString": null} for an advisory without a rating.
    if not vector and not score:
        return ()
    if score is not None and not 0.0 <= score <= 10.0:  # NOTE: false for NaN too
        raise reader.fail(f"{where}.cvss.score", f"a score is a number from 0 to 10, got {str(score)[:40]}; refused")
    version = _CVSS_VERSION.match(vector or "")
    return (Cvss(score=None if score is None else float(score), vector=vector, version=version.group(1) if version else None, source="ghsa"),)


def _advisory_id(ghsa: str | None, cves: list[str], number: Any) -> str:
    return ghsa or (cves[0] if cves else f"NPM-{number}")


# -- npm 7+ -------------------------------------------------------------------------------


def _read_v2(reader: Reader, vulns: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    for name, entry in vulns.items():
        where = f"vulnerabilities.{name}"
        reader.obj(entry, where)
        for chain, advisory, adv_where in _advisories(reader, vulns, name):
            findings.append(_v2_finding(reader, name, entry, where, chain, advisory, adv_where))
    return findings


def _advisories(reader: Reader, vulns: dict[str, Any], name: str) -> list[tuple[tuple[str, ...], dict[str, Any], str]]:
    """The advisories ``name`` is vulnerable to, each with the chain of packages it comes through.

    Breadth first, so each advisory is reached by its shortest chain; a package seen once is
    not walked again (npm's dependency graph may have cycles).
    """
    found: dict[Any, tuple[tuple[str, ...], dict[str, Any], str]] = {}
    seen = {name}
    queue: list[tuple[str, tuple[str, ...]]] = [(name, ())]
    while queue:
        current, chain = queue.pop(0)
        where = f"vulnerabilities.{current}"
        entry = reader.obj(vulns[current], where)
        via = reader.each(reader.need(entry, "via", list, where), f"{where}.via", (dict, str))
        for i, item in enumerate(via):
            if isinstance(item, dict):
                item_where = f"{where}.via[{i}]"
                key = (reader.opt(item, "source", (int, str), item_where), reader.opt(item, "url", str, item_where))
                found.setdefault(key, (chain, item, item_where))
            elif item not in vulns:
                raise reader.fail(f"{where}.via[{i}]", f"names {item[:80]!r}, which is not in vulnerabilities")
            elif item not in seen:
                seen.add(item)
                queue.append((item, (*chain, item)))
    if not found:
        raise reader.fail(f"vulnerabilities.{name}.via", "leads to no advisory")
    return list(found.values())


def _fix(reader: Reader, entry: dict[str, Any], name: str, where: str) -> tuple[FixState, tuple[str, ...], str]:
    fix = reader.need(entry, "fixAvailable", (bool, dict), where)
    if fix is False:
        return FixState.NONE, (), "No fix available."
    if fix is True:
        return FixState.AVAILABLE, (), "Fix available: npm audit fix."
    target = reader.need(fix, "name", str, f"{where}.fixAvailable")
    version = reader.need(fix, "version", str, f"{where}.fixAvailable")
    major = reader.opt(fix, "isSemVerMajor", bool, f"{where}.fixAvailable", False)
    said = f"Fix available: update {target} to {version}" + (" (a SemVer-major change)." if major else ".")
    return FixState.AVAILABLE, (version,) if target == name else (), said


def _v2_finding(
    reader: Reader,
    name: str,
    entry: dict[str, Any],
    where: str,
    chain: tuple[str, ...],
    advisory: dict[str, Any],
    adv_where: str,
) -> Finding:
    severity, word = _severity(reader, advisory, adv_where)
    title = reader.need(advisory, "title", str, adv_where)
    url = reader.opt(advisory, "url", str, adv_where, "")
    number = reader.opt(advisory, "source", (int, str), adv_where)
    vulnerable = reader.opt(advisory, "range", str, adv_where, "")
    ghsa_match = _GHSA.search(url)
    ghsa = ghsa_match.group(0) if ghsa_match else None
    rule = _advisory_id(ghsa, [], number)
    fix, fixed, fix_text = _fix(reader, entry, name, where)
    nodes = reader.each(reader.opt(entry, "nodes", list, where, []), f"{where}.nodes", str)
    through = f" (through {' > '.join(chain)})" if chain else ""
    owner = chain[-1] if chain else name
    lines = [
        f"{title}.",
        f"{owner} {vulnerable} is affected." if vulnerable else "",
        f"{name} depends on it through {' > '.join(chain)}." if chain else "",
        fix_text,
        f"Installed at: {', '.join(nodes[:_PATHS_SHOWN])}" + (f" and {len(nodes) - _PATHS_SHOWN} more" if len(nodes) > _PATHS_SHOWN else "") if nodes else "",
    ]
    return reader.finding(
        tool="npm-audit",
        kind=Kind.VULNERABILITY,
        rule_id=rule,
        title=f"{rule} in {name}{through}",
        message="\n".join(line for line in lines if line),
        severity=severity,
        tool_severity=word,
        location=Location(resource=name),
        package=Package(name=name, fixed_versions=fixed, ecosystem="npm", purl=_purl(name, None)),
        fix=fix,
        identifiers=dedupe([rule, *_cwes(advisory.get("cwe"))]),
        cvss=_cvss(reader, advisory, adv_where),
        links=dedupe([url]),
        fingerprint=fingerprint("npm-audit", rule, name),
        raw=advisory if not chain else {"package": name, "via": list(chain), "advisory": advisory},
    )


# -- npm 6 --------------------------------------------------------------------------------


def _read_v1(reader: Reader, advisories: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    for key, advisory in advisories.items():
        where = f"advisories.{key}"
        reader.obj(advisory, where)
        items = reader.each(reader.need(advisory, "findings", list, where), f"{where}.findings")
        findings.extend(_v1_finding(reader, advisory, where, item, f"{where}.findings[{i}]") for i, item in enumerate(items))
    return findings


def _v1_finding(reader: Reader, advisory: dict[str, Any], where: str, item: dict[str, Any], item_where: str) -> Finding:
    severity, word = _severity(reader, advisory, where)
    number = reader.need(advisory, "id", (int, str), where)
    name = reader.need(advisory, "module_name", str, where)
    title = reader.need(advisory, "title", str, where)
    version = reader.need(item, "version", str, item_where)
    paths = reader.each(reader.opt(item, "paths", list, item_where, []), f"{item_where}.paths", str)
    cves = reader.each(reader.opt(advisory, "cves", list, where, []), f"{where}.cves", str)
    url = reader.opt(advisory, "url", str, where, "")
    ghsa = reader.opt(advisory, "github_advisory_id", str, where) or next(iter(_GHSA.findall(url)), None)
    rule = _advisory_id(ghsa, cves, number)
    patched = reader.opt(advisory, "patched_versions", str, where, "").strip()
    fixable = bool(patched) and patched != "<0.0.0"  # NOTE: npm's way of saying "no patched version"
    overview = reader.opt(advisory, "overview", str, where, "").strip()
    recommendation = reader.opt(advisory, "recommendation", str, where, "").strip()
    shown = ", ".join(paths[:_PATHS_SHOWN]) + (f" and {len(paths) - _PATHS_SHOWN} more" if len(paths) > _PATHS_SHOWN else "")
    lines = [f"{title}.", overview, recommendation, f"Dependency paths: {shown}" if paths else ""]
    return reader.finding(
        tool="npm-audit",
        kind=Kind.VULNERABILITY,
        rule_id=rule,
        title=f"{rule} in {name} {version}",
        message="\n".join(line for line in lines if line),
        severity=severity,
        tool_severity=word,
        location=Location(resource=f"{name}@{version}"),
        package=Package(
            name=name,
            version=version,
            fixed_versions=(patched,) if fixable else (),
            ecosystem="npm",
            purl=_purl(name, version),
        ),
        fix=FixState.AVAILABLE if fixable else FixState.NONE,
        identifiers=dedupe([rule, *cves, *_cwes(advisory.get("cwe"))]),
        cvss=_cvss(reader, advisory, where),
        links=dedupe([url]),
        fingerprint=fingerprint("npm-audit", rule, name, version),
        raw=advisory,
    )


def _purl(name: str, version: str | None) -> str:
    """``@scope/name`` -> ``pkg:npm/%40scope/name`` (purl-spec: the scope is the namespace)."""
    purl = "pkg:npm/" + (name.replace("@", "%40", 1) if name.startswith("@") else name)
    return f"{purl}@{version}" if version else purl
