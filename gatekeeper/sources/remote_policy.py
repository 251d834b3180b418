"""Policy files from elsewhere, for ``extends``: an HTTPS URL or a git repository, pinned by
digest and kept in a cache, so that one central policy serves many repositories and a pinned
base works offline once fetched (docs/policy.md, "A central policy")::

    https://policies.example.com/base/v3.yaml#sha256=<64 hex digits>   pinned by content
    http://intranet.example/base.yaml#sha256=<64 hex digits>           plain http: only pinned
    git+https://git.example.com/org/policies.git//base/v3.yaml@<40 hex digits: a commit>
    https://policies.example.com/base/latest.yaml                      unpinned (see below)

* The pin is checked on the bytes before anything parses them; a mismatch names the URL and
  both digests. A file in the cache is checked against its digest each time it is read (a
  damaged copy is fetched again), so the server is not contacted when the pinned digest is
  in the cache.
* An unpinned URL is the policy's business (``allow_unpinned_extends``, checked by
  ``policy.extends``); it is fetched every time (a copy is kept by digest for decision records
  and replay, never used in place of the server).
* HTTP: ``requests`` (imported only here, only when a URL is extended) with connect and read
  timeouts and a total deadline, TLS verification against ``REQUESTS_CA_BUNDLE``, else
  ``SSL_CERT_FILE``, else certifi's bundle; at most ``MAX_REDIRECTS`` redirects, followed
  here (a loop is named); the body streamed and refused past ``MAX_BYTES`` (a 2 GB answer is
  never read). ``GATEKEEPER_POLICY_TOKEN`` is sent as a bearer token only to the scheme, host
  and port the policy names, only over https; never after a redirect elsewhere, never printed.
  The session does not read ``.netrc`` (no credential the user did not give for this).
* git: the ``git`` program fetches the one commit into a bare repository in the cache and
  reads the file from it; a commit already there is read without the network. A relative
  ``extends`` inside such a file names the same repository at the same commit.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from gatekeeper.sources.decode import SourceError

TOKEN_ENV = "GATEKEEPER_POLICY_TOKEN"
CACHE_ENV = "GATEKEEPER_CACHE_DIR"
MAX_BYTES = 2_000_000
"""The largest policy file fetched (the policy parser refuses larger ones anyway)."""
MAX_REDIRECTS = 5
TIMEOUT = (10.0, 30.0)
"""Seconds to connect, and to wait for each part of the answer."""
DEADLINE = 60.0
"""Seconds for the whole download (a server trickling bytes cannot hold the gate)."""
GIT_TIMEOUT = 120.0
SCHEMES = ("https", "http", "git+https", "git+ssh", "git+file")
_REMOTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")


class RemotePolicyError(SourceError):
    """A remote policy file cannot be used; the message starts with its URL."""


class RefError(ValueError):
    """An ``extends`` that is not a usable reference; the message says why."""


def looks_remote(text: str) -> bool:
    """True for ``scheme://...`` (an ``extends`` that is not a local path)."""
    return bool(_REMOTE.match(text.strip()))


@dataclass(frozen=True)
class PolicyRef:
    """A policy file elsewhere, as an ``extends`` names it."""

    url: str
    """The file's URL without its pin: what messages and decision records name. git:
    ``git+https://host/org/policies.git//base.yaml@COMMIT``."""
    sha256: str | None = None
    """The ``#sha256=`` pin: the SHA-256 of the file's bytes (lower case)."""
    repo: str | None = None
    """git: the repository URL given to git (``https://host/org/policies.git``)."""
    path: str = ""
    """git: the file's path inside the repository."""
    commit: str | None = None
    """git: the full commit id."""

    @property
    def pinned(self) -> bool:
        """Its content cannot change under the same reference (a digest or a git commit)."""
        return self.sha256 is not None or self.commit is not None

    def resolve(self, text: str) -> PolicyRef:
        """The reference ``text`` (an ``extends`` inside this file) names: a URL as is, a
        relative one against this file's URL (git: the same repository and commit)."""
        if looks_remote(text):
            return parse_ref(text)
        location, pin = _split_pin(text.strip(), text)
        if self.repo is None:
            return _http_ref(urljoin(self.url, location), pin, text)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), location))
        if location.startswith("/") or path == ".." or path.startswith("../"):
            raise RefError(f"'{_shown(text)}' leaves the repository {self.repo}")
        scheme = "git+" + urlsplit(self.repo).scheme
        return PolicyRef(f"{scheme}://{self.repo.split('://', 1)[1]}//{path}@{self.commit}", pin, self.repo, path, self.commit)


