"""What a reporter is: a pure function from a verdict to UTF-8 text. It touches no file.

A reporter implements exactly one of two methods, by the base it derives from:

- ``TextReporter``: ``format(verdict) -> str``; its ``pieces`` are that text, encoded.
- ``StreamReporter``: ``pieces(verdict) -> Iterable[bytes]``, the text in pieces (a large
  JSON or SARIF log is megabytes); its ``format`` is the pieces joined and decoded.

Only ``gatekeeper.output`` writes the pieces to a file or stdout. A reporter whose output
has a size limit (SARIF: GitHub's 10 MB gzipped) declares it in ``gzip_limit`` and offers
ever smaller ``versions`` of its text; the writer keeps the first that fits.

Every reporter is built the same way by the CLI (``reporters.reporter_for``): keyword
``root``, the checkout root, which reporters that write paths make them relative to (the
others accept and ignore it).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator

from gatekeeper.verdict import Verdict

__all__ = ["Reporter", "StreamReporter", "TextReporter"]


class Reporter(abc.ABC):
    """Turns a verdict into text; derive from ``TextReporter`` or ``StreamReporter``."""

    gzip_limit: int | None = None
    """The most bytes the output may take gzipped (level 6), or ``None`` for no limit."""

    def __init__(self, *, root: str | None = None) -> None:
        self.root = root
        """The checkout root, made relative in the paths a report shows (``$GITHUB_WORKSPACE``)."""

    @abc.abstractmethod
    def pieces(self, verdict: Verdict) -> Iterable[bytes]:
        """The UTF-8 text of the report, in pieces."""

    @abc.abstractmethod
    def format(self, verdict: Verdict) -> str:
        """The whole report as text (its full version: see ``versions``)."""

    def versions(self, verdict: Verdict) -> Iterator[Iterable[bytes]]:
        """The report's pieces, then, while the writer asks for it, ever smaller versions of
        it that may fit ``gzip_limit``. The writer keeps the last one it is given."""
        yield self.pieces(verdict)


class TextReporter(Reporter):
    """A reporter of short text: implements ``format``."""

    @abc.abstractmethod
    def format(self, verdict: Verdict) -> str: ...

    def pieces(self, verdict: Verdict) -> Iterable[bytes]:
        return (self.format(verdict).encode("utf-8"),)


class StreamReporter(Reporter):
    """A reporter of large text, produced piece by piece: implements ``pieces``."""

    @abc.abstractmethod
    def pieces(self, verdict: Verdict) -> Iterable[bytes]: ...

    def format(self, verdict: Verdict) -> str:
        return b"".join(self.pieces(verdict)).decode("utf-8")
