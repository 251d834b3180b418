"""Attestation tests: keys made in the test, a clean environment (no CI run, no key, no colour)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attest.helpers import KeyPair, make_key


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GITHUB_ACTIONS", "GITHUB_SHA", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "CI_PROJECT_URL", "CI_COMMIT_SHA",
        "GATEKEEPER_ENV", "GATEKEEPER_SIGNING_KEY", "GATEKEEPER_SIGNING_KEY_PASSWORD", "GATEKEEPER_RESOURCE",
        "GATEKEEPER_APPROVER", "GATEKEEPER_APPROVAL_KEY", "GATEKEEPER_APPROVERS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(params=["ed25519", "ecdsa-p256"])
def keypair(request: pytest.FixtureRequest, tmp_path: Path) -> KeyPair:
    """A fresh key pair of each supported type, written as openssl writes them."""
    return make_key(tmp_path, request.param, "release")
