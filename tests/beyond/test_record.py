"""Decision records and replay on the real reports: the same inputs give the same verdict."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from gatekeeper.policy import evaluate
from gatekeeper.policy.load import load_policy
from gatekeeper.record import RecordError, RecordInputs, parse_record, record_document, replay
from tests.beyond.helpers import gk, reports, write
from tests.conftest import REPORTS, ROOT

TEAM = ROOT / "policies" / "teams" / "python-service.yaml"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_record_holds_digests_environment_and_every_decision(tmp_path: Path) -> None:
    rec = tmp_path / "record.json"
    r = gk("check", "--policy", TEAM.relative_to(ROOT), "--record", rec, REPORTS.relative_to(ROOT) / "gitleaks.json",
           REPORTS.relative_to(ROOT) / "trivy-fs.json", REPORTS.relative_to(ROOT) / "pip-audit.json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(rec.read_text())
    assert doc["recordVersion"] == 1 and doc["gatekeeper"] and doc["time"].endswith("Z")
    assert doc["verdict"]["status"] == "failed"
    files = doc["policy"]["files"]
    assert [f["path"] for f in files] == ["policies/baseline.yaml", "policies/teams/python-service.yaml"]  # extends chain
    assert all(f["sha256"] == sha(ROOT / f["path"]) for f in files)
    assert doc["policy"]["digest"].startswith("sha256:")
    assert {x["source"]: x["sha256"] for x in doc["reports"]} == {
        f"fixtures/reports/{n}": sha(REPORTS / n) for n in ("gitleaks.json", "trivy-fs.json", "pip-audit.json")}
    row = next(x for x in doc["findings"] if x["also"])
    assert set(row) >= {"fingerprint", "tool", "rule", "outcome", "decidedBy", "seenBy", "known"}
    assert len(doc["findings"]) == 70 + 7 + 41 - 7  # 118 findings; the 7 secrets were seen by two tools
    text = rec.read_text()
    for secret in (ROOT / "fixtures" / "planted_secrets.txt").read_text().split():
        assert secret not in text


def test_record_digests_the_bytes_the_gate_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A report replaced after the gate read it (by a later step, or an attacker) must not
    # have its new content recorded as what was gated.
    from gatekeeper import cli, gate

    report, rec = tmp_path / "hadolint.json", tmp_path / "record.json"
    shutil.copy(REPORTS / "hadolint.json", report)
    read = sha(report)
    real = gate.load_reports

    def load_then_replace(*args, **kwargs):  # type: ignore[no-untyped-def]
        loaded = real(*args, **kwargs)
        report.write_text("[]")
        return loaded

    monkeypatch.setattr(gate, "load_reports", load_then_replace)
    with pytest.raises(SystemExit):
        cli.main(["check", "--no-annotations", "--record", str(rec), str(report)])
    (entry,) = json.loads(rec.read_text())["reports"]
    assert entry["sha256"] == read != sha(report)


def test_record_digests_the_policy_files_the_gate_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeeper import cli, gate

    base = write(tmp_path, "base.yaml", "version: 1\nfail_on: critical\n")
    team = write(tmp_path, "team.yaml", "version: 1\nextends: base.yaml\n")
    rec = tmp_path / "record.json"
    read = {p.name: sha(p) for p in (base, team)}
    real = gate.load_reports

    def load_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        base.write_text("version: 1\nfail_on: low\n")  # after the gate read the policy
        return real(*args, **kwargs)

    monkeypatch.setattr(gate, "load_reports", load_then_edit)
    with pytest.raises(SystemExit):
        cli.main(["check", "--no-annotations", "--policy", str(team), "--record", str(rec), str(REPORTS / "hadolint.json")])
    files = json.loads(rec.read_text())["policy"]["files"]
    assert [Path(f["path"]).name for f in files] == ["base.yaml", "team.yaml"]
    assert {Path(f["path"]).name: f["sha256"] for f in files} == read
    assert read["base.yaml"] != sha(base)


def test_replay_confirms_the_same_verdict(tmp_path: Path) -> None:
    rec = tmp_path / "record.json"
    r = gk("check", "--policy", TEAM, "--env", "staging", "--record", rec, REPORTS / "gitleaks.json", REPORTS / "checkov.json")
    assert r.returncode == 0, r.stderr  # staging: warn mode
    assert json.loads(rec.read_text())["policy"]["environment"] == "staging"
    r = gk("replay", rec)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SAME: the verdict is passed-with-warnings" in r.stdout


def test_replay_shows_a_changed_report(tmp_path: Path) -> None:
    report = tmp_path / "hadolint.json"
    shutil.copy(REPORTS / "hadolint.json", report)
    rec = tmp_path / "record.json"
    gk("check", "--record", rec, report)
    data = json.loads(report.read_text())
    report.write_text(json.dumps(data[:-3]))  # three findings fixed
    r = gk("replay", rec)
    assert r.returncode == 1
    assert "input report" in r.stdout and "changed (sha256" in r.stdout
    assert r.stdout.count("gone:") == 3


def test_replay_shows_what_a_policy_edit_changed(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.yaml", "version: 1\nfail_on: high\n")
    rec = tmp_path / "record.json"
    gk("check", "--policy", policy, "--record", rec, REPORTS / "hadolint.json")
    policy.write_text("version: 1\nfail_on: medium\n")
    r = gk("replay", rec)
    assert r.returncode == 1
    assert "policy file" in r.stdout and "changed:  hadolint" in r.stdout and "pass (fail_on) -> fail (fail_on)" in r.stdout


def test_replay_decides_as_of_the_recorded_day(tmp_path: Path) -> None:
    # An exception that was active when the gate ran has expired since: the replay still agrees.
    policy_path = write(tmp_path, "p.yaml", """
        version: 1
        exceptions:
          - id: dl3007
            match: {tool: hadolint, rule: DL3007}
            reason: pinned by digest in the build
            owner: platform
            expires: 2025-01-31
    """)
    rs = reports("hadolint.json")
    source = str(REPORTS / "hadolint.json")
    assert rs[0].source == source
    inputs = RecordInputs(str(policy_path), now=datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.timezone.utc))
    verdict = evaluate(rs, load_policy(policy_path), today=inputs.today)
    assert any(e.decision.decided_by == "exception dl3007" for e in verdict.results)
    doc = parse_record(record_document(verdict, inputs), "r.json")
    result, again = replay(doc, "r.json")
    assert result.same, result.findings
    assert any(e.decision.decided_by == "exception dl3007" for e in again.results)


def test_replay_of_standard_input_is_refused(tmp_path: Path) -> None:
    rec = tmp_path / "record.json"
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "gatekeeper", "check", "--format", "hadolint", "--record", str(rec), "-"],
                   input=(REPORTS / "hadolint.json").read_text(), capture_output=True, text=True, cwd=ROOT)
    r = gk("replay", rec)
    assert r.returncode == 2 and "not recorded with a digest" in r.stderr


def test_replay_of_a_missing_report_is_refused(tmp_path: Path) -> None:
    report = tmp_path / "gitleaks.json"
    shutil.copy(REPORTS / "gitleaks.json", report)
    rec = tmp_path / "record.json"
    gk("check", "--record", rec, report)
    report.unlink()
    r = gk("replay", rec)
    assert r.returncode == 2 and "cannot be read" in r.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("[", "invalid JSON"),
    ('{"recordVersion": 2}', "not a decision record of version 1"),
    ('{"recordVersion": 1, "today": "2026-01-01", "policy": {}, "reports": [], "verdict": {}}', r"\$.findings is missing"),
    ('{"recordVersion": 1, "today": "someday", "policy": {}, "reports": [], "verdict": {}, "findings": []}', "not a valid date"),
])
def test_bad_records(text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse_record(text, "r.json")
