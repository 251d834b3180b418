"""Approval tests run with a clean environment: no key, no approver, no GitHub, no colour."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GATEKEEPER_ENV", "GATEKEEPER_APPROVER", "GATEKEEPER_APPROVAL_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
