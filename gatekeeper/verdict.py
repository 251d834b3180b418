"""The gate's result: a decision for every finding, and the verdict over all of them.

Reporters read only these types (and the findings model); they never evaluate policy.
"""

from __future__ import annotations

import datetime
import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from gatekeeper.model import Finding, Report, Severity
from gatekeeper.speed import fast_init

if TYPE_CHECKING:
    from gatekeeper.risk import Exploitation


class Outcome(str, enum.Enum):
    """What the policy decided for one finding, most serious first."""

    FAIL = "fail"
    """Violates the policy: the gate fails (in enforce mode)."""
    APPROVE = "approve"
    """Allowed only with a person's recorded sign-off."""
    WARN = "warn"
    """Reported prominently, does not fail the gate."""
    PASS = "pass"
    """Below every threshold."""
    IGNORE = "ignore"
    """The policy chose not to act on it (e.g. no fix exists)."""
    SUPPRESSED = "suppressed"
    """Suppressed by the scanner itself or excepted by the policy."""

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Outcome.FAIL: 5, Outcome.APPROVE: 4, Outcome.WARN: 3, Outcome.PASS: 2, Outcome.IGNORE: 1, Outcome.SUPPRESSED: 0}


class Status(str, enum.Enum):
    """The verdict over the whole gate."""

    PASSED = "passed"
    WARNED = "passed-with-warnings"
    NEEDS_APPROVAL = "needs-approval"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's decision on one finding, and why."""

    outcome: Outcome
    """What happens to it."""
    reason: str
    """Why, in words a developer understands ("severity high >= fail_on high")."""
    decided_by: str
    """The policy setting, rule or exception that decided it."""
    severity: Severity
    """The severity the policy used (after overrides; unknown rated as the policy says)."""
    vex: VexUse | None = None
    """The VEX statement that suppressed the finding, when one did."""


@fast_init
@dataclass(frozen=True, slots=True, init=False)
class Evaluated:
    """A finding with its decision."""

    finding: Finding
    decision: Decision
    also: tuple[Finding, ...] = ()
    """The same problem as other tools (or reports) saw it (``gatekeeper/policy/correlate.py``);
    counted once, decided as its worst sighting."""
    known: bool = False
    """In the ``check --baseline`` file: not a new finding."""
    placed: tuple[str, str] | None = None
    """When the gate judges a change (``check --diff``): ``("in" | "outside" | "unplaced", why)``."""
    exploitation: Exploitation | None = None
    """Its KEV entry and EPSS score, when ``--kev``/``--epss`` data knows it."""

    @property
    def seen_by(self) -> tuple[str, ...]:
        """Every tool that reported the problem, the deciding finding's first."""
        if not self.also:
            return (self.finding.tool,)
        return tuple(dict.fromkeys([self.finding.tool, *(f.tool for f in self.also)]))


class ExceptionState(str, enum.Enum):
    """Where a policy exception stands at evaluation time."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    """Still applies, but expires within the policy's warning window."""
    EXPIRED = "expired"
    """No longer applies; the findings it covered are decided as if it did not exist."""
    STALE = "stale"
    """Applies, but matched no finding: probably fixed, remove it."""


@dataclass(frozen=True)  # NOTE: few instances: no slots (0.2 ms of start-up each)
class ExceptionUse:
    """A policy exception and what it did in this evaluation."""

    id: str
    """The exception's id (or its position in the policy when it has none)."""
    reason: str
    owner: str
    expires: datetime.date
    state: ExceptionState
    matched: int
    """How many findings it covered (or would have covered, when expired)."""


@dataclass(frozen=True)  # NOTE: few instances: no slots (0.2 ms of start-up each)
class VexUse:
    """A VEX statement that can suppress findings (``not_affected`` or ``fixed``), and how many it did."""

    document: str
    """The VEX file's path."""
    statement: str
    """Where in it: ``statements[3]``, ``vulnerabilities[0]`` ..."""
    vulnerability: str
    status: str
    """``not_affected`` or ``fixed``."""
    justification: str | None = None
    impact: str | None = None
    """The impact statement (detail, threat) in the document's words."""
    matched: int = 0
    """How many findings it suppressed; 0: stale (the product no longer has them, or never did)."""
    state: str | None = None
    """The format's own status word when it is not OpenVEX's (``false_positive``, ``known_not_affected``)."""


class ApprovalUse(NamedTuple):  # NOTE: not a dataclass: 0.5 ms less of every start-up
    """What one approval record did in this evaluation (``check --approval``)."""

    approver: str
    """Who signed it."""
    decided_by: str
    """The ``decided_by`` of the findings it let pass (``approval NAME``)."""
    findings: int
    """How many findings needing approval it let pass."""


