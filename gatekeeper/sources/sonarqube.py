"""SonarQube / SonarCloud Web API: the quality gate, issues and hotspots of one project.

Reads, for a project (optionally one branch or pull request, and an organization on
SonarCloud), three documents that ``SonarQubeAdapter`` turns into findings::

    GET api/qualitygates/project_status?projectKey=KEY   (or ?analysisId= after a wait)
    GET api/issues/search?componentKeys=KEY&p=1&ps=500    every page
    GET api/hotspots/search?projectKey=KEY&p=1&ps=500     every page

and optionally first polls ``api/ce/task?id=TASK`` until the analysis is processed.

Every answer must be complete or the run fails (``SonarQubeError``, exit 2): a gate over
part of the findings would pass what it should fail. In particular:

* NOTE: the API refuses to page past 10,000 results (``p * ps > 10000`` answers 400
  "Can return only the first 10000 results"). A larger issue search is split by creation
  date (``createdAfter`` inclusive, ``createdBefore`` exclusive, second precision),
  halving each range until it holds at most 10,000 issues; a single second holding more
  (a first analysis without SCM dates gives every issue the analysis date) is split by
  rule, using the ``rules`` facet, whose counts must add up to the range's total. The
  slices are joined by issue key and must hold exactly the total the server first
  counted. Hotspots are split by status and resolution.
* Requests time out; 5xx, 429, connection errors and timeouts are retried with
  exponential backoff (``Retry-After`` honoured); 401, 403, 404 and 400 are not.
* TLS certificates are verified (``REQUESTS_CA_BUNDLE`` or ``ca_bundle`` for a private CA).
  A token sent over plain ``http://`` to a host other than loopback is allowed (internal
  servers) but named in the verdict's notices (``cleartext_warning``).
* The token (``SONAR_TOKEN``) is sent as the basic-auth user name with an empty password,
  which every SonarQube version and SonarCloud accept. No message or exception holds it:
  errors are raised outside ``except`` blocks, so no ``requests`` exception (whose request
  carries the header) is chained to them.

``requests`` is imported only when the API is used, so gating files never loads it.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gatekeeper.model import Report
from gatekeeper.sources.decode import JsonDecodeError, SourceError, decode_json

TOKEN_ENV = "SONAR_TOKEN"
PAGE_SIZE = 500
"""The largest page the search services give."""
RESULT_WINDOW = 10_000
"""The search services refuse to page past this many results."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# NOTE: SonarQube answers 503 while it re-indexes issues; that passes, so it is retried.
REPORT_TASK_FILES = (".scannerwork/report-task.txt", "target/sonar/report-task.txt", "build/sonar/report-task.txt")
"""Where the scanner CLI, Maven and Gradle write the id of the analysis task."""
HOTSPOT_SLICES = (
    {"status": "TO_REVIEW"},
    {"status": "REVIEWED", "resolution": "FIXED"},
    {"status": "REVIEWED", "resolution": "SAFE"},
    {"status": "REVIEWED", "resolution": "ACKNOWLEDGED"},
)
_DATETIME = "%Y-%m-%dT%H:%M:%S%z"
_SECOND = timedelta(seconds=1)


class SonarQubeError(SourceError):
    """The SonarQube API gave no complete, trustworthy answer. The message never holds the token."""


