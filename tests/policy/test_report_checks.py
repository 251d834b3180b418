"""`reports:` settings: coverage gaps, report age and duplicate reports, decided by the policy."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper.model import Gap
from gatekeeper.policy import Action, Policy, PolicyError, evaluate, load_policy
from gatekeeper.sources import load_report
from gatekeeper.verdict import Status
from tests.conftest import REPORTS
from tests.factories import report

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)


def gapped() -> object:
    return report(gaps=(Gap("acme-core", "requirement marked as editable"),), source="pip-audit.json", tool="pip-audit")


@pytest.mark.parametrize(
    ("action", "status", "in_problems"),
    [(Action.WARN, Status.WARNED, False), (Action.FAIL, Status.FAILED, True), (Action.IGNORE, Status.PASSED, False)],
)
def test_coverage_gaps_follow_the_policy(action: Action, status: Status, in_problems: bool) -> None:
    v = evaluate([gapped()], Policy(coverage_gaps=action), now=NOW)
    assert v.status is status
    text = "pip-audit.json: not audited: acme-core: requirement marked as editable"
    # Never dropped: a gap is a problem or a notice, whatever the policy says.
    assert (text in v.problems) is in_problems
    assert (text in v.notices) is not in_problems


def test_default_gap_policy_warns() -> None:
    assert evaluate([gapped()], Policy(), now=NOW).status is Status.WARNED


def dated(hours_ago: float) -> object:
    return report(generated_at=NOW - datetime.timedelta(hours=hours_ago), target="alpine:3.10", categories=frozenset({"image"}))


def test_max_age() -> None:
    policy = Policy(max_report_age=datetime.timedelta(days=7))
    assert evaluate([dated(24)], policy, now=NOW).status is Status.PASSED
    stale = evaluate([dated(24 * 8)], policy, now=NOW)
    assert stale.status is Status.FAILED
    assert "more than the maximum age of 7 days" in stale.problems[0]
    future = evaluate([dated(-1)], policy, now=NOW)
    assert future.status is Status.FAILED
    assert "later than now" in future.problems[0]


def test_undated_reports_warn_by_default_and_can_fail() -> None:
    undated = report(source="gitleaks.json", tool="gitleaks")
    age = datetime.timedelta(days=7)
    assert evaluate([undated], Policy(max_report_age=age), now=NOW).status is Status.WARNED
    assert evaluate([undated], Policy(max_report_age=age, undated_reports=Action.FAIL), now=NOW).status is Status.FAILED
    # Without a maximum age, no time is needed.
    assert evaluate([undated], Policy(), now=NOW).status is Status.PASSED


def test_duplicates_fail_by_default_and_are_configurable() -> None:
    a = replace(dated(1), source="a.json")
    b = replace(dated(2), source="b.json")
    v = evaluate([a, b], Policy(), now=NOW)
    assert v.status is Status.FAILED
    assert "2 trivy reports of the same target 'alpine:3.10'" in v.problems[0]
    assert evaluate([a, b], Policy(duplicate_reports=Action.WARN), now=NOW).status is Status.WARNED
    assert evaluate([a, b], Policy(duplicate_reports=Action.IGNORE), now=NOW).status is Status.PASSED


def test_different_scans_of_one_folder_are_not_duplicates() -> None:
    # trivy fs (secrets + IaC) and trivy config (IaC) over the same fixtures folder.
    fs = load_report(str(REPORTS / "trivy-fs.json"))
    config = load_report(str(REPORTS / "trivy-config.json"))
    assert fs.target == config.target
    v = evaluate([fs, config], Policy(), now=NOW)
    assert not any("same target" in p for p in v.problems)
    twice = evaluate([fs, fs], Policy(), now=NOW)
    assert any("the same report was given 2 times" in p for p in twice.problems)


def test_reports_settings_load_and_validate(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("version: 1\nreports:\n  max_age: 12h\n  undated: fail\n  duplicates: warn\n  gaps: ignore\n")
    policy = load_policy(p)
    assert policy.max_report_age == datetime.timedelta(hours=12)
    assert (policy.undated_reports, policy.duplicate_reports, policy.coverage_gaps) == (Action.FAIL, Action.WARN, Action.IGNORE)
    p.write_text("version: 1\nreports:\n  max_age: 7 days\n  gapz: warn\n")
    with pytest.raises(PolicyError) as info:
        load_policy(p)
    assert "$.reports.max_age" in str(info.value)
    assert "unknown key 'gapz'" in str(info.value)
