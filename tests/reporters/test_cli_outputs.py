"""`gatekeeper check` writing several outputs in one run (--sarif, --json, --markdown,
--junit, --html, annotations)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import REPORTS, ROOT


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "gatekeeper", "check", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=120, check=False,
    )  # fmt: skip


def test_every_output_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run(
        REPORTS / "hadolint.json", REPORTS / "gitleaks.json",
        "--sarif", out / "g.sarif", "--json", out / "g.json", "--markdown", out / "g.md",
        "--junit", out / "g.xml", "--html", out / "g.html",
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert "FAILED" in r.stdout and "::error" not in r.stdout
    assert json.loads((out / "g.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((out / "g.json").read_text())["verdict"]["status"] == "failed"
    assert (out / "g.md").read_text().startswith("## ❌ gatekeeper: failed")
    assert ET.parse(out / "g.xml").getroot().tag == "testsuites"
    assert (out / "g.html").read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in out.iterdir()) == ["g.html", "g.json", "g.md", "g.sarif", "g.xml"]


@pytest.mark.parametrize("flag", ["--json", "--markdown", "--junit", "--html"])
def test_an_output_on_stdout_moves_the_summary_to_stderr(flag: str) -> None:
    r = run(REPORTS / "hadolint.json", flag, "-")
    assert r.returncode == 1
    assert "FAILED" in r.stderr and "FAILED: " not in r.stdout.splitlines()[-1]
    if flag == "--json":
        json.loads(r.stdout)


def test_only_one_output_may_use_stdout() -> None:
    r = run(REPORTS / "hadolint.json", "--json", "-", "--sarif", "-")
    assert r.returncode == 2 and "only one output" in r.stderr


def test_annotations_on_github_actions_by_default() -> None:
    r = run(REPORTS / "hadolint.json", env={"GITHUB_ACTIONS": "true"})
    assert "::error file=fixtures/targets/Dockerfile,line=" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].startswith("::notice title=gatekeeper::FAILED")
    assert "::error" not in run(REPORTS / "hadolint.json", "--no-annotations", env={"GITHUB_ACTIONS": "true"}).stdout
    assert "::error" not in run(REPORTS / "hadolint.json").stdout
    assert "::error" in run(REPORTS / "hadolint.json", "--annotations").stdout


def test_annotations_go_to_stderr_when_stdout_carries_a_report() -> None:
    r = run(REPORTS / "hadolint.json", "--annotations", "--json", "-")
    json.loads(r.stdout)
    assert "::error file=" in r.stderr


def test_no_report_is_left_when_the_gate_cannot_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = run(bad, "--json", tmp_path / "g.json", "--html", tmp_path / "g.html")
    assert r.returncode == 2
    assert not (tmp_path / "g.json").exists() and not (tmp_path / "g.html").exists()
