"""JSON Lines (``sources/decode.py``'s ``json_lines``): one JSON object per line, read as
strictly as one document, and handed to the one format that prints it (TruffleHog v3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.adapters import AdapterError
from gatekeeper.sources import SourceError, load_report, read_document
from gatekeeper.sources.decode import JsonDecodeError, JsonLines, decode_json


@pytest.fixture(params=["json", "orjson"])
def fast(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both readings: ``json`` line by line, and orjson as for a large report (``_plain_json_lines``)."""
    from gatekeeper.sources import decode

    if request.param == "orjson":
        monkeypatch.setattr(decode, "_ORJSON_FROM", 0)
    return request.param == "orjson"


def lines(data: bytes, fast: bool = False) -> object:
    return decode_json(data, "x.jsonl", fast=fast, json_lines=True)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"a": 1}\n{"b": 2}\n', [{"a": 1}, {"b": 2}]),
        (b'{"a": 1}\n{"b": 2}', [{"a": 1}, {"b": 2}]),  # no newline at the end (TruffleHog's last line)
        (b'\n{"a": 1}\n\n   \n{"b": 2}\n\n', [{"a": 1}, {"b": 2}]),  # blank lines
        (b'{"a": 1}\r\n{"b": 2}\r\n', [{"a": 1}, {"b": 2}]),  # CRLF
        (b'\xef\xbb\xbf{"a": 1}\n{"b": "\\n"}\n', [{"a": 1}, {"b": "\n"}]),  # a BOM; an escaped newline
    ],
)
def test_objects_one_per_line_are_a_list(data: bytes, expected: list[object], fast: bool) -> None:
    doc = lines(data, fast)
    assert type(doc) is JsonLines and doc == expected


def test_one_line_is_one_document() -> None:
    assert lines(b'{"a": 1}\n') == {"a": 1}
    assert type(lines(b'[{"a": 1}]')) is list


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        # The last line cut short: truncated, as a cut document is (fail closed).
        (b'{"a": 1}\n{"b": "cut', "truncated",
         "x.jsonl: invalid JSON at line 2 column 7: truncated: the last JSON Lines object ends early"),
        (b'{"a": 1}\n{"b": [1, 2\n', "truncated",
         "x.jsonl: invalid JSON at line 2 column 12: truncated: the last JSON Lines object ends early"),
        # A line that is not an object, in the middle or at the end.
        (b'{"a": 1}\n[1, 2]\n{"b": 2}\n', "invalid",
         "x.jsonl: invalid JSON Lines at line 2: not a JSON object (each line must hold one)"),
        (b'{"a": 1}\n\n"text"\n', "invalid",
         "x.jsonl: invalid JSON Lines at line 3: not a JSON object (each line must hold one)"),
        # A broken line that is not the last: invalid, at its line.
        (b'{"a": 1}\n{"b": 1,}\n{"c": 3}\n', "invalid",
         "x.jsonl: invalid JSON at line 2 column 9: Expecting property name enclosed in double quotes"),
        # The document's strictness, line by line.
        (b'{"a": 1}\n{"b": 1, "b": 2}\n', "duplicate",
         "x.jsonl: the key 'b' appears twice in one object (the last value would silently win), on line 2; refused"),
        (b'{"a": 1}\n{"b": NaN}\n', "number", "x.jsonl: invalid JSON: NaN is not a JSON number, on line 2; refused"),
        (b'{"a": 1}\n{"b": 1e999}\n', "number",
         "x.jsonl: invalid JSON: the number 1e999 is beyond a double's range, on line 2; refused"),
        (b'{"a": 1}\n{"b": "\xe9"}\n', "encoding", "x.jsonl: not valid UTF-8 (byte 16)"),
        (b'{"a": 1}\n' + b'{"b": ' + b"[" * 100000 + b"]" * 100000 + b"}\n", "depth", "x.jsonl: JSON nested too deeply"),
    ],
)
def test_refusals(data: bytes, kind: str, message: str, fast: bool) -> None:
    with pytest.raises(JsonDecodeError) as info:
        lines(data, fast)
    assert (str(info.value), info.value.kind) == (message, kind)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1} {"b": 2}\n',  # two documents on one line
        b'{\n  "a": 1\n}\n{\n  "b": 2\n}\n',  # pretty-printed documents one after another
        b"[1]\n[2]\n",  # lines that are not objects
        b"1\n2\n",
    ],
)
def test_what_is_not_json_lines_is_refused_as_more_than_one_document(data: bytes, fast: bool) -> None:
    with pytest.raises(JsonDecodeError, match=r"more than one JSON document, and not JSON Lines \(one JSON object on each line\)"):
        lines(data, fast)


