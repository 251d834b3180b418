"""Verdicts for reporter tests, built by hand so they do not change when the policy does.

``rich_verdict`` has every outcome, status-relevant fields, exceptions in every state, a
gate problem and notices; ``many_verdict`` has thousands of findings over many tools.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from gatekeeper.model import Cvss, FixState, Kind, Location, Severity, Suppression
from gatekeeper.verdict import Decision, Evaluated, ExceptionState, ExceptionUse, Outcome, Status, Verdict, sort_key
from tests.factories import finding, report


def _e(f, outcome: Outcome, reason: str, by: str, severity: Severity | None = None) -> Evaluated:  # type: ignore[no-untyped-def]
    return Evaluated(f, Decision(outcome, reason, by, severity if severity is not None else f.severity))


def rich_verdict(status: Status = Status.FAILED) -> Verdict:
    crit = finding(
        severity=Severity.CRITICAL,
        title="CVE-2024-0001 in pkg 1.0 (fixed in 1.1)",
        message="A heap overflow in pkg lets a remote attacker run code.",
        identifiers=("CVE-2024-0001", "GHSA-xxxx-yyyy-zzzz"),
        cvss=(Cvss(9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3", "nvd"),),
        links=("https://avd.aquasec.com/nvd/cve-2024-0001",),
    )
    low = finding(rule_id="CVE-2024-0002", severity=Severity.LOW, path="dir with space/req.txt")
    unfixed = finding(rule_id="CVE-2024-0003", severity=Severity.HIGH, fix=FixState.NONE, path=None, line=None)
    approve = finding(rule_id="CVE-2024-0004", severity=Severity.HIGH, path="app/requirements.txt", line=7)
    excepted = finding(rule_id="CVE-2023-9999", severity=Severity.HIGH, path="base/Dockerfile", line=1)
    secret = finding(
        tool="gitleaks", kind=Kind.SECRET, rule_id="aws-access-token", title="AWS access token", path="/app/.env", line=2,
        fix=FixState.NOT_APPLICABLE,
    )
    in_source = finding(
        tool="gitleaks", kind=Kind.SECRET, rule_id="generic-api-key", title="Generic API key", path="tests/x.py",
        fix=FixState.NOT_APPLICABLE, suppression=Suppression("inSource", "test fixture key"),
    )
    lint = replace(finding(
        tool="hadolint", kind=Kind.LINT, rule_id="DL3008", title="Pin versions in apt get install.",
        severity=Severity.MEDIUM, path="Dockerfile", line=9, fix=FixState.NOT_APPLICABLE,
    ), tool_severity="warning")
    iac = replace(
        finding(
            tool="checkov", kind=Kind.MISCONFIGURATION, rule_id="CKV_K8S_20",
            title="Containers should not run with allowPrivilegeEscalation", severity=Severity.UNKNOWN,
            path="k8s/deployment.yaml", line=2, fix=FixState.NOT_APPLICABLE,
        ),
        location=Location(path="k8s/deployment.yaml", start_line=2, end_line=34, resource="Deployment.default.api"),
        tool_severity=None,
    )
    results = [
        _e(crit, Outcome.FAIL, "severity critical >= fail_on high", "fail_on"),
        _e(secret, Outcome.FAIL, "a secret was found (secrets: fail)", "secrets"),
        _e(iac, Outcome.FAIL, "severity unrated, treated as high >= fail_on high", "fail_on", Severity.HIGH),
        _e(approve, Outcome.APPROVE, "needs approval by security-team (rule approve-high)", "rule approve-high"),
        _e(lint, Outcome.WARN, "lint findings warn (rule dockerfile-lint)", "rule dockerfile-lint"),
        _e(low, Outcome.PASS, "severity low < fail_on high", "fail_on"),
        _e(unfixed, Outcome.IGNORE, "no fix available", "ignore_unfixed"),
        _e(excepted, Outcome.SUPPRESSED, "excepted until 2026-12-31 by platform-team: base image patched upstream", "exception base-image-cve"),
        _e(in_source, Outcome.SUPPRESSED, "suppressed in gitleaks (inSource): test fixture key", "gitleaks suppression"),
    ]
    results.sort(key=sort_key)
    return Verdict(
        status=status,
        results=tuple(results),
        reports=(
            report(crit, low, unfixed, approve, excepted, source="reports/trivy.json", tool_version="0.59.1", target="."),
            report(secret, in_source, tool="gitleaks", source="reports/gitleaks.json"),
            report(lint, tool="hadolint", source="reports/hadolint.json"),
            report(iac, tool="checkov", source="reports/checkov.json", tool_version="3.3.30"),
            report(tool="pip-audit", source="reports/pip-audit.json"),
        ),
        policy_name="policies/strict.yaml",
        environment="production",
        problems=("required report for 'sast' is missing",),
        notices=("reports/pip-audit.json: not audited: acme-core: requirement marked as editable",),
        exceptions=(
            ExceptionUse("base-image-cve", "base image patched upstream", "platform-team", datetime.date(2026, 12, 31), ExceptionState.EXPIRING, 1),
            ExceptionUse("old-openssl", "waiting for vendor", "ops", datetime.date(2025, 1, 31), ExceptionState.EXPIRED, 2),
            ExceptionUse("legacy-lib", "fixed long ago", "app-team", datetime.date(2027, 6, 30), ExceptionState.STALE, 0),
            ExceptionUse("accepted-risk", "internal only", "security", datetime.date(2027, 1, 1), ExceptionState.ACTIVE, 0),
        ),
    )


def many_verdict(n: int = 10_000, tools: int = 3) -> Verdict:
    """``n`` findings over ``tools`` tools, every severity, mostly failing."""
    sevs = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    results = []
    by_tool: dict[str, list] = {}  # type: ignore[type-arg]
    for i in range(n):
        tool = f"tool{i % tools}"
        sev = sevs[i % 4]
        f = finding(tool=tool, rule_id=f"RULE-{i % 97}", severity=sev, path=f"src/m{i % 50}.py", line=i + 1, title=f"problem {i}")
        outcome = Outcome.FAIL if sev >= Severity.HIGH else Outcome.PASS
        results.append(_e(f, outcome, f"severity {sev.label}", "fail_on"))
        by_tool.setdefault(tool, []).append(f)
    results.sort(key=sort_key)
    return Verdict(
        status=Status.FAILED,
        results=tuple(results),
        reports=tuple(report(*fs, tool=t, source=f"{t}.json") for t, fs in sorted(by_tool.items())),
        policy_name="built-in default",
    )


# Golden file name suffix per format.
SUFFIX = {
    "console": "console.txt",
    "sarif": "sarif",
    "json": "json",
    "markdown": "md",
    "junit": "junit.xml",
    "annotations": "annotations.txt",
    "html": "html",
}


def render_all(verdict: Verdict) -> dict[str, str]:
    """Every registered format's output for ``verdict`` (plain console, no colour)."""
    from gatekeeper.reporters import FORMATTERS

    return {fmt.value: cls().format(verdict) for fmt, cls in FORMATTERS.items()}


