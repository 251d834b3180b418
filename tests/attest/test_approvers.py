"""Approvals signed with the approver's own private key, checked against trusted public keys
(``approve --signing-key``, ``check --approvers``), through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper.cli import check, scan
from tests.attest.helpers import APPROVAL_POLICY, KeyPair, gate, make_key
from tests.conftest import REPORTS

HADOLINT = REPORTS / "hadolint.json"
PIP_AUDIT = REPORTS / "pip-audit.json"
GATE = (PIP_AUDIT, HADOLINT, "--policy", APPROVAL_POLICY, "--env", "prod")
MARKER = "SECRET-MARKER-51c0de"


def _approve(capsys: pytest.CaptureFixture[str], key: Path, out: Path, approver: str = "alice") -> tuple[int, str, str]:
    return gate(capsys, "approve", *GATE, "--approver", approver, "--reason", "CHG-1234", "-o", out, "--signing-key", key)


@pytest.fixture
def trusted(tmp_path: Path) -> tuple[Path, KeyPair]:
    """A directory of trusted approvers' public keys, and the private key of one of them (alice)."""
    alice = make_key(tmp_path / "private" / "alice", "ecdsa-p256", "alice")
    folder = tmp_path / "approvers"
    folder.mkdir()
    (folder / "alice.pub").write_bytes(alice.public.read_bytes())
    (folder / "bob.pem").write_bytes(make_key(tmp_path / "private" / "bob", "ed25519", "bob").public.read_bytes())
    return folder, alice


def test_a_record_signed_by_a_trusted_approver_lets_the_findings_pass(
    capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path
) -> None:
    record = tmp_path / "approval.json"
    code, _, err = _approve(capsys, keypair.private, record, approver="release@example.com")
    assert code == 0, err
    assert f"signed with {keypair.private} (" in err
    data = json.loads(record.read_text())
    assert data["algorithm"] == {"ed25519": "ed25519", "ecdsa-p256": "ecdsa-p256-sha256"}[keypair.kind]
    assert len(data["keyid"]) == 64 and data["signature"]
    assert gate(capsys, "check", *GATE)[0] == 3
    code, out, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", keypair.public, "--json", tmp_path / "v.json")
    assert code == 0, err
    # Who approved is the key that verifies (its file name), not the name the record claims.
    assert "45 findings approved by release" in out
    assert "signed with the trusted key release (the record names its approver 'release@example.com')" in out
    verdict = json.loads((tmp_path / "v.json").read_text())
    assert {f["decision"]["decidedBy"] for f in verdict["findings"] if f["decision"]["decidedBy"].startswith("approval")} == {"approval release"}


def test_a_directory_of_approvers_names_who_signed(capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path) -> None:
    folder, alice = trusted
    record = tmp_path / "approval.json"
    assert _approve(capsys, alice.private, record)[0] == 0
    code, out, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", folder)
    assert code == 0, err
    assert "approved by alice" in out and "the record names its approver" not in out


def test_a_record_signed_by_an_untrusted_key_is_refused(
    capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path
) -> None:
    folder, _ = trusted
    mallory = make_key(tmp_path / "mallory", "ed25519", "mallory")
    record = tmp_path / "approval.json"
    assert _approve(capsys, mallory.private, record, approver="alice")[0] == 0
    code, out, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", folder)
    assert code == 2
    assert f"{record}: the approval record is signed by none of the trusted approvers (alice, bob)" in err
    # The keyid is a hint, never trusted: naming alice's key changes nothing.
    data = json.loads(record.read_text())
    data["keyid"] = json.loads(_alice_record(capsys, trusted, tmp_path).read_text())["keyid"]
    record.write_text(json.dumps(data))
    assert gate(capsys, "check", *GATE, "--approval", record, "--approvers", folder)[0] == 2


def _alice_record(capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path) -> Path:
    record = tmp_path / "alice-approval.json"
    assert _approve(capsys, trusted[1].private, record)[0] == 0
    return record


@pytest.mark.parametrize("field", ["reason", "approver", "environment", "algorithm", "findings", "signature"])
def test_an_edited_record_is_refused(capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path, field: str) -> None:
    folder, _ = trusted
    record = _alice_record(capsys, trusted, tmp_path)
    data = json.loads(record.read_text())
    if field == "findings":
        data["findings"].pop()
    elif field == "signature":
        data["signature"] = data["signature"][:-4] + ("AAAA" if not data["signature"].endswith("AAAA") else "BBBB")
    elif field == "algorithm":
        data["algorithm"] = "ed25519" if data["algorithm"] != "ed25519" else "ecdsa-p256-sha256"
    else:
        data[field] = data[field] + "x"
    record.write_text(json.dumps(data))
    code, _, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", folder)
    assert code == 2 and str(record) in err and "the gate cannot trust it" in err


