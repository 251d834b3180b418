"""Stale, future-dated, undated and duplicate reports are detected (the policy decides)."""

from __future__ import annotations

import datetime

import pytest

from gatekeeper.integrity import ProblemKind, duplicate_reports, stale_reports
from gatekeeper.model import Report
from gatekeeper.sources import load_report
from tests.conftest import REPORTS

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)


def report(source: str, tool: str = "trivy", target: str | None = None,
           made: datetime.datetime | None = None) -> Report:
    return Report(source=source, tool=tool, format=tool, findings=(), target=target, generated_at=made)


def test_trivy_and_sarif_reports_carry_their_time() -> None:
    trivy = load_report(str(REPORTS / "trivy-fs.json"))
    assert trivy.generated_at == datetime.datetime(2026, 11, 26, 12, 34, 23, 719036, tzinfo=UTC)
    assert load_report(str(REPORTS / "gitleaks.json")).generated_at is None


def test_unparseable_report_time_is_a_format_error() -> None:
    from gatekeeper.adapters import ReportFormatError, parse_document

    doc = {"SchemaVersion": 2, "ArtifactName": ".", "CreatedAt": "yesterday", "Results": []}
    with pytest.raises(ReportFormatError, match=r"^t.json: CreatedAt: not an RFC 3339 time"):
        parse_document(doc, "t.json")


def test_sarif_log_is_as_old_as_its_oldest_run() -> None:
    from gatekeeper.adapters import parse_document

    def run(end: str) -> dict[str, object]:
        return {"tool": {"driver": {"name": "x"}}, "results": [],
                "invocations": [{"executionSuccessful": True, "endTimeUtc": end}]}

    doc = {"version": "2.1.0", "runs": [run("2026-11-20T00:00:00Z"), run("2026-11-01T08:00:00Z")]}
    assert parse_document(doc, "s.sarif").generated_at == datetime.datetime(2026, 11, 1, 8, tzinfo=UTC)


def test_stale_future_and_undated_reports() -> None:
    reports = [
        report("fresh.json", made=NOW - DAY),
        report("old.json", made=NOW - 10 * DAY),
        report("ahead.json", made=NOW + DAY),
        report("skew.json", made=NOW + datetime.timedelta(minutes=1)),
        report("leaks.json", tool="gitleaks"),
    ]
    problems = stale_reports(reports, 7 * DAY, NOW)
    assert [(p.kind, p.sources) for p in problems] == [
        (ProblemKind.STALE, ("old.json",)),
        (ProblemKind.FUTURE, ("ahead.json",)),
        (ProblemKind.UNDATED, ("leaks.json",)),
    ]
    assert problems[0].message.startswith("old.json: the trivy report was made 10 days 0 hours ago")
    assert all(p.message.startswith(p.sources[0] + ": ") for p in problems)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        stale_reports([], DAY, datetime.datetime(2026, 1, 1))


def test_duplicates_same_tool_same_target() -> None:
    reports = [
        report("a/trivy.json", target="registry.example/app@sha256:" + "a" * 64),
        report("b/trivy.json", target="registry.example/app@sha256:" + "b" * 64),
        report("c/trivy.json", target="registry.example/other"),
        report("grype.sarif", tool="grype", target="registry.example/app"),
    ]
    [problem] = duplicate_reports(reports)
    assert problem.kind is ProblemKind.DUPLICATE
    assert problem.sources == ("a/trivy.json", "b/trivy.json")
    assert "2 trivy reports of the same target 'registry.example/app'" in problem.message


def test_same_file_twice_is_one_problem_and_targetless_reports_are_not_duplicates() -> None:
    reports = [
        report("trivy.json", target="."),
        report("trivy.json", target="."),
        report("api/hadolint.json", tool="hadolint"),
        report("web/hadolint.json", tool="hadolint"),
    ]
    [problem] = duplicate_reports(reports)
    assert problem.sources == ("trivy.json", "trivy.json")
    assert "the same report was given 2 times" in problem.message


def test_scans_of_two_folders_both_named_dot_are_not_duplicates() -> None:
    # `trivy fs .` names its target "." wherever it runs: only shared findings make two such
    # reports one scan (a stale copy and the latest run); two folders' scans are two scans.
    from gatekeeper.model import Finding, Kind, Severity

    def scan(source: str, *prints: str) -> Report:
        found = tuple(Finding("trivy", Kind.SECRET, "r", "t", Severity.HIGH, fingerprint=p) for p in prints)
        return Report(source=source, tool="trivy", format="trivy", findings=found, target=".")

    assert duplicate_reports([scan("api/trivy.json", "a1", "a2"), scan("web/trivy.json", "w1")]) == []
    [problem] = duplicate_reports([scan("old/trivy.json", "a1", "a2"), scan("new/trivy.json", "a1")])
    assert "2 trivy reports of the same target '.'" in problem.message
