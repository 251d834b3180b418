"""CISA's KEV catalog (``--kev``): a listed vulnerability, by its id or any alias, fails under
the built-in policy whatever its severity and fix; the policy tunes it; outputs carry the entry."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gatekeeper.risk import RiskDataError, parse_kev
from gatekeeper.verdict import Outcome, Status
from tests.risk.helpers import KEV_SMALL, PIP_AUDIT_KEV, TRIVY_LOW, by_rule, corpus, gate, real_kev
from tests.test_cli import run


def test_the_real_catalog_is_read_whole() -> None:
    path = real_kev()
    kev = parse_kev(path.read_bytes(), str(path))
    assert len(kev.entries) == 1404 and kev.version == "2025.08.25"
    assert kev.released.isoformat() == "2025-08-25T17:04:19.979600+00:00"
    log4shell = kev.entries["CVE-2021-44228"]
    assert log4shell.ransomware and str(log4shell.due_date) == "2021-12-24"


def test_a_low_finding_in_the_catalog_fails_the_default_policy_through_the_cli() -> None:
    without = run("check", TRIVY_LOW)
    assert without.returncode == 0, without.stdout + without.stderr
    r = run("check", "--kev", real_kev(), TRIVY_LOW)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL  low       trivy     [KEV] freetype" in r.stdout
    assert "CVE-2020-15999 is known exploited (CISA KEV: added 2021-11-03, due 2021-11-17, overdue): kev fail" in r.stdout
    assert "FAILED: 1 finding violates the policy." in r.stdout


def test_the_catalog_through_the_environment_and_the_policy(tmp_path: Path) -> None:
    r = run("check", TRIVY_LOW, env={"GATEKEEPER_KEV": str(real_kev())})
    assert r.returncode == 1, r.stdout + r.stderr
    # data: paths are relative to the policy file that names them, wherever the gate runs
    org = tmp_path / "org"
    org.mkdir()
    (org / "kev.json").write_bytes(KEV_SMALL.read_bytes())
    (org / "base.yaml").write_text("version: 1\ndata:\n  kev: kev.json\n", encoding="utf-8")
    team = tmp_path / "team.yaml"
    team.write_text("version: 1\nextends: org/base.yaml\n", encoding="utf-8")
    r = run("check", "--policy", team, TRIVY_LOW)
    assert r.returncode == 1 and "kev fail" in r.stdout, r.stdout + r.stderr
    # the command line wins over the environment, which wins over the policy
    missing = tmp_path / "nowhere.json"
    r = run("check", "--policy", team, "--kev", missing, TRIVY_LOW, env={"GATEKEEPER_KEV": str(KEV_SMALL)})
    assert r.returncode == 2 and f"{missing}: cannot read the KEV catalog" in r.stderr
    r = run("check", "--policy", team, TRIVY_LOW, env={"GATEKEEPER_KEV": str(missing)})
    assert r.returncode == 2 and f"{missing}: cannot read the KEV catalog" in r.stderr


def test_a_pysec_finding_whose_alias_is_listed_fails() -> None:
    # The real pip-audit names the advisory PYSEC-2022-236; its alias CVE-2022-33891 is listed.
    verdict = gate(PIP_AUDIT_KEV, kev_path=str(real_kev()))
    results = by_rule(verdict)
    assert results["PYSEC-2022-236"].decision.reason.endswith(
        "; CVE-2022-33891 is known exploited (CISA KEV: added 2023-03-07, due 2023-03-28, overdue)"
    )
    assert results["PYSEC-2022-236"].exploitation.kev.cve == "CVE-2022-33891"
    assert results["PYSEC-2022-42976"].exploitation is None


def test_a_listed_alias_decides_a_finding_the_severity_lets_pass(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    # pip-audit rates nothing (the adapter rates its findings high); failing only criticals,
    # the catalog alone fails PYSEC-2022-236, and the package's two other advisories pass.
    policy.write_text("version: 1\nfail_on: critical\n", encoding="utf-8")
    verdict = gate(PIP_AUDIT_KEV, kev_path=str(real_kev()), policy_path=str(policy))
    outcomes = {rule: (e.decision.outcome, e.decision.decided_by) for rule, e in by_rule(verdict).items()}
    assert outcomes == {
        "PYSEC-2022-236": (Outcome.FAIL, "kev"),
        "PYSEC-2022-42976": (Outcome.PASS, "fail_on"),
        "PYSEC-2023-44": (Outcome.PASS, "fail_on"),
    }
    assert verdict.status is Status.FAILED


def test_no_fix_does_not_shield_a_listed_vulnerability() -> None:
    # grype's CycloneDX report of log4j: CVE-2021-44228 and CVE-2021-45046, no fix recorded
    report = corpus("cyclonedx/dd_grype_0_41_log4j.json")
    before = by_rule(gate(report))
    assert before["CVE-2021-44228"].decision.outcome is Outcome.IGNORE
    after = by_rule(gate(report, kev_path=str(real_kev())))
    d = after["CVE-2021-44228"].decision
    assert d.outcome is Outcome.FAIL and d.decided_by == "kev"
    assert d.reason == "CVE-2021-44228 is known exploited (CISA KEV: added 2021-12-10, due 2021-12-24, overdue, known ransomware use): kev fail"


def test_the_policy_tunes_the_floor_per_environment_and_rule(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        kev: warn
        kev_overdue: approve
        environments:
          production:
            kev: fail
          sandbox:
            kev: ignore
            kev_overdue: ignore
        rules:
          - id: jars
            match: {path: "app/libs/commons-*"}
            kev: fail
    """), encoding="utf-8")
    low = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy)))["CVE-2020-15999"].decision
    assert (low.outcome, low.decided_by) == (Outcome.APPROVE, "kev_overdue")  # overdue: the stronger of the two
    prod = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy), environment="production"))
    assert (prod["CVE-2020-15999"].decision.outcome, prod["CVE-2020-15999"].decision.decided_by) == (Outcome.FAIL, "kev")
    sandbox = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy), environment="sandbox"))
    assert sandbox["CVE-2020-15999"].decision.outcome is Outcome.PASS
    assert "known exploited" in sandbox["CVE-2020-15999"].decision.reason  # still said


