"""Issue 21, second round, what the fuzzing does not cover: a SonarQube token sent over plain
``http://`` to another machine is named in the verdict (through the real CLI and the replay
server of tests/sources/test_sonarqube_api.py)."""

from __future__ import annotations

import pytest

from gatekeeper.sources.sonarqube import SonarQubeSettings, cleartext_warning
from tests.sources.sonar_server import PROJECT, TOKEN, SonarServer
from tests.sources.test_sonarqube_api import _no_proxy, gatekeeper, server  # noqa: F401 - fixtures

INTERNAL = "http://sonar.internal.example:9000"
"""A plain-http server on another machine; the test reaches the replay server through it as
a proxy (requests sends ``GET http://sonar.internal.example:9000/api/...`` to the proxy)."""


def test_a_token_over_plain_http_is_a_notice_of_the_verdict(server: SonarServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    r = gatekeeper("--sonar-url", INTERNAL, "--sonar-project", PROJECT)
    assert r.returncode == 1, r.stdout + r.stderr  # still gated: an internal server is usable
    assert server.seen, "the request did not reach the server"
    said = [line for line in (r.stdout + r.stderr).splitlines() if "plain http" in line]
    assert len(said) == 1, r.stdout + r.stderr
    assert f"--sonar-url {INTERNAL} is plain http: the token travels in clear" in said[0]
    assert TOKEN not in r.stdout + r.stderr


def test_https_loopback_and_no_token_say_nothing(server: SonarServer) -> None:  # noqa: F811
    r = gatekeeper("--sonar-url", server.url, "--sonar-project", PROJECT)  # http://127.0.0.1
    assert r.returncode == 1, r.stdout + r.stderr
    assert "plain http" not in r.stdout + r.stderr


@pytest.mark.parametrize(
    ("url", "token", "warned"),
    [
        ("http://sonar.example.com", TOKEN, True),
        ("http://10.0.0.5:9000/sonar", TOKEN, True),
        ("http://user:secret@sonar.example.com", None, True),  # a password in the URL travels too
        ("HTTP://Sonar.Example.com", TOKEN, True),
        ("https://sonar.example.com", TOKEN, False),
        ("http://sonar.example.com", None, False),  # anonymous: no secret to leak
        ("http://localhost:9000", TOKEN, False),
        ("http://127.0.0.2:9000", TOKEN, False),
        ("http://[::1]:9000", TOKEN, False),
        ("http://sonar.localhost", TOKEN, False),
    ],
)
def test_which_urls_are_warned_about(url: str, token: str | None, warned: bool) -> None:
    warning = cleartext_warning(SonarQubeSettings(url=url, project="p", token=token))
    assert (warning is not None) == warned
    if warning:
        assert "secret" not in warning and (token is None or token not in warning)
        assert warning.startswith("--sonar-url http://")
