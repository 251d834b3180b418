"""The policy as evaluated: frozen, validated objects (loading is in ``load.py``).

A policy is the top-level defaults (``fail_on``, ``ignore_unfixed``, ``secrets`` ...)
refined by severity overrides, exceptions and rules. Every rule, override and exception
keeps ``origin`` (``file:line``) so a decision can always be traced to the line that made it.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from gatekeeper.model import Severity

if TYPE_CHECKING:
    from gatekeeper.policy.select import Selector


class Action(str, enum.Enum):
    """What a policy does with the findings it selects."""

    FAIL = "fail"
    APPROVE = "approve"
    """Pass only with a person's recorded sign-off (``gatekeeper approve``, docs/approval.md)."""
    WARN = "warn"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Thresholds:
    """When a selected finding fails or warns; ``None`` falls back to the top-level setting."""

    fail_on: Severity | None = None
    """Fail at or above this (effective) severity."""
    warn_on: Severity | None = None
    """Warn at or above this severity (below ``fail_on``)."""
    fail_on_cvss: float | None = None
    """Also fail when the highest CVSS base score is at or above this."""
    warn_on_cvss: float | None = None
    """Also warn when the highest CVSS base score is at or above this."""
    ignore_unfixed: bool | None = None
    """Ignore vulnerabilities that have no fix."""
    approve_on: Severity | None = None
    """Need a person's sign-off at or above this severity (below ``fail_on``)."""
    kev: Action | None = None
    """The least a finding in CISA's KEV catalog gets, whatever its severity or fix
    (``ignore``: the catalog changes nothing). ``gatekeeper/policy/exploitation.py``."""
    kev_overdue: Action | None = None
    """The least a KEV finding gets once its entry's ``dueDate`` has passed."""
    kev_ransomware: Action | None = None
    """The least a KEV finding known to be used in ransomware campaigns gets."""
    fail_on_epss: float | None = None
    """Fail a vulnerability whose EPSS score is at or above this, whatever its severity."""
    fail_on_epss_percentile: float | None = None
    """Fail a vulnerability whose EPSS percentile is at or above this."""
    warn_on_epss: float | None = None
    """Warn (at least) at or above this EPSS score."""
    warn_on_epss_percentile: float | None = None
    """Warn (at least) at or above this EPSS percentile."""
    ignore_below_epss: float | None = None
    """Ignore a vulnerability whose EPSS score is below this, even when its severity fails."""
    warn_below_epss: float | None = None
    """Only warn (never fail) for a vulnerability whose EPSS score is below this."""
    epss_missing: Action | None = None
    """What a vulnerability no EPSS score covers gets when an EPSS condition applies to it:
    ``fail``, ``approve``, ``warn`` (at least; the default) or ``ignore`` (decided by severity alone)."""

    def uses_epss(self) -> bool:
        """An EPSS condition is set here."""
        return any(
            v is not None
            for v in (self.fail_on_epss, self.fail_on_epss_percentile, self.warn_on_epss, self.warn_on_epss_percentile,
                      self.ignore_below_epss, self.warn_below_epss)
        )


EXPLOITATION_KEYS = (
    "kev", "kev_overdue", "kev_ransomware", "fail_on_epss", "fail_on_epss_percentile", "warn_on_epss",
    "warn_on_epss_percentile", "ignore_below_epss", "warn_below_epss", "epss_missing",
)
"""The ``Thresholds`` fields that decide by exploitation data (top level, rules, environments)."""


@dataclass(frozen=True)
class Licenses:
    """``licenses:``: which licences a licence finding may have (SPDX ids, ``gatekeeper/policy/licenses.py``).

    ``None`` is "not set here": a rule's or overlay's key falls back to the policy's.
    """

    allow: tuple[str, ...] | None = None
    """When given, a licence not listed fails."""
    deny: tuple[str, ...] | None = None
    """A licence listed always fails."""
    unknown: str | None = None
    """``fail``, ``warn`` or ``pass``: no licence, ``NOASSERTION``, not an SPDX id, unparsable (default warn)."""

    def refined_by(self, top: Licenses | None) -> Licenses:
        """These settings with each key ``top`` sets replaced."""
        if top is None:
            return self
        return Licenses(
            allow=top.allow if top.allow is not None else self.allow,
            deny=top.deny if top.deny is not None else self.deny,
            unknown=top.unknown or self.unknown,
        )


