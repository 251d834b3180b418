"""``extends`` references to remote files: parsed, resolved against the file naming them,
and shown safely in messages (no credentials, control characters escaped)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from gatekeeper.sources.remote.interface import RefError

TOKEN_ENV = "GATEKEEPER_POLICY_TOKEN"
SCHEMES = ("https", "http", "git+https", "git+ssh", "git+file")
_REMOTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")


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
            raise RefError(f"'{shown(text)}' leaves the repository {self.repo}")
        scheme = "git+" + urlsplit(self.repo).scheme
        return PolicyRef(f"{scheme}://{self.repo.split('://', 1)[1]}//{path}@{self.commit}", pin, self.repo, path, self.commit)


def parse_ref(text: str) -> PolicyRef:
    """The reference an ``extends`` URL names; ``RefError`` when it is malformed, of an
    unsupported scheme, carries credentials, or is plain http without a pin."""
    text = text.strip()
    location, pin = _split_pin(text, text)
    scheme = location.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise RefError(f"{shown(text)}: unsupported URL scheme {scheme!r} (expected one of: {', '.join(SCHEMES)})")
    if not scheme.startswith("git+"):
        return _http_ref(location, pin, text)
    rest = location.split("://", 1)[1]
    if "//" not in rest:
        raise RefError(f"{shown(text)}: a git reference is git+https://HOST/REPO.git//PATH/FILE.yaml@COMMIT")
    repo_part, file_part = rest.split("//", 1)
    path, _, commit = file_part.rpartition("@")
    if not _COMMIT.fullmatch(commit):
        raise RefError(f"{shown(text)}: a git reference is pinned by a full commit id (40 hexadecimal digits after '@'), "
                       "not a branch or tag name")
    path = posixpath.normpath(path)
    if not path or path.startswith(("/", "../")) or path in (".", ".."):
        raise RefError(f"{shown(text)}: the file path inside the repository is missing or leaves it")
    repo = f"{scheme[4:]}://{repo_part}"
    parts = urlsplit(repo)
    if parts.password is not None or (parts.username is not None and scheme != "git+ssh"):
        raise RefError(f"{shown(text, secret=True)}: credentials in a policy URL are refused (use git's credential helpers)")
    if scheme != "git+file" and not parts.hostname:
        raise RefError(f"{shown(text)}: no host in the repository URL")
    return PolicyRef(f"{scheme}://{repo_part}//{path}@{commit}", pin, repo, path, commit)


def _split_pin(text: str, original: str) -> tuple[str, str | None]:
    """(the location, the pin or ``None``) of ``LOCATION#sha256=HEX``."""
    if re.search(r"[\x00-\x20\x7f]", text):
        raise RefError(f"{shown(original)}: a URL may not contain spaces or control characters")
    location, hash_sign, fragment = text.partition("#")
    if not hash_sign:
        return location, None
    name, _, value = fragment.partition("=")
    if name.lower() != "sha256":
        raise RefError(f"{shown(original)}: unknown pin {shown('#' + fragment)} (expected #sha256= and 64 hexadecimal digits)")
    if not _SHA256.fullmatch(value):
        raise RefError(f"{shown(original)}: malformed pin: #sha256= needs 64 hexadecimal digits, "
                       f"got {len(value)} character{'s' if len(value) != 1 else ''}"
                       + ("" if re.fullmatch(r"[0-9a-fA-F]*", value) else " (not all hexadecimal)"))
    return location, value.lower()


def _http_ref(url: str, pin: str | None, original: str) -> PolicyRef:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefError(f"{shown(original)}: expected an https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise RefError(f"{shown(original, secret=True)}: credentials in a policy URL are refused (set {TOKEN_ENV})")
    if parts.scheme == "http" and pin is None:
        raise RefError(f"{display(url)}: plain http:// is accepted only with a #sha256= pin (anyone on the path "
                       "could change the policy); use https:// or pin the file")
    return PolicyRef(display(url), pin)


def display(url: str) -> str:
    """The URL as messages show it: without user info or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def shown(text: str, secret: bool = False) -> str:
    """Text of a policy file in a message: bounded, control characters escaped, and a URL
    with credentials without them."""
    if secret:
        text = display(text)
    shown = repr(text[:200])[1:-1]
    return shown + ("…" if len(text) > 200 else "")

