"""Shared by the attestation tests: keys generated here, the CLI in-process, and a DSSE
verifier written from the specification, independent of gatekeeper's code."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gatekeeper.cli import main
from tests.conftest import REPORTS, ROOT

CLEAN = REPORTS / "gitleaks-empty.json"
PIP_AUDIT = REPORTS / "pip-audit.json"
APPROVAL_POLICY = ROOT / "policies" / "release-approval.yaml"
IMAGE = "ghcr.io/acme/app:1.4@sha256:" + "5e" * 32
COMMIT = "4f" * 20


class KeyPair(NamedTuple):
    kind: str
    private: Path
    public: Path
    key: Any
    """The cryptography private key."""


def make_key(folder: Path, kind: str, name: str, password: bytes | None = None) -> KeyPair:
    """A new key pair: ``NAME.pem`` (PKCS#8) and ``NAME.pub`` (SubjectPublicKeyInfo)."""
    key: Any
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif kind == "ecdsa-p256":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ecdsa-p384":
        key = ec.generate_private_key(ec.SECP384R1())
    elif kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(kind)
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / f"{name}.pem"
    public = folder / f"{name}.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return KeyPair(kind, private, public, key)


def gate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run ``gatekeeper ARGS`` in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def independent_verify(envelope_bytes: bytes, public_pem: bytes) -> dict[str, Any]:
    """Verify a DSSE envelope as the DSSE v1.0 protocol says, with nothing of gatekeeper's:
    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body; Ed25519 over it, or
    ECDSA P-256 over its SHA-256 (DER signature, as cosign). Returns the statement; raises
    InvalidSignature (or ValueError) when no signature holds."""
    env = json.loads(envelope_bytes)
    body = base64.b64decode(env["payload"], validate=True)
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 " + str(len(ptype)).encode() + b" " + ptype + b" " + str(len(body)).encode() + b" " + body
    public = serialization.load_pem_public_key(public_pem)
    for s in env["signatures"]:
        sig = base64.b64decode(s["sig"], validate=True)
        try:
            if isinstance(public, ed25519.Ed25519PublicKey):
                public.verify(sig, pae)
            else:
                assert isinstance(public, ec.EllipticCurvePublicKey)
                public.verify(sig, pae, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return dict(json.loads(body))
    raise InvalidSignature("no signature holds")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sign_statement(statement: dict[str, Any], pair: KeyPair, payload_type: str = "application/vnd.in-toto+json") -> bytes:
    """An envelope made by the test itself (for statements gatekeeper would never write)."""
    body = json.dumps(statement).encode()
    ptype = payload_type.encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body)
    if pair.kind == "ed25519":
        sig = pair.key.sign(pae)
    else:
        sig = pair.key.sign(pae, ec.ECDSA(hashes.SHA256()))
    return json.dumps({
        "payloadType": payload_type,
        "payload": base64.b64encode(body).decode(),
        "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}],
    }).encode()
