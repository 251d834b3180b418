"""Policy evaluation: findings in, a decision per finding and a verdict out. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from gatekeeper.model import Finding, FixState, Kind, Report, Severity
from gatekeeper.policy.model import Action, Policy
from gatekeeper.verdict import Decision, Evaluated, Outcome, Status, Verdict, sort_key

_ACTION_OUTCOME = {Action.FAIL: Outcome.FAIL, Action.WARN: Outcome.WARN, Action.IGNORE: Outcome.IGNORE}


def decide(finding: Finding, policy: Policy) -> Decision:
    """The decision on one finding."""
    severity = finding.severity
    if severity is Severity.UNKNOWN:
        severity = policy.unknown_severity
    if finding.suppression is not None:
        why = finding.suppression.justification or "no reason given"
        return Decision(
            Outcome.SUPPRESSED,
            f"suppressed in {finding.tool} ({finding.suppression.kind}): {why}",
            f"{finding.tool} suppression",
            severity,
        )
    if finding.kind is Kind.SECRET:
        return Decision(
            _ACTION_OUTCOME[policy.secrets],
            f"a secret was found (secrets: {policy.secrets.value})",
            "secrets",
            severity,
        )
    if policy.ignore_unfixed and finding.kind is Kind.VULNERABILITY and finding.fix is FixState.NONE:
        status = f" (status {finding.status})" if finding.status else ""
        return Decision(Outcome.IGNORE, f"no fix available{status}", "ignore_unfixed", severity)
    rated = severity.label if severity is finding.severity else f"unrated, treated as {severity.label}"
    if severity >= policy.fail_on:
        return Decision(Outcome.FAIL, f"severity {rated} >= fail_on {policy.fail_on.label}", "fail_on", severity)
    return Decision(Outcome.PASS, f"severity {rated} < fail_on {policy.fail_on.label}", "fail_on", severity)


def evaluate(reports: Iterable[Report], policy: Policy) -> Verdict:
    """Decide every finding of every report and the gate's status."""
    reports = tuple(reports)
    results = [Evaluated(f, decide(f, policy)) for r in reports for f in r.findings]
    results.sort(key=sort_key)
    notices: list[str] = []
    for r in reports:
        notices.extend(f"{r.source}: {w}" for w in r.warnings)
        notices.extend(f"{r.source}: not audited: {g.subject}: {g.reason}" for g in r.gaps)
    failed = any(e.decision.outcome is Outcome.FAIL for e in results)
    warned = failed or any(e.decision.outcome is Outcome.WARN for e in results)
    if failed and policy.enforce:
        status = Status.FAILED
    elif warned:
        status = Status.WARNED
    else:
        status = Status.PASSED
    return Verdict(
        status=status,
        results=tuple(results),
        reports=reports,
        policy_name=policy.name,
        enforce=policy.enforce,
        notices=tuple(notices),
    )
