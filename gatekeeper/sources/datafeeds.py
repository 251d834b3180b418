"""``gatekeeper data fetch``: download CISA's KEV catalog and FIRST's EPSS scores into a cache.

The gate itself never downloads: a pipeline fetches once (a scheduled job, or a step before
the gate) and passes the files (``--kev``, ``--epss``, or a policy's ``data:``). Here:

* ``requests`` (imported only here), a connect and read timeout and a total deadline, TLS
  verified (``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE``, else certifi's bundle), at most
  ``MAX_REDIRECTS`` redirects, the body streamed and refused past the size cap;
* the bytes are parsed by the gate's own readers (``gatekeeper/risk``) before anything is
  stored: a truncated, empty or malformed download never replaces a good copy;
* each file is written atomically (a temporary file in the same directory, then renamed),
  with ``metadata.json`` beside them: URL, digest, size, version, release date, fetch time.

Layout under the cache directory (``$GATEKEEPER_CACHE_DIR``, else the user's cache
directory + ``gatekeeper``; ``--cache-dir``)::

    data/known_exploited_vulnerabilities.json
    data/epss_scores-current.csv.gz        (or .csv when the server sent it uncompressed)
    data/metadata.json
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from gatekeeper.sources.decode import SourceError

KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
MAX_BYTES = {"kev": 64 * 1024 * 1024, "epss": 256 * 1024 * 1024}
"""Caps far above the real sizes (KEV 1.3 MB; EPSS 2 MB gzipped, 12 MB plain)."""
MAX_REDIRECTS = 5
DEADLINE = 300.0


class FetchError(SourceError):
    """A download that cannot be stored; the message names the URL (or file) and the reason."""


class Feed(NamedTuple):
    """One data set to fetch."""

    kind: str
    """``kev`` or ``epss``."""
    url: str
    what: str
    """How messages name it."""


class Fetched(NamedTuple):
    """What was stored for one feed (also its entry in ``metadata.json``)."""

    kind: str
    url: str
    path: str
    sha256: str
    size: int
    version: str
    released: str
    """``dateReleased`` / ``score_date``, ISO 8601 UTC."""
    entries: int
    fetched: str


def fetch(feed: Feed, root: Path, timeout: float, max_bytes: int | None = None, now: datetime.datetime | None = None) -> Fetched:
    """Download, check and store one feed under ``root/data``; a ``FetchError`` leaves the
    previous copy untouched."""
    from gatekeeper.risk import RiskDataError, parse_epss, parse_kev

    data = download(feed.url, timeout, max_bytes or MAX_BYTES[feed.kind])
    try:
        if feed.kind == "kev":
            kev = parse_kev(data, feed.url)
            version, released, entries = kev.version, kev.released, len(kev.entries)
            name = "known_exploited_vulnerabilities.json"
        else:
            epss = parse_epss(data, feed.url)
            version, released, entries = epss.model_version, epss.score_date, len(epss.scores)
            name = "epss_scores-current.csv.gz" if data[:2] == b"\x1f\x8b" else "epss_scores-current.csv"
    except RiskDataError as e:
        raise FetchError(f"{e}; nothing was stored") from None
    target = root / "data" / name
    write_atomic(target, data)
    stamp = (now or datetime.datetime.now(datetime.timezone.utc)).isoformat(timespec="seconds").replace("+00:00", "Z")
    done = Fetched(feed.kind, feed.url, str(target), hashlib.sha256(data).hexdigest(), len(data), version,
                   released.isoformat(timespec="seconds").replace("+00:00", "Z"), entries, stamp)
    _remember(root / "data" / "metadata.json", done)
    return done


def download(url: str, timeout: float, max_bytes: int) -> bytes:
    """The body of ``url``, or a ``FetchError`` naming it and the reason."""
    import requests

    if not url.startswith(("https://", "http://")):
        raise FetchError(f"{url}: not an http(s) URL")
    verify: str | bool = _ca_bundle()
    if isinstance(verify, str) and not os.path.isfile(verify):
        raise FetchError(f"{url}: the CA bundle {verify} is not a file")
    deadline = time.monotonic() + DEADLINE
    problem = ""
    with requests.Session() as session:
        session.max_redirects = MAX_REDIRECTS
        session.trust_env = False  # NOTE: no .netrc credentials; proxies are taken below
        try:
            from requests.utils import get_environ_proxies

            response = session.get(url, timeout=(timeout, timeout), verify=verify, stream=True,
                                   headers={"User-Agent": "gatekeeper", "Accept-Encoding": "identity"},
                                   proxies=get_environ_proxies(url))
        except requests.exceptions.SSLError:
            problem = "TLS verification failed (for a private CA set REQUESTS_CA_BUNDLE or SSL_CERT_FILE)"
        except requests.exceptions.TooManyRedirects:
            problem = f"more than {MAX_REDIRECTS} redirects"
        except requests.exceptions.Timeout:
            problem = f"no answer within {timeout:g}s"
        except requests.exceptions.ConnectionError:
            problem = "cannot connect"
        except requests.exceptions.RequestException as e:
            problem = f"request failed ({type(e).__name__})"
        if problem:
            raise FetchError(f"{url}: {problem}; nothing was stored")
        with response:
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip() + "; nothing was stored")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {int(declared):,} bytes, more than the {max_bytes:,} allowed (--max-bytes); nothing was stored")
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{url}: more than the {max_bytes:,} bytes allowed (--max-bytes); nothing was stored")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url}: not received within {DEADLINE:g}s; nothing was stored")
                    chunks.append(chunk)
            except requests.exceptions.RequestException as e:
                raise FetchError(f"{url}: the download broke off ({type(e).__name__}); nothing was stored") from None
    body = b"".join(chunks)
    if declared.isdigit() and len(body) != int(declared):
        raise FetchError(f"{url}: received {len(body):,} of {int(declared):,} bytes (cut short); nothing was stored")
    return body


def write_atomic(path: Path, data: bytes) -> None:
    """``data`` at ``path``, whole or not at all; a ``FetchError`` says why not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError as e:
        raise FetchError(f"{path.parent}: cannot write the cache: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError as e:
        _unlink(temp)
        raise FetchError(f"{path}: cannot write: {e.strerror or e}") from None


def read_metadata(path: Path) -> dict[str, Any]:
    """``metadata.json``, or ``{}`` when absent or unreadable (it is rewritten whole)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _remember(path: Path, done: Fetched) -> None:
    doc = read_metadata(path)
    doc[done.kind] = done._asdict()
    write_atomic(path, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())


def _ca_bundle() -> str | bool:
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return True


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
