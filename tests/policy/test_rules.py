"""Rules, thresholds, overrides, budgets, required reports, modes and precedence, on real reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from gatekeeper.model import Cvss, FixState, Kind, Severity
from gatekeeper.policy import Policy, evaluate
from gatekeeper.verdict import Outcome, Status
from tests.factories import finding, report
from tests.policy.helpers import TODAY, policy_from, results_for, run


def outcomes(verdict, tool: str | None = None) -> Counter[Outcome]:  # type: ignore[no-untyped-def]
    return Counter(e.decision.outcome for e in verdict.results if tool is None or e.finding.tool == tool)


def test_thresholds_per_selection(tmp_path: Path) -> None:
    # Fail on medium for IaC, on high for Dockerfile lint, on anything for secrets.
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: iac
            match: {category: iac}
            fail_on: medium
          - id: dockerfile
            match: {category: dockerfile}
            fail_on: high
            warn_on: medium
          - id: secrets
            match: {kind: secret}
            action: fail
        """,
    )
    v = run(policy, "trivy-config.json", "hadolint.json", "gitleaks.json")
    for e in v.results:
        f, d = e.finding, e.decision
        if f.tool == "gitleaks":
            assert (d.outcome, d.decided_by.split(" (")[0]) == (Outcome.FAIL, "rule secrets")
        elif f.tool == "hadolint":
            expected = {Severity.HIGH: Outcome.FAIL, Severity.MEDIUM: Outcome.WARN}.get(f.severity, Outcome.PASS)
            assert d.outcome is expected and d.decided_by.startswith("rule dockerfile"), (f.rule_id, d)
        elif (f.location.path or "").endswith("Dockerfile"):  # trivy's Dockerfile checks are in the dockerfile category
            assert d.decided_by.startswith("rule dockerfile")
        else:
            assert d.decided_by.startswith("rule iac (")
            assert d.outcome is (Outcome.FAIL if f.severity >= Severity.MEDIUM else Outcome.PASS)
    assert v.status is Status.FAILED


def test_rule_selects_by_tool_rule_glob_and_path(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: k8s-only-warn
            match: {tool: checkov, rule: "CKV_K8S_*", path: "fixtures/targets/k8s/**"}
            action: warn
          - id: terraform-ignored
            match: {path: "**/*.tf"}
            action: ignore
        """,
    )
    v = run(policy, "checkov.json")
    for e in v.results:
        path, rule = e.finding.location.path or "", e.finding.rule_id
        if e.decision.outcome is Outcome.SUPPRESSED:
            continue
        if rule.startswith("CKV_K8S_"):
            assert e.decision.outcome is Outcome.WARN
        elif path.endswith(".tf"):
            assert e.decision.outcome is Outcome.IGNORE
        else:
            assert e.decision.decided_by in ("fail_on", "secrets")


def test_first_matching_rule_decides(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: latest-tag
            match: {tool: hadolint, rule: DL3007}
            action: fail
          - id: hadolint-advisory
            match: {tool: hadolint}
            action: warn
        """,
    )
    v = run(policy, "hadolint.json")
    assert [e.decision.outcome for e in results_for(v, "DL3007")] == [Outcome.FAIL]
    assert all(e.decision.outcome is Outcome.WARN for e in v.results if e.finding.rule_id != "DL3007")


def test_top_level_settings_are_the_defaults_rules_refine(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        fail_on: medium
        rules:
          - id: lint-only-warns
            match: {tool: hadolint}
            warn_on: low
            fail_on: critical
          - id: inherits-fail-on
            match: {tool: pip-audit}
        """,
    )
    v = run(policy, "hadolint.json", "pip-audit.json")
    assert outcomes(v, "hadolint")[Outcome.FAIL] == 0
    assert outcomes(v, "hadolint")[Outcome.WARN] == 16  # everything but the two info findings
    # The second rule sets no threshold: the top-level fail_on (medium) applies.
    assert all(e.decision.outcome is Outcome.FAIL for e in v.results if e.finding.tool == "pip-audit")
    assert all("fail_on medium (rule inherits-fail-on)" in e.decision.reason for e in v.results if e.finding.tool == "pip-audit")


def test_severity_override_of_a_rule_and_of_a_whole_tool_keeps_the_original(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        severity_overrides:
          - match: {tool: hadolint, rule: DL3007}
            severity: high
            reason: unpinned base image
          - match: {tool: checkov}
            severity: low
        """,
    )
    v = run(policy, "hadolint.json", "checkov.json")
    (latest,) = results_for(v, "DL3007")
    assert latest.finding.severity is Severity.MEDIUM and latest.finding.tool_severity == "warning"
    assert latest.decision.severity is Severity.HIGH
    assert latest.decision.outcome is Outcome.FAIL
    assert "re-rated from medium" in latest.decision.reason and "unpinned base image" in latest.decision.reason
    checkov = [e for e in v.results if e.finding.tool == "checkov"]
    # Unrated checkov findings are now low, so they pass; secrets still fail whatever the rating.
    assert {e.decision.severity for e in checkov} == {Severity.LOW}
    assert {e.decision.outcome for e in checkov if e.finding.kind is Kind.MISCONFIGURATION} <= {Outcome.PASS, Outcome.SUPPRESSED}
    assert {e.decision.outcome for e in checkov if e.finding.kind is Kind.SECRET} == {Outcome.FAIL}


