"""Where a pull-request comment goes and what it says. Pure: no I/O, no ``requests``.

The CI environment names the place (:func:`target_from_env`); ``body.py`` writes the
comment. The REST shapes (each request is a :class:`Request`, sent by ``client.py``):

=========  =============================================================  ==========================================
            GitHub (``$GITHUB_API_URL``)                                  GitLab (``$CI_API_V4_URL``)
=========  =============================================================  ==========================================
list        ``GET /repos/O/R/issues/N/comments?per_page=100``              ``GET /projects/P/merge_requests/I/notes``
            next page: ``Link: <...>; rel="next"``                        ``?per_page=100&sort=asc&order_by=created_at``;
                                                                          next page: ``Link`` or ``X-Next-Page``
create      ``POST .../issues/N/comments`` ``{"body": ...}`` -> 201        ``POST .../notes`` ``{"body": ...}`` -> 201
update      ``PATCH /repos/O/R/issues/comments/ID`` ``{"body": ...}``       ``PUT .../notes/ID`` ``{"body": ...}``
who am I    ``GET /user`` (403 for the Actions token: a bot)               ``GET /user``
token       ``Authorization: Bearer T``                                    ``PRIVATE-TOKEN: T``
=========  =============================================================  ==========================================

NOTE: a pull request is an issue to GitHub's REST API: its conversation comments are the
issue's (``/issues/N/comments``); ``/pulls/N/comments`` are review comments on lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from gatekeeper import __version__  # the User-Agent

GITHUB_LIMIT = 65_536
"""Longest comment GitHub takes ("body is too long (maximum is 65536 characters)")."""
GITLAB_LIMIT = 1_000_000
"""Longest note GitLab takes (its ``Note`` validation: 1,000,000 characters)."""
PAGE_SIZE = 100
"""The largest page both APIs give."""
MAX_PAGES = 50
"""Pages of comments read at most (5,000 comments) before giving up the search."""

_GITHUB_API_VERSION = "2022-11-28"
_AGENT = f"gatekeeper/{__version__}"  # NOTE: GitHub refuses requests without a User-Agent


class CommentError(Exception):
    """A comment that could not be posted. The message says why and never holds the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status of the last answer, if the API answered."""


@dataclass(frozen=True)
class Request:
    """One API request, fully built."""

    method: str
    url: str
    body: Mapping[str, str] | None = None
    """The JSON body (``{"body": text}``), if any."""


@dataclass(frozen=True)
class Target:
    """A pull request (GitHub) or merge request (GitLab) to comment on, and how."""

    platform: str
    """``github`` or ``gitlab``."""
    api: str
    """The API's base URL, without a trailing slash; the token goes to its origin only."""
    collection: str
    """Path (under ``api``) of the request's comments: listed and created there."""
    item: str
    """Path of one comment, with ``{id}`` for its id (edited there)."""
    where: str
    """The request named for people: ``GitHub pull request #12 of octo/app``."""
    limit: int
    """Longest comment the platform takes, in characters."""
    token: str = field(repr=False)
    token_name: str = ""
    """The variable the token came from (named in messages, never its value)."""
    full_report: str | None = None
    """URL of the CI run whose logs and artifacts hold the whole report, if known."""
    commit: str | None = None
    """The commit gated (the pull request's head), if known: named under the summary."""

    @property
    def headers(self) -> dict[str, str]:
        if self.platform == "github":
            return {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": _GITHUB_API_VERSION, "User-Agent": _AGENT}
        return {"PRIVATE-TOKEN": self.token, "Accept": "application/json", "User-Agent": _AGENT}

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` is on the API's scheme, host and port: the only place the token goes."""
        return _origin(url) == _origin(self.api)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# ---------------------------------------------------------------- the environment


def target_from_env(environ: Mapping[str, str]) -> Target:
    """The pull request of this CI run: GitHub Actions or GitLab CI, from their standard
    variables. Raises :class:`CommentError` saying what is missing."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return _github(environ)
    if environ.get("GITLAB_CI") == "true":
        return _gitlab(environ)
    raise CommentError("not running on GitHub Actions (GITHUB_ACTIONS=true) or GitLab CI (GITLAB_CI=true)")


def _github(environ: Mapping[str, str]) -> Target:
    api = _api_url(environ, "GITHUB_API_URL", "https://api.github.com")
    repository = environ.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise CommentError("GITHUB_REPOSITORY is not set to OWNER/REPO")
    token = environ.get("GITHUB_TOKEN", "")
    if not token:
        raise CommentError("GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")
    number_and_head = _github_pull_request(environ)
    number = number_and_head[0]
    owner, repo = (quote(p, safe="") for p in repository.split("/"))
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = environ.get("GITHUB_RUN_ID", "")
    run = f"{server}/{repository}/actions/runs/{run_id}" if run_id.isdigit() else None
    return Target(
        platform="github", api=api, collection=f"/repos/{owner}/{repo}/issues/{number}/comments",
        item=f"/repos/{owner}/{repo}/issues/comments/{{id}}", where=f"GitHub pull request #{number} of {repository}",
        limit=GITHUB_LIMIT, token=token, token_name="GITHUB_TOKEN", full_report=_link(run), commit=number_and_head[1],
    )


def _github_pull_request(environ: Mapping[str, str]) -> tuple[int, str | None]:
    """The pull request's number from the event payload: ``pull_request.number``
    (``pull_request``, ``pull_request_target``, ``pull_request_review`` ...), or
    ``issue.number`` of an ``issue_comment`` on a pull request (``issue.pull_request`` set);
    and its head commit (``pull_request.head.sha``) when the payload has it.

    NOTE: not ``GITHUB_SHA``: on a pull_request event it is the test merge commit, on an
    issue_comment the default branch's."""
    event = environ.get("GITHUB_EVENT_NAME") or "unknown"
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise CommentError("GITHUB_EVENT_PATH is not set: the pull request is unknown")
    try:
        with open(path, "rb") as fh:
            payload = json.loads(fh.read())
    except (OSError, ValueError) as e:
        raise CommentError(f"GITHUB_EVENT_PATH: cannot read the event payload ({type(e).__name__})") from None
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    if not isinstance(pr, dict):
        issue = payload.get("issue") if isinstance(payload, dict) else None
        pr = issue if isinstance(issue, dict) and isinstance(issue.get("pull_request"), dict) else None
    number = pr.get("number") if pr else None
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise CommentError(f"the {event} event is not about a pull request: there is nothing to comment on")
    head = pr.get("head") if pr else None
    sha = head.get("sha") if isinstance(head, dict) else None
    return number, sha if isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha) else None


def _gitlab(environ: Mapping[str, str]) -> Target:
    api = _api_url(environ, "CI_API_V4_URL", None)
    project = environ.get("CI_PROJECT_ID", "")
    if not project.isdigit():
        raise CommentError("CI_PROJECT_ID is not set to the project's id")
    iid = environ.get("CI_MERGE_REQUEST_IID", "")
    if not iid.isdigit():
        raise CommentError("CI_MERGE_REQUEST_IID is not set: not a merge request pipeline (rules: if: $CI_MERGE_REQUEST_IID)")
    token = environ.get("GITLAB_TOKEN", "")
    if not token:
        raise CommentError("GITLAB_TOKEN is not set (a project access token with the api scope, as a masked CI/CD variable)")
    path = environ.get("CI_PROJECT_PATH") or f"project {project}"
    collection = f"/projects/{project}/merge_requests/{iid}/notes"
    return Target(
        platform="gitlab", api=api, collection=collection, item=collection + "/{id}",
        where=f"GitLab merge request !{iid} of {path}", limit=GITLAB_LIMIT, token=token,
        token_name="GITLAB_TOKEN", full_report=_link(environ.get("CI_JOB_URL")),
        commit=sha if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha := environ.get("CI_COMMIT_SHA", "")) else None,
    )


def _api_url(environ: Mapping[str, str], name: str, default: str | None) -> str:
    url = (environ.get(name) or default or "").strip().rstrip("/")
    if not url:
        raise CommentError(f"{name} is not set")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query or parts.fragment:
        raise CommentError(f"{name} is not an http(s) URL of the API")
    # NOTE: plain http only to this machine (a test server, a local proxy): anywhere else the
    # token would travel in clear.
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise CommentError(f"{name} is plain http to another host: the token would travel in clear; use https://")
    return url


def _link(url: str | None) -> str | None:
    """A URL fit to put in Markdown as it is, or ``None``."""
    return url if url and re.fullmatch(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'*+,;=%-]+", url) and ")" not in url else None


# ---------------------------------------------------------------- requests and answers


def list_request(target: Target) -> Request:
    """The first page of the request's comments, oldest first."""
    query = f"per_page={PAGE_SIZE}" + ("&sort=asc&order_by=created_at" if target.platform == "gitlab" else "")
    return Request("GET", f"{target.api}{target.collection}?{query}")


def next_page(target: Target, url: str, links: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """The next page's URL: ``Link: rel="next"`` (both), else GitLab's ``X-Next-Page``.
    A next page on another origin is refused: the token would go there."""
    nxt = (links.get("next") or {}).get("url")
    if not nxt and target.platform == "gitlab":
        page = (headers.get("X-Next-Page") or "").strip()
        if page.isdigit():
            base = url.split("?", 1)[0]
            query = [p for p in urlsplit(url).query.split("&") if p and not p.startswith("page=")]
            nxt = f"{base}?{'&'.join([*query, f'page={page}'])}"
    if not nxt:
        return None
    nxt = urljoin(url, nxt)
    if not target.same_origin(nxt):
        raise CommentError(f"{target.where}: the next page of comments is on another host; not followed (the token stays with the API)")
    return nxt


def create_request(target: Target, body: str) -> Request:
    return Request("POST", f"{target.api}{target.collection}", {"body": body})


def update_request(target: Target, note: int, body: str) -> Request:
    return Request("PATCH" if target.platform == "github" else "PUT", f"{target.api}{target.item.format(id=note)}", {"body": body})


def whoami_request(target: Target) -> Request:
    return Request("GET", f"{target.api}/user")


@dataclass(frozen=True)
class Marked:
    """A comment that starts with the gate's marker."""

    id: int
    author: str
    """GitHub: the login; GitLab: the user id (as text)."""
    bot: bool
    """GitHub: written by an app (the Actions token is ``github-actions[bot]``)."""


def marked(target: Target, page: Any, mark: str) -> list[Marked]:
    """The comments of one page that start with ``mark``, in the page's order.

    Only the first line counts: a reply quoting the comment (``> <!-- ...``) does not, nor
    does a finding's text (the Markdown reporter escapes ``<``)."""
    if not isinstance(page, list):
        raise CommentError(f"{target.where}: the list of comments is not a JSON array")
    found = []
    for item in page:
        if not isinstance(item, dict):
            raise CommentError(f"{target.where}: a comment in the list is not a JSON object")
        text, note = item.get("body"), item.get("id")
        if not isinstance(text, str) or not text.startswith(mark + "\n") and text != mark:
            continue
        if not isinstance(note, int) or isinstance(note, bool) or item.get("system") is True:
            continue
        person = item.get("user" if target.platform == "github" else "author")
        person = person if isinstance(person, dict) else {}
        author = str(person.get("login") if target.platform == "github" else person.get("id"))
        found.append(Marked(note, author, target.platform == "github" and person.get("type") == "Bot"))
    return found


def me(target: Target, answer: Any) -> str | None:
    """The token's own user, from ``GET /user``: the login (GitHub) or id (GitLab)."""
    if not isinstance(answer, dict):
        return None
    value = answer.get("login" if target.platform == "github" else "id")
    return None if value is None else str(value)


def server_message(answer: Any) -> str:
    """The API's own words about an error: ``{"message": ...}`` (both), GitLab's ``error``."""
    if not isinstance(answer, dict):
        return ""
    said = answer.get("message", answer.get("error", ""))
    if isinstance(said, (dict, list)):
        said = json.dumps(said, ensure_ascii=False)
    return str(said)[:300]
