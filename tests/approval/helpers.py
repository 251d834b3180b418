"""Shared by the approval tests: the shipped approval policy, the real fixtures, the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.cli import main
from tests.conftest import REPORTS, ROOT

POLICY = ROOT / "policies" / "release-approval.yaml"
KEY = "test-key-0123456789abcdef0123456789"
PIP_AUDIT = REPORTS / "pip-audit.json"
HADOLINT = REPORTS / "hadolint.json"
TRIVY = REPORTS / "trivy-fs.json"
# NOTE: not checkov-empty.json: "checkov found nothing to scan" is a coverage gap, which warns.
CLEAN = (REPORTS / "gitleaks-empty.json",)


def gate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run ``gatekeeper ARGS`` in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err
