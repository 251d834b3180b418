"""`gatekeeper check` end to end on the real fixtures: exit codes, messages, outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPORTS, ROOT

PIPELINE = [
    REPORTS / "trivy-fs.json",
    REPORTS / "gitleaks.json",
    REPORTS / "checkov.json",
    REPORTS / "hadolint.json",
    REPORTS / "pip-audit.json",
]


def run(*args: str | Path, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "gatekeeper", *map(str, args)],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
    )


def test_real_reports_violate_the_default_policy() -> None:
    r = run("check", *PIPELINE)
    assert r.returncode == 1, r.stderr
    assert "FAILED:" in r.stdout
    for tool in ("trivy", "gitleaks", "checkov", "hadolint", "pip-audit"):
        assert f"  {tool} " in r.stdout
    # Failing findings are listed with location and reason.
    assert "a secret was found" in r.stdout
    assert ">= fail_on high" in r.stdout


def test_clean_reports_pass() -> None:
    r = run("check", REPORTS / "gitleaks-empty.json", REPORTS / "checkov-empty.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASSED" in r.stdout


def test_lenient_policy_passes(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nfail_on: critical\nsecrets: warn\nunknown_severity: low\n")
    r = run("check", "--policy", policy, REPORTS / "hadolint.json", REPORTS / "gitleaks.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASSED with warnings" in r.stdout


def test_policy_error_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nfial_on: high\n")
    r = run("check", "--policy", policy, REPORTS / "hadolint.json")
    assert r.returncode == 2
    assert f"{policy}:2:1:" in r.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.json", b"", "the report is empty"),
        ("truncated.json", (REPORTS / "trivy-fs.json").read_bytes()[:5000], "truncated"),
        ("unknown.json", b'{"hello": "world"}', "not a report format gatekeeper reads"),
        ("report.json", b"[]", "empty []"),
        ("null.json", b"null", "empty null"),
        ("latin1.json", b'["\xe9"]', "not valid UTF-8"),
        ("number.json", b"42", "not a report format"),
    ],
)
def test_unusable_reports_exit_2_naming_the_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    r = run("check", REPORTS / "hadolint.json", bad)
    assert r.returncode == 2, r.stdout
    assert str(bad) in r.stderr
    assert message in r.stderr
    assert r.stdout == ""


def test_every_bad_report_is_listed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("")
    b.write_text("{")
    r = run("check", a, b)
    assert r.returncode == 2
    assert str(a) in r.stderr and str(b) in r.stderr
    assert "2 of 2 reports could not be read" in r.stderr


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    assert run("check", tmp_path / "nope.json").returncode == 2
    assert run("check").returncode == 2
    assert run("check", "--format", "nosuchtool", REPORTS / "hadolint.json").returncode == 2
    assert run("check", "-", "-").returncode == 2


def test_wrong_forced_format_exits_2() -> None:
    r = run("check", "--format", "hadolint", REPORTS / "trivy-fs.json")
    assert r.returncode == 2
    assert "trivy-fs.json" in r.stderr


def test_stdin_and_format_forcing() -> None:
    data = (REPORTS / "hadolint.json").read_bytes()
    r = run("check", "-", stdin=data)
    assert r.returncode == 1, r.stderr
    assert "hadolint" in r.stdout
    # `[]` on stdin has no name to attribute it: --format decides.
    assert run("check", "-", stdin=b"[]").returncode == 2
    assert run("check", "--format", "gitleaks", "-", stdin=b"[]").returncode == 0


def test_directory_argument_gates_every_report(tmp_path: Path) -> None:
    (tmp_path / "gitleaks.json").write_bytes((REPORTS / "gitleaks.json").read_bytes())
    (tmp_path / "hadolint.json").write_bytes((REPORTS / "hadolint.json").read_bytes())
    r = run("check", tmp_path)
    assert r.returncode == 1
    assert "2 reports" in r.stdout


def test_sarif_output_holds_every_finding(tmp_path: Path) -> None:
    out = tmp_path / "out" / "g.sarif"
    r = run("check", "--sarif", out, REPORTS / "hadolint.json", REPORTS / "gitleaks.json")
    assert r.returncode == 1
    data = json.loads(out.read_text())
    expected = len(json.loads((REPORTS / "hadolint.json").read_text())) + len(
        json.loads((REPORTS / "gitleaks.json").read_text())
    )
    assert sum(len(run_["results"]) for run_ in data["runs"]) == expected
    assert {run_["automationDetails"]["id"] for run_ in data["runs"]} == {"gatekeeper/hadolint/", "gatekeeper/gitleaks/"}


def test_sarif_to_stdout_moves_the_summary_to_stderr() -> None:
    r = run("check", "--sarif", "-", REPORTS / "hadolint.json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["version"] == "2.1.0"
    assert "FAILED" in r.stderr


def test_no_sarif_file_is_left_when_the_gate_cannot_run(tmp_path: Path) -> None:
    out = tmp_path / "g.sarif"
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run("check", "--sarif", out, bad).returncode == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_version_and_module_entry_point() -> None:
    r = run("--version")
    assert r.returncode == 0
    assert "gatekeeper" in r.stdout


def test_colour_only_when_asked() -> None:
    plain = run("check", REPORTS / "hadolint.json")
    assert "\x1b[" not in plain.stdout
    coloured = run("check", "--color", REPORTS / "hadolint.json")
    assert "\x1b[1;31m" in coloured.stdout


def test_ctrl_c_exits_2_never_1() -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "gatekeeper", "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        time.sleep(2)  # let it start and block reading standard input
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 2
    assert "interrupted" in err


def test_help_and_unknown_option_exit_codes() -> None:
    assert run("check", "--help").returncode == 0
    r = run("check", "--no-such-option")
    assert r.returncode == 2
    assert "No such option" in r.stderr


def test_output_files_get_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "g.sarif"
    r = subprocess.run(
        ["bash", "-c", f'umask 022 && exec "{sys.executable}" -m gatekeeper check --sarif "{out}" "{REPORTS / "hadolint.json"}"'],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 1, r.stderr
    assert out.stat().st_mode & 0o777 == 0o644


def test_a_skip_fails_under_ci(tmp_path: Path) -> None:
    """.ci/run sets GATEKEEPER_REQUIRE_SHARED=1: there a skipped test is a failure (tests/conftest.py)."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import pytest\n"
        "def test_skips():\n    pytest.skip('a tool is missing')\n"
        "@pytest.mark.skipif(True, reason='another')\ndef test_skipif():\n    pass\n"
        "def test_passes():\n    pass\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest", str(probe)]
    ci = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "GATEKEEPER_REQUIRE_SHARED": "1"})
    assert ci.returncode == 1, ci.stdout
    assert "1 failed, 1 passed, 1 error" in ci.stdout
    local = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "GATEKEEPER_REQUIRE_SHARED"})
    assert local.returncode == 0, local.stdout
    assert "1 passed, 2 skipped" in local.stdout
