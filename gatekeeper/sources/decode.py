"""Report bytes to JSON, strictly, in one place: files, standard input, containers, HTTP answers.

A report that does not decode is refused with where and why (``JsonDecodeError``): invalid
UTF-8, JSON cut short, JSON Lines (unless the caller reads them: ``json_lines``), nesting beyond the parser, ``NaN``/``Infinity`` (not JSON
numbers), a number beyond a double's range, and an object with the same key twice (the last
value would win silently: ``"Severity":"CRITICAL","Severity":"LOW"``). The message is worded for a
report file (``x.json: invalid JSON at line 1 column 9: ...``); a caller that words its
errors its own way (the SonarQube client, the scan runner) builds them from the error's parts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["JsonDecodeError", "JsonLines", "SourceError", "colons", "decode_json", "refuse_duplicate_keys"]

_ORJSON_FROM = 64 * 1024
"""Reports smaller than this are decoded by the standard library: as fast at that size,
and importing orjson is 0.4 ms of a small gate's start-up."""


class SourceError(Exception):
    """A report could not be read; the message starts with the file name."""


class JsonDecodeError(SourceError):
    """The bytes are not one JSON document: ``str(e)`` is ``f"{source}: {e.reason}"``."""

    def __init__(
        self, source: str, reason: str, kind: str, *, line: int = 0, column: int = 0, byte: int = 0, detail: str = ""
    ) -> None:
        super().__init__(f"{source}: {reason}")
        self.reason = reason
        """Why, without the source: ``not valid UTF-8 (byte 7)``."""
        self.kind = kind
        """``encoding``, ``truncated``, ``invalid``, ``number`` (NaN, Infinity, out of range),
        ``duplicate`` (a key twice in one object) or ``depth``."""
        self.line, self.column = line, column
        """Where the JSON went wrong (``truncated``, ``invalid``), 1-based."""
        self.byte = byte
        """The first byte that is not UTF-8 (``encoding``)."""
        self.detail = detail
        """The JSON parser's own words (``truncated``, ``invalid``): ``Expecting value``."""


class JsonLines(list):  # type: ignore[type-arg]
    """The objects of a JSON Lines text (one JSON object on each line), in order.

    A list that remembers it was JSON Lines: only a format whose reports are JSON Lines
    (TruffleHog's) reads it (``sources.files``); any other format prints one document.
    """


def orjson_for(data: bytes) -> Any:
    """orjson, for a report large enough to gain from it; ``None``: the standard library."""
    if len(data) < _ORJSON_FROM:
        return None
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; the standard library still reads every report
        return None
    return orjson


def decode_json(data: bytes, source: str, fast: bool = False, check_keys: bool = True, json_lines: bool = False) -> Any:
    """The one JSON document in ``data``; raises ``JsonDecodeError`` naming ``source``.

    With ``fast``, a large report is decoded by orjson when it can. NOTE: orjson decodes a
    large report in about 60% of the time (bench/README.md). It refuses what the standard
    library reads (a BOM, NaN, lone surrogates, numbers out of a double's range), and every
    document it refuses is decoded again by ``json``, whose messages the error paths below
    give. It also reads integers beyond 64 bits as floats, so only a caller that checks for
    them asks for it (``sources.files.load_report``).

    Duplicate keys are refused on both paths: ``json`` checks each object as it is made;
    orjson's document is checked by ``refuse_duplicate_keys``. ``check_keys=False``: the caller
    checks orjson's document itself, after freeing ``data`` (``sources.files``: peak memory).

    With ``json_lines``, a text of one JSON object on each line (blank lines allowed) is a
    ``JsonLines`` list of them, each line decoded as strictly as a document (``_json_lines``).
    """
    orjson = orjson_for(data) if fast else None
    if orjson is not None and not data.startswith(b"\xef\xbb\xbf"):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            if check_keys:
                refuse_duplicate_keys(doc, colons(data), lambda: data, source)
            return doc
    try:
        # NOTE: strict UTF-8 (a BOM is tolerated: some Windows tools write one).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise JsonDecodeError(source, f"not valid UTF-8 (byte {e.start})", "encoding", byte=e.start) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite)
    except _NotJson as e:
        raise JsonDecodeError(source, f"{e.reason}; refused", e.kind, detail=e.reason) from None
    except json.JSONDecodeError as e:
        kind = "invalid"
        # NOTE: a cut inside a string is reported at the string's start, not at the end.
        if e.pos >= len(text.rstrip()) or e.msg == "Unterminated string starting at":
            kind, where = "truncated", "truncated: the JSON ends early"
        elif e.msg == "Extra data" and json_lines:
            lines = _json_lines(text, source, data if orjson is not None else None)
            if lines is not None:
                return lines
            where = "more than one JSON document, and not JSON Lines (one JSON object on each line)"
        elif e.msg == "Extra data":
            # NOTE: trufflehog and others print JSON Lines (one document per line).
            where = "more than one JSON document (JSON Lines is not a format gatekeeper reads)"
        else:
            where = e.msg
        raise JsonDecodeError(
            source, f"invalid JSON at line {e.lineno} column {e.colno}: {where}", kind,
            line=e.lineno, column=e.colno, detail=e.msg,
        ) from None
    except RecursionError:
        raise JsonDecodeError(source, "JSON nested too deeply", "depth") from None


