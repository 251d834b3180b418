"""SonarQube's words -> gatekeeper's: severity, kind, identifiers and review state.

The words an item carries::

    {"rule": "python:S4830", "severity": "MAJOR", "type": "VULNERABILITY",
     "impacts": [{"softwareQuality": "SECURITY", "severity": "HIGH"}],
     "status": "RESOLVED", "resolution": "FALSE-POSITIVE", "tags": ["cwe"]}

Severity (the highest of every rating the item carries, so a 10.x issue rated MAJOR
but SECURITY:HIGH is HIGH):

=====================  ==========================  ===========
legacy ``severity``     impact ``severity``         normalised
=====================  ==========================  ===========
BLOCKER                 BLOCKER                     CRITICAL
CRITICAL                HIGH                        HIGH
MAJOR                   MEDIUM                      MEDIUM
MINOR                   LOW                         LOW
INFO                    INFO                        INFO
=====================  ==========================  ===========

Hotspot ``vulnerabilityProbability`` HIGH/MEDIUM/LOW -> HIGH/MEDIUM/LOW. An unknown word,
or an issue with no rating at all, is ``UNKNOWN`` with a warning. ``tool_severity`` keeps
every word: ``"MAJOR/VULNERABILITY, SECURITY:HIGH"`` (legacy severity/type, then impacts).

Kind: issues are ``CODE_ISSUE`` whatever their type (a SAST vulnerability is not a
package vulnerability), except type ``SECURITY_HOTSPOT`` (SonarQube 7.x-8.x listed
hotspots as issues) and hotspots -> ``SECURITY_HOTSPOT``, and rules of SonarQube's
``secrets`` repository -> ``SECRET`` (their messages never hold the secret value).

Review state: closed or fixed items (status CLOSED, resolution FIXED/REMOVED,
issueStatus FIXED, hotspot REVIEWED+FIXED) are no longer in the code and are skipped.
Items accepted by a reviewer (FALSE-POSITIVE, WONTFIX, issueStatus ACCEPTED /
FALSE_POSITIVE, hotspot SAFE/ACKNOWLEDGED) are kept with ``Suppression("external")``.

Identifiers: CWE ids from ``cwe-NNN`` tags, and CVE/GHSA/CWE ids named in the messages of
the dependency-check plugin's ``OWASP:`` rules.
"""

from __future__ import annotations

import re
from typing import Any

from gatekeeper.adapters.sonarqube.common import Context
from gatekeeper.model import Kind, Severity, Suppression

_LEGACY_SEVERITY: dict[str, Severity] = {
    "BLOCKER": Severity.CRITICAL,
    "CRITICAL": Severity.HIGH,
    "MAJOR": Severity.MEDIUM,
    "MINOR": Severity.LOW,
    "INFO": Severity.INFO,
}
_IMPACT_SEVERITY: dict[str, Severity] = {
    "BLOCKER": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INFO": Severity.INFO,
}
PROBABILITY: dict[str, Severity] = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
_TYPES = frozenset({"BUG", "VULNERABILITY", "CODE_SMELL", "SECURITY_HOTSPOT"})

_OPEN_STATUSES = frozenset({"OPEN", "CONFIRMED", "REOPENED", "TO_REVIEW", "IN_REVIEW"})
_FIXED_RESOLUTIONS = frozenset({"FIXED", "REMOVED"})
_ACCEPTED_RESOLUTIONS = frozenset({"FALSE-POSITIVE", "WONTFIX", "SAFE", "ACKNOWLEDGED"})
# NOTE: issueStatus (10.4+) replaces status/resolution; IN_SANDBOX (2025.x) marks issues
# held back from the main list, which are still in the code, so they count as open.
_OPEN_ISSUE_STATUSES = frozenset({"OPEN", "CONFIRMED", "IN_SANDBOX"})
_ACCEPTED_ISSUE_STATUSES = frozenset({"ACCEPTED", "FALSE_POSITIVE"})

_CWE_TAG = re.compile(r"cwe-(\d+)", re.IGNORECASE)
_ADVISORY_ID = re.compile(r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3}|CWE-\d+)\b", re.IGNORECASE)


def rating(ctx: Context, table: dict[str, Severity], word: str, where: str) -> Severity:
    if word in table:
        return table[word]
    ctx.reader.warn(f"{where}: unknown severity {word!r} read as unknown")
    return Severity.UNKNOWN


