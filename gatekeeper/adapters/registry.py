"""The report formats gatekeeper reads, declared once: the one list everything else derives from.

Detection (``adapters.detect``), the file-name hints of empty reports, ``Adapter.sniff``,
the CLI's ``--format`` choices and the scanners' ``format`` keys all read this table.
Adding a scanner is its adapter module, its content test in ``adapters/sniff.py`` and one
entry here (tests/adapters/test_registry.py checks each entry against its fixture).

NOTE: the CLI imports this module to build ``click.Choice(FORMAT_NAMES)`` before it knows
which command runs, so it imports nothing but ``adapters/sniff.py``: the adapters
themselves are imported by name (``adapter``) when a report of their format is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from gatekeeper.adapters import sniff

__all__ = ["FORMAT_NAMES", "REPORT_FORMATS", "ReportFormat", "by_name"]


# NOTE: a NamedTuple, immutable as a frozen dataclass is, but made in about 0.1 ms instead
# of 0.6 ms (the dataclass's generated methods), which every start-up would pay.
class ReportFormat(NamedTuple):
    """One scanner report format."""

    name: str
    """Format name, as given to ``--format`` and as the adapter's ``name``."""
    adapter: str
    """The adapter class as ``"module:Class"``, imported on first use."""
    sniff: Callable[[Any], bool]
    """Whether a decoded document is unmistakably in this format (``adapters/sniff.py``)."""
    name_hints: tuple[str, ...]
    """Lower-case tokens that name the tool in a report's file name (``gitleaks-report.json``)."""


# NOTE: the order is detection's and --format's; several scanners print the same bytes for
# "nothing found" (`[]`, `null`), so those documents are attributed by --format or by the
# file name (``name_hints``), never guessed.
REPORT_FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("trivy", "gatekeeper.adapters.trivy:TrivyAdapter", sniff.trivy, ("trivy",)),
    ReportFormat("gitleaks", "gatekeeper.adapters.gitleaks:GitleaksAdapter", sniff.gitleaks, ("gitleaks",)),
    ReportFormat("checkov", "gatekeeper.adapters.checkov:CheckovAdapter", sniff.checkov, ("checkov",)),
    ReportFormat("hadolint", "gatekeeper.adapters.hadolint:HadolintAdapter", sniff.hadolint, ("hadolint",)),
    ReportFormat(
        "pip-audit", "gatekeeper.adapters.pip_audit:PipAuditAdapter", sniff.pip_audit,
        ("pip-audit", "pip_audit", "pipaudit"),
    ),
    ReportFormat("sonarqube", "gatekeeper.adapters.sonarqube:SonarQubeAdapter", sniff.sonarqube, ("sonar",)),
    ReportFormat("sarif", "gatekeeper.adapters.sarif:SarifAdapter", sniff.sarif, ("sarif",)),
    ReportFormat("grype", "gatekeeper.adapters.grype:GrypeAdapter", sniff.grype, ("grype",)),
    ReportFormat(
        "osv-scanner", "gatekeeper.adapters.osv_scanner:OsvScannerAdapter", sniff.osv_scanner,
        ("osv-scanner", "osv_scanner", "osv"),
    ),
    ReportFormat("semgrep", "gatekeeper.adapters.semgrep:SemgrepAdapter", sniff.semgrep, ("semgrep",)),
    ReportFormat(
        "npm-audit", "gatekeeper.adapters.npm_audit:NpmAuditAdapter", sniff.npm_audit,
        ("npm-audit", "npm_audit", "npmaudit"),
    ),
    ReportFormat("cyclonedx", "gatekeeper.adapters.cyclonedx:CycloneDxAdapter", sniff.cyclonedx, ("cyclonedx", ".cdx")),
    ReportFormat("spdx", "gatekeeper.adapters.spdx:SpdxAdapter", sniff.spdx, ("spdx",)),
    ReportFormat("trufflehog", "gatekeeper.adapters.trufflehog:TruffleHogAdapter", sniff.trufflehog, ("trufflehog",)),
)

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in REPORT_FORMATS)
"""Every format name, in the registry's order (``--format`` choices)."""

_BY_NAME: Mapping[str, ReportFormat] = {f.name: f for f in REPORT_FORMATS}


def by_name(name: str) -> ReportFormat:
    """The format called ``name``; ``KeyError`` if there is none."""
    return _BY_NAME[name]
