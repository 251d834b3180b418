"""Exploitation data the policy decides with: CISA's KEV catalog and FIRST's EPSS scores.

Pure: ``parse_kev`` and ``parse_epss`` turn a file's bytes into lookup tables (the gate
reads the bytes: ``gate.prepare``); ``RiskData.assess`` says what is known of one finding.
A finding is matched by its rule id and every identifier the scanner gave (pip-audit's and
osv-scanner's aliases, grype's related vulnerabilities, Trivy's vendor ids): a PYSEC or GHSA
finding whose alias is a listed CVE is listed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from gatekeeper.risk.epss import EpssScore, EpssScores, parse_epss
from gatekeeper.risk.errors import RiskDataError
from gatekeeper.risk.kev import KevCatalog, KevEntry, parse_kev

__all__ = [
    "EpssScore", "EpssScores", "Exploitation", "KevCatalog", "KevEntry", "RiskData", "RiskDataError", "parse_epss",
    "parse_kev",
]


class Exploitation(NamedTuple):
    """What the data says of one finding."""

    kev: KevEntry | None = None
    """Its catalog entry, when one of its ids is listed."""
    epss: EpssScore | None = None
    """Its EPSS score (the highest of its CVE ids'), when one is scored."""


class RiskData(NamedTuple):
    """The data given to one gate, and the files it came from."""

    kev: KevCatalog | None = None
    epss: EpssScores | None = None
    files: tuple[tuple[str, str, str], ...] = ()
    """(kind, path, sha256) of each file read (``Verdict.data_files``)."""

    def dates(self) -> tuple[tuple[str, str, str], ...]:
        """(kind, version, release time) of each data set (``Verdict.data_dates``)."""
        out = []
        if self.kev is not None:
            out.append(("kev", self.kev.version, _iso(self.kev.released)))
        if self.epss is not None:
            out.append(("epss", self.epss.model_version, _iso(self.epss.score_date)))
        return tuple(out)

    def assess(self, rule_id: str, ids: Iterable[str]) -> Exploitation | None:
        """What is known of a finding with this rule id and identifiers; ``None``: nothing.

        NOTE: one dict lookup per id, no regex, no case folding (the catalog is indexed by
        both cases): 50,000 findings with the full catalog cost about 20 ms (bench/README.md).
        """
        entry: KevEntry | None = None
        if self.kev is not None:
            kev = self.kev.lookup
            entry = kev.get(rule_id)
            if entry is None:
                for i in ids:
                    entry = kev.get(i)
                    if entry is not None:
                        break
        if self.epss is None:
            return None if entry is None else Exploitation(entry)
        scores = self.epss.scores
        best: tuple[float, float] | None = None
        best_id = ""
        for i in (rule_id, *ids):
            pair = scores.get(i)
            if pair is None and i[:4] == "cve-":
                i = i.upper()
                pair = scores.get(i)
            if type(pair) is str:  # a row not read yet (``EpssScores.scores``)
                pair = self.epss.pair(i)
            if pair is not None and (best is None or pair > best):
                best, best_id = pair, i
        if entry is None and best is None:
            return None
        return Exploitation(entry, None if best is None else EpssScore(best_id, best[0], best[1]))


def _iso(t: datetime.datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")
