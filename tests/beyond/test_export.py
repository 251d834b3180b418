"""Exceptions out to the scanners, checked by running the real scanners on the fixture targets."""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from gatekeeper.export import ExportError, ExportFormat, export, gitleaksignore, openvex, trivyignore
from gatekeeper.policy.load import load_policy
from tests.beyond.helpers import PIP_AUDIT_WERKZEUG, TRIVY_PIP, gk, reports, scanner, write
from tests.conftest import REPORTS, ROOT

TODAY = datetime.date(2026, 12, 1)
POLICY = """
    version: 1
    exceptions:
      - id: settings-aws-key
        match: {kind: secret, path: fixtures/targets/app/settings.py, rule: [aws-access-key-id, aws-access-token]}
        reason: rotated test key, kept as a scanner canary
        owner: security@example.com
        expires: 2099-01-31
      - id: no-healthcheck
        match: {tool: trivy, rule: ds026}
        reason: the orchestrator probes the service
        owner: platform
        expires: 2099-01-31
      - id: werkzeug-debugger
        match: {identifier: cve-2019-14806, package: Werkzeug, ecosystem: pypi}
        reason: the debugger is never enabled in production
        owner: app-team
        expires: 2099-01-31
      - id: low-noise
        match: {severity: low}
        reason: too noisy
        owner: platform
        expires: 2099-01-31
      - id: long-gone
        match: {rule: DS001}
        reason: expired
        owner: platform
        expires: 2020-01-01
"""


