"""Semgrep JSON reports (``semgrep --json``), 0.96 to 1.15x.

One object (``paths``, ``time``, ``skipped_rules`` ... vary by version)::

    {"version": "1.30.0",
     "results": [{"check_id": "go.lang.security.audit.net.formatted-template-string...",
                  "path": "test.go", "start": {"line": 27, "col": 5, "offset": 590},
                  "end": {"line": 30, "col": 31, "offset": 689},
                  "extra": {"severity": "WARNING", "message": "Found a formatted ...",
                            "lines": "    tmpl := ...", "metavars": {...}, "is_ignored": false,
                            "metadata": {"category": "security", "subcategory": ["audit"],
                                         "cwe": ["CWE-79: Improper Neutralization ..."],
                                         "references": ["https://..."], ...}}}],
     "errors": [{"code": 3, "level": "warn", "type": "Syntax error",
                 "message": "Syntax error at line app.ts:1:\\n ...", "path": "app.ts"}],
     "paths": {"scanned": ["test.go"]}}

Mapping: one finding per ``results[]`` item; ``rule_id`` is ``check_id``; the severity word
is kept as ``tool_severity`` and normalised: ``CRITICAL`` -> critical, ``ERROR``/``HIGH`` ->
high, ``WARNING``/``MEDIUM`` -> medium, ``INFO``/``LOW`` -> low (Semgrep's own
equivalences); any other word is unknown, with a warning. ``extra.metadata.cwe`` (a string
or a list) gives the ``CWE-n`` identifiers; ``source``/``shortlink``/``references`` the links;
``is_ignored`` a ``nosemgrep`` suppression. The fingerprint is the rule, path and matched
lines (``extra.fingerprint`` and ``extra.lines`` read "requires login" without a login).

Kind: ``secret`` when the rule says it finds credentials, from the metadata real rules carry:
``technology`` or ``subcategory`` naming ``secrets`` (the registry's ``generic.secrets.*``
rules), ``product: secrets`` or a ``validation_state`` other than ``NO_VALIDATOR`` (Semgrep
Secrets), CWE-798/259/321 (hard-coded credentials, password, key: e.g.
``hardcoded-jwt-secret``), a ``secrets`` segment of the rule id, or the word ``secret`` in
its name; otherwise ``code-issue``.

Matched text never reaches a finding: ``extra.lines`` and the other fields that quote the
code (metavariables, dataflow traces, fixes) are ``[REDACTED]`` in the raw item of every
finding (a custom rule may find a credential without saying so), and a secret finding's
message (in the finding and its raw item) has the matched values and anything shaped like a
token removed (Semgrep writes metavariables into messages).

``errors[]`` make a run partial: each error is a coverage ``Gap`` (its path, or rule, with its
type and the first line of its message, bounded), and so is each ``skipped_rules`` entry;
the policy's ``reports: {gaps: ...}`` decides them. A run is never a silent pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import REDACTED, Adapter, Reader, redacted
from gatekeeper.model import (
    FixState,
    Finding,
    Gap,
    Kind,
    Location,
    Report,
    Severity,
    Suppression,
    dedupe,
    fingerprint,
)

_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
}

# NOTE: every field of a result's `extra` that quotes the scanned code (semgrep-interfaces'
# cli_match_extra: lines, metavars' abstract_content/propagated_value, dataflow_trace's
# content, fix and fixed_lines with metavariables filled in).
_MATCHED_TEXT_KEYS = frozenset({"lines", "metavars", "dataflow_trace", "fix", "fixed_lines", "fix_regex"})

_CREDENTIAL_CWES = frozenset({"CWE-798", "CWE-259", "CWE-321"})
_CWE = re.compile(r"CWE-\d+")
_WORDS = re.compile(r"[a-z0-9]+")
# Anything a secret could be: 16+ token characters with a letter and a digit.
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9+/=_.\-]*[0-9])(?=[A-Za-z0-9+/=_.\-]*[A-Za-z])[A-Za-z0-9+/=_.\-]{16,}")

_TITLE_MAX = 120
_GAP_TEXT_MAX = 200


class SemgrepAdapter(Adapter):
    """Reads Semgrep's ``--json`` output."""

    name = "semgrep"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        reader = Reader(source, build)
        if not isinstance(doc, dict):
            raise reader.fail("$", 'expected a Semgrep report (an object with "results" and "errors")')
        version = reader.opt(doc, "version", str)
        results = reader.each(reader.need(doc, "results", list), "results")
        rules: dict[str, tuple[dict[str, Any], _RuleFacts]] = {}
        findings = [_read_result(reader, item, version, f"results[{i}]", rules) for i, item in enumerate(results)]
        gaps = [_error_gap(reader, e, f"errors[{i}]") for i, e in enumerate(reader.each(reader.need(doc, "errors", list), "errors"))]
        skipped = reader.each(reader.opt(doc, "skipped_rules", list, default=[]), "skipped_rules")
        gaps.extend(_skipped_rule_gap(reader, s, f"skipped_rules[{i}]") for i, s in enumerate(skipped))
        return Report(
            source=source,
            tool="semgrep",
            format=self.name,
            findings=tuple(findings),
            tool_version=version,
            gaps=tuple(gaps),
            warnings=tuple(reader.warnings),
            categories=frozenset({"sast"}),
        )


