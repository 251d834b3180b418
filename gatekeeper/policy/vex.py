"""VEX statements at evaluation time: which one suppresses a finding, and which matched nothing.

Like policy exceptions (``exceptions.py``), every suppressing statement (``not_affected``,
``fixed``) of a trusted document is counted; one that suppressed no finding is stale, and the
verdict's notices name them per document (the first few), so a VEX file that no longer
describes the product is noticed.
"""

from __future__ import annotations

from collections import Counter

from gatekeeper.model import Finding, Report
from gatekeeper.verdict import VexUse
from gatekeeper.vex import Statement, VexSet

STALE_LISTED = 5
"""Stale statements named per document in its notice (the JSON output lists all of them)."""


def use_of(s: Statement, matched: int = 0) -> VexUse:
    return VexUse(s.source, s.ref, s.vulnerability, s.status.value, s.justification, s.impact, matched, s.state)


class VexLedger:
    """Finds the suppressing statement for each finding and keeps count, for the verdict."""

    def __init__(self, vex: VexSet) -> None:
        self.vex = vex
        self.keys = vex.index.keys
        """Every id a statement names (``VexIndex.keys``): ``_decide`` asks ``find`` only for a finding with one."""
        self.matched: Counter[tuple[str, str]] = Counter()
        self._refs: dict[tuple[str, str], VexUse] = {}

    def ref(self, s: Statement) -> VexUse:
        """The statement as a decision names it (one shared object per statement)."""
        key = (s.source, s.ref)
        found = self._refs.get(key)
        if found is None:
            found = self._refs[key] = use_of(s)
        return found

    def find(self, finding: Finding, report: Report | None) -> Statement | None:
        """The statement that suppresses the finding (the latest covering it says not_affected or fixed)."""
        s = self.vex.index.decide(finding, report)
        if s is None or not s.status.suppresses:
            return None
        self.matched[(s.source, s.ref)] += 1
        return s

    def _suppressing(self) -> list[Statement]:
        seen: dict[tuple[str, str], tuple[int, Statement]] = {}
        for entries in self.vex.index.by_id.values():
            for s, _, n in entries:
                if s.status.suppresses:
                    seen.setdefault((s.source, s.ref), (n, s))
        return [s for _, s in sorted(seen.values(), key=lambda item: item[0])]

    def uses(self) -> tuple[VexUse, ...]:
        return tuple(use_of(s, self.matched[(s.source, s.ref)]) for s in self._suppressing())

    def notices(self, uses: tuple[VexUse, ...]) -> list[str]:
        out = list(self.vex.notices)
        stale: dict[str, list[VexUse]] = {}
        total: Counter[str] = Counter()
        for u in uses:
            total[u.document] += 1
            if not u.matched:
                stale.setdefault(u.document, []).append(u)
        for doc, items in stale.items():
            named = ", ".join(f"{u.vulnerability} ({u.statement})" for u in items[:STALE_LISTED])
            more = f" and {len(items) - STALE_LISTED} more" if len(items) > STALE_LISTED else ""
            out.append(
                f"VEX {doc}: {len(items)} of {total[doc]} not_affected/fixed statements matched no finding (stale): {named}{more}"
            )
        return out
