"""Selection: tool, kind, category, rule, identifiers, package and version, path globs, severity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper.model import FixState, Kind, Package, Severity
from gatekeeper.policy.select import Selector, VersionMatch, categories_of, glob_regex
from tests.factories import finding, report
from tests.policy.helpers import fixture, policy_from, run


@pytest.mark.parametrize(
    ("pattern", "path", "selected"),
    [
        ("**/*.tf", "fixtures/targets/terraform/main.tf", True),
        ("**/*.tf", "main.tf", True),
        ("*.tf", "terraform/main.tf", False),
        ("fixtures/targets/k8s/**", "fixtures/targets/k8s/deployment.yaml", True),
        ("fixtures/**/Dockerfile", "fixtures/targets/Dockerfile", True),
        ("./fixtures/targets/Docker?ile", "/fixtures/targets/Dockerfile", True),
        ("src/[!t]*.py", "src/app.py", True),
        ("src/[!t]*.py", "src/test.py", False),
        ("tests/**", "src/tests/a.py", False),
    ],
)
def test_path_globs(pattern: str, path: str, selected: bool) -> None:
    from gatekeeper.policy.select import normalise_path

    assert bool(glob_regex(pattern).match(normalise_path(path))) is selected


@pytest.mark.parametrize(
    ("condition", "version", "ecosystem", "selected"),
    [
        ("<2.2.24", "2.2.1", "pypi", True),
        (">=2.0,<2.2", "2.2.1", "pypi", False),
        ("~=2.2.0", "2.2.1", "pip", True),
        ("2.2.*", "2.2.1", "pypi", True),
        ("2.2.1", "2.2.01", "poetry", True),  # PEP 440: the same version
        ("<2.2.24", "2.2.0rc1", "pypi", True),  # pre-releases are selected too
        ("1.2.*", "1.2.11-r0", "alpine", True),
        ("1.2.11-r0", "1.2.11-r0", "alpine", True),
        ("1.2.11", "1.2.11-r0", "alpine", False),
        ("<2", "1.0.0", "npm", False),  # ranges only where the ordering is known (PyPI)
    ],
)
def test_version_conditions(condition: str, version: str, ecosystem: str, selected: bool) -> None:
    assert VersionMatch(condition).check() is None
    assert VersionMatch(condition).matches(version, ecosystem) is selected


@pytest.mark.parametrize("bad", [">=1.0,<<2", "=>2", "1.0 2.0", "~=1"])
def test_invalid_version_conditions_are_explained(bad: str) -> None:
    assert VersionMatch(bad).check()


def test_identifiers_match_rule_id_and_aliases_on_real_pip_audit_report() -> None:
    r = fixture("pip-audit.json")
    by_cve = Selector(identifiers=("cve-2019-12781",))
    by_ghsa = Selector(identifiers=("ghsa-6c7v-2f49-8h26",))
    by_pysec = Selector(identifiers=("pysec-2019-*",))
    chosen = [f.rule_id for f in r.findings if by_cve.matches(f, frozenset(), f.severity)]
    assert chosen == ["PYSEC-2019-10"]
    assert [f.rule_id for f in r.findings if by_ghsa.matches(f, frozenset(), f.severity)] == ["PYSEC-2019-10"]
    assert sum(by_pysec.matches(f, frozenset(), f.severity) for f in r.findings) > 3


def test_package_names_are_normalised_for_pypi(tmp_path: Path) -> None:
    policy = policy_from(
        tmp_path,
        """
        version: 1
        rules:
          - id: old-yaml
            match: {package: PyYAML, version: "<5.4"}
            action: warn
        """,
    )
    v = run(policy, "pip-audit-skip.json")
    assert {e.decision.decided_by.split()[1] for e in v.results} == {"old-yaml"}
    assert all(e.decision.decided_by.startswith("rule old-yaml (") for e in v.results)


def test_categories_of_findings() -> None:
    assert categories_of(finding(kind=Kind.SECRET)) == {"secrets"}
    assert categories_of(finding()) == {"dependencies"}
    assert categories_of(finding(), report(categories=frozenset({"image", "dependencies"}))) == {"dependencies", "image"}
    assert categories_of(finding(kind=Kind.MISCONFIGURATION, path="infra/main.tf")) == {"iac"}
    assert categories_of(finding(kind=Kind.MISCONFIGURATION, path="docker/Dockerfile.prod")) == {"dockerfile"}
    assert categories_of(finding(tool="hadolint", kind=Kind.LINT)) == {"dockerfile"}
    assert categories_of(finding(tool="sonarqube", kind=Kind.CODE_ISSUE)) == {"sast"}


def test_every_real_finding_has_a_category_its_report_declares() -> None:
    for name in ("checkov.json", "hadolint.json", "gitleaks.json", "pip-audit.json", "trivy-fs.json"):
        r = fixture(name)
        for f in r.findings:
            assert categories_of(f, r) <= r.categories, (name, f.rule_id, categories_of(f, r), r.categories)


def test_selector_keys_combine_with_and_lists_with_or() -> None:
    f = finding(
        tool="trivy", kind=Kind.VULNERABILITY, rule_id="CVE-2024-1", severity=Severity.HIGH, fix=FixState.NONE,
        path="app/requirements.txt",
    )
    assert Selector(tools=("gitleaks", "trivy"), kinds=(Kind.VULNERABILITY,)).matches(f, frozenset(), Severity.HIGH)
    assert not Selector(tools=("trivy",), kinds=(Kind.SECRET,)).matches(f, frozenset(), Severity.HIGH)
    assert Selector(fix=(FixState.NONE,), severities=(Severity.HIGH,)).matches(f, frozenset(), Severity.HIGH)
    assert not Selector(severities=(Severity.CRITICAL,)).matches(f, frozenset(), Severity.HIGH)
    assert not Selector(paths=("*.txt",)).matches(f, frozenset(), Severity.HIGH)
    assert Selector(paths=("**/*.txt",)).matches(f, frozenset(), Severity.HIGH)
    no_path = finding(path=None)
    assert not Selector(paths=("**",)).matches(no_path, frozenset(), Severity.HIGH)
    pkg = replace(finding(), package=Package("openssl", "1.1.1k-r0", (), "alpine"))
    assert Selector(packages=("openssl",), version=VersionMatch("1.1.1*")).matches(pkg, frozenset(), Severity.HIGH)
    assert not Selector(ecosystems=("pypi",)).matches(pkg, frozenset(), Severity.HIGH)
