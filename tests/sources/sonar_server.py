"""A small SonarQube Web API on 127.0.0.1 for the source's tests: real HTTP, real paging.

It serves recorded responses (their items sliced into pages by ``p``/``ps``, with an
honest ``paging``), checks the token as SonarQube does (basic-auth user name with an
empty password, or ``Authorization: Bearer``), refuses ``p * ps > 10000`` with SonarQube's
400, filters issues by ``createdAfter`` (inclusive) / ``createdBefore`` (exclusive) /
``rules`` and computes the ``rules`` facet, and plays injected failures: HTTP statuses,
slow answers, truncated bodies, connections cut mid-body.
"""

from __future__ import annotations

import base64
import functools
import json
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "squ_0123456789abcdefSECRETtoken"
PROJECT = "pixee_codemodder-python"
_DATETIME = "%Y-%m-%dT%H:%M:%S%z"


@dataclass
class Dataset:
    """What one project (on one branch or pull request) holds."""

    issues: list[dict[str, Any]] = field(default_factory=list)
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    gate: dict[str, Any] = field(default_factory=lambda: {"projectStatus": {"status": "OK", "conditions": []}})


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    params: dict[str, str]
    auth: str | None


class SonarServer:
    """State and knobs; the handler below reads them. ``url`` once started."""

    def __init__(self, token: str | None = TOKEN) -> None:
        self.token = token
        self.data: dict[tuple[str, str | None, str | None], Dataset] = {}
        self.forbidden: set[str] = set()
        self.tasks: dict[str, deque[dict[str, Any]]] = {}
        self.gates_by_analysis: dict[str, dict[str, Any]] = {}
        self.injected: dict[str, deque[Any]] = defaultdict(deque)
        self.always: dict[str, Any] = {}
        self.slow_seconds = 1.0
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""

    # ------------------------------------------------------------ set-up

    def add(self, project: str, data: Dataset, branch: str | None = None, pull_request: str | None = None) -> None:
        data.issues.sort(key=_issue_order)
        self.data[(project, branch, pull_request)] = data

    def inject(self, path: str, *actions: Any) -> None:
        """Answer the next requests to ``path`` with these (an HTTP status, "slow",
        "truncate", "cut", "html", or a function to call first), then normally."""
        self.injected[path].extend(actions)

    def start(self, tls: tuple[str, str] | None = None) -> SonarServer:
        """Serve in a thread; ``tls`` = (certificate file, key file) serves HTTPS."""
        server = self

        class Handler(_Handler):
            owner = server

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False  # type: ignore[attr-defined]
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    # ------------------------------------------------------------ answers

    def next_action(self, path: str) -> Any:
        with self._lock:
            queue = self.injected.get(path)
            if queue:
                return queue.popleft()
        return self.always.get(path)

    def authorised(self, header: str | None) -> bool:
        if self.token is None:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return value == self.token
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return False
            return user == self.token and password == ""
        return False

    def answer(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        if path == "/api/ce/task":
            return self._task(q)
        if path == "/api/qualitygates/project_status" and "analysisId" in q:
            gate = self.gates_by_analysis.get(q["analysisId"])
            return (200, gate) if gate else _error(404, f"Analysis with id '{q['analysisId']}' is not found")
        key = {
            "/api/issues/search": "componentKeys",
            "/api/hotspots/search": "projectKey",
            "/api/qualitygates/project_status": "projectKey",
        }.get(path)
        if key is None:
            return _error(404, f"Unknown url : {path}")
        project = q.get(key)
        if not project:
            return _error(400, f"The '{key}' parameter is missing")
        if project in self.forbidden:
            return _error(403, "Insufficient privileges")
        data = self.data.get((project, q.get("branch"), q.get("pullRequest")))
        if data is None:
            if q.get("branch") and (project, None, None) in self.data:
                return _error(404, f"Component '{project}' on branch '{q['branch']}' not found")
            return _error(404, f"Component key '{project}' not found")
        if path == "/api/qualitygates/project_status":
            return 200, data.gate
        if path == "/api/hotspots/search":
            items = [h for h in data.hotspots if _hotspot_matches(h, q)]
            return _page("hotspots", items, data, q)
        items = _issues_matching(data.issues, q)
        if q.get("s") == "CREATION_DATE" and q.get("asc") == "false":
            items.reverse()
        return _page("issues", items, data, q)

    def _task(self, q: dict[str, str]) -> tuple[int, Any]:
        states = self.tasks.get(q.get("id", ""))
        if not states:
            return _error(404, f"No activity found for task '{q.get('id')}'")
        with self._lock:
            task = states.popleft() if len(states) > 1 else states[0]
        return 200, {"task": {"id": q["id"], "type": "REPORT", **task}}


def _error(status: int, message: str) -> tuple[int, Any]:
    return status, {"errors": [{"msg": message}]}


@functools.lru_cache(maxsize=None)
def _parse_date(text: str) -> datetime:
    if "T" in text:
        return datetime.strptime(text, _DATETIME)
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)


