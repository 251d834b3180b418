"""The CI recipes in docs/ci/approval-*: valid YAML, and wired to the gate's exit code 3."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

CI = ROOT / "docs" / "ci"


def test_github_workflow() -> None:
    wf = yaml.safe_load((CI / "approval-github.yml").read_text())
    jobs = wf["jobs"]
    assert jobs["gate"]["outputs"]["result"] == "${{ steps.gate.outputs.result }}"
    gate_step = next(s for s in jobs["gate"]["steps"] if s.get("id") == "gate")
    assert gate_step["with"]["fail-on-approval"] == "false"
    assert jobs["approve"]["if"] == "needs.gate.outputs.result == 'needs-approval'"
    assert jobs["approve"]["environment"] == "production-approval"
    script = "\n".join(s.get("run", "") for s in jobs["approve"]["steps"])
    assert "gatekeeper approve" in script and "--approval approval.json" in script
    env = next(s for s in jobs["approve"]["steps"] if "gatekeeper approve" in s.get("run", ""))["env"]
    assert env["GATEKEEPER_APPROVAL_KEY"] == "${{ secrets.GATEKEEPER_APPROVAL_KEY }}"
    assert "${{" not in script  # values reach the script through env:, never pasted in
    assert "needs.approve.result == 'success'" in jobs["deploy"]["if"]


def test_gitlab_pipeline() -> None:
    ci = yaml.safe_load((CI / "approval-gitlab.yml").read_text())
    assert ci["security-gate"]["allow_failure"] == {"exit_codes": [3]}
    deploy = ci["deploy-production"]
    assert deploy["when"] == "manual" and deploy["environment"]["name"] == "production"
    script = "\n".join(deploy["script"])
    assert '[ "$code" -eq 3 ]' in script and "gatekeeper approve" in script and "--approval approval.json" in script


def test_jenkinsfile() -> None:
    text = (CI / "approval-jenkins.groovy").read_text()
    assert "returnStatus: true" in text and "if (code == 3)" in text
    assert re.search(r"input\(.*submitter: 'release-managers'", text, re.S)
    assert "readFile('gatekeeper.md')" in text  # the Markdown summary in the input message
    assert "withCredentials([string(credentialsId: 'gatekeeper-approval-key', variable: 'GATEKEEPER_APPROVAL_KEY')])" in text
    # Approver and reason reach the shell through withEnv, never interpolated into a script.
    for line in text.splitlines():
        if line.strip().startswith("sh "):
            assert "${" not in line, line
    assert text.count("{") == text.count("}") and text.count("(") == text.count(")")
