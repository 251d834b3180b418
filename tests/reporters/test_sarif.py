"""SARIF output: schema-valid, one run per tool, every finding with its verdict."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper import output
from gatekeeper.model import FixState, Kind, Severity, Suppression
from gatekeeper.policy import Policy, evaluate
from gatekeeper.reporters.sarif import FINGERPRINT_KEY, SarifFormat, stable_fingerprint
from tests.conftest import SHARED, require_shared
from tests.factories import finding, report
from tests.reporters.samples import fixtures_verdict, hostile_verdict, many_verdict, rich_verdict


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


# --- GitHub code scanning: exceptions, limits, validity on every verdict -------------------



@pytest.mark.parametrize(
    "make", [rich_verdict, fixtures_verdict, hostile_verdict, lambda: many_verdict(300, tools=25)], ids=["rich", "fixtures", "hostile", "many"]
)
def test_every_verdict_gives_schema_valid_sarif(make) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(SarifFormat().format(make()))
    errors = sorted(sarif_validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:10]]
    for run in data["runs"]:
        for r in run["results"]:
            assert r["locations"], "GitHub rejects a result without a location"
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("/") and ":" not in uri.split("/")[0]


def test_policy_exceptions_are_external_suppressions_with_the_justification() -> None:
    data = json.loads(SarifFormat().format(rich_verdict()))
    trivy = next(r for r in data["runs"] if r["tool"]["driver"]["name"] == "trivy")
    excepted = next(r for r in trivy["results"] if r["ruleId"] == "CVE-2023-9999")
    (s,) = excepted["suppressions"]
    assert s["kind"] == "external" and s["status"] == "accepted"
    assert "base image patched upstream" in s["justification"]
    assert s["properties"]["gatekeeper"] == {"exception": "base-image-cve", "owner": "platform-team", "expires": "2026-12-31"}
    gitleaks = next(r for r in data["runs"] if r["tool"]["driver"]["name"] == "gitleaks")
    in_source = next(r for r in gitleaks["results"] if r.get("suppressions"))
    assert in_source["suppressions"][0]["kind"] == "inSource"
    approve = next(r for r in trivy["results"] if r["ruleId"] == "CVE-2024-0004")
    assert approve["level"] == "error" and "suppressions" not in approve


def test_the_verdict_is_in_every_invocation() -> None:
    data = json.loads(SarifFormat().format(rich_verdict()))
    for run in data["runs"]:
        gate = run["invocations"][0]["properties"]["gatekeeper"]
        assert gate["verdict"] == "failed" and gate["summary"].startswith("FAILED")
        assert gate["environment"] == "production" and gate["problems"]


def test_results_beyond_the_limit_keep_the_most_severe_and_say_so() -> None:
    data = json.loads(SarifFormat(max_results=100).format(many_verdict(1000, tools=1)))
    (run,) = data["runs"]
    assert len(run["results"]) == 100
    assert {r["properties"]["gatekeeper"]["severity"] for r in run["results"]} == {"critical"}
    inv = run["invocations"][0]
    assert inv["properties"]["gatekeeper"]["omitted"] == {"results": 900}
    assert "kept the 100 most severe of 1000 results" in inv["toolExecutionNotifications"][0]["message"]["text"]


def test_runs_beyond_the_limit_keep_the_tools_with_the_worst_findings() -> None:
    v = many_verdict(40, tools=4)  # tool0 has the criticals (i % 4 == 0)
    data = json.loads(SarifFormat(max_runs=2).format(v))
    names = [r["tool"]["driver"]["name"] for r in data["runs"]]
    assert len(names) == 2 and "tool0" in names
    omitted = data["runs"][0]["invocations"][0]["properties"]["gatekeeper"]["omitted"]["tools"]
    assert sorted(names + omitted) == ["tool0", "tool1", "tool2", "tool3"]


def test_output_is_cut_to_the_gzip_size_limit() -> None:
    import gzip

    text = output.render(SarifFormat(max_gzip_bytes=40_000), many_verdict(3000, tools=2)).decode()
    assert len(gzip.compress(text.encode())) <= 40_000
    data = json.loads(text)
    kept = [r for run in data["runs"] for r in run["results"]]
    assert 0 < len(kept) < 3000
    assert data["runs"][0]["invocations"][0]["properties"]["gatekeeper"]["omitted"]["results"] > 0


def test_default_limits_are_githubs() -> None:
    f = SarifFormat()
    assert (f.max_runs, f.max_results, f.max_gzip_bytes) == (20, 25_000, 10 * 1024 * 1024)


def test_fingerprints_ignore_image_digests_and_checkout_paths() -> None:
    f = replace(finding(), fingerprint="")
    a = replace(f, location=replace(f.location, target="alpine@sha256:aaaa"))
    b = replace(f, location=replace(f.location, target="alpine@sha256:bbbb"))
    assert stable_fingerprint(a) == stable_fingerprint(b) != ""
    assert stable_fingerprint(finding()) == finding().fingerprint
    v1 = SarifFormat(root="/tmp/ck1").format(evaluate([report(replace(f, location=replace(f.location, path="/tmp/ck1/src/a.py")))], Policy()))
    v2 = SarifFormat(root="/tmp/ck2").format(evaluate([report(replace(f, location=replace(f.location, path="/tmp/ck2/src/a.py")))], Policy()))
    assert '"uri": "src/a.py"' in v1
    assert v1 == v2


def test_info_has_no_security_severity() -> None:
    data = json.loads(SarifFormat().format(evaluate([report(finding(severity=Severity.INFO))], Policy())))
    assert "security-severity" not in data["runs"][0]["tool"]["driver"]["rules"][0]["properties"]


MULTITOOL = os.environ.get("GATEKEEPER_SARIF_MULTITOOL")


@pytest.mark.parametrize("make", [rich_verdict, fixtures_verdict, hostile_verdict], ids=["rich", "fixtures", "hostile"])
def test_github_ingestion_rules_accept_the_output(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not MULTITOOL:
        # NOTE: CI (.ci/run) installs the Multitool and sets GATEKEEPER_REQUIRE_SHARED: there
        # its absence is a failure; a local run without it skips.
        if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
            pytest.fail("GATEKEEPER_SARIF_MULTITOOL not set (.ci/setup.d/25-sarif-multitool.sh sets it)")
        pytest.skip("GATEKEEPER_SARIF_MULTITOOL not set (.ci/setup.d/25-sarif-multitool.sh sets it)")
    assert shutil.which(MULTITOOL), MULTITOOL
    src, out = tmp_path / "in.sarif", tmp_path / "out.sarif"
    src.write_text(SarifFormat().format(make()), encoding="utf-8")
    subprocess.run([MULTITOOL, "validate", "--rule-kind", "Gh", "--output", str(out), str(src)], check=False, capture_output=True, timeout=300)
    problems = [r for run in json.loads(out.read_text(encoding="utf-8-sig"))["runs"] for r in run.get("results", [])]
    assert not problems, [(p["ruleId"], p["message"]) for p in problems[:10]]
