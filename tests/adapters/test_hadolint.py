"""hadolint adapter: levels, DL/SC codes, DL1000, strictness, corpus."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.hadolint import HadolintAdapter
from gatekeeper.model import FixState, Kind, Severity
from tests.conftest import REPORTS, corpus_params, require_shared

SRC = "hl.json"


def item(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "file": "Dockerfile",
        "line": 9,
        "column": 1,
        "level": "warning",
        "code": "DL3008",
        "message": "Pin versions in apt get install.",
    }
    base.update(changes)
    return base


def parse(doc: Any, source: str = SRC):
    return HadolintAdapter().parse(doc, source)


# --- (a) variants and edge cases ---------------------------------------------------------


def test_item_maps_to_a_lint_finding():
    report = parse([item()])
    assert report.tool == "hadolint" and report.format == "hadolint"
    assert report.tool_version is None and report.categories == frozenset({"dockerfile"})
    assert report.warnings == () and report.gaps == ()
    (f,) = report.findings
    assert f.tool == "hadolint" and f.kind is Kind.LINT and f.rule_id == "DL3008"
    assert f.severity is Severity.MEDIUM and f.tool_severity == "warning"
    # The code is the rule id, not repeated in the title (hadolint SARIF reads the same way).
    assert f.title == "Pin versions in apt get install."
    assert f.message == "Pin versions in apt get install."
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("Dockerfile", 9, 9)
    assert f.fix is FixState.NOT_APPLICABLE and f.package is None
    assert f.links == ("https://github.com/hadolint/hadolint/wiki/DL3008",)
    assert f.raw == item()


@pytest.mark.parametrize(
    ("level", "severity"),
    [("error", Severity.HIGH), ("warning", Severity.MEDIUM), ("info", Severity.LOW), ("style", Severity.INFO)],
)
def test_level_table(level, severity):
    (f,) = parse([item(level=level)]).findings
    assert f.severity is severity and f.tool_severity == level


def test_shellcheck_code_is_lint_with_shellcheck_link():
    (f,) = parse([item(code="SC2086", level="info", message="Double quote to prevent globbing.")]).findings
    assert f.kind is Kind.LINT and f.rule_id == "SC2086"
    assert f.links == ("https://www.shellcheck.net/wiki/SC2086",)


def test_dl1000_parse_error_is_a_high_finding():
    # hadolint prints a Dockerfile it cannot parse as DL1000 at level error.
    msg = "unexpected 'F' expecting '#', ADD, ARG, CMD, COPY, ENTRYPOINT, ..."
    (f,) = parse([item(code="DL1000", level="error", line=1, message=msg)]).findings
    assert f.severity is Severity.HIGH and f.rule_id == "DL1000"


def test_unknown_code_is_accepted_with_a_warning():
    report = parse([item(code="XX1")])
    assert report.findings[0].links == ()
    assert report.warnings == ("rule code 'XX1' is neither a hadolint DLxxxx nor a ShellCheck SCxxxx code",)


def test_long_multiline_message_gives_a_short_one_line_title():
    message = "x" * 300 + "\nsecond line"
    (f,) = parse([item(message=message)]).findings
    assert "\n" not in f.title and len(f.title) <= 120
    assert f.message == message


def test_windows_paths_are_kept_as_printed():
    (f,) = parse([item(file="django-DefectDojo\\Dockerfile.django")]).findings
    assert f.location.path == "django-DefectDojo\\Dockerfile.django"


def test_clean_report():
    report = parse([])
    assert report.findings == () and report.categories == frozenset({"dockerfile"})


def test_fingerprint_identifies_rule_file_and_line_only():
    a = parse([item()]).findings[0]
    b = parse([item(level="error", message="reworded", column=3)], "other-run.json").findings[0]
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 32
    for change in ({"line": 10}, {"file": "Dockerfile.dev"}, {"code": "DL3009"}):
        assert parse([item(**change)]).findings[0].fingerprint != a.fingerprint


# --- sniff -----------------------------------------------------------------------------------


def test_sniff_accepts():
    assert HadolintAdapter.sniff([item()])


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"runs": []},
        [{"code": "DL3008", "level": "warning", "file": "Dockerfile"}],
        [{"RuleID": "r", "Secret": "s", "File": "f", "StartLine": 1}],
        [{"rule": "r", "offender": "o", "file": "f", "line": "x"}],
        [{"name": "flask", "version": "0.5", "vulns": []}],
        {"dependencies": []},
        [{"Target": "img", "Vulnerabilities": []}],
    ],
    ids=["null", "empty", "sarif", "no-line", "gitleaks8", "gitleaks7", "pip-audit-list",
         "pip-audit-dict", "trivy-legacy"],
)  # fmt: skip
def test_sniff_rejects(doc):
    assert not HadolintAdapter.sniff(doc)


# --- (b) bad documents -----------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in item().items() if k != key}


BAD = [
    ({"results": []}, r"^hl\.json: \$: expected a list, got an object$"),
    (None, r"^hl\.json: \$: expected a list, got null$"),
    ("x", r"^hl\.json: \$: expected a list, got a string$"),
    (["DL3008"], r"^hl\.json: \$\[0\]: expected an object, got a string$"),
    ([_without("file")], r"^hl\.json: \$\[0\]\.file: missing$"),
    ([_without("line")], r"^hl\.json: \$\[0\]\.line: missing$"),
    ([_without("column")], r"^hl\.json: \$\[0\]\.column: missing$"),
    ([_without("level")], r"^hl\.json: \$\[0\]\.level: missing$"),
    ([_without("code")], r"^hl\.json: \$\[0\]\.code: missing$"),
    ([_without("message")], r"^hl\.json: \$\[0\]\.message: missing$"),
    ([item(line="9")], r"\$\[0\]\.line: expected an integer, got a string"),
    ([item(line=9.5)], r"\$\[0\]\.line: expected an integer, got a number"),
    ([item(column=None)], r"\$\[0\]\.column: expected an integer, got null"),
    ([item(level=3)], r"\$\[0\]\.level: expected a string, got a number"),
    ([item(), item(code=None)], r"\$\[1\]\.code: expected a string, got null"),
    ([item(level="fatal")], r"\$\[0\]\.level: unknown level 'fatal' \(expected one of: error, warning, info, style\)"),
    ([item(level="Warning")], r"\$\[0\]\.level: unknown level 'Warning'"),
    ([item(level="ignore")], r"\$\[0\]\.level: unknown level 'ignore'"),
    ([{"RuleID": "r", "Secret": "s", "File": "f"}], r"\$\[0\]\.file: missing"),
    ([{"name": "flask", "version": "0.5", "vulns": []}], r"\$\[0\]\.file: missing"),
    ({"dependencies": []}, r"\$: expected a list, got an object"),
    ({"version": "2.1.0", "runs": []}, r"^hl\.json: \$: a SARIF log, not hadolint JSON"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents_are_rejected(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# --- (c) corpus conformance ------------------------------------------------------------------

# Per file: number of list items (`jq length FILE`) and severity counts from the levels
# (`jq -r '[.[].level] | group_by(.) | map("\(.[0])=\(length)")' FILE`):
#   many_dockerfile: warning=9 info=3; one_dockerfile: warning=3 info=1.
CORPUS_EXPECTED: dict[str, dict[Severity, int]] = {
    "defectdojo-many_dockerfile.json": {Severity.MEDIUM: 9, Severity.LOW: 3},
    "defectdojo-one_dockerfile.json": {Severity.MEDIUM: 3, Severity.LOW: 1},
}


@pytest.mark.parametrize("path", corpus_params("hadolint"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
    assert path is not None
    assert path.name in CORPUS_EXPECTED, f"new corpus file {path.name}: add its expected counts"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, str(path))
    expected = CORPUS_EXPECTED[path.name]
    assert len(report.findings) == sum(expected.values())
    assert collections.Counter(f.severity for f in report.findings) == expected
    assert all(f.kind is Kind.LINT and f.rule_id.startswith("DL") for f in report.findings)
    assert report.warnings == ()
    assert detect(doc, str(path)) == "hadolint"


# --- (d) real-scanner fixtures -----------------------------------------------------------------

_LEVEL_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "info": Severity.LOW, "style": Severity.INFO}


def _fixture_params() -> list[object]:
    files = sorted(REPORTS.glob("*hadolint*.json")) if REPORTS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-fixtures-yet")]


@pytest.mark.parametrize("path", _fixture_params())
def test_fixture_reports(path: Path | None):
    assert path is not None, f"no hadolint reports in {REPORTS} yet"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, str(path))
    # Counted from the file: one finding per item, severity from each item's level word.
    expected = collections.Counter(_LEVEL_SEVERITY[i["level"]] for i in doc)
    assert collections.Counter(f.severity for f in report.findings) == expected
    if doc:
        assert detect(doc, str(path)) == "hadolint"
