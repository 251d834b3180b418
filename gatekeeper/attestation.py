"""Signed verdict attestations: the gate's decision as a SLSA verification summary (VSA v1)
in an in-toto Statement v1, signed in a DSSE envelope (docs/attestations.md).

``check --attest FILE --signing-key KEY`` writes the envelope (``signing.envelope``) of::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "ghcr.io/acme/app", "digest": {"sha256": "5e2b..."}}],
     "predicateType": "https://slsa.dev/verification_summary/v1",
     "predicate": {
       "verifier": {"id": "https://github.com/gatekeeper/gatekeeper", "version": {"gatekeeper": "0.1.0"}},
       "timeVerified": "2026-12-03T22:00:00Z",
       "resourceUri": "ghcr.io/acme/app@sha256:5e2b...",
       "policy": {"uri": "policies/team.yaml", "digest": {"sha256": "f37c..."},
                  "annotations": {"extends": [{"uri": "policies/baseline.yaml", "digest": {"sha256": "..."}}]}},
       "inputAttestations": [{"uri": "trivy.json", "digest": {"sha256": "..."},
                              "annotations": {"kind": "report", "tool": "trivy"}}],
       "verificationResult": "PASSED",
       "verifiedLevels": [],
       "slsaVersion": "1.0",
       "https://gatekeeper.dev/verdict/v1": {"status": "passed", "enforce": true, "environment": "prod",
                                             "counts": {"fail": 0, ...}, "problems": 0}}}

``verify`` (``read_attestation``, ``differences``) is the other side: the signature against
trusted public keys, then the facts a deploy step cares about. Pure but for the two readers.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gatekeeper import __version__
from gatekeeper.signing import PrivateKey, PublicKey, SigningError, envelope, open_envelope, strict_json
from gatekeeper.verdict import ChangeScope, Outcome, Status, Verdict, status_of

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "https://github.com/gatekeeper/gatekeeper"
EXTENSION = "https://gatekeeper.dev/verdict/v1"
"""The predicate's gatekeeper field (VSA: "producers MAY add extension fields using field
names that are URIs"): the gate's own status, mode, environment and counts."""
BUILT_IN_POLICY = "gatekeeper:built-in-default"
MAX_ATTESTATION_BYTES = 16 * 1024 * 1024


class AttestationError(Exception):
    """An attestation that cannot be made or trusted (exit 2)."""


@dataclass(frozen=True)
class Resource:
    """What the verdict is about: the attestation's subject."""

    uri: str
    """``resourceUri``: an image reference with its digest, or ``git+URL@COMMIT``."""
    name: str
    """The subject's name (the image repository, the repository URL)."""
    digest: tuple[tuple[str, str], ...]
    """The subject's digest set (``sha256`` of an image, ``gitCommit`` of a commit)."""


# NOTE: printable ASCII only, no "@" but the digest's: a name is what registries and git hosts
# accept, and a control character or a second "@" would let one resource pass for another.
_IMAGE = re.compile(r"^(?P<name>[\x21-\x3f\x41-\x7e]+)@sha256:(?P<hex>[0-9a-f]{64})$")
_GIT = re.compile(r"^(?P<name>git\+https?://[\x21-\x3f\x41-\x7e]+?)@(?P<hex>[0-9a-f]{40}|[0-9a-f]{64})$")
_HEX_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]+(?:/[A-Za-z0-9_.~/%-]*)?$")

RESOURCE_HELP = (
    "--resource IMAGE@sha256:DIGEST (an image), --resource git+https://HOST/OWNER/REPO@COMMIT (a commit), "
    "or run in GitHub Actions (GITHUB_REPOSITORY, GITHUB_SHA) or GitLab CI (CI_PROJECT_URL, CI_COMMIT_SHA)"
)


def parse_resource(uri: str) -> Resource:
    """The subject named by ``uri``, or an ``AttestationError``: an attestation is about an
    artifact pinned by digest, never a name that may point elsewhere tomorrow."""
    uri = uri.strip()
    git = _GIT.match(uri)
    if git:
        return Resource(uri, git["name"], (("gitCommit", git["hex"]),))
    image = _IMAGE.match(uri)
    if image:
        name = image["name"]
        head, _, last = name.rpartition("/")
        if ":" in last:  # a tag beside the digest: the digest decides, the name is the repository
            name = f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]
        return Resource(uri, name, (("sha256", image["hex"]),))
    shown = uri if len(uri) <= 200 else uri[:200] + "…"
    raise AttestationError(
        f"--resource {shown!r} names no digest: give IMAGE@sha256:<64 hex> or git+https://HOST/OWNER/REPO@<commit hex>"
    )


