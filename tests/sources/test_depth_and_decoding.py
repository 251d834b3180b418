"""The fast paths of reading a report agree with the slow ones they replace (bench/README.md).

- ``nested_deeper_than`` (on the text) answers as ``check_depth`` (on the decoded document);
- ``skeleton`` (escapes removed after the translation) is the text with its escaped quotes and
  backslashes removed first, and holds all its colons;
- orjson decodes to the same document as ``json``, and ``jsonstream.pieces`` writes the same bytes
  as ``json.dumps(indent=2, ensure_ascii=False)``.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeeper.adapters import ReportFormatError, check_depth
from gatekeeper.reporters.escape import json_inert
from gatekeeper.reporters.jsonstream import pieces
from gatekeeper.sources import decode
from gatekeeper.sources.decode import decode_json
from gatekeeper.sources.files import nested_deeper_than, skeleton

_TEXT = st.text(alphabet=st.sampled_from('ab[]{}"\\\n\u2028é/'), max_size=8)
_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT | st.floats(1e-4, 1e15)
_DOCS = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(_TEXT, c, max_size=3), max_leaves=40)


def _too_deep(doc: object, limit: int) -> bool:
    try:
        check_depth(doc, "x", limit)
    except ReportFormatError:
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(_DOCS, st.integers(1, 6), st.booleans())
def test_text_depth_check_agrees_with_the_document_walk(doc: object, limit: int, indent: bool) -> None:
    data = json.dumps(doc, indent=2 if indent else None, ensure_ascii=False).encode()
    assert nested_deeper_than(data, limit) == _too_deep(doc, limit)


_ESCAPY = st.text(alphabet=st.sampled_from('ab:u[]{}"\\\n\t\x00/é\u2028bfnrt'), max_size=10)
_ESCAPY_DOCS = st.recursive(
    st.none() | _ESCAPY, lambda c: st.lists(c, max_size=3) | st.dictionaries(_ESCAPY, c, max_size=3), max_leaves=30
)


@settings(max_examples=300, deadline=None)
@given(_ESCAPY_DOCS, st.booleans(), st.booleans())
def test_the_skeleton_is_the_text_without_escaped_quotes_and_backslashes(doc: object, ascii: bool, indent: bool) -> None:
    # The skeleton drops escaped quotes and backslashes after deleting the bytes that matter
    # to neither; the previous order (escapes first, over the whole text) is the reference.
    import re

    data = json.dumps(doc, ensure_ascii=ascii, indent=2 if indent else None).encode()
    reference = re.sub(rb'\\[\\"]', b"", data).translate(
        bytes.maketrans(b"{}", b"[]"), bytes(b for b in range(256) if b not in b'[]{}":')
    )
    bones = skeleton(data)
    assert bones.translate(None, b"\\/bfnrtu") == reference
    assert bones.count(b":") == data.count(b":")
    assert decode.colons(data, bones.count(b":")) == decode.colons(data)


def test_depth_at_the_limit() -> None:
    assert not nested_deeper_than(b"[" * 100 + b"]" * 100)
    assert nested_deeper_than(b"[" * 101 + b"]" * 101)
    assert nested_deeper_than(b'{"a": "[[[[", "b": [{"c": "]]]\\"]"}]}', 2)
    assert not nested_deeper_than(b'{"a": "[[[[\\\\", "b": ["\\"]]]"]}', 2)


@settings(max_examples=300, deadline=None)
@given(_DOCS)
def test_orjson_reads_and_writes_as_json_does(doc: object) -> None:
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    original = decode._ORJSON_FROM
    decode._ORJSON_FROM = 0  # orjson for any size (small reports go to json)
    try:
        assert decode_json(text.encode(), "x", fast=True) == json.loads(text)
    finally:
        decode._ORJSON_FROM = original
    floats = [x for x in _leaves(doc) if isinstance(x, float)]
    assert b"".join(pieces(doc, floats)).decode() == json_inert(text) + "\n"


def test_big_integers_stay_integers() -> None:
    assert decode_json(b"[123456789012345678901234567890]", "x") == [123456789012345678901234567890]


def _leaves(doc: object) -> list[object]:
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in _leaves(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in _leaves(v)]
    return [doc]


def test_a_large_report_with_an_integer_beyond_64_bits_is_read_exactly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # orjson (large reports) reads it as a float, which the adapter refuses as a line
    # number: the report is then decoded again by json, which keeps the integer.
    import io

    from gatekeeper.sources import load_report

    item = {"code": "DL3007", "column": 1, "file": "Dockerfile", "level": "warning", "line": 2, "message": "x" * 100}
    items = [dict(item, line=n) for n in range(1, 1000)] + [dict(item, line=123456789012345678901234567890)]
    data = json.dumps(items).encode()
    assert len(data) > decode._ORJSON_FROM
    path = tmp_path / "hadolint.json"
    path.write_bytes(data)
    for report in (load_report(str(path)), load_report("-", stdin=io.BytesIO(data))):
        assert report.findings[-1].location.start_line == 123456789012345678901234567890
        assert type(report.findings[-1].location.start_line) is int
