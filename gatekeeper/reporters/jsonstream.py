"""JSON documents written piece by piece, with their long lists built chunk by chunk.

A document is plain data in which a long list may be a :class:`Streamed`: its items are
converted (``Finding`` -> dict) and serialised a chunk at a time while the document is
written, so the whole list of dicts and the whole text never sit in memory together::

    doc = {"findings": Streamed(verdict.results, finding_data, floats=scores)}
    b"".join(pieces(doc))   # the text of doc with its list expanded, byte for byte

NOTE: the text is exactly ``json.dumps(data, indent=2, ensure_ascii=False)`` made inert
(``escape.json_inert``) plus a final newline, written through orjson (a tenth of the time:
the standard library indents in Python). The document is serialised with a random marker
string in each Streamed list's place; each list is then serialised as top-level chunks,
re-indented to the marker's depth by one bytes ``replace`` (JSON strings hold no raw
newline, so every newline in a chunk is indentation). Report text cannot forge a marker:
it holds 128 random bits chosen for each document.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from gatekeeper.reporters.escape import json_inert

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; json writes the same bytes, slower
    _orjson = None  # type: ignore[assignment]

CHUNK = 250
"""Items converted and serialised at a time: under 1 MB of SARIF."""


class Streamed:
    """A list in a document whose items are converted and serialised while it is written.

    ``convert`` turns an item into plain data; ``floats`` names every float that data
    holds (see :func:`dumps`), or is ``None`` when it holds none.
    """

    __slots__ = ("convert", "floats", "items")

    def __init__(
        self,
        items: Sequence[Any],
        convert: Callable[[Any], Any],
        floats: Callable[[Any], Iterable[float | None]] | None = None,
    ) -> None:
        self.items = items
        self.convert = convert
        self.floats = floats


def dumps(data: Any, floats: Iterable[float | None] = ()) -> bytes:
    """``data`` as JSON indented by 2, as ``json.dumps(data, indent=2, ensure_ascii=False)``
    writes it (UTF-8), not yet inert.

    NOTE: orjson writes some floats differently (``1e16``, not ``1e+16``; ``null`` for NaN)
    and refuses what ``json`` writes (integers beyond 64 bits, lone surrogates, non-string
    keys), so the caller names every float in ``data`` and the standard library writes any
    document with a float outside the range both write alike, or one that orjson refuses.
    """
    if _orjson is not None and all(x is None or x == 0 or 1e-4 <= abs(x) < 1e16 for x in floats):
        try:
            return _orjson.dumps(data, option=_orjson.OPT_INDENT_2)
        except _orjson.JSONEncodeError:
            pass
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def inert(piece: bytes) -> bytes:
    """``json_inert`` for UTF-8 JSON text: ASCII text without DEL, the usual case, is
    checked in C and returned as is (the regex pass was 0.25 s per 80 MB)."""
    if piece.isascii() and b"\x7f" not in piece:
        return piece
    return json_inert(piece.decode("utf-8")).encode("utf-8")


def pieces(data: Any, floats: Iterable[float | None] = ()) -> Iterator[bytes]:
    """The inert JSON text of ``data`` (``floats``: every float outside its Streamed
    lists), Streamed lists expanded, in pieces of about ``CHUNK`` items."""
    lists: list[Streamed] = []
    nonce = os.urandom(16).hex()

    def mark(value: Any) -> Any:
        if type(value) is Streamed:
            lists.append(value)
            return f"\x00{nonce}:{len(lists) - 1}\x00"
        if type(value) is dict:
            return {k: mark(v) for k, v in value.items()}
        if type(value) is list:
            return [mark(v) for v in value]
        return value

    text = dumps(mark(data), floats)
    at = 0
    for i, streamed in enumerate(lists):
        marker = f'"\\u0000{nonce}:{i}\\u0000"'.encode()
        start = text.index(marker, at)
        yield inert(text[at:start])
        line = text.rfind(b"\n", 0, start) + 1
        indent = b"\n" + b" " * (len(text[line:start]) - len(text[line:start].lstrip(b" ")))
        yield from _list_pieces(streamed, indent)
        at = start + len(marker)
    yield inert(text[at:]) + b"\n"


def _list_pieces(streamed: Streamed, indent: bytes) -> Iterator[bytes]:
    items, convert, floats = streamed.items, streamed.convert, streamed.floats
    if not items:
        yield b"[]"
        return
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        numbers = [x for item in chunk for x in floats(item)] if floats is not None else ()
        text = dumps([convert(item) for item in chunk], numbers)
        # "[\n  {...},\n  {...}\n]" -> the items, each line indented to this list's depth.
        body = text[1:-2].replace(b"\n", indent)
        yield inert(b"[" + body if start == 0 else b"," + body)
    yield indent + b"]"
