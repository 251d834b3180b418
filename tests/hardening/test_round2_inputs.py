"""Issue 21, silent passes (items 1-7): input the gate did not fully understand, through the real CLI.

Each example of the issue is kept here, beside variants of its class: the input now ends in
exit 2 with a message naming the file and the reason, or in a coverage gap the policy
decides (``reports.gaps``), never in a plain pass. The README's fail-closed table has a row
per class.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPORTS
from tests.hardening.test_fail_closed import EXIT_ERROR, assert_refused, write
from tests.test_cli import run

TRIVY = REPORTS / "trivy-fs.json"
TRIVY_SARIF = REPORTS / "trivy-fs.sarif"


def policy(tmp_path: Path, text: str) -> Path:
    return write(tmp_path, "policy.yaml", "version: 1\n" + text)


def trivy_vulnerability(**over: Any) -> dict[str, Any]:
    vuln = {"VulnerabilityID": "CVE-2024-0001", "PkgName": "openssl", "InstalledVersion": "1.0",
            "FixedVersion": "1.1", "Severity": "LOW", "Title": "t",
            "CVSS": {"nvd": {"V3Score": 3.1, "V3Vector": "CVSS:3.1/AV:N"}}}
    vuln.update(over)
    return vuln


def trivy_report(*vulns: dict[str, Any]) -> dict[str, Any]:
    return {"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
            "Results": [{"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip",
                         "Vulnerabilities": list(vulns)}]}


def trivy_bytes(size: str) -> bytes:
    """A small report (read by the standard library), or one past 64 KB (read by orjson)."""
    n = 1 if size == "small" else 400
    data = json.dumps(trivy_report(*(trivy_vulnerability(VulnerabilityID=f"CVE-2024-{i:04d}") for i in range(n))))
    assert (len(data) > 64 * 1024) == (size == "large")
    return data.encode()


# -- 1. symbolic links inside a report directory ---------------------------------------------


def report_dir(tmp_path: Path) -> Path:
    """The issue's directory: an empty gitleaks report, and a real folder beside it."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "gitleaks.json").write_text("[]")
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(TRIVY, real / "trivy-image.json")
    return reports


def test_a_dangling_link_is_a_missing_report(tmp_path: Path) -> None:
    reports = report_dir(tmp_path)
    os.symlink("/nonexistent/trivy.json", reports / "trivy.json")
    os.symlink("../real", reports / "image-scan")
    assert_refused(run("check", reports), reports / "trivy.json",
                   reason="a dangling symbolic link (to '/nonexistent/trivy.json'): a missing report")


def test_a_dangling_link_without_a_report_suffix_is_refused_too(tmp_path: Path) -> None:
    # It may have been a folder of reports: the gate cannot tell.
    reports = report_dir(tmp_path)
    os.symlink("../gone", reports / "image-scan")
    assert_refused(run("check", reports), reports / "image-scan", reason="a dangling symbolic link")


@pytest.mark.parametrize("link", ["image-scan", "trivy.json"], ids=["linked-folder", "linked-file"])
def test_a_linked_folder_or_file_is_read(tmp_path: Path, link: str) -> None:
    reports = report_dir(tmp_path)
    target = "../real" if link == "image-scan" else "../real/trivy-image.json"
    os.symlink(target, reports / link)
    r = run("check", reports)
    assert r.returncode == 1, (r.stdout[-2000:], r.stderr[-2000:])
    assert "FAILED:" in r.stdout and "  trivy " in r.stdout


def test_a_file_reached_through_two_links_is_read_once(tmp_path: Path) -> None:
    reports = report_dir(tmp_path)
    os.symlink("../real", reports / "a")
    once = run("check", reports)
    os.symlink("../real", reports / "b")
    twice = run("check", reports)
    assert once.returncode == twice.returncode == 1, twice.stderr[-2000:]
    assert once.stdout.splitlines()[-1] == twice.stdout.splitlines()[-1]  # "FAILED: N findings ..."


