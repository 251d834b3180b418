"""One JSON decoder for report files, container reports and SonarQube answers (``sources/decode.py``).

Its message is a report file's; the runner and the SonarQube client word theirs from its parts.
"""

from __future__ import annotations

import pytest

from gatekeeper.scanners import Scanner
from gatekeeper.sources import SourceError
from gatekeeper.sources.decode import JsonDecodeError, decode_json
from gatekeeper.sources.docker_runner import ScanError, _adapt


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b'{"a": [1, 2', "truncated", "x.json: invalid JSON at line 1 column 12: truncated: the JSON ends early"),
        (b'{"a": "cut', "truncated", "x.json: invalid JSON at line 1 column 7: truncated: the JSON ends early"),
        (b'{"a": 1,}', "invalid", "x.json: invalid JSON at line 1 column 9: Expecting property name enclosed in double quotes"),
        (b'{"a": 1}\n{"a": 2}\n', "invalid",
         "x.json: invalid JSON at line 2 column 1: more than one JSON document (JSON Lines is not a format gatekeeper reads)"),
        (b'["\xe9"]', "encoding", "x.json: not valid UTF-8 (byte 2)"),
        (b"[" * 100000 + b"]" * 100000, "depth", "x.json: JSON nested too deeply"),
    ],
)
def test_refusals_name_the_source_and_keep_their_parts(data: bytes, kind: str, message: str) -> None:
    with pytest.raises(JsonDecodeError) as info:
        decode_json(data, "x.json")
    assert isinstance(info.value, SourceError)
    assert (str(info.value), info.value.kind) == (message, kind)
    assert str(info.value) == f"x.json: {info.value.reason}"


def test_a_bom_is_tolerated() -> None:
    assert decode_json(b'\xef\xbb\xbf{"a": 1}', "x.json") == {"a": 1} == decode_json(b'\xef\xbb\xbf{"a": 1}', "x", fast=True)


def test_a_container_report_that_is_not_json_is_a_scan_error() -> None:
    scanner = Scanner(name="hadolint", format="hadolint", args=())
    with pytest.raises(ScanError, match=r"^hadolint: the report is not valid JSON \(invalid JSON at line 1 column 2: "):
        _adapt(scanner, b"[oops]", 0, b"")
    with pytest.raises(ScanError, match=r"^hadolint: the report is not valid JSON \(not valid UTF-8 \(byte 2\)\)"):
        _adapt(scanner, b'["\xff"]', 0, b"")
    assert _adapt(scanner, b"[]", 0, b"").report.findings == ()


# -- issue 21: values JSON has no meaning for, keys given twice; issue 20: big integers ----


def _both_paths(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Decode ``data`` by the standard library and by orjson (which reads 64 KB and up)."""
    from gatekeeper.sources import decode

    outcomes: list[object] = []
    for threshold in (1 << 30, 0):
        monkeypatch.setattr(decode, "_ORJSON_FROM", threshold)
        try:
            outcomes.append(decode_json(data, "x.json", fast=True))
        except JsonDecodeError as e:
            outcomes.append((e.kind, str(e)))
    return outcomes


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b'{"a": 1, "a": 2}', "duplicate", "x.json: the key 'a' appears twice in one object"),
        (b'[{"b": {"S": "CRITICAL", "\\u0053": "LOW"}}]', "duplicate", "x.json: the key 'S' appears twice"),
        (b'{"V3Score": NaN}', "number", "x.json: invalid JSON: NaN is not a JSON number"),
        (b"[Infinity]", "number", "x.json: invalid JSON: Infinity is not a JSON number"),
        (b"[-1e400]", "number", "x.json: invalid JSON: the number -1e400 is beyond a double's range"),
    ],
)
def test_duplicate_keys_and_non_finite_numbers_are_refused_on_both_paths(
    data: bytes, kind: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for outcome in _both_paths(data, monkeypatch):
        assert isinstance(outcome, tuple) and outcome[0] == kind and outcome[1].startswith(message), outcome


def test_a_literal_escaped_colon_is_no_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fast check counts "\u003a" as a colon; a backslash before it makes it text: json settles.
    data = b'{"a": "\\\\u003a", "b": "\\u003a"}'
    assert _both_paths(data, monkeypatch) == [{"a": "\\u003a", "b": ":"}] * 2


def test_big_integer_runs_are_found_across_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeeper.sources import decode

    monkeypatch.setattr(decode, "_CHUNK", 16)
    for at in range(0, 40):
        data = b" " * at + b"1" * 20 + b" " * 7
        assert decode.holds_big_integer(data), at
        assert not decode.holds_big_integer(b" " * at + b"1" * 19 + b" 2" * 30)


@pytest.mark.parametrize("escape", [b"\\u003a", b"\\u003A"])
def test_an_escaped_colon_cannot_hide_a_duplicate(escape: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 20: the escaped colon is found by a regular expression; counted, it keeps a dropped
    # member from balancing the counts (uncounted, the counts below would agree).
    data = b'{"x": "' + escape + b'", "a": 1, "a": 2}'
    for outcome in _both_paths(data, monkeypatch):
        assert isinstance(outcome, tuple) and outcome[0] == "duplicate", outcome


def test_colons_written_back_in_slices_are_the_whole_documents() -> None:
    # Issue 20: deep lists are written back a slice at a time; the count must be that of one write.
    import orjson

    from gatekeeper.sources.decode import _written_colons

    item = {"a:b": "c:d", "e": [{"f": "g:h"}, [1, {"i": None}]], "j": {"k": {"l": {"m": ["n:o"]}}}}
    for n in (0, 1, 255, 256, 257, 600):
        for doc in ({"R": [{"V": [item] * n}]}, [[[[item] * n]]], [item] * n, {"x": [[item] * n, []]}):
            assert _written_colons(doc, orjson.dumps) == orjson.dumps(doc).count(b":"), (n, doc if n < 2 else n)
    # Long lists are written in runs sized by what was seen: small and large items mixed.
    big = {"d": ["x:y" * 1000] * 400}
    wide = {f"k:{i}": item if i % 7 else big for i in range(600)}  # a large object: its values in runs
    for doc in ([item] * 300 + [big] * 3 + [item] * 700, {"issues": [big, *[item] * 1000, big]}, wide, {"v": wide}):
        assert _written_colons(doc, orjson.dumps) == orjson.dumps(doc).count(b":")
