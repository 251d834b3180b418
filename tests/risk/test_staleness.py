"""The KEV catalog's ``dateReleased`` and EPSS ``score_date`` are shown; data older than the
policy's ``data_max_age`` (default 30 days for KEV, 7 for EPSS) warns, or fails with
``stale_data: fail``."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.verdict import Status
from tests.conftest import REPORTS
from tests.risk.helpers import EPSS_GZ, KEV_SMALL, gate
from tests.test_cli import run

CLEAN = REPORTS / "gitleaks-empty.json"  # nothing found: only the data can change the status
RELEASED = datetime.datetime(2025, 8, 25, 17, 4, 19, tzinfo=datetime.timezone.utc)


def at(days: float) -> datetime.datetime:
    return RELEASED + datetime.timedelta(days=days)


def test_fresh_data_is_dated_and_changes_nothing() -> None:
    v = gate(CLEAN, kev_path=str(KEV_SMALL), epss_path=str(EPSS_GZ), now=at(3))
    assert v.status is Status.PASSED and not v.gate_warnings
    assert f"KEV catalog 2025.08.25 (4 entries) from {KEV_SMALL}: released 2025-08-25T17:04:19Z" in v.notices
    assert f"EPSS scores v2025.03.14 (2010 CVEs) from {EPSS_GZ}: released 2025-08-25T12:55:00Z" in v.notices


def test_old_data_warns_by_default() -> None:
    v = gate(CLEAN, kev_path=str(KEV_SMALL), epss_path=str(EPSS_GZ), now=at(20))
    assert v.status is Status.WARNED  # EPSS older than 7 days; KEV within its 30
    stale = [n for n in v.notices if "stale" in n]
    assert stale == [f"EPSS scores v2025.03.14 (2010 CVEs) from {EPSS_GZ}: released 2025-08-25T12:55:00Z, "
                     "20 days ago: older than data_max_age epss (7d): stale"]
    v = gate(CLEAN, kev_path=str(KEV_SMALL), now=at(31))
    assert v.status is Status.WARNED and any("older than data_max_age kev (30d)" in n for n in v.notices)


def test_the_policy_sets_the_age_and_can_fail(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\ndata_max_age: {kev: 400d, epss: 12h}\nstale_data: fail\n", encoding="utf-8")
    v = gate(CLEAN, kev_path=str(KEV_SMALL), epss_path=str(EPSS_GZ), now=at(2), policy_path=str(policy))
    assert v.status is Status.FAILED
    assert v.problems == (f"EPSS scores v2025.03.14 (2010 CVEs) from {EPSS_GZ}: released 2025-08-25T12:55:00Z, "
                          "2 days ago: older than data_max_age epss (12h): stale",)
    r = run("check", "--policy", policy, "--kev", KEV_SMALL, CLEAN)  # today: far more than 400 days later
    assert r.returncode == 1, r.stdout + r.stderr
    assert "error: KEV catalog 2025.08.25" in r.stdout and "older than data_max_age kev (400d): stale" in r.stdout


def test_data_dated_in_the_future_is_suspect() -> None:
    v = gate(CLEAN, kev_path=str(KEV_SMALL), now=at(-3))
    assert v.status is Status.WARNED
    assert any(n.endswith("in the future (a wrong clock, or an edited file)") for n in v.notices)
