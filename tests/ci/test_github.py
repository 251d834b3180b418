"""gatekeeper/github.py and the CLI writing ``$GITHUB_OUTPUT`` / ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gatekeeper import github
from gatekeeper.verdict import Outcome, Status
from tests.ci.runner import parse_output_file
from tests.conftest import REPORTS
from tests.reporters.samples import rich_verdict


@pytest.mark.parametrize("status", list(Status))
def test_result_is_the_status_value_for_every_status(status: Status) -> None:
    values = github.step_outputs(rich_verdict(status), {})
    assert values["result"] == status.value


def test_counts_and_paths() -> None:
    verdict = rich_verdict()
    values = github.step_outputs(verdict, {"sarif": "out/g.sarif", "json": None, "markdown": "-"})
    severities = Counter(e.finding.severity for e in verdict.results)
    for s in github.SEVERITIES:
        assert values[s.label] == str(severities[s])
    assert values["total"] == str(len(verdict.results))
    assert values["failing"] == str(verdict.count(Outcome.FAIL))
    assert values["warnings"] == str(verdict.count(Outcome.WARN))
    assert values["awaiting-approval"] == str(verdict.count(Outcome.APPROVE))
    assert values["sarif"] == os.path.abspath("out/g.sarif")
    assert values["json"] == values["markdown"] == ""


@pytest.mark.parametrize(
    "value",
    ["", "passed", "two\nlines", "x.sarif\nresult=passed", "EOF", "a<<b", "trailing newline\n", "ünïcode ✅"],
)
def test_output_lines_round_trip_through_the_runner_format(value: str) -> None:
    text = github.output_lines({"result": "failed", "sarif": value})
    assert parse_output_file(text) == {"result": "failed", "sarif": value}


def test_output_lines_refuse_the_delimiter_and_bad_names() -> None:
    with pytest.raises(github.OutputError, match="delimiter"):
        github.output_lines({"x": "a ghadelimiter_1 b"}, delimiter="ghadelimiter_1")
    for name in ("", "a=b", "a\nb", "a<<b"):
        with pytest.raises(github.OutputError, match="not a valid output name"):
            github.output_lines({name: "v"})


def test_delimiter_is_unpredictable() -> None:
    a, b = github.output_lines({"x": "1"}), github.output_lines({"x": "1"})
    assert a != b and a.startswith("x<<ghadelimiter_")


def test_step_summary_is_set_apart() -> None:
    assert github.step_summary("## t\n\n") == "\n## t\n"


# --- the CLI under GitHub Actions ---------------------------------------------------------


def run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full.update({"NO_COLOR": "1", **env})
    # stdin is not a terminal, nor is stdout: a CI job has none.
    return subprocess.run([sys.executable, "-m", "gatekeeper", "check", *args], cwd=tmp_path, env=full,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out, summary = tmp_path / "output", tmp_path / "summary"
    out.write_text("earlier=1\n")
    summary.write_text("# earlier\n")
    return {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}


def test_on_github_actions_outputs_and_summary_are_appended(tmp_path: Path, files: dict[str, str]) -> None:
    r = run(tmp_path, str(REPORTS / "hadolint.json"), "--sarif", "g.sarif", env={"GITHUB_ACTIONS": "true", **files})
    assert r.returncode == 1, r.stderr
    values = parse_output_file(Path(files["GITHUB_OUTPUT"]).read_text())
    assert values["earlier"] == "1"
    assert values["result"] == "failed"
    assert int(values["failing"]) > 0
    assert values["sarif"] == str(tmp_path / "g.sarif")
    summary = Path(files["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("# earlier\n\n## ❌ gatekeeper: failed")
    assert "::error" in r.stdout  # annotations, as before


def test_passed_with_warnings(tmp_path: Path, files: dict[str, str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nfail_on: critical\nwarn_on: low\n")
    r = run(tmp_path, "--policy", str(policy), str(REPORTS / "hadolint.json"), env={"GITHUB_ACTIONS": "true", **files})
    assert r.returncode == 0, r.stderr
    values = parse_output_file(Path(files["GITHUB_OUTPUT"]).read_text())
    assert values["result"] == "passed-with-warnings"
    assert values["sarif"] == ""


@pytest.mark.parametrize(
    ("env", "flag", "written"),
    [
        ({}, None, False),
        ({"GITHUB_ACTIONS": "true"}, "--no-github-outputs", False),
        ({}, "--github-outputs", True),
        ({"GITHUB_ACTIONS": "false"}, None, False),
    ],
)
def test_flag_and_default(tmp_path: Path, files: dict[str, str], env: dict[str, str], flag: str | None, written: bool) -> None:
    r = run(tmp_path, *([flag] if flag else []), str(REPORTS / "gitleaks-empty.json"), env={**env, **files})
    assert r.returncode == 0, r.stderr
    assert ("result<<" in Path(files["GITHUB_OUTPUT"]).read_text()) is written
    assert ("gatekeeper: passed" in Path(files["GITHUB_STEP_SUMMARY"]).read_text()) is written


def test_markdown_to_the_step_summary_is_not_repeated(tmp_path: Path, files: dict[str, str]) -> None:
    summary = files["GITHUB_STEP_SUMMARY"]
    r = run(tmp_path, "--markdown", summary, str(REPORTS / "gitleaks-empty.json"), env={"GITHUB_ACTIONS": "true", **files})
    assert r.returncode == 0, r.stderr
    assert Path(summary).read_text().count("gatekeeper: passed") == 1
    assert parse_output_file(Path(files["GITHUB_OUTPUT"]).read_text())["markdown"] == summary


def test_unset_runner_files_are_skipped(tmp_path: Path) -> None:
    r = run(tmp_path, str(REPORTS / "gitleaks-empty.json"), env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": ""})
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_could_not_evaluate_writes_no_result(tmp_path: Path, files: dict[str, str]) -> None:
    r = run(tmp_path, str(tmp_path / "missing.json"), env={"GITHUB_ACTIONS": "true", **files})
    assert r.returncode == 2
    assert Path(files["GITHUB_OUTPUT"]).read_text() == "earlier=1\n"
