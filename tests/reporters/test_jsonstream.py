"""Streamed JSON (``reporters.jsonstream``) and the background-thread ``output.Sink``.

The reporters write large logs piece by piece; the text must be byte for byte what
``json.dumps(indent=2, ensure_ascii=False)`` made inert writes for the whole document.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeeper import output
from gatekeeper.output import Sink
from gatekeeper.reporters import jsonstream
from gatekeeper.reporters.escape import json_inert
from gatekeeper.reporters.interface import StreamReporter
from gatekeeper.reporters.jsonstream import Streamed, pieces

# Text with what the inert pass escapes (DEL, C1 CSI, U+2028, a bidi override), a NUL and
# the characters JSON escapes, and non-ASCII that stays.
_TEXT = st.text(alphabet=st.sampled_from('ab"\\\n\x00\x7f\x9b\u2028\u202eé/ '), max_size=6)
_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT | st.floats(1e-4, 1e15)
_DOCS = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(_TEXT, c, max_size=3), max_leaves=30)


def _floats(doc: Any) -> list[float]:
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in _floats(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in _floats(v)]
    return [doc] if isinstance(doc, float) else []


def _streamed(items: list[Any]) -> Streamed:
    # Items are wrapped so that the conversion really runs.
    return Streamed([("item", v) for v in items], lambda pair: pair[1], floats=lambda pair: _floats(pair[1]))


@settings(max_examples=300, deadline=None)
@given(_DOCS, st.lists(_DOCS, max_size=7), st.lists(_DOCS, max_size=3), st.integers(1, 3))
def test_pieces_are_the_whole_documents_text(other: Any, first: list[Any], second: list[Any], chunk: int) -> None:
    expanded = {"before": other, "items": first, "nested": {"deep": [1, second]}, "after": [other]}
    doc = {"before": other, "items": _streamed(first), "nested": {"deep": [1, _streamed(second)]}, "after": [other]}
    original = jsonstream.CHUNK
    jsonstream.CHUNK = chunk
    try:
        text = b"".join(pieces(doc, _floats(other)))
    finally:
        jsonstream.CHUNK = original
    assert text.decode("utf-8") == json_inert(json.dumps(expanded, indent=2, ensure_ascii=False)) + "\n"


def test_a_float_orjson_writes_differently_goes_through_json() -> None:
    doc = {"scores": Streamed([1e16, 2.5], lambda x: {"cvss": x}, floats=lambda x: [x])}
    text = b"".join(pieces(doc)).decode()
    assert '"cvss": 1e+16' in text and '"cvss": 2.5' in text


def test_report_text_cannot_forge_a_marker() -> None:
    # The marker of the first Streamed list, as a (hostile) string in the skeleton.
    hostile = "\x00" + "0" * 32 + ":0\x00"
    doc = {"title": hostile, "results": Streamed([1, 2], lambda x: x)}
    assert json.loads(b"".join(pieces(doc))) == {"title": hostile, "results": [1, 2]}


def test_sink_writes_pieces_in_order_and_measures_gzip() -> None:
    import gzip

    buffer = io.BytesIO()
    sink = Sink(buffer)
    sink.measure_gzip = True
    parts = [bytes([65 + i % 26]) * 10_000 for i in range(100)]
    for part in parts:
        sink.write(part)
    sink.close()
    assert buffer.getvalue() == b"".join(parts)
    assert sink.size == 1_000_000
    assert 0 < sink.gzip_size < 100_000
    assert sink.exact_gzip_size() == len(gzip.compress(b"".join(parts), 6, mtime=0))
    sink.restart()
    sink.write(b"again")
    sink.close()
    assert buffer.getvalue() == b"again" and sink.size == 5


def test_the_sink_hands_pieces_over_in_batches_and_keeps_their_order() -> None:
    # More than a batch (output._BATCH), in pieces of uneven sizes: the file holds them in
    # order, and the sizes measured are those of the whole.
    import gzip
    import random

    rng = random.Random(20)
    parts = [rng.randbytes(rng.randrange(1, 600_000)) for _ in range(40)]
    assert sum(map(len, parts)) > 2 * output._BATCH
    buffer = io.BytesIO()
    sink = Sink(buffer)
    sink.measure_gzip = True
    for part in parts:
        sink.write(part)
    sink.close()
    whole = b"".join(parts)
    assert buffer.getvalue() == whole and sink.size == len(whole)
    assert sink.gzip_size >= len(gzip.compress(whole, 9)) - 64
    # The size measured is that of gzip at level 1 (raw deflate plus the gzip wrapper).
    assert sink.gzip_size == len(gzip.compress(whole, 1, mtime=0))


class _Broken(io.BytesIO):
    def write(self, data: Any) -> int:
        raise OSError(28, "No space left on device")


def test_a_failed_write_is_raised_in_the_writing_thread() -> None:
    sink = Sink(_Broken())
    with pytest.raises(OSError, match="No space left"):
        for _ in range(100):  # the error surfaces on a later write or on close
            sink.write(b"x" * 1000)
        sink.close()


class _Pieces(StreamReporter):
    """A reporter writing ``parts``, then raising ``error`` if one is given."""

    def __init__(self, *parts: bytes, error: BaseException | None = None) -> None:
        super().__init__()
        self.parts, self.error = parts, error

    def pieces(self, verdict: Any) -> Iterator[bytes]:
        yield from self.parts
        if self.error is not None:
            raise self.error


def test_write_report_leaves_no_file_when_rendering_fails(tmp_path: Any) -> None:
    target = tmp_path / "out.sarif"

    with pytest.raises(RuntimeError):
        output.write_output(str(target), _Pieces(b"half a report", error=RuntimeError("boom")), None)
    assert list(tmp_path.iterdir()) == []


def test_write_report_to_stdout(capsysbinary: Any) -> None:
    output.write_output("-", _Pieces(b"{}", b"\n"), None)
    assert capsysbinary.readouterr().out == b"{}\n"
