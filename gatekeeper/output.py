"""Where human output and report files go. The only module that writes them."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO


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
    """Write ``text`` to ``path`` atomically (``-`` is stdout); see :func:`write_report`."""
    data = text.encode("utf-8")
    write_report(path, lambda sink: sink.write(data))


def write_report(path: str, render: Callable[[Sink], None]) -> None:
    """Write what ``render`` puts into its :class:`Sink` to ``path`` atomically (``-`` is stdout).

    The pieces go to a temporary file beside the target, which then replaces it, so a crash
    or Ctrl-C never leaves a half-written report that a later step would upload.
    """
    if path == "-":
        data = _in_memory(render)  # NOTE: stdout cannot rewind when a SARIF log is cut to size
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
                render(sink)
            finally:
                sink.close()
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def rendered(render: Callable[[Sink], None]) -> str:
    """What ``render`` writes into a :class:`Sink`, as text (a reporter's ``format``)."""
    return _in_memory(render).decode("utf-8")


def _in_memory(render: Callable[[Sink], None]) -> bytes:
    buffer = io.BytesIO()
    sink = Sink(buffer)
    try:
        render(sink)
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
