"""Exceptions: reason, owner and expiry; active, expiring, expired and stale; lifetime caps."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.model import Severity
from gatekeeper.verdict import ExceptionState, Outcome, Status
from tests.policy.helpers import TODAY, policy_from, run

YAML_EXCEPTION = """
version: 1
exception_policy:
  expiry_warning_days: %(warn)d
exceptions:
  - id: SEC-101
    match: {identifier: [CVE-2020-1747, CVE-2020-14343], package: pyyaml, version: "<5.4"}
    reason: only our own files are parsed
    owner: team-payments
    approved_by: security-lead
    expires: %(expires)s
  - id: SEC-102
    match: {identifier: CVE-1999-0001}
    reason: long fixed
    owner: team-payments
    expires: 2027-12-31
  - match: {tool: pip-audit, package: django}
    reason: upgrade scheduled
    approved_by: security-lead
    expires: 2026-11-30
"""


def policy(tmp_path: Path, expires: str = "2027-06-30", warn: int = 14):  # type: ignore[no-untyped-def]
    return policy_from(tmp_path, YAML_EXCEPTION % {"expires": expires, "warn": warn})


def test_active_exception_covers_the_findings_it_selects(tmp_path: Path) -> None:
    v = run(policy(tmp_path), "pip-audit-skip.json")
    # Passed, with warnings only for the report's coverage gaps (4 dependencies not audited).
    assert v.status is Status.WARNED and v.gate_warnings and not v.problems
    for e in v.results:
        assert e.decision.outcome is Outcome.SUPPRESSED
        assert e.decision.decided_by == "exception SEC-101"
        assert "until 2027-06-30 (owner team-payments, approved by security-lead): only our own files" in e.decision.reason
    use = {x.id: x for x in v.exceptions}["SEC-101"]
    assert (use.state, use.matched, use.owner) == (ExceptionState.ACTIVE, 2, "team-payments")


def test_expired_exception_no_longer_applies_and_is_reported(tmp_path: Path) -> None:
    v = run(policy(tmp_path, expires="2026-11-30"), "pip-audit-skip.json")
    assert v.status is Status.FAILED
    assert all(e.decision.outcome is Outcome.FAIL for e in v.results)
    use = {x.id: x for x in v.exceptions}["SEC-101"]
    assert (use.state, use.matched) == (ExceptionState.EXPIRED, 2)
    assert any("exception SEC-101" in n and "expired on 2026-11-30" in n and "2 findings are decided by the policy again" in n for n in v.notices)


def test_the_expiry_day_itself_still_applies(tmp_path: Path) -> None:
    v = run(policy(tmp_path, expires=TODAY.isoformat()), "pip-audit-skip.json")
    assert v.status is Status.WARNED and not v.problems  # warned: coverage gaps only
    assert all(e.decision.outcome is Outcome.SUPPRESSED for e in v.results)
    assert {x.id: x for x in v.exceptions}["SEC-101"].state is ExceptionState.EXPIRING


def test_expiring_exception_is_warned_about_within_the_configured_window(tmp_path: Path) -> None:
    soon = (TODAY + datetime.timedelta(days=10)).isoformat()
    v = run(policy(tmp_path, expires=soon), "pip-audit-skip.json")
    assert {x.id: x for x in v.exceptions}["SEC-101"].state is ExceptionState.EXPIRING
    assert any("expires on 2026-12-11 (in 10 days)" in n for n in v.notices)
    v = run(policy(tmp_path, expires=soon, warn=7), "pip-audit-skip.json")
    assert {x.id: x for x in v.exceptions}["SEC-101"].state is ExceptionState.ACTIVE


def test_exception_that_matched_nothing_is_stale(tmp_path: Path) -> None:
    v = run(policy(tmp_path), "pip-audit-skip.json")
    states = {x.id: x.state for x in v.exceptions}
    assert states["SEC-102"] is ExceptionState.STALE
    assert any("exception SEC-102" in n and "stale" in n for n in v.notices)


def test_exception_without_id_is_named_by_its_position(tmp_path: Path) -> None:
    v = run(policy(tmp_path), "pip-audit.json")
    ids = [x.id for x in v.exceptions]
    assert ids[2].endswith("policy.yaml:16")
    # It expired the day before TODAY: django findings fail again.
    assert {x.id: x.state for x in v.exceptions}[ids[2]] is ExceptionState.EXPIRED
    assert any(n.startswith(f"exception at {ids[2]} expired on 2026-11-30") for n in v.notices)


def test_lifetime_is_capped_per_severity(tmp_path: Path) -> None:
    text = """
        version: 1
        exception_policy:
          max_days: {high: 30, medium: 365}
        exceptions:
          - id: LONG
            match: {package: pyyaml}
            reason: r
            owner: o
            expires: 2027-06-30
          - id: SHORT-HISTORY
            match: {package: django}
            reason: r
            owner: o
            created: 2026-11-20
            expires: 2026-12-15
        """
    v = run(policy_from(tmp_path, text), "pip-audit.json")
    by_pkg = {e.finding.package.name: e.decision for e in v.results}  # type: ignore[union-attr]
    assert by_pkg["pyyaml"].outcome is Outcome.FAIL  # 211 days left > 30 allowed for high
    assert by_pkg["django"].outcome is Outcome.SUPPRESSED  # 25 days from created <= 30
    assert any("exception LONG" in n and "longer than the 30 allowed for high findings" in n for n in v.notices)


def test_exception_uses_effective_severity_and_every_selector(tmp_path: Path) -> None:
    text = """
        version: 1
        severity_overrides:
          - match: {tool: hadolint, rule: DL3007}
            severity: critical
        exceptions:
          - id: CRIT-ONLY
            match: {tool: hadolint, severity: critical, path: "fixtures/**/Dockerfile"}
            reason: base image pinned by digest in the release pipeline
            owner: platform
            expires: 2027-01-31
        """
    v = run(policy_from(tmp_path, text), "hadolint.json")
    excepted = [e for e in v.results if e.decision.outcome is Outcome.SUPPRESSED]
    assert [e.finding.rule_id for e in excepted] == ["DL3007"]
    assert excepted[0].decision.severity is Severity.CRITICAL
