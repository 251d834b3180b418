"""HTTP(S) downloads of policy files with ``requests``: timeouts, TLS verification, redirects
followed here (counted, loops named, never downgraded, the token only to the named origin),
the body streamed up to ``MAX_BYTES``."""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from gatekeeper.sources.remote.interface import MAX_BYTES, RemotePolicyError
from gatekeeper.sources.remote.refs import TOKEN_ENV, display, shown

MAX_REDIRECTS = 5
TIMEOUT = (10.0, 30.0)
"""Seconds to connect, and to wait for each part of the answer."""
DEADLINE = 60.0
"""Seconds for the whole download (a server trickling bytes cannot hold the gate)."""


def download(url: str, hint: str = "") -> bytes:
    """The body of ``url`` (the rules: this module's and the package's docstrings); ``hint``
    ends the message when the server cannot be reached or refuses (what the cache holds)."""
    import requests
    from requests.utils import get_environ_proxies

    token = os.environ.get(TOKEN_ENV, "").strip()
    verify: str | bool = _ca_bundle()
    if isinstance(verify, str) and not os.path.isfile(verify):
        raise RemotePolicyError(f"{url}: the CA bundle {verify} is not a file")
    origin = _origin(url)
    visited = [url]
    current = url
    deadline = time.monotonic() + DEADLINE
    with requests.Session() as session:
        # NOTE: no .netrc, no environment CA: both decided here, explicitly.
        session.trust_env = False
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"User-Agent": "gatekeeper", "Accept": "application/yaml, text/yaml, text/plain, */*",
                       "Accept-Encoding": "identity"}
            if token and current.startswith("https://") and _origin(current) == origin:
                headers["Authorization"] = f"Bearer {token}"
            problem = ""
            try:
                response = session.get(current, headers=headers, timeout=TIMEOUT, verify=verify, stream=True,
                                       allow_redirects=False, proxies=get_environ_proxies(current))
            except requests.exceptions.SSLError as e:
                problem = (f"TLS verification failed ({_reason(e)}); for a private CA set REQUESTS_CA_BUNDLE "
                           "or SSL_CERT_FILE to its certificate bundle")
            except requests.exceptions.ProxyError:
                problem = "cannot connect through the proxy (HTTPS_PROXY)"  # its URL may hold a password
            except requests.exceptions.Timeout:
                problem = f"no answer within {TIMEOUT[0]:g}s (connect) / {TIMEOUT[1]:g}s (read)"
            except requests.exceptions.ConnectionError as e:
                problem = f"cannot connect ({_reason(e)})"
            except requests.exceptions.RequestException as e:
                problem = f"request failed ({type(e).__name__})"
            if problem:
                # NOTE: raised outside the ``except``: the requests exception holds the
                # request (and its Authorization header) and must not be chained.
                raise RemotePolicyError(_redact(_where(url, current) + problem + hint, token))
            with response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location", "")
                    target = urljoin(current, location)
                    problem = _redirect_problem(current, target, visited) if location else f"HTTP {status} without a Location"
                    if problem:
                        raise RemotePolicyError(_redact(_where(url, current) + problem, token))
                    visited.append(target)
                    current = target
                    continue
                if status != 200:
                    raise RemotePolicyError(_where(url, current) + _status(status) + hint)
                return _read_body(response, _where(url, current), deadline)
    raise RemotePolicyError(f"{url}: more than {MAX_REDIRECTS} redirects ({' -> '.join(display(v) for v in visited)})")


def _redirect_problem(current: str, target: str, visited: list[str]) -> str:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"redirected to {shown(display(target))}, which is not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "redirected to a URL holding credentials; refused"
    if current.startswith("https://") and parts.scheme == "http":
        return f"redirected from https to plain http ({display(target)}); refused"
    if target in visited:
        return "redirect loop: " + " -> ".join(display(v) for v in [*visited[visited.index(target):], target])
    return ""


def _read_body(response: Any, where: str, deadline: float) -> bytes:
    import requests

    headers = getattr(response, "headers", {})
    announced = headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > MAX_BYTES:
        raise RemotePolicyError(f"{where}the server announces {int(announced)} bytes; a policy file may have at most "
                                f"{MAX_BYTES}; refused without reading it")
    body = bytearray()
    problem = ""
    try:
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_BYTES:
                problem = f"the answer is larger than {MAX_BYTES} bytes (the most a policy file may have); refused, reading stopped"
                break
            if time.monotonic() > deadline:
                problem = f"the download took longer than {DEADLINE:g}s; refused"
                break
    except requests.exceptions.RequestException as e:
        problem = f"the connection broke ({_reason(e)})"
    if problem:
        raise RemotePolicyError(where + problem)
    return bytes(body)


def _ca_bundle() -> str | bool:
    """The CA bundle to verify with: ``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE``, else
    ``True`` (certifi's, through requests)."""
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return True


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"https": 443, "http": 80}.get(parts.scheme)


def _where(url: str, current: str) -> str:
    return f"{url}: " if current == url else f"{url}: (redirected to {display(current)}) "


def _status(status: int) -> str:
    from http import HTTPStatus

    try:
        name = HTTPStatus(status).phrase  # NOTE: our words, not the server's reason text
    except ValueError:
        name = ""
    return f"HTTP {status} {name}".rstrip()


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _reason(error: BaseException) -> str:
    """The innermost cause's words, without URLs."""
    inner: BaseException = error
    for _ in range(8):  # requests wraps urllib3, which wraps the socket's error
        deeper = inner.__cause__ or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
        if deeper is None:
            break
        inner = deeper
    text = str(getattr(inner, "verify_message", None) or getattr(inner, "reason", None) or inner)
    return text.split(": ", 1)[-1][:200] if "http" in text.lower() else text[:200]