_RuleFacts = tuple[tuple[str, ...], tuple[str, ...], bool]
"""What a rule's metadata says: its CWE ids, its links, whether it finds secrets."""


def _rule_facts(rules: dict[str, tuple[dict[str, Any], _RuleFacts]], rule: str, metadata: dict[str, Any]) -> _RuleFacts:
    """``_RuleFacts`` of ``rule``'s ``metadata``, read once per rule.

    NOTE: every result repeats its rule's metadata (CWE, references, technology); reading it
    for each was 3 of a Semgrep finding's 12 µs (bench/README.md, issue 20). The metadata is
    compared with the one read before (in C), so a rule whose results carry another is read
    again, never given the first one's facts."""
    known = rules.get(rule)
    if known is not None and known[0] == metadata:
        return known[1]
    cwes = _cwes(metadata.get("cwe"))
    facts = (cwes, _links(metadata), _metadata_finds_secrets(rule, metadata, cwes))
    rules[rule] = (metadata, facts)
    return facts


def _read_result(
    reader: Reader, item: dict[str, Any], version: str | None, where: str,
    rules: dict[str, tuple[dict[str, Any], _RuleFacts]],
) -> Finding:
    rule = reader.need(item, "check_id", str, where)
    path = reader.need(item, "path", str, where)
    start = reader.need(reader.obj(reader.need(item, "start", dict, where), f"{where}.start"), "line", int, f"{where}.start")
    end = reader.need(reader.obj(reader.need(item, "end", dict, where), f"{where}.end"), "line", int, f"{where}.end")
    extra = reader.need(item, "extra", dict, where)
    word = reader.need(extra, "severity", str, f"{where}.extra")
    severity = _SEVERITIES.get(word.upper())
    if severity is None:
        reader.warn(f"severity {word[:40]!r} is not one Semgrep documents; read as unknown")
        severity = Severity.UNKNOWN
    message = reader.opt(extra, "message", str, f"{where}.extra", "")
    metadata = reader.opt(extra, "metadata", dict, f"{where}.extra", {})
    cwes, links, secret = _rule_facts(rules, rule, metadata)
    secret = secret or extra.get("validation_state") not in (None, "NO_VALIDATOR")
    kind = Kind.SECRET if secret else Kind.CODE_ISSUE
    raw_extra = redacted(extra, _MATCHED_TEXT_KEYS & extra.keys())
    if kind is Kind.SECRET:
        message = _without_matched_values(message, extra.get("metavars"))
        if "message" in raw_extra:
            raw_extra["message"] = message
    ignored = extra.get("is_ignored") is True
    return reader.finding(
        tool="semgrep",
        kind=kind,
        rule_id=rule,
        title=_title(rule, message),
        message=message,
        severity=severity,
        tool_severity=word,
        tool_version=version,
        location=Location(path=path, start_line=start, end_line=end),
        fix=FixState.NOT_APPLICABLE,
        identifiers=cwes,
        links=links,
        suppression=Suppression(kind="inSource", justification="nosemgrep") if ignored else None,
        fingerprint=fingerprint("semgrep", rule, path, start, end),
        raw={**item, "extra": raw_extra},
    )


