"""Signing keys, signatures and DSSE envelopes: Ed25519 and ECDSA P-256 in PEM files.

Pure but for ``read_private_key`` and ``read_public_keys``, the one place key files are read
(``check --signing-key``, ``approve --signing-key``, ``verify --key``, ``--approvers``).

- Private keys: PEM PKCS#8 (``-----BEGIN PRIVATE KEY-----``, or ``ENCRYPTED PRIVATE KEY``
  with the passphrase in ``$GATEKEEPER_SIGNING_KEY_PASSWORD``), as ``openssl genpkey`` writes
  them; an EC key in SEC1 form (``EC PRIVATE KEY``) is read too. Public keys: PEM
  SubjectPublicKeyInfo (``-----BEGIN PUBLIC KEY-----``), as ``openssl pkey -pubout`` and
  ``cosign generate-key-pair`` (``cosign.pub``) write them.
- Ed25519 signs the message itself; ECDSA P-256 signs its SHA-256 and the signature is
  ASN.1 DER, as cosign's default key type does.
- A key's id (``keyid``) is the hex SHA-256 of its public key's DER SubjectPublicKeyInfo
  (``openssl pkey -pubin -in key.pub -outform DER | sha256sum``). It is a hint, never trusted:
  a verifier tries every trusted key.

A key file's bytes never appear in a message: cryptography's own error texts are not shown
either, only what this module says about the file.

DSSE (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md, v1.0.0): the
signature covers ``PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``,
LEN being the byte length in ASCII decimal; the envelope is
``{"payloadType", "payload": base64(body), "signatures": [{"keyid", "sig": base64}]}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PASSWORD_ENV = "GATEKEEPER_SIGNING_KEY_PASSWORD"
MAX_KEY_BYTES = 65_536
"""A PEM key is a few hundred bytes; anything beyond 64 KB is not one."""
MAX_KEYS = 1000
"""The most keys a directory of trusted keys may hold."""
ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"
ALGORITHMS = (ED25519, ECDSA_P256)

_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----")
_KEY_SUFFIXES = (".pem", ".pub", ".key")


class SigningError(Exception):
    """A key that cannot be used, or a signature that cannot be made (exit 2)."""


@dataclass(frozen=True)
class PrivateKey:
    """A signing key read from a file; its bytes are kept only inside ``key``."""

    source: str
    """The file it was read from (for messages)."""
    algorithm: str
    """``ed25519`` or ``ecdsa-p256-sha256``."""
    keyid: str
    """The hex SHA-256 of the public key's DER SubjectPublicKeyInfo."""
    key: Any
    """The ``cryptography`` private key."""

    def __repr__(self) -> str:  # never the key
        return f"PrivateKey({self.source!r}, {self.algorithm})"


@dataclass(frozen=True)
class PublicKey:
    """A trusted public key, named by its file."""

    name: str
    """The file's name without its suffix (``alice.pub`` -> ``alice``): who holds the key."""
    source: str
    """The file it was read from."""
    algorithm: str
    keyid: str
    key: Any
    """The ``cryptography`` public key."""


def _crypto() -> Any:
    # NOTE: imported on first use: a gate that signs nothing never loads cryptography (~25 ms).
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    return serialization, ec, ed25519


def _labels(data: bytes) -> list[str]:
    return [m.decode("ascii") for m in _LABEL.findall(data[:MAX_KEY_BYTES])]


def _algorithm(key: Any, source: str, what: str) -> str:
    _, ec, ed25519 = _crypto()
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return ED25519
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name == "secp256r1":
            return ECDSA_P256
        raise SigningError(f"{source}: an ECDSA {what} on curve {key.curve.name}: gatekeeper signs with Ed25519 or ECDSA P-256 (secp256r1)")
    from cryptography.hazmat.primitives.asymmetric import dsa, ed448, rsa

    kinds = ((rsa.RSAPrivateKey, rsa.RSAPublicKey, "an RSA"), (dsa.DSAPrivateKey, dsa.DSAPublicKey, "a DSA"),
             (ed448.Ed448PrivateKey, ed448.Ed448PublicKey, "an Ed448"))
    kind = next((name for a, b, name in kinds if isinstance(key, (a, b))), "an unsupported")
    raise SigningError(f"{source}: {kind} {what}: gatekeeper signs with Ed25519 or ECDSA P-256 (e.g. openssl genpkey -algorithm ed25519)")


