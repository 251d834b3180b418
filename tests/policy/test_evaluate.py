"""The built-in policy and the three issue-2 settings decide findings as documented."""

from __future__ import annotations

import pytest

from gatekeeper.model import FixState, Kind, Severity, Suppression
from gatekeeper.policy import Action, Policy, evaluate
from gatekeeper.policy.evaluate import decide
from gatekeeper.verdict import Outcome, Status
from tests.factories import finding, report


@pytest.mark.parametrize(
    ("severity", "outcome"),
    [
        (Severity.CRITICAL, Outcome.FAIL),
        (Severity.HIGH, Outcome.FAIL),
        (Severity.MEDIUM, Outcome.PASS),
        (Severity.LOW, Outcome.PASS),
        (Severity.INFO, Outcome.PASS),
        # Unrated findings are treated as high by default: fail closed.
        (Severity.UNKNOWN, Outcome.FAIL),
    ],
)
def test_default_policy_fails_on_high_and_above(severity: Severity, outcome: Outcome) -> None:
    assert decide(finding(severity=severity), Policy()).outcome is outcome


def test_unfixed_vulnerabilities_do_not_fail_by_default() -> None:
    d = decide(finding(severity=Severity.CRITICAL, fix=FixState.NONE, status="will_not_fix"), Policy())
    assert d.outcome is Outcome.IGNORE
    assert "will_not_fix" in d.reason
    strict = Policy(ignore_unfixed=False)
    assert decide(finding(severity=Severity.CRITICAL, fix=FixState.NONE), strict).outcome is Outcome.FAIL


def test_unfixed_applies_only_to_vulnerabilities() -> None:
    f = finding(kind=Kind.MISCONFIGURATION, severity=Severity.HIGH, fix=FixState.NONE)
    assert decide(f, Policy()).outcome is Outcome.FAIL


@pytest.mark.parametrize("severity", [Severity.INFO, Severity.LOW, Severity.UNKNOWN])
def test_any_secret_fails_whatever_its_severity(severity: Severity) -> None:
    f = finding(tool="gitleaks", kind=Kind.SECRET, severity=severity, fix=FixState.NOT_APPLICABLE)
    assert decide(f, Policy()).outcome is Outcome.FAIL
    assert decide(f, Policy(secrets=Action.WARN)).outcome is Outcome.WARN
    assert decide(f, Policy(secrets=Action.IGNORE)).outcome is Outcome.IGNORE


def test_tool_suppressed_findings_do_not_fail_and_keep_the_reason() -> None:
    f = finding(severity=Severity.CRITICAL, suppression=Suppression("skipped", "accepted risk, JIRA-1"))
    d = decide(f, Policy())
    assert d.outcome is Outcome.SUPPRESSED
    assert "JIRA-1" in d.reason


def test_threshold_is_configurable() -> None:
    assert decide(finding(severity=Severity.MEDIUM), Policy(fail_on=Severity.MEDIUM)).outcome is Outcome.FAIL
    assert decide(finding(severity=Severity.HIGH), Policy(fail_on=Severity.CRITICAL)).outcome is Outcome.PASS


def test_verdict_status_and_order() -> None:
    low = finding(rule_id="A", severity=Severity.LOW)
    crit = finding(rule_id="B", severity=Severity.CRITICAL)
    high = finding(rule_id="C", severity=Severity.HIGH)
    v = evaluate([report(low, crit), report(high, source="s.json")], Policy())
    assert v.status is Status.FAILED
    assert [e.finding.rule_id for e in v.results] == ["B", "C", "A"]
    assert v.count(Outcome.FAIL) == 2
    assert evaluate([report(low)], Policy()).status is Status.PASSED
    assert evaluate([report()], Policy()).status is Status.PASSED


def test_warn_mode_passes_with_warnings() -> None:
    v = evaluate([report(finding(severity=Severity.CRITICAL))], Policy(enforce=False))
    assert v.status is Status.WARNED


def test_secret_warn_gives_passed_with_warnings() -> None:
    f = finding(tool="gitleaks", kind=Kind.SECRET)
    assert evaluate([report(f)], Policy(secrets=Action.WARN)).status is Status.WARNED
