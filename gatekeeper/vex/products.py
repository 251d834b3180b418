"""Which products a finding is in: its package URL and its container image.

A statement names products by package URL (``pkg:pypi/django@2.2.1``), by OCI package URL for
images (``pkg:oci/alpine@sha256%3A...?repository_url=index.docker.io/library/alpine``) or by
image reference (``ghcr.io/org/app:1.2``, ``app@sha256:...``). Matching follows the OpenVEX
spec: a purl without a version covers every version; each qualifier the statement's purl has
must be on the finding's with the same value (the finding's may have more); a subpath, when
given, must be the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, unquote

_ECOSYSTEM_TYPES = {
    "pypi": "pypi", "pip": "pypi", "npm": "npm", "go": "golang", "golang": "golang", "gomod": "golang",
    "cargo": "cargo", "crates.io": "cargo", "rubygems": "gem", "gem": "gem", "gemspec": "gem", "bundler": "gem",
    "nuget": "nuget", "packagist": "composer", "composer": "composer", "hex": "hex", "pub": "pub",
}


class Purl(NamedTuple):  # NOTE: a NamedTuple, not a frozen dataclass: made for every package compared
    """A package URL reduced to what matching compares (names lowercased, version unquoted)."""

    type: str
    namespace: str
    name: str
    version: str
    qualifiers: tuple[tuple[str, str], ...]
    subpath: str

    def covers(self, other: Purl) -> bool:
        """Whether this (a statement's) purl covers ``other`` (a finding's)."""
        if (self.type, self.namespace, self.name) != (other.type, other.namespace, other.name):
            return False
        if self.version and self.version != other.version:
            return False
        if self.subpath and self.subpath != other.subpath:
            return False
        if self.qualifiers:
            theirs = dict(other.qualifiers)
            return all(theirs.get(k) == v for k, v in self.qualifiers)
        return True


@lru_cache(maxsize=65536)
def parse_purl(text: str) -> Purl | None:
    """The purl in ``text``, or ``None`` when it is not one.

    NOTE: split here by the purl spec's own parsing steps (subpath after ``#``, qualifiers
    after ``?``, the type before the first ``/``, the version after the last ``@``, the name
    after the last ``/``; each part percent-decoded) rather than by ``packageurl-python``,
    whose validating parser took 20 µs a purl (this one 4 µs): a VEX gate parses one per distinct package of
    the findings that have a statement, 10,000 on the benchmark's 50k report, 0.2 s of a 1.3 s
    gate (bench/README.md). Names are compared lower-cased, PyPI's with ``_`` as ``-`` (PEP 503).
    """
    if not text.startswith("pkg:"):
        return None
    rest, _, subpath = text[4:].strip().partition("#")
    u = _unquote
    rest, _, query = rest.partition("?")
    rest = rest.lstrip("/")
    kind, sep, rest = rest.partition("/")
    if not sep or not kind or not rest.strip("/"):
        return None
    rest = rest.strip("/")
    at = rest.rfind("@")
    version = ""
    if at > rest.rfind("/"):
        rest, version = rest[:at], u(rest[at + 1:])
    namespace, _, name = rest.rpartition("/")
    kind = kind.lower()
    name = u(name).lower()
    if not name:
        return None
    if kind == "pypi":
        name = name.replace("_", "-")
    if kind == "oci":
        version = version.lower()
    qualifiers = []
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        if key and value:
            qualifiers.append((key.lower(), u(value)))
    return Purl(
        kind,
        (u(namespace) if "%" in namespace else namespace).lower(),
        name,
        version,
        tuple(sorted(qualifiers)) if len(qualifiers) > 1 else tuple(qualifiers),
        "/".join(p for p in u(subpath).split("/") if p not in ("", ".", "..")) if subpath else "",
    )


def _unquote(text: str) -> str:
    return unquote(text) if "%" in text else text


def package_purl(purl: str | None, name: str, version: str | None, ecosystem: str | None) -> Purl | None:
    """A finding's package as a purl: the tool's own, else made from its ecosystem and name
    for the ecosystems whose purl needs nothing more (not OS packages: their distribution is
    part of the purl and not in the finding)."""
    if purl:
        parsed = parse_purl(purl)
        if parsed is not None:
            return parsed
    kind = _ECOSYSTEM_TYPES.get((ecosystem or "").lower())
    if kind is None or not name:
        return None
    namespace, _, short = name.rpartition("/") if kind in ("npm", "golang", "composer") else ("", "", name)
    text = f"pkg:{kind}/{quote(namespace, safe='/@')}/{quote(short, safe='')}" if namespace else f"pkg:{kind}/{quote(short, safe='')}"
    return parse_purl(f"{text}@{quote(version, safe='')}" if version else text)


# -- container images ----------------------------------------------------------------------

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


def normal_repository(repo: str) -> str:
    """``alpine`` -> ``docker.io/library/alpine``; ``index.docker.io/x/y`` -> ``docker.io/x/y``."""
    repo = repo.strip().lower().rstrip("/")
    for prefix in ("https://", "http://"):
        if repo.startswith(prefix):
            repo = repo[len(prefix):]
    first, sep, rest = repo.partition("/")
    if not sep or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = "docker.io", repo
    if first in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        first = "docker.io"
    if first == "docker.io" and "/" not in rest:
        rest = f"library/{rest}"
    return f"{first}/{rest}"


@dataclass(frozen=True)
class Image:
    """What a report says of the image it scanned: its repositories, tags and digests."""

    repositories: frozenset[str]
    """Normalised (``docker.io/library/alpine``)."""
    tags: frozenset[str]
    digests: frozenset[str]
    """``sha256:...``, lowercased: repository digests, and the image id."""

    @property
    def names(self) -> frozenset[str]:
        return frozenset(r.rsplit("/", 1)[-1] for r in self.repositories)


def image_of(refs: tuple[str, ...]) -> Image | None:
    """The image named by references (``repo:tag``, ``repo@sha256:...``, ``sha256:...``)."""
    repos: set[str] = set()
    tags: set[str] = set()
    digests: set[str] = set()
    for ref in refs:
        ref = ref.strip()
        if not ref:
            continue
        name, at, digest = ref.partition("@")
        if at:
            digests.add(digest.lower())
        elif _DIGEST.fullmatch(name.lower()):
            digests.add(name.lower())
            continue
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = name.rsplit(":", 1)
            tags.add(tag)
        if name and " " not in name and not name.endswith((".tar", ".tar.gz", ".tgz")):
            repos.add(normal_repository(name))
    if not (repos or digests):
        return None
    return Image(frozenset(repos), frozenset(tags), frozenset(digests))


def purl_names_image(purl: Purl, image: Image) -> bool:
    """Whether an OCI purl names the image (a versionless one covers every digest)."""
    if purl.type != "oci":
        return False
    q = dict(purl.qualifiers)
    if "repository_url" in q:
        if normal_repository(q["repository_url"]) not in image.repositories:
            return False
    elif purl.name not in image.names:
        return False
    if purl.version and purl.version not in image.digests:
        return False
    return "tag" not in q or q["tag"] in image.tags


def reference_names_image(ref: str, image: Image) -> bool:
    """Whether an image reference (not a purl) names the image: repository, then tag or digest."""
    named = image_of((ref,))
    if named is None:
        return False
    if named.repositories and not named.repositories & image.repositories:
        return False
    if named.digests and not named.digests & image.digests:
        return False
    return not named.tags or bool(named.tags & image.tags)