def resource_from(option: str | None, environ: Mapping[str, str]) -> Resource:
    """``--resource``, else the commit the CI run is for, else an ``AttestationError``."""
    if option:
        return parse_resource(option)
    sha = environ.get("GITHUB_SHA", "")
    repo = environ.get("GITHUB_REPOSITORY", "")
    if sha and repo:
        server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
        if not (_HEX_COMMIT.match(sha) and _REPO.match(repo) and _URL.match(server)):
            raise AttestationError("$GITHUB_SERVER_URL, $GITHUB_REPOSITORY or $GITHUB_SHA does not look like GitHub's: give --resource")
        return parse_resource(f"git+{server.rstrip('/')}/{repo}@{sha}")
    url, sha = environ.get("CI_PROJECT_URL", ""), environ.get("CI_COMMIT_SHA", "")
    if url and sha:
        if not (_HEX_COMMIT.match(sha) and _URL.match(url)):
            raise AttestationError("$CI_PROJECT_URL or $CI_COMMIT_SHA does not look like GitLab's: give --resource")
        return parse_resource(f"git+{url.rstrip('/')}@{sha}")
    raise AttestationError(f"--attest: no resource to attest: give {RESOURCE_HELP}")


@dataclass(frozen=True)
class AttestInputs:
    """What the verdict alone does not say: what it is about, who signs, when."""

    resource: Resource
    key: PrivateKey
    now: datetime.datetime
    baseline_path: str | None = None
    """The baseline the gate read (``--baseline``): an input of the decision."""
    approval_path: str | None = None
    """The approval record the gate read (``--approval``): an input of the decision."""
    approvers_path: str | None = None
    """The trusted approvers' keys the record was checked with (``--approvers``)."""


def result_of(verdict: Verdict) -> str:
    """``PASSED`` when nothing fails or needs approval *as the policy would enforce it*.

    Needs-approval is FAILED (an approval record that lets the findings pass makes it PASSED);
    warn mode (``mode: warn``) changes the exit code, not the facts: a gate that would fail in
    enforce mode is FAILED even though the pipeline went on."""
    enforced = status_of(verdict.results, verdict.problems, True, warned=verdict.gate_warnings)
    return "FAILED" if enforced in (Status.FAILED, Status.NEEDS_APPROVAL) else "PASSED"


def _time(t: datetime.datetime) -> str:
    return t.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _inputs(verdict: Verdict, inputs: AttestInputs) -> list[dict[str, Any]]:
    from gatekeeper.record import file_sha256, keys_sha256

    out: list[dict[str, Any]] = []
    for r in verdict.reports:
        entry: dict[str, Any] = {"uri": r.source}
        if r.sha256:
            entry["digest"] = {"sha256": r.sha256}
        entry["annotations"] = {"kind": "report", "tool": r.tool, "format": r.format}
        out.append(entry)
    for kind, path, sha256 in verdict.data_files:
        out.append({"uri": path, "digest": {"sha256": sha256}, "annotations": {"kind": kind}})
    c = verdict.change
    if c is not None:  # the diff judged: a verdict on a change is not one on the whole codebase
        notes: dict[str, Any] = {"kind": "change", "filter": c.filter}
        if c.merge_base:
            notes["mergeBase"] = c.merge_base
        out.append({"uri": c.diff_file or c.base_ref or "", **({"digest": {"sha256": c.sha256}} if c.sha256 else {}), "annotations": notes})
    for kind, path in (("baseline", inputs.baseline_path), ("approval", inputs.approval_path), ("approvers", inputs.approvers_path)):
        if path:
            # NOTE: a directory of approvers' keys: the digest of each key file's digest and name (record.keys_sha256).
            digest = keys_sha256(path) if kind == "approvers" else file_sha256(path)
            out.append({"uri": path, **({"digest": {"sha256": digest}} if digest else {}), "annotations": {"kind": kind}})
    return out


def _policy(verdict: Verdict) -> dict[str, Any]:
    if not verdict.policy_files:
        return {"uri": BUILT_IN_POLICY, "annotations": {"name": verdict.policy_name}}
    *bases, (top, digest) = verdict.policy_files
    policy: dict[str, Any] = {"uri": top, "digest": {"sha256": digest}}
    if bases:
        policy["annotations"] = {"extends": [{"uri": p, "digest": {"sha256": d}} for p, d in bases]}
    return policy


