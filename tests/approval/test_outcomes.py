"""The four outcomes and their exit codes, per environment, on the real fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper.cli import EXIT_ERROR, EXIT_NEEDS_APPROVAL, EXIT_PASSED, EXIT_VIOLATED
from gatekeeper.policy import load_policy
from gatekeeper.policy.evaluate import evaluate
from gatekeeper.verdict import Outcome, Status
from tests.approval.helpers import CLEAN, HADOLINT, PIP_AUDIT, POLICY, TRIVY, gate
from tests.policy.helpers import TODAY, fixtures, policy_from


def test_exit_codes_are_distinct_and_needs_approval_is_never_zero() -> None:
    codes = [EXIT_PASSED, EXIT_VIOLATED, EXIT_ERROR, EXIT_NEEDS_APPROVAL]
    assert len(set(codes)) == 4
    assert EXIT_NEEDS_APPROVAL == 3


@pytest.mark.parametrize(
    ("env", "reports", "status", "code", "summary"),
    [
        ("dev", CLEAN, "passed", 0, "PASSED: no finding violates the policy."),
        ("dev", (PIP_AUDIT,), "passed-with-warnings", 0, "PASSED with warnings: 41 warnings; a report needs attention (see the notes)."),
        ("staging", (PIP_AUDIT,), "passed-with-warnings", 0, "PASSED (warn mode): 41 findings would fail in enforce mode."),
        ("prod", (PIP_AUDIT, HADOLINT), "needs-approval", 3, "NEEDS APPROVAL: 45 findings may pass only with a recorded sign-off."),
        ("prod", (PIP_AUDIT, TRIVY), "failed", 1, "need approval."),
        ("prod", CLEAN, "passed", 0, "PASSED: no finding violates the policy."),
    ],
    ids=["dev-passed", "dev-warned", "staging-warn-mode", "prod-needs-approval", "prod-failed", "prod-clean"],
)
def test_outcome_and_exit_code_per_environment(
    env: str, reports: tuple[Path, ...], status: str, code: int, summary: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_json = tmp_path / "gate.json"
    rc, out, err = gate(capsys, "check", "--policy", POLICY, "--env", env, "--json", out_json, *reports)
    assert rc == code, out + err
    assert out.rstrip().endswith(summary), out[-400:]
    assert json.loads(out_json.read_text())["verdict"]["status"] == status


def test_prod_decisions_name_the_rule_that_asks_for_approval() -> None:
    v = evaluate(fixtures("pip-audit.json", "hadolint.json", "trivy-fs.json"), load_policy(POLICY, "prod"), today=TODAY)
    assert v.status is Status.FAILED
    by_rule: dict[str, set[Outcome]] = {}
    for e in v.results:
        by_rule.setdefault(e.decision.decided_by.split(" (")[0], set()).add(e.decision.outcome)
    assert by_rule["rule vulnerabilities-need-sign-off"] == {Outcome.APPROVE}
    assert by_rule["rule dockerfile-errors-need-sign-off"] == {Outcome.APPROVE}
    assert by_rule["rule critical-fails"] == {Outcome.FAIL}
    vuln = next(e for e in v.results if e.finding.tool == "pip-audit")
    assert vuln.decision.reason.startswith("severity high >= approve_on high: needs a person's sign-off")


def test_top_level_approve_on_and_secrets_approve(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, "version: 1\nfail_on: critical\napprove_on: high\nwarn_on: low\nsecrets: approve\n")
    v = evaluate(fixtures("gitleaks.json", "hadolint.json"), policy, today=TODAY)
    assert v.status is Status.NEEDS_APPROVAL
    secrets = [e for e in v.results if e.finding.tool == "gitleaks"]
    assert {e.decision.outcome for e in secrets} == {Outcome.APPROVE}
    assert {e.decision.decided_by for e in secrets} == {"secrets"}
    lint = {e.finding.severity.label: e.decision for e in v.results if e.finding.tool == "hadolint"}
    assert (lint["high"].outcome, lint["high"].decided_by) == (Outcome.APPROVE, "approve_on")
    assert lint["medium"].outcome is Outcome.WARN


def test_warn_mode_turns_needs_approval_into_a_warning(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, "version: 1\nmode: warn\nfail_on: critical\napprove_on: high\n")
    v = evaluate(fixtures("pip-audit.json"), policy, today=TODAY)
    assert v.status is Status.WARNED
    assert v.count(Outcome.APPROVE) == 41


def test_a_rule_in_warn_mode_previews_approval(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        fail_on: critical
        rules:
          - id: sign-off-preview
            match: {tool: pip-audit}
            action: approve
            mode: warn
        """,
    )
    v = evaluate(fixtures("pip-audit.json"), policy, today=TODAY)
    assert v.status is Status.WARNED
    assert all(e.decision.outcome is Outcome.WARN and "would need approval" in e.decision.reason for e in v.results)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nfail_on: high\napprove_on: high\n", r"\$\.approve_on: approve_on high is not below fail_on high"),
        (
            "version: 1\nrules:\n  - id: r\n    action: approve\n    approve_on: high\n",
            r"\$\.rules\[0\]\.approve_on: 'approve_on' cannot be combined with 'action'",
        ),
        (
            "version: 1\nenvironments:\n  prod:\n    fail_on: medium\n    approve_on: critical\n",
            r"\$\.environments\.prod\.approve_on: approve_on critical is not below fail_on medium",
        ),
        ("version: 1\napprove_on: hihg\n", r"\$\.approve_on: 'hihg' is not one of"),
        ("version: 1\nrules:\n  - id: r\n    action: aprove\n", r"\$\.rules\[0\]\.action: 'aprove' is not one of \['fail', 'approve'"),
    ],
    ids=["approve-on-not-below-fail-on", "action-and-threshold", "overlay", "bad-severity", "bad-action"],
)
def test_invalid_approval_settings(text: str, message: str, tmp_path: Path) -> None:
    from gatekeeper.policy import PolicyError

    with pytest.raises(PolicyError, match=message):
        policy_from(tmp_path, text)
