"""Where human output and report files go. The only module that writes them.

A reporter (``gatekeeper.reporters.interface``) turns a verdict into pieces of UTF-8 text;
this module writes them: the outputs of a run together (``write_outputs``: every one is
written to a temporary file first, then all replace their targets, or none does), one
report file or document (``write_output``, ``write_file``; ``-`` is stdout), through a
background writer thread (``Sink``), or into memory (``render``). A reporter with a
``gzip_limit`` (SARIF: GitHub's 10 MB gzipped) is measured as it is written, and its next,
smaller version written instead until one fits.

A path that is, or links to, something other than a regular file (a FIFO, ``/dev/stdout``,
``/proc/self/fd/1``, a character device) is written through, never replaced by a file; a
directory is refused.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TextIO

from gatekeeper.gate import GateError

if TYPE_CHECKING:
    from gatekeeper.reporters.interface import Reporter
    from gatekeeper.verdict import Verdict

__all__ = [
    "Append", "Output", "OutputError", "Sink", "document", "err", "render", "report", "use_colour", "write_file",
    "write_output", "write_outputs",
]


class OutputError(GateError):
    """An output could not be written (exit 2); the message names it and says what was kept."""


class Output(NamedTuple):
    """One file of a run's outputs: where it goes, and what writes its bytes into a :class:`Sink`."""

    path: str
    """The file (``-``: standard output)."""
    fill: Callable[[Sink], None]
    """Writes the content."""


class Append(NamedTuple):
    """Text appended to a file that others write too (GitHub's step summary and step outputs)."""

    path: str
    text: str


def report(path: str, reporter: Reporter, verdict: Verdict) -> Output:
    """``reporter``'s report of ``verdict``, within the reporter's ``gzip_limit``."""
    return Output(path, lambda sink: _fill(sink, reporter, verdict))


def document(path: str, text: str) -> Output:
    """The document ``text`` (UTF-8)."""
    data = text.encode("utf-8")
    return Output(path, lambda sink: sink.write(data))


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
    write_outputs([report(path, reporter, verdict)])


def render(reporter: Reporter, verdict: Verdict) -> bytes:
    """What :func:`write_output` would write: the report within its ``gzip_limit``."""
    return _in_memory(lambda sink: _fill(sink, reporter, verdict))


def write_file(path: str, text: str) -> None:
    """Write the document ``text`` to ``path`` atomically (``-`` is stdout)."""
    write_outputs([document(path, text)])


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


def write_outputs(outputs: Iterable[Output], appends: Iterable[Append] = ()) -> None:
    """Write every output of a run, then append ``appends``: all of them, or none.

    Each file is written to a temporary file beside its target first; standard output and
    other streams (a FIFO, ``/dev/stdout``, a device) are rendered into memory. Only when
    every one is complete are the streams written and the files renamed over their targets,
    then the appends made. A failure, Ctrl-C or SIGTERM before that removes every temporary
    file and leaves every target as it was; an ``OSError`` becomes an :class:`OutputError`
    naming the path. A signal that arrives while the targets are being replaced (a matter of
    microseconds) is taken once they all are: the run then ends as decided.
    """
    planned = [(o, _destination(o.path)) for o in outputs]  # a directory is refused before any write
    appends = list(appends)
    staged: list[_Staged] = []
    done = 0
    with _Signals() as signals:
        try:
            for o, (where, stream) in planned:
                staged.append(_stage(o, where, stream))
            for s in staged:
                if s.data is not None:
                    _guarded(s.path, lambda: _write_through(s.where, s.data), done)
                    done += 1
            signals.defer()
            for s in staged:
                if s.tmp is not None:
                    _guarded(s.path, lambda: os.replace(s.tmp, s.where), done)
                    s.tmp = None
                    done += 1
            for a in appends:
                _guarded(a.path, lambda: _append(a.path, a.text), done)
                done += 1
        finally:
            for s in staged:
                if s.tmp is not None:
                    _remove(s.tmp)


class _Staged:
    """One output, ready to commit: a complete temporary file, or the bytes of a stream."""

    def __init__(self, path: str, where: str, tmp: str | None = None, data: bytes | None = None) -> None:
        self.path, self.where, self.tmp, self.data = path, where, tmp, data


def _guarded(path: str, act: Callable[[], object], done: int) -> None:
    """Run ``act``; its ``OSError`` becomes an ``OutputError`` naming ``path`` and what was kept."""
    try:
        act()
    except OSError as e:
        kept = "no output of this run was written" if not done else f"{done} outputs of this run were already written"
        raise OutputError(f"{path}: cannot write: {e.strerror or e}; {kept}") from None


def _destination(path: str) -> tuple[str, bool]:
    """Where ``path`` is written, and whether as a stream (written through, never replaced).

    Symbolic links are followed one at a time: a regular file (or a new one) is replaced
    where the last link points, so the link stays; a hop into ``/proc`` (``/dev/stdout`` ->
    ``/proc/self/fd/1``) or a target that is not a regular file is a stream.
    """
    import stat

    if path == "-":
        return path, True
    current = os.path.abspath(path)
    try:
        for _ in range(40):
            head, name = os.path.split(current)
            current = os.path.join(os.path.realpath(head), name)
            if current.startswith("/proc/"):
                return path, True
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                return current, False
            if stat.S_ISLNK(st.st_mode):
                current = os.path.join(os.path.dirname(current), os.readlink(current))
                continue
            if stat.S_ISDIR(st.st_mode):
                raise OutputError(f"{path}: is a directory; give a file name")
            return (current, False) if stat.S_ISREG(st.st_mode) else (path, True)
    except OSError as e:
        raise OutputError(f"{path}: cannot write: {e.strerror or e}; no output of this run was written") from None
    raise OutputError(f"{path}: too many levels of symbolic links; no output of this run was written")


