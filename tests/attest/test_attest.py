"""``check --attest`` and ``verify`` through the real CLI, with keys made here, and every
envelope checked by a DSSE verifier written from the specification (helpers.independent_verify)."""

from __future__ import annotations

import base64
import hashlib
import datetime
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature

from gatekeeper import __version__
from tests.attest.helpers import (
    APPROVAL_POLICY, CLEAN, COMMIT, IMAGE, PIP_AUDIT, KeyPair, gate, independent_verify, make_key, sha256_of,
    sign_statement,
)
from tests.conftest import ROOT


def attest(capsys: pytest.CaptureFixture[str], pair: KeyPair, out: Path, *args: str | Path) -> tuple[int, str, str]:
    return gate(capsys, "check", *args, "--attest", out, "--signing-key", pair.private, "--resource", IMAGE)


def test_a_passing_gate_is_attested_passed_and_verifies(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    out = tmp_path / "gate.intoto.json"
    code, _, err = attest(capsys, keypair, out, CLEAN)
    assert code == 0, err
    assert "signed attestation" in err
    statement = independent_verify(out.read_bytes(), keypair.public.read_bytes())
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert statement["subject"] == [{"name": "ghcr.io/acme/app", "digest": {"sha256": "5e" * 32}}]
    p = statement["predicate"]
    assert p["verificationResult"] == "PASSED" and p["verifiedLevels"] == []
    assert p["resourceUri"] == IMAGE
    assert p["verifier"] == {"id": "https://github.com/gatekeeper/gatekeeper", "version": {"gatekeeper": __version__}}
    assert p["policy"]["uri"] == "gatekeeper:built-in-default"
    assert p["inputAttestations"] == [
        {"uri": str(CLEAN), "digest": {"sha256": sha256_of(CLEAN)}, "annotations": {"kind": "report", "tool": "gitleaks", "format": "gitleaks"}}
    ]
    verified = datetime.datetime.fromisoformat(p["timeVerified"].replace("Z", "+00:00"))
    assert abs(datetime.datetime.now(datetime.timezone.utc) - verified) < datetime.timedelta(minutes=5)
    assert p["https://gatekeeper.dev/verdict/v1"]["status"] == "passed"

    code, text, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-resource", IMAGE, "--max-age", "1h")
    assert code == 0, err
    assert "signature valid (key release" in text
    assert "result:    PASSED" in text


def test_needs_approval_is_failed_with_the_policy_chain_and_report_digests(
    capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path
) -> None:
    out = tmp_path / "gate.json"
    code, _, err = attest(capsys, keypair, out, PIP_AUDIT, "--policy", APPROVAL_POLICY, "--env", "prod")
    assert code == 3, err
    p = independent_verify(out.read_bytes(), keypair.public.read_bytes())["predicate"]
    assert p["verificationResult"] == "FAILED" and p["verifiedLevels"] == ["FAILED"]
    assert p["policy"] == {"uri": str(APPROVAL_POLICY), "digest": {"sha256": sha256_of(APPROVAL_POLICY)}}
    assert p["inputAttestations"][0]["digest"] == {"sha256": sha256_of(PIP_AUDIT)}
    gatekeeper = p["https://gatekeeper.dev/verdict/v1"]
    assert gatekeeper["status"] == "needs-approval" and gatekeeper["environment"] == "prod"
    assert gatekeeper["counts"]["approve"] > 0

    # Signed and valid, but FAILED: exit 1 unless the verifier asks for any result.
    code, text, err = gate(capsys, "verify", out, "--key", keypair.public)
    assert code == 1 and "the attested verdict is FAILED, not PASSED" in err
    assert "result:    FAILED (gate status needs-approval, environment prod)" in text
    assert gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "any")[0] == 0
    assert gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "failed")[0] == 0
    # The policy digest, as sha256sum prints it, with or without the prefix.
    digest = sha256_of(APPROVAL_POLICY)
    assert gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "any", "--expect-policy-digest", f"sha256:{digest}")[0] == 0
    assert gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "any", "--expect-policy-digest", digest)[0] == 0


