"""Frictions a newcomer met on the way (issue 15), each through the real command line: empty
reports in a mixed folder, a format for one report, the baseline's two counts, the files
written, command help that is not cut, plurals, a CycloneDX SBOM handed to pip-audit's reader."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from gatekeeper.adapters.registry import FORMAT_NAMES
from tests.conftest import REPORTS
from tests.test_cli import run

GITLEAKS = REPORTS / "gitleaks.json"
HADOLINT = REPORTS / "hadolint.json"


def _mixed(tmp_path: Path) -> Path:
    """A folder as CI leaves it: each tool's report in a folder named after it, one empty."""
    reports = tmp_path / "reports"
    (reports / "gitleaks").mkdir(parents=True)
    (reports / "gitleaks" / "out.json").write_text("[]\n")
    (reports / "hadolint").mkdir()
    shutil.copy(HADOLINT, reports / "hadolint" / "out.json")
    return reports


def test_an_empty_report_takes_its_tool_from_its_folder(tmp_path: Path) -> None:
    r = run("check", _mixed(tmp_path))
    assert r.returncode in (0, 1), r.stderr
    assert "empty" not in r.stderr


def test_the_file_name_wins_over_the_folder(tmp_path: Path) -> None:
    (tmp_path / "trivy").mkdir()
    (tmp_path / "trivy" / "gitleaks.json").write_text("[]\n")
    r = run("check", tmp_path / "trivy" / "gitleaks.json", "--json", "-")
    assert r.returncode in (0, 1), r.stderr
    assert [rep["tool"] for rep in json.loads(r.stdout)["reports"]] == ["gitleaks"]


def test_an_empty_report_named_nowhere_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text("[]\n")
    r = run("check", tmp_path / "out")
    assert r.returncode == 2
    assert "--format TOOL=FILE" in r.stderr


def test_a_format_for_one_report(tmp_path: Path) -> None:
    leaks = tmp_path / "leaks.json"
    leaks.write_text("[]\n")
    r = run("check", "--format", f"gitleaks={leaks}", leaks, HADOLINT, "--json", "-")
    assert r.returncode in (0, 1), r.stderr
    assert sorted(rep["tool"] for rep in json.loads(r.stdout)["reports"]) == ["gitleaks", "hadolint"]


def test_a_format_for_one_report_inside_a_folder_and_one_for_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "ci"
    folder.mkdir()
    (folder / "a.json").write_text("[]\n")
    shutil.copy(GITLEAKS, folder / "b.json")
    r = run("check", "--format", "gitleaks", "--format", f"trivy={folder / 'a.json'}", folder, "--json", "-")
    assert r.returncode in (0, 1), r.stderr
    tools = {Path(rep["source"]).name: rep["tool"] for rep in json.loads(r.stdout)["reports"]}
    assert tools == {"a.json": "trivy", "b.json": "gitleaks"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "gitleaks=elsewhere.json"], "elsewhere.json is not one of the reports given"),
        (["--format", "gitleaks=LEAKS", "--format", "trivy=LEAKS"], "is given two formats (gitleaks, trivy)"),
        (["--format", "gitleaks="], "name the report after '='"),
        (["--format", "nosuchtool=LEAKS"], "nosuchtool"),
    ],
)
def test_a_format_for_one_report_is_checked(tmp_path: Path, args: list[str], message: str) -> None:
    leaks = tmp_path / "leaks.json"
    leaks.write_text("[]\n")
    r = run("check", *(a.replace("LEAKS", str(leaks)) for a in args), leaks)
    assert r.returncode == 2
    assert message in r.stderr


def test_format_choices_are_the_registry() -> None:
    r = run("check", "--help")
    assert "|".join(FORMAT_NAMES) in re.sub(r"\s+", "", r.stdout)


def test_baseline_create_says_why_check_counts_fewer(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    r = run("baseline", "create", REPORTS.parent / "pipeline", "-o", out)
    assert r.returncode == 0, r.stderr
    created = re.search(r"baseline of (\d+) findings from 5 reports written to .*: (\d+) sightings of (\d+) problems", r.stderr)
    assert created, r.stderr
    r = run("check", "--baseline", out, REPORTS.parent / "pipeline")
    known = re.search(r"(\d+) known findings", r.stdout + r.stderr)
    assert known and known.group(1) == created.group(3) != created.group(2)


def test_the_files_written_are_named_on_stderr_only(tmp_path: Path) -> None:
    plain = run("check", GITLEAKS, HADOLINT)
    r = run("check", GITLEAKS, HADOLINT, "--sarif", tmp_path / "g.sarif", "--record", tmp_path / "rec.json")
    assert r.returncode == plain.returncode
    assert r.stdout == plain.stdout
    size = (tmp_path / "g.sarif").stat().st_size
    assert f"wrote {tmp_path / 'g.sarif'} (SARIF, {size / 1000:.1f} kB)" in r.stderr.splitlines()
    assert any(line.startswith(f"wrote {tmp_path / 'rec.json'} (decision record, ") for line in r.stderr.splitlines())


def test_an_output_to_stdout_is_not_announced(tmp_path: Path) -> None:
    r = run("check", GITLEAKS, "--json", "-", "--markdown", tmp_path / "s.md")
    json.loads(r.stdout)
    assert [line for line in r.stderr.splitlines() if line.startswith("wrote ")] == [
        f"wrote {tmp_path / 's.md'} (MARKDOWN, {(tmp_path / 's.md').stat().st_size / 1000:.1f} kB)"
    ]


@pytest.mark.parametrize("group", [[], ["policy"], ["baseline"], ["images"]])
def test_help_does_not_cut_command_descriptions(group: list[str]) -> None:
    r = run(*group, "--help", env={"COLUMNS": "80"})
    assert r.returncode == 0
    listed = r.stdout.split("Commands:\n", 1)[1]
    assert listed.strip() and "..." not in listed, listed


def test_replay_counts_in_words(tmp_path: Path) -> None:
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps(json.loads(GITLEAKS.read_text())[:1]))
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nsecrets: fail\n")
    record = tmp_path / "record.json"
    r = run("check", report, "--policy", policy, "--record", record)
    assert r.returncode == 1, r.stderr
    policy.write_text("version: 1\nsecrets: warn\n")
    r = run("replay", record)
    assert r.returncode == 1, r.stderr
    assert "DIFFERENT: 1 input changed, 1 finding decided differently" in r.stdout


def test_a_cyclonedx_sbom_forced_as_pip_audit_is_named(tmp_path: Path) -> None:
    # The shape `pip-audit -f cyclonedx-json` writes (pip-audit 2.x, CycloneDX 1.4).
    sbom = {
        "bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
        "metadata": {"tools": [{"vendor": "pypa", "name": "pip-audit", "version": "2.9.0"}]},
        "components": [{"bom-ref": "flask==0.5", "type": "library", "name": "flask", "version": "0.5"}],
        "dependencies": [{"ref": "flask==0.5"}],
        "vulnerabilities": [{"id": "PYSEC-2019-179", "affects": [{"ref": "flask==0.5"}]}],
    }
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(sbom))
    r = run("check", "--format", "pip-audit", path)
    assert r.returncode == 2
    assert "a CycloneDX SBOM (written by pip-audit -f cyclonedx-json?)" in r.stderr
    assert "read it as a CycloneDX report" in r.stderr
    assert "dependencies[0].name" not in r.stderr
    r = run("check", path, "--json", "-")  # detection reads it as what it is
    assert r.returncode in (0, 1), r.stderr
    assert [rep["format"] for rep in json.loads(r.stdout)["reports"]] == ["cyclonedx"]
