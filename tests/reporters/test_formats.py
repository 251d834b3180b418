"""Every format through the registry, and what each promises beyond its golden file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from gatekeeper.model import Severity
from gatekeeper.reporters import FORMATTERS, OutputFormat
from gatekeeper.reporters.annotations import AnnotationsFormat
from gatekeeper.reporters.console import ConsoleFormat, summary_line
from gatekeeper.reporters.json_format import SCHEMA_VERSION, JsonFormat
from gatekeeper.reporters.junit import JunitFormat
from gatekeeper.reporters.markdown import MarkdownFormat
from gatekeeper.verdict import Outcome, Status, Verdict
from tests.factories import finding, report
from tests.reporters.samples import many_verdict, rich_verdict

EMPTY = Verdict(status=Status.PASSED, results=(), reports=(), policy_name="built-in default")


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
@pytest.mark.parametrize("verdict", [EMPTY, rich_verdict()], ids=["empty", "rich"])
def test_every_format_renders_text(fmt: OutputFormat, verdict: Verdict) -> None:
    text = FORMATTERS[fmt]().format(verdict)
    assert isinstance(text, str) and text.endswith("\n")


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_raw_items_are_never_written(fmt: OutputFormat) -> None:
    f = finding(raw={"Secret": "raw-only-value-123", "Match": "key=raw-only-value-123"})
    from gatekeeper.policy import Policy, evaluate

    v = evaluate([report(f)], Policy())
    assert "raw-only-value-123" not in FORMATTERS[fmt]().format(v)


def json_validator() -> Draft202012Validator:
    schema = json.loads(resources.files("gatekeeper.reporters").joinpath("json_schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("verdict", [EMPTY, rich_verdict(), many_verdict(500)], ids=["empty", "rich", "many"])
def test_json_follows_its_published_schema(verdict: Verdict) -> None:
    data = json.loads(JsonFormat().format(verdict))
    errors = [f"{list(e.path)}: {e.message}" for e in json_validator().iter_errors(data)]
    assert not errors, errors[:10]
    assert data["schemaVersion"] == SCHEMA_VERSION
    assert data["counts"]["findings"] == len(data["findings"]) == len(verdict.results)


def test_json_schema_is_documented() -> None:
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "json-output.md").read_text()
    schema = json.loads(resources.files("gatekeeper.reporters").joinpath("json_schema.json").read_text())
    for name in [*schema["properties"], *schema["$defs"]["finding"]["properties"]]:
        if name != "$schema":
            assert f"`{name}`" in doc, f"{name} is not described in docs/json-output.md"
    assert SCHEMA_VERSION in doc


def test_junit_is_well_formed_with_failures_grouped_by_tool() -> None:
    root = ET.fromstring(JunitFormat().format(rich_verdict()))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"trivy", "gitleaks", "hadolint", "checkov", "pip-audit", "gatekeeper"}
    assert suites["trivy"].get("failures") == "2"  # one violation, one awaiting approval
    assert suites["trivy"].get("skipped") == "2"  # ignored (no fix), excepted
    assert root.get("tests") == str(len(rich_verdict().results) + 1)
    types = {f.get("type") for f in root.iter("failure")}
    assert {"critical", "high", "approval-required", "gate-problem"} <= types


def test_markdown_lists_the_worst_and_counts_the_rest() -> None:
    text = MarkdownFormat(limit=5).format(many_verdict(2000))
    assert text.startswith("## ❌ gatekeeper: failed")
    rows = [line for line in text.splitlines() if line.startswith("| fail |")]
    assert len(rows) == 5 and all("| critical |" in r for r in rows)
    assert "… and 995 more (995 fail)" in text
    assert len(MarkdownFormat().format(many_verdict(10_000))) < 65_536  # a PR comment's limit


def test_markdown_shows_exceptions_needing_attention() -> None:
    text = MarkdownFormat().format(rich_verdict())
    section = text.split("### Exceptions needing attention", 1)[1]
    assert section.index("old\\-openssl") < section.index("base\\-image\\-cve") < section.index("legacy\\-lib")
    assert "accepted\\-risk" not in section  # active and not expiring: nothing to do


def test_annotations_respect_githubs_per_step_limits() -> None:
    lines = AnnotationsFormat(limit=10).format(many_verdict(1000)).splitlines()
    assert sum(1 for line in lines if line.startswith("::error ")) == 10
    assert lines[-1].startswith("::notice title=gatekeeper::FAILED")
    assert "490 more errors" in lines[-1]
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_annotations_point_at_repository_files() -> None:
    text = AnnotationsFormat(root="/home/runner/_work/r/r").format(
        Verdict(
            Status.FAILED,
            rich_verdict().results[:1],
            (),
            "p",
        )
    )
    assert text.startswith("::error file=requirements.txt,line=3,endLine=3,title=gatekeeper%3A CVE-2024-0001 (critical)::")


@pytest.mark.parametrize("n", [10, 10_000])
def test_console_is_readable_at_any_size(n: int) -> None:
    verdict = many_verdict(n)
    failing = verdict.count(Outcome.FAIL)
    text = ConsoleFormat(limit=50).format(verdict)
    lines = text.splitlines()
    assert len(lines) < 140
    listed = [line for line in lines if line.startswith("FAIL ")]
    assert len(listed) == min(failing, 50)
    assert listed[0].split()[1] == "critical"
    if failing > 50:
        assert f"... and {failing - 50:,} more to act on ({failing - 50:,} failing, 0 warnings)" in text
        assert "tool0" in text.split("more to act on", 1)[1]
    assert lines[-1] == summary_line(verdict)


def test_console_colour_only_when_asked() -> None:
    assert "\x1b[" not in ConsoleFormat(colour=False).format(rich_verdict())
    assert "\x1b[1;31mFAIL" in ConsoleFormat(colour=True).format(rich_verdict())


@pytest.mark.parametrize(
    ("status", "start"),
    [(Status.NEEDS_APPROVAL, "NEEDS APPROVAL: 1 finding"), (Status.FAILED, "FAILED: 3 findings"), (Status.PASSED, "PASSED")],
)
def test_summary_line_for_every_status(status: Status, start: str) -> None:
    assert summary_line(rich_verdict(status)).startswith(start)


def test_sarif_level_for_every_severity() -> None:
    from gatekeeper.reporters.sarif import SECURITY_SEVERITY

    assert {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW} == set(SECURITY_SEVERITY)