@dataclass(frozen=True)
class SonarQubeSettings:
    """What to fetch from which server, and how patiently."""

    url: str
    """Server base URL (``https://sonarcloud.io``, ``https://sonar.example.com/sonar``)."""
    project: str
    """Project key."""
    token: str | None = field(default=None, repr=False)
    """User token (``SONAR_TOKEN``); None for anonymous access."""
    branch: str | None = None
    """Branch name; None for the main branch."""
    pull_request: str | None = None
    """Pull request id."""
    organization: str | None = None
    """Organization key (SonarCloud)."""
    wait: bool = False
    """Wait for the analysis task to finish before reading."""
    task_id: str | None = None
    """The analysis task to wait for; None reads it from the scanner's report-task.txt."""
    wait_timeout: float = 300.0
    """Seconds to wait for the task."""
    poll_interval: float = 2.0
    """Seconds between two looks at the task."""
    timeout: float = 30.0
    """Seconds to connect, and to wait for each answer."""
    ca_bundle: str | None = None
    """A PEM file of CA certificates to trust instead of the default ones."""
    retries: int = 3
    """Further attempts after a 5xx, 429, timeout or connection error."""
    backoff: float = 1.0
    """Seconds before the first retry; doubled each time."""

    def selector(self) -> dict[str, str]:
        """The branch, pull request and organization parameters every call carries."""
        chosen = {"branch": self.branch, "pullRequest": self.pull_request, "organization": self.organization}
        return {k: v for k, v in chosen.items() if v}

    def source(self, api: str) -> str:
        """The report source name: ``sonarqube:api/issues/search?project=KEY&branch=B``."""
        extra = "".join(f"&{k}={v}" for k, v in self.selector().items() if k != "organization")
        return f"sonarqube:{api}?project={self.project}{extra}"


def settings_from_options(options: Mapping[str, Any], environ: Mapping[str, str]) -> SonarQubeSettings | None:
    """The ``check`` command's ``--sonar-*`` options -> settings; None when no server is named.

    Raises ``ValueError`` (a usage error) for options that do not go together.
    """
    if not options.get("sonar_url"):
        dependent = ("project", "branch", "pull_request", "organization", "task_id", "ca_bundle", "wait")
        for name in dependent:
            if options.get(f"sonar_{name}"):
                raise ValueError(f"--sonar-{name.replace('_', '-')} needs --sonar-url")
        return None
    if not options.get("sonar_project"):
        raise ValueError("--sonar-url needs --sonar-project KEY")
    if options.get("sonar_branch") and options.get("sonar_pull_request"):
        raise ValueError("--sonar-branch and --sonar-pull-request exclude each other")
    for name, value in options.items():
        if isinstance(value, str) and not _encodable(value, "utf-8"):
            raise ValueError(f"--{name.replace('_', '-')}: holds bytes that are not text (not UTF-8)")
    _check_url(options["sonar_url"])
    token = environ.get(TOKEN_ENV) or None
    # NOTE: the token goes in a basic-auth header, which HTTP carries as Latin-1; tokens are ASCII.
    if token is not None and not (_encodable(token, "ascii") and token.isprintable()):
        raise ValueError(f"${TOKEN_ENV} holds characters a SonarQube token never has (it is printable ASCII)")
    wait = options.get("sonar_wait")
    return SonarQubeSettings(
        url=options["sonar_url"],
        project=options["sonar_project"],
        token=token,
        branch=options.get("sonar_branch"),
        pull_request=options.get("sonar_pull_request"),
        organization=options.get("sonar_organization"),
        wait=bool(options.get("sonar_task_id")) if wait is None else wait,
        task_id=options.get("sonar_task_id"),
        wait_timeout=options.get("sonar_wait_timeout", 300.0),
        timeout=options.get("sonar_timeout", 30.0),
        ca_bundle=options.get("sonar_ca_bundle"),
    )


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _check_url(url: str) -> None:
    """Raise ``ValueError`` naming ``--sonar-url`` unless ``url`` is an http(s) URL with a host
    and a valid port (``http://[::1`` and a port of 99999 would fail deep inside the client)."""
    expected = "expected an http(s):// URL of the server"
    shown = url.split("//", 1)[0] + "//***@" + url.rsplit("@", 1)[1] if "@" in url else url  # no password shown
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError as e:
        raise ValueError(f"--sonar-url {shown!r}: {e}; {expected}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--sonar-url {shown!r}: {expected}")