def _stage(o: Output, where: str, stream: bool) -> _Staged:
    if stream:
        # NOTE: in memory: a stream cannot rewind when a SARIF log is cut to size, and
        # nothing may reach it before every other output is complete.
        return _Staged(o.path, where, data=_in_memory(o.fill))
    import tempfile  # NOTE: here, not at the top: a console-only gate writes no file (tempfile: ~3 ms)

    target = Path(where)
    fd = -1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise OutputError(f"{o.path}: cannot write: {e.strerror or e}; no output of this run was written") from None
    try:
        # NOTE: mkstemp creates the file 0600; a report is an ordinary file (a CI artifact
        # uploaded by another user), so give it the mode a plain open() would: 0666 & ~umask.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w+b") as fh:
            sink = Sink(fh)
            try:
                o.fill(sink)
            finally:
                sink.close()
    except BaseException as e:
        _remove(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"{o.path}: cannot write: {e.strerror or e}; no output of this run was written") from None
        raise
    return _Staged(o.path, where, tmp=tmp)


def _write_through(where: str, data: bytes) -> None:
    if where == "-":
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        if binary is not None:
            binary.write(data)
            binary.flush()
        else:  # a replaced text stream (an embedding program's, a test runner's)
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        return
    sys.stdout.flush()  # NOTE: /dev/stdout may be where the console text went: keep the order
    # NOTE: appended, not truncated: /dev/stdout redirected to a file already holds the console text.
    with open(where, "ab") as fh:
        fh.write(data)


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


class _Signals:
    """While outputs are written, SIGTERM interrupts as Ctrl-C does (``KeyboardInterrupt``), so
    the temporary files are removed; once their targets are being replaced, both wait.

    Only in the main thread, and only for a signal whose handler is Python's default (an
    ignored SIGINT, under ``nohup``, stays ignored).
    """

    def __enter__(self) -> _Signals:
        import signal
        import threading

        self._deferred = False
        self._saved: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for number, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
                if signal.getsignal(number) == default:
                    self._saved[number] = default
                    signal.signal(number, self._handle)
        return self

    def _handle(self, number: int, frame: object) -> None:
        if self._deferred:
            return
        self._deferred = True  # one interrupt: removing the temporary files is not interrupted
        raise KeyboardInterrupt

    def defer(self) -> None:
        self._deferred = True

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self._saved.items():
            signal.signal(number, handler)


def _in_memory(fill: Callable[[Sink], None]) -> bytes:
    buffer = io.BytesIO()
    sink = Sink(buffer)
    try:
        fill(sink)
    finally:
        sink.close()
    return buffer.getvalue()


_BATCH = 3 << 20
"""Bytes of pieces handed to the writer thread at a time (``Sink``)."""
_GZIP_WRAPPER = 18
"""A gzip member's header (10 bytes, no file name) and trailer (CRC-32 and size, 8 bytes)."""


class Sink:
    """Where a report's pieces go: a binary file, written by a background thread.

    NOTE: file writes and zlib release the GIL, so while a reporter builds the next piece
    of a large SARIF log in Python, the previous one is written and, with
    ``measure_gzip``, compressed (level 1) on another CPU to check GitHub's size limit:
    0.25 s of an 80 MB log's 0.6 s off the main thread (bench/README.md). Pieces go to the
    thread a few MB at a time (``_BATCH``), not one by one: each hand-over moves the GIL
    between the threads, and on a busy machine a thread that holds it can be preempted
    (the other then waits out the scheduler's slice). One by one, 200 hand-overs per 72 MB
    log cost 0.1 s of CPU and up to 0.4 s of wall time under load (issue 20). At most one
    batch waits while another is written: 4 MB batches with two waiting held 20 MB, 1.52×
    the floor's peak memory for six tools' 50k findings with SARIF; 3 MB with one, 8 MB
    less (issue 20, third round).
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
        self._held: list[bytes] = []
        """Pieces not yet handed to the thread (``_BATCH``)."""
        self._held_size = 0
        self._error: BaseException | None = None
        self._compress: Any = None

    def write(self, piece: bytes) -> None:
        if self._thread is None:
            import queue
            import threading
            import zlib

            self._queue = queue.Queue(maxsize=1)  # at most 1 batch (a few MB) waiting
            # NOTE: raw deflate, and the gzip wrapper's fixed 18 bytes added at the end
            # (``_drain``): the same size without computing a CRC-32 of the whole log
            # (0.013 s of 0.13 s for a 72 MB SARIF log).
            self._compress = zlib.compressobj(1, zlib.DEFLATED, -15) if self.measure_gzip else None
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
        self._held.append(piece)
        self._held_size += len(piece)
        if self._held_size >= _BATCH:
            self._queue.put(self._held)
            self._held, self._held_size = [], 0

    def _drain(self) -> None:
        fh, compress = self._fh, self._compress
        while True:
            batch = self._queue.get()
            if batch is None:
                break
            if self._error is not None:
                continue  # keep taking pieces so the writer never blocks on a full queue
            try:
                piece = batch[0] if len(batch) == 1 else b"".join(batch)
                fh.write(piece)
                if compress is not None:
                    self.gzip_size += len(compress.compress(piece))
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                self._error = e
        if compress is not None and self._error is None:
            self.gzip_size += len(compress.flush()) + _GZIP_WRAPPER

    def close(self) -> None:
        """Wait until everything is written; raise what writing raised."""
        if self._thread is not None:
            if self._held:
                self._queue.put(self._held)
                self._held, self._held_size = [], 0
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
