"""FIRST's EPSS scores (``--epss``): conditions on score and percentile decide findings both
ways, per rule and environment; an unscored CVE is decided explicitly; bad files stop the gate."""

from __future__ import annotations

import gzip
import json
import re
import textwrap
from pathlib import Path

import pytest

from gatekeeper.risk import RiskDataError, parse_epss
from gatekeeper.verdict import Outcome
from tests.risk.helpers import EPSS_CSV, EPSS_GZ, by_rule, corpus, gate
from tests.conftest import REPORTS
from tests.test_cli import run

PIP_AUDIT = REPORTS / "pip-audit.json"  # the real pip-audit: PYSEC ids, CVE aliases, all rated high


def policy(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\n" + textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_the_fixture_is_read_plain_and_gzipped_alike() -> None:
    plain = parse_epss(EPSS_CSV.read_bytes(), "plain.csv")
    packed = parse_epss(EPSS_GZ.read_bytes(), "packed.csv.gz")
    assert plain.scores == packed.scores and len(plain.scores) == 2010
    assert plain.model_version == "v2025.03.14" and plain.score_date.isoformat() == "2025-08-25T12:55:00+00:00"
    assert plain.get("CVE-2020-15999") == ("CVE-2020-15999", 0.9417, 0.9991)
    assert plain.get("CVE-2020-28196") is None


def test_a_medium_finding_fails_at_a_high_score_and_a_critical_one_is_accepted_at_a_low_one(tmp_path: Path) -> None:
    # DefectDojo's real Trivy report: CVE-2018-11771 MEDIUM (EPSS 0.6131 in the fixture),
    # CVE-2019-12900 CRITICAL (0.0041), CVE-2018-1324 MEDIUM (0.0029).
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    p = policy(tmp_path, """\
        fail_on_epss: 0.5
        warn_below_epss: 0.01
        epss_missing: fail
    """)
    results = by_rule(gate(report, epss_path=str(EPSS_GZ), policy_path=p))
    medium = results["CVE-2018-11771"].decision
    assert (medium.outcome, medium.decided_by, medium.reason) == (
        Outcome.FAIL, "fail_on_epss", "EPSS 0.6131 of CVE-2018-11771 >= fail_on_epss 0.5"
    )
    critical = results["CVE-2019-12900"].decision
    assert (critical.outcome, critical.decided_by) == (Outcome.WARN, "warn_below_epss")
    assert critical.reason == "EPSS 0.0041 of CVE-2019-12900 < warn_below_epss 0.01 (otherwise: severity critical >= fail_on high)"
    assert results["CVE-2018-1324"].decision.outcome is Outcome.PASS  # medium, low score: severity decides
    # CVE-2020-28196 (HIGH) is not in the file: its severity fails it already, and says so
    missing = results["CVE-2020-28196"].decision
    assert (missing.outcome, missing.reason) == (Outcome.FAIL, "severity high >= fail_on high; no EPSS score")


def test_an_unscored_finding_the_severity_lets_pass_fails_under_epss_missing_fail(tmp_path: Path) -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    p = policy(tmp_path, "fail_on: critical\nfail_on_epss: 0.5\nepss_missing: fail\n")
    missing = by_rule(gate(report, epss_path=str(EPSS_GZ), policy_path=p))["CVE-2020-28196"].decision
    assert (missing.outcome, missing.decided_by) == (Outcome.FAIL, "epss_missing")
    assert missing.reason == "no EPSS score (epss_missing: fail); by severity: severity high < fail_on critical"


def test_without_the_scores_the_same_findings_are_decided_by_severity(tmp_path: Path) -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    results = by_rule(gate(report))
    assert results["CVE-2018-11771"].decision.outcome is Outcome.PASS
    assert results["CVE-2019-12900"].decision.outcome is Outcome.FAIL


def test_scores_no_condition_reads_are_shown_and_change_no_decision() -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    plain = gate(report)
    scored = gate(report, epss_path=str(EPSS_GZ))
    assert [(e.finding.fingerprint, e.decision) for e in scored.results] == [
        (e.finding.fingerprint, e.decision) for e in plain.results
    ]
    shown = by_rule(scored)["CVE-2018-11771"].exploitation
    assert shown is not None and shown.epss is not None and shown.epss.score == 0.6131


def test_ignore_below_accepts_high_findings_by_their_alias(tmp_path: Path) -> None:
    # The real pip-audit report names PYSEC ids; their CVE aliases carry the scores.
    p = policy(tmp_path, "ignore_below_epss: 0.001\n")
    results = by_rule(gate(PIP_AUDIT, epss_path=str(EPSS_CSV), policy_path=p))
    low = results["PYSEC-2019-133"]  # CVE-2019-11324, EPSS 0.0008
    assert low.exploitation.epss.cve == "CVE-2019-11324"
    assert (low.decision.outcome, low.decision.decided_by) == (Outcome.IGNORE, "ignore_below_epss")
    scored = results["PYSEC-2018-28"]  # CVE-2018-18074, EPSS 0.0062: severity decides
    assert scored.decision.outcome is Outcome.FAIL and scored.decision.reason.endswith("; EPSS 0.0062 of CVE-2018-18074")
    # unscored, and epss_missing left at its default: at least a warning (here the severity fails it)
    unscored = results["PYSEC-2019-10"].decision
    assert unscored.outcome is Outcome.FAIL and unscored.reason.endswith("; no EPSS score")


def test_the_missing_default_warns_rather_than_passing(tmp_path: Path) -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    p = policy(tmp_path, "fail_on: critical\nfail_on_epss: 0.5\n")
    d = by_rule(gate(report, epss_path=str(EPSS_CSV), policy_path=p))["CVE-2020-28196"].decision
    assert (d.outcome, d.decided_by) == (Outcome.WARN, "epss_missing")
    p = policy(tmp_path, "fail_on: critical\nfail_on_epss: 0.5\nepss_missing: ignore\n")
    d = by_rule(gate(report, epss_path=str(EPSS_CSV), policy_path=p))["CVE-2020-28196"].decision
    assert (d.outcome, d.reason) == (Outcome.PASS, "severity high < fail_on critical; no EPSS score")


def test_percentile_and_warn_conditions(tmp_path: Path) -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    p = policy(tmp_path, "fail_on_epss_percentile: 0.98\nwarn_on_epss: 0.002\nepss_missing: ignore\n")
    results = by_rule(gate(report, epss_path=str(EPSS_CSV), policy_path=p))
    assert results["CVE-2018-11771"].decision.decided_by == "fail_on_epss_percentile"  # percentile 0.982
    assert (results["CVE-2018-1324"].decision.outcome, results["CVE-2018-1324"].decision.decided_by) == (
        Outcome.WARN, "warn_on_epss"
    )


def test_rules_and_environments_set_their_own_conditions(tmp_path: Path) -> None:
    report = corpus("trivy/defectdojo-scheme_2_many_vulns.json")
    p = policy(tmp_path, """\
        epss_missing: ignore
        environments:
          production:
            fail_on_epss: 0.5
        rules:
          - id: java-libs
            match: {path: "app/libs/commons-*"}
            fail_on_epss: 0.002
    """)
    dev = by_rule(gate(report, epss_path=str(EPSS_CSV), policy_path=p))
    assert dev["CVE-2018-1324"].decision.outcome is Outcome.FAIL  # the rule: 0.0029 >= 0.002
    assert dev["CVE-2018-1324"].decision.decided_by.startswith("rule java-libs (")
    assert dev["CVE-2020-15999"].decision.outcome is Outcome.PASS  # medium, no top-level condition
    prod = by_rule(gate(report, epss_path=str(EPSS_CSV), policy_path=p, environment="production"))
    assert (prod["CVE-2020-15999"].decision.outcome, prod["CVE-2020-15999"].decision.decided_by) == (
        Outcome.FAIL, "fail_on_epss"
    )


def test_an_epss_condition_without_scores_stops_the_gate(tmp_path: Path) -> None:
    p = policy(tmp_path, "fail_on_epss: 0.5\n")
    r = run("check", "--policy", p, PIP_AUDIT)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "the policy decides by EPSS (fail_on_epss, ...) but no EPSS scores were given" in r.stderr


def test_the_scores_through_the_cli_the_environment_and_the_policy(tmp_path: Path) -> None:
    p = policy(tmp_path, "ignore_below_epss: 0.001\n")
    r = run("check", "--policy", p, "--epss", EPSS_GZ, "--json", tmp_path / "out.json", PIP_AUDIT)
    assert r.returncode == 1, r.stderr
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    found = {f["ruleId"]: f for f in doc["findings"]}
    assert found["PYSEC-2019-133"]["epss"] == {"cve": "CVE-2019-11324", "score": 0.0008, "percentile": 0.332}
    assert found["PYSEC-2019-10"]["epss"] is None and "kev" not in found["PYSEC-2019-10"]
    assert [d["kind"] for d in doc["data"]] == ["epss"] and doc["data"][0]["version"] == "v2025.03.14"
    r = run("check", "--policy", p, PIP_AUDIT, env={"GATEKEEPER_EPSS": str(EPSS_CSV)})
    assert r.returncode == 1 and "ignore_below_epss" not in r.stdout  # the console lists failures
    (tmp_path / "scores").mkdir()
    (tmp_path / "scores" / "epss.csv.gz").write_bytes(EPSS_GZ.read_bytes())
    p2 = policy(tmp_path, "ignore_below_epss: 0.001\ndata:\n  epss: scores/epss.csv.gz\n")
    r = run("check", "--policy", p2, "--json", tmp_path / "out2.json", PIP_AUDIT)
    assert r.returncode == 1, r.stderr
    doc = json.loads((tmp_path / "out2.json").read_text(encoding="utf-8"))
    assert doc["data"][0]["path"] == str(tmp_path / "scores" / "epss.csv.gz")


MODEL = b"#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\n"
HEADER = b"cve,epss,percentile\n"
ROW = b"CVE-2024-0001,0.01000,0.50000\n"
BAD_FILES = [
    ("no model line", HEADER + ROW, ":1: not an EPSS CSV file: the first line must be '#model_version"),
    ("no score date", b"#model_version:v2025.03.14\n" + HEADER + ROW, ":1: the model line must name model_version and score_date"),
    ("bad score date", b"#model_version:v1,score_date:yesterday\n" + HEADER + ROW, ":1: score_date: 'yesterday' is not a date or time"),
    ("no header", MODEL + ROW, ":2: not an EPSS CSV file: expected the header 'cve,epss,percentile'"),
    ("no rows", MODEL + HEADER, ": the EPSS file has no scores"),
    ("short row", MODEL + HEADER + b"CVE-2024-0001,0.01\n", ":3: expected 3 fields"),
    ("not a number", MODEL + HEADER + b"CVE-2024-0001,high,0.5\n", ":3: epss 'high' is not a number"),
    ("above one", MODEL + HEADER + b"CVE-2024-0001,1.5,0.5\n", ":3: epss '1.5' is outside \\[0, 1\\]"),
    ("negative percentile", MODEL + HEADER + b"CVE-2024-0001,0.5,-0.1\n", ":3: percentile '-0.1' is outside \\[0, 1\\]"),
    ("nan", MODEL + HEADER + b"CVE-2024-0001,nan,0.5\n", ":3: epss 'nan' is outside \\[0, 1\\]"),
    ("not a CVE", MODEL + HEADER + b"GHSA-1234,0.5,0.5\n", ":3: 'GHSA-1234' is not a CVE id"),
    ("duplicate", MODEL + HEADER + ROW + b"CVE-2024-0001,0.02000,0.60000\n", ":4: CVE-2024-0001 is listed twice with different scores"),
    ("truncated gzip", gzip.compress(MODEL + HEADER + ROW * 500, mtime=0)[:-20], ": not a readable gzip file"),
    ("binary", b"\x89PNG\r\n\x1a\n\xff\xfe", ": not an EPSS CSV file: not UTF-8"),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in BAD_FILES], ids=[n for n, _, _ in BAD_FILES])