def load_verdict(*paths: str) -> Verdict:
    """Adapt and evaluate report files (paths relative to the project root) as ``check`` does."""
    import os

    from gatekeeper.policy import Policy, evaluate
    from gatekeeper.sources import expand_paths, load_report
    from tests.conftest import ROOT

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return evaluate([load_report(name, None) for name in expand_paths(paths)], Policy())
    finally:
        os.chdir(here)


def fixtures_verdict() -> Verdict:
    """The verdict over every real report in fixtures/reports, default policy."""
    return load_verdict("fixtures/reports")


def vex_verdict() -> Verdict:
    """pip-audit's real report with the OpenVEX, CycloneDX and CSAF fixtures (``--vex``)."""
    import os

    from gatekeeper.gate import GateRequest, run_gate
    from tests.conftest import ROOT

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        docs = ("django.openvex.json", "django.cdx-vex.json", "django.csaf.json", "django.bomlink-vex.json")
        request = GateRequest(reports=("fixtures/reports/pip-audit.json",), vex_paths=tuple(f"fixtures/vex/{d}" for d in docs))
        return run_gate(request)
    finally:
        os.chdir(here)


def risk_verdict() -> Verdict:
    """The verdict with ``--kev`` and ``--epss`` (fixtures/risk): a LOW finding in the catalog,
    a PYSEC finding listed by its alias, EPSS scores, and the data's dates as of a fixed day."""
    import datetime
    import os

    from gatekeeper.gate import GateRequest, run_gate
    from tests.conftest import ROOT

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return run_gate(GateRequest(
            reports=("fixtures/risk/trivy-kev-low.json", "fixtures/risk/pip-audit-kev.json"),
            policy_path="fixtures/risk/policy.yaml",
            kev_path="fixtures/risk/kev-small.json",
            epss_path="fixtures/risk/epss_scores-2025-08-25.csv",
            today=datetime.date(2025, 8, 30),
            now=datetime.datetime(2025, 8, 30, 12, tzinfo=datetime.timezone.utc),
        ))
    finally:
        os.chdir(here)


def hostile_verdict() -> Verdict:
    """The verdict over the hand-written hostile reports in tests/data/hostile."""
    return load_verdict("tests/data/hostile")
