"""Keys that cannot be used: each is exit 2 naming the file, never a traceback, never the key's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attest.helpers import CLEAN, IMAGE, gate, independent_verify, make_key

MARKER = "SECRET-MARKER-7f3a9c"


def _sign(capsys: pytest.CaptureFixture[str], key: Path, out: Path) -> tuple[int, str, str]:
    return gate(capsys, "check", CLEAN, "--attest", out, "--signing-key", key, "--resource", IMAGE)


def _garbage_keys(folder: Path) -> dict[str, tuple[bytes, str]]:
    """(file content, expected words) for keys that are not usable, each holding the marker."""
    body = f"MIGH{MARKER}AgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg".encode()
    return {
        "garbage.pem": (b"-----BEGIN PRIVATE KEY-----\n" + body + b"\n-----END PRIVATE KEY-----\n", "not a valid PEM private key"),
        "no-pem.pem": (f"{MARKER} not a key at all\n".encode(), "not a PEM key"),
        "cert.pem": (b"-----BEGIN CERTIFICATE-----\n" + body + b"\n-----END CERTIFICATE-----\n", "not a private key"),
        "cosign.key": (
            b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" + body + b"\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            "cosign-encrypted key",
        ),
        "binary.pem": (b"\x00\xff" + MARKER.encode() + b"\x80" * 50, "not a PEM key"),
    }


def test_unusable_signing_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    for name, (content, words) in _garbage_keys(tmp_path).items():
        key = tmp_path / name
        key.write_bytes(content)
        code, text, err = _sign(capsys, key, out)
        assert code == 2, name
        assert str(key) in err and words in err, (name, err)
        assert MARKER not in text + err and "Traceback" not in err
    assert not out.exists()


def test_wrong_key_types(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    rsa = make_key(tmp_path, "rsa", "rsa")
    p384 = make_key(tmp_path, "ecdsa-p384", "p384")
    ed = make_key(tmp_path, "ed25519", "ed")
    cases = [
        (rsa.private, "an RSA private key"),
        (p384.private, "curve secp384r1"),
        (ed.public, "a public key: signing needs the private key"),
        (tmp_path / "missing.pem", "cannot read the signing key"),
        (tmp_path, "a directory, not a signing key file"),
    ]
    for key, words in cases:
        code, _, err = _sign(capsys, key, out)
        assert code == 2 and str(key) in err and words in err, (key, err)
    # verify --key: a private key, an RSA public key, garbage
    assert _sign(capsys, ed.private, out)[0] == 0
    for key, words in [(ed.private, "a private key where a public key is expected"), (rsa.public, "an RSA public key")]:
        code, text, err = gate(capsys, "verify", out, "--key", key)
        assert code == 2 and text == "" and str(key) in err and words in err, err
        assert "PRIVATE KEY-----" not in err
    garbage = tmp_path / "garbage.pub"
    garbage.write_text(f"-----BEGIN PUBLIC KEY-----\n{MARKER}\n-----END PUBLIC KEY-----\n")
    code, _, err = gate(capsys, "verify", out, "--key", garbage)
    assert code == 2 and "not a valid PEM public key" in err and MARKER not in err
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    code, _, err = gate(capsys, "verify", out, "--key", empty)
    assert code == 2 and "no public key" in err


def test_encrypted_key_needs_its_passphrase(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = make_key(tmp_path, "ecdsa-p256", "locked", password=b"correct horse " + MARKER.encode())
    out = tmp_path / "a.json"
    code, _, err = _sign(capsys, pair.private, out)
    assert code == 2 and "the key is encrypted: put its passphrase in $GATEKEEPER_SIGNING_KEY_PASSWORD" in err
    monkeypatch.setenv("GATEKEEPER_SIGNING_KEY_PASSWORD", "wrong " + MARKER)
    code, text, err = _sign(capsys, pair.private, out)
    assert code == 2 and "cannot decrypt the key" in err and MARKER not in text + err
    monkeypatch.setenv("GATEKEEPER_SIGNING_KEY_PASSWORD", "correct horse " + MARKER)
    code, text, err = _sign(capsys, pair.private, out)
    assert code == 0, err
    assert MARKER not in text + err + out.read_text()
    independent_verify(out.read_bytes(), pair.public.read_bytes())


def test_signing_key_from_the_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = make_key(tmp_path, "ed25519", "ci")
    out = tmp_path / "a.json"
    monkeypatch.setenv("GATEKEEPER_SIGNING_KEY", str(pair.private))
    assert gate(capsys, "check", CLEAN)[0] == 0  # a key in the environment alone asks for nothing
    assert gate(capsys, "check", CLEAN, "--attest", out, "--resource", IMAGE)[0] == 0
    independent_verify(out.read_bytes(), pair.public.read_bytes())
