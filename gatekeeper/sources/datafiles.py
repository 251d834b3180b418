"""Reading the exploitation data files (``--kev``, ``--epss``): their bytes and digest.

The parsing is pure (``gatekeeper/risk``); the digest is of the bytes parsed, so a decision
record names exactly the data the gate decided with.
"""

from __future__ import annotations

import hashlib

from gatekeeper.sources.files import SourceError

MAX_BYTES = 512 * 1024 * 1024
"""Larger than any real KEV catalog (1.3 MB) or EPSS file (about 10 MB uncompressed)."""


def read_data(path: str, what: str) -> tuple[bytes, str]:
    """The bytes of ``path`` and their SHA-256, or a ``SourceError`` naming it and the reason."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise SourceError(f"{path}: cannot read the {what}: it is a directory") from None
    except OSError as e:
        raise SourceError(f"{path}: cannot read the {what}: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        raise SourceError(f"{path}: the {what} is larger than {MAX_BYTES // (1024 * 1024)} MB: not a data file the gate reads")
    if not data.strip():
        raise SourceError(f"{path}: the {what} is empty")
    return data, hashlib.sha256(data).hexdigest()
