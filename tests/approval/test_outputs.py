"""Every output says "needs approval" and what needs approving, on the real fixtures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from gatekeeper.policy import load_policy
from gatekeeper.policy.evaluate import evaluate
from gatekeeper.reporters import FORMATTERS, OutputFormat
from gatekeeper.verdict import Status, Verdict
from tests.approval.helpers import POLICY
from tests.policy.helpers import TODAY, fixtures


def needs_approval() -> Verdict:
    v = evaluate(fixtures("pip-audit.json", "hadolint.json"), load_policy(POLICY, "prod"), today=TODAY)
    assert v.status is Status.NEEDS_APPROVAL
    return v


def render(fmt: OutputFormat) -> str:
    return FORMATTERS[fmt]().format(needs_approval())


def test_every_format_says_needs_approval() -> None:
    for fmt in OutputFormat:
        text = render(fmt).lower()
        assert "needs-approval" in text or "needs approval" in text, fmt


def test_console() -> None:
    text = render(OutputFormat.CONSOLE)
    assert "APPR  high      pip-audit PYSEC-" in text
    assert "severity high >= approve_on high: needs a person's sign-off (rule vulnerabilities-need-sign-off)" in text
    assert text.rstrip().endswith("NEEDS APPROVAL: 45 findings may pass only with a recorded sign-off.")


def test_json() -> None:
    data = json.loads(render(OutputFormat.JSON))
    assert data["verdict"]["status"] == "needs-approval"
    assert data["counts"]["byOutcome"]["approve"] == 45
    decided = {f["decision"]["decidedBy"].split(" (")[0] for f in data["findings"] if f["decision"]["outcome"] == "approve"}
    assert decided == {"rule vulnerabilities-need-sign-off", "rule dockerfile-errors-need-sign-off"}


def test_markdown_lists_what_needs_approving_and_why() -> None:
    text = render(OutputFormat.MARKDOWN)
    assert text.startswith("## ✋ gatekeeper: needs-approval\n")
    section = text.split("### Needs approval\n", 1)[1].split("\n### ", 1)[0]
    assert "45 findings may pass only with a recorded sign-off (`gatekeeper approve`" in section
    assert "| Severity | Tool | Rule | Finding | Location | Why it needs approval |" in section
    assert "| high | pip\\-audit | PYSEC\\-" in section and "<br>package django 2\\.2\\.1" in section
    assert "decided by rule vulnerabilities\\-need\\-sign\\-off" in section
    assert "… and 25 more needing approval" in section
    # The findings to approve are not repeated among the failing ones.
    assert "| approve |" not in text


def test_sarif_invocation_properties() -> None:
    data = json.loads(render(OutputFormat.SARIF))
    for run in data["runs"]:
        gate = run["invocations"][0]["properties"]["gatekeeper"]
        assert gate["verdict"] == "needs-approval" and gate["needsApproval"] == 45


def test_junit() -> None:
    root = ET.fromstring(render(OutputFormat.JUNIT).split("\n", 2)[2])
    kinds = [f.get("type") for f in root.iter("failure")]
    assert kinds.count("approval-required") == 45
    assert {p.get("value") for p in root.iter("property") if p.get("name") == "gatekeeper.verdict"} == {"needs-approval"}
