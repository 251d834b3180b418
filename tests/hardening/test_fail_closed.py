"""One test per row of the fail-closed table (docs/fail-closed.md), through the real CLI.

Each input that could fool the gate must end in exit 2 with a message naming the file and
the reason, or in a decision the policy controls; never in a silent pass. Rows whose
policy side is not wired yet are strict ``xfail``: when the wiring lands they start
passing, fail as XPASS, and the marker is removed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper.adapters.registry import FORMAT_NAMES
from tests.conftest import REPORTS
from tests.test_cli import run

EXIT_ERROR = 2

# One real report per format (SonarQube has no fixture; its corpus files are in test_corpus).
REAL = {
    "trivy": REPORTS / "trivy-fs.json",
    "gitleaks": REPORTS / "gitleaks.json",
    "checkov": REPORTS / "checkov.json",
    "hadolint": REPORTS / "hadolint.json",
    "pip-audit": REPORTS / "pip-audit.json",
    "sarif": REPORTS / "trivy-fs.sarif",
}
FORMATS = list(FORMAT_NAMES)  # every format the registry declares (adapters/registry.py)


def write(tmp_path: Path, name: str, content: bytes | str | object) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def assert_refused(result: object, *files: Path | str, reason: str) -> None:
    """Exit 2, every file named on stderr with the reason, and no verdict printed."""
    r = result  # subprocess.CompletedProcess
    assert r.returncode == EXIT_ERROR, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])  # type: ignore[attr-defined]
    for f in files:
        assert f"{f}: " in r.stderr, r.stderr[-2000:]  # type: ignore[attr-defined]
    assert reason in r.stderr, r.stderr[-2000:]  # type: ignore[attr-defined]
    assert "PASSED" not in r.stdout  # type: ignore[attr-defined]


# -- bytes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n"], ids=["empty", "whitespace"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    bad = write(tmp_path, "trivy.json", content)
    assert_refused(run("check", bad), bad, reason="the report is empty")


@pytest.mark.parametrize("cut", [1, 5000, 20011, -2])
def test_truncated_json(tmp_path: Path, cut: int) -> None:
    # Cuts land inside a string, between tokens, and just before the last brace.
    bad = write(tmp_path, "trivy.json", REAL["trivy"].read_bytes().rstrip()[:cut])
    assert_refused(run("check", bad), bad, reason="truncated: the JSON ends early")


@pytest.mark.parametrize(
    "content", [b'{"a": "\xff"}', b'["\xed\xa0\x80"]', b'["caf\xe9"]'], ids=["0xff", "encoded-surrogate", "latin-1"]
)
def test_invalid_utf8(tmp_path: Path, content: bytes) -> None:
    bad = write(tmp_path, "gitleaks.json", content)
    assert_refused(run("check", bad), bad, reason="not valid UTF-8")


def test_huge_document_over_the_size_limit(tmp_path: Path) -> None:
    # The limit (default 1 GiB) is tested with a small one: the behaviour is the same.
    env = {"GATEKEEPER_MAX_REPORT_BYTES": "1000"}
    r = run("check", REAL["hadolint"], env=env)
    assert_refused(r, REAL["hadolint"], reason="the report is larger than 1000 bytes")
    r = run("check", "-", stdin=REAL["hadolint"].read_bytes(), env=env)
    assert_refused(r, "<stdin>", reason="the report is larger than 1000 bytes")


def test_invalid_size_limit_is_refused() -> None:
    r = run("check", REAL["hadolint"], env={"GATEKEEPER_MAX_REPORT_BYTES": "lots"})
    assert_refused(r, reason="GATEKEEPER_MAX_REPORT_BYTES: expected a positive number of bytes")


def test_deeply_nested_document(tmp_path: Path) -> None:
    deep: object = "x"
    for _ in range(500):
        deep = [deep]
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [
        {"ruleId": "r", "message": {"text": "m"}, "properties": {"deep": deep}}]}]}
    nested = write(tmp_path, "deep.sarif", sarif)
    beyond_parser = write(tmp_path, "deeper.json", b"[" * 100_000 + b"]" * 100_000)
    r = run("check", nested, beyond_parser)
    assert_refused(r, nested, beyond_parser, reason="nested more than 100 levels deep")
    assert "JSON nested too deeply" in r.stderr


# -- shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_json_type(tmp_path: Path, fmt: str) -> None:
    files = [write(tmp_path, f"{name}.json", text) for name, text in
             [("number", "42"), ("string", '"report"'), ("boolean", "true"), ("float", "1.5")]]
    # Wrong container: an object where a list is read, a list of scalars where objects are.
    files.append(write(tmp_path, "object.json", '{"Results": 1}'))
    files.append(write(tmp_path, "scalars.json", "[1, 2]"))
    r = run("check", "--format", fmt, *files)
    assert_refused(r, *files, reason=f"{len(files)} of {len(files)} reports could not be read")


def test_wrong_json_type_without_format(tmp_path: Path) -> None:
    files = [write(tmp_path, f"r{i}.json", text) for i, text in enumerate(["42", '"x"', "false", "{}", "[1]"])]
    assert_refused(run("check", *files), *files, reason="not a report format gatekeeper reads")


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_tools_report_passed_as_anothers(fmt: str) -> None:
    others = [path for tool, path in REAL.items() if tool != fmt]
    r = run("check", "--format", fmt, *others)
    assert_refused(r, *others, reason=f"{len(others)} of {len(others)} reports could not be read")


# -- what the scanner itself recorded --------------------------------------------------------


def test_pip_audit_nothing_audited(tmp_path: Path) -> None:
    doc = {"dependencies": [{"name": "internal-lib", "skip_reason": "Dependency not found on PyPI"},
                            {"name": "app", "skip_reason": "Dependency not found on PyPI"}]}
    bad = write(tmp_path, "pip-audit.json", doc)
    assert_refused(run("check", bad), bad, reason="pip-audit could not audit any of its 2 dependencies")


def test_pip_audit_some_dependencies_skipped_are_named(tmp_path: Path) -> None:
    r = run("check", REPORTS / "pip-audit-skip.json")
    assert r.returncode in (0, 1)
    assert "not audited" in r.stdout


def test_sarif_execution_failed(tmp_path: Path) -> None:
    doc = json.loads(REAL["sarif"].read_text())
    doc["runs"][0]["invocations"] = [{"executionSuccessful": False}]
    bad = write(tmp_path, "trivy.sarif", doc)
    assert_refused(run("check", bad), bad, reason="executionSuccessful: the scanner (trivy) reported that it failed")


def test_checkov_summary_counting_failures_it_does_not_list(tmp_path: Path) -> None:
    doc = {"passed": 3, "failed": 2, "skipped": 0, "parsing_errors": 0, "resource_count": 2,
           "checkov_version": "3.3.30"}
    bad = write(tmp_path, "checkov.json", doc)
    assert_refused(run("check", bad), bad, reason="the summary reports 2 failed checks")


SCANNER_ERRORS = {
    # trivy k8s: a resource the scanner could not scan.
    "trivy-k8s.json": ({"ClusterName": "prod", "Resources": [
        {"Namespace": "default", "Kind": "Deployment", "Name": "app", "Error": "unable to scan: timeout"}]},
        "unable to scan: timeout"),
    # checkov: a file it could not parse.
    "checkov.json": ({"check_type": "terraform", "results": {"failed_checks": [], "parsing_errors": ["/broken.tf"]},
                      "summary": {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 1,
                                  "checkov_version": "3.3.30"}}, "could not parse the file"),
    # SARIF: the run succeeded, but the tool reports an error-level execution notification.
    "tool.sarif": ({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "codeql"}}, "results": [],
                    "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
                        {"level": "error", "message": {"text": "could not extract src/app.py"}}]}]}]},
                   "could not extract src/app.py"),
    # checkov: a bare summary, nothing matched (wrong directory or framework).
    "checkov-nothing.json": (json.loads((REPORTS / "checkov-empty.json").read_text()), "checkov found nothing to scan"),
}


@pytest.mark.parametrize("name", sorted(SCANNER_ERRORS))
def test_scanner_error_is_named_as_a_coverage_gap(tmp_path: Path, name: str) -> None:
    doc, reason = SCANNER_ERRORS[name]
    report = write(tmp_path, name, doc)
    r = run("check", report)
    assert r.returncode != EXIT_ERROR, r.stderr
    assert f"{report}: not audited: " in r.stdout
    assert reason in r.stdout


@pytest.mark.parametrize("name", sorted(SCANNER_ERRORS))
def test_scanner_error_does_not_pass_silently_by_default(tmp_path: Path, name: str) -> None:
    doc, _ = SCANNER_ERRORS[name]
    r = run("check", write(tmp_path, name, doc))
    assert "PASSED: no finding violates the policy" not in r.stdout
    assert r.returncode != 0 or "with warnings" in r.stdout


# -- the set of reports (detection in gatekeeper.integrity; see tests/hardening/test_integrity.py)


def test_report_older_than_the_policy_max_age(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.yaml", "version: 1\nreports:\n  max_age: 7d\n")
    old = json.loads(REAL["trivy"].read_text())
    old["CreatedAt"] = "2020-01-01T00:00:00Z"
    stale = write(tmp_path, "trivy.json", old)
    r = run("check", "--policy", policy, stale)
    assert r.returncode != 0
    assert f"{stale}: the trivy report was made" in r.stdout + r.stderr


def test_two_reports_of_the_same_tool_and_target(tmp_path: Path) -> None:
    a = write(tmp_path, "a-trivy.json", REAL["trivy"].read_bytes())
    b = write(tmp_path, "b-trivy.json", REAL["trivy"].read_bytes())
    r = run("check", REPORTS / "gitleaks-empty.json", a, b)
    assert r.returncode != 0
    assert "reports of the same target" in r.stdout + r.stderr
