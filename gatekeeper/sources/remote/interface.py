"""What the remote policy readers share: their errors, the size limit, how to read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gatekeeper.sources.decode import SourceError

MAX_BYTES = 2_000_000
"""The largest policy file fetched (the policy parser refuses larger ones anyway)."""


class RemotePolicyError(SourceError):
    """A remote policy file cannot be used; the message starts with its URL."""


class RefError(ValueError):
    """An ``extends`` that is not a usable reference; the message says why."""


@dataclass(frozen=True)
class FetchOptions:
    """How remote policy files are read."""

    pins: Mapping[str, str] = field(default_factory=dict)
    """URL (``PolicyRef.url``) -> the SHA-256 its bytes must have when the reference has no
    pin of its own (a decision record's, for replay)."""
    offline: bool = False
    """Never contact a server: a file comes from the cache or not at all (replay)."""

