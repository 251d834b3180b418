"""The approval record, pure: identity, signing, verification and coverage."""

from __future__ import annotations

import datetime
import json
from dataclasses import replace

import pytest

from gatekeeper import approval
from gatekeeper.model import Package
from gatekeeper.policy import load_policy
from gatekeeper.policy.evaluate import evaluate
from gatekeeper.verdict import Outcome, Status, Verdict
from tests.approval.helpers import KEY, POLICY
from tests.policy.helpers import TODAY, fixtures

NOW = datetime.datetime(2026, 12, 1, 10, 15, 30, 123, tzinfo=datetime.timezone.utc)


def prod(*names: str) -> Verdict:
    return evaluate(fixtures(*names), load_policy(POLICY, "prod"), today=TODAY)


def signed(v: Verdict, key: str = KEY) -> str:
    return approval.dumps(approval.build(v, "alice", "CHG-1234: fix next sprint", NOW), key.encode())


def test_the_record_lists_exactly_the_findings_that_need_approval() -> None:
    v = prod("pip-audit.json", "hadolint.json")
    data = json.loads(signed(v))
    assert data["kind"] == "gatekeeper-approval" and data["version"] == 1
    assert (data["approver"], data["reason"], data["environment"]) == ("alice", "CHG-1234: fix next sprint", "prod")
    assert data["created"] == "2026-12-01T10:15:30Z"
    assert data["algorithm"] == "hmac-sha256" and len(data["signature"]) == 64
    assert sorted(a["id"] for a in data["findings"]) == sorted(approval.identity(e) for e in approval.needing_approval(v))
    assert len(data["findings"]) == 45
    django = next(a for a in data["findings"] if a["tool"] == "pip-audit")
    assert django["package"] == "django 2.2.1" and django["severity"] == "high"


def test_a_verified_record_approves_the_same_findings() -> None:
    v = prod("pip-audit.json", "hadolint.json")
    record = approval.loads(signed(v), KEY.encode(), "approval.json")
    after = approval.apply(v, record, "approval.json")
    assert after.status is Status.WARNED  # the medium lint warnings remain
    assert after.count(Outcome.APPROVE) == 0
    done = approval.approved(after)
    assert len(done) == 45
    assert {e.decision.decided_by for e in done} == {"approval alice"}
    assert all(e.decision.outcome is Outcome.PASS for e in done)
    assert done[0].decision.reason.startswith("approved by alice at 2026-12-01T10:15:30Z: CHG-1234: fix next sprint (needed approval: ")
    assert any("covers 45 of the findings that need approval" in n for n in after.notices)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: replace(f, package=replace(f.package, version="2.2.2")),
        lambda f: replace(f, severity=f.severity.__class__.CRITICAL),
        lambda f: replace(f, rule_id="PYSEC-2099-1"),
        lambda f: replace(f, fingerprint="0" * 32),
        lambda f: replace(f, package=Package("flask", "2.2.1")),
    ],
    ids=["version", "severity", "rule", "fingerprint", "package"],
)
def test_a_changed_finding_has_another_identity(change) -> None:  # type: ignore[no-untyped-def]
    v = prod("pip-audit.json")
    e = approval.needing_approval(v)[0]
    assert approval.identity(replace(e, finding=change(e.finding))) != approval.identity(e)


def test_the_title_is_not_part_of_the_identity() -> None:
    e = approval.needing_approval(prod("pip-audit.json"))[0]
    assert approval.identity(replace(e, finding=replace(e.finding, title="reworded", message="x"))) == approval.identity(e)


def _changed_report(version: str = "2.2.2", added: bool = False) -> Verdict:
    """pip-audit.json as if django had moved to another version, or one more finding appeared."""
    from gatekeeper.model import Report

    r = fixtures("pip-audit.json")[0]
    findings = list(r.findings)
    first = findings[0]
    if added:
        findings.append(replace(first, rule_id="PYSEC-2099-1", fingerprint="f" * 32, identifiers=("PYSEC-2099-1",)))
    else:
        findings[0] = replace(first, package=replace(first.package, version=version))
    return evaluate([Report(**{**r.__dict__, "findings": tuple(findings)})], load_policy(POLICY, "prod"), today=TODAY)


@pytest.mark.parametrize("added", [False, True], ids=["changed", "added"])
def test_a_record_does_not_cover_a_changed_or_added_finding(added: bool) -> None:
    record = approval.loads(signed(prod("pip-audit.json")), KEY.encode(), "a.json")
    after = approval.apply(_changed_report(added=added), record, "a.json")
    assert after.status is Status.NEEDS_APPROVAL
    waiting = approval.needing_approval(after)
    assert len(waiting) == 1
    assert len(approval.approved(after)) == (41 if added else 40)
    note = next(n for n in after.notices if "does not cover" in n)
    assert "a.json: does not cover 1 finding that need approval (new, or changed since it was signed): pip-audit" in note