def load_sonarqube(settings: SonarQubeSettings, sleep: Callable[[float], None] = time.sleep) -> list[Report]:
    """Fetch and adapt the quality gate, issues and hotspots: three reports."""
    from gatekeeper.adapters.sonarqube import SonarQubeAdapter

    if settings.branch and settings.pull_request:
        raise SonarQubeError("choose a branch or a pull request, not both")
    task_id = settings.task_id or (find_task_id(settings.project) if settings.wait else None)
    if settings.wait and not task_id:
        raise SonarQubeError(
            "waiting needs the analysis task id: pass --sonar-task-id, or run where the scanner wrote "
            + " or ".join(REPORT_TASK_FILES)
        )
    with SonarQubeClient(settings, sleep) as client:
        analysis = wait_for_task(client, task_id, settings, sleep) if settings.wait and task_id else None
        gate_params = {"analysisId": analysis} if analysis else {"projectKey": settings.project, **settings.selector()}
        documents = {
            "api/qualitygates/project_status": client.get("api/qualitygates/project_status", gate_params),
            "api/issues/search": fetch_issues(client, {"componentKeys": settings.project, **settings.selector()}),
            "api/hotspots/search": fetch_hotspots(client, {"projectKey": settings.project, **settings.selector()}),
        }
    adapter = SonarQubeAdapter()
    reports = [adapter.parse(doc, settings.source(api)) for api, doc in documents.items()]
    warning = cleartext_warning(settings)
    if warning:
        reports[0] = replace(reports[0], warnings=(*reports[0].warnings, warning))
    return reports


def cleartext_warning(settings: SonarQubeSettings) -> str | None:
    """The warning that the token went over plain HTTP to another machine, or ``None``.

    NOTE: a warning, not a refusal: a SonarQube on an internal ``http://`` server is common
    and the gate must still run there; but the token (basic auth, readable by anyone on the
    path) never travels in clear without a word. It is a notice of the verdict, so every
    output says it. Loopback (``localhost``, 127.0.0.0/8, ``::1``) never leaves the machine.
    """
    parts = urlsplit(settings.url.strip())
    if parts.scheme != "http" or not (settings.token or parts.password):
        return None
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name
    return (f"--sonar-url {_display(settings.url.strip())} is plain http: the token travels in clear "
            "(anyone on the network path can read it); use https://")


# ---------------------------------------------------------------- HTTP


