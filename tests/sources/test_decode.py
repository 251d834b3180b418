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