def test_a_rule_sets_its_own_floor(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        rules:
          - id: os-packages
            match: {path: "app/libs/freetype*"}
            kev: warn
            kev_overdue: warn
    """), encoding="utf-8")
    d = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy)))["CVE-2020-15999"].decision
    assert d.outcome is Outcome.WARN and d.decided_by.startswith("rule os-packages (")


def test_ransomware_use_and_a_passed_due_date_can_fail_a_softened_floor(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nkev: warn\nkev_ransomware: fail\n", encoding="utf-8")
    report = corpus("cyclonedx/dd_grype_0_41_log4j.json")
    results = by_rule(gate(report, kev_path=str(real_kev()), policy_path=str(policy)))
    assert (results["CVE-2021-44228"].decision.outcome, results["CVE-2021-44228"].decision.decided_by) == (
        Outcome.FAIL, "kev_ransomware"
    )
    # freetype's entry: no known ransomware use; overdue, but kev_overdue is unset (as kev)
    freetype = by_rule(gate(TRIVY_LOW, kev_path=str(real_kev()), policy_path=str(policy)))["CVE-2020-15999"]
    assert freetype.exploitation.kev.ransomware is False
    assert (freetype.decision.outcome, freetype.decision.decided_by) == (Outcome.WARN, "kev")


def test_an_exception_with_an_owner_still_accepts_a_listed_finding(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        exceptions:
          - id: freetype-mitigated
            match: {identifier: CVE-2020-15999}
            reason: fonts are never rendered from untrusted input here
            owner: platform-team
            expires: 2025-09-30
    """), encoding="utf-8")
    d = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy)))["CVE-2020-15999"].decision
    assert d.outcome is Outcome.SUPPRESSED and d.decided_by == "exception freetype-mitigated"
    assert d.reason.endswith("CVE-2020-15999 is known exploited (CISA KEV): accepted by this exception")


