"""Checks over the set of input reports, before any finding is decided. Pure.

A gate can be fooled without a single malformed byte: by an old clean report kept from
before the vulnerable change, or by the same scan handed over twice (once stale, once
fresh). These functions only *detect*; the policy decides what each problem does::

    problems = [*stale_reports(reports, max_age, now), *duplicate_reports(reports)]

- ``stale``: the report says when it was made (``Report.generated_at``) and that is
  older than the policy's maximum age;
- ``future``: it says it was made later than now (beyond a small clock skew): a forged
  or mis-clocked time must not pass an age check;
- ``undated``: the policy sets a maximum age but the format carries no time (gitleaks,
  hadolint, checkov, pip-audit, SonarQube, SARIF without invocation times);
- ``duplicate``: two reports of the same tool, target and scan kind (categories), one
  file given twice, or one scan handed over in two formats (JSON and SARIF).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from gatekeeper.model import Report, strip_digest

CLOCK_SKEW = datetime.timedelta(minutes=5)
"""How far in the future a report's time may be before it is a problem."""


class ProblemKind(str, enum.Enum):
    """What is wrong with the set of reports."""

    STALE = "stale"
    FUTURE = "future"
    UNDATED = "undated"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IntegrityProblem:
    """One problem with the input reports, for the policy to decide."""

    kind: ProblemKind
    """What is wrong."""
    sources: tuple[str, ...]
    """The reports concerned (file paths), in input order."""
    message: str
    """One line for a person, starting with the first source."""


def _describe_age(age: datetime.timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24} days {hours % 24} hours" if hours >= 24 else f"{hours} hours"


def stale_reports(
    reports: Iterable[Report], max_age: datetime.timedelta, now: datetime.datetime
) -> list[IntegrityProblem]:
    """Reports older than ``max_age`` at ``now`` (timezone-aware), dated in the future, or undated."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    problems: list[IntegrityProblem] = []
    for report in reports:
        made = report.generated_at
        if made is None:
            problems.append(IntegrityProblem(
                ProblemKind.UNDATED, (report.source,),
                f"{report.source}: the {report.tool} report carries no time, so its age "
                f"(maximum {_describe_age(max_age)}) cannot be checked",
            ))
        elif made > now + CLOCK_SKEW:
            problems.append(IntegrityProblem(
                ProblemKind.FUTURE, (report.source,),
                f"{report.source}: the {report.tool} report says it was made at "
                f"{made.isoformat()}, later than now ({now.isoformat()})",
            ))
        elif now - made > max_age:
            problems.append(IntegrityProblem(
                ProblemKind.STALE, (report.source,),
                f"{report.source}: the {report.tool} report was made {_describe_age(now - made)} "
                f"ago ({made.isoformat()}), more than the maximum age of {_describe_age(max_age)}",
            ))
    return problems


def duplicate_reports(reports: Iterable[Report]) -> list[IntegrityProblem]:
    """Groups of reports that are the same file, or the same tool over the same target.

    Reports whose format names no target (gitleaks, hadolint ...) are compared only by
    file: two hadolint reports of two Dockerfiles are not duplicates.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    reports = list(reports)
    by_source = {r.source: r for r in reports}
    for report in reports:
        groups.setdefault(("file", report.source), []).append(report.source)
        if report.target:
            # An image rebuilt under the same name has a new digest: still the same target.
            # NOTE: the scan kind counts: `trivy fs` (secrets, IaC) and `trivy config` (IaC)
            # over one folder are two different scans, not a stale copy of one.
            target = strip_digest(report.target)
            kind = ",".join(sorted(report.categories))
            groups.setdefault(("target", report.tool, target, kind), []).append(report.source)
    problems: list[IntegrityProblem] = []
    for key, sources in groups.items():
        distinct = len(sources) if key[0] == "file" else len(set(sources))
        if distinct < 2:
            continue  # one file given twice is reported once, as a file
        if key[0] == "file":
            message = f"{sources[0]}: the same report was given {len(sources)} times"
        elif _names_no_place(key[2]) and not _overlap([by_source[s] for s in dict.fromkeys(sources)]):
            # NOTE: `trivy fs .` names its target "." wherever it runs: two such reports are
            # the same scan only when they saw something in common (a stale copy and the
            # latest run of one folder share findings; scans of two folders do not).
            continue
        else:
            message = (f"{sources[0]}: {len(sources)} {key[1]} reports of the same target "
                       f"{key[2]!r} ({', '.join(sources)}); keep only the latest scan")
        problems.append(IntegrityProblem(ProblemKind.DUPLICATE, tuple(sources), message))
    flagged = {frozenset(p.sources) for p in problems}
    for i, a in enumerate(reports):
        for b in reports[i + 1:]:
            if frozenset((a.source, b.source)) not in flagged and _same_scan_two_formats(a, b):
                problems.append(IntegrityProblem(
                    ProblemKind.DUPLICATE, (a.source, b.source),
                    f"{a.source}: the same {a.tool} scan as {b.source}, handed over in two formats "
                    f"({a.format}, {b.format}) with the same findings; keep only one"))
    return problems


def _same_scan_two_formats(a: Report, b: Report) -> bool:
    """One scan written twice (``-f json`` and ``-f sarif``): the same tool, other formats,
    as many findings, and most of them the same finding.

    NOTE: not all: a format may lack a field the other's fingerprint uses (checkov's SARIF
    has no secret hash, docs/reports.md), so a share of more than half decides.
    """
    if a.tool != b.tool or a.format == b.format or not a.findings or len(a.findings) != len(b.findings):
        return False
    shared = {f.fingerprint for f in a.findings} & {f.fingerprint for f in b.findings}
    return 2 * len(shared) > len(a.findings)


def _names_no_place(target: str) -> bool:
    """A target that says where the scan ran, not what it scanned (``.``, ``./``, ``..``)."""
    return target.strip().rstrip("/") in ("", ".", "..")


def _overlap(reports: list[Report]) -> bool:
    """Whether every report shares a finding (by fingerprint) with another of them."""
    seen: dict[str, set[int]] = {}
    for i, r in enumerate(reports):
        for f in r.findings:
            seen.setdefault(f.fingerprint, set()).add(i)
    joined = {i for owners in seen.values() if len(owners) > 1 for i in owners}
    return len(joined) == len(reports)
