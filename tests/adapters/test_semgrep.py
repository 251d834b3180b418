"""Semgrep adapter: results, severities, kinds, errors as coverage gaps, no matched secret, corpus."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.semgrep import SemgrepAdapter
from gatekeeper.model import Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, FIXTURES, REPORTS, corpus_params, require_shared

SRC = "semgrep.json"
SECRET = "AKIAQWRR5IRGGAWJLI2L"


def parse(doc: Any, source: str = SRC):
    return SemgrepAdapter().parse(doc, source)


def result(**extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "check_id": "python.django.security.audit.debug-enabled",
        "path": "app/settings.py",
        "start": {"line": 6, "col": 1, "offset": 80},
        "end": {"line": 7, "col": 13, "offset": 92},
        "extra": {
            "severity": "WARNING",
            "message": "DEBUG is enabled.",
            "lines": "DEBUG = True",
            "metadata": {
                "category": "security",
                "subcategory": ["audit"],
                "cwe": ["CWE-489: Active Debug Code"],
                "references": ["https://docs.djangoproject.com/en/stable/ref/settings/#debug"],
                "source": "https://semgrep.dev/r/python.django.security.audit.debug-enabled",
            },
            "is_ignored": False,
        },
    }
    item["extra"].update(extra)
    return item


def report(*results: dict[str, Any], errors: list[Any] | None = None) -> dict[str, Any]:
    return {"version": "1.30.0", "results": list(results), "errors": errors or [], "paths": {"scanned": []}}


def test_a_result_is_a_code_issue_with_its_rule_location_and_cwe():
    (f,) = parse(report(result())).findings
    assert (f.tool, f.kind, f.rule_id) == ("semgrep", Kind.CODE_ISSUE, "python.django.security.audit.debug-enabled")
    assert (f.severity, f.tool_severity, f.tool_version) == (Severity.MEDIUM, "WARNING", "1.30.0")
    assert (f.location.path, f.location.start_line, f.location.end_line) == ("app/settings.py", 6, 7)
    assert f.title == "debug-enabled: DEBUG is enabled."
    assert f.message == "DEBUG is enabled."
    assert f.identifiers == ("CWE-489",)
    assert f.links[0] == "https://semgrep.dev/r/python.django.security.audit.debug-enabled"
    assert f.suppression is None


@pytest.mark.parametrize(
    ("word", "severity"),
    [("CRITICAL", Severity.CRITICAL), ("ERROR", Severity.HIGH), ("HIGH", Severity.HIGH),
     ("WARNING", Severity.MEDIUM), ("MEDIUM", Severity.MEDIUM), ("INFO", Severity.LOW), ("LOW", Severity.LOW)],
)  # fmt: skip
def test_severity_words_old_and_new(word: str, severity: Severity):
    (f,) = parse(report(result(severity=word))).findings
    assert (f.severity, f.tool_severity) == (severity, word)


def test_an_unknown_severity_word_is_unknown_and_named():
    r = parse(report(result(severity="INVENTORY")))
    assert r.findings[0].severity is Severity.UNKNOWN
    assert "INVENTORY" in r.warnings[0]


def test_cwe_as_a_string_and_no_cwe():
    meta = {"cwe": "CWE-352: Cross-Site Request Forgery (CSRF)"}
    assert parse(report(result(metadata=meta))).findings[0].identifiers == ("CWE-352",)
    assert parse(report(result(metadata={}))).findings[0].identifiers == ()


def test_the_fingerprint_is_rule_path_and_lines_not_the_matched_text():
    a, b, c = (parse(report(item)).findings[0] for item in (
        result(lines="requires login", fingerprint="requires login"),
        result(lines="DEBUG = True", fingerprint="abc"),
        {**result(), "start": {"line": 9, "col": 1}},
    ))  # fmt: skip
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_nosemgrep_is_a_suppression():
    assert parse(report(result(is_ignored=True))).findings[0].suppression.kind == "inSource"


@pytest.mark.parametrize(
    ("rule", "metadata"),
    [
        ("generic.secrets.security.detected-aws-access-key-id-value.detected-aws-access-key-id-value", {}),
        ("my.rules.aws-key", {"technology": ["secrets", "aws"]}),
        ("my.rules.aws-key", {"product": "secrets"}),
        ("javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret", {}),
        ("my.rules.token", {"cwe": "CWE-798: Use of Hard-coded Credentials"}),
    ],
)
def test_rules_that_find_credentials_make_secrets(rule: str, metadata: dict[str, Any]):
    item = {**result(metadata=metadata), "check_id": rule}
    assert parse(report(item)).findings[0].kind is Kind.SECRET


@pytest.mark.parametrize(
    "rule", ["terraform.aws.security.aws-secretsmanager-encrypted-with-cmk", "python.lang.security.audit.eval-detected"]
)
def test_other_rules_are_code_issues(rule: str):
    item = {**result(metadata={"category": "security", "cwe": ["CWE-311"]}), "check_id": rule}
    assert parse(report(item)).findings[0].kind is Kind.CODE_ISSUE


def test_a_rule_s_metadata_is_read_once_but_never_lent_to_other_metadata():
    # Results of one rule share what its metadata says (read once per rule); a result of the
    # same rule id carrying other metadata (merged runs of two rule versions) is read again,
    # and a validation_state marks a secret whatever the metadata.
    plain = {**result(), "start": {"line": 1}, "end": {"line": 1}}
    again = {**result(), "start": {"line": 2}, "end": {"line": 2}}
    secret_meta = {**result(metadata={"technology": ["secrets"], "cwe": "CWE-798: x", "references": ["https://r.example/2"]}),
                   "start": {"line": 3}, "end": {"line": 3}}
    validated = {**result(validation_state="CONFIRMED_VALID"), "start": {"line": 4}, "end": {"line": 4}}
    a, b, c, d = parse(report(plain, again, secret_meta, validated)).findings
    assert (a.kind, b.kind, c.kind, d.kind) == (Kind.CODE_ISSUE, Kind.CODE_ISSUE, Kind.SECRET, Kind.SECRET)
    assert a.identifiers == b.identifiers == d.identifiers == ("CWE-489",) and c.identifiers == ("CWE-798",)
    assert c.links == ("https://r.example/2",) and a.links == b.links != c.links


def test_no_matched_text_in_the_finding():
    item = {
        **result(
            lines=f'AWS_ACCESS_KEY_ID = "{SECRET}"',
            message=f"Found AWS key {SECRET} in $X",
            metavars={"$KEY": {"abstract_content": f'"{SECRET}"', "start": {"line": 9}}},
            metadata={"technology": ["secrets"]},
        ),
        "check_id": "my.rules.aws-key",
    }
    original = copy.deepcopy(item)
    (f,) = parse(report(item)).findings
    assert f.kind is Kind.SECRET
    shown = json.dumps([f.title, f.message, f.fingerprint, f.identifiers, f.links, dict(f.raw)])
    assert SECRET not in shown
    assert f.raw["extra"]["lines"] == "[REDACTED]" and f.raw["extra"]["metavars"] == "[REDACTED]"
    assert item == original  # the document itself is not changed


def test_a_code_issue_keeps_its_message_but_not_its_matched_lines():
    (f,) = parse(report(result(lines="password = 'hunter2hunter2'"))).findings
    assert f.message == "DEBUG is enabled."
    assert f.raw["extra"]["lines"] == "[REDACTED]"


def test_errors_are_coverage_gaps_bounded():
    errors = [
        {"code": 3, "level": "warn", "type": ["PartialParsing", [{"path": "a.ts"}]],
         "message": "Syntax error at line a.ts:407:\n `& App Client` was unexpected", "path": "a.ts"},
        {"code": 3, "level": "warn", "type": "Syntax error", "message": "x" * 5000 + "\ncode line", "path": "b.ts"},
        {"code": 2, "level": "error", "type": "Timeout", "rule_id": "r.slow", "message": ""},
        {"code": 7, "level": "error", "type": "Rule parse error", "message": "Invalid rule schema"},
    ]  # fmt: skip
    r = parse(report(result(), errors=errors))
    assert len(r.findings) == 1
    assert [g.subject for g in r.gaps] == ["a.ts", "b.ts", "rule r.slow", "the Semgrep run"]
    assert r.gaps[0].reason == "Semgrep warn: PartialParsing: Syntax error at line a.ts:407:"
    assert all(len(g.reason) < 260 and "\n" not in g.reason for g in r.gaps)
    assert "code line" not in r.gaps[1].reason
    assert r.gaps[2].reason == "Semgrep error: Timeout"


def test_skipped_rules_are_gaps():
    doc = {**report(), "skipped_rules": [{"rule_id": "r.pro", "details": "needs Pro", "position": {"line": 1}}]}
    assert [(g.subject, g.reason) for g in parse(doc).gaps] == [("rule r.pro", "Semgrep skipped the rule: needs Pro")]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], r"expected a Semgrep report"),
        ({"results": []}, r"errors: missing"),
        (report({"check_id": "r", "path": "a", "start": {"line": 1}, "end": {"line": 1}}), r"results\[0\]\.extra: missing"),
        (report({**result(), "start": {"line": "1"}}), r"results\[0\]\.start\.line: expected an integer"),
        (report(result(), errors=[{"level": "warn", "type": 3}]), r"errors\[0\]\.type"),
    ],
)
def test_malformed_reports_are_refused(doc: Any, message: str):
    with pytest.raises(ReportFormatError, match=message):
        parse(doc)


# -- fixtures made by Semgrep 1.185.0 (scripts/make_semgrep_fixture.sh) ---------------------


def test_the_fixture():
    r = load_report(str(REPORTS / "semgrep.json"))
    assert (r.format, r.tool_version, r.gaps) == ("semgrep", "1.185.0", ())
    assert Counter(f.tool_severity for f in r.findings) == {
        "ERROR": 3, "CRITICAL": 1, "HIGH": 1, "MEDIUM": 1, "WARNING": 1, "LOW": 1, "INFO": 1,
    }  # fmt: skip
    secrets = sorted((f.location.path, f.location.start_line) for f in r.findings if f.kind is Kind.SECRET)
    assert secrets == [("fixtures/targets/app/settings.py", 9), ("fixtures/targets/app/settings.py", 13),
                       ("fixtures/targets/config/credentials.json", 4)]  # fmt: skip


def test_the_partial_fixture_has_its_parse_error_as_a_gap():
    r = load_report(str(REPORTS / "semgrep-errors.json"))
    assert len(r.findings) == 9
    assert [(g.subject, g.reason) for g in r.gaps] == [
        ("fixtures/targets/app/broken.py",
         "Semgrep warn: PartialParsing: Syntax error at line fixtures/targets/app/broken.py:2:"),
    ]  # fmt: skip


def test_no_planted_secret_in_any_finding():
    planted = [s for s in (FIXTURES / "planted_secrets.txt").read_text().splitlines() if s.strip()]
    for name in ("semgrep.json", "semgrep-errors.json"):
        r = load_report(str(REPORTS / name))
        shown = json.dumps([[f.title, f.message, f.fingerprint, dict(f.raw or {})] for f in r.findings])
        assert not [s for s in planted if s in shown]


# -- corpus conformance ----------------------------------------------------------------------

# Expected counts come from the files, not from the adapter: for each file
#   jq -c '[(.results|length), (.errors|length),
#           ([.results[].extra.severity] | group_by(.) | map({(.[0]): length}) | add)]'
# and the secrets (CWE-798 rules) with
#   jq '[.results[] | select(.extra.metadata.cwe | tostring | test("CWE-798"))] | length'
EXPECTED: dict[str, tuple[dict[str, int], int, int]] = {
    # file: (tool severities, errors -> gaps, secrets)
    "dd_cwe_list_0_96_0.json": ({"INFO": 1}, 0, 0),
    "dd_empty_minimal.json": ({}, 0, 0),
    "dd_high_medium_low_1_84_1.json": ({"LOW": 3}, 0, 0),
    "dd_semgrep_1_30_0.json": ({"WARNING": 5}, 0, 0),
    "juice_shop_semgrep_report.json": ({"WARNING": 11}, 21, 1),
    "juice_shop_semgrep_results.json": ({"ERROR": 7, "WARNING": 18}, 35, 1),
    "kolya_semgrep_no_results_one_error.json": ({}, 1, 0),
}


def test_corpus_table_covers_the_folder():
    require_shared()
    assert {p.name for p in (CORPUS / "semgrep").iterdir() if p.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("path", corpus_params("semgrep"))
def test_corpus(path: Path | None):
    if path is None:
        require_shared()
        return
    doc = json.loads(path.read_bytes())
    severities, gaps, secrets = EXPECTED[path.name]
    r = parse(doc, str(path))
    assert Counter(f.tool_severity for f in r.findings) == Counter(severities)
    assert len(r.gaps) == gaps
    assert sum(f.kind is Kind.SECRET for f in r.findings) == secrets
    assert all(f.fingerprint and f.location.path and f.location.start_line for f in r.findings)
    assert detect(doc, str(path)) == "semgrep"


def test_corpus_old_lines_never_reach_a_finding():
    require_shared()
    doc = json.loads((CORPUS / "semgrep" / "dd_semgrep_1_30_0.json").read_bytes())
    for item, f in zip(doc["results"], parse(doc).findings):
        quoted = item["extra"]["lines"].strip().splitlines()[0]
        assert quoted not in f.message and quoted not in f.title and f.raw["extra"]["lines"] == "[REDACTED]"