def _issue_order(issue: dict[str, Any]) -> tuple[datetime, str]:
    return _parse_date(issue["creationDate"]), issue["key"]


def _issues_matching(issues: list[dict[str, Any]], q: dict[str, str]) -> list[dict[str, Any]]:
    after = _parse_date(q["createdAfter"]) if "createdAfter" in q else None
    before = _parse_date(q["createdBefore"]) if "createdBefore" in q else None
    rules = set(q["rules"].split(",")) if "rules" in q else None
    return [
        i
        for i in issues
        if (after is None or _parse_date(i["creationDate"]) >= after)
        and (before is None or _parse_date(i["creationDate"]) < before)
        and (rules is None or i["rule"] in rules)
    ]


def _hotspot_matches(hotspot: dict[str, Any], q: dict[str, str]) -> bool:
    if "status" in q and hotspot.get("status") != q["status"]:
        return False
    return not ("resolution" in q and hotspot.get("resolution") != q["resolution"])


def _page(key: str, items: list[dict[str, Any]], data: Dataset, q: dict[str, str]) -> tuple[int, Any]:
    try:
        p, ps = int(q.get("p", "1")), int(q.get("ps", "100"))
    except ValueError:
        return _error(400, "'p' and 'ps' must be integers")
    if ps > 500:
        return _error(400, f"'ps' value ({ps}) must be less than 500")
    if p < 1 or ps < 1:
        return _error(400, "'p' and 'ps' must be positive")
    if p * ps > 10_000:
        return _error(400, f"Can return only the first 10000 results. {p * ps}th result asked.")
    chunk = items[(p - 1) * ps : p * ps]
    used = {i["component"] for i in chunk}
    body: dict[str, Any] = {
        "paging": {"pageIndex": p, "pageSize": ps, "total": len(items)},
        key: chunk,
        "components": [c for c in data.components if c["key"] in used],
    }
    if key == "issues":
        body = {"total": len(items), "p": p, "ps": ps, **body}
        if q.get("facets") == "rules":
            counts: dict[str, int] = defaultdict(int)
            for item in items:
                counts[item["rule"]] += 1
            values = [{"val": r, "count": c} for r, c in sorted(counts.items(), key=lambda rc: -rc[1])]
            body["facets"] = [{"property": "rules", "values": values}]
    return 200, body


class _Handler(BaseHTTPRequestHandler):
    owner: SonarServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base's name
        server = self.owner
        parts = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with server._lock:
            server.seen.append(Seen(parts.path, q, self.headers.get("Authorization")))
        action = server.next_action(parts.path)
        try:
            if not server.authorised(self.headers.get("Authorization")):
                # NOTE: SonarQube answers 401 with an empty body to a bad or missing token.
                self._send(401, b"", "text/plain")
                return
            if isinstance(action, int):
                self._send(action, json.dumps({"errors": [{"msg": "An error has occurred"}]}).encode())
                return
            if callable(action):
                action()
            if action == "slow":
                time.sleep(server.slow_seconds)
            status, doc = server.answer(parts.path, q)
            body = json.dumps(doc).encode()
            if action == "html":
                self._send(200, b"<!DOCTYPE html><html><body>SonarQube</body></html>", "text/html;charset=utf-8")
            elif action == "truncate":
                self._send(status, body[: len(body) // 2])
            elif action == "cut":
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            else:
                self._send(status, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def synthetic_issues(count: int, start: datetime, step: timedelta, rules: int = 3, prefix: str = "S") -> Iterator[dict[str, Any]]:
    """``count`` issues created ``step`` apart from ``start``, spread over ``rules`` rules."""
    for n in range(count):
        created = (start + step * n).strftime(_DATETIME)
        yield {
            "key": f"{prefix}{n:06d}",
            "rule": f"python:S{1000 + n % rules}",
            "severity": "MAJOR",
            "component": f"big:src/m{n % 50}.py",
            "project": "big",
            "line": n % 400 + 1,
            "status": "OPEN",
            "message": f"Synthetic issue {n}",
            "type": "VULNERABILITY",
            "creationDate": created,
            "updateDate": created,
        }
