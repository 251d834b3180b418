"""Report bytes to JSON, strictly, in one place: files, standard input, containers, HTTP answers.

A report that does not decode is refused with where and why (``JsonDecodeError``): invalid
UTF-8, JSON cut short, JSON Lines, nesting beyond the parser. The message is worded for a
report file (``x.json: invalid JSON at line 1 column 9: ...``); a caller that words its
errors its own way (the SonarQube client, the scan runner) builds them from the error's parts.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JsonDecodeError", "SourceError", "decode_json"]

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
        """``encoding``, ``truncated``, ``invalid`` or ``depth``."""
        self.line, self.column = line, column
        """Where the JSON went wrong (``truncated``, ``invalid``), 1-based."""
        self.byte = byte
        """The first byte that is not UTF-8 (``encoding``)."""
        self.detail = detail
        """The JSON parser's own words (``truncated``, ``invalid``): ``Expecting value``."""


def orjson_for(data: bytes) -> Any:
    """orjson, for a report large enough to gain from it; ``None``: the standard library."""
    if len(data) < _ORJSON_FROM:
        return None
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; the standard library still reads every report
        return None
    return orjson


def decode_json(data: bytes, source: str, fast: bool = False) -> Any:
    """The one JSON document in ``data``; raises ``JsonDecodeError`` naming ``source``.

    With ``fast``, a large report is decoded by orjson when it can. NOTE: orjson decodes a
    large report in about 60% of the time (bench/README.md). It refuses what the standard
    library reads (a BOM, NaN, lone surrogates, numbers out of a double's range), and every
    document it refuses is decoded again by ``json``, whose messages the error paths below
    give. It also reads integers beyond 64 bits as floats, so only a caller that checks for
    them asks for it (``sources.files.load_report``).
    """
    orjson = orjson_for(data) if fast else None
    if orjson is not None and not data.startswith(b"\xef\xbb\xbf"):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    try:
        # NOTE: strict UTF-8 (a BOM is tolerated: some Windows tools write one).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise JsonDecodeError(source, f"not valid UTF-8 (byte {e.start})", "encoding", byte=e.start) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        kind = "invalid"
        # NOTE: a cut inside a string is reported at the string's start, not at the end.
        if e.pos >= len(text.rstrip()) or e.msg == "Unterminated string starting at":
            kind, where = "truncated", "truncated: the JSON ends early"
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
