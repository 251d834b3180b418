"""Compute a pure function of a large report's bytes in a forked child, beside the decoding.

NOTE (speed, issue 20): the checks of a report's text (its nesting depth and its colons,
``sources.files``) are C-speed passes over the bytes that hold the GIL, 0.07 s of the
generated 50k Trivy report's gate and 0.14 s of the real-shaped one's (bench/README.md);
orjson's decoding holds it too, so a thread gains nothing. A child forked with the bytes
already read shares them without a copy and computes the checks while the parent decodes.
Only where that is safe and gains: Linux (``fork`` without exec is unsafe on macOS), a
single-threaded process (forking a process with threads may deadlock the child), more than
one CPU, and a text of at least ``FORK_FROM`` bytes. Otherwise, or when the child fails in
any way, the function runs in this process: the answer is the same either way, and a
report the child could not check is checked here, never passed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

FORK_FROM = 16 << 20
"""Texts smaller than this (16 MiB) are checked in this process: the fork, about 1 ms, is
then a large share of the checks it would move."""


class Beside:
    """``fn(*args)``, started in a child when it helps; ``result()`` gives its value.

    Used as a context manager, so a child whose answer is not wanted (the decoding failed)
    is stopped and reaped, never left behind.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, size: int = 0) -> None:
        self._fn, self._args = fn, args
        self._pid = 0
        self._read = -1
        if size >= FORK_FROM and _can_fork():
            self._start()

    def _start(self) -> None:
        import marshal  # NOTE: here, not above: a small report's gate never forks (start-up)
        import signal

        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, write the answer, leave without any clean-up of the parent's
            code = 1
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                payload = marshal.dumps(self._fn(*self._args))
                view = memoryview(payload)
                while view:
                    view = view[os.write(write, view):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> Any:
        """The function's value: the child's, or computed here when there was no child or it failed."""
        if self._pid:
            chunks: list[bytes] = []
            try:
                while chunk := os.read(self._read, 1 << 16):
                    chunks.append(chunk)
            finally:
                status = self._reap()
            if status == 0 and chunks:
                import marshal

                try:
                    return marshal.loads(b"".join(chunks))
                except (EOFError, ValueError, TypeError):
                    pass
        return self._fn(*self._args)

    def _reap(self, kill: bool = False) -> int:
        pid, self._pid = self._pid, 0
        os.close(self._read)
        if kill:
            import signal

            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - it ended already
                pass
        while True:
            try:
                _, status = os.waitpid(pid, 0)
            except InterruptedError:  # pragma: no cover - retried by Python since 3.5
                continue
            except ChildProcessError:  # reaped by someone else (a SIGCHLD handler)
                return -1
            return os.waitstatus_to_exitcode(status)

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pid:
            self._reap(kill=True)


def _can_fork() -> bool:
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except OSError:  # pragma: no cover
        return False
