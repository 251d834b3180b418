"""Baselines on the real reports: known findings pass, new ones fail, the ratchet ends it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from gatekeeper.baseline import BaselineError, baseline_document, parse_baseline
from gatekeeper.policy import Policy, evaluate
from gatekeeper.policy.load import load_policy
from gatekeeper.verdict import Outcome, Status
from tests.beyond.helpers import gk, reports, write
from tests.conftest import REPORTS

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
TODAY = NOW.date()


def baseline_of(*names: str):  # type: ignore[no-untyped-def]
    return parse_baseline(baseline_document(reports(*names), NOW), "baseline.json")


def test_the_file_holds_every_fingerprint_and_no_secret() -> None:
    text = baseline_document(reports("gitleaks.json", "trivy-fs.json"), NOW)
    doc = json.loads(text)
    assert doc["baselineVersion"] == 1 and doc["created"] == "2026-12-01T09:00:00Z"
    assert len(doc["findings"]) == 77
    assert set(doc["findings"][0]) >= {"fingerprint", "tool", "kind", "rule", "location"}
    for secret in (REPORTS.parent / "planted_secrets.txt").read_text().split():
        assert secret not in text


def test_known_findings_pass_and_new_ones_fail() -> None:
    base = baseline_of("gitleaks.json")
    v = evaluate(reports("gitleaks.json", "hadolint.json"), Policy(), TODAY, baseline=base)
    known = [e for e in v.results if e.known]
    assert len(known) == 7
    assert all(e.decision.outcome is Outcome.IGNORE and e.decision.decided_by == "baseline baseline.json" for e in known)
    assert all("without the baseline: a secret was found" in e.decision.reason for e in known)
    new = [e for e in v.results if not e.known]
    assert {e.finding.tool for e in new} == {"hadolint"}
    assert v.status is Status.FAILED and v.count(Outcome.FAIL) == sum(e.decision.outcome is Outcome.FAIL for e in new) > 0
    assert any("7 known findings (7 would fail or need approval without it), 18 new findings" in n for n in v.notices)


def test_the_same_reports_pass_against_their_own_baseline() -> None:
    names = ("trivy-fs.json", "gitleaks.json", "checkov.json", "hadolint.json", "pip-audit.json")
    v = evaluate(reports(*names), Policy(), TODAY, baseline=baseline_of(*names))
    assert v.status in (Status.PASSED, Status.WARNED)  # pip-audit's coverage gap may warn
    assert v.count(Outcome.FAIL) == 0 and not v.problems
    assert all(e.known for e in v.results)


def test_a_problem_is_known_when_any_tool_saw_it_before() -> None:
    # The team adds Trivy's secret scan: the seven secrets gitleaks already saw are not new.
    v = evaluate(reports("trivy-fs.json", "gitleaks.json"), Policy(), TODAY, baseline=baseline_of("gitleaks.json"))
    secrets = [e for e in v.results if e.finding.kind.value == "secret"]
    assert len(secrets) == 7 and all(e.known for e in secrets)
    assert all(e.decision.outcome is Outcome.IGNORE for e in secrets)


def test_fixed_findings_are_noticed() -> None:
    v = evaluate(reports("hadolint.json"), Policy(), TODAY, baseline=baseline_of("gitleaks.json", "hadolint.json"))
    assert any("7 known findings no longer reported (fixed?)" in n for n in v.notices)


@pytest.mark.parametrize(("until", "excused"), [("2026-12-31", True), ("2026-12-01", True), ("2026-11-30", False)])
def test_the_ratchet_ends_the_baseline(tmp_path: Path, until: str, excused: bool) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", f"version: 1\nbaseline:\n  known_until: {until}\n"))
    v = evaluate(reports("gitleaks.json"), policy, TODAY, baseline=baseline_of("gitleaks.json"))
    assert all(e.known for e in v.results)
    assert v.status is (Status.PASSED if excused else Status.FAILED)
    word = "must be fixed by" if excused else "had to be fixed by"
    assert any(f"{word} {until}" in n for n in v.notices)


def test_the_ratchet_can_differ_per_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", """
        version: 1
        baseline: {known_until: 2027-06-01}
        environments:
          prod:
            baseline: {known_until: 2026-06-01}
    """)
    assert load_policy(path).baseline_known_until == datetime.date(2027, 6, 1)
    assert load_policy(path, "prod").baseline_known_until == datetime.date(2026, 6, 1)


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "invalid JSON"),
    ("{}", "no baselineVersion"),
    ('{"baselineVersion": 2, "findings": []}', "baselineVersion 2 is not supported"),
    ('{"baselineVersion": 1, "findings": [{"tool": "x"}]}', r"\$.findings must be a list of objects, each with a fingerprint"),
    ('{"baselineVersion": 1, "created": "yesterday", "findings": []}', "is not an ISO 8601 time"),
])
def test_bad_baseline_files(text: str, message: str) -> None:
    with pytest.raises(BaselineError, match=message):
        parse_baseline(text, "b.json")


def test_cli_create_then_check(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    r = gk("baseline", "create", REPORTS / "gitleaks.json", REPORTS / "trivy-fs.json", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "baseline of 77 findings from 2 reports" in r.stderr
    r = gk("check", "--baseline", out, REPORTS / "gitleaks.json", REPORTS / "trivy-fs.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "known findings" in r.stdout
    r = gk("check", "--baseline", out, REPORTS / "gitleaks.json", REPORTS / "hadolint.json")
    assert r.returncode == 1  # hadolint's findings are new
    r = gk("check", "--baseline", tmp_path / "missing.json", REPORTS / "gitleaks.json")
    assert r.returncode == 2 and "cannot read baseline" in r.stderr


def test_policy_rejects_an_impossible_ratchet_date(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "version: 1\nfail_on: medium\nbaseline:\n  known_until: 2027-02-30\n")
    r = gk("policy", "validate", path)
    assert r.returncode == 2
    assert "$.baseline.known_until: '2027-02-30' is not a valid date" in r.stdout + r.stderr
