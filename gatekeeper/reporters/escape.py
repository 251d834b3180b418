"""Making attacker-controlled report text inert in each output medium.

Report text (titles, messages, paths) comes from scanned code and can carry terminal
escape sequences, markup or CI workflow commands; every reporter passes it through one of
these functions before writing it. Every function bounds the length (a finding may carry
a megabyte-long message) and shows control characters instead of emitting them::

    terminal("\\x1b[2Jok")             -> "\\\\x1b[2Jok"
    markdown("[x](http://e) | *b*")   -> "\\\\[x\\\\]\\\\(http://e\\\\) \\\\| \\\\*b\\\\*"
    html("<script>")                  -> "&lt;script&gt;"
    workflow_data("a\\n::error::")      -> "a%0A::error::"
    workflow_property("a.py,line=1")  -> "a.py%2Cline=1"
    message_lines("x\\n::error::y")  -> "x\\n\\u2060::error::y"
"""

from __future__ import annotations

import re
from typing import Any

ELLIPSIS = "…"


class _Lazy:
    """A regular expression compiled on its first use.

    NOTE: these character classes span much of Unicode; compiling all six at import took
    5 ms of a small gate's start-up, which needs at most ``terminal`` (bench/README.md).
    """

    __slots__ = ("_compiled", "_source")

    def __init__(self, source: str) -> None:
        self._source = source
        self._compiled: re.Pattern[str] | None = None

    def sub(self, repl: Any, text: str) -> str:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._source)
        return compiled.sub(repl, text)


# C0 and C1 control characters except tab; includes ESC (\x1b) and CSI (\x9b), DEL, and
# the Unicode line separators and bidirectional overrides ("Trojan Source", CVE-2021-42574).
_CONTROL = _Lazy(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same but newline: what json_inert escapes (json leaves only C1 and the rest raw).
_RAW_IN_JSON = _Lazy(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Same as _CONTROL, but tab too: for one-line media (Markdown table cells, annotations).
_CONTROL_OR_TAB = _Lazy(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# NOTE: XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF] (https://www.w3.org/TR/xml/#charsets); lone surrogates can come
# from surrogateescape-decoded input.
_XML_ILLEGAL = _Lazy(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# NOTE: CommonMark lets any ASCII punctuation be backslash-escaped
# (https://spec.commonmark.org/0.31.2/#backslash-escapes); these are the ones that start
# emphasis, links, images, code, headings, lists, tables, strikethrough or HTML.
_COMMAND_LINE = _Lazy(r"(^|[\r\n])(?=[ \t]*::)")
_MARKDOWN_SPECIAL = _Lazy(r"([\\`*_{}\[\]()#+\-.!|~>:])")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def bounded(text: str | None, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut."""
    if not text:
        return ""
    if len(text) > limit:
        return text[: max(limit - 1, 0)] + ELLIPSIS
    return text


def terminal(text: str | None, limit: int = 300) -> str:
    """One line of text safe to print on a terminal: controls shown as ``\\xNN``, bounded."""
    text = bounded(text, limit)
    # NOTE: every character _CONTROL matches is unprintable (Cc, Zl, Zp, Cf), so printable
    # text, the usual case, skips the pass (and a small gate the pattern's compilation).
    return text if text.isprintable() else _CONTROL.sub(_shown, text)


def one_line(text: str | None, limit: int = 300) -> str:
    """Bounded single line: newlines become spaces, other controls shown as ``\\xNN``."""
    text = bounded(text, limit)
    text = re.sub(r"\r\n|[\r\n]", " ", text)
    return _CONTROL_OR_TAB.sub(lambda m: " " if m.group() == "\t" else _shown(m), text)


def markdown(text: str | None, limit: int = 300) -> str:
    """Inline GitHub-flavoured Markdown that renders as the literal text, on one line
    (safe inside a table cell): punctuation backslash-escaped, ``<`` ``>`` ``&`` as
    entities, and ``@`` followed by a word joiner so no one is mentioned."""
    text = one_line(text, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # NOTE: GitHub turns @user and @org/team into mentions (notifications) after
    # rendering, so a backslash escape does not stop them; an invisible U+2060 does.
    return text.replace("@", "@\u2060")


def html(text: str | None, limit: int = 300) -> str:
    """Text for HTML element content or a quoted attribute value; controls shown."""
    text = terminal(text, limit)
    # NOTE: printable text holds nothing XML forbids (surrogates and U+FFFE/U+FFFF are not
    # printable): the usual text skips the pass, 50k table rows of it in a large report.
    if not text.isprintable():
        text = _XML_ILLEGAL.sub(_shown, text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")


def xml(text: str | None, limit: int = 300) -> str:
    """Text an XML 1.0 serialiser (ElementTree) can write: characters XML forbids, and
    terminal controls, shown as ``\\xNN``. The serialiser itself escapes ``<`` ``&`` ``>``
    and quotes, so ``]]>`` cannot end anything. Newlines are kept, but a line cannot
    begin with ``::`` (a word joiner goes first)."""
    text = bounded(text, limit)
    text = _XML_ILLEGAL.sub(_shown, text)
    text = re.sub(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", _shown, text)
    # NOTE: a CI log that prints this file must not read a line of it as a workflow
    # command (the Actions runner acts on any output line starting with "::").
    return _COMMAND_LINE.sub("\\1\u2060", text)


def message_lines(text: str | None, line_limit: int = 1000, max_lines: int = 400) -> str:
    """A message built from input (a path, a JSON key, a value), safe on stderr read by a
    terminal and by a CI runner: each line :func:`terminal`-escaped (``\\r``, ESC, OSC, C1
    and bidirectional controls shown as ``\\xNN``), bounded, a line starting with ``::``
    preceded by a word joiner so the runner reads no workflow command, and at most
    ``max_lines`` lines. Newlines stay newlines: a policy's error list stays readable."""
    lines = (text or "").split("\n")
    shown = [terminal(line, line_limit) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"... and {len(lines) - max_lines} more lines")
    # NOTE: the Actions runner trims a line and acts on it when it starts with "::"
    # (actions/runner ActionCommand.TryParseV2); U+2060 is not whitespace to it.
    return "\n".join("\u2060" + line if line.lstrip(" \t").startswith("::") else line for line in shown)


def workflow_data(text: str | None, limit: int = 1000) -> str:
    """The message of a GitHub workflow command (``::error ...::DATA``).

    NOTE: the runner unescapes ``%25``, ``%0D`` and ``%0A`` in data
    (actions/toolkit packages/core/src/command.ts ``escapeData``); with newlines escaped,
    the text cannot start a command line of its own, so ``::`` inside it is inert.
    Other control characters (ANSI escapes) are shown as ``\\xNN``.
    """
    text = bounded(text, limit)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _CONTROL_OR_TAB.sub(lambda m: " " if m.group() == "\t" else _shown(m), text)


def workflow_property(text: str | None, limit: int = 300) -> str:
    """A property value of a workflow command (``file=``, ``title=``): like
    :func:`workflow_data`, plus ``:`` and ``,`` as ``%3A`` and ``%2C`` (``escapeProperty``)."""
    return workflow_data(text, limit).replace(":", "%3A").replace(",", "%2C")


def json_inert(text: str) -> str:
    """JSON text (from ``json.dumps``) with the control characters that ``json`` leaves raw
    (C1 controls such as CSI, U+2028, bidirectional overrides) as ``\\uNNNN``."""
    # NOTE: newlines (the indentation's) are not matched at all: a call per line was a
    # second per 100 MB of output.
    return _RAW_IN_JSON.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
