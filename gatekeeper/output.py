"""Where human output and report files go. The only module that writes them."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO


def use_colour(stream: TextIO, choice: bool | None = None) -> bool:
    """Colour when asked, else on a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def err(message: str) -> None:
    """A diagnostic line on stderr."""
    print(message, file=sys.stderr)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (``-`` is stdout).

    The text goes to a temporary file beside the target, then replaces it, so a crash or
    Ctrl-C never leaves a half-written report that a later step would upload.
    """
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import tempfile  # NOTE: here, not at the top: a console-only gate writes no file (tempfile: ~3 ms)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # NOTE: mkstemp creates the file 0600; a report is an ordinary file (a CI artifact
        # uploaded by another user), so give it the mode a plain open() would: 0666 & ~umask.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