def parse_ref(text: str) -> PolicyRef:
    """The reference an ``extends`` URL names; ``RefError`` when it is malformed, of an
    unsupported scheme, carries credentials, or is plain http without a pin."""
    text = text.strip()
    location, pin = _split_pin(text, text)
    scheme = location.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise RefError(f"{_shown(text)}: unsupported URL scheme {scheme!r} (expected one of: {', '.join(SCHEMES)})")
    if not scheme.startswith("git+"):
        return _http_ref(location, pin, text)
    rest = location.split("://", 1)[1]
    if "//" not in rest:
        raise RefError(f"{_shown(text)}: a git reference is git+https://HOST/REPO.git//PATH/FILE.yaml@COMMIT")
    repo_part, file_part = rest.split("//", 1)
    path, _, commit = file_part.rpartition("@")
    if not _COMMIT.fullmatch(commit):
        raise RefError(f"{_shown(text)}: a git reference is pinned by a full commit id (40 hexadecimal digits after '@'), "
                       "not a branch or tag name")
    path = posixpath.normpath(path)
    if not path or path.startswith(("/", "../")) or path in (".", ".."):
        raise RefError(f"{_shown(text)}: the file path inside the repository is missing or leaves it")
    repo = f"{scheme[4:]}://{repo_part}"
    parts = urlsplit(repo)
    if parts.password is not None or (parts.username is not None and scheme != "git+ssh"):
        raise RefError(f"{_shown(text, secret=True)}: credentials in a policy URL are refused (use git's credential helpers)")
    if scheme != "git+file" and not parts.hostname:
        raise RefError(f"{_shown(text)}: no host in the repository URL")
    return PolicyRef(f"{scheme}://{repo_part}//{path}@{commit}", pin, repo, path, commit)


def _split_pin(text: str, original: str) -> tuple[str, str | None]:
    """(the location, the pin or ``None``) of ``LOCATION#sha256=HEX``."""
    if re.search(r"[\x00-\x20\x7f]", text):
        raise RefError(f"{_shown(original)}: a URL may not contain spaces or control characters")
    location, hash_sign, fragment = text.partition("#")
    if not hash_sign:
        return location, None
    name, _, value = fragment.partition("=")
    if name.lower() != "sha256":
        raise RefError(f"{_shown(original)}: unknown pin {_shown('#' + fragment)} (expected #sha256= and 64 hexadecimal digits)")
    if not _SHA256.fullmatch(value):
        raise RefError(f"{_shown(original)}: malformed pin: #sha256= needs 64 hexadecimal digits, "
                       f"got {len(value)} character{'s' if len(value) != 1 else ''}"
                       + ("" if re.fullmatch(r"[0-9a-fA-F]*", value) else " (not all hexadecimal)"))
    return location, value.lower()


