"""Cross-scanner correlation on the real reports: one problem, one decision, every tool named."""

from __future__ import annotations

import json
from pathlib import Path

from gatekeeper.model import Kind, Location, Package, Severity
from gatekeeper.policy import Policy, evaluate
from gatekeeper.policy.load import load_policy
from gatekeeper.reporters import ConsoleFormat, JsonFormat, MarkdownFormat
from gatekeeper.verdict import Outcome, Status
from tests.beyond.helpers import PIP_AUDIT_WERKZEUG, TRIVY_PIP, reports, write
from tests.factories import finding, report

SECRETS = ("trivy-fs.json", "gitleaks.json")


def joined(v):  # type: ignore[no-untyped-def]
    return [e for e in v.results if e.also]


def test_trivy_and_gitleaks_see_the_same_seven_secrets_once() -> None:
    rs = reports(*SECRETS)
    v = evaluate(rs, Policy())
    groups = joined(v)
    assert len(groups) == 7
    assert all(set(e.seen_by) == {"trivy", "gitleaks"} for e in groups)
    assert sum(1 + len(e.also) for e in v.results) == sum(len(r.findings) for r in rs)
    secrets = [e for e in v.results if e.finding.kind is Kind.SECRET]
    assert len(secrets) == 7  # 7 planted secrets, 14 sightings
    # rule ids differ between the tools: the same line of the same file is the same secret
    pairs = {(e.finding.location.path, e.finding.location.start_line): {e.finding.rule_id, *(a.rule_id for a in e.also)}
             for e in groups}
    assert pairs[("fixtures/targets/app/settings.py", 10)] == {"aws-secret-access-key", "generic-api-key"}
    assert pairs[("fixtures/targets/app/.env", 3)] == {"slack-access-token", "slack-bot-token"}


def test_checkov_joins_the_aws_keys_in_credentials_json() -> None:
    v = evaluate(reports(*SECRETS, "checkov.json"), Policy())
    three = [e for e in v.results if len(e.seen_by) == 3]
    assert sorted(e.finding.location.start_line for e in three) == [4, 5]
    assert all(e.finding.location.path == "fixtures/targets/config/credentials.json" for e in three)
    assert all(set(e.seen_by) == {"trivy", "gitleaks", "checkov"} for e in three)


def test_trivy_and_pip_audit_see_the_same_werkzeug_cves_once() -> None:
    rs = reports(TRIVY_PIP, PIP_AUDIT_WERKZEUG)
    assert [len(r.findings) for r in rs] == [2, 7]
    v = evaluate(rs, Policy())
    assert len(v.results) == 7
    groups = joined(v)
    assert len(groups) == 2
    for e in groups:
        ids = {e.finding.rule_id, *(a.rule_id for a in e.also)}
        assert set(e.seen_by) == {"trivy", "pip-audit"}
        assert ids in ({"CVE-2019-14806", "PYSEC-2019-140"}, {"CVE-2020-28724", "PYSEC-2020-157"})
    # Trivy says "Werkzeug", pip-audit "werkzeug": PEP 503 names are one project


def test_the_same_tool_in_two_formats_is_counted_once() -> None:
    v = evaluate(reports("gitleaks.json", "gitleaks.sarif", "gitleaks-redacted.json"), Policy())
    assert len(v.results) == 7
    assert all(len(e.also) == 2 and e.seen_by == ("gitleaks",) for e in v.results)


def test_budgets_count_a_correlated_problem_once(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "p.yaml", """
        version: 1
        severity_overrides:
          - match: {kind: secret}
            severity: medium
        rules:
          - id: secrets
            match: {kind: secret}
            fail_on: critical
            warn_on: low
            budget: {severity: low, max: 7}
    """))
    v = evaluate(reports(*SECRETS), policy)
    secrets = [e for e in v.results if e.finding.kind is Kind.SECRET]
    assert len(secrets) == 7
    assert all(e.decision.outcome is Outcome.WARN for e in secrets)
    assert all("within budget (7 of 7" in e.decision.reason for e in secrets)


def test_the_group_is_decided_as_its_worst_sighting(tmp_path: Path) -> None:
    # An exception for Trivy's sighting only does not excuse gitleaks' sighting of the same key.
    policy = load_policy(write(tmp_path, "p.yaml", """
        version: 1
        exceptions:
          - id: trivy-only
            match: {tool: trivy, kind: secret, path: fixtures/targets/app/settings.py}
            reason: test key
            owner: sec
            expires: 2099-01-01
    """))
    v = evaluate(reports(*SECRETS), policy)
    settings = [e for e in v.results if e.finding.location.path == "fixtures/targets/app/settings.py"]
    assert len(settings) == 3
    assert all(e.decision.outcome is Outcome.FAIL and e.finding.tool == "gitleaks" for e in settings)
    assert all(a.tool == "trivy" for e in settings for a in e.also)


def test_an_ambiguous_line_is_not_joined() -> None:
    # gitleaks reports two secrets on one line: which one Trivy saw is unknown, so none is joined.
    a = finding("gitleaks", Kind.SECRET, "aws-access-token", path="app/x.py", line=3)
    b = finding("gitleaks", Kind.SECRET, "generic-api-key", path="app/x.py", line=3)
    c = finding("trivy", Kind.SECRET, "aws-access-key-id", path="src/app/x.py", line=3)
    v = evaluate([report(a, b, tool="gitleaks"), report(c, source="t.json")], Policy())
    assert len(v.results) == 3 and not joined(v)


