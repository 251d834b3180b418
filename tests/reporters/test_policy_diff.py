"""``gatekeeper policy diff`` as text (``reporters.policy_diff``): the changes, worst first."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.policy import evaluate
from gatekeeper.policy.diff import PolicyDiff, diff_verdicts
from gatekeeper.policy.load import load_policy
from gatekeeper.reporters.policy_diff import format_diff
from tests.beyond.helpers import reports, write
from tests.conftest import ROOT

TODAY = datetime.date(2026, 12, 1)
NAMES = ("trivy-fs.json", "gitleaks.json", "checkov.json", "hadolint.json", "pip-audit.json")


def diff(old: Path, new: Path) -> PolicyDiff:
    rs = reports(*NAMES)
    return diff_verdicts(evaluate(rs, load_policy(old), TODAY), evaluate(rs, load_policy(new), TODAY))


def test_the_same_policy_changes_nothing() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "default.yaml")
    text = format_diff(d, "a", "b")
    assert text.startswith("policy diff: a -> b (5 reports, ")
    assert text.endswith("0 findings change outcome\nstatus: failed -> failed\n")


def test_an_added_exception_is_listed_with_both_deciders(tmp_path: Path) -> None:
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
    text = format_diff(diff(old, new), "old.yaml", "new.yaml")
    assert "fail -> suppressed" in text and "now: exception django-sqli" in text
    assert "1 finding changes outcome (fail -1, suppressed +1)" in text


def test_names_from_the_command_line_are_made_inert() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "default.yaml")
    assert "\x1b" not in format_diff(d, "evil\x1b[2J.yaml", "b")


def test_the_list_is_bounded() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "strict.yaml")
    moved = len(d.outcome_changes)
    assert moved > 1
    text = format_diff(d, "a", "b", limit=1)
    assert f"... and {moved - 1} more" in text
