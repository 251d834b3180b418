"""escape: each medium's function makes hostile text inert and bounded."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gatekeeper.reporters import escape

HOSTILE = "\x1b[31mred\x1b[0m\x9b2J\x00\u202e<script>x</script>[a](http://e) | @octo\n::error::x %0A::set-output"


@pytest.mark.parametrize(
    "func",
    [escape.terminal, escape.one_line, escape.markdown, escape.html, escape.xml, escape.workflow_data, escape.workflow_property],
)
def test_every_function_bounds_and_shows_controls(func) -> None:  # type: ignore[no-untyped-def]
    out = func("x" * 1_000_000 + HOSTILE, 500)
    assert len(out) < 2_000
    assert func(None, 10) == "" and func("", 10) == ""
    hostile = func(HOSTILE, 10_000)
    for ch in "\x1b\x9b\x00\u202e":
        assert ch not in hostile


def test_terminal_and_one_line() -> None:
    assert escape.terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escape.terminal("a" * 10, 5) == "aaaa…"
    assert escape.one_line("a\r\nb\nc\td") == "a b c d"


def test_markdown_is_literal_text_on_one_line() -> None:
    out = escape.markdown("[x](http://e) ![i](y) | *b* _i_ `c` <b> & @octo\n# h")
    assert "\n" not in out
    for raw in ("[x]", "](", "![", " | ", "*b*", "`c`", "<b>", "@octo"):
        assert raw not in out
    assert "&lt;b&gt;" in out and "&amp;" in out
    assert "\\|" in out and "\\# h" in out


def test_html_escapes_markup_and_quotes() -> None:
    assert escape.html("<img src=x onerror='a()'>\"") == "&lt;img src=x onerror=&#x27;a()&#x27;&gt;&quot;"
    assert escape.html("\ud800\ufffe") == "\\ud800\\ufffe"


def test_xml_output_is_always_well_formed() -> None:
    text = escape.xml("]]><!-- \x00\x01\x0b\x0c\ufffe\ud800 \x1b[31m")
    root = ET.fromstring(ET.tostring(ET.Element("a", b=text)) + b"")
    assert root.get("b") == text


def test_workflow_escaping_follows_actions_toolkit() -> None:
    # NOTE: actions/toolkit packages/core/src/command.ts escapeData / escapeProperty.
    assert escape.workflow_data("50%\r\n::error::x") == "50%25%0D%0A::error::x"
    assert escape.workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape.workflow_data("%0A::set-output") == "%250A::set-output"


def test_xml_lines_never_start_a_workflow_command() -> None:
    text = escape.xml("a\n::error::x\r\n  ::set-output name=a::b", 1000)
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]