def test_severity_selector_in_rules_sees_the_overridden_severity(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        severity_overrides:
          - match: {tool: hadolint, rule: DL3007}
            severity: critical
        rules:
          - id: criticals
            match: {severity: critical}
            action: fail
          - id: rest
            match: {tool: hadolint}
            action: ignore
        """,
    )
    v = run(policy, "hadolint.json")
    assert [e.finding.rule_id for e in v.results if e.decision.outcome is Outcome.FAIL] == ["DL3007"]


def test_unknown_severity_setting_on_real_checkov(tmp_path: Path) -> None:
    lenient = policy_from(tmp_path, "version: 1\nunknown_severity: low\n")
    v = run(lenient, "checkov-terraform.json")
    assert outcomes(v)[Outcome.FAIL] == 0
    assert all("unrated, treated as low" in e.decision.reason for e in v.results if e.decision.outcome is Outcome.PASS)
    assert outcomes(run(Policy(), "checkov-terraform.json"))[Outcome.FAIL] > 0


def test_ignore_unfixed_per_rule_and_fix_state_selector(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        ignore_unfixed: true
        rules:
          - id: prod-images
            match: {tool: trivy, kind: vulnerability, path: "images/**"}
            ignore_unfixed: false
          - id: unfixed-warn
            match: {fix: none}
            action: warn
        """,
    )
    prod = finding(path="images/api/Dockerfile", fix=FixState.NONE, severity=Severity.CRITICAL)
    other = finding(path="tools/requirements.txt", fix=FixState.NONE, severity=Severity.CRITICAL)
    fixed = finding(path="tools/requirements.txt", rule_id="CVE-2", fix=FixState.AVAILABLE, severity=Severity.CRITICAL)
    v = evaluate([report(prod, other, fixed)], policy, today=TODAY)
    by_path = {(e.finding.location.path, e.finding.rule_id): e.decision for e in v.results}
    assert by_path[("images/api/Dockerfile", "CVE-2024-0001")].outcome is Outcome.FAIL
    assert by_path[("tools/requirements.txt", "CVE-2024-0001")].outcome is Outcome.WARN
    assert by_path[("tools/requirements.txt", "CVE-2")].decided_by == "fail_on"