def test_extends_chain_is_in_the_policy_descriptor(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("version: 1\nfail_on: critical\n")
    team = tmp_path / "team.yaml"
    team.write_text("version: 1\nextends: base.yaml\nwarn_on: low\n")
    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN, "--policy", team)[0] == 0
    p = independent_verify(out.read_bytes(), keypair.public.read_bytes())["predicate"]
    assert p["policy"]["digest"] == {"sha256": sha256_of(team)}
    [extended] = p["policy"]["annotations"]["extends"]
    assert extended["digest"] == {"sha256": sha256_of(base)} and extended["uri"].endswith("base.yaml")
    # --expect-policy-digest holds for the base the team policy extends (a central policy in force).
    assert gate(capsys, "verify", out, "--key", keypair.public, "--expect-policy-digest", f"sha256:{sha256_of(base)}")[0] == 0
    code, _, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-policy-digest", "sha256:" + "0" * 64)
    assert code == 1 and "no attested policy file has digest" in err


def test_warn_mode_does_not_make_a_violation_passed(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    policy = tmp_path / "warn.yaml"
    policy.write_text("version: 1\nmode: warn\nfail_on: high\n")
    out = tmp_path / "a.json"
    code, _, err = attest(capsys, keypair, out, PIP_AUDIT, "--policy", policy)
    assert code == 0, err  # the pipeline goes on...
    p = independent_verify(out.read_bytes(), keypair.public.read_bytes())["predicate"]
    assert p["verificationResult"] == "FAILED"  # ...but the resource did not meet the policy
    assert p["https://gatekeeper.dev/verdict/v1"]["status"] == "passed-with-warnings"
    assert p["https://gatekeeper.dev/verdict/v1"]["enforce"] is False


def _tampered(envelope: bytes, where: str) -> bytes:
    env = json.loads(envelope)
    if where == "payload":
        body = bytearray(base64.b64decode(env["payload"]))
        i = body.index(b"PASSED")
        body[i : i + 6] = b"PASSES"
        env["payload"] = base64.b64encode(bytes(body)).decode()
    elif where == "signature":
        sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
        sig[len(sig) // 2] ^= 0x01
        env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    elif where == "payloadType":
        env["payloadType"] = "application/vnd.in-toto+jsoN"
    return json.dumps(env).encode()


@pytest.mark.parametrize("where", ["payload", "signature", "payloadType"])
def test_a_changed_byte_is_refused_by_both_verifiers(
    capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path, where: str
) -> None:
    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN)[0] == 0
    bad = tmp_path / "tampered.json"
    bad.write_bytes(_tampered(out.read_bytes(), where))
    with pytest.raises(InvalidSignature):
        independent_verify(bad.read_bytes(), keypair.public.read_bytes())
    code, text, err = gate(capsys, "verify", bad, "--key", keypair.public)
    assert code == 2 and text == ""
    assert str(bad) in err and "no signature of the envelope is valid" in err


def test_a_raw_byte_changed_anywhere_in_the_file_is_never_verified(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    out = tmp_path / "a.json"
    assert attest(capsys, pair, out, CLEAN)[0] == 0
    data = out.read_bytes()
    bad = tmp_path / "bad.json"
    # Every 7th byte flipped in turn: each is refused (exit 2), never verified. Except the
    # keyid: DSSE makes it an unauthenticated hint (verify tries every trusted key anyway).
    start = data.index(b'"keyid"')
    hint = range(start, data.index(b",", start))
    for i in range(0, len(data) - 1, 7):
        if i in hint:
            continue
        changed = bytearray(data)
        changed[i] ^= 0x02
        bad.write_bytes(bytes(changed))
        code, _, _ = gate(capsys, "verify", bad, "--key", pair.public, "--expect-result", "any")
        assert code == 2, f"byte {i} changed ({data[i:i + 1]!r}) was verified"


def test_another_key_and_a_directory_of_keys(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN)[0] == 0
    other = make_key(tmp_path / "other", "ed25519", "mallory")
    code, _, err = gate(capsys, "verify", out, "--key", other.public)
    assert code == 2 and "(mallory)" in err
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "ops.pem").write_bytes(make_key(tmp_path / "ops", "ecdsa-p256", "ops").public.read_bytes())
    (trusted / "release.pub").write_bytes(keypair.public.read_bytes())
    (trusted / "README.md").write_text("not a key: ignored")
    code, text, err = gate(capsys, "verify", out, "--key", trusted)
    assert code == 0, err
    assert "key release" in text
    # A private key among the trusted keys is a mistake worth stopping for.
    (trusted / "leaked.pem").write_bytes(keypair.private.read_bytes())
    code, _, err = gate(capsys, "verify", out, "--key", trusted)
    assert code == 2 and "leaked.pem: a private key where a public key is expected" in err


def test_expectations_that_differ_exit_1(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN)[0] == 0
    code, _, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-resource", IMAGE.replace("5e", "6e", 1))
    assert code == 1 and "the attestation is about" in err
    code, _, err = gate(capsys, "verify", out, "--key", keypair.public, "--max-age", "soon")
    assert code == 2 and "--max-age" in err


def _statement(time: str, resource: str = IMAGE, result: str = "PASSED") -> dict:
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "ghcr.io/acme/app", "digest": {"sha256": "5e" * 32}}],
        "predicateType": "https://slsa.dev/verification_summary/v1",
        "predicate": {
            "verifier": {"id": "https://github.com/gatekeeper/gatekeeper"},
            "timeVerified": time,
            "resourceUri": resource,
            "policy": {"uri": "policies/team.yaml", "digest": {"sha256": "ab" * 32}},
            "verificationResult": result,
            "verifiedLevels": [],
        },
    }


