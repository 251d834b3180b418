"""OpenVEX through ``gatekeeper check --vex``: what is suppressed, what is not, and bad documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.vex.helpers import PIP_AUDIT, VEX, gate, gate_json, openvex, statement, suppressed

DJANGO = "pkg:pypi/django@2.2.1"


def test_a_not_affected_statement_suppresses_exactly_its_finding(capsys: pytest.CaptureFixture[str]) -> None:
    _, before = gate_json(capsys, PIP_AUDIT)
    _, after = gate_json(capsys, PIP_AUDIT, "--vex", VEX / "django.openvex.json")
    # CVE-2019-12781 is an alias of pip-audit's PYSEC-2019-10: the alias decides.
    assert suppressed(after) == [("PYSEC-2019-10", f"vex {VEX / 'django.openvex.json'} statements[0]")]
    changed = {
        f["fingerprint"]: f["decision"]["outcome"]
        for f in after["findings"]
    }
    was = {f["fingerprint"]: f["decision"]["outcome"] for f in before["findings"]}
    assert {k for k in was if was[k] != changed[k]} == {f["fingerprint"] for f in after["findings"] if f["ruleId"] == "PYSEC-2019-10"}
    (finding,) = [f for f in after["findings"] if f["ruleId"] == "PYSEC-2019-10"]
    vex = finding["decision"]["vex"]
    assert vex["status"] == "not_affected" and vex["justification"] == "vulnerable_code_not_in_execute_path"
    assert vex["vulnerability"] == "CVE-2019-12781" and vex["statement"] == "statements[0]"
    assert "SECURE_PROXY_SSL_HEADER" in vex["impact"] and "SECURE_PROXY_SSL_HEADER" in finding["decision"]["reason"]
    assert after["vex"][0]["matched"] == 1
    assert after["data"][0]["kind"] == "vex" and len(after["data"][0]["sha256"]) == 64
    # Without --vex the report has neither key (the goldens stay as they were).
    assert "vex" not in before and "data" not in before
    assert "vex" not in json.dumps([f["decision"] for f in before["findings"]])


@pytest.mark.parametrize(
    ("product", "status", "why"),
    [
        ("pkg:pypi/django@2.2.2", "not_affected", "another version"),
        ("pkg:pypi/flask@2.2.1", "not_affected", "another package"),
        ("pkg:npm/django@2.2.1", "not_affected", "another ecosystem"),
        ("pkg:pypi/django@2.2.1?extra=argon2", "not_affected", "a qualifier the finding's purl lacks"),
        (DJANGO, "affected", "affected changes nothing"),
        (DJANGO, "under_investigation", "under investigation changes nothing"),
    ],
)
def test_statements_that_do_not_cover_the_finding_suppress_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, product: str, status: str, why: str
) -> None:
    doc = openvex(tmp_path, statement("CVE-2019-12781", product, status))
    code, after = gate_json(capsys, PIP_AUDIT, "--vex", doc)
    assert suppressed(after) == [], why
    assert code == 1
    if status == "not_affected":
        assert "matched no finding (stale): CVE-2019-12781 (statements[0])" in " ".join(after["verdict"]["notices"])


def test_a_versionless_purl_covers_every_version_and_fixed_suppresses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = openvex(tmp_path, statement("CVE-2019-14232", "pkg:pypi/django", "fixed"))
    _, after = gate_json(capsys, PIP_AUDIT, "--vex", doc)
    assert [rule for rule, _ in suppressed(after)] == ["PYSEC-2019-11"]
    (f,) = [f for f in after["findings"] if f["ruleId"] == "PYSEC-2019-11"]
    assert f["decision"]["reason"].startswith("fixed per VEX ")


def test_the_latest_statement_wins(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    older = statement("CVE-2019-12781", DJANGO, timestamp="2026-01-01T00:00:00Z")
    newer = statement("CVE-2019-12781", DJANGO, "affected", timestamp="2026-02-01T00:00:00+01:00")
    # Written in either order, the later statement (affected) decides: nothing is suppressed.
    for statements in ((older, newer), (newer, older)):
        _, after = gate_json(capsys, PIP_AUDIT, "--vex", openvex(tmp_path, *statements))
        assert suppressed(after) == []
    # Reversed in time, not_affected is the latest and suppresses.
    again = statement("CVE-2019-12781", DJANGO, timestamp="2026-03-01T00:00:00Z")
    _, after = gate_json(capsys, PIP_AUDIT, "--vex", openvex(tmp_path, newer, again))
    assert [rule for rule, _ in suppressed(after)] == ["PYSEC-2019-10"]


def test_the_older_openvex_context_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = {
        "@context": "https://openvex.dev/ns/v0.0.1", "@id": "x", "author": "Team", "timestamp": "2026-01-01T00:00:00Z",
        "version": "1",
        "statements": [{"vulnerability": "CVE-2019-12781", "products": [DJANGO], "status": "not_affected",
                        "justification": "component_not_present"}],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    _, after = gate_json(capsys, PIP_AUDIT, "--vex", path)
    assert [rule for rule, _ in suppressed(after)] == ["PYSEC-2019-10"]


def test_environment_and_policy_name_vex_documents_cli_first(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    first = openvex(tmp_path, statement("CVE-2019-12781", DJANGO), name="a.json")
    second = openvex(tmp_path, statement("CVE-2019-14232", DJANGO), name="b.json")
    third = openvex(tmp_path, statement("CVE-2019-14233", DJANGO), name="c.json")
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    policy = policy_dir / "gate.yaml"
    policy.write_text("version: 1\ndata:\n  vex: [../c.json]\n")

    def rules(*args: object) -> list[str]:
        return sorted(rule for rule, _ in suppressed(gate_json(capsys, PIP_AUDIT, *args)[1]))

    assert rules("--policy", policy) == ["PYSEC-2019-12"]  # relative to the policy file
    monkeypatch.setenv("GATEKEEPER_VEX", f"{first}{__import__('os').pathsep}{second}")
    assert rules("--policy", policy) == ["PYSEC-2019-10", "PYSEC-2019-11"]
    assert rules("--policy", policy, "--vex", third) == ["PYSEC-2019-12"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"cannot read the VEX document: No such file"),
        ("", r"the VEX document is empty"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [', r"JSON"),
        ('{"hello": 1}', r"not a VEX document gatekeeper reads"),
        ('{"@context": "https://openvex.dev/ns/v9.9.9", "statements": []}', r"not a version gatekeeper reads"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "author": "a", "statements": [{"vulnerability": {"name": "CVE-1"}, '
         '"products": [{"@id": "pkg:pypi/a"}], "status": "not_affectd"}]}', r"statements\[0\]\.status: unknown status 'not_affectd'"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "yesterday", "statements": []}', r"\$\.timestamp: 'yesterday' is not an RFC 3339 time"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, '
         '"products": [{"@id": "pkg:pypi/a"}], "status": "not_affected"}]}', r"needs a justification or an impact_statement"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, '
         '"products": [], "status": "fixed"}]}', r"products: empty"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [1, 2]}', r"statements\[0\]: expected an object, got an integer"),
        ('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {"a": 1}}', r"\$\.statements: expected a list"),
    ],
    ids=["missing", "empty", "truncated", "unknown-shape", "unknown-version", "unknown-status", "bad-timestamp",
         "no-justification", "no-products", "statements-unparsable", "statements-not-a-list"],
)
def test_a_vex_document_the_gate_cannot_understand_stops_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.vex.json"
    if content is not None:
        path.write_text(content)
    code, out, err = gate(capsys, "check", PIP_AUDIT, "--vex", path)
    assert code == 2, err
    assert str(path) in err
    assert __import__("re").search(message, err), err
    assert out == ""


def test_require_justification_and_trusted_authors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    only_impact = openvex(tmp_path, statement("CVE-2019-12781", DJANGO, impact_statement="not reachable here"))
    policy = tmp_path / "strict.yaml"
    policy.write_text("version: 1\nvex:\n  require_justification: true\n")
    code, _, err = gate(capsys, "check", PIP_AUDIT, "--policy", policy, "--vex", only_impact)
    assert code == 2 and "statements[0]: not_affected for CVE-2019-12781 without a justification" in err
    # An author the policy does not list: the document's statements are not applied, and it says so.
    trusted = tmp_path / "trusted.yaml"
    trusted.write_text("version: 1\nvex:\n  authors: [Platform Security]\n")
    _, after = gate_json(capsys, PIP_AUDIT, "--policy", trusted, "--vex", VEX / "django.openvex.json")
    assert suppressed(after) == []
    assert any("is not in the policy's vex.authors: its 1 statements were not applied" in n for n in after["verdict"]["notices"])
    listed = tmp_path / "listed.yaml"
    listed.write_text("version: 1\nvex:\n  authors: [Example Security Team]\n")  # the name matches 'Name <email>'
    _, after = gate_json(capsys, PIP_AUDIT, "--policy", listed, "--vex", VEX / "django.openvex.json")
    assert [rule for rule, _ in suppressed(after)] == ["PYSEC-2019-10"]


def test_every_output_shows_the_suppression_and_its_statement(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.reporters.test_formats import json_validator

    doc = VEX / "django.openvex.json"
    code, out, _ = gate(capsys, "check", PIP_AUDIT, "--vex", doc, "--explain", "--max-listed", "1",
                        "--sarif", tmp_path / "g.sarif", "--markdown", tmp_path / "g.md", "--html", tmp_path / "g.html",
                        "--json", tmp_path / "g.json")
    assert code == 1
    line = "vex: 1 finding suppressed by 1 statement (1 document)"
    assert line in out
    assert f"vex {doc} statements[0]: not_affected CVE-2019-12781, matched 1, vulnerable_code_not_in_execute_path" in out
    assert f"decided by: vex {doc} statements[0]" in out
    assert line in (tmp_path / "g.md").read_text() .replace("\\", "")
    assert line in (tmp_path / "g.html").read_text()
    sarif = json.loads((tmp_path / "g.sarif").read_text())
    (result,) = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    (s,) = result["suppressions"]
    assert s["kind"] == "external" and s["status"] == "accepted" and "vulnerable_code_not_in_execute_path" in s["justification"]
    assert s["properties"]["gatekeeper"]["vex"]["statement"] == "statements[0]"
    report = json.loads((tmp_path / "g.json").read_text())
    assert not [e.message for e in json_validator().iter_errors(report)]


def test_a_decision_record_keeps_the_documents_and_replay_needs_the_same(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    doc = openvex(tmp_path, statement("CVE-2019-12781", DJANGO))
    record = tmp_path / "record.json"
    code, _, err = gate(capsys, "check", PIP_AUDIT, "--vex", doc, "--record", record)
    assert code == 1, err
    data = json.loads(record.read_text())["data"]
    assert data == [{"kind": "vex", "path": str(doc), "sha256": __import__("hashlib").sha256(doc.read_bytes()).hexdigest()}]
    # $GATEKEEPER_VEX at replay time changes nothing: the recorded documents are applied.
    monkeypatch.setenv("GATEKEEPER_VEX", str(VEX / "django.csaf.json"))
    code, out, err = gate(capsys, "replay", record)
    assert code == 0 and "SAME" in out, out + err
    doc.write_text(doc.read_text().replace("vulnerable_code_not_present", "component_not_present"))
    code, out, err = gate(capsys, "replay", record)
    assert code == 1 and f"vex file {doc} changed" in out, out + err
    doc.unlink()
    code, out, err = gate(capsys, "replay", record)
    assert code == 2 and f"vex file {doc} cannot be read" in err, out + err


def test_a_base_policys_vex_documents_and_the_extending_files_are_all_applied(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    central = tmp_path / "central"
    team = tmp_path / "team"
    central.mkdir()
    team.mkdir()
    openvex(central, statement("CVE-2019-12781", DJANGO), name="org.openvex.json")
    openvex(team, statement("CVE-2019-14232", DJANGO), name="team.openvex.json")
    (central / "base.yaml").write_text("version: 1\ndata:\n  vex: [org.openvex.json]\n")
    (team / "gate.yaml").write_text(
        "version: 1\nextends: ../central/base.yaml\ndata:\n  vex: [team.openvex.json]\n"
        "environments:\n  prod:\n    vex:\n      authors: [Platform Security]\n"
    )
    _, after = gate_json(capsys, PIP_AUDIT, "--policy", team / "gate.yaml")
    assert sorted(rule for rule, _ in suppressed(after)) == ["PYSEC-2019-10", "PYSEC-2019-11"]
    # The prod environment trusts another author only: neither document applies there.
    _, after = gate_json(capsys, PIP_AUDIT, "--policy", team / "gate.yaml", "--env", "prod")
    assert suppressed(after) == []


def test_a_statements_text_stays_data_in_every_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hostile = "\x1b[31mred\x1b[0m <script>alert(1)</script> ::error::forged **bold**"
    doc = openvex(tmp_path, statement("CVE-2019-12781", DJANGO, impact_statement=hostile))
    code, out, _ = gate(capsys, "check", PIP_AUDIT, "--vex", doc, "--explain", "--annotations",
                        "--markdown", tmp_path / "g.md", "--html", tmp_path / "g.html")
    assert code == 1
    assert "\x1b" not in out
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::error::forged")]
    assert "<script>alert(1)" not in (tmp_path / "g.html").read_text() and "&lt;script&gt;alert(1)" in (tmp_path / "g.html").read_text()
    assert "**bold**" not in (tmp_path / "g.md").read_text()


def test_a_product_named_only_by_a_cpe_covers_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cpe = {"vulnerability": {"name": "CVE-2019-12781"}, "status": "not_affected", "justification": "component_not_present",
           "products": [{"identifiers": {"cpe23": "cpe:2.3:a:djangoproject:django:2.2.1:*:*:*:*:*:*:*"}}]}
    _, after = gate_json(capsys, PIP_AUDIT, "--vex", openvex(tmp_path, cpe))
    assert suppressed(after) == []
    nothing = {**cpe, "products": [{"identifiers": {}}]}
    code, _, err = gate(capsys, "check", PIP_AUDIT, "--vex", openvex(tmp_path, nothing))
    assert code == 2 and "statements[0].products[0]: a product needs an @id, identifiers" in err


def test_scan_and_approve_take_vex_too() -> None:
    from click.testing import CliRunner

    from gatekeeper.cli import cli

    for command in ("scan", "approve"):
        assert "--vex FILE" in CliRunner().invoke(cli, [command, "--help"]).output, command
