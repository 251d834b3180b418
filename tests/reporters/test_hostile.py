"""Hostile report text stays inert in every format: ANSI escapes, HTML, Markdown, XML-breaking
characters, workflow commands and megabyte-long strings (tests/data/hostile/*.json, plus a
megabyte-long item added here)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from gatekeeper.reporters import FORMATTERS, OutputFormat
from gatekeeper.reporters.console import ConsoleFormat
from gatekeeper.verdict import Verdict
from tests.conftest import ROOT
from tests.reporters.samples import load_verdict

HOSTILE = ROOT / "tests" / "data" / "hostile"
MEGA = "A" * 1_000_000
# Characters that drive a terminal or reorder text, never written raw by any format.
RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    folder = tmp_path_factory.mktemp("hostile")
    for path in HOSTILE.glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    items = json.loads((HOSTILE / "hadolint.json").read_text())
    items.append({"file": "Dockerfile" + MEGA, "line": 1, "column": 1, "level": "error", "code": "DL3000", "message": MEGA + "<script>"})
    (folder / "hadolint-mega.json").write_text(json.dumps(items))
    v = load_verdict(str(folder))
    assert len(v.results) == 7
    return v


def render(fmt: OutputFormat, verdict: Verdict) -> str:
    return FORMATTERS[fmt]().format(verdict)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_no_format_writes_control_characters_or_megabytes(fmt: OutputFormat, verdict: Verdict) -> None:
    text = render(fmt, verdict)
    assert not RAW_CONTROLS.findall(text)
    assert MEGA[:100_000] not in text
    assert len(text) < 400_000


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_no_line_is_a_workflow_command_except_ours(fmt: OutputFormat, verdict: Verdict) -> None:
    # NOTE: the Actions runner reads workflow commands in any step output, so every format
    # printed to the log (or cat'ed by a user) must not start a line with "::" by accident.
    lines = render(fmt, verdict).splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    if fmt is OutputFormat.ANNOTATIONS:
        assert all(re.match(r"::(error|warning|notice) ", line) for line in lines)
        acted = sum(1 for e in verdict.results if e.decision.outcome.value in ("fail", "approve", "warn"))
        assert len(lines) == acted + 1
        assert "%250A::set-output" in lines[0] + lines[1]
    else:
        assert not commands, commands[:3]


def test_console_in_colour_has_only_its_own_escapes(verdict: Verdict) -> None:
    text = ConsoleFormat(colour=True, limit=100).format(verdict)
    assert set(re.findall(r"\x1b\[[0-9;]*m", text)) <= {"\x1b[0m", "\x1b[1;31m", "\x1b[31m", "\x1b[33m", "\x1b[2m"}
    assert not re.findall(r"\x1b(?!\[[0-9;]*m)", text)
    assert "\\x1b[31mRED" in text


def test_markdown_renders_no_link_image_html_mention_or_table_break(verdict: Verdict) -> None:
    text = render(OutputFormat.MARKDOWN, verdict)
    for raw in ("<script", "<img", "<b>", "](http", "![", "@octocat", "`code`", "**bold**"):
        assert raw not in text
    for line in text.splitlines():
        if line.startswith("| fail "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 7, line


def test_html_has_no_markup_from_a_finding(verdict: Verdict) -> None:
    text = render(OutputFormat.HTML, verdict)
    assert text.count("<script") == 1
    for raw in ("<img", "<b>", "<x/>", "<!-- -->", "onerror=\""):
        assert raw not in text
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in text


def test_junit_is_well_formed_and_keeps_the_text(verdict: Verdict) -> None:
    root = ET.fromstring(render(OutputFormat.JUNIT, verdict))
    messages = " ".join(str(f.get("message")) + (f.text or "") for f in root.iter("failure"))
    assert "]]><!-- --><x/>" in messages and "\\x00\\x01" in messages


@pytest.mark.parametrize("fmt", [OutputFormat.JSON, OutputFormat.SARIF], ids=str)
def test_json_formats_parse_and_escape(fmt: OutputFormat, verdict: Verdict) -> None:
    text = render(fmt, verdict)
    data = json.loads(text)
    assert data
    assert "\\u001b[31mRED" in text and "\\u202e" in text and "\\u009b" in text
