"""SARIF output: schema-valid, one run per tool, every finding with its verdict."""

from __future__ import annotations

import json

import pytest

from gatekeeper.model import FixState, Kind, Severity, Suppression
from gatekeeper.policy import Policy, evaluate
from gatekeeper.reporters.sarif import FINGERPRINT_KEY, SarifFormat
from tests.conftest import SHARED, require_shared
from tests.factories import finding, report


def sarif_validator():  # type: ignore[no-untyped-def]
    require_shared()
    from jsonschema import Draft7Validator

    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    return Draft7Validator(schema)


def sample_verdict():  # type: ignore[no-untyped-def]
    return evaluate(
        [
            report(
                finding(severity=Severity.CRITICAL),
                finding(rule_id="CVE-2024-0002", severity=Severity.LOW, path="dir with space/req.txt"),
                finding(rule_id="CVE-2024-0003", fix=FixState.NONE, path=None, line=None),
            ),
            report(
                finding(tool="gitleaks", kind=Kind.SECRET, rule_id="aws-access-token", path="/app/.env"),
                finding(
                    tool="gitleaks",
                    kind=Kind.SECRET,
                    rule_id="aws-access-token",
                    path="app/x.py",
                    suppression=Suppression("inSource", "test key"),
                ),
                tool="gitleaks",
            ),
        ],
        Policy(),
    )


def test_sarif_validates_against_the_schema() -> None:
    data = json.loads(SarifFormat().format(sample_verdict()))
    errors = sorted(sarif_validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_one_run_per_tool_with_categories_and_verdicts() -> None:
    data = json.loads(SarifFormat().format(sample_verdict()))
    runs = {r["tool"]["driver"]["name"]: r for r in data["runs"]}
    assert set(runs) == {"trivy", "gitleaks"}
    assert runs["trivy"]["automationDetails"]["id"] == "gatekeeper/trivy/"
    results = runs["trivy"]["results"]
    assert len(results) == 3
    outcomes = sorted(r["properties"]["gatekeeper"]["outcome"] for r in results)
    assert outcomes == ["fail", "ignore", "pass"]
    assert [r["level"] for r in results if r["properties"]["gatekeeper"]["outcome"] == "fail"] == ["error"]
    rules = runs["trivy"]["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"][FINGERPRINT_KEY]
    crit = next(r for r in rules if r["id"] == "CVE-2024-0001")
    assert crit["properties"]["security-severity"] == "9.5"
    assert runs["trivy"]["invocations"][0]["properties"]["gatekeeper"]["verdict"] == "failed"


def test_uris_are_relative_and_encoded_and_suppressions_carried() -> None:
    data = json.loads(SarifFormat().format(sample_verdict()))
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for run in data["runs"]
        for r in run["results"]
        for loc in r.get("locations", [])
    ]
    assert "dir%20with%20space/req.txt" in uris
    assert "app/.env" in uris
    assert not any(u.startswith("/") for u in uris)
    gl = next(r for r in data["runs"] if r["tool"]["driver"]["name"] == "gitleaks")
    suppressed = [r for r in gl["results"] if r.get("suppressions")]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    assert "test key" in suppressed[0]["suppressions"][0]["justification"]


@pytest.mark.parametrize("tools", [[], ["trivy"]])
def test_reports_without_findings_still_give_a_run(tools: list[str]) -> None:
    v = evaluate([report(tool=t) for t in tools], Policy())
    data = json.loads(SarifFormat().format(v))
    assert [r["tool"]["driver"]["name"] for r in data["runs"]] == tools