@dataclass(frozen=True)
class Budget:
    """At most ``max`` findings at or above ``severity`` may pass a rule; beyond that, all of them fail."""

    severity: Severity
    """The lowest severity counted."""
    max: int
    """How many are tolerated."""


@dataclass(frozen=True)
class Rule:
    """Selects findings and decides them; the first rule that selects a finding decides it."""

    id: str
    """Unique name, shown in every decision the rule makes."""
    match: Selector
    """Which findings it decides (an empty selector selects every finding)."""
    origin: str
    """``file:line`` where it is defined."""
    action: Action | None = None
    """Decide every selected finding this way (instead of thresholds)."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """Thresholds, when there is no ``action``."""
    budget: Budget | None = None
    """Tolerate a number of findings below the fail threshold, fail them all beyond it."""
    warn_only: bool = False
    """``mode: warn``: the rule's failures are reported as warnings (to roll a rule out)."""
    description: str = ""
    """Why the rule exists."""
    enabled: bool = True
    """``enabled: false`` switches off a rule of the same id from a base policy."""
    licenses: Licenses | None = None
    """Decide the licence findings it selects by these (each key unset falls back to the policy's)."""
    whole_codebase: bool = False
    """``scope: codebase``: when the gate judges a change, decide the findings it selects
    wherever they are, not only in the change."""


@dataclass(frozen=True)
class SeverityOverride:
    """Re-rates the findings it selects; the tool's own rating stays on the finding."""

    match: Selector
    severity: Severity
    origin: str
    reason: str = ""


@dataclass(frozen=True)
class PolicyException:
    """A time-limited, owned acceptance of the findings it selects."""

    id: str
    """The exception's id, or ``file:line`` when it has none."""
    match: Selector
    reason: str
    owner: str
    """``owner``, or ``approved_by`` when there is no owner."""
    expires: datetime.date
    """Last day on which it applies."""
    origin: str
    approved_by: str = ""
    created: datetime.date | None = None
    """When it was granted; the lifetime cap counts from here (else from today)."""


@dataclass(frozen=True)
class Requirement:
    """A report that must be among the inputs: a category, or a tool."""

    category: str | None = None
    tool: str | None = None

    def describe(self) -> str:
        if self.category:
            return f"{'an' if self.category[0] in 'aeiou' else 'a'} {self.category} report"
        return f"a report from {self.tool}"