def test_a_file_the_gate_cannot_fully_read_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(RiskDataError, match=f"^epss.csv{message}"):
        parse_epss(data, "epss.csv")


def test_the_same_row_twice_is_tolerated() -> None:
    assert parse_epss(MODEL + HEADER + ROW + ROW, "x").scores == {"CVE-2024-0001": (0.01, 0.5)}


@pytest.mark.parametrize("name", ["no header", "duplicate", "truncated gzip"])
def test_a_bad_file_stops_the_gate_naming_it(tmp_path: Path, name: str) -> None:
    bad = tmp_path / "epss.csv"
    bad.write_bytes(next(d for n, d, _ in BAD_FILES if n == name))
    r = run("check", "--epss", bad, PIP_AUDIT)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith(f"gatekeeper: error: {bad}") and "the gate was not evaluated" in r.stderr


def _read_each_row(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the files read row by row in Python (``_rows``), not by the one-pass check."""
    from gatekeeper.risk import epss

    calls: list[int] = []
    rows = epss._rows

    def counted(lines: list[str], source: str):  # type: ignore[no-untyped-def]
        calls.append(len(lines))
        return rows(lines, source)

    monkeypatch.setattr(epss, "_rows", counted)
    return calls


def test_rows_as_first_writes_them_are_read_in_one_pass_and_agree_with_the_row_by_row_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _read_each_row(monkeypatch)
    rows = [
        "CVE-2024-0001,0.00043,0.07556", "CVE-2024-0002,1.0,1.00000", "CVE-2024-0003,0,0.5",
        "CVE-2024-0004,4.3e-05,0.00123", "CVE-2024-10005,0.97432,0.99981",
    ]
    plain = parse_epss(MODEL + HEADER + "\n".join(rows).encode(), "plain.csv")  # no newline at the end either
    assert calls == []
    crlf = parse_epss((MODEL + HEADER).replace(b"\n", b"\r\n") + "\r\n".join(rows).encode() + b"\r\n", "crlf.csv")
    assert calls == [5]
    for n in range(1, 6):
        cve = f"CVE-2024-{n:04}" if n < 5 else "CVE-2024-10005"
        assert plain.get(cve) == crlf.get(cve) and plain.get(cve) is not None
    assert plain.get("CVE-2024-0004") == ("CVE-2024-0004", 4.3e-05, 0.00123)
    assert len(plain.scores) == 5 and plain.get("CVE-2024-0006") is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b"CVE-2024-0002,1.5,0.5", "epss '1.5' is outside [0, 1]"),
        (b"CVE-2024-0002,0.5,5E-01", None),  # not FIRST's spelling, but a number in [0, 1]: read row by row
        (b"CVE-2024-0002,0.5", "expected 3 fields"),
        (b"CVE-2024-0001,0.02,0.5", "listed twice with different scores"),
        (b"", None),  # a blank line
    ],
)
def test_rows_of_another_shape_are_read_row_by_row_and_refused_or_read(monkeypatch: pytest.MonkeyPatch, row: bytes, message: str | None) -> None:
    calls = _read_each_row(monkeypatch)
    data = MODEL + HEADER + ROW + row + b"\nCVE-2024-0003,0.1,0.2\n"
    if message is None:
        scores = parse_epss(data, "epss.csv")
        assert scores.get("CVE-2024-0003") == ("CVE-2024-0003", 0.1, 0.2)
    else:
        with pytest.raises(RiskDataError, match=f"^epss.csv:4: .*{re.escape(message)}"):
            parse_epss(data, "epss.csv")
    assert calls == [3]