def test_json_carries_the_entry_only_when_the_catalog_is_given(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    r = run("check", "--kev", KEV_SMALL, "--json", out, TRIVY_LOW)
    assert r.returncode == 1, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    findings = {f["ruleId"]: f for f in doc["findings"]}
    assert findings["CVE-2020-15999"]["kev"] == {
        "cveID": "CVE-2020-15999",
        "vulnerabilityName": "Google Chrome FreeType Heap Buffer Overflow Vulnerability",
        "dateAdded": "2021-11-03",
        "dueDate": "2021-11-17",
        "knownRansomwareCampaignUse": "Unknown",
    }
    assert findings["CVE-2018-1324"]["kev"] is None
    assert doc["data"][0]["kind"] == "kev" and doc["data"][0]["version"] == "2025.08.25"
    assert doc["data"][0]["released"] == "2025-08-25T17:04:19Z" and len(doc["data"][0]["sha256"]) == 64
    r = run("check", "--json", out, TRIVY_LOW)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "data" not in doc and all("kev" not in f for f in doc["findings"])


def _catalog(**changes: object) -> bytes:
    doc = json.loads(KEV_SMALL.read_text(encoding="utf-8"))
    doc.update(changes)
    return json.dumps(doc).encode()


def _entry(**changes: object) -> bytes:
    doc = json.loads(KEV_SMALL.read_text(encoding="utf-8"))
    doc["vulnerabilities"][1].update(changes)
    return json.dumps(doc).encode()


BAD_CATALOGS = [
    ("truncated", KEV_SMALL.read_bytes()[:500], "not a KEV catalog: invalid JSON"),
    ("not a catalog", b'{"runs": []}', "not a KEV catalog: no 'vulnerabilities' list"),
    ("a list", b"[]", "not a KEV catalog: no 'vulnerabilities' list"),
    ("empty", _catalog(count=0, vulnerabilities=[]), "the KEV catalog has no entries"),
    ("count differs", _catalog(count=1404), r"\$.count says 1404 entries but the catalog has 4"),
    ("no count", _catalog(count=None), r"\$.count is missing or not an integer"),
    ("bad release time", _catalog(dateReleased="25/08/2025"), r"\$.dateReleased: '25/08/2025' is not a date or time"),
    ("no version", _catalog(catalogVersion=None), r"\$.catalogVersion is missing"),
    ("bad due date", _entry(dueDate="2021-13-01"), r"\$.vulnerabilities\[1\].dueDate '2021-13-01' is not a date"),
    ("bad added date", _entry(dateAdded="yesterday"), r"\$.vulnerabilities\[1\].dateAdded 'yesterday' is not a date"),
    ("bad id", _entry(cveID="GHSA-xxxx"), r"\$.vulnerabilities\[1\].cveID 'GHSA-xxxx' is not a CVE id"),
    ("unknown ransomware word", _entry(knownRansomwareCampaignUse="Maybe"), "is neither 'Known' nor 'Unknown'"),
    ("duplicate", _entry(cveID="CVE-2020-11651"), "CVE-2020-11651 is listed twice"),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in BAD_CATALOGS], ids=[n for n, _, _ in BAD_CATALOGS])
def test_a_catalog_the_gate_cannot_fully_read_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(RiskDataError, match=f"^cat.json: .*{message}"):
        parse_kev(data, "cat.json")


@pytest.mark.parametrize("name", ["truncated", "empty", "bad due date"])
def test_a_bad_catalog_stops_the_gate_naming_the_file(tmp_path: Path, name: str) -> None:
    data = next(d for n, d, _ in BAD_CATALOGS if n == name)
    bad = tmp_path / "kev.json"
    bad.write_bytes(data)
    r = run("check", "--kev", bad, TRIVY_LOW)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{bad}: " in r.stderr and "the gate was not evaluated" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_or_unreadable_catalog_stops_the_gate(tmp_path: Path) -> None:
    r = run("check", "--kev", tmp_path / "nope.json", TRIVY_LOW)
    assert r.returncode == 2 and "nope.json: cannot read the KEV catalog: No such file or directory" in r.stderr
    r = run("check", "--kev", tmp_path, TRIVY_LOW)
    assert r.returncode == 2 and "cannot read the KEV catalog: it is a directory" in r.stderr
    (tmp_path / "empty.json").write_bytes(b"")
    r = run("check", "--kev", tmp_path / "empty.json", TRIVY_LOW)
    assert r.returncode == 2 and "empty.json: the KEV catalog is empty" in r.stderr