def test_suffix_paths_join_and_other_files_do_not() -> None:
    a = finding("gitleaks", Kind.SECRET, "github-pat", path="repo/app/x.py", line=3)
    b = finding("trivy", Kind.SECRET, "github-pat", path="app/x.py", line=3)
    c = finding("trivy", Kind.SECRET, "github-pat", path="app/y.py", line=3)
    d = finding("trivy", Kind.SECRET, "github-pat", path="pp/x.py", line=3, title="not a directory boundary")
    v = evaluate([report(a, tool="gitleaks"), report(b, source="t1.json"), report(c, source="t2.json"),
                  report(d, source="t3.json")], Policy())
    assert [len(e.also) for e in v.results if e.also] == [1]
    assert len(v.results) == 3


def test_a_shared_cwe_does_not_join_vulnerabilities() -> None:
    pkg = Package("requests", "2.19.1", (), "pypi")
    a = finding("trivy", Kind.VULNERABILITY, "CVE-2018-18074", identifiers=("CVE-2018-18074", "CWE-522"))
    b = finding("pip-audit", Kind.VULNERABILITY, "PYSEC-2023-74", identifiers=("CVE-2023-32681", "CWE-522"))
    from dataclasses import replace

    a, b = replace(a, package=pkg), replace(b, package=replace(pkg, name="Requests"))
    v = evaluate([report(a), report(b, tool="pip-audit", source="p.json")], Policy())
    assert len(v.results) == 2
    c = replace(b, rule_id="PYSEC-2018-28", identifiers=("GHSA-x84v-xcm2-53pg", "CVE-2018-18074"))
    v = evaluate([report(a), report(c, tool="pip-audit", source="p.json")], Policy())
    assert len(v.results) == 1 and v.results[0].seen_by in (("trivy", "pip-audit"), ("pip-audit", "trivy"))


def test_another_version_is_another_problem() -> None:
    rs = reports(TRIVY_PIP, PIP_AUDIT_WERKZEUG)
    from dataclasses import replace

    other = replace(rs[1], findings=tuple(replace(f, package=replace(f.package, version="0.12")) for f in rs[1].findings))  # type: ignore[arg-type]
    assert len(evaluate([rs[0], other], Policy()).results) == 9


def test_reporters_name_every_tool() -> None:
    v = evaluate(reports(*SECRETS, "checkov.json"), Policy())
    assert v.status is Status.FAILED
    doc = json.loads(JsonFormat().format(v))
    by_print = {f["fingerprint"]: f for f in doc["findings"]}
    group = next(e for e in v.results if len(e.seen_by) == 3)
    data = by_print[group.finding.fingerprint]
    assert set(data["seenBy"]) == {"trivy", "gitleaks", "checkov"}
    assert {a["tool"] for a in data["alsoReported"]} == set(data["seenBy"]) - {data["tool"]}
    assert doc["counts"]["findings"] == len(v.results)
    assert "trivy, " in ConsoleFormat().format(v)
    assert "trivy, " in MarkdownFormat().format(v)


def test_decided_severity_is_the_worst_sighting_first() -> None:
    v = evaluate(reports(*SECRETS), Policy())
    key = next(e for e in v.results if e.finding.location.start_line == 9 and e.also)
    assert key.finding.tool == "trivy" and key.decision.severity is Severity.CRITICAL  # Trivy rates it critical
    assert key.also[0].location == Location("fixtures/targets/app/settings.py", 9, 9)


def _reference_groups(items):  # type: ignore[no-untyped-def]
    """The grouping written plainly (every item, then a sort): what correlate.groups must give."""
    import posixpath

    from gatekeeper.policy import correlate

    parent = list(range(len(items)))

    def find(i):  # type: ignore[no-untyped-def]
        while parent[i] != i:
            i = parent[i]
        return i

    def join(a, b):  # type: ignore[no-untyped-def]
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i, (f, ri) in enumerate(items):
        for j in range(i + 1, len(items)):
            g, rj = items[j]
            if f.kind is Kind.VULNERABILITY and g.kind is Kind.VULNERABILITY:
                k = correlate.package_key(f)
                if k is not None and k == correlate.package_key(g) and correlate.vulnerability_ids(f) & correlate.vulnerability_ids(g):
                    join(i, j)
            elif f.kind is Kind.SECRET and g.kind is Kind.SECRET and ri != rj and f.location.start_line == g.location.start_line:
                a, b = correlate.secret_path(f), correlate.secret_path(g)
                if a and b and posixpath.basename(a) == posixpath.basename(b) and correlate._same_file(a, b):
                    join(i, j)
    grouped: dict[int, list[int]] = {}
    for i in range(len(items)):
        grouped.setdefault(find(i), []).append(i)
    out = []
    for members in grouped.values():
        reports_of = [items[m][1] for m in members]
        out.extend([m] for m in members) if len(set(reports_of)) < len(reports_of) else out.append(members)
    return sorted(out, key=lambda g: g[0])


def test_groups_agree_with_the_plain_grouping() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from gatekeeper.policy import correlate

    from dataclasses import replace

    vuln = st.builds(
        lambda rule, alias, name, version: replace(
            finding("t", Kind.VULNERABILITY, rule, identifiers=(alias,)), package=Package(name, version, (), "pypi")),
        st.sampled_from(["CVE-1", "CVE-2", "PYSEC-1"]), st.sampled_from(["CVE-1", "GHSA-1", "CWE-79"]),
        st.sampled_from(["Django", "django", "flask"]), st.sampled_from(["1.0", "1.0.0", None]))
    secret = st.builds(lambda path, line: finding("t", Kind.SECRET, "s", path=path, line=line),
                       st.sampled_from(["a/x.py", "x.py", "b/x.py", "./x.py", "y.py"]), st.sampled_from([1, 2]))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(vuln | secret, st.integers(0, 2)), max_size=12))
    def check(items):  # type: ignore[no-untyped-def]
        assert correlate.groups(items) == _reference_groups(items)

    check()