def _http_ref(url: str, pin: str | None, original: str) -> PolicyRef:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefError(f"{_shown(original)}: expected an https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise RefError(f"{_shown(original, secret=True)}: credentials in a policy URL are refused (set {TOKEN_ENV})")
    if parts.scheme == "http" and pin is None:
        raise RefError(f"{_display(url)}: plain http:// is accepted only with a #sha256= pin (anyone on the path "
                       "could change the policy); use https:// or pin the file")
    return PolicyRef(_display(url), pin)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class FetchOptions:
    """How remote policy files are read."""

    pins: Mapping[str, str] = field(default_factory=dict)
    """URL (``PolicyRef.url``) -> the SHA-256 its bytes must have when the reference has no
    pin of its own (a decision record's, for replay)."""
    offline: bool = False
    """Never contact a server: a file comes from the cache or not at all (replay)."""


def fetch_policy(ref: PolicyRef, options: FetchOptions | None = None) -> tuple[bytes, str]:
    """The bytes of the file ``ref`` names and their SHA-256, checked against its pin (before
    anyone parses them), from the cache when there; ``RemotePolicyError`` says why not."""
    options = options or FetchOptions()
    cache = PolicyCache()
    expected = ref.sha256 or options.pins.get(ref.url)
    if expected:
        cached = cache.get(expected)
        if cached is not None:
            return cached, expected
    if ref.repo is not None:
        data = read_git(ref, cache.root / "git", options.offline)
    elif options.offline:
        raise RemotePolicyError(f"{ref.url}: not in the cache ({cache.root}) with sha256 {expected or '(not recorded)'}, "
                                "and the server is not contacted here")
    else:
        last = None if expected else cache.last(ref.url)
        hint = (f"; no copy of sha256 {expected} in the cache ({cache.root})" if expected else
                f"; the copy fetched last has sha256 {last}: pin it (#sha256={last}) to use it offline" if last else "")
        data = download(ref.url, hint)
    actual = hashlib.sha256(data).hexdigest()
    if expected and actual != expected:
        raise RemotePolicyError(f"{ref.url}: sha256 mismatch: pinned {expected}, received {actual}; refused before "
                                "parsing it (the file changed: review it, then update the pin)")
    cache.put(actual, data)
    if not ref.pinned:
        cache.remember(ref.url, actual)
    return data, actual


def cache_dir() -> Path:
    """``$GATEKEEPER_CACHE_DIR``, else the user's cache directory + ``gatekeeper``."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "gatekeeper" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "gatekeeper"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gatekeeper"


class PolicyCache:
    """Policy files by the SHA-256 of their bytes: ``policies/sha256/HEX``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_dir()
        self.files = self.root / "policies" / "sha256"

    def get(self, sha256: str) -> bytes | None:
        """The file of this digest, checked, or ``None`` (absent, unreadable or damaged)."""
        try:
            data = (self.files / sha256).read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha256 else None

    def has(self, sha256: str) -> bool:
        return self.get(sha256) is not None

    def put(self, sha256: str, data: bytes) -> None:
        """Keep ``data`` (written whole or not at all). A cache that cannot be written is not
        an error: the gate has the verified bytes; only offline use needs the copy."""
        _write_atomic(self.files / sha256, data)

    def remember(self, url: str, sha256: str) -> None:
        """The digest last fetched from an unpinned URL (named when the server is down)."""
        _write_atomic(self._url_file(url), sha256.encode())

    def last(self, url: str) -> str | None:
        try:
            text = self._url_file(url).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if _SHA256.fullmatch(text) and self.has(text) else None

    def _url_file(self, url: str) -> Path:
        return self.root / "policies" / "urls" / hashlib.sha256(url.encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass


# ---------------------------------------------------------------- HTTP


def download(url: str, hint: str = "") -> bytes:
    """The body of ``url`` (see the module docstring for the rules); ``hint`` ends the message
    when the server cannot be reached or refuses (what the cache holds)."""
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
    raise RemotePolicyError(f"{url}: more than {MAX_REDIRECTS} redirects ({' -> '.join(_display(v) for v in visited)})")


def _redirect_problem(current: str, target: str, visited: list[str]) -> str:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"redirected to {_shown(_display(target))}, which is not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "redirected to a URL holding credentials; refused"
    if current.startswith("https://") and parts.scheme == "http":
        return f"redirected from https to plain http ({_display(target)}); refused"
    if target in visited:
        return "redirect loop: " + " -> ".join(_display(v) for v in [*visited[visited.index(target):], target])
    return ""


def _read_body(response: object, where: str, deadline: float) -> bytes:
    import requests

    headers = getattr(response, "headers", {})
    announced = headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > MAX_BYTES:
        raise RemotePolicyError(f"{where}the server announces {int(announced)} bytes; a policy file may have at most "
                                f"{MAX_BYTES}; refused without reading it")
    body = bytearray()
    problem = ""
    try:
        for chunk in response.iter_content(64 * 1024):  # type: ignore[attr-defined]
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
    return f"{url}: " if current == url else f"{url}: (redirected to {_display(current)}) "


def _status(status: int) -> str:
    from http import HTTPStatus

    try:
        name = HTTPStatus(status).phrase  # NOTE: our words, not the server's reason text
    except ValueError:
        name = ""
    return f"HTTP {status} {name}".rstrip()


def _display(url: str) -> str:
    """The URL as messages show it: without user info or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _shown(text: str, secret: bool = False) -> str:
    """Text of a policy file in a message: bounded, control characters escaped, and a URL
    with credentials without them."""
    if secret:
        text = _display(text)
    shown = repr(text[:200])[1:-1]
    return shown + ("…" if len(text) > 200 else "")


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


# ---------------------------------------------------------------- git


def read_git(ref: PolicyRef, root: Path, offline: bool) -> bytes:
    """The file at ``ref.path`` in ``ref.commit`` of ``ref.repo``, through a bare repository
    in the cache (``git/SHA256-OF-REPO-URL.git``), fetching the commit only when absent."""
    import subprocess

    assert ref.repo is not None and ref.commit is not None
    store = root / (hashlib.sha256(ref.repo.encode()).hexdigest()[:32] + ".git")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}

    def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(["git", f"--git-dir={store}", *args], capture_output=True, env=env,
                                  timeout=GIT_TIMEOUT, check=False)
        except FileNotFoundError:
            raise RemotePolicyError(f"{ref.url}: the git program is not installed") from None
        except subprocess.TimeoutExpired:
            raise RemotePolicyError(f"{ref.url}: git took longer than {GIT_TIMEOUT:g}s") from None
        if check and done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RemotePolicyError(f"{ref.url}: git {args[0]} failed: {_shown(said[-1] if said else 'no message')}")
        return done

    have = store.is_dir() and git("cat-file", "-e", f"{ref.commit}^{{commit}}", check=False).returncode == 0
    if not have:
        if offline:
            raise RemotePolicyError(f"{ref.url}: commit {ref.commit} is not in the cache ({store}), and the server "
                                    "is not contacted here")
        if not store.is_dir():
            store.parent.mkdir(parents=True, exist_ok=True)
            git("init", "--bare", "--quiet")
        # NOTE: ``--`` ends the options: a repository URL can never be read as one.
        git("fetch", "--quiet", "--depth=1", "--no-tags", "--", ref.repo, ref.commit)
        if git("cat-file", "-e", f"{ref.commit}^{{commit}}", check=False).returncode != 0:
            raise RemotePolicyError(f"{ref.url}: the repository has no commit {ref.commit}")
    kind = git("cat-file", "-t", f"{ref.commit}:{ref.path}", check=False)
    if kind.returncode != 0 or kind.stdout.strip() != b"blob":
        raise RemotePolicyError(f"{ref.url}: no file '{_shown(ref.path)}' in commit {ref.commit}")
    size = int(git("cat-file", "-s", f"{ref.commit}:{ref.path}").stdout.strip() or 0)
    if size > MAX_BYTES:
        raise RemotePolicyError(f"{ref.url}: the file has {size} bytes; a policy file may have at most {MAX_BYTES}")
    return git("cat-file", "blob", f"{ref.commit}:{ref.path}").stdout
