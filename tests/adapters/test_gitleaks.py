"""gitleaks adapter: v8 and v7 JSON, secret redaction, fingerprints, strictness, corpus."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.gitleaks import GitleaksAdapter
from gatekeeper.model import FixState, Kind, Severity
from tests.conftest import FIXTURES, REPORTS, corpus_params, require_shared

SRC = "gl.json"
SECRET = "AKIAQWRR5IRGGAWJLI2L"
SECRET_LINE = f'aws_key = "{SECRET}"'


def v8(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "RuleID": "aws-access-token",
        "Description": "AWS Access Token",
        "StartLine": 12,
        "EndLine": 12,
        "StartColumn": 11,
        "EndColumn": 30,
        "Match": SECRET_LINE,
        "Secret": SECRET,
        "File": "config/settings.py",
        "SymlinkFile": "",
        "Commit": "abc123",
        "Entropy": 3.68,
        "Author": "Dev",
        "Email": "dev@example.com",
        "Date": "2024-01-01T00:00:00Z",
        "Message": "add settings",
        "Tags": ["key", "AWS"],
        "Fingerprint": "abc123:config/settings.py:aws-access-token:12",
    }
    item.update(changes)
    return item


def v7(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "line": SECRET_LINE,
        "lineNumber": 12,
        "offender": SECRET,
        "commit": "abc123",
        "repo": ".",
        "repoURL": "",
        "leakURL": "",
        "rule": "AWS Access Key",
        "commitMessage": "add settings\n",
        "author": "Dev",
        "email": "dev@example.com",
        "file": "config/settings.py",
        "date": "2024-01-01T00:00:00Z",
        "tags": "key, AWS",
    }
    item.update(changes)
    return item


def parse(doc: Any, source: str = SRC):
    return GitleaksAdapter().parse(doc, source)


def everything_printed(report) -> str:
    """All text a report could leak: finding reprs (raw is repr=False, so add it)."""
    return repr(report) + repr([f.raw for f in report.findings])


# --- (a) variants and edge cases ---------------------------------------------------------


def test_v8_item_maps_to_a_high_secret_finding():
    report = parse([v8()])
    assert report.tool == "gitleaks" and report.format == "gitleaks"
    assert report.tool_version is None and report.categories == frozenset({"secrets"})
    assert report.warnings == () and report.gaps == ()
    (f,) = report.findings
    assert f.tool == "gitleaks" and f.kind is Kind.SECRET
    assert f.severity is Severity.HIGH and f.tool_severity is None
    assert f.rule_id == "aws-access-token"
    assert f.title == "AWS Access Token secret in config/settings.py"
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("config/settings.py", 12, 12)
    assert f.fix is FixState.NOT_APPLICABLE and f.package is None
    assert "abc123" in f.message


def test_v8_empty_description_falls_back_to_rule_id_in_title():
    (f,) = parse([v8(Description="")]).findings
    assert f.title == "aws-access-token secret in config/settings.py"


def test_v8_multiline_location():
    (f,) = parse([v8(StartLine=1, EndLine=2)]).findings
    assert (f.location.start_line, f.location.end_line) == (1, 2)


def test_v8_link_becomes_a_link():
    url = "https://github.com/o/r/blob/abc123/config/settings.py#L12"
    (f,) = parse([v8(Link=url)]).findings
    assert f.links == (url,)


def test_v8_optional_keys_may_be_absent_or_null():
    item = v8(Tags=None, SymlinkFile=None, Entropy=None)
    for key in ("Author", "Email", "Date", "Message", "Fingerprint", "Description", "Commit"):
        del item[key]
    (f,) = parse([item]).findings
    assert f.title == "aws-access-token secret in config/settings.py"


def test_v7_item_maps_to_a_high_secret_finding():
    (f,) = parse([v7()]).findings
    assert f.kind is Kind.SECRET and f.severity is Severity.HIGH and f.tool_severity is None
    assert f.rule_id == "AWS Access Key"
    assert f.title == "AWS Access Key secret in config/settings.py"
    assert (f.location.path, f.location.start_line) == ("config/settings.py", 12)


def test_v7_without_line_number_has_no_line():
    item = v7()
    del item["lineNumber"], item["repoURL"], item["leakURL"]
    (f,) = parse([item]).findings
    assert f.location.start_line is None and f.location.end_line is None


def test_v7_leak_url_becomes_a_link():
    (f,) = parse([v7(leakURL="https://example.com/leak")]).findings
    assert f.links == ("https://example.com/leak",)


@pytest.mark.parametrize("doc", [None, []], ids=["v7-null", "v8-empty-list"])
def test_clean_reports(doc):
    report = parse(doc)
    assert report.findings == () and report.warnings == ()
    assert report.categories == frozenset({"secrets"})


# --- secrets never leak -------------------------------------------------------------------


@pytest.mark.parametrize("item", [v8(), v7(), v8(Line=f"  {SECRET_LINE}  # ok")], ids=["v8", "v7", "v8-Line"])
def test_secret_appears_nowhere(item):
    report = parse([item])
    assert SECRET not in everything_printed(report)
    assert SECRET_LINE not in everything_printed(report)


def test_raw_is_a_redacted_copy_and_the_input_is_untouched():
    item = v8()
    before = copy.deepcopy(item)
    (f,) = parse([item]).findings
    assert item == before
    assert f.raw["Secret"] == "[REDACTED]" and f.raw["Match"] == "[REDACTED]"
    assert f.raw["File"] == "config/settings.py" and f.raw["RuleID"] == "aws-access-token"
    (g,) = parse([v7()]).findings
    assert g.raw["offender"] == "[REDACTED]" and g.raw["line"] == "[REDACTED]"
    assert g.raw["rule"] == "AWS Access Key"


def test_values_redacted_by_gitleaks_are_still_redacted():
    # `gitleaks --redact` prints "REDACTED", and the rest of the line stays visible.
    (f,) = parse([v8(Secret="REDACTED", Match='aws_key = "REDACTED" # prod')]).findings
    assert f.raw["Secret"] == "[REDACTED]" and f.raw["Match"] == "[REDACTED]"
    assert "# prod" not in everything_printed(parse([v8(Match='k = "REDACTED" # prod')]))


def test_template_extra_keys_are_warned_about_and_redacted():
    report = parse([v8(Line=SECRET_LINE, Custom="whatever")])
    (warning,) = report.warnings
    assert "Custom, Line" in warning and "--report-template" in warning
    (f,) = report.findings
    assert f.raw["Line"] == "[REDACTED]" and f.raw["Custom"] == "[REDACTED]"


def test_fragment_is_redacted():
    (f,) = parse([v8(Fragment={"Raw": SECRET_LINE})]).findings
    assert f.raw["Fragment"] == "[REDACTED]"


# --- fingerprints ----------------------------------------------------------------------------


def test_fingerprint_ignores_secret_author_date_and_message():
    a = parse([v8()]).findings[0]
    b = parse([v8(Secret="other", Match="other", Author="x", Date="y", Message="z", Entropy=1)]).findings[0]
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 32


def test_composed_fingerprint_equals_gitleaks_own():
    # gitleaks < 8.4 prints no Fingerprint, its golden prints "": both compose the same value.
    own = parse([v8()]).findings[0]
    absent = v8()
    del absent["Fingerprint"]
    assert parse([absent]).findings[0].fingerprint == own.fingerprint
    assert parse([v8(Fingerprint="")]).findings[0].fingerprint == own.fingerprint


def test_fingerprint_without_git_uses_file_rule_line():
    no_git = v8(Commit="", Fingerprint="config/settings.py:aws-access-token:12")
    composed = v8(Commit="", Fingerprint="")
    assert parse([no_git]).findings[0].fingerprint == parse([composed]).findings[0].fingerprint


@pytest.mark.parametrize(
    "change",
    [{"StartLine": 13, "Fingerprint": ""}, {"File": "other.py", "Fingerprint": ""},
     {"RuleID": "generic-api-key", "Fingerprint": ""}, {"Commit": "def456", "Fingerprint": ""}],
)  # fmt: skip
def test_fingerprint_changes_with_what_identifies_the_leak(change):
    assert parse([v8(**change)]).findings[0].fingerprint != parse([v8()]).findings[0].fingerprint


def test_v7_fingerprint_is_stable_across_reports():
    a = parse([v7(), v7(rule="Other", offender="x")]).findings[0]
    b = parse([v7(offender="rotated", author="someone else", date="later")]).findings[0]
    assert a.fingerprint == b.fingerprint


# --- sniff -----------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [[v8()], [v7()], [{"RuleID": "r", "Match": "m"}]], ids=["v8", "v7", "v8-min"])
def test_sniff_accepts(doc):
    assert GitleaksAdapter.sniff(doc)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"runs": []},
        [{"RuleID": "r"}],
        [{"rule": "r", "file": "f"}],
        [{"file": "Dockerfile", "line": 1, "column": 1, "level": "info", "code": "DL3008", "message": "m"}],
        [{"name": "flask", "version": "0.5", "vulns": []}],
        {"dependencies": []},
        [{"Target": "img", "Vulnerabilities": []}],
        [1],
    ],
    ids=["null", "empty", "sarif", "ruleid-only", "v7-no-offender", "hadolint", "pip-audit-list",
         "pip-audit-dict", "trivy-legacy", "not-objects"],
)  # fmt: skip
def test_sniff_rejects(doc):
    assert not GitleaksAdapter.sniff(doc)


# --- (b) bad documents -----------------------------------------------------------------------

HADOLINT_DOC = [{"file": "Dockerfile", "line": 1, "column": 1, "level": "info", "code": "DL3008", "message": "m"}]
SARIF_DOC = {"version": "2.1.0", "runs": []}


def _without(item: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != key}


BAD = [
    ({"findings": []}, r"^gl\.json: \$: expected a list, got an object$"),
    ("[]", r"^gl\.json: \$: expected a list, got a string$"),
    (0, r"^gl\.json: \$: expected a list, got a number$"),
    ([1], r"^gl\.json: \$\[0\]: expected an object, got a number$"),
    ([v8(), None], r"^gl\.json: \$\[1\]: expected an object, got null$"),
    ([{"foo": 1}], r"^gl\.json: \$\[0\]: not a gitleaks finding"),
    ([_without(v8(), "File")], r"^gl\.json: \$\[0\]\.File: missing$"),
    ([_without(v8(), "StartLine")], r"^gl\.json: \$\[0\]\.StartLine: missing$"),
    ([_without(v8(), "Secret")], r"^gl\.json: \$\[0\]\.Secret: missing$"),
    ([v8(File=None)], r"\$\[0\]\.File: expected a string, got null"),
    ([v8(StartLine="12")], r"\$\[0\]\.StartLine: expected an integer, got a string"),
    ([v8(EndColumn=True)], r"\$\[0\]\.EndColumn: expected an integer, got a boolean"),
    ([v8(Secret=None)], r"\$\[0\]\.Secret: expected a string, got null"),
    ([v8(Tags="key, AWS")], r"\$\[0\]\.Tags: expected a list, got a string"),
    ([v8(Tags=[1])], r"\$\[0\]\.Tags\[0\]: expected a string, got a number"),
    ([v8(Entropy="high")], r"\$\[0\]\.Entropy: expected a number, got a string"),
    ([v8(Fingerprint=7)], r"\$\[0\]\.Fingerprint: expected a string, got a number"),
    ([v8(), v8(RuleID=None)], r"\$\[1\]\.RuleID: expected a string, got null"),
    ([_without(v7(), "file")], r"^gl\.json: \$\[0\]\.file: missing$"),
    ([v7(lineNumber="12")], r"\$\[0\]\.lineNumber: expected an integer, got a string"),
    ([v7(tags=["key"])], r"\$\[0\]\.tags: expected a string, got a list"),
    ([v8(), v7()], r"\$\[1\]: mixes gitleaks v7 keys into a v8 report"),
    ([v7(), v8()], r"\$\[1\]: mixes gitleaks v8 keys into a v7 report"),
    (HADOLINT_DOC, r"\$\[0\]: not a gitleaks finding"),
    ([{"name": "flask", "version": "0.5", "vulns": []}], r"\$\[0\]: not a gitleaks finding"),
    ({"dependencies": []}, r"\$: expected a list, got an object"),
    (SARIF_DOC, r"^gl\.json: \$: a SARIF log, not gitleaks JSON: read it with --format sarif$"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_documents_are_rejected(doc, message):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# --- (c) corpus conformance ------------------------------------------------------------------

# Finding count per accepted corpus file, derived from the file alone with
# `jq 'if . == null then 0 else length end' FILE` (one finding per list item); every one is
# HIGH because gitleaks rates nothing. Variant from the keys of the first item (PROVENANCE.md).
CORPUS_EXPECTED: dict[str, tuple[int, str]] = {
    "defectdojo-data_many.json": (2, "v7"),
    "defectdojo-data_one.json": (1, "v7"),
    "defectdojo-gitleaks8_many.json": (4, "v8"),
    "defectdojo-issue4336.json": (1, "v7"),
    "defectdojo-no_findings.json": (0, "v7"),  # literal null
    "defectdojo-redacted_data_many.json": (6, "v7"),
    "defectdojo-version_7.5.0.json": (8, "v7"),
    "gitleaks-baseline-baseline.json": (2, "v8"),
    "gitleaks-expected-report-empty.json": (0, "v8"),  # literal []
    "gitleaks-expected-report-json_simple.json": (1, "v8"),
    "gitleaks-expected-report-template_jsonextra.json": (1, "v8"),  # custom template, extra "Line"
}
# SARIF logs in the folder belong to the SARIF adapter: this one must refuse them by name.
CORPUS_REJECTED: dict[str, str] = {
    "gitleaks-baseline-baseline.sarif": "a SARIF log, not gitleaks JSON",
    "gitleaks-expected-report-sarif_simple.sarif": "a SARIF log, not gitleaks JSON",
}
# The only file whose items carry keys the JSON reporter never prints.
CORPUS_WARNED = {"gitleaks-expected-report-template_jsonextra.json": "(Line)"}
SECRET_KEYS = ("Secret", "Match", "Line", "offender", "line")


def _secret_values(doc: Any) -> set[str]:
    # "REDACTED" is what gitleaks --redact prints and is a substring of our own marker.
    values = {item[k] for item in doc or [] for k in SECRET_KEYS if isinstance(item.get(k), str)}
    return {v for v in values if v and v != "REDACTED"}


@pytest.mark.parametrize("path", corpus_params("gitleaks"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
    assert path is not None
    doc = json.loads(path.read_text(encoding="utf-8"))
    if path.name in CORPUS_REJECTED:
        with pytest.raises(ReportFormatError, match=f"^{path}: .*{CORPUS_REJECTED[path.name]}"):
            parse(doc, str(path))
        return
    assert path.name in CORPUS_EXPECTED, f"new corpus file {path.name}: add its expected count"
    count, variant = CORPUS_EXPECTED[path.name]
    report = parse(doc, str(path))
    assert len(report.findings) == count
    assert all(f.severity is Severity.HIGH and f.kind is Kind.SECRET for f in report.findings)
    expected_rule_key = "RuleID" if variant == "v8" else "rule"
    assert [f.rule_id for f in report.findings] == [item[expected_rule_key] for item in doc or []]
    assert [f.location.path for f in report.findings] == [
        item["File" if variant == "v8" else "file"] for item in doc or []
    ]
    printed = everything_printed(report)
    for value in _secret_values(doc):
        assert value not in printed
    if path.name in CORPUS_WARNED:
        assert len(report.warnings) == 1 and CORPUS_WARNED[path.name] in report.warnings[0]
    else:
        assert report.warnings == ()
    if count:
        assert detect(doc, str(path)) == "gitleaks"


def test_corpus_baseline_keeps_gitleaks_fingerprints_distinct():
    require_shared()
    from tests.conftest import CORPUS

    doc = json.loads((CORPUS / "gitleaks" / "gitleaks-baseline-baseline.json").read_text())
    report = parse(doc)
    # Two leaks on lines 32 and 33 of one file: distinct gitleaks Fingerprints, distinct ours.
    assert len({f.fingerprint for f in report.findings}) == 2


# --- (d) real-scanner fixtures -----------------------------------------------------------------


def _fixture_params() -> list[object]:
    files = sorted(REPORTS.glob("*gitleaks*.json")) if REPORTS.is_dir() else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-fixtures-yet")]


@pytest.mark.parametrize("path", _fixture_params())
def test_fixture_reports(path: Path | None):
    assert path is not None, f"no gitleaks reports in {REPORTS} yet"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = parse(doc, str(path))
    # One finding per list item (`jq length`), counted here independently of the adapter.
    assert len(report.findings) == (len(doc) if doc else 0)
    printed = everything_printed(report)
    planted = FIXTURES / "planted_secrets.txt"
    secrets = _secret_values(doc)
    if planted.is_file():
        secrets |= {s for s in planted.read_text().split() if len(s) >= 8}
    for value in secrets:
        assert value not in printed