def _change(c: ChangeScope) -> dict[str, Any]:
    """What the extension says of a judged change: findings outside it did not count."""
    return {"against": c.against, "filter": c.filter, "files": c.files, "outside": c.outside, "excused": c.excused}


def statement(verdict: Verdict, inputs: AttestInputs) -> dict[str, Any]:
    """The in-toto Statement (VSA v1 predicate) attesting ``verdict`` about ``inputs.resource``."""
    result = result_of(verdict)
    counts = {o.value: 0 for o in Outcome}
    for e in verdict.results:
        counts[e.decision.outcome.value] += 1
    r = inputs.resource
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": r.name, "digest": dict(r.digest)}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"gatekeeper": __version__}},
            "timeVerified": _time(inputs.now),
            "resourceUri": r.uri,
            "policy": _policy(verdict),
            "inputAttestations": _inputs(verdict, inputs),
            "verificationResult": result,
            # NOTE: gatekeeper verifies a security policy, no SLSA track: no level is claimed
            # when it passes; "FAILED" is the spec's value for a failed verification.
            "verifiedLevels": [] if result == "PASSED" else ["FAILED"],
            "slsaVersion": "1.0",
            EXTENSION: {
                "status": verdict.status.value,
                "enforce": verdict.enforce,
                "environment": verdict.environment,
                "policyName": verdict.policy_name,
                "counts": counts,
                "problems": len(verdict.problems),
                "approvedBy": [a.approver for a in verdict.approvals],
                **({"change": _change(verdict.change)} if verdict.change is not None else {}),
            },
        },
    }


