"""CISA's Known Exploited Vulnerabilities catalog: JSON bytes -> ``KevCatalog``. Pure.

The catalog as CISA publishes it
(https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json, schema in
the cisagov/kev-data repository)::

    {"title": "...", "catalogVersion": "2025.08.25", "dateReleased": "2025-08-25T17:04:19.9796Z",
     "count": 1404, "vulnerabilities": [{"cveID": "CVE-2025-48384", "dateAdded": "2025-08-25",
     "dueDate": "2025-09-15", "knownRansomwareCampaignUse": "Unknown", "vendorProject": "Git", ...}]}

Read strictly: a catalog the gate cannot fully understand would let an exploited
vulnerability pass, so every problem is a ``RiskDataError`` naming the file and the reason.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, NamedTuple

from gatekeeper.risk.errors import RiskDataError, parse_time

try:  # NOTE: orjson reads the 1.3 MB catalog in a fifth of json's time (part of --kev's cost)
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency; the standard library reads it alike
    _loads = json.loads

_CVE = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")
_RANSOMWARE = {"Known": True, "Unknown": False}
"""The schema's two words; another would be a shape this reader does not know."""


class KevEntry(NamedTuple):
    """One catalog entry: what a decision and its explanation need."""

    cve: str
    date_added: datetime.date
    due_date: datetime.date
    """The date federal agencies must have remediated by (BOD 22-01)."""
    ransomware: bool
    """``knownRansomwareCampaignUse`` is ``Known``."""
    name: str
    """``vulnerabilityName``."""


class KevCatalog(NamedTuple):
    """The catalog: its entries by CVE id, and its date."""

    entries: dict[str, KevEntry]
    lookup: dict[str, KevEntry]
    """``entries`` and the same entries by lower-case id (a scanner that writes ``cve-...``):
    one dict lookup per identifier, no case folding per finding."""
    version: str
    """``catalogVersion``."""
    released: datetime.datetime
    """``dateReleased`` (UTC)."""
    source: str
    """The file it was read from."""


def parse_kev(data: bytes, source: str) -> KevCatalog:
    """The catalog in ``data`` (read from ``source``), or a ``RiskDataError`` saying why not."""
    try:
        doc = _loads(data)
    except ValueError as e:  # also a truncated download (orjson's error is a ValueError too)
        raise RiskDataError(f"{source}: not a KEV catalog: invalid JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list):
        raise RiskDataError(f"{source}: not a KEV catalog: no 'vulnerabilities' list (expected CISA's known_exploited_vulnerabilities.json)")
    version = _text(doc, "catalogVersion", source, "$")
    released = parse_time(_text(doc, "dateReleased", source, "$"), f"{source}: $.dateReleased")
    items = doc["vulnerabilities"]
    count = doc.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise RiskDataError(f"{source}: $.count is missing or not an integer")
    if count != len(items):
        raise RiskDataError(f"{source}: $.count says {count} entries but the catalog has {len(items)} (cut short or edited?)")
    if not items:
        # NOTE: CISA's catalog has had over 1,000 entries since 2023; an empty one is a broken
        # download or a placeholder, and would let every known-exploited CVE pass.
        raise RiskDataError(f"{source}: the KEV catalog has no entries (an empty catalog would decide nothing)")
    entries: dict[str, KevEntry] = {}
    for i, item in enumerate(items):
        where = f"$.vulnerabilities[{i}]"
        if not isinstance(item, dict):
            raise RiskDataError(f"{source}: {where} is not an object")
        cve = _text(item, "cveID", source, where)
        if not _CVE.fullmatch(cve):
            raise RiskDataError(f"{source}: {where}.cveID {cve[:40]!r} is not a CVE id (CVE-YYYY-NNNN)")
        ransomware = item.get("knownRansomwareCampaignUse", "Unknown")
        if ransomware not in _RANSOMWARE:
            raise RiskDataError(f"{source}: {where}.knownRansomwareCampaignUse {str(ransomware)[:40]!r} is neither 'Known' nor 'Unknown'")
        if cve in entries:
            raise RiskDataError(f"{source}: {where}: {cve} is listed twice")
        entries[cve] = KevEntry(
            cve=cve,
            date_added=_day(item, "dateAdded", source, where),
            due_date=_day(item, "dueDate", source, where),
            ransomware=_RANSOMWARE[ransomware],
            name=_text(item, "vulnerabilityName", source, where),
        )
    lookup = {**entries, **{cve.lower(): e for cve, e in entries.items()}}
    return KevCatalog(entries, lookup, version, released, source)


def _text(item: dict[str, Any], key: str, source: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise RiskDataError(f"{source}: {where}.{key} is missing or not a string")
    return value


def _day(item: dict[str, Any], key: str, source: str, where: str) -> datetime.date:
    text = _text(item, key, source, where)
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise RiskDataError(f"{source}: {where}.{key} {text[:40]!r} is not a date (YYYY-MM-DD)")
