"""Every file in ``invalid/`` is refused, with the messages its ``# expect: <regex>`` lines name.

The folder is listed, so a new case is a new file. Each expected message carries
``file:line:col`` and the key path; the CLI exits 2 on each and names ``file:line``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gatekeeper.policy import PolicyError, load_policy

INVALID = Path(__file__).parent / "invalid"
CASES = sorted(INVALID.glob("*.yaml"))


def expectations(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [line.removeprefix("# expect:").strip() for line in lines if line.startswith("# expect:")]
    assert found, f"{path.name} has no '# expect:' line"
    return found


def test_the_folder_covers_the_required_cases() -> None:
    names = {p.stem for p in CASES}
    required = {
        "unknown-key", "wrong-type", "misspelled-severity", "bad-date", "bad-version-specifier",
        "duplicate-rule-id", "exception-without-reason", "exception-without-expiry", "extends-cycle-a",
    }
    assert required <= names


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_invalid_policy_is_refused_with_its_messages(path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    for pattern in expectations(path):
        assert re.search(pattern, message), f"{pattern!r} not in:\n{message}"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from gatekeeper.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out + out.err


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_cli_validate_exits_2_and_names_file_and_line(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["policy", "validate", str(path)], capsys)
    assert code == 2, text
    assert re.search(r"\.yaml:\d+", text)
    assert "policy files are invalid" in text


def test_check_with_an_invalid_policy_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    report = Path(__file__).parents[2] / "fixtures" / "reports" / "gitleaks.json"
    code, text = run_cli(["check", str(report), "--policy", str(INVALID / "unknown-key.yaml")], capsys)
    assert code == 2
    assert re.search(r"unknown-key\.yaml:3:1: \$\.fial_on: unknown key", text)
