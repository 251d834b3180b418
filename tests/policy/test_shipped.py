"""The ready policies in ``policies/``, the starter, the schema, ``--explain`` and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gatekeeper.cli import main
from gatekeeper.model import Severity
from gatekeeper.policy import Policy, load_policy
from gatekeeper.policy.commands import starter_policy, validate_files
from gatekeeper.policy.evaluate import evaluate
from gatekeeper.policy.schema import schema
from gatekeeper.policy.yamlfile import parse_yaml
from gatekeeper.reporters.explain import ExplainFormat
from gatekeeper.verdict import ExceptionState, Outcome, Status
from tests.conftest import REPORTS
from tests.policy.helpers import POLICIES, TODAY, all_fixtures, fixtures, run

SHIPPED = sorted(POLICIES.rglob("*.yaml"))


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_the_ready_policies_are_there() -> None:
    names = {str(p.relative_to(POLICIES)) for p in SHIPPED}
    assert {"default.yaml", "strict.yaml", "staging-prod.yaml", "baseline.yaml"} <= names
    assert len([n for n in names if n.startswith("teams/")]) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(POLICIES)) for p in SHIPPED])
def test_every_ready_policy_validates_and_decides_the_real_fixtures(path: Path) -> None:
    result = validate_files([str(path)], today=TODAY)
    assert result.errors == 0, result.lines
    merged = load_policy(path)
    for env in (None, *merged.environments):
        policy = load_policy(path, env)
        v = evaluate(all_fixtures(), policy, today=TODAY)
        # every finding is decided once, alone or with other tools' sightings of it (correlation)
        assert sum(1 + len(e.also) for e in v.results) == sum(len(r.findings) for r in all_fixtures())
        assert all(e.decision.decided_by for e in v.results)
        assert v.status in (Status.FAILED, Status.WARNED)  # the fixtures are deliberately bad


def test_default_yaml_decides_exactly_as_the_builtin_policy() -> None:
    reports = all_fixtures()
    builtin = evaluate(reports, Policy(), today=TODAY)
    written = evaluate(reports, load_policy(POLICIES / "default.yaml"), today=TODAY)
    assert [(e.finding, e.decision) for e in builtin.results] == [(e.finding, e.decision) for e in written.results]


def test_strict_is_stricter_than_default() -> None:
    reports = ("pip-audit.json", "hadolint.json", "trivy-fs.json", "checkov.json", "gitleaks.json")
    default = run(Policy(), *reports)
    strict = run(load_policy(POLICIES / "strict.yaml"), *reports)
    assert strict.count(Outcome.FAIL) > default.count(Outcome.FAIL)
    assert all(e.decision.outcome is Outcome.FAIL for e in strict.results if e.finding.severity >= Severity.MEDIUM and e.finding.suppression is None)


def test_python_service_team_policy_on_real_reports() -> None:
    policy = load_policy(POLICIES / "teams" / "python-service.yaml")
    v = run(policy, "pip-audit.json", "pip-audit-skip.json", "gitleaks.json", "hadolint.json")
    pyyaml = [e for e in v.results if e.finding.package and e.finding.package.name == "pyyaml"]
    assert pyyaml and all(e.decision.decided_by == "exception SEC-101" for e in pyyaml)
    django = [e for e in v.results if e.finding.package and e.finding.package.name == "django"]
    assert django and all(e.decision.decided_by.startswith("rule old-django") for e in django)
    lint = [e for e in v.results if e.finding.tool == "hadolint"]
    assert {e.decision.outcome for e in lint} <= {Outcome.WARN, Outcome.PASS}
    assert {x.id: x.state for x in v.exceptions} == {"SEC-101": ExceptionState.ACTIVE}
    later = run(policy, "pip-audit.json", today=TODAY.replace(year=2027, month=2))
    assert {x.id: x.state for x in later.exceptions} == {"SEC-101": ExceptionState.EXPIRED}


def test_container_platform_team_policy_on_real_reports() -> None:
    v = run(load_policy(POLICIES / "teams" / "container-platform.yaml"), "checkov.json", "hadolint.json", "gitleaks.json")
    privileged = [e for e in v.results if e.finding.rule_id == "CKV_K8S_16"]
    assert privileged[0].decision.severity is Severity.CRITICAL and privileged[0].decision.outcome is Outcome.FAIL
    k8s = [e for e in v.results if e.decision.decided_by.startswith("rule k8s-hardening")]
    assert k8s and all("within budget" in e.decision.reason for e in k8s)
    (latest,) = [e for e in v.results if e.finding.rule_id == "DL3007"]
    assert latest.decision.severity is Severity.HIGH and latest.decision.outcome is Outcome.FAIL
    assert not v.problems  # dockerfile, iac and secrets reports are all present


def test_terraform_team_policy_budget_and_rollout() -> None:
    v = run(load_policy(POLICIES / "teams" / "terraform-infra.yaml"), "checkov-terraform.json", "gitleaks.json")
    rollout = [e for e in v.results if e.decision.decided_by.startswith("rule encryption-rollout")]
    assert rollout == []  # unrated checkov findings count as high: the terraform rule fails them anyway
    assert all(e.decision.outcome is Outcome.FAIL for e in v.results if e.finding.tool == "checkov" and e.finding.suppression is None)


def test_starter_policy_validates_and_init_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "policy.yaml"
    code, _, _ = cli(["policy", "init", str(target)], capsys)
    assert code == 0 and target.read_text(encoding="utf-8") == starter_policy()
    assert validate_files([str(target)], today=TODAY).errors == 0
    code, _, err = cli(["policy", "init", str(target)], capsys)
    assert code == 2 and "exists" in err
    code, out, _ = cli(["policy", "init"], capsys)
    assert code == 0 and out == starter_policy()
    assert "# " in starter_policy() and "exceptions:" in starter_policy()


def test_schema_command_prints_the_packaged_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["policy", "schema"], capsys)
    assert code == 0 and json.loads(out) == schema()


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(POLICIES)) for p in SHIPPED])
def test_schema_alone_accepts_every_ready_policy(path: Path) -> None:
    from jsonschema import Draft202012Validator

    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert list(Draft202012Validator(schema()).iter_errors(data)) == []


def test_policy_validate_cli(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(POLICIES / "strict.yaml"), str(POLICIES / "teams" / "python-service.yaml")]
    code, out, _ = cli(["policy", "validate", *files], capsys)
    assert code == 0
    assert re.search(r"strict.yaml: valid \(1 rules, 0 severity overrides, 0 exceptions\)", out)
    assert "environments: staging" in out


def test_explain_names_what_decided_each_finding() -> None:
    policy = load_policy(POLICIES / "teams" / "container-platform.yaml", "staging")
    v = evaluate(fixtures("hadolint.json", "gitleaks.json"), policy, today=TODAY)
    text = ExplainFormat().format(v)
    assert text.startswith(f"policy: {POLICIES / 'teams' / 'container-platform.yaml'} (environment: staging) [warn mode")
    blocks = text.split("\n\n")
    latest = next(b for b in blocks if " DL3007 " in b)
    assert latest.splitlines()[0].startswith("FAIL       hadolint DL3007  fixtures/targets/Dockerfile:2")
    assert "severity:   medium -> high (tool said warning)" in latest
    assert re.search(r"decided by: rule dockerfile \(.*container-platform.yaml:\d+\)", latest)
    assert "re-rated from medium at" in latest and "baseline.yaml" in latest
    assert sum(1 for b in blocks if "decided by:" in b) == len(v.results)


def test_check_explain_and_env_options(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    policy = str(POLICIES / "staging-prod.yaml")
    report = str(REPORTS / "gitleaks.json")
    code, out, _ = cli(["check", report, "--policy", policy, "--env", "staging", "--explain"], capsys)
    assert code == 0  # staging is warn-only
    assert "(environment: staging)" in out and "decided by: secrets" in out
    monkeypatch.setenv("GATEKEEPER_ENV", "prod")
    code, out, _ = cli(["check", report, "--policy", policy], capsys)
    assert code == 1
    assert "required report missing" in out
    monkeypatch.setenv("GATEKEEPER_ENV", "prd")
    code, _, err = cli(["check", report, "--policy", policy], capsys)
    assert code == 2 and "environment 'prd' is not defined" in err


def yaml_examples() -> list[str]:
    # The policy reference is a page of the documentation site.
    text = (Path(__file__).parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)


@pytest.mark.parametrize("example", yaml_examples())
def test_every_yaml_example_in_the_reference_is_valid(example: str, tmp_path: Path) -> None:
    if "extends:" in example:
        example = re.sub(r"extends: .*", f"extends: {POLICIES / 'baseline.yaml'}", example)
    if not re.search(r"^version:", example, re.MULTILINE):
        example = "version: 1\n" + example
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    assert validate_files([str(path)], today=TODAY).errors == 0, validate_files([str(path)], today=TODAY).lines