def envelope_text(verdict: Verdict, inputs: AttestInputs) -> str:
    """The signed DSSE envelope of the attestation, as one line of JSON."""
    body = json.dumps(statement(verdict, inputs), ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return json.dumps(envelope(PAYLOAD_TYPE, body, inputs.key)) + "\n"


@dataclass(frozen=True)
class Attested:
    """A verified attestation: who signed it and what it says."""

    key: PublicKey
    statement: dict[str, Any]
    result: str
    """``PASSED`` or ``FAILED``."""
    resource: str
    time: datetime.datetime
    subject: tuple[dict[str, Any], ...]
    policy: dict[str, Any]
    gate: dict[str, Any]
    """The gatekeeper extension field (empty when another verifier made it)."""

    @property
    def change(self) -> dict[str, Any] | None:
        """The change the verdict judged (``check --diff``), or ``None``: the whole codebase.

        A statement from another verifier, without gatekeeper's extension, says nothing of a
        change; an input of kind ``change`` still marks one."""
        found = self.gate.get("change")
        if isinstance(found, dict):
            return found
        inputs = self.statement["predicate"].get("inputAttestations")
        for d in inputs if isinstance(inputs, list) else []:
            notes = d.get("annotations") if isinstance(d, dict) else None
            if isinstance(notes, dict) and notes.get("kind") == "change":
                return {}
        return None

    @property
    def policy_digests(self) -> list[str]:
        """``sha256:HEX`` of the policy file and of each file it extends."""
        annotations = self.policy.get("annotations")
        extends = annotations.get("extends") if isinstance(annotations, dict) else None
        found = []
        for d in [self.policy, *(extends if isinstance(extends, list) else [])]:
            digest = d.get("digest") if isinstance(d, dict) else None
            hexd = digest.get("sha256") if isinstance(digest, dict) else None
            if isinstance(hexd, str):
                found.append(f"sha256:{hexd}")
        return found


def read_attestation(path: str, keys: Sequence[PublicKey]) -> Attested:
    """The attestation at ``path`` whose signature one of ``keys`` verifies, or an
    ``AttestationError`` naming the file: unreadable, not an envelope, a signature that does
    not hold, a payload or predicate of another type, a statement that is malformed."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_ATTESTATION_BYTES + 1)
    except OSError as e:
        raise AttestationError(f"{path}: cannot read the attestation: {e.strerror or e}") from None
    if len(data) > MAX_ATTESTATION_BYTES:
        raise AttestationError(f"{path}: larger than 16 MB: not an attestation")
    try:
        opened = open_envelope(data, path, keys)
    except SigningError as e:
        raise AttestationError(str(e)) from None
    if opened.payload_type != PAYLOAD_TYPE:
        raise AttestationError(f"{path}: a payload of type {opened.payload_type[:100]!r}, not an in-toto statement ({PAYLOAD_TYPE})")
    try:
        doc = strict_json(opened.body)
    except (ValueError, RecursionError) as e:
        raise AttestationError(f"{path}: the signed payload is not JSON ({str(e)[:200]})") from None
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise AttestationError(f"{path}: the signed payload holds a lone surrogate (\\ud800-\\udfff escape): not text") from None
    if not isinstance(doc, dict) or doc.get("_type") != STATEMENT_TYPE:
        raise AttestationError(f"{path}: the signed payload is not an in-toto Statement v1 ({STATEMENT_TYPE})")
    if doc.get("predicateType") != PREDICATE_TYPE:
        shown = str(doc.get("predicateType"))[:100]
        raise AttestationError(f"{path}: a predicate of type {shown!r}, not a SLSA verification summary ({PREDICATE_TYPE})")
    try:
        return _attested(opened.key, doc)
    except (KeyError, TypeError, ValueError) as e:
        raise AttestationError(f"{path}: malformed verification summary ({e})") from None


def _attested(key: PublicKey, doc: dict[str, Any]) -> Attested:
    p = doc["predicate"]
    if not isinstance(p, dict):
        raise TypeError("predicate is not an object")
    result = p["verificationResult"]
    if result not in ("PASSED", "FAILED"):
        raise ValueError(f"verificationResult {str(result)[:40]!r} is neither PASSED nor FAILED")
    resource = p["resourceUri"]
    if not isinstance(resource, str):
        raise TypeError("resourceUri is not a string")
    time = datetime.datetime.fromisoformat(str(p["timeVerified"]).replace("Z", "+00:00"))
    if time.tzinfo is None:
        raise ValueError("timeVerified has no time zone")
    subject = doc["subject"]
    policy = p["policy"]
    if not isinstance(subject, list) or not all(isinstance(s, dict) for s in subject) or not isinstance(policy, dict):
        raise TypeError("subject is not a list of objects, or policy is not an object")
    gate = p.get(EXTENSION) or {}
    return Attested(key, doc, result, resource, time, tuple(subject), policy, gate if isinstance(gate, dict) else {})


_DURATION = re.compile(r"(\d{1,9})([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> datetime.timedelta:
    """``90s``, ``15m``, ``12h``, ``7d``, ``2w`` or a sum (``1d12h``); ValueError otherwise."""
    value = text.strip().lower()
    if not value or _DURATION.sub("", value):
        raise ValueError(f"{text!r} is not a duration (e.g. 30m, 12h, 7d, 1d12h)")
    seconds = sum(int(n) * _UNITS[u] for n, u in _DURATION.findall(value))
    if seconds > 10 * 365 * 86400:
        raise ValueError(f"{text!r} is longer than ten years")
    return datetime.timedelta(seconds=seconds)


CLOCK_SKEW = datetime.timedelta(minutes=5)


def differences(
    attested: Attested,
    *,
    expect_resource: str | None = None,
    expect_policy_digests: Sequence[str] = (),
    max_age: datetime.timedelta | None = None,
    expect_result: str | None = "PASSED",
    expect_codebase: bool = False,
    now: datetime.datetime,
) -> list[str]:
    """Each way the attested facts differ from what the verifier expects (empty: none)."""
    out: list[str] = []
    if expect_result and attested.result != expect_result:
        out.append(f"the attested verdict is {attested.result}, not {expect_result}")
    if expect_codebase and attested.change is not None:
        against = attested.change.get("against")
        shown = f" ({against})" if isinstance(against, str) else ""
        out.append(f"the verdict judged a change{shown}, not the whole codebase: findings outside it did not count")
    if expect_resource is not None and attested.resource != expect_resource.strip():
        out.append(f"the attestation is about {attested.resource!r}, not {expect_resource.strip()!r}")
    known = attested.policy_digests
    for wanted in expect_policy_digests:
        norm = wanted.strip().lower()
        norm = norm if norm.startswith("sha256:") else f"sha256:{norm}"
        if norm not in known:
            listed = ", ".join(known) or "none"
            out.append(f"no attested policy file has digest {norm} (the policy and its extends chain: {listed})")
    if attested.time > now + CLOCK_SKEW:
        out.append(f"verified at {_time(attested.time)}, in the future (now {_time(now)})")
    if max_age is not None and now - attested.time > max_age:
        out.append(f"verified at {_time(attested.time)}, older than --max-age ({now - attested.time} > {max_age})")
    return out