class SonarQubeClient:
    """GET JSON from the Web API with timeouts, retries and errors that say what to do."""

    def __init__(self, settings: SonarQubeSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        import requests

        parts = urlsplit(settings.url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SonarQubeError(f"--sonar-url {_display(settings.url)!r}: expected an http(s):// URL of the server")
        if settings.ca_bundle and not Path(settings.ca_bundle).is_file():
            raise SonarQubeError(f"{settings.ca_bundle}: no such CA bundle file")
        self.base = settings.url.strip().rstrip("/")
        self.shown = _display(self.base)
        self._settings = settings
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": "gatekeeper"})
        if settings.token:
            self._session.auth = (settings.token, "")

    def __enter__(self) -> SonarQubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def get(self, api: str, params: Mapping[str, str | int]) -> Any:
        """One decoded JSON answer; raises ``SonarQubeError`` once retries are spent."""
        where = f"{self.shown}/{api}"
        attempts = self._settings.retries + 1
        for attempt in range(attempts):
            answer, problem, wait = self._attempt(f"{self.base}/{api}", params, where)
            if answer is not None:
                return self._decode(answer, where)
            if wait is None or attempt + 1 == attempts:
                break
            self._sleep(wait if wait >= 0 else self._settings.backoff * 2**attempt)
        tries = f" (after {attempts} attempts)" if wait is not None and attempts > 1 else ""
        raise SonarQubeError(self._redact(f"{where}: {problem}{tries}"))

    def _attempt(self, url: str, params: Mapping[str, str | int], where: str) -> tuple[Any, str, float | None]:
        """(response, "", None) or (None, problem, seconds to wait before a retry or None)."""
        import requests

        s = self._settings
        try:
            response = self._session.get(url, params=dict(params), timeout=s.timeout, verify=s.ca_bundle or True)
            response.content  # noqa: B018 - read the body here, where a cut connection is caught
        except requests.exceptions.SSLError as e:
            return None, f"TLS verification failed ({_reason(e)}); pass --sonar-ca-bundle for a private CA", None
        except requests.exceptions.Timeout:
            return None, f"no answer within {s.timeout:g}s", -1
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
            return None, f"cannot connect or the connection broke ({_reason(e)})", -1
        except requests.exceptions.RequestException as e:
            return None, f"request failed ({type(e).__name__})", None
        status = response.status_code
        if status == 200:
            return response, "", None
        if status in RETRY_STATUSES:
            return None, f"HTTP {status} {response.reason or ''}".rstrip(), _retry_after(response)
        return None, self._refusal(status, _server_message(response)), None

    def _refusal(self, status: int, said: str) -> str:
        s = self._settings
        subject = f"project {s.project!r}" + "".join(f" {k} {v!r}" for k, v in s.selector().items())
        detail = f" (server: {said})" if said else ""
        if status == 401:
            cause = f"{TOKEN_ENV} is invalid or expired" if s.token else f"no {TOKEN_ENV} is set"
            return f"HTTP 401 Unauthorized: {cause}; the server requires a valid user token{detail}"
        if status == 403:
            return f"HTTP 403 Forbidden: the token's user may not browse {subject}{detail}"
        if status == 404:
            return f"HTTP 404 Not Found: no {subject} here, or --sonar-url is not the server's base URL{detail}"
        return f"HTTP {status}{detail}"

    def _decode(self, response: Any, where: str) -> Any:
        body: bytes = response.content
        try:
            return decode_json(body, where)
        except JsonDecodeError as e:
            # NOTE: the shared decoder's reasons are worded for a file; an answer's are
            # about the server (an HTML page means a wrong URL, not a broken report).
            kind = response.headers.get("Content-Type", "no content type")
            if e.kind == "encoding":
                problem = f"the answer is not UTF-8 (byte {e.byte})"
            elif e.kind in ("depth", "duplicate", "number"):
                problem = e.reason  # NOTE: no position to give: the reason says what and where
            elif "json" not in kind:
                problem = f"the answer is not JSON ({kind}); is --sonar-url the server's base URL?"
            elif e.kind == "truncated":
                problem = f"truncated JSON: the answer ends early ({len(body)} bytes)"
            else:
                problem = f"invalid JSON at line {e.line} column {e.column}: {e.detail}"
        raise SonarQubeError(self._redact(f"{where}: {problem}"))

    def _redact(self, text: str) -> str:
        token = self._settings.token
        return text.replace(token, "***") if token else text


def _display(url: str) -> str:
    """The URL without user info or query, fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _reason(error: Exception) -> str:
    """The innermost cause's words, without URLs (they may hold a query)."""
    inner: BaseException = error
    for _ in range(8):  # requests wraps urllib3, which wraps the socket's error
        deeper = inner.__cause__ or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
        if deeper is None:
            break
        inner = deeper
    text = str(getattr(inner, "verify_message", None) or getattr(inner, "reason", None) or inner)
    return text.split(": ", 1)[-1][:200] if "http" in text.lower() else text[:200]


def _retry_after(response: Any) -> float:
    value = response.headers.get("Retry-After", "")
    # -1: the caller's exponential backoff; a server's wish is capped at a minute.
    return min(float(value), 60.0) if value.isdigit() else -1


def _server_message(response: Any) -> str:
    """SonarQube's own words: ``{"errors": [{"msg": "..."}]}``."""
    try:
        errors = response.json().get("errors") or []
        words = "; ".join(str(e.get("msg", "")) for e in errors if isinstance(e, dict))
    except (ValueError, AttributeError):
        return ""
    return words[:300]


# ---------------------------------------------------------------- searches


def fetch_issues(client: SonarQubeClient, base: Mapping[str, str]) -> dict[str, Any]:
    """Every issue of ``api/issues/search``, splitting the query past 10,000 results."""
    api = "api/issues/search"
    first = client.get(api, {**base, "p": 1, "ps": PAGE_SIZE})
    total = _total(first, f"{client.shown}/{api}")
    if total <= RESULT_WINDOW:
        return _all_pages(client, api, base, first)
    oldest = _creation_date(client, base, ascending=True)
    newest = _creation_date(client, base, ascending=False)
    return _join(list(_date_slices(client, base, oldest, newest + _SECOND)), total, "issues", f"{client.shown}/{api}")


def fetch_hotspots(client: SonarQubeClient, base: Mapping[str, str]) -> dict[str, Any]:
    """Every hotspot of ``api/hotspots/search``, one query per status past 10,000."""
    api = "api/hotspots/search"
    first = client.get(api, {**base, "p": 1, "ps": PAGE_SIZE})
    total = _total(first, f"{client.shown}/{api}")
    if total <= RESULT_WINDOW:
        return _all_pages(client, api, base, first)
    slices = [_all_pages(client, api, {**base, **narrower}) for narrower in HOTSPOT_SLICES]
    return _join(slices, total, "hotspots", f"{client.shown}/{api}")


def _all_pages(client: SonarQubeClient, api: str, params: Mapping[str, str], first: Any = None) -> dict[str, Any]:
    """Every page of one query that fits the result window, merged and checked."""
    from gatekeeper.adapters import AdapterError
    from gatekeeper.adapters.sonarqube import merge_pages

    where = f"{client.shown}/{api}"
    pages = [first if first is not None else client.get(api, {**params, "p": 1, "ps": PAGE_SIZE})]
    total = _total(pages[0], where)
    if total > RESULT_WINDOW:
        narrowed = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("componentKeys", "projectKey"))
        raise SonarQubeError(
            f"{where}: {total} results for {narrowed}, more than the {RESULT_WINDOW:,} the API can page "
            "through; the gate cannot see them all"
        )
    for p in range(2, math.ceil(total / PAGE_SIZE) + 1):
        pages.append(client.get(api, {**params, "p": p, "ps": PAGE_SIZE}))
    problem = ""
    try:
        return merge_pages(pages, where)
    except AdapterError as e:
        problem = str(e)
    raise SonarQubeError(f"{problem}; run again")


def _total(page: Any, where: str) -> int:
    paging = page.get("paging") if isinstance(page, dict) else None
    total = paging.get("total") if isinstance(paging, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise SonarQubeError(f"{where}: the answer has no paging.total; is this a SonarQube search answer?")
    return total


def _creation_date(client: SonarQubeClient, base: Mapping[str, str], ascending: bool) -> datetime:
    api = "api/issues/search"
    params = {**base, "p": 1, "ps": 1, "s": "CREATION_DATE", "asc": "true" if ascending else "false"}
    page = client.get(api, params)
    issues = page.get("issues") if isinstance(page, dict) else None
    text = issues[0].get("creationDate") if isinstance(issues, list) and issues and isinstance(issues[0], dict) else None
    try:
        return datetime.strptime(str(text), _DATETIME)
    except ValueError:
        pass
    raise SonarQubeError(f"{client.shown}/{api}: cannot split the search by date: creationDate {text!r} is not a datetime")


def _date_slices(client: SonarQubeClient, base: Mapping[str, str], start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Complete answers for [start, end), halved until each fits the result window."""
    api = "api/issues/search"
    params = {**base, "createdAfter": start.strftime(_DATETIME), "createdBefore": end.strftime(_DATETIME)}
    first = client.get(api, {**params, "p": 1, "ps": PAGE_SIZE})
    total = _total(first, f"{client.shown}/{api}")
    if total <= RESULT_WINDOW:
        yield _all_pages(client, api, params, first)
    elif end - start > _SECOND:
        middle = start + timedelta(seconds=(end - start) // _SECOND // 2)
        yield from _date_slices(client, base, start, middle)
        yield from _date_slices(client, base, middle, end)
    else:
        yield from _rule_slices(client, params, total)


def _rule_slices(client: SonarQubeClient, params: Mapping[str, str], total: int) -> Iterator[dict[str, Any]]:
    """One second with more than 10,000 issues: one query per rule, from the rules facet."""
    api = "api/issues/search"
    where = f"{client.shown}/{api}"
    page = client.get(api, {**params, "p": 1, "ps": 1, "facets": "rules"})
    counts: dict[str, int] = {}
    for facet in page.get("facets") or []:
        if isinstance(facet, dict) and facet.get("property") == "rules":
            counts = {str(v.get("val")): int(v.get("count", 0)) for v in facet.get("values") or [] if isinstance(v, dict)}
    when = params["createdAfter"]
    if sum(counts.values()) != total:
        raise SonarQubeError(
            f"{where}: {total} issues were created at {when} and the rules facet accounts for "
            f"{sum(counts.values())}; they cannot be split into queries the API can page through"
        )
    for rule, count in counts.items():
        if count > RESULT_WINDOW:
            raise SonarQubeError(
                f"{where}: {count} issues of rule {rule} were created at {when}, more than the "
                f"{RESULT_WINDOW:,} the API can page through; the gate cannot see them all"
            )
        if count:
            yield _all_pages(client, api, {**params, "rules": rule})


def _join(slices: list[dict[str, Any]], total: int, key: str, where: str) -> dict[str, Any]:
    """Slices of one search -> one complete answer holding exactly ``total`` items."""
    from gatekeeper.adapters.sonarqube.paging import combine

    joined = combine(slices, key)
    if len(joined[key]) != total:
        raise SonarQubeError(
            f"{where}: the narrower queries hold {len(joined[key])} distinct {key} but the server counted {total}: "
            "the project changed while it was read; run again"
        )
    return joined


# ---------------------------------------------------------------- analysis task


def find_task_id(project: str, root: Path | None = None) -> str | None:
    """``ceTaskId`` from the scanner's report-task.txt, checked to be this project's."""
    for name in REPORT_TASK_FILES:
        path = (root or Path.cwd()) / name
        if not path.is_file():
            continue
        values = dict(
            line.split("=", 1) for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if "=" in line
        )
        if values.get("projectKey", project) != project:
            raise SonarQubeError(f"{name}: the last analysis here was of project {values['projectKey']!r}, not {project!r}")
        task = values.get("ceTaskId", "").strip()
        if not task:
            raise SonarQubeError(f"{name}: no ceTaskId line")
        return task
    return None


def wait_for_task(
    client: SonarQubeClient,
    task_id: str,
    settings: SonarQubeSettings,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """Poll ``api/ce/task`` until the analysis is processed; its analysis id on success."""
    where = f"{client.shown}/api/ce/task"
    deadline = clock() + settings.wait_timeout
    while True:
        answer = client.get("api/ce/task", {"id": task_id})
        task = answer.get("task") if isinstance(answer, dict) else None
        status = task.get("status") if isinstance(task, dict) else None
        if status == "SUCCESS":
            analysis = task.get("analysisId") if isinstance(task, dict) else None
            return analysis if isinstance(analysis, str) and analysis else None
        if status in ("FAILED", "CANCELED"):
            said = str(task.get("errorMessage") or "") if isinstance(task, dict) else ""
            reason = f": {said[:300]}" if said else ""
            raise SonarQubeError(f"{where}: analysis task {task_id} {status}{reason}; the gate was not evaluated")
        if status not in ("PENDING", "IN_PROGRESS"):
            raise SonarQubeError(f"{where}: analysis task {task_id} has status {status!r}, not a known one")
        left = deadline - clock()
        if left <= 0:
            raise SonarQubeError(
                f"{where}: analysis task {task_id} still {status} after {settings.wait_timeout:g}s; "
                "the gate was not evaluated (raise --sonar-wait-timeout)"
            )
        sleep(min(settings.poll_interval, left))
