"""pip-audit JSON reports (``pip-audit -f json``), the 2.x object and the pre-2.0 list.

2.x (``fixes`` only with ``--fix``; ``aliases``/``description`` since 2.7 / with ``--desc``)::

    {"dependencies": [
        {"name": "flask", "version": "0.5", "vulns": [
            {"id": "PYSEC-2019-179", "fix_versions": ["1.0"],
             "aliases": ["CVE-2019-1010083"], "description": "..."}]},
        {"name": "azure-devops", "skip_reason": "Dependency not found on PyPI ..."}],
     "fixes": [{"name": "flask", "old_version": "0.5", "new_version": "1.0"}]}

Before 2.0 the output was the bare ``dependencies`` list.

Mapping: one ``Kind.VULNERABILITY`` finding per (dependency, vulnerability), at
``Severity.HIGH`` because pip-audit rates nothing and an unrated known vulnerability must
not be ignored by default (``tool_severity`` None). Fix ``AVAILABLE`` when
``fix_versions`` is non-empty, else ``NONE``. A skipped dependency (``skip_reason``)
becomes a ``Gap``, never a silent pass; a report in which every dependency was skipped
is an error, and one with no dependencies at all is accepted with a warning. The format
carries no pip-audit version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader
from gatekeeper.model import (
    FixState,
    Finding,
    Gap,
    Kind,
    Location,
    Package,
    Report,
    Severity,
    dedupe,
    fingerprint,
)

_SHOWN_REASONS = 2


class PipAuditAdapter(Adapter):
    """Reads pip-audit's JSON output, both shapes."""

    name = "pip-audit"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        deps = _dependencies(reader, doc)
        findings: list[Finding] = []
        gaps: list[Gap] = []
        for i, dep in enumerate(deps):
            where = f"{_deps_path(doc)}[{i}]"
            name = reader.need(dep, "name", str, where)
            if "skip_reason" in dep:
                gaps.append(Gap(subject=name, reason=reader.need(dep, "skip_reason", str, where)))
                continue
            findings.extend(_read_dependency(reader, dep, name, where))
        _check_coverage(reader, len(deps), gaps)
        return Report(
            source=source,
            tool="pip-audit",
            format=self.name,
            findings=tuple(findings),
            gaps=tuple(gaps),
            warnings=tuple(reader.warnings),
            categories=frozenset({"dependencies"}),
        )


def _deps_path(doc: Any) -> str:
    return "dependencies" if isinstance(doc, dict) else "$"


def _dependencies(reader: Reader, doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return reader.each(doc, "$")
    if not isinstance(doc, dict):
        raise reader.fail("$", "expected a pip-audit report (an object with \"dependencies\", or a list)")
    if doc.get("bomFormat") == "CycloneDX":
        # NOTE: `pip-audit -f cyclonedx-json` writes an SBOM whose `dependencies` is the
        # dependency graph ({"ref", "dependsOn"}), not pip-audit's list: say which it is.
        raise reader.fail("", "this is a CycloneDX SBOM (written by pip-audit -f cyclonedx-json?), not pip-audit's "
                              "JSON report; read it as a CycloneDX report (--format cyclonedx, or no --format: it is "
                              "recognised), or have pip-audit write -f json")
    deps = reader.each(reader.need(doc, "dependencies", list), "dependencies")
    for i, fix in enumerate(reader.each(reader.opt(doc, "fixes", list, default=[]), "fixes")):
        _check_fix(reader, fix, f"fixes[{i}]")
    return deps


def _check_fix(reader: Reader, fix: dict[str, Any], where: str) -> None:
    """Validate a ``--fix`` entry; the finding stands either way, so nothing is kept."""
    reader.need(fix, "name", str, where)
    if "skip_reason" in fix:
        reader.need(fix, "skip_reason", str, where)
        reader.opt(fix, "version", str, where)
    else:
        reader.need(fix, "old_version", str, where)
        reader.need(fix, "new_version", str, where)


def _check_coverage(reader: Reader, total: int, gaps: list[Gap]) -> None:
    if total == 0:
        reader.warn("pip-audit audited no dependencies")
    elif len(gaps) == total:
        reasons = "; ".join(g.reason for g in gaps[:_SHOWN_REASONS])
        more = f"; and {total - _SHOWN_REASONS} more" if total > _SHOWN_REASONS else ""
        raise reader.fail(
            "",
            f"pip-audit could not audit any of its {total} dependencies ({reasons}{more}); "
            "this is not a clean report",
        )


def _read_dependency(reader: Reader, dep: dict[str, Any], name: str, where: str) -> list[Finding]:
    version = reader.need(dep, "version", str, where)
    vulns = reader.each(reader.need(dep, "vulns", list, where), f"{where}.vulns")
    return [_read_vuln(reader, v, name, version, f"{where}.vulns[{j}]") for j, v in enumerate(vulns)]


def _read_vuln(reader: Reader, vuln: dict[str, Any], name: str, version: str, where: str) -> Finding:
    vuln_id = reader.need(vuln, "id", str, where)
    fixed = tuple(reader.each(reader.need(vuln, "fix_versions", list, where), f"{where}.fix_versions", str))
    aliases = reader.each(reader.opt(vuln, "aliases", list, where, []), f"{where}.aliases", str)
    description = reader.opt(vuln, "description", str, where, "")
    normalised = _normalise(name)
    return reader.finding(
        tool="pip-audit",
        kind=Kind.VULNERABILITY,
        rule_id=vuln_id,
        title=f"{vuln_id} in {name} {version}",
        message=description,
        severity=Severity.HIGH,
        location=Location(resource=f"{name}=={version}"),
        package=Package(
            name=name,
            version=version,
            fixed_versions=fixed,
            ecosystem="pypi",
            purl=f"pkg:pypi/{normalised}@{version}",
        ),
        fix=FixState.AVAILABLE if fixed else FixState.NONE,
        identifiers=dedupe([vuln_id, *aliases]),
        links=(f"https://osv.dev/vulnerability/{vuln_id}",),
        fingerprint=fingerprint("pip-audit", vuln_id, normalised, version),
        raw=vuln,
    )


def _normalise(name: str) -> str:
    """PEP 503 name, as purl's pypi type wants it (``Foo_Bar`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()