def keyid_of(public: Any) -> str:
    """The hex SHA-256 of a public key's DER SubjectPublicKeyInfo."""
    serialization, _, _ = _crypto()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def private_key_from_pem(data: bytes, source: str, password: bytes | None = None) -> PrivateKey:
    """The signing key in ``data`` (PEM), or a ``SigningError`` naming ``source`` (never the bytes)."""
    serialization, _, _ = _crypto()
    labels = _labels(data)
    if not labels:
        raise SigningError(f"{source}: not a PEM key (no -----BEGIN ...----- line)")
    if labels[0] == "PUBLIC KEY":
        raise SigningError(f"{source}: a public key: signing needs the private key (PEM PKCS#8, -----BEGIN PRIVATE KEY-----)")
    if "SIGSTORE" in labels[0]:
        raise SigningError(
            f"{source}: a cosign-encrypted key ({labels[0]}): gatekeeper reads PEM PKCS#8 keys "
            "(openssl genpkey -algorithm ed25519 -out key.pem); verifying with cosign's public key works as is"
        )
    if labels[0] == "RSA PRIVATE KEY":
        raise SigningError(f"{source}: an RSA private key: gatekeeper signs with Ed25519 or ECDSA P-256 (e.g. openssl genpkey -algorithm ed25519)")
    if "PRIVATE KEY" not in labels[0]:
        raise SigningError(f"{source}: not a private key (PEM {labels[0]!r})")
    encrypted = labels[0] == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in data[:MAX_KEY_BYTES]
    if encrypted and not password:
        raise SigningError(f"{source}: the key is encrypted: put its passphrase in ${PASSWORD_ENV}")
    try:
        key = serialization.load_pem_private_key(data, password=password if encrypted else None)
    except (ValueError, TypeError):
        # NOTE: cryptography's texts are not shown: they are generic, and never worth the
        # risk of quoting a key file.
        if encrypted:
            raise SigningError(f"{source}: cannot decrypt the key: wrong passphrase in ${PASSWORD_ENV}, or a damaged key") from None
        raise SigningError(f"{source}: not a valid PEM private key (damaged, or an unsupported encoding)") from None
    except Exception:  # noqa: BLE001 - UnsupportedAlgorithm and the like: never a traceback
        raise SigningError(f"{source}: a private key of an unsupported kind") from None
    algorithm = _algorithm(key, source, "private key")
    return PrivateKey(source, algorithm, keyid_of(key.public_key()), key)


def public_key_from_pem(data: bytes, source: str, name: str | None = None) -> PublicKey:
    """The public key in ``data`` (PEM SubjectPublicKeyInfo), or a ``SigningError``."""
    serialization, _, _ = _crypto()
    labels = _labels(data)
    if not labels:
        raise SigningError(f"{source}: not a PEM public key (no -----BEGIN PUBLIC KEY----- line)")
    if "PRIVATE KEY" in labels[0]:
        raise SigningError(
            f"{source}: a private key where a public key is expected: give its public key "
            "(openssl pkey -in key.pem -pubout -out key.pub); keep the private key out of the pipeline that verifies"
        )
    if labels[0] != "PUBLIC KEY":
        raise SigningError(f"{source}: not a public key (PEM {labels[0]!r}; expected -----BEGIN PUBLIC KEY-----)")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise SigningError(f"{source}: not a valid PEM public key (damaged, or an unsupported encoding)") from None
    except Exception:  # noqa: BLE001
        raise SigningError(f"{source}: a public key of an unsupported kind") from None
    algorithm = _algorithm(key, source, "public key")
    if name is None:
        name = _stem(source)
    return PublicKey(name, source, algorithm, keyid_of(key), key)


def _stem(path: str) -> str:
    base = os.path.basename(path.rstrip("/")) or path
    for suffix in _KEY_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_KEY_BYTES + 1)
    except IsADirectoryError:
        raise SigningError(f"{path}: a directory, not a {what} file") from None
    except OSError as e:
        raise SigningError(f"{path}: cannot read the {what}: {e.strerror or e}") from None
    if len(data) > MAX_KEY_BYTES:
        raise SigningError(f"{path}: larger than 64 KB: not a {what}")
    return data


def read_private_key(path: str, environ: Mapping[str, str]) -> PrivateKey:
    """The signing key at ``path`` (passphrase from ``$GATEKEEPER_SIGNING_KEY_PASSWORD``)."""
    password = environ.get(PASSWORD_ENV) or None
    try:
        secret = password.encode("utf-8") if password else None
    except UnicodeEncodeError:
        raise SigningError(f"${PASSWORD_ENV} holds bytes that are not text (not UTF-8)") from None
    return private_key_from_pem(_read(path, "signing key"), path, secret)