def test_sarif_console_and_markdown_mark_the_listed_findings(tmp_path: Path) -> None:
    r = run("check", "--kev", KEV_SMALL, "--sarif", tmp_path / "out.sarif", "--markdown", tmp_path / "out.md", "--explain",
            TRIVY_LOW, PIP_AUDIT_KEV)
    assert r.returncode == 1, r.stderr
    listed = [line for line in r.stdout.splitlines() if line.startswith("FAIL  ") and line[6] != " "]  # not --explain's
    # known-exploited first (the LOW one before the HIGH findings that severity alone fails)
    assert listed[0].endswith("[KEV] PYSEC-2022-236 in pyspark 3.2.1") and "[KEV] freetype" in listed[1]
    assert not any("[KEV]" in line for line in listed[2:])
    assert "  exploited:  CVE-2020-15999 in CISA KEV (added 2021-11-03, due 2021-11-17)" in r.stdout
    assert "  decided by: kev\n" in r.stdout
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    props = {res["ruleId"]: res["properties"]["gatekeeper"] for run_ in sarif["runs"] for res in run_["results"]}
    assert props["CVE-2020-15999"]["kev"] == {
        "cveID": "CVE-2020-15999", "dateAdded": "2021-11-03", "dueDate": "2021-11-17", "knownRansomwareCampaignUse": "Unknown",
    }
    assert props["PYSEC-2022-236"]["kev"]["cveID"] == "CVE-2022-33891" and "kev" not in props["PYSEC-2023-44"]
    md = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert md.count("**known exploited (KEV)**") == 2


def test_kev_approve_needs_a_recorded_sign_off_and_approve_reads_the_catalog(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nkev: approve\nkev_overdue: approve\n", encoding="utf-8")
    env = {"GATEKEEPER_APPROVAL_KEY": "a-test-key-of-32-characters-long!!"}
    r = run("check", "--policy", policy, "--kev", KEV_SMALL, TRIVY_LOW, env=env)
    assert r.returncode == 3, r.stdout + r.stderr  # needs approval
    record = tmp_path / "approval.json"
    r = run("approve", "--policy", policy, "--kev", KEV_SMALL, "--approver", "alice", "--reason", "CHG-1", "-o", record,
            TRIVY_LOW, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CVE-2020-15999" in r.stderr
    r = run("check", "--policy", policy, "--kev", KEV_SMALL, "--approval", record, TRIVY_LOW, env=env)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_rule_with_an_action_still_gets_the_floor(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        rules:
          - id: os-packages
            match: {path: "app/libs/**"}
            action: ignore
    """), encoding="utf-8")
    results = by_rule(gate(TRIVY_LOW, kev_path=str(KEV_SMALL), policy_path=str(policy)))
    assert (results["CVE-2020-15999"].decision.outcome, results["CVE-2020-15999"].decision.decided_by) == (Outcome.FAIL, "kev")
    assert results["CVE-2018-1324"].decision.outcome is Outcome.IGNORE  # not listed: the rule's action stands


def test_the_lookup_takes_any_identifier_in_either_case() -> None:
    from gatekeeper.risk import RiskData

    kev = parse_kev(KEV_SMALL.read_bytes(), "kev.json")
    risk = RiskData(kev)
    assert risk.assess("PYSEC-2022-236", ("GHSA-4x9r-j582-cgr8", "CVE-2022-33891")).kev.cve == "CVE-2022-33891"
    assert risk.assess("cve-2020-15999", ()).kev.cve == "CVE-2020-15999"  # a scanner writing lower case
    assert risk.assess("GHSA-pv36-h7jh-qm62", ("CWE-787",)) is None  # the GHSA of CVE-2020-15999, without its CVE
    assert risk.assess("CVE-2020-1599", ()) is None  # no prefix matching


def test_with_a_diff_a_listed_finding_outside_the_change_fails_only_under_a_codebase_rule(tmp_path: Path) -> None:
    change = tmp_path / "change.diff"
    change.write_text("diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1,1 +1,2 @@\n a\n+b\n",
                      encoding="utf-8")
    r = run("check", "--kev", KEV_SMALL, "--diff", change, TRIVY_LOW)
    assert r.returncode == 0, r.stdout + r.stderr  # outside the change: reported, not failing
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  - id: everywhere\n    match: {kind: vulnerability}\n    scope: codebase\n",
                      encoding="utf-8")
    r = run("check", "--kev", KEV_SMALL, "--diff", change, "--policy", policy, TRIVY_LOW)
    assert r.returncode == 1 and "[KEV] freetype" in r.stdout, r.stdout + r.stderr
