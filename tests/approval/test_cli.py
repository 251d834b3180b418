"""`gatekeeper approve` and `check --approval` end to end on the real fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.approval.helpers import HADOLINT, KEY, PIP_AUDIT, POLICY, TRIVY, gate

PROD = ("--policy", str(POLICY), "--env", "prod")


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GATEKEEPER_APPROVAL_KEY", KEY)
    return KEY


def approve(capsys: pytest.CaptureFixture[str], out: Path, *reports: Path, env: str = "prod") -> tuple[int, str, str]:
    return gate(
        capsys, "approve", "--policy", POLICY, "--env", env, "--approver", "alice", "--reason", "CHG-1234", "-o", out, *reports
    )


def test_the_whole_flow(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    code, out, _ = gate(capsys, "check", *PROD, PIP_AUDIT, HADOLINT)
    assert code == 3 and "NEEDS APPROVAL: 45 findings" in out
    code, out, err = approve(capsys, record, PIP_AUDIT, HADOLINT)
    assert code == 0, err
    assert out == ""  # the record went to the file
    assert "gatekeeper: alice approved 45 findings in environment prod" in err
    assert "high     pip-audit PYSEC-2019-10 django 2.2.1 at " in err
    assert json.loads(record.read_text())["approver"] == "alice"
    md = tmp_path / "summary.md"
    code, out, err = gate(capsys, "check", *PROD, "--approval", record, "--markdown", md, PIP_AUDIT, HADOLINT)
    assert code == 0, out + err
    assert out.rstrip().endswith("PASSED with warnings: 7 warnings; a report needs attention (see the notes); 45 findings approved by alice.")
    assert "### Approved\n\n- approval alice: 45 findings" in md.read_text()
    assert key not in out + err + record.read_text() + md.read_text()


def test_a_record_does_not_cover_a_finding_added_later(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    assert approve(capsys, record, PIP_AUDIT)[0] == 0
    # The same record, now with the Dockerfile errors that were not there when it was signed.
    md = tmp_path / "summary.md"
    code, out, err = gate(capsys, "check", *PROD, "--approval", record, "--markdown", md, PIP_AUDIT, HADOLINT)
    assert code == 3, out + err
    assert "NEEDS APPROVAL: 4 findings may pass only with a recorded sign-off." in out
    assert "does not cover 4 findings that need approval (new, or changed since it was signed): hadolint DL" in out
    text = md.read_text()
    assert "### Needs approval" in text and "| high | hadolint | DL3004 |" in text and "pip\\-audit | PYSEC" not in text


def test_a_record_does_not_cover_a_changed_finding(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    assert approve(capsys, record, PIP_AUDIT)[0] == 0
    # Django moved from 2.2.1 to 2.2.2 (still vulnerable): the approval was for 2.2.1.
    changed = tmp_path / "pip-audit.json"
    data = json.loads(PIP_AUDIT.read_text())
    for dep in data["dependencies"]:
        if dep["name"] == "django":
            dep["version"] = "2.2.2"
    changed.write_text(json.dumps(data))
    code, out, _ = gate(capsys, "check", *PROD, "--approval", record, changed)
    assert code == 3
    assert "does not cover" in out and "django 2.2.2" in out


def test_a_record_edited_by_hand_stops_the_gate(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    assert approve(capsys, record, PIP_AUDIT)[0] == 0
    record.write_text(record.read_text().replace('"alice"', '"mallory"'))
    code, out, err = gate(capsys, "check", *PROD, "--approval", record, PIP_AUDIT)
    assert code == 2
    assert out == ""
    assert f"gatekeeper: error: {record}: the approval record's signature does not match" in err


def test_a_record_is_checked_with_the_pipeline_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "approval.json"
    monkeypatch.setenv("GATEKEEPER_APPROVAL_KEY", "someone-elses-key-0123456789")
    assert approve(capsys, record, PIP_AUDIT)[0] == 0
    monkeypatch.setenv("GATEKEEPER_APPROVAL_KEY", KEY)
    code, _, err = gate(capsys, "check", *PROD, "--approval", record, PIP_AUDIT)
    assert code == 2 and "signature does not match" in err
    monkeypatch.delenv("GATEKEEPER_APPROVAL_KEY")
    code, _, err = gate(capsys, "check", *PROD, "--approval", record, PIP_AUDIT)
    assert code == 2 and "$GATEKEEPER_APPROVAL_KEY is not set" in err


def test_a_record_from_another_environment_approves_nothing(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    assert approve(capsys, record, PIP_AUDIT)[0] == 0
    code, out, _ = gate(capsys, "check", "--policy", POLICY, "--env", "dev", "--approval", record, PIP_AUDIT)
    assert code == 0  # dev does not ask for approval at all
    assert "the approval is for environment prod, this gate evaluates dev" in out


def test_approve_refuses_a_failing_gate(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    code, _, err = approve(capsys, record, PIP_AUDIT, TRIVY)
    assert code == 1
    assert "the gate fails whatever is approved: fix or except the failing findings first; no record written" in err
    assert not record.exists()


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_approve_refuses_when_nothing_needs_approval(env: str, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "approval.json"
    code, _, err = approve(capsys, record, PIP_AUDIT, env=env)
    assert code == 2
    assert "nothing to approve: the gate's status is passed-with-warnings, not needs-approval" in err
    assert not record.exists()


def test_approve_needs_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = approve(capsys, tmp_path / "a.json", PIP_AUDIT)
    assert code == 2 and "$GATEKEEPER_APPROVAL_KEY is not set" in err


def test_approve_needs_who_and_why(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = gate(capsys, "approve", *PROD, "-o", tmp_path / "a.json", PIP_AUDIT)
    assert code == 2 and "Missing option '--approver'" in err


def test_a_missing_record_file_stops_the_gate(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = gate(capsys, "check", *PROD, "--approval", tmp_path / "nope.json", PIP_AUDIT)
    assert code == 2 and "nope.json: cannot read the approval record" in err


def test_approve_with_the_gates_baseline(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A pipeline that gates with --baseline approves with the same one: without it, the
    # known findings fail and nothing could be approved.
    base, record = tmp_path / "baseline.json", tmp_path / "approval.json"
    assert gate(capsys, "baseline", "create", "-o", base, TRIVY)[0] == 0
    assert approve(capsys, record, PIP_AUDIT, TRIVY)[0] == 1
    code, _, err = gate(capsys, "approve", *PROD, "--baseline", base, "--approver", "alice", "--reason", "CHG-1", "-o", record,
                        PIP_AUDIT, TRIVY)
    assert code == 0, err
    assert "alice approved 41 findings" in err
    code, out, err = gate(capsys, "check", *PROD, "--baseline", base, "--approval", record, PIP_AUDIT, TRIVY)
    assert code == 0, out + err
    code, out, err = gate(capsys, "approve", *PROD, "--baseline", tmp_path / "missing.json", "--approver", "a", "--reason", "r",
                          "-o", record, PIP_AUDIT)
    assert code == 2 and "missing.json" in err
