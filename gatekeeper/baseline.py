"""Baselines: accept today's findings as known, and fail only on new ones.

``gatekeeper baseline create REPORT... -o FILE`` records every finding's fingerprint;
``check --baseline FILE`` decides as usual, then a known finding that would fail (or need
approval) is ignored instead, decided by ``baseline FILE``, and marked ``known``. New
findings are decided by the policy alone. A correlated problem is known when any tool's
sighting of it is (adding a scanner that sees old debt is not new debt).

The policy can set a ratchet, ``baseline: {known_until: 2027-03-01}``: after that day the
baseline excuses nothing and known findings are decided by the policy again. The file::

    {
      "baselineVersion": 1,
      "created": "2026-01-31T10:00:00Z",
      "gatekeeper": "0.1.0",
      "findings": [{"fingerprint": "3eecaed1...", "tool": "gitleaks", "kind": "secret",
                    "rule": "aws-access-token", "location": "fixtures/targets/app/settings.py:9"}]
    }

Only the fingerprint decides; the rest is for people reading a review diff. No secret value
or message is written.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from gatekeeper import __version__
from gatekeeper.model import Report
from gatekeeper.verdict import Evaluated, Outcome

BASELINE_VERSION = 1
_EXCUSED = (Outcome.FAIL, Outcome.APPROVE)


class BaselineError(Exception):
    """A baseline file that cannot be used."""


@dataclass(frozen=True)
class Baseline:
    """The known findings."""

    source: str
    """The file it was read from, for messages and ``decided_by``."""
    created: datetime.datetime | None
    """When it was made."""
    fingerprints: frozenset[str]
    """Every known finding's fingerprint."""


# NOTE: ``json`` escapes C0 controls but leaves C1 controls (CSI \x9b), line separators and
# bidirectional overrides ("Trojan Source") raw; these files are read in pull-request review,
# where such characters would reorder or hide what a reviewer sees (issue 21).
_HIDDEN = re.compile(r"[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def review_json(doc: Any) -> str:
    """``doc`` as indented JSON for files people review (baselines, decision and approval
    records): readable Unicode kept, invisible and reordering characters as ``\\uNNNN``."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def baseline_document(reports: Iterable[Report], now: datetime.datetime) -> str:
    """The baseline file for every finding of ``reports`` (sorted, so reviews diff well)."""
    rows: dict[str, dict[str, Any]] = {}
    for r in reports:
        for f in r.findings:
            if f.fingerprint:
                rows.setdefault(f.fingerprint, {
                    "fingerprint": f.fingerprint,
                    "tool": f.tool,
                    "kind": f.kind.value,
                    "rule": f.rule_id,
                    "location": f.location.display(),
                    **({"package": f"{f.package.name} {f.package.version or ''}".strip()} if f.package else {}),
                })
    doc = {
        "baselineVersion": BASELINE_VERSION,
        "created": now.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "gatekeeper": __version__,
        "findings": sorted(rows.values(), key=lambda row: (row["tool"], row["location"], row["rule"], row["fingerprint"])),
    }
    return review_json(doc)


def parse_baseline(text: str, source: str) -> Baseline:
    """Read a baseline file's text; raises ``BaselineError`` naming what is wrong."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise BaselineError(f"{source}: not a baseline file: invalid JSON ({e})") from None
    if not isinstance(doc, dict) or "baselineVersion" not in doc:
        raise BaselineError(f"{source}: not a baseline file (no baselineVersion; make one with gatekeeper baseline create)")
    if doc["baselineVersion"] != BASELINE_VERSION:
        raise BaselineError(f"{source}: baselineVersion {doc['baselineVersion']!r} is not supported (expected {BASELINE_VERSION})")
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(x, dict) and isinstance(x.get("fingerprint"), str) for x in findings):
        raise BaselineError(f"{source}: $.findings must be a list of objects, each with a fingerprint")
    created = None
    if isinstance(doc.get("created"), str):
        try:
            created = datetime.datetime.fromisoformat(doc["created"].replace("Z", "+00:00"))
        except ValueError:
            raise BaselineError(f"{source}: $.created {doc['created']!r} is not an ISO 8601 time") from None
    return Baseline(source, created, frozenset(x["fingerprint"] for x in findings))


def read_baseline(path: str) -> Baseline:
    """Read and parse a baseline file."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: cannot read baseline: {getattr(e, 'strerror', None) or e}") from None
    return parse_baseline(text, path)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def apply_baseline(
    results: list[Evaluated], baseline: Baseline | None, known_until: datetime.date | None, today: datetime.date
) -> tuple[list[Evaluated], list[str]]:
    """Mark known findings and excuse the ones that would fail; the notices to show."""
    if baseline is None:
        return results, []
    expired = known_until is not None and today > known_until
    made = f", created {baseline.created.date()}" if baseline.created else ""
    out: list[Evaluated] = []
    seen: set[str] = set()
    known = excused = 0
    for e in results:
        prints = {e.finding.fingerprint, *(f.fingerprint for f in e.also)} & baseline.fingerprints
        if not prints:
            out.append(e)
            continue
        seen |= prints
        known += 1
        d = e.decision
        if d.outcome in _EXCUSED and not expired:
            excused += 1
            reason = f"known finding (in baseline {baseline.source}{made}); without the baseline: {d.reason}"
            d = replace(d, outcome=Outcome.IGNORE, reason=reason, decided_by=f"baseline {baseline.source}")
        out.append(replace(e, decision=d, known=True))
    new = len(results) - known
    notices = [
        f"baseline {baseline.source}: {_plural(known, 'known finding')} ({excused} would fail or need approval "
        f"without it), {_plural(new, 'new finding')}"
    ]
    gone = len(baseline.fingerprints - seen)
    if gone:
        notices.append(f"baseline {baseline.source}: {_plural(gone, 'known finding')} no longer reported (fixed?): "
                       "recreate the baseline so they cannot come back unnoticed")
    if known_until is not None:
        if expired:
            notices.append(f"baseline: known findings had to be fixed by {known_until} (policy baseline.known_until); "
                           f"the baseline no longer excuses them ({_plural(known, 'known finding')} decided by the policy)")
        else:
            notices.append(f"baseline: known findings must be fixed by {known_until} (in {_plural((known_until - today).days, 'day')})")
    return out, notices