def _cwes(value: Any) -> tuple[str, ...]:
    """``"CWE-79: Improper ..."`` or a list of them -> ``("CWE-79",)``."""
    texts = value if isinstance(value, list) else [value]
    return dedupe([m.group(0) for t in texts if isinstance(t, str) for m in [_CWE.search(t)] if m])


def _words(value: Any) -> set[str]:
    texts = value if isinstance(value, list) else [value]
    return {t.strip().lower() for t in texts if isinstance(t, str)}


def _metadata_finds_secrets(rule: str, metadata: dict[str, Any], cwes: tuple[str, ...]) -> bool:
    """Whether the rule finds secrets, by its metadata and id (a result's ``validation_state``
    says so too: ``_read_result``)."""
    if "secrets" in _words(metadata.get("technology")) | _words(metadata.get("subcategory")):
        return True
    if "secrets" in _words(metadata.get("product")):
        return True
    if _CREDENTIAL_CWES.intersection(cwes):
        return True
    segments = rule.lower().split(".")
    return "secrets" in segments[:-1] or "secret" in _WORDS.findall(segments[-1])


def _without_matched_values(message: str, metavars: Any) -> str:
    if isinstance(metavars, dict):
        for var in metavars.values():
            for key in ("abstract_content", "propagated_value"):
                value = var.get(key) if isinstance(var, dict) else None
                if isinstance(value, dict):
                    value = value.get("svalue_abstract_content")
                if isinstance(value, str) and len(value.strip("\"'")) >= 4:
                    message = message.replace(value.strip("\"'"), REDACTED)
    return _TOKEN_LIKE.sub(REDACTED, message)


def _title(rule: str, message: str) -> str:
    short = rule.rsplit(".", 1)[-1]
    first = message.strip().splitlines()[0] if message.strip() else ""
    title = f"{short}: {first}" if first else short
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 3] + "..."


def _links(metadata: dict[str, Any]) -> tuple[str, ...]:
    refs = metadata.get("references")
    refs = refs if isinstance(refs, list) else [refs]
    links = [metadata.get("source"), metadata.get("shortlink"), *refs]
    return dedupe([u for u in links if isinstance(u, str) and u.startswith(("https://", "http://"))])


def _bounded(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= _GAP_TEXT_MAX else first[: _GAP_TEXT_MAX - 3] + "..."


def _error_gap(reader: Reader, error: dict[str, Any], where: str) -> Gap:
    kind = error.get("type")
    # NOTE: since 1.x some types are a list, ["PartialParsing", [spans...]] (semgrep-interfaces' error_type).
    if isinstance(kind, list) and kind and isinstance(kind[0], str):
        kind = kind[0]
    if not isinstance(kind, str):
        raise reader.fail(f"{where}.type", "expected a string or a [name, ...] list")
    level = reader.opt(error, "level", str, where, "error")
    message = reader.opt(error, "message", str, where, "")
    path = reader.opt(error, "path", str, where)
    rule = reader.opt(error, "rule_id", str, where)
    subject = path or (f"rule {rule}" if rule else "the Semgrep run")
    reason = f"Semgrep {level}: {kind}" + (f": {_bounded(message)}" if message.strip() else "")
    return Gap(subject=_bounded(subject), reason=reason)


def _skipped_rule_gap(reader: Reader, skipped: dict[str, Any], where: str) -> Gap:
    rule = reader.need(skipped, "rule_id", str, where)
    details = reader.opt(skipped, "details", str, where, "")
    return Gap(subject=_bounded(f"rule {rule}"), reason="Semgrep skipped the rule" + (f": {_bounded(details)}" if details.strip() else ""))