def read_public_keys(path: str) -> tuple[PublicKey, ...]:
    """The trusted keys at ``path``: one PEM file, or every ``*.pem``/``*.pub`` file of a
    directory (not recursive), each named by its file name without the suffix."""
    if not os.path.isdir(path):
        return (public_key_from_pem(_read(path, "public key"), path),)
    try:
        names = sorted(n for n in os.listdir(path) if n.endswith((".pem", ".pub")) and not n.startswith("."))
    except OSError as e:
        raise SigningError(f"{path}: cannot list the keys: {e.strerror or e}") from None
    if not names:
        raise SigningError(f"{path}: a directory with no public key (*.pem, *.pub) in it")
    if len(names) > MAX_KEYS:
        raise SigningError(f"{path}: more than {MAX_KEYS} keys: not a directory of trusted keys")
    keys = tuple(public_key_from_pem(_read(os.path.join(path, n), "public key"), os.path.join(path, n)) for n in names)
    seen: dict[str, str] = {}
    for k in keys:
        if k.name in seen:
            raise SigningError(f"{path}: two keys are named {k.name!r} ({seen[k.name]}, {k.source}): name each key once")
        seen[k.name] = k.source
    return keys


def sign(data: bytes, key: PrivateKey) -> bytes:
    """The signature of ``data``: Ed25519, or ECDSA P-256 over its SHA-256 (ASN.1 DER)."""
    if key.algorithm == ED25519:
        return bytes(key.key.sign(data))
    from cryptography.hazmat.primitives import hashes

    _, ec, _ = _crypto()
    return bytes(key.key.sign(data, ec.ECDSA(hashes.SHA256())))


def verify(data: bytes, signature: bytes, key: PublicKey) -> bool:
    """Whether ``signature`` is ``key``'s signature of ``data``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    _, ec, _ = _crypto()
    try:
        if key.algorithm == ED25519:
            key.key.verify(signature, data)
        else:
            key.key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what an envelope's signature covers."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def envelope(payload_type: str, body: bytes, key: PrivateKey) -> dict[str, Any]:
    """A DSSE envelope of ``body`` signed with ``key``."""
    return {
        "payloadType": payload_type,
        "payload": base64.b64encode(body).decode("ascii"),
        "signatures": [{"keyid": key.keyid, "sig": base64.b64encode(sign(pae(payload_type, body), key)).decode("ascii")}],
    }


@dataclass(frozen=True)
class Opened:
    """An envelope whose signature holds."""

    payload_type: str
    body: bytes
    key: PublicKey
    """The trusted key that verified it."""


MAX_ENVELOPE_BYTES = 16 * 1024 * 1024


def open_envelope(text: bytes, source: str, keys: Sequence[PublicKey]) -> Opened:
    """The payload of the DSSE envelope ``text`` when one of its signatures is one of
    ``keys``'; else a ``SigningError`` naming ``source``: not an envelope, or no valid signature."""
    try:
        doc = strict_json(text)
    except (ValueError, RecursionError) as e:
        raise SigningError(f"{source}: not a DSSE envelope: invalid JSON ({str(e)[:200]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("payloadType"), str) or not isinstance(doc.get("payload"), str):
        raise SigningError(f"{source}: not a DSSE envelope (no payloadType and payload strings)")
    signatures = doc.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise SigningError(f"{source}: the DSSE envelope has no signatures")
    body = _b64(doc["payload"], source, "payload")
    try:
        message = pae(doc["payloadType"], body)
    except UnicodeEncodeError:  # a lone surrogate, escaped in the JSON: not text, never signed
        raise SigningError(f"{source}: the DSSE payloadType is not text (a lone surrogate)") from None
    for entry in signatures:
        if not isinstance(entry, dict) or not isinstance(entry.get("sig"), str):
            raise SigningError(f"{source}: a DSSE signature without a sig string")
        sig = _b64(entry["sig"], source, "signature")
        hint = entry.get("keyid")
        # The keyid is a hint: the key it names is tried first, every other one after it.
        ordered = sorted(keys, key=lambda k: k.keyid != hint)
        for k in ordered:
            if verify(message, sig, k):
                return Opened(doc["payloadType"], body, k)
    tried = ", ".join(k.name for k in keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
    raise SigningError(
        f"{source}: no signature of the envelope is valid for the trusted key{'s' if len(keys) != 1 else ''} ({tried}): "
        "it was changed after signing, or signed with another key"
    )


def strict_json(text: bytes | str) -> Any:
    """JSON with no key given twice and no NaN/Infinity.

    NOTE: a duplicate key is read differently by different parsers (the first or the last
    wins): a signed document another verifier would read otherwise is refused, not guessed."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"the key {k[:60]!r} appears twice in one object")
            out[k] = v
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _b64(value: str, source: str, what: str) -> bytes:
    # DSSE allows standard or URL-safe base64; padding may be left out.
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SigningError(f"{source}: the DSSE {what} is not base64") from None
    # The last character before the padding carries unused bits that the decoder ignores:
    # 'Q==' and 'S==' decode alike. Only the canonical spelling is accepted, so a changed
    # character of an envelope never verifies (found by the byte-flipping test).
    if base64.b64encode(raw).decode("ascii").rstrip("=") != text.rstrip("="):
        raise SigningError(f"{source}: the DSSE {what} is not canonical base64 (a changed character?)")
    return raw
