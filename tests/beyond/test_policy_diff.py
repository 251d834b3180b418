"""``policy diff``: which findings of the real reports change verdict between two policies."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.policy import evaluate
from gatekeeper.policy.diff import diff_verdicts
from gatekeeper.reporters.policy_diff import format_diff
from gatekeeper.policy.load import load_policy
from gatekeeper.verdict import Outcome
from tests.beyond.helpers import gk, reports, write
from tests.conftest import REPORTS, ROOT

TODAY = datetime.date(2026, 12, 1)
NAMES = ("trivy-fs.json", "gitleaks.json", "checkov.json", "hadolint.json", "pip-audit.json")


def diff(old: Path, new: Path):  # type: ignore[no-untyped-def]
    rs = reports(*NAMES)
    return diff_verdicts(evaluate(rs, load_policy(old), TODAY), evaluate(rs, load_policy(new), TODAY))


def test_the_same_policy_changes_nothing() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "default.yaml")
    assert d.changes == ()
    assert "0 findings change outcome" in format_diff(d, "a", "b")


def test_strict_fails_more_than_default() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "strict.yaml")
    moved = d.outcome_changes
    assert moved
    assert all(c.new.decision.outcome.rank >= c.old.decision.outcome.rank for c in moved)
    assert d.old.status == d.new.status


def test_an_added_exception_is_previewed(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", "version: 1\n")
    new = write(tmp_path, "new.yaml", """
        version: 1
        exceptions:
          - id: django-sqli
            match: {identifier: CVE-2019-14234, package: django}
            reason: the JSONField lookups are not used
            owner: app-team
            expires: 2099-01-01
    """)
    d = diff(old, new)
    assert len(d.changes) == 1
    c = d.changes[0]
    assert (c.old.decision.outcome, c.new.decision.outcome) == (Outcome.FAIL, Outcome.SUPPRESSED)
    assert c.new.finding.rule_id == "PYSEC-2019-13"
    text = format_diff(d, "old.yaml", "new.yaml")
    assert "fail -> suppressed" in text and "now: exception django-sqli" in text
    assert "1 finding changes outcome (fail -1, suppressed +1)" in text


def test_cli_policy_diff(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", "version: 1\nfail_on: high\n")
    new = write(tmp_path, "new.yaml", "version: 1\nfail_on: medium\n")
    r = gk("policy", "diff", old, new, REPORTS / "hadolint.json")
    assert r.returncode == 0, r.stderr
    assert "pass -> fail" in r.stdout and "hadolint" in r.stdout
    assert "status: failed -> failed" in r.stdout
