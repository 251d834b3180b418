"""Environments (--env / GATEKEEPER_ENV) and ``extends`` (a central baseline refined by teams)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.model import Severity
from gatekeeper.policy import PolicyError, load_policy
from gatekeeper.verdict import Outcome, Status
from tests.policy.helpers import POLICIES, policy_from, run, write_policy

ENVIRONMENTS = """
version: 1
fail_on: high
rules:
  - id: iac
    match: {category: iac}
    fail_on: high
environments:
  staging:
    mode: warn
  prod:
    fail_on: medium
    rules:
      - id: iac
        match: {category: iac}
        fail_on: low
    required: [secrets]
"""


def test_overlay_is_chosen_by_name(tmp_path: Path) -> None:
    base = policy_from(tmp_path, ENVIRONMENTS)
    staging = policy_from(tmp_path, ENVIRONMENTS, env="staging")
    prod = policy_from(tmp_path, ENVIRONMENTS, env="prod")
    assert (base.enforce, staging.enforce, prod.enforce) == (True, False, True)
    assert (base.fail_on, prod.fail_on) == (Severity.HIGH, Severity.MEDIUM)
    assert [r.thresholds.fail_on for r in prod.rules] == [Severity.LOW]  # same id: replaced
    assert prod.environment == "prod" and base.environments == ("prod", "staging")

    names = ("trivy-config.json", "pip-audit.json")
    assert run(base, *names).status is Status.FAILED
    assert run(staging, *names).status is Status.WARNED
    v = run(prod, *names)
    assert v.environment == "prod"
    assert v.problems  # prod requires a secrets report
    low = [e for e in v.results if e.finding.severity is Severity.LOW and e.finding.tool == "trivy" and "iac" in e.decision.decided_by]
    assert low and all(e.decision.outcome is Outcome.FAIL for e in low)


def test_unknown_environment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"environment 'prd' is not defined in the policy \(defined: prod, staging\)"):
        policy_from(tmp_path, ENVIRONMENTS, env="prd")


def test_policy_without_environments_accepts_any_name_with_a_notice(tmp_path: Path) -> None:
    p = policy_from(tmp_path, "version: 1\n", env="prod")
    v = run(p, "gitleaks-empty.json")
    assert v.environment == "prod"
    assert "the policy defines no environments; environment 'prod' uses the base policy" in v.notices


def test_shipped_staging_prod_example() -> None:
    path = POLICIES / "staging-prod.yaml"
    reports = ("gitleaks.json", "pip-audit.json", "checkov-terraform.json")
    staging = run(load_policy(path, "staging"), *reports)
    prod = run(load_policy(path, "prod"), *reports)
    assert staging.status is Status.WARNED
    assert prod.status is Status.FAILED
    assert prod.count(Outcome.FAIL) >= run(load_policy(path), *reports).count(Outcome.FAIL)


def test_team_policy_refines_the_baseline() -> None:
    team = load_policy(POLICIES / "teams" / "python-service.yaml")
    ids = [r.id for r in team.rules]
    assert ids == ["old-django", "dockerfile-lint", "secrets", "image-vulnerabilities", "infrastructure"]
    assert [o.reason.split(" ")[0] for o in team.severity_overrides] == ["FROM"]  # inherited
    assert team.warn_on is Severity.MEDIUM and team.fail_on is Severity.HIGH
    assert {r.category for r in team.required} == {"secrets", "dependencies"}
    assert team.max_exception_days[Severity.HIGH] == 90
    assert team.environments == ("staging",)  # the baseline's environments are inherited
    assert not load_policy(POLICIES / "teams" / "python-service.yaml", "staging").enforce


def test_extends_merge_rules(tmp_path: Path) -> None:
    (tmp_path / "central").mkdir()
    write_policy(
        tmp_path / "central",
        """
        version: 1
        fail_on: high
        rules:
          - id: lint
            match: {tool: hadolint}
            action: warn
          - id: iac
            match: {category: iac}
            fail_on: medium
        exceptions:
          - id: EX
            match: {package: django}
            reason: r
            owner: o
            expires: 2027-01-31
        environments:
          staging: {mode: warn}
        """,
        "base.yaml",
    )
    team = policy_from(
        tmp_path,
        """
        version: 1
        extends: central/base.yaml
        mode: enforce
        fail_on: medium
        rules:
          - id: lint
            enabled: false
          - id: mine
            match: {tool: pip-audit}
            action: warn
        exceptions:
          - id: EX
            match: {package: pyyaml}
            reason: r2
            owner: o2
            expires: 2027-01-31
        """,
    )
    assert [r.id for r in team.rules] == ["mine", "iac"]  # team first; 'lint' switched off
    assert [(x.id, x.reason) for x in team.exceptions] == [("EX", "r2")]  # same id: replaced
    assert team.fail_on is Severity.MEDIUM
    assert "central/base.yaml" in team.rules[1].origin
    # The base's staging overlay applies after the team's base settings.
    staging = load_policy(tmp_path / "policy.yaml", "staging")
    assert not staging.enforce


def test_extends_path_is_relative_to_the_file_not_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_policy(POLICIES / "teams" / "terraform-infra.yaml").rules[0].id == "encryption-rollout"