@pytest.mark.parametrize("target", ["..", "."], ids=["to-its-parent", "to-itself"])
def test_a_link_loop_is_refused(tmp_path: Path, target: str) -> None:
    reports = report_dir(tmp_path)
    os.symlink(target, reports / "loop")
    r = run("check", reports)
    assert_refused(r, reason="a symbolic link loop (it leads back to a folder that contains it)")
    assert f"{reports / 'loop'}" in r.stderr


def test_a_link_to_itself_is_refused(tmp_path: Path) -> None:
    reports = report_dir(tmp_path)
    os.symlink("self.json", reports / "self.json")
    assert_refused(run("check", reports), reports / "self.json", reason="a symbolic link loop")


def test_a_pipe_named_like_a_report_is_refused_not_skipped(tmp_path: Path) -> None:
    reports = report_dir(tmp_path)
    os.mkfifo(reports / "trivy.json")
    assert_refused(run("check", reports), reports / "trivy.json", reason="not a regular file")


def test_an_unreadable_subfolder_is_refused_not_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = report_dir(tmp_path)
    locked = reports / "locked"
    locked.mkdir()
    if os.geteuid() != 0:
        locked.chmod(0)
        try:
            assert_refused(run("check", reports), locked, reason="cannot list the directory")
        finally:
            locked.chmod(0o755)
        return
    # Root lists every folder (CI runs as root): the listing fails as it does for any other
    # user, and the gate runs in this process to see it.
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    from gatekeeper.cli import main

    with pytest.raises(SystemExit) as done:
        main(["check", "--no-color", "--no-annotations", str(reports)])
    err = capsys.readouterr()
    assert done.value.code == EXIT_ERROR
    assert f"{locked}: " in err.err and "cannot list the directory" in err.err
    assert "PASSED" not in err.out


# -- 2. SARIF runs without results, logs without runs ----------------------------------------


@pytest.mark.parametrize("results", ["absent", "null"])
def test_a_sarif_run_without_results_is_refused(tmp_path: Path, results: str) -> None:
    doc = json.loads(TRIVY_SARIF.read_text())
    if results == "absent":
        del doc["runs"][0]["results"]
    else:
        doc["runs"][0]["results"] = None
    bad = write(tmp_path, "trivy.sarif", doc)
    reason = "runs[0].results: missing: the run (trivy) did not compute its results"
    assert_refused(run("check", bad), bad, reason=reason)


def test_the_issue_example_sarif_without_results_under_required(tmp_path: Path) -> None:
    run_without = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}}]}
    bad = write(tmp_path, "trivy.sarif", run_without)
    empty = write(tmp_path, "gitleaks.sarif", {"version": "2.1.0", "runs": []})
    rules = policy(tmp_path, "required: [secrets, dependencies, {tool: trivy}]\n")
    assert_refused(run("check", "--policy", rules, bad, empty), bad, reason="did not compute its results")


def test_a_sarif_log_without_runs_covers_nothing_and_is_a_gap(tmp_path: Path) -> None:
    # gitleaks' own test data and DefectDojo's hold such logs (the corpus): a gap, not a refusal.
    empty = write(tmp_path, "gitleaks.sarif", {"version": "2.1.0", "runs": []})
    r = run("check", empty)
    assert "PASSED: no finding violates the policy" not in r.stdout
    assert f"{empty}: not audited: " in r.stdout and "the SARIF log has no runs" in r.stdout
    rules = policy(tmp_path, "required: [secrets]\n")
    r = run("check", "--policy", rules, empty)
    assert r.returncode == 1 and "FAILED" in r.stdout, (r.stdout[-2000:], r.stderr[-2000:])
    r = run("check", "--policy", policy(tmp_path, "reports: {gaps: fail}\n"), empty)
    assert r.returncode == 1, (r.stdout[-2000:], r.stderr[-2000:])


