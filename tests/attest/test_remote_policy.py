"""A central policy served over HTTPS (remote ``extends``) in a signed attestation: the base is
named by its URL and digest, and ``verify --expect-policy-digest`` holds it to the pin."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attest.helpers import IMAGE, independent_verify, make_key
from tests.conftest import REPORTS
from tests.policy.policy_server import PolicyServer, Tls, make_ca
from tests.test_cli import run

BASE = b"version: 1\nfail_on: critical\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PolicyServer]:
    (tmp_path / "ca").mkdir()
    tls: Tls = make_ca(tmp_path / "ca")
    srv = PolicyServer().start(tls)
    srv.tls_ca = tls.ca  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def test_the_central_base_is_attested_by_url_and_digest(server: PolicyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSL_CERT_FILE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    env = {"REQUESTS_CA_BUNDLE": str(server.tls_ca), "GATEKEEPER_CACHE_DIR": str(tmp_path / "cache")}  # type: ignore[attr-defined]
    server.files["/base/v3.yaml"] = BASE
    digest = hashlib.sha256(BASE).hexdigest()
    url = server.url("/base/v3.yaml") + f"#sha256={digest}"
    team = tmp_path / "team.yaml"
    team.write_text(f"version: 1\nextends: {json.dumps(url)}\n", encoding="utf-8")
    pair = make_key(tmp_path / "keys", "ed25519", "release")
    out = tmp_path / "gate.intoto.json"
    done = run("check", REPORTS / "pip-audit.json", "--policy", team, "--attest", out, "--signing-key", pair.private,
               "--resource", IMAGE, env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # fail_on: critical came from the base
    policy = independent_verify(out.read_bytes(), pair.public.read_bytes())["predicate"]["policy"]
    assert policy["digest"] == {"sha256": hashlib.sha256(team.read_bytes()).hexdigest()}
    [base] = policy["annotations"]["extends"]
    assert base["digest"] == {"sha256": digest} and base["uri"].startswith(server.url("/base/v3.yaml"))
    ok = run("verify", out, "--key", pair.public, "--expect-policy-digest", f"sha256:{digest}", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "extends https://" in ok.stdout
    other = run("verify", out, "--key", pair.public, "--expect-policy-digest", "sha256:" + "1" * 64, env=env)
    assert other.returncode == 1
