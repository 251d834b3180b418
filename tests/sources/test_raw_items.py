"""Raw items of report files are read again when wanted, not kept (``model.RawRef``).

Keeping every finding's raw item kept each decoded report alive to the end of the gate;
a file's findings now point back into the file, which is read again on first use.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from gatekeeper.gate import load_reports
from gatekeeper.model import RawRef
from gatekeeper.sources import SourceError, load_report
from gatekeeper.sources import files
from tests.conftest import REPORTS


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(REPORTS / name, target)
    return target


def test_a_files_raw_items_are_read_again_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy(tmp_path, "trivy-fs.json")
    kept = load_report(str(path), keep_raw=True)
    report = load_report(str(path))
    assert all(type(f.raw) is RawRef for f in report.findings)
    reads = []
    real = files._load_report
    monkeypatch.setattr(files, "_load_report", lambda *a: reads.append(a) or real(*a))
    assert [dict(f.raw) for f in report.findings] == [dict(f.raw) for f in kept.findings]
    assert len(reads) == 1  # one reading for all of the report's findings
    assert report.findings and report.findings[-1].raw == kept.findings[-1].raw
    assert report.findings[0].raw.get("ID", report.findings[0].raw.get("RuleID")) == report.findings[0].rule_id


def test_secrets_stay_redacted_when_read_again(tmp_path: Path) -> None:
    path = _copy(tmp_path, "gitleaks.json")
    planted = (REPORTS.parent / "planted_secrets.txt").read_text().split()
    report = load_report(str(path))
    text = repr(report.findings) + repr([f.raw for f in report.findings])  # repr reads nothing
    assert "read again when used" in text
    text += repr([dict(f.raw) for f in report.findings])
    assert report.findings and all(f.raw["Secret"] == "[REDACTED]" for f in report.findings)
    assert not [s for s in planted if s in text]


def test_a_changed_file_gives_no_raw_item(tmp_path: Path) -> None:
    path = _copy(tmp_path, "hadolint.json")
    report = load_report(str(path))
    doc = json.loads(path.read_bytes())
    doc.reverse()
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError, match="changed since it was read"):
        report.findings[0].raw["code"]


def test_a_same_size_edit_is_seen_by_the_findings(tmp_path: Path) -> None:
    path = _copy(tmp_path, "hadolint.json")
    report = load_report(str(path))
    before = path.stat()
    text = path.read_text()
    first = json.loads(text)[0]["code"]
    assert len(first) == len("DL0000")
    path.write_text(text.replace(f'"{first}"', '"DL0000"', 1))
    # The same file, size and time: only the findings read again tell the difference.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    with pytest.raises(SourceError, match="changed since it was read"):
        dict(report.findings[0].raw)


def test_standard_input_keeps_its_raw_items() -> None:
    data = (REPORTS / "hadolint.json").read_bytes()
    report = load_report("-", stdin=io.BytesIO(data))
    assert report.findings and all(type(f.raw) is dict for f in report.findings)


def test_the_largest_report_is_read_first_and_the_last_keeps_its_items(tmp_path: Path) -> None:
    small, large = _copy(tmp_path, "hadolint.json"), _copy(tmp_path, "trivy-fs.json")
    assert small.stat().st_size < large.stat().st_size
    reports = load_reports((str(small), str(large)), None)
    assert [r.source for r in reports] == [str(small), str(large)]  # the order given
    assert all(type(f.raw) is dict for f in reports[0].findings)  # read last
    assert all(type(f.raw) is RawRef for f in reports[1].findings)


def test_errors_are_listed_in_the_order_given(tmp_path: Path) -> None:
    from gatekeeper.gate import GateError

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("{")
    second.write_text("[" * 10 + "x")
    with pytest.raises(GateError) as caught:
        load_reports((str(first), str(second)), None)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(str(first)) and lines[1].startswith(str(second))


def test_equal_texts_of_a_files_findings_become_one_object(tmp_path: Path) -> None:
    item = json.loads((REPORTS / "hadolint.json").read_bytes())[0]
    path = tmp_path / "hadolint.json"
    path.write_text(json.dumps([{**item, "line": n} for n in range(1, 4)]))
    report = load_report(str(path))
    first, second, third = report.findings
    assert first.message is second.message is third.message and first.links is third.links
    assert first.location != second.location
    assert report.findings == load_report(str(path), keep_raw=True).findings  # equal values


def test_raw_items_follow_the_calls_not_the_order_of_the_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An adapter may drop findings it made or order them: a finding's raw item is the one
    # given when it was made, found again by the order in which findings were made.
    from gatekeeper import adapters
    from gatekeeper.adapters.hadolint import HadolintAdapter

    class Reordering(HadolintAdapter):
        def parse(self, doc, source, build=None):  # type: ignore[no-untyped-def]
            report = super().parse(doc, source, build)
            return dataclasses.replace(report, findings=report.findings[:0:-1])  # reversed, the first dropped

    monkeypatch.setitem(adapters._cache, "hadolint", Reordering())
    path = _copy(tmp_path, "hadolint.json")
    items = json.loads(path.read_bytes())
    report = load_report(str(path))
    assert len(items) > 2 and all(type(f.raw) is RawRef for f in report.findings)
    assert [dict(f.raw) for f in report.findings] == items[:0:-1]


def test_raw_items_of_a_report_decoded_twice_are_read_again(tmp_path: Path) -> None:
    # An integer beyond 64 bits: orjson's document is refused, json's is read (files._load_report).
    item = {"code": "DL3007", "column": 1, "file": "Dockerfile", "level": "warning", "line": 2, "message": "x" * 100}
    items = [dict(item, line=n) for n in range(1, 1000)] + [dict(item, line=123456789012345678901234567890)]
    path = tmp_path / "hadolint.json"
    path.write_text(json.dumps(items))
    report = load_report(str(path))
    assert type(report.findings[-1].raw) is RawRef
    assert [dict(f.raw) for f in report.findings] == items


def test_a_slim_finding_is_the_finding_the_adapter_asked_for() -> None:
    from gatekeeper.model import Cvss, Finding, Kind, Severity

    build = files._slim(files._ReadAgain("x.json", None, (0,)))
    minimal = {"tool": "t", "kind": Kind.LINT, "rule_id": "r", "title": "t", "severity": Severity.LOW}
    assert build(**minimal) == Finding(**minimal)  # Finding's own defaults
    full = dict(minimal, title="title", message="m", tool_severity="low", links=("https://x",), cvss=(Cvss(5.0),), raw={"k": 1})
    again = dict(full, title="".join(["ti", "tle"]), links=tuple(["https://x"]))
    assert again["title"] is not full["title"] and again["links"] is not full["links"]
    first, second = build(**full), build(**again)
    assert first == second == Finding(**full) and first.links is second.links and first.title is second.title
    # Every call counts, with a raw item or without: the third call made the second finding.
    assert type(first.raw) is RawRef and "raw item 1 of" in repr(first.raw) and "raw item 2 of" in repr(second.raw)