# Digits stay, every other byte becomes a space: a run of 20 digits (or more) is then a
# plain substring search (``holds_big_integer``).
_DIGIT_RUNS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_TWENTY_DIGITS = b"0" * 20
_CHUNK = 1 << 22


def holds_big_integer(data: bytes) -> bool:
    """Whether ``data`` holds a run of 20 digits or more: an integer beyond 64 bits, maybe.

    NOTE: the regular expression ``[0-9]{20}`` tried a match at every digit: 1.6 s of a 4.1 s
    gate on a 125 MB report full of short digit runs (issue 20). Here each 4 MiB piece is
    translated (digits to ``0``, the rest to spaces) and searched for twenty ``0``s, at
    memory speed; the search stops at the first piece that holds one.
    """
    for start in range(0, len(data), _CHUNK):
        if _TWENTY_DIGITS in data[start : start + _CHUNK + 19].translate(_DIGIT_RUNS):
            return True
    return False


def _json_lines(text: str, source: str, data: bytes | None = None) -> JsonLines | None:
    """The objects of ``text`` read as JSON Lines; ``None`` when its first line is not one
    whole JSON object by itself (then it is not JSON Lines: two documents on a line,
    pretty-printed documents one after another). ``data``: the text's bytes, for a report
    large enough for orjson (``_plain_json_lines``).

    NOTE: TruffleHog v3 prints one JSON object per line (``--json``). Each line is decoded
    with the document's strictness (keys given twice, NaN); a line that is not an object is
    refused, and a last line cut short is refused as truncated, as a cut document is.
    Only a newline ends a line (JSON escapes it inside strings); ``\r`` of CRLF is JSON
    whitespace.
    """
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line and not line.isspace()]
    if data is not None:
        plain = _plain_json_lines(lines, data)
        if plain is not None:
            return plain
    last = lines[-1][0]
    items = JsonLines()
    for n, line in lines:
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite)
        except _NotJson as e:
            raise JsonDecodeError(source, f"{e.reason}, on line {n}; refused", e.kind, line=n, detail=e.reason) from None
        except json.JSONDecodeError as e:
            if not items:
                return None
            kind, where = "invalid", e.msg
            if n == last and (e.pos >= len(line.rstrip()) or e.msg == "Unterminated string starting at"):
                kind, where = "truncated", "truncated: the last JSON Lines object ends early"
            raise JsonDecodeError(
                source, f"invalid JSON at line {n} column {e.colno}: {where}", kind,
                line=n, column=e.colno, detail=e.msg,
            ) from None
        except RecursionError:
            raise JsonDecodeError(source, "JSON nested too deeply", "depth") from None
        if type(value) is not dict:
            if not items:
                return None
            raise JsonDecodeError(
                source, f"invalid JSON Lines at line {n}: not a JSON object (each line must hold one)", "invalid",
                line=n, column=1, detail="not a JSON object",
            )
        items.append(value)
    return items


def _plain_json_lines(lines: list[tuple[int, str]], data: bytes) -> JsonLines | None:
    """The objects of ``lines`` decoded by orjson, when every line is one object that the strict
    reading would give alike; ``None`` for anything else, which ``_json_lines`` reads line by
    line (and names what is wrong).

    NOTE: each line decoded by ``json`` with the key-checking hook was 0.35 s of 50,000
    TruffleHog findings' gate (bench/README.md, issue 20). orjson refuses what the strict
    reading refuses (NaN, numbers beyond a double), except a key given twice, found as for a
    document (the text's colons against those of the objects written back), and integers
    beyond 64 bits, which it would read as floats: a text holding a run of 20 digits is
    left to ``json``.
    """
    import orjson

    if holds_big_integer(data):
        return None
    try:
        items = JsonLines(orjson.loads(line) for _, line in lines)
        if not all(type(item) is dict for item in items):
            return None
        if _written_colons(list(items), orjson.dumps) != colons(data):
            return None  # a key given twice (or an escaped colon): the strict reading decides
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    return items