def impact_ratings(ctx: Context, item: dict[str, Any], where: str) -> tuple[list[Severity], list[str]]:
    ratings: list[Severity] = []
    words: list[str] = []
    impacts = ctx.reader.each(ctx.reader.opt(item, "impacts", list, where, []), f"{where}.impacts")
    for i, impact in enumerate(impacts):
        at = f"{where}.impacts[{i}]"
        quality = ctx.reader.need(impact, "softwareQuality", str, at)
        word = ctx.reader.need(impact, "severity", str, at)
        ratings.append(rating(ctx, _IMPACT_SEVERITY, word, f"{at}.severity"))
        words.append(f"{quality}:{word}")
    return ratings, words


def item_severity(
    ctx: Context, item: dict[str, Any], where: str, legacy: str | None, kind_word: str | None
) -> tuple[Severity, str | None]:
    """The highest of the legacy severity and the impacts, and all their words."""
    ratings, words = impact_ratings(ctx, item, where)
    if legacy is not None:
        ratings.append(rating(ctx, _LEGACY_SEVERITY, legacy, f"{where}.severity"))
        words.insert(0, f"{legacy}/{kind_word}" if kind_word else legacy)
    if not ratings:
        ctx.reader.warn(f"{where}: no severity and no impacts; read as unknown")
        return Severity.UNKNOWN, None
    return max(ratings), ", ".join(words)


def issue_kind(ctx: Context, rule: str, type_word: str | None, where: str) -> Kind:
    if type_word is not None and type_word not in _TYPES:
        ctx.reader.warn(f"{where}.type: unknown issue type {type_word!r} read as a code issue")
    if type_word == "SECURITY_HOTSPOT":
        return Kind.SECURITY_HOTSPOT
    if rule.partition(":")[0] == "secrets":
        return Kind.SECRET
    return Kind.CODE_ISSUE


def identifiers(ctx: Context, item: dict[str, Any], where: str, rule: str, message: str) -> tuple[str, ...]:
    tags = ctx.reader.each(ctx.reader.opt(item, "tags", list, where, []), f"{where}.tags", str)
    ids = [f"CWE-{m.group(1)}" for tag in tags if (m := _CWE_TAG.fullmatch(tag))]
    # NOTE: the dependency-check plugin (rules "OWASP:...") reports package CVEs as
    # issues and names them only in the message ("Reference: CVE-2024-2529 | ...").
    if rule.startswith("OWASP:"):
        ids += [_advisory_id(m) for m in _ADVISORY_ID.findall(message)]
    return tuple(dict.fromkeys(ids))


def _advisory_id(text: str) -> str:
    # GHSA ids are written "GHSA-" plus lowercase groups; CVE and CWE ids in upper case.
    return "GHSA" + text[4:].lower() if text.upper().startswith("GHSA") else text.upper()


Review = tuple[bool, Suppression | None]
"""(still in the code?, the reviewer's suppression when accepted)."""
_FIXED: Review = (False, None)
_OPEN: Review = (True, None)


def issue_review(
    ctx: Context, where: str, status: str | None, resolution: str | None, issue_status: str | None
) -> Review:
    """An issue's review state; issueStatus (10.4+) when present, else status/resolution."""
    if issue_status is not None:
        if issue_status == "FIXED":
            return _FIXED
        if issue_status in _ACCEPTED_ISSUE_STATUSES:
            return True, Suppression("external", justification=resolution or issue_status)
        if issue_status not in _OPEN_ISSUE_STATUSES:
            ctx.reader.warn(f"{where}: unknown issueStatus {issue_status!r} read as open")
        return _OPEN
    if status == "CLOSED" or resolution in _FIXED_RESOLUTIONS:
        return _FIXED
    if resolution in _ACCEPTED_RESOLUTIONS:
        return True, Suppression("external", justification=resolution)
    if status is not None and status not in _OPEN_STATUSES:
        ctx.reader.warn(f"{where}: status {status!r} with resolution {resolution!r} read as open")
    return _OPEN


def hotspot_review(ctx: Context, where: str, status: str, resolution: str | None) -> Review:
    """A hotspot's review state: TO_REVIEW, or REVIEWED with a resolution."""
    if status == "REVIEWED":
        if resolution == "FIXED":
            return _FIXED
        if resolution in ("SAFE", "ACKNOWLEDGED"):
            return True, Suppression("external", justification=resolution)
        ctx.reader.warn(f"{where}: REVIEWED with resolution {resolution!r} read as still to review")
    elif status != "TO_REVIEW":
        ctx.reader.warn(f"{where}: unknown hotspot status {status!r} read as to review")
    return _OPEN


def status_word(status: str | None, resolution: str | None, issue_status: str | None) -> str | None:
    if issue_status is not None:
        return issue_status
    if status is not None and resolution is not None:
        return f"{status}/{resolution}"
    return status
