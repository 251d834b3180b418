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

from gatekeeper.sources.remote.cache import PolicyCache, cache_dir
from gatekeeper.sources.remote.interface import MAX_BYTES, FetchOptions, RefError, RemotePolicyError
from gatekeeper.sources.remote.refs import TOKEN_ENV, PolicyRef, looks_remote, parse_ref

__all__ = ["MAX_BYTES", "TOKEN_ENV", "FetchOptions", "PolicyCache", "PolicyRef", "RefError", "RemotePolicyError",
           "cache_dir", "fetch_policy", "looks_remote", "parse_ref"]


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
        from gatekeeper.sources.remote.gitrepo import read_git

        data = read_git(ref, cache.root / "git", options.offline)
    elif options.offline:
        raise RemotePolicyError(f"{ref.url}: not in the cache ({cache.root}) with sha256 {expected or '(not recorded)'}, "
                                "and the server is not contacted here")
    else:
        last = None if expected else cache.last(ref.url)
        hint = (f"; no copy of sha256 {expected} in the cache ({cache.root})" if expected else
                f"; the copy fetched last has sha256 {last}: pin it (#sha256={last}) to use it offline" if last else "")
        from gatekeeper.sources.remote.download import download

        data = download(ref.url, hint)
    actual = hashlib.sha256(data).hexdigest()
    if expected and actual != expected:
        raise RemotePolicyError(f"{ref.url}: sha256 mismatch: pinned {expected}, received {actual}; refused before "
                                "parsing it (the file changed: review it, then update the pin)")
    cache.put(actual, data)
    if not ref.pinned:
        cache.remember(ref.url, actual)
    return data, actual