# -- 3. duplicate keys -----------------------------------------------------------------------

DUPLICATE = b'"Severity":"CRITICAL","Severity":"LOW"'


def with_duplicate_severity(data: bytes, key: bytes = b'"Severity"') -> bytes:
    """The first ``"Severity": "X"`` member becomes ``"Severity":"CRITICAL",<key>:"LOW"``."""
    start = data.index(b'"Severity"')
    end = data.index(b",", start)
    return data[:start] + b'"Severity":"CRITICAL",' + key + b':"LOW"' + data[end:]


@pytest.mark.parametrize("size", ["small", "large"])  # the standard library's path, and orjson's (64 KB and up)
@pytest.mark.parametrize(
    "key", [b'"Severity"', b'"\\u0053everity"', b'"Severity" '], ids=["plain", "escaped", "spaced"]
)
def test_a_duplicate_key_is_refused(tmp_path: Path, size: str, key: bytes) -> None:
    bad = write(tmp_path, "trivy.json", with_duplicate_severity(trivy_bytes(size), key))
    assert_refused(run("check", bad), bad, reason="the key 'Severity' appears twice in one object")


def test_a_duplicate_key_on_standard_input_is_refused() -> None:
    data = with_duplicate_severity(trivy_bytes("large"))
    r = run("check", "--format", "trivy", "-", stdin=data)
    assert_refused(r, "<stdin>", reason="the key 'Severity' appears twice in one object")


def test_a_literal_escaped_colon_is_not_a_duplicate(tmp_path: Path) -> None:
    # The text "\\u003a" (a backslash, then u003a) counts as a colon in the fast check: json settles it.
    doc = json.loads(trivy_bytes("large"))
    doc["Results"][0]["Vulnerabilities"][0]["Title"] = "see \\u003a and \\u003A"
    ok = write(tmp_path, "trivy.json", doc)
    assert ok.stat().st_size > 64 * 1024
    r = run("check", ok)
    assert r.returncode == 0 and "PASSED" in r.stdout, r.stderr[-2000:]


# -- 4. NaN, Infinity and scores out of 0-10 -------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_non_finite_number_is_refused(tmp_path: Path, number: str, size: str) -> None:
    data = trivy_bytes(size)
    start = data.index(b'"V3Score"')
    end = data.index(b",", start)
    text = data[:start] + b'"V3Score": ' + number.encode() + data[end:]
    bad = write(tmp_path, "trivy.json", text)
    rules = policy(tmp_path, "fail_on_cvss: 7\n")
    out = tmp_path / "out.json"
    r = run("check", "--policy", rules, "--json", out, "--sarif", tmp_path / "out.sarif", bad)
    assert_refused(r, bad, reason="invalid JSON: ")
    for written in (out, tmp_path / "out.sarif"):
        assert not written.exists() or b"NaN" not in written.read_bytes()


@pytest.mark.parametrize("score", [-5, 42, 10.5])
def test_a_trivy_score_out_of_range_is_refused(tmp_path: Path, score: float) -> None:
    doc = trivy_report(trivy_vulnerability(CVSS={"nvd": {"V3Score": score, "V3Vector": "CVSS:3.1/AV:N"}}))
    bad = write(tmp_path, "trivy.json", doc)
    assert_refused(run("check", bad), bad,
                   reason=f"Vulnerabilities[0].CVSS.nvd.V3Score: a score is a number from 0 to 10, got {score}")


def sarif_log(rules: list[dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
    return {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scanner", "rules": rules}},
                                          "results": [result]}]}


@pytest.mark.parametrize("score", ["NaN", "nan", "inf", "-Infinity", "-5", "42", -5, 42])
def test_a_sarif_security_severity_out_of_range_is_refused(tmp_path: Path, score: object) -> None:
    doc = sarif_log([{"id": "R1", "properties": {"security-severity": score}}],
                    {"ruleId": "R1", "level": "error", "message": {"text": "m"}})
    bad = write(tmp_path, "scan.sarif", doc)
    assert_refused(run("check", bad), bad, reason="security-severity: a score is a number from 0 to 10")


