"""Shared paths and a gate runner for the exploitation tests (``--kev``, ``--epss``)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from gatekeeper.gate import GateRequest, run_gate
from gatekeeper.verdict import Evaluated, Verdict
from tests.conftest import ROOT, SHARED, require_shared

DATA = ROOT / "fixtures" / "risk"
KEV_SMALL = DATA / "kev-small.json"
EPSS_CSV = DATA / "epss_scores-2025-08-25.csv"
EPSS_GZ = DATA / "epss_scores-2025-08-25.csv.gz"
TRIVY_LOW = DATA / "trivy-kev-low.json"
PIP_AUDIT_KEV = DATA / "pip-audit-kev.json"
TODAY = datetime.date(2025, 8, 30)
NOW = datetime.datetime(2025, 8, 30, 12, tzinfo=datetime.timezone.utc)
"""A clock five days after the catalog's release: fresh data, as in a daily pipeline."""


def real_kev() -> Path:
    """CISA's catalog 2025.08.25 (1,404 entries) in the shared data."""
    require_shared()
    return SHARED / "data" / "kev" / "known_exploited_vulnerabilities.json"


def corpus(path: str) -> Path:
    require_shared()
    return SHARED / "corpus" / path


def gate(*reports: Path, **request: Any) -> Verdict:
    """The verdict through the pipeline every command uses, at the fixed clock."""
    request.setdefault("today", TODAY)
    request.setdefault("now", NOW)
    return run_gate(GateRequest(reports=tuple(map(str, reports)), **request))


def by_rule(verdict: Verdict) -> dict[str, Evaluated]:
    return {e.finding.rule_id: e for e in verdict.results}


def catalog(**changes: Any) -> dict[str, Any]:
    """The small catalog as data, with top-level keys changed."""
    doc = json.loads(KEV_SMALL.read_text(encoding="utf-8"))
    doc.update(changes)
    return doc