def test_cvss_thresholds(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        fail_on: critical
        warn_on_cvss: 4.0
        rules:
          - id: network-facing
            match: {tool: trivy, kind: vulnerability}
            fail_on_cvss: 7.5
        """,
    )
    scored = lambda score, rule: replace(finding(rule_id=rule, severity=Severity.MEDIUM), cvss=(Cvss(score),))  # noqa: E731
    v = evaluate([report(scored(8.1, "A"), scored(7.0, "B"), scored(3.9, "C"), finding(rule_id="D", severity=Severity.MEDIUM))], policy, today=TODAY)
    d = {e.finding.rule_id: e.decision for e in v.results}
    assert d["A"].outcome is Outcome.FAIL and "CVSS 8.1 >= fail_on_cvss 7.5" in d["A"].reason
    assert d["B"].outcome is Outcome.WARN and "warn_on_cvss 4" in d["B"].reason  # inherited from the top level
    assert d["C"].outcome is Outcome.PASS
    assert d["D"].outcome is Outcome.PASS  # no score: CVSS thresholds do not apply


def test_budget_tolerates_up_to_max_then_fails_them_all(tmp_path: Path) -> None:
    text = """
        version: 1
        rules:
          - id: dockerfile-debt
            match: {tool: hadolint}
            fail_on: high
            budget: {severity: medium, max: %d}
        """
    # hadolint.json has 7 medium findings (and 4 high, which fail anyway).
    within = run(policy_from(tmp_path, text % 7), "hadolint.json")
    mediums = [e for e in within.results if e.finding.severity is Severity.MEDIUM]
    assert len(mediums) == 7 and all(e.decision.outcome is Outcome.PASS for e in mediums)
    assert all("within budget (7 of 7 medium+ allowed)" in e.decision.reason for e in mediums)
    over = run(policy_from(tmp_path, text % 6), "hadolint.json")
    mediums = [e for e in over.results if e.finding.severity is Severity.MEDIUM]
    assert all(e.decision.outcome is Outcome.FAIL for e in mediums)
    assert "budget exceeded: 7 findings at medium or above, at most 6 allowed (rule dockerfile-debt)" in mediums[0].decision.reason
    assert outcomes(over)[Outcome.FAIL] == 4 + 7
    assert {e.decision.outcome for e in over.results if e.finding.severity < Severity.MEDIUM} == {Outcome.PASS}


def test_tool_suppression_beats_exception_beats_rule_beats_defaults(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: everything-fails
            match: {tool: checkov}
            action: fail
        exceptions:
          - id: EX-1
            match: {tool: checkov, rule: [CKV_AWS_18, CKV_AWS_144, CKV_AWS_20]}
            reason: accepted for the fixture bucket
            owner: platform
            expires: 2027-06-30
        """,
    )
    v = run(policy, "checkov.json")
    for e in v.results:
        f, d = e.finding, e.decision
        if f.suppression is not None:  # checkov's own skip wins over the policy exception
            assert d.outcome is Outcome.SUPPRESSED and d.decided_by == "checkov suppression"
        elif f.rule_id in ("CKV_AWS_18", "CKV_AWS_144", "CKV_AWS_20"):
            assert d.outcome is Outcome.SUPPRESSED and d.decided_by == "exception EX-1"
        else:
            assert d.outcome is Outcome.FAIL and d.decided_by.startswith("rule everything-fails (")
    assert Counter(e.decision.decided_by for e in v.results)["checkov suppression"] == 2


def test_a_rule_can_refine_the_top_level_secrets_setting(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: env-files-warn
            match: {kind: secret, path: "**/.env"}
            action: warn
        """,
    )
    v = run(policy, "gitleaks.json")
    for e in v.results:
        expected = Outcome.WARN if e.finding.location.path.endswith("/.env") else Outcome.FAIL  # type: ignore[union-attr]
        assert e.decision.outcome is expected


def test_warn_mode_rule_previews_without_weakening_the_gate(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: new-strict-lint
            match: {tool: hadolint}
            fail_on: low
            mode: warn
          - id: existing
            match: {tool: hadolint, severity: high}
            action: fail
        """,
    )
    v = run(policy, "hadolint.json")
    for e in v.results:
        d, sev = e.decision, e.finding.severity
        if sev is Severity.HIGH:  # still failed by the rule after the preview
            assert d.outcome is Outcome.FAIL and d.decided_by.startswith("rule existing")
        elif sev >= Severity.LOW:
            assert d.outcome is Outcome.WARN and d.decided_by.startswith("rule new-strict-lint")
            assert "rule in warn mode, would fail" in d.reason and "otherwise:" in d.reason
        else:
            assert d.outcome is Outcome.PASS


def test_policy_warn_mode_reports_everything_and_passes(tmp_path: Path) -> None:
    v = run(policy_from(tmp_path, "version: 1\nmode: warn\nrequired: [image]\n"), "gitleaks.json", "pip-audit.json")
    assert v.status is Status.WARNED and not v.enforce
    assert v.count(Outcome.FAIL) > 0 and v.problems


def test_required_reports(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        required:
          - secrets
          - dependencies
          - image
          - tool: trivy
          - tool: sonarqube
        """,
    )
    v = run(policy, "gitleaks-empty.json", "pip-audit.json", "trivy-config.json")
    assert v.status is Status.FAILED
    assert v.problems == (
        "required report missing: the policy requires an image report (categories present: dependencies, dockerfile, iac, secrets)",
        "required report missing: the policy requires a report from sonarqube (tools present: gitleaks, pip-audit, trivy)",
    )
    # An empty report still proves the scan ran.
    ok = policy_from(tmp_path, "version: 1\nrequired: [secrets, {tool: gitleaks}]\n")
    assert run(ok, "gitleaks-empty.json").status is Status.PASSED
    assert run(ok, "hadolint.json").status is Status.FAILED