class ChangeScope(NamedTuple):  # NOTE: not a dataclass: start-up time, as ApprovalUse
    """The change a gate judged (``check --diff FILE`` or ``--diff-base REF``), and what that did."""

    against: str
    """In words: ``diff pr.diff``, ``origin/main (merge base 3f2a1c9d4e5f)``."""
    filter: str
    """``--diff-filter``: ``added``, ``context`` or ``file``."""
    files: int
    """Files the diff touches."""
    outside: int
    """Findings outside the change (reported, not failing unless a rule's scope is the codebase)."""
    excused: int
    """Of those, how many would have failed, needed approval or warned in the change."""
    unplaced: int
    """Findings the diff could not place (decided as usual unless the policy says otherwise)."""
    diff_file: str | None = None
    """The diff file read (``<stdin>`` for standard input), when given with ``--diff``."""
    base_ref: str | None = None
    """``--diff-base``'s ref."""
    merge_base: str | None = None
    """The merge base's commit id, with ``--diff-base``."""
    sha256: str | None = None
    """The SHA-256 of the diff's bytes (decision records)."""


@dataclass(frozen=True)
class Verdict:
    """Everything the reporters need."""

    status: Status
    """Passed, passed with warnings, needs approval, or failed."""
    results: tuple[Evaluated, ...]
    """Every finding with its decision, worst first."""
    reports: tuple[Report, ...]
    """The input reports."""
    policy_name: str
    """Which policy decided (file path or ``built-in default``)."""
    enforce: bool = True
    """False in warn mode: violations are reported but the gate passes."""
    problems: tuple[str, ...] = ()
    """Gate-level reasons for failing that are not single findings (e.g. a required
    report is missing)."""
    notices: tuple[str, ...] = field(default=())
    """Things a reader must know that do not fail the gate (coverage gaps, format warnings)."""
    environment: str | None = None
    """The policy environment evaluated (``--env``), if any."""
    exceptions: tuple[ExceptionUse, ...] = ()
    """Every policy exception with its state."""
    gate_warnings: bool = False
    """A gate-level warning that is not a finding (a coverage gap, an undated report, a
    duplicate the policy only warns about) is among the notices: at best passed with warnings."""
    policy_files: tuple[tuple[str, str], ...] = ()
    """The policy's files, furthest ``extends`` base first, each with the SHA-256 of the
    bytes read (``Policy.files``)."""
    approvals: tuple[ApprovalUse, ...] = ()
    """The approval records that let findings pass, by approver (reporters word them from here)."""
    change: ChangeScope | None = None
    """The change judged (``check --diff``/``--diff-base``); ``None``: the whole codebase."""
    vex: tuple[VexUse, ...] = ()
    """Every trusted suppressing VEX statement with its count (``--vex``; empty without VEX)."""
    data_files: tuple[tuple[str, str, str], ...] = ()
    """The data files the decisions used, each (kind, path, sha256), kind ``kev``, ``epss``
    or ``vex`` (decision records and attestations read them)."""
    data_dates: tuple[tuple[str, str, str], ...] = ()
    """(kind, version, release time as ISO 8601 UTC) of the KEV catalog and EPSS scores used."""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for e in self.results if e.decision.outcome is outcome)

    def by_tool_and_severity(self) -> dict[str, Counter[Severity]]:
        # NOTE: counted in C over (tool, severity) pairs, then split: 50k results would
        # otherwise build (and drop) a Counter each through setdefault.
        pairs = Counter([(e.finding.tool, e.finding.severity) for e in self.results])
        table: dict[str, Counter[Severity]] = {}
        for (tool, severity), n in pairs.items():
            table.setdefault(tool, Counter())[severity] = n
        return table


def sort_key(e: Evaluated) -> tuple[int, int, str, str, int]:
    """Worst first: outcome, then severity, then a stable order by tool and location."""
    f = e.finding
    return (
        -e.decision.outcome.rank,
        -e.decision.severity,
        f.tool,
        f.location.path or f.location.target or "",
        f.location.start_line or 0,
    )


def status_of(
    results: tuple[Evaluated, ...] | list[Evaluated],
    problems: tuple[str, ...] | list[str],
    enforce: bool,
    warned: bool = False,
) -> Status:
    """The gate's status: any failure or gate problem fails; else any finding awaiting
    approval needs approval; in warn mode both only warn. ``warned``: a gate-level
    warning (e.g. a coverage gap) that is not a finding."""
    outcomes = {e.decision.outcome for e in results}
    failed = bool(problems) or Outcome.FAIL in outcomes
    approval = Outcome.APPROVE in outcomes
    if failed and enforce:
        return Status.FAILED
    if approval and enforce:
        return Status.NEEDS_APPROVAL
    if failed or approval or warned or Outcome.WARN in outcomes:
        return Status.WARNED
    return Status.PASSED
