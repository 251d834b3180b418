"""Reading report files: every way a file can be unusable is an error naming the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gatekeeper.sources import SourceError, expand_paths, read_document


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"x.json: the report is empty"),
        (b"  \n\t", r"x.json: the report is empty"),
        (b'{"SchemaVersion": 2, "Results": [', r"x.json: invalid JSON at line 1 column \d+: truncated"),
        (b'{"a": 1,}', r"x.json: invalid JSON at line 1 column 9"),
        (b'{"a": "\xff\xfe"}', r"x.json: not valid UTF-8 \(byte 7\)"),
        (b"[" * 100000 + b"]" * 100000, r"x.json: JSON nested too deeply"),
        (b"NaNx", r"x.json: invalid JSON"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "x.json"
    p.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_document(str(p))


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_document(str(p)) == {"a": 1}


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope.json: no such file"):
        read_document(str(tmp_path / "nope.json"))
    with pytest.raises(SourceError, match=r"is a directory"):
        read_document(str(tmp_path))


def test_stdin() -> None:
    assert read_document("-", stdin=io.BytesIO(b"[1]")) == [1]
    with pytest.raises(SourceError, match=r"<stdin>: the report is empty"):
        read_document("-", stdin=io.BytesIO(b""))


def test_directory_expands_to_sorted_reports_only(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("[]")
    (tmp_path / "a.sarif").write_text("{}")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.json").write_text("[]")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.json").write_text("[]")
    got = [Path(p).relative_to(tmp_path).as_posix() for p in expand_paths([str(tmp_path)])]
    assert got == ["a.sarif", "b.json", "sub/c.json"]


def test_directory_without_reports_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match=r"directory holds no report"):
        list(expand_paths([str(tmp_path)]))


def test_load_report_restores_the_garbage_collector(tmp_path: Path) -> None:
    import gc

    from gatekeeper.sources import load_report

    (tmp_path / "hadolint.json").write_text("[]")
    (tmp_path / "bad.json").write_text("{")
    assert gc.isenabled()
    load_report(str(tmp_path / "hadolint.json"))
    with pytest.raises(SourceError):
        load_report(str(tmp_path / "bad.json"))
    assert gc.isenabled()
    gc.disable()
    try:
        load_report(str(tmp_path / "hadolint.json"))
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
