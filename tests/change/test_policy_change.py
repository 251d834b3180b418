"""The policy's say over a change: ``change: {secrets, unplaced}``, rule ``scope``, per environment,
budgets counted over the change; on gitleaks' real report of the fixtures."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.change import Change, Filter, parse_diff
from gatekeeper.policy import evaluate, load_policy
from gatekeeper.sources import load_report
from gatekeeper.verdict import Outcome, Status, Verdict
from tests.conftest import REPORTS

# gitleaks on fixtures/targets: .env:3, settings.py:9, 10, 13, credentials.json:4, 5, deploy_key.pem:1.
SETTINGS = "fixtures/targets/app/settings.py"
# A change adding line 13 of settings.py (the GitHub token) and nothing else.
DIFF = f"""diff --git a/{SETTINGS} b/{SETTINGS}
--- a/{SETTINGS}
+++ b/{SETTINGS}
@@ -11,2 +11,3 @@
 AWS_STORAGE_BUCKET_NAME = "acme-fixture-uploads"
 
+GITHUB_TOKEN = "..."
"""
TODAY = datetime.date(2026, 12, 1)


def judged(tmp_path: Path, policy_text: str = "version: 1\n", mode: Filter = Filter.ADDED, env: str | None = None) -> Verdict:
    policy_path = tmp_path / "policy.yaml"
    policy_path.write_text(policy_text)
    change = Change(parse_diff(DIFF, "pr.diff"), mode, "diff pr.diff", root=str(tmp_path))
    report = load_report(str(REPORTS / "gitleaks.json"), None)
    return evaluate([report], load_policy(str(policy_path), env), today=TODAY, change=change)


def outcomes(v: Verdict) -> dict[tuple[str, int], str]:
    return {(Path(e.finding.location.path or "").name, e.finding.location.start_line or 0): e.decision.outcome.value for e in v.results}


def test_secrets_by_file_is_the_default(tmp_path: Path) -> None:
    v = judged(tmp_path)
    assert outcomes(v) == {
        (".env", 3): "ignore", ("settings.py", 9): "fail", ("settings.py", 10): "fail", ("settings.py", 13): "fail",
        ("credentials.json", 4): "ignore", ("credentials.json", 5): "ignore", ("deploy_key.pem", 1): "ignore",
    }
    assert v.status is Status.FAILED
    assert v.change is not None and (v.change.outside, v.change.excused, v.change.unplaced, v.change.files) == (4, 4, 0, 1)
    env = next(e for e in v.results if e.finding.location.path and e.finding.location.path.endswith(".env"))
    assert env.decision.decided_by == "change (diff-filter added)"
    assert env.decision.reason == (
        "outside the change (fixtures/targets/app/.env is not changed); if it were in the change: a secret was found (secrets: fail)"
    )
    assert env.placed == ("outside", "fixtures/targets/app/.env is not changed")


def test_secrets_by_lines_and_in_the_whole_codebase(tmp_path: Path) -> None:
    by_lines = outcomes(judged(tmp_path, "version: 1\nchange: {secrets: lines}\n"))
    assert [k for k, o in by_lines.items() if o == "fail"] == [("settings.py", 13)]
    assert set(outcomes(judged(tmp_path, "version: 1\nchange: {secrets: codebase}\n")).values()) == {"fail"}
    # context: line 13 and the two context lines above it (11, 12) are in the change; 9 and 10 are not.
    in_context = outcomes(judged(tmp_path, "version: 1\nchange: {secrets: lines}\n", Filter.CONTEXT))
    assert [k for k, o in in_context.items() if o == "fail"] == [("settings.py", 13)]
    by_file = outcomes(judged(tmp_path, "version: 1\nchange: {secrets: lines}\n", Filter.FILE))
    assert sorted(k for k, o in by_file.items() if o == "fail") == [("settings.py", 9), ("settings.py", 10), ("settings.py", 13)]


def test_a_rule_with_scope_codebase_decides_wherever_the_finding_is(tmp_path: Path) -> None:
    policy = """version: 1
rules:
  - id: keys-anywhere
    match: {path: "**/*.pem"}
    scope: codebase
    action: fail
  - id: other-secrets
    match: {kind: secret}
    action: fail
"""
    got = outcomes(judged(tmp_path, policy))
    assert got[("deploy_key.pem", 1)] == "fail"  # not changed, but the rule's scope is the codebase
    assert got[(".env", 3)] == "ignore" and got[("settings.py", 13)] == "fail"


def test_environments_set_the_change_settings(tmp_path: Path) -> None:
    policy = "version: 1\nchange: {secrets: lines}\nenvironments:\n  release:\n    change: {secrets: codebase}\n"
    assert list(outcomes(judged(tmp_path, policy)).values()).count("fail") == 1
    assert set(outcomes(judged(tmp_path, policy, env="release")).values()) == {"fail"}


def test_warnings_outside_the_change_are_ignored_too_and_pass_keeps_its_reason(tmp_path: Path) -> None:
    v = judged(tmp_path, "version: 1\nsecrets: warn\nchange: {secrets: lines}\n")
    assert sorted(outcomes(v).values()) == ["ignore"] * 6 + ["warn"]
    assert v.status is Status.WARNED
    v = judged(tmp_path, "version: 1\nsecrets: ignore\n")
    assert all(e.decision.decided_by == "secrets" for e in v.results)  # nothing to excuse: decided as before
    assert all(e.placed is not None for e in v.results)


def test_budgets_count_the_change_only(tmp_path: Path) -> None:
    policy = """version: 1
change: {secrets: lines}
rules:
  - id: secrets-budget
    match: {kind: secret}
    fail_on: critical
    budget: {severity: high, max: 1}
"""
    v = judged(tmp_path, policy)
    assert v.count(Outcome.FAIL) == 0  # one in the change, within the budget of 1 (six outside, not counted)
    inside = [e for e in v.results if e.placed and e.placed[0] == "in"]
    assert len(inside) == 1 and "within budget (1 of 1" in inside[0].decision.reason


def test_judging_keeps_every_field_of_a_result() -> None:
    """``policy/change.py`` builds results positionally (speed): a new field must be passed on there."""
    from dataclasses import fields

    from gatekeeper.verdict import Evaluated

    assert [f.name for f in fields(Evaluated)] == ["finding", "decision", "also", "known", "placed", "exploitation"]


def test_a_finding_spanning_many_lines_is_in_the_change_when_any_of_them_was_added() -> None:
    from gatekeeper.change import Placer
    from gatekeeper.model import Finding, Kind, Location, Severity

    diff = "diff --git a/big.tf b/big.tf\n--- a/big.tf\n+++ b/big.tf\n@@ -15000,2 +15000,3 @@\n a\n+b\n c\n"
    placer = Placer(Change(parse_diff(diff, "t"), Filter.ADDED, "t"))
    f = Finding(tool="checkov", kind=Kind.MISCONFIGURATION, rule_id="CKV_X", title="t", severity=Severity.HIGH,
                location=Location(path="big.tf", start_line=1, end_line=20000))
    assert placer.place(f)[0] == "in"
    g = Finding(tool="checkov", kind=Kind.MISCONFIGURATION, rule_id="CKV_X", title="t", severity=Severity.HIGH,
                location=Location(path="big.tf", start_line=1, end_line=15000))
    assert placer.place(g) == ("outside", "lines 1-15000 of big.tf not added by the change")
