"""Cross-scanner correlation: one problem seen by several tools becomes one decision. Pure.

Two findings from different reports are the same problem when:

- **vulnerabilities**: the same package (ecosystem; name, PEP 503-normalised for PyPI;
  installed version, PEP 440-normalised for PyPI) and at least one vulnerability id in
  common among the rule id and the aliases (CVE, GHSA, PYSEC, OSV ...; CWE ids are
  weaknesses, not vulnerabilities, and never join findings). Trivy's ``CVE-2019-14806`` in
  ``Werkzeug 0.11`` and pip-audit's ``PYSEC-2019-140`` (aliases ``CVE-2019-14806``,
  ``GHSA-gq9m-qvpx-68hc``) in ``werkzeug 0.11`` are one problem. Aliases are transitive.
- **secrets**: the same file and the same first line. Rule ids are *not* compared: every
  tool names secrets its own way (gitleaks ``generic-api-key`` is Trivy's
  ``aws-secret-access-key``, gitleaks ``slack-bot-token`` Trivy's ``slack-access-token``).
  Paths are compared as the adapters give them (the Trivy adapter already puts a folder
  scan's target in front of its target-relative paths), then as suffixes on a directory
  boundary (``app/settings.py`` is ``fixtures/targets/app/settings.py``), because each tool
  may have been run from another directory (``gitleaks dir .`` inside ``fixtures/targets``).

A group never holds two findings of one report: when it would (a tool that reports two
secrets on one line, or one CVE in two lock files), the key is ambiguous and none of its
findings are joined. Counting a problem twice is the safe mistake; hiding one is not.

The group's decision is its worst member's (fail-closed: an exception that covers only
Trivy's finding does not excuse gitleaks' sighting of the same secret); the other members
ride along in ``Evaluated.also`` so every reporter can name every tool that saw it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from gatekeeper.model import Finding, Kind, Report
from gatekeeper.policy.categories import is_pypi, normalise_path
from gatekeeper.verdict import Evaluated

T = TypeVar("T")

_NOT_A_VULNERABILITY_ID = re.compile(r"(?i)^(CWE|CAPEC|NVD-CWE)-")


def vulnerability_ids(f: Finding) -> frozenset[str]:
    """The ids that name the vulnerability itself (upper-cased), not its weakness class."""
    return frozenset(i.upper() for i in (f.rule_id, *f.identifiers) if i and not _NOT_A_VULNERABILITY_ID.match(i))


def package_key(f: Finding) -> tuple[str, str, str] | None:
    """``(ecosystem, name, version)``, normalised; ``None`` without a package version."""
    pkg = f.package
    if pkg is None or not pkg.version or not pkg.name:
        return None
    if is_pypi(pkg.ecosystem):
        from packaging.utils import canonicalize_name, canonicalize_version

        return "pypi", canonicalize_name(pkg.name), str(canonicalize_version(pkg.version))
    return (pkg.ecosystem or "").lower(), pkg.name.lower(), pkg.version


def secret_path(f: Finding) -> str | None:
    """The secret's file path, normalised (``./a`` and ``/a`` are ``a``)."""
    return posixpath.normpath(normalise_path(f.location.path)) if f.location.path else None


def _same_file(a: str, b: str) -> bool:
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.joined: set[int] = set()
        """Every index ever joined to another (the rest stay alone)."""

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
            self.joined.update((a, b))


def groups(items: Sequence[tuple[Finding, int]]) -> list[list[int]]:
    """Indexes of ``items`` grouped by problem; each item is (finding, number of its report).

    Every index appears in exactly one group, in input order.
    """
    u = _Union(len(items))
    by_package: dict[tuple[str, str, str], list[int]] = {}
    by_line: dict[tuple[str, int], list[tuple[int, str]]] = {}
    # NOTE: 50k findings name a few thousand packages: each is normalised once.
    keys: dict[tuple[str | None, str, str | None], tuple[str, str, str] | None] = {}
    for i, (f, _) in enumerate(items):
        kind = f.kind
        if kind is Kind.VULNERABILITY:
            pkg = f.package
            if pkg is None:
                continue
            raw = (pkg.ecosystem, pkg.name, pkg.version)
            key = keys[raw] if raw in keys else keys.setdefault(raw, package_key(f))
            if key is not None:
                by_package.setdefault(key, []).append(i)
        elif kind is Kind.SECRET and f.location.start_line:
            path = secret_path(f)
            if path:
                by_line.setdefault((posixpath.basename(path), f.location.start_line), []).append((i, path))
    for members in by_package.values():
        if len({items[i][1] for i in members}) < 2:
            # NOTE: one report's findings only: joined, they would be ambiguous and apart
            # again (below), so their ids are not even compared (most packages, 50k findings).
            continue
        owner: dict[str, int] = {}
        for i in members:
            for ident in vulnerability_ids(items[i][0]):
                if ident in owner:
                    u.join(owner[ident], i)
                else:
                    owner[ident] = i
    for located in by_line.values():
        for n, (i, a) in enumerate(located):
            for j, b in located[n + 1 :]:
                if items[i][1] != items[j][1] and _same_file(a, b):
                    u.join(i, j)
    # NOTE: a group's root is its first member (join keeps the smaller index).
    grouped: dict[int, list[int]] = {}
    for i in sorted(u.joined):
        grouped.setdefault(u.find(i), []).append(i)
    alone = set()
    for members in grouped.values():
        reports = [items[m][1] for m in members]
        if len(set(reports)) < len(reports):
            alone.update(members)  # ambiguous: one report saw it twice
    out: list[list[int]] = []
    for i in range(len(items)):
        if i not in u.joined or i in alone:
            out.append([i])
        elif i in grouped:
            out.append(grouped[i])
    return out


def _worst(e: Evaluated) -> tuple[int, int, str, str]:
    return (-e.decision.outcome.rank, -e.decision.severity, e.finding.tool, e.finding.fingerprint)


def correlate(decided: Sequence[tuple[Evaluated, T]], origin: Callable[[Evaluated], int]) -> list[tuple[Evaluated, T]]:
    """Join the decided findings of one problem into one ``Evaluated`` (the worst member's).

    ``origin`` gives each finding's report number (findings of one report are never joined).
    The extra value carried with each decision (the deciding rule) is the worst member's.
    """
    items = [(e.finding, origin(e)) for e, _ in decided]
    out: list[tuple[Evaluated, T]] = []
    for members in groups(items):
        if len(members) == 1:
            out.append(decided[members[0]])
            continue
        ranked = sorted(members, key=lambda i: _worst(decided[i][0]))
        primary, extra = decided[ranked[0]]
        also = tuple(decided[i][0].finding for i in ranked[1:])
        x = next((decided[i][0].exploitation for i in ranked if decided[i][0].exploitation is not None), None)
        out.append((Evaluated(primary.finding, primary.decision, also=also, exploitation=x), extra))
    return out


def correlate_reports(decided: Sequence[tuple[Evaluated, T]], reports: Sequence[Report]) -> list[tuple[Evaluated, T]]:
    """``correlate`` for findings decided in ``reports`` (each finding object in one report)."""
    if len(reports) == 1 and len(decided) == len(reports[0].findings):
        # NOTE: findings of one report are never joined: nothing to do (bench/README.md).
        return list(decided)
    origin = {id(f): n for n, r in enumerate(reports) for f in r.findings}
    return correlate(decided, lambda e: origin.get(id(e.finding), -1))