@dataclass(frozen=True)
class Policy:
    """The gate's settings. The defaults are the built-in policy."""

    name: str = "built-in default"
    """Where the policy came from (file path), for messages."""
    enforce: bool = True
    """``mode: enforce`` (violations fail) or ``mode: warn`` (report, pass)."""
    fail_on: Severity = Severity.HIGH
    """Findings at or above this severity fail the gate."""
    ignore_unfixed: bool = True
    """Vulnerabilities without a fix are ignored rather than failing."""
    secrets: Action = Action.FAIL
    """What a detected secret does, whatever its severity."""
    unknown_severity: Severity = Severity.HIGH
    """How a finding the tool did not rate is treated."""
    warn_on: Severity | None = None
    """Findings at or above this severity (and below ``fail_on``) warn."""
    fail_on_cvss: float | None = None
    """Findings whose CVSS base score is at or above this fail."""
    warn_on_cvss: float | None = None
    """Findings whose CVSS base score is at or above this warn."""
    approve_on: Severity | None = None
    """Findings at or above this severity (and below ``fail_on``) need a person's sign-off."""
    rules: tuple[Rule, ...] = ()
    """In order: the first that selects a finding decides it."""
    severity_overrides: tuple[SeverityOverride, ...] = ()
    """In order: the first that selects a finding re-rates it."""
    exceptions: tuple[PolicyException, ...] = ()
    """In order: the first active one that selects a finding excepts it."""
    required: tuple[Requirement, ...] = ()
    """Reports that must be present."""
    expiry_warning_days: int = 14
    """Exceptions expiring within this many days are warned about."""
    max_report_age: datetime.timedelta | None = None
    """``reports: {max_age: 7d}``: a report older than this (by the time it carries) is a problem."""
    undated_reports: Action = Action.WARN
    """``reports: {undated: ...}``: what a report without a time does when ``max_age`` is set."""
    duplicate_reports: Action = Action.FAIL
    """``reports: {duplicates: ...}``: two reports of the same tool, target and scan kind,
    or one file given twice (a stale copy must not hide a fresh one)."""
    licenses: Licenses | None = None
    """``licenses:``: licence findings are decided by licence (allow, deny, unknown) instead of
    severity; ``None`` (no section) decides them by severity, as any finding."""
    coverage_gaps: Action = Action.WARN
    """``reports: {gaps: ...}``: what a coverage gap does (a dependency pip-audit could not
    audit, a file Checkov could not parse, a scanner error recorded in the report)."""
    baseline_known_until: datetime.date | None = None
    """``baseline: {known_until: DATE}``: after this day a ``check --baseline`` file no longer
    excuses known findings (the ratchet)."""
    change_secrets: str = "file"
    """``change: {secrets: ...}``: ``file`` (a secret anywhere in a changed file is in the
    change), ``lines`` (placed like any finding) or ``codebase`` (every secret decided as usual)."""
    change_unplaced: str = "decide"
    """``change: {unplaced: ...}``: a finding the diff cannot place is decided as usual
    (``decide``) or treated as outside the change (``outside``)."""
    vex_authors: tuple[str, ...] | None = None
    """``vex: {authors: [...]}``: only VEX documents by these authors are applied; ``None``: any."""
    vex_require_justification: bool = False
    """``vex: {require_justification: true}``: a not_affected statement without a justification stops the gate."""
    max_exception_days: dict[Severity, int] = field(default_factory=dict, hash=False)
    """Longest exception lifetime allowed per severity."""
    environment: str | None = None
    """The environment overlay applied, if any."""
    environments: tuple[str, ...] = ()
    """Every environment the policy defines."""
    notices: tuple[str, ...] = ()
    """Things about the policy itself a reader must know (e.g. an environment it does not define)."""
    files: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """The files it was read from, furthest ``extends`` base first, each with the SHA-256
    of the bytes read (for decision records); none for the built-in default."""
    kev: Action = Action.FAIL
    """``kev:``: the least a finding in CISA's KEV catalog (``--kev``) gets."""
    kev_overdue: Action | None = None
    """``kev_overdue:``: the least a KEV finding past its ``dueDate`` gets."""
    kev_ransomware: Action | None = None
    """``kev_ransomware:``: the least a KEV finding used in ransomware campaigns gets."""
    fail_on_epss: float | None = None
    fail_on_epss_percentile: float | None = None
    warn_on_epss: float | None = None
    warn_on_epss_percentile: float | None = None
    ignore_below_epss: float | None = None
    warn_below_epss: float | None = None
    epss_missing: Action = Action.WARN
    """``epss_missing:``: a vulnerability the EPSS file does not score, when an EPSS condition applies."""
    kev_path: str | None = None
    """``data: {kev: FILE}``, resolved against the file that declares it."""
    epss_path: str | None = None
    """``data: {epss: FILE}``, resolved against the file that declares it."""
    vex_paths: tuple[str, ...] = ()
    """``data: {vex: [FILE, ...]}``, resolved against the file that declares them."""
    kev_max_age: datetime.timedelta = datetime.timedelta(days=30)
    """``data_max_age: {kev: ...}``: a KEV catalog released longer ago than this is stale."""
    epss_max_age: datetime.timedelta = datetime.timedelta(days=7)
    """``data_max_age: {epss: ...}``: EPSS scores dated longer ago than this are stale."""
    stale_data: Action = Action.WARN
    """``stale_data:``: what stale data does (``warn`` or ``fail``)."""

    @cached_property  # NOTE: read by every threshold decision; the policy is frozen
    def defaults(self) -> Thresholds:
        """The top-level thresholds, which rules refine."""
        return Thresholds(
            self.fail_on, self.warn_on, self.fail_on_cvss, self.warn_on_cvss, self.ignore_unfixed, approve_on=self.approve_on,
            **{k: getattr(self, k) for k in EXPLOITATION_KEYS},
        )

    def uses_epss(self) -> bool:
        """Some EPSS condition is set, at the top level or in an enabled rule."""
        return self.defaults.uses_epss() or any(r.thresholds.uses_epss() for r in self.rules)
