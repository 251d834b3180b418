"""Sending a pull-request comment: the HTTP side of ``platforms.py``'s requests.

* Every request has a connect and a read timeout. 5xx answers, 429 and GitHub's secondary
  rate limits (403 with ``Retry-After`` or ``x-ratelimit-remaining: 0``) are retried with
  backoff, honouring ``Retry-After`` and ``x-ratelimit-reset``, within a small total wait
  (``WAIT_BUDGET``): a gate does not sit for an hour to post a comment. 401, 404, 422 and
  other refusals are not retried.
* A timeout or broken connection is retried for reads and edits, which are idempotent; a
  ``POST`` only when it never reached the server (a connect timeout): once sent, a retry
  could post the comment twice.
* Redirects are followed by hand, and only on the API's own origin (scheme, host, port):
  ``requests`` drops ``Authorization`` on a redirect to another host but would forward
  GitLab's ``PRIVATE-TOKEN`` header. A redirect elsewhere is an error, not followed.
* No message holds the token: errors are built from status codes and the API's JSON
  ``message``, with the token replaced should a server echo it; no ``requests`` exception
  (whose request carries the headers) is chained to them.

``requests`` is imported here, only when a comment is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from gatekeeper.pr_comment.platforms import CommentError, Request, Target, server_message

RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
ATTEMPTS = 3
"""Attempts of one request at most."""
WAIT_BUDGET = 15.0
"""Seconds a run may spend waiting between attempts, over all its requests."""
BACKOFF = 0.5
"""First wait after a failed attempt without ``Retry-After``; doubled each time."""
MAX_REDIRECTS = 3


class Client:
    """Sends a :class:`Request` to the target's API and returns the decoded JSON answer."""

    def __init__(self, target: Target, timeout: float = 10.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        import requests

        self.target = target
        self.timeout = (min(timeout, 10.0), timeout)
        """(connect, read) seconds."""
        self._sleep, self._clock = sleep, clock
        self._budget = WAIT_BUDGET
        self._status: int | None = None
        """The status of the last answer (named on the error)."""
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def send(self, request: Request, expect: tuple[int, ...] = (200,)) -> tuple[Any, Any]:
        """``(decoded JSON, response)``; raises :class:`CommentError` once retries are spent."""
        problem = ""
        self._status = None
        for attempt in range(ATTEMPTS):
            response, problem, wait = self._attempt(request, expect)
            if response is not None:
                try:
                    return response.json(), response
                except ValueError:
                    problem, wait = f"the answer is not JSON ({response.headers.get('Content-Type', 'no content type')})", None
            if wait is None or attempt + 1 == ATTEMPTS:
                break
            wait = BACKOFF * 2**attempt if wait < 0 else wait
            if wait > self._budget:
                problem += f"; a retry would wait {wait:.0f}s, more than the gate gives a comment"
                break
            self._budget -= wait
            self._sleep(wait)
        raise CommentError(self._redact(f"{self.target.where}: {request.method} {self._path(request.url)}: {problem}"), self._status)

    def _attempt(self, request: Request, expect: tuple[int, ...]) -> tuple[Any, str, float | None]:
        """(response, "", None) or (None, problem, seconds to wait before a retry (-1: the
        backoff) or None: no retry)."""
        import requests

        method, url, body = request.method, request.url, request.body
        for _ in range(MAX_REDIRECTS + 1):
            if not self.target.same_origin(url):  # NOTE: checked before every send, the token's one guard
                return None, "a redirect to another host was not followed (the token stays with the API)", None
            try:
                response = self._session.request(method, url, json=body, headers=self.target.headers,
                                                 timeout=self.timeout, allow_redirects=False)
                response.content  # noqa: B018 - read the body here, where a cut connection is caught
            except requests.exceptions.ConnectTimeout:
                return None, f"no connection within {self.timeout[0]:g}s", -1
            except requests.exceptions.Timeout:
                return None, f"no answer within {self.timeout[1]:g}s", -1 if method != "POST" else None
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError):
                return None, "cannot connect or the connection broke", -1 if method != "POST" else None
            except requests.exceptions.RequestException as e:
                return None, f"request failed ({type(e).__name__})", None
            status = response.status_code
            if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                if status in (301, 302, 303) and method != "GET":
                    return None, f"HTTP {status}: the API moved the request; not repeated as another method", None
                from urllib.parse import urljoin

                url = urljoin(url, response.headers["Location"])
                continue
            return self._judge(response, status, expect)
        return None, "too many redirects", None

    def _judge(self, response: Any, status: int, expect: tuple[int, ...]) -> tuple[Any, str, float | None]:
        self._status = status
        if status in expect:
            return response, "", None
        headers = response.headers
        said = _said(response)
        detail = f" (server: {said})" if said else ""
        if status in RETRY_STATUSES:
            return None, f"HTTP {status}{detail}", _retry_after(headers, self._clock())
        if status == 403 and (headers.get("Retry-After") or headers.get("x-ratelimit-remaining") == "0"):
            # NOTE: GitHub's secondary rate limit: without Retry-After, wait until
            # x-ratelimit-reset, or at least a minute (docs: "Rate limits for the REST API").
            wait = _retry_after(headers, self._clock())
            return None, f"HTTP 403: rate limited{detail}", wait if wait >= 0 else 60.0
        return None, self._refusal(status, detail), None

    def _refusal(self, status: int, detail: str) -> str:
        t = self.target
        if status == 401:
            return f"HTTP 401: {t.token_name} was refused (invalid or expired){detail}"
        if status == 403:
            need = ("the workflow needs `permissions: pull-requests: write`; a pull request from a fork gets a "
                    "read-only token" if t.platform == "github" else "the token needs the api scope and at least the Reporter role")
            return f"HTTP 403: {t.token_name} may not comment here ({need}){detail}"
        if status == 404:
            return f"HTTP 404: not found, or {t.token_name} cannot see it{detail}"
        if status == 422:
            return f"HTTP 422: the API refused the comment{detail}"
        return f"HTTP {status}{detail}"

    def _path(self, url: str) -> str:
        return url[len(self.target.api):].split("?", 1)[0] if url.startswith(self.target.api) else "(another URL)"

    def _redact(self, text: str) -> str:
        token = self.target.token
        return text.replace(token, "***") if token else text


def _said(response: Any) -> str:
    try:
        return server_message(response.json())
    except ValueError:
        return ""


def _retry_after(headers: Any, now: float) -> float:
    """Seconds the server asks to wait (``Retry-After``, or GitHub's ``x-ratelimit-reset``
    epoch when ``x-ratelimit-remaining`` is 0); -1: none asked, use the backoff.

    NOTE: GitHub and GitLab send ``Retry-After`` in seconds; the HTTP-date form (RFC 9110)
    falls back to the backoff, which the wait budget bounds either way."""
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    reset = (headers.get("x-ratelimit-reset") or "").strip()
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return max(float(reset) - now, 0.0)
    return -1
