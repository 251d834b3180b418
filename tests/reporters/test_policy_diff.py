"""``gatekeeper policy diff`` as text (``reporters.policy_diff``): the changes, worst first."""

from __future__ import annotations

import datetime
from pathlib import Path

from gatekeeper.policy import evaluate
from gatekeeper.policy.diff import PolicyDiff, diff_verdicts
from gatekeeper.policy.load import load_policy
from gatekeeper.reporters.policy_diff import format_diff
from tests.beyond.helpers import reports
from tests.conftest import ROOT

TODAY = datetime.date(2026, 12, 1)
NAMES = ("trivy-fs.json", "gitleaks.json", "checkov.json", "hadolint.json", "pip-audit.json")


def diff(old: Path, new: Path) -> PolicyDiff:
    rs = reports(*NAMES)
    return diff_verdicts(evaluate(rs, load_policy(old), TODAY), evaluate(rs, load_policy(new), TODAY))


def test_names_from_the_command_line_are_made_inert() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "default.yaml")
    assert "\x1b" not in format_diff(d, "evil\x1b[2J.yaml", "b")


def test_the_list_is_bounded() -> None:
    d = diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "strict.yaml")
    moved = len(d.outcome_changes)
    assert moved > 1
    text = format_diff(d, "a", "b", limit=1)
    assert f"... and {moved - 1} more" in text


def test_a_change_decided_by_the_same_setting_shows_the_values() -> None:
    # default -> strict moves fail_on from high to medium: "was: fail_on   now: fail_on" said nothing.
    text = format_diff(diff(ROOT / "policies" / "default.yaml", ROOT / "policies" / "strict.yaml"), "a", "b")
    assert "was: fail_on   now: fail_on" not in text
    assert "was: severity medium < fail_on high\n" in text
    assert "now: severity medium >= fail_on medium\n" in text
