"""TruffleHog v3 JSON Lines reports (``trufflehog git|github|filesystem ... --json``).

One JSON object per line (``sources/decode.py`` reads JSON Lines into a list; a report
with one line decodes to that one object)::

    {"SourceMetadata": {"Data": {"Git": {"commit": "fbc1...", "file": "keys", "line": 4,
      "repository": "https://github.com/trufflesecurity/test_keys", "email": "...", "timestamp": "..."}}},
     "SourceID": 0, "SourceType": 16, "SourceName": "trufflehog - git",
     "DetectorType": 2, "DetectorName": "AWS", "DetectorDescription": "...", "DecoderName": "PLAIN",
     "Verified": true, "VerificationError": "...", "Raw": "AKIA...", "RawV2": "...",
     "Redacted": "AKIA...", "ExtraData": {"account": "..."}, "StructuredData": null}

``SourceMetadata.Data`` holds one source: ``Git``, ``Github``, ``Gitlab``, ``Filesystem``
(``file``, ``line``, ``commit``, ``repository``, ``link``), or another (``Docker``'s
``image``, ``S3``'s ``bucket`` ...), whose same keys are read where present, with a warning.
Early v3 (2022) wrote ``Raw`` base64-encoded and had no ``RawV2``, ``DecoderName`` or
``DetectorDescription``. TruffleHog prints nothing when it finds nothing: an empty file is
refused as every empty report is (a crash prints nothing too).

Mapping: each object is one ``Kind.SECRET`` finding, rule id ``DetectorName``, location the
source's ``file:line``, target its repository (or image, bucket), resource the commit.
``status`` is ``verified`` (the credential worked against its service), ``unknown``
(verification failed: ``VerificationError``; it may well be live) or ``unverified``.
Severity: ``CRITICAL`` when verified (a live credential), else ``HIGH``, as every gitleaks
secret is (an unverified match is no weaker evidence than gitleaks'); a policy relaxes
unverified secrets by ``status``. TruffleHog rates nothing: ``tool_severity`` is None.

Secrets: ``Raw``, ``RawV2`` and ``Redacted`` are the secret (``Redacted`` is the whole AWS key
id); ``ExtraData`` and ``StructuredData`` describe it (account, ARN, key fingerprints) and
``VerificationError`` may quote a request that carried it. None reaches a title, message or
fingerprint, and ``raw`` has them replaced by ``[REDACTED]``. The fingerprint is the
detector and the location only: not even a hash of the secret, which would confirm a guess.

TruffleHog v2's output (``reason``, ``stringsFound``) and trufflehog3's (another tool:
``rule``, ``secret``) are recognised in order to be refused by name. Paths in messages
count the objects from 0 (``$[2]``: the third object, blank lines not counted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from gatekeeper.adapters import sniff
from gatekeeper.adapters.interface import Adapter, Reader, redacted
from gatekeeper.model import FixState, Finding, Kind, Location, Report, Severity, fingerprint

_SECRET_KEYS = frozenset({"Raw", "RawV2", "Redacted", "ExtraData", "StructuredData", "VerificationError"})
_KNOWN_SOURCES = frozenset({"Git", "Github", "Gitlab", "Filesystem"})
# NOTE: what names the scanned artefact, in the order looked for (pkg/pb/source_metadatapb).
_TARGET_KEYS = ("repository", "image", "bucket")


class TruffleHogAdapter(Adapter):
    """Reads TruffleHog v3 JSON Lines; refuses v2's and trufflehog3's output by name."""

    name = "trufflehog"
    json_lines: ClassVar[bool] = True
    """TruffleHog prints JSON Lines: ``sources.files`` hands them to this adapter only."""

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        if doc is None or doc == []:
            raise reader.fail(
                "$", f"an empty {'list' if doc == [] else 'null'} is not TruffleHog v3 output (it prints one "
                "JSON object per line, and nothing when it finds nothing; trufflehog3, another tool, prints [])",
            )
        items = [reader.obj(doc, "$")] if isinstance(doc, dict) else reader.each(doc, "$")
        findings = [_read(reader, item, f"$[{i}]") for i, item in enumerate(items)]
        return Report(
            source=source,
            tool="trufflehog",
            format=self.name,
            findings=tuple(findings),
            warnings=tuple(reader.warnings),
            categories=frozenset({"secrets"}),
        )


def _refuse_other_shapes(reader: Reader, item: dict[str, Any], where: str) -> None:
    if sniff.trufflehog_v2(item):
        raise reader.fail(
            where, "TruffleHog v2 output (reason, stringsFound): gatekeeper reads TruffleHog v3's "
            "--json output; scan again with TruffleHog v3",
        )
    if sniff.trufflehog3(item):
        raise reader.fail(
            where, "trufflehog3 output (rule, secret), another tool than TruffleHog v3, whose "
            "--json output gatekeeper reads; refused",
        )


def _read(reader: Reader, item: dict[str, Any], where: str) -> Finding:
    if not sniff.trufflehog_v3(item):
        _refuse_other_shapes(reader, item, where)
    rule = reader.need(item, "DetectorName", str, where)
    reader.need(item, "DetectorType", int, where)
    verified = reader.need(item, "Verified", bool, where)
    reader.need(item, "Raw", str, where)
    for key in ("RawV2", "Redacted", "SourceName", "DecoderName"):
        reader.opt(item, key, str, where)
    reader.opt(item, "ExtraData", dict, where)
    description = reader.opt(item, "DetectorDescription", str, where, "")
    failed = reader.opt(item, "VerificationError", str, where, "")
    meta = reader.need(item, "SourceMetadata", dict, where)
    data = reader.need(meta, "Data", dict, f"{where}.SourceMetadata")
    if len(data) != 1:
        raise reader.fail(f"{where}.SourceMetadata.Data", f"expected one source, got {len(data)}")
    kind, found = next(iter(data.items()))
    location, link = _location(reader, kind, found, f"{where}.SourceMetadata.Data.{kind}")
    if verified:
        status, severity, told = "verified", Severity.CRITICAL, "TruffleHog verified it: the credential is live"
    elif failed:
        status, severity, told = "unknown", Severity.HIGH, "its verification failed, so it may be live"
    else:
        status, severity, told = "unverified", Severity.HIGH, "TruffleHog did not verify it"
    shown = location.path or location.target or kind
    # NOTE: the location shows the commit as its resource: ``keys:4 <repository> [<commit>]``.
    message = f"TruffleHog detector {rule} matched at {location.display()}"
    if description:
        message += f" ({description.rstrip('.')})"
    return reader.finding(
        tool="trufflehog",
        kind=Kind.SECRET,
        rule_id=rule,
        title=f"{rule} secret in {shown} ({status})",
        message=f"{message}; {told}. Rotate the credential and remove it from the history.",
        severity=severity,
        location=location,
        fix=FixState.NOT_APPLICABLE,
        status=status,
        links=(link,) if link else (),
        # NOTE: two secrets of one detector on one line share a fingerprint; the secret
        # itself (or its hash) is never used to tell them apart.
        fingerprint=fingerprint("trufflehog", rule, location.path, location.start_line, location.resource),
        raw=redacted(item, _SECRET_KEYS),
    )


def _location(reader: Reader, kind: str, found: Any, where: str) -> tuple[Location, str]:
    """The finding's location (the commit as its resource) and link from one source's metadata."""
    found = reader.obj(found, where)
    if kind not in _KNOWN_SOURCES:
        reader.warn(
            f"results from TruffleHog's {kind} source: read by its file, line, commit, "
            f"{', '.join(_TARGET_KEYS)} and link, where present"
        )
    path = reader.opt(found, "file", str, where) or None
    # NOTE: 0 (or no line) is TruffleHog's "no line known" (the key is omitempty).
    line = reader.opt(found, "line", int, where) or None
    commit = reader.opt(found, "commit", str, where, "")
    link = reader.opt(found, "link", str, where, "")
    target = next((t for t in (reader.opt(found, k, str, where) for k in _TARGET_KEYS) if t), None)
    location = Location(path=path, start_line=line, end_line=line, target=target, resource=commit or None)
    return location, link