def test_hmac_and_key_records_do_not_stand_in_for_each_other(
    capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = trusted
    monkeypatch.setenv("GATEKEEPER_APPROVAL_KEY", "shared-key-0123456789abcdef")
    shared = tmp_path / "hmac.json"
    assert gate(capsys, "approve", *GATE, "--approver", "alice", "--reason", "r", "-o", shared)[0] == 0
    assert json.loads(shared.read_text())["algorithm"] == "hmac-sha256"
    assert gate(capsys, "check", *GATE, "--approval", shared)[0] == 0  # HMAC records still work
    code, _, err = gate(capsys, "check", *GATE, "--approval", shared, "--approvers", folder)
    assert code == 2 and "signed with the shared key (hmac-sha256), and --approvers trusts only" in err
    keyed = _alice_record(capsys, trusted, tmp_path)
    code, _, err = gate(capsys, "check", *GATE, "--approval", keyed)
    assert code == 2 and "give the trusted approvers' public keys with --approvers" in err


def test_unusable_approver_keys(capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path) -> None:
    folder, alice = trusted
    record = _alice_record(capsys, trusted, tmp_path)
    garbage = tmp_path / "garbage.pub"
    garbage.write_text(f"-----BEGIN PUBLIC KEY-----\n{MARKER}\n-----END PUBLIC KEY-----\n")
    rsa = make_key(tmp_path / "rsa", "rsa", "rsa")
    for keys, words in [
        (garbage, "not a valid PEM public key"),
        (alice.private, "a private key where a public key is expected"),
        (rsa.public, "an RSA public key"),
        (tmp_path / "missing.pub", "cannot read the public key"),
    ]:
        code, out, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", keys)
        assert code == 2 and f"--approvers: {keys}" in err and words in err, err
        assert MARKER not in out + err and "PRIVATE KEY-----" not in err
    bad = tmp_path / "bad-signing.pem"
    bad.write_text(f"-----BEGIN PRIVATE KEY-----\n{MARKER}\n-----END PRIVATE KEY-----\n")
    code, out, err = _approve(capsys, bad, tmp_path / "never.json")
    assert code == 2 and str(bad) in err and MARKER not in out + err
    assert not (tmp_path / "never.json").exists()
    code, _, err = _approve(capsys, alice.public, tmp_path / "never.json")
    assert code == 2 and "a public key: signing needs the private key" in err


def test_record_and_replay_keep_the_approvers(
    capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path
) -> None:
    folder, _ = trusted
    approval = _alice_record(capsys, trusted, tmp_path)
    decision = tmp_path / "decision.json"
    assert gate(capsys, "check", *GATE, "--approval", approval, "--approvers", folder, "--record", decision)[0] == 0
    doc = json.loads(decision.read_text())
    assert doc["approvers"]["path"] == str(folder) and len(doc["approvers"]["sha256"]) == 64
    code, out, err = gate(capsys, "replay", decision)
    assert code == 0, out + err
    # A key added to the trusted directory is a changed input.
    (folder / "carol.pub").write_bytes(make_key(tmp_path / "private" / "carol", "ed25519", "carol").public.read_bytes())
    code, out, err = gate(capsys, "replay", decision)
    assert code == 1 and "approvers' keys" in out + err


@pytest.mark.parametrize("name", ["approvers_path", "attest_path", "signing_key", "resource"])
def test_scan_takes_the_option_as_check_does(name: str) -> None:
    assert [p for p in scan.params if p.name == name] == [p for p in check.params if p.name == name] != []


def test_an_attestation_lists_the_approval_and_the_trusted_keys(
    capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path
) -> None:
    from gatekeeper.record import keys_sha256
    from tests.attest.helpers import IMAGE, independent_verify, sha256_of

    folder, _ = trusted
    approval = _alice_record(capsys, trusted, tmp_path)
    signer = make_key(tmp_path / "ci", "ed25519", "ci")
    out = tmp_path / "a.json"
    code, _, err = gate(capsys, "check", *GATE, "--approval", approval, "--approvers", folder,
                        "--attest", out, "--signing-key", signer.private, "--resource", IMAGE)
    assert code == 0, err
    p = independent_verify(out.read_bytes(), signer.public.read_bytes())["predicate"]
    assert p["verificationResult"] == "PASSED"  # every finding that needed approval was approved
    assert p["https://gatekeeper.dev/verdict/v1"]["approvedBy"] == ["alice"]
    kinds = {i["annotations"]["kind"]: i for i in p["inputAttestations"]}
    assert kinds["approval"]["digest"] == {"sha256": sha256_of(approval)}
    assert kinds["approvers"] == {"uri": str(folder), "digest": {"sha256": keys_sha256(str(folder))}, "annotations": {"kind": "approvers"}}


def test_approvers_without_an_approval_is_a_usage_error(capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair]) -> None:
    code, _, err = gate(capsys, "check", *GATE, "--approvers", trusted[0])
    assert code == 2 and "give --approval FILE too" in err


def test_a_signature_spelled_with_other_unused_bits_is_refused(
    capsys: pytest.CaptureFixture[str], trusted: tuple[Path, KeyPair], tmp_path: Path
) -> None:
    # An Ed25519 signature's base64 ends in a character (then '==') whose low 4 bits decode to
    # nothing: the same bytes spelled otherwise are an edited record all the same.
    folder, _ = trusted
    carol = make_key(tmp_path / "private" / "carol", "ed25519", "carol")
    (folder / "carol.pub").write_bytes(carol.public.read_bytes())
    record = tmp_path / "carol.json"
    assert _approve(capsys, carol.private, record, "carol")[0] == 0
    data = json.loads(record.read_text())
    sig = data["signature"]
    assert sig.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    data["signature"] = sig[:-3] + alphabet[alphabet.index(sig[-3]) ^ 1] + "=="
    record.write_text(json.dumps(data))
    code, _, err = gate(capsys, "check", *GATE, "--approval", record, "--approvers", folder)
    assert code == 2 and "not canonical base64" in err