def test_without_json_lines_the_message_is_unchanged() -> None:
    """Container reports and SonarQube answers are one document: JSON Lines are refused there."""
    with pytest.raises(JsonDecodeError, match=r"more than one JSON document \(JSON Lines is not a format gatekeeper reads\)"):
        decode_json(b'{"a": 1}\n{"b": 2}\n', "x.json")


def test_large_json_lines_are_read_by_orjson_unless_the_strict_reading_could_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeeper.sources import decode

    monkeypatch.setattr(decode, "_ORJSON_FROM", 0)
    taken: list[object] = []
    plain = decode._plain_json_lines
    monkeypatch.setattr(decode, "_plain_json_lines", lambda *a: taken.append(r := plain(*a)) or r)
    assert decode_json(b'{"a": 1}\n{"b": 2}\n', "x", fast=True, json_lines=True) == [{"a": 1}, {"b": 2}]
    assert taken == [[{"a": 1}, {"b": 2}]]  # orjson's reading was the one returned
    with pytest.raises(JsonDecodeError, match="appears twice"):
        decode_json(b'{"a": 1}\n{"b": 1, "b": 2}\n', "x", fast=True, check_keys=False, json_lines=True)
    assert taken[-1] is None  # the colons differ: the strict reading named the key
    # An integer beyond 64 bits (orjson would read a float): left to json, which keeps it exact.
    big = decode_json(b'{"line": 123456789012345678901234}\n{"b": 2}\n', "x", fast=True, json_lines=True)
    assert big == [{"line": 123456789012345678901234}, {"b": 2}] and type(big[0]["line"]) is int
    assert taken[-1] is None
    # An escaped colon in a key or value counts as the text's colon: no false duplicate.
    assert decode_json(b'{"a\\u003a": "b\\u003ac"}\n{"d": 1}\n', "x", fast=True, json_lines=True) == [{"a:": "b:c"}, {"d": 1}]


# -- files: only TruffleHog's JSON Lines are read --------------------------------------------


def test_read_document_reads_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    assert read_document(str(path)) == [{"a": 1}, {"b": 2}]


def test_json_lines_of_no_format_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    with pytest.raises(AdapterError, match=rf"^{path}: not a report format gatekeeper reads"):
        load_report(str(path))


def test_json_lines_of_another_formats_items_are_refused(tmp_path: Path) -> None:
    """Hadolint prints one JSON list; its items one per line are not a report it wrote."""
    item = b'{"code": "DL3008", "column": 1, "file": "Dockerfile", "level": "warning", "line": 3, "message": "Pin versions"}'
    path = tmp_path / "hadolint.jsonl"
    path.write_bytes(item + b"\n" + item + b"\n")
    for fmt in (None, "hadolint"):
        with pytest.raises(SourceError, match=rf"^{path}: JSON Lines \(one JSON object on each line\), which hadolint does not print"):
            load_report(str(path), fmt=fmt)


def test_a_directory_of_reports_includes_jsonl(tmp_path: Path) -> None:
    from gatekeeper.sources import expand_paths

    (tmp_path / "trufflehog.jsonl").write_bytes(b"{}")
    (tmp_path / "notes.txt").write_bytes(b"{}")
    assert list(expand_paths([str(tmp_path)])) == [str(tmp_path / "trufflehog.jsonl")]