@pytest.fixture
def policy(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_policy(write(tmp_path, "policy.yaml", POLICY))


def test_every_format_is_exported(policy) -> None:  # type: ignore[no-untyped-def]
    rs = reports("trivy-fs.json", "gitleaks.json")
    for fmt in ExportFormat:
        if fmt is ExportFormat.OPENVEX:
            rs = reports(TRIVY_PIP, PIP_AUDIT_WERKZEUG)
        assert export(fmt, policy, rs, TODAY).text


def test_trivyignore_entries(policy) -> None:  # type: ignore[no-untyped-def]
    out = trivyignore(policy, reports("trivy-fs.json"), TODAY, relative_to="fixtures/targets")
    doc = yaml.safe_load(out.text)
    assert doc["secrets"][0] == {
        "id": "aws-access-key-id", "paths": ["app/settings.py"], "expired_at": datetime.date(2099, 2, 1),
        "statement": "rotated test key, kept as a scanner canary (gatekeeper exception settings-aws-key, "
                     "owner security@example.com, until 2099-01-31)",
    }
    assert [e["id"] for e in doc["misconfigurations"]] == ["DS026"]  # Trivy's spelling, not the policy's
    assert doc["vulnerabilities"][0]["id"] == "CVE-2019-14806"
    assert doc["vulnerabilities"][0]["purls"] == ["pkg:pypi/werkzeug"]
    assert set(out.exported) == {"settings-aws-key", "no-healthcheck", "werkzeug-debugger"}
    assert "exception low-noise: not exported to trivy: it selects by severity" in out.skipped
    assert "exception long-gone: expired on 2020-01-01" in out.skipped
    assert "&id" not in out.text and "*id" not in out.text  # no YAML anchors


def test_trivy_accepts_the_exported_file_and_ignores_exactly_those_findings(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    trivy = scanner("trivy")
    ignore = tmp_path / ".trivyignore.yaml"
    ignore.write_text(trivyignore(policy, reports("trivy-fs.json"), TODAY, relative_to="fixtures/targets").text)
    out = tmp_path / "trivy.json"
    run = subprocess.run([str(trivy), "fs", "--cache-dir", str(tmp_path / "cache"), "--quiet", "--scanners", "secret,misconfig",
                          "--skip-check-update", "--skip-db-update", "--offline-scan", "--ignorefile", str(ignore),
                          "-f", "json", "-o", str(out), "fixtures/targets"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())["Results"]
    secrets = {(r["Target"], s["RuleID"], s["StartLine"]) for r in results for s in r.get("Secrets", [])}
    checks = [m["ID"] for r in results for m in r.get("Misconfigurations", [])]
    assert ("app/settings.py", "aws-access-key-id", 9) not in secrets
    assert len(secrets) == 6  # the other planted secrets are still found
    assert "DS026" not in checks and "DS001" in checks  # the expired exception was not exported
    assert len(checks) == 62


def test_gitleaksignore_lists_the_excepted_fingerprints(policy) -> None:  # type: ignore[no-untyped-def]
    out = gitleaksignore(policy, reports("gitleaks.json"), TODAY)
    lines = [x for x in out.text.splitlines() if not x.startswith("#")]
    assert lines == ["fixtures/targets/app/settings.py:aws-access-token:9"]
    assert "# exception settings-aws-key until 2099-01-31" in out.text
    # the SARIF report carries no Fingerprint: it is made as gitleaks makes it
    assert gitleaksignore(policy, reports("gitleaks.sarif"), TODAY).text == out.text


def test_gitleaks_accepts_the_exported_file(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    gitleaks = scanner("gitleaks")
    ignore = tmp_path / ".gitleaksignore"
    ignore.write_text(gitleaksignore(policy, reports("gitleaks.json"), TODAY).text)
    out = tmp_path / "gitleaks.json"
    run = subprocess.run([str(gitleaks), "dir", "--no-banner", "--no-color", "--log-level", "warn", "-i", str(ignore),
                          "-f", "json", "-r", str(out), "fixtures/targets"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr  # leaks remain
    found = {(x["File"], x["RuleID"], x["StartLine"]) for x in json.loads(out.read_text())}
    assert ("fixtures/targets/app/settings.py", "aws-access-token", 9) not in found
    assert len(found) == 6


def test_openvex_document_follows_the_spec(policy) -> None:  # type: ignore[no-untyped-def]
    now = datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.timezone.utc)
    out = openvex(policy, reports(TRIVY_PIP, PIP_AUDIT_WERKZEUG), TODAY, now)
    doc = json.loads(out.text)
    # OpenVEX 0.2.0 (openvex/spec openvex_json_schema.json): required document fields, no others
    assert set(doc) <= {"@context", "@id", "author", "role", "timestamp", "last_updated", "version", "tooling", "statements"}
    assert {"@context", "@id", "author", "timestamp", "version", "statements"} <= set(doc)
    assert doc["@context"] == "https://openvex.dev/ns/v0.2.0" and doc["@id"].startswith("urn:")
    assert doc["version"] >= 1 and doc["timestamp"] == "2026-12-01T08:00:00Z"
    assert len(doc["statements"]) == 1
    st = doc["statements"][0]
    assert set(st) <= {"@id", "version", "vulnerability", "timestamp", "last_updated", "products", "status", "supplier",
                       "status_notes", "justification", "impact_statement", "action_statement", "action_statement_timestamp"}
    assert st["status"] == "not_affected"
    assert ("justification" in st) != ("impact_statement" in st)  # exactly one of them
    assert st["vulnerability"]["name"] == "CVE-2019-14806"
    assert set(st["vulnerability"]) <= {"@id", "name", "description", "aliases"}
    assert st["products"] == [{"@id": "pkg:pypi/werkzeug", "identifiers": {"purl": "pkg:pypi/werkzeug"}}]
    assert "the debugger is never enabled in production" in st["impact_statement"]
    assert out.exported == ("werkzeug-debugger",)


def test_openvex_takes_products_from_the_reports(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", """
        version: 1
        exceptions:
          - id: redirects
            match: {identifier: [PYSEC-2020-157]}
            reason: no user-controlled redirects
            owner: app-team
            expires: 2099-01-31
    """))
    doc = json.loads(openvex(policy, reports(TRIVY_PIP, PIP_AUDIT_WERKZEUG), TODAY).text)
    st = doc["statements"][0]
    assert st["vulnerability"] == {"name": "PYSEC-2020-157", "aliases": ["CVE-2020-28724", "GHSA-3p3h-qghp-hvh2"]}
    assert [p["@id"] for p in st["products"]] == ["pkg:pypi/werkzeug@0.11"]


def test_openvex_without_any_statement_is_an_error(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", "version: 1\n"))
    with pytest.raises(ExportError, match="needs at least one statement"):
        openvex(policy, (), TODAY)


def test_cli_export(tmp_path: Path) -> None:
    path = write(tmp_path, "policy.yaml", POLICY)
    out = tmp_path / ".trivyignore.yaml"
    r = gk("policy", "export", "--format", "trivyignore", "--relative-to", "fixtures/targets", path, "-o", out)
    assert r.returncode == 0, r.stderr
    assert "3 exceptions exported as trivyignore" in r.stderr and "selects by severity" in r.stderr
    assert yaml.safe_load(out.read_text())["secrets"]
    r = gk("policy", "export", "--format", "gitleaksignore", path)
    assert r.returncode == 2 and "needs the gitleaks REPORTs" in r.stderr
    r = gk("policy", "export", "--format", "gitleaksignore", path, REPORTS / "gitleaks.json")
    assert r.returncode == 0 and "fixtures/targets/app/settings.py:aws-access-token:9" in r.stdout
    r = gk("policy", "export", "--format", "openvex", write(tmp_path, "empty.yaml", "version: 1\n"))
    assert r.returncode == 2 and "no exception can be exported as OpenVEX" in r.stderr
