"""Issue 21, second hardening round, items 8-13 and the "Also" paragraph, through the real CLI.

Each test is one attack from the issue (or one of its class) kept as a regression test:
policy bypasses (a future ``created``, wildcard exceptions), a leak of a non-policy file in
an error, injection through error messages, JUnit well-formedness, ``.gitleaksignore``
lines, hidden characters in reviewed files, and a closed stdout pipe.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import REPORTS, ROOT
from tests.test_cli import run

EXIT_ERROR = 2
TODAY = datetime.date.today()
INJECTION = "\u001b]0;pwned\u0007\n::error title=gatekeeper::PASSED - safe to merge\n::add-mask::FAILED"
TARGETS = ROOT / "fixtures" / "targets"
ENV_FILE = TARGETS / "app" / ".env"
PEM_FILE = TARGETS / "config" / "deploy_key.pem"


def policy(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def exception(match: str, *, created: str | None = None, expires: str | None = None) -> str:
    expires = expires or str(TODAY + datetime.timedelta(days=20))
    return (
        "  - id: EX-1\n"
        f"    match: {match}\n"
        "    reason: accepted\n"
        "    owner: team\n"
        + (f"    created: {created}\n" if created else "")
        + f"    expires: {expires}\n"
    )


def assert_inert(stderr: str) -> None:
    """No terminal control and no line a CI runner would read as a workflow command."""
    assert "\x1b" not in stderr and "\x07" not in stderr and "\x9b" not in stderr
    for line in stderr.splitlines():
        assert not line.strip().startswith("::"), line


# -- 8. an exception created in the future ------------------------------------------------


def test_future_created_is_a_policy_error(tmp_path: Path) -> None:
    p = policy(tmp_path, "version: 1\nexception_policy:\n  max_days: {critical: 30, high: 30}\nexceptions:\n"
               + exception("{tool: gitleaks}", created="9999-12-01", expires="9999-12-30"))
    r = run("policy", "validate", p)
    assert r.returncode == EXIT_ERROR and "created 9999-12-01 is in the future" in r.stdout + r.stderr
    r = run("check", "--policy", p, REPORTS / "gitleaks.json")
    assert r.returncode == EXIT_ERROR and "is in the future" in r.stderr and "PASSED" not in r.stdout


def test_max_days_counts_from_today_when_created_is_later(tmp_path: Path) -> None:
    # Tomorrow is within the allowed clock skew, but the cap counts from today: 31 days > 30.
    tomorrow, expires = TODAY + datetime.timedelta(days=1), TODAY + datetime.timedelta(days=31)
    text = ("version: 1\nsecrets: fail\nexception_policy:\n  max_days: {critical: 30, high: 30, medium: 30, low: 30, info: 30}\n"
            "exceptions:\n" + exception("{tool: gitleaks}", created=str(tomorrow), expires=str(expires)))
    r = run("check", "--policy", policy(tmp_path, text), REPORTS / "gitleaks.json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "lasts 31 days, longer than the 30 allowed" in r.stdout + r.stderr


# -- 9. exceptions that select everything --------------------------------------------------


@pytest.mark.parametrize("match", [
    '{rule: "*"}', '{path: "**"}', '{identifier: "**", path: "**/*"}',
    "{severity: [critical, high, medium, low, info]}", '{kind: [vulnerability, misconfiguration, secret, license, '
    'code-issue, security-hotspot, lint], rule: "*"}',
], ids=["rule", "path", "identifier-and-path", "every-severity", "every-kind"])
def test_wildcard_exception_is_refused_like_an_empty_match(tmp_path: Path, match: str) -> None:
    p = policy(tmp_path, "version: 1\nexceptions:\n" + exception(match))
    r = run("policy", "validate", p)
    assert r.returncode == EXIT_ERROR, r.stdout + r.stderr
    assert "an exception must select something" in r.stdout + r.stderr
    r = run("check", "--policy", p, REPORTS / "gitleaks.json")
    assert r.returncode == EXIT_ERROR and "PASSED" not in r.stdout


def test_exception_matching_a_whole_tool_is_noted(tmp_path: Path) -> None:
    p = policy(tmp_path, "version: 1\nexceptions:\n" + exception("{tool: gitleaks}"))
    r = run("check", "--policy", p, REPORTS / "gitleaks.json")
    assert "exception EX-1" in r.stdout + r.stderr and "matched every finding of gitleaks (7)" in r.stdout + r.stderr


# -- 10. a non-policy file is never printed ------------------------------------------------


def secret_lines(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line.split("=", 1)[-1] for line in lines if len(line) > 12 and not line.startswith("#")]


@pytest.mark.parametrize("secret_file", [ENV_FILE, PEM_FILE], ids=[".env", "pem"])
def test_extends_or_policy_naming_a_secret_file_does_not_print_it(tmp_path: Path, secret_file: Path) -> None:
    local = tmp_path / secret_file.name
    shutil.copy(secret_file, local)
    extending = policy(tmp_path, f"version: 1\nextends: {local.name}\n")
    for args in (("policy", "validate", extending), ("check", "--policy", extending, REPORTS / "gitleaks-empty.json"),
                 ("check", "--policy", local, REPORTS / "gitleaks-empty.json"), ("policy", "validate", local)):
        r = run(*args)
        out = r.stdout + r.stderr
        assert r.returncode == EXIT_ERROR, out
        assert local.name in out and len(out) < 2000, out
        for value in secret_lines(secret_file):
            assert value[:16] not in out, (value, out)


def test_replay_of_a_record_pointing_at_a_secret_file_does_not_print_it(tmp_path: Path) -> None:
    p = policy(tmp_path, "version: 1\n")
    record = tmp_path / "record.json"
    r = run("check", "--policy", p, "--record", record, REPORTS / "gitleaks-empty.json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(record.read_text(encoding="utf-8"))
    local = tmp_path / ".env"
    shutil.copy(ENV_FILE, local)
    doc["policy"]["path"] = str(local)
    for f in doc["policy"]["files"]:
        f["path"] = str(local)
    record.write_text(json.dumps(doc), encoding="utf-8")
    r = run("replay", record)
    assert r.returncode == EXIT_ERROR and ".env: " in r.stderr, r.stderr
    for value in secret_lines(ENV_FILE):
        assert value[:16] not in r.stdout + r.stderr


# -- 11. messages built from input are inert on stderr -------------------------------------


def test_json_key_in_an_error_cannot_inject_workflow_commands(tmp_path: Path) -> None:
    doc = {"SchemaVersion": 2, "ArtifactName": "x", "ArtifactType": "filesystem", "Results": [{
        "Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": [{
            "VulnerabilityID": "CVE-2020-1", "PkgName": "django", "InstalledVersion": "1.0", "FixedVersion": "2.0",
            "Severity": "HIGH", "CVSS": {INJECTION: "not an object"}}]}]}
    report = tmp_path / "trivy.json"
    report.write_text(json.dumps(doc), encoding="utf-8")
    r = run("check", report)
    assert r.returncode == EXIT_ERROR
    assert "trivy.json: " in r.stderr and "Vulnerabilities[0].CVSS" in r.stderr
    assert_inert(r.stderr)


def test_a_path_in_an_error_cannot_inject_workflow_commands(tmp_path: Path) -> None:
    r = run("check", str(tmp_path / f"missing{INJECTION}.json"))
    assert r.returncode == EXIT_ERROR and "no such file" in r.stderr
    assert_inert(r.stderr)


def test_an_option_value_in_a_usage_error_is_inert() -> None:
    r = run("check", "--max-listed", f"x{INJECTION}", REPORTS / "gitleaks.json")
    assert r.returncode == EXIT_ERROR
    assert_inert(r.stderr)


def test_a_policy_value_in_an_error_is_inert(tmp_path: Path) -> None:
    p = policy(tmp_path, "version: 1\nfail_on: " + json.dumps(INJECTION) + "\n")
    r = run("check", "--policy", p, REPORTS / "gitleaks.json")
    assert r.returncode == EXIT_ERROR and "$.fail_on" in r.stderr
    assert_inert(r.stderr)


# -- 12. JUnit stays well-formed XML -------------------------------------------------------


def test_junit_with_a_hostile_sarif_driver_name_is_well_formed(tmp_path: Path) -> None:
    doc = json.loads((REPORTS / "gitleaks.sarif").read_text(encoding="utf-8"))
    doc["runs"][0]["tool"]["driver"]["name"] = "evil\u001b[31m\u001b]8;;http://x\u0007\u009b2J\u0000tool"
    report = tmp_path / "evil.sarif"
    report.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "junit.xml"
    r = run("check", "--junit", out, report)
    assert r.returncode in (0, 1), r.stderr
    text = out.read_text(encoding="utf-8")
    ET.fromstring(text.encode("utf-8"))  # well-formed
    assert "\x1b" not in text and "\x9b" not in text


# -- 13. .gitleaksignore: one fingerprint, one line ----------------------------------------


def test_newline_in_a_gitleaks_fingerprint_adds_no_ignore_line(tmp_path: Path) -> None:
    findings = json.loads((REPORTS / "gitleaks.json").read_text(encoding="utf-8"))
    findings[0]["Fingerprint"] += "\nprod/secrets.env:aws-access-token:7"
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps(findings), encoding="utf-8")
    p = policy(tmp_path, "version: 1\nexceptions:\n" + exception("{tool: gitleaks}"))
    out = tmp_path / ".gitleaksignore"
    r = run("policy", "export", "--format", "gitleaksignore", "-o", out, p, report)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert "prod/secrets.env" not in text
    assert "not exported to gitleaks" in r.stderr and "control character" in r.stderr
    assert_inert(r.stderr)


# -- Also: hidden characters in reviewed files ---------------------------------------------

HIDDEN = "\u202e\u2028\u0085\u009b"


def hostile_gitleaks(tmp_path: Path) -> Path:
    findings = json.loads((REPORTS / "gitleaks.json").read_text(encoding="utf-8"))
    for f in findings:
        f["RuleID"] += HIDDEN
        f["File"] += HIDDEN
        f.pop("Fingerprint", None)
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps(findings), encoding="utf-8")
    return report


def assert_no_hidden(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not any(c in text for c in HIDDEN), path
    json.loads(text)


def test_baseline_and_record_escape_hidden_characters(tmp_path: Path) -> None:
    report = hostile_gitleaks(tmp_path)
    baseline, record = tmp_path / "baseline.json", tmp_path / "record.json"
    r = run("baseline", "create", report, "-o", baseline)
    assert r.returncode == 0, r.stderr
    assert_no_hidden(baseline)
    r = run("check", "--record", record, report)
    assert r.returncode == 1, r.stderr
    assert_no_hidden(record)


def test_approval_record_escapes_hidden_characters(tmp_path: Path) -> None:
    report = hostile_gitleaks(tmp_path)
    p = policy(tmp_path, "version: 1\nsecrets: approve\n")
    out = tmp_path / "approval.json"
    r = run("approve", "--policy", p, "--approver", f"alice{HIDDEN}", "--reason", f"CHG-1{HIDDEN}", "-o", out, report,
            env={"GATEKEEPER_APPROVAL_KEY": "k" * 32})
    assert r.returncode == 0, r.stderr
    assert_no_hidden(out)
    r = run("check", "--policy", p, "--approval", out, report, env={"GATEKEEPER_APPROVAL_KEY": "k" * 32})
    assert r.returncode == 0, r.stdout + r.stderr  # the escaped record still verifies


# -- Also: a closed stdout pipe does not change the exit code ------------------------------


@pytest.mark.parametrize(("report", "expected"), [("gitleaks-empty.json", 0), ("gitleaks.json", 1)])
def test_closed_stdout_keeps_the_verdicts_exit_code(tmp_path: Path, report: str, expected: int) -> None:
    out = tmp_path / "out.json"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.Popen([sys.executable, "-m", "gatekeeper", "check", "--explain", "--json", str(out), str(REPORTS / report)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == expected, err
    assert json.loads(out.read_text(encoding="utf-8"))  # the outputs were still written


def test_policy_validate_prints_file_names_inert(tmp_path: Path) -> None:
    # `policy validate` lists its errors itself (not through the exit-2 message): the file's
    # name, from the command line, is escaped there too.
    bad = policy(tmp_path, "version: 1\nfial_on: high\n", name="e\u001b]0;pwned\u0007.yaml")
    done = run("policy", "validate", str(bad))
    assert done.returncode == EXIT_ERROR
    text = done.stdout + done.stderr
    assert "\u001b" not in text and "\u0007" not in text
    assert "\\x1b]0;pwned\\x07.yaml:2:1: $.fial_on: unknown key" in text


def test_a_random_looking_folder_in_a_path_is_not_taken_for_a_secret(tmp_path: Path) -> None:
    # mktemp's folders (/tmp/tmp.Rz3QWk9fXb) joined to the rest of a path made one long
    # "token": the missing base was shown as "not shown: it looks like a secret".
    folder = tmp_path / "tmp.Rz3QWk9fXb" / "clone" / "policies"
    folder.mkdir(parents=True)
    team = policy(folder, "version: 1\nextends: no-such-baseline.yaml\n")
    done = run("policy", "validate", str(team))
    assert done.returncode == EXIT_ERROR
    assert f"base policy '{folder / 'no-such-baseline.yaml'}' not found" in done.stdout + done.stderr
