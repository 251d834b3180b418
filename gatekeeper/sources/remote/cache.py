"""The policy cache: files by the SHA-256 of their bytes, written atomically, checked on
every read (``$GATEKEEPER_CACHE_DIR``, else the user's cache directory)."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

CACHE_ENV = "GATEKEEPER_CACHE_DIR"
_SHA256 = re.compile(r"[0-9a-f]{64}")


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
        write_atomic(self.files / sha256, data)

    def remember(self, url: str, sha256: str) -> None:
        """The digest last fetched from an unpinned URL (named when the server is down)."""
        write_atomic(self._url_file(url), sha256.encode())

    def last(self, url: str) -> str | None:
        try:
            text = self._url_file(url).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if _SHA256.fullmatch(text) and self.has(text) else None

    def _url_file(self, url: str) -> Path:
        return self.root / "policies" / "urls" / hashlib.sha256(url.encode()).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
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