# -- 5. a SARIF ruleIndex naming another rule than the ruleId --------------------------------


def test_a_rule_index_that_names_another_rule_is_refused(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.8"}},
             {"id": "R2", "properties": {"security-severity": "0.1"}}]
    doc = sarif_log(rules, {"ruleId": "R1", "ruleIndex": 1, "message": {"text": "m"}})
    bad = write(tmp_path, "scan.sarif", doc)
    assert_refused(run("check", bad), bad, reason="runs[0].results[0]: ruleId 'R1' but its rule index 1 is rule 'R2'")


def test_a_rule_reference_that_names_another_rule_is_refused(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.8"}},
             {"id": "R2", "properties": {"security-severity": "0.1"}}]
    doc = sarif_log(rules, {"rule": {"id": "R1", "index": 1}, "message": {"text": "m"}})
    bad = write(tmp_path, "scan.sarif", doc)
    assert_refused(run("check", bad), bad, reason="ruleId 'R1' but its rule index 1 is rule 'R2'")


def test_a_hierarchical_rule_id_may_index_its_parent(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.8"}}]
    doc = sarif_log(rules, {"ruleId": "R1/sub", "ruleIndex": 0, "message": {"text": "m"}})
    r = run("check", write(tmp_path, "scan.sarif", doc))
    assert r.returncode == 1, r.stderr[-2000:]


# -- 6. a SonarQube response that holds fewer issues than its totals -------------------------


@pytest.mark.parametrize("key", ["issues", "hotspots"])
def test_an_empty_sonarqube_response_whose_paging_counts_issues_is_refused(tmp_path: Path, key: str) -> None:
    doc: dict[str, Any] = {"total": 0, "p": 1, "ps": 100, "paging": {"pageIndex": 1, "pageSize": 100, "total": 5},
                           key: []}
    if key == "hotspots":
        del doc["total"]
    bad = write(tmp_path, "sonar.json", doc)
    assert_refused(run("check", "--format", "sonarqube", bad), bad, reason=f"the report holds 0 of 5 {key}")


def test_an_empty_sonarqube_response_whose_deprecated_total_counts_issues_is_refused(tmp_path: Path) -> None:
    doc = {"total": 3, "paging": {"pageIndex": 1, "pageSize": 100, "total": 0}, "issues": []}
    bad = write(tmp_path, "sonar.json", doc)
    assert_refused(run("check", "--format", "sonarqube", bad), bad, reason="the report holds 0 of 3 issues")


# -- 7. checkov parsing errors ----------------------------------------------------------------

CHECKOV_UNPARSED = {"check_type": "terraform", "results": {"failed_checks": []},
                    "summary": {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 5, "resource_count": 0,
                                "checkov_version": "3.2.0"}}


@pytest.mark.parametrize("doc", [
    CHECKOV_UNPARSED,
    [CHECKOV_UNPARSED, dict(CHECKOV_UNPARSED, check_type="dockerfile")],
    {"passed": 4, "failed": 0, "skipped": 0, "parsing_errors": 5, "resource_count": 2, "checkov_version": "3.2.0"},
], ids=["framework", "list", "bare-summary"])
def test_checkov_parsing_errors_are_a_gap_never_a_plain_pass(tmp_path: Path, doc: object) -> None:
    report = write(tmp_path, "checkov.json", doc)
    r = run("check", report)
    assert r.returncode != EXIT_ERROR, r.stderr[-2000:]
    assert "PASSED: no finding violates the policy" not in r.stdout
    assert f"{report}: not audited: " in r.stdout and "could not parse 5 files" in r.stdout
    r = run("check", "--policy", policy(tmp_path, "reports: {gaps: fail}\n"), report)
    assert r.returncode == 1, (r.stdout[-2000:], r.stderr[-2000:])