def test_a_record_for_another_environment_approves_nothing() -> None:
    record = approval.loads(signed(prod("pip-audit.json")), KEY.encode(), "a.json")
    staging_like = replace(prod("pip-audit.json"), environment="prod-eu")
    after = approval.apply(staging_like, record, "a.json")
    assert after.status is Status.NEEDS_APPROVAL and not approval.approved(after)
    assert any("the approval is for environment prod, this gate evaluates prod-eu" in n for n in after.notices)


def test_an_approval_cannot_open_a_failing_gate() -> None:
    v = prod("pip-audit.json", "trivy-fs.json")
    assert v.status is Status.FAILED
    with pytest.raises(approval.ApprovalError, match="nothing to approve: the gate's status is failed"):
        approval.build(v, "alice", "x", NOW)
    record = approval.loads(signed(prod("pip-audit.json")), KEY.encode(), "a.json")
    after = approval.apply(v, record, "a.json")
    assert after.status is Status.FAILED
    assert len(approval.approved(after)) == 41


@pytest.mark.parametrize(
    ("approver", "reason", "message"),
    [("", "x", "--approver is empty"), ("alice", "  ", "--reason is empty")],
)
def test_who_and_why_are_required(approver: str, reason: str, message: str) -> None:
    with pytest.raises(approval.ApprovalError, match=message):
        approval.build(prod("pip-audit.json"), approver, reason, NOW)


def test_nothing_to_approve() -> None:
    v = evaluate(fixtures("gitleaks-empty.json"), load_policy(POLICY, "prod"), today=TODAY)
    with pytest.raises(approval.ApprovalError, match="nothing to approve: the gate's status is passed"):
        approval.build(v, "alice", "x", NOW)


def _edit(text: str, edit) -> str:  # type: ignore[no-untyped-def]
    data = json.loads(text)
    edit(data)
    return json.dumps(data, indent=2)


SIGNATURE = "signature does not match: it was edited after signing, or signed with another key"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(approver="mallory"), SIGNATURE),
        (lambda d: d.update(reason="no reason"), SIGNATURE),
        (lambda d: d.update(environment="staging"), SIGNATURE),
        (lambda d: d.update(created="2030-01-01T00:00:00Z"), SIGNATURE),
        (lambda d: d["findings"].append(dict(d["findings"][0], id="0" * 64)), SIGNATURE),
        (lambda d: d["findings"].pop(), SIGNATURE),
        (lambda d: d["findings"][0].update(id="0" * 64), SIGNATURE),
        (lambda d: d.update(extra=True), SIGNATURE),
        (lambda d: d.update(signature="0" * 64), SIGNATURE),
        (lambda d: d.update(signature=d["signature"].upper()), SIGNATURE),
        (lambda d: d.pop("signature"), "not signed with hmac-sha256"),
        (lambda d: d.update(algorithm="none"), "not signed with hmac-sha256"),
        (lambda d: d.pop("kind"), "not an approval record"),
    ],
    ids=[
        "approver", "reason", "environment", "created", "finding-added", "finding-removed", "finding-id", "extra-field",
        "zero-signature", "signature-case", "no-signature", "algorithm-none", "no-kind",
    ],
)
def test_an_edited_record_is_refused(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    text = _edit(signed(prod("pip-audit.json")), edit)
    with pytest.raises(approval.ApprovalError, match=f"^a.json: .*{message}"):
        approval.loads(text, KEY.encode(), "a.json")


def test_a_record_signed_with_another_key_is_refused() -> None:
    text = signed(prod("pip-audit.json"), key="another-key-0123456789abcdef")
    with pytest.raises(approval.ApprovalError, match=SIGNATURE):
        approval.loads(text, KEY.encode(), "a.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid JSON"),
        ("[1]", "not an approval record"),
        ('{"kind": "gatekeeper-approval", "kind": "x"}', "duplicate key 'kind'"),
        ('{"kind": "gatekeeper-approval", "x": NaN}', "NaN is not JSON"),
    ],
)
def test_malformed_records(text: str, message: str) -> None:
    with pytest.raises(approval.ApprovalError, match=message):
        approval.loads(text, KEY.encode(), "a.json")


def test_a_signed_but_malformed_record_is_refused() -> None:
    # A record this gatekeeper did not write (another version), signed with the right key.
    import hashlib
    import hmac

    body = {"version": 2, "kind": "gatekeeper-approval", "algorithm": "hmac-sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    text = json.dumps({**body, "signature": hmac.new(KEY.encode(), canonical, hashlib.sha256).hexdigest()})
    with pytest.raises(approval.ApprovalError, match=r"a.json: malformed approval record \(version 2, this gatekeeper reads version 1\)"):
        approval.loads(text, KEY.encode(), "a.json")


@pytest.mark.parametrize(
    ("environ", "message"),
    [({}, r"\$GATEKEEPER_APPROVAL_KEY is not set"), ({"GATEKEEPER_APPROVAL_KEY": "short"}, "too short")],
)
def test_the_key_comes_from_the_environment_and_is_never_shown(environ: dict[str, str], message: str) -> None:
    with pytest.raises(approval.ApprovalError, match=message) as info:
        approval.key_from_env(environ)
    assert "short" not in str(info.value).replace("too short", "")
    assert approval.key_from_env({"GATEKEEPER_APPROVAL_KEY": KEY}) == KEY.encode()
