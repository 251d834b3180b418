"""Approval records: a person's signed sign-off on exactly the findings that needed it.

Pure but for ``read_record``, the one place an approval record file is read.

``gatekeeper approve`` writes a record; ``gatekeeper check --approval FILE`` verifies it and
lets the findings it covers pass. Sample (docs/approval.md describes every field)::

    {
      "version": 1,
      "kind": "gatekeeper-approval",
      "approver": "release-manager@example.com",
      "reason": "CHG-1234: fix scheduled for the next sprint",
      "created": "2026-12-01T10:15:00Z",
      "environment": "prod",
      "policy": "policies/staging-prod-approval.yaml",
      "findings": [{"id": "3f1c...", "tool": "pip-audit", "rule": "PYSEC-2021-142",
                    "severity": "high", "location": "requirements.txt", "package": "pyyaml 5.3"}],
      "algorithm": "hmac-sha256",
      "signature": "9a0b..."
    }

A finding is identified by a digest of what makes it *that* risk (tool, kind, rule,
fingerprint, severity as the policy rated it, location, package and installed version), so
a record covers neither a new finding nor a changed one. The signature covers the canonical
JSON (sorted keys, no spaces, UTF-8) of every other field, so editing any field by hand, or
signing with another key, breaks it. Two ways to sign (docs/approval.md):

- the approver's private key (``approve --signing-key KEY``: ``algorithm`` ``ed25519`` or
  ``ecdsa-p256-sha256``, ``keyid``, the signature in base64), checked against the trusted
  public keys (``check --approvers KEYS``); who approved is the name of the key that verifies;
- HMAC-SHA256 with a key shared by the pipeline (``$GATEKEEPER_APPROVAL_KEY``), kept for the
  pipelines that use it: whoever can check such a record can also make one.

A key is never printed.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from gatekeeper.signing import ALGORITHMS, PrivateKey, PublicKey, SigningError
from gatekeeper.verdict import ApprovalUse, Decision, Evaluated, Outcome, Status, Verdict, sort_key, status_of

RECORD_VERSION = 1
RECORD_KIND = "gatekeeper-approval"
ALGORITHM = "hmac-sha256"
KEY_ENV = "GATEKEEPER_APPROVAL_KEY"
MIN_KEY_LENGTH = 16
DECIDED_BY = "approval"
"""``decided_by`` of an approved finding starts with this (then the approver's name)."""

_LISTED = 5


class ApprovalError(Exception):
    """An approval cannot be made, or a record cannot be trusted (exit 2)."""


@dataclass(frozen=True)
class ApprovedFinding:
    """One finding a record approves: its identity, and enough words for a person to read."""

    id: str
    """The identity digest (``identity``); the only field the gate compares."""
    tool: str
    rule: str
    severity: str
    """The severity the policy used."""
    location: str
    package: str | None = None
    """``name version`` for dependency findings."""


@dataclass(frozen=True)
class ApprovalRecord:
    """A person's sign-off on a set of findings in one environment."""

    approver: str
    """Who approved (as the pipeline's approval step names them)."""
    reason: str
    """Why, in their words (a ticket, a change number)."""
    created: str
    """When, ISO 8601 UTC (``2026-12-01T10:15:00Z``)."""
    environment: str | None
    """The policy environment the gate evaluated; a record applies only there."""
    policy: str
    """The policy that asked for approval (for the reader; not compared)."""
    findings: tuple[ApprovedFinding, ...]
    signed_by: str | None = None
    """The trusted key that verified the signature (its file name), or ``None`` for a record
    signed with the shared HMAC key. When set, it is who approved."""

    @property
    def who(self) -> str:
        """Who approved, as the gate names them: the verifying key's name, else ``approver``."""
        return self.signed_by or self.approver


def key_from_env(environ: Mapping[str, str]) -> bytes:
    """The signing key from ``$GATEKEEPER_APPROVAL_KEY``; its value never appears in a message."""
    value = environ.get(KEY_ENV, "")
    if not value.strip():
        raise ApprovalError(
            f"${KEY_ENV} is not set: approval records are signed with a key from the pipeline's "
            "credential store (see docs/approval.md)"
        )
    try:
        key = value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as lone surrogates
        raise ApprovalError(f"${KEY_ENV} holds bytes that are not text (not UTF-8)") from None
    if len(key) < MIN_KEY_LENGTH:
        raise ApprovalError(f"${KEY_ENV} is too short: use at least {MIN_KEY_LENGTH} characters (e.g. openssl rand -hex 32)")
    return key


def identity(e: Evaluated) -> str:
    """The digest of what makes a finding this risk: any change to it needs a new approval.

    Titles and messages are left out (a vulnerability database rewords them); the severity
    is kept as the scanner, the tool and the policy rated it, so a re-rating is a change.
    """
    f, loc, pkg = e.finding, e.finding.location, e.finding.package
    parts = {
        "tool": f.tool,
        "kind": f.kind.value,
        "rule": f.rule_id,
        "fingerprint": f.fingerprint,
        "severity": e.decision.severity.label,
        "findingSeverity": f.severity.label,
        "toolSeverity": f.tool_severity,
        "path": loc.path,
        "line": loc.start_line,
        "target": loc.target,
        "resource": loc.resource,
        "package": pkg.name if pkg else None,
        "version": pkg.version if pkg else None,
        "ecosystem": pkg.ecosystem if pkg else None,
    }
    return hashlib.sha256(_canonical(parts)).hexdigest()


def needing_approval(verdict: Verdict) -> list[Evaluated]:
    """The findings awaiting a person's sign-off, worst first."""
    return [e for e in verdict.results if e.decision.outcome is Outcome.APPROVE]


def approved(verdict: Verdict) -> list[Evaluated]:
    """The findings an approval record let pass."""
    return [e for e in verdict.results if e.decision.decided_by.startswith(f"{DECIDED_BY} ")]


def build(verdict: Verdict, approver: str, reason: str, now: datetime.datetime) -> ApprovalRecord:
    """The record approving exactly the findings of ``verdict`` that need approval."""
    approver, reason = approver.strip(), reason.strip()
    if not approver:
        raise ApprovalError("--approver is empty: say who approves")
    if not reason:
        raise ApprovalError("--reason is empty: say why the findings may ship")
    if verdict.status is not Status.NEEDS_APPROVAL:
        raise ApprovalError(f"nothing to approve: the gate's status is {verdict.status.value}, not needs-approval")
    findings = {}
    for e in needing_approval(verdict):
        f = e.finding
        pkg = f"{f.package.name} {f.package.version or ''}".strip() if f.package else None
        ident = identity(e)
        findings[ident] = ApprovedFinding(ident, f.tool, f.rule_id, e.decision.severity.label, f.location.display(), pkg)
    created = now.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ApprovalRecord(approver, reason, created, verdict.environment, verdict.policy_name, tuple(findings.values()))


def dumps(record: ApprovalRecord, key: bytes | PrivateKey) -> str:
    """The signed record as JSON text: with the approver's private key, or the shared HMAC key."""
    if isinstance(key, PrivateKey):
        import base64

        from gatekeeper.signing import sign

        body = _body(record, key.algorithm, key.keyid)
        body["signature"] = base64.b64encode(sign(_canonical(body), key)).decode("ascii")
    else:
        body = _body(record)
        body["signature"] = _sign(body, key)
    from gatekeeper.baseline import review_json

    return review_json(body)


def loads(text: str, key: bytes | None, source: str, approvers: tuple[PublicKey, ...] | None = None) -> ApprovalRecord:
    """Parse and verify a record; raises ``ApprovalError`` naming ``source`` unless the
    signature holds and the record is well formed. With ``approvers`` (``--approvers``) only
    a signature by one of those keys is trusted; without, only the HMAC of ``key`` (compared
    in constant time)."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise ApprovalError(f"{source}: not an approval record: invalid JSON ({e})") from None
    if not isinstance(data, dict) or data.get("kind") != RECORD_KIND:
        raise ApprovalError(f"{source}: not an approval record (no \"kind\": \"{RECORD_KIND}\")")
    signature = data.pop("signature", None)
    algorithm = data.get("algorithm")
    signed_by = None
    if not isinstance(signature, str) or (algorithm != ALGORITHM and algorithm not in ALGORITHMS):
        raise ApprovalError(
            f"{source}: the approval record is not signed with {ALGORITHM} or an approver's key ({', '.join(ALGORITHMS)}); "
            "the gate cannot trust it"
        )
    if approvers is not None:
        if algorithm == ALGORITHM:
            raise ApprovalError(
                f"{source}: the approval record is signed with the shared key ({ALGORITHM}), and --approvers trusts only "
                "records signed with an approver's own key (gatekeeper approve --signing-key); the gate cannot trust it"
            )
        signed_by = _signer(data, signature, approvers, source)
    elif algorithm != ALGORITHM:
        raise ApprovalError(
            f"{source}: the approval record is signed with an approver's key ({algorithm}): give the trusted "
            "approvers' public keys with --approvers KEYS; the gate cannot trust it otherwise"
        )
    elif key is None or not hmac.compare_digest(signature.encode("ascii", "replace"), _sign(data, key).encode("ascii")):
        raise ApprovalError(
            f"{source}: the approval record's signature does not match: it was edited after signing, "
            f"or signed with another key than ${KEY_ENV}; the gate cannot trust it"
        )
    try:
        record = _record(data)
    except (KeyError, TypeError, ValueError) as e:
        raise ApprovalError(f"{source}: malformed approval record ({e})") from None
    if _body(record, algorithm, data.get("keyid")) != data:
        raise ApprovalError(f"{source}: malformed approval record (unexpected fields)")
    return replace(record, signed_by=signed_by)


def _signer(data: dict[str, Any], signature: str, approvers: tuple[PublicKey, ...], source: str) -> str:
    """The name of the trusted key whose signature ``signature`` is, or an ``ApprovalError``."""
    import base64
    import binascii

    from gatekeeper.signing import verify

    try:
        sig = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise ApprovalError(f"{source}: the approval record's signature is not base64; the gate cannot trust it") from None
    if base64.b64encode(sig).decode("ascii") != signature:  # unused bits spelled otherwise: an edited record
        raise ApprovalError(f"{source}: the approval record's signature is not canonical base64; the gate cannot trust it")
    message = _canonical(data)
    hint = data.get("keyid")
    for k in sorted(approvers, key=lambda k: k.keyid != hint):  # the keyid is a hint, never trusted
        if k.algorithm == data["algorithm"] and verify(message, sig, k):
            return k.name
    names = ", ".join(k.name for k in approvers[:10]) + (f" and {len(approvers) - 10} more" if len(approvers) > 10 else "")
    raise ApprovalError(
        f"{source}: the approval record is signed by none of the trusted approvers ({names}): signed by another key, "
        "or edited after signing; the gate cannot trust it"
    )


MAX_RECORD_BYTES = 1_048_576
"""An approval record is a few KB; anything beyond 1 MB is not one."""


def read_approvers(path: str) -> tuple[PublicKey, ...]:
    """The trusted approvers' public keys (``--approvers``: a PEM file or a directory of them)."""
    from gatekeeper.signing import read_public_keys

    try:
        return read_public_keys(path)
    except SigningError as e:
        raise ApprovalError(f"--approvers: {e}") from None


def read_record(path: str, environ: Mapping[str, str], approvers_path: str | None = None) -> ApprovalRecord:
    """The verified approval record at ``path`` (signed by one of the keys at ``approvers_path``,
    else with the HMAC key from ``environ``), or an ``ApprovalError`` naming the file and the
    reason. The only loader of approval files (``check --approval``, ``scan --approval``, ``replay``)."""
    approvers = read_approvers(approvers_path) if approvers_path else None
    key = key_from_env(environ) if approvers is None else None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_RECORD_BYTES + 1)
    except OSError as e:
        raise ApprovalError(f"{path}: cannot read the approval record: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ApprovalError(f"{path}: not an approval record (not UTF-8 text)") from None
    if len(text) > MAX_RECORD_BYTES:
        raise ApprovalError(f"{path}: larger than 1 MB: not an approval record")
    return loads(text, key, path, approvers)


def apply(verdict: Verdict, record: ApprovalRecord, source: str) -> Verdict:
    """``verdict`` with the findings ``record`` covers approved (they pass, ``decided_by``
    ``approval NAME``); the rest still need approval, and the notices say which and why."""
    notices = list(verdict.notices)
    name = record.who
    who = f"approved by {name} at {record.created}"
    if record.environment != verdict.environment:
        notices.append(
            f"{source}: the approval is for environment {record.environment or '(none)'}, this gate evaluates "
            f"{verdict.environment or '(none)'}: it approves nothing here"
        )
        return replace(verdict, notices=tuple(notices))
    ids = {a.id for a in record.findings}
    results, covered, missing = [], set(), []
    for e in verdict.results:
        if e.decision.outcome is Outcome.APPROVE:
            ident = identity(e)
            if ident in ids:
                covered.add(ident)
                d = e.decision
                reason = f"{who}: {record.reason} (needed approval: {d.reason})"
                e = replace(e, decision=Decision(Outcome.PASS, reason, f"{DECIDED_BY} {name}", d.severity))
            else:
                missing.append(e)
        results.append(e)
    results.sort(key=sort_key)
    if record.signed_by and record.signed_by != record.approver.strip():
        notices.append(f"{source}: signed with the trusted key {record.signed_by} (the record names its approver {record.approver!r})")
    if covered:
        notices.append(f"{source}: {who} ({record.reason}): covers {len(covered)} of the findings that need approval")
    if missing:
        listed = "; ".join(_describe(e) for e in missing[:_LISTED])
        more = f"; and {len(missing) - _LISTED} more" if len(missing) > _LISTED else ""
        notices.append(
            f"{source}: does not cover {len(missing)} finding{'s' if len(missing) != 1 else ''} that need approval "
            f"(new, or changed since it was signed): {listed}{more}"
        )
    gone = len(ids - covered)
    if gone:
        notices.append(f"{source}: {gone} approved finding{'s are' if gone != 1 else ' is'} no longer present or no longer need approval")
    status = status_of(results, verdict.problems, verdict.enforce, warned=verdict.gate_warnings)
    uses = list(verdict.approvals)
    if covered:
        let_pass = sum(1 for e in results if e.decision.decided_by == f"{DECIDED_BY} {name}")
        uses.append(ApprovalUse(name, f"{DECIDED_BY} {name}", let_pass))
    return replace(verdict, results=tuple(results), notices=tuple(notices), status=status, approvals=tuple(uses))


def _describe(e: Evaluated) -> str:
    f = e.finding
    pkg = f" {f.package.name} {f.package.version or ''}".rstrip() if f.package else ""
    return f"{f.tool} {f.rule_id}{pkg} at {f.location.display()} ({e.decision.severity.label})"


def _body(record: ApprovalRecord, algorithm: str = ALGORITHM, keyid: Any = None) -> dict[str, Any]:
    body = {
        "version": RECORD_VERSION,
        "kind": RECORD_KIND,
        "approver": record.approver,
        "reason": record.reason,
        "created": record.created,
        "environment": record.environment,
        "policy": record.policy,
        "findings": [
            {"id": a.id, "tool": a.tool, "rule": a.rule, "severity": a.severity, "location": a.location, "package": a.package}
            for a in record.findings
        ],
        "algorithm": algorithm,
    }
    if algorithm != ALGORITHM:
        body["keyid"] = keyid
    return body


def _record(data: dict[str, Any]) -> ApprovalRecord:
    if data["version"] != RECORD_VERSION:
        raise ValueError(f"version {data['version']!r}, this gatekeeper reads version {RECORD_VERSION}")
    findings = tuple(
        ApprovedFinding(_text(a, "id"), _text(a, "tool"), _text(a, "rule"), _text(a, "severity"), _text(a, "location"), a["package"])
        for a in data["findings"]
    )
    env = data["environment"]
    if env is not None and not isinstance(env, str):
        raise TypeError("environment must be a string or null")
    return ApprovalRecord(_text(data, "approver"), _text(data, "reason"), _text(data, "created"), env, _text(data, "policy"), findings)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _sign(body: Mapping[str, Any], key: bytes) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
