"""Policy files: the three issue-2 settings, and errors that point at the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.model import Severity
from gatekeeper.policy import Action, Policy, PolicyError, load_policy
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_default_policy_equals_builtin() -> None:
    p = load_policy(ROOT / "policies" / "default.yaml")
    assert (p.enforce, p.fail_on, p.ignore_unfixed, p.secrets, p.unknown_severity) == (
        Policy().enforce,
        Policy().fail_on,
        Policy().ignore_unfixed,
        Policy().secrets,
        Policy().unknown_severity,
    )


def test_settings_are_read(tmp_path: Path) -> None:
    p = load_policy(write(tmp_path, "version: 1\nfail_on: medium\nignore_unfixed: false\nsecrets: warn\nmode: warn\n"))
    assert p.fail_on is Severity.MEDIUM
    assert p.ignore_unfixed is False
    assert p.secrets is Action.WARN
    assert p.enforce is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nfial_on: high\n", r"policy.yaml:2:1: \$.fial_on: unknown key 'fial_on'"),
        ("version: 1\nfail_on: hihg\n", r"policy.yaml:2:10: \$.fail_on: 'hihg' is not one of"),
        ("version: 1\nignore_unfixed: maybe\n", r"\$.ignore_unfixed: 'maybe' is not of type 'boolean'"),
        ("fail_on: high\n", r"'version' is a required property"),
        ("version: 2\n", r"\$.version: 1 was expected"),
        ("version: 1\nfail_on: [high\n", r"policy.yaml:\d+:\d+: YAML syntax error"),
        ("", r"policy file is empty"),
        ("version: 1\nversion: 1\n", r"duplicate key 'version'"),
        ("- 1\n", r"\$: \[1\] is not of type 'object'"),
        ("version: 1\nsecrets: !!python/object/apply:os.system ['true']\n", r"YAML"),
    ],
)
def test_bad_policies_are_rejected_with_position(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy(write(tmp_path, text))


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, "version: 1\nfail_on: hihg\nsecretz: fail\nmode: loud\n"))
    text = str(info.value)
    assert "3 errors" in text
    assert text.index("fail_on") < text.index("secretz") < text.index("mode")


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "nope.yaml")
