"""A local HTTP server speaking the REST shapes of GitHub's issue comments and GitLab's
merge-request notes, recording every request it receives.

GitHub (``/repos/OWNER/REPO/issues/N/comments``, ``/repos/OWNER/REPO/issues/comments/ID``):
list pages with ``Link: <...>; rel="next"``, a comment's ``user`` is ``{"login", "type"}``,
create answers 201, PATCH 200; ``GET /user`` answers 403 "Resource not accessible by
integration" to the Actions token, as GitHub does. GitLab (``/projects/ID/merge_requests/IID/notes``):
``X-Next-Page`` (and ``X-Page``, ``X-Per-Page``), a note's ``author`` is ``{"id", "username"}``
and ``system`` marks notes GitLab writes itself; create 201, PUT 200, ``GET /user`` the token's user.

``script`` holds answers given before the normal ones: ``(method, path_prefix) -> [Answer]``,
each popped once (a 500 then the real answer; a redirect; a slow answer).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
GITLAB_BOT = {"id": 99, "username": "project_42_bot"}


@dataclass
class Seen:
    """A request the server received."""

    method: str
    path: str
    """Path and query, as sent."""
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ApiServer:
    """GitHub (``platform="github"``) or GitLab REST for comments, on 127.0.0.1."""

    def __init__(self, platform: str = "github", page_size: int = 100, user: dict[str, Any] | None = None) -> None:
        self.platform = platform
        self.page_size = page_size
        self.user = user  # GET /user's answer; None: 403 (GitHub's Actions token)
        self.comments: list[dict[str, Any]] = []
        self.seen: list[Seen] = []
        self.script: dict[tuple[str, str], list[Answer]] = {}
        self._next_id = 1000
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> ApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                seen = Seen(self.command, self.path, dict(self.headers.items()), body)
                with server._lock:
                    server.seen.append(seen)
                    answer = server._scripted(self.command, self.path) or server._answer(seen)
                if answer.delay:
                    time.sleep(answer.delay)
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ------------------------------------------------------------- data

    def add(self, body: str, author: dict[str, Any] | None = None, system: bool = False) -> int:
        """A comment already on the pull request; its id."""
        self._next_id += 1
        if self.platform == "github":
            item = {"id": self._next_id, "body": body, "user": author or {"login": "alice", "id": 7, "type": "User"}}
        else:
            item = {"id": self._next_id, "body": body, "author": author or {"id": 7, "username": "alice"}, "system": system}
        self.comments.append(item)
        return self._next_id

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method != "GET"]

    # ------------------------------------------------------------- answers

    def _scripted(self, method: str, path: str) -> Answer | None:
        for (m, prefix), answers in self.script.items():
            if m == method and path.startswith(prefix) and answers:
                return answers.pop(0)
        return None

    def _answer(self, seen: Seen) -> Answer:
        parts = urlsplit(seen.path)
        path, query = parts.path, parse_qs(parts.query)
        if path in ("/user", "/api/v4/user"):
            return Answer(200, self.user) if self.user else Answer(403, {"message": "Resource not accessible by integration"})
        collection = path.endswith("/comments") if self.platform == "github" else path.endswith("/notes")
        if collection and seen.method == "GET":
            return self._page(parts.path, query)
        if collection and seen.method == "POST":
            self._next_id += 1
            author_key = "user" if self.platform == "github" else "author"
            item = {"id": self._next_id, "body": seen.body["body"], author_key: BOT if self.platform == "github" else GITLAB_BOT}
            self.comments.append(item)
            return Answer(201, item)
        edit = "PATCH" if self.platform == "github" else "PUT"
        if seen.method == edit:
            note = int(path.rsplit("/", 1)[1])
            for item in self.comments:
                if item["id"] == note:
                    item["body"] = seen.body["body"]
                    return Answer(200, item)
            return Answer(404, {"message": "Not Found"})
        return Answer(404, {"message": "Not Found"})

    def _page(self, path: str, query: dict[str, list[str]]) -> Answer:
        page = int(query.get("page", ["1"])[0])
        size = min(int(query.get("per_page", ["30"])[0]), self.page_size)
        items = self.comments[(page - 1) * size: page * size]
        more = page * size < len(self.comments)
        headers: dict[str, str] = {}
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "page")
        nxt = f"{self.url}{path}?{rest}&page={page + 1}"
        if self.platform == "github":
            if more:
                headers["Link"] = f'<{nxt}>; rel="next", <{self.url}{path}?{rest}&page=99>; rel="last"'
        else:
            headers.update({"X-Page": str(page), "X-Per-Page": str(size), "X-Next-Page": str(page + 1) if more else ""})
        return Answer(200, items, headers)
