"""Where human output and report files go. The only module that writes them.

A reporter (``gatekeeper.reporters.interface``) turns a verdict into pieces of UTF-8 text;
this module writes them: a report file atomically (``write_output``, ``write_file``; ``-``
is stdout) through a background writer thread (``Sink``), or into memory (``render``). A
reporter with a ``gzip_limit`` (SARIF: GitHub's 10 MB gzipped) is measured as it is
written, and its next, smaller version written instead until one fits.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:
    from gatekeeper.reporters.interface import Reporter
    from gatekeeper.verdict import Verdict

__all__ = ["Sink", "err", "render", "use_colour", "write_file", "write_output"]


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


def write_output(path: str, reporter: Reporter, verdict: Verdict) -> None:
    """Write ``reporter``'s report of ``verdict`` to ``path`` atomically (``-`` is stdout),
    within the reporter's ``gzip_limit``; a failure leaves no file behind."""
    _write(path, lambda sink: _fill(sink, reporter, verdict))


def render(reporter: Reporter, verdict: Verdict) -> bytes:
    """What :func:`write_output` would write: the report within its ``gzip_limit``."""
    return _in_memory(lambda sink: _fill(sink, reporter, verdict))


def write_file(path: str, text: str) -> None:
    """Write the document ``text`` to ``path`` atomically (``-`` is stdout)."""
    data = text.encode("utf-8")
    _write(path, lambda sink: sink.write(data))


def _fill(sink: Sink, reporter: Reporter, verdict: Verdict) -> None:
    """Write the report into ``sink``: with a ``gzip_limit``, its first version that fits,
    else its last (a SARIF log with no result left is kept whatever its size)."""
    limit = reporter.gzip_limit
    if limit is None:
        _put(sink, reporter.pieces(verdict))
        return
    sink.measure_gzip = True
    versions = iter(reporter.versions(verdict))
    version = next(versions)
    while True:
        _put(sink, version)
        sink.close()
        if _gzip_fits(sink, limit):
            return
        smaller = next(versions, None)
        if smaller is None:
            return
        sink.restart()
        version = smaller


def _put(sink: Sink, pieces: Iterable[bytes]) -> None:
    for piece in pieces:
        sink.write(piece)


def _gzip_fits(sink: Sink, limit: int) -> bool:
    """Whether what ``sink`` holds, gzipped (level 6), is within ``limit`` bytes."""
    # NOTE: deflate never grows data by more than 5 bytes per 16 KB block plus the gzip
    # header and trailer, so a report this small fits without compressing it at all.
    if sink.size + sink.size // 1000 + 64 <= limit:
        return True
    # The sink measured level 1 while writing (on another CPU): its output is never 10%
    # larger than level 6's in practice, so well under the limit, that answers. Near the
    # limit the exact level-6 size decides.
    if sink.gzip_size <= limit * 9 // 10:
        return True
    return sink.exact_gzip_size(6) <= limit


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(path: str, fill: Callable[[Sink], None]) -> None:
    """Write what ``fill`` puts into its :class:`Sink` to ``path`` atomically (``-`` is stdout).

    The pieces go to a temporary file beside the target, which then replaces it, so a crash
    or Ctrl-C never leaves a half-written report that a later step would upload.
    """
    if path == "-":
        data = _in_memory(fill)  # NOTE: stdout cannot rewind when a SARIF log is cut to size
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        if binary is not None:
            binary.write(data)
            binary.flush()
        else:  # a replaced text stream (an embedding program's, a test runner's)
            sys.stdout.write(data.decode("utf-8"))
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
        with os.fdopen(fd, "w+b") as fh:
            sink = Sink(fh)
            try:
                fill(sink)
            finally:
                sink.close()
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _in_memory(fill: Callable[[Sink], None]) -> bytes:
    buffer = io.BytesIO()
    sink = Sink(buffer)
    try:
        fill(sink)
    finally:
        sink.close()
    return buffer.getvalue()


class Sink:
    """Where a report's pieces go: a binary file, written by a background thread.

    NOTE: file writes and zlib release the GIL, so while a reporter builds the next piece
    of a large SARIF log in Python, the previous one is written and, with
    ``measure_gzip``, compressed (level 1) on another CPU to check GitHub's size limit:
    0.25 s of an 80 MB log's 0.6 s off the main thread (bench/README.md).
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.measure_gzip = False
        """Count the gzipped size (level 1) of what is written, in ``gzip_size``."""
        self._reset()

    def _reset(self) -> None:
        self.size = 0
        """Bytes written since the start (or the last ``restart``)."""
        self.gzip_size = 0
        """Their size gzipped at level 1, when ``measure_gzip`` (after ``close``)."""
        self._queue: Any = None
        self._thread: Any = None
        self._error: BaseException | None = None
        self._compress: Any = None

    def write(self, piece: bytes) -> None:
        if self._thread is None:
            import queue
            import threading
            import zlib

            self._queue = queue.Queue(maxsize=2)  # at most 2 pieces (a few MB) waiting
            self._compress = zlib.compressobj(1, zlib.DEFLATED, 31) if self.measure_gzip else None
            self._thread = threading.Thread(target=self._drain, name="gatekeeper-sink", daemon=True)
            # NOTE: each write and compress call returns to Python, and the thread waits for
            # the GIL until the main thread gives it up: every 5 ms by default, which starved
            # it (0.1 s of waiting on a full queue per 80 MB); 0.5 ms while it runs.
            self._interval = sys.getswitchinterval()
            sys.setswitchinterval(0.0005)
            self._thread.start()
        if self._error is not None:
            self._raise()
        self.size += len(piece)
        self._queue.put(piece)

    def _drain(self) -> None:
        fh, compress = self._fh, self._compress
        while True:
            piece = self._queue.get()
            if piece is None:
                break
            if self._error is not None:
                continue  # keep taking pieces so the writer never blocks on a full queue
            try:
                fh.write(piece)
                if compress is not None:
                    self.gzip_size += len(compress.compress(piece))
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                self._error = e
        if compress is not None and self._error is None:
            self.gzip_size += len(compress.flush())

    def close(self) -> None:
        """Wait until everything is written; raise what writing raised."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            sys.setswitchinterval(self._interval)
        if self._error is not None:
            self._raise()
        self._fh.flush()

    def _raise(self) -> None:
        error, self._error = self._error, None
        assert error is not None
        raise error

    def restart(self) -> None:
        """Discard everything written: the report is written again."""
        self.close()
        self._fh.seek(0)
        self._fh.truncate()
        self._reset()

    def exact_gzip_size(self, level: int = 6) -> int:
        """The gzipped size of everything written, at ``level`` (compresses it again)."""
        import zlib

        self.close()
        self._fh.seek(0)
        size = len(zlib.compress(self._fh.read(), level, 31))
        self._fh.seek(0, os.SEEK_END)
        return size