def _signed_text(body: str, pair: KeyPair) -> bytes:
    """An envelope of exactly ``body`` (which json.dumps could not write: a key twice)."""
    from tests.attest.helpers import sign_statement as _sign

    env = json.loads(_sign({}, pair))
    data = body.encode()
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(data), data)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    sig = pair.key.sign(pae) if pair.kind == "ed25519" else pair.key.sign(pae, ec.ECDSA(hashes.SHA256()))
    env.update(payload=base64.b64encode(data).decode(), signatures=[{"keyid": "", "sig": base64.b64encode(sig).decode()}])
    return json.dumps(env).encode()


def test_max_age_and_a_time_in_the_future(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    old = tmp_path / "old.json"
    old.write_bytes(sign_statement(_statement((now - datetime.timedelta(days=8)).isoformat()), keypair))
    assert gate(capsys, "verify", old, "--key", keypair.public, "--max-age", "30d")[0] == 0
    code, _, err = gate(capsys, "verify", old, "--key", keypair.public, "--max-age", "7d")
    assert code == 1 and "older than --max-age" in err
    future = tmp_path / "future.json"
    future.write_bytes(sign_statement(_statement((now + datetime.timedelta(hours=2)).isoformat()), keypair))
    code, _, err = gate(capsys, "verify", future, "--key", keypair.public)
    assert code == 1 and "in the future" in err


def test_a_payload_or_predicate_of_another_type_is_refused(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    cases = {
        "type.json": sign_statement(_statement(now), keypair, payload_type="text/plain"),
        "provenance.json": sign_statement({**_statement(now), "predicateType": "https://slsa.dev/provenance/v1"}, keypair),
        "v01.json": sign_statement({**_statement(now), "_type": "https://in-toto.io/Statement/v0.1"}, keypair),
        "result.json": sign_statement(_statement(now, result="MAYBE"), keypair),
        "notjson.json": b"\x00\x01 not json",
        "list.json": b"[1, 2]",
        "nosig.json": json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": []}).encode(),
        # The same key twice: parsers disagree on which wins, so neither is believed.
        "twice.json": sign_statement(_statement(now), keypair)[:-1] + b', "payload": "e30="}',
        "twice-inside.json": _signed_text(
            json.dumps(_statement(now))[:-1] + ', "predicateType": "https://slsa.dev/verification_summary/v1"}', keypair
        ),
    }
    expected = {
        "type.json": "not an in-toto statement",
        "provenance.json": "not a SLSA verification summary",
        "v01.json": "not an in-toto Statement v1",
        "result.json": "malformed verification summary",
        "notjson.json": "not a DSSE envelope",
        "list.json": "not a DSSE envelope",
        "nosig.json": "has no signatures",
        "twice.json": "the key 'payload' appears twice",
        "twice-inside.json": "the key 'predicateType' appears twice",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        code, text, err = gate(capsys, "verify", path, "--key", keypair.public)
        assert code == 2 and text == "", name
        assert str(path) in err and expected[name] in err, (name, err)
        assert "Traceback" not in err
    code, _, err = gate(capsys, "verify", tmp_path / "missing.json", "--key", keypair.public)
    assert code == 2 and "missing.json: cannot read the attestation" in err


def test_verify_output_escapes_hostile_signed_text(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    hostile = "ghcr.io/x\x1b]8;;http://evil\x07app\x1b[2J\n::error::forged\u202e@sha256:" + "5e" * 32
    statement = _statement(now, resource=hostile)
    statement["predicate"]["policy"]["uri"] = "p\n::warning::x\x1b[31m"
    path = tmp_path / "hostile.json"
    path.write_bytes(sign_statement(statement, keypair))
    code, text, err = gate(capsys, "verify", path, "--key", keypair.public, "--expect-resource", IMAGE)
    assert code == 1
    for stream in (text, err):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
        assert not any(line.lstrip().startswith("::") for line in stream.splitlines())
    assert "\\x1b" in text


def test_resource_from_the_ci_environment(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "a.json"
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/app")
    monkeypatch.setenv("GITHUB_SHA", COMMIT)
    assert gate(capsys, "check", CLEAN, "--attest", out, "--signing-key", keypair.private)[0] == 0
    statement = independent_verify(out.read_bytes(), keypair.public.read_bytes())
    assert statement["predicate"]["resourceUri"] == f"git+https://github.com/acme/app@{COMMIT}"
    assert statement["subject"] == [{"name": "git+https://github.com/acme/app", "digest": {"gitCommit": COMMIT}}]
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("CI_PROJECT_URL", "https://gitlab.example.com/group/sub/app")
    monkeypatch.setenv("CI_COMMIT_SHA", COMMIT)
    assert gate(capsys, "check", CLEAN, "--attest", out, "--signing-key", keypair.private)[0] == 0
    statement = independent_verify(out.read_bytes(), keypair.public.read_bytes())
    assert statement["predicate"]["resourceUri"] == f"git+https://gitlab.example.com/group/sub/app@{COMMIT}"
    code, _, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-resource", f"git+https://gitlab.example.com/group/sub/app@{COMMIT}")
    assert code == 0, err


def test_no_resource_or_one_without_a_digest_is_refused_before_any_report_is_read(
    capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path
) -> None:
    out = tmp_path / "a.json"
    code, _, err = gate(capsys, "check", tmp_path / "not-read.json", "--attest", out, "--signing-key", keypair.private)
    assert code == 2 and "no resource to attest" in err and "--resource" in err
    assert "not-read.json" not in err  # refused before the reports are read
    code, _, err = gate(capsys, "check", CLEAN, "--attest", out, "--signing-key", keypair.private, "--resource", "ghcr.io/acme/app:latest")
    assert code == 2 and "names no digest" in err
    assert not out.exists()
    code, _, err = gate(capsys, "check", CLEAN, "--attest", out)
    assert code == 2 and "--attest needs --signing-key" in err
    code, _, err = gate(capsys, "check", CLEAN, "--signing-key", keypair.private)
    assert code == 2 and "give --attest FILE too" in err


def test_the_docs_page_exists_and_the_readme_links_it() -> None:
    page = ROOT / "docs" / "attestations.md"
    assert page.is_file()
    assert "docs/attestations.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_scan_attests_the_bytes_each_scanner_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    from tests.conftest import require

    venv = Path(os.environ.get("GATEKEEPER_TEST_SCANNERS_VENV", "/opt/gatekeeper-scanners"))
    require((venv / "bin" / "gitleaks").exists(), "gitleaks not found under GATEKEEPER_TEST_SCANNERS_VENV")
    monkeypatch.setenv("PATH", f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    target = tmp_path / "target"
    shutil.copytree(ROOT / "fixtures" / "targets", target)
    out, reports = tmp_path / "scan.intoto.json", tmp_path / "reports"
    image = "registry.example.com/app@sha256:" + "7a" * 32
    code, _, err = gate(
        capsys, "scan", target, "--scanner", "gitleaks", "--local", "gitleaks", "--reports-dir", reports,
        "--attest", out, "--signing-key", pair.private, "--resource", image,
    )
    assert code == 1, err  # the planted secrets fail
    p = independent_verify(out.read_bytes(), pair.public.read_bytes())["predicate"]
    assert p["verificationResult"] == "FAILED" and p["resourceUri"] == image
    [report] = p["inputAttestations"]
    assert report["annotations"]["tool"] == "gitleaks"
    assert report["digest"] == {"sha256": sha256_of(reports / "gitleaks.json")}


def test_openssl_verifies_the_envelopes_signature(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    """A second verifier that shares no code with gatekeeper or cryptography's Python API:
    the openssl command line, over the PAE written out by the test."""
    import shutil
    import subprocess

    from tests.conftest import require

    openssl = shutil.which("openssl")
    require(openssl is not None, "openssl not found")
    assert openssl is not None
    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN)[0] == 0
    env = json.loads(out.read_bytes())
    body, ptype = base64.b64decode(env["payload"]), env["payloadType"].encode()
    pae, sig = tmp_path / "pae.bin", tmp_path / "sig.bin"
    pae.write_bytes(b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body))
    sig.write_bytes(base64.b64decode(env["signatures"][0]["sig"]))
    if keypair.kind == "ed25519":
        command = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(keypair.public), "-rawin", "-in", str(pae), "-sigfile", str(sig)]
    else:
        command = [openssl, "dgst", "-sha256", "-verify", str(keypair.public), "-signature", str(sig), str(pae)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Verified" in done.stdout + done.stderr, done.stdout + done.stderr
    pae.write_bytes(pae.read_bytes().replace(b"PASSED", b"FAILED"))
    assert subprocess.run(command, capture_output=True, text=True, timeout=60).returncode != 0
    # keyid: the hex SHA-256 of the public key's DER, as the docs say openssl computes it.
    der = subprocess.run([openssl, "pkey", "-pubin", "-in", str(keypair.public), "-outform", "DER"], capture_output=True, timeout=60).stdout
    assert env["signatures"][0]["keyid"] == hashlib.sha256(der).hexdigest()


def test_securesystemslib_verifies_our_envelopes_and_refuses_tampered_ones(
    capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path
) -> None:
    """The DSSE implementation of the in-toto/TUF projects (securesystemslib) as a third verifier."""
    from cryptography.hazmat.primitives import serialization

    # NOTE: a test dependency (pyproject.toml); skipped only in a venv installed before it was.
    pytest.importorskip("securesystemslib")
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    out = tmp_path / "a.json"
    assert attest(capsys, keypair, out, CLEAN)[0] == 0
    doc = json.loads(out.read_bytes())
    public = serialization.load_pem_public_key(keypair.public.read_bytes())
    # securesystemslib matches a signature to a key by keyid: ours names the key's DER digest.
    key = SSlibKey.from_crypto(public, keyid=doc["signatures"][0]["keyid"])
    envelope = Envelope.from_dict(doc)
    assert list(envelope.verify([key], 1)) == [key.keyid]
    assert json.loads(envelope.pae()[envelope.pae().index(b"{"):])["_type"] == "https://in-toto.io/Statement/v1"
    for where in ("payload", "signature", "payloadType"):
        with pytest.raises(VerificationError):
            Envelope.from_dict(json.loads(_tampered(out.read_bytes(), where))).verify([key], 1)


def test_kev_and_epss_data_are_attested_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The data files a decision used (``Verdict.data_files``) are inputs with their digests."""
    data = ROOT / "fixtures" / "risk"
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    out = tmp_path / "a.json"
    report, kev, epss = data / "pip-audit-kev.json", data / "kev-small.json", data / "epss_scores-2025-08-25.csv"
    vex = ROOT / "fixtures" / "vex" / "django.openvex.json"
    code, _, err = attest(capsys, pair, out, report, "--kev", kev, "--epss", epss, "--vex", vex)
    assert code == 1, err  # listed in the catalog: fails whatever the severity
    inputs = independent_verify(out.read_bytes(), pair.public.read_bytes())["predicate"]["inputAttestations"]
    assert sorted((i["annotations"]["kind"], i["uri"], i["digest"]["sha256"]) for i in inputs) == sorted([
        ("report", str(report), sha256_of(report)), ("kev", str(kev), sha256_of(kev)), ("epss", str(epss), sha256_of(epss)),
        ("vex", str(vex), sha256_of(vex)),
    ])


def test_a_verdict_on_a_change_says_so_and_a_deploy_step_can_refuse_it(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    """A gate that judged a pull request's diff attests that, with the diff's digest: its
    PASSED or FAILED says nothing of the findings outside the change."""
    diff = ROOT / "fixtures" / "changes" / "pull-request.diff"
    out = tmp_path / "pr.json"
    code, _, err = attest(capsys, keypair, out, ROOT / "fixtures" / "pipeline", "--diff", diff)
    assert code == 1, err
    p = independent_verify(out.read_bytes(), keypair.public.read_bytes())["predicate"]
    (change,) = [i for i in p["inputAttestations"] if i["annotations"]["kind"] == "change"]
    assert change == {"uri": str(diff), "digest": {"sha256": sha256_of(diff)}, "annotations": {"kind": "change", "filter": "added"}}
    judged = p["https://gatekeeper.dev/verdict/v1"]["change"]
    assert judged["against"] == f"diff {diff}" and judged["filter"] == "added" and judged["outside"] > 100
    code, text, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "any")
    assert code == 0, err
    assert f"judged:    the change against diff {diff} (diff-filter added); findings outside it did not count" in text
    code, _, err = gate(capsys, "verify", out, "--key", keypair.public, "--expect-result", "any", "--expect-codebase")
    assert code == 1 and "the verdict judged a change (diff " in err and "not the whole codebase" in err

    # A statement that names a change only among its inputs (another producer) is one too.
    foreign = _statement(datetime.datetime.now(datetime.timezone.utc).isoformat())
    foreign["predicate"]["inputAttestations"] = [{"uri": "pr.diff", "annotations": {"kind": "change"}}]
    other = tmp_path / "foreign.json"
    other.write_bytes(sign_statement(foreign, keypair))
    code, text, err = gate(capsys, "verify", other, "--key", keypair.public, "--expect-codebase")
    assert code == 1 and "judged:    a change; findings outside it did not count" in text
    assert "the verdict judged a change, not the whole codebase" in err

    whole = tmp_path / "whole.json"
    assert attest(capsys, keypair, whole, CLEAN)[0] == 0
    code, text, err = gate(capsys, "verify", whole, "--key", keypair.public, "--expect-codebase")
    assert code == 0, err
    assert "judged:    the whole codebase" in text


def test_attestation_to_standard_output_moves_the_console_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pair = make_key(tmp_path / "keys", "ecdsa-p256", "release")
    code, out, err = gate(capsys, "check", CLEAN, "--attest", "-", "--signing-key", pair.private, "--resource", IMAGE)
    assert code == 0, err
    independent_verify(out.encode(), pair.public.read_bytes())  # stdout is the envelope alone
    assert "PASSED" in err
    code, _, err = gate(capsys, "check", CLEAN, "--attest", "-", "--json", "-", "--signing-key", pair.private, "--resource", IMAGE)
    assert code == 2 and "only one output can go to standard output" in err


@pytest.mark.parametrize("resource", [
    "ghcr.io/app\x1b[2J@sha256:" + "5e" * 32,
    "ghcr.io/a@b@sha256:" + "5e" * 32,
    "ghcr.io/app@sha256:" + "5E" * 32,
    "ghcr.io/app@sha256:" + "5e" * 31,
    "git+https://github.com/a/b@main",
    "https://github.com/a/b@" + "4f" * 20,
])
def test_a_resource_that_is_not_pinned_or_not_plain_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, resource: str) -> None:
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    code, _, err = gate(capsys, "check", CLEAN, "--attest", tmp_path / "a.json", "--signing-key", pair.private, "--resource", resource)
    assert code == 2 and "names no digest" in err and "\x1b" not in err
    assert not (tmp_path / "a.json").exists()


def test_verify_json_prints_the_verified_statement(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    hostile = "ghcr.io/x\x1b[2J\n::error::y@sha256:" + "5e" * 32
    path = tmp_path / "a.json"
    path.write_bytes(sign_statement(_statement(now, resource=hostile), keypair))
    code, text, err = gate(capsys, "verify", path, "--key", keypair.public, "--json")
    assert code == 0, err
    shown = json.loads(text)
    assert shown["verifiedBy"]["key"] == "release"
    assert shown["statement"] == _statement(now, resource=hostile)
    assert "\x1b" not in text and "\\u001b" in text and not any(line.lstrip().startswith("::") for line in text.splitlines())
    bad = tmp_path / "bad.json"
    bad.write_bytes(_tampered(path.read_bytes(), "signature"))
    code, text, _ = gate(capsys, "verify", bad, "--key", keypair.public, "--json")
    assert code == 2 and text == ""


def _odd_statements(now: str) -> dict[str, dict]:
    """Validly signed statements whose optional parts have unexpected types."""
    out = {}
    for name, path, value in [
        ("annotations-list", ("policy", "annotations"), ["x"]),
        ("extends-string", ("policy", "annotations"), {"extends": "x"}),
        ("extends-items", ("policy", "annotations"), {"extends": [1, None, {"digest": [1]}, {"uri": {"a": 1}}]}),
        ("policy-digest-list", ("policy", "digest"), ["ab"]),
        ("inputs-dict", ("inputAttestations",), {"a": 1}),
        ("inputs-items", ("inputAttestations",), [1, {"digest": "x", "annotations": [1]}, {"uri": None}]),
        ("verifier-string", ("verifier",), "x"),
        ("version-list", ("verifier",), {"id": "x", "version": [1]}),
        ("extension-list", ("https://gatekeeper.dev/verdict/v1",), [1]),
        ("counts-list", ("https://gatekeeper.dev/verdict/v1",), {"counts": [1], "status": {"x": 1}, "environment": ["e"]}),
        ("subject-digest-list", None, None),
    ]:
        s = _statement(now)
        if path is None:
            s["subject"] = [{"name": {"n": 1}, "digest": ["x"]}]
        else:
            s["predicate"][path[0]] = value
        out[name] = s
    return out


def test_odd_types_in_a_signed_statement_never_crash_verify(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    for name, statement in _odd_statements(now).items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(sign_statement(statement, keypair))
        for extra in ((), ("--json",), ("--expect-policy-digest", "sha256:" + "ab" * 32)):
            code, text, err = gate(capsys, "verify", path, "--key", keypair.public, "--expect-result", "any", *extra)
            assert code in (0, 1, 2) and "internal error" not in err, (name, extra, err)
    # A payload type that is not text (a lone surrogate, escaped in JSON) is refused, not a crash.
    env = json.loads(sign_statement(_statement(now), keypair))
    env["payloadType"] = "application/\\ud800"
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps(env).replace("\\\\ud800", "\\ud800"))
    code, _, err = gate(capsys, "verify", path, "--key", keypair.public)
    assert code == 2 and "internal error" not in err, err
    surrogate = tmp_path / "surrogate-inside.json"
    surrogate.write_bytes(_signed_text(json.dumps(_statement(now, resource="x\ud800@sha256:" + "5e" * 32)), keypair))
    code, _, err = gate(capsys, "verify", surrogate, "--key", keypair.public)
    assert code == 2 and "lone surrogate" in err, err


def test_verify_accepts_a_statement_signed_by_securesystemslib(capsys: pytest.CaptureFixture[str], keypair: KeyPair, tmp_path: Path) -> None:
    """The other direction: an envelope made by another DSSE implementation (its own keyid
    scheme) verifies with gatekeeper, and a wrong key still does not."""
    pytest.importorskip("securesystemslib")
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import CryptoSigner

    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    envelope = Envelope(payload=json.dumps(_statement(now)).encode(), payload_type="application/vnd.in-toto+json", signatures={})
    envelope.sign(CryptoSigner(keypair.key))
    path = tmp_path / "sslib.json"
    path.write_text(json.dumps(envelope.to_dict()))
    code, text, err = gate(capsys, "verify", path, "--key", keypair.public, "--expect-resource", IMAGE)
    assert code == 0, err
    assert "signature valid (key release" in text
    other = make_key(tmp_path / "other", keypair.kind, "other")
    assert gate(capsys, "verify", path, "--key", other.public)[0] == 2


def test_a_signature_spelled_with_other_unused_bits_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # An Ed25519 signature is 64 bytes: its base64 ends in one character (then '==') whose
    # low 4 bits decode to nothing. Changing them gives the same bytes; it must not verify.
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    out = tmp_path / "a.json"
    assert attest(capsys, pair, out, CLEAN)[0] == 0
    envelope = json.loads(out.read_text())
    sig = envelope["signatures"][0]["sig"]
    assert sig.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(sig[-3])
    envelope["signatures"][0]["sig"] = sig[:-3] + alphabet[last ^ 1] + "=="
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(envelope))
    code, text, err = gate(capsys, "verify", bad, "--key", pair.public, "--expect-result", "any")
    assert code == 2 and text == ""
    assert "not canonical base64" in err