class _NotJson(ValueError):
    """Raised from json's hooks: a value JSON has no meaning for, or a key given twice."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind


def _shown(key: str) -> str:
    """A key of the report, fit for a message: escaped (``repr``) and bounded."""
    return repr(key[:60] + "..." if len(key) > 60 else key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _NotJson(f"the key {_shown(key)} appears twice in one object (the last value would "
                       "silently win)", "duplicate")
    return obj


def _no_constant(word: str) -> Any:
    # NOTE: json reads NaN, Infinity and -Infinity, which RFC 8259 does not allow: a NaN score
    # compares false with every threshold (a silent pass) and would be written out bare.
    raise _NotJson(f"invalid JSON: {word} is not a JSON number", "number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"invalid JSON: the number {text[:40]} is beyond a double's range", "number")
    return value


def colons(data: bytes, plain: int | None = None) -> int:
    """The colons of a JSON text, with ``\\u003a`` escapes counted as colons (see ``refuse_duplicate_keys``).

    ``plain``: ``data.count(b":")`` when the caller has it (``sources.files`` counts it in
    a smaller copy of the text).
    """
    n = data.count(b":") if plain is None else plain
    # NOTE: a text without a backslash has no escape (one memchr). Otherwise the regular
    # expression's literal-prefix search looks for an escaped colon: 34 ms against 55 ms for
    # ``b"\\u003" in data`` over the real-shaped 50k report (133 MB, 250k backslashes, no
    # escaped colon; bench/README.md, issue 20), and the text is counted only if it holds one.
    if b"\\" in data and re.search(rb"\\u003[aA]", data):
        n += data.count(b"\\u003a") + data.count(b"\\u003A")
    return n


def refuse_duplicate_keys(doc: Any, raw_colons: int, text: Callable[[], bytes], source: str) -> None:
    """Refuse orjson's document of a text that held the same key twice in one object.

    NOTE: orjson keeps the last value of a duplicate key and says nothing. Every colon of a
    JSON text is either a member's separator or inside a string, so the text's colons
    (``colons``) equal those of the document orjson writes back (compact, colons never
    escaped) unless a member went missing: a duplicate. Both counts cost 0.10 s on the
    generated 124 MB report and 0.14 s on the real-shaped 133 MB one (bench/README.md,
    issue 20), a tenth of decoding it with a per-object check in ``json``.
    When the counts differ, ``json`` decodes the text (``text()``) again and names the key;
    a count that differs for another reason (a literal ``\\u003a``) passes there.
    """
    import orjson

    try:
        written = _written_colons(doc, orjson.dumps)
    except orjson.JSONEncodeError:
        # NOTE: orjson reads an escaped lone surrogate ("\ud800") but will not write one:
        # the standard library then checks the whole text, as it does for small reports.
        written = -1
    if written != raw_colons:
        decode_json(text(), source)  # raises, naming the key, if there is a duplicate


def _written_colons(value: Any, dumps: Callable[[Any], bytes], depth: int = 0) -> int:
    """The colons of ``dumps(value)``, the top levels counted here and the items below
    written a few items of a list at a time (not one copy of the whole report).

    NOTE: a list from the fourth level down (a Trivy result's findings), or a long one at
    any level (SonarQube's ``issues``, gitleaks' and Hadolint's top-level lists), is
    written a run of items at a time (``_written_in_runs``), not item by item and member by
    member: a run's brackets and commas hold no colon, so the count is the same; so are the
    values of a large object (npm audit's ``vulnerabilities``), its keys counted here.
    Walking SonarQube's 8,333 issues member by member was 0.12 s of a 0.24 s read, npm
    audit's 50,000 packages 0.25 s (bench/README.md, issue 20); the depth rule alone was
    made for Trivy's shape.
    """
    if type(value) is list:
        if depth < 3 and len(value) <= _SLICE:
            return sum(_written_colons(item, dumps, depth + 1) for item in value)
        return _written_in_runs(value, dumps)
    if type(value) is dict and len(value) > _SLICE:  # npm audit's vulnerabilities: a member per package
        return sum(key.count(":") + 1 for key in value) + _written_in_runs(list(value.values()), dumps)
    if type(value) is dict and depth < 4:
        return sum(key.count(":") + 1 + _written_colons(item, dumps, depth + 1) for key, item in value.items())
    return dumps(value).count(b":")


def _written_in_runs(items: list[Any], dumps: Callable[[Any], bytes]) -> int:
    """The colons of ``dumps(items)``, written a run of items at a time: the first run one
    item, each next one as many as make about ``_RUN_BYTES`` at the size seen so far (at
    most ``_SLICE``), so no single write copies more than one large item or a few MB."""
    total, i, n, step = 0, 0, len(items), 1
    while i < n:
        data = dumps(items[i : i + step])
        total += data.count(b":")
        i += step
        step = max(1, min(_SLICE, step * _RUN_BYTES // (len(data) or 1)))
    return total


_SLICE = 256
_RUN_BYTES = 1 << 20
