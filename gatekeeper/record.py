"""Decision records: what the gate decided, on exactly which inputs, and a way to check it again.

``check --record FILE`` writes one JSON document::

    {
      "recordVersion": 1,
      "gatekeeper": "0.1.0",
      "time": "2026-11-26T12:00:00Z", "today": "2026-11-26",
      "policy": {"path": "policies/team.yaml", "environment": "prod", "digest": "sha256:...",
                 "files": [{"path": "policies/baseline.yaml", "sha256": "..."},
                           {"path": "policies/team.yaml", "sha256": "..."}]},
      "baseline": null,
      "format": null,
      "reports": [{"source": "fixtures/reports/trivy-fs.json", "sha256": "...", "tool": "trivy",
                   "format": "trivy", "findings": 70}],
      "verdict": {"status": "failed", "problems": []},
      "data": [{"kind": "vex", "path": "fixtures/vex/django.openvex.json", "sha256": "..."}],  # only with --vex
      "change": {"diff": "pr.diff", "baseRef": null, "mergeBase": null, "filter": "added",
                 "sha256": "..."},  # only with --diff / --diff-base
      "findings": [{"fingerprint": "...", "also": ["..."], "seenBy": ["trivy", "gitleaks"],
                    "tool": "trivy", "rule": "aws-access-key-id", "location": "app/settings.py:9",
                    "severity": "critical", "outcome": "fail", "decidedBy": "secrets", "known": false}]
    }

The policy digest covers every file of its ``extends`` chain (base first). ``gatekeeper replay
RECORD`` (``replay``) checks each digest, evaluates the same files again with the record's
``today`` (so exception expiry and the baseline ratchet decide as they did) and compares
each finding's outcome and deciding rule. No finding text or secret is written. A remote
base (``extends: https://...``) is recorded by its URL and digest; replay reads it from the
cache by that digest and never contacts the server.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatekeeper import __version__
from gatekeeper.model import Report
from gatekeeper.verdict import Evaluated, Verdict

RECORD_VERSION = 1


class RecordError(Exception):
    """A record that cannot be read or replayed."""


def file_sha256(path: str | Path) -> str | None:
    """The SHA-256 of a file's bytes, or ``None`` when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def keys_sha256(path: str) -> str | None:
    """The SHA-256 of a key file, or of a directory of keys: each ``*.pem``/``*.pub`` file's
    digest and name, in name order (so a key added, removed or changed changes it)."""
    if not os.path.isdir(path):
        return file_sha256(path)
    try:
        names = sorted(n for n in os.listdir(path) if n.endswith((".pem", ".pub")) and not n.startswith("."))
    except OSError:
        return None
    lines = []
    for name in names:
        digest = file_sha256(os.path.join(path, name))
        if digest is None:
            return None
        lines.append(f"{digest}  {name}\n")
    return hashlib.sha256("".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def policy_digest(files: list[dict[str, Any]]) -> str:
    """One digest over the chain: each file's digest and name, in order."""
    text = "".join(f"{f['sha256']}  {f['path']}\n" for f in files)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RecordInputs:
    """What the verdict alone does not say: how ``check`` was run."""

    policy_path: str | None
    environment: str | None = None
    format: str | None = None
    baseline_path: str | None = None
    approval_path: str | None = None
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    approvers_path: str | None = None
    """The trusted approvers' keys (``--approvers``) the approval record was checked with."""

    @property
    def today(self) -> datetime.date:
        """The evaluation day (local, as ``check`` uses), fixed when the inputs were made."""
        return self.now.astimezone().date()


def finding_record(e: Evaluated) -> dict[str, Any]:
    f, d = e.finding, e.decision
    return {
        "fingerprint": f.fingerprint,
        "also": [a.fingerprint for a in e.also],
        "seenBy": list(e.seen_by),
        "tool": f.tool,
        "rule": f.rule_id,
        "location": f.location.display(),
        "severity": d.severity.label,
        "outcome": d.outcome.value,
        "decidedBy": d.decided_by,
        "known": e.known,
    }


def record_document(verdict: Verdict, inputs: RecordInputs) -> str:
    """The decision record for ``verdict`` as JSON text."""
    # NOTE: the policy files and digests of the bytes the gate read (Policy.files).
    files = [{"path": p, "sha256": digest} for p, digest in verdict.policy_files]
    doc = {
        "recordVersion": RECORD_VERSION,
        "gatekeeper": __version__,
        "time": inputs.now.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "today": inputs.today.isoformat(),
        "policy": {
            "path": inputs.policy_path,
            "name": verdict.policy_name,
            "environment": inputs.environment or None,
            "digest": policy_digest(files) if files else None,
            "files": files,
        },
        "baseline": None if not inputs.baseline_path else {"path": inputs.baseline_path, "sha256": file_sha256(inputs.baseline_path)},
        "approval": None if not inputs.approval_path else {"path": inputs.approval_path, "sha256": file_sha256(inputs.approval_path)},
        # Only when used: records of gates without --approvers stay as they were.
        **({"approvers": {"path": inputs.approvers_path, "sha256": keys_sha256(inputs.approvers_path)}}
           if inputs.approvers_path and inputs.approval_path else {}),
        "format": inputs.format,
        "reports": [
            {
                "source": r.source,
                "sha256": _report_digest(r),
                "tool": r.tool,
                "format": r.format,
                "findings": len(r.findings),
            }
            for r in verdict.reports
        ],
        "verdict": {"status": verdict.status.value, "problems": list(verdict.problems)},
        "findings": [finding_record(e) for e in verdict.results],
    }
    if verdict.change is not None:  # NOTE: only when used (--diff, --diff-base): other records are as before
        c = verdict.change
        doc["change"] = {"diff": c.diff_file, "baseRef": c.base_ref, "mergeBase": c.merge_base, "filter": c.filter,
                         "sha256": c.sha256}
    if verdict.data_files:  # NOTE: only when used (--kev, --epss, --vex, data:): a record without them is as before
        doc["data"] = [{"kind": kind, "path": path, "sha256": digest} for kind, path, digest in verdict.data_files]
    from gatekeeper.baseline import review_json

    return review_json(doc)


def _report_digest(report: Report) -> str | None:
    """The digest of the bytes the gate read (``check --record`` asks the reader for it),
    else of the file now (a report read without one). Standard input and a SonarQube
    server cannot be read again: no digest, and replay says so rather than pretending."""
    if report.source == "<stdin>":
        return None
    if report.sha256:
        return report.sha256
    return file_sha256(report.source) if os.path.isfile(report.source) else None


def parse_record(text: str, source: str) -> dict[str, Any]:
    """Read a record's text; raises ``RecordError`` naming what is wrong."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise RecordError(f"{source}: not a decision record: invalid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("recordVersion") != RECORD_VERSION:
        raise RecordError(f"{source}: not a decision record of version {RECORD_VERSION} (write one with check --record)")
    for key, kind in (("today", str), ("policy", dict), ("reports", list), ("verdict", dict), ("findings", list)):
        if not isinstance(doc.get(key), kind):
            raise RecordError(f"{source}: $.{key} is missing or not a {kind.__name__}")
    try:
        datetime.date.fromisoformat(doc["today"])
        if doc.get("time") is not None:
            datetime.datetime.fromisoformat(str(doc["time"]).replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"{source}: $.today or $.time is not a valid date or time") from None
    return doc


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted([row.get("fingerprint", ""), *row.get("also", [])]))


@dataclass
class Comparison:
    """How a new evaluation differs from a recorded one."""

    inputs: list[str] = field(default_factory=list)
    """Inputs whose bytes changed since the record."""
    findings: list[str] = field(default_factory=list)
    """One line per finding decided differently, appeared or disappeared."""
    status: tuple[str, str] | None = None
    """(recorded, now) when the gate's status differs."""
    notes: list[str] = field(default_factory=list)
    """Worth knowing, not a difference (another gatekeeper version)."""

    @property
    def same(self) -> bool:
        return not (self.inputs or self.findings or self.status)


def compare(doc: dict[str, Any], verdict: Verdict) -> Comparison:
    """Compare the recorded decisions with ``verdict``, finding by finding."""
    out = Comparison()
    if doc.get("gatekeeper") != __version__:
        out.notes.append(f"recorded by gatekeeper {doc.get('gatekeeper')}, replayed by {__version__}")
    before: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in doc["findings"]:
        before.setdefault(_key(row), []).append(row)
    now_rows = [finding_record(e) for e in verdict.results]
    after: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in now_rows:
        after.setdefault(_key(row), []).append(row)
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key, []), after.get(key, [])
        for i in range(max(len(old), len(new))):
            a = old[i] if i < len(old) else None
            b = new[i] if i < len(new) else None
            row = a or b
            assert row is not None
            what = f"{', '.join(row['seenBy'])} {row['rule']} {row['location']}"
            if a is None:
                out.findings.append(f"new:      {what}: {b['outcome']} ({b['decidedBy']})")  # type: ignore[index]
            elif b is None:
                out.findings.append(f"gone:     {what}: was {a['outcome']} ({a['decidedBy']})")
            elif (a["outcome"], a["decidedBy"]) != (b["outcome"], b["decidedBy"]):
                out.findings.append(f"changed:  {what}: {a['outcome']} ({a['decidedBy']}) -> {b['outcome']} ({b['decidedBy']})")
    if doc["verdict"].get("status") != verdict.status.value:
        out.status = (str(doc["verdict"].get("status")), verdict.status.value)
    counts = Counter(r["outcome"] for r in now_rows)
    out.notes.append("findings: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) if counts else "no findings")
    return out


_DATA_KINDS = {"kev": "KEV catalog", "epss": "EPSS scores", "vex": "vex file"}


def replay(doc: dict[str, Any], source: str) -> tuple[Comparison, Verdict]:
    """Evaluate the recorded inputs again as of the recorded day, through the same pipeline as
    ``check`` (``gate.run_gate``); raises ``RecordError`` when an input cannot be read again
    (standard input, a server, a missing file)."""
    from gatekeeper.gate import GateError, GateRequest, run_gate

    changed: list[str] = []

    def check(path: str, digest: str | None, what: str) -> None:
        if not digest:
            raise RecordError(f"{source}: cannot replay: {what} {path} was not recorded with a digest (standard input or a server)")
        now = keys_sha256(path) if what == "approvers' keys" else file_sha256(path)
        if now is None:
            raise RecordError(f"{source}: cannot replay: {what} {path} cannot be read")
        if now != digest:
            changed.append(f"{what} {path} changed (sha256 {digest[:12]}... -> {now[:12]}...)")

    policy_doc = doc["policy"]
    recorded_files = policy_doc.get("files") or []
    # A remote policy file (a URL) is checked by the loader itself: it reads the recorded
    # digest from the cache and never contacts the server (``offline`` below).
    remote = tuple((f["path"], f.get("sha256") or "") for f in recorded_files if "://" in f["path"])
    for f in recorded_files:
        if "://" not in f["path"]:
            check(f["path"], f.get("sha256"), "policy file")
    for r in doc["reports"]:
        check(r["source"], r.get("sha256"), "report")
    for what in ("baseline", "approval"):
        if doc.get(what):
            check(doc[what]["path"], doc[what].get("sha256"), what)
    if doc.get("approvers"):
        check(doc["approvers"]["path"], doc["approvers"].get("sha256"), "approvers' keys")
    data: dict[str, list[str]] = {}
    for d in doc.get("data") or []:
        if not isinstance(d, dict) or d.get("kind") not in _DATA_KINDS or not isinstance(d.get("path"), str):
            raise RecordError(f"{source}: $.data: each entry needs a kind ({', '.join(_DATA_KINDS)}) and a path")
        check(d["path"], d.get("sha256"), _DATA_KINDS[d["kind"]])
        data.setdefault(d["kind"], []).append(d["path"])
    change = doc.get("change")
    diff_path = diff_base = None
    if change is not None:
        if not isinstance(change, dict) or change.get("filter") not in ("added", "context", "file"):
            raise RecordError(f"{source}: $.change: expected diff or mergeBase, filter and sha256")
        if change.get("mergeBase"):
            # NOTE: the diff of HEAD against the recorded merge base (a commit is its own merge
            # base with a descendant); its digest below tells whether HEAD moved since.
            diff_base = str(change["mergeBase"])
        elif change.get("diff") and change["diff"] != "<stdin>":
            diff_path = str(change["diff"])
            check(diff_path, change.get("sha256"), "diff")
        else:
            raise RecordError(f"{source}: cannot replay: the diff was read from standard input")
    recorded = datetime.datetime.fromisoformat(str(doc.get("time", "")).replace("Z", "+00:00")) if doc.get("time") else None
    request = GateRequest(
        reports=tuple(r["source"] for r in doc["reports"]),
        format=doc.get("format"),
        policy_path=policy_doc.get("path"),
        environment=policy_doc.get("environment"),
        baseline_path=(doc.get("baseline") or {}).get("path"),
        approval_path=(doc.get("approval") or {}).get("path"),
        approvers_path=(doc.get("approvers") or {}).get("path"),
        today=datetime.date.fromisoformat(doc["today"]),
        now=recorded,  # report age as it was
        policy_pins=tuple((url, digest) for url, digest in remote if digest),
        offline=True,
        # NOTE: the recorded data files, named explicitly: replay never reads $GATEKEEPER_KEV and
        # the like, and a gate recorded without data is replayed without it.
        kev_path=(data.get("kev") or [None])[0],
        epss_path=(data.get("epss") or [None])[0],
        vex_paths=tuple(data.get("vex", ())),
        diff_path=diff_path, diff_base=diff_base, diff_filter=(change or {}).get("filter", "added"),
    )
    try:
        verdict = run_gate(request)
    except GateError as e:
        raise RecordError(f"{source}: cannot replay: {e}") from None
    if policy_doc.get("path") and [f["path"] for f in recorded_files] != [p for p, _ in verdict.policy_files]:
        changed.append(f"policy {policy_doc['path']}: its extends chain changed")
    now_digests = dict(verdict.policy_files)
    for url, digest in remote:
        if url in now_digests and now_digests[url] != digest:
            changed.append(f"policy file {url} changed (sha256 {digest[:12]}... -> {now_digests[url][:12]}...)")
    if diff_base is not None and verdict.change is not None and verdict.change.sha256 != (change or {}).get("sha256"):
        changed.append(f"the diff of HEAD against merge base {diff_base[:12]} changed (HEAD moved since the record?)")
    result = compare(doc, verdict)
    result.inputs = changed
    return result, verdict
